"""The turnover pool across years: quotas of later years and pool loans.

For each later year ``t = 1 … H`` and school ``i`` (numbered as in the quota block):

* ``quota_{i}_y{t}`` integer: the school's quota in year t, at least the staff who
  hold a post there whatever the plan does (:class:`~staffing.model.horizon.
  HorizonInputs` ``holding``, less the teachers who may rotate out); the hiring block
  ties it to the staff after moves and hires;
* ``short_{i}_y{t}``, ``surplus_{i}_y{t}`` against the year's norm, and
  ``up_{i}_y{t}``, ``down_{i}_y{t}`` the change from year t − 1 (year 0's quota is the
  quota block's ``quota_{i}``), costed as in the quota block;
* ``pool_reserve_y{t}``, ``over_county_total_y{t}``:
  ``quota_county_total_y{t}``: Σ quota + reserve − over = county total, every year.

Pool loans (Guizhou 黔西南州 practice, POLICY.md B): the pool keeps a reserve of
``⌈pool_reserve_share × total⌉`` posts, and may lend ``loan_y{t}`` of them to schools
below norm in year t (years 0 … H) when schools above norm will repay them by
attrition within ``pool_loan_years``: ``pool_loan_cover_y{t}``: reserve + loan ≥
minimum reserve, with ``loan ≤`` the attrition of schools above norm in the window
(:func:`~staffing.model.horizon.loanable_posts`). A loan never lifts the county total:
the reserve only dips below its minimum, never below zero. Without a reserve
(the Chuxiong default) there is nothing to lend and no loan variable is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from staffing.model.horizon import HorizonInputs
from staffing.model.inputs import ModelInputs
from staffing.model.quota import QuotaHandles, reserve_minimum
from staffing.model.solve import values
from staffing.policy import Policy

__all__ = ["YearQuotaHandles", "add_year_quotas", "read_year_quotas", "loan_table"]


@dataclass
class YearQuotaHandles:
    """Quotas, reserves and loans of every planning year (year 0 from the quota block)."""

    quota: dict[int, list[pulp.LpVariable]]
    reserve: dict[int, pulp.LpVariable]
    over: dict[int, pulp.LpVariable]
    loan: dict[int, pulp.LpVariable] = field(default_factory=dict)
    objective: pulp.LpAffineExpression | float = 0.0


def add_year_quotas(prob: pulp.LpProblem, data: ModelInputs, hz: HorizonInputs,
                    policy: Policy, quota: QuotaHandles) -> YearQuotaHandles:
    """Add quotas of years ``1 … H`` and pool loans of years ``0 … H`` to ``prob``.

    Parameters
    ----------
    prob : the county's PuLP problem, with the quota block added.
    data : year-0 inputs; their ``quota_floor − floor`` is the staff who may rotate out.
    hz : per-year data from :func:`~staffing.model.horizon.prepare_horizon`.
    policy : weights, pool settings.
    quota : the quota block's handles (year 0).
    """
    s = data.schools
    n = data.n
    movable = (s["floor"] - s["quota_floor"]).to_numpy()
    approved = s["approved_quota"].to_numpy()
    weights = s["shortfall_weight"].tolist()
    handles = YearQuotaHandles(quota={0: quota.quota}, reserve={0: quota.reserve},
                               over={0: quota.over})
    terms = []
    minimum = reserve_minimum(data.county_total, policy)
    for t in hz.years:
        holding = hz.holding[t].to_numpy()
        low = np.maximum(holding - movable, 0)
        if policy.pool_enabled:
            q = [prob.add_variable(f"quota_{i}_y{t}", lowBound=int(low[i]), cat=pulp.LpInteger)
                 for i in range(n)]
        else:  # quotas stay as approved; staff above the approved quota keep their posts
            high = np.maximum(approved, holding)
            q = [prob.add_variable(f"quota_{i}_y{t}", lowBound=int(approved[i]),
                                   upBound=int(high[i]), cat=pulp.LpInteger) for i in range(n)]
        short = [prob.add_variable(f"short_{i}_y{t}", lowBound=0) for i in range(n)]
        surplus = [prob.add_variable(f"surplus_{i}_y{t}", lowBound=0) for i in range(n)]
        up = [prob.add_variable(f"up_{i}_y{t}", lowBound=0) for i in range(n)]
        down = [prob.add_variable(f"down_{i}_y{t}", lowBound=0) for i in range(n)]
        norm = hz.norms[t].to_numpy()
        before = handles.quota[t - 1]
        for i in range(n):
            prob += q[i] + short[i] - surplus[i] == int(norm[i]), f"quota_norm_balance_{i}_y{t}"
            prob += q[i] - before[i] - up[i] + down[i] == 0, f"quota_change_{i}_y{t}"
        reserve = prob.add_variable(f"pool_reserve_y{t}", lowBound=minimum)
        over = prob.add_variable(f"over_county_total_y{t}", lowBound=0)
        prob += pulp.lpSum(q) + reserve - over == data.county_total, f"quota_county_total_y{t}"
        handles.quota[t], handles.reserve[t], handles.over[t] = q, reserve, over
        terms += [pulp.lpDot(weights, short), policy.weight_surplus * pulp.lpSum(surplus),
                  policy.weight_change * (pulp.lpSum(up) + pulp.lpSum(down)),
                  policy.weight_over_total * over]
    if minimum > 0 and policy.pool_enabled:
        for t, reserve in handles.reserve.items():
            limit = int(min(hz.loanable.iloc[t, -1], minimum))
            if limit <= 0:
                continue
            loan = prob.add_variable(f"pool_loan_y{t}", lowBound=0, upBound=limit,
                                     cat=pulp.LpInteger)
            reserve.lowBound = 0
            prob += reserve + loan >= minimum, f"pool_loan_cover_y{t}"
            handles.loan[t] = loan
            terms.append(policy.weight_pool_loan * loan)
    handles.objective = pulp.lpSum(terms)
    return handles


def read_year_quotas(h: YearQuotaHandles, schools: pd.DataFrame) -> pd.DataFrame:
    """Solved quotas: school × year (0 … H)."""
    return pd.DataFrame({t: np.rint(values(q)).astype(np.int64) for t, q in h.quota.items()},
                        index=schools.index)


def loan_table(h: YearQuotaHandles, hz: HorizonInputs) -> pd.DataFrame:
    """One row per year with a loan: posts lent and the calendar year by whose start
    the attrition of schools above norm repays them (at most ``pool_loan_years`` on)."""
    rows = []
    for t, var in h.loan.items():
        posts = int(round(var.varValue or 0))
        if posts <= 0:
            continue
        repaid = hz.loanable.loc[t]
        within = int(repaid.index[repaid.to_numpy() >= posts][0])
        rows.append({"year": hz.calendar[t], "posts": posts,
                     "repay_by": hz.calendar[t] + within})
    return pd.DataFrame(rows, columns=["year", "posts", "repay_by"])
