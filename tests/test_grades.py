"""Grade structures (Policy.grades, issue 15): 5 + 4 (五四学制) through norms, needs, the
projection and a five-year plan, and 7 + 4 through the projection.

Every expected number is worked out by hand below from the rule's wording: cohorts move
one grade a year at the retention; the first junior grade gets the last primary grade ×
junior_transition_rate × retention; periods by grade number, loads by the school part.
"""

from __future__ import annotations

import pandas as pd
import pytest

import staffing as st
from staffing import testing
from staffing.errors import StaffingDataError
from staffing.policy import PolicyError
from staffing.projection import (
    annual_retention,
    project_enrolment,
    projected_county,
    projection_summary,
)
from staffing.scenarios import consolidate

#: 5 + 4 with hand-friendly numbers: retention 0.9 at every step, 95% of primary leavers
#: go on, no intake trend.
FIVE_FOUR = st.Policy(grades="5+4", retention_rate=0.9, retention_basis="annual",
                      junior_transition_rate=0.95, intake_trend_urban=0.0)


def five_four_county(teacher_rows: list[dict] | None = None) -> st.County:
    """An urban primary school P (grades 1–5, 400 pupils, 11 classes) and the junior
    school J of its township (grades 6–9, 188 pupils, 4 classes)."""
    return testing.county_of([
        testing.school("P", pupils_primary=400, classes_primary=11, approved_quota=21,
                       staff_in_post=21),
        testing.school("J", level="junior", pupils_junior=188, classes_junior=4,
                       approved_quota=14, staff_in_post=14),
    ], teacher_rows)


#: P: grades 1–5 = 100, 90, 80, 70, 60 (400); J: grades 6–9 = 50, 48, 46, 44 (188).
GRADES_5_4 = pd.DataFrame({
    "school_id": ["P"] * 5 + ["J"] * 4,
    "grade": [1, 2, 3, 4, 5, 6, 7, 8, 9],
    "pupils": [100, 90, 80, 70, 60, 50, 48, 46, 44],
})


def pupils(proj: pd.DataFrame, sid: str, year: int) -> dict[int, float]:
    rows = proj[(proj.school_id == sid) & (proj.year == year)]
    return dict(zip(rows.grade.tolist(), rows.pupils.round(6).tolist(), strict=True))


# ------------------------------------------------------------------ the policy field
def test_grades_default_to_six_three_and_take_five_four_as_text_or_pair(tmp_path):
    assert st.Policy().grades == (6, 3)
    assert st.Policy(grades="5+4").grades == (5, 4) == st.Policy(grades=[5, 4]).grades
    assert st.Policy(grades="5+4").junior_grades == (6, 7, 8, 9)
    path = tmp_path / "p.toml"
    path.write_text('grades = "5+4"\njunior_transition_rate = 0.97\n', encoding="utf-8")
    p = st.Policy.from_toml(path)
    assert (p.grades, p.junior_transition_rate) == ((5, 4), 0.97)
    p.to_toml(path)
    assert st.Policy.from_toml(path) == p


@pytest.mark.parametrize("value, message", [
    ("6-3", "expected (primary grades, junior grades)"),
    ((10, 3), "primary grades must be 1–9 and junior grades 1–6"),
    ((6, 0), "primary grades must be 1–9 and junior grades 1–6"),
    ((6, 3, 3), "expected (primary grades, junior grades)"),
])
def test_a_bad_grade_structure_is_refused_naming_the_field(value, message):
    with pytest.raises(PolicyError, match="grades") as err:
        st.Policy(grades=value)
    assert message in str(err.value)


def test_a_transition_rate_above_one_is_refused():
    with pytest.raises(PolicyError, match="junior_transition_rate"):
        st.Policy(junior_transition_rate=1.2)


# ------------------------------------------------------------------------- 5 + 4
def test_five_four_projection_moves_cohorts_grade_by_grade_with_grade_6_in_junior():
    proj = project_enrolment(five_four_county(), FIVE_FOUR, horizon=2, grades=GRADES_5_4)
    # Year 1 by hand: P keeps its intake (trend 0) and ages 100, 90, 80, 70 by 0.9;
    # J's grade 6 = P's grade 5 (60) × 0.95 × 0.9 = 51.3; its grades 7–9 = 50, 48, 46 × 0.9.
    assert pupils(proj, "P", 1) == {1: 100.0, 2: 90.0, 3: 81.0, 4: 72.0, 5: 63.0}
    assert pupils(proj, "J", 1) == {6: 51.3, 7: 45.0, 8: 43.2, 9: 41.4}
    # Year 2: grade 6 = 63 × 0.855 = 53.865; grade 7 = 51.3 × 0.9 = 46.17.
    assert pupils(proj, "P", 2) == {1: 100.0, 2: 90.0, 3: 81.0, 4: 72.9, 5: 64.8}
    assert pupils(proj, "J", 2) == {6: 53.865, 7: 46.17, 8: 40.5, 9: 38.88}
    assert set(proj.loc[proj.grade == 6, "level"]) == {"junior"}
    assert set(proj.loc[proj.school_id == "P", "grade"]) == {1, 2, 3, 4, 5}


