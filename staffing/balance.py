"""优质均衡: the national high-quality-balance evaluation, school by school and per county.

《县域义务教育优质均衡发展督导评估办法》(教育部, 教督〔2017〕6号; ``POLICY.md`` part D;
docs/balance.md) judges a county by seven resource indicators of every school, their
between-school 差异系数, and staffing items of the government-guarantee part. This
module is the one home of those rules; every number is a ``Policy.balance_*`` field.

**Indicators** (:data:`INDICATORS`), per school part, primary or junior:

1. ``qualified_per100`` teachers above the statutory qualification per 100 pupils
   (teachers' ``education`` column; ``Policy.balance_above_qualification_*``);
2. ``backbone_per100`` backbone teachers at county level or above per 100 pupils;
3. ``pe_arts_per100`` PE, music and art teachers per 100 pupils;
4. ``teaching_area`` teaching and auxiliary floor area per pupil (m²);
5. ``sports_area`` sports ground area per pupil (m²);
6. ``equipment`` teaching equipment value per pupil (yuan);
7. ``multimedia_per100`` networked multimedia classrooms per 100 pupils.

Indicators 4–7 come from optional schools columns (``teaching_area_m2``,
``sports_area_m2``, ``equipment_value_yuan``, ``multimedia_classrooms``); a blank or
absent column makes the indicator ``missing`` for that school, never met.

**Which schools, which parts.** Every school with pupils, except teaching points below
``balance_teaching_point_min_pupils`` (art. 5: "不含…不足50人的教学点"). A nine-year
school counts as a primary school and a junior school (the practice of the statistics
the evaluation reads, which report a nine-year school's 小学部 and 初中部 apart): its
teachers are split between the parts as its staff are
(:func:`staffing.staff.level_staff`), its rooms, grounds and equipment by pupils
weighted primary : junior = 1 : ``balance_junior_resource_weight``. Each part is
judged against its level's requirement and counted in its level's 差异系数.

**The rule per school** (:func:`assess`): at least ``balance_indicators_required`` (6)
of 7 met and the rest at ≥ ``balance_near_share`` (85%) of the requirement. The
verdict is ``met``, ``not_met`` (fails whatever the missing values are), or
``not_assessable`` (it depends on missing data) — never ``met`` with data missing.

**Teachers who count**: teachers in post (:func:`staffing.staff.in_post`), at their
school; after a plan, at their move's ``to_school`` (:func:`staffing.metrics.apply_moves`),
plus the plan's hires at the school they are hired for (:func:`apply_hires`, a
multi-year plan's hires of every plan year, as the model's block counts them;
retirements are not taken off). A hire is not a backbone teacher and her degree is not
known before recruitment: she counts for PE/arts and music/art by subject, and as
*not* above the qualification in indicator 1 (a lower bound, never an unknown that
would blank the school's indicator).

Examples
--------
>>> import staffing as st
>>> from staffing.balance import school_balance
>>> table = school_balance(st.synth.county(seed=1, n_schools=12, balance_data=False))
>>> sorted(set(table["rule"]))   # no facilities data: balance_data=False
['not_assessable', 'not_met']
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.i18n import check_lang
from staffing.metrics import PE_ARTS_SUBJECTS, apply_moves, coefficient_of_variation
from staffing.staff import in_post, is_backbone, level_staff
from staffing.vocab import EDUCATION, LEVELS

if TYPE_CHECKING:
    from staffing.data.county import County
    from staffing.plan import Plan
    from staffing.policy import Policy

__all__ = ["INDICATORS", "STAFF_INDICATORS", "FACILITY_COLUMNS", "PARTS", "STATUS_LABELS",
           "RULE_LABELS", "requirements", "school_indicators", "assess", "music_art", "staff_targets",
           "education_key", "no_harm_lines",
           "school_balance", "county_cv", "exchange_shares", "apply_hires", "teachers_after",
           "plan_balance",
           "balance_metrics", "balance_table"]

#: School parts the evaluation judges apart.
PARTS: tuple[str, ...] = ("primary", "junior")

#: Indicator key → (English, Chinese) label, in the 办法's order.
INDICATORS: dict[str, tuple[str, str]] = {
    "qualified_per100": ("Teachers above the statutory qualification per 100 pupils",
                         "每百名学生拥有高于规定学历教师数"),
    "backbone_per100": ("Backbone teachers (county level +) per 100 pupils",
                        "每百名学生拥有县级及以上骨干教师数"),
    "pe_arts_per100": ("PE and arts teachers per 100 pupils",
                       "每百名学生拥有体育、艺术(美术、音乐)专任教师数"),
    "teaching_area": ("Teaching and auxiliary floor area per pupil (m²)",
                      "生均教学及辅助用房面积(平方米)"),
    "sports_area": ("Sports ground area per pupil (m²)", "生均体育运动场馆面积(平方米)"),
    "equipment": ("Teaching equipment value per pupil (yuan)", "生均教学仪器设备值(元)"),
    "multimedia_per100": ("Networked multimedia classrooms per 100 pupils",
                          "每百名学生拥有网络多媒体教室数"),
}

#: The three indicators a staffing plan moves.
STAFF_INDICATORS: tuple[str, ...] = ("qualified_per100", "backbone_per100", "pe_arts_per100")

#: Facility indicator → (schools column, per how many pupils).
FACILITY_COLUMNS: dict[str, tuple[str, float]] = {
    "teaching_area": ("teaching_area_m2", 1.0),
    "sports_area": ("sports_area_m2", 1.0),
    "equipment": ("equipment_value_yuan", 1.0),
    "multimedia_per100": ("multimedia_classrooms", 100.0),
}

#: Status of one indicator → (English, Chinese).
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("met", "达标"),
    "near": ("≥ 85% of requirement", "达到要求的85%"),
    "short": ("below 85% of requirement", "低于要求的85%"),
    "missing": ("no data", "缺数据"),
}

#: Verdict of the evaluation's rule → (English, Chinese).
RULE_LABELS: dict[str, tuple[str, str]] = {
    "met": ("meets the rule", "达标"),
    "not_met": ("fails the rule", "未达标"),
    "not_assessable": ("not assessable (data missing)", "无法评估(缺数据)"),
}

# Relative tolerance of "at least the requirement": 100 × 21 / 500 is 4.2 in decimal
# arithmetic and must meet 4.2 whatever the binary rounding.
_TOL = 1e-9


def _policy(policy: Policy | None) -> Policy:
    from staffing.policy import Policy

    return policy or Policy()


def requirements(policy: Policy | None = None) -> pd.DataFrame:
    """Each indicator's requirement for a primary and a junior school (Policy fields).

    Examples
    --------
    >>> requirements().loc["equipment"].tolist()
    [2000.0, 2500.0]
    """
    p = _policy(policy)
    rows = {
        "qualified_per100": (p.balance_qualified_per100_primary,
                             p.balance_qualified_per100_junior),
        "backbone_per100": (p.backbone_per_100_pupils_target, p.backbone_per_100_pupils_target),
        "pe_arts_per100": (p.balance_pe_arts_per100, p.balance_pe_arts_per100),
        "teaching_area": (p.balance_teaching_area_primary, p.balance_teaching_area_junior),
        "sports_area": (p.balance_sports_area_primary, p.balance_sports_area_junior),
        "equipment": (p.balance_equipment_primary, p.balance_equipment_junior),
        "multimedia_per100": (p.balance_multimedia_per100_primary,
                              p.balance_multimedia_per100_junior),
    }
    out = pd.DataFrame(rows, index=list(PARTS), dtype=float).T
    out.index.name = "indicator"
    return out


def _schools(county: County | pd.DataFrame) -> pd.DataFrame:
    return county if isinstance(county, pd.DataFrame) else county.schools


def _parts(schools: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """One row per evaluated (school, part): pupils, classes and the part's shares of
    the school's teachers and facilities."""
    s = schools
    p = s["pupils_primary"].to_numpy(dtype=float)
    j = s["pupils_junior"].to_numpy(dtype=float)
    level = s["level"].astype(object).to_numpy()
    small_point = (level == "teaching_point") & (p + j < policy.balance_teaching_point_min_pupils)
    teacher_share = level_staff(s, pd.Series(1.0, index=s.index), policy)
    weighted = p + policy.balance_junior_resource_weight * j
    frames = []
    for part, pupils, w in (("primary", p, p),
                            ("junior", j, policy.balance_junior_resource_weight * j)):
        keep = (pupils > 0) & ~small_point
        frames.append(pd.DataFrame({
            "school_id": s.index[keep].astype(object),
            "part": part,
            "level": level[keep],
            "pupils": pupils[keep],
            "classes": s[f"classes_{part}"].to_numpy(dtype=float)[keep],
            "teacher_share": teacher_share[f"staff_{part}"].to_numpy()[keep],
            "resource_share": w[keep] / weighted[keep],
            "order": np.flatnonzero(keep),
        }))
    out = pd.concat(frames, ignore_index=True).sort_values(["order", "part"], kind="stable",
                                                           key=_part_key)
    return out.drop(columns="order").set_index(["school_id", "part"])


