"""Where the bound-proving time goes (issue 19, part 3): chord cuts on the need prices.

Run: ``.venv/bin/python benchmarks/bench_bound.py [--seeds 0-5] [--runs 2]``. For each
150-school county ``synth.county(seed)`` (default Policy and ``mip_gap``), alternating
run by run so that machine load hits both alike, the model without and with the chord
cuts (``staffing.model.rotation.CHORD_CUTS``):

* the LP relaxation's gap to the optimum, ``(optimum − LP) / optimum``;
* ``optimize`` seconds (median, min–max) and its final objective;
* bare HiGHS on the model's MPS (same options, read excluded) handed the optimum as its
  start: what is left is proving the gap.

A last row gives medians over counties with min–max.

``--heuristics`` instead compares, the same way, HiGHS's default options with RINS and
RENS off (``mip_heuristic_run_rins = mip_heuristic_run_rens = false``): ``optimize``
seconds, and bare HiGHS from each run's optimum.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table  # noqa: E402
from bench_start import GAP, bare_once, seeds_of, spread  # noqa: E402

import staffing as st  # noqa: E402
import staffing.model.rotation as rotation  # noqa: E402
from staffing.model.solve import HIGHS_DEFAULTS  # noqa: E402

VARIANTS = (False, True)  # without, with the chord cuts


def lp_bound(path: str) -> float:
    """Objective of the LP relaxation of the MPS at ``path``."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(path)
    for j, kind in enumerate(h.getLp().integrality_):
        if int(kind):
            h.changeColIntegrality(j, highspy.HighsVarType.kContinuous)
    h.run()
    return h.getInfo().objective_function_value


def one_county(seed: int, runs: int, tmp: str) -> dict:
    county = st.synth.county(seed)
    paths, rows = {}, {}
    for cuts in VARIANTS:
        rotation.CHORD_CUTS = cuts
        model = st.build_model(county)
        paths[cuts] = str(Path(tmp) / f"m{seed}_{int(cuts)}.mps")
        model.prob.writeMPS(paths[cuts])
        rows[cuts] = model.prob.numConstraints()
    total = {v: [] for v in VARIANTS}
    finals = {v: [] for v in VARIANTS}
    oracle = {v: [] for v in VARIANTS}
    optimum: dict[bool, dict[str, float]] = {}
    try:
        for _ in range(runs):
            for cuts in VARIANTS:
                rotation.CHORD_CUTS = cuts
                begin = time.perf_counter()
                plan = st.optimize(county, mip_gap=GAP)
                total[cuts].append(time.perf_counter() - begin)
                finals[cuts].append(plan.solver.objective)
                optimum[cuts] = {x.name: float(x.varValue or 0.0)
                                 for x in plan.model.prob.variables()}
            for cuts in VARIANTS:
                oracle[cuts].append(bare_once(paths[cuts], optimum[cuts]))
    finally:
        rotation.CHORD_CUTS = True
    best = min(min(f) for f in finals.values())
    lp = {v: lp_bound(paths[v]) for v in VARIANTS}
    off, on = spread(total[False]), spread(total[True])
    return {
        "seed": seed,
        "rows_off": rows[False], "rows_on": rows[True],
        "lp_gap_off": (best - lp[False]) / abs(best), "lp_gap_on": (best - lp[True]) / abs(best),
        "off_s": off[0], "off_min": off[1], "off_max": off[2],
        "on_s": on[0], "on_min": on[1], "on_max": on[2],
        "on/off": on[0] / off[0],
        "opt_start_off_s": statistics.median(oracle[False]),
        "opt_start_on_s": statistics.median(oracle[True]),
        "final_off_vs_best": (statistics.median(finals[False]) - best) / abs(best),
        "final_on_vs_best": (statistics.median(finals[True]) - best) / abs(best),
    }


NO_RINS_RENS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}


def _heuristics(off: bool) -> None:
    """Switch RINS and RENS off (or back to HiGHS's default) for every solve in this run."""
    for key in NO_RINS_RENS:
        HIGHS_DEFAULTS.pop(key, None)
    if off:
        HIGHS_DEFAULTS.update(NO_RINS_RENS)


def one_county_heuristics(seed: int, runs: int, tmp: str) -> dict:
    county = st.synth.county(seed)
    path = str(Path(tmp) / f"m{seed}.mps")
    st.build_model(county).prob.writeMPS(path)
    total, oracle, finals = ({v: [] for v in VARIANTS} for _ in range(3))
    try:
        for _ in range(runs):
            for off in VARIANTS:
                _heuristics(off)
                begin = time.perf_counter()
                plan = st.optimize(county, mip_gap=GAP)
                total[off].append(time.perf_counter() - begin)
                finals[off].append(plan.solver.objective)
                optimum = {x.name: float(x.varValue or 0.0) for x in plan.model.prob.variables()}
                oracle[off].append(bare_once(path, optimum))
    finally:
        _heuristics(False)
    default, off = spread(total[False]), spread(total[True])
    return {
        "seed": seed,
        "default_s": default[0], "default_min": default[1], "default_max": default[2],
        "off_s": off[0], "off_min": off[1], "off_max": off[2],
        "off/default": off[0] / default[0],
        "opt_start_default_s": statistics.median(oracle[False]),
        "opt_start_off_s": statistics.median(oracle[True]),
        "final_off_vs_default": (statistics.median(finals[True])
                                 - statistics.median(finals[False]))
        / abs(statistics.median(finals[False])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0-5", help="synth.county seeds: 0-5 or 0,3,4")
    parser.add_argument("--runs", type=int, default=2, help="runs per county and variant")
    parser.add_argument("--heuristics", action="store_true",
                        help="compare RINS/RENS on (default) and off instead of the cuts")
    args = parser.parse_args()
    rows = []
    measure = one_county_heuristics if args.heuristics else one_county
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds_of(args.seeds):
            rows.append(measure(seed, args.runs, tmp))
            print(f"seed {seed} done", file=sys.stderr, flush=True)
    print_table(rows)
    print()
    for key in rows[0]:
        if key == "seed":
            continue
        med, lo, hi = spread([r[key] for r in rows])
        print(f"{key:>18}  {med:.4f} ({lo:.4f}–{hi:.4f})")


if __name__ == "__main__":
    main()
