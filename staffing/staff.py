"""Who counts as staff, and where: one home for the rules every other module reads.

* :func:`leaving` / :func:`in_post` — teachers whose status leaves their post this
  year (:data:`staffing.vocab.LEAVING_STATUSES`) do not count as staff;
* :func:`is_backbone` — backbone teachers (骨干教师) at county level or above
  (:data:`COUNTED_BACKBONE_LEVELS`); :data:`PREFECTURE_BACKBONE_LEVELS` for Chuxiong
  measure 14;
* :func:`level_staff` — a nine-year school's staff split between its primary and junior
  parts;
* :func:`moves_by_school` — teachers moving in and out of each school (itinerant cover
  excluded: the teacher stays in post at home);
* :func:`staff_after_moves` — staff by school × subject once moves are made;
* :func:`urgent_cover` — which schools have a teacher qualified for each urgent subject;
* :func:`move_permitted` — whether the planner's move rules (``County.move_rules``)
  let each teacher be moved to each target school; :func:`restricted` — who has rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.vocab import LEAVING_STATUSES, VISIT_KINDS

if TYPE_CHECKING:
    from staffing.policy import Policy

__all__ = ["COUNTED_BACKBONE_LEVELS", "PREFECTURE_BACKBONE_LEVELS", "leaving", "in_post",
           "is_backbone", "level_staff", "moves_by_school", "staff_after_moves",
           "urgent_cover", "move_permitted", "restricted"]

#: Backbone levels counted by the 优质均衡 indicator "backbone teachers at county level or
#: above per 100 pupils" (教督〔2017〕6号); ``none`` is not counted.
COUNTED_BACKBONE_LEVELS: tuple[str, ...] = ("county", "prefecture", "province")

#: Backbone levels counted by Chuxiong measure 14 (prefecture level or above).
PREFECTURE_BACKBONE_LEVELS: tuple[str, ...] = ("prefecture", "province")


def leaving(teachers: pd.DataFrame) -> np.ndarray:
    """Whether each teacher leaves the post this year (status in ``LEAVING_STATUSES``).

    A table without a ``status`` column has no leavers.

    Examples
    --------
    >>> import pandas as pd
    >>> leaving(pd.DataFrame({"status": ["in_post", "leaving", "on_leave"]})).tolist()
    [False, True, False]
    """
    if "status" not in teachers.columns:
        return np.zeros(len(teachers), dtype=bool)
    return teachers["status"].astype(object).isin(LEAVING_STATUSES).to_numpy(dtype=bool)


def in_post(teachers: pd.DataFrame) -> pd.DataFrame:
    """The teachers who count as staff: every row not :func:`leaving`.

    Examples
    --------
    >>> import pandas as pd
    >>> len(in_post(pd.DataFrame({"status": ["in_post", "leaving", "seconded"]})))
    2
    """
    return teachers[~leaving(teachers)]


def is_backbone(backbone: pd.Series, levels: tuple[str, ...] = COUNTED_BACKBONE_LEVELS
                ) -> np.ndarray:
    """Whether each teacher's ``backbone`` level counts (county level or above by default).

    Examples
    --------
    >>> import pandas as pd
    >>> is_backbone(pd.Series(["none", "county", "province"])).tolist()
    [False, True, True]
    >>> is_backbone(pd.Series(["county", "prefecture"]), PREFECTURE_BACKBONE_LEVELS).tolist()
    [False, True]
    """
    return backbone.astype(object).isin(levels).to_numpy(dtype=bool)


def level_staff(schools: pd.DataFrame, staff: pd.Series, policy: Policy) -> pd.DataFrame:
    """Staff of each school's primary and junior parts.

    A nine-year school's staff are split between its parts in proportion to the two
    pupil norms (primary pupils / ``primary_ratio`` and junior pupils /
    ``junior_ratio``): the staffing rule itself says how many staff each part needs.
    Staff of a school without pupils count with its level (junior schools as junior,
    all others as primary).

    Returns
    -------
    DataFrame indexed like ``schools``: ``staff_primary``, ``staff_junior``.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.policy import Policy
    >>> s = pd.DataFrame({"pupils_primary": [190, 0], "pupils_junior": [135, 0],
    ...                   "level": ["nine_year", "junior"]}, index=["N", "J"])
    >>> level_staff(s, pd.Series([20, 3], index=["N", "J"]), Policy()).round(1).values.tolist()
    [[10.0, 10.0], [0.0, 3.0]]
    """
    need_p = schools["pupils_primary"].to_numpy(dtype=float) / policy.primary_ratio
    need_j = schools["pupils_junior"].to_numpy(dtype=float) / policy.junior_ratio
    total = need_p + need_j
    junior_level = schools["level"].astype(object).eq("junior").to_numpy()
    share_p = np.where(total > 0, need_p / np.where(total > 0, total, 1.0),
                       np.where(junior_level, 0.0, 1.0))
    st = staff.reindex(schools.index).to_numpy(dtype=float)
    return pd.DataFrame({"staff_primary": st * share_p, "staff_junior": st * (1.0 - share_p)},
                        index=schools.index)


def _not_itinerant(moves: pd.DataFrame) -> pd.DataFrame:
    if len(moves) and "kind" in moves.columns:
        return moves[~moves["kind"].astype(object).isin(VISIT_KINDS).to_numpy()]
    return moves


def moves_by_school(moves: pd.DataFrame, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Teachers moving into and out of each school, as ``(into, out)``.

    Itinerant cover (kind ``itinerant``, 走教) is left out: the teacher visits and stays
    in post at home, as the model, the metrics and the plan's tables count it.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"from_school": ["U", "U"], "to_school": ["R", "R"],
    ...                   "kind": ["rotation", "itinerant"]})
    >>> into, out = moves_by_school(m, pd.Index(["U", "R"]))
    >>> into.tolist(), out.tolist()
    ([0, 1], [1, 0])
    """
    m = _not_itinerant(moves)
    into = m["to_school"].astype(object).value_counts().reindex(index, fill_value=0)
    out = m["from_school"].astype(object).value_counts().reindex(index, fill_value=0)
    return into.astype(np.int64), out.astype(np.int64)


