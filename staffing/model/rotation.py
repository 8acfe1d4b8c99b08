"""The rotation block: 县管校聘 exchange and rotation of teachers between schools.

Teachers of one (school, subject, backbone) group who are eligible to rotate are
interchangeable for the model, so it decides integer flows per group and allowed
edge, not per teacher; :func:`name_moves` then names the teachers by a fixed rule.

Variables and constraints (stable names, used by ``explain()``):

* ``move_{g}_{t}`` integer ≥ 0: eligible teachers of group ``g`` moved to school
  ``t`` along an allowed edge; ``rotation_group_{g}``: Σ_t move ≤ group size.
* ``use_{s}_{k}_{j}`` ≥ 0: teachers of subject ``k`` at ``s`` (after moves) teaching
  need ``j`` (``j = k`` or a need ``policy.subject_cover[k]`` allows);
  ``rotation_staff_{s}_{k}``: Σ_j use ≤ staff of subject ``k`` after moves.
* ``unmet_{s}_{j}`` ≥ 0; ``rotation_need_{s}_{j}``: need − unmet ≤ Σ_k use.
* ``rotation_need_chord_{s}_{j}_{m}``: for a need only its own subject covers, at a
  school where moves can change that staff, the need's price ≥ the chord of its convex
  price between ``m`` and ``m + 1`` whole teachers (valid cuts, issue 19 part 3;
  :func:`staffing.model.cover.add_whole_teacher_cost_cuts`).
* ``rotation_capacity_{s}``: staff staying − moved out + moved in ≤ the quota block's
  new quota (one model: quotas and moves are decided together), counting only moves
  whose post moves with the teacher (``Policy.post_moves_with``; by default none: a
  term move keeps the post at home, :mod:`staffing.model.posts`).
* ``move_cap_in_{s}``, ``move_cap_out_{s}``: moves into (out of) a school ≤ the
  planner's cap (schools columns ``max_moves_in``, ``max_moves_out``), where one is set.
  A teacher with move rules (``County.move_rules``) is a group of her own whose flows
  reach only the targets her rules permit: a rule removes variables, adds no row.
* ``rotation_volume_{s}`` at 城镇 (urban and town) and quality schools: moved out + short ≥
  ``rotation_share_min`` × eligible teachers.
* ``rotation_backbone_share``: backbone moved out of those schools + short ≥
  ``rotation_backbone_share_min`` × all moved out of them.
* ``rotation_backbone_target_{s}`` at rural schools: backbone after + deficit ≥
  ``backbone_per_100_pupils_target`` × pupils / 100.

Objective (lexicographic through the weights' magnitudes): unmet need (urgent
subjects × ``weight_unmet_urgent``, rural × ``weight_rural``) ≫ rural backbone
deficit ≫ rotation shortfalls ≫ number of moves and their km.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pulp

from staffing.balance import education_key
from staffing.errors import Problem, StaffingDataError
from staffing.model.cover import (
    add_subject_cover,
    add_whole_teacher_cost_cuts,
    cover_pairs,
    covers_of,
)
from staffing.model.edges import rotation_duty
from staffing.model.fair import add_convex_cost
from staffing.model.names import name
from staffing.model.no_harm import education_schools
from staffing.model.post_caps import add_post_level_caps
from staffing.model.posts import move_kinds, post_moves
from staffing.model.principals import (
    PrincipalInputs,
    head_cover_after,
    prepare_principals,
    roles_of,
)
from staffing.model.solve import values
from staffing.model.terms import combine, linear
from staffing.needs import coverage, needs_gap, subject_needs
from staffing.policy import Policy
from staffing.post_levels import post_key
from staffing.staff import move_permitted, restricted, staff_after_moves
from staffing.training import new_rural_teachers
from staffing.vocab import SUBJECTS

if TYPE_CHECKING:  # model.inputs imports this module
    from staffing.model.inputs import ModelInputs
    from staffing.model.itinerant import ItinerantHandles
    from staffing.model.principals import PrincipalHandles
    from staffing.model.quota import QuotaHandles
    from staffing.model.remote import RemoteHandles

#: Add the chord cuts on the convex price of needs (:func:`_add_chord_cuts`).
CHORD_CUTS: bool = True

#: What makes eligible teachers interchangeable for the model: one group per value.
GROUP_KEY: list[str] = ["school_id", "subject", "backbone", "rule_key", "post_key", "edu_key"]

__all__ = ["GROUP_KEY", "RotationInputs", "RotationHandles", "prepare_rotation", "add_rotation", "cover_pairs",
           "flow_counts",
           "read_rotation"]


@dataclass(frozen=True)
class RotationInputs:
    """Everything the rotation block reads, prepared once, vectorised.

    ``groups``: one row per (school, subject, backbone) group of eligible teachers,
    with its size. ``flows``: one row per (group, target) pair the model may use,
    with ``km`` and ``kind``. ``staff``: teachers in post by school × subject (not
    leaving); ``backbone_staff``: backbone teachers in post per school; ``needs``:
    FTE need by school × subject; ``sources``: schools with a rotation duty and their
    eligible counts.
    """

    groups: pd.DataFrame
    flows: pd.DataFrame
    staff: pd.DataFrame
    backbone_staff: pd.Series
    needs: pd.DataFrame
    duty: pd.DataFrame
    #: Teachers with move rules among ``staff`` (school × subject): they give no
    #: itinerant cover (走教), whose targets the model does not choose per teacher.
    restricted_staff: pd.DataFrame | None = None
    #: Heads (principals, vice principals, party secretaries; teachers column role):
    #: never in ``staff`` or the groups; they cover their minimum load and exchange
    #: in their own block (:mod:`staffing.model.principals`).
    principals: PrincipalInputs | None = None
    #: Each movable teacher's group: ``teacher_id`` (index) → ``school_id``, ``group``.
    members: pd.DataFrame | None = None


def _members(movable: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Each movable teacher's group number (``groups``' index), by ``GROUP_KEY``."""
    numbered = groups.reset_index()[["group", *GROUP_KEY]]
    out = movable.reset_index()[["teacher_id", *GROUP_KEY]].merge(numbered, on=GROUP_KEY)
    return out.set_index("teacher_id")[["school_id", "group"]]


