"""Clusters in the model: cluster-scoped rotation and shadow training for new rural teachers."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import staffing as st
from staffing.training import shadow_hosts
from staffing.vocab import VISIT_KINDS

sys.path.insert(0, str(Path(__file__).parent))
from rotation_builders import english_county, staff_school  # noqa: E402


def test_cluster_scope_keeps_every_move_inside_one_cluster():
    county = st.synth.county(seed=7, n_schools=40)
    plan = st.optimize(county, st.Policy(rotation_scope="cluster"))
    assert len(plan.moves)
    cid = plan.clusters["cluster_id"]
    assert (plan.moves["from_school"].map(cid) == plan.moves["to_school"].map(cid)).all()
    visits = plan.moves[plan.moves["kind"].eq("itinerant")]
    assert (visits["from_school"].map(cid) == visits["to_school"].map(cid)).all()
    wide = st.optimize(county)
    assert wide.objective <= plan.objective + 1e-6  # a narrower scope never helps


def test_plan_carries_the_clusters_it_used():
    plan = st.optimize(st.synth.county(seed=7, n_schools=25))
    assert set(plan.clusters.index) == set(plan.county.schools.index)
    assert set(plan.clusters["role"]) <= {"lead", "member", "standalone"}


def test_new_rural_teachers_train_at_their_cluster_lead_within_capacity():
    county = st.synth.county(seed=3, n_schools=60)
    plan = st.optimize(county)
    shadow = plan.shadow
    assert len(shadow)
    s = county.schools
    hosts = shadow.loc[shadow["host_school"] != "", "host_school"]
    assert ((s.loc[hosts, "is_quality"] & s.loc[hosts, "location"].eq("urban"))
            | s.loc[hosts, "is_central"]).all()
    assert hosts.value_counts().max() <= plan.policy.mentor_capacity_per_host
    lead = shadow["school_id"].map(plan.clusters["lead_school"])
    by_lead = shadow["basis"].eq("cluster lead")
    assert (shadow.loc[by_lead, "host_school"] == lead[by_lead]).all()
    assert (shadow["until"] == plan.policy.plan_year).all()  # one year of training


def test_a_full_host_sends_the_next_trainee_elsewhere_or_says_so():
    county = st.synth.county(seed=3, n_schools=60)
    one = shadow_hosts(county, st.Policy(mentor_capacity_per_host=1))
    assert one["host_school"].replace("", pd.NA).dropna().is_unique
    assert set(one["basis"]) <= {"cluster lead", "nearest host", "no host within reach"}


def test_a_teacher_away_shadow_training_does_not_cover_the_need():
    # R's only English teacher was hired this school year: she trains at a host school,
    # so R's English need is still open and U's spare English teacher is sent. (Itinerant
    # teaching off: on a term move U keeps the post, and part-time cover from U would
    # otherwise serve R's two-thirds of a post more cheaply than the move.)
    county = english_county()
    teachers = county.teachers.reset_index()
    extra = pd.DataFrame(staff_school("R", {"english": 1}, start=500,
                                      hire_year=st.Policy().plan_year, years_at_school=0,
                                      birth_year=2000))
    schools = county.schools.reset_index()
    schools.loc[schools.school_id == "R", "staff_in_post"] += 1
    county = st.County(schools, pd.concat([teachers, extra], ignore_index=True),
                       name="with trainee")
    plan = st.optimize(county, st.Policy(itinerant_enabled=False))
    moved = plan.moves[~plan.moves["kind"].isin(VISIT_KINDS)]
    assert moved["teacher_id"].tolist() == ["U-900"]
    assert plan.shadow["teacher_id"].tolist() == ["R-500"]


def test_itinerant_teaching_fills_a_gap_no_move_could_fill():
    # R needs a third of an IT teacher and has none; no IT teacher may rotate, but U's
    # two IT teachers have a spare 1.1 FTE: one teaches at R part of the week (走教).
    plan = st.optimize(english_county())
    visits = plan.moves[plan.moves["kind"].eq("itinerant") & plan.moves["subject"].eq("it")]
    assert visits[["from_school", "to_school"]].drop_duplicates().values.tolist() == [["U", "R"]]
    assert visits["fte"].sum() > 0.3
    assert plan.coverage.loc[("R", "it"), "unmet_after"] < 1e-6
    assert "走教" in visits["reason_zh"].iloc[0]
    without = st.optimize(english_county(), st.Policy(itinerant_enabled=False))
    assert without.coverage.loc[("R", "it"), "unmet_after"] > 0.3
    assert not without.moves["kind"].eq("itinerant").any()
