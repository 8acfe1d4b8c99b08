"""Statutory retirement dates under the 2025 reform, against the reform's table."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing import Policy
from staffing.retirement import retirement_age_months, retirement_dates


@pytest.mark.parametrize(
    ("track", "year", "month", "years", "months"),
    [
        # Men 60 -> 63: first affected cohort January 1965, +1 month per 4 months.
        ("male", 1964, 12, 60, 0),
        ("male", 1965, 1, 60, 1),
        ("male", 1965, 4, 60, 1),
        ("male", 1965, 5, 60, 2),
        ("male", 1970, 1, 61, 4),   # 60 months after Jan 1965 -> 15 steps + 1 = 16 months
        ("male", 1976, 8, 62, 11),
        ("male", 1976, 9, 63, 0),   # last step: 63 from September 1976
        ("male", 1990, 6, 63, 0),
        # Women cadres 55 -> 58 from January 1970.
        ("female_cadre", 1969, 12, 55, 0),
        ("female_cadre", 1970, 1, 55, 1),
        ("female_cadre", 1981, 9, 58, 0),
        # Women workers 50 -> 55, +1 month per 2 months from January 1975.
        ("female_worker", 1975, 1, 50, 1),
        ("female_worker", 1975, 3, 50, 2),
        ("female_worker", 1984, 10, 54, 11),
        ("female_worker", 1984, 11, 55, 0),
    ],
)
def test_retirement_age_follows_the_reform_table(track, year, month, years, months):
    assert retirement_age_months([year], [month], track)[0] == years * 12 + months


def frame(sex, birth_date=None, birth_year=None):
    return pd.DataFrame({"sex": [sex], "birth_date": [pd.Timestamp(birth_date) if birth_date
                                                      else pd.NaT],
                         "birth_year": [birth_year or pd.Timestamp(birth_date).year]})


def test_retirement_date_adds_the_delay_to_the_birthday():
    r = retirement_dates(frame("male", "1965-02-10")).iloc[0]
    assert r["retirement_date"] == pd.Timestamp("2025-03-10")  # 60 years 1 month


def test_day_is_clipped_to_the_end_of_a_shorter_month():
    # Woman cadre born 30 November 1970: 10 months after Jan 1970 -> 10 // 4 + 1 = 3
    # months' delay, 55 years 3 months -> February 2026, which has 28 days.
    r = retirement_dates(frame("female", "1970-11-30")).iloc[0]
    assert r["retirement_age_months"] == 55 * 12 + 3
    assert r["retirement_date"] == pd.Timestamp("2026-02-28")


def test_worker_track_for_women_is_a_policy_choice():
    r = retirement_dates(frame("female", "1980-01-15"),
                         Policy(female_retirement_track="worker")).iloc[0]
    # 60 months after Jan 1975 -> 30 + 1 = 31 months: 52 years 7 months.
    assert r["retirement_age_months"] == 52 * 12 + 7
    assert r["track"] == "female_worker"


def test_birth_year_only_is_taken_as_first_of_july_and_flagged():
    r = retirement_dates(frame("male", birth_year=1960)).iloc[0]
    assert r["birth_date_estimated"]
    assert r["retirement_date"] == pd.Timestamp("2020-07-01")


def test_years_to_retirement_count_from_the_planned_school_year():
    r = retirement_dates(frame("male", "1966-09-01"), Policy(plan_year=2026)).iloc[0]
    # 60 years + (20 // 4 + 1 = 6) months -> 2027-03-01, half a year after 2026-09-01.
    assert r["retirement_date"] == pd.Timestamp("2027-03-01")
    assert r["years_to_retirement"] == pytest.approx(181 / 365.25)
