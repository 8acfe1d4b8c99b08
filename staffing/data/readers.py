"""Read a county from an Excel workbook, a folder of CSV or Parquet files, or one file.

Readers only find the tables and keep each cell as it was written (no type
guessing); :func:`staffing.data.validate.validate_tables` then checks and converts
everything, naming the file, sheet and spreadsheet row of every problem.
"""

from __future__ import annotations

import csv
import errno
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing._cells import csv_unescape
from staffing.data.county import County
from staffing.data.marks import EXCEL_ERRORS, FormulaCell
from staffing.data.schema import COUNTY_KEYS, SHEET_NAMES, columns_for
from staffing.data.validate import check_tables, validate_move_rules
from staffing.errors import Problem, StaffingDataError

if TYPE_CHECKING:
    from staffing.policy import Policy

__all__ = ["load_county", "EXCEL_SUFFIXES", "COUNTY_KEY_HEADERS", "COUNTY_VALUE_HEADERS"]

#: File suffixes read as Excel workbooks.
EXCEL_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm")

#: Accepted headers of the two columns of the county sheet.
COUNTY_KEY_HEADERS: tuple[str, ...] = ("key", "项目")
COUNTY_VALUE_HEADERS: tuple[str, ...] = ("value", "值")

#: How many leading non-blank rows are searched for the header row (title rows above).
_HEADER_SEARCH_ROWS = 10

#: A formula element (``<f>``, with any namespace prefix) in a worksheet's XML.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")

#: Rows of a column named in a warning about formula cells before "…".
_ROWS_SHOWN = 5


@dataclass
class _Sheet:
    """One table as read: cells as written, the sheet (or file) name, row numbers."""

    frame: pd.DataFrame
    sheet: str
    rows: list[int]
    warnings: list[Problem] = field(default_factory=list)


def load_county(
    path: str | Path,
    *,
    name: str | None = None,
    county_total: int | None = None,
    policy: Policy | None = None,
) -> County:
    """Read and validate one county from a workbook, a folder, or a single table file.

    Parameters
    ----------
    path : str or Path
        One of

        - an ``.xlsx`` workbook with sheets ``schools``/``学校`` (required),
          ``teachers``/``教师`` and ``county``/``县情`` (optional);
        - a folder holding ``schools.csv`` or ``学校.csv`` (and optionally the
          teachers and county files), UTF-8 with or without BOM, or the same
          names as ``.parquet`` files;
        - a single ``.csv`` or ``.parquet`` file holding the schools table.

        The county sheet has two columns, ``key``/``项目`` and ``value``/``值``,
        with rows ``name``/``县名`` and ``county_total``/``核定编制总量``. An optional
        ``move_rules``/``调动限制`` sheet (or file) holds the planner's move rules.
    name : str, optional
        County name; overrides the county sheet, which overrides the file stem.
    county_total : int, optional
        The approved county total quota; overrides the county sheet. Without
        either, the sum of the schools' approved quotas.
    policy : Policy, optional
        Supplies the plausibility limits used by validation.

    Returns
    -------
    County

    Raises
    ------
    StaffingDataError
        If the file is missing or unreadable, has no schools table (the sheets
        found are named), or any cell breaks a rule: every problem is listed with
        its file, sheet, row, column, value and rule.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "学校.csv").write_text(
    ...     "学校代码,学校名称,乡镇,学段,城乡属性,小学在校生数,初中在校生数,"
    ...     "小学班级数,初中班级数,核定编制数,在编在岗人数\\n"
    ...     "S1,城关小学,鹿城镇,小学,城区,950,0,21,0,48,47\\n", encoding="utf-8-sig")
    >>> county = load_county(folder, name="禄丰市")
    >>> county
    County('禄丰市', 1 schools, 0 teachers, county_total=48)
    >>> county.schools.loc["S1", "level"]
    'primary'
    """
    source = str(path)
    sheets = _read_sheets(Path(path), source)
    problems: list[Problem] = []
    facts = _county_facts(sheets.get("county"), source, problems)
    schools, teachers = sheets["schools"], sheets.get("teachers")
    try:
        checked = check_tables(
            schools.frame,
            None if teachers is None else teachers.frame,
            source=source,
            policy=policy,
            sheet_names={t: s.sheet for t, s in sheets.items()},
            row_numbers={t: s.rows for t, s in sheets.items()},
        )
    except StaffingDataError as exc:
        raise StaffingDataError(exc.problems + problems) from None
    rules = sheets.get("move_rules")
    clean_rules = None
    if rules is not None:
        try:
            clean_rules = validate_move_rules(rules.frame, checked.schools, checked.teachers,
                                              source=source, sheet=rules.sheet, rows=rules.rows)
        except StaffingDataError as exc:
            problems += exc.problems
    if problems:
        raise StaffingDataError(problems)
    county = County(
        checked.schools,
        checked.teachers,
        name=name if name is not None else facts.get("name", _default_name(Path(path))),
        county_total=county_total if county_total is not None else facts.get("county_total"),
        source=source,
        policy=policy,
        move_rules=clean_rules,
    )
    # with the file's sheets, rows and headers; formulas read as their stored values first
    county.warnings = [w for s in sheets.values() for w in s.warnings] + checked.warnings
    return county


