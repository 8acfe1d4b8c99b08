"""Convex, piecewise-linear costs in *relative* shortfall: fair and unique allocations.

A linear cost of ``w`` per post short makes every split of the county's spare posts
between schools of equal weight "optimal", so the solver picks one arbitrarily. Here
the cost of a school's shortfall ``x`` (posts, or FTE of subject need) grows faster
the further the school is below its norm ``N``: the shortfall is cut into steps of
``band × N`` and the ``b``-th step (relative shortfall between ``(b − 1)·band`` and
``b·band``) costs

    w · (1 + steepness · (b − ½) · band)   per post (or FTE),

so a post missing at a school 90 % below its norm costs, at the default steepness 2,
2.8 × ``w``, and one missing at a school 10 % below it 1.2 × ``w``: spare posts go first
to the school furthest below its norm, then spread. Costs are convex, so the linear
program fills the steps in order and needs no binaries. For whole posts the step ends
are rounded half up to whole posts (so the quota block's constraint matrix stays a network
matrix and its relaxation integral).

Ties between schools in the same step with the same weight are broken by a tiny,
deterministic premium on the schools' own figures (:func:`tie_break_factor`): first
the school's share of its norm before the plan, then pupils, then its weight, and only
between schools identical in all of those by ``school_id``. The optimum is therefore
unique, whatever the solver or the order of the input rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pulp

from staffing.model.names import convex_step, convex_steps
from staffing.model.terms import linear
from staffing.policy import Policy

__all__ = ["tie_break_factor", "add_convex_cost", "step_slopes", "step_ends", "unmet_weight",
           "post_multiplier", "need_cost"]


def post_multiplier(norm, posts_short, policy: Policy):
    """Cost multiplier of a school's ``posts_short``-th post short, by the step it lies in.

    Vectorised over schools (``norm`` and ``posts_short`` arrays of whole posts); 0
    where the school is not short.

    Examples
    --------
    >>> post_multiplier(np.array([40, 40, 10]), np.array([36, 4, 2]), Policy()).round(3).tolist()
    [2.75, 1.15, 1.25]
    """
    norm = np.asarray(norm, dtype=float)
    k = np.asarray(posts_short, dtype=float)
    n_steps = int(np.ceil(1.0 / policy.fair_band - 1e-9))
    step = np.full(k.shape, n_steps + 1, dtype=float)
    for b in range(n_steps, 0, -1):  # the first step whose (rounded) end reaches post k
        end = np.floor(norm * policy.fair_band * b + 0.5)
        step = np.where(k <= end, b, step)
    slopes = step_slopes(n_steps + 1, policy.fair_steepness, policy.fair_band)
    out = slopes[step.astype(int) - 1]
    return np.where(k > 0, out, 0.0)


def unmet_weight(policy: Policy, subject: str, rural: bool) -> float:
    """Cost of one FTE of unmet need in ``subject`` at the first step of its curve.

    ``weight_unmet_need``, times ``weight_unmet_urgent`` for urgent-need subjects
    (Chuxiong measure 9), ``weight_rural`` at rural schools and ``weight_unmet_labour``
    for labour / integrated practice (multipliers compound).

    Examples
    --------
    >>> unmet_weight(Policy(), "music", rural=True)
    2250.0
    """
    w = policy.weight_unmet_need
    w *= policy.weight_unmet_urgent if subject in policy.urgent_subjects else 1.0
    w *= policy.weight_rural if rural else 1.0
    w *= policy.weight_unmet_labour if subject == "labour" else 1.0
    return float(w)


def tie_break_factor(schools: pd.DataFrame, pupils: pd.Series, policy: Policy) -> pd.Series:
    """A per-school multiplier ``1 + tie_break_share × priority`` on shortfall costs.

    ``priority`` is 1 for the school served first among otherwise equal schools and
    falls evenly to 0 for the last. Order: lowest share of norm before the plan
    (approved quota ÷ norm) first, then most pupils, then highest shortfall weight, then
    ``school_id`` (which decides only between schools identical in every figure).

    Parameters
    ----------
    schools : the model's school table (``approved_quota``, ``norm``, ``shortfall_weight``),
        indexed by ``school_id``.
    pupils : pupils per school, same index.
    policy : ``tie_break_share``.

    Examples
    --------
    >>> s = pd.DataFrame({"approved_quota": [10, 5], "norm": [20, 20],
    ...                   "shortfall_weight": [100.0, 100.0]}, index=["A", "B"])
    >>> tie_break_factor(s, pd.Series([300, 300], index=["A", "B"]), Policy()).round(6).tolist()
    [1.0, 1.0001]
    """
    norm = schools["norm"].to_numpy(dtype=float)
    share = np.where(norm > 0, schools["approved_quota"].to_numpy(dtype=float)
                     / np.maximum(norm, 1.0), np.inf)
    key = pd.DataFrame({
        "share": share,
        "pupils": -pupils.reindex(schools.index).to_numpy(dtype=float),
        "weight": -schools["shortfall_weight"].to_numpy(dtype=float),
        "id": schools.index.astype(str),
    }, index=schools.index)
    order = key.sort_values(["share", "pupils", "weight", "id"], kind="stable").index
    n = len(order)
    priority = pd.Series(np.linspace(1.0, 0.0, n) if n > 1 else np.ones(n), index=order)
    return (1.0 + policy.tie_break_share * priority).reindex(schools.index).rename(
        "tie_break")


def step_slopes(steps: int, steepness: float, band: float) -> np.ndarray:
    """Cost multipliers of steps ``1 … steps`` of relative shortfall ``band`` wide."""
    b = np.arange(1, steps + 1, dtype=float)
    return 1.0 + steepness * np.minimum((b - 0.5) * band, 1.0)


def step_ends(scale: float, cap: float, band: float, whole: bool) -> np.ndarray:
    """Right ends of the steps of a convex price (:func:`add_convex_cost`): ``band`` of
    ``scale`` wide, rounded half up when ``whole``, none beyond ``cap`` and, where
    ``cap`` lies beyond ``scale``, one last step up to ``cap``; a single step to ``cap``
    when ``scale`` is zero (nothing to be short of)."""
    if scale <= 1e-9:
        return np.array([cap])
    n_steps = int(np.ceil(1.0 / band - 1e-9))
    ends = scale * band * np.arange(1, n_steps + 1)
    if whole:  # half up, as norms are rounded (四舍五入)
        ends = np.floor(ends + 0.5)
    ends = np.minimum(ends, cap)
    return np.append(ends, cap) if ends[-1] < cap else ends


def need_cost(amount: float, need: float, policy: Policy) -> float:
    """Unit-weight cost of ``amount`` FTE unmet of a ``need`` (FTE), as
    :func:`add_convex_cost` prices it for unmet need (steps ``fair_band_need`` of the
    need wide, ``whole=False``, the cap the need itself).

    Examples
    --------
    >>> round(need_cost(0.5, 1.0, Policy()), 6)  # steps 1.0625 and 1.1875, 0.25 each
    0.5625
    """
    band = policy.fair_band_need
    ends = step_ends(need, need, band, whole=False)
    slopes = step_slopes(int(np.ceil(1.0 / band - 1e-9)) + 1, policy.fair_steepness_need,
                         band)[:len(ends)]
    starts = np.concatenate([[0.0], ends[:-1]])
    filled = np.clip(min(max(amount, 0.0), need) - starts, 0.0, ends - starts)
    # math.fsum, not ``filled @ slopes``: a BLAS dot product adds in an order that
    # depends on the CPU kernel OpenBLAS picks, and the last bit it changes in the chord
    # rows sent a five-year solve down another path (37 s or 53 s on one machine)
    return math.fsum(filled * slopes)


def add_convex_cost(
    prob: pulp.LpProblem,
    name: str,
    amount: Sequence[pulp.LpVariable],
    labels: Sequence[str],
    scale: np.ndarray,
    cap: np.ndarray,
    weight: np.ndarray,
    *,
    band: float,
    steepness: float,
    whole: bool,
    parts: dict[str, pulp.LpAffineExpression] | None = None,
) -> pulp.LpAffineExpression:
    """Cost ``Σ_i w_i · F(amount_i / scale_i)`` with ``F`` convex and piecewise linear.

    For each ``i`` with ``cap_i > 0``, step variables ``{name}_{label_i}_s{b}`` (0 ≤ · ≤
    the step's width) and a row ``{name}_{label_i}_steps``: ``amount_i = Σ_b step_b``
    are added.
    Only the steps below ``cap_i`` (the most ``amount_i`` can be) are created.

    Parameters
    ----------
    prob : the problem.
    name : prefix of the new variables and rows.
    amount : the shortfall variables (≥ 0), one per item.
    labels : each item's part of the new names (school position, subject, year).
    scale : the norm (or need) each shortfall is relative to.
    cap : the largest value each shortfall can take.
    weight : cost of one unit at the first step, tie-break included.
    band : width of one step as a share of ``scale``.
    steepness : the slope's rise per unit of relative shortfall.
    whole : round step ends to whole numbers (for posts).
    parts : if given, filled with each item's own cost expression, by label.

    Returns
    -------
    pulp.LpAffineExpression
        The cost, to add to the objective.
    """
    scale = np.asarray(scale, dtype=float)
    cap = np.asarray(cap, dtype=float)
    weight = np.asarray(weight, dtype=float)
    coefs: list[float] = []
    variables: list[pulp.LpVariable] = []
    n_steps = int(np.ceil(1.0 / band - 1e-9))
    slopes = step_slopes(n_steps + 1, steepness, band)
    for i, (x, label) in enumerate(zip(amount, labels, strict=True)):
        if cap[i] <= 1e-9:
            continue
        ends = step_ends(scale[i], cap[i], band, whole)
        # nothing to be short of: every unit at the steepest step
        step_slope = slopes[-1:] if scale[i] <= 1e-9 else slopes[:len(ends)]
        starts = np.concatenate([[0.0], ends[:-1]])
        widths = ends - starts
        keep = widths > 1e-9
        steps, first = [], len(coefs)
        for b in np.flatnonzero(keep):
            v = prob.add_variable(convex_step(name, label, b), lowBound=0, upBound=float(widths[b]))
            steps.append(v)
            coefs.append(float(weight[i] * step_slope[b]))
            variables.append(v)
        prob += x == linear(steps), convex_steps(name, label)
        if parts is not None:
            parts[label] = linear(steps, coefs[first:])
    return linear(variables, coefs)
