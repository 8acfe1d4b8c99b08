"""The county model: turnover pool and quota reallocation (issue: county model)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.model.inputs import prepare_inputs
from staffing.model.quota import reserve_minimum
from staffing.model.solve import STATUSES

sys.path.insert(0, str(Path(__file__).parent))
from fair_reference import step_multipliers, tie_break  # noqa: E402

SOLVERS = st.model.available_solvers()


def make_county(rows: list[dict], total: int | None = None, name: str = "测试县") -> st.County:
    """A county from short school rows; unspecified columns get primary-school defaults."""
    base = {"township": "城关镇", "level": "primary", "location": "urban", "pupils_junior": 0,
            "classes_junior": 0}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["name"] = frame.get("name", frame["school_id"])
    if "classes_primary" not in frame:
        frame["classes_primary"] = np.maximum(1, frame["pupils_primary"] // 40)
    return st.County(frame, name=name, county_total=total)


def school(sid: str, pupils: int, quota: int, staff: int, **kw) -> dict:
    return {"school_id": sid, "pupils_primary": pupils, "approved_quota": quota,
            "staff_in_post": staff, **kw}


# ---------------------------------------------------------------- hand-built cases
def test_vacant_quota_moves_from_school_above_norm_to_school_below_norm():
    # A: norm 5 (95/19), holds 8 with 5 staff -> 3 vacant posts above norm.
    # B: norm 10 (190/19... by pupils as urban), holds 7 -> short 3.
    county = make_county([school("A", 95, 8, 5), school("B", 190, 7, 7)])
    plan = st.optimize(county)
    q = plan.quotas
    assert plan.status == "optimal"
    assert q.loc["A", "new_quota"] == 5 and q.loc["B", "new_quota"] == 10
    assert q["shortfall_after"].sum() == 0


def test_occupied_posts_are_never_released():
    # A is 3 above norm but every post is filled: B stays short and explain() says why.
    county = make_county([school("A", 95, 8, 8), school("B", 190, 7, 7)])
    plan = st.optimize(county)
    assert plan.quotas.loc["A", "new_quota"] == 8
    assert plan.quotas.loc["B", "shortfall_after"] == 3
    rules = plan.explain().set_index("key")
    occupied = rules.loc["occupied_posts"]
    assert occupied["binding"] and "A" in occupied["schools_affected"]
    assert "occupied by staff in post" in plan.shortfalls.loc["B", "reason"]


def test_known_leavers_release_their_posts():
    teachers = pd.DataFrame({
        "teacher_id": [f"T{i}" for i in range(8)], "school_id": ["A"] * 8,
        "subject": ["chinese"] * 8, "sex": ["female"] * 8, "birth_year": [1968] * 8,
        "hire_year": [1990] * 8, "years_at_school": [10] * 8, "title": ["intermediate"] * 8,
        "backbone": ["none"] * 8, "is_head_teacher": [False] * 8,
        "status": ["in_post"] * 6 + ["leaving"] * 2,
    })
    schools = pd.DataFrame([school("A", 95, 8, 8), school("B", 190, 7, 7)]).assign(
        name=["A", "B"], township="城关镇", level="primary", location="urban", pupils_junior=0,
        classes_primary=[3, 5], classes_junior=0)
    county = st.County(schools, teachers)
    with pytest.raises(st.StaffingDataError, match="rotation_enabled=False"):
        st.optimize(county)  # no coordinates: moves cannot be planned, and it says so
    plan = st.optimize(county, st.Policy(rotation_enabled=False))
    assert plan.quotas.loc["A", "leavers"] == 2
    assert plan.quotas.loc["A", "new_quota"] == 6  # floor = 8 staff - 2 leavers
    assert plan.quotas.loc["B", "new_quota"] == 9


def test_rural_school_is_served_before_urban_when_quota_is_scarce():
    county = make_county([
        school("D", 95, 7, 4),                      # 2 vacant posts above norm (norm 5)
        school("U", 190, 8, 8),                     # urban, short 2
        school("R", 190, 8, 8, location="rural"),   # rural, short 2
    ])
    plan = st.optimize(county)
    assert plan.quotas.loc["R", "shortfall_after"] == 0
    # D's two vacant posts go to R (rural: 150 × 1.25 and 150 × 1.05 per post). D's
    # first post below its own norm (5) costs 100 × 1.15, less than U's second post
    # short (100 × 1.25, at 20% below norm), so D gives a third post to U: the convex
    # cost spreads shortfall rather than leaving one school 20% short.
    assert plan.quotas.loc["U", "shortfall_after"] == 1
    assert plan.quotas.loc["D", "shortfall_after"] == 1


def test_pool_reserve_is_kept_back():
    county = make_county([school("A", 95, 8, 5), school("B", 190, 7, 7)])
    policy = st.Policy(pool_reserve_share=0.1)  # ceil(0.1 * 15) = 2 posts kept back
    plan = st.optimize(county, policy)
    assert plan.reserve == 2
    assert plan.quotas["new_quota"].sum() == 13
    assert plan.pool["balance"].iloc[-1] == 2


def test_staff_above_county_total_returns_feasible_with_named_slack():
    county = make_county([school("A", 95, 8, 8), school("B", 190, 9, 9)], total=15)
    plan = st.optimize(county)
    assert plan.status == "feasible"
    assert plan.over_county_total == 2
    rules = plan.explain()
    assert "over_county_total" in rules.loc[0, "note"]
    assert rules.loc[0, "binding"]


def test_pool_disabled_keeps_approved_quotas():
    county = make_county([school("A", 95, 8, 5), school("B", 190, 7, 7)])
    plan = st.optimize(county, st.Policy(pool_enabled=False))
    assert (plan.quotas["change"] == 0).all()
    assert "switched off" in plan.shortfalls.loc["B", "reason"]


def test_school_story_in_both_languages():
    county = make_county([school("A", 95, 8, 5), school("B", 190, 7, 7)])
    plan = st.optimize(county)
    assert "released to the turnover pool" in plan.explain("A")
    assert "收回" in plan.explain("A", lang="zh")
    with pytest.raises(KeyError):
        plan.explain("nope")


def test_pool_ledger_balances():
    county = make_county([school("A", 95, 8, 5), school("B", 190, 7, 7), school("C", 57, 6, 2)])
    plan = st.optimize(county)
    ledger = plan.pool
    assert ledger["entry"].iloc[0] == "opening" and ledger["entry"].iloc[-1] == "closing"
    body = ledger.iloc[1:-1]
    signed = np.where(body["entry"] == "release", body["posts"], -body["posts"])
    assert ledger["balance"].iloc[-1] == ledger["balance"].iloc[0] + signed.sum()
    assert ledger["balance"].iloc[-1] == county.county_total - plan.quotas["new_quota"].sum()


# ---------------------------------------------------------------- brute force
def brute_force_objective(county: st.County, policy: st.Policy) -> float:
    """Enumerate every integer allocation and return the best weighted objective.

    Staff in post above the county total are over it whatever the plan does (that
    excess is fixed); otherwise Σ quota + reserve ≤ total, the reserve keeping its
    minimum or all the room the staff leave.
    """
    data = prepare_inputs(county, policy).schools
    total = county.county_total
    floor, norm = data["floor"].to_numpy(), data["norm"].to_numpy()
    approved, w = data["approved_quota"].to_numpy(), data["shortfall_weight"].to_numpy()
    pupils = (county.schools["pupils_primary"] + county.schools["pupils_junior"]).reindex(
        data.index)
    premium = tie_break(data["approved_quota"], data["norm"], pupils, data["shortfall_weight"],
                        list(data.index))
    w = w * np.array([premium[i] for i in data.index])
    excess = max(0, int(floor.sum()) - total)
    reserve = min(reserve_minimum(total, policy), max(0, total - int(floor.sum())))
    hi = max(total, floor.max()) + 1
    grids = np.array(list(itertools.product(*[range(f, hi + 1) for f in floor])))
    grids = grids[grids.sum(axis=1) <= total + excess - reserve]
    short_cost = np.zeros(len(grids))
    for i in range(len(norm)):
        steps = np.concatenate([[0.0], np.cumsum(step_multipliers(int(norm[i]), int(norm[i])))])
        short_cost += w[i] * steps[np.maximum(norm[i] - grids[:, i], 0)]
    cost = (
        short_cost
        + policy.weight_surplus * np.maximum(grids - norm, 0).sum(axis=1)
        + policy.weight_change * np.abs(grids - approved).sum(axis=1)
        + policy.weight_over_total * excess
    )
    return float(cost.min())


tiny_school = st_.tuples(
    st_.integers(1, 120),  # primary pupils
    st_.integers(0, 6),    # approved quota
    st_.integers(0, 6),    # staff in post
    st_.sampled_from(["urban", "rural"]),
)


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schools=st_.lists(tiny_school, min_size=1, max_size=4), extra=st_.integers(-3, 3),
       reserve=st_.sampled_from([0.0, 0.1]))
def test_model_objective_equals_brute_force(solver, schools, extra, reserve):
    rows = [school(f"S{i}", p, q, min(s, q + 1), location=loc, classes_primary=max(1, p // 30), level="primary")
            for i, (p, q, s, loc) in enumerate(schools)]
    total = max(0, sum(r["approved_quota"] for r in rows) + extra)
    county = make_county(rows, total=total)
    policy = st.Policy(pool_reserve_share=reserve)
    plan = st.optimize(county, policy, solver=solver)
    assert plan.solver.solver == solver
    assert plan.objective == pytest.approx(brute_force_objective(county, policy), abs=1e-6)


# ---------------------------------------------------------------- invariants
@settings(max_examples=12, deadline=None)
@given(seed=st_.integers(0, 10_000), n=st_.integers(5, 40), reserve=st_.sampled_from([0.0, 0.05]))
def test_plan_invariants_on_generated_counties(seed, n, reserve):
    county = st.synth.county(seed=seed, n_schools=n, teachers=False)
    policy = st.Policy(pool_reserve_share=reserve)
    plan = st.optimize(county, policy)
    q = plan.quotas
    assert plan.status in STATUSES
    assert q["new_quota"].sum() + plan.reserve <= county.county_total + plan.over_county_total
    if plan.over_county_total == 0:
        assert q["new_quota"].sum() <= county.county_total
    assert (q["new_quota"] >= q["staff_in_post"] - q["leavers"]).all()
    # No single post can move from a school above norm with a vacancy to one below norm
    # and make the objective better.
    floor = q["staff_in_post"] - q["leavers"]
    donors = q[(q["new_quota"] > q["norm"]) & (q["new_quota"] > floor)]
    takers = q[q["new_quota"] < q["norm"]]
    # Moving one would save at least the taker's shortfall weight (≥ weight_shortfall)
    # plus weight_surplus, and cost at most 2 × weight_change: so they never coexist.
    assert donors.empty or takers.empty
    again = st.optimize(county, policy)
    pd.testing.assert_frame_equal(plan.quotas, again.quotas)
    pd.testing.assert_frame_equal(plan.pool, again.pool)


@pytest.mark.skipif(len(SOLVERS) < 2, reason="needs both HiGHS and CBC")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_highs_and_cbc_agree_on_generated_counties(seed):
    county = st.synth.county(seed=seed, n_schools=30, teachers=False)
    a = st.optimize(county, solver="highs")
    b = st.optimize(county, solver="cbc")
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-6)


def test_unknown_solver_is_rejected_by_name():
    with pytest.raises(ValueError, match="unknown solver"):
        st.optimize(make_county([school("A", 95, 8, 5)]), solver="gurobi")


def test_one_more_post_is_worth_the_weight_of_the_school_that_would_get_it():
    # Quota is scarce: after the plan, U (norm 10) and D (norm 5) are each one post
    # short (see the test above). The dearest post still short is D's: with norm 5 the
    # 5% steps end at 0, 1, 1, … posts (0.25 rounds down, 0.5 up), so D's first post
    # short sits in step 2 and costs 100 × (1 + 2 × 0.075) = 115 (D's tie-break premium
    # is 0: its share of norm is the highest). One more post there also saves D a
    # change of 0.01 (quota 4 → 5, approved 7): 115.01. U's first post short is in
    # step 1: 100 × 1.05.
    county = make_county([school("D", 95, 7, 4), school("U", 190, 8, 8),
                          school("R", 190, 8, 8, location="rural")])
    plan = st.optimize(county)
    assert plan.value_of_one_more_post == pytest.approx(115.01, abs=1e-6)
    row = plan.explain().set_index("key").loc["one_more_post"]
    assert row["binding"] and "115" in row["note"]


def test_one_more_post_is_worth_nothing_when_no_school_is_short():
    county = make_county([school("A", 95, 8, 5), school("B", 190, 10, 7)], total=19)
    plan = st.optimize(county)
    assert plan.value_of_one_more_post == pytest.approx(0.0, abs=1e-6)


def test_solves_with_different_thread_counts_in_one_process():
    county = make_county([school("A", 95, 8, 5), school("B", 190, 7, 7)])
    statuses = [st.optimize(county, threads=t).status for t in (None, 1, None, 2, 1)]
    assert statuses == ["optimal"] * 5
