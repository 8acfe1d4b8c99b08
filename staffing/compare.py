"""Scenarios side by side: the headline figures of several plans in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.i18n import check_lang, label
from staffing.metrics import metric_label, plan_metrics

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["compare", "COMPARE_METRICS", "COMPARE_SOLVER_ROWS"]

#: Figures of :func:`staffing.metrics.plan_metrics` (their "after" value) that
#: :func:`compare` lists after the plan summary, in this order.
COMPARE_METRICS: tuple[str, ...] = (
    "staff",
    "ptr_primary",
    "ptr_junior",
    "staff_to_norm_cv",
    "randomness_primary",
    "share_rural_staff_at_or_above_norm",
    "urgent_coverage",
    "backbone_per_100_pupils",
)

#: Solver rows at the foot of the table: key → (English, Chinese).
COMPARE_SOLVER_ROWS: dict[str, tuple[str, str]] = {
    "objective": ("Objective value", "目标函数值"),
    "solver": ("Solver", "求解器"),
    "solver_time_s": ("Solver time (s)", "求解时间(秒)"),
    "gap": ("Relative MIP gap", "相对最优间隙"),
}


def compare(plans: Mapping[str, Plan], lang: str = "en", *, index: str = "label"
            ) -> pd.DataFrame:
    """Headline figures of several plans side by side, one column per scenario.

    Rows, in a stable order:

    1. ``status`` — the plan status (optimal, feasible, …);
    2. every row of ``plan.summary()`` (its "after" value): schools and posts short
       of norm, quota moved through the pool, teachers moved, unmet needs, …; rows
       that only some plans have (e.g. rotation rows when a scenario has no
       teachers table) are kept, with NaN for the others, in order of first
       appearance; blocks a plan's data or policy switched off (``off:<block>``,
       "off") and its messages last, sorted by key;
    3. the "after" value of a few equity and coverage figures of
       :func:`staffing.metrics.plan_metrics` (:data:`COMPARE_METRICS`);
    4. objective value, solver, solver time and relative gap.

    Parameters
    ----------
    plans : scenario name → Plan, in the column order wanted (a dict keeps it).
    lang : ``"en"`` or ``"zh"`` — row labels and the status words.
    index : ``"label"`` (rows named in ``lang``, for reading) or ``"key"`` (the
        stable ids, e.g. ``posts_short``, for code).

    Returns
    -------
    DataFrame (object columns: the figures are a mix of numbers and words).

    Examples
    --------
    >>> import staffing as st
    >>> from staffing.compare import compare
    >>> county = st.synth.county(seed=1, n_schools=12, teachers=False)
    >>> base = st.optimize(county)
    >>> tight = st.optimize(county, st.Policy(primary_ratio=18.0))
    >>> table = compare({"baseline": base, "1:18": tight}, index="key")
    >>> table.columns.tolist(), table.index[:2].tolist()
    (['baseline', '1:18'], ['status', 'schools_below_norm'])
    """
    check_lang(lang)
    if index not in ("label", "key"):
        raise ValueError(f"index must be 'label' or 'key', not {index!r}")
    if not plans:
        raise ValueError("compare needs at least one plan")
    names = list(plans)
    if len(set(map(str, names))) != len(names):
        raise ValueError("scenario names must be distinct")

    keys: list[str] = ["status"]
    labels: dict[str, str] = {"status": label("plan_status", lang)}
    columns: dict[str, dict[str, object]] = {}
    metric_keys = list(COMPARE_METRICS)
    for name, plan in plans.items():
        summary = plan.summary(lang)
        values: dict[str, object] = {"status": label(plan.status, lang)}
        for key, text, after in zip(summary.index, summary.iloc[:, 0], summary.iloc[:, 2],
                                    strict=True):
            if key not in labels:
                keys.append(key)
                labels[key] = str(text)
            values[key] = after
        figures = plan_metrics(plan)["after"]
        for key in metric_keys:
            values[f"metric:{key}"] = _number(figures.get(key, np.nan))
        stats = plan.solver
        values["objective"] = _number(plan.objective)
        values["solver"] = stats.solver
        values["solver_time_s"] = round(float(stats.time_s), 2)
        values["gap"] = _number(stats.gap)
        columns[str(name)] = values
    # Blocks switched off and messages ("off:…", "message:…") after the figures, sorted,
    # so the rows do not depend on the order of the plans.
    notes = sorted(k for k in keys if k.startswith(("off:", "message:")))
    keys = [k for k in keys if k not in notes] + notes

    for key in metric_keys:
        keys.append(f"metric:{key}")
        labels[f"metric:{key}"] = metric_label(key, lang)
    for key, pair in COMPARE_SOLVER_ROWS.items():
        keys.append(key)
        labels[key] = pair[0] if lang == "en" else pair[1]

    table = pd.DataFrame({name: [col.get(k, np.nan) for k in keys]
                          for name, col in columns.items()}, index=keys, dtype=object)
    if index == "key":
        plain = [k.removeprefix("metric:") for k in keys]
        table.index = pd.Index(plain if len(set(plain)) == len(plain) else keys, name="key")
    else:
        table.index = pd.Index([labels[k] for k in keys], name=label("metric", lang))
    table.columns.name = None
    return table


def _number(value: object) -> object:
    """A float rounded for display (4 significant decimals), NaN kept."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value
    if np.isnan(x):
        return x
    return round(x, 4)
