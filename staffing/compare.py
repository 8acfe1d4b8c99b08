"""Scenarios side by side: the headline figures of several plans in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.balance import balance_metrics
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
    4. the county's 优质均衡 figures after the plan (``balance_`` rows of
       ``plan.metrics`` without the per-indicator 差异系数: school parts meeting the
       rule and not assessable, indicators over the CV limit, per level; music/art,
       class and school size; exchange shares);
    5. objective value, solver, solver time and relative gap.

    Batch outputs instead of plans — an OUT_DIR of ``staffing batch``, a roll-up
    ``prefecture.csv`` (either language) or a table of
    :func:`staffing.rollup.rollup_table` — give their prefecture rows side by side
    (one row per roll-up column, plus ``counties``); plans and batch outputs cannot
    be mixed.

    Parameters
    ----------
    plans : scenario name → Plan (or batch output), in the column order wanted.
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
    batch = [not hasattr(p, "summary") for p in plans.values()]
    if any(batch):
        if not all(batch):
            raise ValueError("compare takes plans or batch outputs, not both")
        return _compare_batches(plans, lang, index)

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
        for key, row in balance_metrics(plan, lang).iterrows():
            if key.startswith("balance_cv_") and not key.startswith("balance_cv_over"):
                continue
            if f"balance:{key}" not in labels:
                keys.append(f"balance:{key}")
                labels[f"balance:{key}"] = str(row["metric"])
            values[f"balance:{key}"] = _number(row["after"])
        stats = plan.solver
        values["objective"] = _number(plan.objective)
        values["solver"] = stats.solver
        values["solver_time_s"] = round(float(stats.time_s), 2)
        values["gap"] = _number(stats.gap)
        columns[str(name)] = values
    # Blocks switched off and messages ("off:…", "message:…") after the figures, sorted,
    # so the rows do not depend on the order of the plans.
    notes = sorted(k for k in keys if k.startswith(("off:", "message:")))
    balance = [k for k in keys if k.startswith("balance:")]
    keys = [k for k in keys if k not in notes and k not in balance] + notes

    for key in metric_keys:
        keys.append(f"metric:{key}")
        labels[f"metric:{key}"] = metric_label(key, lang)
    keys += balance
    for key, pair in COMPARE_SOLVER_ROWS.items():
        keys.append(key)
        labels[key] = pair[0] if lang == "en" else pair[1]

    table = pd.DataFrame({name: [col.get(k, np.nan) for k in keys]
                          for name, col in columns.items()}, index=keys, dtype=object)
    if index == "key":
        plain = [k.removeprefix("metric:").removeprefix("balance:") for k in keys]
        table.index = pd.Index(plain if len(set(plain)) == len(plain) else keys, name="key")
    else:
        table.index = pd.Index([labels[k] for k in keys], name=label("metric", lang))
    table.columns.name = None
    return table


def _compare_batches(outputs: Mapping[str, object], lang: str, index: str) -> pd.DataFrame:
    """The prefecture rows of several batch outputs side by side (see :func:`compare`)."""
    from staffing.rollup import header, rollup_frame

    columns = {}
    for name, output in outputs.items():
        table = rollup_frame(output)
        row = table.iloc[-1].drop("county")
        columns[str(name)] = pd.concat([pd.Series({"counties": len(table) - 1}), row])
    table = pd.DataFrame(columns, dtype=object)
    if index == "label":
        counties = "Counties" if lang == "en" else "县(市)数"
        table.index = pd.Index([counties if k == "counties" else header(k, lang)
                                for k in table.index], name=label("metric", lang))
    else:
        table.index.name = "key"
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