def test_five_four_classes_and_norms_of_the_projected_year():
    county = five_four_county()
    summary = projection_summary(county, FIVE_FOUR, horizon=1, grades=GRADES_5_4)
    # Year 1, per grade at 45 (primary) and 50 (junior): P 100, 90, 81, 72, 63 →
    # 3 + 2 + 2 + 2 + 2 = 11 classes; J 51.3, 45, 43.2, 41.4 → 2 + 1 + 1 + 1 = 5.
    assert summary.loc[("P", 1)].tolist() == [406, 0, 11, 0]
    assert summary.loc[("J", 1)].tolist() == [0, 181, 0, 5]
    later = projected_county(county, 1, FIVE_FOUR, summary=summary)
    norms = st.quota_norms(later, FIVE_FOUR)
    # 406 / 19 = 21.37 → 21; 181 / 13.5 = 13.41 → 13 (grade 6 staffed at the junior ratio).
    assert norms["norm"].to_dict() == {"P": 21, "J": 13}


def test_five_four_needs_take_periods_by_grade_and_loads_by_school_part():
    needs = st.subject_needs(five_four_county(), st.Policy(grades="5+4"))
    # J: 4 junior classes, one per grade 6–9. Grade 6 has the grade 3–6 periods (maths 4,
    # English 2, science 3, music 2, labour 5) at junior loads (maths and English 12,
    # music 16, labour 14); junior loads list no science, so science takes the primary
    # load 18. Grades 7–9: maths 5, English 4, music 1, labour 5, no science.
    j = needs.loc["J"]
    assert j["maths"] == pytest.approx(4 / 12 + 3 * 5 / 12)
    assert j["english"] == pytest.approx(2 / 12 + 3 * 4 / 12)
    assert j["science"] == pytest.approx(3 / 18)
    assert j["music"] == pytest.approx(2 / 16 + 3 * 1 / 16)
    assert j["labour"] == pytest.approx(4 * 5 / 14)
    assert j["physics"] == pytest.approx(3 * (4 / 3) / 14)
    # P: 11 classes over grades 1–5 = 2.2 a grade; grades 1–2 Chinese 8, maths 4, grades
    # 3–5 Chinese 6, maths 4, English 2; primary loads Chinese/maths 14, English 18.
    p = needs.loc["P"]
    assert p["chinese"] == pytest.approx((2 * 2.2 * 8 + 3 * 2.2 * 6) / 14)
    assert p["maths"] == pytest.approx(5 * 2.2 * 4 / 14)
    assert p["english"] == pytest.approx(3 * 2.2 * 2 / 18)


def test_six_three_needs_are_unchanged_by_the_grade_rule():
    # The same county read as 6 + 3: P's 11 classes over 6 grades, J's 4 over 7–9.
    needs = st.subject_needs(five_four_county())
    assert needs.loc["P", "english"] == pytest.approx(11 * 4 / 6 * 2 / 18)
    assert needs.loc["J", "maths"] == pytest.approx(4 * 5 / 12)
    assert needs.loc["J", "science"] == 0


def test_a_five_year_plan_of_a_five_four_county_follows_the_five_four_projection():
    staff = (testing.teachers("P", {"chinese": 6, "maths": 4, "english": 2, "general": 9})
             + testing.teachers("J", {"chinese": 3, "maths": 3, "english": 3, "physics": 1,
                                      "pe": 2, "music": 1, "art": 1}))
    county = five_four_county(staff)
    plan = st.optimize(county, FIVE_FOUR, horizon=5, time_limit=30)
    assert plan.status == "optimal"
    proj = plan.projection
    # Spread evenly: P 400 / 5 = 80 a grade, J 188 / 4 = 47. Year 1 by hand: P 80 +
    # 4 × 72 = 368; J grade 6 = 80 × 0.855 = 68.4, grades 7–9 = 3 × 42.3 → 195.3 → 195.
    year1 = proj.xs(FIVE_FOUR.plan_year + 1, level="year")
    assert year1.loc["P", "pupils_primary"] == 368
    assert year1.loc["J", "pupils_junior"] == 195
    # Year 5: P = 80 + 72 + 64.8 + 58.32 + 52.488 = 327.608 → 328 (every grade now
    # from the flat intake). J's grade 6 of year 5 = P's grade 5 of year 4 (80 × 0.9⁴ =
    # 52.488) × 0.855; grades 7–9 = P's grade 5 of years 3, 2, 1 carried on:
    # 58.32 × 0.855 × 0.9, 64.8 × 0.855 × 0.81, 72 × 0.855 × 0.729 — each 44.87724,
    # 179.50896 in all → 180.
    year5 = proj.xs(FIVE_FOUR.plan_year + 5, level="year")
    assert year5.loc["P", "pupils_primary"] == 328
    assert year5.loc["J", "pupils_junior"] == 180
    testing.assert_plan_legal(county, FIVE_FOUR, plan)
    note = plan.explain().set_index("key").loc["projection", "note"]
    assert "grade structure 5+4 (grades 1–5 and 6–9)" in note
    assert "95% of primary leavers go on" in note
    assert "学制5+4" in plan.explain(lang="zh").set_index("key").loc["projection", "note"]


