"""Write a County as a workbook or a folder of CSV files that read back equal.

Both writers produce what a bureau's planner would type themselves: Chinese
(``lang="zh"``) or English (``lang="en"``) sheet names, headers and category
labels, so a written county can be edited by hand and loaded again with
:func:`staffing.load_county`. Files are written atomically.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing._cells import XlsxCells, csv_escape, new_workbook
from staffing._excel import pin_timestamps
from staffing._io import atomic_path
from staffing.data.schema import COUNTY_KEYS, SHEET_NAMES, Column, columns_for

if TYPE_CHECKING:
    from staffing.data.county import County

__all__ = ["write_county_excel", "write_county_csv", "LANGS"]

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
        return [(c.vocab or {})[v] for v in values]
    if c.kind in ("id", "text", "category"):
        return [str(v) for v in values]
    if c.kind == "int":
        return [int(v) for v in values]
    if c.kind == "float":
        return [None if math.isnan(v) else float(v) for v in values.astype("float64")]
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
