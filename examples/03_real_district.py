"""Plan one Malaysian school district from the public Ministry of Education school list.

A test of the machinery on data nobody here wrote: the July 2025 "Senarai Sekolah" of
the Malaysian Ministry of Education (10,239 schools; see ``shared/realdata/README.md``).
One district education office (PPD) becomes one County — the planning unit, as a
Chinese county is — and is planned with the library's defaults. Malaysia does not
staff by Chinese norms (its pupil–teacher ratios are far lower), so read the output
as a check that loading, validation, planning and metrics work on real data, not as
policy advice for Malaysia.

The data are read from where they lie and never copied into the project:
``$STAFFING_REALDATA`` if set, else ``../shared/realdata`` beside the repository
(``Path(__file__).resolve().parents[2] / "shared" / "realdata"``). When the folder is
absent the script says so and exits 0.

How the list becomes a County: an adapter that is two dictionaries, ``COLUMNS`` (the
list's headers → the schema's columns) and ``VALUES`` (its codes → the schema's codes),
handed to :meth:`staffing.County.from_frames` with ``classes="estimate"`` (see
``docs/adapting.md``); no column is derived by hand. Validation then names each
problem by the list's own column (``column 'GURU (→ staff_in_post)'``).

* ``PPD`` → the county; ``KODSEKOLAH``, ``NAMASEKOLAH`` → school id and name;
* ``DUN`` (state constituency), else ``PARLIMEN`` where a federal territory has no DUN
  → the township: the nearest sub-district unit in the list (``("DUN", "PARLIMEN")``,
  the first non-blank);
* ``PERINGKAT`` Rendah → ``primary``, Menengah → ``junior``: Malaysian primary schools
  teach Standards 1–6 and secondary schools Forms 1–5 (Form 6 is not compulsory), so
  the Policy's grade structure is ``Policy(grades=(6, 5))`` and secondary schools are
  staffed by the junior-secondary ratio;
* ``ENROLMEN`` → ``pupils``: one enrolment column, counted as primary pupils at a
  primary school and junior pupils at a secondary one;
* ``LOKASI`` Bandar → ``urban``, Luar Bandar → ``rural``;
* ``GURU`` → both staff in post and approved quota (the list has no quotas, so every
  post is filled and the county total is the sum of teachers);
* ``KOORDINATXX``/``KOORDINATYY`` → lon/lat.

The list has no classes: ``classes="estimate"`` spreads each school's enrolment evenly
over its 6 or 5 grades and counts ⌈pupils ÷ class-size limit⌉ per grade (45 primary,
50 secondary) — a rougher estimate than from enrolment by grade, which the list does
not give. Every school is flagged ``classes_estimated``, and the script prints the
County's notes saying what was filled rather than read.

Rows without teachers, pupils or coordinates are listed with the reason and left
out; nothing is dropped silently. A code the mapping does not know is a validation
error naming its row. **Plausibility limits**: validation flags staff above
``plausible_staff_factor`` × pupil norm + ``plausible_staff_extra`` as a typo. These
are published figures, not typos, so where a district breaks the limit the script
raises ``plausible_staff_factor`` just enough (``Policy.replace``) and prints which
schools needed it; any other validation error is reported and the script exits 1.
Schools whose coordinates lie far from the rest of the district are printed as the
County's warnings.

Usage::

    python examples/03_real_district.py                      # first PPD with 30–80 schools
    python examples/03_real_district.py --district "PPD KINTA UTARA"
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import staffing as st
from staffing.metrics import county_metrics, metric_label

#: The school list inside the realdata folder.
CSV = Path("malaysia") / "my_moe_senarai_sekolah_2025-07.csv"
#: Malaysian grades: primary Standards 1–6, secondary Forms 1–5 (Form 6 not compulsory).
GRADES = (6, 5)
#: The adapter: the list's headers → the schema's.
COLUMNS = {
    "KODSEKOLAH": "school_id",
    "NAMASEKOLAH": "name",
    ("DUN", "PARLIMEN"): "township",               # the first non-blank: DUN, else PARLIMEN
    "PERINGKAT": "level",
    "LOKASI": "location",
    "ENROLMEN": "pupils",                          # into the stage of the school's level
    "GURU": ["staff_in_post", "approved_quota"],   # no quotas in the list: every post filled
    "KOORDINATYY": "lat",
    "KOORDINATXX": "lon",
}
#: The adapter: the list's codes → the schema's.
VALUES = {
    "level": {"Rendah": "primary", "Menengah": "junior"},
    "location": {"Bandar": "urban", "Luar Bandar": "rural"},
}
#: Default district: the first in file order with this many schools.
DEFAULT_SIZE = (30, 80)


def realdata_dir() -> Path:
    """``$STAFFING_REALDATA``, else ``shared/realdata`` beside the repository."""
    env = os.environ.get("STAFFING_REALDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "realdata"


def choose_district(table: pd.DataFrame, wanted: str | None) -> str:
    """The PPD named by ``wanted`` (with or without "PPD ", any case), or the first in
    file order with 30–80 schools."""
    districts = pd.unique(table["PPD"].astype(str))
    if wanted:
        key = wanted.strip().upper()
        for name in districts:
            if name.upper() in (key, f"PPD {key}"):
                return name
        raise SystemExit(f"no district {wanted!r} in the list; e.g. {', '.join(districts[:5])}")
    sizes = table.groupby("PPD", sort=False).size()
    lo, hi = DEFAULT_SIZE
    fits = sizes[(sizes >= lo) & (sizes <= hi)]
    if fits.empty:
        raise SystemExit(f"no district with {lo}–{hi} schools")
    return str(fits.index[0])


def left_out(rows: pd.DataFrame) -> pd.Series:
    """The reason each row cannot be planned ("" for rows that can), vectorised."""
    problems = {
        "no teacher count (GURU)": rows["GURU"].isna(),
        "no pupil count (ENROLMEN)": rows["ENROLMEN"].isna(),
        "no coordinates (KOORDINATXX/YY)": rows["KOORDINATXX"].isna()
        | rows["KOORDINATYY"].isna(),
    }
    reason = pd.Series("", index=rows.index, dtype=object)
    for text, bad in problems.items():
        reason = reason.where(~bad, np.where(reason.eq(""), text, reason + "; " + text))
    return reason


def fit_plausibility(rows: pd.DataFrame, policy: st.Policy) -> st.Policy:
    """Raise ``plausible_staff_factor`` just enough for published staff figures."""
    ratio = np.where(rows["PERINGKAT"].eq("Rendah"), policy.primary_ratio, policy.junior_ratio)
    norm = rows["ENROLMEN"] / ratio
    needed = (rows["GURU"] - policy.plausible_staff_extra) / norm.where(norm > 0)
    over = needed > policy.plausible_staff_factor
    if not over.any():
        return policy
    factor = float(math.ceil(needed.max()))
    print(f"Plausibility limit raised: plausible_staff_factor {policy.plausible_staff_factor:g}"
          f" → {factor:g} (Policy.replace), because these published figures exceed it:")
    bad = rows.loc[over]
    for sid, name, staff, n in zip(bad["KODSEKOLAH"], bad["NAMASEKOLAH"], bad["GURU"],
                                   bad["ENROLMEN"], strict=True):
        print(f"  {sid} {name}: {staff:.0f} teachers for {n:.0f} pupils")
    return policy.replace(plausible_staff_factor=factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", help='PPD name, e.g. "PPD KINTA SELATAN"')
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args(argv)

    path = realdata_dir() / CSV
    if not path.exists():
        print(f"Real data not found at {path}: this example needs the Malaysian school list "
              "(set STAFFING_REALDATA to the realdata folder). Nothing to do.")
        return 0

    table = pd.read_csv(path, dtype={"KODSEKOLAH": str, "DUN": str, "PARLIMEN": str},
                        encoding="utf-8")
    district = choose_district(table, args.district)
    rows = table[table["PPD"].eq(district)]
    print(f"{district} ({rows['NEGERI'].iloc[0]}): {len(rows)} schools in {path.name}")

    policy = st.Policy(grades=GRADES)
    reason = left_out(rows)
    table = rows.loc[reason.eq("")]
    print(f"Adapter (County.from_frames): columns={COLUMNS}, values={VALUES}, "
          f"classes='estimate', Policy(grades={GRADES})")
    if reason.ne("").any():
        out = rows.loc[reason.ne("")]
        print(f"Left out, {len(out)} row(s):")
        for sid, name, why in zip(out["KODSEKOLAH"], out["NAMASEKOLAH"], reason[reason.ne("")],
                                  strict=True):
            print(f"  {sid} {name}: {why}")
    else:
        print("Left out: none (every row has teachers, pupils and coordinates).")

    policy = fit_plausibility(table, policy)
    try:
        county = st.County.from_frames(table, columns=COLUMNS, values=VALUES,
                                       classes="estimate", name=district, source=str(path),
                                       policy=policy,
                                       row_numbers={"schools": table.index + 2})  # file lines
    except st.StaffingDataError as exc:
        print(exc)
        return 1
    print(f"Classes estimated (not in the list) for {len(county.classes_estimated_schools)} "
          "schools. Filled by the mapping, not read from the list (county.notes):")
    for note in county.notes:
        print(f"  {note.column}: {note.rule}")
    if county.warnings:
        print(f"Warnings ({len(county.warnings)}), loaded all the same:")
        for warning in county.warnings:
            print(f"  {warning}")

    plan = st.optimize(county, policy, time_limit=args.time_limit)
    print(f"\nPlan: {plan.status}, {plan.solver.solver} {plan.solver.time_s:.2f} s "
          f"(no teachers table: quotas only; every post is filled, so quotas can only "
          f"follow staff in post)")
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(plan.summary().to_string())
        print(f"Why schools stay short: {plan.shortfalls_reason()}")
        figures = county_metrics(county, policy, decimals=3)
        shown = figures.dropna()
        print("\nCounty metrics (before the plan):")
        print(pd.DataFrame({"metric": [metric_label(k) for k in shown.index],
                            "value": shown.to_numpy()}, index=shown.index).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
