"""Every headline performance measure of staffing, in one table.

Run: ``.venv/bin/python benchmarks/run_all.py [--province] [--runs 5] [--seeds 10]``.
Each row is a median with its min and max (over the seeds where a row names them);
targets are issue 19's. Ratios compare the library with the bare HiGHS solve of the
same exported model, seed by seed in the same run; the aggregated model with the
teacher-level one; and the plan with a greedy plan a bureau would make by hand. The detailed tables come from the
bench_*.py scripts; the numbers are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch  # noqa: E402
import bench_horizon  # noqa: E402
from _timing import bare_highs_seconds, print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.baseline import evaluate, greedy_plan  # noqa: E402
from staffing.model.solve import current_values, solve, solve_with_fixed  # noqa: E402
from staffing.testing import teacher_level_model  # noqa: E402

GAP = 1e-3  # optimize()'s default relative gap
HIGHS_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False}
#: The scenario re-planned from the baseline's plan (examples/02_scenarios.ipynb).
SCENARIO = st.Policy(primary_ratio=18.0)


def row(measure: str, values: list[float] | tuple[float, float, float], target: str,
        met: bool | str, unit: str = "s"):
    """A table row from raw values, or from (median, min, max) when ``values`` is a tuple."""
    median, lo, hi = (values if isinstance(values, tuple)
                      else (statistics.median(values), min(values), max(values)))
    return {"measure": measure, "median": median, "min": lo, "max": hi, "unit": unit,
            "target": target, "met": met}


def one_county(runs: int, seeds: range) -> list[dict]:
    """The 150-school county over ``seeds``: ``optimize`` beside a bare HiGHS solve of the
    same model's MPS, seed by seed in one run (default HiGHS options, as issue 19 asks,
    and the library's own options)."""
    totals, ratios, ratios_own, warm_totals, warm_ratios = [], [], [], [], []
    for seed in seeds:
        county = st.synth.county(seed=seed, n_schools=150)
        total, _, _, baseline = repeat(lambda c=county: st.optimize(c), runs)
        model = st.build_model(county)
        bare = bare_highs_seconds(model.prob, runs, mip_gap=GAP)
        bare_own = bare_highs_seconds(model.prob, runs, mip_gap=GAP, options=HIGHS_OPTIONS)
        totals.append(total)
        ratios.append(total / bare)
        ratios_own.append(total / bare_own)
        # A scenario of the notebook, started from the baseline (warm_start, part 2).
        warm, _, _, _ = repeat(lambda c=county, b=baseline: st.optimize(
            c, SCENARIO, warm_start=b), runs)
        bare_scenario = bare_highs_seconds(st.build_model(county, SCENARIO).prob, runs,
                                           mip_gap=GAP)
        warm_totals.append(warm)
        warm_ratios.append(warm / bare_scenario)
    small = st.synth.county(seed=0, n_schools=40)
    agg, _, _, _ = repeat(lambda: st.optimize(small), runs)
    ref, _, _, _ = repeat(lambda: teacher_level_with_start(small), runs)
    span = f"seeds {seeds.start}–{seeds.stop - 1}"
    return [
        row(f"one county, 150 schools, 3,200 teachers: optimize ({span})", totals, "≤ 1.5 s",
            statistics.median(totals) <= 1.5),
        row("  library ÷ bare HiGHS, default options (same model)", ratios, "≤ 0.5",
            statistics.median(ratios) <= 0.5, unit="ratio"),
        row("  library ÷ bare HiGHS, the library's options", ratios_own, "—", "—",
            unit="ratio"),
        row("  scenario (primary_ratio 18) with warm_start=baseline", warm_totals,
            "≤ 1.5 s", statistics.median(warm_totals) <= 1.5),
        row("  that scenario ÷ bare HiGHS on its model, default options", warm_ratios,
            "≤ 0.5", statistics.median(warm_ratios) <= 0.5, unit="ratio"),
        row("  teacher-level (same start) / aggregated model, 40 schools", [ref / agg], "≥ 5",
            ref / agg >= 5, unit="ratio"),
    ]


def teacher_level_with_start(county: st.County) -> None:
    """Build and solve the teacher-level model (:func:`staffing.testing.teacher_level_model`)
    the way ``optimize`` solves its own: first the status quo — every move (``y_*``)
    and head's exchange (``hx_*``) at 0, the rest exact — then the search from it, so
    that both formulations get the same start (issue 19)."""
    prob = teacher_level_model(county)
    status_quo = {v.name: 0.0 for v in prob.variables() if v.name.startswith(("y_", "hx_"))}
    first = solve_with_fixed(prob, status_quo, mip_gap=0.0)
    start = current_values(prob) if first.status in ("optimal", "feasible") else None
    solve(prob, mip_gap=GAP, time_limit=600, start=start)


def five_year(runs: int) -> list[dict]:
    """The multi-year model: a five-year plan of the 150-school county (bench_horizon.py)."""
    total, lo, hi = bench_horizon.five_year_optimize(runs)
    return [row("five-year plan (horizon=5), 150 schools: optimize", (total, lo, hi),
                "≤ 10 s", total <= 10)]


def versus_greedy() -> list[dict]:
    """Unmet subject need and rural posts short: plan ÷ greedy, per prefecture county."""
    need, rural = [], []
    for county in st.synth.prefecture(0).values():
        policy = st.Policy()
        plan = st.optimize(county, policy)
        hand = greedy_plan(county, policy)
        ours = evaluate(county, policy, plan.quotas["new_quota"], plan.moves)
        theirs = evaluate(county, policy, hand["quotas"]["new_quota"], hand["moves"])
        need.append(ours["unmet_need_fte"] / theirs["unmet_need_fte"])
        rural.append((ours["rural_posts_short"] + 1) / (theirs["rural_posts_short"] + 1))
    return [
        row("plan / greedy: unmet subject need (prefecture counties)", need, "< 1",
            max(need) < 1, unit="ratio"),
        row("plan / greedy: rural posts short (+1 smoothed)", rural, "≤ 1",
            max(rural) <= 1, unit="ratio"),
    ]


def batches(runs: int, province: bool) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = bench_batch.write_prefecture(tmp / "prefecture")
        walls = [bench_batch.run(inputs, tmp / f"out{i}", workers=2)["wall_s"]
                 for i in range(runs)]
        rows.append(row("prefecture, 10 counties, 2 workers", walls, "≤ 5 s",
                        statistics.median(walls) <= 5))
        if province:
            inputs = bench_batch.write_province(tmp / "province")
            result = bench_batch.run(inputs, tmp / "outp", workers=2)
            rows.append(row("province, 130 counties, 2 workers", [result["wall_s"]],
                            "≤ 60 s", result["wall_s"] <= 60))
            if result["peak"] is not None:
                gib = result["peak"] / 2**30
                rows.append(row("  peak memory", [gib], "< 2 GiB", gib < 2, unit="GiB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--province", action="store_true", help="also the 130-county run")
    parser.add_argument("--seeds", type=int, default=10,
                        help="150-school counties synth.county(0..N-1) (default 10)")
    args = parser.parse_args()
    rows = (one_county(args.runs, range(args.seeds)) + five_year(args.runs) + versus_greedy()
            + batches(min(args.runs, 3), args.province))
    print_table(rows)


if __name__ == "__main__":
    main()
