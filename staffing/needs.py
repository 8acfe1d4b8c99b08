"""Subject needs per school: full-time teachers by subject from the curriculum."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.curriculum import GRADE_BANDS
from staffing.data.county import County
from staffing.norms import small_school_mask
from staffing.policy import Policy
from staffing.staff import in_post
from staffing.vocab import SUBJECTS

__all__ = ["subject_needs", "band_of_grade", "teachers_by_subject", "coverage", "needs_gap",
           "head_teacher_factor", "class_teacher_shortfall", "mental_health_need",
           "part_time_caps"]


def band_of_grade(grade: int) -> str:
    """The band of weekly periods (:data:`staffing.curriculum.GRADE_BANDS`) of a grade
    number; grades after the last band take the last band's periods.

    Examples
    --------
    >>> band_of_grade(2), band_of_grade(6), band_of_grade(7), band_of_grade(11)
    ('primary_1_2', 'primary_3_6', 'junior_7_9', 'junior_7_9')
    """
    for band, (first, last) in GRADE_BANDS.items():
        if first <= grade <= last:
            return band
    return list(GRADE_BANDS)[-1]


def _load(subject: str, *tables) -> float:
    """The subject's weekly load from the first table that lists it (inf: none does)."""
    return float(next((table[subject] for table in tables if subject in table), np.inf))


def subject_needs(county: County, policy: Policy | None = None) -> pd.DataFrame:
    """Full-time-equivalent teachers each school needs, by subject.

    need(school, subject) = Σ over grades of classes in the grade × weekly periods of
    the subject in that grade (``policy.periods_per_week``) ÷ the weekly teaching load
    of one teacher of that subject (``policy.teaching_load``).

    * **Grades** follow ``Policy.grades``: a school's primary classes are spread evenly
      over the primary grades (6 + 3: 1/6 each, so grades 1–2 get 2/6 and 3–6 get
      4/6), its junior classes over the junior grades (the schools table has no
      per-grade classes; the docs say so).
    * **Periods** follow the grade number (义务教育课程方案 2022, which gives both the
      六三 and 五四 structures): grades 1–2, 3–6 and 7–9 have their own bands, so in
      5 + 4 grade 6 keeps the periods of grades 3–6. Grades after 9 (7 + 4) take the
      periods of grades 7–9 (library default; the 方案 covers nine grades).
    * **Loads** follow the school part the grade sits in: junior for grade 6 in 5 + 4
      (taught in junior school), ``small_school`` for village schools and teaching
      points under the small-school threshold. A subject that part's table does not
      list (science in junior school) takes the load of the band's own part.
    * **Class teachers** (班主任, Chuxiong measure 16) teach
      ``policy.head_teacher_load_reduction`` (r) periods a week fewer than the load:
      every need is multiplied by :func:`head_teacher_factor`, 1 + r × classes ÷ the
      school's weekly periods (one class teacher per class; see there).
    * **Mental health** (心理健康, Chuxiong measure 17) has no periods of its own: every
      school with pupils needs :func:`mental_health_need` — a full-time teacher (1.0)
      from ``policy.mental_health_full_time_pupils`` pupils, a part-time share
      (``policy.mental_health_part_time_fte``) below.

    Parameters
    ----------
    county : County
    policy : Policy, optional

    Returns
    -------
    DataFrame indexed by ``school_id``, one column per subject (the full subject list,
    zeros where a subject is not taught), float FTE.

    Examples
    --------
    >>> import staffing as st
    >>> needs = st.subject_needs(st.synth.county(seed=1, n_schools=8, teachers=False))
    >>> bool((needs >= 0).all().all())
    True
    """
    policy = policy or Policy()
    s = county.schools
    small = small_school_mask(s, policy).to_numpy()
    subjects = list(SUBJECTS)
    loads = policy.teaching_load
    total = np.zeros((len(s), len(subjects)))
    stages = {"primary": policy.primary_grades, "junior": policy.junior_grades}
    for part, grades in stages.items():
        classes = s[f"classes_{part}"].to_numpy(dtype=float) / len(grades)
        for grade in grades:
            band = band_of_grade(grade)
            periods = policy.periods_per_week.get(band, {})
            row = np.array([periods.get(j, 0.0) for j in subjects], dtype=float)
            # Band names start with their own school part (primary_3_6, junior_7_9).
            chain = (loads[part], loads[band.split("_")[0]])
            load_part = np.array([_load(j, *chain) for j in subjects])
            load_small = np.array([_load(j, loads.get("small_school", loads[part]), *chain)
                                   for j in subjects])
            load = np.where(small[:, None], load_small[None, :], load_part[None, :])
            total += classes[:, None] * row[None, :] / load
    total *= head_teacher_factor(county, policy).to_numpy()[:, None]
    k = subjects.index("mental_health")
    total[:, k] = np.maximum(total[:, k], mental_health_need(county, policy).to_numpy())
    out = pd.DataFrame(total, index=s.index, columns=pd.Index(subjects, name="subject"))
    return out


