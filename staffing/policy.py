"""Every number of the staffing rules, in one frozen dataclass.

Each field carries a comment naming its source: the Chuxiong 2024 action plan
(《楚雄州义务教育强校提质行动方案》, measure numbers as in the seed document), a
national or provincial rule listed in ``POLICY.md`` part B, or — marked
``library default`` — a modelling choice of ours that no text fixes. A county overrides
any of them with :meth:`Policy.from_toml` or :meth:`Policy.replace`; nothing in the
model blocks is hard-coded.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from staffing import curriculum
from staffing._frozen import FrozenTable, freeze, thaw
from staffing._io import atomic_write_bytes
from staffing.vocab import EDUCATION, LEVELS, LOCATIONS, ROLES, SUBJECTS

__all__ = ["Policy", "PolicyError", "URGENT_SUBJECTS_DEFAULT", "ROUNDING_RULES", "POST_MOVE_KINDS",
           "MAX_WEIGHT_RATIO", "WEIGHT_MULTIPLIERS", "GRADE_RANGE",
           "field_problem"]

#: Urgent-need subjects named by the Chuxiong plan, measure 9 (紧缺学科).
URGENT_SUBJECTS_DEFAULT: tuple[str, ...] = ("english", "music", "pe", "art", "it")

#: How a school's fractional norm becomes a whole number of posts.
ROUNDING_RULES: tuple[str, ...] = ("half_up", "ceil", "floor")

#: Kinds of teacher move a post may follow (``Policy.post_moves_with``): rotation
#: (交流轮岗), backbone support (骨干支教), learning exchange (跟岗交流) and cross-school
#: competitive hiring (跨校竞聘, settled before the model).
POST_MOVE_KINDS: tuple[str, ...] = ("rotation", "support", "exchange", "transfer")


class PolicyError(ValueError):
    """A policy value or key that the library cannot accept."""


# Kinds of range check: (lower, upper, lower_inclusive, upper_inclusive). Every number
# has a finite upper bound, far above any real rule, so that a typo (1e9) is refused
# instead of planned; each bound's reason is given once here.
_POSITIVE = (0.0, math.inf, False, True)
_NON_NEGATIVE = (0.0, math.inf, True, True)
_SHARE = (0.0, 1.0, True, True)
# Pupils per staff member: no Chinese staffing standard has gone past 1 : 23 (the 2001
# rural primary tier); 100 pupils per staff member is a typo, not a rule.
_PUPILS_PER_STAFF = (0.0, 100.0, False, True)
# Pupils at one school: the 优质均衡 evaluation caps a school at 2,000 (2,500 nine-year)
# pupils; 10,000 is far above any school a threshold could be meant for.
_PUPILS = (0.0, 10_000.0, False, True)
_PUPILS_OR_NONE = (0.0, 10_000.0, True, True)
# Objective weights: costs up to 1e6 (the defaults span 0.002 – 10,000); their spread
# is checked jointly, see MAX_WEIGHT_RATIO.
_WEIGHT = (0.0, 1e6, True, True)
# Multipliers on a cost weight (rural, teaching point, weak, urgent, labour): above 100
# one kind of school would dominate every other rule; give it a larger weight instead.
_MULTIPLIER = (0.0, 100.0, True, True)
# Points per item of the county transfer points scale (积分): like weights, ≤ 1e6.
_POINTS = (0.0, 1e6, True, True)
# Road kilometres: the largest Chinese counties are a few hundred km across; 2,000 km
# is no commute.
_KM = (0.0, 2_000.0, False, True)
_KM_OR_NONE = (0.0, 2_000.0, True, True)
# Years of a working life (hire at 16, retire by 63 at the latest).
_CAREER_YEARS = (0.0, 50.0, True, True)
# Full-time teachers of one subject gap at one school: far above any real school.
_FTE = (0.0, 100.0, True, True)
_FTE_POSITIVE = (0.0, 100.0, False, True)
# Weekly periods: a five-day week of ten periods holds 50.
_PERIODS = (0.0, 50.0, True, True)
# Staff per class (class : staff = 1 : 2 by default): more than 10 is no class rule.
_STAFF_PER_CLASS = (0.0, 10.0, False, True)
# Extra staff per 100 boarding pupils: at most one per pupil.
_PER_100_PUPILS = (0.0, 100.0, True, True)
# Pupils in one class: the national extra-large class starts at 66; 1,000 is a typo.
_CLASS_SIZE = (0.0, 1_000.0, False, True)
# A count of schools or classes (cluster members, mentees per host, extra classes).
_COUNT = (0.0, 1_000.0, False, True)
_COUNT_OR_NONE = (0.0, 1_000.0, True, True)
# 优质均衡 resource indicators per pupil: m² of floor or ground (the requirements are
# 4.5 – 10.2) and yuan of equipment (2,000 – 2,500); a thousand times more is a typo.
_AREA_PER_PUPIL = (0.0, 1_000.0, False, True)
_YUAN_PER_PUPIL = (0.0, 1e6, False, True)
# A coefficient of variation (差异系数) limit: the requirements are 0.45 – 0.50.
_CV = (0.0, 10.0, False, True)
# Plausibility factors of input validation: staff up to this many times the norm.
_FACTOR = (0.0, 1_000.0, False, True)

#: Largest allowed ratio of the largest to the smallest positive objective cost weight
#: (``weight_*`` fields other than the multipliers). HiGHS and CBC work to absolute
#: and relative feasibility and optimality tolerances of 1e-7 to 1e-6 (HiGHS
#: ``primal/dual_feasibility_tolerance`` 1e-7, CBC ``primalTolerance`` 1e-7, integer
#: tolerance 1e-6): a cost more than 1e7 times smaller than the largest one falls
#: below those tolerances relative to the objective and is silently ignored, and
#: coefficient spreads beyond that are where both solvers report numerical trouble.
#: The defaults span 5e6 (weight_over_total 10,000 / weight_move_km 0.002).
MAX_WEIGHT_RATIO: float = 1e7

#: Weight fields that multiply another weight rather than price a unit of something.
WEIGHT_MULTIPLIERS: tuple[str, ...] = ("weight_rural", "weight_teaching_point", "weight_weak",
                                       "weight_unmet_urgent", "weight_unmet_labour")

#: Upper bound of every number in a table field (weekly periods, see _PERIODS).
_TABLE_MAX = 50.0

#: Allowed grades per stage, (primary, junior), inclusive. Library default: up to 9
#: primary and 6 junior grades, above the 7 + 4 of the longest school list met so far
#: (issue 15); more is a typo, not a school system.
GRADE_RANGE: tuple[tuple[int, int], tuple[int, int]] = ((1, 9), (1, 6))


def _f(default: Any, check: tuple | None = None, choices: tuple | None = None,
       table: str | None = None, required: tuple | None = None, why: str = "",
       grades: tuple | None = None) -> Any:
    """A dataclass field with its allowed range, choices or table shape in the metadata.

    ``table`` is ``"numbers"`` (name → name → positive number) or ``"names"`` (name →
    list of subject names); ``required`` names a tuple field's entries that must stay,
    ``why`` says why.
    """
    meta: dict[str, Any] = {}
    if grades is not None:
        meta["grades"] = grades
    if required is not None:
        meta["required"] = required
        meta["why"] = why
    if table is not None:
        meta["table"] = table
    if check is not None:
        meta["range"] = check
    if choices is not None:
        meta["choices"] = choices
    if isinstance(default, (list, dict, set)):
        raise TypeError("Policy fields must be immutable")
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Policy:
    """The staffing rules of a county, with Chuxiong 2024 defaults.

    Every field is a number, a flag, a tuple of names or a table from ``POLICY.md``
    (``grades`` is a pair of grade counts); the comment above each field names its
    source. Construct with keywords to override, e.g. ``Policy(primary_ratio=18.0)``,
    or load a TOML file.

    Examples
    --------
    >>> from staffing import Policy
    >>> p = Policy()
    >>> p.primary_ratio, p.junior_ratio
    (19.0, 13.5)
    >>> p.replace(primary_ratio=18.0).primary_ratio
    18.0
    """

    # --- A. Quota norms (编制核定), Chuxiong plan measure 10 -------------------------
    # Chuxiong measure 10; national unified standard (2014): primary staff : pupils = 1 : 19.
    primary_ratio: float = _f(19.0, _PUPILS_PER_STAFF)
    # Chuxiong measure 10; national unified standard (2014): junior staff : pupils = 1 : 13.5.
    junior_ratio: float = _f(13.5, _PUPILS_PER_STAFF)
    # Chuxiong measure 10: village schools and teaching points with 200 pupils or fewer
    # ("200人以下"; in Chinese legal usage 以上、以下、以内 include the number itself,
    # 民法典 art. 1259) are staffed by class (班师比) rather than by pupils. Inclusive:
    # a school with exactly this many pupils is staffed by class.
    small_school_threshold: int = _f(200, _PUPILS)
    # Chuxiong measure 10: class : staff about 1 : 2 in those small schools.
    small_school_staff_per_class: float = _f(2.0, _STAFF_PER_CLASS)
    # Chuxiong measure 10 names 村小 (village primary schools) and 教学点: the class rule
    # applies to schools of these levels at these locations (teaching points are rural).
    small_school_levels: tuple[str, ...] = _f(("primary", "teaching_point"), choices=tuple(LEVELS))
    small_school_locations: tuple[str, ...] = _f(("rural",), choices=tuple(LOCATIONS))
    # National unified standard (中央编办 教育部 财政部 2014, POLICY.md B) staffs village
    # schools and teaching points by pupil ratio and class ratio together (生师比与班师比相
    # 结合); reading that as "the larger of the two norms" is the library's default (no
    # text gives the formula). Set False to use the class norm alone.
    small_school_take_larger: bool = _f(True)
    # Provincial texts add quota for boarding schools without a common number; library
    # default 0 (off): extra posts per 100 boarding pupils.
    boarding_staff_per_100: float = _f(0.0, _PER_100_PUPILS)
    # Library default: a school's fractional norm is rounded half up (四舍五入) to whole
    # posts; "ceil" and "floor" are the alternatives.
    norm_rounding: str = _f("half_up", choices=ROUNDING_RULES)

    # --- 周转池 turnover pool, Chuxiong measure 10 ---------------------------------------
    # Chuxiong measure 10: each county keeps a staffing turnover pool.
    pool_enabled: bool = _f(True)
    # Chuxiong measure 10 sets no reserve; the Guizhou example (POLICY.md B) held 10%
    # of over-standard quota. Share of the county total kept back in the pool.
    pool_reserve_share: float = _f(0.0, _SHARE)
    # Guizhou 黔西南州 2021 (POLICY.md B): pool loans are repaid by attrition in 3–5 years;
    # library default 3, the shortest term of that range (a loan that must be repaid
    # sooner is the cautious reading).
    pool_loan_years: int = _f(3, (1, 10, True, True))

    # --- Quota model weights (library defaults, documented in docs/concepts.md) ---------
    # Cost of one post of shortfall against the norm at an urban or town school.
    weight_shortfall: float = _f(100.0, _WEIGHT)
    # Multipliers on that cost: rural schools, teaching points and weak schools first
    # (Chuxiong measures 7–8: resources flow to rural and weak schools).
    weight_rural: float = _f(1.5, _MULTIPLIER)
    weight_teaching_point: float = _f(1.5, _MULTIPLIER)
    weight_weak: float = _f(1.25, _MULTIPLIER)
    # Cost of one post held above the norm (keeps surplus where it hurts least).
    weight_surplus: float = _f(1.0, _WEIGHT)
    # Cost of one post of quota change: equal plans change as few quotas as possible.
    weight_change: float = _f(0.01, _WEIGHT)
    # Cost of one post of staff in post above the county total. The slack exists only
    # when the staff staying in post exceed the total, and is fixed to that excess, so
    # this weight only prices a fact of the data (named in explain()).
    weight_over_total: float = _f(10_000.0, _WEIGHT)
    # Fair allocation (library defaults; docs/concepts.md shows the curve). A linear
    # cost per post short lets the solver split spare posts between equally weighted
    # schools arbitrarily; instead each post short costs more the further the school is
    # below its norm: relative shortfall is cut into steps of fair_band (share of the
    # norm), and a post in the step around relative shortfall r costs
    # (1 + fair_steepness × r) × its weight. 5% steps are a post or two at a village
    # school and a handful at a large one; steepness 2 makes a post at a school 90%
    # below norm worth 2.8 posts at its norm, strong enough to serve the worst-off
    # school first, weaker than the 1.5 rural and teaching-point multipliers compound.
    fair_band: float = _f(0.05, (0.0, 1.0, False, True))
    fair_steepness: float = _f(2.0, (0.0, 100.0, True, True))
    # The same for unmet subject need (rotation, itinerant cover, hires): steps of this
    # share of the school's need in the subject (four steps: coarser than for posts,
    # as need is counted in FTE and every step adds a variable per school and subject),
    # and a gentler slope: with 0.5 the dearest step (1.44) stays below 1.5 × the
    # cheapest (1.06), so the rural and urgent-subject multipliers (1.5) still come
    # first and labour's worst step (0.5 × 1.44) stays below any named subject's first.
    fair_band_need: float = _f(0.25, (0.0, 1.0, False, True))
    fair_steepness_need: float = _f(0.5, (0.0, 100.0, True, True))
    # Library default: premium, as a share of a school's shortfall cost, that orders
    # otherwise equal schools (lowest share of norm first, then most pupils, highest
    # weight, and school_id only between schools identical in all of these). Far below
    # the 10% between steps, far above the solvers' 1e-7 tolerances.
    tie_break_share: float = _f(1e-4, (0.0, 0.01, True, True))

    # --- 县管校聘 rotation, national rule of 2014 (POLICY.md B) ----------------------------
    # 教育部 财政部 人社部 2014: 城镇 schools — urban (城区) and town (镇区) alike — and
    # quality schools rotate ≥ 10% of their teachers eligible to rotate, every year;
    # 教督〔2017〕6号 art. 6 asks the same of the county (staffing.balance reads it too).
    rotation_share_min: float = _f(0.10, _SHARE)
    # Same text: backbone teachers are ≥ 20% of those rotated (from the same schools).
    rotation_backbone_share_min: float = _f(0.20, _SHARE)
    # Provincial practice (e.g. Anhui): eligible after 6 consecutive years at one school.
    rotation_eligible_years: int = _f(6, (0, 60, True, True))
    # Library switch: add the rotation block (named teacher moves) when teachers are given.
    rotation_enabled: bool = _f(True)
    # Library default, no text found: teachers in their first 3 years of service are not
    # rotated. Reason: their first year is probation (试用期), rural recruits shadow-train
    # (Chuxiong measure 7) and many serve a fixed first posting (e.g. the 3-year 特岗
    # service term); the national 2014 rule leaves who is eligible to local rules.
    rotation_exclude_first_years: int = _f(3, (0, 20, True, True))
    # Library default, no text found: teachers within 5 years of statutory retirement are
    # not rotated. Reason: the same 5-year window in which Chuxiong measure 12 lets staff
    # retire early; a move so close to retirement rarely repays the disruption.
    rotation_exclude_years_to_retirement: float = _f(5.0, _CAREER_YEARS)
    # Library default: class teachers (班主任) are not moved mid-cycle unless this is set
    # (a class keeps its class teacher; no text fixes this either way).
    rotation_move_head_teachers: bool = _f(False)
    # Library default: a teacher is moved to fill at least this much uncovered need
    # (FTE) in their subject; smaller gaps are for itinerant teaching (走教), and leaving
    # them out keeps the model small and its relaxation tight.
    rotation_min_gap_fte: float = _f(0.5, _FTE)
    # 教督〔2017〕6号 (优质均衡) art. 5, indicator 2: ≥ 1 backbone teacher at county level
    # or above per 100 pupils, primary and junior; the evaluation's pass line
    # (staffing.balance) and the rotation block's aim at rural schools.
    backbone_per_100_pupils_target: float = _f(1.0, _PER_100_PUPILS)
    # Whose post a moving teacher holds (issue 13): the kinds of move whose post (编制)
    # moves with the teacher. Every other kind keeps the post at the home school for the
    # term: the teacher counts toward the home school's quota and covers subject need
    # at the target without a post there (like full-time 走教). Library default from
    # common local practice, which no national or Chuxiong text fixes: a term of 交流轮岗
    # ("rotation", 骨干支教 "support", 跟岗交流 "exchange") is temporary — the teacher
    # returns and the post is kept at the home school, so a school short of its norm
    # never loses quota to its rotation duty — while a cross-school competitive hire
    # (跨校竞聘, "transfer") moves the post for good. Local rules differ, so a county may
    # add "rotation", "support" or "exchange" (the quota then follows those teachers).
    # "transfer" cannot be left out: transfers are settled before the model on posts of
    # the receiving school (vacant, or given up in an exchange; staffing.transfers), so
    # the post always moves with them.
    post_moves_with: tuple[str, ...] = _f(
        ("transfer",), choices=POST_MOVE_KINDS, required=("transfer",),
        why="transfers are settled before the model on posts of the receiving school "
            "(vacant, or given up in an exchange), so the post always moves with the teacher")

    # --- 校长授课与交流: heads teach and exchange (Chuxiong measures 2 and 8) -------------
    # Chuxiong measure 2 requires principals and party secretaries to teach but names no
    # number, nor does any national text we found; library default 2 periods a week, the
    # floor several provinces set for principals. A head counts in subject cover as these
    # periods ÷ a full teacher's teaching_load in their subject (staffing.model.principals).
    principal_teaching_periods: float = _f(2.0, _PERIODS)
    # Library default, no text found: vice principals carry more teaching than the
    # principal; 4 periods a week, twice the principal's floor.
    vice_principal_teaching_periods: float = _f(4.0, _PERIODS)
    # Chuxiong measure 2 (党组织书记 teach too); library default 2, as for principals.
    party_secretary_teaching_periods: float = _f(2.0, _PERIODS)
    # Library switch: plan the exchange of heads (校长交流, Chuxiong measure 8) when the
    # teachers table names them (column role).
    principal_exchange_enabled: bool = _f(True)
    # 《关于推进县(区)域内义务教育学校校长教师交流轮岗的意见》(教育部 财政部 人社部 2014):
    # principals who have served two full terms (届) at one school should in principle
    # exchange. Terms run 3–6 years by province; 6 years (two 3-year terms) follows e.g.
    # Beijing 2016 (正、副校长 满6年 原则上交流).
    principal_exchange_years: int = _f(6, (0, 60, True, True))
    # Same 2014 text: due heads "should in principle exchange" — all of them, as a soft
    # target (a head moves only into a vacancy for their role, so some may not). Share of
    # due heads the plan aims to exchange each year; a county may set its own.
    principal_exchange_share_min: float = _f(1.0, _SHARE)
    # Same 2014 text names principals; Beijing 2016 names 正、副校长. Roles that exchange.
    principal_exchange_roles: tuple[str, ...] = _f(("principal", "vice_principal"),
                                                   choices=tuple(ROLES)[1:])
    # Library default: each due head's candidate posts are the nearest this many (by road
    # km) that the rules allow. Keeps the block small (a 150-school county has ~30
    # allowed posts per due head, and a binary for each); the nearest are also where an
    # exchanged head can still reach her family and the schools of her cluster.
    principal_exchange_max_targets: int = _f(8, (1, 1_000, True, True))
    # Library default: cost of one due head not exchanged. Half a full-time teacher of
    # unmet need (weight_unmet_need 1000): an exchange goes ahead even when the heads'
    # few periods (a tenth of a post or so) leave a little cover behind, but never at the
    # price of half a teacher's lessons.
    weight_principal_exchange_shortfall: float = _f(500.0, _WEIGHT)

    # --- Posts by level (岗位结构比例), Chuxiong measure 10 (岗位能上能下) --------------------
    # Chuxiong measure 10 asks for post management in which professional posts "can go up
    # or down"; the national guidance (人社部 教育部《关于深化中小学教师职称制度改革的指导
    # 意见》, 2015) maps the titles to three post levels (正高级/高级 = senior, 一级 =
    # intermediate, 二级/三级 = junior) and leaves each level's share of a school's posts
    # (岗位结构比例) to the provinces. We found no provincial text we could cite, so the
    # shares below are library defaults: the figures often quoted for some provinces
    # (primary 高级 10% : 中级 45% : 初级 45%, junior 20% : 40% : 40%); a county sets its
    # own province's. Each is the most a school's senior (intermediate) posts may be, as
    # a share of its approved quota (核定编制数; a nine-year school's quota split between
    # its parts as staff_primary/staff_junior); junior posts hold the rest, uncapped.
    # Library default off, because the shares are not sourced: the caps are inputs a
    # county switches on with its province's ratios. On: a move whose post moves with
    # the teacher (post_moves_with) never takes a school above its cap at her level
    # (nor further above, where it is above already); a term move keeps her post, and
    # its level, at home. Off or on, plan.posts_by_level reports the structure.
    post_level_caps: bool = _f(False)
    # Library default (quoted, untraced): primary senior posts ≤ 10% of the quota.
    post_senior_share_primary: float = _f(0.10, _SHARE)
    # Library default (quoted, untraced): primary intermediate posts ≤ 45%.
    post_intermediate_share_primary: float = _f(0.45, _SHARE)
    # Library default (quoted, untraced): junior-school senior posts ≤ 20%.
    post_senior_share_junior: float = _f(0.20, _SHARE)
    # Library default (quoted, untraced): junior-school intermediate posts ≤ 40%.
    post_intermediate_share_junior: float = _f(0.40, _SHARE)

    # --- Subject needs (2022 curriculum, library loads; see staffing/curriculum.py) -----
    # Library default timetable inside the 义务教育课程方案 (2022) totals and share bands
    # (26/30/34 periods a week, 9,522 over nine years): weekly periods per class, by grade
    # band and subject; the 方案 fixes totals and bands, not per-subject weekly periods.
    periods_per_week: FrozenTable = _f(FrozenTable(curriculum.PERIODS_PER_WEEK),
                                       table="numbers")
    # Library default (no national norm): weekly periods one full-time teacher teaches,
    # by school part (primary, junior, small_school = village schools and teaching
    # points). The numbers are a workload table widely quoted as one province's standard
    # (POLICY.md B: junior 12/14/16, primary 14/18, village schools ≥ 18); we could not
    # trace the issuing province's text, so a county should set its own province's table.
    teaching_load: FrozenTable = _f(FrozenTable(curriculum.TEACHING_LOAD), table="numbers")
    # Library default: needs a teacher of a subject may cover besides their own; a
    # general (全科) primary teacher covers the primary core subjects.
    subject_cover: FrozenTable = _f(FrozenTable(curriculum.SUBJECT_COVER), table="names")

    # --- Class teachers teach less (班主任减课时), Chuxiong measure 16 ---------------------
    # Periods a week by which a class teacher's (班主任) teaching load is cut. Measure 16
    # says only "根据承担班级管理任务的情况适当减少班主任课时" (no number); the national
    # 《中小学班主任工作规定》(教基一〔2009〕12号, art. 15) counts a class teacher's duties as
    # half of a standard teaching workload (班主任工作量按当地教师标准课时工作量的一半计入
    # 教师基本工作量) — a proportion of the workload, not periods taught; one district
    # rule (成都市青羊区, 2008, 中国教育报 2008-01-08) counts them as ≥ 6 periods a week in
    # primary and ≥ 7 in secondary school. Library default 0 (off): no text fixes how many
    # periods fewer a class teacher teaches, so a county sets its own (e.g. 2–4); it must
    # stay below the smallest teaching load (checked), so no load is negative. One class
    # teacher per class (staffing.needs.subject_needs says how the need rises).
    head_teacher_load_reduction: float = _f(0.0, _PERIODS)

    # --- Mental-health teachers (心理健康教育教师), Chuxiong measure 17 -------------------
    # Measure 17: 配齐心理健康教育教师. National: 《中小学心理健康教育指导纲要(2012年修订)》
    # and the 2023 《全面加强和改进新时代学生心理健康工作专项行动计划(2023—2025年)》 (教育部等
    # 十七部门) ask every school for a full- or part-time (专(兼)职) mental-health teacher
    # (target: 95% of schools by 2025; provincial texts, e.g. Hunan's 实施意见 of the 纲要,
    # "每所学校至少要配备一名专职或兼职心理健康教育教师"). Pupils from which a school needs
    # a full-time (专职) one: Shaanxi 陕教〔2024〕17号, "1000人以上的中小学校" (以上 includes
    # 1,000) — a provincial rule; our stored copy of the sentence is cut after "至少要",
    # so check your province's text. Below it, the need is a part-time teacher's share.
    mental_health_full_time_pupils: float = _f(1000.0, _PUPILS)
    # Library default, no text found: the FTE a part-time (兼职) mental-health teacher
    # gives — the need of a school below the threshold, and the most that other subjects'
    # teachers (Policy.subject_cover) may cover of any school's mental-health need, so a
    # school at or above the threshold needs a mental-health teacher (in post or
    # itinerant) for the rest. 0.25 ≈ 4–5 periods of an 18-period week.
    mental_health_part_time_fte: float = _f(0.25, (0.0, 1.0, True, True))

    # --- Voluntary transfers (跨校竞聘), 县管校聘 practice; see docs/transfers.md --------------
    # Priority at a school = points on the county points scale (积分), highest first.
    # No national or Chuxiong text fixes the items' weights; library defaults in the
    # spirit of common county scales: points per year at the current school (本校任教年限),
    # per year of service (教龄), per backbone level (county 1, prefecture 2,
    # province 3), per family point toward a school (夫妻分居/照顾家庭) and per year of
    # hardship (rural) service.
    priority_weight_years_at_school: float = _f(1.0, _POINTS)
    priority_weight_service_years: float = _f(0.5, _POINTS)  # library default, as above
    priority_weight_backbone: float = _f(2.0, _POINTS)
    # Library defaults, as above: family points and hardship years.
    priority_weight_family: float = _f(1.0, _POINTS)
    priority_weight_hardship: float = _f(1.0, _POINTS)
    # Library default: optimize(preferences=…) settles transfer requests before rotation
    # ("transfers_first", the only mode implemented) or ignores them ("off").
    transfer_mode: str = _f("transfers_first", choices=("transfers_first", "off"))
    # Combe, Tercieux and Terrier (2022): "to_be" (teacher-optimal block exchange); "da"
    # (deferred acceptance with a guaranteed post, the French baseline); "da_to_be".
    transfer_mechanism: str = _f("to_be", choices=("to_be", "da", "da_to_be"))
    # Combe, Tercieux and Terrier (2022), block condition: a teacher takes an occupied
    # post only if she outranks, at that school, the teacher who gives it up.
    transfer_school_consent: bool = _f(True)
    # Library default: posts vacated by moves into vacancies are not offered again in
    # the same round (keeps TO-BE strategy-proof); rotation and hiring fill them.
    transfer_reopen_vacated: bool = _f(False)

    # --- Itinerant teaching (走教), Chuxiong measure 8 and the 2014 rotation forms ---------
    # Library switch: lead and central school teachers of urgent-need subjects may teach
    # part of their week at member schools of their cluster.
    itinerant_enabled: bool = _f(True)
    # Library default: weekly periods one teacher can give to itinerant teaching (6, a
    # third of an 18-period primary load, so the teacher spends most of the week at home).
    itinerant_periods_per_teacher: float = _f(6.0, _PERIODS)
    # Library defaults: cost of one FTE of itinerant cover, and of one FTE-km of travel.
    weight_itinerant: float = _f(1.0, _WEIGHT)
    weight_itinerant_km: float = _f(0.05, _WEIGHT)

    # --- Remote classrooms (专递课堂 / 同步课堂 / 名师课堂), Chuxiong measure 6 ------------
    # Seed measure 6: sites that cannot be merged keep open and share teaching through
    # education ICT. Library switch: a cluster lead school streams urgent-subject lessons
    # to the village schools and teaching points of its cluster (small_school_mask).
    # Off by default: streaming needs a recording classroom at the lead and a screen at
    # the site, which the input tables do not record; a bureau switches it on once its
    # sites are equipped (default plans stay as they were before the block).
    remote_enabled: bool = _f(False)
    # Library default: the subjects a streamed lesson may cover. PE ("pe") is left out:
    # it is taught on the playground and needs a teacher present for pupils' safety;
    # English, music, art and IT are taught by screen in 专递课堂 practice.
    remote_subjects: tuple[str, ...] = _f(("english", "music", "art", "it"),
                                         choices=tuple(SUBJECTS))
    # Library default: weekly periods of each remote subject one lead school can stream
    # (10: one recording classroom, about two periods a school day). Streamed periods are
    # taught by the lead's teachers and use their time (no 同步课堂 sharing is assumed).
    remote_periods_per_lead: float = _f(10.0, _PERIODS)
    # Library default 1: a streamed period counts as one taught in person (seed measure 6
    # counts shared digital lessons as provision); set below 1 to count it for less.
    remote_quality: float = _f(1.0, (0.0, 1.0, False, True))
    # Library default: cost of one FTE of remote cover, 2 = itinerant cover over 20 km
    # (1 + 0.05 × 20), so a teacher in reach is preferred to a screen.
    weight_remote: float = _f(2.0, _WEIGHT)

    # --- Rotation model weights (library defaults; lexicographic by magnitude) ---------
    # Cost of one full-time teacher of unmet subject need (urban/town, core subject).
    weight_unmet_need: float = _f(1000.0, _WEIGHT)
    # Multiplier for urgent-need subjects (Chuxiong measure 9); rural schools use
    # weight_rural as well.
    weight_unmet_urgent: float = _f(1.5, _MULTIPLIER)
    # Multiplier for labour / integrated practice (劳动/综合实践): taught by any teacher with
    # spare periods, its gaps come after those of the named subjects.
    weight_unmet_labour: float = _f(0.5, _MULTIPLIER)
    # Cost of one backbone teacher short of backbone_per_100_pupils_target at a rural school.
    weight_backbone_deficit: float = _f(30.0, _WEIGHT)
    # Library defaults (no text prices them): cost of one PE/arts teacher short of
    # balance_pe_arts_per100 at a school, and of one music or art teacher short of
    # ⌈classes / balance_music_art_classes⌉ (优质均衡, staffing.model.balance). 10 is 1% of
    # weight_unmet_need (1,000) and a third of weight_backbone_deficit (30): below any
    # real difference in subject need and below the rural backbone aim, so the indicators
    # only break ties among moves and hires that cover need anyway; far above a move's
    # cost (0.05 + 0.002 per km, 0.13 at 40 km), so among those the school short of the
    # indicator gets the teacher. A hire (weight_hire 250 a year) is never made for them
    # alone. 0 switches the aim off.
    weight_balance_pe_arts: float = _f(10.0, _WEIGHT)
    weight_balance_music_art: float = _f(10.0, _WEIGHT)
    # Library default (no text prices it): cost of one teacher a school keeps too few of
    # for a staff indicator (qualification, backbone, PE/arts per 100 pupils) that one of
    # its parts meets before the plan — or reaches balance_near_share of — to stay
    # there after it (do no harm, staffing.model.no_harm). Every school part must pass
    # the 优质均衡 rule for the county to pass, so a plan should not undo a pass it
    # found. 100 ranks it above everything one move can serve besides lessons — the
    # 10% exchange duty and its backbone share (weight_rotation_shortfall 10 each), the
    # rural backbone aim (weight_backbone_deficit 30), the PE/arts and music/art aims
    # (10 each): 70 together — and below subject need (weight_unmet_need 1,000) and a
    # head's due exchange (500): pupils keep a teacher of every subject they need
    # before a school keeps its ratio. 0 switches it off.
    weight_balance_no_harm: float = _f(100.0, _WEIGHT)
    # Cost of one teacher short of the 10% rotation volume, and of one backbone teacher
    # short of the 20% backbone share (heavy, but below needs and backbone support).
    weight_rotation_shortfall: float = _f(10.0, _WEIGHT)
    # Cost of one move, and of one km of one move (fewest, shortest moves among equals).
    weight_move: float = _f(0.05, _WEIGHT)
    weight_move_km: float = _f(0.002, _WEIGHT)
    # Cost of each move beyond those announced in a previous plan (optimize(previous=…)):
    # replanning keeps announced moves and changes little else.
    weight_replan_change: float = _f(5.0, _WEIGHT)

    # --- Geography and clusters (集团化办学 / 学区制), Chuxiong measure 8 ---------------------
    # Library default (no text sets a distance): one-way road distance a rotating or
    # itinerant teacher can be asked to travel; edges of the allowed-move graph are no
    # longer than this. 40 km keeps a county seat and its townships mostly within reach.
    max_travel_km: float = _f(40.0, _KM)
    # Library default: road km per great-circle km in mountainous Yunnan, a rough detour
    # factor used only when the county gives no distance table.
    road_factor: float = _f(1.35, (1.0, 5.0, True, True))
    # Library default (measure 8 sets no size): member schools per cluster lead (urban
    # quality or central school), a number one lead can support.
    cluster_max_members: int = _f(8, _COUNT)
    # Chuxiong measure 8 (学区制): prefer keeping a township's schools with one lead.
    cluster_keep_townships: bool = _f(True)
    # Library default: extra cost, in km, of assigning a school to another township's lead.
    cluster_township_penalty_km: float = _f(5.0, _KM_OR_NONE)
    # Library default: rotation moves along any edge in the county ("county") or only
    # within partnership clusters ("cluster").
    rotation_scope: str = _f("county", choices=("county", "cluster"))

    # --- Recruitment and training, Chuxiong measures 7 and 9 ---------------------------
    # Chuxiong measure 9: urgent-need subjects ≥ 30% of new hires.
    urgent_share_min: float = _f(0.30, _SHARE)
    # Chuxiong measure 9: English, music, PE, art and IT are named urgent-need subjects.
    urgent_subjects: tuple[str, ...] = _f(URGENT_SUBJECTS_DEFAULT, choices=tuple(SUBJECTS))
    # Chuxiong measure 7: new rural teachers shadow-train ≥ 1 year (跟岗培训).
    shadow_training_years: int = _f(1, (0, 5, True, True))
    # Library default: the school year planned starts on 1 September of this year; ages,
    # tenure and retirements are counted to that day (never to "today", so that the
    # same inputs give the same plan on any day).
    plan_year: int = _f(2026, (2000, 2100, True, True))
    # Statutory retirement reform (全国人大常委会, effective 2025-01-01): women teachers are
    # professional staff on the cadre track (55 → 58); "worker" is the 50 → 55 track.
    female_retirement_track: str = _f("cadre", choices=("cadre", "worker"))
    # Library default (measure 7 sets no number): new rural teachers one host school can
    # mentor at a time (跟岗培训).
    mentor_capacity_per_host: int = _f(5, _COUNT)
    # Chuxiong measure 12: staff within 5 years of statutory retirement may retire early.
    early_retirement_window_years: int = _f(5, (0, 15, True, True))
    # Library default: a subject gap a multi-year plan may recruit for must reach this
    # many full-time teachers in some year (general 全科 hires count the core subjects
    # they cover); smaller gaps are left to cover by colleagues.
    hire_min_gap_fte: float = _f(0.5, _FTE_POSITIVE)
    # Library default: cost of one new hire for each school year they hold a post within
    # the horizon (a salary): a hire must cover a quarter post of urban core need to be
    # worth it.
    weight_hire: float = _f(250.0, _WEIGHT)
    # Guizhou 黔西南州 2021 (POLICY.md B) lends pool quota against attrition; library
    # default cost of one post lent out of the reserve for a year (used only when
    # pool_reserve_share keeps a reserve; loans come before shortfalls, after nothing else).
    weight_pool_loan: float = _f(5.0, _WEIGHT)

    # --- Posts, teaching load and quality goals -----------------------------------------
    # Chuxiong measure 14: prefecture-level backbone teachers ≥ 10% of all teachers by 2025.
    # Reported by plan.metrics (backbone_share_prefecture, backbone_short_of_target);
    # the model does not create backbone teachers, so it is a figure, not a constraint.
    backbone_share_target: float = _f(0.10, _SHARE)
    # Chuxiong goals: nine-year retention (巩固率) ≥ 98%, used for enrolment projection.
    retention_rate: float = _f(0.98, _SHARE)
    # Chuxiong goals: 巩固率 is a nine-year rate (pupils finishing grade 9 per pupil
    # entering grade 1), so the yearly survival is retention_rate ** (1/8);
    # "annual" applies retention_rate at every grade step instead.
    retention_basis: str = _f("nine_year", choices=("nine_year", "annual"))
    # Library defaults, direction from Chuxiong measure 5 (乡村人口外流, 缓解"城区挤"):
    # yearly change of grade-1 intake by location (urban +2%, town flat, rural −4%).
    intake_trend_urban: float = _f(0.02, (-1.0, 1.0, False, True))
    intake_trend_town: float = _f(0.0, (-1.0, 1.0, False, True))
    intake_trend_rural: float = _f(-0.04, (-1.0, 1.0, False, True))
    # Chuxiong measure 5 (撤并人数少或离集镇学校近的校点) names no numbers; library
    # defaults for the consolidation scenario: village schools and teaching points below
    # this many pupils, within this many road km of a town school with room, merge;
    # receivers open this many extra classes.
    consolidation_max_pupils: int = _f(100, _PUPILS_OR_NONE)
    consolidation_max_km: float = _f(10.0, _KM)
    consolidation_extra_classes: int = _f(0, _COUNT_OR_NONE)
    # National class-size norms (POLICY.md B): primary ≤ 45, junior ≤ 50.
    primary_class_size_max: int = _f(45, _CLASS_SIZE)
    junior_class_size_max: int = _f(50, _CLASS_SIZE)
    # Library default, no text fixes it: teaching points (教学点) teach their grades
    # together in multigrade classes (复式班), so estimate_classes counts one class per
    # site of these levels (more only when its pupils exceed primary_class_size_max);
    # an empty list gives every grade its own class.
    multigrade_levels: tuple[str, ...] = _f(("teaching_point",), choices=tuple(LEVELS))

    # --- Grade structure (学制) ----------------------------------------------------------
    # 义务教育法 (2006) art. 2: nine years of compulsory education; the 义务教育课程方案
    # (2022) sets out both the 六三学制 (6 primary + 3 junior grades, most provinces: the
    # default) and the 五四学制 (5 + 4, e.g. Shanghai, Shandong, Heilongjiang; "5+4").
    # (primary grades, junior grades), each stage's grades numbered on from 1; other
    # structures of school lists from elsewhere (7 + 4) are accepted: primary 1–9, junior
    # 1–6 grades. Curriculum periods follow the grade number (staffing.needs).
    grades: tuple[int, int] = _f((6, 3), grades=GRADE_RANGE)
    # 义务教育法 (2006) art. 2 and 12: compulsory education runs through junior secondary
    # and pupils enter junior school without examination (免试就近入学), so every pupil of
    # the last primary grade enters the first junior grade a year later: 1.0. The share
    # that does, before the yearly retention (retention_rate) of that step; a county
    # whose leavers partly leave (another county, private schools; its own 初中升学率
    # from its statistical bulletin) sets its own.
    junior_transition_rate: float = _f(1.0, (0.0, 1.0, False, True))

    # --- 优质均衡: the national evaluation (教督〔2017〕6号, POLICY.md D; docs/balance.md) ---
    # The pass lines of 《县域义务教育优质均衡发展督导评估办法》(教育部 2017); read by
    # staffing.balance only. Art. 5 (资源配置), indicator 1: teachers with a qualification
    # above the statutory one per 100 pupils, primary ≥ 4.2, junior ≥ 5.3.
    balance_qualified_per100_primary: float = _f(4.2, _PER_100_PUPILS)
    balance_qualified_per100_junior: float = _f(5.3, _PER_100_PUPILS)
    # 教师法 art. 11 sets the statutory qualification (primary 中等师范, junior 专科), so
    # art. 5's "above" (高于规定学历) is 专科 or higher for primary teachers and 本科 or
    # higher for junior ones: the lowest education (staffing.vocab.EDUCATION) that counts.
    balance_above_qualification_primary: str = _f("associate", choices=tuple(EDUCATION))
    balance_above_qualification_junior: str = _f("bachelor", choices=tuple(EDUCATION))
    # Art. 5, indicator 2 (backbone teachers at county level or above per 100 pupils ≥ 1,
    # primary and junior) is backbone_per_100_pupils_target above: one number, read by
    # the evaluation and by the rotation block's aim at rural schools.
    # Art. 5, indicator 3: PE and arts (music, art) full-time teachers per 100 pupils ≥ 0.9.
    balance_pe_arts_per100: float = _f(0.9, _PER_100_PUPILS)
    # Art. 5, indicator 4: teaching and auxiliary floor area per pupil, m² (4.5 / 5.8).
    balance_teaching_area_primary: float = _f(4.5, _AREA_PER_PUPIL)
    balance_teaching_area_junior: float = _f(5.8, _AREA_PER_PUPIL)
    # Art. 5, indicator 5: sports ground and hall area per pupil, m² (7.5 / 10.2).
    balance_sports_area_primary: float = _f(7.5, _AREA_PER_PUPIL)
    balance_sports_area_junior: float = _f(10.2, _AREA_PER_PUPIL)
    # Art. 5, indicator 6: teaching instruments and equipment per pupil, yuan (2,000 / 2,500).
    balance_equipment_primary: float = _f(2000.0, _YUAN_PER_PUPIL)
    balance_equipment_junior: float = _f(2500.0, _YUAN_PER_PUPIL)
    # Art. 5, indicator 7: networked multimedia classrooms per 100 pupils (2.3 / 2.4).
    balance_multimedia_per100_primary: float = _f(2.3, _PER_100_PUPILS)
    balance_multimedia_per100_junior: float = _f(2.4, _PER_100_PUPILS)
    # Art. 5: each school meets at least 6 of the 7 indicators ...
    balance_indicators_required: int = _f(6, (1.0, 7.0, True, True))
    # ... and the rest reach at least 85% of their requirement.
    balance_near_share: float = _f(0.85, (0.0, 1.0, False, True))
    # Art. 5: the between-school 差异系数 (pupil-weighted CV) of every indicator is ≤ 0.50
    # among primary schools and ≤ 0.45 among junior schools.
    balance_cv_max_primary: float = _f(0.50, _CV)
    balance_cv_max_junior: float = _f(0.45, _CV)
    # Art. 5 evaluates the county's schools "不含…不足50人的教学点": teaching points with
    # fewer pupils than this are left out of the seven indicators and their 差异系数.
    balance_teaching_point_min_pupils: int = _f(50, _PUPILS_OR_NONE)
    # Library default from provincial practice (the 基本均衡 split rule counties used with
    # the 2012 办法; no national text): a nine-year school's floor area, sports area,
    # equipment and classrooms are split between its parts by pupils weighted primary :
    # junior = 1 : 1.1, each part then counted as a school of its level. Teachers are
    # split as staff are (staffing.staff.level_staff).
    balance_junior_resource_weight: float = _f(1.1, (0.0, 10.0, False, True))
    # Art. 6 (政府保障程度): every primary and junior school has at least one music and one
    # art full-time teacher per 12 classes (each, ⌈classes / 12⌉).
    balance_music_art_classes: int = _f(12, _COUNT)
    # Art. 6: no school above 2,000 pupils; nine-year schools (九年一贯制) 2,500.
    balance_school_size_max: int = _f(2000, _PUPILS)
    balance_school_size_max_nine_year: int = _f(2500, _PUPILS)
    # Art. 6 (each year ≥ 10% of the teachers eligible to rotate are exchanged, backbone
    # teachers ≥ 20% of them) restates the 2014 rule: rotation_share_min and
    # rotation_backbone_share_min above are its one home.
    # Library default: the kinds of plan move counted as exchanged teachers — a term
    # rotation, backbone support or learning exchange; itinerant teaching (走教, part
    # time, the teacher stays in post) and voluntary transfers are not counted.
    balance_exchange_kinds: tuple[str, ...] = _f(("rotation", "support", "exchange"),
                                                 choices=(*POST_MOVE_KINDS, "itinerant"))

    # --- Plausibility limits for input validation (library defaults) -------------------
    # A school reporting more staff than this many times its pupil norm plus this
    # constant is flagged as implausible data, not planned.
    plausible_staff_factor: float = _f(5.0, _FACTOR)
    plausible_staff_extra: int = _f(20, _COUNT_OR_NONE)
    # Pupils per class above which a row is flagged as implausible (≥ 66 is
    # "extra-large" by the national norm; anything far beyond is a typo).
    plausible_class_size_max: int = _f(120, _CLASS_SIZE)
    # Library default (no text sets a distance): a school whose coordinates lie farther
    # from its county's median point than max(far_school_min_km, far_school_median_factor
    # × the median school's distance) is warned about, not refused — a typo, swapped or
    # sign-flipped coordinates, or another county's school. 150 km is beyond the
    # outskirts of all but the largest Chinese counties; the factor scales the limit to
    # a wide county. In the Malaysian school list (2025) such schools sit 600–1,000 km
    # from their district (docs/adapting.md).
    far_school_min_km: float = _f(150.0, _KM)
    far_school_median_factor: float = _f(5.0, (1.0, 100.0, True, True))

    def __post_init__(self) -> None:
        for f in fields(self):
            value = _plain(getattr(self, f.name))  # numpy scalars as Python numbers
            if isinstance(f.default, FrozenTable) and isinstance(value, Mapping):
                value = freeze(_merge(f.default, value))  # a table changes what it names
            elif isinstance(value, list):
                value = freeze(value)
            if type(f.default) is float and type(value) is int:
                value = float(value)  # a whole number given for a float field is that float
            elif (type(f.default) is int and isinstance(value, float) and value.is_integer()):
                value = int(value)  # 50.0 for a count is 50
            if "grades" in f.metadata:
                value = _grade_structure(value)
            object.__setattr__(self, f.name, value)
        problems = [p for f in fields(self) if (p := _check_field(f, getattr(self, f.name)))]
        if not problems:
            problems = _check_weights(self) + _check_head_teacher_load(self)
        if problems:
            raise PolicyError("invalid policy:\n  " + "\n  ".join(problems))

    # ------------------------------------------------------------------ grades
    @property
    def primary_grades(self) -> tuple[int, ...]:
        """The primary grade numbers of :attr:`grades`: 1–6 by default, 1–5 in 5+4.

        Examples
        --------
        >>> Policy(grades="5+4").primary_grades, Policy(grades="5+4").junior_grades
        ((1, 2, 3, 4, 5), (6, 7, 8, 9))
        """
        return tuple(range(1, self.grades[0] + 1))

    @property
    def junior_grades(self) -> tuple[int, ...]:
        """The junior grade numbers of :attr:`grades`, numbered on from the primary ones."""
        return tuple(range(self.grades[0] + 1, self.grades[0] + self.grades[1] + 1))

    @property
    def grades_text(self) -> str:
        """The grade structure as text for messages: ``"6+3 (grades 1–6 and 7–9)"``."""
        p, j = self.grades
        return f"{p}+{j} (grades 1–{p} and {p + 1}–{p + j})"

    # ------------------------------------------------------------------ construction
    def replace(self, **changes: Any) -> Policy:
        """Return a copy with some fields changed (``dataclasses.replace``).

        A table field (``teaching_load``, ``periods_per_week``, ``subject_cover``) given
        as a mapping changes only the entries it names, as in :meth:`from_toml` and
        ``Policy(...)``.

        Examples
        --------
        >>> Policy().replace(rotation_share_min=0.15).rotation_share_min
        0.15
        """
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise PolicyError(_unknown_message(unknown))
        merged = {k: _merge(getattr(self, k), _plain(v)) if isinstance(getattr(self, k),
                                                                        FrozenTable) else v
                  for k, v in changes.items()}  # a table changes only the entries it names
        return dataclasses.replace(self, **{k: freeze(v) for k, v in merged.items()})

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, source: str = "policy") -> Policy:
        """Build a Policy from a flat mapping of field names to values.

        Table fields (``periods_per_week``, ``teaching_load``, ``subject_cover``) are
        merged into their defaults: a table given changes only the entries it names.

        Unknown keys and out-of-range values raise :class:`PolicyError` naming the key
        and the allowed range; every problem is listed at once.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        problems = [f"{source}: {_unknown_message([k])}" for k in unknown]
        defaults = {f.name: f.default for f in fields(cls)}
        known = {
            k: freeze(_merge(defaults[k], _plain(v)) if isinstance(defaults[k], FrozenTable)
                      else _plain(v))
            for k, v in values.items()
            if k in names
        }
        for f in fields(cls):
            if f.name in known:
                msg = _check_field(f, known[f.name])
                if msg:
                    problems.append(f"{source}: {msg}")
        if not problems:
            problems = [f"{source}: {p}" for p in _check_weights(
                {f.name: known.get(f.name, f.default) for f in fields(cls)})]
        if problems:
            raise PolicyError("invalid policy:\n  " + "\n  ".join(problems))
        return cls(**known)

    @classmethod
    def from_toml(cls, path: str | Path) -> Policy:
        """Read a policy from a TOML file of ``field = value`` lines.

        Fields not in the file keep their Chuxiong defaults. A ``[policy]`` table is
        accepted as well as top-level keys.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
        >>> _ = p.write_text("primary_ratio = 18.0\\n")
        >>> Policy.from_toml(p).primary_ratio
        18.0
        """
        path = Path(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
            raw = tomllib.loads(text)
        except UnicodeDecodeError:
            raise PolicyError(f"{path}: not UTF-8 text (a GBK file?): save the policy "
                              "file as UTF-8") from None
        except IsADirectoryError:
            raise PolicyError(f"{path}: is a folder, not a policy file") from None
        except FileNotFoundError:
            raise PolicyError(f"{path}: policy file not found") from None
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read the policy file: "
                              f"{exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from None
        if not isinstance(raw, dict):
            raise PolicyError(f"{path}: not a table of field = value lines")
        if set(raw) == {"policy"} and isinstance(raw["policy"], dict):
            raw = raw["policy"]
        return cls.from_dict(raw, source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """The policy as a plain dict (tuples become lists)."""
        return {f.name: thaw(getattr(self, f.name)) for f in fields(self)}

    def to_toml(self, path: str | Path) -> None:
        """Write every field to a TOML file that :meth:`from_toml` reads back equal."""
        atomic_write_bytes(Path(path), tomli_w.dumps(self.to_dict()).encode("utf-8"))

    def fingerprint(self) -> str:
        """A short, stable hash of every field, for manifests and caches."""
        import hashlib

        return hashlib.sha256(tomli_w.dumps(self.to_dict()).encode("utf-8")).hexdigest()[:16]


def _merge(default: Any, given: Any) -> Any:
    """Tables in a file change only the entries they name: ``[teaching_load.junior]
    music = 14`` keeps every other load at its default. Keys unknown to the default
    are kept, for :func:`_check_table` to name."""
    if isinstance(default, Mapping) and isinstance(given, Mapping):
        merged = thaw(default)
        for key, value in given.items():
            merged[key] = _merge(default[key], value) if key in default else thaw(value)
        return merged
    return given


def _plain(value: Any) -> Any:
    """numpy integers, floats and bools as Python ones, inside tables and lists too."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _check_weights(policy: Any) -> list[str]:
    """The spread of the positive objective cost weights stays within
    :data:`MAX_WEIGHT_RATIO` (solver tolerances); ``policy`` is a Policy or a dict."""
    get = policy.get if isinstance(policy, Mapping) else lambda k: getattr(policy, k)
    costs = {f.name: get(f.name) for f in fields(Policy)
             if f.name.startswith("weight_") and f.name not in WEIGHT_MULTIPLIERS}
    positive = {k: v for k, v in costs.items()
                if isinstance(v, int | float) and not isinstance(v, bool) and v > 0}
    if len(positive) < 2:
        return []
    big = max(positive, key=lambda k: (positive[k], k))
    small = min(positive, key=lambda k: (positive[k], k))
    ratio = positive[big] / positive[small]
    if ratio <= MAX_WEIGHT_RATIO:
        return []
    return [f"weights too far apart: {big} = {positive[big]:g} is {ratio:.3g} times "
            f"{small} = {positive[small]:g}; the largest positive objective weight may be "
            f"at most {MAX_WEIGHT_RATIO:g} times the smallest, or the solvers' tolerances "
            "(1e-7 – 1e-6) lose the small one (set a weight to 0 to switch its term off)"]


def _check_head_teacher_load(policy: Any) -> list[str]:
    """A class teacher still teaches: ``head_teacher_load_reduction`` is below every
    weekly teaching load (``teaching_load``), so no reduced load is zero or negative."""
    cut = policy.head_teacher_load_reduction
    loads = [(part, subject, float(v)) for part, table in policy.teaching_load.items()
             for subject, v in table.items()]
    if not cut or not loads:
        return []
    part, subject, low = min(loads, key=lambda x: (x[2], x[0], x[1]))
    if cut < low:
        return []
    return [f"head_teacher_load_reduction = {cut:g} periods a week is not below the smallest "
            f"teaching load (teaching_load.{part}.{subject} = {low:g}): a class teacher "
            "(班主任) would teach nothing or less than nothing"]


def _unknown_message(keys: list[str]) -> str:
    allowed = ", ".join(sorted(f.name for f in fields(Policy)))
    return f"unknown key(s) {', '.join(map(repr, keys))}; allowed keys: {allowed}"


def _describe_range(rng: tuple) -> str:
    lo, hi, lo_in, hi_in = rng
    left = "[" if lo_in else "("
    right = "]" if hi_in else ")"
    hi_txt = "inf" if hi == math.inf else f"{hi:g}"
    return f"{left}{lo:g}, {hi_txt}{right}"


def field_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is not allowed for the Policy field ``name``, or None if it is.

    The same check the Policy makes of its own fields (type, range, choices), for
    settings objects that take some of them (e.g. ``TransferSettings``).

    Examples
    --------
    >>> print(field_problem("transfer_mechanism", "boston"))
    transfer_mechanism = 'boston': expected one of to_be, da, da_to_be
    >>> field_problem("priority_weight_family", 2.0) is None
    True
    """
    return _check_field(next(f for f in fields(Policy) if f.name == name), value)


def _grade_structure(value: Any) -> Any:
    """``"5+4"``, ``[5, 4]`` or ``(5.0, 4.0)`` as ``(5, 4)``; anything else unchanged
    (for :func:`_check_field` to name)."""
    if isinstance(value, str):
        parts = value.replace(" ", "").split("+")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            return (int(parts[0]), int(parts[1]))
        return value
    if (isinstance(value, tuple | list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool)
                    and math.isfinite(v) and float(v).is_integer() for v in value)):
        return (int(value[0]), int(value[1]))
    return value


def _check_grades(name: str, value: Any, allowed: tuple) -> str | None:
    """A message if ``value`` is not a (primary, junior) pair of grade counts in range."""
    value = _grade_structure(value)
    (p_lo, p_hi), (j_lo, j_hi) = allowed
    if not (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, int) for v in value)):
        return (f"{name} = {value!r}: expected (primary grades, junior grades), e.g. "
                f"[6, 3] or \"5+4\"")
    p, j = value
    if not (p_lo <= p <= p_hi and j_lo <= j <= j_hi):
        return (f"{name} = {value!r}: primary grades must be {p_lo}–{p_hi} and junior "
                f"grades {j_lo}–{j_hi}")
    return None


