"""Write a County as a workbook or a folder of CSV files that read back equal.

Both writers produce what a bureau's planner would type themselves: Chinese
(``lang="zh"``) or English (``lang="en"``) sheet names, headers and category
labels, so a written county can be edited by hand and loaded again with
:func:`staffing.load_county`. Files are written atomically.
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from staffing._cells import XlsxCells, csv_escape, new_workbook
from staffing._excel import pin_timestamps
from staffing._io import atomic_path, atomic_write_bytes
from staffing.data.schema import COUNTY_KEYS, SHEET_NAMES, Column, columns_for

if TYPE_CHECKING:
    from staffing.data.county import County

__all__ = ["write_county_excel", "write_county_csv", "write_clusters_geojson",
           "write_graphml", "LANGS"]

#: Output languages: English codes and headers, or Chinese labels and headers.
LANGS: tuple[str, ...] = ("zh", "en")

#: Headers of the key/value county sheet, per language.
COUNTY_SHEET_HEADERS: dict[str, tuple[str, str]] = {"en": ("key", "value"), "zh": ("项目", "值")}

_BOOL_WORDS: dict[str, tuple[str, str]] = {"zh": ("是", "否"), "en": ("true", "false")}
_MIN_WIDTH, _MAX_WIDTH = 8, 40


def write_county_excel(county: County, path: str | Path, lang: str = "zh") -> None:
    """Write ``county`` as an ``.xlsx`` workbook that :func:`load_county` reads back equal.

    Sheets are ``学校``/``教师``/``县情`` (``lang="zh"``) or ``schools``/``teachers``/
    ``county`` (``"en"``); headers, category values and yes/no cells follow the
    language (是/否 in Chinese, Excel TRUE/FALSE in English); dates are Excel dates.
    The header row is bold and frozen and columns are sized to their content.
    The file is written to a temporary name and renamed, so a crash never leaves
    a half-written workbook, and its timestamps are fixed, so an equal county
    gives a byte-identical file.

    Parameters
    ----------
    county : County
    path : str or Path
        Target ``.xlsx`` file; replaced if it exists.
    lang : ``"zh"`` or ``"en"``

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from staffing.data import County, load_county
    >>> import pandas as pd
    >>> schools = pd.DataFrame({
    ...     "school_id": ["S1"], "name": ["城关小学"], "township": ["鹿城镇"],
    ...     "level": ["primary"], "location": ["urban"], "pupils_primary": [950],
    ...     "pupils_junior": [0], "classes_primary": [21], "classes_junior": [0],
    ...     "approved_quota": [48], "staff_in_post": [47]})
    >>> county = County(schools, name="禄丰市")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "lufeng.xlsx"
    >>> write_county_excel(county, path, lang="zh")
    >>> load_county(path) == county
    True
    """
    lang = _check_lang(lang)
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cells = XlsxCells(wb)
        for table, frame in _tables(county):
            columns = columns_for(table)
            header, rows = _export(frame, table, lang, for_excel=True)
            _add_sheet(wb, cells, _sheet_name(table, lang), header, rows, columns)
        key_header, value_header = COUNTY_SHEET_HEADERS[lang]
        county_rows = [[key, value] for key, value in _county_items(county, lang)]
        _add_sheet(wb, cells, _sheet_name("county", lang), [key_header, value_header],
                   county_rows, ())
        wb.close()
        pin_timestamps(tmp)  # equal counties give byte-identical workbooks


def write_county_csv(county: County, folder: str | Path, lang: str = "zh") -> None:
    """Write ``county`` as a folder of UTF-8 CSV files that :func:`load_county` reads back.

    Files are named like the sheets of :func:`write_county_excel` (``学校.csv``,
    ``教师.csv``, ``县情.csv`` or ``schools.csv``, ...), each with a byte-order mark so
    Excel opens the Chinese text correctly. Other files in ``folder`` are left alone
    (remove files of the other language yourself, or loading becomes ambiguous).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from staffing.data import County, load_county
    >>> import pandas as pd
    >>> schools = pd.DataFrame({
    ...     "school_id": ["S1"], "name": ["Chengguan"], "township": ["Lucheng"],
    ...     "level": ["primary"], "location": ["urban"], "pupils_primary": [950],
    ...     "pupils_junior": [0], "classes_primary": [21], "classes_junior": [0],
    ...     "approved_quota": [48], "staff_in_post": [47]})
    >>> county = County(schools, name="lufeng")
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "lufeng"
    >>> write_county_csv(county, folder, lang="en")
    >>> sorted(p.name for p in folder.iterdir())
    ['county.csv', 'schools.csv']
    >>> load_county(folder) == county
    True
    """
    lang = _check_lang(lang)
    folder = Path(folder)
    for table, frame in _tables(county):
        header, rows = _export(frame, table, lang, for_excel=False)
        _write_csv(folder / f"{_sheet_name(table, lang)}.csv", header, rows)
    county_rows = [[k, "" if v is None else str(v)] for k, v in _county_items(county, lang)]
    _write_csv(folder / f"{_sheet_name('county', lang)}.csv",
               list(COUNTY_SHEET_HEADERS[lang]), county_rows)


# ---------------------------------------------------------------------------- helpers
def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def _sheet_name(table: str, lang: str) -> str:
    english, chinese = SHEET_NAMES[table][:2]
    return chinese if lang == "zh" else english


def _tables(county: County) -> Iterable[tuple[str, pd.DataFrame]]:
    yield "schools", county.schools
    if county.teachers is not None:
        yield "teachers", county.teachers
    rules = getattr(county, "move_rules", None)
    if rules is not None and len(rules):
        yield "move_rules", rules.set_index("teacher_id")


def _county_items(county: County, lang: str) -> list[tuple[str, object]]:
    """Key/value rows; a county total that defaults to the quota sum is left empty."""
    def key(name: str) -> str:
        return COUNTY_KEYS[name] if lang == "zh" else name

    total = None if county.total_is_default else int(county.county_total)
    return [(key("name"), county.name), (key("county_total"), total)]


def _export(
    frame: pd.DataFrame, table: str, lang: str, *, for_excel: bool
) -> tuple[list[str], list[list[object]]]:
    """Headers and cell values (Python objects) of one canonical table."""
    columns = columns_for(table)
    flat = frame.reset_index()
    header = [c.zh if lang == "zh" else c.name for c in columns]
    cells = [_export_column(flat[c.name], c, lang, for_excel) for c in columns]
    return header, [list(row) for row in zip(*cells, strict=True)]


def _export_column(values: pd.Series, c: Column, lang: str, for_excel: bool) -> list[object]:
    if c.kind == "category" and lang == "zh":
        vocab = {**(c.vocab or {}), "": ""}  # "": an optional category left blank
        return [vocab[v] for v in values]
    if c.kind in ("id", "text", "category"):
        return [str(v) for v in values]
    if c.kind == "int":
        return [int(v) for v in values]
    if c.kind == "float":
        return [None if math.isnan(v) else float(v) for v in values.astype("float64")]
    if c.kind == "int_or_blank":  # whole numbers; a blank stays blank
        return [None if math.isnan(v) else int(v) for v in values.astype("float64")]
    if c.kind == "bool":
        if for_excel and lang == "en":
            return [bool(v) for v in values]
        yes, no = _BOOL_WORDS[lang]
        return [yes if v else no for v in values]
    if c.kind == "date":
        dates = [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]
        return dates if for_excel else [d.isoformat() if d else None for d in dates]
    raise ValueError(f"unknown column kind {c.kind!r}")


def _add_sheet(wb, cells: XlsxCells, title: str, header: list[str],
               rows: list[list[object]], columns: tuple[Column, ...]) -> None:
    """One streamed sheet: bold frozen header, text as text, dates formatted, sized columns.

    Cells go through :class:`staffing._cells.XlsxCells`, so a name like ``=A1`` is
    stored as text, never as a formula, and floats keep all 17 digits.
    """
    ws = wb.add_worksheet(title)
    kinds = [c.kind for c in columns]
    for j, name in enumerate(header):
        width = max([_width(name), *(_width(r[j]) for r in rows[:500])])
        if j < len(kinds) and kinds[j] == "date":
            width = max(width, 12)
        ws.set_column(j, j, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))
    ws.freeze_panes(1, 0)
    cells.write_header(ws, header)
    for r, row in enumerate(rows, start=1):
        cells.write_row(ws, r, row)


def _width(value: object) -> int:
    """Display width of a cell: East Asian wide characters count twice."""
    if value is None:
        return 0
    if isinstance(value, float | np.floating):
        text = f"{value:.6g}"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return repr(value)
        return str(value)

    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([csv_escape(h) for h in header])
            writer.writerows([[text(csv_escape(v)) for v in row] for row in rows])


# ---------------------------------------------------------------------------------------
# Partnership clusters and the school graph, for GIS tools


def write_clusters_geojson(county: County, clusters: pd.DataFrame, path: str | Path
                           ) -> Path:
    """Write schools and partnerships as a GeoJSON FeatureCollection (atomically).

    One ``Point`` feature per school (``[lon, lat]``; ``geometry`` null for a school
    without coordinates, so none is dropped) with properties ``school_id``, ``name``,
    ``township``, ``level``, ``location``, ``cluster_id``, ``lead_school``, ``role``,
    ``distance_km`` and ``note``; one ``LineString`` feature per member → lead
    partnership with ``kind`` = ``"partnership"``, ``cluster_id``, ``member``,
    ``lead`` and ``km``. UTF-8, Chinese names kept as they are; missing values are
    ``null``.

    Returns
    -------
    Path written.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=10, teachers=False)
    >>> from staffing.clusters import form_clusters
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.geojson"
    >>> p = write_clusters_geojson(county, form_clusters(county), out)
    >>> json.loads(p.read_text(encoding="utf-8"))["type"]
    'FeatureCollection'
    """
    path = Path(path)
    s = county.schools
    cl = clusters.reindex(s.index)
    props = pd.DataFrame({
        "school_id": s.index.astype(object),
        "name": s["name"].to_numpy(), "township": s["township"].to_numpy(),
        "level": s["level"].to_numpy(), "location": s["location"].to_numpy(),
        "cluster_id": cl["cluster_id"].to_numpy(), "lead_school": cl["lead_school"].to_numpy(),
        "role": cl["role"].to_numpy(), "distance_km": cl["distance_km"].to_numpy(),
        "note": cl["note"].to_numpy(),
    })
    lon = s["lon"].to_numpy(dtype=float)
    lat = s["lat"].to_numpy(dtype=float)
    has_xy = ~(np.isnan(lon) | np.isnan(lat))
    points = [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [x, y]} if ok else None,
         "properties": _json_record(rec)}
        for x, y, ok, rec in zip(lon.tolist(), lat.tolist(), has_xy.tolist(),
                                 props.to_dict("records"), strict=True)
    ]
    member = (cl["role"] == "member").to_numpy()
    xy = pd.DataFrame({"x": lon, "y": lat}, index=s.index)
    a = xy.reindex(s.index[member]).to_numpy()
    b = xy.reindex(pd.Index(cl["lead_school"].to_numpy()[member], dtype=object)).to_numpy()
    drawable = ~(np.isnan(a).any(axis=1) | np.isnan(b).any(axis=1))
    lines = [
        {"type": "Feature",
         "geometry": {"type": "LineString", "coordinates": [p, q]},
         "properties": {"kind": "partnership", "cluster_id": c, "member": m, "lead": ld,
                        "km": km}}
        for p, q, c, m, ld, km in zip(
            a[drawable].tolist(), b[drawable].tolist(),
            cl["cluster_id"].to_numpy()[member][drawable].tolist(),
            s.index[member][drawable].tolist(),
            cl["lead_school"].to_numpy()[member][drawable].tolist(),
            cl["distance_km"].to_numpy()[member][drawable].tolist(), strict=True)
    ]
    doc = {"type": "FeatureCollection", "name": county.name, "features": points + lines}
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))
    return path


def _json_record(record: dict[str, Any]) -> dict[str, Any]:
    """Missing values (None, NaN, pd.NA) as None; numpy scalars as Python scalars."""
    out = {}
    for k, v in record.items():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out[k] = None
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def write_graphml(graph: nx.Graph, path: str | Path) -> Path:
    """Write a school graph as GraphML (atomically), e.g. for Gephi or yEd.

    Attribute values GraphML cannot hold are converted: numpy scalars to Python
    scalars, missing values (None, pd.NA) are left out, anything else that is not a
    str, int, float or bool is written as its ``str``. NaN floats stay NaN. Build the
    graph with :func:`staffing.clusters.build_graph`, or call
    :func:`staffing.clusters.to_graphml` with a County.

    Returns
    -------
    Path written.
    """
    path = Path(path)
    clean = graph.__class__()
    clean.graph.update(_graphml_attrs(graph.graph))
    clean.add_nodes_from((str(n), _graphml_attrs(d)) for n, d in graph.nodes(data=True))
    clean.add_edges_from((str(u), str(v), _graphml_attrs(d))
                         for u, v, d in graph.edges(data=True))
    with atomic_path(path) as tmp:
        nx.write_graphml(clean, tmp, encoding="utf-8")
    return path


def _graphml_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, np.generic):
            v = v.item()
        if v is None or v is pd.NA or v is pd.NaT:
            continue
        if not isinstance(v, (str, int, float, bool)):
            v = str(v)
        out[str(k)] = v
    return out