def mental_health_need(county: County, policy: Policy | None = None) -> pd.Series:
    """Mental-health teachers (FTE) each school needs (Chuxiong measure 17).

    Every school with pupils needs at least a part-time (兼职) mental-health teacher,
    ``policy.mental_health_part_time_fte``; a school with
    ``policy.mental_health_full_time_pupils`` pupils or more (以上 includes the number)
    needs a full-time (专职) one, 1.0. A school without pupils needs none.

    Examples
    --------
    >>> import staffing as st
    >>> c = st.synth.county(seed=1, n_schools=4, teachers=False)
    >>> bool(mental_health_need(c).between(0.25, 1.0).all())
    True
    """
    policy = policy or Policy()
    s = county.schools
    pupils = s["pupils_primary"].to_numpy(dtype=float) + s["pupils_junior"].to_numpy(dtype=float)
    need = np.where(pupils >= policy.mental_health_full_time_pupils, 1.0,
                    policy.mental_health_part_time_fte)
    return pd.Series(np.where(pupils > 0, need, 0.0), index=s.index, name="mental_health")


def part_time_caps(policy: Policy) -> dict[str, float]:
    """Need → the most FTE of it that other subjects' teachers may cover at one school
    (part-time, 兼职): mental health up to ``policy.mental_health_part_time_fte``, so a
    full-time need is left for a mental-health teacher. Needs not listed have no cap."""
    return {"mental_health": float(policy.mental_health_part_time_fte)}


def head_teacher_factor(county: County, policy: Policy | None = None) -> pd.Series:
    """How much class teachers' lighter load (Chuxiong measure 16) raises each school's
    subject needs: need × this factor = the need with class teachers teaching less.

    A school with C classes has C class teachers (one per class: the need follows the
    classes, not the ``is_head_teacher`` flags, so it is the same before and after
    moves and without a teachers table; :func:`class_teacher_shortfall` lists schools
    flagging fewer). Each teaches r = ``policy.head_teacher_load_reduction`` periods a
    week fewer, so r × C periods of the school's P weekly periods must be taught by
    other teachers. Library default: the class teachers come from the subjects in
    proportion to their periods, so each subject's periods need grows by the same share,
    factor = 1 + r × C ÷ P (P = Σ classes × weekly periods per class). Equivalently a
    class teacher counts as (load − r) ÷ load of a teacher in cover: the extra need is
    written once, here, and rotation, recruitment, coverage and the checks all read it.

    Examples
    --------
    >>> import staffing as st
    >>> c = st.synth.county(seed=1, n_schools=3, teachers=False)
    >>> bool((head_teacher_factor(c) == 1.0).all())  # default: no reduction
    True
    """
    policy = policy or Policy()
    s = county.schools
    periods = np.zeros(len(s))
    for part, grades in {"primary": policy.primary_grades,
                         "junior": policy.junior_grades}.items():
        classes = s[f"classes_{part}"].to_numpy(dtype=float) / len(grades)
        for grade in grades:
            periods += classes * sum(policy.periods_per_week.get(band_of_grade(grade),
                                                                 {}).values())
    classes = (s["classes_primary"].to_numpy(dtype=float)
               + s["classes_junior"].to_numpy(dtype=float))
    cut = policy.head_teacher_load_reduction * classes
    factor = 1.0 + np.divide(cut, periods, out=np.zeros_like(cut), where=periods > 0)
    return pd.Series(factor, index=s.index, name="head_teacher_factor")


