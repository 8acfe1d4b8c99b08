"""What the seed's newer measures cost in solve time: each block on vs off, side by side.

Run: ``.venv/bin/python benchmarks/bench_blocks.py [--quick] [--runs N]``. For each
synthetic 150-school county, in one run and alternating so that machine load hits every
setting alike, ``optimize`` under:

* ``without new blocks`` — mental-health need off (``mental_health_part_time_fte = 0``,
  threshold beyond any synthetic school) and the 优质均衡 aims and do no harm off (their
  weights 0), the
  other new measures at their defaults (off);
* ``+ mental-health need`` — measure 17 at its defaults;
* ``+ 优质均衡 aims`` — issue 16's PE/arts and music/art aims, do no harm off;
* ``defaults (+ 优质均衡 do no harm)`` — the library's defaults (the do-no-harm rows of
  ``staffing.model.no_harm`` too);
* ``+ class-teacher load`` — ``head_teacher_load_reduction = 4`` periods (measure 16);
* ``+ remote lessons`` — ``remote_enabled`` (measure 6);
* ``+ post-level caps`` — ``post_level_caps`` with posts moving with rotation, so the
  caps can bind (measure 10);
* ``+ heads`` — the same county with heads assigned (``synth.county(heads=True)``, when
  this version of synth offers it): heads teach their minimum load and exchange
  (measures 2 and 8).

``--horizon 5 --defaults-only`` measures what the blocks on by default cost a
five-year plan. Each row: median and min–max seconds of ``runs`` runs, the ratio to ``without new
blocks`` measured in the same run, the status and the model's size.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table  # noqa: E402

import staffing as st  # noqa: E402

GAP = 1e-3
NO_MENTAL_HEALTH = {"mental_health_part_time_fte": 0.0, "mental_health_full_time_pupils": 10_000}
NO_BALANCE_AIMS = {"weight_balance_pe_arts": 0.0, "weight_balance_music_art": 0.0,
                   "weight_balance_no_harm": 0.0}


def settings(seed: int) -> list[tuple[str, st.County, st.Policy]]:
    """(label, county, policy) for every setting measured on ``synth.county(seed)``."""
    county = st.synth.county(seed, name="楚雄市")
    out = [
        ("without new blocks", county, st.Policy(**NO_MENTAL_HEALTH, **NO_BALANCE_AIMS)),
        ("+ mental-health need", county, st.Policy(**NO_BALANCE_AIMS)),
        ("+ 优质均衡 aims", county, st.Policy(weight_balance_no_harm=0.0)),
        ("defaults (+ 优质均衡 do no harm)", county, st.Policy()),
        ("+ class-teacher load", county, st.Policy(head_teacher_load_reduction=4)),
        ("+ remote lessons", county, st.Policy(remote_enabled=True)),
        ("+ post-level caps", county,
         st.Policy(post_level_caps=True, post_moves_with=("transfer", "rotation"))),
    ]
    if "heads" in inspect.signature(st.synth.county).parameters:
        out.append(("+ heads", st.synth.county(seed, name="楚雄市", heads=True), st.Policy()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="seed 0 only, 1 run")
    parser.add_argument("--runs", type=int, default=None, help="runs per setting")
    parser.add_argument("--horizon", type=int, default=0,
                        help="later years planned too (optimize(horizon=…)); default 0")
    parser.add_argument("--defaults-only", action="store_true",
                        help="only the blocks on by default (the first four settings)")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    seeds = (0,) if args.quick else (0, 1, 2)
    times: dict[str, list[float]] = {}
    facts: dict[str, dict] = {}
    for seed in seeds:
        for _ in range(runs):
            chosen = settings(seed)[:4] if args.defaults_only else settings(seed)
            for label, county, policy in chosen:  # alternate settings within a run
                start = time.perf_counter()
                plan = st.optimize(county, policy, mip_gap=GAP, horizon=args.horizon)
                times.setdefault(label, []).append(time.perf_counter() - start)
                prob = plan.model.prob if plan.model is not None else None
                facts[label] = {"status": plan.status,
                                "variables": len(prob.variables()) if prob is not None else 0}
    base = statistics.median(times["without new blocks"])
    rows = [{"setting": label, "median_s": statistics.median(t), "min_s": min(t),
             "max_s": max(t), "÷ without": statistics.median(t) / base,
             "status (last)": facts[label]["status"],
             "variables (last)": facts[label]["variables"]} for label, t in times.items()]
    print(f"synth.county(seed in {seeds}, 150 schools), horizon {args.horizon}, "
          f"{runs} run(s) each, mip_gap {GAP}")
    print_table(rows)


if __name__ == "__main__":
    main()
