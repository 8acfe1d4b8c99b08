"""Warm starts across runs (issue 19, part 2): ``optimize(warm_start=plan)``.

A known plan (a scenario's baseline, the plan before the data changed) is carried
over to a new model by meaning, repaired and used as the search's start. Checked from
outside the model:

* a run whose search gets no time (``time_limit=0``) returns the start itself, and
  that plan keeps every hard rule read from the *new* input tables
  (:func:`staffing.testing.assert_plan_legal`) — whatever changed between the runs;
* a start is never better than the proven optimum, and with and without it the
  solver proves the same optimum (``mip_gap=0``): a metamorphic relation;
* the same county and policy, started from its own optimum, gets that plan back
  before any search (its moves counted from the tables, not from the model);
* a start that breaks the new rules (move caps set since) is repaired, not dropped;
* with CBC the start is used too.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.model.build import solve_model
from staffing.model.solve import available_solvers
from staffing.model.warm import warm_values
from staffing.testing import assert_plan_legal, without_teachers

_SMALL = settings(max_examples=8, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])

POLICY_CHANGES = {
    "none": {},
    "primary_ratio": {"primary_ratio": 17.0},
    "rotation_share_min": {"rotation_share_min": 0.15},
    "pool_reserve_share": {"pool_reserve_share": 0.02},
}


def _start_only(county, policy, warm, *, horizon=0, solver="highs") -> st.Plan:
    """The plan the solve starts from: the search gets no time."""
    model = st.build_model(county, policy, horizon=horizon)
    stats = solve_model(model, solver=solver, time_limit=0.0,
                        warm_start=warm_values(model, warm).values)
    return st.Plan.from_model(model, stats)


def _move_counts(plan: st.Plan) -> pd.Series:
    """Teachers moved per (from, to, subject), read from the plan's moves table."""
    moves = plan.moves[~plan.moves["kind"].isin(("itinerant", "remote"))]
    subject = moves["teacher_id"].map(plan.county.teachers["subject"])
    return moves.assign(subject=subject).groupby(["from_school", "to_school", "subject"]).size()


@_SMALL
@given(seed=st_.integers(0, 10**6), n_schools=st_.integers(6, 22),
       change=st_.sampled_from(sorted(POLICY_CHANGES)), retire_every=st_.sampled_from([0, 7, 19]))
def test_warm_start_keeps_every_hard_rule_of_the_new_county(seed, n_schools, change,
                                                            retire_every):
    county = st.synth.county(seed, n_schools=n_schools)
    baseline = st.optimize(county)
    new_county = without_teachers(county, retire_every) if retire_every else county
    policy = st.Policy().replace(**POLICY_CHANGES[change])
    plan = _start_only(new_county, policy, baseline)
    assert plan.status in ("optimal", "feasible"), plan.solver
    starts = plan.solver.start_objectives
    carried = warm_values(st.build_model(new_county, policy), baseline)
    # A plan with nothing to carry over is no start (the no-moves start stands alone).
    assert set(starts) == ({"bounds", "warm"} if carried.values else {"bounds"})
    # What came back is the better start, untouched by any search...
    best = min(v for v in starts.values() if math.isfinite(v))
    assert plan.solver.objective == pytest.approx(best, rel=1e-6)
    # ...and it keeps every rule of the county and policy it was planned for.
    assert_plan_legal(new_county, policy, plan)
    # A start is never better than the proven optimum.
    optimum = solve_model(st.build_model(new_county, policy), mip_gap=0.0)
    assert plan.solver.objective >= optimum.objective - 1e-6 * max(1.0, abs(optimum.objective))


@pytest.mark.parametrize("seed, change", [(2, "none"), (3, "primary_ratio"),
                                          (4, "rotation_share_min")])
def test_same_optimum_with_and_without_the_warm_start(seed, change):
    county = st.synth.county(seed, n_schools=18)
    baseline = st.optimize(county, mip_gap=0.0)
    policy = st.Policy().replace(**POLICY_CHANGES[change])
    cold = st.optimize(county, policy, mip_gap=0.0)
    warm = st.optimize(county, policy, mip_gap=0.0, warm_start=baseline)
    assert warm.solver.start_used in ("warm", "bounds")
    assert warm.status == cold.status == "optimal"
    assert warm.solver.objective == pytest.approx(cold.solver.objective, rel=1e-9, abs=1e-6)
    assert_plan_legal(county, policy, warm)


@pytest.mark.parametrize("seed", [0, 5])
def test_own_optimum_comes_back_before_any_search(seed):
    county = st.synth.county(seed, n_schools=20)
    baseline = st.optimize(county, mip_gap=0.0)
    assert len(baseline.moves), "the test needs a plan with moves"
    plan = _start_only(county, st.Policy(), baseline)
    assert plan.solver.start_used == "warm"
    assert plan.solver.warm_repaired == 0
    assert plan.solver.objective == pytest.approx(baseline.solver.objective, rel=1e-9)
    pd.testing.assert_series_equal(_move_counts(plan), _move_counts(baseline))
    carried = warm_values(st.build_model(county), baseline)
    assert carried.moves_dropped == 0
    assert carried.moves_carried == int(_move_counts(baseline).sum())


