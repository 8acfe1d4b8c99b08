"""Mental-health teachers (心理健康教育教师, Chuxiong measure 17).

Every school with pupils needs a full- or part-time mental-health teacher; from 1,000
pupils (以上 includes 1,000) a full-time one. Other subjects' teachers may cover a
part-time teacher's share (0.25 FTE by default). Expected numbers are worked out by
hand from those words and the hand-built counties below.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import staffing as st
from staffing.testing import county_of, plan_violations, school, teachers

PART_TIME = 0.25  # Policy.mental_health_part_time_fte default, by its comment
NO_ITINERANT = st.Policy(itinerant_enabled=False)
# Morality-and-law teachers may no longer cover mental health part-time.
NO_PART_TIME = NO_ITINERANT.replace(subject_cover={"morality_law": ("labour",)})


def one_school(pupils: int, mental_health: int = 0):
    """A rural primary school of ``pupils`` in ⌈pupils / 45⌉ classes (at least 6; none
    without pupils). Morality and law: 2 periods a class at an 18-period load, so
    classes × 2 / 18 FTE, staffed with one teacher more than that rounds up to (≥ 1 FTE
    spare, which may cover mental health part-time); labour (2 × 3 + 4 × 5) / 6 periods
    a class at 18, staffed to cover it."""
    classes = max(6, math.ceil(pupils / 45)) if pupils else 0
    rows = teachers("S", {"morality_law": math.ceil(classes * 2 / 18) + 1,
                          "labour": math.ceil(classes * 26 / 6 / 18),
                          "mental_health": mental_health})
    n = len(rows)
    return county_of([school("S", location="rural", township="碧城镇", pupils_primary=pupils,
                             classes_primary=classes, approved_quota=n, staff_in_post=n)], rows)


def mh(plan, column: str) -> float:
    return float(plan.coverage.loc[("S", "mental_health"), column])


@pytest.mark.parametrize(("pupils", "need"), [(270, PART_TIME), (999, PART_TIME),
                                              (1000, 1.0), (1200, 1.0)])
def test_need_is_part_time_below_1000_pupils_and_full_time_from_1000(pupils, need):
    assert st.subject_needs(one_school(pupils)).at["S", "mental_health"] == need


def test_a_school_with_no_pupils_needs_no_mental_health_teacher():
    assert st.subject_needs(one_school(0)).at["S", "mental_health"] == 0.0


def test_no_mental_health_teacher_gets_part_time_cover_when_allowed():
    county = one_school(270)
    allowed = st.optimize(county, NO_ITINERANT)
    # 1.33 FTE of spare morality-and-law time covers the 0.25 need in full.
    assert mh(allowed, "need") == PART_TIME
    assert mh(allowed, "covered_after") == pytest.approx(PART_TIME)
    assert mh(allowed, "unmet_after") == 0.0
    refused = st.optimize(county, NO_PART_TIME)
    assert mh(refused, "unmet_after") == pytest.approx(PART_TIME)
    assert plan_violations(county, NO_ITINERANT, allowed) == []


def test_above_the_threshold_part_time_cover_is_not_enough():
    county = one_school(1200)
    plan = st.optimize(county, NO_ITINERANT)
    # Need 1.0; other subjects give at most 0.25, so 0.75 stays unmet and is listed.
    assert mh(plan, "covered_after") == pytest.approx(PART_TIME)
    unmet = plan.unmet.set_index(["school_id", "subject"])
    assert unmet.loc[("S", "mental_health"), "unmet_after"] == pytest.approx(1 - PART_TIME)
    # A mental-health teacher of its own covers it.
    staffed = st.optimize(one_school(1200, mental_health=1), NO_ITINERANT)
    assert mh(staffed, "unmet_after") == 0.0
    assert "mental_health" not in set(staffed.unmet["subject"])


def two_schools():
    """S: 1,080 pupils in 24 classes, no mental-health teacher. C: an urban quality
    school 10 km away with two, one of them (C-900) eligible to rotate; nobody else is
    eligible. Morality and law 24 × 2 / 18 = 2.67 FTE and labour 24 × 26/6 / 18 = 5.78
    FTE at each: 4 and 6 teachers."""
    rows = (teachers("S", {"morality_law": 4, "labour": 6})
            + teachers("C", {"mental_health": 1, "morality_law": 4, "labour": 6})
            + teachers("C", {"mental_health": 1}, start=900, years_at_school=10))
    return county_of([
        school("S", location="rural", township="碧城镇", pupils_primary=1080,
               classes_primary=24, approved_quota=10, staff_in_post=10),
        school("C", is_quality=True, pupils_primary=1080, classes_primary=24,
               approved_quota=12, staff_in_post=12, lat=25.03, lon=101.64),
    ], rows)


def test_a_full_time_need_is_filled_by_rotating_a_mental_health_teacher():
    county = two_schools()
    plan = st.optimize(county, NO_ITINERANT)
    assert plan.moves[["teacher_id", "from_school", "to_school", "subject"]].values.tolist() == [
        ["C-900", "C", "S", "mental_health"]]
    assert mh(plan, "unmet_before") == pytest.approx(1 - PART_TIME)
    assert mh(plan, "unmet_after") == 0.0
    assert plan_violations(county, NO_ITINERANT, plan) == []


def test_the_teacher_level_model_agrees_with_part_time_cover():
    from staffing.model.solve import solve
    from staffing.testing import teacher_level_model

    for county in (two_schools(), one_school(1200)):
        plan = st.optimize(county, NO_ITINERANT, mip_gap=0.0)
        stats = solve(teacher_level_model(county, NO_ITINERANT), time_limit=60, mip_gap=0.0)
        assert plan.objective == pytest.approx(stats.objective, rel=1e-6, abs=1e-4)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=hs.integers(0, 50), part=hs.floats(0.0, 1.0), threshold=hs.integers(100, 3000))
def test_needs_never_below_the_rule_and_cover_never_above_the_cap(seed, part, threshold):
    policy = st.Policy(mental_health_part_time_fte=part, mental_health_full_time_pupils=threshold)
    county = st.synth.county(seed=seed, n_schools=6)
    need = st.subject_needs(county, policy)["mental_health"]
    s = county.schools
    pupils = s["pupils_primary"] + s["pupils_junior"]
    floor = (pupils >= threshold) * 1.0 + (pupils < threshold) * part
    assert (need >= floor.where(pupils > 0, 0.0) - 1e-12).all()
    from staffing.needs import coverage, teachers_by_subject
    staff = teachers_by_subject(county)
    covered = coverage(st.subject_needs(county, policy), staff, policy)["mental_health"]
    # Without mental-health teachers, cover comes from other subjects: at most `part`.
    assert (covered[staff["mental_health"] == 0] <= part + 1e-12).all()
