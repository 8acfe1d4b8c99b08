"""Solver choice, limits, status and solution read-back.

The only module that touches PuLP's solver API. It hides the differences between
PuLP 3.x (Python 3.11; ``prob.solve`` returns an int, CBC bundled as
``PULP_CBC_CMD``, a HiGHS run stopped by its time limit reported as "Optimal") and
PuLP 4.x (Python 3.12+; ``solve`` returns ``LpSolveStats``, CBC as ``COIN_CMD``), and
normalises every outcome to one of ``optimal | feasible | infeasible | error``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pulp

from staffing.errors import SolverError

__all__ = ["SolveStats", "solve", "solve_with_fixed", "solve_staged", "relative_gap", "solution_is_valid", "current_values",
           "values", "available_solvers", "marginal_value", "STATUSES", "SOLVERS",
           "HIGHS_DEFAULTS", "HIGHS_MULTIYEAR", "START_RULES", "WARM_SEARCH", "load_values"]

#: The four statuses a plan can have.
STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "error")
#: Solver names accepted by ``solver=``.
SOLVERS: tuple[str, ...] = ("highs", "cbc")
#: HiGHS options every solve gets (caller options win); see ``_make_solver``.
HIGHS_DEFAULTS: dict[str, Any] = {"random_seed": 0, "mip_heuristic_run_root_reduced_cost": False}
#: Extra HiGHS options for multi-year models (``optimize(horizon=…)``): presolve's
#: Fourier–Motzkin rule (bit 22 of ``presolve_rule_off``) off. On 150-school counties
#: it turned a one-year-ahead model's 23 s solve into 3.6 s and cut the five-year
#: models of seeds 0–2 from 69 s to 63 s in all (docs/performance.md); single-year
#: models keep it (5.6 s with it, 7.0 s without).
HIGHS_MULTIYEAR: dict[str, Any] = {"presolve_rule_off": 1 << 22}
#: Starts the staged solve can build (:func:`solve_staged`): ``bounds`` (decisions at
#: their lower bounds; the default) only, or also ``dive`` (the LP relaxation's
#: decisions rounded in a dive, the better of the two kept). The dive's start is about
#: 2% above the optimum on 150-school counties against 41% for ``bounds``, yet HiGHS's
#: search from it is no faster and the dive costs 0.2–0.4 s, so it is off by default
#: (issue 19 part 1, docs/performance.md, benchmarks/bench_start.py).
START_RULES: tuple[str, ...] = ("bounds", "dive")
#: HiGHS options for a search that starts from a known plan (``warm_start``): RENS
#: off. From a start within the gap HiGHS's RINS/RENS sub-MIPs are most of the search
#: (docs/performance.md, issue 19 part 3). Measured over six 150-school counties × six
#: changes between runs (benchmarks/bench_warm.py): RENS off 0.57× the cold run in the
#: median (0.34–1.67), the defaults 0.89× (0.36–1.86), RINS off 0.82×, both off 0.56×
#: but up to 6.3× slower where the start was 0.1–1.5% from the optimum.
WARM_SEARCH: dict[str, Any] = {"mip_heuristic_run_rens": False}


@dataclass(frozen=True)
class SolveStats:
    """What the solver did: name, normalised status, times, objective, bound and gap.

    ``gap`` is the relative MIP gap ``|objective − best_bound| / max(1, |objective|)``
    (0 for a proven optimum; NaN when no bound is known).
    """

    solver: str
    status: str
    raw_status: str
    time_s: float
    objective: float
    best_bound: float
    gap: float
    options: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    #: Seconds of each step of :func:`staffing.model.build.solve_model` (start, search,
    #: polish); empty for a single solve.
    stages: dict[str, float] = field(default_factory=dict)
    #: Objective of each start the staged solve built (``bounds``: decisions at their
    #: lower bounds; ``dive``: the LP relaxation rounded in a dive; ``warm``: a known
    #: plan's decisions, repaired); NaN where one was tried and failed.
    start_objectives: dict[str, float] = field(default_factory=dict)
    #: The start handed to the search (``bounds``, ``dive`` or ``warm``: a known
    #: plan's decisions, :func:`staffing.optimize`'s ``warm_start``); empty for a
    #: single solve.
    start_used: str = ""
    #: Decision columns the warm start's repair changed (0 when the known plan fitted
    #: the model as it was, or when there was no warm start).
    warm_repaired: int = 0
    #: What a warm start carried over from the known plan (moves and hires carried
    #: and dropped; :mod:`staffing.model.warm`); empty without one.
    warm_start: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, for manifests and reports."""
        return asdict(self)


def available_solvers() -> list[str]:
    """The solvers of :data:`SOLVERS` that can run on this machine."""
    found = set(pulp.listSolvers(onlyAvailable=True))
    out = []
    if "HiGHS" in found:
        out.append("highs")
    if found & {"PULP_CBC_CMD", "COIN_CMD"}:
        out.append("cbc")
    return out


@functools.cache
def _quiet_highs_banner() -> None:
    """Create one HiGHS instance with the process's stdout closed.

    HiGHS prints a copyright banner from C++ the first time a ``Highs`` object is made
    in a process, whatever ``output_flag`` says; ``msg=False`` should mean silence.
    """
    try:
        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_HIGHS_THREADS: dict[str, int | None] = {}


