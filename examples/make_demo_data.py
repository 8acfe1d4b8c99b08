"""Write the demo workbook ``examples/data/demo_county.xlsx`` from a synthetic county.

A 36-school county named after 禄丰市 (made-up schools and teachers; see
:mod:`staffing.synth`), with Chinese sheet names and headers, as a bureau would keep
it. Run from anywhere::

    python examples/make_demo_data.py            # writes examples/data/demo_county.xlsx
    python examples/make_demo_data.py out.xlsx   # or another path

The bytes are reproducible: the library's workbook writer pins every timestamp
(:func:`staffing._excel.pin_timestamps`), so re-running the script on an unchanged
library gives an identical file (a clean ``git diff``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from staffing import synth

#: Where the workbook goes by default.
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "demo_county.xlsx"


def main(path: Path = DEFAULT_PATH) -> Path:
    """Generate the demo county and write it to ``path``; return the path."""
    county = synth.demo_county()
    county.to_excel(path, lang="zh")
    print(f"wrote {path}: {county.n_schools} schools, {county.n_teachers} teachers, "
          f"county total {county.county_total}")
    return path


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
