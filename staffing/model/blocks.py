"""Which parts of the model a county's data and policy switch on, and why the others are off.

One home for these facts: :func:`block_table` reads the County, the Policy and the
options of :func:`staffing.optimize` and says, block by block, whether it runs and —
when it does not — why, and what input would switch it on, in English and Chinese.
:func:`pre_solve_messages` says, before anything is solved, what the data leave the
plan no room to do (a county total equal to the staff in post leaves the turnover pool
nothing to move). ``plan.blocks`` and ``plan.messages`` hold both, and
``plan.explain()``, ``plan.summary()`` and the workbook read them from there.

The switches mirror :func:`staffing.model.build.build_model`: the quota block always
runs; the rotation block (named moves, subject cover, rural backbone support, 走教 and
partnership clusters) needs a teachers table and ``Policy.rotation_enabled`` (and then
every school's coordinates: moves need road distances); later years, recruitment,
retirements and pool loans need ``optimize(horizon=…)``, and recruitment and
retirements a teachers table too.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from staffing.data.county import County
from staffing.data.schema import SHEET_NAMES
from staffing.model.inputs import leavers_by_school
from staffing.model.principals import roles_of
from staffing.model.quota import reserve_minimum
from staffing.policy import Policy

__all__ = ["block_table", "pre_solve_messages", "BLOCK_COLUMNS", "MESSAGE_COLUMNS"]

#: Columns of :func:`block_table` (``plan.blocks``).
BLOCK_COLUMNS = ["block", "name", "name_zh", "on", "cause", "reason", "reason_zh", "switch_on",
                 "switch_on_zh"]
#: Columns of :func:`pre_solve_messages` (``plan.messages``).
MESSAGE_COLUMNS = ["key", "message", "message_zh"]

#: Block key → (English name, Chinese name), in the order the table lists them.
BLOCK_NAMES: dict[str, tuple[str, str]] = {
    "quota": ("quotas within the county total", "编制核定与调整"),
    "pool": ("turnover pool", "周转池"),
    "rotation": ("rotation: named teacher moves", "交流轮岗"),
    "subject_cover": ("subject cover (2022 curriculum)", "学科教师需求"),
    "head_teacher_load": ("class teachers teach less (measure 16)", "减少班主任课时"),
    "backbone_support": ("rural backbone teachers (≥ 1 per 100 pupils)", "乡村学校骨干教师"),
    "itinerant": ("itinerant teaching", "走教"),
    "head_teaching": ("heads teach their minimum load", "校长授课"),
    "principal_exchange": ("heads' exchange into vacancies", "校长交流轮岗"),
    "remote": ("remote lessons for small schools", "专递课堂(同步课堂/名师课堂)"),
    "clusters": ("partnership clusters", "城乡学校共同体(集团化办学/学区制)"),
    "distances": ("road distances between schools", "学校间道路距离"),
    "later_years": ("later years' quotas (multi-year plan)", "逐年编制(多年规划)"),
    "pool_loans": ("pool loans repaid by attrition", "周转池借编"),
    "hiring": ("recruitment by subject", "分学科招聘"),
    "hiring_budget": ("yearly hiring budget", "年度招聘计划数"),
    "retirements": ("retirements", "退休"),
    "early_retirement": ("early retirement list", "提前退休名单"),
    "transfers": ("voluntary transfers (cross-school hiring)", "跨校竞聘"),
    "post_levels": ("posts by level (post structure caps)", "岗位结构比例"),
    "balance_staff": ("优质均衡: PE/arts per 100 pupils, music and art per 12 classes",
                      "优质均衡:每百名学生体育艺术教师数、每12班音乐美术教师"),
    "balance_no_harm": ("优质均衡: do no harm — staff indicators a passing school meets are kept",
                        "优质均衡:已达标学校的教师配置指标不因调配降低"),
}


def block_table(
    county: County,
    policy: Policy | None = None,
    *,
    horizon: int = 0,
    hiring_budget: int | Mapping[int, int] | None = None,
    preferences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each block of the model: on or off, why, and what would switch it on.

    Parameters
    ----------
    county : the validated county.
    policy : defaults to ``Policy()``.
    horizon, hiring_budget, preferences : as given to :func:`staffing.optimize`.

    Returns
    -------
    DataFrame with :data:`BLOCK_COLUMNS`: ``block`` (key), ``name``/``name_zh``,
    ``on`` (bool), ``cause`` of an off block (``"data"``, ``"policy"``, ``"option"``:
    an argument of ``optimize`` or an opt-in Policy switch left at its default, such as
    ``remote_enabled``, or ``"default"``: a Policy default that leaves a rule off, not
    listed by explain()), ``reason``/``reason_zh`` (why it is off) and
    ``switch_on``/``switch_on_zh`` (the input that would switch it on); the last five
    are empty for a block that is on. Itinerant teaching and clusters run inside the
    rotation block and share its reason when it is off; so does a hiring budget with
    recruitment.

    Examples
    --------
    >>> import staffing as st
    >>> t = block_table(st.synth.county(seed=1, n_schools=5, teachers=False))
    >>> t.set_index("block").loc["rotation", "reason"]
    'the county has no teachers table (sheet 教师 / teachers)'
    """
    policy = policy or Policy()
    has_teachers = county.teachers is not None and len(county.teachers) > 0
    no_xy = int(county.schools[["lat", "lon"]].isna().any(axis=1).sum())
    zh_sheet, en_sheet = SHEET_NAMES["teachers"][1], SHEET_NAMES["teachers"][0]
    no_teachers = ("data", f"the county has no teachers table (sheet {zh_sheet} / {en_sheet})",
                   f"没有教师表(工作表“{zh_sheet}”/{en_sheet})")
    add_teachers = (f"add a teachers sheet ({zh_sheet} / {en_sheet}) to switch it on",
                    f"补充教师表(工作表“{zh_sheet}”/{en_sheet})即可启用")
    if no_xy:
        add_teachers = (add_teachers[0] + ", with lat/lon for every school (moves need "
                        "distances)", add_teachers[1] + ",并为每所学校填写经纬度(交流需要距离)")
    on = (True, "", "", "", "", "")
    # block → (on, cause, reason, reason_zh, switch_on, switch_on_zh); cause is "data",
    # "policy" or "option" (an argument of optimize).
    rows: dict[str, tuple[bool, str, str, str, str, str]] = {"quota": on}
    rows["pool"] = on if policy.pool_enabled else (
        False, "policy", "Policy(pool_enabled=False): no post moves between schools",
        "政策设定不启用周转池(pool_enabled=False),学校之间不调剂编制",
        "Policy(pool_enabled=True), the default", "设 pool_enabled=True(默认)")
    if not has_teachers:
        rotation = (False, *no_teachers, *add_teachers)
    elif not policy.rotation_enabled:
        rotation = (False, "policy", "Policy(rotation_enabled=False): quotas only",
                    "政策设定不启用交流轮岗(rotation_enabled=False),仅核定编制",
                    "Policy(rotation_enabled=True), the default",
                    "设 rotation_enabled=True(默认)")
    else:
        rotation = on
    rows["rotation"] = rows["subject_cover"] = rows["backbone_support"] = rotation
    rows["head_teacher_load"] = _head_teacher_load_row(rotation, policy)
    if not rotation[0]:
        rows["itinerant"] = rotation
    elif not policy.itinerant_enabled:
        rows["itinerant"] = (False, "policy", "Policy(itinerant_enabled=False)",
                             "政策设定不启用走教(itinerant_enabled=False)",
                             "Policy(itinerant_enabled=True), the default",
                             "设 itinerant_enabled=True(默认)")
    else:
        rows["itinerant"] = on
    rows["remote"] = _remote_row(rotation, policy)
    rows["clusters"] = rotation
    rows["head_teaching"], rows["principal_exchange"] = _head_rows(county, policy, rotation)
    rows["distances"] = on if not no_xy else (
        False, "data", f"{no_xy} of {len(county.schools)} schools have no coordinates (lat/lon)",
        f"{len(county.schools)}所学校中有{no_xy}所没有经纬度",
        "lat and lon (纬度/经度) for every school", "为每所学校填写经纬度(纬度/经度)")
    one_year = (False, "option", "a one-year plan (horizon = 0)", "单年度方案(horizon = 0)",
                "optimize(horizon=5): five years ahead", "optimize(horizon=5):规划五年")
    rows["later_years"] = on if horizon else one_year
    rows["pool_loans"] = rows["pool"] if horizon else one_year
    with_teachers = (False, *no_teachers,
                     f"add a teachers sheet ({zh_sheet} / {en_sheet}) with birth dates",
                     f"补充教师表(工作表“{zh_sheet}”/{en_sheet}),含出生日期")
    for key in ("hiring", "retirements", "early_retirement"):
        rows[key] = one_year if not horizon else with_teachers if not has_teachers else on
    hiring = rows["hiring"]
    if not hiring[0]:
        rows["hiring_budget"] = hiring
    elif hiring_budget is None:
        rows["hiring_budget"] = (
            False, "option",
            "no hiring budget given: hires are bounded by need and the urgent share only",
            "未给出年度招聘计划数:招聘人数只受需求和紧缺学科比例约束",
            "optimize(hiring_budget=…)", "optimize(hiring_budget=…)")
    else:
        rows["hiring_budget"] = on
    if preferences is None:
        rows["transfers"] = (False, "option", "no transfer requests given", "未提供跨校竞聘申请",
                             "optimize(preferences=…)", "optimize(preferences=…)")
    elif policy.transfer_mode == "off":
        rows["transfers"] = (False, "policy", "Policy(transfer_mode='off')",
                             "政策设定不处理跨校竞聘(transfer_mode='off')",
                             "Policy(transfer_mode='transfers_first'), the default",
                             "设 transfer_mode='transfers_first'(默认)")
    else:
        rows["transfers"] = on
    if not has_teachers:
        rows["post_levels"] = (False, *no_teachers, *add_teachers)
    elif not policy.post_level_caps:
        rows["post_levels"] = (
            False, "policy", "Policy(post_level_caps=False), the default: posts by level "
            "are reported, not enforced", "政策默认不执行岗位结构比例(post_level_caps=False),"
            "仅报告各级岗位", "Policy(post_level_caps=True) with the province's shares "
            "(post_senior_share_primary, …)", "设 post_level_caps=True 并填写本省岗位结构比例"
            "(post_senior_share_primary 等)")
    else:
        rows["post_levels"] = on
    rows["balance_staff"] = _balance_row(policy, rows["rotation"], rows["hiring"])
    rows["balance_no_harm"] = _no_harm_row(policy, rows["rotation"])
    return pd.DataFrame(
        [{"block": key, "name": BLOCK_NAMES[key][0], "name_zh": BLOCK_NAMES[key][1],
          "on": bool(row[0]), "cause": row[1], "reason": row[2], "reason_zh": row[3],
          "switch_on": row[4], "switch_on_zh": row[5]}
         for key in BLOCK_NAMES for row in [rows[key]]],
        columns=BLOCK_COLUMNS)


