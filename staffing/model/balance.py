"""优质均衡 staff indicators as soft targets: PE/arts per 100 pupils, music and art per 12 classes.

Two staff items of the national evaluation (《县域义务教育优质均衡发展督导评估办法》,
教督〔2017〕6号; docs/balance.md) that the plan's moves and hires can change:

* ``balance_pe_arts_{s}``: PE, music and art teachers at school s after the plan +
  ``balance_pe_arts_short_{s}`` ≥ the number at which every evaluated part of s has
  ``balance_pe_arts_per100`` of them per 100 pupils (art. 5, indicator 3);
* ``balance_music_art_{s}_{k}`` for k = music, art: teachers of k after the plan +
  ``balance_music_art_short_{s}_{k}`` ≥ ⌈classes / ``balance_music_art_classes``⌉
  (art. 6, the government-guarantee item).

"After the plan" is the teachers in post now (as :mod:`staffing.balance` counts them),
less the rotation moves out, plus the moves in, plus — in a multi-year plan — the
hires of those subjects in any plan year (the last year's staff, retirements aside).
The requirements come from :func:`staffing.balance.staff_targets`, the one home of
the rules; this block only adds them up. The shortfalls cost
``Policy.weight_balance_pe_arts`` and ``weight_balance_music_art`` per teacher.

Not counted: heads moved by their own exchange (:mod:`staffing.model.principals`)
and itinerant cover (走教 leaves the teacher at home, as the evaluation counts her).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulp

from staffing.balance import staff_targets
from staffing.metrics import PE_ARTS_SUBJECTS
from staffing.model.names import name
from staffing.model.terms import combine
from staffing.policy import Policy

if TYPE_CHECKING:
    from staffing.model.hiring import HiringHandles
    from staffing.model.inputs import ModelInputs
    from staffing.model.rotation import RotationHandles

__all__ = ["BalanceHandles", "balance_block_on", "add_balance"]

#: The subjects each shortfall counts: PE/arts, and music and art apart.
_COUNTED: dict[str, tuple[str, ...]] = {"pe_arts": tuple(PE_ARTS_SUBJECTS),
                                        "music": ("music",), "art": ("art",)}


@dataclass
class BalanceHandles:
    """The block's shortfall variables (school id → variable) and objective."""

    pe_arts_short: dict[str, pulp.LpVariable]
    music_art_short: dict[tuple[str, str], pulp.LpVariable]
    objective: pulp.LpAffineExpression


def balance_block_on(policy: Policy, has_teachers: bool, moves_or_hires: bool) -> bool:
    """Whether the block runs: a teachers table, a rotation or hiring block to move the
    counts, and a positive weight."""
    return bool(has_teachers and moves_or_hires
                and (policy.weight_balance_pe_arts > 0 or policy.weight_balance_music_art > 0))


def add_balance(prob: pulp.LpProblem, data: ModelInputs, policy: Policy,
                rotation: RotationHandles | None = None,
                hiring: HiringHandles | None = None) -> BalanceHandles:
    """Add the PE/arts and music/art shortfall rows to ``prob``.

    Parameters
    ----------
    prob : the county's PuLP problem.
    data : year-0 inputs (its county's schools and teachers).
    policy : the ``balance_*`` requirements and the two weights.
    rotation : the rotation block's handles (moves), if it runs.
    hiring : the hiring block's handles (hires by school, subject and year), if it runs.
    """
    county = data.county
    pos = {sid: i for i, sid in enumerate(data.schools.index)}
    targets = staff_targets(county, county.teachers, policy)
    change: dict[tuple[str, str], list[tuple[int, pulp.LpVariable]]] = {}
    if rotation is not None:
        flows = rotation.inputs.flows
        for s, t, k, v in zip(flows["school_id"], flows["target"], flows["subject"],
                              rotation.moves, strict=True):
            change.setdefault((s, k), []).append((-1, v))
            change.setdefault((t, k), []).append((1, v))
    if hiring is not None:
        for (s, k, _), v in hiring.hires.items():
            change.setdefault((s, k), []).append((1, v))

    def after(s: str, now: float, subjects: tuple[str, ...]) -> pulp.LpAffineExpression:
        terms = [t for k in subjects for t in change.get((s, k), [])]
        return combine(terms, constant=float(now)) if terms else float(now)

    pe_arts_short: dict[str, pulp.LpVariable] = {}
    music_art_short: dict[tuple[str, str], pulp.LpVariable] = {}
    for s, row in targets.iterrows():
        if s not in pos:
            continue
        i = pos[s]
        wanted = float(row["pe_arts_needed"])
        if policy.weight_balance_pe_arts > 0 and wanted > 0:  # NaN compares False
            d = prob.add_variable(name("balance_pe_arts_short", school=i), lowBound=0)
            pe_arts_short[s] = d
            prob += (after(s, row["pe_arts"], _COUNTED["pe_arts"]) + d >= wanted
                     ), name("balance_pe_arts", school=i)
        needed = float(row["music_art_needed"])
        if policy.weight_balance_music_art > 0 and needed > 0:
            for k in ("music", "art"):
                d = prob.add_variable(name("balance_music_art_short", school=i, subject=k),
                                      lowBound=0)
                music_art_short[(s, k)] = d
                prob += (after(s, row[k], _COUNTED[k]) + d >= needed
                         ), name("balance_music_art", school=i, subject=k)
    objective = (policy.weight_balance_pe_arts * pulp.lpSum(pe_arts_short.values())
                 + policy.weight_balance_music_art * pulp.lpSum(music_art_short.values()))
    return BalanceHandles(pe_arts_short=pe_arts_short, music_art_short=music_art_short,
                          objective=objective)
