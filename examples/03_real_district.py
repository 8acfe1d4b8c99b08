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

How the list becomes a County (each choice is printed when the script runs):

* ``PPD`` → the county; ``KODSEKOLAH``, ``NAMASEKOLAH`` → school id and name;
  ``DUN`` (state constituency) → township, the nearest sub-district unit in the list
  (``PARLIMEN``, the parliamentary constituency, where a federal territory has no DUN);
* ``PERINGKAT`` Rendah → ``primary``, Menengah → ``junior`` (Malaysian secondary
  schools teach Forms 1–5: they are staffed here by the junior-secondary ratio);
* ``LOKASI`` Bandar → ``urban``, Luar Bandar → ``rural``;
* ``ENROLMEN`` → pupils; ``GURU`` → both staff in post and approved quota (the list has
  no quotas, so every post is filled and the county total is the sum of teachers);
* ``KOORDINATXX``/``KOORDINATYY`` → lon/lat;
* classes are not in the list: classes = max(grades, ⌈pupils ÷ class size⌉) with 6
  grades (primary) or 5 (secondary) and the Policy's class-size maxima (45 primary,
  50 junior) as class size.

Rows without teachers, pupils or coordinates are listed with the reason and left
out; nothing is dropped silently. **Plausibility limits**: validation flags staff
above ``plausible_staff_factor`` × pupil norm + ``plausible_staff_extra`` as a typo.
These are published figures, not typos, so where a district breaks the limit the
script raises ``plausible_staff_factor`` just enough (``Policy.replace``) and prints
which schools needed it; any other validation error is reported and the script
exits 1.

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
#: Grades per level: Malaysian primary has Years 1–6, secondary Forms 1–5.
GRADES = {"primary": 6, "junior": 5}
LEVEL = {"Rendah": "primary", "Menengah": "junior"}
LOCATION = {"Bandar": "urban", "Luar Bandar": "rural"}
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


def to_schools(rows: pd.DataFrame, policy: st.Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The district's rows as a schools table, and the rows left out with the reason."""
    problems = {
        "no teacher count (GURU)": rows["GURU"].isna(),
        "no pupil count (ENROLMEN)": rows["ENROLMEN"].isna(),
        "no coordinates (KOORDINATXX/YY)": rows["KOORDINATXX"].isna()
        | rows["KOORDINATYY"].isna(),
        "unknown level (PERINGKAT)": ~rows["PERINGKAT"].isin(list(LEVEL)),
        "unknown location (LOKASI)": ~rows["LOKASI"].isin(list(LOCATION)),
    }
    reason = pd.Series("", index=rows.index, dtype=object)
    for text, bad in problems.items():  # five rules, vectorised over the rows
        reason = reason.where(~bad, np.where(reason.eq(""), text, reason + "; " + text))
    left_out = rows.loc[reason.ne(""), ["KODSEKOLAH", "NAMASEKOLAH"]].assign(
        reason=reason[reason.ne("")])
    r = rows.loc[reason.eq("")]

    level = r["PERINGKAT"].map(LEVEL)
    pupils = r["ENROLMEN"].astype(np.int64)
    size = np.where(level.eq("primary"), policy.primary_class_size_max,
                    policy.junior_class_size_max)
    grades = level.map(GRADES).to_numpy()
    classes = np.maximum(grades, np.ceil(pupils.to_numpy() / size)).astype(np.int64)
    primary = level.eq("primary").to_numpy()
    teachers = r["GURU"].astype(np.int64).to_numpy()
    schools = pd.DataFrame({
        "school_id": r["KODSEKOLAH"].astype(str).to_numpy(),
        "name": r["NAMASEKOLAH"].astype(str).to_numpy(),
        # Federal territories have no state constituency (DUN): use the parliamentary one.
        "township": r["DUN"].where(r["DUN"].notna() & r["DUN"].astype(str).str.strip().ne(""),
                                   r["PARLIMEN"]).astype(str).to_numpy(),
        "level": level.to_numpy(),
        "location": r["LOKASI"].map(LOCATION).to_numpy(),
        "pupils_primary": np.where(primary, pupils, 0),
        "pupils_junior": np.where(primary, 0, pupils),
        "classes_primary": np.where(primary, classes, 0),
        "classes_junior": np.where(primary, 0, classes),
        "approved_quota": teachers,
        "staff_in_post": teachers,
        "lat": r["KOORDINATYY"].astype(float).to_numpy(),
        "lon": r["KOORDINATXX"].astype(float).to_numpy(),
    })
    return schools, left_out


def fit_plausibility(schools: pd.DataFrame, policy: st.Policy) -> st.Policy:
    """Raise ``plausible_staff_factor`` just enough for published staff figures."""
    norm = (schools["pupils_primary"] / policy.primary_ratio
            + schools["pupils_junior"] / policy.junior_ratio)
    needed = (schools["staff_in_post"] - policy.plausible_staff_extra) / norm.where(norm > 0)
    over = needed > policy.plausible_staff_factor
    if not over.any():
        return policy
    factor = float(math.ceil(needed.max()))
    print(f"Plausibility limit raised: plausible_staff_factor {policy.plausible_staff_factor:g}"
          f" → {factor:g} (Policy.replace), because these published figures exceed it:")
    bad = schools.loc[over]
    pupils = bad["pupils_primary"] + bad["pupils_junior"]
    for sid, name, staff, n in zip(bad["school_id"], bad["name"], bad["staff_in_post"], pupils,
                                   strict=True):
        print(f"  {sid} {name}: {staff} teachers for {n} pupils")
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
    print("Adapter: PERINGKAT Rendah→primary, Menengah→junior (Forms 1–5 staffed at the "
          "junior ratio); LOKASI Bandar→urban, Luar Bandar→rural; DUN→township; "
          "GURU→staff in post and approved quota; ENROLMEN→pupils.")

    policy = st.Policy()
    schools, left_out = to_schools(rows, policy)
    print(f"Classes derived (not in the list): max(grades, ceil(pupils / class size)), "
          f"grades 6 primary / 5 secondary, class size {policy.primary_class_size_max} "
          f"primary / {policy.junior_class_size_max} secondary.")
    if len(left_out):
        print(f"Left out, {len(left_out)} row(s):")
        for row in left_out.itertuples(index=False):
            print(f"  {row.KODSEKOLAH} {row.NAMASEKOLAH}: {row.reason}")
    else:
        print("Left out: none (every row has teachers, pupils and coordinates).")

    policy = fit_plausibility(schools, policy)
    try:
        county = st.County(schools, name=district, policy=policy, source=str(path))
    except st.StaffingDataError as exc:
        print(exc)
        return 1

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
