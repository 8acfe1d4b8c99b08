"""Writing a county workbook: time against the number of teachers.

Run: ``.venv/bin/python benchmarks/bench_writes.py`` (prints one table). Medians of 3
runs with min and max beside them. Counties of N teachers are synthetic 150-school
counties put side by side (school and teacher ids prefixed by the seed), cut to N
teachers.

Writers measured:

* ``County.to_excel`` — the library: xlsxwriter in constant-memory mode, text through
  ``write_string`` (never a formula);
* ``openpyxl write-only`` — the same cells through openpyxl's write-only (streaming)
  mode, the alternative measured against it (openpyxl uses lxml when it is installed;
  the table says which).

The writer before issue 14 (openpyxl in normal mode, rescanning the sheet for every
row) took 8.0 s, 30.2 s and 262 s at 2,000, 4,000 and 8,000 teachers on the same
machine, under load from other jobs (docs/performance.md).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.data.writers import _export, _sheet_name, _tables  # noqa: E402

SIZES = (2_000, 4_000, 8_000, 100_000)


def county_of(n_teachers: int) -> st.County:
    """Synthetic counties side by side until ``n_teachers`` teachers, then cut."""
    schools, teachers, seed = [], [], 0
    while sum(len(t) for t in teachers) < n_teachers:
        c = st.synth.county(seed=seed, n_schools=150)
        s, t = c.schools.copy(), c.teachers.copy()
        s.index = f"{seed}-" + s.index
        t.index = f"{seed}-" + t.index
        t["school_id"] = f"{seed}-" + t["school_id"]
        schools.append(s)
        teachers.append(t)
        seed += 1
    return st.County(pd.concat(schools), pd.concat(teachers).iloc[:n_teachers], name="bench")


def write_openpyxl(county: st.County, path: Path, lang: str = "zh") -> None:
    """The county's cells through openpyxl's write-only mode (text kept as text)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    for table, frame in _tables(county):
        header, rows = _export(frame, table, lang, for_excel=True)
        ws = wb.create_sheet(_sheet_name(table, lang))
        ws.freeze_panes = "A2"
        ws.append(header)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            ws.append(cells)
    wb.save(path)


def main() -> None:
    import openpyxl

    other = f"openpyxl write-only{' + lxml' if openpyxl.LXML else ''} s (min–max)"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            county = county_of(n)
            path = Path(tmp) / f"c{n}.xlsx"
            med, lo, hi, _ = repeat(lambda c=county, p=path: c.to_excel(p), runs=3)
            med2, lo2, hi2, _ = repeat(lambda c=county, p=path: write_openpyxl(c, p), runs=3)
            row = {"teachers": f"{n:,}",
                   "County.to_excel s (min–max)": f"{med:.2f} ({lo:.2f}–{hi:.2f})",
                   other: f"{med2:.2f} ({lo2:.2f}–{hi2:.2f})"}
            rows.append(row)
            print(row, flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
