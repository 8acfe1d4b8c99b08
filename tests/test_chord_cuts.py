"""Chord cuts on the convex price of a need (issue 19, part 3).

Checked on one need, solved as a small LP with PuLP, against the price curve alone:
with the number of teachers ``S`` held at a whole number, the cuts change nothing
(they cut off no plan); at a fraction of a teacher (no visits) the cheapest price is
the straight line between the two whole neighbours — the convex hull — where
without the cuts it is the lower curve. And the county models reach the same optimum.
"""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_h

import staffing as st
import staffing.model.rotation as rotation
from staffing.model.cover import add_whole_teacher_cost_cuts
from staffing.model.fair import add_convex_cost
from staffing.policy import Policy

POLICY = Policy()


def cheapest(need: float, weight: float, s_value: float, visits: float, cuts: bool) -> float:
    """Least price of the need with ``S`` teachers (held) and ``visits`` FTE received."""
    prob = pulp.LpProblem("one_need", pulp.LpMinimize)
    u = pulp.LpVariable("unmet", lowBound=0)
    s = pulp.LpVariable("staff", lowBound=s_value, upBound=s_value)
    v = pulp.LpVariable("visits", lowBound=visits, upBound=visits)
    parts: dict = {}
    cost = add_convex_cost(prob, "unmet", [u], ["0_music"], np.array([need]), np.array([need]),
                           np.array([weight]), band=POLICY.fair_band_need,
                           steepness=POLICY.fair_steepness_need, whole=False, parts=parts)
    prob += need - u <= s + v  # the need row with every teacher on it
    if cuts:
        add_whole_teacher_cost_cuts(prob, 0, "music", need, weight, parts["0_music"], s,
                                    (0, int(np.ceil(need)) + 1), [v], POLICY, block="rotation")
    prob.setObjective(cost)
    assert prob.solve(pulp.HiGHS(msg=False)) == pulp.LpStatusOptimal
    return float(pulp.value(prob.objective))


needs = st_h.floats(0.1, 4.0).map(lambda x: round(x, 3))


@settings(max_examples=40, deadline=None)
@given(need=needs, weight=st_h.sampled_from([1.0, 750.0, 2250.0]),
       s_value=st_h.integers(0, 5), visits=st_h.floats(0.0, 1.5).map(lambda x: round(x, 3)))
def test_cuts_keep_every_whole_teacher_plan(need, weight, s_value, visits):
    # Whole S: the price with the cuts equals the price without them.
    plain = cheapest(need, weight, s_value, visits, cuts=False)
    assert cheapest(need, weight, s_value, visits, cuts=True) == pytest.approx(
        plain, rel=1e-7, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(need=needs, weight=st_h.sampled_from([1.0, 2250.0]), m=st_h.integers(0, 4),
       share=st_h.floats(0.05, 0.95))
def test_a_fraction_of_a_teacher_pays_the_chord(need, weight, m, share):
    # S = m + share with no visits: with the cuts, the straight line between S = m and
    # S = m + 1 (each priced without cuts); without, never more than that line.
    left = cheapest(need, weight, m, 0.0, cuts=False)
    right = cheapest(need, weight, m + 1, 0.0, cuts=False)
    chord = (1 - share) * left + share * right
    assert cheapest(need, weight, m + share, 0.0, cuts=True) == pytest.approx(
        chord, rel=1e-7, abs=1e-6)
    assert cheapest(need, weight, m + share, 0.0, cuts=False) <= chord + 1e-6


def test_a_fraction_cut_by_hand():
    # Need 0.5 FTE at weight 1: steps of 0.125 priced 1.0625, 1.1875, 1.3125, 1.4375, so
    # no teacher costs 0.625 and one costs 0. A quarter of a teacher leaves 0.25 unmet:
    # the curve says 0.125 × (1.0625 + 1.1875) = 0.28125, the chord between no teacher
    # and one says 0.75 × 0.625 = 0.46875.
    assert cheapest(0.5, 1.0, 0.25, 0.0, cuts=False) == pytest.approx(0.28125)
    assert cheapest(0.5, 1.0, 0.25, 0.0, cuts=True) == pytest.approx(0.46875)


@pytest.mark.parametrize("seed", [1, 4])
def test_county_optimum_is_the_same_with_and_without_the_cuts(seed, monkeypatch):
    county = st.synth.county(seed, n_schools=40)
    found = {}
    for cuts in (False, True):
        monkeypatch.setattr(rotation, "CHORD_CUTS", cuts)
        plan = st.optimize(county, mip_gap=0.0)
        assert plan.status == "optimal"
        found[cuts] = plan.solver.objective
    assert found[True] == pytest.approx(found[False], rel=1e-6)
