"""Equity and coverage metrics of teacher allocation, for any county and any plan.

The figures of ``POLICY.md`` part C, computed with pandas/numpy:

* **consistency** — the degree of randomness in teacher allocation (UNESCO IIEP /
  Pôle de Dakar): 1 − R² of teachers regressed on pupils across schools
  (:func:`allocation_randomness`);
* **spread** — coefficient of variation and Gini of school pupil–teacher ratios
  (:func:`coefficient_of_variation`, :func:`gini`, :func:`pupil_teacher_ratios`), the
  share of schools at or above their norm (:func:`share_at_or_above_norm`) and the
  class size the average pupil sits in (:func:`experienced_class_size`);
* **coverage** — schools with a qualified teacher of each urgent-need subject
  (:func:`urgent_subject_coverage`), backbone teachers per 100 pupils
  (:func:`backbone_per_100_pupils`), PE and arts teachers per 100 pupils
  (:func:`pe_arts_per_100_pupils`; the 优质均衡 indicators of 教督〔2017〕6号), and the
  share of teachers who are backbone teachers at prefecture level or above against
  Chuxiong measure 14's target (:func:`prefecture_backbone_share`,
  ``Policy.backbone_share_target``).

**One signature style** (like PyPSA's statistics): the building blocks take plain
arrays or Series first and return a float; the table-level functions take the
county's tables — a :class:`~staffing.County` or its ``schools`` DataFrame, and a
``teachers`` DataFrame — and return a float or a Series; options are keyword-only.
:func:`county_metrics` gathers the headline figures of one county as a Series,
:func:`plan_metrics` the same figures before and after a plan. Every figure has an
English and a Chinese label in :data:`METRIC_LABELS` (:func:`metric_label`).

**Whose teachers count.** Staff counts (``staff_in_post``) come from the schools
table. Teacher-level figures (coverage, backbone) count teachers in the teachers
table whose ``status`` is not ``leaving`` — the convention of
:func:`staffing.needs.teachers_by_subject` and of ``plan.coverage`` — so before and
after a plan they differ only by the moves.

Examples
--------
>>> import staffing as st
>>> from staffing.metrics import county_metrics, gini
>>> gini([0, 0, 0, 1])
0.75
>>> m = county_metrics(st.synth.county(seed=1, n_schools=20))
>>> bool(0.0 <= m["randomness_primary"] <= 1.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.i18n import check_lang, label
from staffing.staff import (
    COUNTED_BACKBONE_LEVELS,
    PREFECTURE_BACKBONE_LEVELS,
    in_post,
    is_backbone,
    level_staff,
    moves_by_school,
    urgent_cover,
)
from staffing.vocab import SUBJECTS, VISIT_KINDS

if TYPE_CHECKING:
    from staffing.data.county import County
    from staffing.plan import Plan
    from staffing.policy import Policy

__all__ = [
    "METRIC_LABELS",
    "BACKBONE_LEVELS",
    "PREFECTURE_BACKBONE_LEVELS",
    "metric_label",
    "gini",
    "coefficient_of_variation",
    "allocation_randomness",
    "experienced_class_size",
    "share_at_or_above_norm",
    "pupil_teacher_ratios",
    "urgent_subject_coverage",
    "backbone_per_100_pupils",
    "prefecture_backbone_share",
    "pe_arts_per_100_pupils",
    "apply_moves",
    "cluster_metrics",
    "staff_after_plan",
    "county_metrics",
    "plan_metrics",
]

#: Backbone levels counted as "county level or above" (教督〔2017〕6号); the rule lives in
#: :mod:`staffing.staff` (:data:`~staffing.staff.COUNTED_BACKBONE_LEVELS`).
BACKBONE_LEVELS: tuple[str, ...] = COUNTED_BACKBONE_LEVELS

#: Subjects of the "PE and arts teachers per 100 pupils" indicator (教督〔2017〕6号).
PE_ARTS_SUBJECTS: tuple[str, ...] = ("pe", "music", "art")

#: Metric key → (English, Chinese) label, in the order :func:`county_metrics` lists
#: them. ``urgent_coverage_<subject>`` keys are labelled by :func:`metric_label`.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "schools": ("Schools", "学校数"),
    "pupils": ("Pupils", "在校生数"),
    "staff": ("Staff in post", "在编在岗人数"),
    "quota": ("Quota assigned to schools", "学校编制合计"),
    "ptr_primary": ("Pupil–teacher ratio, primary", "小学生师比"),
    "ptr_junior": ("Pupil–teacher ratio, junior secondary", "初中生师比"),
    "ptr_cv_primary": ("Between-school CV of pupil–teacher ratios, primary",
                       "小学校际生师比差异系数"),
    "ptr_cv_junior": ("Between-school CV of pupil–teacher ratios, junior",
                      "初中校际生师比差异系数"),
    "ptr_gini_primary": ("Gini of school pupil–teacher ratios, primary", "小学生师比基尼系数"),
    "ptr_gini_junior": ("Gini of school pupil–teacher ratios, junior", "初中生师比基尼系数"),
    "randomness_primary": ("Randomness of teacher allocation (1 − R²), primary",
                           "小学教师配置随机度(1−R²)"),
    "randomness_junior": ("Randomness of teacher allocation (1 − R²), junior",
                          "初中教师配置随机度(1−R²)"),
    "experienced_class_size_primary": ("Class size experienced by pupils, primary",
                                       "学生平均所在班额(小学)"),
    "experienced_class_size_junior": ("Class size experienced by pupils, junior",
                                      "学生平均所在班额(初中)"),
    "schools_without_staff": ("Schools with pupils but no staff", "有学生无教师的学校"),
    "staff_to_norm_cv": ("Between-school CV of staff ÷ norm", "校际在岗人数与编制标准之比差异系数"),
    "share_staff_at_or_above_norm": ("Schools with staff at or above norm",
                                     "在岗人数达到编制标准的学校占比"),
    "share_rural_staff_at_or_above_norm": ("Rural schools with staff at or above norm",
                                           "在岗人数达到编制标准的乡村学校占比"),
    "share_quota_at_or_above_norm": ("Schools with quota at or above norm",
                                     "编制达到标准的学校占比"),
    "share_rural_quota_at_or_above_norm": ("Rural schools with quota at or above norm",
                                           "编制达到标准的乡村学校占比"),
    "backbone_per_100_pupils": ("Backbone teachers (county level +) per 100 pupils",
                                "每百名学生县级及以上骨干教师数"),
    "backbone_share_prefecture": ("Backbone teachers at prefecture level +, share of teachers",
                                  "州级及以上骨干教师占教师比例"),
    "backbone_short_of_target": ("Prefecture-level backbone teachers short of the target share",
                                 "州级及以上骨干教师距目标比例缺口(人)"),
    "backbone_share_target": ("Prefecture-level backbone share, target (≥; measure 14, "
                              "reported, not planned)",
                              "州级及以上骨干教师占比目标(≥;第14条,只报告、不规划)"),
    "pe_arts_per_100_pupils": ("PE and arts teachers per 100 pupils",
                               "每百名学生体育、艺术专任教师数"),
    "urgent_coverage": ("Schools with a teacher of each urgent subject (mean share)",
                        "紧缺学科有教师的学校占比(平均)"),
}


#: English subject names where the code is not the name.
_SUBJECT_EN: dict[str, str] = {"english": "English", "chinese": "Chinese", "pe": "PE",
                               "it": "IT", "maths": "maths", "morality_law": "morality & law"}


def metric_label(key: str, lang: str = "en") -> str:
    """The label of a metric key in ``lang`` (``"en"`` or ``"zh"``).

    Examples
    --------
    >>> metric_label("ptr_primary", "zh")
    '小学生师比'
    >>> metric_label("urgent_coverage_music")
    'Schools with a music teacher'
    """
    i = ("en", "zh").index(check_lang(lang))
    if key in METRIC_LABELS:
        return METRIC_LABELS[key][i]
    if key.startswith("urgent_coverage_"):
        subject = key.removeprefix("urgent_coverage_")
        if i == 0:
            name = _SUBJECT_EN.get(subject, subject.replace("_", " "))
            return f"Schools with a{'n' if name[:1] in 'aeiouAEI' else ''} {name} teacher"
        return f"有{SUBJECTS.get(subject, subject)}教师的学校占比"
    return label(key, lang)


# ---------------------------------------------------------------------------------------
# Building blocks: arrays in, a float out


def _finite(values: Any) -> np.ndarray:
    """A float array without NaN; ±inf raises (a ratio with a zero denominator)."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if np.isinf(x).any():
        raise ValueError("values must be finite (drop schools without staff first)")
    return x


