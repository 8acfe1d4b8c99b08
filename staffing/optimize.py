"""The optimize pipeline: one county, from its data to a :class:`~staffing.Plan`.

1. settle voluntary transfers first (``policy.transfer_mode == "transfers_first"`` and
   ``preferences`` given; :mod:`staffing.transfers`);
2. :func:`~staffing.model.build.build_model` — the inputs and the rule blocks;
3. :func:`~staffing.model.build.solve_model` — start, search, polish;
4. :func:`~staffing.model.read.read_plan_tables` — every table read back;
5. :class:`~staffing.Plan` — a plain container of those tables.

Each step is public, for people who want the model itself.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Mapping

import pandas as pd

from staffing._gc import gc_paused
from staffing.data.county import County
from staffing.errors import StaffingPlanWarning
from staffing.model.blocks import block_table, pre_solve_messages
from staffing.model.build import build_model, solve_model
from staffing.model.read import read_plan_tables
from staffing.model.solve import HIGHS_MULTIYEAR, available_solvers
from staffing.model.warm import warm_values
from staffing.plan import Plan
from staffing.policy import Policy
from staffing.transfers import settle_transfers

__all__ = ["optimize"]


def optimize(
    county: County,
    policy: Policy | None = None,
    *,
    solver: str = "highs",
    time_limit: float | None = 60.0,
    mip_gap: float | None = 1e-3,
    threads: int | None = None,
    msg: bool = False,
    pinned: Iterable[str] = (),
    clusters: pd.DataFrame | None = None,
    previous: Plan | pd.DataFrame | None = None,
    preferences: pd.DataFrame | None = None,
    horizon: int = 0,
    hiring_budget: int | Mapping[int, int] | None = None,
    warm_start: Plan | None = None,
) -> Plan:
    """Plan the county: new quotas through the turnover pool, within the county total.

    Parameters
    ----------
    county : the validated county (:func:`staffing.load_county` or ``County(...)``).
    policy : the rules; defaults to ``Policy()`` (Chuxiong 2024).
    solver : ``"highs"`` (default) or ``"cbc"``; falls back to the other if missing.
    time_limit : seconds for the solver; a plan stopped by it is ``feasible``.
    mip_gap : relative gap at which the solver stops: the plan is proven within this
        fraction of the best weighted objective (default 0.1%, about a fifth of a
        teacher of rural urgent-subject need on a 150-school county; the last 0.09%
        can take HiGHS several times as long). ``plan.solver.gap`` reports the gap
        reached; pass ``mip_gap=0`` for a proof of optimality.
    threads : solver threads.
    msg : print the solver's log.
    pinned : teacher ids that must not move (besides the ``pinned`` column).
    clusters : partnership clusters, for ``policy.rotation_scope == "cluster"``.
    previous : a previous plan whose moves were announced (non-disruptive replanning):
        its moves are kept where the teacher can still make them; the rest change as
        little as they must.
    preferences : teachers' transfer requests (teacher_id, rank, school_id). With
        ``policy.transfer_mode == "transfers_first"`` they are settled first by
        ``policy.transfer_mechanism`` (TO-BE by default; :mod:`staffing.transfers`), on
        the posts of teachers leaving this year, and rotation plans what remains;
        ``plan.transfers`` lists them and ``plan.county`` is the county after them.
    horizon : later school years to plan with this one, in one model (default 0: this
        year only; 5 plans six school years). Rotation and itinerant cover are decided
        for this year; every year gets quotas within the county total, recruitment by
        subject (approved the year before, ≥ ``urgent_share_min`` in urgent-need
        subjects, rural recruits shadow-training first) and pool loans. See
        ``plan.hires``, ``plan.years``, ``plan.quota_path``, ``plan.projection``,
        ``plan.retirements`` and docs/multiyear.md.
    hiring_budget : most hires per year (one number, or ``{calendar year: number}``).
    warm_start : a known plan to start the search from — the baseline of a scenario
        sweep, the plan before a small change to the data, yesterday's plan in a
        nightly batch. Its moves and hires are carried over by meaning (teacher, target
        school; school, subject, year), repaired to this county and policy, and used
        only if lawful and better than the status quo; the plan found is the same one
        (within ``mip_gap``), usually sooner. Unlike ``previous``, nothing is kept
        because it was announced. ``plan.solver.start_used`` says ``"warm"`` when the
        start was used; ``plan.solver.warm_start`` counts what was carried over.

    Returns
    -------
    Plan
        ``plan.status`` is ``optimal``, ``feasible``, ``infeasible`` or ``error``;
        ``plan.blocks`` says which parts of the model the data and policy switched off,
        and ``plan.messages`` what the data left the plan no room to do (each message
        is also issued as a :class:`~staffing.errors.StaffingPlanWarning` before
        solving).

    Examples
    --------
    >>> import staffing as st
    >>> plan = st.optimize(st.synth.county(seed=3, n_schools=15, teachers=False))
    >>> plan.status
    'optimal'
    >>> int(plan.quotas.new_quota.sum()) <= plan.county.county_total
    True
    """
    policy = policy or Policy()
    extra = {"blocks": block_table(county, policy, horizon=horizon, hiring_budget=hiring_budget,
                                   preferences=preferences),
             "messages": pre_solve_messages(county, policy)}
    for text in extra["messages"]["message"]:  # said before the solver runs
        warnings.warn(f"{county.name}: {text}", StaffingPlanWarning, stacklevel=2)
    if preferences is not None and policy.transfer_mode == "transfers_first":
        county, extra["transfers"] = settle_transfers(county, policy, preferences,
                                                      vacancies="leaving")
    with gc_paused():  # the model's objects live until read: no cycles to look for
        model = build_model(county, policy, pinned=pinned, clusters=clusters,
                            previous=previous, horizon=horizon, hiring_budget=hiring_budget)
        warm = None if warm_start is None else warm_values(model, warm_start)
        stats = solve_model(model, solver=solver, time_limit=time_limit, mip_gap=mip_gap,
                            threads=threads, msg=msg,
                            options=HIGHS_MULTIYEAR if horizon and _highs(solver) else None,
                            warm_start=None if warm is None else warm.values)
        if warm is not None:
            stats = dataclasses.replace(stats, warm_start=warm.counts())
        return Plan(**read_plan_tables(model, stats), **extra)


def _highs(solver: str) -> bool:
    """Whether ``solve(solver=…)`` will run HiGHS (it falls back to CBC if HiGHS is missing)."""
    return solver == "highs" and "highs" in available_solvers()
