"""The quota block: turnover pool (周转池) and quota reallocation within the county total.

Variables (one per school ``i``, numbered by the school's position):

* ``q_i``  integer new quota, ``q_i ≥ floor_i`` (staff staying in post cannot be
  dismissed by a quota change; with the rotation block on, the bound is the staff
  after moves, through its ``rotation_capacity`` rows); a quota the planner locked
  (schools column ``locked_quota``) is fixed by its bounds, ``q_i = lock_i`` — a
  bound, not a row, so the matrix stays a network matrix;
* ``short_i``, ``surplus_i ≥ 0`` with ``q_i + short_i − surplus_i = norm_i``;
* ``up_i``, ``down_i ≥ 0`` with ``q_i − up_i + down_i = approved_i`` (the change);
* ``reserve ≥ ⌈pool_reserve_share × total⌉`` quota kept unassigned in the pool (less
  only when the staff staying in post leave less than that room; see
  :func:`county_room`);
* ``over`` staff in post above the county total: not a choice but a fact of the data,
  fixed to ``max(0, Σ staff staying − county_total)`` (0 whenever the staff fit).

Constraint ``quota_county_total``: ``Σ q_i + reserve − over = county_total``, so
``Σ q_i + reserve ≤ county_total`` is hard whenever the staff fit within the total.

Objective: ``Σ_i F_i(short_i) + weight_surplus Σ surplus_i + weight_change Σ (up_i +
down_i) + weight_over_total · over``. ``F_i`` is convex and piecewise linear in the
school's *relative* shortfall ``short_i / norm_i`` (:mod:`staffing.model.fair`): each
post short costs ``w_i (1 + fair_steepness · r)`` at relative shortfall ``r``, with
``w_i`` from :func:`shortfall_weights` times a tiny deterministic tie-break, so spare
posts go to the school furthest below its norm first and the optimum is unique. The
steps' ends are whole posts, so the matrix stays a network matrix and the LP
relaxation integral.
With ``pool_enabled = False`` every quota is fixed at its approved value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from staffing.model.fair import add_convex_cost
from staffing.model.inputs import ModelInputs
from staffing.model.names import convex_label, name
from staffing.model.solve import values
from staffing.policy import Policy

__all__ = ["QuotaHandles", "add_quota", "read_quota", "quota_table", "pool_ledger", "reserve_minimum",
           "county_room"]


@dataclass
class QuotaHandles:
    """The quota block's variables, constraints and objective terms."""

    quota: list[pulp.LpVariable]
    short: list[pulp.LpVariable]
    surplus: list[pulp.LpVariable]
    up: list[pulp.LpVariable]
    down: list[pulp.LpVariable]
    reserve: pulp.LpVariable
    over: pulp.LpVariable
    county_total: pulp.LpConstraint
    objective: pulp.LpAffineExpression
    #: Objective terms by rule (shortfall, surplus, change, over_total), for explain().
    terms: dict[str, pulp.LpAffineExpression] | None = None


def reserve_minimum(county_total: int, policy: Policy) -> int:
    """Posts the pool must keep back: ``⌈pool_reserve_share × county_total⌉``."""
    if not policy.pool_enabled:
        return 0
    return int(math.ceil(policy.pool_reserve_share * county_total - 1e-9))


def county_room(staying: int, county_total: int, minimum: int) -> tuple[int, int]:
    """``(over, reserve floor)`` forced by the data: staff staying above the county
    total, and the reserve the total still leaves room for.

    Staff in post cannot be dismissed by a quota change, so when ``staying`` exceed
    ``county_total`` the excess is over the total whatever the plan does; when they fit,
    the reserve keeps ``minimum`` posts or, if the staff leave less room, all the room
    there is. Nothing else may bend the county total.

    Examples
    --------
    >>> county_room(90, 100, 5), county_room(98, 100, 5), county_room(103, 100, 5)
    ((0, 5), (0, 2), (3, 0))
    """
    over = max(0, int(staying) - int(county_total))
    room = max(0, int(county_total) - int(staying))
    return over, min(int(minimum), room)


def _integer_vars(prob: pulp.LpProblem, prefix: str, lows, ups=None) -> list[pulp.LpVariable]:
    ups = [None] * len(lows) if ups is None else ups
    return [
        prob.add_variable(name(prefix, school=i), lowBound=int(lo),
                          upBound=None if up is None else int(up), cat=pulp.LpInteger)
        for i, (lo, up) in enumerate(zip(lows, ups, strict=True))
    ]


def _nonneg_vars(prob: pulp.LpProblem, prefix: str, n: int) -> list[pulp.LpVariable]:
    return [prob.add_variable(name(prefix, school=i), lowBound=0) for i in range(n)]


