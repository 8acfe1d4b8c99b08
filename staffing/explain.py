"""Why the plan looks as it does: the summary, which rules bind, why schools stay short and
needs stay unmet, each school's story — everything behind ``Plan.summary()``,
``Plan.explain()``, ``Plan.unmet`` and ``Plan.shortfalls``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.balance import INDICATORS, STAFF_INDICATORS
from staffing.i18n import check_lang, label
from staffing.model.fair import post_multiplier
from staffing.model.names import parse as parse_name
from staffing.model.quota import reserve_minimum
from staffing.needs import class_teacher_shortfall, subject_needs
from staffing.post_levels import caps_enforced
from staffing.staff import moves_by_school
from staffing.vocab import SUBJECTS, VISIT_KINDS

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["rule_table", "unmet_needs", "rotation_effect", "rotation_story", "RULES",
           "objective_breakdown", "allocation_note", "OBJECTIVE_TERMS", "summary_table",
           "binding_facts", "county_reason", "school_story", "control_story", "RuleTable",
           "short_ids", "blocks_off", "off_text", "balance_failures", "balance_reasons",
           "BALANCE_REASONS", "quota_room", "HARM_REASONS", "lowered_indicators"]

#: Rule keys with their English and Chinese names, in the order explain() lists them.
RULES: dict[str, tuple[str, str]] = {
    "county_total": ("county total quota", "核定编制总量"),
    "pool_reserve": ("turnover-pool reserve", "周转池预留"),
    "occupied_posts": ("occupied posts", "在编占编"),
    "norm_coverage": ("quota norm coverage", "编制标准"),
    "one_more_post": ("what one more post (编制) would buy", "增加一个编制的价值"),
    "subject_need": ("subject needs covered", "学科教师需求"),
    "head_teacher_load": ("class teachers teach less (measure 16)", "减少班主任课时"),
    "remote_cover": ("small schools covered by remote lessons", "专递课堂覆盖的小规模学校"),
    "rotation_volume": ("rotation ≥ 10% of eligible at urban, town and quality schools",
                        "城镇及优质学校交流轮岗比例"),
    "rotation_backbone_share": ("backbone ≥ 20% of those rotated", "骨干教师占交流比例"),
    "backbone_rural": ("backbone teachers per 100 pupils at rural schools",
                       "乡村学校每百名学生骨干教师数"),
    "principal_exchange": ("heads due after principal_exchange_years exchange, into vacancies",
                           "校长交流轮岗(任职期满,只到空缺岗位)"),
    "urgent_share": ("urgent-need subjects ≥ 30% of each year's hires", "紧缺学科招聘占比"),
    "hiring_budget": ("hires within the yearly budget", "年度招聘计划数"),
    "mentor_capacity": ("shadow-training places at host schools", "跟岗培训基地容量"),
    "pool_loans": ("pool loans repaid by attrition in time", "周转池借编按期归还"),
    "projection": ("enrolment projection", "学生数预测"),
    "locked_quota": ("quotas locked by the planner", "规划锁定编制"),
    "move_caps": ("moves in and out within the planner's caps", "每年调入调出人数上限"),
    "post_levels": ("senior and intermediate posts within each school's structure",
                    "高级、中级岗位不超过学校岗位结构比例"),
    "move_rules": ("teachers' move rules (allowed / forbidden schools)", "教师调动限制"),
    "balance_rule": ("优质均衡: school parts meeting 6 of 7 indicators after the plan",
                     "优质均衡:规划后7项指标中6项达标的学校(学段)"),
}

#: Kinds of move the planner's caps count (itinerant cover is not a change of school).
_CAPPED_KINDS = ("rotation", "support", "exchange")


def _ids(index) -> list[str]:
    """School ids as a plain list (``schools_affected`` holds lists, never one string)."""
    return [str(i) for i in index]


#: Ids shown in a cell of the rule table's display before "… (+n)".
SHOWN_IDS = 3


def short_ids(ids, shown: int = SHOWN_IDS) -> str:
    """A list of ids for display: the first ``shown`` and how many more.

    Examples
    --------
    >>> short_ids(["S001", "S002", "S003", "S004", "S005"], shown=2)
    'S001, S002, … (+3)'
    >>> short_ids([])
    ''
    """
    ids = [str(i) for i in ids]
    if len(ids) <= shown:
        return ", ".join(ids)
    return ", ".join(ids[:shown]) + f", … (+{len(ids) - shown})"


class RuleTable(pd.DataFrame):
    """The table of :func:`rule_table`: an ordinary DataFrame whose ``schools_affected``
    cells are lists of school ids, displayed shortened (``S001, S002, S003, … (+279)``)
    in its repr, ``to_string`` and notebook view; the data keep every id."""

    @property
    def _constructor(self):
        return RuleTable

    def _for_display(self) -> pd.DataFrame:
        out = pd.DataFrame(self)
        if "schools_affected" in out.columns:
            out = out.assign(schools_affected=[
                short_ids(v) if isinstance(v, (list, tuple)) else v
                for v in out["schools_affected"]])
        return out

    def __repr__(self) -> str:
        return repr(self._for_display())

    def to_string(self, *args, **kwargs):  # noqa: D102 (pandas' signature)
        return self._for_display().to_string(*args, **kwargs)

    def _repr_html_(self) -> str | None:
        return self._for_display()._repr_html_()


def _row(key: str, lang: str, **fields) -> dict:
    en, zh = RULES[key]
    name = f"{zh} ({en})" if lang == "zh" else f"{en} ({zh})"
    return {"key": key, "rule": name, **fields}


def _quota_rows(plan: Plan, lang: str) -> list[dict]:
    q = plan.quotas
    facts = binding_facts(plan)
    short_ids = q.index[q["shortfall_after"] > 0]
    floor = q["posts_held"]
    at_floor = q.index[(q["new_quota"] == floor) & (q["new_quota"] > q["norm"])]
    return [
        _row("county_total", lang, target=facts["total"],
             achieved=int(q["new_quota"].sum()) + plan.reserve, shortfall=facts["over"],
             binding=bool(facts["over"] > 0 or (facts["exhausted"] and len(short_ids))),
             schools_affected=_ids(short_ids if facts["exhausted"] else []),
             note=(f"over_county_total: staff staying in post ({facts['staying']}) exceed "
                   f"the total by {facts['over']}" if facts["over"] else "")),
        _row("pool_reserve", lang, target=facts["reserve_min"], achieved=plan.reserve,
             shortfall=max(0, int(facts["reserve_min"]) - plan.reserve),
             binding=bool(facts["reserve_min"] > 0 and plan.reserve == facts["reserve_min"]
                          and len(short_ids)),
             schools_affected=[], note=_loan_note(plan, lang)),
        _row("occupied_posts", lang, target=int(floor.sum()),
             achieved=int(np.minimum(q["new_quota"], floor).sum()), shortfall=0,
             binding=bool(len(at_floor) and len(short_ids)), schools_affected=_ids(at_floor),
             note=f"{facts['locked']} posts above norm held by staff in post"),
        _one_more_row(plan, lang),
        _row("norm_coverage", lang, target=int(q["norm"].sum()),
             achieved=int(np.minimum(q["new_quota"], q["norm"]).sum()),
             shortfall=int(q["shortfall_after"].sum()), binding=bool(len(short_ids)),
             schools_affected=_ids(short_ids),
             note="; ".join(n for n in (plan.shortfalls_reason(lang) if len(short_ids) else "",
                                        _estimated_classes_note(plan, lang)) if n)),
    ]


def _estimated_classes(plan: Plan) -> pd.Index:
    """Schools of the plan whose classes were estimated from enrolment."""
    flagged = plan.county.classes_estimated_schools
    return plan.quotas.index[plan.quotas.index.isin(flagged)]


def _estimated_classes_note(plan: Plan, lang: str) -> str:
    """The schools whose norm is set by their classes and whose classes are estimates."""
    q = plan.quotas
    by_class = _estimated_classes(plan).intersection(q.index[q["basis"] == "classes"])
    if not len(by_class):
        return ""
    if lang == "zh":
        return f"{len(by_class)}所学校的编制标准按估算班级数核定(班师比):{short_ids(by_class)}"
    return (f"the norms of {len(by_class)} schools rest on classes estimated from enrolment "
            f"(class rule): {short_ids(by_class)}")


def _estimated_classes_story(plan: Plan, school_id: str, lang: str) -> str:
    """One sentence for a school whose classes were estimated, or ''."""
    if school_id not in _estimated_classes(plan):
        return ""
    by_class = plan.quotas.loc[school_id, "basis"] == "classes"
    if lang == "zh":
        what = "编制标准(班师比)和学科需求" if by_class else "学科需求(编制标准按生师比)"
        return f"该校班级数为按学生数估算,{what}以估算班级数为依据。"
    what = ("its norm (class rule) and subject needs rest on them" if by_class
            else "its subject needs rest on them (its norm is by pupils)")
    return f" Its classes are estimated from enrolment (estimate_classes): {what}."


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
    q = plan.quotas
    weights = q["shortfall_weight"] * post_multiplier(q["norm"].to_numpy(),
                                                      q["shortfall_after"].to_numpy(),
                                                      plan.policy)
    short = q["shortfall_after"] > 0
    if np.isnan(value):
        note = "no solution" if lang == "en" else "无解"
    elif value <= 1e-6:
        note = ("one more post would change nothing: none of the short schools can use it"
                if lang == "en" else "增加编制不会改变方案")
    else:
        best = float(weights[short].max()) if short.any() else float("nan")
        note = (f"lowers the weighted objective by {value:.1f}; one post of shortfall at the "
                f"most urgent short school weighs {best:.0f} (its weight × the step of its "
                "relative shortfall)" if lang == "en" else
                f"可使加权目标降低{value:.1f};最紧迫缺编学校下一个编制的权重为{best:.0f}")
    return _row("one_more_post", lang, target=1, achieved=round(value, 2), shortfall=0,
                binding=bool(value > 1e-6), schools_affected=[], note=note)


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
             binding=share_short > 1e-9, schools_affected=[],
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


def _principal_rows(plan: Plan, lang: str) -> list[dict]:
    """Heads due to exchange (Chuxiong measure 8), which schools they lead, who moved."""
    f = plan.rotation.get("principals")
    if not f:
        return []
    zh = lang == "zh"
    moved = plan.moves[plan.moves["kind"].eq("principal_exchange")]
    pairs = ", ".join(f"{a} → {b}" for a, b in zip(moved["from_school"], moved["to_school"],
                                                    strict=True))
    years = plan.policy.principal_exchange_years
    if zh:
        note = (f"{len(f['due'])}名校级领导在同一学校任职满{years}年,应交流;"
                f"其所在学校:{short_ids(f['due_schools']) or '无'};已交流{len(moved)}名"
                + (f"({pairs})" if pairs else "")
                + (";其余没有对应岗位空缺" if f["short"] > 1e-9 else ""))
    else:
        note = (f"{len(f['due'])} heads served ≥ {years} years at their school and are due; "
                f"their schools: {short_ids(f['due_schools']) or 'none'}; {len(moved)} moved"
                + (f" ({pairs})" if pairs else "")
                + ("; the others have no vacancy for their role within reach"
                   if f["short"] > 1e-9 else ""))
    return [_row("principal_exchange", lang, target=round(f["target"], 2), achieved=len(moved),
                 shortfall=round(f["short"], 2), binding=f["short"] > 1e-9,
                 schools_affected=_ids(f["due_schools"]), note=note)]


def _head_teacher_row(plan: Plan, lang: str) -> dict:
    """What class teachers' lighter load (Chuxiong measure 16) added to the needs, and
    the schools flagging fewer class teachers than classes."""
    policy, county = plan.policy, plan.county
    cut = policy.head_teacher_load_reduction
    full = policy.replace(head_teacher_load_reduction=0.0)
    extra = float((subject_needs(county, policy) - subject_needs(county, full)).sum().sum())
    short = class_teacher_shortfall(county)
    flagged = short.index[short > 0] if county.teachers is not None else short.index[:0]
    classes = int((county.schools["classes_primary"] + county.schools["classes_junior"]).sum())
    if lang == "zh":
        note = (f"每个班配1名班主任({classes}个班),班主任每周少上{cut:g}节课,"
                f"学科需求因此增加{extra:.1f}人")
        if len(flagged):
            note += f";{len(flagged)}所学校标注的班主任少于班级数"
    else:
        note = (f"one class teacher per class ({classes} classes), each teaching {cut:g} "
                f"periods a week fewer: subject needs rise by {extra:.1f} FTE")
        if len(flagged):
            note += f"; {len(flagged)} schools flag fewer class teachers than classes"
    return _row("head_teacher_load", lang, target=np.nan, achieved=round(extra, 2),
                shortfall=np.nan, binding=False, schools_affected=_ids(flagged), note=note)


def _remote_rows(plan: Plan, lang: str) -> list[dict]:
    """Remote lessons (专递课堂, seed measure 6): which small schools a lead school
    streams to, in which subjects, and the need they count for."""
    m = plan.moves
    remote = m[m["kind"].eq("remote")] if len(m) else m
    if not len(remote):
        return []
    quality = float(plan.policy.remote_quality)
    counted = round(float(remote["fte"].sum()) * quality, 2)
    sites = remote.groupby("to_school", sort=True)["subject"].agg(
        lambda s: ", ".join(sorted(set(s))))
    listed = "; ".join(f"{k}: {v}" for k, v in list(sites.items())[:SHOWN_IDS])
    more = len(sites) - SHOWN_IDS
    if more > 0:
        listed += f"; … {more} more" if lang == "en" else f";……另{more}所"
    note = (f"{len(sites)} small schools get lessons streamed from a lead school ({listed}); "
            f"a streamed period counts {quality:g} of one taught in person"
            if lang == "en" else
            f"{len(sites)}所小规模学校由牵头学校专递课堂授课({listed});"
            f"一节直播课折算{quality:g}节面授课")
    return [_row("remote_cover", lang, target=round(float(remote["fte"].sum()), 2),
                 achieved=counted, shortfall=0.0, binding=False,
                 schools_affected=_ids(sites.index), note=note)]


def _capped_moves(plan: Plan) -> tuple[pd.Series, pd.Series]:
    """(moves in, moves out) per school of the kinds the planner's caps count."""
    m = plan.moves
    index = plan.quotas.index
    m = m[m["kind"].isin(_CAPPED_KINDS)] if len(m) else m
    if not len(m):
        zero = pd.Series(0, index=index, dtype="int64")
        return zero, zero
    return (m["to_school"].value_counts().reindex(index, fill_value=0),
            m["from_school"].value_counts().reindex(index, fill_value=0))


