"""Remote classrooms (专递课堂, seed measure 6): a cluster lead streams urgent-subject
lessons to the small schools of its cluster that no itinerant teacher can reach."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import staffing as st
from staffing.model.solve import solve
from staffing.testing import county_of, plan_violations, school, teacher_level_model, teachers

# Hand numbers (2022 curriculum, seed measure 10 small-school load):
# * the teaching point T has 6 primary classes, one per grade, so grades 3–6 hold 4
#   classes; English is 2 periods a week there: 8 periods ÷ 18 (small-school load)
#   = 0.444 FTE of English need, and no English teacher;
# * the lead L (town central primary, 18 classes: 12 in grades 3–6) needs
#   12 × 2 ÷ 18 = 1.333 FTE of English and has 3 English teachers: 1.667 FTE spare;
#   PE: 6 × 4 + 12 × 3 = 60 periods ÷ 18 = 3.333 FTE, 5 PE teachers: 1.667 spare;
# * T is 1.5° of latitude (≈ 167 km) from L, beyond max_travel_km = 40: no teacher
#   can move or teach itinerant there.
T_ENGLISH = 8 / 18
T_PE = (2 * 4 + 4 * 3) / 18
ON = st.Policy(remote_enabled=True)  # off by default


def lead_and_point(km_far: bool = True) -> tuple[st.County, pd.DataFrame]:
    """L (cluster lead) and teaching point T, and the cluster that joins them."""
    lead = teachers("L", {"english": 3, "pe": 5})
    point = teachers("T", {"general": 2})
    schools = [
        school("L", location="town", is_central=True, pupils_primary=800,
               classes_primary=18, approved_quota=8, staff_in_post=8),
        school("T", level="teaching_point", location="rural", township="碧城镇",
               pupils_primary=60, classes_primary=6, approved_quota=2, staff_in_post=2,
               lat=25.03 + (1.5 if km_far else 0.05)),
    ]
    clusters = pd.DataFrame({"cluster_id": ["C1", "C1"], "lead_school": ["L", "L"],
                             "role": ["lead", "member"], "distance_km": [0.0, 5.0],
                             "township": ["城关镇", "碧城镇"], "note": ["", ""]},
                            index=pd.Index(["L", "T"], name="school_id"))
    return county_of(schools, lead + point), clusters


def remote_rows(plan) -> pd.DataFrame:
    return plan.moves[plan.moves["kind"].eq("remote")]


@pytest.mark.parametrize(("periods", "quality", "streamed", "unmet"), [
    # capacity 10 ÷ 18 = 0.556 FTE ≥ the 0.444 need: the need is streamed in full
    (10.0, 1.0, T_ENGLISH, 0.0),
    # capacity 6 ÷ 18 = 0.333 FTE < 0.444: 0.111 stays open
    (6.0, 1.0, 6 / 18, T_ENGLISH - 6 / 18),
    # half quality: the lead streams all it can (0.333) and it counts 0.167
    (6.0, 0.5, 6 / 18, T_ENGLISH - 0.5 * 6 / 18),
])
def test_teaching_point_out_of_reach_gets_english_streamed_up_to_capacity(
        periods, quality, streamed, unmet):
    county, clusters = lead_and_point()
    policy = st.Policy(remote_enabled=True, remote_periods_per_lead=periods, remote_quality=quality)
    plan = st.optimize(county, policy, clusters=clusters, mip_gap=0.0)
    rows = remote_rows(plan)
    assert rows[["from_school", "to_school", "subject"]].values.tolist() == [
        ["L", "T", "english"]]
    assert rows["teacher_id"].tolist() == [""]
    assert rows["fte"].sum() == pytest.approx(streamed, abs=1e-3)
    assert plan.coverage.loc[("T", "english"), "unmet_after"] == pytest.approx(unmet, abs=2e-3)
    assert not plan.moves["kind"].isin(["itinerant", "rotation", "support"]).any()
    assert "专递课堂" in rows["reason_zh"].iloc[0]
    assert plan_violations(county, policy, plan) == []
    # explain() names the site covered remotely
    table = plan.explain()
    row = table[table["key"].eq("remote_cover")]
    assert row["schools_affected"].iloc[0] == ["T"]
    assert "T: english" in row["note"].iloc[0]


def test_pe_is_not_streamed_unless_the_policy_lists_it():
    # L has 1.667 FTE of spare PE teachers; T needs 20 ÷ 18 = 1.111 FTE of PE and has
    # none. By default PE is not among remote_subjects: the need stays open.
    county, clusters = lead_and_point()
    plan = st.optimize(county, ON, clusters=clusters, mip_gap=0.0)
    assert "pe" not in set(remote_rows(plan)["subject"])
    assert plan.coverage.loc[("T", "pe"), "unmet_after"] == pytest.approx(T_PE, abs=2e-3)
    # Listing PE streams 10 ÷ 18 = 0.556 FTE of it (the lead's capacity).
    with_pe = ON.replace(remote_subjects=("english", "music", "art", "it", "pe"))
    plan = st.optimize(county, with_pe, clusters=clusters, mip_gap=0.0)
    pe = remote_rows(plan)
    pe = pe[pe["subject"].eq("pe")]
    assert pe["fte"].sum() == pytest.approx(10 / 18, abs=1e-3)
    assert plan.coverage.loc[("T", "pe"), "unmet_after"] == pytest.approx(T_PE - 10 / 18,
                                                                          abs=2e-3)


def test_a_teacher_in_reach_is_preferred_to_a_screen():
    # T 0.05° (≈ 5.6 km, road ≈ 7 km) from L: itinerant cover costs 1 + 0.05 × km < 2,
    # the cost of remote cover, so English comes by 走教, not by stream.
    county, clusters = lead_and_point(km_far=False)
    plan = st.optimize(county, ON, clusters=clusters, mip_gap=0.0)
    visits = plan.moves[plan.moves["kind"].eq("itinerant") & plan.moves["subject"].eq("english")]
    assert visits["fte"].sum() == pytest.approx(T_ENGLISH, abs=1e-3)
    assert "english" not in set(remote_rows(plan)["subject"])


def test_remote_off_leaves_the_need_open_and_the_block_says_so():
    county, clusters = lead_and_point()
    plan = st.optimize(county, clusters=clusters, mip_gap=0.0)  # off by default
    assert remote_rows(plan).empty
    assert plan.coverage.loc[("T", "english"), "unmet_after"] == pytest.approx(T_ENGLISH,
                                                                               abs=2e-3)
    blocks = plan.blocks.set_index("block")
    assert not blocks.at["remote", "on"]
    assert "remote_enabled" in blocks.at["remote", "reason"]


def test_checker_catches_remote_rows_that_break_the_rules():
    county, clusters = lead_and_point()
    policy = st.Policy(remote_enabled=True, remote_periods_per_lead=6.0)
    plan = st.optimize(county, policy, clusters=clusters, mip_gap=0.0)
    row = remote_rows(plan).iloc[[0]]
    over = row.assign(fte=0.40)  # capacity 6 ÷ 18 = 0.333
    pe = row.assign(subject="pe")
    big = row.assign(to_school="L", from_school="T")  # L is no small school
    for bad, words in ((over, "capacity"), (pe, "may cover"), (big, "teaching point")):
        plan.moves = pd.concat([plan.moves[plan.moves["kind"].ne("remote")], bad],
                               ignore_index=True)
        problems = plan_violations(county, policy, plan)
        assert any(words in p for p in problems), (words, problems)


def test_teacher_level_model_agrees_with_remote_cover():
    county, clusters = lead_and_point()
    policy = st.Policy(remote_enabled=True, remote_periods_per_lead=6.0, remote_quality=0.5)
    plan = st.optimize(county, policy, clusters=clusters, mip_gap=0.0)
    # The reference builds its own clusters: give it the same by the same call path.
    stats = solve(teacher_level_model(county, policy, clusters=clusters), mip_gap=0.0)
    assert plan.status == stats.status == "optimal"
    assert plan.objective == pytest.approx(stats.objective, rel=1e-6, abs=1e-4)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=hs.integers(0, 10_000), periods=hs.sampled_from([2.0, 6.0, 10.0]),
       quality=hs.sampled_from([0.5, 1.0]),
       subjects=hs.sampled_from([("english",), ("music", "art"), ("english", "it", "pe")]))
def test_random_counties_keep_remote_rules(seed, periods, quality, subjects):
    county = st.synth.county(seed=seed, n_schools=18)
    policy = st.Policy(remote_enabled=True, remote_periods_per_lead=periods,
                       remote_quality=quality, remote_subjects=subjects)
    plan = st.optimize(county, policy)
    assert plan_violations(county, policy, plan) == []
    rows = remote_rows(plan)
    assert set(rows["subject"]) <= set(subjects)


@pytest.mark.parametrize("seed", [0, 2])
def test_teacher_level_model_agrees_on_synthetic_counties_with_remote_lessons(seed):
    county = st.synth.county(seed=seed, n_schools=12)
    policy = st.Policy(remote_enabled=True, remote_periods_per_lead=4.0, remote_quality=0.8)
    plan = st.optimize(county, policy, mip_gap=0.0)
    assert len(remote_rows(plan))  # the block is exercised
    stats = solve(teacher_level_model(county, policy), time_limit=120, mip_gap=0.0)
    assert plan.status == stats.status == "optimal"
    assert plan.objective == pytest.approx(stats.objective, rel=1e-6, abs=1e-4)
