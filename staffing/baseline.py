"""What a bureau would do by hand: a greedy plan, the yardstick for ``optimize``.

:func:`greedy_plan` follows the rule of thumb "largest shortfall first":

1. **Quotas.** Vacant posts above norm (approved − max(norm, staff staying)) and the
   pool's opening balance go, one at a time, to the school with the largest shortfall
   against its norm (ties by ``school_id``).
2. **Moves.** Subject gaps of at least ``rotation_min_gap_fte`` are taken largest first;
   each is filled by an eligible teacher of that subject from the school within
   ``max_travel_km`` with the most spare teachers of the subject (need covered without
   them), if the receiving school has a free post under its new quota.

It is deliberately simple — no priorities between rural and urban schools, no rotation
shares, no itinerant teaching — and serves to measure what the optimiser adds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.model.inputs import prepare_inputs
from staffing.needs import coverage, needs_gap
from staffing.policy import Policy
from staffing.staff import staff_after_moves

__all__ = ["greedy_plan", "evaluate"]


def _greedy_quotas(schools: pd.DataFrame, county_total: int) -> pd.Series:
    """Hand out vacant above-norm posts and the pool to the largest shortfalls."""
    keep = np.maximum(schools["norm"], schools["floor"])  # vacant posts above norm go
    quota = np.maximum(np.minimum(schools["approved_quota"], keep), schools["floor"])
    quota = pd.Series(quota.to_numpy(), index=schools.index)
    free = int(county_total - quota.sum())
    short = (schools["norm"] - quota).clip(lower=0)
    # One post at a time to the largest remaining shortfall: equivalent to filling the
    # shortfalls level by level, done in bulk by sorting (school, k-th missing post).
    ranks = [(-(int(s) - k), sid) for sid, s in short.items() for k in range(int(s))]
    for _, sid in sorted(ranks)[:max(free, 0)]:
        quota[sid] += 1
    return quota


def greedy_plan(county: County, policy: Policy | None = None) -> dict[str, pd.DataFrame]:
    """A hand-made plan: greedy quotas, then greedy moves of eligible teachers.

    Returns
    -------
    dict with ``quotas`` (school_id → new_quota) and ``moves`` (teacher_id,
    from_school, to_school, subject).
    """
    policy = policy or Policy()
    data = prepare_inputs(county, policy)
    schools = data.schools
    quota = _greedy_quotas(schools, data.county_total)
    moves = pd.DataFrame(columns=["teacher_id", "from_school", "to_school", "subject"])
    if data.rotation is None:
        return {"quotas": quota.rename("new_quota").to_frame(), "moves": moves}

    r = data.rotation
    staff = r.staff.astype(float).copy()
    headcount = (schools["floor"]).astype(int).copy()
    edges = data.edges
    reach = {k: set(g["to_school"]) for k, g in edges.groupby("from_school")}
    eligible = data.eligibility
    pool = county.teachers[eligible["eligible"].reindex(county.teachers.index).to_numpy()]
    pool = pool.sort_values(["years_at_school", "teacher_id"], ascending=[False, True])
    available = {k: list(g.index) for k, g in pool.groupby(["school_id", "subject"])}
    gaps = needs_gap(r.needs, r.staff, policy).stack()
    gaps = gaps[gaps >= max(policy.rotation_min_gap_fte, 1e-9)].sort_values(
        ascending=False, kind="stable")
    rows = []
    for (target, subject), _ in gaps.items():
        if headcount[target] >= quota[target]:
            continue
        spare = (staff[subject] - r.needs[subject]).clip(lower=0)
        donors = [s for s in spare.index
                  if spare[s] >= 1 and target in reach.get(s, ()) and available.get((s, subject))]
        if not donors:
            continue
        donor = max(donors, key=lambda s: (spare[s], s))
        teacher = available[(donor, subject)].pop(0)
        staff.loc[donor, subject] -= 1
        staff.loc[target, subject] += 1
        headcount[donor] -= 1
        headcount[target] += 1
        rows.append((teacher, donor, target, subject))
    moves = pd.DataFrame(rows, columns=moves.columns)
    # A donor whose staff fell may release quota: keep quotas ≥ staff (never below).
    quota = np.maximum(quota, headcount)
    return {"quotas": quota.rename("new_quota").to_frame(), "moves": moves}


def evaluate(county: County, policy: Policy, quotas: pd.Series,
             moves: pd.DataFrame) -> dict[str, float]:
    """Headline figures of any plan on the same footing: posts short of norm (all and
    rural), unmet subject need and unmet urgent need after the moves (FTE)."""
    data = prepare_inputs(county, policy)
    s = data.schools
    short = (s["norm"] - quotas.reindex(s.index)).clip(lower=0)
    out = {
        "posts_short": float(short.sum()),
        "rural_posts_short": float(short[s["location"].eq("rural")].sum()),
    }
    if data.rotation is not None:
        r = data.rotation
        after = staff_after_moves(r.staff, moves.assign(
            kind=moves.get("kind", "rotation"), fte=moves.get("fte", 1.0)))
        unmet = (r.needs - coverage(r.needs, after, policy)).clip(lower=0)
        out["unmet_need_fte"] = float(unmet.to_numpy().sum())
        out["unmet_urgent_fte"] = float(unmet[list(policy.urgent_subjects)].to_numpy().sum())
    return out
