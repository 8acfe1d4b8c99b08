"""Fair allocation and lawful plans (issue 13): checks of the pieces the model is built from.

The end-to-end relations (time limits, shuffles, renames, HiGHS = CBC, monotonicity)
are in tests/test_filing.py; here the three-school case by hand, the objective's
breakdown against the solver's objective, the validity check and CBC's log.
"""

from __future__ import annotations

import pandas as pd
import pulp
import pytest

import staffing as st
from staffing.model.solve import _cbc_from_log, solution_is_valid


def three_schools(total: int = 64) -> st.County:
    """Three rural primary schools of norm 40 (760 pupils / 19) with 4, 36 and 20 staff."""
    schools = pd.DataFrame({
        "school_id": ["A", "B", "C"], "name": ["甲小", "乙小", "丙小"],
        "township": ["x", "y", "z"], "level": "primary", "location": "rural",
        "pupils_primary": 760, "pupils_junior": 0, "classes_primary": 17, "classes_junior": 0,
        "approved_quota": [4, 36, 20], "staff_in_post": [4, 36, 20]})
    return st.County(schools=schools, county_total=total)


@pytest.mark.parametrize("solver", st.model.available_solvers())
def test_four_spare_posts_go_to_the_school_at_ten_percent_of_its_norm(solver):
    plan = st.optimize(three_schools(), solver=solver)
    assert plan.status == "optimal"
    assert plan.quotas["new_quota"].to_dict() == {"A": 8, "B": 36, "C": 20}


def test_posts_spread_once_the_worst_off_school_catches_up():
    # 40 spare posts: A (4 of 40) is served until it is no further below its norm than
    # C (20 of 40); then both, step by step; B (36 of 40) last. By hand with the 5%
    # steps of 2 posts: A's posts 5–20 short cost more than any of C's (≤ 1.95), so A
    # gets 16 and sits at 20 like C; the last 24 posts alternate in 2-post steps.
    plan = st.optimize(three_schools(total=100))
    q = plan.quotas["new_quota"]
    assert q["B"] == 36 and abs(q["A"] - q["C"]) <= 2 and q.sum() == 100


def test_the_story_says_where_the_school_stood_against_the_last_one_served():
    plan = st.optimize(three_schools())
    text = plan.explain("A")
    assert "10% before, 20% after" in text and "last school to receive a post" in text
    assert "编制达标率由10%变为20%" in plan.explain("A", lang="zh")
    b = plan.explain("B")
    # B (90% of norm) is 4 short; one more post there would weigh 150 × 1.15 = 172.5
    # (step 2 of 2-post steps), against A's last post at 150 × (1 + 2 × 0.825) ≈ 397.
    assert "90% before, 90% after" in b and "would weigh 172" in b


def test_objective_breakdown_adds_up_to_the_objective():
    county = st.synth.county(seed=5, n_schools=20)
    plan = st.optimize(county)
    by_rule = plan.explain(breakdown="rule")
    by_school = plan.explain(breakdown="school")
    assert by_rule["cost"].sum() == pytest.approx(plan.objective, rel=1e-6)
    assert by_school["total"].sum() == pytest.approx(plan.objective, rel=1e-6)
    assert by_rule["share"].sum() == pytest.approx(1.0, abs=1e-5)  # shares rounded to 1e-6
    assert {"shortfall", "unmet_need", "moves"} <= set(by_rule["rule"])
    assert set(by_school.index) - {"county"} <= set(county.schools.index)
    with pytest.raises(ValueError, match="by"):
        plan.explain(breakdown="teacher")


def test_values_that_break_a_row_or_integrality_are_not_a_plan():
    prob = pulp.LpProblem("p", pulp.LpMinimize)
    x = prob.add_variable("x", lowBound=0, upBound=10, cat=pulp.LpInteger)
    y = prob.add_variable("y", lowBound=0)
    prob += x + y
    prob += x + y >= 3, "need"
    x.varValue, y.varValue = 2, 1
    assert solution_is_valid(prob)
    x.varValue, y.varValue = 1.5, 1.5  # integrality
    assert not solution_is_valid(prob)
    x.varValue, y.varValue = 1, 1      # the row
    assert not solution_is_valid(prob)
    x.varValue, y.varValue = 11, 0     # a bound
    assert not solution_is_valid(prob)


CBC_STOPPED = """
Cbc0010I After 200 nodes, 107 on tree, 144789.15 best solution, best possible 143781.13
Result - Stopped on time limit

Objective value:                144789.15000000
Lower bound:                    143781.130
Gap:                            0.01
"""
CBC_NOTHING = """
Result - Stopped on time limit

No feasible solution found
"""
CBC_WITHIN_GAP = """
Result - Optimal solution found (within gap tolerance)

Objective value:                143922.62855139
Lower bound:                    143781.130
Gap:                            0.00
"""


def test_cbc_verdict_and_bound_come_from_its_log():
    status, raw, bound = _cbc_from_log(CBC_STOPPED, "error", "Not Solved", float("nan"))
    assert (status, bound) == ("feasible", 143781.13) and "time limit" in raw
    status, _, _ = _cbc_from_log(CBC_NOTHING, "error", "Not Solved", float("nan"))
    assert status == "error"
    status, _, bound = _cbc_from_log(CBC_WITHIN_GAP, "optimal", "Optimal", float("nan"))
    assert status == "optimal" and bound == 143781.13  # not the log's rounded "Gap: 0.00"


CBC_TINY = """
Result - Optimal solution found

Objective value:                5.68434188608e-14
"""


def test_cbc_numbers_with_a_negative_exponent_are_read():
    # Found by hypothesis on PuLP 4's CBC: a zero objective printed with rounding noise.
    status, _, bound = _cbc_from_log(CBC_TINY, "optimal", "Optimal", float("nan"))
    assert status == "optimal" and bound == 5.68434188608e-14
    status, _, bound = _cbc_from_log(CBC_STOPPED.replace("143781.130", "-1.5E-07"),
                                     "error", "Not Solved", float("nan"))
    assert (status, bound) == ("feasible", -1.5e-07)


def test_staff_above_the_total_put_the_plan_over_it_by_exactly_that():
    county = three_schools(total=55)  # 60 staff in post
    plan = st.optimize(county)
    assert plan.status == "feasible" and plan.over_county_total == 5
    assert plan.quotas["new_quota"].tolist() == [4, 36, 20]
    assert "exceed the county total (55) by 5" in plan.shortfalls_reason()
