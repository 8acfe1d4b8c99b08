"""One home per domain rule (staffing.staff): every module counts the same teachers, the
same backbone, the same nine-year split and the same moves — checked against hand tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import staffing as st
from staffing.clusters import cluster_metrics
from staffing.explain import rotation_effect
from staffing.metrics import backbone_per_100_pupils, pupil_teacher_ratios, urgent_subject_coverage
from staffing.needs import teachers_by_subject
from staffing.staff import level_staff, moves_by_school
from staffing.synth import calibration_summary

sys.path.insert(0, str(Path(__file__).parent))
from rotation_builders import english_county, school_row, staff_school  # noqa: E402


def two_schools() -> st.County:
    """A: its only music teacher (a county backbone) is leaving, its PE teacher stays.
    B: a music teacher in post. 100 pupils at each school."""
    teachers = (staff_school("A", {"music": 1}, status="leaving", backbone="county")
                + staff_school("A", {"pe": 1}, start=1)
                + staff_school("B", {"music": 1}))
    schools = [school_row(sid, pupils_primary=100, classes_primary=6, approved_quota=2,
                          staff_in_post=n) for sid, n in (("A", 2), ("B", 1))]
    return st.County(pd.DataFrame(schools), pd.DataFrame(teachers), name="two")


def test_a_leaving_teacher_counts_nowhere():
    county = two_schools()
    # Hand table: music is taught in post at B only, PE at A only; no backbone in post.
    assert teachers_by_subject(county).loc[["A", "B"], "music"].tolist() == [0, 1]
    assert backbone_per_100_pupils(county.teachers, county) == 0.0
    cover = urgent_subject_coverage(county.teachers, county)
    assert (cover["music"], cover["pe"]) == (0.5, 0.5)
    one_cluster = pd.DataFrame({"cluster_id": ["C1", "C1"], "lead_school": ["A", "A"],
                                "role": ["lead", "member"], "distance_km": [0.0, 5.0]},
                               index=pd.Index(["A", "B"], name="school_id"))
    m = cluster_metrics(county, one_cluster).loc["C1"]
    # The cluster counts as the county does (before, the leaver covered A's music).
    assert (m["cover_music"], m["cover_pe"], m["backbone_teachers"]) == (0.5, 0.5, 0)


def test_nine_year_split_by_the_two_pupil_norms():
    # 190 primary pupils / 19 = 10 posts, 135 junior / 13.5 = 10: 20 staff split 10 / 10.
    # Staff of schools without pupils count with their level.
    s = pd.DataFrame({"pupils_primary": [190, 0, 0], "pupils_junior": [135, 0, 0],
                      "level": ["nine_year", "junior", "primary"]}, index=["N", "J", "P"])
    split = level_staff(s, pd.Series([20, 3, 2], index=["N", "J", "P"]), st.Policy())
    assert split.round(9).values.tolist() == [[10.0, 10.0], [0.0, 3.0], [2.0, 0.0]]


def test_county_ratios_and_synth_calibration_use_the_same_split():
    row = school_row("N", level="nine_year", pupils_primary=190, pupils_junior=135,
                     classes_primary=6, classes_junior=3, approved_quota=20, staff_in_post=20)
    county = st.County(pd.DataFrame([row]), None, name="nine")
    ptr = pupil_teacher_ratios(county)
    summary = calibration_summary(county)
    assert (round(ptr["primary"], 9), round(ptr["junior"], 9)) == (19.0, 13.5)
    assert (round(summary["primary_ptr"], 9), round(summary["junior_ptr"], 9)) == (19.0, 13.5)


def test_itinerant_visits_are_not_moves():
    m = pd.DataFrame({"from_school": ["U", "U", "R"], "to_school": ["R", "R", "U"],
                      "kind": ["itinerant", "rotation", "itinerant"]})
    into, out = moves_by_school(m, pd.Index(["U", "R"]))
    assert (into.tolist(), out.tolist()) == ([0, 1], [1, 0])


@pytest.fixture(scope="module")
def visited_plan():
    # U keeps its two English teachers (u_english=1 plus U-900); a teacher gives 2
    # periods a week to itinerant teaching (1/9 FTE), so R's 2/3 FTE English need
    # stays open beyond 0.3 FTE while U's teachers visit R in several subjects.
    policy = st.Policy(itinerant_periods_per_teacher=2.0, rotation_min_gap_fte=0.3)
    return st.optimize(english_county(u_english=1), policy)


def test_unmet_reason_does_not_count_visits_as_moves_into_the_quota(visited_plan):
    plan = visited_plan
    visits = plan.moves[plan.moves["to_school"].eq("R")]
    assert len(visits) >= 2 and visits["kind"].eq("itinerant").all()
    # Hand count: R's approved quota is 16 posts for 14 staff; nobody arrives with a
    # post (visitors keep theirs at U), so R's quota has room and cannot be the reason.
    assert plan.quotas.loc["R", ["new_quota", "staff_in_post", "leavers"]].tolist() == [16, 14, 0]
    unmet = plan.unmet.set_index(["school_id", "subject"])
    assert unmet.loc[("R", "english"), "reason"] == (
        "teachers who could come are needed more where they are")
    e = rotation_effect(plan).loc["R"]
    assert (e["in_with_post"], e["here_on_term"], e["from_rotation"]) == (0, 0, 0)
