"""Pickling a solved county model, so that a Plan holding it pickles (Dask, joblib,
notebooks).

PuLP 4 keeps its problems, variables and expressions in a compiled core that does not
pickle, and PuLP 3 keeps the solver that ran (and HiGHS's in-memory model) on the
problem. So a model is pickled as plain data: the problem as
``LpProblem.toDict()`` (variables with their values and bounds, constraints,
objective) and every PuLP object in the block handles replaced by a reference by name —
:class:`VarRef`, :class:`ExprRef` (terms by variable name and the constant) or
:class:`ConstraintRef`. Unpickling rebuilds the problem with ``LpProblem.fromDict`` and
puts its variables, expressions and constraints back into the handles. Containers
without PuLP objects (the inputs' DataFrames) are kept as they are.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pulp

__all__ = ["VarRef", "ExprRef", "ConstraintRef", "problem_state", "problem_from_state",
           "detach", "attach"]


@dataclass(frozen=True)
class VarRef:
    """A PuLP variable, by name."""

    name: str


@dataclass(frozen=True)
class ExprRef:
    """A PuLP affine expression: (variable name, coefficient) terms and a constant."""

    terms: tuple[tuple[str, float], ...]
    constant: float


@dataclass(frozen=True)
class ConstraintRef:
    """A constraint of the problem, by name."""

    name: str


def _constraints(prob: pulp.LpProblem) -> dict[str, Any]:
    """The problem's constraints by name (``constraints()`` lists them in PuLP 3.3 and 4;
    older PuLP keeps a dict)."""
    found = prob.constraints
    found = found() if callable(found) else found
    return dict(found) if isinstance(found, dict) else {c.name: c for c in found}


def problem_state(prob: pulp.LpProblem) -> dict[str, Any]:
    """The problem as plain data (``toDict``), with its status."""
    return {"dict": prob.toDict(), "status": getattr(prob, "status", None),
            "sol_status": getattr(prob, "sol_status", None)}


def problem_from_state(state: dict[str, Any]) -> tuple[pulp.LpProblem, dict[str, Any]]:
    """The problem rebuilt from :func:`problem_state`, and its variables by name."""
    variables, prob = pulp.LpProblem.fromDict(state["dict"])
    for key in ("status", "sol_status"):
        if state.get(key) is not None:
            try:
                setattr(prob, key, state[key])
            except AttributeError:  # a read-only property in some PuLP versions
                pass
    return prob, variables


def detach(obj: Any) -> Any:
    """``obj`` with every PuLP variable, expression and constraint replaced by a
    reference; objects holding none are returned as they are (not copied)."""
    if isinstance(obj, pulp.LpVariable):
        return VarRef(obj.name)
    if isinstance(obj, pulp.LpConstraint):  # before expressions: in PuLP 3 it is one
        return ConstraintRef(obj.name)
    if isinstance(obj, pulp.LpAffineExpression):
        return ExprRef(tuple((v.name, float(c)) for v, c in obj.items()),
                       float(obj.constant or 0.0))
    return _map(obj, detach)


def attach(obj: Any, prob: pulp.LpProblem, variables: dict[str, Any]) -> Any:
    """The inverse of :func:`detach`: references replaced by the rebuilt problem's
    variables, expressions over them and its constraints."""
    constraints: dict[str, Any] = {}

    def back(x: Any) -> Any:
        if isinstance(x, VarRef):
            return variables[x.name]
        if isinstance(x, ExprRef):
            return pulp.lpSum([c * variables[n] for n, c in x.terms]) + x.constant
        if isinstance(x, ConstraintRef):
            if not constraints:
                constraints.update(_constraints(prob))
            return constraints[x.name]
        return _map(x, back)

    return back(obj)


def _map(obj: Any, fn) -> Any:
    """Apply ``fn`` inside containers, dataclasses, DataFrames and plain objects,
    copying only what changes."""
    if isinstance(obj, (str, bytes, int, float, bool, type(None))):
        return obj
    if isinstance(obj, dict):
        out = {k: fn(v) for k, v in obj.items()}
        if all(out[k] is v for k, v in obj.items()):
            return obj
        res = copy.copy(obj)  # keeps the dict's type (defaultdict, OrderedDict …)
        res.update(out)
        return res
    if isinstance(obj, (list, tuple)):
        items = [fn(v) for v in obj]
        if all(a is b for a, b in zip(items, obj, strict=True)):
            return obj
        return type(obj)(items) if type(obj) in (list, tuple) else type(obj)(*items)
    if isinstance(obj, pd.DataFrame):
        changed = {}
        for col in obj.columns[obj.dtypes.eq(object)]:
            values = [fn(v) for v in obj[col]]
            if any(a is not b for a, b in zip(values, obj[col], strict=True)):
                changed[col] = values
        return obj.assign(**changed) if changed else obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        new = {f.name: fn(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if all(new[k] is getattr(obj, k) for k in new):
            return obj
        out = copy.copy(obj)
        for k, v in new.items():
            object.__setattr__(out, k, v)  # frozen dataclasses too
        return out
    if type(obj).__module__.startswith("staffing.") and hasattr(obj, "__dict__"):
        new = {k: fn(v) for k, v in vars(obj).items()}
        if all(new[k] is v for k, v in vars(obj).items()):
            return obj
        out = copy.copy(obj)
        out.__dict__.update(new)
        return out
    return obj