def _part_key(col: pd.Series) -> pd.Series:
    return col.map({"primary": 0, "junior": 1}) if col.name == "part" else col


def _teacher_counts(teachers: pd.DataFrame | None, ids: pd.Index,
                    policy: Policy) -> pd.DataFrame:
    """Per school: teachers above the qualification of each part, backbone, PE/arts,
    music and art teachers, and whether any teacher's education is unknown."""
    cols = ["qualified_primary", "qualified_junior", "backbone", "pe_arts", "music", "art",
            "education_unknown"]
    if teachers is None:
        return pd.DataFrame(np.nan, index=ids, columns=cols)
    t = teachers.reset_index() if "school_id" not in teachers.columns else teachers
    t = in_post(t)
    school = t["school_id"].astype(object).to_numpy()
    subject = t["subject"].astype(object)
    edu = _education_rank(t)
    qualified = _qualified(edu, policy)
    hired = (t["hired"].fillna(False).astype(bool).to_numpy() if "hired" in t.columns
             else np.zeros(len(t), dtype=bool))
    flags = pd.DataFrame({
        "qualified_primary": qualified["primary"],
        "qualified_junior": qualified["junior"],
        "backbone": is_backbone(t["backbone"]),
        "pe_arts": subject.isin(PE_ARTS_SUBJECTS).to_numpy(),
        "music": subject.eq("music").to_numpy(),
        "art": subject.eq("art").to_numpy(),
        # a hire's degree is not known before recruitment: not above, never unknown
        "education_unknown": edu.isna().to_numpy() & ~hired,
    }, index=pd.Index(school, dtype=object))
    counts = flags.astype(np.int64).groupby(level=0).sum()
    return counts.reindex(pd.Index(ids, dtype=object), fill_value=0)[cols]


#: Each education code's rank in :data:`staffing.vocab.EDUCATION` (higher: more).
_EDUCATION_RANK: dict[str, int] = {code: i for i, code in enumerate(EDUCATION)}


def _education_rank(teachers: pd.DataFrame) -> pd.Series:
    """Each teacher's education as its rank in :data:`staffing.vocab.EDUCATION` (NaN:
    blank or no ``education`` column)."""
    if "education" not in teachers.columns:
        return pd.Series(np.nan, index=teachers.index)
    return teachers["education"].astype(object).map(_EDUCATION_RANK)