def flow_counts(moves: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """Moves per (group, target): ``moves`` rows (teacher_id, from_school, to_school)
    whose teacher is a movable member of a group at ``from_school``; other rows (a
    teacher who left, changed school or may no longer move) count nowhere."""
    known = moves[["teacher_id", "from_school", "to_school"]].astype(str).merge(
        members.reset_index(), left_on=["teacher_id", "from_school"],
        right_on=["teacher_id", "school_id"])
    counts = known.groupby(["group", "to_school"]).size()
    counts.index.names = ["group", "target"]
    return counts


class StaffAfter:
    """``staff_after(school_id, subject)``: teaching staff of that subject once the moves
    are made, as an expression — staff now, less the moves out, plus the moves in —
    built once per pair (callers only use it inside arithmetic, which copies).

    A class rather than a closure, so that a solved model (and the Plan holding it)
    pickles.
    """

    def __init__(self, staff_now: dict[str, dict[str, int]],
                 out_by: dict[tuple[str, str], list[pulp.LpVariable]],
                 in_by: dict[tuple[str, str], list[pulp.LpVariable]]) -> None:
        self.staff_now, self.out_by, self.in_by = staff_now, out_by, in_by
        self._cache: dict[tuple[str, str], pulp.LpAffineExpression] = {}

    def __call__(self, s: str, k: str) -> pulp.LpAffineExpression:
        if (s, k) not in self._cache:
            self._cache[(s, k)] = combine([(-1, self.out_by.get((s, k), [])),
                                           (1, self.in_by.get((s, k), []))],
                                          constant=int(self.staff_now[s][k]))
        return self._cache[(s, k)]


@dataclass
class RotationHandles:
    """The rotation block's variables, constraint names and objective terms."""

    inputs: RotationInputs
    moves: list[pulp.LpVariable]
    unmet: dict[tuple[str, str], pulp.LpVariable]
    volume_short: dict[str, pulp.LpVariable]
    backbone_share_short: pulp.LpVariable | None
    backbone_deficit: dict[str, pulp.LpVariable]
    objective: pulp.LpAffineExpression
    #: ``staff_after(school_id, subject)``: teaching staff of that subject once the
    #: moves are made, as an expression (later years of a multi-year plan build on it).
    staff_after: Callable[[str, str], pulp.LpAffineExpression] | None = None
    #: ``post_shift[school_id]``: posts arriving with teachers less posts leaving with
    #: them (moves whose post moves, ``Policy.post_moves_with``); absent: none move.
    post_shift: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)


