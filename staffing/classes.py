"""Classes from enrolment: an estimate of each school's classes from pupils per grade.

Most county school lists give enrolment by grade but not classes (教学班), which the
small-school norm (班师比) and subject needs rest on. :func:`estimate_classes` fills the
gap with the class-size norms:

* every grade is taught in ⌈pupils ÷ class-size limit⌉ classes — primary grades at
  ``Policy.primary_class_size_max`` (45), junior grades at ``junior_class_size_max``
  (50), the grades split by ``Policy.grades`` (6 + 3 by default, 5 + 4 …); a grade
  without pupils has no class;
* a school whose level is in ``Policy.multigrade_levels`` (teaching points, 教学点, by
  default) teaches its grades together in multigrade classes (复式班): one class per
  site and stage, more only when the stage's pupils exceed one class's limit
  (⌈stage pupils ÷ limit⌉). The level comes from ``schools``; without it every grade
  is its own class.

It is an estimate: real schools split or merge classes for rooms and teachers, and a
school may run smaller classes than the limit. The result says so
(``classes_estimated``); a County built from it carries that flag per school
(:attr:`staffing.County.classes_estimated_schools`) and ``Plan.explain()`` names the
schools whose norm rests on estimated classes.

Examples
--------
>>> import pandas as pd
>>> from staffing.classes import estimate_classes
>>> pupils = pd.DataFrame({"school_id": ["A", "A", "A"], "grade": [1, 2, 7],
...                        "pupils": [45, 46, 51]})
>>> estimate_classes(pupils).to_dict("index")
{'A': {'classes_primary': 3, 'classes_junior': 2, 'classes_estimated': True}}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.data.enrolment import classes_from_grades, pupils_by_grade_table
from staffing.errors import Problem, StaffingDataError
from staffing.policy import Policy
from staffing.vocab import LEVELS

__all__ = ["estimate_classes"]


def _levels(schools: County | pd.DataFrame, ids: pd.Index) -> tuple[pd.Series, list[Problem]]:
    """Each school's level code (by id), and the problems of the schools table."""
    if isinstance(schools, County):
        table = schools.schools
    else:
        table = schools.set_index("school_id") if "school_id" in schools.columns else schools
    problems = []
    if "level" not in table.columns:
        return pd.Series(dtype=object), [Problem("<schools>", "schools", None, "level", None,
                                                 "required column is missing")]
    table_ids = table.index.astype(str)
    by_label = {zh: code for code, zh in LEVELS.items()}
    raw = pd.Series(table["level"].to_numpy(), index=table_ids)
    level = raw.map(lambda v: v if v in LEVELS else by_label.get(str(v).strip()))
    rows = np.arange(len(table)) + 2
    problems += [Problem("<schools>", "schools", int(r), "level", v,
                         f"expected one of {', '.join(LEVELS)}")
                 for r, v, ok in zip(rows, raw.to_numpy(), level.notna().to_numpy(), strict=True)
                 if not ok]
    twice = table_ids[table_ids.duplicated()].unique()
    problems += [Problem("<schools>", "schools", None, "school_id", sid,
                         "school listed more than once") for sid in twice]
    unknown = ids[~ids.isin(table_ids)]
    problems += [Problem("<grades>", "grades", None, "school_id", sid,
                         "not a school id of the schools table") for sid in unknown]
    level = level[~level.index.duplicated()]
    return level.reindex(ids), problems


def estimate_classes(pupils_by_grade: pd.DataFrame, policy: Policy | None = None, *,
                     schools: County | pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimate each school's primary and junior classes from its pupils per grade.

    classes of a grade = ⌈pupils ÷ class-size limit⌉ (primary grades of
    ``Policy.grades`` at ``primary_class_size_max`` 45, junior grades at
    ``junior_class_size_max`` 50; 45 pupils → 1 class, 46 → 2; 50 → 1, 51 → 2), 0 for a
    grade without pupils, added up by stage. A school of a level in
    ``Policy.multigrade_levels`` (teaching points by default; needs ``schools``)
    teaches multigrade classes (复式班): ⌈stage pupils ÷ limit⌉ per stage, one class
    for a site within one class's limit.

    This is an estimate from the class-size norms, not a count: real schools may run
    smaller classes. Put the result into the schools table (with its
    ``classes_estimated`` column) so the County, its norms and ``Plan.explain()`` say
    which schools' classes were estimated — or let :meth:`staffing.County.from_frames`
    do it (grade columns mapped as ``grade_1``…, or ``pupils_by_grade=``), which
    applies this same rule (:func:`staffing.data.enrolment.classes_from_grades`).

    Parameters
    ----------
    pupils_by_grade : DataFrame
        Pupils per grade as whole numbers, long (``school_id``, ``grade``, ``pupils``)
        or wide (index or column ``school_id``, columns ``1``… or ``grade_1``…): the
        forms :func:`staffing.projection.project_enrolment` accepts, grades 1 to the
        last grade of ``Policy.grades``.
    policy : Policy, optional
        ``grades``, ``primary_class_size_max``, ``junior_class_size_max`` and
        ``multigrade_levels``.
    schools : County or DataFrame, optional
        The schools (``school_id`` as index or column, ``level`` as code or Chinese
        label), for the multigrade rule; every school of ``pupils_by_grade`` must be in
        it.

    Returns
    -------
    DataFrame indexed by ``school_id`` (in the order of ``pupils_by_grade``) with int
    columns ``classes_primary``, ``classes_junior`` and bool ``classes_estimated``
    (True).

    Raises
    ------
    StaffingDataError
        Every bad grade, pupils cell (with its row and column), repeated school or
        grade, unknown school or level, listed at once.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"school_id": ["P", "T"], "1": [90, 4], "2": [91, 3],
    ...                      "3": [0, 5]})
    >>> schools = pd.DataFrame({"school_id": ["P", "T"], "level": ["primary", "教学点"]})
    >>> estimate_classes(wide, schools=schools).to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'P': {'classes_primary': 5, 'classes_junior': 0, 'classes_estimated': True},
     'T': {'classes_primary': 1, 'classes_junior': 0, 'classes_estimated': True}}
    """
    policy = policy or Policy()
    problems: list[Problem] = []
    try:
        wide = pupils_by_grade_table(pupils_by_grade, policy, whole=True)
    except StaffingDataError as exc:
        problems += exc.problems
        wide = None
    multigrade = None
    if schools is not None:
        ids = wide.index if wide is not None else pd.Index([], dtype=object)
        level, found = _levels(schools, ids)
        problems += found
        multigrade = level.isin(policy.multigrade_levels).to_numpy()
    if problems:
        raise StaffingDataError(problems)
    assert wide is not None
    counted = classes_from_grades(wide.to_numpy(dtype=np.int64), policy, multigrade)
    result = pd.DataFrame({f"classes_{stage}": counted[stage] for stage in counted},
                          index=wide.index.rename("school_id"))
    result["classes_estimated"] = True
    return result
