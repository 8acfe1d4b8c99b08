"""A better first plan for the search (issue 19, part 1): the LP dive start vs the old one.

Run: ``.venv/bin/python benchmarks/bench_start.py [--seeds 0-5] [--runs 3]``. For each
150-school county ``synth.county(seed)`` (default Policy, default ``mip_gap``), in one
run and alternating run by run so that machine load hits all alike:

* ``optimize`` with the old start only (``start_rule="bounds"``: no moves, quotas exact);
* ``optimize`` with the new one as well (``start_rule="dive"``: the LP relaxation's
  moves rounded in a dive, the rest exact; the better of the two handed to HiGHS);
* bare HiGHS on the same model's MPS file (same options, read excluded), and again
  handed the final optimum as its start (what a perfect start could give at most).

Per county: the start's gap to the final optimum ``(start − final) / final``, total
``optimize`` seconds old and new (median, min–max), the search step's seconds, bare
HiGHS seconds (without and with the optimum as start) and the ratios new ÷ old and library (new) ÷ bare. A last row gives the
medians over counties with min–max.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table, seeds_of  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.build import solve_model  # noqa: E402
from staffing.model.solve import HIGHS_DEFAULTS  # noqa: E402

GAP = 1e-3  # optimize()'s default
VARIANTS = ("bounds", "dive")
#: The module (``staffing.optimize`` the name is the function, re-exported).
st_optimize = importlib.import_module("staffing.optimize")


def optimize_with(county: st.County, start_rule: str) -> st.Plan:
    """``st.optimize`` with the staged solve's start rule set (everything else default)."""
    saved = st_optimize.solve_model
    st_optimize.solve_model = functools.partial(solve_model, start_rule=start_rule)
    try:
        return st.optimize(county, mip_gap=GAP)
    finally:
        st_optimize.solve_model = saved


def bare_once(path: str, start: dict[str, float] | None = None) -> float:
    """Seconds of one bare highspy solve of the MPS at ``path`` (read excluded); with
    ``start`` ({column name: value}) handed over first with ``setSolution``."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", GAP)
    for key, value in HIGHS_DEFAULTS.items():
        h.setOptionValue(key, value)
    h.readModel(path)
    begin = time.perf_counter()
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = [float(start.get(h.getColName(j)[1], 0.0))
                              for j in range(h.getNumCol())]
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    return time.perf_counter() - begin


def spread(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def one_county(seed: int, runs: int) -> dict:
    county = st.synth.county(seed)
    total = {v: [] for v in VARIANTS}
    search = {v: [] for v in VARIANTS}
    start_gap = {v: [] for v in VARIANTS}
    finals, bare, oracle = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "model.mps")
        st.build_model(county).prob.writeMPS(path)
        for _ in range(runs):  # alternate: old, new, bare
            for v in VARIANTS:
                begin = time.perf_counter()
                plan = optimize_with(county, v)
                total[v].append(time.perf_counter() - begin)
                search[v].append(plan.solver.stages["search"])
                finals.append(plan.solver.objective)
                starts = plan.solver.start_objectives
                start_gap[v].append(min(starts.values()))
                optimum = {x.name: float(x.varValue or 0.0)
                           for x in plan.model.prob.variables()}
            bare.append(bare_once(path))
            oracle.append(bare_once(path, optimum))
    best = min(finals)
    gaps = {v: [(s - best) / abs(best) for s in start_gap[v]] for v in VARIANTS}
    old_t, new_t = spread(total["bounds"]), spread(total["dive"])
    return {
        "seed": seed,
        "start_gap_old": statistics.median(gaps["bounds"]),
        "start_gap_new": statistics.median(gaps["dive"]),
        "old_s": old_t[0], "old_min": old_t[1], "old_max": old_t[2],
        "new_s": new_t[0], "new_min": new_t[1], "new_max": new_t[2],
        "search_old_s": statistics.median(search["bounds"]),
        "search_new_s": statistics.median(search["dive"]),
        "bare_s": statistics.median(bare),
        "bare_opt_start_s": statistics.median(oracle),
        "new/old": new_t[0] / old_t[0],
        "new/bare": new_t[0] / statistics.median(bare),
        "old/bare": old_t[0] / statistics.median(bare),
        "final_spread": (max(finals) - best) / abs(best),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0-5", help="synth.county seeds: 0-5 or 0,3,4")
    parser.add_argument("--runs", type=int, default=3, help="runs per county and variant")
    args = parser.parse_args()
    rows = []
    for seed in seeds_of(args.seeds):
        rows.append(one_county(seed, args.runs))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    summary: dict = {"seed": "median (min–max)"}
    for key in rows[0]:
        if key == "seed":
            continue
        med, lo, hi = spread([r[key] for r in rows])
        summary[key] = f"{med:.3f} ({lo:.3f}–{hi:.3f})"
    print_table(rows)
    print()
    for key, text in summary.items():
        print(f"{key:>16}  {text}")


if __name__ == "__main__":
    main()
