"""Warm starts across runs (issue 19, part 2): a known plan as the start of the next solve.

Run: ``.venv/bin/python benchmarks/bench_warm.py [--seeds 0-5] [--runs 2]``. For each
150-school county ``synth.county(seed)`` the baseline plan is solved once; then for
each change a planner makes between two runs, alternating run by run:

* ``cold``: ``optimize`` of the changed county/policy from scratch;
* ``warm``: the same with ``warm_start=baseline`` (its moves and hires carried over
  by meaning, repaired, the rest exact);
* ``warm, RINS/RENS off``: the same, HiGHS's RINS and RENS sub-MIPs off during the
  search (they dominate the search from a start that is already within the gap,
  docs/performance.md, part 3).

Changes: ``same`` (nothing: a nightly re-run), three Policy variants of the scenario
notebook (``primary_ratio`` 18, ``rotation_share_min`` 0.15, ``pool_reserve_share``
0.02), ``retire`` (1% of teachers gone: every 100th teacher by id, staff in post
reduced) and ``enrol`` (pupils +5% at every tenth school). Per row: the warm start's
gap to the cold optimum ``(start − cold) / cold``, how many of the baseline's moves
the new model could take over, ``optimize`` seconds (median, min–max) and the ratios
warm ÷ cold, and the final objectives' difference (warm − cold) ÷ cold.
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

from _timing import print_table  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.build import solve_model  # noqa: E402

RINS_RENS_OFF = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}
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


def retire(county: st.County, every: int = 100) -> st.County:
    """Every ``every``-th teacher by id gone; schools' staff in post reduced to match."""
    teachers = county.teachers.sort_index()
    gone = teachers.index[::every]
    schools = county.schools.copy()
    lost = teachers.loc[gone, "school_id"].value_counts()
    schools["staff_in_post"] -= lost.reindex(schools.index, fill_value=0)
    return st.County(schools.reset_index(), teachers.drop(gone).reset_index(),
                     name=county.name, county_total=county.county_total)


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
        "retire 1%": (retire(county), base),
        "enrol +5% at 10%": (enrol(county), base),
    }


def spread(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def one_county(seed: int, runs: int) -> list[dict]:
    county = st.synth.county(seed)
    baseline = st.optimize(county)
    rows = []
    for label, (c, p) in changes(county).items():
        times: dict[str, list[float]] = {"cold": [], "warm": [], "off": []}
        objective: dict[str, float] = {}
        gap_start, carried, used = [], "", ""
        for _ in range(runs):
            for variant in times:
                begin = time.perf_counter()
                plan = optimize_with(c, p, None if variant == "cold" else baseline,
                                     RINS_RENS_OFF if variant == "off" else None)
                times[variant].append(time.perf_counter() - begin)
                objective[variant] = plan.solver.objective
                if variant == "warm":
                    gap_start.append(plan.solver.start_objectives.get("warm", float("nan")))
                    w = plan.solver.warm_start
                    carried = f"{w['moves_carried']}/{w['moves_carried'] + w['moves_dropped']}"
                    used = plan.solver.start_used
        cold_t, warm_t, off_t = spread(times["cold"]), spread(times["warm"]), spread(times["off"])
        best = objective["cold"]
        rows.append({
            "seed": seed, "change": label, "moves carried": carried, "start used": used,
            "start gap": (statistics.median(gap_start) - best) / abs(best),
            "cold s": cold_t[0], "cold min": cold_t[1], "cold max": cold_t[2],
            "warm s": warm_t[0], "warm min": warm_t[1], "warm max": warm_t[2],
            "off s": off_t[0], "off min": off_t[1], "off max": off_t[2],
            "warm/cold": warm_t[0] / cold_t[0], "off/cold": off_t[0] / cold_t[0],
            "final warm-cold": (objective["warm"] - best) / abs(best),
            "final off-cold": (objective["off"] - best) / abs(best),
        })
    return rows


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0-5", help="synth.county seeds: 0-5 or 0,3,4")
    parser.add_argument("--runs", type=int, default=2, help="runs per county, change and variant")
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
    for label, rs in [*by_change.items(), ("all", rows)]:
        out: dict = {"change": label}
        for key in ("start gap", "cold s", "warm s", "off s", "warm/cold", "off/cold",
                    "final warm-cold", "final off-cold"):
            med, lo, hi = spread([r[key] for r in rs])
            out[key] = f"{med:.3f} ({lo:.3f}–{hi:.3f})"
        summary.append(out)
    print_table(summary)


if __name__ == "__main__":
    main()
