"""Class teachers teach less (班主任减课时, Chuxiong measure 16).

Expected numbers come from the documents' own figures — weekly periods per class of the
义务教育课程方案 (2022): 26 in grades 1–2, 30 in 3–6, 34 in 7–9 — and from hand
arithmetic on hand-built counties, never from the library's own functions.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import staffing as st
from staffing.needs import class_teacher_shortfall
from staffing.testing import county_of, plan_violations, school, teachers

# Weekly periods per class from the 方案 (2022), averaged over the grades of each part
# in the default 6 + 3 structure: primary (2 × 26 + 4 × 30) / 6, junior 34.
PRIMARY_PERIODS = (2 * 26 + 4 * 30) / 6
JUNIOR_PERIODS = 34.0
# Smallest default weekly load (junior Chinese/maths/English, POLICY.md part B).
SMALLEST_LOAD = 12.0


def two_junior_schools():
    """Two rural junior schools, 12 classes each, about 9 km apart; U is a township
    central school (中心校), which may send teachers to rural schools without having a
    rotation duty of its own (rural, not a quality school).

    R has 5 maths and 5 labour teachers; U has 7 maths teachers (one, U-900, eligible
    to rotate: 10 years at the school) and 5 labour teachers. Nobody else is eligible,
    and no other subject's teachers exist, so the only move the model can make is
    U-900 from U to R, to teach maths (or labour). Junior maths: 5 periods a week per
    class at a 12-period load, so without class teachers' reduction each school needs
    12 × 5 / 12 = 5.0 maths FTE; labour 12 × 5 / 14 = 4.29 FTE.
    """
    rows = (teachers("R", {"maths": 5, "labour": 5})
            + teachers("U", {"maths": 6, "labour": 5})
            + teachers("U", {"maths": 1}, start=900, years_at_school=10))
    schools = [
        school("R", level="junior", location="rural", township="碧城镇", pupils_junior=540,
               classes_junior=12, approved_quota=10, staff_in_post=10),
        school("U", level="junior", location="rural", township="九顶镇", is_central=True,
               pupils_junior=540,
               classes_junior=12, approved_quota=12, staff_in_post=12, lat=25.03,
               lon=101.64),
    ]
    return county_of(schools, rows)


def test_reduced_load_raises_every_need_by_the_lost_periods_by_hand():
    county = two_junior_schools()
    policy = st.Policy(head_teacher_load_reduction=4)
    needs = st.subject_needs(county, policy)
    # 12 class teachers each teach 4 periods fewer: 48 of the school's 12 × 34 = 408
    # periods move to other teachers, in proportion to the subjects' periods.
    assert needs.at["R", "maths"] == pytest.approx(5.0 * (408 + 48) / 408)
    assert needs.at["R", "labour"] == pytest.approx(12 * 5 / 14 * (408 + 48) / 408)
    assert st.subject_needs(county).at["R", "maths"] == pytest.approx(5.0)


def test_class_teachers_teaching_less_open_a_gap_filled_by_rotation():
    county = two_junior_schools()
    full = st.Policy(itinerant_enabled=False)
    light = full.replace(head_teacher_load_reduction=4)
    # Full load: R's 5 maths teachers cover its 5.0 FTE; nobody needs to move.
    before = st.optimize(county, full)
    assert before.moves.empty
    assert not ((before.unmet["school_id"] == "R") & (before.unmet["subject"] == "maths")).any()
    # Four periods fewer per class teacher: R needs 5.0 × 456/408 = 5.59 maths FTE, a
    # 0.59 gap (≥ rotation_min_gap_fte 0.5); U keeps 6 ≥ 5.59 after U-900 leaves.
    after = st.optimize(county, light)
    assert after.moves[["teacher_id", "from_school", "to_school"]].values.tolist() == [
        ["U-900", "U", "R"]]
    assert plan_violations(county, light, after) == []
    row = after.explain().set_index("key").loc["head_teacher_load"]
    # Every junior subject's need rises by 48/408, at both schools. Junior FTE per class
    # by hand (periods ÷ load): Chinese, maths, English 14 periods at 12; morality,
    # history, geography, physics, chemistry, biology, PE, labour 2+2+4/3+4/3+1+4/3+3+5
    # = 17 periods at 14; music, art, IT 3 periods at 16.
    per_class = 14 / 12 + 17 / 14 + 3 / 16
    extra = 2 * 12 * per_class * 48 / 408
    assert row["achieved"] == pytest.approx(extra, abs=0.01)
    assert "24 classes" in row["note"]
    assert "减少班主任课时" in after.explain(lang="zh").set_index("key").loc[
        "head_teacher_load", "rule"]
    blocks = after.blocks.set_index("block")
    assert bool(blocks.at["head_teacher_load", "on"])
    assert not bool(before.blocks.set_index("block").at["head_teacher_load", "on"])
    assert "head_teacher_load" not in before.explain().set_index("key").index


def test_schools_flagging_fewer_class_teachers_than_classes_are_listed():
    county = two_junior_schools()  # nobody flagged: every class lacks one
    assert class_teacher_shortfall(county).to_dict() == {"R": 12, "U": 12}
    t = county.teachers.reset_index()
    t.loc[t["school_id"].eq("R"), "is_head_teacher"] = True  # R: 10 flagged, 12 classes
    flagged = st.County(county.schools.reset_index(), t)
    assert class_teacher_shortfall(flagged).to_dict() == {"R": 2, "U": 12}


@pytest.mark.parametrize("cut", [SMALLEST_LOAD, 12.5, 50.0])
def test_a_reduction_that_leaves_no_teaching_load_is_refused(cut):
    with pytest.raises(st.PolicyError, match="head_teacher_load_reduction"):
        st.Policy(head_teacher_load_reduction=cut)


@settings(max_examples=60, deadline=None)
@given(cut=hs.floats(0.0, 50.0))
def test_every_accepted_reduction_leaves_every_load_positive(cut):
    try:
        policy = st.Policy(head_teacher_load_reduction=cut)
    except st.PolicyError:
        assert cut >= SMALLEST_LOAD
        return
    assert min(v for t in policy.teaching_load.values() for v in t.values()) - cut > 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=hs.integers(0, 50), cut=hs.floats(0.5, SMALLEST_LOAD - 0.01))
def test_needs_grow_by_the_periods_class_teachers_give_up(seed, cut):
    policy = st.Policy(head_teacher_load_reduction=cut)
    county = st.synth.county(seed=seed, n_schools=6, teachers=False)
    base, light = st.subject_needs(county), st.subject_needs(county, policy)
    s = county.schools
    periods = s["classes_primary"] * PRIMARY_PERIODS + s["classes_junior"] * JUNIOR_PERIODS
    classes = s["classes_primary"] + s["classes_junior"]
    for sid in s.index:
        # The rule's floor: never below the full-load need.
        assert (light.loc[sid] >= base.loc[sid] - 1e-12).all()
        if periods[sid] > 0:
            # Each subject's need grows by the share of periods class teachers give up.
            ratio = 1 + cut * classes[sid] / periods[sid]
            # (mental health is a teacher per school, not periods: it does not grow)
            for j in base.columns[(base.loc[sid] > 0) & (base.columns != "mental_health")]:
                assert math.isclose(light.at[sid, j], base.at[sid, j] * ratio, rel_tol=1e-9)
