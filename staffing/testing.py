"""Reference formulations for checking the model: small, slow, written separately.

:func:`teacher_level_model` states the quota + rotation problem with one binary per
(eligible teacher, candidate target) instead of integer flows per group, without
the model's valid inequalities, and with its own code for every constraint. On small
counties its optimum must equal :func:`staffing.optimize`'s objective — the tests
check that, and ``benchmarks/bench_rotation.py`` times both.
"""

from __future__ import annotations

import numpy as np
import pulp

from staffing.data.county import County
from staffing.model.inputs import prepare_inputs
from staffing.model.quota import reserve_minimum
from staffing.policy import Policy
from staffing.vocab import SUBJECTS

__all__ = ["teacher_level_model"]


def teacher_level_model(county: County, policy: Policy | None = None) -> pulp.LpProblem:
    """The joint quota + rotation problem with teacher-level binaries.

    Same data, candidate moves and objective as :func:`staffing.build_model`; a
    different formulation (binaries per teacher, no cuts), so equal optima on the same
    county are evidence that the aggregated model is right. Posts follow
    ``policy.post_moves_with`` by its own reading: every school's posts held after the
    moves (term movers counted at home) fit its quota.
    """
    policy = policy or Policy()
    data = prepare_inputs(county, policy)
    s = data.schools
    ids = list(s.index)
    prob = pulp.LpProblem("teacher_level", pulp.LpMinimize)
    terms = []

    # Quotas: integer per school, slack against norm and approved, county total. With
    # the pool, no lower bound here: every school's posts-held row below bounds it.
    lows = 0 * s["approved_quota"] if policy.pool_enabled else s["approved_quota"]
    q = {i: prob.add_variable(f"q_{n}", lowBound=int(lows[i]),
                              upBound=None if policy.pool_enabled else int(s.at[i, "approved_quota"]),
                              cat=pulp.LpInteger) for n, i in enumerate(ids)}
    premium = _tie_break(s, county, policy)
    for n, i in enumerate(ids):
        below = prob.add_variable(f"below_{n}", lowBound=0)
        above = prob.add_variable(f"above_{n}", lowBound=0)
        prob += below >= int(s.at[i, "norm"]) - q[i]
        prob += above >= q[i] - int(s.at[i, "norm"])
        change = prob.add_variable(f"chg_{n}", lowBound=0)
        prob += change >= q[i] - int(s.at[i, "approved_quota"])
        prob += change >= int(s.at[i, "approved_quota"]) - q[i]
        terms += _convex_by_excess(prob, f"below_{n}", below, int(s.at[i, "norm"]),
                                   float(s.at[i, "shortfall_weight"]) * premium[i],
                                   policy.fair_band, policy.fair_steepness, whole=True)
        terms += [policy.weight_surplus * above, policy.weight_change * change]
    # Staff staying in post (or, with the pool off, the approved quotas) above the total
    # are over it whatever the plan does; otherwise the total is hard and the reserve
    # keeps its minimum or all the room the staff leave.
    staying_total = int((s["floor"] if policy.pool_enabled else s["approved_quota"]).sum())
    excess = max(0, staying_total - data.county_total)
    room = max(0, data.county_total - staying_total)
    reserve = prob.add_variable("reserve", lowBound=min(
        reserve_minimum(data.county_total, policy), room))
    over = prob.add_variable("over", lowBound=excess, upBound=excess)
    prob += pulp.lpSum(q.values()) + reserve - over == data.county_total
    terms.append(policy.weight_over_total * over)
    staying = (s["staff_in_post"] - s["leavers"]).clip(lower=0)
    if data.rotation is None:
        for i in ids:  # staff staying in post keep their posts
            prob += int(staying[i]) <= q[i]
        prob.setObjective(pulp.lpSum(terms))
        return prob

    r = data.rotation
    teachers = county.teachers
    elig = data.eligibility
    movers = teachers[elig["eligible"].reindex(teachers.index).to_numpy()
                      & teachers["status"].eq("in_post").to_numpy()]
    movers = movers.assign(backbone=elig["backbone"].reindex(movers.index).to_numpy())
    candidates = r.flows[["school_id", "subject", "backbone", "target", "km", "kind"]].merge(
        movers.reset_index()[["teacher_id", "school_id", "subject", "backbone"]],
        on=["school_id", "subject", "backbone"])
    # Whose post a mover holds: a backbone teacher rotating to a rural or weak school is
    # on backbone support (骨干支教); the post goes with her only for the kinds listed
    # in policy.post_moves_with, else it stays at home (a term move).
    rural_or_weak = (s["location"] == "rural") | s["is_weak"].astype(bool)
    to_rural = np.array([bool(rural_or_weak[t]) for t in candidates["target"]], dtype=bool)
    kind = np.where((candidates["kind"].to_numpy() == "rotation")
                    & candidates["backbone"].to_numpy(dtype=bool) & to_rural,
                    "support", candidates["kind"].to_numpy())
    candidates["carries_post"] = [k in policy.post_moves_with for k in kind]
    y = [prob.add_variable(f"y_{n}", cat=pulp.LpBinary) for n in range(len(candidates))]
    candidates = candidates.assign(var=y)
    for _, block in candidates.groupby("teacher_id")["var"]:
        prob += pulp.lpSum(block) <= 1  # one move per teacher at most
    terms += [(policy.weight_move + policy.weight_move_km * km) * v
              for km, v in zip(candidates["km"], candidates["var"], strict=True)]

    def moved(**match) -> list[pulp.LpVariable]:
        mask = np.ones(len(candidates), dtype=bool)
        for col, value in match.items():
            mask &= candidates[col].to_numpy() == value
        return candidates.loc[mask, "var"].tolist()

    # Itinerant cover: the same candidate arcs, one continuous FTE each.
    from staffing.model.itinerant import arcs_for_model

    arcs = arcs_for_model(county, policy, data.clusters, r)
    z = [prob.add_variable(f"z_{n}", lowBound=0) for n in range(len(arcs))]
    arcs = arcs.assign(var=z)
    terms += [(policy.weight_itinerant + policy.weight_itinerant_km * km) * v
              for km, v in zip(arcs["km"], arcs["var"], strict=True)]

    def visits(**match) -> list[pulp.LpVariable]:
        mask = np.ones(len(arcs), dtype=bool)
        for col, value in match.items():
            mask &= arcs[col].to_numpy() == value
        return arcs.loc[mask, "var"].tolist()

    urgent = set(policy.urgent_subjects)
    cover_of = {j: [j] if j != "general" else [] for j in SUBJECTS}
    for k, js in policy.subject_cover.items():
        for j in js:
            if k not in cover_of[j]:
                cover_of[j].append(k)
    for n, i in enumerate(ids):
        rural = s.at[i, "location"] == "rural"
        after = {k: int(r.staff.at[i, k]) - pulp.lpSum(moved(school_id=i, subject=k))
                 + pulp.lpSum(moved(target=i, subject=k)) for k in SUBJECTS}
        share = {(k, j): prob.add_variable(f"share_{n}_{k}_{j}", lowBound=0)
                 for j in SUBJECTS for k in cover_of[j] if r.needs.at[i, j] > 0}
        for k in SUBJECTS:
            parts = [v for (kk, _), v in share.items() if kk == k] + visits(source=i, subject=k)
            if parts:
                prob += pulp.lpSum(parts) <= after[k]
            away = visits(source=i, subject=k)
            if away:
                cap = float(arcs.loc[arcs["source"].eq(i) & arcs["subject"].eq(k),
                                     "cap_fte"].iloc[0])
                prob += pulp.lpSum(away) <= cap * after[k]
        for j in SUBJECTS:
            need = float(r.needs.at[i, j])
            if need <= 0:
                continue
            gap = prob.add_variable(f"gap_{n}_{j}", lowBound=0)
            prob += gap >= need - pulp.lpSum(v for (_, jj), v in share.items() if jj == j) \
                - pulp.lpSum(visits(target=i, subject=j))
            w = policy.weight_unmet_need * (policy.weight_unmet_urgent if j in urgent else 1.0)
            w *= (policy.weight_rural if rural else 1.0)
            w *= (policy.weight_unmet_labour if j == "labour" else 1.0)
            terms += _convex_by_excess(prob, f"gap_{n}_{j}", gap, need, w * premium[i],
                                       policy.fair_band_need, policy.fair_steepness_need,
                                       whole=False)
        # Posts held here after the moves: staying staff, less those who took their post
        # away, plus those who brought one; a teacher on a term move counts at home.
        holding = (int(staying[i]) - pulp.lpSum(moved(school_id=i, carries_post=True))
                   + pulp.lpSum(moved(target=i, carries_post=True)))
        if policy.pool_enabled:
            prob += holding <= q[i]
        elif moved(school_id=i, carries_post=True) or moved(target=i, carries_post=True):
            prob += holding <= max(int(s.at[i, "approved_quota"]), int(staying[i]))
        if rural or bool(s.at[i, "is_weak"]):
            pupils = int(county.schools.at[i, "pupils_primary"] + county.schools.at[i, "pupils_junior"])
            target = policy.backbone_per_100_pupils_target * pupils / 100.0
            if target > 0:
                deficit = prob.add_variable(f"bbdef_{n}", lowBound=0)
                prob += deficit >= target - (
                    int(r.backbone_staff.at[i]) - pulp.lpSum(moved(school_id=i, backbone=True))
                    + pulp.lpSum(moved(target=i, backbone=True)))
                terms.append(policy.weight_backbone_deficit * deficit)

    duty_out, duty_bb = [], []
    for n, (i, eligible) in enumerate(r.duty["eligible"].items()):
        goal = policy.rotation_share_min * int(eligible)
        if goal <= 0:
            continue
        short = prob.add_variable(f"volshort_{n}", lowBound=0)
        prob += pulp.lpSum(moved(school_id=i)) + short >= goal
        terms.append(policy.weight_rotation_shortfall * short)
        duty_out += moved(school_id=i)
        duty_bb += moved(school_id=i, backbone=True)
    if duty_out and policy.rotation_backbone_share_min > 0:
        short = prob.add_variable("bbshare_short", lowBound=0)
        prob += pulp.lpSum(duty_bb) + short >= policy.rotation_backbone_share_min * pulp.lpSum(
            duty_out)
        terms.append(policy.weight_rotation_shortfall * short)
    prob.setObjective(pulp.lpSum(terms))
    return prob


