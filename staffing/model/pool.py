"""The turnover pool across years: quotas of later years and pool loans.

For each later year ``t = 1 … H`` and school ``i`` (numbered as in the quota block):

* ``quota_{i}_y{t}`` integer: the school's quota in year t (a quota locked by the
  planner, ``locked_quota``, stays at the lock every year), at least the staff who
  hold a post there whatever the plan does (:class:`~staffing.model.horizon.
  HorizonInputs` ``holding``, less the teachers who may rotate out with their post,
  ``Policy.post_moves_with``); the hiring block ties it to the staff holding a post
  after moves and hires;
* ``short_{i}_y{t}``, ``surplus_{i}_y{t}`` against the year's norm, and
  ``up_{i}_y{t}``, ``down_{i}_y{t}`` the change from year t − 1 (year 0's quota is the
  quota block's ``quota_{i}``), costed as in the quota block;
* ``pool_reserve_y{t}``, ``over_county_total_y{t}``:
  ``quota_county_total_y{t}``: Σ quota + reserve − over = county total, every year;
  ``over`` is fixed to the staff holding a post that year above the total (0 whenever
  they fit: the total is then a hard limit), as in the quota block.

Shortfalls cost as in the quota block: convex in relative shortfall against the
year's norm (:mod:`staffing.model.fair`).

Pool loans (Guizhou 黔西南州 practice, POLICY.md B): the pool keeps a reserve of
``⌈pool_reserve_share × total⌉`` posts and may lend them to schools below norm,
to be repaid by the attrition of schools above norm within ``pool_loan_years``:

* ``pool_lend_y{t}`` integer (years 0 … H): posts lent in year t;
  ``pool_repay_y{t}`` (years 1 … H): posts repaid, at most what schools above norm
  free by attrition that year (:func:`~staffing.model.horizon.attrition_above_norm`);
* ``pool_loan_cover_y{t}``: reserve + outstanding loans ≥ the minimum reserve (the
  reserve may dip by what is lent, never below zero: a loan never lifts the county
  total); ``pool_loan_outstanding_y{t}``, ``pool_loan_limit_y{t}``: 0 ≤ outstanding ≤
  the minimum reserve;
* ``pool_loan_repaid_y{t}``: everything lent by year t is repaid by year
  t + ``pool_loan_years`` — by repayments planned within the horizon, and after it
  by the attrition the retirement dates promise.

Outstanding loans cost ``weight_pool_loan`` per post and year. Without a reserve
(the Chuxiong default) there is nothing to lend and no loan variable is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from staffing.model.fair import add_convex_cost
from staffing.model.horizon import HorizonInputs
from staffing.model.inputs import ModelInputs
from staffing.model.names import convex_label, name
from staffing.model.quota import QuotaHandles, county_room, reserve_minimum
from staffing.model.solve import values
from staffing.policy import Policy

__all__ = ["YearQuotaHandles", "add_year_quotas", "read_year_quotas", "loan_table",
           "LOAN_COLUMNS"]

#: Columns of :func:`loan_table`.
LOAN_COLUMNS = ["year", "lent", "repaid", "outstanding", "repay_by"]


@dataclass
class YearQuotaHandles:
    """Quotas, reserves and loans of every planning year (year 0 from the quota block)."""

    quota: dict[int, list[pulp.LpVariable]]
    reserve: dict[int, pulp.LpVariable]
    over: dict[int, pulp.LpVariable]
    #: The reserve each year must keep (the minimum, or less where staff leave less room).
    reserve_floor: dict[int, int] = field(default_factory=dict)
    lend: dict[int, pulp.LpVariable] = field(default_factory=dict)
    repay: dict[int, pulp.LpVariable] = field(default_factory=dict)
    objective: pulp.LpAffineExpression | float = 0.0


def add_year_quotas(prob: pulp.LpProblem, data: ModelInputs, hz: HorizonInputs,
                    policy: Policy, quota: QuotaHandles) -> YearQuotaHandles:
    """Add quotas of years ``1 … H`` and pool loans of years ``0 … H`` to ``prob``.

    Parameters
    ----------
    prob : the county's PuLP problem, with the quota block added.
    data : year-0 inputs; their ``floor − quota_floor`` is the staff who may rotate out
        with their post (a teacher on a term move keeps hers at home).
    hz : per-year data from :func:`~staffing.model.horizon.prepare_horizon`.
    policy : weights, pool settings.
    quota : the quota block's handles (year 0).
    """
    s = data.schools
    n = data.n
    movable = (s["floor"] - s["quota_floor"]).to_numpy()
    approved = s["approved_quota"].to_numpy()
    weights = (s["shortfall_weight"] * s["tie_break"]).to_numpy()
    handles = YearQuotaHandles(quota={0: quota.quota}, reserve={0: quota.reserve},
                               over={0: quota.over},
                               reserve_floor={0: int(quota.reserve.lowBound or 0)})
    terms = []
    minimum = reserve_minimum(data.county_total, policy)
    lock = (s["locked_quota"] if "locked_quota" in s else pd.Series(np.nan, index=s.index))
    locked = lock.notna().to_numpy()
    lock = lock.fillna(0).to_numpy()
    for t in hz.years:
        holding = hz.holding[t].to_numpy()
        low = np.maximum(holding - movable, 0)
        if policy.pool_enabled:  # a locked quota is locked every year
            q = [prob.add_variable(name("quota", school=i, year=t),
                                   lowBound=int(lock[i]) if locked[i] else int(low[i]),
                                   upBound=int(lock[i]) if locked[i] else None,
                                   cat=pulp.LpInteger) for i in range(n)]
        else:  # quotas stay as approved; staff above the approved quota keep their posts
            high = np.maximum(approved, holding)
            q = [prob.add_variable(name("quota", school=i, year=t), lowBound=int(approved[i]),
                                   upBound=int(high[i]), cat=pulp.LpInteger) for i in range(n)]
        short = [prob.add_variable(name("short", school=i, year=t), lowBound=0) for i in range(n)]
        surplus = [prob.add_variable(name("surplus", school=i, year=t), lowBound=0)
                   for i in range(n)]
        up = [prob.add_variable(name("up", school=i, year=t), lowBound=0) for i in range(n)]
        down = [prob.add_variable(name("down", school=i, year=t), lowBound=0) for i in range(n)]
        norm = hz.norms[t].to_numpy()
        before = handles.quota[t - 1]
        for i in range(n):
            prob += (q[i] + short[i] - surplus[i] == int(norm[i])
                     ), name("quota_norm_balance", school=i, year=t)
            prob += q[i] - before[i] - up[i] + down[i] == 0, name("quota_change", school=i, year=t)
        if policy.pool_enabled:
            excess, reserve_low = county_room(int(holding.sum()), data.county_total, minimum)
            if locked.any():  # locks hold every year: the reserve keeps what they leave
                least = int(np.where(locked, lock, low).sum())
                reserve_low = max(0, min(reserve_low, data.county_total + excess - least))
            over = prob.add_variable(name("over_county_total", year=t), lowBound=excess,
                                     upBound=excess)
        else:  # quotas are not planned: at most the approved quotas and staff above them
            reserve_low = 0
            most = max(0, int(np.maximum(approved, holding).sum()) - data.county_total)
            over = prob.add_variable(name("over_county_total", year=t), lowBound=0, upBound=most)
        reserve = prob.add_variable(name("pool_reserve", year=t), lowBound=reserve_low)
        prob += (pulp.lpSum(q) + reserve - over == data.county_total
                 ), name("quota_county_total", year=t)
        handles.quota[t], handles.reserve[t], handles.over[t] = q, reserve, over
        handles.reserve_floor[t] = reserve_low
        low_q = low if policy.pool_enabled else approved
        terms += [add_convex_cost(prob, f"short_y{t}", short, [convex_label(i) for i in range(n)],
                                  norm, np.maximum(norm - low_q, 0), weights,
                                  band=policy.fair_band, steepness=policy.fair_steepness,
                                  whole=True),
                  policy.weight_surplus * pulp.lpSum(surplus),
                  policy.weight_change * (pulp.lpSum(up) + pulp.lpSum(down)),
                  policy.weight_over_total * over]
    if minimum > 0 and policy.pool_enabled:
        terms.append(_add_loans(prob, handles, hz, policy, minimum))
    handles.objective = pulp.lpSum(terms)
    return handles


def _add_loans(prob: pulp.LpProblem, h: YearQuotaHandles, hz: HorizonInputs, policy: Policy,
               minimum: int) -> pulp.LpAffineExpression:
    """Pool loans of years 0 … H: lent, repaid from attrition, repaid in time."""
    horizon, years = hz.horizon, policy.pool_loan_years
    lent = repaid = 0
    cost = []
    for t, reserve in h.reserve.items():
        h.lend[t] = prob.add_variable(name("pool_lend", year=t), lowBound=0, upBound=minimum,
                                      cat=pulp.LpInteger)
        if t >= 1:
            h.repay[t] = prob.add_variable(name("pool_repay", year=t), lowBound=0,
                                           upBound=int(hz.attrition.get(t, 0)))
        lent = lent + h.lend[t]
        repaid = repaid + h.repay.get(t, 0)
        outstanding = lent - repaid
        reserve.lowBound = 0
        prob += outstanding >= 0, name("pool_loan_outstanding", year=t)
        prob += reserve + outstanding >= h.reserve_floor[t], name("pool_loan_cover", year=t)
        prob += outstanding <= minimum, name("pool_loan_limit", year=t)
        cost.append(outstanding)
    for t in h.reserve:  # everything lent by year t is repaid by year t + pool_loan_years
        within = [h.repay[tau] for tau in range(1, min(t + years, horizon) + 1)]
        after = int(hz.attrition.loc[horizon + 1:t + years].sum())
        prob += (pulp.lpSum(h.lend[tau] for tau in range(t + 1))
                 <= pulp.lpSum(within) + after), name("pool_loan_repaid", year=t)
    return policy.weight_pool_loan * pulp.lpSum(cost)


def read_year_quotas(h: YearQuotaHandles, schools: pd.DataFrame) -> pd.DataFrame:
    """Solved quotas: school × year (0 … H)."""
    return pd.DataFrame({t: np.rint(values(q)).astype(np.int64) for t, q in h.quota.items()},
                        index=schools.index)


def loan_table(h: YearQuotaHandles, hz: HorizonInputs) -> pd.DataFrame:
    """Loans and repayments by calendar year, with the year each loan is repaid by.

    Columns: year, lent, repaid, outstanding, repay_by (first-in, first-out: the first
    calendar year by whose start repayments — planned ones within the horizon, then
    the attrition of schools above norm — reach everything lent up to that year).
    """
    if not h.lend:
        return pd.DataFrame(columns=LOAN_COLUMNS)
    lent = pd.Series({t: int(round(v.varValue or 0)) for t, v in h.lend.items()})
    repaid = pd.Series({t: float(h.repay[t].varValue or 0) if t in h.repay else 0.0
                        for t in h.lend}).round(6)
    later = hz.attrition.loc[hz.horizon + 1:].astype(float)
    schedule = pd.concat([repaid, later]).cumsum()
    rows = []
    for t in h.lend:
        owed = float(lent.loc[:t].sum())
        reached = schedule[schedule >= owed - 1e-6]
        repay_by = None
        if lent[t] > 0 and len(reached):
            repay_by = hz.calendar[0] + int(reached.index[0])
        rows.append({"year": hz.calendar[t], "lent": int(lent[t]), "repaid": float(repaid[t]),
                     "outstanding": float(lent.loc[:t].sum() - repaid.loc[:t].sum()),
                     "repay_by": repay_by})
    out = pd.DataFrame(rows, columns=LOAN_COLUMNS)
    out["repay_by"] = out["repay_by"].astype("Int64")
    return out
