"""The optimiser against what a bureau would do by hand (largest shortfall first)."""

from __future__ import annotations

import pytest

import staffing as st
from staffing.baseline import evaluate, greedy_plan


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plan_is_strictly_better_than_greedy_on_unmet_need(seed):
    county = st.synth.county(seed=seed, n_schools=30)
    policy = st.Policy()
    greedy = greedy_plan(county, policy)
    plan = st.optimize(county, policy)
    hand = evaluate(county, policy, greedy["quotas"]["new_quota"], greedy["moves"])
    ours = evaluate(county, policy, plan.quotas["new_quota"], plan.moves)
    assert ours["unmet_need_fte"] < hand["unmet_need_fte"]
    assert ours["rural_posts_short"] <= hand["rural_posts_short"]


def test_greedy_plan_respects_the_county_total_and_occupied_posts():
    county = st.synth.county(seed=4, n_schools=30)
    greedy = greedy_plan(county)
    q = greedy["quotas"]["new_quota"]
    assert q.sum() <= county.county_total or (
        q.sum() <= county.schools["staff_in_post"].sum())
    assert greedy["moves"]["teacher_id"].is_unique


def test_evaluate_counts_itinerant_cover_of_the_plan():
    county = st.synth.county(seed=5, n_schools=25)
    plan = st.optimize(county)
    figures = evaluate(county, plan.policy, plan.quotas["new_quota"], plan.moves)
    assert figures["unmet_need_fte"] == pytest.approx(
        plan.coverage["unmet_after"].sum(), abs=0.01)