def test_a_start_breaking_new_move_caps_is_repaired():
    county = st.synth.county(0, n_schools=20)
    baseline = st.optimize(county)
    moves = baseline.moves[~baseline.moves["kind"].isin(("itinerant", "remote"))]
    busiest = moves["to_school"].value_counts()
    target = busiest.index[0]
    assert busiest.iloc[0] >= 2, "the test needs a school receiving two or more"
    schools = county.schools.copy()
    schools["max_moves_in"] = schools["max_moves_in"].astype("Float64")
    schools.loc[target, "max_moves_in"] = 1
    capped = st.County(schools.reset_index(), county.teachers.reset_index(),
                       name=county.name, county_total=county.county_total)
    plan = _start_only(capped, st.Policy(), baseline)
    # The start lost moves into the capped school but kept the rest: still the warm one.
    assert plan.solver.start_used == "warm"
    assert plan.solver.warm_repaired > 0
    assert_plan_legal(capped, st.Policy(), plan)
    arrived = plan.moves.loc[~plan.moves["kind"].isin(("itinerant", "remote")), "to_school"]
    assert (arrived == target).sum() <= 1


def test_a_plan_of_another_county_carries_nothing_and_changes_nothing():
    county = st.synth.county(1, n_schools=15)
    other = st.synth.county(2, n_schools=15)
    stranger = st.optimize(other)
    stranger_moves = stranger.moves.assign(
        teacher_id="X" + stranger.moves["teacher_id"].astype(str))
    foreign = type("Foreign", (), {"moves": stranger_moves, "hires": stranger.hires})()
    cold = st.optimize(county, mip_gap=0.0)
    warm = st.optimize(county, mip_gap=0.0, warm_start=foreign)
    assert warm.solver.warm_start["moves_carried"] == 0
    assert warm.solver.objective == pytest.approx(cold.solver.objective, rel=1e-9, abs=1e-6)


def test_multiyear_warm_start_carries_hires_and_is_legal():
    county = st.synth.county(3, n_schools=12)
    baseline = st.optimize(county, horizon=2)
    assert len(baseline.hires), "the test needs a plan with hires"
    policy = st.Policy(urgent_share_min=0.4)
    plan = _start_only(county, policy, baseline, horizon=2)
    carried = warm_values(st.build_model(county, policy, horizon=2), baseline)
    assert carried.hires_carried == int(baseline.hires["count"].sum())
    assert carried.hires_dropped == 0
    assert plan.status in ("optimal", "feasible")
    assert_plan_legal(county, policy, plan)
    optimum = st.optimize(county, policy, horizon=2, mip_gap=0.0, warm_start=baseline)
    cold = st.optimize(county, policy, horizon=2, mip_gap=0.0)
    assert optimum.solver.objective == pytest.approx(cold.solver.objective, rel=1e-9, abs=1e-6)


def test_cbc_uses_the_warm_start_too():
    if "cbc" not in available_solvers():
        pytest.skip("CBC not installed")
    county = st.synth.county(0, n_schools=12)
    baseline = st.optimize(county)
    model = st.build_model(county)
    stats = solve_model(model, solver="cbc", warm_start=warm_values(model, baseline).values)
    assert stats.start_used == "warm"
    plan = st.Plan.from_model(model, stats)
    assert_plan_legal(county, st.Policy(), plan)
    assert plan.solver.objective == pytest.approx(baseline.solver.objective, rel=2e-3)



def test_a_sweep_starts_each_scenario_from_its_neighbour_and_finds_the_same_plans():
    from staffing.scenarios import sweep

    county = st.synth.county(7, n_schools=16)
    ratios = (19.0, 18.0, 17.0)
    scenarios = {f"1:{r:g}": st.Policy(primary_ratio=r) for r in ratios}
    plans = sweep(scenarios, county, mip_gap=0.0)
    assert list(plans) == list(scenarios)
    assert plans["1:19"].solver.start_used == "bounds"  # no baseline: the first is cold
    assert plans["1:19"].solver.warm_start == {}
    for label, policy in scenarios.items():
        cold = st.optimize(county, policy, mip_gap=0.0)
        assert plans[label].solver.objective == pytest.approx(cold.solver.objective,
                                                               rel=1e-9, abs=1e-6)
        assert_plan_legal(county, policy, plans[label])
    # The later ones started from their neighbour's plan (its moves carried over).
    assert all(plans[k].solver.warm_start["moves_carried"] > 0 for k in ("1:18", "1:17"))
    # A baseline starts the first; a scenario may bring its own county.
    base = st.optimize(county)
    again = sweep({"own": (county, st.Policy(rotation_share_min=0.15))}, baseline=base)
    assert again["own"].solver.warm_start["moves_carried"] > 0


def test_a_sweep_refuses_a_warm_start_of_its_own_and_a_policy_without_county():
    from staffing.scenarios import sweep

    county = st.synth.county(7, n_schools=8, teachers=False)
    with pytest.raises(TypeError, match="baseline"):
        sweep({"a": st.Policy()}, county, warm_start=None)
    with pytest.raises(ValueError, match="county="):
        sweep({"a": st.Policy()})