def _highs_thread_count(threads: int | None) -> None:
    """Let HiGHS use ``threads`` even after a solve with another count in this process.

    HiGHS starts one global task scheduler per process with the thread count of the
    first solve, and a later solve asking for another count fails ("Not Set"). Reset
    the scheduler when the count changes (solves in one process run one at a time).
    """
    if "last" in _HIGHS_THREADS and _HIGHS_THREADS["last"] != threads:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
    _HIGHS_THREADS["last"] = threads


def _highs_with_start() -> type:
    """PuLP's HiGHS interface that hands HiGHS a MIP start (``Highs.setSolution``).

    PuLP's in-process HiGHS solver takes no start; this subclass gives the current
    values of the variables named in ``start`` (by name: PuLP 4 wraps variables afresh)
    to HiGHS after the model is built and before it runs. Works with PuLP 3 and 4.
    """

    class HiGHSWithStart(pulp.HiGHS):  # type: ignore[misc, valid-type]
        start: dict[str, float] | None = None

        def callSolver(self, lp):  # noqa: N802 (PuLP's name)
            if self.start:
                import highspy

                columns = getattr(lp, "exported_variables", lp.variables)()
                solution = highspy.HighsSolution()
                solution.col_value = [float(self.start.get(v.name, 0.0)) for v in columns]
                solution.value_valid = True
                lp.solverModel.setSolution(solution)
            super().callSolver(lp)

    return HiGHSWithStart


