"""The recruitment block: new teachers by school, subject and year (Chuxiong measures 7, 9).

Hires for school year ``t`` (1 … H) are approved in year ``t − 1`` (招聘计划提前一年
报批), so year 0 has none: its recruits are already in the teachers table.

Variables and constraints (stable names; ``explain(breakdown=…)`` files the objective's
variables by them):

* ``hire_{i}_{k}_y{t}`` integer ≥ 0: teachers of subject ``k`` hired for school ``i``
  in year ``t``, for the (school, subject) pairs whose gap, after retirements and
  before moves, reaches ``hire_min_gap_fte`` in some year (a general 全科 hire counts
  the core subjects it covers); ``hire_cap_{i}_{k}``: Σ_t hires ≤ that largest gap,
  rounded up, plus the school's teachers of ``k`` who may rotate away.
* ``hire_capacity_{i}_y{t}``: staff holding a post (after retirements and rotation)
  plus everyone hired so far ≤ ``quota_{i}_y{t}`` — hires fill vacancies only. A
  teacher on a term move holds her post at home (``Policy.post_moves_with``).
* ``hire_urgent_share_y{t}``: urgent-subject hires ≥ ``urgent_share_min`` × all hires
  of the year (hard; holds trivially in a year without hires).
* ``hire_budget_y{t}``: hires of the year ≤ the budget, when one is given.
* ``hire_mentors_y{t}``: new rural teachers in shadow training in year t ≤ the places
  the host schools (urban quality and central schools) have left.
* Subject cover of each year, as in the rotation block (``use``, ``unmet``,
  ``hire_staff_*``, ``hire_need_*`` and the whole-teacher cuts), for the schools
  whose staff the plan can change (hires or moves); the others' cover is fixed and
  computed directly. A hire at a rural school teaches from year
  ``t + shadow_training_years``: the first year(s) are shadow training at a host.

Objective: unmet need (weighted as in the rotation block) + ``weight_hire`` per hire
and school year in post within the horizon.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from staffing.model.cover import add_subject_cover
from staffing.model.fair import add_convex_cost
from staffing.model.horizon import HorizonInputs
from staffing.model.inputs import ModelInputs
from staffing.model.names import name
from staffing.model.pool import YearQuotaHandles
from staffing.needs import coverage, needs_gap
from staffing.policy import Policy
from staffing.vocab import SUBJECTS

__all__ = ["HiringHandles", "hire_candidates", "add_hiring", "read_hires", "budget_by_year",
           "staff_by_year", "cover_by_year",
           "HIRE_COLUMNS"]

#: Columns of ``plan.hires``.
HIRE_COLUMNS = ["school_id", "name", "location", "subject", "year", "approval_year", "count",
                "urgent", "teaching_from"]


@dataclass
class HiringHandles:
    """The recruitment block's candidates, variables and objective."""

    candidates: pd.DataFrame  # school_id, subject, gap, cap (hire_candidates)
    hires: dict[tuple[str, str, int], pulp.LpVariable]
    unmet: dict[tuple[str, str, int], pulp.LpVariable]
    objective: pulp.LpAffineExpression
    budget: dict[int, int] | None = None  # most hires per planning year, when given


def _covered_subjects(policy: Policy) -> dict[str, list[str]]:
    """The needs a teacher of each subject may teach: its own, then its cover list.

    Labour (劳动) is covered by every subject; it does not make a hire worth making
    except for labour teachers themselves.
    """
    out = {k: [k] for k in SUBJECTS if k != "general"}
    for k, covers in policy.subject_cover.items():
        out.setdefault(k, [])
        out[k] += [j for j in covers if j not in out[k] and (j != "labour" or k == "labour")]
    return out


def budget_by_year(budget: int | Mapping[int, int] | None, calendar: dict[int, int]
                   ) -> dict[int, int]:
    """Hiring budget per planning year: one number for every year, or by calendar year.

    Examples
    --------
    >>> budget_by_year({2028: 5}, {0: 2026, 1: 2027, 2: 2028})
    {2: 5}
    >>> budget_by_year(3, {0: 2026, 1: 2027})
    {1: 3}
    """
    if budget is None:
        return {}
    if isinstance(budget, Mapping):
        bad = [y for y, n in budget.items()
               if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0]
        if bad:
            raise ValueError(f"hiring_budget: expected a whole number ≥ 0 for {bad}")
        by_calendar = {int(y): int(n) for y, n in budget.items()}
        return {t: by_calendar[y] for t, y in calendar.items() if t >= 1 and y in by_calendar}
    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or budget < 0:
        raise ValueError(f"hiring_budget = {budget!r}: expected a whole number ≥ 0")
    return {t: int(budget) for t in calendar if t >= 1}