def prepare_rotation(
    schools: pd.DataFrame, teachers: pd.DataFrame, eligible: pd.DataFrame,
    edges: pd.DataFrame, county, policy: Policy, previous: pd.DataFrame | None = None,
) -> RotationInputs:
    """Groups, candidate flows, staff and needs for the rotation block.

    ``schools`` is the model's school table (indexed by school_id, with location,
    is_quality, is_weak, is_central); ``edges`` the allowed moves (from_school,
    to_school, km, kind).

    A flow from group (s, k, b) to school t is a candidate when t lacks at least
    ``rotation_min_gap_fte`` teachers of subject k before the plan, or — for backbone
    teachers — when t is a rural or weak school at least that far below the backbone
    target and needs subject k at all, or when the edge is an exchange into a quality
    school that needs subject k. Other moves could only add travel (or fill a sliver
    of a post that itinerant teaching serves better), so they are left out.
    """
    index = schools.index
    # Teaching here this year: in post, and not away shadow-training (跟岗培训: new rural
    # teachers spend their first year at a host school; they still hold their post).
    training = new_rural_teachers(county, policy).index
    in_post = teachers[teachers["status"].eq("in_post") & ~teachers.index.isin(training)]
    # Heads teach their minimum load only (Chuxiong measure 2) and exchange in their own
    # block (measure 8): they are neither whole teachers here nor rotation groups.
    pinned = eligible["reason"].reindex(in_post.index).eq("pinned")
    principals = prepare_principals(county, policy, in_post, pinned)
    in_post = in_post[roles_of(in_post).eq("teacher").to_numpy()]
    staff = pd.crosstab(in_post["school_id"], in_post["subject"]).reindex(
        index=index, columns=list(SUBJECTS), fill_value=0)
    backbone = eligible["backbone"].reindex(in_post.index)
    backbone_staff = in_post.loc[backbone.to_numpy()].groupby("school_id").size().reindex(
        index, fill_value=0)
    needs = subject_needs(county, policy)

    movable = in_post.loc[eligible["eligible"].reindex(in_post.index).to_numpy()]
    # A teacher with move rules (County.move_rules) is a group of her own, whose flows
    # go only to the targets her rules permit; everyone else is grouped as before.
    rules = getattr(county, "move_rules", None)
    own = movable.index.isin(restricted(rules))
    movable = movable.assign(rule_key=np.where(own, movable.index.astype(str), ""))
    # With post-level caps enforced (staffing.post_levels), senior and intermediate
    # teachers form groups of their level, so that a flow knows the level it carries.
    movable = movable.assign(post_key=post_key(movable["title"], policy))
    # With the 优质均衡 do-no-harm rows on (staffing.model.no_harm), teachers of a school
    # that keeps a qualification line form groups of their qualification key too, so
    # that a flow out of it knows whom the qualification indicator counts.
    keyed = education_schools(county, teachers, policy)
    movable = movable.assign(edu_key=np.where(movable["school_id"].isin(keyed),
                                              education_key(movable, policy), ""))
    movable = movable.assign(backbone=eligible["backbone"].reindex(movable.index).to_numpy())
    groups = movable.groupby(GROUP_KEY, sort=True).size().rename("size").reset_index()
    groups.index.name = "group"
    members = _members(movable, groups)

    # Candidate flows: group × allowed edge from its school, then filter by relevance.
    flows = groups.reset_index().merge(edges, left_on="school_id", right_on="from_school")
    flows = flows.rename(columns={"to_school": "target"})
    keyed = flows["rule_key"].ne("")
    barred = keyed.to_numpy() & ~move_permitted(rules, flows["rule_key"], flows["target"])
    flows = flows.loc[~barred].reset_index(drop=True)
    heads_now = head_cover_after(principals.heads, None, index, list(SUBJECTS))
    cover_need = needs_gap(needs, staff + heads_now, policy)
    gap = cover_need.stack().rename("gap")
    gap.index.names = ["target", "subject"]
    flows = flows.join(gap, on=["target", "subject"])
    need = needs.stack().rename("need_at_target")
    need.index.names = ["target", "subject"]
    flows = flows.join(need, on=["target", "subject"])
    flows[["gap", "need_at_target"]] = flows[["gap", "need_at_target"]].fillna(0.0)
    rural_target = schools["location"].eq("rural") | schools["is_weak"].astype(bool)
    pupils = (county.schools["pupils_primary"] + county.schools["pupils_junior"]).reindex(index)
    bb_short = (policy.backbone_per_100_pupils_target * pupils / 100.0 - backbone_staff
                ) >= policy.rotation_min_gap_fte
    flows["target_rural"] = flows["target"].map(rural_target).to_numpy(dtype=bool)
    flows["target_bb_short"] = flows["target"].map(bb_short & rural_target).to_numpy(dtype=bool)
    relevant = (
        (flows["gap"] >= max(policy.rotation_min_gap_fte, 1e-9))
        | (flows["backbone"] & flows["target_bb_short"] & (flows["need_at_target"] > 0))
        | (flows["kind"].eq("exchange") & (flows["need_at_target"] > 0))
    )
    flows["announced"] = 0
    if previous is not None and len(previous):
        # Moves announced in a previous plan stay candidates whatever the gaps now,
        # with a lower bound of how many were announced on that (group, target).
        counts = flow_counts(previous, members)
        flows["announced"] = flows.join(counts.rename("n"), on=["group", "target"]
                                        )["n"].fillna(0).astype(int).to_numpy()
        relevant |= flows["announced"] > 0
    flows = flows.loc[relevant, ["group", *GROUP_KEY, "target", "km", "kind", "announced"]
                      ].sort_values(["group", "target"]
                                                                   ).reset_index(drop=True)

    duty_mask = rotation_duty(schools)
    eligible_per_school = movable.groupby("school_id").size().reindex(index, fill_value=0)
    duty = pd.DataFrame({"eligible": eligible_per_school[duty_mask]})
    keyed = in_post[in_post.index.isin(restricted(rules))]
    restricted_staff = pd.crosstab(keyed["school_id"], keyed["subject"]).reindex(
        index=index, columns=list(SUBJECTS), fill_value=0)
    return RotationInputs(groups=groups, flows=flows, staff=staff,
                          backbone_staff=backbone_staff, needs=needs, duty=duty,
                          restricted_staff=restricted_staff, members=members,
                          principals=principals if len(principals.heads) else None)


