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


# ---------------------------------------------------------------- early retirement
def _early_teachers() -> pd.DataFrame:
    """Four men: retiring in 2027 (flagged), in 2027 (not flagged), in
    10 years (flagged, outside the window), and one already leaving (flagged)."""
    return pd.DataFrame({
        "school_id": ["A", "A", "B", "B"],
        "subject": ["maths", "chinese", "art", "pe"],
        "sex": ["male"] * 4,
        "status": ["in_post", "in_post", "in_post", "leaving"],
        "birth_date": pd.to_datetime(["1967-01-10", "1967-02-10", "1974-01-10", "1967-03-10"]),
        "birth_year": [1967, 1967, 1974, 1967],
        "can_retire_early": [True, False, True, True],
    }, index=pd.Index(["T1", "T2", "T3", "T4"], name="teacher_id"))


def test_early_retirement_lists_only_flagged_teachers_within_the_window():
    from staffing.retirement import early_retirement_candidates

    out = early_retirement_candidates(_early_teachers())
    assert out["teacher_id"].tolist() == ["T1"]
    assert out["listed_because"].tolist() == ["flag"]
    assert 0 < out["years_to_retirement"].iloc[0] <= Policy().early_retirement_window_years


def test_a_scenario_may_name_teachers_but_never_beyond_the_window():
    from staffing.retirement import early_retirement_candidates

    out = early_retirement_candidates(_early_teachers(), allow=["T2", "T3"])
    assert out.set_index("teacher_id")["listed_because"].to_dict() == {"T1": "flag",
                                                                       "T2": "scenario"}
    narrow = early_retirement_candidates(_early_teachers(),
                                         Policy(early_retirement_window_years=0))
    assert narrow.empty


def test_retire_early_releases_the_posts_and_names_every_bad_id():
    import staffing as st
    from staffing.retirement import early_retirement_candidates
    from staffing.scenarios import retire_early

    county = st.synth.county(seed=2, n_schools=12)
    window = early_retirement_candidates(county.teachers, allow=county.teachers.index)
    chosen = window["teacher_id"].head(3).tolist()
    after, retired = retire_early(county, chosen)
    assert retired["teacher_id"].tolist() == chosen
    assert (after.teachers.loc[chosen, "status"] == "leaving").all()
    untouched = county.teachers.index.difference(chosen)
    pd.testing.assert_series_equal(after.teachers.loc[untouched, "status"],
                                   county.teachers.loc[untouched, "status"])
    # Nobody retires early in the plan unless named: the default county is unchanged.
    assert int(st.optimize(county, horizon=1).early_retirement.shape[0]) == 0
    young = county.teachers.index.difference(window["teacher_id"])[:2].tolist()
    with pytest.raises(ValueError) as err:
        retire_early(county, [*young, "NOPE"])
    assert all(i in str(err.value) for i in [*young, "NOPE"])