def _balance_row(policy: Policy, rotation: tuple, hiring: tuple) -> tuple:
    """The 优质均衡 staff block (:mod:`staffing.model.balance`): it prices what moves and
    hires do to PE/arts and music/art teachers, so it runs with either block and a
    positive weight (the same test as :func:`staffing.model.balance.balance_block_on`)."""
    if not (rotation[0] or hiring[0]):
        return rotation
    if policy.weight_balance_pe_arts > 0 or policy.weight_balance_music_art > 0:
        return (True, "", "", "", "", "")
    return (False, "policy", "Policy(weight_balance_pe_arts=0, weight_balance_music_art=0)",
            "政策设定不计优质均衡体育艺术、音乐美术教师指标(两项权重为0)",
            "a positive weight_balance_pe_arts or weight_balance_music_art (default 10)",
            "设 weight_balance_pe_arts 或 weight_balance_music_art 为正数(默认10)")


def _no_harm_row(policy: Policy, rotation: tuple) -> tuple:
    """The do-no-harm rows (:mod:`staffing.model.no_harm`): only moves lower a count, so
    they run with the rotation block and a positive weight (the same test as
    :func:`staffing.model.no_harm.no_harm_on`)."""
    if not rotation[0]:
        return rotation
    if policy.weight_balance_no_harm > 0:
        return (True, "", "", "", "", "")
    return (False, "policy", "Policy(weight_balance_no_harm=0)",
            "政策设定不保护已达标学校的教师配置指标(权重为0)",
            "a positive weight_balance_no_harm (default 100)",
            "设 weight_balance_no_harm 为正数(默认100)")