def _default_name(path: Path) -> str:
    return path.resolve().name if path.is_dir() else path.stem


# ---------------------------------------------------------------------------- finding
def _fail(source: str, rule: str, sheet: str = "") -> StaffingDataError:
    return StaffingDataError([Problem(source, sheet, None, "", None, rule)])


def _table_of(stem: str) -> str | None:
    key = stem.strip().casefold()
    for table, names in SHEET_NAMES.items():
        if key in (n.casefold() for n in names):
            return table
    return None


def _read_sheets(path: Path, source: str) -> dict[str, _Sheet]:
    """The tables found at ``path``, keyed ``schools``/``teachers``/``county``."""
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13
        raise _fail(source, "symbolic link loop: the path points back to itself") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _fail(source, "symbolic link loop: the path points back to itself") from None
        if path.is_symlink():
            raise _fail(source, f"broken symbolic link to {os.readlink(path)}") from None
        raise _fail(source, "file not found") from None
    if path.is_dir():
        sheets = _read_folder(path, source)
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        sheets = _read_workbook(path, source)
    elif path.suffix.lower() == ".csv":
        sheets = {"schools": _read_csv(path, source, "schools")}
    elif path.suffix.lower() == ".parquet":
        sheets = {"schools": _read_parquet(path, source)}
    elif path.suffix.lower() == ".xls":
        raise _fail(source, "old .xls workbooks are not read; save it as .xlsx")
    else:
        raise _fail(source, "not a county file: expected an .xlsx workbook, a .csv or "
                    ".parquet file, or a folder of them")
    if "schools" not in sheets:
        raise _fail(source, "no schools table found")
    return sheets


def _read_folder(folder: Path, source: str) -> dict[str, _Sheet]:
    found: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        table = _table_of(file.stem)
        if table is None or file.suffix.lower() not in (".csv", ".parquet"):
            continue
        if table in found:
            raise _fail(source, f"two files hold the {table} table: "
                        f"{found[table].name} and {file.name}; keep one")
        found[table] = file
    if "schools" not in found:
        names = ", ".join(sorted(p.name for p in folder.iterdir())) or "none"
        raise _fail(source, "no schools table: expected schools.csv, 学校.csv, "
                    f"schools.parquet or 学校.parquet; files found: {names}")
    return {
        table: _read_csv(file, source, table) if file.suffix.lower() == ".csv"
        else _read_parquet(file, source)
        for table, file in found.items()
    }


# ---------------------------------------------------------------------------- formats
def _read_workbook(path: Path, source: str) -> dict[str, _Sheet]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise _fail(source, f"cannot read the file as an Excel workbook: {exc}") from None
    try:
        by_table: dict[str, str] = {}
        for title in wb.sheetnames:
            table = _table_of(title)
            if table is not None and table in by_table:
                raise _fail(source, f"two sheets hold the {table} table: "
                            f"{by_table[table]!r} and {title!r}; keep one")
            if table is not None:
                by_table[table] = title
        if "schools" not in by_table:
            raise _fail(source, "no sheet named schools or 学校; sheets found: "
                        + ", ".join(wb.sheetnames))
        grids = {table: _grid(wb[title]) for table, title in by_table.items()}
    finally:
        wb.close()
    formulas = _formula_grids(path, by_table) if _has_formulas(path) else {}
    sheets = {}
    for table, title in by_table.items():
        grid = grids[table]
        stored = _mark_formulas(grid, formulas.get(table, []))
        sheet = _grid_to_sheet(grid, list(range(1, len(grid) + 1)), title, table, source)
        if sheet is not None:
            sheet.warnings = _formula_warnings(sheet, stored, table, source)
            sheets[table] = sheet
    if "schools" not in sheets:
        raise _fail(source, "the schools sheet is empty", by_table["schools"])
    return sheets


