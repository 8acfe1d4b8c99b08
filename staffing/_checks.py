"""Checks of plain function arguments (counts, distances), one wording everywhere.

Bad *data* is reported through :class:`staffing.errors.StaffingDataError` with its file,
sheet, row and column; these checks are for arguments a caller passes in code.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["whole_number", "positive_number"]


def whole_number(name: str, value: Any, unit: str = "") -> int:
    """``value`` as an int if it is a whole number ≥ 0 (not a bool), else ValueError.

    Examples
    --------
    >>> whole_number("horizon", 5, "years")
    5
    >>> whole_number("horizon", 2.5, "years")
    Traceback (most recent call last):
    ...
    ValueError: horizon = 2.5: expected a whole number of years ≥ 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        of = f" of {unit}" if unit else ""
        raise ValueError(f"{name} = {value!r}: expected a whole number{of} ≥ 0")
    return int(value)


def positive_number(name: str, value: Any, unit: str = "") -> float:
    """``value`` as a float if it is a finite number > 0 (not a bool), else ValueError.

    Examples
    --------
    >>> positive_number("max_km", 12, "km")
    12.0
    >>> positive_number("max_km", 0, "km")
    Traceback (most recent call last):
    ...
    ValueError: max_km = 0: expected a number of km > 0
    """
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        of = f" of {unit}" if unit else ""
        raise ValueError(f"{name} = {value!r}: expected a number{of} > 0")
    return float(value)
