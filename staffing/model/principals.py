"""Heads teach and exchange: 校长授课 and 校长交流 (Chuxiong measures 2 and 8).

A teacher whose ``role`` is a head (principal 校长, vice principal 副校长, party
secretary 党组织书记) teaches only the Policy's minimum periods a week for that role, so
in subject cover she counts as ``periods ÷ teaching_load`` FTE of her subject (of
the first need a general 全科 head covers), not as a full teacher; she is never one of
the rotation block's teachers.

Heads of ``policy.principal_exchange_roles`` with ``principal_exchange_years`` or more
at their school are *due* (2014 national opinion: heads who served two terms at one
school should in principle exchange). Variables and constraints (stable names):

* ``principal_move_{group}_{school}`` binary: due head number ``group`` takes the post
  of her role at school ``school``. Candidate targets are within ``max_travel_km`` and
  have a post of her role open (no holder) or held by another due head (a swap); from
  a 城镇 (urban, town) or quality school only rural and weak schools (measure 8:
  principals flow to rural and weak schools); of those, the nearest
  ``principal_exchange_max_targets``.
* ``principal_out_{group}``: a head moves at most once.
* ``{role}_slot_{school}``: holders now − moving out + moving in ≤ the school's posts
  of that role (one principal, one party secretary — a school without one has a
  vacancy —; vice principals: the number there now). So no head moves without a
  vacancy for her role at the target.
* ``principal_exchange``: Σ moves + short ≥ ``principal_exchange_share_min`` × due
  heads; the shortfall costs ``weight_principal_exchange_shortfall`` each, moves
  ``weight_move`` + ``weight_move_km`` × km, like the rotation duty's soft target.

A head's cover follows her: at school s in subject j it is Σ fte × (1 − moved out)
over heads staying + Σ fte × moved in, given to :func:`staffing.model.cover.add_subject_cover`
as cover received (like itinerant visits), so the whole-teacher cuts stay valid. A
head on exchange keeps her post (编制) at home, like a term move of
:mod:`staffing.model.posts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from staffing.data.county import County
from staffing.geo import road_edges
from staffing.model.edges import rotation_duty
from staffing.model.names import name
from staffing.model.solve import values
from staffing.model.terms import linear
from staffing.needs import _load
from staffing.norms import small_school_mask
from staffing.policy import Policy
from staffing.vocab import ROLES

__all__ = ["HEAD_ROLES", "roles_of", "head_cover", "PrincipalInputs", "PrincipalHandles",
           "prepare_principals", "add_principals", "read_principals", "head_cover_after"]

#: Roles that are heads (everyone else is an ordinary teacher).
HEAD_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != "teacher")

#: Roles with one post per school: a school without a holder has a vacancy.
_ONE_PER_SCHOOL = ("principal", "party_secretary")


def roles_of(teachers: pd.DataFrame) -> pd.Series:
    """Each teacher's role; ``teacher`` where the column is absent or the cell blank."""
    if "role" not in teachers:
        return pd.Series("teacher", index=teachers.index, name="role")
    role = teachers["role"].astype(object).where(teachers["role"].notna(), "teacher")
    return role.replace({"": "teacher", "nan": "teacher", "None": "teacher"}).rename("role")


def _periods(policy: Policy, role: str) -> float:
    """Weekly periods a head of ``role`` teaches (Chuxiong measure 2; Policy fields)."""
    return float({"principal": policy.principal_teaching_periods,
                  "vice_principal": policy.vice_principal_teaching_periods,
                  "party_secretary": policy.party_secretary_teaching_periods}[role])


