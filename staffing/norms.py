"""Staffing norms (编制标准) per school under the Chuxiong ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.policy import Policy

__all__ = ["quota_norms", "round_posts", "small_school_mask", "BASIS_LABELS"]

#: The rule that set a school's norm, with its Chinese label.
BASIS_LABELS: dict[str, str] = {
    "pupils": "生师比",  # pupils / ratio by level (primary 19, junior 13.5)
    "classes": "班师比",  # small village school or teaching point: classes × 2
}

# Guards against 10.4999999… from float division before rounding half up.
_EPS = 1e-9


def round_posts(values: pd.Series | np.ndarray, rule: str) -> np.ndarray:
    """Round fractional post counts to whole posts by ``Policy.norm_rounding``.

    ``"half_up"`` is 四舍五入 (10.5 → 11, 10.49 → 10); ``"ceil"`` and ``"floor"`` are
    the alternatives a county may prefer.

    Examples
    --------
    >>> round_posts(np.array([10.5, 10.49, 0.2]), "half_up").tolist()
    [11, 10, 0]
    """
    x = np.asarray(values, dtype=float)
    if rule == "half_up":
        out = np.floor(x + 0.5 + _EPS)
    elif rule == "ceil":
        out = np.ceil(x - _EPS)
    elif rule == "floor":
        out = np.floor(x + _EPS)
    else:
        raise ValueError(f"unknown rounding rule {rule!r}; expected half_up, ceil or floor")
    return out.astype(np.int64)


def small_school_mask(schools: pd.DataFrame, policy: Policy) -> pd.Series:
    """True for village schools and teaching points with at most the small-school
    threshold of pupils (the schools staffed by class, and taught at the small-school
    load).

    "200人以下" includes 200: in Chinese legal usage 以上、以下、以内 include the number
    itself (民法典 art. 1259), so the comparison is ``pupils <= threshold``.
    """
    pupils = schools["pupils_primary"] + schools["pupils_junior"]
    return (
        schools["level"].isin(policy.small_school_levels)
        & schools["location"].isin(policy.small_school_locations)
        & (pupils <= policy.small_school_threshold)
    )


def quota_norms(county: County, policy: Policy | None = None) -> pd.DataFrame:
    """Each school's staffing norm beside its approved quota and staff in post.

    The norm follows Chuxiong measure 10:

    * by pupils (``basis = "pupils"``): primary pupils / ``primary_ratio`` (19) plus
      junior pupils / ``junior_ratio`` (13.5) — a nine-year school is the sum of its
      two parts — plus ``boarding_staff_per_100`` per 100 boarding pupils (off by
      default);
    * by classes (``basis = "classes"``): schools whose level is in
      ``small_school_levels`` at a location in ``small_school_locations`` (village
      primary schools and teaching points) with at most ``small_school_threshold``
      (200, inclusive: "200人以下") pupils get classes × ``small_school_staff_per_class`` (2), or the larger of
      that and the pupil norm when ``small_school_take_larger`` is set (the default).

    **Rounding.** The fractional norm (``norm_exact``) is rounded once per school, after
    the levels are added, by ``policy.norm_rounding`` (default half up, 四舍五入),
    giving ``norm`` in whole posts.

    Note the policy's own cliff: a village school with 200 pupils is staffed by class,
    one with 201 by pupils, so its norm can fall as it crosses the threshold.

    Parameters
    ----------
    county : County
    policy : Policy, optional
        Defaults to ``Policy()`` (Chuxiong 2024).

    Returns
    -------
    DataFrame indexed by ``school_id`` with columns ``norm_primary``, ``norm_junior``,
    ``norm_boarding``, ``norm_pupils``, ``norm_classes``, ``norm_exact``, ``norm``,
    ``basis``, ``approved_quota``, ``staff_in_post``, ``quota_gap`` (approved − norm;
    negative = short of norm), ``staff_gap`` (staff − norm) and ``vacancies``
    (approved − staff).

    Examples
    --------
    >>> import staffing as st
    >>> norms = st.quota_norms(st.synth.county(seed=1, n_schools=12, teachers=False))
    >>> set(norms.basis) <= {"pupils", "classes"}
    True
    """
    policy = policy or Policy()
    s = county.schools
    norm_primary = s["pupils_primary"] / policy.primary_ratio
    norm_junior = s["pupils_junior"] / policy.junior_ratio
    norm_boarding = s["boarding_pupils"] * policy.boarding_staff_per_100 / 100.0
    norm_pupils = norm_primary + norm_junior + norm_boarding
    norm_classes = (s["classes_primary"] + s["classes_junior"]) * policy.small_school_staff_per_class

    small = small_school_mask(s, policy)
    by_class = np.maximum(norm_pupils, norm_classes) if policy.small_school_take_larger else norm_classes
    norm_exact = norm_pupils.where(~small, by_class)
    basis = np.where(small & (norm_exact > norm_pupils + _EPS), "classes", "pupils")
    if not policy.small_school_take_larger:
        basis = np.where(small, "classes", "pupils")
    norm = round_posts(norm_exact, policy.norm_rounding)

    out = pd.DataFrame(
        {
            "norm_primary": norm_primary,
            "norm_junior": norm_junior,
            "norm_boarding": norm_boarding,
            "norm_pupils": norm_pupils,
            "norm_classes": norm_classes.where(small, 0.0).astype(float),
            "norm_exact": norm_exact.astype(float),
            "norm": norm,
            "basis": basis,
            "approved_quota": s["approved_quota"],
            "staff_in_post": s["staff_in_post"],
        },
        index=s.index,
    )
    out["quota_gap"] = out["approved_quota"] - out["norm"]
    out["staff_gap"] = out["staff_in_post"] - out["norm"]
    out["vacancies"] = out["approved_quota"] - out["staff_in_post"]
    out.index.name = "school_id"
    return out
