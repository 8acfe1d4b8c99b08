"""Linear expressions built in one step from (variable, coefficient) terms.

PuLP's operators build an expression term by term: ``pulp.lpDot(c, x)`` makes one
expression per product and adds them up (about 3 µs a term on PuLP 3), and
``a * x - b * y + k`` makes a new expression at every operator. The model's blocks
build tens of thousands of terms, so the rows that carry many of them are built here
instead, from plain pairs, with one expression made at the end. The result is an
ordinary :class:`pulp.LpAffineExpression`, equal to the operator-built one; equal terms
are added up, as PuLP adds them.

PuLP 3 (a dict subclass) and PuLP 4 (a Rust core, built with ``from_dict``) are both
supported; nothing else in the library needs to know which one is installed.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import pulp

__all__ = ["linear", "combine", "constant_of"]

_FROM_DICT = getattr(pulp.LpAffineExpression, "from_dict", None)  # PuLP 4


def _expression(coefs: dict, constant: float) -> pulp.LpAffineExpression:
    """One expression from ``{variable: coefficient}`` and a constant."""
    if _FROM_DICT is not None:
        return _FROM_DICT(coefs, float(constant))
    return pulp.LpAffineExpression(coefs, constant=float(constant))


def linear(variables: Sequence[pulp.LpVariable], coefs: Iterable[float] | None = None,
           constant: float = 0.0) -> pulp.LpAffineExpression:
    """``Σ coefs[i] · variables[i] + constant`` (each coefficient 1 if ``coefs`` is None).

    The same expression as ``pulp.lpDot(coefs, variables) + constant``, built in one
    step; a variable listed twice gets the sum of its coefficients.

    Examples
    --------
    >>> import pulp
    >>> prob = pulp.LpProblem("example")
    >>> x, y = prob.add_variable("x"), prob.add_variable("y")
    >>> e = linear([x, y, x], [2, 3, 1], constant=4)
    >>> sorted((v.name, c) for v, c in e.items()), e.constant
    ([('x', 3.0), ('y', 3.0)], 4.0)
    """
    out: dict = {}
    if coefs is None:
        for v in variables:
            out[v] = out.get(v, 0.0) + 1.0
    else:
        for v, c in zip(variables, coefs, strict=True):
            out[v] = out.get(v, 0.0) + float(c)
    return _expression(out, constant)


def combine(parts: Iterable[tuple[float, object]], constant: float = 0.0
            ) -> pulp.LpAffineExpression:
    """``Σ factor · part + constant``, each part a variable, an expression, a number or
    a list of these (summed).

    The same expression as writing the sum out with PuLP's operators, built in one
    step.

    Examples
    --------
    >>> import pulp
    >>> prob = pulp.LpProblem("example")
    >>> x, y = prob.add_variable("x"), prob.add_variable("y")
    >>> e = combine([(2, x + 1), (-1, [x, y + 2]), (3, 5)])
    >>> sorted((v.name, c) for v, c in e.items()), e.constant
    ([('x', 1.0), ('y', -1.0)], 15.0)
    """
    out: dict = {}
    total = float(constant)
    for factor, part in parts:
        total += _add(out, float(factor), part)
    return _expression(out, total)


def _add(out: dict, factor: float, part: object) -> float:
    """Add ``factor · part`` to the coefficients ``out``; return its constant."""
    if isinstance(part, pulp.LpVariable):
        out[part] = out.get(part, 0.0) + factor
        return 0.0
    if isinstance(part, pulp.LpAffineExpression):
        for v, c in part.items():
            out[v] = out.get(v, 0.0) + factor * float(c)
        return factor * float(part.constant)
    if isinstance(part, numbers.Real):  # numpy numbers too
        return factor * float(part)
    return sum(_add(out, factor, item) for item in part)  # a list of parts


def constant_of(part: object) -> float:
    """The constant of a variable (0), an expression or a number."""
    if isinstance(part, pulp.LpVariable):
        return 0.0
    if isinstance(part, pulp.LpAffineExpression):
        return float(part.constant)
    return float(part)
