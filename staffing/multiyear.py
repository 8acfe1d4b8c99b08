"""The tables of a multi-year plan (``optimize(horizon=…)``) for output: their row labels
and their translated headers.

The tables themselves are read from the solved model by :mod:`staffing.model.read`:
``quota_path``, ``hires``, ``pool``, ``years``, ``cover_by_year``, ``projection``,
``retirements`` and ``early_retirement`` (see docs/multiyear.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from staffing.i18n import label, translate_columns, translate_values
from staffing.projection import LABELS as PROJECTION_LABELS

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["year_tables", "YEAR_LABELS"]

#: Row labels of ``plan.years`` (English, Chinese).
YEAR_LABELS: dict[str, tuple[str, str]] = {
    "pupils": ("Pupils", "在校生数"),
    "norm": ("Quota norm (posts)", "编制标准数"),
    "quota": ("Quota assigned to schools", "学校编制合计"),
    "posts_short": ("Posts short of norm", "缺编数"),
    "staff": ("Staff holding posts (after moves, retirements, hires)", "在编人数(调整、退休、招聘后)"),
    "retirements": ("Retirements (listed teachers)", "退休人数"),
    "hires": ("New hires", "新招聘教师"),
    "urgent_hires": ("of which urgent-need subjects", "其中紧缺学科"),
    "urgent_share": ("Urgent-need share of hires", "紧缺学科占比"),
    "rural_trainees": ("New rural teachers in shadow training", "跟岗培训的乡村新教师"),
    "unmet_need_fte": ("Unmet subject need (FTE)", "学科缺口(折合人数)"),
    "unmet_urgent_fte": ("Unmet urgent-subject need (FTE)", "紧缺学科缺口(折合人数)"),
    "pool_balance": ("Turnover pool balance", "周转池余额"),
    "pool_loan": ("Pool posts on loan (outstanding)", "周转池借出未还编制"),
    "over_county_total": ("Staff above the county total", "超出编制总量"),
}


def year_tables(plan: Plan, lang: str) -> dict[str, pd.DataFrame]:
    """The multi-year tables of ``plan`` with headers and labels in ``lang``, for reports:
    years, hires, quota_path (one ``norm``/``quota`` column per year), retirements,
    cover_by_year and projection."""
    col = 0 if lang == "en" else 1
    years = plan.years.copy()
    years.insert(0, label("metric", lang), [YEAR_LABELS[k][col] for k in years.index])
    years.columns = [str(c) for c in years.columns]
    path = plan.quota_path.copy()
    path.columns = [f"{label(item, lang)} {year}" for item, year in path.columns]
    path.insert(0, label("name", lang), plan.quotas["name"])

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        return translate_columns(translate_values(frame, lang), lang)

    return {
        "years": years.reset_index(drop=True),
        "hires": tidy(plan.hires),
        "quota_path": tidy(path.rename_axis("school_id")),
        "retirements": tidy(plan.retirements),
        "early_retirement": tidy(plan.early_retirement),
        "cover_by_year": tidy(plan.cover_by_year),
        "projection": _projection_table(plan.projection, lang),
    }


def _projection_table(projection: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The projection summary with the projection module's own headers."""
    col = 0 if lang == "en" else 1
    out = projection.reset_index()
    names = {c: PROJECTION_LABELS[c][col] for c in out.columns if c in PROJECTION_LABELS}
    names["year"] = label("year", lang)
    return out.rename(columns=names)
