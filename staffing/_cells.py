"""Text cells written safely: never a formula in a workbook, escaped in a CSV file.

A school named ``=HYPERLINK("http://x","y")`` must reach the bureau's planner as the
text it is, not as a formula Excel or WPS evaluates (OWASP, "CSV Injection"). Every
writer of the library goes through this module:

* Excel: :class:`XlsxCells` writes text with xlsxwriter's ``write_string`` (stored
  as a string, never a formula) with Excel's quote-prefix flag set when it begins
  with a trigger character, so even editing it in Excel keeps it text. Numbers,
  dates and booleans stay typed.
* CSV: :func:`csv_escape` prefixes a text that begins with a trigger character
  (``= + - @``, tab, carriage return) with a single quote, as OWASP advises;
  :func:`csv_unescape` is its exact inverse, used by the county reader so that a
  county written as CSV reads back equal. The pair is a bijection on strings: a text
  that already looks escaped (quotes, then a trigger) gets one more quote.
* Parquet keeps types and is not escaped: no spreadsheet evaluates it.

Texts longer than :data:`EXCEL_TEXT_MAX` are refused when a county is validated
(Excel cannot hold them), not cut at write time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "EXCEL_TEXT_MAX", "csv_escape", "csv_unescape",
           "csv_escape_frame", "needs_escape", "XlsxCells", "new_workbook"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Most characters one Excel cell holds (Excel specifications and limits).
EXCEL_TEXT_MAX: int = 32_767


def needs_escape(text: str) -> bool:
    """Whether ``text`` begins (after any single quotes) with a formula trigger."""
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def csv_escape(value: object) -> object:
    """``value`` with a single quote prefixed if it is text a spreadsheet would evaluate.

    Examples
    --------
    >>> csv_escape('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> csv_escape("城关小学"), csv_escape(-3)
    ('城关小学', -3)
    """
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def csv_unescape(value: object) -> object:
    """The inverse of :func:`csv_escape`: ``"'=1+1"`` reads back as ``"=1+1"``.

    A text that begins with a quote but not quote(s) and a trigger is kept as written.
    """
    if isinstance(value, str) and value.startswith("'") and needs_escape(value[1:]):
        return value[1:]
    return value


def csv_escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell of its text columns escaped."""
    out = frame.copy()
    for j, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            out.isetitem(j, frame.iloc[:, j].map(csv_escape))
    return out


class _Exact(float):
    """A float xlsxwriter writes with all 17 significant digits (it formats ``.16G``),
    so that every float reads back exactly."""

    def __format__(self, spec: str) -> str:
        return repr(float(self))


class XlsxCells:
    """Safe cell writes into the sheets of one xlsxwriter workbook.

    Text is always written with ``write_string`` (xlsxwriter's ``write`` would store
    ``=…`` as a formula), with Excel's quote prefix when it begins with a trigger;
    numbers, booleans and dates stay typed; None, NaN and NaT leave the cell empty.
    """

    def __init__(self, workbook, header: dict | None = None) -> None:
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.header = workbook.add_format(header or {"bold": True})

    def write_header(self, ws, names: Iterable[object]) -> None:
        """Row 0: the header, text in the header format, never a formula."""
        for col, name in enumerate(names):
            ws.write_string(0, col, "" if name is None else str(name), self.header)

    def write_row(self, ws, row: int, values: Iterable[object]) -> None:
        """One row of cells starting at column 0."""
        for col, value in enumerate(values):
            self.write(ws, row, col, value)

    def write(self, ws, row: int, col: int, value: object) -> None:
        """One cell; see the class docstring."""
        value = _plain(value)
        if value is None:
            return
        if isinstance(value, str):
            ws.write_string(row, col, value, self.quoted if needs_escape(value) else None)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value)
        elif isinstance(value, dt.datetime):
            ws.write_datetime(row, col, value, self.datetime if (value.hour or value.minute)
                              else self.date)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.date)
        elif isinstance(value, int):
            ws.write_number(row, col, value)
        elif isinstance(value, float):
            if not math.isfinite(value):  # ±inf: Excel has no such number
                ws.write_string(row, col, str(value))
            elif float(f"{value:.16g}") != value:
                ws.write_number(row, col, _Exact(value))
            else:
                ws.write_number(row, col, value)
        else:
            ws.write_string(row, col, str(value))


def new_workbook(path: str | Path):
    """An xlsxwriter workbook at ``path`` that streams rows (constant memory) and
    stores the library's fixed timestamps (see :mod:`staffing._excel`)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                         "strings_to_formulas": False,
                                         "strings_to_numbers": False,
                                         "strings_to_urls": False})
    wb.set_properties({"author": "staffing"})
    return wb


def _plain(value: object) -> object:
    """Python scalars for openpyxl: numpy numbers as int/float, NaN/NaT/NA as None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, (dt.date, dt.datetime)):
        return value.item()
    if isinstance(value, (bool, int, float, dt.date, dt.datetime, dt.time)):
        return value
    return str(value)
