"""The LP dive start of the staged solve (issue 19, part 1).

The start rounds the LP relaxation's moves (hires, loans) and solves the rest
exactly. Checked from outside the model: a run whose search gets no time
(``time_limit=0``) returns the start itself, and that plan must keep every hard rule
read from the input tables (:func:`staffing.testing.plan_violations`); a start is never
better than the proven optimum; and with and without it the solver proves the same
optimum (``mip_gap=0``), on small random counties, single- and multi-year.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.model.build import solve_model
from staffing.testing import assert_plan_legal

_SMALL = settings(max_examples=6, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])


def _start_plan(county: st.County, horizon: int = 0) -> st.Plan:
    """The plan the staged solve starts its search from: the search gets no time."""
    model = st.build_model(county, horizon=horizon)
    stats = solve_model(model, time_limit=0.0, start_rule="dive")
    return st.Plan.from_model(model, stats)


def _optimum(county: st.County, start_rule: str, horizon: int = 0):
    model = st.build_model(county, horizon=horizon)
    return solve_model(model, mip_gap=0.0, start_rule=start_rule)


@_SMALL
@given(seed=st_.integers(0, 10**6), n_schools=st_.integers(6, 25))
def test_dive_start_keeps_every_hard_rule(seed, n_schools):
    county = st.synth.county(seed, n_schools=n_schools)
    plan = _start_plan(county)
    starts = plan.solver.start_objectives
    assert plan.status in ("optimal", "feasible"), plan.solver
    assert set(starts) == {"bounds", "dive"}
    # What came back is the better start, untouched by any search.
    best = min(v for v in starts.values() if math.isfinite(v))
    assert plan.solver.objective == pytest.approx(best, rel=1e-6)
    assert_plan_legal(county, st.Policy(), plan)


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_dive_start_is_returned_and_legal_when_it_beats_no_moves(seed):
    # On these counties the dive's plan is better than the status quo (no moves), so
    # the plan returned is the dive's own: its moves are checked against the tables.
    county = st.synth.county(seed, n_schools=20)
    plan = _start_plan(county)
    starts = plan.solver.start_objectives
    assert starts["dive"] < starts["bounds"]
    assert plan.solver.objective == pytest.approx(starts["dive"], rel=1e-6)
    assert len(plan.moves) > 0
    assert_plan_legal(county, st.Policy(), plan)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_same_optimum_with_and_without_the_dive(seed):
    county = st.synth.county(seed, n_schools=20)
    old, new = _optimum(county, "bounds"), _optimum(county, "dive")
    assert old.status == new.status == "optimal"
    assert new.objective == pytest.approx(old.objective, rel=1e-6)
    # Neither start is better than the optimum both proved.
    for value in new.start_objectives.values():
        assert value >= new.objective - 1e-6 * abs(new.objective)


def test_multiyear_dive_start_is_legal_and_reaches_the_same_optimum():
    county = st.synth.county(7, n_schools=12)
    plan = _start_plan(county, horizon=2)
    assert plan.status in ("optimal", "feasible"), plan.solver
    assert_plan_legal(county, st.Policy(), plan)
    old, new = _optimum(county, "bounds", 2), _optimum(county, "dive", 2)
    assert new.objective == pytest.approx(old.objective, rel=1e-6)
    assert min(new.start_objectives.values()) >= new.objective - 1e-6 * abs(new.objective)


def test_unknown_start_rule_is_refused():
    model = st.build_model(st.synth.county(0, n_schools=6))
    with pytest.raises(ValueError, match="start_rule"):
        solve_model(model, start_rule="greedy")