def hire_candidates(data: ModelInputs, hz: HorizonInputs, policy: Policy) -> pd.DataFrame:
    """(school, subject) pairs the plan may recruit for, with the most it may hire.

    A pair is a candidate when the subject's gap at the school after retirements (no
    moves, no hires) reaches ``hire_min_gap_fte`` in some year; for general (全科)
    teachers the gap is that of the core subjects they cover.

    Returns
    -------
    DataFrame with school_id, subject, gap (largest yearly gap, FTE), cap (most hires).
    """
    covers = _covered_subjects(policy)
    subjects = list(SUBJECTS)
    largest = None
    for t in hz.years:
        gap = needs_gap(hz.net_needs(t), hz.teaching[t], policy)
        summed = pd.DataFrame({k: gap[covers[k]].sum(axis=1) if covers.get(k) else 0.0
                               for k in subjects}, index=gap.index)
        largest = summed if largest is None else np.maximum(largest, summed)
    if largest is None:
        return pd.DataFrame(columns=["school_id", "subject", "gap", "cap"])
    long = largest.rename_axis(index="school_id", columns="subject").stack().rename("gap")
    long = long[long >= policy.hire_min_gap_fte - 1e-9].reset_index()
    movable = _movable_by_subject(data)
    extra = long.join(movable, on=["school_id", "subject"])["size"].fillna(0)
    long["cap"] = (np.ceil(long["gap"] - 1e-9) + extra).astype(np.int64)
    return long.sort_values(["school_id", "subject"], kind="stable").reset_index(drop=True)


def _movable_by_subject(data: ModelInputs) -> pd.Series:
    if data.rotation is None:
        empty = pd.MultiIndex.from_arrays([[], []], names=["school_id", "subject"])
        return pd.Series(index=empty, dtype="int64", name="size")
    groups = data.rotation.groups
    moving = groups.loc[data.rotation.flows["group"].unique()]
    return moving.groupby(["school_id", "subject"])["size"].sum().rename("size")


