"""Text cells written safely: never a formula in a workbook, escaped in a CSV file.

A school named ``=HYPERLINK("http://x","y")`` must reach the bureau's planner as the
text it is, not as a formula Excel or WPS evaluates (OWASP, "CSV Injection"). Every
writer of the library goes through this module:

* Excel: :func:`excel_cell` makes a write-only cell whose text is stored as a string
  (``data_type = "s"``, never ``"f"``) with Excel's quote-prefix flag set when it
  begins with a trigger character, so even editing it in Excel keeps it text.
  Numbers, dates and booleans stay typed.
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
from collections.abc import Iterable

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "EXCEL_TEXT_MAX", "csv_escape", "csv_unescape",
           "csv_escape_frame", "needs_escape", "excel_cell", "excel_row"]

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


def excel_cell(ws, value: object, *, number_format: str | None = None):
    """One write-only cell of sheet ``ws`` holding ``value``; text is never a formula.

    ``value`` may be text, a number, a bool, a date or None (empty); numpy and pandas
    scalars are converted, NaN and NaT become empty cells.
    """
    from openpyxl.cell import WriteOnlyCell

    value = _plain(value)
    cell = WriteOnlyCell(ws, value=None)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if needs_escape(value):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    else:
        cell.value = value
        if number_format is not None:
            cell.number_format = number_format
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm" if (value.hour or value.minute) \
                else "yyyy-mm-dd"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    return cell


def excel_row(ws, values: Iterable[object]) -> list:
    """:func:`excel_cell` for each value of one row."""
    return [excel_cell(ws, v) for v in values]


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