def staff_after_moves(staff: pd.DataFrame, moves: pd.DataFrame,
                      remote_quality: float = 1.0) -> pd.DataFrame:
    """Teaching staff by school × subject once ``moves`` are made.

    Moves of kind ``itinerant`` carry an ``fte``: that much of a teacher's time leaves
    the source school and teaches at the target (the result is then fractional). Moves
    of kind ``remote`` (专递课堂) do the same, and count ``remote_quality`` × ``fte`` at
    the target.

    Examples
    --------
    >>> import pandas as pd
    >>> staff = pd.DataFrame({"english": [2, 0]}, index=["U", "R"])
    >>> m = pd.DataFrame({"from_school": ["U"], "to_school": ["R"], "subject": ["english"],
    ...                   "kind": ["itinerant"], "fte": [0.5]})
    >>> staff_after_moves(staff, m)["english"].tolist()
    [1.5, 0.5]
    """
    if moves.empty:
        return staff.astype(float)
    itinerant = (moves["kind"].isin(VISIT_KINDS) if "kind" in moves
                 else np.zeros(len(moves), bool))
    permanent, visits = moves[~itinerant], moves[itinerant]
    out = pd.crosstab(permanent["from_school"], permanent["subject"])
    into = pd.crosstab(permanent["to_school"], permanent["subject"])
    delta = into.reindex_like(staff).fillna(0) - out.reindex_like(staff).fillna(0)
    if len(visits):
        fte = visits["fte"].astype(float)
        gone = fte.groupby([visits["from_school"], visits["subject"]]).sum().unstack()
        fte = fte.where(visits["kind"].ne("remote"), fte * float(remote_quality))
        came = fte.groupby([visits["to_school"], visits["subject"]]).sum().unstack()
        delta = delta + came.reindex_like(staff).fillna(0) - gone.reindex_like(staff).fillna(0)
    return (staff + delta).astype(float)


def qualified_subjects(subject: str, policy: Policy) -> list[str]:
    """Subjects whose teachers are qualified for ``subject``: its own and those whose
    ``policy.subject_cover`` list names it (none for the urgent subjects by default)."""
    return [subject, *(t for t, covers in policy.subject_cover.items() if subject in covers)]


