"""What the fair allocation costs: convex shortfall prices vs linear ones, side by side.

Run: ``.venv/bin/python benchmarks/bench_fair.py [--quick]``. For each county, in one
run and alternating so that machine load hits both alike, ``optimize`` with the default
Policy (convex prices in relative shortfall and need, tie-break) and with the linear
prices of version 0.1 (``fair_steepness = fair_steepness_need = tie_break_share = 0``;
same model size, every step priced alike). Medians with min–max of ``runs`` runs; the
three steps of a solve (start, search, polish) from ``plan.solver.stages``; and bare
HiGHS on the same model (MPS, search only, same options) for the library's ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import bare_highs_seconds, print_table  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.solve import HIGHS_DEFAULTS, HIGHS_MULTIYEAR  # noqa: E402

GAP = 1e-3
LINEAR = {"fair_steepness": 0.0, "fair_steepness_need": 0.0, "tie_break_share": 0.0}


def run(county: st.County, policy: st.Policy, runs: int, horizon: int = 0) -> dict:
    """optimize() ``runs`` times: medians and ranges of the total and of each step."""
    totals, stages, plan = [], [], None
    for _ in range(runs):
        plan = st.optimize(county, policy, mip_gap=GAP, horizon=horizon)
        totals.append(plan.solver.time_s)
        stages.append(plan.solver.stages)
    med = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    return {"total": statistics.median(totals), "min": min(totals), "max": max(totals),
            **med, "status": plan.status, "gap": plan.solver.gap, "plan": plan}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one county, 3 runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per county and prices")
    parser.add_argument("--horizon", type=int, default=0, help="years ahead (multi-year plans)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    counties = [("楚雄市 seed 0", st.synth.county(0, name="楚雄市"))]
    if not args.quick:
        counties += [(f"楚雄市 seed {s}", st.synth.county(s, name="楚雄市")) for s in (1, 2)]
        counties += [("no teachers, 150", st.synth.county(0, name="楚雄市", teachers=False))]
    rows = []
    for name, county in counties:
        results = {}
        for label, policy in (("convex", st.Policy()), ("linear", st.Policy(**LINEAR))):
            results[label] = run(county, policy, runs, args.horizon)
        model = st.build_model(county, st.Policy(), horizon=args.horizon)
        options = {**HIGHS_DEFAULTS, **(HIGHS_MULTIYEAR if args.horizon else {})}
        bare = bare_highs_seconds(model.prob, runs, mip_gap=GAP, options=options)
        for label, r in results.items():
            rows.append({
                "county": name, "prices": label, "total_s": r["total"], "min": r["min"],
                "max": r["max"], "start_s": r.get("start", 0.0), "search_s": r.get("search", 0.0),
                "polish_s": r.get("polish", 0.0), "status": r["status"],
                "gap": r["gap"],
            })
        rows[-2]["convex/linear"] = results["convex"]["total"] / results["linear"]["total"]
        rows[-2]["bare_highs_s"] = bare
        rows[-2]["search/bare"] = results["convex"].get("search", 0.0) / bare if bare else 0.0
    print_table(rows)


if __name__ == "__main__":
    main()