def head_cover(county: County, policy: Policy, heads: pd.DataFrame) -> pd.DataFrame:
    """Each head's teaching as FTE of one need: ``school_id``, ``need`` (subject), ``fte``.

    ``fte`` = the role's periods (``policy.<role>_teaching_periods``) ÷ a full teacher's
    weekly load in that subject at the school's part (``policy.teaching_load``: the
    small-school table at village schools and teaching points staffed by class, as for
    needs; else junior at junior schools, primary elsewhere), at most 1. A general (全科) head covers the
    first need of ``policy.subject_cover['general']``.

    Examples
    --------
    >>> import staffing as st
    >>> c = st.synth.county(seed=1, n_schools=3)
    >>> t = c.teachers.iloc[:1].assign(role="principal", subject="maths")
    >>> level = c.schools.at[t["school_id"].iloc[0], "level"]
    >>> load = st.Policy().teaching_load["junior" if level == "junior" else "primary"]["maths"]
    >>> float(head_cover(c, st.Policy(), t)["fte"].iloc[0]) == round(2 / load, 9)
    True
    """
    general = tuple(policy.subject_cover.get("general", ())) or ("general",)
    need = heads["subject"].where(heads["subject"].ne("general"), general[0])
    level = heads["school_id"].map(county.schools["level"])
    small = heads["school_id"].map(small_school_mask(county.schools, policy)).fillna(False)
    loads = policy.teaching_load
    load = np.array([_load(j, *((loads.get("small_school", {}),) if sm else ()),
                           *((loads["junior"], loads["primary"]) if lv == "junior"
                             else (loads["primary"], loads["junior"])))
                     for j, lv, sm in zip(need, level, small, strict=True)], dtype=float)
    periods = np.array([_periods(policy, r) for r in heads["role"]], dtype=float)
    fte = np.minimum(np.where(np.isfinite(load) & (load > 0), periods / load, 0.0), 1.0)
    return pd.DataFrame({"school_id": heads["school_id"], "need": need,
                         "fte": np.round(fte, 9)}, index=heads.index)


@dataclass(frozen=True)
class PrincipalInputs:
    """Heads in post (``heads``: school_id, role, subject, need, fte, years_at_school,
    due), the candidate exchanges (``arcs``: head, school_id, target, role, km) and the
    posts per school and role (``slots``: school_id, role, holders, posts)."""

    heads: pd.DataFrame
    arcs: pd.DataFrame
    slots: pd.DataFrame


def prepare_principals(county: County, policy: Policy, in_post: pd.DataFrame,
                       pinned: pd.Series | None = None) -> PrincipalInputs:
    """Heads among ``in_post`` (teachers teaching here this year), who is due, and where
    each due head may go (see the module docstring)."""
    role = roles_of(in_post)
    heads = in_post.loc[role.ne("teacher").to_numpy(), ["school_id", "subject",
                                                        "years_at_school"]].assign(
        role=role[role.ne("teacher")])
    heads["backbone"] = in_post.loc[heads.index, "backbone"].ne("none").to_numpy() \
        if "backbone" in in_post else False
    heads = heads.join(head_cover(county, policy, heads)[["need", "fte"]])
    held = pinned.reindex(heads.index).fillna(False).astype(bool) if pinned is not None \
        else pd.Series(False, index=heads.index)
    heads["due"] = (policy.principal_exchange_enabled
                    & heads["role"].isin(policy.principal_exchange_roles)
                    & (heads["years_at_school"] >= policy.principal_exchange_years)
                    & ~held)
    heads = heads.sort_index()

    s = county.schools
    grid = pd.MultiIndex.from_product([s.index, list(policy.principal_exchange_roles)],
                                      names=["school_id", "role"])
    holders = heads.groupby(["school_id", "role"]).size().reindex(grid, fill_value=0)
    posts = np.where(grid.get_level_values("role").isin(_ONE_PER_SCHOOL),
                     np.maximum(holders.to_numpy(), 1), holders.to_numpy())
    slots = pd.DataFrame({"holders": holders.to_numpy(), "posts": posts}, index=grid)
    due = heads[heads["due"]]
    arcs = pd.DataFrame(columns=["head", "school_id", "target", "role", "km"])
    if len(due):
        edges = road_edges(county, policy, between=(list(due["school_id"].unique()),
                                                    list(s.index)))
        arcs = due.reset_index(names="head")[["head", "school_id", "role"]].merge(
            edges.rename(columns={"from": "school_id", "to": "target"})[
                ["school_id", "target", "km"]], on="school_id")
        due_at = due.groupby(["school_id", "role"]).size()
        key = pd.MultiIndex.from_arrays([arcs["target"], arcs["role"]])
        vacant = (slots["holders"] < slots["posts"]).reindex(key, fill_value=False)
        swap = pd.Series(key.isin(due_at.index), index=key)
        rural_or_weak = s["location"].eq("rural") | s["is_weak"].astype(bool)
        from_duty = arcs["school_id"].map(rotation_duty(s)).to_numpy(dtype=bool)
        toward = arcs["target"].map(rural_or_weak).to_numpy(dtype=bool)
        keep = ((vacant.to_numpy() | swap.to_numpy()) & (~from_duty | toward)
                & arcs["target"].ne(arcs["school_id"]).to_numpy())
        arcs = arcs.loc[keep].sort_values(["head", "km", "target"], kind="stable")
        arcs = arcs.groupby("head", sort=False).head(policy.principal_exchange_max_targets)
        arcs = arcs.sort_values(["head", "target"]).reset_index(drop=True)
    return PrincipalInputs(heads=heads, arcs=arcs, slots=slots)