def class_teacher_shortfall(county: County) -> pd.Series:
    """Classes without a flagged class teacher, per school: classes − teachers in post
    with ``is_head_teacher`` (never negative; all classes when there is no teachers
    table). The need counts one class teacher per class whatever the flags say
    (:func:`head_teacher_factor`); a positive value is a school whose flags are
    incomplete or whose classes share a class teacher.
    """
    s = county.schools
    classes = (s["classes_primary"] + s["classes_junior"]).astype("int64")
    t = county.teachers
    if t is None or t.empty:
        flagged = pd.Series(0, index=s.index)
    else:
        staying = in_post(t)
        heads = staying[staying["is_head_teacher"].fillna(False).astype(bool)]
        flagged = heads.groupby("school_id").size().reindex(s.index, fill_value=0)
    return (classes - flagged).clip(lower=0).rename("classes_without_class_teacher")


def teachers_by_subject(county: County, teachers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Teachers in post (status not ``leaving``) by school and subject, as counts.

    ``teachers`` defaults to the county's table; pass a table after moves to count
    the result of a plan.
    """
    t = county.teachers if teachers is None else teachers
    subjects = list(SUBJECTS)
    if t is None or t.empty:
        return pd.DataFrame(0, index=county.schools.index,
                            columns=pd.Index(subjects, name="subject"), dtype="int64")
    staying = in_post(t)
    counts = pd.crosstab(staying["school_id"], staying["subject"])
    return counts.reindex(index=county.schools.index, columns=subjects, fill_value=0).rename_axis(
        index="school_id", columns="subject").astype("int64")


def coverage(needs: pd.DataFrame, staff: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Need covered by staff, per school and subject, with general teachers spread.

    Each subject's own teachers cover its need first; teachers whose subject covers
    other needs (``policy.subject_cover``, e.g. general 全科 teachers) fill what is
    left, in the order of the cover list, never more of a need than its part-time cap
    (:func:`part_time_caps`). Returns covered FTE in the shape of ``needs`` (never
    above the need).
    """
    need = needs.to_numpy(dtype=float)
    have = staff.reindex(columns=needs.columns, fill_value=0).to_numpy(dtype=float)
    own = np.minimum(need, have)  # each subject's own teachers first
    covered = own.copy()
    cols = list(needs.columns)
    room = {cols.index(j): np.full(len(need), cap) for j, cap in part_time_caps(policy).items()
            if j in cols}
    for teacher_subject, covers in policy.subject_cover.items():
        k_own = cols.index(teacher_subject)
        spare = have[:, k_own] - own[:, k_own]
        for j in covers:
            k = cols.index(j)
            take = np.clip(np.minimum(spare, need[:, k] - covered[:, k]), 0.0, None)
            if k in room:
                take = np.minimum(take, room[k])
                room[k] -= take
            covered[:, k] += take
            spare -= take
    return pd.DataFrame(covered, index=needs.index, columns=needs.columns)


def needs_gap(needs: pd.DataFrame, staff: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Need left uncovered by ``staff`` (FTE), per school and subject, never negative."""
    return (needs - coverage(needs, staff, policy)).clip(lower=0.0)
