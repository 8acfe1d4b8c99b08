"""Warm starts across runs (issue 19, part 2): a known plan as the start of the next solve.

Run: ``.venv/bin/python benchmarks/bench_warm.py [--seeds 0-5] [--runs 2]``. For each
150-school county ``synth.county(seed)`` the baseline plan is solved once; then for
each change a planner makes between two runs, alternating run by run:

* ``cold``: ``optimize`` of the changed county/policy from scratch;
* ``warm``: the same with ``warm_start=baseline`` (its moves and hires carried over
  by meaning, repaired, the rest exact);
* ``warm`` with HiGHS's RINS sub-MIP off, with RENS off, and with both off during
  the search (from a start already within the gap they dominate the search,
  docs/performance.md, part 3): ``rins off``, ``rens off``, ``both off``.

Changes: ``same`` (nothing: a nightly re-run), three Policy variants of the scenario
notebook (``primary_ratio`` 18, ``rotation_share_min`` 0.15, ``pool_reserve_share``
0.02), ``retire`` (1% of teachers gone: every 100th teacher by id, staff in post
reduced) and ``enrol`` (pupils +5% at every tenth school). Per row: the warm start's
gap to the cold optimum ``(start − cold) / cold``, how many of the baseline's moves
the new model could take over, ``optimize`` seconds of each variant (median of the
runs) and its ratio to cold, and the largest difference of a final objective from
cold's, ``(variant − cold) / cold``.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table, seeds_of  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.build import solve_model  # noqa: E402
from staffing.testing import without_teachers  # noqa: E402

#: HiGHS options for the search from the warm start, per variant (None: cold run).
VARIANTS: dict[str, dict | None] = {
    "cold": None,
    "warm": {},
    "rins off": {"mip_heuristic_run_rins": False},
    "rens off": {"mip_heuristic_run_rens": False},
    "both off": {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False},
}
#: The module (``staffing.optimize`` the name is the function, re-exported).
st_optimize = importlib.import_module("staffing.optimize")


def optimize_with(county: st.County, policy: st.Policy, warm: st.Plan | None,
                  search: dict | None = None) -> st.Plan:
    """``st.optimize`` (defaults), optionally warm, with HiGHS options for a warm search."""
    saved = st_optimize.solve_model
    st_optimize.solve_model = functools.partial(solve_model, warm_search=search)
    try:
        return st.optimize(county, policy, warm_start=warm)
    finally:
        st_optimize.solve_model = saved


def enrol(county: st.County, every: int = 10, rise: float = 0.05) -> st.County:
    """Pupils +``rise`` at every ``every``-th school (by id)."""
    schools = county.schools.copy()
    at = schools.index.sort_values()[::every]
    for col in ("pupils_primary", "pupils_junior"):
        schools.loc[at, col] = (schools.loc[at, col] * (1 + rise)).round().astype(int)
    return st.County(schools.reset_index(), county.teachers.reset_index(),
                     name=county.name, county_total=county.county_total)


def changes(county: st.County) -> dict[str, tuple[st.County, st.Policy]]:
    base = st.Policy()
    return {
        "same": (county, base),
        "primary_ratio 18": (county, base.replace(primary_ratio=18.0)),
        "rotation_share_min 0.15": (county, base.replace(rotation_share_min=0.15)),
        "pool_reserve_share 0.02": (county, base.replace(pool_reserve_share=0.02)),
        "retire 1%": (without_teachers(county, 100), base),
        "enrol +5% at 10%": (enrol(county), base),
    }


def spread(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def one_county(seed: int, runs: int) -> list[dict]:
    county = st.synth.county(seed)
    baseline = st.optimize(county)
    rows = []
    for label, (c, p) in changes(county).items():
        times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        objective: dict[str, float] = {}
        gap_start, carried = [], ""
        for _ in range(runs):
            for variant, search in VARIANTS.items():
                begin = time.perf_counter()
                plan = optimize_with(c, p, None if search is None else baseline, search)
                times[variant].append(time.perf_counter() - begin)
                objective[variant] = plan.solver.objective
                if variant == "warm":
                    gap_start.append(plan.solver.start_objectives.get("warm", float("nan")))
                    w = plan.solver.warm_start
                    carried = f"{w['moves_carried']}/{w['moves_carried'] + w['moves_dropped']}"
        best = objective["cold"]
        row = {"seed": seed, "change": label, "moves carried": carried,
               "start gap": (statistics.median(gap_start) - best) / abs(best)}
        cold = statistics.median(times["cold"])
        for variant in VARIANTS:
            row[f"{variant} s"] = statistics.median(times[variant])
            if variant != "cold":
                row[f"{variant}/cold"] = row[f"{variant} s"] / cold
        row["final vs cold"] = max(abs(o - best) for o in objective.values()) / abs(best)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0-5", help="synth.county seeds: 0-5 or 0,3,4")
    parser.add_argument("--runs", type=int, default=1, help="runs per county, change and variant")
    args = parser.parse_args()
    rows = []
    for seed in seeds_of(args.seeds):
        rows += one_county(seed, args.runs)
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    print_table(rows)
    print()
    by_change: dict[str, list[dict]] = {}
    for r in rows:
        by_change.setdefault(r["change"], []).append(r)
    summary = []
    keys = ["start gap", *(f"{v} s" for v in VARIANTS),
            *(f"{v}/cold" for v in VARIANTS if v != "cold"), "final vs cold"]
    for label, rs in [*by_change.items(), ("all", rows)]:
        out: dict = {"change": label}
        for key in keys:
            med, lo, hi = spread([r[key] for r in rs])
            out[key] = f"{med:.3f} ({lo:.3f}–{hi:.3f})"
        summary.append(out)
    print_table(summary)


if __name__ == "__main__":
    main()