def _head_rows(county: County, policy: Policy, rotation: tuple) -> tuple[tuple, tuple]:
    """Heads' teaching (Chuxiong measure 2) and exchange (measure 8): inside the rotation
    block, and only when the teachers table names heads (column role / 职务)."""
    if not rotation[0]:
        return rotation, rotation
    roles = roles_of(county.teachers)
    if not roles.ne("teacher").any():
        none = (False, "data", "the teachers table names no heads (column role / 职务)",
                "教师表未标明校长、副校长或党组织书记(“职务”列)",
                "fill the column role (职务) of the teachers table",
                "在教师表“职务”列填写校长、副校长、党组织书记")
        return none, none
    on = (True, "", "", "", "", "")
    if not policy.principal_exchange_enabled:
        return on, (False, "policy", "Policy(principal_exchange_enabled=False)",
                    "政策设定不启用校长交流(principal_exchange_enabled=False)",
                    "Policy(principal_exchange_enabled=True), the default",
                    "设 principal_exchange_enabled=True(默认)")
    return on, on


def _head_teacher_load_row(rotation: tuple, policy: Policy
                           ) -> tuple[bool, str, str, str, str, str]:
    """Class teachers' lighter load (measure 16): on when the Policy cuts it and subject
    cover (the rotation block's row), which alone counts the need it raises, is on. Off by
    the Policy's own default (cause ``"default"``: no text fixes the number of periods),
    which explain() does not list among the blocks switched off."""
    if policy.head_teacher_load_reduction > 0:
        return rotation if not rotation[0] else (True, "", "", "", "", "")
    return (False, "default",
            "Policy(head_teacher_load_reduction=0), the default: class teachers teach a full "
            "load (measure 16 names no number of periods)",
            "默认不减少班主任课时(head_teacher_load_reduction=0,措施16未规定减少节数)",
            "Policy(head_teacher_load_reduction=…): periods a week fewer per class teacher",
            "设 head_teacher_load_reduction=…(每名班主任每周减少的节数)")