def _qualified(edu: pd.Series, policy: Policy) -> dict[str, np.ndarray]:
    """Whether each teacher counts in the qualification indicator of a primary and of a
    junior part (education at or above ``balance_above_qualification_*``)."""
    rank = _EDUCATION_RANK
    return {"primary": edu.to_numpy() >= rank[policy.balance_above_qualification_primary],
            "junior": edu.to_numpy() >= rank[policy.balance_above_qualification_junior]}


def education_key(teachers: pd.DataFrame, policy: Policy | None = None) -> pd.Series:
    """Which qualification indicators each teacher counts in, as a short key: ``"pj"``
    (primary and junior), ``"p"``, ``"j"`` or ``"-"`` (neither, or education unknown).

    Teachers of one key are interchangeable for :data:`STAFF_INDICATORS`' qualification
    count, so the rotation block groups by it when it protects that indicator
    (:func:`no_harm_lines`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"education": ["master", "associate", "secondary", None]})
    >>> education_key(t).tolist()
    ['pj', 'p', '-', '-']
    """
    q = _qualified(_education_rank(teachers), _policy(policy))
    key = np.char.add(np.where(q["primary"], "p", ""), np.where(q["junior"], "j", ""))
    return pd.Series(np.where(key == "", "-", key), index=teachers.index, dtype=object)


#: The teacher count behind each staff indicator (teachers table flags of
#: :func:`_teacher_counts`); the qualification count depends on the part.
_COUNT_OF: dict[tuple[str, str], str] = {
    ("qualified_per100", "primary"): "qualified_primary",
    ("qualified_per100", "junior"): "qualified_junior",
    ("backbone_per100", "primary"): "backbone", ("backbone_per100", "junior"): "backbone",
    ("pe_arts_per100", "primary"): "pe_arts", ("pe_arts_per100", "junior"): "pe_arts",
}


