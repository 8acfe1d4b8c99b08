"""Writing readable workbooks: styled, frozen headers, fitted widths, atomic saves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from staffing._io import atomic_path

__all__ = ["write_frames", "style_header"]

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FIXED_TIME = pd.Timestamp("2024-01-01").to_pydatetime()  # same bytes for the same tables


def _width(values: pd.Series, header: str) -> float:
    """A column width that fits the header and the longest cell (CJK counts double)."""
    texts = [str(header), *values.astype(str).head(500).tolist()]
    longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts)
    return min(max(8.0, longest + 2.0), 60.0)


def style_header(ws, frame: pd.DataFrame) -> None:
    """Bold, shaded, frozen header row and fitted column widths on sheet ``ws``."""
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(frame[col], col)


def write_frames(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write each DataFrame to its own sheet (index not written), atomically.

    The workbook's creation and modification times are fixed so that the same tables
    give the same bytes, run after run.
    """
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for sheet, frame in sheets.items():
                frame.to_excel(writer, sheet_name=sheet[:31], index=False)
                style_header(writer.sheets[sheet[:31]], frame)
            props = writer.book.properties
            props.created = props.modified = _FIXED_TIME
            props.creator = "staffing"
