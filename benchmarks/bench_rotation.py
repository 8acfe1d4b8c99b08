"""Joint quota + rotation model: size, build, solve, total; aggregated vs teacher-level.

Run: ``.venv/bin/python benchmarks/bench_rotation.py [--quick]``. Medians of 5 runs
(3 with --quick); the teacher-level binary model (``staffing.testing``) is solved
on the same county to compare speed at equal objective.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import bare_highs_seconds, print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.solve import solve  # noqa: E402
from staffing.testing import teacher_level_model  # noqa: E402

#: optimize()'s default relative gap, used for every solve here.
GAP = 1e-3
#: The HiGHS options staffing.model.solve sets (see its comments).
LIBRARY_HIGHS_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False}


def measure(name: str, county: st.County, runs: int, reference: bool) -> dict:
    """Build, solve and end-to-end times for one county, and the reference model's."""
    policy = st.Policy()
    build, _, _, model = repeat(lambda: st.build_model(county, policy), runs)
    total, lo, hi, plan = repeat(lambda: st.optimize(county, policy), runs)
    bare = bare_highs_seconds(model.prob, runs, mip_gap=GAP, options=LIBRARY_HIGHS_OPTIONS)
    size = model.size()
    row = {
        "county": name, "schools": county.n_schools, "teachers": county.n_teachers,
        "vars": size["variables"], "ints": size["integers"], "rows": size["constraints"],
        "build_s": build, "total_s": total, "min": lo, "max": hi, "bare_highs_s": bare,
        "overhead": max(0.0, 1.0 - bare / total), "moves": len(plan.moves),
        "status": plan.status,
    }
    if reference:
        start = time.perf_counter()
        prob = teacher_level_model(county, policy)
        stats = solve(prob, time_limit=600, mip_gap=GAP)
        ref = time.perf_counter() - start
        row["teacher_level_s"] = ref
        row["speedup"] = ref / total
        # Both are proven within GAP of their optimum, which is the same problem's.
        row["obj_diff"] = abs(stats.objective - plan.objective) / abs(plan.objective)
        row["within_gap"] = row["obj_diff"] <= GAP
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 runs, fewer counties")
    parser.add_argument("--no-reference", action="store_true", help="skip the teacher-level model")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    reference = not args.no_reference
    rows = [measure("synthetic 40", st.synth.county(seed=0, n_schools=40), runs, reference),
            measure("synthetic 150", st.synth.county(seed=0, n_schools=150), runs, reference)]
    for name, county in st.synth.prefecture(0).items():
        rows.append(measure(name, county, runs, reference=False))
        if args.quick:
            break
    print_table(rows)


if __name__ == "__main__":
    main()