def gini(values: Iterable[float] | np.ndarray | pd.Series) -> float:
    """Gini coefficient of non-negative values (population form; NaN ignored).

    G = Σᵢ (2i − n − 1) xᵢ / (n Σ x) over the values sorted ascending, i = 1…n: 0 when
    all values are equal, (n − 1)/n when one value holds everything.

    Parameters
    ----------
    values : non-negative numbers, e.g. the pupil–teacher ratios of the schools.

    Returns
    -------
    float in [0, 1); NaN for no values, 0 when all are 0.

    Examples
    --------
    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 1])
    (0.0, 0.75)
    """
    x = _finite(values)
    if x.size == 0:
        return float("nan")
    if (x < 0).any():
        raise ValueError("gini needs non-negative values")
    total = x.sum()
    if total == 0:
        return 0.0
    x = np.sort(x)
    n = x.size
    rank = np.arange(1, n + 1)
    return float(((2 * rank - n - 1) * x).sum() / (n * total))


def coefficient_of_variation(values: Iterable[float] | np.ndarray | pd.Series, *,
                             weights: Iterable[float] | np.ndarray | pd.Series | None = None
                             ) -> float:
    """Coefficient of variation: standard deviation ÷ mean (population form, ddof 0).

    With ``weights`` the mean and deviation are weighted, as in the between-school
    coefficient of variation of 教督〔2017〕6号 (weights = pupils per school): S / X̄ with
    X̄ = Σ wᵢxᵢ / Σ wᵢ and S = √(Σ wᵢ(xᵢ − X̄)² / Σ wᵢ). NaN values (and their weights)
    are ignored.

    Examples
    --------
    >>> coefficient_of_variation([2, 4, 4, 4, 5, 5, 7, 9])
    0.4
    >>> round(coefficient_of_variation([10, 20], weights=[3, 1]), 4)
    0.3464
    """
    x = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != x.shape:
        raise ValueError("weights must have one value per value")
    keep = ~(np.isnan(x) | np.isnan(w))
    x, w = _finite(x[keep]), w[keep]
    if x.size == 0 or w.sum() <= 0:
        return float("nan")
    mean = float((w * x).sum() / w.sum())
    if mean == 0:
        return float("nan")
    std = float(np.sqrt((w * (x - mean) ** 2).sum() / w.sum()))
    return std / mean


