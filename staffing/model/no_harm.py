"""优质均衡, do no harm: a plan keeps every staff indicator a school meets now.

The national evaluation (《县域义务教育优质均衡发展督导评估办法》, 教督〔2017〕6号;
docs/balance.md) passes a county only if every school part passes its rule (6 of 7
indicators met, the rest at ≥ 85%). A move out of a school can push one of its three
staff indicators — teachers above the statutory qualification, backbone teachers, PE
and arts teachers, each per 100 pupils — below the line it stood above, and with it the
school's pass. For every school and count with a line
(:func:`staffing.balance.no_harm_lines`: met indicators keep the requirement, near ones
``balance_near_share`` of it):

* ``no_harm_{c}_{s}``: teachers of count ``c`` (``backbone``, ``pe_arts``,
  ``qualified_primary``, ``qualified_junior``) at school ``s`` now, less the moves out,
  plus the moves in, + ``no_harm_{c}_short_{s}`` ≥ the teachers to keep.

Moves are the rotation block's flows (whose groups carry subject, backbone and, at
schools keeping a qualification line (:func:`education_schools`), the qualification
key :func:`staffing.balance.education_key`) and the heads' exchanges
(:mod:`staffing.model.principals`, one head per move). Arrivals count toward the
backbone and PE/arts lines; toward a qualification line they do not (the groups of
the schools they come from carry no qualification key), which keeps that line
conservatively: a school may lose it only by paying for the shortfall. Itinerant cover (走教) and remote
lessons leave the teacher at home and hires are not teachers of the evaluation's count
yet (``plan.balance`` counts the teachers table after the moves), so neither counts.
The shortfalls cost ``Policy.weight_balance_no_harm`` per teacher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pulp

from staffing.balance import education_key, no_harm_lines
from staffing.metrics import PE_ARTS_SUBJECTS
from staffing.model.names import name
from staffing.policy import Policy
from staffing.staff import is_backbone

if TYPE_CHECKING:
    from staffing.model.inputs import ModelInputs
    from staffing.model.principals import PrincipalHandles
    from staffing.model.rotation import RotationHandles

__all__ = ["NoHarmHandles", "no_harm_on", "education_schools", "add_no_harm"]


@dataclass
class NoHarmHandles:
    """The shortfall variables ((school id, count) → variable), the lines the rows keep
    (:func:`staffing.balance.no_harm_lines`) and the objective."""

    short: dict[tuple[str, str], pulp.LpVariable]
    lines: pd.DataFrame
    objective: pulp.LpAffineExpression


def no_harm_on(policy: Policy, has_teachers: bool, rotation_on: bool) -> bool:
    """Whether the rows run: a teachers table, the rotation block (only moves lower a
    count) and a positive ``weight_balance_no_harm``."""
    return bool(has_teachers and rotation_on and policy.weight_balance_no_harm > 0)


def education_schools(county, teachers: pd.DataFrame | None, policy: Policy) -> set:
    """Schools whose eligible teachers the rotation block groups by qualification key
    as well (:func:`staffing.balance.education_key`): those keeping a qualification
    line (:func:`staffing.balance.no_harm_lines`), so that their flows out tell
    education apart. Only there: splitting every school's groups would add a third
    more integer flows to a county model for lines most schools do not have."""
    if (teachers is None or "education" not in teachers.columns
            or not policy.rotation_enabled or policy.weight_balance_no_harm <= 0):
        return set()
    lines = no_harm_lines(county.schools, teachers, policy)
    counts = lines.index.get_level_values("count")
    return set(lines.index.get_level_values("school_id")[counts.str.startswith("qualified")])


def _flags(frame: pd.DataFrame, policy: Policy) -> dict[str, np.ndarray]:
    """Which counts each row of ``frame`` (subject, backbone as bool, edu_key) is in."""
    key = frame["edu_key"].astype(str)
    return {"backbone": frame["backbone"].to_numpy(dtype=bool),
            "pe_arts": frame["subject"].isin(PE_ARTS_SUBJECTS).to_numpy(),
            "qualified_primary": key.str.contains("p").to_numpy(),
            "qualified_junior": key.str.contains("j").to_numpy()}


def add_no_harm(prob: pulp.LpProblem, data: ModelInputs, policy: Policy,
                rotation: RotationHandles, heads: PrincipalHandles | None = None
                ) -> NoHarmHandles:
    """Add the do-no-harm rows to ``prob``.

    Parameters
    ----------
    prob : the county's PuLP problem.
    data : year-0 inputs (its county's schools and teachers).
    policy : the ``balance_*`` requirements and ``weight_balance_no_harm``.
    rotation : the rotation block's handles (its flows and move variables).
    heads : the heads' exchange handles, if that block runs.
    """
    county = data.county
    lines = no_harm_lines(county, county.teachers, policy)
    pos = {sid: i for i, sid in enumerate(data.schools.index)}
    flows = rotation.inputs.flows
    if "edu_key" not in flows:
        flows = flows.assign(edu_key="")
    moves = pd.DataFrame({"school_id": flows["school_id"].to_numpy(),
                          "target": flows["target"].to_numpy(),
                          "subject": flows["subject"].to_numpy(),
                          "backbone": flows["backbone"].to_numpy(dtype=bool),
                          "edu_key": flows["edu_key"].to_numpy(),
                          "var": rotation.moves})
    if heads is not None and len(heads.inputs.arcs):
        arcs = heads.inputs.arcs
        t = county.teachers.loc[arcs["head"]]
        moves = pd.concat([moves, pd.DataFrame({
            "school_id": arcs["school_id"].to_numpy(), "target": arcs["target"].to_numpy(),
            "subject": t["subject"].to_numpy(), "backbone": is_backbone(t["backbone"]),
            "edu_key": education_key(t, policy).to_numpy(), "var": heads.moves})],
            ignore_index=True)
    flags = _flags(moves, policy)
    out_by: dict[tuple[str, str], list[pulp.LpVariable]] = {}
    in_by: dict[tuple[str, str], list[pulp.LpVariable]] = {}
    for count, mask in flags.items():
        sel = moves[mask]
        for s, block in sel.groupby("school_id")["var"].agg(list).items():
            out_by[(s, count)] = block
        if count.startswith("qualified"):  # arrivals' keys are known only from
            continue                          # schools keeping a line: none counted
        for t_, block in sel.groupby("target")["var"].agg(list).items():
            in_by[(t_, count)] = block

    short: dict[tuple[str, str], pulp.LpVariable] = {}
    for (s, count), now, keep in zip(lines.index, lines["now"], lines["keep"], strict=True):
        outs = out_by.get((s, count), [])
        if not outs or s not in pos:  # nothing can leave: the line holds
            continue
        i = pos[s]
        d = prob.add_variable(name(f"no_harm_{count}_short", school=i), lowBound=0)
        short[(s, count)] = d
        prob += (float(now) - pulp.lpSum(outs) + pulp.lpSum(in_by.get((s, count), [])) + d
                 >= float(keep)), name(f"no_harm_{count}", school=i)
    objective = policy.weight_balance_no_harm * pulp.lpSum(short.values())
    return NoHarmHandles(short=short, lines=lines, objective=objective)