def _tie_break(s, county: County, policy: Policy) -> dict:
    """1 + tie_break_share × priority per school: priority 1 for the first of equal
    schools (lowest approved/norm, most pupils, highest weight, then id) down to 0."""
    pupils = county.schools["pupils_primary"] + county.schools["pupils_junior"]
    keyed = []
    for i in s.index:
        norm = int(s.at[i, "norm"])
        share = s.at[i, "approved_quota"] / norm if norm > 0 else float("inf")
        keyed.append((share, -int(pupils[i]), -float(s.at[i, "shortfall_weight"]), str(i), i))
    keyed.sort()
    n = len(keyed)
    return {k[-1]: 1.0 + policy.tie_break_share * ((1.0 - rank / (n - 1)) if n > 1 else 1.0)
            for rank, k in enumerate(keyed)}


def _convex_by_excess(prob, name, amount, scale, weight, band, steepness, *, whole) -> list:
    """Convex piecewise-linear cost of ``amount`` (≥ 0), written as the first slope on the
    whole amount plus each later slope's rise on the excess over the step before it —
    a second formulation of :func:`staffing.model.fair.add_convex_cost`'s steps.

    Step b covers relative shortfall ((b − 1)·band, b·band] and costs
    1 + steepness × (b − ½) × band per unit; with ``whole`` the step ends are rounded
    half up to whole posts."""
    import math

    steps = math.ceil(1.0 / band - 1e-9)
    slope = [1.0 + steepness * min((b - 0.5) * band, 1.0) for b in range(1, steps + 1)]
    ends = [scale * band * b for b in range(1, steps + 1)]
    if whole:
        ends = [math.floor(e + 0.5) for e in ends]
    terms = [weight * slope[0] * amount]
    for b in range(1, steps):
        rise = slope[b] - slope[b - 1]
        if ends[b - 1] >= scale or rise <= 0:
            continue
        excess = prob.add_variable(f"{name}_over_{b}", lowBound=0)
        prob += excess >= amount - ends[b - 1]
        terms.append(weight * rise * excess)
    return terms
