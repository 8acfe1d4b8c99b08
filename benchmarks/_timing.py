"""Shared timing helpers for the benchmark scripts: medians, not single runs."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulp


def repeat(fn: Callable[[], Any], runs: int = 5) -> tuple[float, float, float, Any]:
    """Run ``fn`` ``runs`` times; return (median, min, max) seconds and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times), result


def bare_highs_seconds(prob: pulp.LpProblem, runs: int = 5, mip_gap: float | None = None,
                       options: dict | None = None) -> float:
    """Median seconds of highspy alone on ``prob`` exported as MPS (read excluded), with
    the options the library passes (so the ratio measures the library, not options)."""
    import highspy

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.mps"
        prob.writeMPS(str(path))
        times = []
        for _ in range(runs):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("random_seed", 0)
            if mip_gap is not None:
                h.setOptionValue("mip_rel_gap", float(mip_gap))
            for key, value in (options or {}).items():
                h.setOptionValue(key, value)
            h.readModel(str(path))
            start = time.perf_counter()
            h.run()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print rows as an aligned text table (floats to 3 decimals)."""
    if not rows:
        return
    cols = list(dict.fromkeys(c for r in rows for c in r))  # every column, first-seen order
    cells = [[f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols]
             for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


def seeds_of(text: str) -> list[int]:
    """Seeds from ``"0-5"`` (a range, both ends in) or ``"0,3,4"``."""
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]