def _grid(ws) -> list[list[object]]:
    """Every row of a read-only worksheet, as values."""
    ws.reset_dimensions()  # do not trust the stored size: read every row
    return [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (a scan of its XML, so that
    workbooks without formulas are parsed once)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if "worksheets/" not in member or not member.endswith(".xml"):
                    continue
                with archive.open(member) as f:
                    tail = b""
                    while chunk := f.read(1 << 20):
                        if _FORMULA_TAG.search(tail + chunk):
                            return True
                        tail = chunk[-64:]
    except (zipfile.BadZipFile, OSError, KeyError):
        return True  # let the second read say what is wrong
    return False


def _formula_grids(path: Path, by_table: dict[str, str]) -> dict[str, list[list[object]]]:
    """The workbook's sheets read again with formulas as written (``=…``), not values."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        return {table: _grid(wb[title]) for table, title in by_table.items()}
    finally:
        wb.close()


def _formula_text(cell: object) -> str | None:
    """The formula a cell read with ``data_only=False`` holds, None if it holds none."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(cell, ArrayFormula):
        return "{" + str(cell.text) + "}"
    if isinstance(cell, DataTableFormula):
        return "{=TABLE()}"
    return None


def _mark_formulas(grid: list[list[object]], formulas: list[list[object]]
                   ) -> list[tuple[int, int, str]]:
    """Put a :class:`FormulaCell` in ``grid`` wherever a formula has no stored value or an
    error value; return ``(row index, column, formula)`` of the formulas whose stored value
    is kept."""
    stored = []
    for r, (values, written) in enumerate(zip(grid, formulas, strict=False)):
        for j, cell in enumerate(written):
            value = values[j] if j < len(values) else None
            text = _formula_text(cell)
            if text is None and isinstance(cell, str) and cell.startswith("=") and cell != value:
                text = cell  # a text cell "=…" reads the same both ways: not a formula
            if text is None:
                continue
            if j >= len(values):
                values.extend([None] * (j + 1 - len(values)))
            if value is None or (isinstance(value, str) and value in EXCEL_ERRORS):
                values[j] = FormulaCell(text, None if value is None else value)
            else:
                stored.append((r, j, text))
    return stored


def _formula_warnings(sheet: _Sheet, stored: list[tuple[int, int, str]], table: str,
                      source: str) -> list[Problem]:
    """One warning per known column whose data cells hold formulas read as their values."""
    data_rows = {row - 1 for row in sheet.rows}  # grid index of each data row
    known = _known_headers(table)
    by_column: dict[int, list[tuple[int, str]]] = {}
    for r, j, text in stored:
        if r in data_rows and j < sheet.frame.shape[1]:
            by_column.setdefault(j, []).append((r + 1, text))
    warnings = []
    for j, cells in sorted(by_column.items()):
        header = str(sheet.frame.columns[j])
        if header.casefold() not in known:
            continue  # a column the library ignores
        rows = ", ".join(str(row) for row, _ in cells[:_ROWS_SHOWN])
        more = " …" if len(cells) > _ROWS_SHOWN else ""
        warnings.append(Problem(
            source, sheet.sheet, None, header, cells[0][1],
            f"{len(cells)} cell{'s' if len(cells) != 1 else ''} (rows {rows}{more}) hold "
            "formulas; read as the values stored with them when the file was last saved, "
            "which a program that does not calculate may have left wrong: check them, or "
            "paste them as values / 该列含公式，按文件保存时存储的计算结果读取，请核对或粘贴为数值"))
    return warnings


def _read_csv(path: Path, source: str, table: str) -> _Sheet:
    grid: list[list[object]] = []
    lines: list[int] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            for record in reader:
                grid.append([csv_unescape(v) for v in record])  # as written by us
                # the row a spreadsheet shows: a cell with a line break stays in one row
                lines.append(len(grid))
    except UnicodeDecodeError:
        raise _fail(source, "not UTF-8 text: save the file as 'CSV UTF-8'", path.name) from None
    except (OSError, csv.Error) as exc:
        raise _fail(source, f"cannot read the CSV file: {exc}", path.name) from None
    sheet = _grid_to_sheet(grid, lines, path.name, table, source)
    if sheet is None:
        raise _fail(source, "the file is empty", path.name)
    return sheet


def _read_parquet(path: Path, source: str) -> _Sheet:
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types
        raise _fail(source, f"cannot read the Parquet file: {exc}", path.name) from None
    return _Sheet(frame, path.name, list(range(2, len(frame) + 2)))


def _grid_to_sheet(grid: list[list[object]], rows: Sequence[int], sheet: str,
                   table: str, source: str = "") -> _Sheet | None:
    """Find the header row, drop wholly blank rows, keep every cell as written."""
    kept = [(r, cells) for r, cells in zip(rows, grid, strict=True) if not _blank_row(cells)]
    if not kept:
        return None
    at = _header_position([cells for _, cells in kept[:_HEADER_SEARCH_ROWS]], table)
    if at is None:
        later = _header_position([cells for _, cells in kept], table)
        if later is not None:
            raise _fail(source, f"no header row among the first {_HEADER_SEARCH_ROWS} non-blank "
                        f"rows, but row {kept[later][0]} looks like the header: delete the "
                        "rows above it", sheet)
        at = 0
    width = max(len(cells) for _, cells in kept)
    header = _pad(kept[at][1], width)
    body = [_pad(cells, width) for _, cells in kept[at + 1:]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    frame.columns = ["" if h is None else str(h).strip() for h in header]
    while width and frame.columns[width - 1] == "" and _blank_col(body, width - 1):
        width -= 1  # trailing empty columns; inner ones stay so positions match letters
    frame = frame.iloc[:, :width]
    return _Sheet(frame, sheet, [r for r, _ in kept[at + 1:]])


def _header_position(candidates: list[list[object]], table: str) -> int | None:
    """The first row holding two or more known headers (title rows may sit above)."""
    known = _known_headers(table)
    for i, cells in enumerate(candidates):
        hits = sum(isinstance(v, str) and v.strip().casefold() in known for v in cells)
        if hits >= 2:
            return i
    return None


def _known_headers(table: str) -> set[str]:
    """The headers the library reads in ``table``, casefolded."""
    if table == "county":
        return {h.casefold() for h in (*COUNTY_KEY_HEADERS, *COUNTY_VALUE_HEADERS)}
    return {h.strip().casefold() for c in columns_for(table) for h in c.headers()}


def _pad(cells: list[object], width: int) -> list[object]:
    return list(cells) + [None] * (width - len(cells))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value)
    )


