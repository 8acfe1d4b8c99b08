"""A known plan's decisions in a new model's terms: the warm start (issue 19, part 2).

A scenario sweep, a re-run after a small change to the data, or a nightly batch
re-planning yesterday's county starts from a plan that is close to the new optimum.
:func:`warm_values` carries that plan's decisions over *by meaning*, not by variable
name (names number groups and schools by position, which shift when the data change):

* a **move** of ``plan.moves`` (not an itinerant or remote visit, not a head's
  exchange) counts on the new model's move variable of the teacher's group at her
  school and the move's target — when the teacher is still movable there and the
  model still offers that target;
* a **hire** of ``plan.hires`` counts on the hire variable of its school, subject and
  year (counted from the new policy's ``plan_year``), when the model has one.

Everything else starts at its lower bound. The values are a start only: the staged
solve (:func:`staffing.model.solve.solve_staged`) rounds and clips them to the
variables' bounds, lowers them where rows on decisions alone would break, solves the
rest exactly and keeps the start only if it is lawful and better than the status quo.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.model.rotation import flow_counts
from staffing.vocab import VISIT_KINDS

if TYPE_CHECKING:
    from staffing.model.build import CountyModel

__all__ = ["WarmStart", "warm_values"]

#: Kinds of ``plan.moves`` row that are not a rotation move of the model's groups.
NOT_GROUP_MOVES: tuple[str, ...] = (*VISIT_KINDS, "principal_exchange")


@dataclass(frozen=True)
class WarmStart:
    """A known plan's decisions as values of a model's variables (by name).

    ``moves_carried`` / ``moves_dropped`` and ``hires_carried`` / ``hires_dropped``
    count what the new model could and could not take over (a teacher who has left, a
    target no longer offered, a school or year not planned).
    """

    values: dict[str, float]
    moves_carried: int = 0
    moves_dropped: int = 0
    hires_carried: int = 0
    hires_dropped: int = 0

    def counts(self) -> dict[str, int]:
        """What was carried over and dropped (for ``SolveStats.warm_start``)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "values"}


def warm_values(model: CountyModel, plan: Any) -> WarmStart:
    """The decision values of ``model`` that make the moves and hires of ``plan``.

    Parameters
    ----------
    model : the new model (:func:`staffing.model.build.build_model`).
    plan : a :class:`~staffing.Plan`, or anything with ``moves`` (teacher_id,
        from_school, to_school, kind) and optionally ``hires`` (school_id, subject,
        year, count) tables — a plan read back from its workbook will do.

    Returns
    -------
    WarmStart
        Values by variable name (only those the plan sets) and what was carried over.
    """
    values: dict[str, float] = {}
    carried = dropped = 0
    moves = getattr(plan, "moves", None)
    rotation = model.blocks.get("rotation")
    if moves is not None and len(moves):
        if "kind" in moves:
            moves = moves[~moves["kind"].isin(NOT_GROUP_MOVES)]
        if rotation is not None and rotation.inputs.members is not None and len(moves):
            flows = rotation.inputs.flows
            counts = flow_counts(moves, rotation.inputs.members).rename("n")
            on_flow = flows[["group", "target"]].join(counts, on=["group", "target"]
                                                      )["n"].fillna(0).to_numpy()
            values.update({rotation.moves[f].name: float(on_flow[f])
                           for f in np.flatnonzero(on_flow > 0)})
            carried = int(on_flow.sum())
        dropped = len(moves) - carried
    hire_carried = hire_dropped = 0
    hires = getattr(plan, "hires", None)
    hiring = model.blocks.get("hiring")
    if hires is not None and len(hires):
        year0 = model.inputs.policy.plan_year
        count = hires["count"].astype(int).groupby(
            [hires["school_id"].astype(str).to_numpy(), hires["subject"].astype(str).to_numpy(),
             (hires["year"].astype(int) - year0).to_numpy()]).sum()
        names = {key: v.name for key, v in (hiring.hires if hiring is not None else {}).items()}
        named = pd.Series([names.get(key) for key in count.index], index=count.index,
                          dtype=object)
        found = named.notna().to_numpy()
        values.update(zip(named[found], count[found].astype(float), strict=True))
        hire_carried, hire_dropped = int(count[found].sum()), int(count[~found].sum())
    return WarmStart(values=values, moves_carried=carried, moves_dropped=dropped,
                     hires_carried=hire_carried, hires_dropped=hire_dropped)