def _caps_reached(plan: Plan) -> tuple[pd.Index, pd.Index]:
    """Schools whose cap on moves in (out) is reached by the plan."""
    s = plan.county.schools
    into, out = _capped_moves(plan)
    cap_in = s["max_moves_in"] if "max_moves_in" in s else pd.Series(np.nan, index=s.index)
    cap_out = s["max_moves_out"] if "max_moves_out" in s else pd.Series(np.nan, index=s.index)
    return (s.index[(cap_in.notna() & into.reindex(s.index).ge(cap_in)).to_numpy()],
            s.index[(cap_out.notna() & out.reindex(s.index).ge(cap_out)).to_numpy()])


def _control_rows(plan: Plan, lang: str) -> list[dict]:
    """The planner's controls, when the county has any: locks, caps, move rules."""
    s = plan.county.schools
    zh = lang == "zh"
    rows = []
    lock = s["locked_quota"].dropna() if "locked_quota" in s else pd.Series(dtype=float)
    if len(lock):
        new = plan.quotas["new_quota"].reindex(lock.index)
        rows.append(_row(
            "locked_quota", lang, target=int(lock.sum()), achieved=int(new.sum()),
            shortfall=int((new - lock).abs().sum()), binding=True,
            schools_affected=_ids(lock.index),
            note=(f"{len(lock)}所学校的编制由规划人员锁定,方案按锁定数核定" if zh else
                  f"{len(lock)} schools' quotas locked by the planner (locked_quota); "
                  "the plan gives exactly those")))
    capped = [c for c in ("max_moves_in", "max_moves_out") if c in s and s[c].notna().any()]
    if capped:
        full_in, full_out = _caps_reached(plan)
        reached = full_in.union(full_out)
        rows.append(_row(
            "move_caps", lang, target=int(sum(s[c].notna().sum() for c in capped)),
            achieved=int(len(reached)), shortfall=0, binding=bool(len(reached)),
            schools_affected=_ids(reached),
            note=(f"已达上限:调入{short_ids(full_in) or '无'};调出{short_ids(full_out) or '无'}" if zh else
                  f"cap reached: moves in at {short_ids(full_in) or 'none'}; moves out at "
                  f"{short_ids(full_out) or 'none'}")))
    rules = getattr(plan.county, "move_rules", None)
    if rules is not None and len(rules):
        who = rules["teacher_id"].unique()
        m = plan.moves
        moved = m[m["teacher_id"].isin(who) & m["kind"].isin(_CAPPED_KINDS)] if len(m) else m
        rows.append(_row(
            "move_rules", lang, target=int(len(who)), achieved=int(len(moved)), shortfall=0,
            binding=False, schools_affected=_ids(sorted(set(rules["school_id"]))),
            note=(f"{len(who)}名教师有调动限制,其中{len(moved)}人调动;有限制的教师不参与走教"
                  if zh else
                  f"{len(who)} teachers have move rules; {len(moved)} of them move, each "
                  "only to a school her rules permit; they give no itinerant cover")))
    return rows


def _locked(plan: Plan, school_id: str) -> bool:
    s = plan.county.schools
    return "locked_quota" in s and bool(pd.notna(s.at[school_id, "locked_quota"]))