def _check_field(f: dataclasses.Field, value: Any) -> str | None:
    """Return a message if ``value`` is not allowed for field ``f``, else None."""
    default = f.default
    if "grades" in f.metadata:
        return _check_grades(f.name, value, f.metadata["grades"])
    expected = type(default)
    if expected is bool:
        if not isinstance(value, bool):
            return f"{f.name} = {value!r}: expected true or false"
        return None
    if expected in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{f.name} = {value!r}: expected a number"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{f.name} = {value!r}: expected a finite number"
        if expected is int and not float(value).is_integer():
            return f"{f.name} = {value!r}: expected a whole number"
        rng = f.metadata.get("range")
        if rng is not None:
            lo, hi, lo_in, hi_in = rng
            ok_lo = value >= lo if lo_in else value > lo
            ok_hi = value <= hi if hi_in else value < hi
            if not (ok_lo and ok_hi):
                return f"{f.name} = {value!r}: outside the allowed range {_describe_range(rng)}"
        return None
    if expected is str:
        choices = f.metadata.get("choices")
        if not isinstance(value, str) or (choices and value not in choices):
            return f"{f.name} = {value!r}: expected one of {', '.join(choices or ())}"
        return None
    if expected is FrozenTable:
        return _check_table(f.name, value, f.metadata.get("table", "numbers"), default)
    if expected is tuple:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            return f"{f.name} = {value!r}: expected a list of names"
        choices = f.metadata.get("choices")
        bad = [v for v in value if choices and v not in choices]
        if bad:
            return (f"{f.name}: {', '.join(map(repr, bad))} not allowed; expected names "
                    f"from {', '.join(choices)}")
        missing = [v for v in f.metadata.get("required", ()) if v not in value]
        if missing:
            return (f"{f.name} = {value!r}: must include {', '.join(map(repr, missing))}: "
                    f"{f.metadata.get('why', '')}")
        return None
    return None


