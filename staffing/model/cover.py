"""Subject cover of one school: the rows the rotation and recruitment blocks share.

Variables and constraints, for school position ``i`` (``block`` is ``rotation`` or
``hire``; ``suffix`` is ``""`` or ``_y{t}`` for year ``t``; built by
:func:`staffing.model.names.name`):

* ``use_{i}_{k}_{j}{suffix}`` ≥ 0: teachers of subject ``k`` teaching need ``j``
  (``j = k`` or a need ``policy.subject_cover[k]`` allows);
* ``{block}_staff_{i}_{k}{suffix}``: Σ_j use (+ itinerant cover given elsewhere) ≤
  staff of subject ``k``;
* ``unmet_{i}_{j}{suffix}`` ≥ 0; ``{block}_need_{i}_{j}{suffix}``: need − unmet ≤
  Σ_k use + itinerant cover received;
* ``{block}_part_time_{i}_{j}{suffix}``: Σ_{k ≠ j} use ≤ the need's part-time cap
  (:func:`staffing.needs.part_time_caps`: other subjects' teachers give a mental-health
  need at most a part-time teacher's share);
* ``{block}_need_round_{i}_{j}{suffix}``: for a need only its own subject covers,
  unmet + cover received ≥ frac × (⌈need⌉ − staff), valid because teachers are whole
  (an MIR cut that makes the LP relaxation of the row integral).

The unmet variables are priced by the caller with
:func:`staffing.model.fair.add_convex_cost` at :func:`staffing.model.fair.unmet_weight`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import numpy as np
import pulp

from staffing.model.fair import need_cost, step_ends, step_slopes, unmet_weight
from staffing.model.names import convex_label, name
from staffing.model.terms import combine, constant_of
from staffing.needs import part_time_caps
from staffing.policy import Policy
from staffing.vocab import SUBJECTS

__all__ = ["cover_pairs", "covers_of", "add_subject_cover", "add_whole_teacher_cost_cuts"]


def cover_pairs(policy: Policy) -> list[tuple[str, str]]:
    """(teacher subject, need subject) pairs: each subject covers itself, then its list."""
    pairs = [(k, k) for k in SUBJECTS if k != "general"]
    pairs += [(k, j) for k, covers in policy.subject_cover.items() for j in covers if j != k]
    return pairs


@functools.cache
def _pairs(policy: Policy) -> tuple[tuple[str, str], ...]:
    """(teacher subject, need) pairs of ``policy``, computed once per policy."""
    return tuple(cover_pairs(policy))


@functools.cache
def covers_of(policy: Policy) -> dict[str, list[str]]:
    """Need → the subjects whose teachers may cover it (computed once per policy)."""
    out: dict[str, list[str]] = {}
    for k, j in _pairs(policy):
        out.setdefault(j, []).append(k)
    return out


def add_subject_cover(prob: pulp.LpProblem, i: int, need_row: Mapping[str, float],
                      present: set[str],
                      staff: Callable[[str], pulp.LpAffineExpression], policy: Policy, *,
                      block: str, year: int | None = None, rural: bool, tie: float,
                      given: Mapping[str, list[pulp.LpVariable]] | None = None,
                      received: Mapping[str, list[pulp.LpVariable]] | None = None,
                      ) -> list[tuple[str, pulp.LpVariable, float, float, str]]:
    """Add the subject cover of school position ``i`` to ``prob`` (names above).

    Parameters
    ----------
    need_row : FTE need by subject at the school (a dict or a Series).
    present : subjects with teachers at the school (in post, arriving or hired).
    staff : staff of a subject at the school, as a number or an expression.
    block : ``"rotation"`` or ``"hire"``, the prefix of the constraint names.
    year : the plan year in every name (``_y{t}``), or ``None`` for none.
    rural, tie : the school's unmet weight: :func:`~staffing.model.fair.unmet_weight`
        × its tie-break factor.
    given, received : itinerant cover by subject, taught away from the school (it
        uses the school's staff) and taught at it (it covers the school's need).

    Returns
    -------
    One ``(subject, unmet variable, weight, need, label)`` per subject with a need, in
    subject order, for :func:`~staffing.model.fair.add_convex_cost`.
    """
    given, received = given or {}, received or {}
    need_row = dict(need_row.items())  # a Series' .get costs ~10 µs a call, a dict's 0.1
    cover = covers_of(policy)
    use: dict[tuple[str, str], pulp.LpVariable] = {}
    for k, j in _pairs(policy):
        if k in present and need_row.get(j, 0) > 0:
            use[(k, j)] = prob.add_variable(name("use", school=i, cover=k, subject=j, year=year),
                                            lowBound=0)
    for k in sorted(present):
        used = [v for (kk, _), v in use.items() if kk == k] + given.get(k, [])
        if used:
            prob += (pulp.lpSum(used) <= staff(k)
                     ), name(f"{block}_staff", school=i, cover=k, year=year)
    for j, cap in part_time_caps(policy).items():
        others = [v for (k, jj), v in use.items() if jj == j and k != j]
        if others and cap < float(need_row.get(j, 0.0)):
            prob += (pulp.lpSum(others) <= cap
                     ), name(f"{block}_part_time", school=i, subject=j, year=year)
    out = []
    for j in SUBJECTS:
        n = float(need_row.get(j, 0.0))
        if n <= 0:
            continue
        u = prob.add_variable(name("unmet", school=i, subject=j, year=year), lowBound=0)
        visiting = received.get(j, [])
        coverers = [use[(k, j)] for k in cover.get(j, []) if (k, j) in use]
        prob += (n - u <= pulp.lpSum(coverers) + pulp.lpSum(visiting)
                 ), name(f"{block}_need", school=i, subject=j, year=year)
        frac = n - np.floor(n)
        if cover.get(j) == [j] and frac > 1e-9 and j in present:
            prob += (u + pulp.lpSum(visiting) >= frac * (np.ceil(n) - staff(j))
                     ), name(f"{block}_need_round", school=i, subject=j, year=year)
        out.append((j, u, unmet_weight(policy, j, rural) * tie, n, convex_label(i, j, year)))
    return out


def add_whole_teacher_cost_cuts(prob: pulp.LpProblem, i: int, j: str, need: float,
                                weight: float, cost: pulp.LpAffineExpression,
                                staff: pulp.LpAffineExpression, reach: tuple[int, int],
                                visiting: list[pulp.LpVariable], policy: Policy, *,
                                block: str, year: int | None = None, kinks: bool = True
                                ) -> int:
    """Chord cuts on the convex price of need ``j`` at school position ``i``, for a
    need only its own subject's whole teachers (and visits) cover. Returns rows added.

    With ``S`` teachers of ``j`` (a whole number) the unmet need is at least
    ``n − S − V`` (``V``: cover received), and its price ``cost`` ≥ ``w·C(u)`` with
    ``C`` convex, non-decreasing and of slope at most ``σ`` (the last step's), so
    ``cost + w·σ·V ≥ w·C(max(0, n − S))``. On whole ``S`` the right side is a convex
    function of ``S``, so it lies above each chord through two neighbouring whole
    ``S``: ``cost + w·σ·V ≥ line(S)``, one row ``{block}_need_chord_{i}_{j}_{m}`` per
    chord where a step end of ``C`` or ``S = n`` (where ``max`` bends) falls strictly
    between the two points (elsewhere the chord is ``C`` itself). A fractional move then pays the chord's price, not the
    lower curve's. ``reach``: the least and most ``S`` can be. ``kinks=False`` leaves out
    the chord around ``S = n``, for callers that add the ``need_round`` row (the same
    cut on the unmet need itself).
    """
    lo, hi = max(reach[0], 0), min(reach[1], int(np.ceil(need - 1e-9)))
    n_steps = int(np.ceil(1.0 / policy.fair_band_need - 1e-9))
    sigma = float(step_slopes(n_steps, policy.fair_steepness_need, policy.fair_band_need)[-1])
    ends = step_ends(need, need, policy.fair_band_need, whole=False)[:-1]  # inner ends
    added = 0
    for m in range(lo, hi):  # chord between S = m and S = m + 1
        u0, u1 = need - m, max(need - m - 1, 0.0)  # unmet at m and m + 1, u0 > u1
        kink = kinks and need - m - 1 < -1e-9  # max(0, ·) bends the price in (m, m + 1)
        if not kink and not np.any((ends > u1 + 1e-9) & (ends < u0 - 1e-9)):
            continue
        c0, c1 = weight * need_cost(u0, need, policy), weight * need_cost(u1, need, policy)
        # cost + w·σ·V + (c0 − c1)·(staff's moves) ≥ c0 − (c0 − c1)·(staff now − m): the
        # right side computed as PuLP's operators would, so that the row is the same
        # to the last bit whichever way it is built
        now = constant_of(staff)
        prob += (combine([(1, cost), (weight * sigma, visiting), (c0 - c1, staff)],
                         constant=-(c0 - c1) * now)
                 >= c0 - (c0 - c1) * (now - m)
                 ), name(f"{block}_need_chord", school=i, subject=j, step=m, year=year)
        added += 1
    return added

