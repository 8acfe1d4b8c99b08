"""Assemble one PuLP problem per county from the rule blocks, and solve it.

:func:`staffing.optimize.optimize` runs the steps in order — settle voluntary
transfers, :func:`build_model` (prepare the inputs, add the blocks), :func:`solve_model`,
read the solution back (:mod:`staffing.model.read`) into a :class:`~staffing.Plan` —
and each step is callable on its own for people who want the model itself.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import pulp

from staffing._checks import whole_number
from staffing.data.county import County
from staffing.data.validate import lock_problems
from staffing.errors import StaffingDataError
from staffing.model.balance import add_balance, balance_block_on
from staffing.model.hiring import add_hiring, budget_by_year
from staffing.model.horizon import HorizonInputs, prepare_horizon
from staffing.model.inputs import ModelInputs, prepare_inputs
from staffing.model.itinerant import add_itinerant, arcs_for_model
from staffing.model.no_harm import add_no_harm, no_harm_on
from staffing.model.pickling import attach, detach, problem_from_state, problem_state
from staffing.model.pool import add_year_quotas
from staffing.model.principals import add_principals
from staffing.model.quota import QuotaHandles, add_quota, county_room, reserve_minimum
from staffing.model.remote import RemoteHandles, add_remote, remote_arcs_for_model
from staffing.model.rotation import add_rotation
from staffing.model.solve import (
    WARM_SEARCH,
    SolveStats,
    available_solvers,
    current_values,
    load_values,
    relative_gap,
    solve,
    solve_staged,
    solve_with_fixed,
)
from staffing.policy import Policy
from staffing.vocab import VISIT_KINDS

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["CountyModel", "build_model", "solve_model"]


@dataclass
class CountyModel:
    """One county's optimisation model: the PuLP problem, its inputs and block handles."""

    prob: pulp.LpProblem
    inputs: ModelInputs
    blocks: dict[str, Any] = field(default_factory=dict)
    #: Per-year data of a multi-year model (``build_model(horizon=…)``), else None.
    horizon: HorizonInputs | None = None

    @property
    def quota(self) -> QuotaHandles:
        """Handles of the quota block."""
        return self.blocks["quota"]

    def quota_variables(self) -> list[pulp.LpVariable]:
        """The quotas of every planned year (the quota block's, and later years')."""
        out = list(self.quota.quota)
        years = self.blocks.get("years")
        if years is not None:
            out += [v for t, q in years.quota.items() if t > 0 for v in q]
        return out

    def decision_variables(self) -> list[pulp.LpVariable]:
        """Integer variables other than quotas: moves, hires, pool loans."""
        quotas = {v.name for v in self.quota_variables()}
        return [v for v in self.prob.variables()
                if v.cat == pulp.LpInteger and v.name not in quotas]

    def __getstate__(self) -> dict[str, Any]:
        """Pickle as plain data (:mod:`staffing.model.pickling`): the problem as
        ``toDict()`` — variables with their values, constraints, objective — and every
        PuLP object of the handles by name. Neither PuLP 4's compiled problems nor the
        solver PuLP 3 keeps on a solved problem pickle; a later solve makes one afresh."""
        state = {k: v for k, v in self.__dict__.items() if k != "prob"}
        return {"prob": problem_state(self.prob), "rest": detach(state)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        prob, variables = problem_from_state(state["prob"])
        self.__dict__.update(attach(state["rest"], prob, variables), prob=prob)

    def size(self) -> dict[str, int]:
        """Numbers of variables, integer variables and constraints."""
        variables = self.prob.variables()
        return {
            "variables": len(variables),
            "integers": sum(v.cat == pulp.LpInteger for v in variables),
            "constraints": self.prob.numConstraints(),
        }


def build_model(
    county: County,
    policy: Policy | None = None,
    *,
    pinned: Iterable[str] = (),
    clusters: pd.DataFrame | None = None,
    previous: Plan | pd.DataFrame | None = None,
    horizon: int = 0,
    hiring_budget: int | Mapping[int, int] | None = None,
) -> CountyModel:
    """Build the county's PuLP problem from the blocks the policy switches on.

    The quota block always; the rotation block when the county has a teachers table
    and ``policy.rotation_enabled``; with ``horizon ≥ 1`` the quotas of the later
    years and the pool loans (:mod:`staffing.model.pool`), and — with a teachers
    table — recruitment and subject cover of those years (:mod:`staffing.model.hiring`).

    Parameters
    ----------
    county : the validated county.
    policy : defaults to ``Policy()`` (Chuxiong 2024).
    pinned : teacher ids that must not move (besides the ``pinned`` column).
    clusters : partnership clusters (:func:`staffing.clusters.form_clusters`), used
        when ``policy.rotation_scope == "cluster"``.
    previous : a previous plan (or its ``moves`` table) whose moves were announced:
        they are kept, and other moves cost ``weight_replan_change`` each.
    horizon : later school years planned together with this one (0: this year only).
    hiring_budget : most hires per year: one number, or ``{calendar year: number}``.

    Returns
    -------
    CountyModel
        ``model.prob`` is an ordinary PuLP problem: write it with
        ``model.prob.writeMPS(path)`` or solve it yourself.

    Examples
    --------
    >>> import staffing as st
    >>> model = st.build_model(st.synth.county(seed=1, n_schools=10, teachers=False))
    >>> model.size()["integers"]
    10
    """
    policy = policy or Policy()
    horizon = whole_number("horizon", horizon, "years")
    if hiring_budget is not None:
        if horizon == 0:
            raise ValueError("hiring_budget needs horizon ≥ 1: hires are approved a year ahead")
        budget_by_year(hiring_budget, {})  # checks the numbers before any work
    announced = getattr(previous, "moves", previous)
    if announced is not None and "kind" in announced:  # itinerant cover is replanned freely
        announced = announced[~announced["kind"].isin((*VISIT_KINDS, "principal_exchange"))]
    inputs = prepare_inputs(county, policy, pinned=pinned, clusters=clusters,
                            previous=announced, horizon=int(horizon))
    _check_locks(inputs, policy)
    prob = pulp.LpProblem("staffing_county", pulp.LpMinimize)
    model = CountyModel(prob=prob, inputs=inputs)
    model.blocks["quota"] = add_quota(prob, inputs, policy)
    if inputs.rotation is not None:
        arcs = arcs_for_model(county, policy, inputs.clusters, inputs.rotation)
        itinerant = add_itinerant(prob, arcs, policy) if len(arcs) else None
        if itinerant is not None:
            model.blocks["itinerant"] = itinerant
        heads = None
        if inputs.rotation.principals is not None:  # heads teach and exchange (measures 2, 8)
            heads = add_principals(prob, inputs.rotation.principals, inputs.schools, policy)
            model.blocks["principals"] = heads
        remote = _add_remote(prob, county, policy, inputs)
        if remote is not None:
            model.blocks["remote"] = remote
        model.blocks["rotation"] = add_rotation(prob, inputs, policy, model.blocks["quota"],
                                                itinerant, heads, remote=remote)
    if horizon > 0:
        hz = prepare_horizon(inputs, int(horizon))
        model.horizon = hz
        years = add_year_quotas(prob, inputs, hz, policy, model.quota)
        model.blocks["years"] = years
        if county.teachers is not None and len(county.teachers):
            rotation = model.blocks.get("rotation")
            model.blocks["hiring"] = add_hiring(
                prob, inputs, hz, policy, years,
                rotation.staff_after if rotation is not None else None,
                budget=budget_by_year(hiring_budget, hz.calendar),
                post_shift=rotation.post_shift if rotation is not None else None)
    has_teachers = county.teachers is not None and len(county.teachers) > 0
    rotation, hiring = model.blocks.get("rotation"), model.blocks.get("hiring")
    if balance_block_on(policy, has_teachers, rotation is not None or hiring is not None):
        model.blocks["balance"] = add_balance(prob, inputs, policy, rotation, hiring)
    if no_harm_on(policy, has_teachers, rotation is not None):
        model.blocks["no_harm"] = add_no_harm(prob, inputs, policy, rotation,
                                              model.blocks.get("principals"))
    prob.setObjective(pulp.lpSum(block.objective for block in model.blocks.values()))
    return model


def _check_locks(inputs: ModelInputs, policy: Policy) -> None:
    """Refuse locked quotas the hard rules make impossible under this policy (the pool
    reserve, a pool switched off), before any model is solved."""
    s = inputs.schools
    staying = s["floor"]
    _, reserve = county_room(int(staying.sum()), inputs.county_total,
                             reserve_minimum(inputs.county_total, policy))
    problems = lock_problems(s, staying, inputs.county_total, reserve=reserve,
                             pool_enabled=policy.pool_enabled, source=inputs.county.source)
    if problems:
        raise StaffingDataError(problems)


def solve_model(
    model: CountyModel,
    *,
    solver: str = "highs",
    time_limit: float | None = 60.0,
    mip_gap: float | None = 1e-3,
    threads: int | None = None,
    msg: bool = False,
    options: dict[str, Any] | None = None,
    start_rule: str = "bounds",
    warm_start: Mapping[str, float] | None = None,
    warm_search: Mapping[str, Any] | None = None,
) -> SolveStats:
    """Solve a county model in three steps, so that every run returns a lawful plan.

    1. **Start.** Every move, hire and pool loan at its lower bound (no moves beyond
       those announced, no hires, no loans — the status quo), and the quotas that
       then serve the schools best within the county total, solved exactly. The
       quota block's matrix is a network matrix, so this is an LP in all but name.
    2. **Search.** The whole model, from that start, within ``time_limit`` and
       ``mip_gap``: a run stopped early returns ``feasible`` with the start or better
       and the gap it proved; ``error`` only when the solver itself failed.
    3. **Polish.** Moves, hires and loans fixed as found, the quotas (and the
       continuous cover) solved again to optimality, so that quotas never depend on
       where the search stopped: with the convex shortfall costs and their tie-break
       (:mod:`staffing.model.fair`) they are unique.

    ``start_rule="dive"`` (HiGHS only) also builds a start from the LP relaxation, its
    moves, hires and loans rounded in a dive and the rest exact, and keeps the better
    start; off by default because on 150-school counties it did not make the search
    faster (docs/performance.md, issue 19). ``warm_start`` ({decision variable name:
    value}, e.g. :func:`staffing.model.warm.warm_values` of a known plan) is a further
    start: with HiGHS its values are rounded, clipped to the bounds and lowered where
    rows on decisions alone break (``_repair_decisions``); with CBC only rounded and
    clipped; either way the rest is solved exactly and the start kept only if lawful
    and better than the others. ``warm_search`` are HiGHS options for a search that
    starts from it (default :data:`~staffing.model.solve.WARM_SEARCH`: RENS off, which
    measured fastest, benchmarks/bench_warm.py). ``time_limit`` bounds the
    search; the start and the polish are small exact solves whose time is added to
    ``time_s``. Returns the stats of the search, with the objective, gap and time after
    the polish.
    """
    decisions = model.decision_variables()
    if solver == "highs" and "highs" in available_solvers():  # one HiGHS model, three runs
        return solve_staged(model.prob, [v.name for v in decisions], time_limit=time_limit,
                            mip_gap=mip_gap, threads=threads, msg=msg, options=options,
                            start_rule=start_rule,
                            warm=None if warm_start is None else dict(warm_start),
                            warm_search=WARM_SEARCH if warm_search is None
                            else dict(warm_search))
    common = {"solver": solver, "threads": threads, "msg": msg, "options": options}
    at_low = {v.name: float(v.lowBound or 0) for v in decisions}
    first = solve_with_fixed(model.prob, at_low, mip_gap=0.0, **common)
    start = current_values(model.prob) if first.status in ("optimal", "feasible") else None
    start_time, used = first.time_s, "bounds"
    if warm_start and any(warm_start.values()):
        # CBC: the known plan's decisions held; kept if lawful and better (as HiGHS's).
        warm = solve_with_fixed(model.prob, _clipped(decisions, warm_start), mip_gap=0.0,
                                **common)
        start_time += warm.time_s
        if warm.status == "optimal" and (start is None or warm.objective < first.objective):
            start, used = current_values(model.prob), "warm"
    stats = solve(model.prob, time_limit=time_limit, mip_gap=mip_gap, start=start, **common)
    stages = {"start": start_time, "search": stats.time_s, "polish": 0.0}
    if stats.status in ("optimal", "feasible") and model.quota_variables():
        found = current_values(model.prob)
        fixed = {v.name: found[v.name] for v in decisions}
        polish = solve_with_fixed(model.prob, fixed, mip_gap=0.0, **common)
        stages["polish"] = polish.time_s
        if polish.status == "optimal" and polish.objective <= stats.objective + 1e-6 * max(
                1.0, abs(stats.objective)):
            stats = dataclasses.replace(stats, objective=polish.objective,
                                        gap=relative_gap(polish.objective, stats.best_bound))
        else:  # keep the search's plan
            load_values(model.prob, found)
    return dataclasses.replace(stats, time_s=sum(stages.values()), stages=stages,
                               start_used=used)


def _clipped(decisions: list[pulp.LpVariable], values: Mapping[str, float]) -> dict[str, float]:
    """``values`` by name for every decision, rounded and clipped to its bounds (its lower
    bound where ``values`` has none): a warm start for a solver without the repair."""
    out = {}
    for v in decisions:
        low = float(v.lowBound or 0)
        x = float(round(values.get(v.name, low)))
        out[v.name] = min(max(x, low), math.inf if v.upBound is None else float(v.upBound))
    return out


def _add_remote(prob: pulp.LpProblem, county: County, policy: Policy,
                inputs) -> RemoteHandles | None:
    """The remote-classroom block (专递课堂), or ``None`` without candidate arcs."""
    arcs = remote_arcs_for_model(county, policy, inputs.clusters, inputs.rotation)
    if not len(arcs):
        return None
    position = {sid: i for i, sid in enumerate(inputs.schools.index)}
    return add_remote(prob, arcs, policy, position)