def control_story(plan: Plan, school_id: str, lang: str = "en") -> str:
    """The sentences of ``plan.explain(school_id)`` about the planner's controls there:
    a locked quota, caps on moves in and out (and whether they were reached), and the
    teachers here whose moves the planner's rules limit ("" when none apply)."""
    s = plan.county.schools
    r = s.loc[school_id]
    zh = lang == "zh"
    parts = []
    if "locked_quota" in s and pd.notna(r["locked_quota"]):
        n = int(r["locked_quota"])
        parts.append(f"编制由规划人员锁定为{n}人(锁定编制数)" if zh else
                     f"Quota locked at {n} by the planner (locked_quota)")
    into, out = _capped_moves(plan)
    for column, moved, en, cn in (("max_moves_in", into, "in", "调入"),
                                  ("max_moves_out", out, "out", "调出")):
        if column in s and pd.notna(r[column]):
            cap, k = int(r[column]), int(moved.get(school_id, 0))
            full = k >= cap
            parts.append(f"每年最多{cn}{cap}人,本次{cn}{k}人" + (",已达上限" if full else "")
                         if zh else f"moves {en} capped at {cap} a year ({column}): {k} "
                         f"moved {en}" + (" — cap reached" if full else ""))
    rules = getattr(plan.county, "move_rules", None)
    t = plan.county.teachers
    if rules is not None and len(rules) and t is not None:
        here = sorted(set(rules["teacher_id"]) & set(t.index[t["school_id"].eq(school_id)]))
        if here:
            parts.append(f"本校{len(here)}名教师的调动受规划人员限制({short_ids(here)})" if zh else
                         f"{len(here)} teachers here may move only as the planner's move rules "
                         f"permit ({short_ids(here)})")
    if not parts:
        return ""
    return ";".join(parts) + "。" if zh else " " + "; ".join(parts) + "."


def _post_level_rows(plan: Plan, lang: str) -> list[dict]:
    """Posts by level (岗位结构比例): schools above their senior or intermediate cap
    before and after the moves, and whether the moves carry the post level."""
    by = plan.posts_by_level
    if not len(by) or not plan.policy.post_level_caps:
        return []
    capped = by[by["cap"].notna()]
    above_before = capped.loc[capped["room_before"] < 0, "school_id"].unique()
    above_after = capped.loc[capped["room_after"] < 0, "school_id"].unique()
    carried = caps_enforced(plan.policy)
    if lang == "zh":
        how = ("随编制调动的教师带走其岗位等级,调入学校须有该级空余岗位" if carried else
               "交流为任期交流,岗位等级保留在原校,不占调入学校岗位")
        note = (f"调整前{len(above_before)}所、调整后{len(above_after)}所学校的高级或中级岗位"
                f"超出结构比例;{how}")
    else:
        how = ("a teacher whose post moves takes her post level along, into a school with "
               "room at that level" if carried else
               "moves are term moves: the post level stays at the home school")
        note = (f"{len(above_before)} schools above their senior or intermediate cap before, "
                f"{len(above_after)} after; {how}")
    return [_row("post_levels", lang, target=int(len(capped)),
                 achieved=int((capped["room_after"] >= 0).sum()),
                 shortfall=int((capped["room_after"] < 0).sum()),
                 binding=bool(carried and (capped["room_after"] <= 0).any()),
                 schools_affected=_ids(above_after), note=note)]


def rule_table(plan: Plan, lang: str = "en") -> pd.DataFrame:
    """One row per policy rule: target, achieved, shortfall, binding, schools affected
    (a list of school ids, shown shortened: :class:`RuleTable`)."""
    rows = _quota_rows(plan, lang) + _control_rows(plan, lang)
    if plan.rotation:
        rows += (_rotation_rows(plan, lang) + _principal_rows(plan, lang)
                 + _remote_rows(plan, lang))
    if plan.policy.head_teacher_load_reduction > 0:
        rows.append(_head_teacher_row(plan, lang))
    rows += _post_level_rows(plan, lang)
    if plan.horizon:
        rows += _year_rows(plan, lang)
    rows += _balance_rows(plan, lang)
    rows += _off_rows(plan, lang)
    return RuleTable(rows)


def blocks_off(plan: Plan) -> pd.DataFrame:
    """The rows of ``plan.blocks`` that explain() and summary() report: blocks the
    county's data or the policy switched off (not those left off by the options of
    ``optimize``, such as a one-year ``horizon`` or no transfer requests)."""
    b = plan.blocks
    return b[~b["on"].astype(bool) & b["cause"].isin(["data", "policy"])]


def off_text(row, lang: str) -> str:
    """"off — why; what would switch it on" for one row of ``plan.blocks``."""
    if lang == "zh":
        return f"未启用:{row['reason_zh']};{row['switch_on_zh']}"
    return f"off — {row['reason']}; {row['switch_on']}"


def _off_rows(plan: Plan, lang: str) -> list[dict]:
    """One row per block switched off by the data or the policy, and one per message
    said before solving (``plan.messages``)."""
    zh = lang == "zh"
    rows = [{"key": f"off:{r['block']}",
             "rule": f"{r['name_zh']} ({r['name']})" if zh else f"{r['name']} ({r['name_zh']})",
             "target": np.nan, "achieved": np.nan, "shortfall": np.nan, "binding": False,
             "schools_affected": [], "note": off_text(r, lang)}
            for _, r in blocks_off(plan).iterrows()]
    rows += [{"key": f"message:{m['key']}",
              "rule": "求解前提示 (before solving)" if zh else "before solving (求解前提示)",
              "target": np.nan, "achieved": np.nan, "shortfall": np.nan, "binding": False,
              "schools_affected": [], "note": m["message_zh"] if zh else m["message"]}
             for _, m in plan.messages.iterrows()]
    return rows


def _years_text(years, lang: str) -> str:
    years = [str(y) for y in years]
    if not years:
        return ""
    return ("binding in " + ", ".join(years)) if lang == "en" else ("、".join(years) + "年为约束")


def _grades_note(policy, lang: str) -> str:
    """The grade structure and transition rate when they are not the defaults (6 + 3, 1.0)."""
    p, j = policy.grades
    parts = []
    if (p, j) != (6, 3):
        parts.append(f"grade structure {policy.grades_text}" if lang == "en" else
                     f"学制{p}+{j}(小学1–{p}年级,初中{p + 1}–{p + j}年级)")
    if policy.junior_transition_rate != 1.0:
        rate = policy.junior_transition_rate
        parts.append(f"{rate:.0%} of primary leavers go on to junior school" if lang == "en"
                     else f"小学毕业生升入初中比例{rate:.0%}")
    return "; ".join(parts)


def _year_rows(plan: Plan, lang: str) -> list[dict]:
    """Rules of the later years: urgent share, budget, mentors, pool loans."""
    y = plan.years
    later = [c for c in y.columns if c != plan.policy.plan_year]
    hires = y.loc["hires", later].astype(int)
    urgent = y.loc["urgent_hires", later].astype(int)
    share = plan.policy.urgent_share_min
    # Binding: one more non-urgent hire would break the share.
    tight = [c for c in later if hires[c] and urgent[c] < share * (hires[c] + 1) - 1e-9]
    model = plan.model
    rows = []
    if model is not None and "hiring" in model.blocks:
        rows.append(_row("urgent_share", lang, target=round(share * int(hires.sum()), 2),
                         achieved=int(urgent.sum()), shortfall=0, binding=bool(tight),
                         schools_affected=[], note=_years_text(tight, lang)))
    hiring = model.blocks.get("hiring") if model is not None else None
    if hiring is not None and hiring.budget:
        cal = model.horizon.calendar
        budget = {cal[t]: n for t, n in hiring.budget.items()}
        full = [c for c in later if c in budget and hires[c] >= budget[c]]
        rows.append(_row("hiring_budget", lang, target=int(sum(budget.values())),
                         achieved=int(hires[list(budget)].sum()), shortfall=0,
                         binding=bool(full),
                         schools_affected=[], note=_years_text(full, lang)))
    if model is not None and len(model.horizon.mentor_room):
        cal = model.horizon.calendar
        room = {cal[t]: int(n) for t, n in model.horizon.mentor_room.items()}
        trainees = y.loc["rural_trainees", later].astype(int)
        full = [c for c in later if trainees[c] >= room.get(c, 0) > 0]
        rows.append(_row("mentor_capacity", lang, target=int(max(room.values())),
                         achieved=int(trainees.max()), shortfall=0, binding=bool(full),
                         schools_affected=[], note=_years_text(full, lang)))
    spread = bool(plan.projection.attrs.get("spread_evenly", False))
    pupils = plan.years.loc["pupils"]
    notes = [(("pupils of schools without per-grade counts are spread evenly over their "
               "grades" if lang == "en" else "无分年级数据的学校按年级平均分摊") if spread else ""),
             _grades_note(plan.policy, lang)]
    rows.append(_row("projection", lang, target=int(pupils.iloc[0]), achieved=int(pupils.iloc[-1]),
                     shortfall=0, binding=False, schools_affected=[],
                     note="; ".join(n for n in notes if n)))
    loans = plan.pool[plan.pool["entry"].eq("loan")]
    if len(loans):
        late = loans["repay_by"] > loans["year"] + plan.policy.pool_loan_years
        rows.append(_row("pool_loans", lang, target=int(loans["posts"].sum()),
                         achieved=int(loans["posts"].sum()), shortfall=int(late.sum()),
                         binding=False, schools_affected=[],
                         note=(f"repaid by {int(loans['repay_by'].max())}" if lang == "en"
                               else f"{int(loans['repay_by'].max())}年前归还")))
    return rows