def test_five_four_consolidation_keeps_pupils_and_projects_on():
    schools = [
        testing.school("T", location="town", pupils_primary=400, classes_primary=10,
                       approved_quota=21, staff_in_post=21, lat=25.00),
        testing.school("V", location="rural", pupils_primary=40, classes_primary=5,
                       approved_quota=4, staff_in_post=4, lat=25.03),
        testing.school("J", level="junior", location="town", pupils_junior=200,
                       classes_junior=4, approved_quota=15, staff_in_post=15, lat=25.01),
    ]
    county = testing.county_of(schools)
    merged, merges = consolidate(county, FIVE_FOUR)
    assert merges["school_id"].tolist() == ["V"]
    # T now has 440 primary pupils spread over grades 1–5 (88 a grade): its grade 5
    # leavers, 88 × 0.95 × 0.9 = 75.24, enter J's grade 6 next year.
    proj = project_enrolment(merged, FIVE_FOUR, horizon=1)
    assert pupils(proj, "J", 1)[6] == pytest.approx(75.24)


# ------------------------------------------------------------------------- 7 + 4
SEVEN_FOUR = st.Policy(grades=(7, 4), retention_rate=1.0, junior_transition_rate=0.8,
                       intake_trend_urban=0.0)


def test_seven_four_projection_sends_grade_7_leavers_on_at_the_transition_rate():
    county = testing.county_of([
        testing.school("P", pupils_primary=700, classes_primary=16, approved_quota=37,
                       staff_in_post=37),
        testing.school("S", level="junior", pupils_junior=400, classes_junior=8,
                       approved_quota=30, staff_in_post=30),
    ])
    grades = pd.DataFrame({"school_id": ["P"] * 7 + ["S"] * 4, "grade": list(range(1, 12)),
                           "pupils": [130, 120, 110, 100, 90, 80, 70, 110, 100, 100, 90]})
    proj = project_enrolment(county, SEVEN_FOUR, horizon=3, grades=grades)
    # Retention 1.0: cohorts move unchanged; S's grade 8 = P's grade 7 × 0.8.
    assert pupils(proj, "P", 1) == {1: 130, 2: 130, 3: 120, 4: 110, 5: 100, 6: 90, 7: 80}
    assert pupils(proj, "S", 1) == {8: 56.0, 9: 110, 10: 100, 11: 100}
    # Year 3: grades 8–10 are P's grades 7 of years 2, 1, 0 (90, 80, 70) × 0.8; grade 11
    # is S's grade 8 of year 0 (110).
    assert pupils(proj, "S", 3) == {8: 72.0, 9: 64.0, 10: 56.0, 11: 110.0}
    # Three years on the junior pupils are 72 + 64 + 56 + 110 = 302, not the seven
    # primary grades pouring in whole (the bug of issue 15: 10,173 → 25,535).
    summary = projection_summary(county, SEVEN_FOUR, projection=proj)
    assert summary.loc[("S", 3), "pupils_junior"] == 302
    assert summary.loc[("P", 3), "pupils_primary"] == 130 * 4 + 120 + 110 + 100
    assert proj.attrs["grades"] == (7, 4)


def test_seven_four_nine_year_retention_spreads_over_ten_steps():
    # 0.98 over the cycle grade 1 → grade 11 is ten steps: 0.98 ** 0.1 a year.
    p = st.Policy(grades=(7, 4))
    assert annual_retention(p) == pytest.approx(0.997982, abs=1e-6)
    assert annual_retention(st.Policy(grades="5+4")) == pytest.approx(0.997478, abs=1e-6)


def test_grades_beyond_nine_take_the_periods_of_grades_7_to_9():
    county = testing.county_of([
        testing.school("S", level="junior", pupils_junior=400, classes_junior=8,
                       approved_quota=30, staff_in_post=30)])
    needs = st.subject_needs(county, st.Policy(grades=(7, 4)))
    # 8 junior classes over grades 8–11 (2 each), all in the grade 7–9 band: maths 5 / 12.
    assert needs.loc["S", "maths"] == pytest.approx(8 * 5 / 12)


# ------------------------------------------------------------------- bad per-grade input
def test_a_grade_outside_the_structure_is_named_with_its_row():
    county = five_four_county()
    bad = pd.DataFrame({"school_id": ["P", "J"], "grade": [1, 10], "pupils": [400, 188]})
    with pytest.raises(StaffingDataError) as err:
        project_enrolment(county, FIVE_FOUR, grades=bad)
    problem = err.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "grade", 10)
    assert "1–9" in problem.rule and "5+4" in problem.rule


def test_a_projection_made_for_another_structure_is_refused():
    county = five_four_county()
    proj = project_enrolment(county, FIVE_FOUR, horizon=1)
    with pytest.raises(ValueError, match="Policy.grades"):
        projection_summary(county, st.Policy(), projection=proj)
