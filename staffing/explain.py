"""Which rules bind in a plan, and why needs stay unmet: the tables behind ``explain()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.vocab import SUBJECTS

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["rule_table", "unmet_needs", "RULES"]

#: Rule keys with their English and Chinese names, in the order explain() lists them.
RULES: dict[str, tuple[str, str]] = {
    "county_total": ("county total quota", "核定编制总量"),
    "pool_reserve": ("turnover-pool reserve", "周转池预留"),
    "occupied_posts": ("occupied posts", "在编占编"),
    "norm_coverage": ("quota norm coverage", "编制标准"),
    "one_more_post": ("what one more post (编制) would buy", "增加一个编制的价值"),
    "subject_need": ("subject needs covered", "学科教师需求"),
    "rotation_volume": ("rotation ≥ 10% of eligible at urban, town and quality schools",
                        "城镇及优质学校交流轮岗比例"),
    "rotation_backbone_share": ("backbone ≥ 20% of those rotated", "骨干教师占交流比例"),
    "backbone_rural": ("backbone teachers per 100 pupils at rural schools",
                       "乡村学校每百名学生骨干教师数"),
    "urgent_share": ("urgent-need subjects ≥ 30% of each year's hires", "紧缺学科招聘占比"),
    "hiring_budget": ("hires within the yearly budget", "年度招聘计划数"),
    "mentor_capacity": ("shadow-training places at host schools", "跟岗培训基地容量"),
    "pool_loans": ("pool loans repaid by attrition in time", "周转池借编按期归还"),
    "projection": ("enrolment projection", "学生数预测"),
}


def _ids(index) -> str:
    return ", ".join(map(str, list(index)))


def _row(key: str, lang: str, **fields) -> dict:
    en, zh = RULES[key]
    name = f"{zh} ({en})" if lang == "zh" else f"{en} ({zh})"
    return {"key": key, "rule": name, **fields}


def _quota_rows(plan: Plan, lang: str) -> list[dict]:
    q = plan.quotas
    facts = plan._binding_facts()
    short_ids = q.index[q["shortfall_after"] > 0]
    floor = q["staff_in_post"] - q["leavers"]
    at_floor = q.index[(q["new_quota"] == floor) & (q["new_quota"] > q["norm"])]
    return [
        _row("county_total", lang, target=facts["total"],
             achieved=int(q["new_quota"].sum()) + plan.reserve, shortfall=facts["over"],
             binding=bool(facts["over"] > 0 or (facts["exhausted"] and len(short_ids))),
             schools_affected=_ids(short_ids if facts["exhausted"] else []),
             note=("over_county_total: staff in post exceed the total" if facts["over"]
                   else "")),
        _row("pool_reserve", lang, target=facts["reserve_min"], achieved=plan.reserve,
             shortfall=max(0, int(facts["reserve_min"]) - plan.reserve),
             binding=bool(facts["reserve_min"] > 0 and plan.reserve == facts["reserve_min"]
                          and len(short_ids)),
             schools_affected="", note=_loan_note(plan, lang)),
        _row("occupied_posts", lang, target=int(floor.sum()),
             achieved=int(np.minimum(q["new_quota"], floor).sum()), shortfall=0,
             binding=bool(len(at_floor) and len(short_ids)), schools_affected=_ids(at_floor),
             note=f"{facts['locked']} posts above norm held by staff in post"),
        _one_more_row(plan, lang),
        _row("norm_coverage", lang, target=int(q["norm"].sum()),
             achieved=int(np.minimum(q["new_quota"], q["norm"]).sum()),
             shortfall=int(q["shortfall_after"].sum()), binding=bool(len(short_ids)),
             schools_affected=_ids(short_ids),
             note=plan.shortfalls_reason(lang) if len(short_ids) else ""),
    ]


def _loan_note(plan: Plan, lang: str) -> str:
    """The reserve posts out on loan in the first year, if any (multi-year plans)."""
    if not plan.horizon:
        return ""
    lent = int(plan.years.loc["pool_loan", plan.policy.plan_year])
    if lent <= 0:
        return ""
    return (f"{lent} reserve posts are on loan to schools below norm, repaid by attrition "
            "(see plan.pool)" if lang == "en" else f"{lent}个预留编制借给缺编学校,以自然减员归还")


def _one_more_row(plan: Plan, lang: str) -> dict:
    """The dual value of the county total, with what it compares to."""
    value = plan.value_of_one_more_post
    weights = plan.quotas["shortfall_weight"]
    short = plan.quotas["shortfall_after"] > 0
    if np.isnan(value):
        note = "no solution" if lang == "en" else "无解"
    elif value <= 1e-6:
        note = ("one more post would change nothing: none of the short schools can use it"
                if lang == "en" else "增加编制不会改变方案")
    else:
        best = float(weights[short].max()) if short.any() else float("nan")
        note = (f"lowers the weighted objective by {value:.1f}; one post of shortfall at the "
                f"most urgent short school weighs {best:.0f}" if lang == "en" else
                f"可使加权目标降低{value:.1f};最紧迫缺编学校每个编制的权重为{best:.0f}")
    return _row("one_more_post", lang, target=1, achieved=round(value, 2), shortfall=0,
                binding=bool(value > 1e-6), schools_affected="", note=note)


def _rotation_rows(plan: Plan, lang: str) -> list[dict]:
    f = plan.rotation
    cover = plan.coverage
    unmet = unmet_needs(plan)
    volume_short = f["volume_short"]
    share_short = f["backbone_share_short"]
    deficits = f["backbone_deficit"]
    zh = lang == "zh"
    return [
        _row("subject_need", lang, target=round(float(cover["need"].sum()), 2),
             achieved=round(float(cover["covered_after"].sum()), 2),
             shortfall=round(float(cover["unmet_after"].sum()), 2),
             binding=bool(len(unmet)), schools_affected=_ids(unmet["school_id"].unique()),
             note=(f"{len(unmet)} needs of ≥ {plan.policy.rotation_min_gap_fte} FTE remain; "
                   "see plan.unmet" if not zh else
                   f"仍有{len(unmet)}项≥{plan.policy.rotation_min_gap_fte}人的学科缺口,见plan.unmet")),
        _row("rotation_volume", lang, target=round(f["rotation_target"], 2),
             achieved=f["rotated_from_duty_schools"],
             shortfall=round(sum(volume_short.values()), 2), binding=bool(volume_short),
             schools_affected=_ids(volume_short),
             note=("too few eligible teachers can leave without opening larger gaps"
                   if volume_short and not zh else
                   "可交流教师不足,或调出会造成更大缺口" if volume_short else "")),
        _row("rotation_backbone_share", lang,
             target=round(plan.policy.rotation_backbone_share_min
                          * f["rotated_from_duty_schools"], 2),
             achieved=f["backbone_rotated"], shortfall=round(share_short, 2),
             binding=share_short > 1e-9, schools_affected="",
             note=("too few eligible backbone teachers at urban, town and quality schools"
                   if share_short > 1e-9 and not zh else
                   "城镇及优质学校可交流骨干教师不足" if share_short > 1e-9 else "")),
        _row("backbone_rural", lang, target=round(f["backbone_target"], 2),
             achieved=round(f["backbone_target"] - sum(deficits.values()), 2),
             shortfall=round(sum(deficits.values()), 2), binding=bool(deficits),
             schools_affected=_ids(deficits),
             note=("eligible backbone teachers within reach are used where needs weigh more"
                   if deficits and not zh else
                   "可交流骨干教师已优先用于更紧迫的需求" if deficits else "")),
    ]


def rule_table(plan: Plan, lang: str = "en") -> pd.DataFrame:
    """One row per policy rule: target, achieved, shortfall, binding, schools affected."""
    rows = _quota_rows(plan, lang)
    if plan.rotation:
        rows += _rotation_rows(plan, lang)
    if plan.horizon:
        rows += _year_rows(plan, lang)
    return pd.DataFrame(rows)


def _years_text(years, lang: str) -> str:
    years = [str(y) for y in years]
    if not years:
        return ""
    return ("binding in " + ", ".join(years)) if lang == "en" else ("、".join(years) + "年为约束")


def _year_rows(plan: Plan, lang: str) -> list[dict]:
    """Rules of the later years: urgent share, budget, mentors, pool loans."""
    y = plan.years
    later = [c for c in y.columns if c != plan.policy.plan_year]
    hires = y.loc["hires", later].astype(int)
    urgent = y.loc["urgent_hires", later].astype(int)
    share = plan.policy.urgent_share_min
    # Binding: one more non-urgent hire would break the share.
    tight = [c for c in later if hires[c] and urgent[c] < share * (hires[c] + 1) - 1e-9]
    model = plan._model
    rows = []
    if model is not None and "hiring" in model.blocks:
        rows.append(_row("urgent_share", lang, target=round(share * int(hires.sum()), 2),
                         achieved=int(urgent.sum()), shortfall=0, binding=bool(tight),
                         schools_affected="", note=_years_text(tight, lang)))
    hiring = model.blocks.get("hiring") if model is not None else None
    if hiring is not None and hiring.budget:
        cal = model.horizon.calendar
        budget = {cal[t]: n for t, n in hiring.budget.items()}
        full = [c for c in later if c in budget and hires[c] >= budget[c]]
        rows.append(_row("hiring_budget", lang, target=int(sum(budget.values())),
                         achieved=int(hires[list(budget)].sum()), shortfall=0,
                         binding=bool(full),
                         schools_affected="", note=_years_text(full, lang)))
    if model is not None and len(model.horizon.mentor_room):
        cal = model.horizon.calendar
        room = {cal[t]: int(n) for t, n in model.horizon.mentor_room.items()}
        trainees = y.loc["rural_trainees", later].astype(int)
        full = [c for c in later if trainees[c] >= room.get(c, 0) > 0]
        rows.append(_row("mentor_capacity", lang, target=int(max(room.values())),
                         achieved=int(trainees.max()), shortfall=0, binding=bool(full),
                         schools_affected="", note=_years_text(full, lang)))
    spread = bool(plan.projection.attrs.get("spread_evenly", False))
    pupils = plan.years.loc["pupils"]
    rows.append(_row("projection", lang, target=int(pupils.iloc[0]), achieved=int(pupils.iloc[-1]),
                     shortfall=0, binding=False, schools_affected="",
                     note=(("pupils of schools without per-grade counts are spread evenly over "
                            "their grades" if lang == "en" else "无分年级数据的学校按年级平均分摊")
                           if spread else "")))
    loans = plan.pool[plan.pool["entry"].eq("loan")]
    if len(loans):
        late = loans["repay_by"] > loans["year"] + plan.policy.pool_loan_years
        rows.append(_row("pool_loans", lang, target=int(loans["posts"].sum()),
                         achieved=int(loans["posts"].sum()), shortfall=int(late.sum()),
                         binding=False, schools_affected="",
                         note=(f"repaid by {int(loans['repay_by'].max())}" if lang == "en"
                               else f"{int(loans['repay_by'].max())}年前归还")))
    return rows


def unmet_needs(plan: Plan) -> pd.DataFrame:
    """Subject needs of at least ``rotation_min_gap_fte`` still unmet after the plan,
    with the reason in English and Chinese.

    Reasons: no eligible teacher of the subject within ``max_travel_km`` (no candidate
    move existed); the school's quota left no room; or teachers who could come are
    needed more where they are (moving them would open a gap that weighs more).
    """
    cover = plan.coverage
    columns = ["school_id", "subject", "need", "unmet_after", "reason", "reason_zh"]
    if cover.empty:
        return pd.DataFrame(columns=columns)
    gap = cover[cover["unmet_after"] >= max(plan.policy.rotation_min_gap_fte, 1e-9)]
    gap = gap.reset_index()
    reachable = plan.rotation["candidate_pairs"]
    has_candidate = pd.MultiIndex.from_frame(gap[["school_id", "subject"]]).isin(reachable)
    q = plan.quotas
    full = (q["new_quota"] <= q["staff_in_post"] - q["leavers"]
            + plan.moves.groupby("to_school").size().reindex(q.index, fill_value=0)
            - plan.moves.groupby("from_school").size().reindex(q.index, fill_value=0))
    quota_full = gap["school_id"].map(full).to_numpy(dtype=bool)
    subject_zh = gap["subject"].map(SUBJECTS)
    gap["reason"] = np.where(
        ~has_candidate, "no eligible " + gap["subject"] + " teacher within reach",
        np.where(quota_full, "no room in the school's quota",
                 "teachers who could come are needed more where they are"))
    gap["reason_zh"] = np.where(
        ~has_candidate, "交通可达范围内无可交流的" + subject_zh + "教师",
        np.where(quota_full, "学校编制已满", "可调教师在原校更为紧缺"))
    return gap[columns].sort_values(["unmet_after", "school_id"], ascending=[False, True],
                                    kind="stable").reset_index(drop=True)
