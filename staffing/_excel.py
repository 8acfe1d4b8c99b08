"""Writing readable workbooks: styled, frozen headers, fitted widths, atomic saves."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from staffing._cells import excel_cell, excel_row
from staffing._io import atomic_path

__all__ = ["write_frames", "header_cell", "size_columns", "pin_timestamps", "FIXED_TIME"]

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
#: Written into every workbook instead of "now", so equal tables give equal bytes.
FIXED_TIME = pd.Timestamp("2024-09-01").to_pydatetime()
_CORE_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _width(values: pd.Series, header: str) -> float:
    """A column width that fits the header and the longest cell (CJK counts double)."""
    texts = [str(header), *(str(v) for v in values.head(500).tolist())]  # NaN included
    longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts)
    return min(max(8.0, longest + 2.0), 60.0)


def header_cell(ws, text: object):
    """A bold, shaded header cell for write-only sheet ``ws`` (text, never a formula)."""
    cell = excel_cell(ws, "" if text is None else str(text))
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=False)
    return cell


def size_columns(ws, frame: pd.DataFrame) -> None:
    """Fit the column widths of sheet ``ws`` to ``frame`` (before any row is written)."""
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(frame.iloc[:, i - 1], col)


def pin_timestamps(path: str | Path) -> None:
    """Rewrite an ``.xlsx`` file in place with every timestamp set to :data:`FIXED_TIME`.

    openpyxl stamps the document properties (``docProps/core.xml``) and each zip entry
    with the time of saving; this rewrites both, member by member in the same order, so
    equal workbooks give equal bytes. Call it on a temporary file before the atomic
    rename.
    """
    path = Path(path)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = _CORE_STAMP.sub(lambda m: m.group(1) + stamp + m.group(3), data)
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            zout.writestr(member, data)


def write_frames(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write each DataFrame to its own sheet (index not written), atomically.

    Sheets are streamed (openpyxl write-only mode), so the time grows linearly with
    the rows; every text cell is written as text, never as a formula
    (:func:`staffing._cells.excel_cell`). The workbook's creation and modification
    times are fixed so that the same tables give the same bytes, run after run.
    """
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for sheet, frame in sheets.items():
        ws = wb.create_sheet(sheet[:31])
        size_columns(ws, frame)
        ws.freeze_panes = "A2"
        ws.append([header_cell(ws, c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append(excel_row(ws, row))
    wb.properties.creator = "staffing"
    with atomic_path(path) as tmp:
        wb.save(tmp)
        pin_timestamps(tmp)