def _blank_row(cells: list[object]) -> bool:
    return all(_blank(v) for v in cells)


def _blank_col(body: list[list[object]], j: int) -> bool:
    return all(_blank(row[j]) for row in body)


# ---------------------------------------------------------------------------- county
def _county_facts(sheet: _Sheet | None, source: str, problems: list[Problem]) -> dict:
    """``name`` and ``county_total`` from the key/value sheet; problems appended."""
    if sheet is None:
        return {}
    frame = sheet.frame
    key_col = _find_header(frame, COUNTY_KEY_HEADERS)
    value_col = _find_header(frame, COUNTY_VALUE_HEADERS)
    if key_col is None or value_col is None:
        problems.append(Problem(source, sheet.sheet, None, "", None,
                                "the county sheet needs a key (项目) and a value (值) column"))
        return {}
    lookup = {k.casefold(): k for k in COUNTY_KEYS} | {v: k for k, v in COUNTY_KEYS.items()}
    facts: dict[str, object] = {}
    seen: dict[str, int] = {}
    for row, key, value in zip(sheet.rows, frame.iloc[:, key_col], frame.iloc[:, value_col],
                               strict=True):
        where = (source, sheet.sheet, row)
        at, cell = (key_col, key) if isinstance(key, FormulaCell) else (value_col, value)
        if isinstance(cell, FormulaCell):
            problems.append(Problem(*where, frame.columns[at], cell.formula, cell.rule()))
            continue
        name = lookup.get(str(key).strip().casefold()) if not _blank(key) else None
        if name is None:
            allowed = ", ".join(f"{k} ({v})" for k, v in COUNTY_KEYS.items())
            problems.append(Problem(*where, frame.columns[key_col], _shown(key),
                                    f"unknown county key; allowed keys: {allowed}"))
            continue
        if name in seen:
            problems.append(Problem(*where, frame.columns[key_col], _shown(key),
                                    f"key given twice (also in row {seen[name]})"))
            continue
        seen[name] = row
        if _blank(value):
            continue
        parsed = _county_value(name, value)
        if parsed is None:
            problems.append(Problem(*where, frame.columns[value_col], _shown(value),
                                    "the county total quota must be a whole number ≥ 0"))
        else:
            facts[name] = parsed
    return facts


def _county_value(name: str, value: object) -> object | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if name == "name":
        return str(value).strip()
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not number.is_integer() or number < 0:
        return None
    return int(number)


def _find_header(frame: pd.DataFrame, accepted: tuple[str, ...]) -> int | None:
    keys = {h.casefold() for h in accepted}
    for j, header in enumerate(frame.columns):
        if str(header).strip().casefold() in keys:
            return j
    return None


def _shown(value: object) -> object:
    return "" if _blank(value) else value