def allocation_randomness(pupils: Iterable[float] | np.ndarray | pd.Series,
                          teachers: Iterable[float] | np.ndarray | pd.Series) -> float:
    """Degree of randomness in teacher allocation: 1 − R² of teachers on pupils.

    The UNESCO IIEP / Pôle de Dakar indicator: regress each school's teachers on its
    pupils by ordinary least squares with an intercept, across schools. R² is the
    share of the variation in teachers that enrolment explains; 1 − R² is the share
    allocated "at random". 0 is perfectly consistent (teachers a linear function of
    pupils); country reviews find 0.1–0.5 common.

    Parameters
    ----------
    pupils, teachers : one value per school (pairs with a NaN are dropped).

    Returns
    -------
    float in [0, 1]; NaN with fewer than 3 schools or when pupils or teachers do not
    vary (the regression says nothing then).

    Examples
    --------
    >>> allocation_randomness([100, 200, 300], [5, 10, 15])
    0.0
    >>> round(allocation_randomness([100, 200, 300, 400], [6, 9, 16, 15]), 4)
    0.1623
    """
    p = np.asarray(pupils, dtype=float).ravel()
    t = np.asarray(teachers, dtype=float).ravel()
    if p.shape != t.shape:
        raise ValueError("pupils and teachers need one value per school each")
    keep = ~(np.isnan(p) | np.isnan(t))
    p, t = p[keep], t[keep]
    if p.size < 3:
        return float("nan")
    dp, dt = p - p.mean(), t - t.mean()
    spp, stt = float(dp @ dp), float(dt @ dt)
    if spp == 0 or stt == 0:
        return float("nan")
    r2 = float(dp @ dt) ** 2 / (spp * stt)  # simple OLS with intercept: R² = corr²
    return float(np.clip(round(1.0 - r2, 12), 0.0, 1.0))


def experienced_class_size(pupils: Iterable[float] | np.ndarray | pd.Series,
                           classes: Iterable[float] | np.ndarray | pd.Series) -> float:
    """The class size the average pupil sits in: Σ n² / k ÷ Σ n over classes.

    With only school totals, every class of school i is taken to have the school's
    average size nᵢ = pupilsᵢ / classesᵢ, weighted by its classesᵢ: Σ classesᵢ nᵢ² ÷
    Σ classesᵢ nᵢ = Σ pupilsᵢ² / classesᵢ ÷ Σ pupilsᵢ. It is at least the mean class
    size Σ pupils / Σ classes and exceeds it the more class sizes differ (large
    urban classes weigh more, because more pupils sit in them). Schools without
    classes or pupils are left out.

    Examples
    --------
    >>> experienced_class_size([90, 10], [2, 1])   # classes of 45, 45 and 10
    41.5
    """
    p = np.asarray(pupils, dtype=float).ravel()
    k = np.asarray(classes, dtype=float).ravel()
    if p.shape != k.shape:
        raise ValueError("pupils and classes need one value per school each")
    keep = (k > 0) & (p > 0)
    p, k = p[keep], k[keep]
    if p.size == 0:
        return float("nan")
    return float((p * p / k).sum() / p.sum())


def share_at_or_above_norm(staff_or_quota: pd.Series | np.ndarray,
                           norm: pd.Series | np.ndarray,
                           mask: pd.Series | np.ndarray | None = None) -> float:
    """Share of schools whose staff (or quota) is at least their norm.

    Parameters
    ----------
    staff_or_quota, norm : one value per school; Series are aligned on their index.
    mask : optional boolean selection of schools (e.g. rural ones).

    Returns
    -------
    float in [0, 1]; NaN when no school is selected.

    Examples
    --------
    >>> share_at_or_above_norm([10, 8, 5, 7], [9, 8, 6, 7])
    0.75
    >>> share_at_or_above_norm([10, 8, 5, 7], [9, 8, 6, 7], mask=[False, False, True, True])
    0.5
    """
    value = staff_or_quota
    if isinstance(value, pd.Series) and isinstance(norm, pd.Series):
        norm = norm.reindex(value.index)
    v = np.asarray(value, dtype=float).ravel()
    n = np.asarray(norm, dtype=float).ravel()
    if v.shape != n.shape:
        raise ValueError("staff_or_quota and norm need one value per school each")
    selected = np.ones(v.shape, dtype=bool)
    if mask is not None:
        if isinstance(mask, pd.Series) and isinstance(value, pd.Series):
            mask = mask.reindex(value.index, fill_value=False)
        selected = np.array(mask, dtype=bool).ravel()
    selected = selected & ~np.isnan(n)
    if not selected.any():
        return float("nan")
    return float((v[selected] >= n[selected]).mean())


