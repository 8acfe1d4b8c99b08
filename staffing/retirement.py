"""Statutory retirement dates under the reform effective 1 January 2025.

The Standing Committee of the National People's Congress decided (13 September 2024)
to raise the statutory retirement age gradually over 15 years from 2025:

======================  ========  ============  =====================================
track                   old age   new age       delay
======================  ========  ============  =====================================
men                     60        63            +1 month per 4 months of birth date
                                                from January 1965 (cap 36 months)
women, cadre track      55        58            +1 month per 4 months from Jan 1970
women, worker track     50        55            +1 month per 2 months from Jan 1975
                                                (cap 60 months)
======================  ========  ============  =====================================

So a man born in January–April 1965 retires at 60 years 1 month, one born in
September 1976 or later at 63; a woman cadre born in September 1981 or later at 58;
a woman worker born in November 1984 or later at 55. Which women's track applies to
teachers is ``Policy.female_retirement_track`` (teachers are professional staff:
"cadre" by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.policy import Policy
from staffing.staff import in_post

__all__ = ["Track", "TRACKS", "retirement_age_months", "retirement_dates", "school_year_of",
           "early_retirement_candidates", "EARLY_COLUMNS"]

#: Columns of :func:`early_retirement_candidates`.
EARLY_COLUMNS = ["teacher_id", "school_id", "subject", "retirement_date", "years_to_retirement",
                 "listed_because"]


@dataclass(frozen=True)
class Track:
    """One retirement track of the 2025 reform."""

    old_age: int
    first_birth_year: int  # first birth year (January) whose retirement is delayed
    months_per_step: int  # months of birth date per month of delay
    cap_months: int


#: The three tracks of the reform.
TRACKS: dict[str, Track] = {
    "male": Track(old_age=60, first_birth_year=1965, months_per_step=4, cap_months=36),
    "female_cadre": Track(old_age=55, first_birth_year=1970, months_per_step=4, cap_months=36),
    "female_worker": Track(old_age=50, first_birth_year=1975, months_per_step=2, cap_months=60),
}


def retirement_age_months(birth_year, birth_month, track: str) -> np.ndarray:
    """Statutory retirement age in months for births in the given year and month.

    Examples
    --------
    >>> retirement_age_months([1964, 1965, 1965, 1976], [12, 1, 5, 9], "male").tolist()
    [720, 721, 722, 756]
    """
    t = TRACKS[track]
    since = (np.asarray(birth_year) - t.first_birth_year) * 12 + (np.asarray(birth_month) - 1)
    delay = np.where(since < 0, 0, np.minimum(since // t.months_per_step + 1, t.cap_months))
    return (t.old_age * 12 + delay).astype(np.int64)


def _add_months(dates: pd.Series, months: np.ndarray) -> pd.Series:
    """``dates`` plus whole months, the day clipped to the end of the target month."""
    total = dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1 + months
    start = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1},
                                        index=dates.index))
    day = np.minimum(dates.dt.day.to_numpy(), start.dt.days_in_month.to_numpy())
    return start + pd.to_timedelta(day - 1, unit="D")


def retirement_dates(teachers: pd.DataFrame, policy: Policy | None = None) -> pd.DataFrame:
    """Each teacher's statutory retirement age and date under the 2025 reform.

    Teachers with only a ``birth_year`` are taken as born on 1 July of that year and
    flagged ``birth_date_estimated``.

    Parameters
    ----------
    teachers : the County's teachers table (sex, birth_date, birth_year).
    policy : ``female_retirement_track`` and ``plan_year`` come from here.

    Returns
    -------
    DataFrame indexed like ``teachers`` with ``track``, ``retirement_age_months``,
    ``retirement_date``, ``birth_date_estimated`` and ``years_to_retirement`` (from
    1 September of ``policy.plan_year``).

    Examples
    --------
    >>> t = pd.DataFrame({"sex": ["male"], "birth_date": [pd.Timestamp("1965-02-10")],
    ...                   "birth_year": [1965]})
    >>> retirement_dates(t).loc[0, "retirement_date"].date()
    datetime.date(2025, 3, 10)
    """
    policy = policy or Policy()
    birth = pd.to_datetime(teachers["birth_date"])
    estimated = birth.isna()
    fallback = pd.to_datetime(teachers["birth_year"].astype("Int64").astype(str) + "-07-01",
                              errors="coerce")
    birth = birth.where(~estimated, fallback)
    female_track = f"female_{policy.female_retirement_track}"
    track = np.where(teachers["sex"].eq("male"), "male", female_track)
    months = np.zeros(len(teachers), dtype=np.int64)
    for name in np.unique(track):
        mask = track == name
        months[mask] = retirement_age_months(birth.dt.year.to_numpy()[mask],
                                             birth.dt.month.to_numpy()[mask], name)
    date = _add_months(birth, months)
    as_of = pd.Timestamp(year=policy.plan_year, month=9, day=1)
    return pd.DataFrame(
        {
            "track": track,
            "retirement_age_months": months,
            "retirement_date": date,
            "birth_date_estimated": estimated.to_numpy(),
            "years_to_retirement": ((date - as_of).dt.days / 365.25).to_numpy(),
        },
        index=teachers.index,
    )


def early_retirement_candidates(teachers: pd.DataFrame | None, policy: Policy | None = None, *,
                                allow: Iterable[str] = ()) -> pd.DataFrame:
    """Teachers who may retire early: within ``early_retirement_window_years`` of their
    statutory retirement (Chuxiong measure 12) *and* flagged ``can_retire_early`` in
    the data, or named in ``allow`` (a scenario). Nobody is a candidate by age alone:
    early retirement is the teacher's choice, never the plan's.

    Parameters
    ----------
    teachers : the County's teachers table (indexed by teacher_id).
    policy : ``early_retirement_window_years`` and ``plan_year`` come from here.
    allow : teacher ids a scenario treats as willing, besides the flag.

    Returns
    -------
    DataFrame with teacher_id, school_id, subject, retirement_date,
    years_to_retirement (from 1 September of ``plan_year``) and listed_because (``flag`` or
    ``scenario``), soonest retirement first; teachers leaving this year are left out.

    Examples
    --------
    >>> t = pd.DataFrame({"school_id": ["A", "A"], "subject": ["maths", "art"],
    ...                   "sex": ["male", "male"], "status": ["in_post", "in_post"],
    ...                   "birth_date": pd.to_datetime(["1968-03-01", "1990-01-01"]),
    ...                   "birth_year": [1968, 1990], "can_retire_early": [True, True]},
    ...                  index=pd.Index(["T1", "T2"], name="teacher_id"))
    >>> early_retirement_candidates(t)["teacher_id"].tolist()
    ['T1']
    """
    policy = policy or Policy()
    if teachers is None or teachers.empty:
        return pd.DataFrame(columns=EARLY_COLUMNS)
    staying = in_post(teachers)
    dates = retirement_dates(staying, policy)
    window = dates["years_to_retirement"].between(0, policy.early_retirement_window_years)
    flagged = (staying["can_retire_early"].astype(bool) if "can_retire_early" in staying
               else pd.Series(False, index=staying.index))
    named = staying.index.isin(set(map(str, allow)))
    chosen = window & (flagged | named)
    out = pd.DataFrame({
        "teacher_id": staying.index[chosen],
        "school_id": staying.loc[chosen, "school_id"].to_numpy(),
        "subject": staying.loc[chosen, "subject"].to_numpy(),
        "retirement_date": dates.loc[chosen, "retirement_date"].to_numpy(),
        "years_to_retirement": dates.loc[chosen, "years_to_retirement"].round(2).to_numpy(),
        "listed_because": np.where(flagged[chosen].to_numpy(), "flag", "scenario"),
    })
    return out.sort_values(["retirement_date", "teacher_id"], kind="stable").reset_index(
        drop=True)[EARLY_COLUMNS]


def school_year_of(dates: pd.Series, plan_year: int) -> np.ndarray:
    """The planning year from which a post left on ``dates`` is vacant.

    A date on or before 1 September of ``plan_year + t`` empties the post for school
    year ``t``; dates before year 1 count as year 1 (the teacher is in post in year
    0 by the data).

    Examples
    --------
    >>> d = pd.Series(pd.to_datetime(["2027-03-10", "2027-09-01", "2027-10-01", "2020-01-01"]))
    >>> school_year_of(d, 2026).tolist()
    [1, 1, 2, 1]
    """
    year = dates.dt.year.to_numpy()
    after_start = (dates.dt.month.to_numpy() > 9) | (
        (dates.dt.month.to_numpy() == 9) & (dates.dt.day.to_numpy() > 1))
    return np.maximum(year - plan_year + after_start.astype(int), 1)