def pre_solve_messages(county: County, policy: Policy | None = None) -> pd.DataFrame:
    """What the data leave the plan no room to do, known before solving.

    ``pool_idle``: the county total leaves no post beyond the staff who stay in post
    (staff in post less known leavers) and the pool reserve, so no quota can move
    through the turnover pool — every school's new quota is the staff holding a post
    there. Typical when the county total was set equal to the staff in post for want
    of approved quotas.

    Returns
    -------
    DataFrame with :data:`MESSAGE_COLUMNS` (``key``, ``message``, ``message_zh``),
    empty when there is nothing to say.

    Examples
    --------
    >>> import staffing as st
    >>> c = st.synth.county(seed=1, n_schools=5, teachers=False)
    >>> c = st.County(c.schools.reset_index(), county_total=int(c.schools.staff_in_post.sum()))
    >>> pre_solve_messages(c)["key"].tolist()
    ['pool_idle']
    """
    policy = policy or Policy()
    rows = []
    staying = int((county.schools["staff_in_post"] - leavers_by_school(county)).clip(
        lower=0).sum())
    total = county.county_total
    reserve = reserve_minimum(total, policy)
    room = total - reserve - staying
    if policy.pool_enabled and room <= 0:
        reserved = f" and the {reserve} reserve posts" if reserve else ""
        reserved_zh = f"和{reserve}个预留编制" if reserve else ""
        if room < 0:
            held = (f"the {staying} staff staying in post{reserved} exceed the county total "
                    f"({total}) by {-room}")
            held_zh = f"{staying}名留任在编人员{reserved_zh}超出编制总量({total}){-room}个"
        else:
            held = (f"the county total ({total}) leaves no post beyond the {staying} staff "
                    f"staying in post{reserved}")
            held_zh = f"编制总量({total})在{staying}名留任在编人员{reserved_zh}之外没有空余编制"
        rows.append({
            "key": "pool_idle",
            "message": (f"The turnover pool has nothing to move: {held}, so each "
                        "school's new quota will be the staff holding a post there. Give the "
                        "approved county total (核定编制总量) if it is larger, or mark teachers "
                        "leaving this year (status), to let the pool move posts."),
            "message_zh": (f"周转池无编制可调剂:{held_zh},各校调整后编制即为本校占编人数。"
                           "如核定编制总量更大,请填写核定编制总量;或在教师表中标明本学年离岗人员。"),
        })
    assumed = getattr(county, "grades_assumed", None)
    if assumed is not None and tuple(assumed) != tuple(policy.grades):
        was, now = "+".join(map(str, assumed)), "+".join(map(str, policy.grades))
        rows.append({
            "key": "grades_mismatch",
            "message": (f"The county's classes were estimated for {was} grades "
                        f"(County.from_frames with Policy(grades={tuple(assumed)})), but this "
                        f"plan's Policy has {now}: norms and needs follow {now} while the "
                        f"classes follow {was}. Load the county with the plan's Policy."),
            "message_zh": (f"本县班级数按{was}学制估算(County.from_frames 所用 Policy(grades="
                           f"{tuple(assumed)})),而本方案的学制为{now}:编制标准和学科需求按"
                           f"{now}计算,班级数却按{was}估算。请用本方案的 Policy 重新载入。"),
        })
    return pd.DataFrame(rows, columns=MESSAGE_COLUMNS)


def _remote_row(rotation: tuple, policy: Policy) -> tuple[bool, str, str, str, str, str]:
    """The remote-classroom block (专递课堂): inside the rotation block; opt-in, so off
    at the default ``remote_enabled=False`` is an ``"option"`` (not reported as off)."""
    if not rotation[0]:
        return rotation
    if not policy.remote_enabled:
        return (False, "option", "Policy(remote_enabled=False), the default",
                "默认不启用专递课堂(remote_enabled=False)",
                "Policy(remote_enabled=True) once the sites can receive streamed lessons",
                "校点具备专递课堂条件后设 remote_enabled=True")
    if policy.remote_periods_per_lead <= 0:
        return (False, "policy", "Policy(remote_enabled=False or remote_periods_per_lead=0)",
                "政策设定不启用专递课堂(remote_enabled=False 或 remote_periods_per_lead=0)",
                "Policy(remote_enabled=True) once the sites can receive streamed lessons",
                "校点具备专递课堂条件后设 remote_enabled=True")
    return (True, "", "", "", "", "")