def no_harm_lines(county: County | pd.DataFrame, teachers: pd.DataFrame | None = None,
                  policy: Policy | None = None) -> pd.DataFrame:
    """The teachers each school must keep so that no staff indicator of a part that
    passes the evaluation's rule now (or whose verdict waits on missing data) falls
    below the line it stands above: the requirement where it is met,
    ``balance_near_share`` of it where it is near.

    A part's indicator is teachers × ``teacher_share`` × 100 / pupils
    (:func:`school_indicators`), so its status holds while the school keeps at least
    ⌈line × pupils / (100 × teacher_share)⌉ of the counted teachers. Kept statuses
    keep the verdict: ``met`` and ``near`` stay at least what they were, so no count
    of met or short indicators changes for the worse. A school's parts share its
    teachers: one line per school and count, the larger of its parts'. Parts failing
    the rule before the plan (``not_met``), indicators short or without data, and
    lines of 0 teachers have no line. The model's do-no-harm rows
    (:mod:`staffing.model.no_harm`) read these numbers and derive none themselves.

    Returns
    -------
    DataFrame indexed by (``school_id``, ``count``), ``count`` one of ``backbone``,
    ``pe_arts`` (PE, music and art), ``qualified_primary``, ``qualified_junior``
    (teachers above the qualification of that part): ``indicator``, ``now`` (teachers
    counted now), ``keep`` (the fewest to keep).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [200], "pupils_junior": [0],
    ...                   "classes_primary": [6], "classes_junior": [0],
    ...                   "level": ["primary"]}, index=pd.Index(["A"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A", "A", "A"], "subject": ["pe", "art", "maths"],
    ...                   "backbone": ["county", "none", "province"]})
    >>> no_harm_lines(s, t)[["now", "keep"]].values.tolist()   # 2 per 100 needed
    [[2.0, 2.0], [2.0, 2.0]]
    """
    policy = _policy(policy)
    s = _schools(county)
    if teachers is None and not isinstance(county, pd.DataFrame):
        teachers = county.teachers
    columns = ["indicator", "now", "keep"]
    empty = pd.DataFrame(columns=columns, index=pd.MultiIndex.from_arrays(
        [[], []], names=["school_id", "count"]))
    if teachers is None:
        return empty
    values = school_indicators(s, teachers, policy)
    status = assess(values, policy)
    parts = _parts(s, policy)
    sid = parts.index.get_level_values("school_id")
    part = parts.index.get_level_values("part")
    counts = _teacher_counts(teachers, s.index, policy).reindex(sid)
    share = parts["teacher_share"].to_numpy(dtype=float)
    pupils = parts["pupils"].to_numpy(dtype=float)
    # a part failing the rule whatever its staff gains nothing from keeping them
    passing = status["rule"].isin(["met", "not_assessable"]).to_numpy()
    frames = []
    for key in STAFF_INDICATORS:
        st = status[f"{key}_status"].to_numpy()
        req = status[f"{key}_required"].to_numpy(dtype=float)
        line = np.select([st == "met", st == "near"], [req, policy.balance_near_share * req],
                         np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            # the status test of assess, solved for the count: count × 100 × share /
            # pupils ≥ line × (1 − tolerance)
            keep = np.ceil(line * (1 - _TOL) * pupils / (100.0 * share))
        count = [_COUNT_OF[(key, p)] for p in part]
        now = np.array([counts[c].iloc[i] for i, c in enumerate(count)], dtype=float)
        use = ~np.isnan(line) & (share > 0) & (keep > 0) & passing
        frames.append(pd.DataFrame({"school_id": np.asarray(sid, dtype=object)[use],
                                    "count": np.asarray(count, dtype=object)[use],
                                    "indicator": key, "now": now[use], "keep": keep[use]}))
    lines = pd.concat(frames, ignore_index=True)
    if lines.empty:
        return empty
    out = lines.groupby(["school_id", "count"], sort=False).agg(
        indicator=("indicator", "first"), now=("now", "first"), keep=("keep", "max"))
    return out[columns]


def school_indicators(county: County | pd.DataFrame, teachers: pd.DataFrame | None = None,
                      policy: Policy | None = None) -> pd.DataFrame:
    """The seven indicators of every evaluated school part.

    Parameters
    ----------
    county : a County (its teachers are used unless ``teachers`` is given) or a
        schools table (then pass ``teachers``).
    teachers : the teachers to count (e.g. after a plan's moves).
    policy : the ``balance_*`` fields and the nine-year staff split.

    Returns
    -------
    DataFrame indexed by (``school_id``, ``part``) with ``level``, ``pupils``,
    ``classes`` and one column per key of :data:`INDICATORS` (NaN: no data).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [200], "pupils_junior": [0],
    ...                   "classes_primary": [6], "classes_junior": [0],
    ...                   "level": ["primary"]}, index=pd.Index(["A"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A", "A"], "subject": ["pe", "maths"],
    ...                   "backbone": ["county", "none"], "education": ["bachelor", ""]})
    >>> school_indicators(s, t)[["backbone_per100", "pe_arts_per100"]].values.tolist()
    [[0.5, 0.5]]
    """
    policy = _policy(policy)
    s = _schools(county)
    if teachers is None and not isinstance(county, pd.DataFrame):
        teachers = county.teachers
    parts = _parts(s, policy)
    sid = parts.index.get_level_values("school_id")
    is_junior = parts.index.get_level_values("part") == "junior"
    counts = _teacher_counts(teachers, s.index, policy).reindex(sid)
    share = parts["teacher_share"].to_numpy()
    per100 = 100.0 * share / parts["pupils"].to_numpy()
    qualified = np.where(is_junior, counts["qualified_junior"], counts["qualified_primary"])
    out = parts[["level", "pupils", "classes"]].copy()
    out["qualified_per100"] = np.where(counts["education_unknown"].to_numpy() > 0, np.nan,
                                       qualified * per100)
    out["backbone_per100"] = counts["backbone"].to_numpy() * per100
    out["pe_arts_per100"] = counts["pe_arts"].to_numpy() * per100
    per_pupil = parts["resource_share"].to_numpy() / parts["pupils"].to_numpy()
    for key, (column, per) in FACILITY_COLUMNS.items():
        total = (s[column].reindex(sid).to_numpy(dtype=float) if column in s.columns
                 else np.full(len(parts), np.nan))
        out[key] = per * total * per_pupil
    return out


def assess(indicators: pd.DataFrame, policy: Policy | None = None) -> pd.DataFrame:
    """Each indicator's requirement and status, and the evaluation's rule per school part.

    Status: ``met`` (value ≥ requirement), ``near`` (≥ ``balance_near_share`` of it),
    ``short`` (below that) or ``missing`` (NaN). Rule: ``met`` when at least
    ``balance_indicators_required`` indicators are met and none is short; ``not_met``
    when one is short or too few could be met even if every missing one were;
    ``not_assessable`` otherwise (the verdict hangs on missing data).

    Returns
    -------
    DataFrame like ``indicators`` (same index) with ``<key>_required`` and
    ``<key>_status`` per indicator, ``met``, ``near``, ``short``, ``missing`` (counts)
    and ``rule``.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({k: [v] for k, v in zip(INDICATORS, [4.2, 1, 0.9, 4.5, 7.5, 2000,
    ...                                                        2.3 * 0.85])})
    >>> x["level"] = "primary"
    >>> x.index = pd.MultiIndex.from_tuples([("A", "primary")], names=["school_id", "part"])
    >>> assess(x)[["met", "near", "rule"]].values.tolist()
    [[6, 1, 'met']]
    """
    policy = _policy(policy)
    req = requirements(policy)
    part = indicators.index.get_level_values("part")
    out = pd.DataFrame(index=indicators.index)
    status = {}
    for key in INDICATORS:  # seven indicators, vectorised over schools
        r = req.loc[key].reindex(part).to_numpy()
        v = indicators[key].to_numpy(dtype=float)
        st = np.select([np.isnan(v), v >= r * (1 - _TOL),
                        v >= policy.balance_near_share * r * (1 - _TOL)],
                       ["missing", "met", "near"], "short")
        out[f"{key}_required"] = r
        out[f"{key}_status"] = st
        status[key] = st
    table = pd.DataFrame(status, index=indicators.index)
    for name in ("met", "near", "short", "missing"):
        out[name] = table.eq(name).sum(axis=1).astype(np.int64)
    need = policy.balance_indicators_required
    fails = (out["short"] > 0) | (out["met"] + out["missing"] < need)
    out["rule"] = np.select([fails, out["missing"] > 0], ["not_met", "not_assessable"], "met")
    return out


def music_art(county: County | pd.DataFrame, teachers: pd.DataFrame | None = None,
              policy: Policy | None = None) -> pd.DataFrame:
    """Music and art teachers per school against one of each per 12 classes (art. 6).

    A school with ``k`` classes (primary and junior together) needs ⌈k / 12⌉ music
    and ⌈k / 12⌉ art teachers (``Policy.balance_music_art_classes``): 12 classes need
    one of each, 13 need two. Schools as :func:`school_indicators` evaluates them.

    Returns
    -------
    DataFrame indexed by ``school_id``: ``classes``, ``needed``, ``music``, ``art``,
    ``ok`` (NaN counts and ``ok`` NaN without a teachers table).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [500, 540], "pupils_junior": [0, 0],
    ...                   "classes_primary": [12, 13], "classes_junior": [0, 0],
    ...                   "level": ["primary", "primary"]},
    ...                  index=pd.Index(["A", "B"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A", "A", "B", "B"],
    ...                   "subject": ["music", "art", "music", "art"],
    ...                   "backbone": "none"})
    >>> music_art(s, t)[["needed", "ok"]].values.tolist()
    [[1, True], [2, False]]
    """
    policy = _policy(policy)
    s = _schools(county)
    if teachers is None and not isinstance(county, pd.DataFrame):
        teachers = county.teachers
    ids = _parts(s, policy).index.get_level_values("school_id").unique()
    classes = (s["classes_primary"] + s["classes_junior"]).reindex(ids).astype(np.int64)
    per = policy.balance_music_art_classes
    needed = -(-classes // per)  # ⌈k / 12⌉ in integers
    out = pd.DataFrame({"classes": classes, "needed": needed})
    counts = _teacher_counts(teachers, s.index, policy).reindex(ids)
    out["music"] = counts["music"].to_numpy()
    out["art"] = counts["art"].to_numpy()
    ok = (out["music"] >= needed) & (out["art"] >= needed)
    out["ok"] = ok.astype(object).where(out["music"].notna(), np.nan)
    out.index.name = "school_id"
    return out


def staff_targets(county: County | pd.DataFrame, teachers: pd.DataFrame | None = None,
                  policy: Policy | None = None) -> pd.DataFrame:
    """What the plan can aim at per school: PE/arts, music and art teachers now and wanted.

    The model's 优质均衡 block (:mod:`staffing.model.balance`) reads these numbers and
    derives none itself. ``pe_arts_needed`` is the fewest PE, music and art teachers at
    which every evaluated part of the school reaches ``balance_pe_arts_per100``: a part
    counts ``teacher_share`` of the school's teachers (:func:`school_indicators`), so
    it needs ``balance_pe_arts_per100 × pupils / (100 × teacher_share)`` (not rounded:
    teachers are whole, the model's count is). ``music_art_needed`` is
    :func:`music_art`'s ⌈classes / 12⌉.

    Returns
    -------
    DataFrame indexed by ``school_id`` (evaluated schools): ``pe_arts``, ``music``,
    ``art`` (teachers in post now), ``pe_arts_needed``, ``music_art_needed``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [500], "pupils_junior": [0],
    ...                   "classes_primary": [13], "classes_junior": [0],
    ...                   "level": ["primary"]}, index=pd.Index(["A"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A"], "subject": ["music"], "backbone": "none"})
    >>> staff_targets(s, t).loc["A"].tolist()
    [1.0, 1.0, 0.0, 4.5, 2.0]
    """
    policy = _policy(policy)
    s = _schools(county)
    if teachers is None and not isinstance(county, pd.DataFrame):
        teachers = county.teachers
    parts = _parts(s, policy)
    share = parts["teacher_share"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        wanted = np.where(share > 0, policy.balance_pe_arts_per100
                          * parts["pupils"].to_numpy(dtype=float) / (100.0 * share), np.nan)
    pe_arts = pd.Series(wanted, index=parts.index.get_level_values("school_id")
                        ).groupby(level=0, sort=False).max()
    music = music_art(s, teachers, policy)
    counts = _teacher_counts(teachers, s.index, policy).reindex(music.index)
    out = pd.DataFrame({"pe_arts": counts["pe_arts"].astype(float),
                        "music": music["music"].astype(float),
                        "art": music["art"].astype(float),
                        "pe_arts_needed": pe_arts.reindex(music.index).astype(float),
                        "music_art_needed": music["needed"].astype(float)}, index=music.index)
    out.index.name = "school_id"
    return out


def school_balance(county: County | pd.DataFrame, teachers: pd.DataFrame | None = None,
                   policy: Policy | None = None) -> pd.DataFrame:
    """Indicators, their status and the rule per school part, with the staffing items of
    the government-guarantee part (average class size, school size, music/art teachers).

    Returns
    -------
    DataFrame indexed by (``school_id``, ``part``): the columns of
    :func:`school_indicators` and :func:`assess`, then ``class_size`` (pupils ÷ classes
    of the part) and ``class_size_ok`` (≤ ``Policy.primary_class_size_max`` /
    ``junior_class_size_max``), ``school_size_ok`` (whole school ≤
    ``balance_school_size_max``, nine-year ``balance_school_size_max_nine_year``),
    ``music_art_ok`` (:func:`music_art`).

    Examples
    --------
    >>> import staffing as st
    >>> t = school_balance(st.synth.county(seed=1, n_schools=12))
    >>> t.index.names
    FrozenList(['school_id', 'part'])
    """
    policy = _policy(policy)
    s = _schools(county)
    if teachers is None and not isinstance(county, pd.DataFrame):
        teachers = county.teachers
    values = school_indicators(s, teachers, policy)
    out = values.join(assess(values, policy))
    sid = out.index.get_level_values("school_id")
    part = out.index.get_level_values("part")
    classes = out["classes"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(classes > 0, out["pupils"].to_numpy() / classes, np.nan)
    cap = np.where(part == "junior", policy.junior_class_size_max, policy.primary_class_size_max)
    out["class_size"] = size
    out["class_size_ok"] = pd.Series(size <= cap, index=out.index).where(~np.isnan(size))
    pupils = (s["pupils_primary"] + s["pupils_junior"]).reindex(sid).to_numpy()
    school_cap = np.where(s["level"].reindex(sid).eq("nine_year").to_numpy(),
                          policy.balance_school_size_max_nine_year,
                          policy.balance_school_size_max)
    out["school_size_ok"] = pupils <= school_cap
    out["music_art_ok"] = music_art(s, teachers, policy)["ok"].reindex(sid).to_numpy()
    return out


def county_cv(table: pd.DataFrame, policy: Policy | None = None) -> pd.DataFrame:
    """The between-school 差异系数 of every indicator, per level, the evaluation's way.

    Pupil-weighted over the school parts of the level with data: X̄ = Σpᵢxᵢ / Σpᵢ,
    S = √(Σpᵢ(xᵢ − X̄)² / Σpᵢ), CV = S / X̄
    (:func:`staffing.metrics.coefficient_of_variation` with ``weights``), against
    ``balance_cv_max_primary`` (0.50) and ``balance_cv_max_junior`` (0.45).

    Parameters
    ----------
    table : from :func:`school_indicators` or :func:`school_balance`.

    Returns
    -------
    DataFrame indexed by (``part``, ``indicator``): ``mean`` (pupil-weighted),
    ``cv``, ``cv_max``, ``ok`` (NaN when the CV cannot be computed), ``schools``,
    ``schools_with_data``.

    Examples
    --------
    >>> import staffing as st
    >>> cv = county_cv(school_indicators(st.synth.county(seed=1, n_schools=20,
    ...                                               balance_data=False)))
    >>> int(cv.loc[("primary", "equipment"), "schools_with_data"])
    0
    """
    policy = _policy(policy)
    limit = {"primary": policy.balance_cv_max_primary, "junior": policy.balance_cv_max_junior}
    part = table.index.get_level_values("part")
    rows = []
    for level in PARTS:  # 2 levels × 7 indicators
        sel = table[part == level]
        w = sel["pupils"].to_numpy(dtype=float)
        for key in INDICATORS:
            x = sel[key].to_numpy(dtype=float)
            has = ~np.isnan(x)
            cv = (coefficient_of_variation(x[has], weights=w[has]) if has.any()
                  else float("nan"))
            mean = float((w[has] * x[has]).sum() / w[has].sum()) if w[has].sum() > 0 else np.nan
            rows.append({"part": level, "indicator": key, "mean": mean, "cv": cv,
                         "cv_max": limit[level],
                         "ok": (cv <= limit[level] + _TOL) if not np.isnan(cv) else np.nan,
                         "schools": int(len(sel)), "schools_with_data": int(has.sum())})
    return pd.DataFrame(rows).set_index(["part", "indicator"])


def exchange_shares(moves: pd.DataFrame, eligible: int | None, policy: Policy | None = None
                    ) -> tuple[float, float, int, int]:
    """Teachers exchanged as a share of those eligible to rotate, and the backbone share
    of those exchanged (art. 6: ≥ 10% and ≥ 20%).

    Exchanged teachers are the distinct ``teacher_id`` of ``moves`` whose ``kind`` is
    in ``Policy.balance_exchange_kinds``; ``backbone`` (bool) marks backbone teachers.

    Returns
    -------
    (exchange share, backbone share, exchanged, eligible); a share is NaN when its
    denominator is 0 or ``eligible`` is None.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"teacher_id": ["T1", "T2", "T3"], "backbone": [True, False, False],
    ...                   "kind": ["rotation", "support", "itinerant"]})
    >>> exchange_shares(m, 20)
    (0.1, 0.5, 2, 20)
    """
    policy = _policy(policy)
    if moves is None or not len(moves):
        exchanged = moves.iloc[:0] if moves is not None else pd.DataFrame()
    else:
        exchanged = moves[moves["kind"].astype(object).isin(policy.balance_exchange_kinds)
                          .to_numpy()]
    n = int(exchanged["teacher_id"].nunique()) if len(exchanged) else 0
    backbone = (int(exchanged.drop_duplicates("teacher_id")["backbone"].astype(bool).sum())
                if n else 0)
    share = n / eligible if eligible else float("nan")
    return share, (backbone / n if n else float("nan")), n, int(eligible or 0)


def _eligible(plan: Plan) -> int | None:
    """Teachers eligible to rotate, as the plan's model counted them (None if unknown)."""
    model = plan.model
    table = getattr(getattr(model, "inputs", None), "eligibility", None)
    if table is None or "eligible" not in table:
        return None
    return int(table["eligible"].astype(bool).sum())


def apply_hires(teachers: pd.DataFrame, hires: pd.DataFrame | None) -> pd.DataFrame:
    """The teachers table with one row per hire added at the school she is hired for.

    Each row of ``hires`` (``school_id``, ``subject``, ``count``, and ``year`` if
    known) becomes ``count`` teachers with ``teacher_id`` ``H<year>-<school>-<subject>-<n>``,
    ``backbone`` ``"none"`` (a recruit is no backbone teacher), ``education`` blank and
    ``hired`` True: :func:`school_indicators` counts her for PE/arts and music/art by
    subject and as not above the qualification (her degree is not known yet).

    Parameters
    ----------
    teachers : indexed by ``teacher_id`` (as in a County) or with a ``teacher_id``
        column, and ``school_id``, ``subject``.
    hires : e.g. ``plan.hires``; None or empty adds nobody.

    Returns
    -------
    A new table (``teachers`` is not modified) with a ``hired`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"school_id": ["A"], "subject": ["maths"], "backbone": ["county"]},
    ...                  index=pd.Index(["T1"], name="teacher_id"))
    >>> h = pd.DataFrame({"school_id": ["B"], "subject": ["music"], "year": [2027],
    ...                   "count": [2]})
    >>> apply_hires(t, h)[["school_id", "subject", "backbone", "hired"]].values.tolist()
    [['A', 'maths', 'county', False], ['B', 'music', 'none', True], ['B', 'music', 'none', True]]
    """
    out = teachers.copy()
    out["hired"] = False
    if hires is None or not len(hires) or int(hires["count"].sum()) == 0:
        return out
    h = hires[hires["count"].astype(np.int64) > 0]
    rows = h.loc[h.index.repeat(h["count"].astype(np.int64))]
    year = rows["year"].astype(str) if "year" in rows.columns else pd.Series("", index=rows.index)
    key = year + "-" + rows["school_id"].astype(str) + "-" + rows["subject"].astype(str)
    seq = key.groupby(key.to_numpy(), sort=False).cumcount() + 1
    ids = ("H" + key + "-" + seq.astype(str)).to_numpy()
    new = pd.DataFrame({"school_id": rows["school_id"].astype(object).to_numpy(),
                        "subject": rows["subject"].astype(object).to_numpy(),
                        "backbone": "none", "hired": True})
    if "education" in out.columns:
        new["education"] = None
    if "teacher_id" in out.columns:
        new.insert(0, "teacher_id", ids)
    else:
        new.index = pd.Index(ids, name=out.index.name)
    return pd.concat([out, new], ignore_index="teacher_id" in out.columns)


def teachers_after(plan: Plan) -> pd.DataFrame | None:
    """The teachers the 优质均衡 after-figures count: the county's teachers with the
    plan's moves made (:func:`staffing.metrics.apply_moves`) and its hires added
    (:func:`apply_hires`); None without a teachers table. One home for
    :func:`plan_balance`, :func:`balance_metrics` and the prefecture roll-up."""
    teachers = plan.county.teachers
    if teachers is None:
        return None
    return apply_hires(apply_moves(teachers, plan.moves), plan.hires)


#: Plans inside :func:`balance_once`, by identity: their ``plan_balance`` once known.
_ONCE: dict[int, pd.DataFrame | None] = {}


@contextlib.contextmanager
def balance_once(plan: Plan) -> Iterator[None]:
    """Within the block, :func:`plan_balance` of ``plan`` is computed once: for a report
    that reads it several times (the workbook's balance sheet, explain and metrics).
    Outside any such block every call computes afresh, so a plan whose tables a user
    changes is never answered from a stale copy."""
    key = id(plan)
    outer = key in _ONCE
    _ONCE.setdefault(key, None)
    try:
        yield
    finally:
        if not outer:
            _ONCE.pop(key, None)


def plan_balance(plan: Plan) -> pd.DataFrame:
    """Every evaluated school part before and after a plan (``plan.balance``).

    Returns
    -------
    DataFrame indexed by (``school_id``, ``part``): ``name``, ``level``, ``pupils``;
    per indicator ``<key>_required``, ``<key>_before``, ``<key>_after``,
    ``<key>_status_before``, ``<key>_status_after``; ``met_before``, ``met_after``,
    ``missing``, ``rule_before``, ``rule_after``; ``class_size``, ``class_size_ok``,
    ``school_size_ok``, ``music_art_ok_before``, ``music_art_ok_after``. Facilities do
    not move with a plan; only the staff indicators and music/art can change. After:
    the moves made and the hires added (:func:`teachers_after`), against this year's
    pupils.
    """
    key = id(plan)
    kept = _ONCE.get(key)
    if kept is not None:
        return kept.copy()
    out = _plan_balance(plan)
    if key in _ONCE:
        _ONCE[key] = out.copy()
    return out


def _plan_balance(plan: Plan) -> pd.DataFrame:
    county, policy = plan.county, plan.policy
    before = school_balance(county, county.teachers, policy)
    after = school_balance(county, teachers_after(plan), policy)
    sid = before.index.get_level_values("school_id")
    out = pd.DataFrame({"name": county.schools["name"].reindex(sid).to_numpy(),
                        "level": before["level"], "pupils": before["pupils"]},
                       index=before.index)
    for key in INDICATORS:
        out[f"{key}_required"] = before[f"{key}_required"]
        out[f"{key}_before"] = before[key]
        out[f"{key}_after"] = after[key]
        out[f"{key}_status_before"] = before[f"{key}_status"]
        out[f"{key}_status_after"] = after[f"{key}_status"]
    out["met_before"], out["met_after"] = before["met"], after["met"]
    out["missing"] = after["missing"]
    out["rule_before"], out["rule_after"] = before["rule"], after["rule"]
    for col in ("class_size", "class_size_ok", "school_size_ok"):
        out[col] = before[col]
    out["music_art_ok_before"] = before["music_art_ok"]
    out["music_art_ok_after"] = after["music_art_ok"]
    return out


#: County figure key → (English, Chinese); ``cv_<indicator>_<part>`` keys are built.
METRIC_TEXT: dict[str, tuple[str, str]] = {
    "schools_{part}": ("Balance evaluation: {Part} schools evaluated", "优质均衡:参评{part}学校数"),
    "met_{part}": ("Balance evaluation: {Part} schools meeting the rule (6 of 7, rest ≥ 85%)",
                   "优质均衡:{part}达标学校数(7项中6项达标、余项≥85%)"),
    "not_assessable_{part}": ("Balance evaluation: {Part} schools not assessable (data missing)",
                              "优质均衡:{part}无法评估学校数(缺数据)"),
    "cv_over_{part}": ("Balance evaluation: {Part} indicators with 差异系数 above the limit",
                       "优质均衡:{part}差异系数超标指标数"),
    "cv_{key}_{part}": ("Between-school CV (差异系数), {part}: {label}", "{part}差异系数:{label}"),
    "music_art_short": ("Schools short of a music and an art teacher per 12 classes",
                        "每12个班音乐、美术专任教师未各配1人的学校数"),
    "class_size_over": ("School parts with average class size above 45 / 50",
                        "平均班额超过45/50人的学校(学段)数"),
    "school_size_over": ("Schools above 2,000 pupils (2,500 nine-year)",
                         "规模超过2000人(九年一贯制2500人)的学校数"),
    "exchange_share": ("Teachers exchanged, share of those eligible (≥ 10%)",
                       "交流轮岗教师占符合交流条件教师比例(≥10%)"),
    "exchange_backbone_share": ("Backbone teachers, share of those exchanged (≥ 20%)",
                                "骨干教师占交流轮岗教师比例(≥20%)"),
}

_PART_ZH = {"primary": "小学", "junior": "初中"}


def _metric_text(template: str, lang: str, part: str = "", key: str = "") -> str:
    en, zh = METRIC_TEXT[template]
    if lang == "zh":
        return zh.format(part=_PART_ZH.get(part, ""), label=INDICATORS.get(key, ("", ""))[1])
    return en.format(part=part, Part=part.capitalize(),
                     label=INDICATORS.get(key, ("", ""))[0])


def _county_figures(table: pd.DataFrame, policy: Policy, lang: str) -> list[tuple]:
    rows = []
    part = table.index.get_level_values("part")
    cv = county_cv(table, policy)
    for level in PARTS:
        sel = table[part == level]
        rows += [(f"balance_schools_{level}", _metric_text("schools_{part}", lang, level),
                  float(len(sel))),
                 (f"balance_met_{level}", _metric_text("met_{part}", lang, level),
                  float((sel["rule"] == "met").sum())),
                 (f"balance_not_assessable_{level}",
                  _metric_text("not_assessable_{part}", lang, level),
                  float((sel["rule"] == "not_assessable").sum()))]
        ok = cv.loc[level, "ok"].dropna()
        rows.append((f"balance_cv_over_{level}", _metric_text("cv_over_{part}", lang, level),
                     float((~ok.astype(bool)).sum()) if len(ok) else float("nan")))
        for key in INDICATORS:
            rows.append((f"balance_cv_{key}_{level}",
                         _metric_text("cv_{key}_{part}", lang, level, key),
                         float(cv.loc[(level, key), "cv"])))
    school = table.groupby(level=0, sort=False).first()
    music = school["music_art_ok"]
    rows += [("balance_music_art_short", _metric_text("music_art_short", lang),
              float((music.dropna() == False).sum()) if music.notna().any()  # noqa: E712
              else float("nan")),
             ("balance_class_size_over", _metric_text("class_size_over", lang),
              float((table["class_size_ok"].dropna() == False).sum())),  # noqa: E712
             ("balance_school_size_over", _metric_text("school_size_over", lang),
              float((~school["school_size_ok"].astype(bool)).sum()))]
    return rows


def balance_metrics(plan: Plan, lang: str = "en") -> pd.DataFrame:
    """The county's 优质均衡 figures before and after a plan, as rows of ``plan.metrics``.

    Schools meeting the rule and not assessable, per level; the 差异系数 of each
    indicator per level and how many exceed the limit; schools short of music/art
    teachers, school parts above the class-size limit, schools above the size limit;
    the exchange share and its backbone share achieved by the plan (NaN before).

    Returns
    -------
    DataFrame indexed by ``key`` with columns ``metric``, ``before``, ``after``.
    """
    lang = check_lang(lang)
    county, policy = plan.county, plan.policy
    before = _county_figures(school_balance(county, county.teachers, policy), policy, lang)
    after = _county_figures(school_balance(county, teachers_after(plan), policy), policy, lang)
    share, backbone, _, _ = exchange_shares(plan.moves, _eligible(plan), policy)
    extra = [("balance_exchange_share", _metric_text("exchange_share", lang), np.nan, share),
             ("balance_exchange_backbone_share", _metric_text("exchange_backbone_share", lang),
              np.nan, backbone)]
    rows = [(k, m, b, a[2]) for (k, m, b), a in zip(before, after, strict=True)] + extra
    out = pd.DataFrame(rows, columns=["key", "metric", "before", "after"]).set_index("key")
    out[["before", "after"]] = out[["before", "after"]].astype(float)
    return out


#: Column headers of :func:`balance_table` that are not built from an indicator.
_HEADERS: dict[str, tuple[str, str]] = {
    "school_id": ("School ID", "学校代码"), "part": ("Part", "学段"),
    "name": ("School", "学校名称"), "level": ("Level", "办学类型"),
    "pupils": ("Pupils", "学生数"),
    "met_before": ("Indicators met before", "调整前达标指标数"),
    "met_after": ("Indicators met after", "调整后达标指标数"),
    "missing": ("Indicators without data", "缺数据指标数"),
    "rule_before": ("Rule before", "调整前评估结论"),
    "rule_after": ("Rule after", "调整后评估结论"),
    "class_size": ("Average class size", "平均班额"),
    "class_size_ok": ("Class size within 45 / 50", "班额不超过45/50人"),
    "school_size_ok": ("School size within limit", "学校规模不超标"),
    "music_art_ok_before": ("Music and art per 12 classes, before",
                            "调整前每12班音乐美术教师各1人"),
    "music_art_ok_after": ("Music and art per 12 classes, after",
                           "调整后每12班音乐美术教师各1人"),
}
_SUFFIX: dict[str, tuple[str, str]] = {
    "required": ("requirement", "要求"), "before": ("before", "调整前"),
    "after": ("after", "调整后"), "status_before": ("status before", "调整前状态"),
    "status_after": ("status after", "调整后状态"),
}


def balance_table(plan: Plan, lang: str = "en") -> pd.DataFrame:
    """``plan.balance`` for a report: one row per school part, headers, statuses and
    verdicts in ``lang`` (the workbook's 优质均衡 sheet).

    Returns
    -------
    DataFrame with a plain index.
    """
    i = ("en", "zh").index(check_lang(lang))
    table = plan_balance(plan).reset_index()
    words = {k: v[i] for k, v in {**STATUS_LABELS, **RULE_LABELS}.items()}
    status_cols = [c for c in table.columns if "_status_" in c or c.startswith("rule_")]
    for c in status_cols:
        table[c] = table[c].map(words)
    part_words = {"primary": ("primary", "小学"), "junior": ("junior", "初中")}
    table["part"] = table["part"].map({k: v[i] for k, v in part_words.items()})
    if i == 1:
        table["level"] = table["level"].map(LEVELS).fillna(table["level"])
        for c in ("class_size_ok", "school_size_ok", "music_art_ok_before",
                  "music_art_ok_after"):  # yes/no in Chinese; blank where unknown
            table[c] = table[c].map({True: "是", False: "否"})
    headers = {c: v[i] for c, v in _HEADERS.items()}
    for key, names in INDICATORS.items():
        for suffix, words_ in _SUFFIX.items():
            headers[f"{key}_{suffix}"] = (f"{names[i]}, {words_[i]}" if i == 0
                                          else f"{names[i]}({words_[i]})")
    return table.rename(columns=headers)
