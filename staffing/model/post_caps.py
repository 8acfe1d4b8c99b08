"""Post-level caps on moves (岗位结构比例, Chuxiong measure 10: 岗位能上能下).

A move whose post moves with the teacher (``Policy.post_moves_with``) takes her post
level (``title``) with her; a school's senior and intermediate posts are capped
(:func:`staffing.post_levels.level_caps`). For each school ``s`` and capped level ``l``
with such flows into it:

``post_cap_{l}_{s}``: Σ flows of level ``l`` carrying their post into ``s``
− Σ those out of ``s`` ≤ limit(s, l) − staying(s, l),

where staying are the holders of ``l`` at ``s`` not leaving and limit is the cap, or
staying where that exceeds the cap already (:func:`staffing.post_levels.level_limit`):
a move never takes a school above its structure, nor further above. A row is added
only where the flows in could break it. A term move (the default for rotation) keeps
the post, and its level, at home and adds no row. The rows are hard: moving a teacher
is a choice, so the model can always choose not to.
"""

from __future__ import annotations

import pandas as pd
import pulp

from staffing.data.county import County
from staffing.model.names import name
from staffing.model.posts import move_kinds, post_moves
from staffing.policy import Policy
from staffing.post_levels import CAPPED_TITLES, caps_enforced, level_limit

__all__ = ["add_post_level_caps"]


def add_post_level_caps(prob: pulp.LpProblem, flows: pd.DataFrame, sizes: pd.Series,
                        schools: pd.DataFrame, county: County, policy: Policy) -> list[str]:
    """Add the post-level cap rows for the rotation flows; return their names.

    Parameters
    ----------
    prob : the county's PuLP problem.
    flows : the rotation block's flows with their variables (``var``) and ``post_key``.
    sizes : teachers per group (the rotation block's ``groups["size"]``).
    schools : the model's school table (indexed by school_id).
    county : the county: its schools (approved quota, level, pupils) and teachers
        (``school_id``, ``title``, ``status``).
    policy : ``post_level_caps``, ``post_moves_with`` and the shares.

    Returns
    -------
    The names of the rows added (none when the caps are not enforced).
    """
    if not caps_enforced(policy) or not len(flows) or "post_key" not in flows:
        return []
    carry = flows[post_moves(move_kinds(flows["kind"], flows["backbone"], flows["target"],
                                        schools), policy)]
    carry = carry[carry["post_key"].isin(CAPPED_TITLES)]
    if not len(carry):
        return []
    carry = carry.assign(size=carry["group"].map(sizes).to_numpy())
    staying, limit = level_limit(county.schools.reindex(schools.index), county.teachers,
                                 policy)
    room = (limit - staying).stack()
    into = carry.groupby(["target", "post_key"]).agg(ins=("var", list), most=("size", "sum"))
    into["free"] = room.reindex(into.index).to_numpy()
    into = into[into["most"] > into["free"]]  # elsewhere the flows in never exceed the room
    out = carry.groupby(["school_id", "post_key"])["var"].agg(list).to_dict()
    pos = {sid: i for i, sid in enumerate(schools.index)}
    added = []
    for (s, level), ins, free in zip(into.index, into["ins"], into["free"], strict=True):
        row = name(f"post_cap_{level}", school=pos[s])
        prob += pulp.lpSum(ins) - pulp.lpSum(out.get((s, level), [])) <= int(free), row
        added.append(row)
    return added
