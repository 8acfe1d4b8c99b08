"""Enrolment projection: cohort progression, the grade 6 → 7 transition, intake trends
and class counts, against hand-computed values and as properties."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
import staffing.projection as projection_module
import staffing.testing as testing
from staffing.errors import StaffingDataError
from staffing.policy import PolicyError
from staffing.projection import (
    annual_retention,
    leaver_destinations,
    project_enrolment,
    projected_county,
    projection_summary,
)

HYPOTHESIS = settings(max_examples=20, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
ANNUAL = st.Policy(retention_basis="annual")


def school(sid: str, level: str = "primary", location: str = "urban", *, township: str = "城关镇",
           pp: int = 0, pj: int = 0, cp: int | None = None, cj: int | None = None,
           lat: float | None = 25.0, lon: float | None = 101.5) -> dict:
    """One schools-table row; classes default to full classes of the norm size."""
    cp = (math.ceil(pp / 45) if pp else 0) if cp is None else cp
    cj = (math.ceil(pj / 50) if pj else 0) if cj is None else cj
    staff = round(pp / 19 + pj / 13.5) + 1
    return testing.school(sid, name=f"学校{sid}", township=township, level=level,
                          location=location, pupils_primary=pp, pupils_junior=pj,
                          classes_primary=cp, classes_junior=cj, approved_quota=staff,
                          staff_in_post=staff, lat=lat, lon=lon)


def county_of(*rows: dict) -> st.County:
    return st.County(pd.DataFrame(list(rows)))


def pupils_at(proj: pd.DataFrame, sid: str, year: int) -> np.ndarray:
    """Pupils of one school and year as an array over grades 1–9 (0 where not taught)."""
    rows = proj[(proj.school_id == sid) & (proj.year == year)]
    out = np.zeros(9)
    out[rows.grade.to_numpy() - 1] = rows.pupils.to_numpy()
    return out


def two_schools() -> st.County:
    """An urban primary school of 600 pupils and the junior school of its township."""
    return county_of(school("P", pp=600, cp=14), school("J", "junior", pj=300, cj=6))


# ---------------------------------------------------------------------- by hand
def test_two_school_county_totals_match_hand_computation():
    proj = project_enrolment(two_schools(), ANNUAL, horizon=2)
    summary = projection_summary(two_schools(), projection=proj)
    # Year 1: grade 1 = 100 × 1.02 (urban); grades 2–6 = 100 × 0.98; J's grade 7 gets
    # P's 100 leavers × 0.98, grades 8–9 are its own cohorts × 0.98.
    assert pupils_at(proj, "P", 1)[:6] == pytest.approx([102, 98, 98, 98, 98, 98])
    assert pupils_at(proj, "J", 1)[6:] == pytest.approx([98, 98, 98])
    # Year 2: 104.04 + 99.96 + 4 × 96.04 = 588.16 primary; 3 × 96.04 = 288.12 junior.
    assert pupils_at(proj, "P", 2).sum() == pytest.approx(588.16)
    assert pupils_at(proj, "J", 2).sum() == pytest.approx(288.12)
    assert summary.loc[("P", 2), "pupils_primary"] == 588
    assert summary.loc[("J", 2), "pupils_junior"] == 288
    assert summary.loc[("P", 0)].tolist() == [600, 0, 14, 0]
    assert summary.loc[("J", 0)].tolist() == [0, 300, 0, 6]


def test_retention_rate_is_read_as_the_nine_year_rate_by_default():
    r = annual_retention()
    assert r == pytest.approx(0.98 ** (1 / 8))
    assert r ** 8 == pytest.approx(0.98)  # grade 1 → grade 9 keeps 98% (巩固率)
    assert annual_retention(ANNUAL.replace(retention_rate=0.9)) == 0.9


def test_a_cohort_loses_two_percent_from_grade_one_to_grade_nine():
    # A nine-year school keeps its own leavers: the grade-1 cohort of year 0 is in
    # grade 9 in year 8 with 98% of its pupils.
    county = county_of(school("N", "nine_year", "town", pp=600, pj=300, cp=14, cj=6))
    proj = project_enrolment(county, horizon=8)
    assert pupils_at(proj, "N", 8)[8] == pytest.approx(100 * 0.98)


def test_horizon_zero_is_todays_county():
    county = two_schools()
    proj = project_enrolment(county, horizon=0)
    assert set(proj.year) == {0}
    assert proj.groupby("school_id")["pupils"].sum().to_dict() == pytest.approx(
        {"P": 600.0, "J": 300.0})


@pytest.mark.parametrize("horizon", [-1, 1.5, True])
def test_a_horizon_that_is_not_a_whole_number_of_years_is_an_error(horizon):
    with pytest.raises(ValueError, match="horizon"):
        project_enrolment(two_schools(), horizon=horizon)


# -------------------------------------------------------------------- spreading
def test_without_grade_counts_pupils_are_spread_evenly_and_the_result_says_so():
    proj = project_enrolment(two_schools(), horizon=1)
    assert proj.attrs["spread_evenly"] is True
    assert set(proj["basis"]) == {"spread_evenly"}
    assert pupils_at(proj, "P", 0)[:6] == pytest.approx([100] * 6)
    assert pupils_at(proj, "J", 0)[6:] == pytest.approx([100] * 3)
    assert projection_summary(two_schools(), projection=proj).attrs["spread_evenly"] is True


def test_grade_counts_replace_the_even_spread_for_the_schools_they_name():
    grades = pd.DataFrame({"school_id": ["P"] * 6, "grade": [1, 2, 3, 4, 5, 6],
                           "pupils": [130, 120, 100, 90, 80, 80]})
    proj = project_enrolment(two_schools(), ANNUAL, horizon=1, grades=grades)
    assert proj.loc[proj.school_id == "P", "basis"].eq("grades").all()
    assert proj.loc[proj.school_id == "J", "basis"].eq("spread_evenly").all()
    assert proj.attrs["spread_evenly"] is True  # J still is
    assert pupils_at(proj, "P", 1)[1:6] == pytest.approx(np.array([130, 120, 100, 90, 80]) * 0.98)
    assert pupils_at(proj, "J", 1)[6] == pytest.approx(80 * 0.98)


def test_grade_counts_for_every_school_clear_the_spread_flag_and_wide_tables_work():
    wide = pd.DataFrame({"grade_1": [100, 0], "grade_2": [100, 0], "grade_3": [100, 0],
                         "grade_4": [100, 0], "grade_5": [100, 0], "grade_6": [100, 0],
                         "grade_7": [0, 120], "grade_8": [0, 100], "grade_9": [0, 80]},
                        index=pd.Index(["P", "J"], name="school_id"))
    proj = project_enrolment(two_schools(), horizon=1, grades=wide)
    assert proj.attrs["spread_evenly"] is False
    assert pupils_at(proj, "J", 0)[6:].tolist() == [120, 100, 80]


def test_grade_counts_that_do_not_add_up_are_reported_with_the_school():
    grades = pd.DataFrame({"school_id": ["P", "X"], "grade": [1, 1], "pupils": [50, 3]})
    with pytest.raises(StaffingDataError) as err:
        project_enrolment(two_schools(), grades=grades)
    text = str(err.value)
    assert "X" in text and "not a school id" in text
    assert "primary grades add up to 50" in text and "pupils_primary is 600" in text


def test_bad_grade_numbers_and_negative_pupils_are_all_listed():
    grades = pd.DataFrame({"school_id": ["P", "P"], "grade": [0, 2], "pupils": [600, -1]})
    with pytest.raises(StaffingDataError) as err:
        project_enrolment(two_schools(), grades=grades)
    assert len(err.value.problems) == 2


# ----------------------------------------------------------------- intake trends
def test_grade_one_intake_follows_the_location_trend():
    county = county_of(school("U", pp=600, cp=14), school("T", "primary", "town", pp=600, cp=14),
                       school("R", "primary", "rural", pp=600, cp=14))
    proj = project_enrolment(county, horizon=4)
    g1 = proj[proj.grade == 1].pivot(index="year", columns="school_id", values="pupils")
    years = np.arange(5)
    assert g1["U"].to_numpy() == pytest.approx(100 * 1.02 ** years)
    assert g1["T"].to_numpy() == pytest.approx(np.full(5, 100.0))
    assert g1["R"].to_numpy() == pytest.approx(100 * 0.96 ** years)


def test_intake_trend_by_location_overrides_only_the_locations_named():
    county = county_of(school("U", pp=600, cp=14), school("R", "primary", "rural", pp=600, cp=14))
    proj = project_enrolment(county, horizon=2, intake_trend={"rural": -0.10})
    g1 = proj[(proj.grade == 1) & (proj.year == 2)].set_index("school_id")["pupils"]
    assert g1["R"] == pytest.approx(81.0) and g1["U"] == pytest.approx(100 * 1.02 ** 2)


def test_default_trends_come_from_the_policy_and_intake_trend_overrides_them():
    county = county_of(school("U", pp=600, cp=14), school("R", "primary", "rural", pp=600, cp=14))
    policy = st.Policy(intake_trend_urban=0.0, intake_trend_rural=-0.10)
    proj = project_enrolment(county, policy, horizon=2)
    g1 = proj[(proj.grade == 1) & (proj.year == 2)].set_index("school_id")["pupils"]
    assert g1["R"] == pytest.approx(81.0) and g1["U"] == pytest.approx(100.0)
    proj = project_enrolment(county, policy, horizon=2, intake_trend={"urban": 0.5})
    g1 = proj[(proj.grade == 1) & (proj.year == 2)].set_index("school_id")["pupils"]
    assert g1["R"] == pytest.approx(81.0) and g1["U"] == pytest.approx(225.0)

def test_intake_trend_by_school_overrides_only_the_schools_named():
    county = county_of(school("U", pp=600, cp=14), school("R", "primary", "rural", pp=600, cp=14))
    proj = project_enrolment(county, horizon=1, intake_trend=pd.Series({"U": 0.5}))
    g1 = proj[(proj.grade == 1) & (proj.year == 1)].set_index("school_id")["pupils"]
    assert g1["U"] == pytest.approx(150.0) and g1["R"] == pytest.approx(96.0)


@pytest.mark.parametrize("trend", [{"mountain": 0.1}, {"rural": -1.0}, pd.Series({"ZZ": 0.0})])
def test_unknown_locations_schools_or_rates_of_minus_one_are_errors(trend):
    with pytest.raises(ValueError, match="intake_trend"):
        project_enrolment(two_schools(), intake_trend=trend)


def test_policy_rejects_impossible_trends_and_unknown_bases():
    with pytest.raises(PolicyError, match="intake_trend_rural"):
        st.Policy(intake_trend_rural=-1.0)
    with pytest.raises(PolicyError, match="retention_basis"):
        st.Policy(retention_basis="yearly")


# ---------------------------------------------------------- grade 6 → grade 7
def test_township_leavers_split_pro_rata_to_grade_seven_pupils():
    county = county_of(school("P", "primary", "rural", pp=300, cp=6),
                       school("J1", "junior", pj=300, cj=6), school("J2", "junior", pj=150, cj=3))
    routes = leaver_destinations(county)
    shares = routes.set_index("to_school")["share"]
    assert shares.to_dict() == pytest.approx({"J1": 2 / 3, "J2": 1 / 3})
    assert set(routes["rule"]) == {"township"}


def test_nine_year_schools_keep_their_own_leavers_and_take_the_townships():
    county = county_of(school("N", "nine_year", "town", pp=300, pj=150, cp=6, cj=3),
                       school("V", "primary", "rural", pp=60, cp=6))
    routes = leaver_destinations(county)
    assert routes[["from_school", "to_school", "rule"]].values.tolist() == [
        ["N", "N", "own_school"], ["V", "N", "township"]]
    proj = project_enrolment(county, ANNUAL, horizon=1)
    assert pupils_at(proj, "N", 1)[6] == pytest.approx(0.98 * (50 + 10))


def test_a_township_without_a_junior_school_sends_leavers_to_the_nearest_one():
    county = county_of(
        school("V", "primary", "rural", township="山乡", pp=120, cp=6, lat=25.00),
        school("NEAR", "junior", "town", township="甲镇", pj=150, cj=3, lat=25.05),
        school("FAR", "junior", "urban", township="城关镇", pj=900, cj=18, lat=25.30))
    routes = leaver_destinations(county).set_index("from_school")
    assert routes.loc["V", "to_school"] == "NEAR" and routes.loc["V", "rule"] == "nearest"


def test_without_coordinates_leavers_go_to_the_largest_junior_school():
    county = county_of(
        school("V", "primary", "rural", township="山乡", pp=120, cp=6, lat=None, lon=None),
        school("SMALL", "junior", "town", township="甲镇", pj=150, cj=3),
        school("BIG", "nine_year", "urban", township="城关镇", pp=300, pj=900, cp=7, cj=18))
    routes = leaver_destinations(county).set_index("from_school")
    assert routes.loc["V", "to_school"] == "BIG" and routes.loc["V", "rule"] == "largest"


def test_given_routes_replace_the_defaults_and_may_send_some_leavers_away():
    given = pd.DataFrame({"from_school": ["P"], "to_school": ["J"], "share": [0.5]})
    proj = project_enrolment(two_schools(), ANNUAL, horizon=1, routes=given)
    assert pupils_at(proj, "J", 1)[6] == pytest.approx(0.98 * 50)
    bad = pd.DataFrame({"from_school": ["J", "P"], "to_school": ["P", "J"], "share": [1, 2]})
    with pytest.raises(StaffingDataError) as err:
        leaver_destinations(two_schools(), routes=bad)
    # J teaches no primary grades, P no junior grades, P's shares add up to 2.
    assert len(err.value.problems) == 3


def test_a_county_without_junior_schools_loses_its_leavers():
    county = county_of(school("P", pp=600, cp=14))
    assert leaver_destinations(county).empty
    proj = project_enrolment(county, horizon=1)
    assert set(proj.grade) == set(range(1, 7))


# -------------------------------------------------------------------- properties
LEVEL_CHOICES = [("primary", "urban"), ("primary", "rural"), ("teaching_point", "rural"),
                 ("nine_year", "town"), ("junior", "town"), ("junior", "urban")]


@st_.composite
def random_counties(draw) -> st.County:
    n = draw(st_.integers(1, 7))
    rows = []
    for i in range(n):
        level, location = draw(st_.sampled_from(LEVEL_CHOICES))
        pp = draw(st_.integers(1, 900)) if level != "junior" else 0
        pj = draw(st_.integers(1, 600)) if level in ("junior", "nine_year") else 0
        rows.append(school(f"S{i}", level, location, township=draw(st_.sampled_from("AB")),
                           pp=pp, pj=pj, lat=25.0 + 0.01 * i))
    return county_of(*rows)


@HYPOTHESIS
@given(county=random_counties(), horizon=st_.integers(0, 6),
       rural=st_.floats(-0.5, 0.5), retention=st_.floats(0.5, 1.0))
def test_projected_pupils_are_non_negative_and_cohort_consistent(county, horizon, rural,
                                                                 retention):
    policy = st.Policy(retention_rate=retention)
    proj = project_enrolment(county, policy, horizon=horizon, intake_trend={"rural": rural})
    assert (proj["pupils"] >= 0).all()
    r = annual_retention(policy)
    arr = np.zeros((horizon + 1, county.n_schools, 9))
    pos = county.schools.index.get_indexer(proj.school_id)
    arr[proj.year.to_numpy(), pos, proj.grade.to_numpy() - 1] = proj.pupils.to_numpy()
    # Within a school: grade g + 1 next year = retention × grade g this year (1–5, 7–8).
    assert arr[1:, :, 1:6] == pytest.approx(r * arr[:-1, :, 0:5])
    assert arr[1:, :, 7:9] == pytest.approx(r * arr[:-1, :, 6:8])
    # Across the county: every leaver arrives somewhere (there is a junior section).
    if county.schools.level.isin(["junior", "nine_year"]).any():
        assert arr[1:, :, 6].sum(axis=1) == pytest.approx(r * arr[:-1, :, 5].sum(axis=1))


@HYPOTHESIS
@given(county=random_counties(), horizon=st_.integers(0, 4))
def test_summary_adds_up_the_grades_and_year_zero_is_today(county, horizon):
    proj = project_enrolment(county, horizon=horizon)
    summary = projection_summary(county, projection=proj)
    assert len(summary) == county.n_schools * (horizon + 1)
    by_stage = proj.groupby(["school_id", "year", "level"])["pupils"].sum().unstack(fill_value=0)
    for stage in ("primary", "junior"):
        if stage in by_stage:
            expected = np.floor(by_stage[stage] + 0.5).astype(int)
            assert (summary.loc[expected.index, f"pupils_{stage}"] == expected).all()
        now = summary.xs(0, level="year")
        assert (now[f"pupils_{stage}"] == county.schools[f"pupils_{stage}"]).all()
        # A stage has classes exactly when it has pupils.
        assert ((summary[f"classes_{stage}"] > 0) == (summary[f"pupils_{stage}"] > 0)).all()


# ------------------------------------------------------------------------ classes
def test_year_zero_classes_are_todays_for_schools_within_the_norm():
    county = st.synth.county(seed=3, n_schools=40, teachers=False)
    s = county.schools
    now = projection_summary(county, horizon=0).xs(0, level="year")
    for stage, size in (("primary", 45), ("junior", 50)):
        within = s[f"pupils_{stage}"] <= s[f"classes_{stage}"] * size
        assert (now.loc[within, f"classes_{stage}"] == s.loc[within, f"classes_{stage}"]).all()


def test_a_school_above_the_norm_gets_the_classes_the_norm_needs():
    county = county_of(school("P", pp=600, cp=12))  # 50 per class, norm 45
    now = projection_summary(county, horizon=0).loc[("P", 0)]
    assert now["classes_primary"] == 14  # ⌈600 / 45⌉


def test_a_multigrade_teaching_point_keeps_its_classes_while_it_has_pupils():
    county = county_of(school("TP", "teaching_point", "rural", pp=30, cp=2),
                       school("J", "junior", pj=150, cj=3))
    summary = projection_summary(county, horizon=5, intake_trend={"rural": -0.2})
    assert summary.xs("TP")["classes_primary"].tolist() == [2] * 6


def test_a_school_with_small_classes_sheds_classes_as_pupils_fall():
    # 240 pupils in 8 classes of 30; intake halves each year.
    county = county_of(school("V", "primary", "rural", pp=240, cp=8),
                       school("J", "junior", pj=150, cj=3))
    summary = projection_summary(county, horizon=5, intake_trend={"rural": -0.5})
    classes = summary.xs("V")["classes_primary"]
    assert classes.iloc[0] == 8 and classes.is_monotonic_decreasing and classes.iloc[-1] >= 6
    pupils = summary.xs("V")["pupils_primary"]
    assert classes.iloc[-1] == max(6, math.ceil(pupils.iloc[-1] / 30))


def test_per_grade_counts_give_a_second_class_to_a_grade_of_46():
    county = county_of(school("P", pp=271, cp=7))
    grades = pd.DataFrame({"school_id": "P", "grade": range(1, 7),
                           "pupils": [46, 45, 45, 45, 45, 45]})
    now = projection_summary(county, horizon=0, grades=grades).loc[("P", 0)]
    assert now["classes_primary"] == 7


def test_a_junior_school_without_feeders_empties_and_has_no_classes():
    county = county_of(school("J", "junior", pj=300, cj=6))
    summary = projection_summary(county, horizon=3)
    assert summary.xs("J")["pupils_junior"].tolist() == [300, 199, 99, 0]
    assert summary.xs("J")["classes_junior"].iloc[-1] == 0


def test_giving_a_projection_and_projection_arguments_together_is_an_error():
    proj = project_enrolment(two_schools(), horizon=1)
    with pytest.raises(TypeError):
        projection_summary(two_schools(), projection=proj, horizon=3)


# ---------------------------------------------------------------- projected county
def test_projected_county_validates_and_gives_that_years_norms():
    county = st.synth.county(seed=1, n_schools=25)
    later = projected_county(county, 5)
    assert isinstance(later, st.County) and later.n_teachers == county.n_teachers
    summary = projection_summary(county, horizon=5).xs(5, level="year")
    assert (later.schools["pupils_primary"] == summary["pupils_primary"]).all()
    norms = st.quota_norms(later)
    assert (norms["approved_quota"] == county.schools["approved_quota"]).all()
    with pytest.raises(KeyError):
        projected_county(county, 7, summary=projection_summary(county, horizon=5))


def test_projection_of_a_synthetic_county_is_fast_and_deterministic():
    county = st.synth.county(seed=0, n_schools=150, teachers=False)
    a = projection_summary(county, horizon=10)
    b = projection_summary(county, horizon=10)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 150 * 11


def test_doctests_of_projection_pass():
    result = doctest.testmod(projection_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_a_projected_year_is_not_refused_for_figures_nobody_typed():
    """A junior school staffed just under the typo limit for its 300 pupils loses a third of
    them in a year (no primary school feeds it): its staff are then far above the limit
    for the projected pupils. That limit catches typed-in typos; the projected pupils are
    the library's, so the year is projected and planned, not refused."""
    p = st.Policy()
    limit = p.plausible_staff_factor * 300 / p.junior_ratio + p.plausible_staff_extra
    row = school("J", "junior", pj=300, cj=6)
    row["approved_quota"] = row["staff_in_post"] = math.floor(limit)
    county = county_of(row)  # loads: within the limit today
    later = projected_county(county, 1)
    pupils = int(later.schools.loc["J", "pupils_junior"])
    assert pupils < 250 and row["staff_in_post"] > (
        p.plausible_staff_factor * pupils / p.junior_ratio + p.plausible_staff_extra)
    plan = st.optimize(county, horizon=2)
    assert plan.status in ("optimal", "feasible")
    # typed in, the same figures are still refused as a typo
    typed = dict(row, pupils_junior=pupils, classes_junior=math.ceil(pupils / 50))
    with pytest.raises(StaffingDataError, match="implausibly high"):
        county_of(typed)
