"""Voluntary transfers: mechanism speed and audit figures on synthetic counties.

Run: ``.venv/bin/python benchmarks/bench_transfers.py [--quick]``. For each seed, a
150-school county (楚雄市, about 3,200 teachers) with synthetic requests (20% of
teachers, three schools each) and the posts of leaving teachers as vacancies; every
mechanism is timed (median of 5 runs, 3 with --quick) and audited. The figures in
``docs/transfers.md`` come from this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.transfers import (  # noqa: E402
    TransferSettings,
    audit,
    synthetic_preferences,
    voluntary_transfers,
)

#: (label, mechanism, settings) of each variant measured.
VARIANTS = [
    ("to_be", "to_be", TransferSettings()),
    ("to_be_no_consent", "to_be", TransferSettings(transfer_school_consent=False)),
    ("da", "da", TransferSettings()),
    ("da_to_be", "da_to_be", TransferSettings()),
]
FIGURES = ["moved", "moved_by_exchange", "moved_to_vacancy", "first_choice",
           "worse_off", "blocking_pairs", "blocking_pairs_tenure", "envy_of_vacant_posts",
           "schools_worse_off"]


def measure(seed: int, vacancies: str | None, runs: int) -> list[dict]:
    county = st.synth.county(seed=seed)
    prefs = synthetic_preferences(county, seed=seed)
    rows = []
    for label, mechanism, settings in VARIANTS:
        med, _, _, plan = repeat(lambda m=mechanism, s=settings: voluntary_transfers(
            county, st.Policy(), prefs, vacancies=vacancies, mechanism=m, settings=s), runs)
        report = audit(plan, compare=False)
        fig = report.summary[mechanism]
        dist = report.rank_distribution[mechanism]
        rows.append({
            "seed": seed, "vacancies": vacancies or "none", "variant": label,
            "teachers": county.n_teachers, "requesting": int(fig["requesting"]),
            "seconds": med, **{k: int(fig[k]) for k in FIGURES},
            "got_1": int(dist.get("1", 0)), "got_2": int(dist.get("2", 0)),
            "got_3": int(dist.get("3", 0)),
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one seed, 3 runs")
    args = parser.parse_args()
    seeds = [0] if args.quick else [0, 1, 2]
    runs = 3 if args.quick else 5
    rows = [r for seed in seeds for vac in (None, "leaving") for r in measure(seed, vac, runs)]
    print_table(rows)


if __name__ == "__main__":
    main()
