"""Writing readable workbooks: styled, frozen headers, fitted widths, atomic saves."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from staffing._cells import XlsxCells, new_workbook
from staffing._io import atomic_path

__all__ = ["write_frames", "pin_timestamps", "FIXED_TIME"]

_HEADER_FILL = "#DDEBF7"
#: Written into every workbook instead of "now", so equal tables give equal bytes.
FIXED_TIME = pd.Timestamp("2024-09-01").to_pydatetime()
_CORE_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _width(values: pd.Series, header: str) -> float:
    """A column width that fits the header and the longest cell (CJK counts double)."""
    texts = [str(header), *(str(v) for v in values.head(500).tolist())]  # NaN included
    longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts)
    return min(max(8.0, longest + 2.0), 60.0)


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

    Rows are streamed (xlsxwriter in constant-memory mode), so the time grows
    linearly with the rows; every text cell is written as text, never as a formula
    (:class:`staffing._cells.XlsxCells`). The header row is bold, shaded and frozen
    and the columns are sized to their content. The workbook's timestamps are fixed
    so that the same tables give the same bytes, run after run.
    """
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cells = XlsxCells(wb, header={"bold": True, "bg_color": _HEADER_FILL,
                                      "valign": "vcenter"})
        for sheet, frame in sheets.items():
            ws = wb.add_worksheet(sheet[:31])
            for i in range(frame.shape[1]):
                ws.set_column(i, i, _width(frame.iloc[:, i], frame.columns[i]))
            ws.freeze_panes(1, 0)
            cells.write_header(ws, frame.columns)
            for r, row in enumerate(frame.itertuples(index=False, name=None), start=1):
                cells.write_row(ws, r, row)
        wb.close()
        pin_timestamps(tmp)
