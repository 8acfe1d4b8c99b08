"""The fair-allocation prices, written from their documented wording for the tests.

docs/concepts.md ("the shortfall curve"): relative shortfall is cut into steps of
``band`` × norm (or need); a unit in step b costs ``1 + steepness × (b − ½) × band``
(at most ``1 + steepness``); for whole posts the step ends are rounded half up. Equal
schools are ordered by a premium ``1 + share × priority``: priority 1 for the school
with the lowest approved quota ÷ norm (then most pupils, highest weight, then id) down
to 0 for the last. Nothing here calls the library's own pricing code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

BAND, STEEP = 0.05, 2.0            # posts: Policy.fair_band, fair_steepness
BAND_NEED, STEEP_NEED = 0.25, 0.5  # need: Policy.fair_band_need, fair_steepness_need
TIE_SHARE = 1e-4                   # Policy.tie_break_share


def step_multipliers(norm: int, posts: int, band: float = BAND, steep: float = STEEP) -> np.ndarray:
    """Cost multiplier of the 1st … ``posts``-th post short at a school of norm ``norm``."""
    out = []
    steps = math.ceil(1 / band - 1e-9)
    for k in range(1, posts + 1):
        b = next((b for b in range(1, steps + 1) if k <= math.floor(norm * band * b + 0.5)),
                 steps + 1)
        out.append(1.0 + steep * min((b - 0.5) * band, 1.0))
    return np.array(out)


def shortfall_cost(norm: int, short: int, weight: float) -> float:
    """Cost of ``short`` posts short at a school of norm ``norm`` and weight ``weight``."""
    return float(weight * step_multipliers(norm, max(0, short)).sum())


def need_pieces(need: float, unmet: float, band: float = BAND_NEED,
                steep: float = STEEP_NEED) -> list[tuple[float, float]]:
    """(cost per FTE, FTE) pieces of ``unmet`` need out of ``need``, dearest first."""
    pieces = []
    lo = 0.0
    b = 1
    while lo < unmet - 1e-12:
        hi = min(unmet, need * band * b) if b <= math.ceil(1 / band - 1e-9) else unmet
        if hi > lo:
            pieces.append((1.0 + steep * min((b - 0.5) * band, 1.0), hi - lo))
        lo = max(lo, hi)
        b += 1
    return pieces[::-1]


def need_cost(need: float, unmet: float) -> float:
    """Cost multiplier × FTE of ``unmet`` need out of ``need`` (weight 1)."""
    return sum(p * w for p, w in need_pieces(need, unmet))


def tie_break(approved, norm, pupils, weight, ids, share: float = TIE_SHARE) -> dict:
    """School id → 1 + share × priority."""
    keys = []
    for a, n, p, w, i in zip(approved, norm, pupils, weight, ids, strict=True):
        keys.append((a / n if n > 0 else math.inf, -p, -w, str(i), i))
    keys.sort()
    n = len(keys)
    return {k[-1]: 1.0 + share * ((1.0 - r / (n - 1)) if n > 1 else 1.0)
            for r, k in enumerate(keys)}


def school_premium(schools: pd.DataFrame, norm: pd.Series, weight: pd.Series) -> pd.Series:
    """:func:`tie_break` for a county's school table (pupils = primary + junior)."""
    pupils = schools["pupils_primary"] + schools["pupils_junior"]
    out = tie_break(schools["approved_quota"], norm.reindex(schools.index), pupils,
                    weight.reindex(schools.index), list(schools.index))
    return pd.Series(out).reindex(schools.index)