def add_rotation(prob: pulp.LpProblem, data: ModelInputs, policy: Policy, quota: QuotaHandles,
                 itinerant: ItinerantHandles | None = None,
                 heads: PrincipalHandles | None = None, *,
                 remote: RemoteHandles | None = None) -> RotationHandles:
    """Add the rotation block to ``prob``; ``quota`` are the quota block's handles.

    Parameters
    ----------
    prob : the county's PuLP problem.
    data : :class:`~staffing.model.inputs.ModelInputs` with ``rotation`` prepared.
    policy : weights and rotation rules.
    quota : :class:`~staffing.model.quota.QuotaHandles` (its ``quota`` variables bound
        the staff after moves).
    itinerant : :class:`~staffing.model.itinerant.ItinerantHandles`, optional: its
        cover counts at the member school and uses the source's teachers.
    heads : :class:`~staffing.model.principals.PrincipalHandles`, optional: the heads'
        minimum load counts as cover received where they teach after the exchange.
    remote : :class:`~staffing.model.remote.RemoteHandles`, optional: remote lessons
        (专递课堂), linked in like itinerant cover (quality × FTE counts at the site).
    """
    r: RotationInputs = data.rotation
    schools = data.schools
    pos = {sid: i for i, sid in enumerate(schools.index)}
    flows = r.flows
    moves = [prob.add_variable(name("move", group=g, school=pos[t]), lowBound=int(kept),
                               cat=pulp.LpInteger)
             for g, t, kept in zip(flows["group"], flows["target"], flows["announced"],
                                   strict=True)]
    flows = flows.assign(var=moves)

    # Each group moves at most its size.
    size = r.groups["size"].to_dict()
    for g, block in flows.groupby("group", sort=True)["var"].agg(list).items():
        prob += linear(block) <= int(size[g]), name("rotation_group", group=g)

    # The planner's caps on moves into and out of a school this year (schools columns
    # max_moves_in / max_moves_out): one row per capped school with flows.
    clashes = []
    for column, side, kind in (("max_moves_in", "target", "move_cap_in"),
                               ("max_moves_out", "school_id", "move_cap_out")):
        cap = schools[column] if column in schools else pd.Series(dtype=float)
        capped = cap[cap.notna()]
        if not len(capped):
            continue
        within = flows[flows[side].isin(capped.index)]
        kept = within.groupby(side)["announced"].sum()
        clashes += [Problem(data.county.source, "schools", None, column, int(capped[s]),
                            f"school {s}: {int(n)} moves announced in the previous plan "
                            f"exceed its cap {column} = {int(capped[s])}; raise the cap or "
                            "replan without those moves / 上一方案已公布的调动超过调动人数上限")
                    for s, n in kept.items() if n > capped[s]]
        for s, block in within.groupby(side)["var"].agg(list).items():
            prob += pulp.lpSum(block) <= int(capped[s]), name(kind, school=pos[s])
    if clashes:
        raise StaffingDataError(clashes)

    # Post-level caps (岗位结构比例): a move carrying its post takes its level along.
    add_post_level_caps(prob, flows, r.groups["size"], schools, data.county, policy)

    # Plain dicts: pandas lookups by a (school, subject) key cost ~20 µs each.
    out_by = flows.groupby(["school_id", "subject"])["var"].agg(list).to_dict()
    in_by = flows.groupby(["target", "subject"])["var"].agg(list).to_dict()
    out_school = flows.groupby("school_id")["var"].agg(list).to_dict()
    in_school = flows.groupby("target")["var"].agg(list).to_dict()
    staff_now = r.staff.to_dict("index")
    staff_after = StaffAfter(staff_now, out_by, in_by)

    itin_in = itinerant.into() if itinerant is not None else {}
    if heads is not None:  # heads' periods: cover received, like itinerant visits
        itin_in = {**itin_in}
        for key, exprs in heads.cover.items():
            itin_in[key] = [*itin_in.get(key, []), *exprs]
    itin_out = itinerant.out_of() if itinerant is not None else {}
    if itinerant is not None:
        caps = itinerant.arcs.groupby(["source", "subject"])["cap_fte"].first()
        # Teachers with move rules stay out of itinerant cover: count those staying.
        held = r.restricted_staff
        keyed_out = flows[flows["rule_key"].ne("")].groupby(["school_id", "subject"])[
            "var"].agg(list).to_dict()
        for (src, k), zs in itin_out.items():
            givers = staff_after(src, k)
            if held is not None and held.at[src, k]:
                givers = givers - int(held.at[src, k]) + pulp.lpSum(keyed_out.get((src, k), []))
            prob += (pulp.lpSum(zs) <= float(caps[(src, k)]) * givers
                     ), name("itinerant_cap", school=pos[src], subject=k)

    if remote is not None:  # remote lessons: cover at the site, teaching time at the lead
        itin_in, itin_out = dict(itin_in), dict(itin_out)
        for (t, j), zs in remote.into().items():
            itin_in[(t, j)] = itin_in.get((t, j), []) + zs
        for (src, k), zs in remote.out_of().items():
            itin_out[(src, k)] = itin_out.get((src, k), []) + zs

    cover = covers_of(policy)
    given_by: dict[str, dict[str, list[pulp.LpVariable]]] = {}
    for (src, k), zs in itin_out.items():
        given_by.setdefault(src, {})[k] = zs
    received_by: dict[str, dict[str, list[pulp.LpVariable]]] = {}
    for (dst, j), zs in itin_in.items():
        received_by.setdefault(dst, {})[j] = zs
    can_arrive = set(in_by)
    unmet: dict[tuple[str, str], pulp.LpVariable] = {}
    unmet_cost = []
    rural = schools["location"].eq("rural").to_numpy()
    tie = schools["tie_break"].to_numpy()
    needs_by_school = r.needs.to_dict("index")
    for i, s in enumerate(schools.index):
        need_row = needs_by_school[s]
        present = {k for k in SUBJECTS if staff_now[s][k] > 0 or (s, k) in can_arrive}
        rows = add_subject_cover(prob, i, need_row, present,
                                 lambda k, s=s: staff_after(s, k), policy, block="rotation",
                                 rural=bool(rural[i]), tie=tie[i], given=given_by.get(s),
                                 received=received_by.get(s))
        for j, u, weight, n, label in rows:
            unmet[(s, j)] = u
            unmet_cost.append((weight, u, n, label, i, s, j))
        _add_shared_cover_cut(prob, i, s, need_row, present, cover, unmet, staff_after,
                              itin_in)

    visiting_by_school: dict[str, list[pulp.LpVariable]] = {}
    for (t, _), zs in itin_in.items():
        visiting_by_school.setdefault(t, []).extend(zs)
    unmet_by_school: dict[str, list[pulp.LpVariable]] = {}
    for (ss, _), u in unmet.items():
        unmet_by_school.setdefault(ss, []).append(u)
    # The same cut for a school as a whole: each teacher covers at most one FTE, so
    # the school's unmet need is at least its total need less its teachers, and with
    # an integer number of teachers, frac × (⌈need⌉ − teachers) as well.
    for i, s in enumerate(schools.index):
        school_unmet = unmet_by_school.get(s, [])
        n = float(r.needs.loc[s].sum())
        frac = n - np.floor(n)
        if not school_unmet or frac <= 1e-9:
            continue
        teachers_after = (int(r.staff.loc[s].sum()) - pulp.lpSum(out_school.get(s, []))
                          + pulp.lpSum(in_school.get(s, [])))
        visiting = visiting_by_school.get(s, [])
        prob += (pulp.lpSum(school_unmet) + pulp.lpSum(visiting)
                 >= frac * (np.ceil(n) - teachers_after)
                 ), name("rotation_school_need_round", school=i)

    # Capacity: staff holding a post after moves within the (joint) new quota. Only a
    # move whose post goes with the teacher (Policy.post_moves_with) changes that count;
    # on a term move the teacher keeps her home post and covers need here without one.
    # With the pool off the quota is the approved one, and a school above it may not grow.
    floor = schools["floor"]
    approved = schools["approved_quota"]
    carries = flows[post_moves(move_kinds(flows["kind"], flows["backbone"], flows["target"],
                                          schools), policy)]
    post_out = carries.groupby("school_id")["var"].agg(list).to_dict()
    post_in = carries.groupby("target")["var"].agg(list).to_dict()
    post_shift: dict[str, pulp.LpAffineExpression] = {}
    for i, s in enumerate(schools.index):
        outs, ins = post_out.get(s, []), post_in.get(s, [])
        if not (outs or ins):
            continue
        post_shift[s] = pulp.lpSum(ins) - pulp.lpSum(outs)
        after = int(floor.at[s]) - pulp.lpSum(outs) + pulp.lpSum(ins)
        if policy.pool_enabled:
            prob += after <= quota.quota[i], name("rotation_capacity", school=i)
        else:
            limit = max(int(approved.at[s]), int(floor.at[s]))
            prob += after <= limit, name("rotation_capacity", school=i)

    # Rotation volume at 城镇 (urban and town) and quality schools, and its backbone share.
    volume_short: dict[str, pulp.LpVariable] = {}
    duty_out = []
    duty_backbone_out = []
    for s, eligible in r.duty["eligible"].items():
        target = policy.rotation_share_min * int(eligible)
        if target <= 0:
            continue
        short = prob.add_variable(name("rotation_volume_short", school=pos[s]), lowBound=0)
        volume_short[s] = short
        outs = out_school.get(s, [])
        prob += pulp.lpSum(outs) + short >= target, name("rotation_volume", school=pos[s])
        duty_out += outs
    duty_set = set(r.duty.index)
    is_bb_duty = flows["school_id"].isin(duty_set) & flows["backbone"]
    duty_backbone_out = flows.loc[is_bb_duty, "var"].tolist()
    backbone_share_short = None
    if duty_out and policy.rotation_backbone_share_min > 0:
        backbone_share_short = prob.add_variable(name("rotation_backbone_share_short"), lowBound=0)
        prob += (pulp.lpSum(duty_backbone_out) + backbone_share_short
                 >= policy.rotation_backbone_share_min * pulp.lpSum(duty_out)
                 ), name("rotation_backbone_share")

    # Backbone teachers per 100 pupils at rural schools.
    backbone_deficit: dict[str, pulp.LpVariable] = {}
    bb_out = flows[flows["backbone"]].groupby("school_id")["var"].agg(list)
    bb_in = flows[flows["backbone"]].groupby("target")["var"].agg(list)
    pupils = (data.county.schools["pupils_primary"] + data.county.schools["pupils_junior"])
    for i, s in enumerate(schools.index):
        if not (rural[i] or bool(schools.at[s, "is_weak"])):
            continue
        target = policy.backbone_per_100_pupils_target * float(pupils.at[s]) / 100.0
        if target <= 0:
            continue
        d = prob.add_variable(name("backbone_deficit", school=i), lowBound=0)
        backbone_deficit[s] = d
        after = (int(r.backbone_staff.at[s]) - pulp.lpSum(bb_out.get(s, []))
                 + pulp.lpSum(bb_in.get(s, [])))
        prob += after + d >= target, name("rotation_backbone_target", school=i)
        frac = target - np.floor(target)
        if frac > 1e-9:  # the same MIR cut as for needs: backbone teachers are whole
            prob += d >= frac * (np.ceil(target) - after), name("rotation_backbone_round", school=i)

    # Replanning after moves were announced: every move beyond them also costs
    # weight_replan_change, so a new plan changes as little as it must.
    replanning = bool(flows["announced"].any())
    move_cost = (policy.weight_move + policy.weight_move_km * flows["km"]
                 + (policy.weight_replan_change if replanning else 0.0)).tolist()
    weights, unmet_vars, need_fte, labels = (tuple(zip(*unmet_cost, strict=True))[:4]
                                             if unmet_cost else ((), (), (), ()))
    parts: dict[str, pulp.LpAffineExpression] = {}
    unmet_term = add_convex_cost(prob, "unmet", list(unmet_vars), labels, np.array(need_fte),
                                 np.array(need_fte), np.array(weights),
                                 band=policy.fair_band_need,
                                 steepness=policy.fair_steepness_need, whole=False,
                                 parts=parts)
    if CHORD_CUTS:
        _add_chord_cuts(prob, r, policy, flows, staff_after, received_by, unmet_cost, parts)
    objective = (
        unmet_term
        + policy.weight_backbone_deficit * pulp.lpSum(backbone_deficit.values())
        + policy.weight_rotation_shortfall * (
            pulp.lpSum(volume_short.values())
            + (backbone_share_short if backbone_share_short is not None else 0))
        + linear(moves, move_cost)
        # announced moves are forced (lower bounds): take their replan cost back out
        - (policy.weight_replan_change * float(flows["announced"].sum()) if replanning else 0.0)
    )
    return RotationHandles(inputs=r, moves=moves, unmet=unmet, volume_short=volume_short,
                           backbone_share_short=backbone_share_short,
                           backbone_deficit=backbone_deficit, objective=objective,
                           staff_after=staff_after, post_shift=post_shift)