@dataclass
class PrincipalHandles:
    """The exchange variables, the heads' cover by (school, need) and the objective."""

    inputs: PrincipalInputs
    moves: list[pulp.LpVariable]
    short: pulp.LpVariable | None
    cover: dict[tuple[str, str], list[pulp.LpAffineExpression]]
    objective: pulp.LpAffineExpression
    due: int = 0
    target: float = 0.0
    positions: dict[str, int] = field(default_factory=dict)


def add_principals(prob: pulp.LpProblem, p: PrincipalInputs, schools: pd.DataFrame,
                   policy: Policy) -> PrincipalHandles:
    """Add the heads' exchange to ``prob`` and return their cover expressions.

    Parameters
    ----------
    prob : the county's PuLP problem.
    p : :func:`prepare_principals` of the county.
    schools : the model's school table (its order numbers the schools in names).
    policy : ``principal_exchange_share_min``, ``weight_principal_exchange_shortfall``,
        ``weight_move``, ``weight_move_km``.
    """
    pos = {sid: i for i, sid in enumerate(schools.index)}
    number = {h: i for i, h in enumerate(p.heads.index)}
    arcs = p.arcs
    moves = [prob.add_variable(name("principal_move", group=number[h], school=pos[t]),
                               lowBound=0, upBound=1, cat=pulp.LpInteger)
             for h, t in zip(arcs["head"], arcs["target"], strict=True)]
    arcs = arcs.assign(var=moves)
    for h, block in arcs.groupby("head", sort=True)["var"].agg(list).items():
        prob += linear(block) <= 1, name("principal_out", group=number[h])
    out = arcs.groupby(["school_id", "role"])["var"].agg(list).to_dict()
    came = arcs.groupby(["target", "role"])["var"].agg(list).to_dict()
    for (t, role), ins in sorted(came.items()):
        row = p.slots.loc[(t, role)]
        prob += (int(row["holders"]) - pulp.lpSum(out.get((t, role), [])) + pulp.lpSum(ins)
                 <= int(row["posts"])), name(f"{role}_slot", school=pos[t])

    cover: dict[tuple[str, str], list[pulp.LpAffineExpression]] = {}
    leaves = arcs.groupby("head")["var"].agg(list).to_dict()
    for h, s, j, fte in zip(p.heads.index, p.heads["school_id"], p.heads["need"],
                            p.heads["fte"], strict=True):
        if fte <= 0:
            continue
        cover.setdefault((s, j), []).append(
            float(fte) * (1 - pulp.lpSum(leaves.get(h, []))))
    fte = arcs["head"].map(p.heads["fte"]).to_numpy(dtype=float)
    need = arcs["head"].map(p.heads["need"])
    for t, j, f, v in zip(arcs["target"], need, fte, moves, strict=True):
        if f > 0:
            cover.setdefault((t, j), []).append(float(f) * v)

    due = int(p.heads["due"].sum())
    target = policy.principal_exchange_share_min * due
    short = None
    objective = linear(moves, (policy.weight_move + policy.weight_move_km
                               * arcs["km"].astype(float)).tolist())
    if target > 0:
        short = prob.add_variable(name("principal_exchange_short"), lowBound=0)
        prob += pulp.lpSum(moves) + short >= target, name("principal_exchange")
        objective = objective + policy.weight_principal_exchange_shortfall * short
    return PrincipalHandles(inputs=p, moves=moves, short=short, cover=cover,
                            objective=objective, due=due, target=target, positions=number)