def unmet_needs(plan: Plan) -> pd.DataFrame:
    """Subject needs of at least ``rotation_min_gap_fte`` still unmet after the plan,
    with the reason in English and Chinese.

    Reasons: no eligible teacher of the subject within ``max_travel_km`` (no candidate
    move existed); the school's quota left no room (only when every candidate move
    would bring its post, ``Policy.post_moves_with``: a term move needs none); or
    teachers who could come are needed more where they are (moving them would open a
    gap that weighs more).
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
    full = q["new_quota"] <= q["posts_held"]
    pairs = pd.MultiIndex.from_frame(gap[["school_id", "subject"]])
    needs_post = ~pairs.isin(plan.rotation.get("term_pairs", pairs[:0]))
    quota_full = gap["school_id"].map(full).to_numpy(dtype=bool) & needs_post
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


# ---------------------------------------------------------------- objective breakdown
#: Objective terms by rule: (key, the kinds of model variable that carry it — see
#: :mod:`staffing.model.names`, which also gives each its school or itinerant arc — names).
OBJECTIVE_TERMS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("shortfall", ("short_step",), "posts short of norm (convex)", "缺编(凸代价)"),
    ("surplus", ("surplus",), "posts above norm", "超编"),
    ("change", ("up", "down"), "quota changes", "编制调整"),
    ("over_total", ("over_county_total",), "staff above the county total",
     "超出编制总量的在编人员"),
    ("unmet_need", ("unmet_step",), "unmet subject need (convex)", "学科缺口(凸代价)"),
    ("backbone_rural", ("backbone_deficit",), "rural backbone deficit", "乡村骨干教师缺口"),
    ("balance_pe_arts", ("balance_pe_arts_short",), "PE/arts teachers short of 0.9 per 100 "
     "pupils (优质均衡)", "每百名学生体育艺术教师不足0.9(优质均衡)"),
    ("balance_music_art", ("balance_music_art_short",), "music/art teachers short of one per "
     "12 classes (优质均衡)", "音乐美术教师不足每12班各1人(优质均衡)"),
    ("balance_no_harm", tuple(f"no_harm_{c}_short" for c in ("backbone", "pe_arts",
                                                             "qualified_primary",
                                                             "qualified_junior")),
     "teachers a school keeps too few of for a staff indicator it met (优质均衡, do no harm)",
     "学校已达标的教师配置指标因调出而不足的人数(优质均衡,不降低已达标指标)"),
    ("rotation_volume", ("rotation_volume_short",), "rotation below 10%", "交流轮岗不足10%"),
    ("rotation_backbone_share", ("rotation_backbone_share_short",),
     "backbone below 20% of rotated", "骨干教师交流不足20%"),
    ("principal_exchange", ("principal_move", "principal_exchange_short"),
     "heads' exchange: moves and due heads not moved", "校长交流(交流人数与未交流的到期校长)"),
    ("moves", ("move",), "moves and their travel (at the receiving school)",
     "交流人数与路程(计入调入学校)"),
    ("itinerant", ("itin",), "itinerant cover and travel (at the member school)",
     "走教及路程(计入受援学校)"),
    ("remote", ("remote",), "remote lessons (at the small school)", "专递课堂(计入受援学校)"),
    ("hires", ("hire",), "hires (posts held over the plan)", "招聘"),
    ("pool_loans", ("pool_lend", "pool_repay"), "pool loans outstanding", "周转池借编"),
)

BREAKDOWN_COLUMNS = ["rule", "name", "cost", "share"]


def objective_breakdown(plan: Plan, by: str = "rule", lang: str = "en") -> pd.DataFrame:
    """How much of the weighted objective each rule carries, overall or school by school.

    Like a constraint solver's score analysis: every objective term of the solved model
    is read back (coefficient × value) and filed under the rule it prices.

    Parameters
    ----------
    plan : a solved plan (an unsolved one gives an empty table).
    by : ``"rule"`` — one row per rule: ``rule`` (key), ``name``, ``cost``, ``share``
        of the objective; or ``"school"`` — one row per school (``school_id``, county-
        wide terms under ``"county"``) and one column per rule, with ``total``, largest
        first.
    lang : ``"en"`` or ``"zh"`` for the rule names.

    Returns
    -------
    DataFrame
    """
    if by not in ("rule", "school"):
        raise ValueError(f"by = {by!r}: expected 'rule' or 'school'")
    model = plan.model
    if model is None:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    items = [(v.name, float(c) * float(v.varValue or 0.0)) for v, c in
             model.prob.objective.items()]
    frame = pd.DataFrame(items, columns=["variable", "cost"])
    rule_of = {kind: key for key, kinds, _, _ in OBJECTIVE_TERMS for kind in kinds}
    parts = [parse_name(v) for v in frame["variable"]]
    frame["rule"] = [rule_of.get(p.kind, "other") if p else "other" for p in parts]
    # The school's position, or for itinerant cover the arc (None: county-wide).
    frame["position"] = [None if p is None or p.kind not in rule_of
                         else p.arc if p.kind in ("itin", "remote") else p.school
                         for p in parts]
    names = {key: (zh if lang == "zh" else en) for key, _, en, zh in OBJECTIVE_TERMS}
    names["other"] = "其他" if lang == "zh" else "other"
    total = float(frame["cost"].sum())
    if by == "rule":
        out = frame.groupby("rule", sort=False)["cost"].sum()
        order = [k for k, *_ in OBJECTIVE_TERMS if k in out.index] + (
            ["other"] if "other" in out.index else [])
        out = out.reindex(order)
        return pd.DataFrame({"rule": out.index, "name": [names[k] for k in out.index],
                             "cost": out.round(4).to_numpy(),
                             "share": (out / total if total else out * 0).round(6).to_numpy()})
    ids = list(model.inputs.schools.index)
    school = pd.Series("county", index=frame.index)
    numbered = frame["position"].notna() & ~frame["rule"].isin(("itinerant", "remote"))
    school[numbered] = [ids[int(p)] for p in frame.loc[numbered, "position"]]
    itin = frame["rule"].eq("itinerant")
    if itin.any():
        targets = model.blocks["itinerant"].arcs["target"].to_numpy()
        school[itin] = [str(targets[int(p)]) for p in frame.loc[itin, "position"]]
    streamed = frame["rule"].eq("remote")
    if streamed.any():
        targets = model.blocks["remote"].arcs["target"].to_numpy()
        school[streamed] = [str(targets[int(p)]) for p in frame.loc[streamed, "position"]]
    frame["school_id"] = school
    table = frame.pivot_table(index="school_id", columns="rule", values="cost", aggfunc="sum",
                              fill_value=0.0)
    table = table[[k for k, *_ in OBJECTIVE_TERMS if k in table.columns]
                  + (["other"] if "other" in table.columns else [])]
    table["total"] = table.sum(axis=1)
    table = table.sort_values("total", ascending=False, kind="stable").round(4)
    table.columns.name = None
    return table


def allocation_note(plan: Plan, school_id: str, lang: str = "en") -> str:
    """Where the school stood against the last school that received a post.

    Shares of norm before and after the plan; among the schools whose quota rose, the
    one whose last post was worth least in the objective (the last to be served) and
    what that post was worth, against what one more post here would be worth.
    """
    q = plan.quotas
    r = q.loc[school_id]
    if r["norm"] <= 0:
        return ""
    before, after = r["approved_quota"] / r["norm"], r["new_quota"] / r["norm"]
    grew = q[(q["change"] > 0) & (q["norm"] > 0)]
    worth_last = grew["shortfall_weight"] * post_multiplier(
        grew["norm"].to_numpy(), (grew["shortfall_after"] + 1).to_numpy(), plan.policy)
    here = float(r["shortfall_weight"] * post_multiplier(
        np.array([r["norm"]]), np.array([r["shortfall_after"]]), plan.policy)[0])
    zh = lang == "zh"
    text = (f"编制达标率由{before:.0%}变为{after:.0%}。" if zh else
            f" Share of norm: {before:.0%} before, {after:.0%} after.")
    served = worth_last[grew["shortfall_before"] > 0]
    if len(served) and served.idxmin() == school_id:
        text += ("本校是最后获得编制的学校。" if zh else
                 " It was the last school to receive a post.")
    elif len(served):
        last = served.idxmin()
        last_after = q.at[last, "new_quota"] / q.at[last, "norm"]
        if zh:
            text += (f"最后获得编制的学校是{q.at[last, 'name']}({last}),调整后达标率"
                     f"{last_after:.0%},其最后一个编制的权重为{served[last]:.0f}")
            text += (f";本校再增一个编制的权重为{here:.0f}。" if r["shortfall_after"] > 0
                     else "。")
        else:
            text += (f" The last school to receive a post was {q.at[last, 'name']} ({last}), "
                     f"at {last_after:.0%} of its norm after; its last post weighed "
                     f"{served[last]:.0f}")
            text += (f", one more post here would weigh {here:.0f}." if r["shortfall_after"] > 0
                     else ".")
    return text


def rotation_effect(plan: Plan) -> pd.DataFrame:
    """How much of each school's change in shortfall comes from its teachers' moves.

    A school's quota can fall below the staff who stay in post (and below its approved
    quota) only because teachers left *with their posts* (``Policy.post_moves_with``);
    it must rise to hold teachers who arrived with theirs. ``from_rotation`` is the
    change in shortfall that part of the quota change makes: positive at a school whose
    posts left with its rotating teachers (its rotation duty), negative at one that
    received posts, zero wherever every move is a term move (the teachers keep their
    home posts).

    Returns
    -------
    DataFrame indexed by school_id: ``out_with_post``, ``in_with_post``,
    ``away_on_term``, ``here_on_term``, ``shortfall_change`` (after − before) and
    ``from_rotation`` (the part of it due to posts moving with teachers).
    """
    q = plan.quotas
    moves = plan.moves
    into, out = moves_by_school(moves[moves["kind"].isin(plan.policy.post_moves_with)], q.index)
    floor = (q["staff_in_post"] - q["leavers"]).clip(lower=0)
    new, before, norm = q["new_quota"], q["approved_quota"], q["norm"]
    net_out = (out - into).clip(lower=0)
    net_in = (into - out).clip(lower=0)
    # Sending: the quota fell below min(approved, floor) only because posts left.
    dropped = np.minimum((np.minimum(before, floor) - new).clip(lower=0), net_out)
    # Receiving: the quota rose above max(approved, floor) to hold the posts that came.
    raised = np.minimum((np.minimum(new, floor + net_in) - np.maximum(before, floor)
                         ).clip(lower=0), net_in)
    short_now = (norm - new).clip(lower=0)
    without = (norm - (new + dropped - raised)).clip(lower=0)
    return pd.DataFrame({
        "out_with_post": out.astype("int64"), "in_with_post": into.astype("int64"),
        "away_on_term": q["away_on_term"].astype("int64"),
        "here_on_term": q["here_on_term"].astype("int64"),
        "shortfall_change": (q["shortfall_after"] - q["shortfall_before"]).astype("int64"),
        "from_rotation": (short_now - without).astype("int64"),
    })


def rotation_story(plan: Plan, school_id: str, lang: str = "en") -> str:
    """The sentences of ``plan.explain(school_id)`` about moves and posts ("" if none)."""
    e = rotation_effect(plan).loc[school_id]
    term_out, term_in = int(e["away_on_term"]), int(e["here_on_term"])
    post_out, post_in = int(e["out_with_post"]), int(e["in_with_post"])
    out, into = term_out + post_out, term_in + post_in
    if not (out or into):
        return ""
    change, part = int(e["shortfall_change"]), int(e["from_rotation"])
    if lang == "zh":
        text = f"交流轮岗调出{out}人、调入{into}人"
        if term_out or term_in:
            text += (f";其中任期交流调出{term_out}人、调入{term_in}人,编制保留在原校"
                     "(调出教师仍占本校编制,调入教师在本校任教、不占本校编制)")
        if post_out or post_in:
            text += f";编制随人调动:调出{post_out}人、调入{post_in}人"
        return text + f"。缺编变化{change:+d}人,其中因交流轮岗(编制随人调动){part:+d}人。"
    text = f" Rotation: {out} out, {into} in"
    if term_out or term_in:
        text += (f"; on term moves {term_out} out, {term_in} in, posts kept at the home "
                 "school (those away still hold posts here; those here hold theirs at home)")
    if post_out or post_in:
        text += f"; with their posts {post_out} out, {post_in} in"
    return text + (f". Change in shortfall {change:+d}, of which {part:+d} from the rotation "
                   "(posts moving with teachers).")


def _pool_this_year(plan: Plan) -> pd.DataFrame:
    """The pool ledger of the first planning year."""
    if "year" not in plan.pool:
        return plan.pool
    return plan.pool[plan.pool["year"].eq(plan.policy.plan_year)]


def summary_table(plan: Plan, lang: str = "en") -> pd.DataFrame:
    """Headline figures before and after the plan.

    Rows: schools below norm (all and rural), posts short of norm, posts above
    norm, quota moved through the pool, pool balance, quota assigned to schools;
    with rotation, moves and subject cover; in a multi-year plan, hires and
    retirements over the plan and the first and last years' shortfalls and unmet
    need; without rotation, zero moves; then one row per block the data or the policy
    switched off (key ``off:<block>``, "after" = off, the reason and the input that
    would switch it on in the measure's text) and one per message said before solving
    (key ``message:<key>``).
    """
    q = plan.quotas
    rural = q["location"].eq("rural")
    moved = int(q["change"].clip(lower=0).sum())
    pool = _pool_this_year(plan)
    opening = int(pool["balance"].iloc[0])
    closing = int(pool["balance"].iloc[-1])
    rows = [
        ("schools_below_norm", "Schools below norm", "低于编制标准的学校",
         int((q.shortfall_before > 0).sum()), int((q.shortfall_after > 0).sum())),
        ("rural_schools_below_norm", "Rural schools below norm", "低于编制标准的乡村学校",
         int((rural & (q.shortfall_before > 0)).sum()),
         int((rural & (q.shortfall_after > 0)).sum())),
        ("posts_short", "Posts short of norm", "缺编数",
         int(q.shortfall_before.sum()), int(q.shortfall_after.sum())),
        ("posts_above", "Posts above norm", "超编数",
         int(q.surplus_before.sum()), int(q.surplus_after.sum())),
        ("quota_moved", "Quota moved through the pool", "经周转池调剂的编制", 0, moved),
        ("pool_balance", "Turnover pool balance", "周转池余额", opening, closing),
        ("quota_assigned", "Quota assigned to schools", "学校编制合计",
         int(q.approved_quota.sum()), int(q.new_quota.sum())),
    ]
    if plan.rotation:
        c = plan.coverage.reset_index()
        urgent = c["subject"].isin(plan.policy.urgent_subjects)
        deficit = sum(plan.rotation["backbone_deficit"].values())
        rows += [
            ("teachers_moved", "Teachers moved (交流轮岗)", "交流轮岗教师", 0,
             int((~plan.moves["kind"].isin((*VISIT_KINDS, "principal_exchange"))).sum())),
            ("itinerant_fte", "Itinerant cover (走教, FTE)", "走教(折合人数)", 0.0,
             round(float(plan.moves.loc[plan.moves["kind"].eq("itinerant"), "fte"].sum()),
                   1)),
            ("unmet_need_fte", "Unmet subject need (FTE)", "学科缺口(折合人数)",
             round(float(c.unmet_before.sum()), 1), round(float(c.unmet_after.sum()), 1)),
            ("unmet_urgent_fte", "Unmet urgent-subject need (FTE)", "紧缺学科缺口(折合人数)",
             round(float(c.unmet_before[urgent].sum()), 1),
             round(float(c.unmet_after[urgent].sum()), 1)),
            ("backbone_deficit_rural", "Rural backbone teachers short of 1 per 100 pupils",
             "乡村学校骨干教师缺口", round(plan.rotation["backbone_deficit_before"], 1),
             round(deficit, 1)),
        ]
        if plan.rotation.get("principals"):  # heads' exchange (Chuxiong measure 8)
            rows.append(("heads_exchanged", "Heads exchanged (校长交流)", "交流校长",
                         0, int(plan.moves["kind"].eq("principal_exchange").sum())))
    elif plan.moves.empty:  # rotation off: nobody moved
        rows += [("teachers_moved", "Teachers moved (交流轮岗)", "交流轮岗教师", 0, 0),
                 ("itinerant_fte", "Itinerant cover (走教, FTE)", "走教(折合人数)", 0.0, 0.0)]
    if plan.horizon:
        rows += _year_summary_rows(plan)
    rows += _off_summary_rows(plan)
    col = 1 if check_lang(lang) == "en" else 2
    out = pd.DataFrame(
        {
            label("metric", lang): [r[col] for r in rows],
            label("before", lang): pd.Series([r[3] for r in rows], dtype=object),
            label("after", lang): pd.Series(
                ["未启用" if col == 2 and isinstance(r[4], str) and r[4] == "off" else r[4]
                 for r in rows], dtype=object),
        },
    )
    out.index = pd.Index([r[0] for r in rows], name="key")
    return out


def _off_summary_rows(plan: Plan) -> list[tuple]:
    """Summary rows of the blocks the data or policy switched off ("after": off) and of
    the messages said before solving."""
    rows = [(f"off:{r['block']}", f"{r['name']} ({r['name_zh']}): {off_text(r, 'en')}",
             f"{r['name_zh']}:{off_text(r, 'zh')}", "", "off")
            for _, r in blocks_off(plan).iterrows()]
    rows += [(f"message:{m['key']}", m["message"], m["message_zh"], "", "")
             for _, m in plan.messages.iterrows()]
    return rows


def _year_summary_rows(plan: Plan) -> list[tuple]:
    """Summary rows of a multi-year plan: "before" is the first year, "after" the
    whole plan (hires, retirements) or its last year (shortfalls, unmet need)."""
    y = plan.years
    first, last = y.columns[0], y.columns[-1]
    hires, urgent = int(y.loc["hires"].sum()), int(y.loc["urgent_hires"].sum())
    return [
        ("hires_over_plan", f"New hires {first + 1}–{last}", f"{first + 1}—{last}年招聘教师",
         0, hires),
        ("urgent_share_of_hires", "Urgent-need share of those hires", "其中紧缺学科占比",
         np.nan, round(urgent / hires, 3) if hires else np.nan),
        ("retirements_over_plan", f"Retirements {first + 1}–{last}",
         f"{first + 1}—{last}年退休", 0, int(y.loc["retirements"].sum())),
        ("posts_short_by_year", f"Posts short of norm, {first} → {last}",
         f"缺编数({first}年→{last}年)", int(y.loc["posts_short", first]),
         int(y.loc["posts_short", last])),
        ("unmet_need_by_year", f"Unmet subject need (FTE), {first} → {last}",
         f"学科缺口(折合人数,{first}年→{last}年)", y.loc["unmet_need_fte", first],
         y.loc["unmet_need_fte", last]),
    ]


def county_reason(plan: Plan, lang: str = "en") -> str:
    """Why schools stay short, at county level (the same for every short school)."""
    facts = binding_facts(plan)
    parts_en, parts_zh = [], []
    if not plan.policy.pool_enabled:
        parts_en.append("the turnover pool is switched off (pool_enabled = false)")
        parts_zh.append("周转池未启用")
    if facts["over"] > 0:
        parts_en.append(f"staff staying in post ({facts['staying']}) exceed the county "
                        f"total ({facts['total']}) by {facts['over']}")
        parts_zh.append(f"留任在编人员({facts['staying']}名)超出核定编制总量"
                        f"({facts['total']}){facts['over']}名")
    if facts["exhausted"]:
        parts_en.append(
            f"the county total ({facts['total']}) is exhausted: every post is assigned"
        )
        parts_zh.append(f"编制总量({facts['total']})已全部分配")
    if facts["locked"] > 0:
        parts_en.append(
            f"{facts['locked']} posts above norm at {facts['locked_schools']} schools are "
            "occupied by staff in post and cannot be released"
        )
        parts_zh.append(
            f"{facts['locked_schools']}所学校超编的{facts['locked']}个编制由在编人员占用,无法收回"
        )
    if facts["reserve_min"] > 0 and plan.reserve < facts["reserve_min"]:
        parts_en.append(f"staff in post leave room for only {plan.reserve} of the "
                        f"{facts['reserve_min']} reserve posts")
        parts_zh.append(f"在编人员仅留出{plan.reserve}个周转池预留编制"
                        f"(应留{facts['reserve_min']}个)")
    elif facts["reserve_min"] > 0:
        parts_en.append(f"{facts['reserve_min']} posts are held back as the pool reserve")
        parts_zh.append(f"周转池按规定预留{facts['reserve_min']}个编制")
    if lang == "zh":
        return ";".join(parts_zh) or "—"
    return "; ".join(parts_en) or "—"


def binding_facts(plan: Plan) -> dict[str, int | bool]:
    """The county-level facts behind shortfalls: the county total, staff staying in post,
    posts over the total, whether the total is exhausted, posts above norm locked by
    staff in post (and at how many schools), and the pool reserve the policy asks."""
    q = plan.quotas
    floor = q["posts_held"]
    locked = (np.minimum(q["new_quota"], floor) - q["norm"]).clip(lower=0)
    total = plan.county.county_total
    reserve_min = reserve_minimum(total, plan.policy)
    return {
        "total": total,
        "staying": int(floor.sum()),
        "over": plan.over_county_total,
        "exhausted": int(q["new_quota"].sum()) + plan.reserve - plan.over_county_total
        >= total and plan.reserve <= reserve_min,
        "locked": int(locked.sum()),
        "locked_schools": int((locked > 0).sum()),
        "reserve_min": reserve_min,
    }


def school_story(plan: Plan, school_id: str, lang: str = "en") -> str:
    """A short story of one school in the plan: its quota before and after, what the
    rotation brings and takes, needs still unmet and why, and its later years."""
    if school_id not in plan.quotas.index:
        raise KeyError(f"no school {school_id!r} in this plan")

    r = plan.quotas.loc[school_id]
    basis = label(r["basis"], lang)
    rotation = rotation_story(plan, school_id, lang)
    if lang == "zh":
        text = (f"{r['name']}({school_id}):编制标准{r['norm']}人({basis}),"
                f"原核定编制{r['approved_quota']}人,在编在岗{r['staff_in_post']}人;"
                f"调整后编制{r['new_quota']}人(增减{r['change']:+d})。"
                + _estimated_classes_story(plan, school_id, "zh")
                + control_story(plan, school_id, "zh")) + rotation
        if r["shortfall_after"] > 0:
            why = "编制已由规划人员锁定" if _locked(plan, school_id) else county_reason(plan, "zh")
            text += f"仍缺编{r['shortfall_after']}人:{why}。"
        elif r["change"] < 0:
            text += f"收回{-r['change']}个空编入周转池。"
        for row in _unmet_at(plan, school_id):
            text += (f"{SUBJECTS[row.subject]}仍缺{row.unmet_after:.1f}人:{row.reason_zh}。")
        return text + allocation_note(plan, school_id, "zh") + _years_story(
            plan, school_id, "zh")
    text = (f"{r['name']} ({school_id}): norm {r['norm']} posts ({basis}); approved "
            f"quota {r['approved_quota']}, staff in post {r['staff_in_post']}; new quota "
            f"{r['new_quota']} ({r['change']:+d})."
            + _estimated_classes_story(plan, school_id, "en")
            + control_story(plan, school_id, "en")) + rotation
    if r["shortfall_after"] > 0:
        why = ("its quota is locked by the planner" if _locked(plan, school_id)
               else county_reason(plan, "en"))
        text += f" Still {r['shortfall_after']} short of norm: {why}."
    elif r["change"] < 0:
        text += f" {-r['change']} vacant posts released to the turnover pool."
    for row in _unmet_at(plan, school_id):
        text += f" {row.subject}: {row.unmet_after:.1f} FTE still unmet ({row.reason})."
    return text + allocation_note(plan, school_id, "en") + _years_story(
        plan, school_id, "en")


def _years_story(plan: Plan, school_id: str, lang: str) -> str:
    """The later years of a multi-year plan for one school: quotas and hires."""
    if not plan.horizon:
        return ""
    quotas = plan.quota_path["quota"].loc[school_id]
    path = "→".join(str(int(q)) for q in quotas)
    years = f"{quotas.index[0]}–{quotas.index[-1]}"
    hires = plan.hires[plan.hires["school_id"] == school_id]
    names = plan.quotas["name"]
    hires = hires.assign(host_school=[names.get(h, h) for h in hires["host_school"]])
    if lang == "zh":
        text = f"{years}年编制:{path}。"
        for h in hires.itertuples():
            host = f",先到{h.host_school}跟岗培训" if h.host_school else ""
            text += (f"{h.year}年招聘{SUBJECTS[h.subject]}教师{h.count}人"
                     f"({h.approval_year}年报批{host})。")
        return text
    text = f" Quotas {years}: {path}."
    for h in hires.itertuples():
        host = f", shadow-training first at {h.host_school}" if h.host_school else ""
        text += (f" Hires for {h.year}: {h.count} {h.subject} (approved in "
                 f"{h.approval_year}{host}).")
    return text


def _unmet_at(plan: Plan, school_id: str) -> list:
    """The school's unmet subject needs (rows of :attr:`unmet`), largest first."""
    unmet = plan.unmet
    return list(unmet[unmet["school_id"] == school_id].itertuples())


# ---------------------------------------------------------------- 优质均衡 after the plan
#: Why a school part still fails an indicator after the plan → (English, Chinese).
BALANCE_REASONS: dict[str, tuple[str, str]] = {
    "no_data": ("no data: the indicator cannot be judged (a facility column is blank, or a "
                "teacher's education is)",
                "缺数据:无法评估(办学条件列为空,或有教师学历为空)"),
    "no_teachers": ("no teachers table: the staff indicators cannot be counted (add a "
                    "teachers sheet, 教师 / teachers)",
                    "没有教师表:无法统计教师类指标(请补充教师表)"),
    "facility": ("a facility (floor area, grounds, equipment, classrooms): no staffing plan "
                 "changes it", "办学条件指标:教师调配无法改变"),
    "rotation_off": ("the rotation block is off: the plan moves no teacher",
                     "交流轮岗未启用:规划不调动教师"),
    "backbone_not_moved": ("no backbone teacher moved here: none eligible within reach, or "
                           "the move costs more than weight_backbone_deficit",
                           "未调入骨干教师:可交流范围内无符合条件者,或调动代价高于骨干缺口权重"),
    "pe_arts_not_reached": ("the plan aims for PE/arts teachers here, but no PE, music or "
                            "art teacher eligible within reach or to hire, or one would cost "
                            "more than weight_balance_pe_arts (or leave more need elsewhere)",
                            "规划以此项为目标,但可交流范围内无符合条件的体育艺术教师、无招聘"
                            "名额,或调配代价高于权重(或使别处缺口更大)"),
    "not_aimed": ("the plan does not aim to raise this indicator at this school (moves go "
                  "only to rural and weak schools, where the model prices backbone per 100 "
                  "pupils; qualified teachers per 100 it only keeps where a part passed, "
                  "PE/arts per 100 it raises only with weight_balance_pe_arts > 0)",
                  "规划未以提高此校此项为目标(教师只调往乡村及薄弱学校,模型只在这些学校计每百名"
                  "学生骨干教师数;高学历教师数只在已达标学校保持不降,体育艺术教师数仅在其权重"
                  "大于0时计入)"),
    "quota_full": ("quota exhausted: the school's posts (编制) are all held after the plan "
                   "(posts held + hires ≥ quota in the plan's last year), so no teacher "
                   "could be hired here nor moved here with her post (Policy.post_moves_with)",
                   "编制已满:规划后本校编制全部占用(在编人数加招聘人数不低于规划末年编制),"
                   "无法再招聘,也无法调入带编教师"),
    # The plan lowered an indicator the school part met (or reached 85% of) before:
    # which rule ranked above weight_balance_no_harm took the teacher (do no harm,
    # staffing.model.no_harm).
    "harm_announced": ("lowered by the plan: a move announced in the previous plan took "
                       "the teacher (replanning keeps announced moves: a hard rule)",
                       "因调配降低:上一方案已公布的调动带走了该教师(重新规划须保留已公布的调动,"
                       "为刚性规则)"),
    "harm_head_exchange": ("lowered by the plan: a head's due exchange (Chuxiong measure 8) "
                           "took the teacher; weight_principal_exchange_shortfall ranks it "
                           "above weight_balance_no_harm",
                           "因调配降低:到期校长交流(楚雄措施8)带走了该教师;校长交流权重高于"
                           "不降低已达标指标的权重"),
    "harm_need": ("lowered by the plan: the teacher went to a school whose uncovered "
                  "subject need the move helps cover (weight_unmet_need ranks pupils' "
                  "lessons above weight_balance_no_harm)",
                  "因调配降低:该教师调往的学校有学科无人任教,此调动使其缺口减少(学科缺口"
                  "权重高于不降低已达标指标的权重,学生上课优先)"),
    "harm_backbone_support": ("lowered by the plan: the backbone teacher went to support a "
                              "rural or weak school short of backbone teachers "
                              "(weight_backbone_deficit ranks it at or above "
                              "weight_balance_no_harm)",
                              "因调配降低:该骨干教师支援缺少骨干教师的乡村或薄弱学校(骨干缺口"
                              "权重不低于不降低已达标指标的权重)"),
    "harm_duty": ("lowered by the plan: the 10% exchange duty of this school and its 20% "
                  "backbone share took the teacher (weight_rotation_shortfall ranks it at "
                  "or above weight_balance_no_harm)",
                  "因调配降低:本校10%交流轮岗及20%骨干比例的要求带走了该教师(交流轮岗不足"
                  "的权重不低于不降低已达标指标的权重)"),
    "harm_unprotected": ("lowered by the plan: no rule keeps it (weight_balance_no_harm is 0)",
                         "因调配降低:未设不降低已达标指标的规则(权重为0)"),
    "harm_weights": ("lowered by the plan: the policy weights rank another aim above "
                     "weight_balance_no_harm (see explain.objective_breakdown)",
                     "因调配降低:政策权重将其他目标排在不降低已达标指标之前(见目标分解)"),
}

#: The reasons that name a rule the plan had to keep, or ranked above doing no harm.
HARM_REASONS: tuple[str, ...] = ("harm_announced", "harm_head_exchange", "harm_need",
                                 "harm_backbone_support", "harm_duty", "harm_unprotected",
                                 "harm_weights")

#: Columns of :func:`balance_failures`.
BALANCE_FAILURE_COLUMNS = ["school_id", "part", "name", "indicator", "status", "value",
                           "required", "reason_key", "reason"]


def quota_room(plan: Plan) -> pd.Series:
    """Free posts (编制) per school after the plan, in the plan's last year.

    Year 0 (a single-year plan): ``new_quota`` − ``posts_held`` of ``plan.quotas``
    (staff holding a post after the moves; a teacher on a term move counts at home). A
    multi-year plan: the last year's quota (``plan.quota_path``) − (posts held − listed
    teachers whose post falls vacant by then (``plan.retirements``) + every hire of the
    plan at the school). A hire must fit in her year and every later one, so a school
    with no room in the last year could have taken no more hires in any year.

    Examples
    --------
    >>> import staffing as st
    >>> plan = st.optimize(st.synth.county(seed=1, n_schools=12))
    >>> bool((quota_room(plan) == plan.quotas["new_quota"] - plan.quotas["posts_held"]).all())
    True
    """
    q = plan.quotas
    held = q["posts_held"] if "posts_held" in q.columns else q["staff_in_post"] - q["leavers"]
    if not plan.horizon or plan.quota_path.empty:
        return (q["new_quota"] - held).astype(np.int64).rename("quota_room")
    last = max(plan.quota_path["quota"].columns)
    quota = plan.quota_path[("quota", last)].reindex(q.index)
    r = plan.retirements
    gone = (r[r["vacant_from"] <= last].groupby("school_id").size().reindex(q.index, fill_value=0)
            if len(r) else 0)
    h = plan.hires
    hired = (h.groupby("school_id")["count"].sum().reindex(q.index, fill_value=0)
             if len(h) else 0)
    return (quota - (held - gone + hired)).astype(np.int64).rename("quota_room")


def balance_reasons(table: pd.DataFrame, rotation_on: bool, aimed: pd.Index,
                    pe_arts_aimed: bool = False, lowered: pd.Series | None = None, *,
                    full: pd.Index | None = None, hiring_on: bool = False,
                    posts_move: bool = False, has_teachers: bool = True) -> pd.DataFrame:
    """Each indicator not met at a school part that fails the evaluation's rule after the
    plan, with the reason key (one of :data:`BALANCE_REASONS`).

    Parameters
    ----------
    table : DataFrame like ``plan.balance`` (indexed by ``school_id``, ``part``).
    rotation_on : whether the plan could move teachers at all.
    aimed : school ids where the model prices the backbone per 100 pupils target
        (rural and weak schools).
    pe_arts_aimed : whether the model prices PE/arts per 100 pupils at every school (the
        ``balance_staff`` block of ``plan.blocks``, :mod:`staffing.model.balance`).
    lowered : reason keys (:data:`HARM_REASONS`) indexed by (``school_id``, ``part``,
        ``indicator``) for indicators the plan lowered; they replace the reasons above.
    full : school ids whose quota is exhausted after the plan (:func:`quota_room` ≤ 0).
    hiring_on : whether the plan could hire (the hiring block of a multi-year plan).
    has_teachers : whether the county has a teachers table; without one a staff
        indicator's missing value is ``no_teachers``, not ``no_data``.
    posts_move : whether a rotation move takes the teacher's post with her
        (``Policy.post_moves_with`` beyond ``transfer``), so a full quota blocks it.

    A full quota is the reason (``quota_full``) for an indicator the model aims at
    only where it blocked what would raise it: backbone teachers come only by moves,
    so only when posts move; PE/arts teachers by moves or hires. A term move (the
    default: the post stays at home) needs no post at the school it goes to.

    Returns
    -------
    DataFrame with ``school_id``, ``part``, ``name``, ``indicator``, ``status``,
    ``value``, ``required`` and ``reason_key``; one row per (school part, indicator).
    """
    full = pd.Index([]) if full is None else full
    failing = table[table["rule_after"] != "met"]
    frames = []
    for key in INDICATORS:
        status = failing[f"{key}_status_after"]
        rows = failing[status != "met"]
        if rows.empty:
            continue
        st = rows[f"{key}_status_after"]
        sid = pd.Series(rows.index.get_level_values("school_id"), index=rows.index)
        moved_in = rotation_on and posts_move  # a move that needs a post at the school
        is_full = sid.isin(full).to_numpy()
        if key not in STAFF_INDICATORS:
            reason = np.where(st == "missing", "no_data", "facility")
        elif not has_teachers:
            reason = np.where(st == "missing", "no_teachers", "rotation_off")
        elif key == "pe_arts_per100" and pe_arts_aimed and (rotation_on or hiring_on):
            blocked = is_full & (moved_in or hiring_on)
            reason = np.where(st == "missing", "no_data",
                              np.where(blocked, "quota_full", "pe_arts_not_reached"))
        elif not rotation_on:
            reason = np.where(st == "missing", "no_data", "rotation_off")
        elif key == "backbone_per100":
            blocked = is_full & moved_in  # backbone teachers come by moves, never by hires
            reason = np.where(st == "missing", "no_data",
                              np.where(~sid.isin(aimed), "not_aimed",
                                       np.where(blocked, "quota_full", "backbone_not_moved")))
        else:
            reason = np.where(st == "missing", "no_data", "not_aimed")
        frames.append(pd.DataFrame({
            "school_id": sid.to_numpy(), "part": rows.index.get_level_values("part"),
            "name": rows["name"].to_numpy(), "indicator": key, "status": st.to_numpy(),
            "value": rows[f"{key}_after"].to_numpy(dtype=float),
            "required": rows[f"{key}_required"].to_numpy(dtype=float),
            "reason_key": reason}))
    if not frames:
        return pd.DataFrame(columns=BALANCE_FAILURE_COLUMNS[:-1])
    out = pd.concat(frames, ignore_index=True).sort_values(
        ["school_id", "part"], kind="stable").reset_index(drop=True)
    if lowered is not None and len(lowered):
        key = pd.MultiIndex.from_frame(out[["school_id", "part", "indicator"]])
        harm = lowered.reindex(key).to_numpy()
        out["reason_key"] = np.where(pd.notna(harm), harm, out["reason_key"])
    return out


_STATUS_RANK = {"short": 0, "near": 1, "met": 2}


def lowered_indicators(plan: Plan) -> pd.Series:
    """Staff indicators the plan lowered (met → near or short, near → short), with the
    reason (:data:`HARM_REASONS`): the first rule, in this order, that moved a teacher
    the indicator counts out of the school — a move announced in the previous plan, a
    head's due exchange, a move to a school whose uncovered subject need the plan
    reduces (``plan.coverage``: ``unmet_after`` below ``unmet_before``), backbone
    support to a rural or weak school (move kind ``support``), the school's rotation
    duty — where it ranks above ``Policy.weight_balance_no_harm``
    (:mod:`staffing.model.no_harm`); else the weights in general.

    Returns
    -------
    Series of reason keys indexed by (``school_id``, ``part``, ``indicator``).
    """
    from staffing.balance import education_key
    from staffing.metrics import PE_ARTS_SUBJECTS
    from staffing.model.edges import rotation_duty
    from staffing.staff import is_backbone

    table, policy = plan.balance, plan.policy
    index = pd.MultiIndex.from_arrays([[], [], []], names=["school_id", "part", "indicator"])
    empty = pd.Series([], index=index, dtype=object)
    teachers = plan.county.teachers
    if table.empty or teachers is None:
        return empty
    moves = plan.moves
    moves = moves[~moves["kind"].isin(VISIT_KINDS)] if len(moves) else moves
    t = teachers.reindex(moves["teacher_id"].astype(str)) if len(moves) else teachers.iloc[:0]
    key = education_key(t, policy).to_numpy() if len(t) else np.array([], dtype=object)
    counted = {"backbone_per100": lambda part: is_backbone(t["backbone"]),
               "pe_arts_per100": lambda part: t["subject"].isin(PE_ARTS_SUBJECTS).to_numpy(),
               "qualified_per100": lambda part: np.array([part[0] in k for k in key],
                                                         dtype=bool)}
    model = plan.model
    previous = getattr(getattr(model, "inputs", None), "previous", None)
    announced = (set(zip(previous["teacher_id"].astype(str), previous["to_school"], strict=True))
                 if previous is not None and len(previous) else set())
    cover = plan.coverage
    helped = (set(cover.index.get_level_values("school_id")[
        (cover["unmet_after"] < cover["unmet_before"] - 1e-6).to_numpy()])
        if len(cover) else set())
    duty = rotation_duty(plan.county.schools)
    w = policy.weight_balance_no_harm
    keys, reasons = [], []
    for indicator in STAFF_INDICATORS:
        before = table[f"{indicator}_status_before"].map(_STATUS_RANK)
        after = table[f"{indicator}_status_after"].map(_STATUS_RANK)
        for sid, part in table.index[(after < before).to_numpy()]:
            mine = (moves["from_school"].to_numpy() == sid) & counted[indicator](part)
            out = moves[mine]
            pairs = list(zip(out["teacher_id"].astype(str), out["to_school"], strict=True))
            if w <= 0:
                reason = "harm_unprotected"
            elif any(p in announced for p in pairs):
                reason = "harm_announced"
            elif (out["kind"].eq("principal_exchange").any()
                  and policy.weight_principal_exchange_shortfall > w):
                reason = "harm_head_exchange"
            elif (out["to_school"].isin(helped).any()
                  and policy.weight_unmet_need > w):
                reason = "harm_need"
            elif (indicator == "backbone_per100" and out["kind"].eq("support").any()
                  and policy.weight_backbone_deficit >= w):
                reason = "harm_backbone_support"
            elif bool(duty.get(sid, False)) and policy.weight_rotation_shortfall >= w:
                reason = "harm_duty"
            else:
                reason = "harm_weights"
            keys.append((sid, part, indicator))
            reasons.append(reason)
    if not keys:
        return empty
    return pd.Series(reasons, index=pd.MultiIndex.from_tuples(keys, names=index.names),
                     dtype=object)


def balance_failures(plan: Plan, lang: str = "en") -> pd.DataFrame:
    """Which school parts still fail the 优质均衡 rule after the plan, which indicators, and
    why (:data:`BALANCE_REASONS`): facilities no staffing plan changes, data missing, the
    rotation block off, no backbone teacher moved in reach, the school's quota exhausted
    after the plan (:func:`quota_room`), an indicator the model does not aim for — or,
    where the plan itself lowered the indicator, the rule that took the teacher
    (:data:`HARM_REASONS`, :func:`lowered_indicators`).

    Returns
    -------
    DataFrame with the columns :data:`BALANCE_FAILURE_COLUMNS`; ``reason`` in ``lang``.
    """
    lang = check_lang(lang)
    schools = plan.county.schools
    aimed = schools.index[schools["location"].eq("rural")
                          | schools.get("is_weak", pd.Series(False, index=schools.index))
                          .fillna(False).astype(bool)]
    blocks = plan.blocks.set_index("block")["on"] if plan.blocks is not None else {}
    pe_arts_aimed = (bool(blocks.get("balance_staff", False))
                     and plan.policy.weight_balance_pe_arts > 0)
    room = quota_room(plan)
    hiring_on = bool(blocks.get("hiring", False)) and bool(plan.horizon)
    posts_move = bool(set(plan.policy.post_moves_with) - {"transfer"})
    out = balance_reasons(plan.balance, bool(plan.rotation), aimed, pe_arts_aimed,
                          lowered_indicators(plan), full=room.index[room <= 0],
                          hiring_on=hiring_on, posts_move=posts_move,
                          has_teachers=plan.county.teachers is not None)
    pick = 1 if lang == "zh" else 0
    out["reason"] = [BALANCE_REASONS[k][pick] for k in out["reason_key"]]
    return out[BALANCE_FAILURE_COLUMNS]


def _balance_rows(plan: Plan, lang: str) -> list[dict]:
    """One rule-table row: school parts meeting the 优质均衡 rule after the plan, with the
    reasons the others fail counted."""
    table = plan.balance
    if table.empty:
        return []
    fails = balance_failures(plan, lang)
    failing = table.index[table["rule_after"] != "met"]
    counts = fails.groupby("reason", sort=False).size()
    sep = ";" if lang == "zh" else "; "
    # counted in indicators (a failing school part may fail several), not school parts
    head = "未达标指标数,按原因:" if lang == "zh" else "indicators not met, by reason: "
    note = head + sep.join(f"{r}: {n}" for r, n in counts.items()) if len(counts) else ""
    return [_row("balance_rule", lang, target=float(len(table)),
                 achieved=float(len(table) - len(failing)), shortfall=float(len(failing)),
                 binding=False,
                 schools_affected=_ids(pd.unique(failing.get_level_values("school_id"))),
                 note=note)]