def _add_chord_cuts(prob, r: RotationInputs, policy: Policy, flows: pd.DataFrame,
                    staff_after, received_by, unmet_cost, parts) -> None:
    """Chord cuts (:func:`~staffing.model.cover.add_whole_teacher_cost_cuts`) on each need
    only its own subject covers, at schools where moves can change that subject's staff.
    """
    size = r.groups["size"]
    sized = flows.assign(size=flows["group"].map(size).to_numpy())
    out_most = sized.drop_duplicates("group").groupby(["school_id", "subject"])["size"].sum()
    in_most = sized.groupby(["target", "subject"])["size"].sum()
    cover = covers_of(policy)
    for weight, _, n, label, i, s, j in unmet_cost:
        if cover.get(j) != [j] or label not in parts:
            continue
        now = int(r.staff.at[s, j])
        lo, hi = now - int(out_most.get((s, j), 0)), now + int(in_most.get((s, j), 0))
        if lo == hi:
            continue
        add_whole_teacher_cost_cuts(prob, i, j, float(n), float(weight), parts[label],
                                    staff_after(s, j), (lo, hi),
                                    received_by.get(s, {}).get(j, []), policy,
                                    block="rotation", kinks=False)  # need_round has those


def _add_shared_cover_cut(prob, i, s, need_row, present, covers_of, unmet, staff_after,
                          itin_in) -> None:
    """The whole-teacher (MIR) cut for the needs of school ``s`` that share coverers.

    Let J be the needs covered by more than their own subject but not by every subject
    present (by default the core subjects general 全科 teachers may teach; labour,
    covered by all, has the school-wide cut). Only teachers of N(J), the subjects that
    may cover some need in J, and itinerant visitors can cover J, so Σ_J unmet + Σ_J
    visits ≥ need(J) − S(N(J)), S(N(J)) being those teachers after moves. That row is
    implied by the use/need rows, but S(N(J)) is a whole number, so the left side ≥
    frac(need(J)) × (⌈need(J)⌉ − S(N(J))) holds too and is not implied. It cuts off LP
    points that cover a fractional core need with a fraction of a moved teacher.
    """
    shared = [j for j in SUBJECTS if need_row[j] > 0
              and 1 < len(present.intersection(covers_of.get(j, []))) < len(present)]
    n = float(sum(need_row[j] for j in shared))
    frac = n - np.floor(n)
    if not shared or frac <= 1e-9:
        return
    coverers = sorted(set().union(*(present.intersection(covers_of[j]) for j in shared)))
    teachers = pulp.lpSum(staff_after(s, k) for k in coverers)
    visiting = [z for j in shared for z in itin_in.get((s, j), [])]
    prob += (pulp.lpSum(unmet[(s, j)] for j in shared) + pulp.lpSum(visiting)
             >= frac * (np.ceil(n) - teachers)), name("rotation_cover_round", school=i)