def _moved(h: PrincipalHandles) -> pd.DataFrame:
    arcs = h.inputs.arcs
    taken = np.rint(values(h.moves)).astype(np.int64) if h.moves else np.zeros(0, np.int64)
    return arcs.loc[taken > 0] if len(arcs) else arcs


def head_cover_after(heads: pd.DataFrame, moved: pd.DataFrame | None,
                     index: pd.Index, columns: list[str]) -> pd.DataFrame:
    """Heads' cover (FTE) by school × need, before (``moved`` None) or after exchange."""
    school = heads["school_id"]
    if moved is not None and len(moved):
        school = school.copy()
        school.loc[moved["head"].to_numpy()] = moved["target"].to_numpy()
    table = pd.DataFrame({"school_id": school, "need": heads["need"], "fte": heads["fte"]})
    out = table.pivot_table(index="school_id", columns="need", values="fte", aggfunc="sum")
    return out.reindex(index=index, columns=columns, fill_value=0.0).fillna(0.0)


def read_principals(h: PrincipalHandles, schools: pd.DataFrame) -> pd.DataFrame:
    """The heads moved, as rows of ``plan.moves`` (kind ``principal_exchange``)."""
    moved = _moved(h)
    heads = h.inputs.heads
    if not len(moved):
        return pd.DataFrame(columns=["teacher_id", "from_school", "to_school", "subject",
                                     "backbone", "kind", "distance_km", "fte", "reason",
                                     "reason_zh"])
    slots = h.inputs.slots
    key = pd.MultiIndex.from_arrays([moved["target"], moved["role"]])
    vacant = (slots["holders"] < slots["posts"]).reindex(key, fill_value=False).to_numpy()
    years = moved["head"].map(heads["years_at_school"]).astype(int).astype(str)
    role = moved["role"]
    role_zh = role.map(ROLES)
    target = moved["target"].map(schools["name"]).fillna(moved["target"])
    home = moved["school_id"].map(schools["name"]).fillna(moved["school_id"])
    label = role.str.replace("_", " ")
    reason = np.where(vacant,
                      label + " exchange: " + years + " years at " + home + "; fills the vacant "
                      + label + " post at " + target,
                      label + " exchange: " + years + " years at " + home + "; takes the "
                      + label + " post at " + target + ", whose " + label + " is due too")
    reason_zh = np.where(vacant,
                         role_zh + "交流:在" + home + "任职" + years + "年,到" + target + "任"
                         + role_zh + "(空缺)",
                         role_zh + "交流:在" + home + "任职" + years + "年,与" + target
                         + "到期" + role_zh + "互换")
    out = pd.DataFrame({
        "teacher_id": moved["head"].astype(str).to_numpy(),
        "from_school": moved["school_id"].to_numpy(),
        "to_school": moved["target"].to_numpy(),
        "subject": moved["head"].map(heads["subject"]).to_numpy(),
        "backbone": moved["head"].map(heads["backbone"]).astype(bool).to_numpy(),
        "kind": "principal_exchange",
        "distance_km": moved["km"].astype(float).round(1).to_numpy(),
        "fte": moved["head"].map(heads["fte"]).astype(float).round(3).to_numpy(),
        "reason": reason,
        "reason_zh": reason_zh,
    })
    return out.sort_values(["from_school", "to_school", "teacher_id"], kind="stable"
                           ).reset_index(drop=True)