def urgent_cover(teachers: pd.DataFrame, ids: pd.Index, policy: Policy,
                 itinerant: pd.DataFrame | None = None) -> pd.DataFrame:
    """Whether each school has a teacher qualified for each urgent subject.

    A school is covered for a subject when a teacher in post there (not
    :func:`leaving`) teaches it — or teaches a subject whose ``policy.subject_cover``
    list includes it — or when an itinerant teacher (走教) of that subject visits it.

    Parameters
    ----------
    teachers : ``school_id`` and ``subject`` (``status`` optional).
    ids : the schools, in the order of the result's rows.
    policy : ``urgent_subjects`` and ``subject_cover``.
    itinerant : optional visits with ``to_school`` and ``subject``.

    Returns
    -------
    Boolean DataFrame: schools (``ids``) × ``policy.urgent_subjects``.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.policy import Policy
    >>> t = pd.DataFrame({"school_id": ["A", "B"], "subject": ["music", "music"],
    ...                   "status": ["in_post", "leaving"]})
    >>> urgent_cover(t, pd.Index(["A", "B"]), Policy())["music"].tolist()
    [True, False]
    """
    t = in_post(teachers.reset_index() if "school_id" not in teachers.columns else teachers)
    present = pd.DataFrame({"school_id": t["school_id"].astype(object).to_numpy(),
                            "subject": t["subject"].astype(object).to_numpy()})
    if itinerant is not None and len(itinerant):
        present = pd.concat([present, pd.DataFrame({
            "school_id": itinerant["to_school"].astype(object).to_numpy(),
            "subject": itinerant["subject"].astype(object).to_numpy()})], ignore_index=True)
    present = present.drop_duplicates()
    has = pd.crosstab(present["school_id"], present["subject"]).gt(0)
    has = has.reindex(index=pd.Index(ids, dtype=object), fill_value=False)
    out = {}
    for subject in policy.urgent_subjects:  # a handful of subjects, not a loop over teachers
        cols = [c for c in qualified_subjects(subject, policy) if c in has.columns]
        out[subject] = (has[cols].any(axis=1) if cols
                        else pd.Series(False, index=has.index))
    return pd.DataFrame(out, index=has.index, columns=list(policy.urgent_subjects), dtype=bool)


def restricted(move_rules: pd.DataFrame | None) -> pd.Index:
    """Teachers with at least one move rule (``allowed`` or ``forbidden``), sorted."""
    if move_rules is None or not len(move_rules):
        return pd.Index([], dtype=object, name="teacher_id")
    return pd.Index(sorted(move_rules["teacher_id"].astype(str).unique()), name="teacher_id")


def move_permitted(move_rules: pd.DataFrame | None, teacher_id: pd.Series | np.ndarray,
                   target: pd.Series | np.ndarray) -> np.ndarray:
    """Whether the move rules let each teacher be moved to each target school.

    A teacher with any ``allowed`` rows may be moved only to those schools; a
    ``forbidden`` row removes that school; a teacher without rows may go anywhere
    (other rules of the plan aside). Every kind of move reads this one rule.

    Examples
    --------
    >>> import pandas as pd
    >>> rules = pd.DataFrame({"teacher_id": ["T1", "T2"], "school_id": ["A", "B"],
    ...                       "rule": ["allowed", "forbidden"]})
    >>> move_permitted(rules, ["T1", "T1", "T2", "T2", "T3"], ["A", "B", "A", "B", "B"]).tolist()
    [True, False, True, False, True]
    """
    tid = pd.Series(np.asarray(teacher_id, dtype=object)).astype(str)
    to = pd.Series(np.asarray(target, dtype=object)).astype(str)
    if move_rules is None or not len(move_rules):
        return np.ones(len(tid), dtype=bool)
    r = move_rules.astype({"teacher_id": str, "school_id": str})
    pairs = pd.MultiIndex.from_arrays([tid, to])
    allowed = r[r["rule"].eq("allowed")]
    forbidden = r[r["rule"].eq("forbidden")]
    listed = pd.MultiIndex.from_frame(allowed[["teacher_id", "school_id"]])
    barred = pd.MultiIndex.from_frame(forbidden[["teacher_id", "school_id"]])
    has_allowed = tid.isin(set(allowed["teacher_id"])).to_numpy()
    ok = ~has_allowed | pairs.isin(listed)
    return np.asarray(ok & ~pairs.isin(barred), dtype=bool)
