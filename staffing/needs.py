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

__all__ = ["subject_needs", "teachers_by_subject", "coverage", "needs_gap"]


def subject_needs(county: County, policy: Policy | None = None) -> pd.DataFrame:
    """Full-time-equivalent teachers each school needs, by subject.

    need(school, subject) = Σ over grade bands of classes in the band × weekly periods
    of the subject in that band (``policy.periods_per_week``) ÷ the weekly teaching
    load of one teacher of that subject (``policy.teaching_load``: primary or junior,
    or ``small_school`` for village schools and teaching points under the
    small-school threshold). Primary classes are spread over the bands by grade count
    (grades 1–2: 2/6, grades 3–6: 4/6); the plan says so in the docs.

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
    total = np.zeros((len(s), len(subjects)))
    for band, (part, share) in GRADE_BANDS.items():
        periods = policy.periods_per_week.get(band, {})
        row = np.array([periods.get(j, 0.0) for j in subjects], dtype=float)
        load_part = np.array([policy.teaching_load[part].get(j, np.inf) for j in subjects])
        load_small = np.array(
            [policy.teaching_load.get("small_school", policy.teaching_load[part]).get(j, np.inf)
             for j in subjects]
        )
        load = np.where(small[:, None], load_small[None, :], load_part[None, :])
        classes = s[f"classes_{part}"].to_numpy(dtype=float) * share
        total += classes[:, None] * row[None, :] / load
    out = pd.DataFrame(total, index=s.index, columns=pd.Index(subjects, name="subject"))
    return out


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
    left, in the order of the cover list. Returns covered FTE in the shape of
    ``needs`` (never above the need).
    """
    need = needs.to_numpy(dtype=float)
    have = staff.reindex(columns=needs.columns, fill_value=0).to_numpy(dtype=float)
    own = np.minimum(need, have)  # each subject's own teachers first
    covered = own.copy()
    cols = list(needs.columns)
    for teacher_subject, covers in policy.subject_cover.items():
        k_own = cols.index(teacher_subject)
        spare = have[:, k_own] - own[:, k_own]
        for j in covers:
            k = cols.index(j)
            take = np.clip(np.minimum(spare, need[:, k] - covered[:, k]), 0.0, None)
            covered[:, k] += take
            spare -= take
    return pd.DataFrame(covered, index=needs.index, columns=needs.columns)


def needs_gap(needs: pd.DataFrame, staff: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Need left uncovered by ``staff`` (FTE), per school and subject, never negative."""
    return (needs - coverage(needs, staff, policy)).clip(lower=0.0)