def add_quota(prob: pulp.LpProblem, data: ModelInputs, policy: Policy) -> QuotaHandles:
    """Add the quota block to ``prob`` and return its handles.

    Parameters
    ----------
    prob : the county's PuLP problem.
    data : per-school inputs from :func:`staffing.model.inputs.prepare_inputs`.
    policy : the weights and pool settings.
    """
    s = data.schools
    approved = s["approved_quota"].to_numpy()
    if policy.pool_enabled:
        lock = s["locked_quota"] if "locked_quota" in s else pd.Series(np.nan, index=s.index)
        locked = lock.notna().to_numpy()
        low = np.where(locked, lock.fillna(0), s["quota_floor"]).astype(np.int64)
        high = [int(x) if on else None for x, on in zip(low, locked, strict=True)]
        quota = _integer_vars(prob, "quota", low, high)
    else:  # a lock must equal the approved quota here (checked before the model is built)
        quota = _integer_vars(prob, "quota", approved, approved)
    short = _nonneg_vars(prob, "short", data.n)
    surplus = _nonneg_vars(prob, "surplus", data.n)
    up = _nonneg_vars(prob, "up", data.n)
    down = _nonneg_vars(prob, "down", data.n)
    lowest = approved if not policy.pool_enabled else s["floor"].to_numpy()
    excess, reserve_low = county_room(int(lowest.sum()), data.county_total,
                                      reserve_minimum(data.county_total, policy))
    reserve = prob.add_variable(name("pool_reserve"), lowBound=reserve_low)
    over = prob.add_variable(name("over_county_total"), lowBound=excess, upBound=excess)

    norm = s["norm"].to_numpy()
    for i in range(data.n):
        prob += (quota[i] + short[i] - surplus[i] == int(norm[i])
                 ), name("quota_norm_balance", school=i)
        prob += quota[i] - up[i] + down[i] == int(approved[i]), name("quota_change", school=i)
    county_total = pulp.lpSum(quota) + reserve - over == data.county_total
    prob += county_total, name("quota_county_total")

    low = approved if not policy.pool_enabled else s["quota_floor"].to_numpy()
    terms = {
        "shortfall": add_convex_cost(
            prob, "short", short, [convex_label(i) for i in range(data.n)], norm,
            np.maximum(norm - low, 0), (s["shortfall_weight"] * s["tie_break"]).to_numpy(),
            band=policy.fair_band, steepness=policy.fair_steepness, whole=True),
        "surplus": policy.weight_surplus * pulp.lpSum(surplus),
        "change": policy.weight_change * (pulp.lpSum(up) + pulp.lpSum(down)),
        "over_total": policy.weight_over_total * over,
    }
    return QuotaHandles(
        quota=quota, short=short, surplus=surplus, up=up, down=down, reserve=reserve,
        over=over, county_total=prob.get_constraint_by_name("quota_county_total"),
        objective=pulp.lpSum(terms.values()), terms=terms,
    )


def read_quota(h: QuotaHandles, data: ModelInputs) -> pd.DataFrame:
    """The solved quotas as a table indexed by ``school_id`` (see :func:`quota_table`)."""
    return quota_table(data.schools, np.rint(values(h.quota)).astype(np.int64))


def quota_table(schools: pd.DataFrame, new_quota: np.ndarray) -> pd.DataFrame:
    """Quotas before and after, indexed by ``school_id``.

    Columns: name, township, level, location, norm, basis, approved_quota,
    staff_in_post, leavers, new_quota, change, shortfall_before, shortfall_after,
    surplus_before, surplus_after, shortfall_weight.
    """
    out = schools[["name", "township", "level", "location", "norm", "basis", "approved_quota",
                   "staff_in_post", "leavers"]].copy()
    out["new_quota"] = np.asarray(new_quota, dtype=np.int64)
    out["change"] = out["new_quota"] - out["approved_quota"]
    out["shortfall_before"] = (out["norm"] - out["approved_quota"]).clip(lower=0)
    out["shortfall_after"] = (out["norm"] - out["new_quota"]).clip(lower=0)
    out["surplus_before"] = (out["approved_quota"] - out["norm"]).clip(lower=0)
    out["surplus_after"] = (out["new_quota"] - out["norm"]).clip(lower=0)
    out["shortfall_weight"] = schools["shortfall_weight"]
    return out


def pool_ledger(quotas: pd.DataFrame, county_total: int) -> pd.DataFrame:
    """The turnover pool's ledger: opening balance, releases, draws, closing balance.

    Releases (quota handed back by schools) come first, largest first, then draws
    (quota taken by schools), largest first; ties by ``school_id``. ``balance`` is the
    running pool balance after each entry. The opening balance is the county total
    minus the approved quotas (negative when the schools already hold more than the
    total); the closing balance is the reserve the plan keeps.
    """
    opening = int(county_total - quotas["approved_quota"].sum())
    change = quotas["change"]
    release = (-change[change < 0]).rename("posts").to_frame().assign(entry="release")
    draw = change[change > 0].rename("posts").to_frame().assign(entry="draw")
    release = release.reset_index().sort_values(["posts", "school_id"], ascending=[False, True])
    draw = draw.reset_index().sort_values(["posts", "school_id"], ascending=[False, True])
    body = pd.concat([release, draw], ignore_index=True)
    body["name"] = body["school_id"].map(quotas["name"])
    signed = np.where(body["entry"].eq("release"), body["posts"], -body["posts"])
    body["balance"] = opening + np.cumsum(signed).astype(np.int64)
    head = pd.DataFrame([{"entry": "opening", "school_id": "", "name": "", "posts": 0,
                          "balance": opening}])
    closing = opening + int(signed.sum())
    tail = pd.DataFrame([{"entry": "closing", "school_id": "", "name": "", "posts": 0,
                          "balance": closing}])
    ledger = pd.concat([head, body, tail], ignore_index=True)
    ledger = ledger[["entry", "school_id", "name", "posts", "balance"]]
    ledger["posts"] = ledger["posts"].astype(np.int64)
    ledger["balance"] = ledger["balance"].astype(np.int64)
    return ledger