def add_hiring(
    prob: pulp.LpProblem, data: ModelInputs, hz: HorizonInputs, policy: Policy,
    years: YearQuotaHandles, staff_after: Callable[[str, str], pulp.LpAffineExpression] | None,
    *, budget: Mapping[int, int] | None = None,
    post_shift: Mapping[str, pulp.LpAffineExpression] | None = None,
) -> HiringHandles:
    """Add recruitment and the subject cover of years ``1 … H`` to ``prob``.

    Parameters
    ----------
    prob : the county's PuLP problem.
    data : year-0 inputs.
    hz : per-year data (:func:`~staffing.model.horizon.prepare_horizon`).
    policy : urgent subjects and share, shadow training, weights.
    years : quotas of every year (:func:`~staffing.model.pool.add_year_quotas`).
    staff_after : the rotation block's staff after moves (None without rotation).
    budget : most hires per planning year (:func:`budget_by_year`).
    post_shift : the rotation block's posts arriving less posts leaving with teachers,
        per school (``RotationHandles.post_shift``); required with ``staff_after``. A
        teacher on a term move keeps her post at home for the whole horizon.
    """
    if staff_after is not None and post_shift is None:
        raise ValueError("add_hiring: post_shift (RotationHandles.post_shift) is needed "
                         "with staff_after, so that posts follow Policy.post_moves_with")
    schools = data.schools
    pos = {sid: i for i, sid in enumerate(schools.index)}
    rural = schools["location"].eq("rural")
    delay = {sid: (policy.shadow_training_years if rural[sid] else 0) for sid in schools.index}
    H = hz.horizon
    cands = hire_candidates(data, hz, policy)
    hires: dict[tuple[str, str, int], pulp.LpVariable] = {}
    by_school: dict[str, list[tuple[str, int, pulp.LpVariable]]] = {}
    for s, k, cap in zip(cands["school_id"], cands["subject"], cands["cap"], strict=True):
        made = []
        for t in hz.years:
            v = prob.add_variable(name("hire", school=pos[s], subject=k, year=t), lowBound=0,
                                  upBound=int(cap), cat=pulp.LpInteger)
            hires[(s, k, t)] = v
            made.append(v)
            by_school.setdefault(s, []).append((k, t, v))
        if H > 1:
            prob += pulp.lpSum(made) <= int(cap), name("hire_cap", school=pos[s], subject=k)

    # Schools whose staff the plan changes after year 0: hires, or moves at year 0.
    moved = set()
    if data.rotation is not None:
        flows = data.rotation.flows
        moved = set(flows["school_id"]) | set(flows["target"])
    staff_now = data.rotation.staff if data.rotation is not None else None
    # What year-0 moves change at a school's teaching staff, by subject: built once, used
    # in every later year (expressions are copied when used in arithmetic). Its posts
    # change only by the moves whose post goes with the teacher (post_shift).
    delta: dict[tuple[str, str], pulp.LpAffineExpression] = {}
    shift = dict(post_shift or {})
    if staff_after is not None:
        for s in moved:
            for k in SUBJECTS:
                delta[(s, k)] = staff_after(s, k) - int(staff_now.at[s, k])
    planned = sorted(set(by_school) | moved, key=pos.get)

    for t in hz.years:
        q = years.quota[t]
        holding = hz.holding[t]
        for s in planned:
            so_far = [v for _, tt, v in by_school.get(s, []) if tt <= t]
            prob += (int(holding.at[s]) + shift.get(s, 0) + pulp.lpSum(so_far) <= q[pos[s]]
                     ), name("hire_capacity", school=pos[s], year=t)

    urgent = set(policy.urgent_subjects)
    objective_terms = []
    by_year: dict[int, list[tuple[str, str, pulp.LpVariable]]] = {}
    for (s, k, t), v in hires.items():
        by_year.setdefault(t, []).append((s, k, v))
    for t in hz.years:
        this_year = [(k, v) for _, k, v in by_year.get(t, [])]
        if not this_year:
            continue
        everyone = pulp.lpSum(v for _, v in this_year)
        prob += (pulp.lpSum(v for k, v in this_year if k in urgent)
                 >= policy.urgent_share_min * everyone), name("hire_urgent_share", year=t)
        if budget and t in budget:
            prob += everyone <= int(budget[t]), name("hire_budget", year=t)
        if len(hz.mentor_room) and policy.shadow_training_years > 0:
            training = [v for tt in range(t - policy.shadow_training_years + 1, t + 1)
                        for s, _, v in by_year.get(tt, []) if rural[s]]
            if training:
                prob += pulp.lpSum(training) <= int(hz.mentor_room[t]), name("hire_mentors", year=t)
        # A hire holds a post from year t to the end of the horizon.
        objective_terms.append(policy.weight_hire * (H - t + 1) * everyone)

    unmet: dict[tuple[str, str, int], pulp.LpVariable] = {}
    for t in hz.years:
        for s in planned:
            teaching: dict[str, list[pulp.LpVariable]] = {}
            for k, tt, v in by_school.get(s, []):
                if tt <= t - delay[s]:
                    teaching.setdefault(k, []).append(v)
            objective_terms += _add_cover(prob, pos[s], s, t, hz, policy, rural[s],
                                          float(data.schools.at[s, "tie_break"]), unmet,
                                          lambda k, s=s, t=t, teaching=teaching: (
                                              int(hz.teaching[t].at[s, k]) + delta.get((s, k), 0)
                                              + pulp.lpSum(teaching.get(k, []))),
                                          present=_present(hz.teaching[t].loc[s], s, moved,
                                                           data, teaching))
    return HiringHandles(candidates=cands, hires=hires, unmet=unmet,
                         objective=pulp.lpSum(objective_terms), budget=dict(budget or {}))


def _present(row: pd.Series, s: str, moved: set, data: ModelInputs, teaching: dict) -> set[str]:
    """Subjects with teachers at ``s`` in the year: in post, arriving, or hired."""
    present = {k for k in SUBJECTS if row[k] > 0} | set(teaching)
    if s in moved:
        flows = data.rotation.flows
        present |= set(flows.loc[flows["target"].eq(s), "subject"])
    return present


