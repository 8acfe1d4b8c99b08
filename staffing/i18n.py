"""Bilingual labels: table headers and terms in English and Simplified Chinese."""

from __future__ import annotations

import pandas as pd

from staffing.vocab import LEVELS, LOCATIONS, SUBJECTS, TITLES

__all__ = ["LANGS", "label", "translate_columns", "translate_values", "untranslate", "check_lang",
           "CODED_COLUMNS"]

LANGS: tuple[str, ...] = ("en", "zh")

#: Column or term → (English, Chinese).
LABELS: dict[str, tuple[str, str]] = {
    "school_id": ("School ID", "学校代码"),
    "name": ("School", "学校名称"),
    "township": ("Township", "乡镇"),
    "level": ("Level", "学段"),
    "location": ("Location", "城乡属性"),
    "norm": ("Norm (posts)", "编制标准"),
    "basis": ("Norm basis", "核定依据"),
    "approved_quota": ("Approved quota", "核定编制数"),
    "staff_in_post": ("Staff in post", "在编在岗"),
    "leavers": ("Leaving this year", "本学年离岗"),
    "new_quota": ("New quota", "调整后编制"),
    "change": ("Change", "增减"),
    "shortfall_before": ("Short of norm before", "调整前缺编"),
    "shortfall_after": ("Short of norm after", "调整后缺编"),
    "surplus_before": ("Above norm before", "调整前超编"),
    "surplus_after": ("Above norm after", "调整后超编"),
    "shortfall_weight": ("Priority weight", "优先权重"),
    "away_on_term": ("Away on a term move (post kept here)", "任期交流调出(编制保留)"),
    "here_on_term": ("Here on a term move (post at home)", "任期交流调入(编制在原校)"),
    "posts_held": ("Staff holding a post here after moves", "调整后本校占编人数"),
    "entry": ("Entry", "事项"),
    "posts": ("Posts", "编制数"),
    "balance": ("Pool balance", "周转池余额"),
    "opening": ("opening balance", "期初余额"),
    "closing": ("closing balance", "期末余额"),
    "release": ("released to pool", "收回入池"),
    "draw": ("drawn from pool", "从池调剂"),
    "metric": ("Measure", "指标"),
    "before": ("Before", "调整前"),
    # posts by level (岗位结构, plan.posts_by_level)
    "title": ("Post level", "岗位等级"),
    "cap": ("Cap (post structure)", "岗位结构上限"),
    "room_before": ("Room under the cap before", "调整前剩余岗位"),
    "room_after": ("Room under the cap after", "调整后剩余岗位"),
    "structure": ("Against the structure after moves", "调整后与岗位结构比较"),
    "above": ("above", "超出"),
    "at": ("at", "达到"),
    "below": ("below", "低于"),
    "after": ("After", "调整后"),
    "rule": ("Rule", "规则"),
    "target": ("Target", "目标"),
    "achieved": ("Achieved", "实现"),
    "shortfall": ("Shortfall", "差额"),
    "binding": ("Binding", "是否约束"),
    "schools_affected": ("Schools affected", "涉及学校"),
    "note": ("Note", "说明"),
    "reason": ("Reason", "原因"),
    "pupils": ("by pupils (pupil–staff ratio)", "生师比"),
    "classes": ("by classes (class–staff ratio)", "班师比"),
    "key": ("Item", "项目"),
    "teacher_id": ("Teacher ID", "教师编号"),
    "from_school": ("From school", "调出学校"),
    "to_school": ("To school", "调入学校"),
    "subject": ("Subject", "学科"),
    "backbone": ("Backbone", "骨干教师"),
    "kind": ("Kind", "类型"),
    "distance_km": ("Distance (km)", "距离(公里)"),
    "need": ("Need (FTE)", "需求(折合人数)"),
    "covered_before": ("Covered before", "调整前满足"),
    "covered_after": ("Covered after", "调整后满足"),
    "unmet_before": ("Unmet before", "调整前缺口"),
    "unmet_after": ("Unmet after", "调整后缺口"),
    "rotation": ("rotation", "交流轮岗"),
    "support": ("backbone support", "骨干支教"),
    "exchange": ("exchange (learning)", "跟岗交流"),
    "itinerant": ("itinerant teaching", "走教"),
    "principal_exchange": ("principal exchange", "校长交流"),
    "remote": ("remote lessons", "专递课堂"),
    "cluster_id": ("Cluster", "共同体编号"),
    "lead_school": ("Lead school", "牵头学校"),
    "role": ("Role", "角色"),
    "host_school": ("Host school", "跟岗学校"),
    "until": ("Training until (school year)", "培训至(学年)"),
    "fte": ("FTE", "折合人数"),
    "rank_got": ("Choice obtained", "获得志愿序号"),
    "via": ("Via", "方式"),
    "transfer": ("voluntary transfer", "跨校竞聘"),
    "total": ("Total", "合计"),
    "optimal": ("optimal", "最优"),
    "feasible": ("feasible", "可行"),
    "infeasible": ("infeasible", "不可行"),
    "error": ("error", "出错"),
    "quota_gap": ("Quota − norm", "编制与标准差额"),
    "plan_status": ("Plan status", "方案状态"),
    "top_unmet_needs": ("Largest subject needs still unmet", "仍未满足的主要学科需求"),
    "top_unmet": ("Schools still below norm, most urgent first", "仍低于编制标准的学校(按优先级)"),
    "value": ("Value", "值"),
    # multi-year plans (optimize(horizon=…))
    "year": ("Year", "年度"),
    "approval_year": ("Approved in", "报批年度"),
    "count": ("Number", "人数"),
    "urgent": ("Urgent-need subject", "紧缺学科"),
    "teaching_from": ("Teaching from", "到岗任教年度"),
    "host_basis": ("Host chosen as", "跟岗学校依据"),
    "loan": ("lent by the pool", "周转池借出"),
    "repayment": ("repaid to the pool", "归还周转池"),
    "repay_by": ("Repaid by", "计划归还年度"),
    "retirement_date": ("Retirement date", "法定退休日期"),
    "vacant_from": ("Post vacant from", "空编年度"),
    "track": ("Retirement track", "退休年龄类别"),
    "sex": ("Sex", "性别"),
    "birth_date_estimated": ("Birth date estimated", "出生日期为估计值"),
    "covered": ("Covered (FTE)", "已满足(折合人数)"),
    "unmet": ("Unmet (FTE)", "缺口(折合人数)"),
    "item": ("Item", "项目"),
    "years_to_retirement": ("Years to retirement", "距法定退休年数"),
    "listed_because": ("Listed because", "列入依据"),
    "flag": ("applied (flag in the data)", "本人申请"),
    "scenario": ("named in a scenario", "情景设定"),
    "quota": ("Quota", "核定编制"),
    "male": ("male", "男"),
    "female": ("female", "女"),
    "female_cadre": ("female, cadre track (55 → 58)", "女(干部岗位,55→58岁)"),
    "female_worker": ("female, worker track (50 → 55)", "女(工人岗位,50→55岁)"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"en"`` or ``"zh"``, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return lang


def label(key: str, lang: str) -> str:
    """The label of ``key`` in ``lang`` (the key itself when no label is known)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[LANGS.index(check_lang(lang))]


def translate_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``frame`` with its index reset and its headers in ``lang``."""
    named = any(n is not None for n in frame.index.names)  # (school_id, subject) too
    out = frame.reset_index() if named else frame.copy()
    return out.rename(columns={c: label(c, lang) for c in out.columns})


#: Columns whose category codes :func:`translate_values` writes in the reader's language.
CODED_COLUMNS: tuple[str, ...] = ("level", "location", "subject", "basis", "entry", "kind",
                                  "sex", "track", "listed_because", "structure")


def _value_vocab() -> dict[str, str]:
    """Category code → Chinese label, for every coded column but ``title``."""
    return {**LEVELS, **LOCATIONS, **SUBJECTS,
            **{k: LABELS[k][1] for k in ("pupils", "classes", "opening", "closing",
                                         "release", "draw", "rotation", "support",
                                         "exchange", "itinerant", "remote", "transfer", "loan",
                                         "repayment", "male", "female", "female_cadre",
                                         "female_worker", "flag", "scenario", "above",
                                         "at", "below")}}


def translate_values(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy with category codes (levels, locations, subjects, bases, entries) in ``lang``."""
    out = frame.copy()
    if check_lang(lang) == "en":
        return out
    vocab = _value_vocab()
    if "title" in out.columns:  # post levels: "junior" is 初级 here, not 初中
        out["title"] = out["title"].map(lambda v: TITLES.get(v, v))
    for col in CODED_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map(lambda v: vocab.get(v, v))
    return out


def untranslate(frame: pd.DataFrame, columns: tuple[str, ...] = ("subject", "kind")
                ) -> pd.DataFrame:
    """Headers and the codes of ``columns`` back to their keys, from either language:
    the inverse of :func:`translate_columns` and :func:`translate_values` for a table
    read back from a workbook the library wrote. Unknown headers and values stay."""
    headers = {label: key for key, pair in LABELS.items() for label in pair}
    out = frame.rename(columns=lambda c: headers.get(str(c), str(c)))
    codes = {zh: key for key, zh in _value_vocab().items()}
    for col in columns:
        if col in out.columns:
            out[col] = out[col].map(lambda v: codes.get(v, v))
    return out