def _highs_staged() -> type:
    """PuLP's HiGHS interface running the three steps of a county solve on one model.

    The model is built in HiGHS once; then (1) *start*: the columns named in ``fixed``
    held at their lower bounds, the rest solved exactly; (2) *search*: bounds restored,
    the start handed over with ``Highs.setSolution``, solved within the time limit and
    gap; (3) *polish*: the ``fixed`` columns held at the values found, the rest solved
    exactly again. With ``start_rule = "dive"`` step 1 also rounds the LP relaxation
    (``_dive``), and with ``warm`` (decision values by name) it also tries a known
    plan (``_warm``); the best start is kept, its objective recorded, and a search from
    the warm start runs with the HiGHS options ``warm_search``.
    Each exact solve tries the LP first (integrality dropped), keeping its answer when
    the integer columns come out whole. What happened is left in
    ``self.record`` for :func:`solve_staged`; PuLP then reads the last solution.
    """
    import highspy

    class HiGHSStaged(pulp.HiGHS):  # type: ignore[misc, valid-type]
        fixed: frozenset[str] = frozenset()
        search_time_limit: float | None = None
        search_gap: float | None = None
        record: dict[str, Any] | None = None
        start_rule: str = "bounds"
        warm: dict[str, float] | None = None
        _columns: list | None = None  # PuLP 3: lp.variables(), listed once per solve
        warm_search: dict[str, Any] | None = None

        def _exact(self, h, integers: np.ndarray, kinds: list
                   ) -> tuple[list[float] | None, float]:
            """Solve to optimality: (column values, objective), or (None, nan)."""
            h.setOptionValue("time_limit", math.inf)
            h.setOptionValue("mip_rel_gap", 0.0)
            cont = [highspy.HighsVarType.kContinuous] * len(integers)
            h.changeColsIntegrality(len(integers), integers, np.array(cont))
            try:
                h.run()
                if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                    values = np.asarray(h.getSolution().col_value)
                    if np.all(np.abs(values[integers] - np.rint(values[integers])) <= 1e-6):
                        return values.tolist(), float(h.getInfo().objective_function_value)
            finally:
                h.changeColsIntegrality(len(integers), integers, np.array(kinds))
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                return list(h.getSolution().col_value), float(
                    h.getInfo().objective_function_value)
            return None, math.nan

        def _warm(self, h, integers: np.ndarray, kinds: list, cols: list, fixed: np.ndarray,
                  low: np.ndarray, up: np.ndarray) -> tuple[list[float] | None, float, int]:
            """A start from a known plan (``self.warm``: decision values by name).

            Each decision column takes the plan's value (its lower bound where the plan
            has no such column), rounded and clipped to the column's bounds; rows on
            decision columns alone (group sizes, move caps, the urgent share of hires)
            that it breaks are repaired by lowering the columns that break them, largest
            first; then the decisions are held and the rest solved exactly. Returns
            (values, objective, number of columns changed by the repair), or
            (None, nan, changed) if the rest has no solution with those decisions.
            """
            named = np.array([float(self.warm.get(cols[j].name, low[k]))
                              for k, j in enumerate(fixed)])
            at = np.clip(np.rint(named), low, up)
            changed = int(np.count_nonzero(at != np.rint(named)))
            at, repaired = _repair_decisions(h, fixed, at, low)
            changed += repaired
            h.changeColsBounds(len(fixed), fixed, at, at)
            try:
                values, objective = self._exact(h, integers, kinds)
            finally:
                h.changeColsBounds(len(fixed), fixed, low, up)
            return values, objective, changed

        def _dive(self, h, integers: np.ndarray, kinds: list, fixed: np.ndarray,
                  low: np.ndarray, up: np.ndarray) -> tuple[list[float] | None, float]:
            """A start from the LP relaxation: its ``fixed`` columns rounded in a dive.

            Solve the LP (integrality dropped, bounds as they are); hold every decision
            column that came out whole; round the more decided half of the fractional
            ones to the nearest whole number (up only where the rows on decision
            columns alone — group sizes, move caps — still hold, else down) and hold
            them; re-solve the LP and repeat until every decision column is held. Then
            the rest is solved exactly. Returns (None, nan) if an LP fails (the caller
            keeps the other start). Bounds and integrality are restored.
            """
            h.setOptionValue("time_limit", math.inf)
            n, m, starts, rows, coefs, col_of, mixed, _, row_up = _decision_rows(h, fixed)
            lo, hi = low.copy(), up.copy()
            cont = [highspy.HighsVarType.kContinuous] * len(integers)
            h.changeColsIntegrality(len(integers), integers, np.array(cont))
            try:
                while True:
                    h.run()
                    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                        return None, math.nan
                    x = np.asarray(h.getSolution().col_value)[fixed]
                    whole = np.clip(np.floor(x + 1e-6), low, up)
                    frac = x - whole
                    done = frac <= 1e-6
                    lo[done] = hi[done] = whole[done]
                    open_ = np.flatnonzero(~done & (lo < hi))
                    if not len(open_):
                        break
                    values_now = np.zeros(n)
                    values_now[fixed] = np.where(lo == hi, lo, whole)
                    activity = np.zeros(m)
                    np.add.at(activity, rows, coefs * values_now[col_of])
                    order = np.argsort(-np.abs(frac[open_] - 0.5), kind="stable")
                    for c in open_[order[:max(1, (len(open_) + 1) // 2)]]:
                        lo[c] = hi[c] = whole[c]
                        if frac[c] < 0.5 or whole[c] + 1 > up[c]:
                            continue
                        j = fixed[c]
                        r, v = rows[starts[j]:starts[j + 1]], coefs[starts[j]:starts[j + 1]]
                        pure = ~mixed[r]
                        after = activity[r[pure]] + v[pure]
                        if np.all(after <= row_up[r[pure]] + 1e-9):
                            activity[r[pure]] = after
                            lo[c] = hi[c] = whole[c] + 1
                    h.changeColsBounds(len(fixed), fixed, lo, hi)
            finally:
                h.changeColsIntegrality(len(integers), integers, np.array(kinds))
            try:
                return self._exact(h, integers, kinds)
            finally:
                h.changeColsBounds(len(fixed), fixed, low, up)

        def actualSolve(self, lp):  # noqa: N802 (PuLP's name)
            if hasattr(lp, "exported_variables"):  # PuLP 4
                return super().actualSolve(lp)
            # PuLP 3's, with the columns listed once: its lp.variables() rescans every
            # row at each call (four calls in a solve, 0.06 s at 150 schools)
            self._columns = lp.variables()
            try:
                self.createAndConfigureSolver(lp)
                self.buildSolverModel(lp)
                self.callSolver(lp)
                status, solution_status = self.findSolutionValues(lp)
                for v in self._columns:
                    v.modified = False
                for row in lp._constraints.values():
                    row.modifier = False
                lp.assignStatus(status, solution_status)
                return status
            finally:
                self._columns = None

        def _cols(self, lp) -> list:
            """The model's columns in HiGHS's order."""
            if self._columns is not None:
                return self._columns
            return list(getattr(lp, "exported_variables", lp.variables)())

        def buildSolverModel(self, lp):  # noqa: N802 (PuLP's name)
            if hasattr(lp, "exported_variables"):  # PuLP 4 passes columns and rows in bulk
                return super().buildSolverModel(lp)
            _pass_model(lp, self._cols(lp))  # PuLP 3 adds them one at a time: 0.1 s
            return None

        def callSolver(self, lp):  # noqa: N802 (PuLP's name)
            h = lp.solverModel
            cols = self._cols(lp)
            fixed = np.array([j for j, v in enumerate(cols) if v.name in self.fixed],
                             dtype=np.int32)
            integers = np.array([j for j, v in enumerate(cols) if v.cat == pulp.LpInteger],
                                dtype=np.int32)
            kinds = [highspy.HighsVarType.kInteger] * len(integers)
            low = np.array([0.0 if cols[j].lowBound is None else float(cols[j].lowBound)
                            for j in fixed])
            up = np.array([math.inf if cols[j].upBound is None else float(cols[j].upBound)
                           for j in fixed])
            record: dict[str, Any] = {"times": {}}
            self.record = record
            # 1. start: decisions at their lower bounds, the rest exact.
            begin = time.perf_counter()
            h.changeColsBounds(len(fixed), fixed, low, low)
            start, start_objective = self._exact(h, integers, kinds)
            record["start_objectives"] = {"bounds": start_objective}
            record["start_rule"] = "bounds"
            if self.start_rule == "dive" and len(fixed):
                # 1b. the LP relaxation's decisions rounded in a dive, the rest exact.
                h.changeColsBounds(len(fixed), fixed, low, up)
                rounded, rounded_objective = self._dive(h, integers, kinds, fixed, low, up)
                record["start_objectives"]["dive"] = rounded_objective
                if rounded is not None and (start is None or rounded_objective < start_objective):
                    start, start_objective = rounded, rounded_objective
                    record["start_rule"] = "dive"
            if self.warm and any(self.warm.values()) and len(fixed):
                # 1c. a known plan's decisions, repaired, the rest exact (none given:
                # no start of its own).
                warm, warm_objective, changed = self._warm(h, integers, kinds, cols, fixed,
                                                           low, up)
                record["start_objectives"]["warm"] = warm_objective
                record["warm_repaired"] = changed
                if warm is not None and (start is None or warm_objective < start_objective):
                    start, start_objective = warm, warm_objective
                    record["start_rule"] = "warm"
            record["start_objective"] = start_objective
            record["times"]["start"] = time.perf_counter() - begin
            # 2. search from the start, within the limits.
            begin = time.perf_counter()
            h.changeColsBounds(len(fixed), fixed, low, up)
            h.setOptionValue("time_limit", math.inf if self.search_time_limit is None
                             else float(self.search_time_limit))
            h.setOptionValue("mip_rel_gap", 1e-4 if self.search_gap is None
                             else float(self.search_gap))
            if start is not None:
                solution = highspy.HighsSolution()
                solution.col_value = start
                solution.value_valid = True
                h.setSolution(solution)
            search_options = (self.warm_search or {}) if record.get("start_rule") == "warm" else {}
            saved = {k: _option(h, k) for k in search_options}
            for k, v in search_options.items():
                h.setOptionValue(k, v)
            try:
                h.run()
            finally:
                for k, v in saved.items():
                    h.setOptionValue(k, v)
            record["times"]["search"] = time.perf_counter() - begin
            status = h.getModelStatus()
            info = h.getInfo()
            record["status"] = status
            record["raw"] = h.modelStatusToString(status)
            bound = float(getattr(info, "mip_dual_bound", math.nan))
            record["bound"] = bound if math.isfinite(bound) else math.nan
            found, found_objective = None, math.nan
            if int(info.primal_solution_status) == 2 and _highs_vouches(lp, "highs"):
                found = list(h.getSolution().col_value)
                found_objective = float(info.objective_function_value)
            record["from_start"] = found is None and start is not None
            if found is None:
                found, found_objective = start, start_objective
            # 3. polish: decisions as found, the rest exact again.
            begin = time.perf_counter()
            final = found
            if found is not None and len(fixed):
                at = np.rint(np.asarray(found)[fixed])
                h.changeColsBounds(len(fixed), fixed, at, at)
                polished, polished_objective = self._exact(h, integers, kinds)
                h.changeColsBounds(len(fixed), fixed, low, up)
                if polished is not None and polished_objective <= found_objective + 1e-6 * max(
                        1.0, abs(found_objective)):
                    final = polished
            record["times"]["polish"] = time.perf_counter() - begin
            record["final"] = final

        def findSolutionValues(self, lp):  # noqa: N802 (PuLP's name)
            # HiGHS dropped its solution when the bounds were restored: the values are
            # the record's, and the verdict is read from it by solve_staged.
            final = (self.record or {}).get("final")
            if final is not None:
                cols = self._cols(lp)
                for v, x in zip(cols, final, strict=True):
                    v.varValue = float(x)
            status_enum = getattr(pulp.constants, "LpSolveStatus", None)
            if status_enum is not None:  # PuLP 4: (status, has_solution)
                return (status_enum.Optimal if final is not None else status_enum.NotSolved,
                        final is not None)
            if final is not None:  # PuLP 3: (status, solution status)
                return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
            return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    return HiGHSStaged


def _pass_model(lp: pulp.LpProblem, cols: list[pulp.LpVariable] | None = None) -> None:
    """Load PuLP 3's problem ``lp`` into ``lp.solverModel`` (a ``highspy.Highs``) with one
    ``addCols`` and one ``addRows`` call: the same columns, rows and indices as PuLP's
    own ``buildSolverModel``, which adds them one call at a time. ``cols``: the columns,
    ``lp.variables()`` if not given."""
    import highspy

    h = lp.solverModel
    cols = lp.variables() if cols is None else cols
    for j, v in enumerate(cols):
        v.index = j
    n = len(cols)
    cost = np.zeros(n)
    sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
    for v, c in (lp.objective or {}).items():  # an empty objective is None or falsy
        cost[v.index] += sign * c
    lower = np.array([-math.inf if v.lowBound is None else v.lowBound for v in cols], dtype=float)
    upper = np.array([math.inf if v.upBound is None else v.upBound for v in cols], dtype=float)
    none = np.zeros(0, dtype=np.int32)
    h.addCols(n, cost, lower, upper, 0, none, none, np.zeros(0))
    integers = np.array([j for j, v in enumerate(cols) if v.cat == pulp.LpInteger],
                        dtype=np.int32)
    if len(integers):
        h.changeColsIntegrality(len(integers), integers,
                                np.full(len(integers), highspy.HighsVarType.kInteger))
    starts, index, value, row_low, row_up = [], [], [], [], []
    for i, row in enumerate(lp._constraints.values()):
        row.index = i
        starts.append(len(index))
        for v, a in row.items():
            if a != 0:
                index.append(v.index)
                value.append(a)
        lb, ub = row.getLb(), row.getUb()
        row_low.append(-math.inf if lb is None else lb)
        row_up.append(math.inf if ub is None else ub)
    if row_low:
        h.addRows(len(row_low), np.array(row_low, dtype=float), np.array(row_up, dtype=float),
                  len(index), np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32),
                  np.array(value, dtype=float))


def _option(h, name: str) -> Any:
    """A HiGHS option's value (highspy returns ``(status, value)`` in some versions)."""
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def _decision_rows(h, fixed: np.ndarray) -> tuple:
    """The HiGHS model's matrix as seen from the decision columns ``fixed``.

    Returns ``(n, m, starts, rows, coefs, col_of, mixed, row_low, row_up)``: sizes,
    the column-wise matrix, each non-zero's column, which rows hold any column that is
    not a decision, and the row bounds.
    """
    lp = h.getLp()
    n, m = lp.num_col_, lp.num_row_
    a = lp.a_matrix_  # column-wise (HiGHS's own format for a passed model)
    starts, rows, coefs = (np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_))
    col_of = np.repeat(np.arange(n), np.diff(starts))
    is_fixed = np.zeros(n, dtype=bool)
    is_fixed[fixed] = True
    mixed = np.zeros(m, dtype=bool)
    mixed[rows[~is_fixed[col_of]]] = True
    return (n, m, starts, rows, coefs, col_of, mixed, np.asarray(lp.row_lower_),
            np.asarray(lp.row_upper_))


def _repair_decisions(h, fixed: np.ndarray, at: np.ndarray, low: np.ndarray,
                      rounds: int = 50) -> tuple[np.ndarray, int]:
    """Lower decision values until every row on decision columns alone holds.

    ``at`` are the decision columns' values (in the order of ``fixed``), ``low`` their
    lower bounds. A row above its upper bound is mended by lowering its columns with a
    positive coefficient, one below its lower bound by lowering those with a negative
    one (a share row: fewer of what it limits), largest excess first, one unit at a
    time, until the row holds. Lowering only moves towards the lower bounds, where
    every such row of a county model holds (no moves, no hires). Returns the repaired
    values and how many columns changed; rows with other columns are left to the
    exact solve that follows.
    """
    n, m, starts, rows, coefs, col_of, mixed, row_low, row_up = _decision_rows(h, fixed)
    position = np.full(n, -1)
    position[fixed] = np.arange(len(fixed))
    in_fixed = position[col_of] >= 0
    pure = ~mixed[rows] & in_fixed
    by_row = np.argsort(rows[pure], kind="stable")  # each row's entries side by side
    r, k, c = rows[pure][by_row], position[col_of[pure]][by_row], coefs[pure][by_row]
    at = at.astype(float).copy()
    original = at.copy()
    tol = 1e-9
    checked = np.zeros(m, dtype=bool)
    checked[r] = True
    for _ in range(rounds):
        activity = np.bincount(r, weights=c * at[k], minlength=m)
        over = checked & (activity > row_up + tol)
        under = checked & (activity < row_low - tol)
        if not (over.any() or under.any()):
            break
        for row in np.flatnonzero(over | under):
            sign = 1.0 if over[row] else -1.0
            excess = (activity[row] - row_up[row]) if over[row] else (row_low[row] - activity[row])
            mine = slice(*np.searchsorted(r, [row, row + 1]))
            kk, cc = k[mine], c[mine] * sign
            order = np.argsort(-cc * at[kk], kind="stable")
            for j, coef in zip(kk[order], cc[order], strict=True):
                if excess <= tol:
                    break
                if coef <= 0 or at[j] <= low[j]:
                    continue
                drop = min(at[j] - low[j], math.ceil(excess / coef - tol))
                at[j] -= drop
                excess -= drop * coef
    return at, int(np.count_nonzero(at != original))


def _make_solver(
    name: str, *, time_limit: float | None, mip_gap: float | None, threads: int | None,
    msg: bool, options: dict[str, Any], start: dict[str, float] | None = None,
    log_path: str | None = None, staged: bool = False,
) -> Any:
    kwargs: dict[str, Any] = {"msg": msg}
    if time_limit is not None:
        kwargs["timeLimit"] = float(time_limit)
    if mip_gap is not None:
        kwargs["gapRel"] = float(mip_gap)
    if threads is not None:
        kwargs["threads"] = int(threads)
    if name == "highs":
        if not msg:
            _quiet_highs_banner()
        _highs_thread_count(threads)
        # Fixed seed: the same model gives the same answer, run after run. The root
        # reduced-cost heuristic (a sub-MIP fixing columns by root reduced costs) is
        # off: on county models it nests sub-MIPs and took 3–10 s of 4–11 s solves at
        # 150 schools while the root cuts had already proved the bound; RINS/RENS
        # still find the optimum (docs/performance.md). Caller options win.
        kind = _highs_staged() if staged else _highs_with_start()
        engine = kind(**kwargs, **{**HIGHS_DEFAULTS, **options})
        if not staged:  # the staged engine builds its own start
            engine.start = start
        return engine
    cbc_options = [f"{k} {v}" for k, v in options.items()] or None
    # CBC reads a start from the variables' current values (warmStart); its log gives
    # the bound, which PuLP does not report.
    kwargs.update(warmStart=bool(start), logPath=log_path)
    if hasattr(pulp, "PULP_CBC_CMD"):  # PuLP 3.x: the CBC bundled with PuLP
        with warnings.catch_warnings():  # 3.3 warns that 4.0 drops it; 4.x has COIN_CMD
            warnings.simplefilter("ignore", DeprecationWarning)
            return pulp.PULP_CBC_CMD(**kwargs, options=cbc_options)
    return pulp.COIN_CMD(**kwargs, options=cbc_options)


def _choose(solver: str) -> list[str]:
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    found = available_solvers()
    order = [solver] + [s for s in SOLVERS if s != solver]
    usable = [s for s in order if s in found]
    if not usable:
        raise SolverError(
            "no MILP solver available: install highspy (pip install highspy) or CBC"
        )
    return usable


def _normalise(prob: pulp.LpProblem, result: Any, solver: str) -> tuple[str, str, float]:
    """Return (status, raw status text, best bound) for PuLP 3.x or 4.x."""
    if hasattr(result, "has_solution"):  # PuLP 4.x LpSolveStats
        raw = str(getattr(result, "status_str", result.status))
        bound = getattr(result, "best_bound", None)
        bound = math.nan if bound is None or not math.isfinite(float(bound)) else float(bound)
        if int(result.status) == 1 and result.has_solution:
            return "optimal", raw, bound
        if result.has_solution:
            return "feasible", raw, bound
        if int(result.status) == -1:
            return "infeasible", raw, bound
        return "error", raw, bound
    # PuLP 3.x: the status says little after a time limit; the solution status and,
    # for HiGHS, the model status say what happened.
    raw = pulp.LpStatus.get(prob.status, str(prob.status))
    sol = getattr(prob, "sol_status", None)
    bound = math.nan
    model = getattr(prob, "solverModel", None)
    if solver == "highs" and model is not None:
        import highspy

        model_status = model.getModelStatus()
        raw = model.modelStatusToString(model_status)
        info = model.getInfo()
        bound = float(getattr(info, "mip_dual_bound", math.nan))
        if not math.isfinite(bound):  # no bound proven yet
            bound = math.nan
        optimal = model_status == highspy.HighsModelStatus.kOptimal
        has_solution = int(getattr(info, "primal_solution_status", 0)) == 2
        if optimal:
            return "optimal", raw, bound
        if model_status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", raw, bound
        return ("feasible" if has_solution else "error"), raw, bound
    if sol == pulp.LpSolutionOptimal:
        return "optimal", raw, bound
    if sol == pulp.LpSolutionIntegerFeasible:
        return "feasible", raw, bound
    if prob.status == pulp.LpStatusInfeasible:
        return "infeasible", raw, bound
    return "error", raw, bound


def solve(
    prob: pulp.LpProblem,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    msg: bool = False,
    options: dict[str, Any] | None = None,
    start: dict[str, float] | None = None,
) -> SolveStats:
    """Solve ``prob`` with HiGHS (default) or CBC and normalise what came back.

    Falls back to the other solver when the one asked for is not installed (the
    stats name the solver that actually ran). Whatever a solver reports, the values
    it leaves are checked — every variable within its bounds, every integer variable
    whole, every constraint met (:func:`solution_is_valid`) — so ``optimal`` and
    ``feasible`` always mean a plan that keeps every hard rule.

    Parameters
    ----------
    prob : the PuLP problem.
    solver : ``"highs"`` or ``"cbc"``.
    time_limit : seconds; a run stopped by it with a solution is ``feasible``.
    mip_gap : relative gap at which the solver may stop.
    threads : solver threads (HiGHS MIP is largely single-threaded).
    msg : show the solver log.
    options : extra solver options (HiGHS option names, or CBC ``name value`` pairs).
    start : a complete, feasible solution ``{variable name: value}`` handed to the
        solver as its first incumbent. If the solver stops without a valid solution of
        its own (a time limit hit before its first incumbent, a crash), the start is
        returned as a ``feasible`` plan instead, with the bound the solver proved.

    Returns
    -------
    SolveStats
    """
    options = dict(options or {})
    errors = []
    for name in _choose(solver):
        log_path = None
        if name == "cbc":
            handle, log_path = tempfile.mkstemp(prefix="staffing-cbc-", suffix=".log")
            os.close(handle)
        if name == "cbc" and start:
            load_values(prob, start)
        engine = _make_solver(
            name, time_limit=time_limit, mip_gap=mip_gap, threads=threads, msg=msg,
            options=options, start=start, log_path=log_path,
        )
        begin = time.perf_counter()
        try:
            result = prob.solve(engine)
        except pulp.PulpSolverError as exc:  # solver crashed: try the other one
            errors.append(f"{name}: {exc}")
            continue
        finally:
            log = _read_and_remove(log_path)
        elapsed = time.perf_counter() - begin
        status, raw, bound = _normalise(prob, result, name)
        message = ""
        if name == "cbc":
            status, raw, bound = _cbc_from_log(log, status, raw, bound)
        if status in ("optimal", "feasible") and not _highs_vouches(prob, name) and \
                not solution_is_valid(prob):
            message = f"{name} returned values that break a rule ({raw}); "
            status = "error"
        if status in ("error", "infeasible") and start:
            # The start is a plan that keeps every rule, so "infeasible" here is the
            # solver's fault (CBC stopped by its time limit sometimes says so).
            load_values(prob, start)
            message += (f"{name} returned no plan ({raw}): the start plan is returned"
                        if status == "infeasible" else
                        "the solver found no better plan in time: the start plan is returned")
            status = "feasible"
        objective = pulp.value(prob.objective)
        objective = math.nan if objective is None else float(objective)
        gap = relative_gap(objective, bound) if status in ("optimal", "feasible") else math.nan
        return SolveStats(
            solver=name, status=status, raw_status=raw, time_s=elapsed, objective=objective,
            best_bound=bound, gap=gap, message=message,
            options={"time_limit": time_limit, "mip_gap": mip_gap, "threads": threads, **options},
        )
    raise SolverError("every solver failed: " + "; ".join(errors))


def relative_gap(objective: float, bound: float) -> float:
    """``max(0, objective − bound) / max(1, |objective|)``; NaN when no bound is known.

    Examples
    --------
    >>> relative_gap(101.0, 100.0), relative_gap(5.0, float("nan"))
    (0.009900990099009901, nan)
    """
    if math.isnan(bound) or math.isnan(objective):
        return math.nan
    return max(0.0, objective - bound) / max(1.0, abs(objective))


def _read_and_remove(path: str | None) -> str:
    if path is None:
        return ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


#: A number as CBC's log prints it: sign, digits, and an exponent of either sign
#: (``5.68434188608e-14``: a zero objective off by rounding).
_CBC_NUMBER = r"(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)"


def _cbc_from_log(log: str, status: str, raw: str, bound: float) -> tuple[str, str, float]:
    """CBC's own verdict and bound, read from its log (PuLP reports neither).

    ``Result - Optimal solution found`` with a relative gap set means optimal within
    that gap; ``Stopped on time limit`` (or iterations, nodes) with an integer solution
    is ``feasible``. The bound is the log's ``Lower bound`` (minimisation).
    """
    found = re.search(r"^Result - (.+)$", log, flags=re.MULTILINE)
    lower = re.search(rf"^Lower bound:\s+{_CBC_NUMBER}", log, flags=re.MULTILINE)
    if lower:
        with contextlib.suppress(ValueError):
            bound = float(lower.group(1))
    if not found:
        return status, raw, bound
    verdict = found.group(1).strip()
    if verdict.startswith("Optimal solution found"):
        incumbent = re.search(r"^Objective value:\s+" + _CBC_NUMBER, log, re.MULTILINE)
        if not lower and incumbent and "gap" not in verdict:  # proven: the bound is it
            bound = float(incumbent.group(1))
        return "optimal", verdict, bound
    if verdict.startswith("Stopped"):
        has_incumbent = re.search(r"^Objective value:\s+" + _CBC_NUMBER, log, re.MULTILINE)
        return ("feasible" if has_incumbent else "error"), verdict, bound
    if "infeasible" in verdict.lower():
        return "infeasible", verdict, bound
    return status, verdict, bound


def load_values(prob: pulp.LpProblem, values_by_name: dict[str, float]) -> None:
    """Set every variable of ``prob`` to its value in ``values_by_name`` (0 if absent)."""
    for v in prob.variables():
        v.varValue = float(values_by_name.get(v.name, 0.0))


def _highs_vouches(prob: pulp.LpProblem, name: str) -> bool:
    """Whether HiGHS itself reports a feasible solution within its tolerances.

    HiGHS measures its solution's largest bound, row and integrality violations as it
    hands it back; reading them costs nothing, while checking 30,000 rows in Python
    takes about a second. For CBC (or an older HiGHS) the values are checked here.
    """
    model = getattr(prob, "solverModel", None)
    if name != "highs" or model is None:
        return False
    try:
        info = model.getInfo()
        primal = float(info.max_primal_infeasibility)
        integrality = max(0.0, float(info.max_integrality_violation))  # −1: an LP
        return int(info.primal_solution_status) == 2 and 0 <= primal <= 1e-5 \
            and integrality <= 1e-5
    except (AttributeError, TypeError, ValueError):
        return False


def current_values(prob: pulp.LpProblem) -> dict[str, float]:
    """``{variable name: value}`` of the problem's current solution (integers rounded)."""
    out = {}
    for v in prob.variables():
        x = 0.0 if v.varValue is None else float(v.varValue)
        out[v.name] = float(np.rint(x)) if v.cat == pulp.LpInteger else x
    return out


def solution_is_valid(prob: pulp.LpProblem, tol: float = 1e-6) -> bool:
    """Whether the current values keep every bound, integrality and constraint of ``prob``.

    Tolerances are relative to the size of each row (``tol × max(1, |rhs|)``, and 1e-5
    absolute for integrality, as the solvers' own feasibility tolerances).
    """
    for v in prob.variables():
        x = v.varValue
        if x is None:
            return False
        if v.lowBound is not None and x < v.lowBound - tol * max(1.0, abs(v.lowBound)):
            return False
        if v.upBound is not None and x > v.upBound + tol * max(1.0, abs(v.upBound)):
            return False
        if v.cat == pulp.LpInteger and abs(x - round(x)) > 1e-5:
            return False
    rows = prob.constraints() if callable(prob.constraints) else prob.constraints.values()
    for c in rows:  # PuLP 4: a method returning a list; PuLP 3: a dict
        activity = sum(coef * (var.varValue or 0.0) for var, coef in c.items())
        rhs = -c.constant
        slack = tol * max(1.0, abs(rhs), sum(abs(coef) for coef in c.values()))
        if c.sense == pulp.LpConstraintEQ and abs(activity - rhs) > slack:
            return False
        if c.sense == pulp.LpConstraintLE and activity > rhs + slack:
            return False
        if c.sense == pulp.LpConstraintGE and activity < rhs - slack:
            return False
    return True


def solve_with_fixed(
    prob: pulp.LpProblem, fixed: dict[str, float], **kwargs: Any,
) -> SolveStats:
    """Solve ``prob`` with the variables named in ``fixed`` held at those values.

    Their bounds are restored afterwards; the other variables keep their categories,
    so what is left is a smaller MIP (or an LP). Keyword arguments go to :func:`solve`.
    """
    saved = []
    others = []
    for v in prob.variables():
        if v.name in fixed:
            saved.append((v, v.lowBound, v.upBound))
            v.lowBound = v.upBound = float(fixed[v.name])
        elif v.cat == pulp.LpInteger:
            others.append(v)
    try:
        if others:  # the LP first: quota blocks are network-like, usually integral
            for v in others:
                v.cat = pulp.LpContinuous
            try:
                relaxed = solve(prob, **kwargs)
            finally:
                for v in others:
                    v.cat = pulp.LpInteger
            if relaxed.status == "optimal" and all(
                    abs(v.varValue - round(v.varValue)) <= 1e-6 for v in others):
                return relaxed
        return solve(prob, **kwargs)
    finally:
        for v, lo, up in saved:
            v.lowBound, v.upBound = lo, up


def solve_staged(
    prob: pulp.LpProblem,
    fixed: Sequence[str],
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    msg: bool = False,
    options: dict[str, Any] | None = None,
    start_rule: str = "bounds",
    warm: dict[str, float] | None = None,
    warm_search: dict[str, Any] | None = None,
) -> SolveStats:
    """Start, search and polish (see :func:`_highs_staged`) with HiGHS, on one model.

    ``fixed`` names the variables held at their lower bounds for the start and at the
    values found for the polish (moves, hires, loans). ``start_rule`` (one of
    :data:`START_RULES`): ``"dive"`` also builds a start from the LP relaxation
    (``HiGHSStaged._dive``) and hands HiGHS the better of the two. ``warm`` (decision
    values by name) is a known plan tried as a further start, repaired
    (``_repair_decisions``); a search from it runs with the HiGHS options
    ``warm_search``. Returns the search's verdict
    and bound, with the objective of the plan finally kept; ``stages`` has the seconds
    of each step. Raises :class:`SolverError` if HiGHS is not installed.
    """
    if "highs" not in available_solvers():
        raise SolverError("solve_staged needs HiGHS (pip install highspy)")
    import highspy

    options = dict(options or {})
    staged = _make_solver("highs", time_limit=None, mip_gap=None, threads=threads, msg=msg,
                          options=options, staged=True)
    staged.fixed = frozenset(fixed)
    staged.search_time_limit = time_limit
    staged.search_gap = mip_gap
    if start_rule not in START_RULES:
        raise ValueError(f"unknown start_rule {start_rule!r}; "
                         f"choose one of {', '.join(START_RULES)}")
    staged.start_rule = start_rule
    staged.warm = None if warm is None else dict(warm)
    staged.warm_search = dict(warm_search or {})
    begin = time.perf_counter()
    prob.solve(staged)
    elapsed = time.perf_counter() - begin
    record = staged.record or {}
    final = record.get("final")
    status_code = record.get("status")
    raw = record.get("raw", "")
    if final is None:
        status = ("infeasible" if status_code == highspy.HighsModelStatus.kInfeasible
                  else "error")
    elif status_code == highspy.HighsModelStatus.kOptimal and not record.get("from_start"):
        status = "optimal"
    else:
        status = "feasible"
    message = ("the solver found no plan of its own in time: the start plan is returned"
               if record.get("from_start") and final is not None else "")
    objective = pulp.value(prob.objective) if final is not None else None
    objective = math.nan if objective is None else float(objective)
    bound = float(record.get("bound", math.nan))
    gap = relative_gap(objective, bound) if status in ("optimal", "feasible") else math.nan
    return SolveStats(
        solver="highs", status=status, raw_status=raw, time_s=elapsed, objective=objective,
        best_bound=bound, gap=gap, message=message, stages=dict(record.get("times", {})),
        start_objectives=dict(record.get("start_objectives", {})),
        start_used=str(record.get("start_rule", "")),
        warm_repaired=int(record.get("warm_repaired", 0)),
        options={"time_limit": time_limit, "mip_gap": mip_gap, "threads": threads, **options},
    )


def values(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
    """Solution values of ``variables`` as a float array (NaN where unsolved).

    Examples
    --------
    >>> prob = pulp.LpProblem("x", pulp.LpMinimize)
    >>> x = prob.add_variable("x", lowBound=2)
    >>> prob += x
    >>> _ = solve(prob)
    >>> values([x]).tolist()
    [2.0]
    """
    return np.fromiter(
        (np.nan if v.varValue is None else v.varValue for v in variables),
        dtype=float,
        count=len(variables),
    )


def marginal_value(prob: pulp.LpProblem, slack: pulp.LpVariable,
                   relax: Sequence[pulp.LpVariable]) -> float:
    """The fall in the objective if ``slack`` could go one unit below its lower bound.

    Every integer variable not in ``relax`` is fixed at its (rounded) solution value and
    those in ``relax`` become continuous; the LP is solved as it is and again with
    ``slack``'s lower bound one lower, and the difference of the two objectives is
    returned. For the pool reserve in ``Σ quota + reserve − over = total`` that is the
    value of one more post in the county total — measured by re-solving, not read off
    a dual, because the LP is degenerate there (the dual is any value between the
    worth of one post more and one post less). The problem's bounds and categories are
    restored; its variable values are those of the last LP. Call it after :func:`solve`.
    """
    relaxed = {v.name for v in relax}  # by name: PuLP 4 hands out fresh wrapper objects
    integers = [v for v in prob.variables() if v.cat == pulp.LpInteger]
    saved = [(v, v.lowBound, v.upBound) for v in integers]
    low = slack.lowBound
    try:
        for v in integers:
            v.cat = pulp.LpContinuous
            if v.name not in relaxed:
                fixed = float(np.rint(v.varValue or 0.0))
                v.lowBound = v.upBound = fixed
        base = solve(prob, solver="highs")
        slack.lowBound = (low or 0) - 1
        more = solve(prob, solver="highs")
        if base.status != "optimal" or more.status != "optimal":
            return math.nan
        return base.objective - more.objective
    finally:
        slack.lowBound = low
        for v, lo, up in saved:
            v.lowBound, v.upBound, v.cat = lo, up, pulp.LpInteger