def _check_table(name: str, value: Any, shape: str, default: Mapping) -> str | None:
    """Check a table field, naming each bad entry by its path (``teaching_load.junior.
    music = nan: …``): ``numbers`` = part → subject → number in (0, 50] (weekly
    periods); ``names`` = subject → list of subjects. The parts (outer keys) are those
    of the default table; anything else is an unknown key."""
    if not isinstance(value, FrozenTable):
        return f"{name} = {value!r}: expected a table"
    bad = []
    parts = ", ".join(default)
    for key, inner in value.items():
        where = f"{name}.{key}"
        if shape == "names":
            if key not in SUBJECTS:
                bad.append(f"{where}: unknown subject; expected one of {', '.join(SUBJECTS)}")
            elif not isinstance(inner, tuple) or not all(isinstance(v, str) for v in inner):
                bad.append(f"{where} = {thaw(inner)!r}: expected a list of subjects")
            else:
                bad += [f"{where}: {v!r} is not a subject" for v in inner if v not in SUBJECTS]
            continue
        if key not in default:
            bad.append(f"{where}: unknown key; expected one of {parts}")
            continue
        if not isinstance(inner, FrozenTable):
            bad.append(f"{where} = {thaw(inner)!r}: expected a table of subject = number")
            continue
        for subject, number in inner.items():
            entry = f"{where}.{subject}"
            if subject not in SUBJECTS:
                bad.append(f"{entry}: unknown subject; expected one of {', '.join(SUBJECTS)}")
            elif isinstance(number, bool) or not isinstance(number, int | float):
                bad.append(f"{entry} = {thaw(number)!r}: expected a number")
            elif not math.isfinite(number):
                bad.append(f"{entry} = {number!r}: expected a finite number")
            elif not 0 < number <= _TABLE_MAX:
                bad.append(f"{entry} = {number!r}: outside the allowed range "
                           f"(0, {_TABLE_MAX:g}] (weekly periods)")
    return "\n  ".join(bad) if bad else None