# ---------------------------------------------------------------------------------------
# Table-level functions: a county's tables in, a float or a Series out


def _schools(county: County | pd.DataFrame) -> pd.DataFrame:
    """The schools table of a County, or the DataFrame itself."""
    return county if isinstance(county, pd.DataFrame) else county.schools


def _policy(policy: Policy | None) -> Policy:
    from staffing.policy import Policy

    return policy or Policy()


def _level_parts(schools: pd.DataFrame, staff: pd.Series, policy: Policy) -> pd.DataFrame:
    """Pupils and staff of each school's primary and junior parts.

    Staff are split between the parts by :func:`staffing.staff.level_staff`.
    """
    split = level_staff(schools, staff, policy)
    return pd.DataFrame({
        "pupils_primary": schools["pupils_primary"].to_numpy(dtype=float),
        "pupils_junior": schools["pupils_junior"].to_numpy(dtype=float),
        "classes_primary": schools["classes_primary"].to_numpy(dtype=float),
        "classes_junior": schools["classes_junior"].to_numpy(dtype=float),
        "staff_primary": split["staff_primary"].to_numpy(),
        "staff_junior": split["staff_junior"].to_numpy(),
    }, index=schools.index)


def _ratio(num: np.ndarray | pd.Series, den: np.ndarray | pd.Series) -> np.ndarray:
    """num / den: NaN where num is 0 (no pupils), inf where only den is 0 (no staff)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(num > 0, out, np.nan)


def pupil_teacher_ratios(county: County | pd.DataFrame, staff: pd.Series | None = None, *,
                         policy: Policy | None = None, by: str = "level"
                         ) -> pd.Series | pd.DataFrame:
    """Pupils per staff member, by level (county totals) or by school.

    Primary PTR = primary pupils ÷ primary-level staff, junior likewise; teaching
    points count as primary. **A nine-year school's staff are split between its
    primary and junior parts pro rata to its two pupil-ratio norm parts** (primary
    pupils / ``primary_ratio`` and junior pupils / ``junior_ratio``): the staffing
    rule's own statement of how many staff each part needs, and the split used by
    :func:`staffing.synth.calibration_summary`.

    Parameters
    ----------
    county : a County or its schools table.
    staff : staff per school (indexed by ``school_id``); defaults to ``staff_in_post``.
        Pass a plan's staff after (:func:`staff_after_plan`) to measure the plan.
    policy : supplies the two ratios of the split; defaults to ``Policy()``.
    by : ``"level"`` → Series ``primary``, ``junior``, ``all`` (county totals);
        ``"school"`` → DataFrame indexed by ``school_id`` with the same columns
        (NaN where a part has no pupils, inf where it has pupils and no staff).

    Examples
    --------
    >>> import staffing as st
    >>> c = st.synth.county(seed=1, n_schools=20, teachers=False)
    >>> r = pupil_teacher_ratios(c)
    >>> r.index.tolist()
    ['primary', 'junior', 'all']
    >>> pupil_teacher_ratios(c, by="school").shape
    (20, 3)
    """
    s = _schools(county)
    staff = s["staff_in_post"] if staff is None else staff
    parts = _level_parts(s, staff, _policy(policy))
    pupils_all = parts["pupils_primary"] + parts["pupils_junior"]
    staff_all = parts["staff_primary"] + parts["staff_junior"]
    if by == "school":
        out = pd.DataFrame({
            "primary": _ratio(parts["pupils_primary"], parts["staff_primary"]),
            "junior": _ratio(parts["pupils_junior"], parts["staff_junior"]),
            "all": _ratio(pupils_all, staff_all),
        }, index=s.index)
        out.index.name = "school_id"
        return out
    if by != "level":
        raise ValueError(f"by must be 'level' or 'school', not {by!r}")
    sums = parts.sum()
    return pd.Series({
        "primary": float(_ratio(sums["pupils_primary"], sums["staff_primary"])),
        "junior": float(_ratio(sums["pupils_junior"], sums["staff_junior"])),
        "all": float(_ratio(pupils_all.sum(), staff_all.sum())),
    }, name="ptr")


def urgent_subject_coverage(teachers: pd.DataFrame | None,
                            schools: County | pd.DataFrame | pd.Index,
                            policy: Policy | None = None,
                            itinerant: pd.DataFrame | None = None) -> pd.Series:
    """Share of schools with at least one qualified teacher of each urgent subject.

    A school is covered for a subject when a teacher in post there (status not
    ``leaving``) teaches it — or teaches a subject whose ``policy.subject_cover``
    list includes it — or when an itinerant teacher (走教) of that subject visits it.

    Parameters
    ----------
    teachers : teachers table with ``school_id`` and ``subject`` (``status``
        optional); ``None`` gives NaN shares.
    schools : the schools counted: a County, its schools table or an Index of ids.
    policy : ``urgent_subjects`` (English, music, PE, art, IT by default) and
        ``subject_cover``.
    itinerant : optional itinerant assignments with ``to_school`` and ``subject``
        (e.g. moves of kind ``itinerant``): the visited school counts as covered.

    Returns
    -------
    Series indexed by the urgent subjects and ``mean`` (their average share).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"school_id": ["A", "A", "B"], "subject": ["music", "pe", "pe"]})
    >>> cover = urgent_subject_coverage(t, pd.Index(["A", "B"]))
    >>> cover[["music", "pe", "english"]].tolist()
    [0.5, 1.0, 0.0]
    """
    policy = _policy(policy)
    ids = schools if isinstance(schools, pd.Index) else _schools(schools).index
    subjects = list(policy.urgent_subjects)
    if teachers is None or not len(ids):
        out = pd.Series(np.nan, index=[*subjects, "mean"], dtype=float)
        out.index.name = "subject"
        return out
    has = urgent_cover(teachers, ids, policy, itinerant)
    shares = {subject: float(has[subject].mean()) for subject in subjects}
    out = pd.Series(shares, dtype=float)
    out["mean"] = float(out.mean()) if subjects else np.nan
    out.index.name = "subject"
    return out


def _per_100_pupils(teachers: pd.DataFrame | None, schools: County | pd.DataFrame,
                    keep: pd.Series | np.ndarray) -> float:
    s = _schools(schools)
    if teachers is None:
        return float("nan")
    pupils = float((s["pupils_primary"] + s["pupils_junior"]).sum())
    if pupils <= 0:
        return float("nan")
    return 100.0 * float(np.asarray(keep, dtype=bool).sum()) / pupils


def backbone_per_100_pupils(teachers: pd.DataFrame | None,
                            schools: County | pd.DataFrame) -> float:
    """Backbone teachers at county level or above per 100 pupils (county figure).

    The 优质均衡 indicator of 教督〔2017〕6号 asks for at least 1. Counts teachers in post
    (status not ``leaving``) at the given schools whose ``backbone`` is ``county``,
    ``prefecture`` or ``province``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [150, 50], "pupils_junior": [0, 0]},
    ...                  index=pd.Index(["A", "B"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A", "B", "B"],
    ...                   "backbone": ["county", "none", "province"]})
    >>> backbone_per_100_pupils(t, s)
    1.0
    """
    if teachers is None:
        return float("nan")
    t = _at_schools(in_post(teachers), _schools(schools))
    return _per_100_pupils(t, schools, is_backbone(t["backbone"]))


def prefecture_backbone_share(teachers: pd.DataFrame | None,
                              schools: County | pd.DataFrame) -> tuple[float, int, int]:
    """Backbone teachers at prefecture level or above among the county's teachers.

    Chuxiong measure 14 asks that prefecture-level backbone teachers be at least
    ``Policy.backbone_share_target`` (10%) of all teachers by 2025. Counts teachers in
    post (status not ``leaving``) at the given schools whose ``backbone`` is
    ``prefecture`` or ``province``.

    Returns
    -------
    (share, backbone teachers, teachers); share is NaN without teachers.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [150, 50], "pupils_junior": [0, 0]},
    ...                  index=pd.Index(["A", "B"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A", "B", "B", "A"],
    ...                   "backbone": ["county", "none", "province", "prefecture"]})
    >>> prefecture_backbone_share(t, s)
    (0.5, 2, 4)
    """
    if teachers is None:
        return float("nan"), 0, 0
    t = _at_schools(in_post(teachers), _schools(schools))
    count = int(is_backbone(t["backbone"], PREFECTURE_BACKBONE_LEVELS).sum())
    return (count / len(t) if len(t) else float("nan")), count, len(t)


def pe_arts_per_100_pupils(teachers: pd.DataFrame | None,
                           schools: County | pd.DataFrame) -> float:
    """PE, music and art teachers per 100 pupils (county figure; 教督〔2017〕6号 asks
    ≥ 0.9). Teachers in post at the given schools, status not ``leaving``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"pupils_primary": [200], "pupils_junior": [0]},
    ...                  index=pd.Index(["A"], name="school_id"))
    >>> t = pd.DataFrame({"school_id": ["A", "A"], "subject": ["pe", "maths"]})
    >>> pe_arts_per_100_pupils(t, s)
    0.5
    """
    if teachers is None:
        return float("nan")
    t = _at_schools(in_post(teachers), _schools(schools))
    return _per_100_pupils(t, schools, t["subject"].astype(object).isin(PE_ARTS_SUBJECTS))


def _at_schools(teachers: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    t = teachers.reset_index() if "school_id" not in teachers.columns else teachers
    return t[t["school_id"].astype(object).isin(schools.index).to_numpy()]


# ---------------------------------------------------------------------------------------
# Plans: teachers and staff after the moves


def apply_moves(teachers: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    """The teachers table once ``moves`` are made: each moved teacher's ``school_id``
    becomes the move's ``to_school``.

    Moves of kind ``itinerant`` (走教: the teacher keeps the post and visits another
    school) leave ``school_id`` unchanged; count them as cover with the
    ``itinerant`` argument of :func:`urgent_subject_coverage`.

    Parameters
    ----------
    teachers : indexed by ``teacher_id`` (as in a County) or with a ``teacher_id``
        column, and a ``school_id`` column.
    moves : ``teacher_id``, ``to_school`` and optionally ``kind`` (e.g. ``plan.moves``).

    Returns
    -------
    A copy of ``teachers``; the input is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"school_id": ["A", "A", "B"]},
    ...                  index=pd.Index(["T1", "T2", "T3"], name="teacher_id"))
    >>> m = pd.DataFrame({"teacher_id": ["T2"], "to_school": ["B"], "kind": ["rotation"]})
    >>> apply_moves(t, m)["school_id"].tolist()
    ['A', 'B', 'B']
    """
    out = teachers.copy()
    if moves is None or not len(moves):
        return out
    m = moves
    if "kind" in m.columns:
        m = m[~m["kind"].astype(object).isin(VISIT_KINDS).to_numpy()]
    ids = m["teacher_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"teachers moved twice: {', '.join(ids[ids.duplicated()].unique()[:10])}")
    dest = pd.Series(m["to_school"].astype(object).to_numpy(), index=ids.to_numpy())
    own = out["teacher_id"] if "teacher_id" in out.columns else out.index.to_series()
    new = own.astype(str).map(dest)
    new.index = out.index
    out["school_id"] = new.where(new.notna(), out["school_id"].astype(object))
    return out


def staff_after_plan(plan: Plan) -> pd.Series:
    """Staff per school after the plan: staff in post − leavers + moves in − moves out.

    Examples
    --------
    >>> import staffing as st
    >>> plan = st.optimize(st.synth.county(seed=1, n_schools=12, teachers=False))
    >>> staff_after_plan(plan).name
    'staff_after'
    """
    q = plan.quotas
    into, out = moves_by_school(plan.moves, q.index)
    after = q["staff_in_post"] - q["leavers"] + into - out
    return after.astype(np.int64).rename("staff_after")


# ---------------------------------------------------------------------------------------
# Partnership clusters


def cluster_metrics(county: County, clusters: pd.DataFrame, policy: Policy | None = None, *,
                    teachers_after: pd.DataFrame | None = None) -> pd.DataFrame:
    """Size, distances, backbone teachers and urgent-subject coverage per cluster.

    Parameters
    ----------
    county : County
        Its teacher table is the "before" roster; teachers who are leaving do not
        count (:func:`staffing.staff.in_post`).
    clusters : DataFrame
        From :func:`staffing.clusters.form_clusters` (every school of the county, once).
    policy : Policy, optional
        ``urgent_subjects`` (English, music, PE, art, IT by default).
    teachers_after : DataFrame, optional
        The teacher table after moves (same schema: ``school_id``, ``subject``,
        ``backbone``). When given, teacher columns come twice, suffixed ``_before``
        and ``_after``.

    Returns
    -------
    DataFrame indexed by ``cluster_id`` (sorted), with columns

    ``lead_school``, ``schools`` (lead included), ``members``, ``pupils``
        the cluster's make-up (standalone schools are clusters of one, no lead);
    ``mean_distance_km``, ``max_distance_km``
        over members (NaN for a cluster without members);
    ``backbone_teachers``, ``backbone_per_100``
        teachers of backbone level county or above, and per 100 pupils (the
        national balanced-county indicator asks ≥ 1);
    ``cover_<subject>`` for each urgent subject
        share of the cluster's schools with at least one teacher in post qualified for
        that subject (:func:`staffing.staff.urgent_cover`, as
        :func:`staffing.metrics.urgent_subject_coverage` counts it);
    ``urgent_coverage``
        the mean of those shares.

    Teacher columns are NaN when there is no teacher table.

    Examples
    --------
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=30)
    >>> from staffing.clusters import form_clusters
    >>> m = cluster_metrics(county, form_clusters(county))
    >>> int(m["schools"].sum()), "urgent_coverage" in m
    (30, True)
    """
    policy = _policy(policy)
    s = county.schools
    missing = s.index.difference(clusters.index)
    if len(missing):
        raise ValueError(f"clusters lack schools of the county: {', '.join(missing[:10])}")
    cl = clusters.reindex(s.index)
    cluster_of = cl["cluster_id"].astype(object)
    role = cl["role"].to_numpy()
    pupils = (s["pupils_primary"] + s["pupils_junior"]).astype(np.int64)
    is_member = pd.Series(role == "member", index=s.index)
    member_km = cl["distance_km"].where(is_member)
    by = cluster_of.to_numpy()
    out = pd.DataFrame({
        "lead_school": cl["lead_school"].astype(object).groupby(by).first(),
        "schools": cluster_of.groupby(by).size(),
        "members": is_member.groupby(by).sum().astype(np.int64),
        "pupils": pupils.groupby(by).sum(),
        "mean_distance_km": member_km.groupby(by).mean(),
        "max_distance_km": member_km.groupby(by).max(),
    }).sort_index()
    out.index.name = "cluster_id"
    if teachers_after is None:
        return out.join(_teacher_metrics(county.teachers, cluster_of, out["pupils"], policy))
    before = _teacher_metrics(county.teachers, cluster_of, out["pupils"], policy)
    after = _teacher_metrics(teachers_after, cluster_of, out["pupils"], policy)
    return out.join(before.add_suffix("_before")).join(after.add_suffix("_after"))


def _teacher_metrics(teachers: pd.DataFrame | None, cluster_of: pd.Series,
                     pupils: pd.Series, policy: Policy) -> pd.DataFrame:
    """Backbone and coverage columns per cluster (index of ``pupils``), counting the
    teachers in post (:func:`staffing.staff.in_post`)."""
    subjects = tuple(policy.urgent_subjects)
    columns = ["backbone_teachers", "backbone_per_100",
               *(f"cover_{x}" for x in subjects), "urgent_coverage"]
    if teachers is None:
        return pd.DataFrame(np.nan, index=pupils.index, columns=columns)
    t = teachers.reset_index() if "school_id" not in teachers.columns else teachers
    need = {"school_id", "subject", "backbone"} - set(t.columns)
    if need:
        raise ValueError(f"teacher table lacks column(s): {', '.join(sorted(need))}")
    school = t["school_id"].astype(object)
    unknown = pd.Index(school.unique()).difference(cluster_of.index)
    if len(unknown):
        raise ValueError(f"teachers at schools not in the county: {', '.join(unknown[:10])}")
    t = in_post(t)
    school = t["school_id"].astype(object)
    cluster = cluster_of.reindex(school).to_numpy()
    backbone = is_backbone(t["backbone"]).astype(np.int64)
    n_backbone = (pd.Series(backbone).groupby(cluster).sum()
                  .reindex(pupils.index, fill_value=0).astype(np.int64))
    out = pd.DataFrame({
        "backbone_teachers": n_backbone,
        "backbone_per_100": 100.0 * n_backbone / pupils.where(pupils > 0),
    })
    has = urgent_cover(t, cluster_of.index, policy)
    cover = has.astype(float).groupby(cluster_of.to_numpy()).mean().reindex(pupils.index)
    cover.columns = [f"cover_{x}" for x in subjects]
    out = out.join(cover)
    out["urgent_coverage"] = cover.mean(axis=1) if subjects else np.nan
    return out[columns]


# ---------------------------------------------------------------------------------------
# Headline figures


def county_metrics(county: County, policy: Policy | None = None, *,
                   staff: pd.Series | None = None, quota: pd.Series | None = None,
                   teachers: pd.DataFrame | None = None,
                   itinerant: pd.DataFrame | None = None,
                   decimals: int | None = None) -> pd.Series:
    """The headline equity and coverage figures of one county.

    Parameters
    ----------
    county : the County (its schools, and its teachers unless ``teachers`` is given).
    policy : norms, the nine-year staff split and urgent subjects; default ``Policy()``.
    staff : staff per school (indexed by ``school_id``); default ``staff_in_post``.
    quota : quota per school; default ``approved_quota``.
    teachers : teachers table to measure; default ``county.teachers`` (teacher
        figures are NaN without one).
    itinerant : itinerant assignments (``to_school``, ``subject``) counted as cover.
    decimals : round every figure to this many decimals (default: no rounding).

    Returns
    -------
    Series of floats indexed by metric key, in a stable order: the keys of
    :data:`METRIC_LABELS`, then ``urgent_coverage_<subject>`` for each urgent subject.
    Pupil–teacher ratio spreads (CV, Gini) are between schools, unweighted, over
    schools with pupils and staff in that part; a school with pupils and no staff is
    counted in ``schools_without_staff`` instead. Randomness (1 − R²) regresses each
    part's staff on its pupils across the schools with pupils in that part.

    Examples
    --------
    >>> import staffing as st
    >>> m = county_metrics(st.synth.county(seed=1, n_schools=20), decimals=3)
    >>> m.index[:4].tolist()
    ['schools', 'pupils', 'staff', 'quota']
    """
    from staffing.norms import quota_norms

    policy = _policy(policy)
    s = county.schools
    staff = s["staff_in_post"] if staff is None else staff.reindex(s.index)
    quota = s["approved_quota"] if quota is None else quota.reindex(s.index)
    teachers = county.teachers if teachers is None else teachers
    norm = quota_norms(county, policy)["norm"]
    rural = s["location"].astype(object).eq("rural")

    parts = _level_parts(s, staff, policy)
    ptr = pupil_teacher_ratios(s, staff, policy=policy)
    by_school = pupil_teacher_ratios(s, staff, policy=policy, by="school")
    out: dict[str, float] = {
        "schools": float(len(s)),
        "pupils": float((s["pupils_primary"] + s["pupils_junior"]).sum()),
        "staff": float(staff.sum()),
        "quota": float(quota.sum()),
        "ptr_primary": ptr["primary"],
        "ptr_junior": ptr["junior"],
    }
    for part in ("primary", "junior"):
        r = by_school[part].to_numpy()
        finite = r[np.isfinite(r)]
        out[f"ptr_cv_{part}"] = coefficient_of_variation(finite)
        out[f"ptr_gini_{part}"] = gini(finite)
    for part in ("primary", "junior"):
        has = parts[f"pupils_{part}"] > 0
        out[f"randomness_{part}"] = allocation_randomness(
            parts.loc[has, f"pupils_{part}"], parts.loc[has, f"staff_{part}"])
    for part in ("primary", "junior"):
        out[f"experienced_class_size_{part}"] = experienced_class_size(
            parts[f"pupils_{part}"], parts[f"classes_{part}"])
    pupils_all = s["pupils_primary"] + s["pupils_junior"]
    out["schools_without_staff"] = float(((pupils_all > 0) & (staff <= 0)).sum())
    has_norm = norm.reindex(s.index) > 0
    out["staff_to_norm_cv"] = coefficient_of_variation(
        staff[has_norm].to_numpy(dtype=float) / norm[has_norm].to_numpy(dtype=float))
    out["share_staff_at_or_above_norm"] = share_at_or_above_norm(staff, norm)
    out["share_rural_staff_at_or_above_norm"] = share_at_or_above_norm(staff, norm, rural)
    out["share_quota_at_or_above_norm"] = share_at_or_above_norm(quota, norm)
    out["share_rural_quota_at_or_above_norm"] = share_at_or_above_norm(quota, norm, rural)
    out["backbone_per_100_pupils"] = backbone_per_100_pupils(teachers, s)
    share, count, n_teachers = prefecture_backbone_share(teachers, s)
    out["backbone_share_prefecture"] = share
    # Chuxiong measure 14: teachers to recognise at prefecture level or above to reach
    # backbone_share_target (whole teachers, never negative).
    needed = math.ceil(policy.backbone_share_target * n_teachers - 1e-9)
    out["backbone_short_of_target"] = (float(max(0, needed - count)) if teachers is not None
                                       else float("nan"))
    # The target beside them: rotation keeps every teacher in the county and a hire is
    # no backbone teacher, so no plan moves the share (docs/concepts.md, measure 14).
    out["backbone_share_target"] = float(policy.backbone_share_target)
    out["pe_arts_per_100_pupils"] = pe_arts_per_100_pupils(teachers, s)
    cover = urgent_subject_coverage(teachers, s, policy, itinerant=itinerant)
    out["urgent_coverage"] = float(cover["mean"])
    for subject in policy.urgent_subjects:
        out[f"urgent_coverage_{subject}"] = float(cover[subject])
    order = [k for k in METRIC_LABELS if k in out] + [k for k in out if k not in METRIC_LABELS]
    result = pd.Series(out, dtype=float, name=county.name).reindex(order)
    result.index.name = "metric"
    return result if decimals is None else result.round(decimals)


def plan_metrics(plan: Plan, lang: str = "en", *, decimals: int | None = None) -> pd.DataFrame:
    """The figures of :func:`county_metrics` before and after a plan.

    **Before**: staff in post, approved quotas, the teachers table as it is.
    **After**: staff = staff in post − leavers + moves in − moves out
    (:func:`staff_after_plan`), the new quotas, and the teachers table with each
    moved teacher at their ``to_school`` (:func:`apply_moves`); moves of kind
    ``itinerant`` keep the teacher's school and count as cover of the visited school.

    Parameters
    ----------
    plan : a :class:`~staffing.Plan`.
    lang : language of the ``metric`` labels and of the column headers (``"zh"``:
        指标, 调整前, 调整后).
    decimals : round the figures.

    Returns
    -------
    DataFrame indexed by metric key (stable order) with columns ``metric`` (label),
    ``before``, ``after``.

    Examples
    --------
    >>> import staffing as st
    >>> plan = st.optimize(st.synth.county(seed=1, n_schools=12))
    >>> m = plan_metrics(plan)
    >>> m.columns.tolist()
    ['metric', 'before', 'after']
    >>> int(m.loc["quota", "after"]) == int(plan.quotas["new_quota"].sum())
    True
    """
    check_lang(lang)
    county, policy, q = plan.county, plan.policy, plan.quotas
    moves = plan.moves
    itinerant = None
    if len(moves) and "kind" in moves.columns:
        itinerant = moves[moves["kind"].astype(object).eq("itinerant").to_numpy()]
    teachers_after = None if county.teachers is None else apply_moves(county.teachers, moves)
    before = county_metrics(county, policy, staff=q["staff_in_post"], quota=q["approved_quota"])
    after = county_metrics(county, policy, staff=staff_after_plan(plan), quota=q["new_quota"],
                           teachers=teachers_after, itinerant=itinerant)
    out = pd.DataFrame({
        "metric": [metric_label(k, lang) for k in before.index],
        "before": before.to_numpy(),
        "after": after.reindex(before.index).to_numpy(),
    }, index=pd.Index(before.index, name="key"))
    if decimals is not None:
        out[["before", "after"]] = out[["before", "after"]].round(decimals)
    if lang == "zh":
        out = out.rename(columns={c: label(c, "zh") for c in ("metric", "before", "after")})
    return out