def read_rotation(h: RotationHandles) -> pd.DataFrame:
    """Solved flows: one row per (group, target) with a positive count."""
    flows = h.inputs.flows.copy()
    flows["count"] = np.rint(values(h.moves)).astype(np.int64)
    return flows.loc[flows["count"] > 0].reset_index(drop=True)


def coverage_table(r: RotationInputs, moves: pd.DataFrame, policy: Policy,
                   heads_moved: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per school and subject with a need: need, covered before, covered after (FTE).

    Heads (``r.principals``) count at their minimum load, where they teach before and
    after the exchange (``heads_moved``: head, target; :mod:`staffing.model.principals`);
    remote lessons count ``policy.remote_quality`` of their FTE at the site.
    """
    cols = list(r.staff.columns)
    head_before = head_after = 0.0
    if r.principals is not None:
        head_before = head_cover_after(r.principals.heads, None, r.staff.index, cols)
        head_after = head_cover_after(r.principals.heads, heads_moved, r.staff.index, cols)
    teachers = moves[moves["kind"].ne("principal_exchange")] if "kind" in moves else moves
    before = coverage(r.needs, r.staff + head_before, policy)
    after = coverage(r.needs, staff_after_moves(r.staff, teachers, policy.remote_quality)
                     + head_after, policy)
    table = pd.DataFrame({
        "need": r.needs.stack(),
        "covered_before": before.stack(),
        "covered_after": after.stack(),
    })
    table = table[table["need"] > 0].round(3)
    table["unmet_before"] = (table["need"] - table["covered_before"]).clip(lower=0).round(3)
    table["unmet_after"] = (table["need"] - table["covered_after"]).clip(lower=0).round(3)
    table.index.names = ["school_id", "subject"]
    return table
