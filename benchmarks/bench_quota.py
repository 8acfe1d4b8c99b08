"""Quota model speed: build, solve and total per county, and overhead over bare HiGHS.

Run: ``.venv/bin/python benchmarks/bench_quota.py`` (prints one table; numbers go in
docs/performance.md). Medians of 5 runs; min and max of the total beside them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import bare_highs_seconds, print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.model.solve import solve  # noqa: E402


def measure(name: str, county: st.County, runs: int = 5) -> dict:
    """Time build, solve and the whole optimize() for one county."""
    policy = st.Policy()
    build_med, _, _, model = repeat(lambda: st.build_model(county, policy), runs)
    models = iter([st.build_model(county, policy) for _ in range(runs)])
    solve_med, _, _, _ = repeat(lambda: solve(next(models).prob), runs)
    total_med, total_min, total_max, plan = repeat(lambda: st.optimize(county, policy), runs)
    bare = bare_highs_seconds(model.prob, runs, mip_gap=1e-3,
                              options={"mip_heuristic_run_root_reduced_cost": False})
    size = model.size()
    return {
        "county": name,
        "schools": county.n_schools,
        "vars": size["variables"],
        "rows": size["constraints"],
        "build_s": build_med,
        "solve_s": solve_med,
        "total_s": total_med,
        "total_min": total_min,
        "total_max": total_max,
        "bare_highs_s": bare,
        "total/bare": total_med / bare if bare > 0 else float("nan"),
        "overhead": 1.0 - bare / total_med,
        "status": plan.status,
    }


def main() -> None:
    rows = [measure("synthetic 150", st.synth.county(seed=0, n_schools=150, teachers=False))]
    for name, county in st.synth.prefecture(0, teachers=False).items():
        rows.append(measure(name, county))
    print_table(rows)


if __name__ == "__main__":
    main()