def _add_cover(prob, i: int, s: str, t: int, hz: HorizonInputs, policy: Policy,
               is_rural: bool, tie: float, unmet: dict, staff, present: set[str]) -> list:
    """Subject cover of school ``s`` in year ``t`` (:func:`add_subject_cover`) and the
    school's whole-teacher cut."""
    need_row = hz.net_needs(t).loc[s]  # heads' periods cover part of it
    staff_cache = {k: staff(k) for k in sorted(present)}
    rows = add_subject_cover(prob, i, need_row, present, staff_cache.__getitem__, policy,
                             block="hire", year=t, rural=is_rural, tie=tie)
    terms = []
    for j, u, _, _, _ in rows:
        unmet[(s, j, t)] = u
    if rows:
        _, variables, weights, need_fte, labels = zip(*rows, strict=True)
        terms.append(add_convex_cost(prob, "unmet", list(variables), labels,
                                     np.array(need_fte), np.array(need_fte), np.array(weights),
                                     band=policy.fair_band_need,
                                     steepness=policy.fair_steepness_need, whole=False))
    total = float(need_row[need_row > 0].sum())
    frac = total - np.floor(total)
    if rows and frac > 1e-9:
        teachers = pulp.lpSum(staff_cache.values())
        prob += (pulp.lpSum(u for _, u, _, _, _ in rows) >= frac * (np.ceil(total) - teachers)
                 ), name("hire_school_need_round", school=i, year=t)
    return terms


def read_hires(h: HiringHandles, data: ModelInputs, hz: HorizonInputs, policy: Policy
               ) -> pd.DataFrame:
    """Solved hires: one row per (school, subject, year) with at least one hire."""
    rows = [(s, k, t, int(round(v.varValue or 0))) for (s, k, t), v in h.hires.items()]
    table = pd.DataFrame(rows, columns=["school_id", "subject", "t", "count"])
    table = table[table["count"] > 0]
    schools = data.schools
    rural = table["school_id"].map(schools["location"]).eq("rural").to_numpy()
    out = pd.DataFrame({
        "school_id": table["school_id"].to_numpy(),
        "name": table["school_id"].map(schools["name"]).to_numpy(),
        "location": table["school_id"].map(schools["location"]).to_numpy(),
        "subject": table["subject"].to_numpy(),
        "year": (policy.plan_year + table["t"]).to_numpy(dtype=np.int64),
        "approval_year": (policy.plan_year + table["t"] - 1).to_numpy(dtype=np.int64),
        "count": table["count"].to_numpy(dtype=np.int64),
        "urgent": table["subject"].isin(policy.urgent_subjects).to_numpy(),
    })
    out["teaching_from"] = out["year"] + np.where(rural, policy.shadow_training_years, 0)
    return out.sort_values(["year", "school_id", "subject"], kind="stable").reset_index(
        drop=True)[HIRE_COLUMNS]


def staff_by_year(hz: HorizonInputs, moves_delta: pd.DataFrame, hires: pd.DataFrame,
                  plan_year: int) -> dict[int, pd.DataFrame]:
    """Teaching staff by school × subject in each later year, after moves and hires."""
    out = {}
    for t in hz.years:
        staff = hz.teaching[t].astype(float) + moves_delta.reindex_like(hz.teaching[t]).fillna(0)
        teach = hires[hires["teaching_from"] <= plan_year + t]
        if len(teach):
            add = teach.pivot_table(index="school_id", columns="subject", values="count",
                                    aggfunc="sum")
            staff = staff + add.reindex_like(staff).fillna(0)
        out[t] = staff
    return out


def cover_by_year(hz: HorizonInputs, staff: dict[int, pd.DataFrame], policy: Policy
                  ) -> pd.DataFrame:
    """Need, covered and unmet FTE per school, subject and calendar year (need > 0)."""
    frames = []
    for t in hz.years:
        need = hz.needs[t]
        net = hz.net_needs(t)  # heads teach their periods first; whole teachers the rest
        covered = coverage(net, staff[t], policy) + (need - net)
        table = pd.DataFrame({"need": need.stack(), "covered": covered.stack()})
        table = table[table["need"] > 0]
        table["year"] = hz.calendar[t]
        frames.append(table)
    out = pd.concat(frames)
    out.index.names = ["school_id", "subject"]
    out = out.reset_index()
    out["unmet"] = (out["need"] - out["covered"]).clip(lower=0)
    out[["need", "covered", "unmet"]] = out[["need", "covered", "unmet"]].round(3)
    return out[["school_id", "subject", "year", "need", "covered", "unmet"]]
