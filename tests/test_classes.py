"""Classes estimated from enrolment (issue 15): ⌈pupils ÷ class-size limit⌉ per grade,
multigrade teaching points, the County flag and explain(), against hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

import staffing as st
from staffing import testing
from staffing.errors import StaffingDataError

#: Pupils per grade, long, with the classes each grade needs worked out by hand at 45
#: (grades 1–6) and 50 (grades 7–9): A 45 → 1, 46 → 2, 0 → 0, 90 → 2, 91 → 3, 1 → 1
#: (9); B 50 → 1, 51 → 2, 100 → 2 (5); C grade 1 44 → 1, grade 9 101 → 3; E nobody.
LONG = pd.DataFrame({
    "school_id": ["A"] * 6 + ["B"] * 3 + ["C", "C", "E"],
    "grade": [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 9, 4],
    "pupils": [45, 46, 0, 90, 91, 1, 50, 51, 100, 44, 101, 0],
})
EXPECTED = pd.DataFrame({"classes_primary": [9, 0, 1, 0], "classes_junior": [0, 5, 3, 0],
                         "classes_estimated": [True] * 4},
                        index=pd.Index(["A", "B", "C", "E"], name="school_id"))


def test_classes_are_pupils_over_the_limit_rounded_up_per_grade():
    pd.testing.assert_frame_equal(st.estimate_classes(LONG), EXPECTED)


def test_the_wide_form_gives_the_same_table():
    wide = LONG.pivot(index="school_id", columns="grade", values="pupils").fillna(0)
    wide.columns = [f"grade_{g}" for g in wide.columns]
    pd.testing.assert_frame_equal(st.estimate_classes(wide), EXPECTED)


def test_columns_are_ints_and_a_bool():
    out = st.estimate_classes(LONG)
    assert out.dtypes.astype(str).tolist() == ["int64", "int64", "bool"]


def test_a_teaching_point_counts_one_multigrade_class_per_site():
    pupils = pd.DataFrame({"school_id": ["T"] * 3 + ["U"] * 3 + ["V"] * 3,
                           "grade": [1, 2, 3] * 3, "pupils": [5, 7, 6, 20, 20, 10, 5, 7, 6]})
    schools = pd.DataFrame({"school_id": ["T", "U", "V"],
                            "level": ["teaching_point", "教学点", "primary"]})
    out = st.estimate_classes(pupils, schools=schools)
    # T: 18 pupils in one class; U: 50 pupils > 45 → 2 classes; V (a primary school):
    # one class per grade with pupils, 3.
    assert out["classes_primary"].to_dict() == {"T": 1, "U": 2, "V": 3}
    # Without the schools table, or without multigrade levels, every grade is a class.
    assert st.estimate_classes(pupils)["classes_primary"].tolist() == [3, 3, 3]
    off = st.Policy(multigrade_levels=())
    assert st.estimate_classes(pupils, off, schools=schools)["classes_primary"].tolist() == [
        3, 3, 3]


def test_a_five_four_structure_counts_grade_6_at_the_junior_limit():
    # Grade 6 with 46 pupils: two primary classes under 6 + 3, one junior class in 5 + 4.
    pupils = pd.DataFrame({"school_id": ["N", "N"], "grade": [5, 6], "pupils": [46, 46]})
    assert st.estimate_classes(pupils).loc["N"].tolist()[:2] == [4, 0]
    assert st.estimate_classes(pupils, st.Policy(grades="5+4")).loc["N"].tolist()[:2] == [2, 1]


def test_bad_input_is_reported_all_at_once_with_row_and_column():
    bad = pd.DataFrame({"school_id": ["A", "A", "A", "A"], "grade": [1, "x", 2, 3],
                        "pupils": [10, 10, -1, 2.5]})
    with pytest.raises(StaffingDataError) as err:
        st.estimate_classes(bad)
    found = {(p.row, p.column, str(p.value)) for p in err.value.problems}
    assert found == {(3, "grade", "x"), (4, "pupils", "-1.0"), (5, "pupils", "2.5")}
    assert any("whole number" in p.rule for p in err.value.problems)


def test_a_bad_wide_cell_is_named_by_its_row_and_header():
    wide = pd.DataFrame({"school_id": ["A", "B"], "grade_1": [10, 12], "grade_2": [8, "many"]})
    with pytest.raises(StaffingDataError) as err:
        st.estimate_classes(wide)
    [problem] = err.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "grade_2", "many")


def test_schools_table_problems_come_with_the_pupils_problems():
    pupils = pd.DataFrame({"school_id": ["A", "Z"], "grade": [1, 12], "pupils": [10, 5]})
    schools = pd.DataFrame({"school_id": ["A"], "level": ["college"]})
    with pytest.raises(StaffingDataError) as err:
        st.estimate_classes(pupils, schools=schools)
    columns = sorted(p.column for p in err.value.problems)
    assert columns == ["grade", "level"]  # the parser stops at its own problems first
    ok = pd.DataFrame({"school_id": ["A", "Z"], "grade": [1, 2], "pupils": [10, 5]})
    with pytest.raises(StaffingDataError) as err:
        st.estimate_classes(ok, schools=schools)
    assert {(p.column, p.value) for p in err.value.problems} == {("level", "college"),
                                                                 ("school_id", "Z")}


def village_county(estimated: bool) -> st.County:
    """An urban school U (800 pupils, 19 classes) and a village school V of 120 pupils
    in grades 1–6 of 20 each: one class a grade, 6 classes estimated → class norm 12."""
    rows = [testing.school("U", pupils_primary=800, classes_primary=19, approved_quota=50,
                           staff_in_post=40),
            testing.school("V", location="rural", pupils_primary=120, approved_quota=8,
                           staff_in_post=8)]
    schools = pd.DataFrame(rows).set_index("school_id")
    pupils = pd.DataFrame({"school_id": ["V"] * 6, "grade": range(1, 7), "pupils": [20] * 6})
    if estimated:  # as docs/multiyear.md shows
        est = st.estimate_classes(pupils, schools=schools.reset_index())
        schools.loc[est.index, ["classes_primary", "classes_junior"]] = est[
            ["classes_primary", "classes_junior"]]
        schools["classes_estimated"] = schools.index.isin(est.index)
    else:
        schools.loc["V", "classes_primary"] = 6
    return st.County(schools.reset_index())


def test_a_county_built_from_estimated_classes_lists_the_flagged_schools(tmp_path):
    county = village_county(estimated=True)
    assert county.classes_estimated_schools == ["V"]
    assert county.schools.loc["V", "classes_primary"] == 6
    assert village_county(estimated=False).classes_estimated_schools == []
    county.to_excel(tmp_path / "c.xlsx")
    assert st.load_county(tmp_path / "c.xlsx").classes_estimated_schools == ["V"]


def test_explain_says_the_norm_rests_on_estimated_classes_in_both_languages():
    plan = st.optimize(village_county(estimated=True), time_limit=20)
    assert plan.quotas.loc["V", "basis"] == "classes"  # 6 × 2 = 12 > 120 / 19
    story_en, story_zh = plan.explain("V"), plan.explain("V", lang="zh")
    assert "estimated from enrolment" in story_en and "norm (class rule)" in story_en
    assert "估算" in story_zh
    assert "estimated" not in plan.explain("U")
    rules = plan.explain().set_index("key")
    assert "rest on classes estimated from enrolment (class rule): V" in rules.loc[
        "norm_coverage", "note"]
    assert "估算班级数" in plan.explain(lang="zh").set_index("key").loc["norm_coverage", "note"]
    counted = st.optimize(village_county(estimated=False), time_limit=20)
    assert "estimated" not in counted.explain().set_index("key").loc["norm_coverage", "note"]
