"""Multi-year plans: ``optimize(horizon=H)`` on 150-school counties with teachers.

Run: ``.venv/bin/python benchmarks/bench_horizon.py [--quick]``. Prints three tables
(numbers go in docs/performance.md):

1. five-year plan (``horizon=5``), one row per county ``synth.county(seed=s)`` for
   seeds 0–4 (0–2 with --quick; default size 150 schools, ~3,200 teachers), with the
   build / solve / read-back split (``build_model`` → ``solve`` → ``Plan.from_model``,
   the three steps of ``optimize``), the MIP gap reached and the status; a last row
   gives the median, min and max over the seeds against the target "five-year county
   plan under 15 s";
2. growth from horizon 0 to 5 on seed 0: model size (variables, integers, rows) and the
   median ``optimize`` time of 5 runs (3 with --quick, horizons 0, 1 and 5 only), with
   min and max, each as a ratio to horizon 0;
3. library vs bare HiGHS on the seed-0 five-year model exported as MPS (read
   excluded), with the HiGHS options the library passes: ``solve`` alone and the whole
   ``optimize`` as ratios to the bare solve.

Every solve uses ``optimize``'s defaults (0.1% relative gap, 60 s time limit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import bare_highs_seconds, print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.solve import HIGHS_DEFAULTS, HIGHS_MULTIYEAR, solve  # noqa: E402

#: optimize()'s default relative gap and time limit, used for every solve here.
GAP = 1e-3
TIME_LIMIT = 60.0
#: The five-year plan of the target.
HORIZON = 5
#: Target: a five-year plan for one 150-school county, whole optimize().
TARGET_S = 15.0


def library_highs_options() -> dict:
    """The HiGHS options ``optimize(horizon=…)`` passes (the library's defaults and its
    multi-year options), plus the time limit."""
    return {**HIGHS_DEFAULTS, **HIGHS_MULTIYEAR, "time_limit": TIME_LIMIT}


def five_year(seed: int, policy: st.Policy) -> dict:
    """One five-year plan, step by step: build, solve, read back."""
    county = st.synth.county(seed=seed)
    t0 = time.perf_counter()
    model = st.build_model(county, policy, horizon=HORIZON)
    t1 = time.perf_counter()
    stats = solve(model.prob, time_limit=TIME_LIMIT, mip_gap=GAP, options=HIGHS_MULTIYEAR)
    t2 = time.perf_counter()
    plan = st.Plan.from_model(model, stats)
    t3 = time.perf_counter()
    size = model.size()
    total = t3 - t0
    return {
        "county": f"seed {seed}", "schools": county.n_schools, "teachers": county.n_teachers,
        "vars": size["variables"], "ints": size["integers"], "rows": size["constraints"],
        "build_s": t1 - t0, "solve_s": t2 - t1, "read_s": t3 - t2, "total_s": total,
        "solve_share": (t2 - t1) / total, "gap_%": 100 * stats.gap, "status": plan.status,
        "hires": int(plan.hires["count"].sum()) if plan.hires is not None else 0,
        "moves": len(plan.moves) if plan.moves is not None else 0,
        "met": total < TARGET_S,
    }


def summary(rows: list[dict]) -> dict:
    """Median of every timing over the seeds, min and max of the total, largest gap."""
    def med(col: str) -> float:
        return statistics.median(r[col] for r in rows)

    totals = [r["total_s"] for r in rows]
    total = statistics.median(totals)
    return {
        "county": f"median of {len(rows)}", "build_s": med("build_s"), "solve_s": med("solve_s"),
        "read_s": med("read_s"), "total_s": total, "min": min(totals), "max": max(totals),
        "solve_share": med("solve_share"), "gap_%": max(r["gap_%"] for r in rows),
        "status": ",".join(sorted({r["status"] for r in rows})), "met": total < TARGET_S,
        "target": f"< {TARGET_S:g} s",
    }


def growth(county: st.County, policy: st.Policy, horizons: list[int], runs: int
           ) -> tuple[list[dict], st.Plan]:
    """Model size and median optimize time per horizon, as ratios to horizon 0."""
    rows, plan = [], None
    for h in horizons:
        size = st.build_model(county, policy, horizon=h).size()
        total, lo, hi, plan = repeat(lambda h=h: st.optimize(county, policy, horizon=h), runs)
        rows.append({"horizon": h, "vars": size["variables"], "ints": size["integers"],
                     "rows": size["constraints"], "total_s": total, "min": lo, "max": hi,
                     "gap_%": 100 * plan.solver.gap, "status": plan.status})
    base = rows[0]
    for r in rows:
        r["vars_x"] = r["vars"] / base["vars"]
        r["ints_x"] = r["ints"] / base["ints"]
        r["rows_x"] = r["rows"] / base["rows"]
        r["time_x"] = r["total_s"] / base["total_s"]
    return rows, plan


def versus_bare(county: st.County, policy: st.Policy, runs: int, optimize_s: float) -> dict:
    """Library ``solve`` and whole ``optimize`` against bare HiGHS on the same model."""
    model = st.build_model(county, policy, horizon=HORIZON)
    solve_s, lo, hi, stats = repeat(
        lambda: solve(model.prob, time_limit=TIME_LIMIT, mip_gap=GAP, options=HIGHS_MULTIYEAR), runs)
    options = library_highs_options()
    bare = bare_highs_seconds(model.prob, runs, mip_gap=GAP, options=options)
    return {
        "model": f"seed 0, horizon {HORIZON}", "library_solve_s": solve_s, "solve_min": lo,
        "solve_max": hi, "optimize_s": optimize_s, "bare_highs_s": bare,
        "solve/bare": solve_s / bare, "optimize/bare": optimize_s / bare,
        "overhead": max(0.0, 1.0 - bare / optimize_s), "status": stats.status,
        "options": ",".join(f"{k}={v}" for k, v in options.items()),
    }


def five_year_optimize(runs: int) -> tuple[float, float, float]:
    """(median, min, max) seconds of ``optimize(horizon=5)`` on seed 0 (for run_all)."""
    county = st.synth.county(seed=0)
    total, lo, hi, _ = repeat(lambda: st.optimize(county, horizon=HORIZON), runs)
    return total, lo, hi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="3 seeds and runs, horizons 0, 1 and 5 only")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    seeds = range(runs)
    horizons = [0, 1, HORIZON] if args.quick else list(range(HORIZON + 1))
    policy = st.Policy()

    print(f"1. Five-year plan (horizon={HORIZON}), 150 schools, one run per seed; "
          f"target < {TARGET_S:g} s")
    rows = [five_year(seed, policy) for seed in seeds]
    print_table(rows + [summary(rows)])

    print(f"\n2. Horizon 0 to {HORIZON}, seed 0: median of {runs} optimize runs, "
          "ratios to horizon 0")
    county = st.synth.county(seed=0)
    grown, _ = growth(county, policy, horizons, runs)
    print_table(grown)

    print(f"\n3. Library vs bare HiGHS, seed 0, horizon {HORIZON} (medians of {runs})")
    print_table([versus_bare(county, policy, runs, grown[-1]["total_s"])])


if __name__ == "__main__":
    main()
