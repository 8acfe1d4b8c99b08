"""Pupils per grade, and what a school list without stage totals or classes takes from them.

The one reader of per-grade pupils (:func:`pupils_by_grade_table`, long or wide, for
the projection, :func:`staffing.estimate_classes` and :meth:`staffing.County.from_frames`),
the class-size rule that turns them into classes (:func:`classes_from_grades`), and
:func:`complete_schools`, which fills the stage totals and classes a list does not have:

* ``pupils_primary`` / ``pupils_junior`` absent: the sum of the stage's grades (grade
  columns mapped as ``grade_1``…, or a ``pupils_by_grade`` table), or a single
  enrolment column mapped as ``pupils``, put into the stage its school's level teaches
  (a nine-year school teaches both and needs its own two columns);
* ``classes_primary`` / ``classes_junior`` absent: estimated from pupils per grade
  (⌈pupils ÷ class-size limit⌉ per grade, as :func:`staffing.estimate_classes`), or —
  only when asked, ``classes="estimate"`` — from the stage totals spread evenly over
  the stage's grades of ``Policy.grades``, a rougher estimate.

Every value filled is recorded: estimated classes set ``classes_estimated`` for the
schools with pupils in the stage, each filled column keeps where it came from (shown
in problems as ``sum of 一年级…六年级 (→ pupils_primary)``) and a note says what was
done (``County.notes``).

Examples
--------
>>> import numpy as np
>>> spread_evenly(np.array([271, 4]), 6).tolist()
[[46, 45, 45, 45, 45, 45], [1, 1, 1, 1, 0, 0]]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.data.marks import Unknown
from staffing.data.schema import SCHOOL_COLUMNS
from staffing.errors import Problem, StaffingDataError
from staffing.policy import Policy

__all__ = ["Completed", "classes_from_grades", "complete_schools", "grades_problem",
           "is_grade_target", "pupils_by_grade_table", "spread_evenly", "CLASSES_CHOICES",
           "BY_LEVEL"]

#: The ``classes=`` choices of :meth:`staffing.County.from_frames`: ``None`` (classes
#: columns required unless pupils per grade are given) or ``"estimate"``.
CLASSES_CHOICES: tuple[str | None, ...] = (None, "estimate")
#: The mapping target of a single enrolment column put into the stage of its school's
#: level (``{"ENROLMEN": "pupils"}``).
BY_LEVEL = "pupils"
#: The mapping target of one grade's pupils: ``grade_1``, ``grade_2`` …
_GRADE = re.compile(r"grade_(\d+)")
#: The stage each single-stage level teaches; a nine-year school teaches both.
_STAGE_OF_LEVEL: dict[str, str] = {"primary": "primary", "teaching_point": "primary",
                                   "junior": "junior"}
_STAGES: tuple[str, ...] = ("primary", "junior")


def is_grade_target(name: object) -> bool:
    """Whether a mapping target names one grade's pupils (``grade_3``)."""
    return isinstance(name, str) and _GRADE.fullmatch(name.strip().casefold()) is not None


def grades_problem(row: int | None, column: str, value: object, rule: str) -> Problem:
    """A problem of a per-grade pupils table (file ``<grades>``, sheet ``grades``)."""
    return Problem("<grades>", "grades", row, column, value, rule)


def pupils_by_grade_table(grades: pd.DataFrame, policy: Policy | None = None, *,
                          whole: bool = False) -> pd.DataFrame:
    """Pupils per grade, long or wide, as a frame: school_id × grades 1..n (float).

    The one reader of per-grade pupils, for :func:`project_enrolment` and
    :func:`staffing.classes.estimate_classes`. Accepts a long table (``school_id``,
    ``grade``, ``pupils``) or a wide one (index or column ``school_id``, columns ``1``…
    or ``grade_1``…); grades run from 1 to the last grade of ``Policy.grades`` (9 for
    6 + 3 and 5 + 4). Every problem is reported at once, with its row (the table's row
    number counting the header as row 1) and column.

    Parameters
    ----------
    grades : DataFrame
    policy : Policy, optional
        ``grades`` gives the grade numbers allowed.
    whole : bool
        Pupils must be whole numbers (counts), not expected values.

    Returns
    -------
    DataFrame indexed by ``school_id`` (str, in order of first appearance), one float
    column per grade 1..n, grades not given 0.

    Raises
    ------
    StaffingDataError
        Naming every bad grade, pupils cell, repeated school or grade, or unknown column.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"school_id": ["A", "A"], "grade": [1, 9], "pupils": [40, 12]})
    >>> pupils_by_grade_table(long).loc["A"].tolist()
    [40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.0]
    """
    policy = policy or Policy()
    all_grades = policy.primary_grades + policy.junior_grades
    n = len(all_grades)
    count_rule = "pupils must be a whole number ≥ 0" if whole else "pupils must be a number ≥ 0"

    def bad_pupils(p: np.ndarray) -> np.ndarray:
        wrong = ~(np.isfinite(p) & (p >= 0))
        if whole:
            wrong |= np.isfinite(p) & (np.floor(p) != p)
        return wrong

    if {"school_id", "grade", "pupils"} <= set(grades.columns):
        long = grades[["school_id", "grade", "pupils"]].copy()
        grade = pd.to_numeric(long["grade"], errors="coerce")
        pupils = pd.to_numeric(long["pupils"], errors="coerce")
        rows = np.arange(len(long)) + 2
        rule = (f"grade must be a whole number 1–{n} (Policy.grades = "
                f"{policy.grades_text})")
        problems = [grades_problem(int(r), "grade", v, rule)
                    for r, v, g in zip(rows, long["grade"], grade, strict=True)
                    if g not in all_grades]
        wrong = bad_pupils(pupils.to_numpy(dtype=float))
        problems += [grades_problem(int(r), "pupils", v, count_rule)
                     for r, v, w in zip(rows, long["pupils"], wrong, strict=True) if w]
        key = pd.DataFrame({"s": long["school_id"].astype(str), "g": grade})
        dup = key.duplicated(keep=False).to_numpy()
        problems += [grades_problem(int(r), "grade", g, f"school {s} lists grade {g:g} twice")
                     for r, s, g, d in zip(rows, key["s"], key["g"], dup, strict=True) if d]
        if problems:
            raise StaffingDataError(problems)
        wide = (pd.DataFrame({"school_id": key["s"], "grade": grade.astype(int), "pupils": pupils})
                .pivot(index="school_id", columns="grade", values="pupils")
                .reindex(pd.unique(key["s"])))
        wide.index.name = "school_id"
    else:
        wide = grades.copy()
        if "school_id" in wide.columns:
            wide = wide.set_index("school_id")
        wide.index = wide.index.astype(str)
        twice = wide.index[wide.index.duplicated()].unique()
        if len(twice):
            raise StaffingDataError([grades_problem(None, "school_id", sid,
                                                     "school listed more than once")
                                     for sid in twice])
        cols = {}
        unknown = []
        for c in wide.columns:
            text = str(c).lower().removeprefix("grade").strip(" _")
            if not text.isdigit() or int(text) not in all_grades:
                unknown.append(grades_problem(
                    None, str(c), None,
                    f"expected a long table (school_id, grade, pupils) or grade columns "
                    f"1–{n} (Policy.grades = {policy.grades_text})"))
            cols[c] = int(text) if text.isdigit() else c
        if unknown:
            raise StaffingDataError(unknown)
        original = wide
        wide = wide.rename(columns=cols)
        values = wide.apply(pd.to_numeric, errors="coerce")
        v = values.to_numpy(dtype=float, na_value=np.nan)
        bad = (values.isna() & wide.notna()).to_numpy() | (wide.notna().to_numpy()
                                                          & bad_pupils(v))
        if bad.any():
            r, c = np.nonzero(bad)
            raise StaffingDataError([
                grades_problem(int(i) + 2, str(original.columns[j]), wide.iat[i, j],
                                count_rule) for i, j in zip(r, c, strict=True)])
        wide = values
    wide.columns = wide.columns.astype(int)
    return wide.reindex(columns=list(all_grades)).fillna(0.0).astype(float)



# --------------------------------------------------------------------------- classes
def classes_from_grades(pupils: np.ndarray, policy: Policy | None = None,
                        multigrade: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Classes per school and stage from whole pupils per grade (schools × grades 1..n).

    ⌈pupils ÷ limit⌉ per grade (``primary_class_size_max`` 45 for the primary grades of
    ``Policy.grades``, ``junior_class_size_max`` 50 for the junior ones), added up by
    stage; where ``multigrade`` is True the stage's grades are taught together
    (⌈stage pupils ÷ limit⌉). The rule of :func:`staffing.estimate_classes`.

    Returns
    -------
    ``{"primary": int array, "junior": int array}``, one entry per school.

    Examples
    --------
    >>> import numpy as np
    >>> out = classes_from_grades(np.array([[45, 46, 0, 0, 0, 0, 50, 51, 0]]))
    >>> int(out["primary"][0]), int(out["junior"][0])
    (3, 3)
    """
    policy = policy or Policy()
    pupils = np.asarray(pupils, dtype=np.int64)
    n_primary = policy.grades[0]
    out = {}
    for stage, cols, size in (("primary", slice(0, n_primary), policy.primary_class_size_max),
                              ("junior", slice(n_primary, None), policy.junior_class_size_max)):
        p = pupils[:, cols]
        size = int(size)
        by_grade = ((p + size - 1) // size).sum(axis=1)
        if multigrade is not None:
            together = (p.sum(axis=1) + size - 1) // size
            by_grade = np.where(np.asarray(multigrade, dtype=bool), together, by_grade)
        out[stage] = by_grade.astype(np.int64)
    return out


def spread_evenly(totals: np.ndarray, n_grades: int) -> np.ndarray:
    """Whole pupils per grade from stage totals spread as evenly as whole pupils allow.

    Each of the ``n_grades`` grades gets ⌊total ÷ n⌋ pupils and the first
    ``total mod n`` grades one more (all grades of a stage share one class-size limit,
    so which grades get the extra pupil does not change the classes).

    Examples
    --------
    >>> spread_evenly(np.array([12, 5]), 3).tolist()
    [[4, 4, 4], [2, 2, 1]]
    """
    totals = np.asarray(totals, dtype=np.int64)
    base, extra = np.divmod(totals, n_grades)
    return base[:, None] + (np.arange(n_grades)[None, :] < extra[:, None]).astype(np.int64)


# --------------------------------------------------------------------------- filling
@dataclass
class Completed:
    """The schools table with stage totals and classes filled where it had none.

    Attributes
    ----------
    schools : the table, pseudo-columns (``grade_n``, ``pupils``) removed.
    shown, sources : ``{column: as problems name it}``, ``{column: where it came from}``,
        those of the mapping plus the columns filled here.
    notes : one note per column filled, naming how.
    warnings : rows whose stage total disagrees with its pupils per grade.
    problems : bad per-grade pupils, schools without them, nine-year schools with one
        enrolment column.
    unfilled : columns that were to be filled but could not be (problems above):
        validation's "missing column" about them is not repeated.
    """

    schools: pd.DataFrame
    shown: dict[str, str]
    sources: dict[str, str]
    notes: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unfilled: set[str] = field(default_factory=set)


def _key(text: object) -> str:
    return str(text).strip().casefold()


def _position(frame: pd.DataFrame, name: str) -> int | None:
    """Position of the schema column ``name`` (any header the schema knows it by)."""
    column = next((c for c in SCHOOL_COLUMNS if c.name == name), None)
    known = {_key(h) for h in (column.headers() if column else (name,))}
    found = [j for j, h in enumerate(frame.columns) if _key(h) in known]
    return found[0] if found else None


def _id(value: object) -> str | None:
    """A school id as validation reads it: whole numbers without ``.0``, text stripped."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else None
    return str(value).strip()


def _levels(frame: pd.DataFrame) -> pd.Series:
    """Each row's level code (None where absent or not a level)."""
    position = _position(frame, "level")
    if position is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    spellings = next(c for c in SCHOOL_COLUMNS if c.name == "level").spellings()
    return frame.iloc[:, position].map(lambda v: spellings.get(_key(v)), na_action="ignore")


def complete_schools(
    frame: pd.DataFrame,
    pupils_by_grade: pd.DataFrame | None = None,
    *,
    classes: str | None = None,
    policy: Policy | None = None,
    source: str = "<DataFrame>",
    rows: np.ndarray | None = None,
    shown: dict[str, str] | None = None,
    sources: dict[str, str] | None = None,
) -> Completed:
    """Fill the stage totals and classes a mapped schools table lacks; see the module.

    Parameters
    ----------
    frame : DataFrame
        The schools table after :func:`staffing.data.mapping.map_tables`: grade
        columns renamed ``grade_1``…, a single enrolment column renamed ``pupils``.
    pupils_by_grade : DataFrame, optional
        Pupils per grade as :func:`pupils_by_grade_table` reads them, keyed by the
        schools' ids (instead of grade columns).
    classes : None or "estimate"
        ``"estimate"``: classes columns absent and no pupils per grade → estimate them
        from the stage totals spread evenly over the grades.
    policy : Policy, optional
        ``grades``, class-size limits, ``multigrade_levels``.
    source, rows, shown, sources
        How problems name the file, the rows and the mapped columns.

    Returns
    -------
    Completed
    """
    if classes not in CLASSES_CHOICES:
        raise ValueError(f"classes must be None or 'estimate', not {classes!r}")
    policy = policy or Policy()
    n = len(frame)
    rows = np.arange(2, n + 2) if rows is None else np.asarray(rows, dtype=np.int64)
    shown = dict(shown or {})
    sources = dict(sources or {})
    done = Completed(frame, shown, sources)
    grade_cols = [j for j, h in enumerate(frame.columns) if is_grade_target(h)]
    by_level = next((j for j, h in enumerate(frame.columns) if _key(h) == BY_LEVEL), None)
    pseudo = [*grade_cols, *([] if by_level is None else [by_level])]
    frame = frame.iloc[:, [j for j in range(frame.shape[1]) if j not in pseudo]].copy()
    levels = _levels(frame)
    multigrade = levels.isin(policy.multigrade_levels).to_numpy()

    grades, grades_from = _pupils_by_grade(done, grade_cols, pupils_by_grade, rows, source,
                                           policy)
    wanted = grade_cols or pupils_by_grade is not None
    n_primary = policy.grades[0]
    stage_cols = {"primary": slice(0, n_primary), "junior": slice(n_primary, None)}

    # stage totals
    for stage in _STAGES:
        column = f"pupils_{stage}"
        position = _position(frame, column)
        if position is not None:
            if grades is not None:
                _check_total(done, frame.iloc[:, position], grades[:, stage_cols[stage]],
                             column, rows, source)
            continue
        if wanted:
            if grades is None:
                done.unfilled.add(column)
                continue
            frame[column] = grades[:, stage_cols[stage]].sum(axis=1)
            _record(done, column, f"sum of {grades_from[stage]}", source,
                    f"the sum of the {stage} grades' pupils (各年级学生数之和)")
        elif by_level is not None:
            raw = done.schools.iloc[:, by_level]
            user = str(done.schools.columns[by_level])
            header = sources.get(BY_LEVEL, user)
            stage_of = levels.map(_STAGE_OF_LEVEL)
            split = raw.astype(object).where(stage_of.eq(stage).to_numpy(), 0)
            # no valid level (reported by validation or the mapping) or a nine-year
            # school (reported below): the split is unknown, not 0 in both stages
            cause = Unknown(f"{header} is split by the school's level, and the level "
                            "is not a valid single-stage level")
            frame[column] = split.where(stage_of.notna().to_numpy(), cause)
            _record(done, column, f"{header} by level", source,
                    f"{header} for the schools whose level teaches only the {stage} stage, "
                    f"0 for the others (按学段拆分)")
            if stage == "primary":
                both = np.flatnonzero(levels.eq("nine_year").to_numpy())
                done.problems += [Problem(
                    source, "schools", int(rows[i]), f"{header} (→ {BY_LEVEL})",
                    _plain(raw.iat[i]),
                    "a nine-year school teaches both stages, so one enrolment column cannot "
                    "say how many of its pupils are primary: give pupils_primary and "
                    "pupils_junior (or pupils per grade)") for i in both]

    # classes
    flagged = np.zeros(n, dtype=bool)
    for stage in _STAGES:
        column = f"classes_{stage}"
        if _position(frame, column) is not None:
            continue
        size = (policy.primary_class_size_max if stage == "primary"
                else policy.junior_class_size_max)
        if wanted:
            if grades is None:
                done.unfilled.add(column)
                continue
            per_grade = grades
            how = f"estimated from {grades_from[stage]}"
            note = (f"estimated, not counted (班级数为估算): ⌈pupils ÷ {size}⌉ per grade of "
                    f"{grades_from[stage]}")
        elif classes == "estimate":
            total_at = _position(frame, f"pupils_{stage}")
            if total_at is None:
                done.unfilled.add(column)
                continue
            given = frame.iloc[:, total_at]
            totals = pd.to_numeric(given, errors="coerce").to_numpy(float)
            ok = np.isfinite(totals) & (totals >= 0) & (np.floor(totals) == totals)
            n_grades = policy.grades[0 if stage == "primary" else 1]
            per_grade = np.zeros((n, sum(policy.grades)), dtype=np.int64)
            per_grade[:, stage_cols[stage]] = spread_evenly(np.where(ok, totals, 0), n_grades)
            total_name = shown.get(f"pupils_{stage}", f"pupils_{stage}")
            how = f"estimated from {sources.get(f'pupils_{stage}', f'pupils_{stage}')} " \
                  f"spread over {n_grades} grades"
            note = (f"estimated, not counted, and rougher than from pupils per grade "
                    f"(按学段人数平均分到各年级估算): {total_name} spread evenly over the "
                    f"{n_grades} {stage} grades of Policy.grades, ⌈pupils ÷ {size}⌉ per grade "
                    "(classes='estimate')")
        else:
            continue  # validation names the missing column and both ways to supply it
        counted = classes_from_grades(per_grade, policy, multigrade)[stage]
        if wanted or ok.all():
            frame[column] = counted
        else:  # estimated from a total that is not valid (reported as such): unknown
            frame[column] = pd.Series(counted, index=frame.index, dtype=object).where(
                ok, Unknown(f"estimated from {total_name}, which is not valid"))
        stage_pupils = per_grade[:, stage_cols[stage]].sum(axis=1)
        flagged |= stage_pupils > 0
        if not (stage_pupils > 0).any():
            _record(done, column, f"0 (no {stage} pupils)", source,
                    f"0 for every school: no school has {stage} pupils (无该学段学生)")
            continue
        if multigrade.any():
            note += (f"; one multigrade class per stage (⌈stage pupils ÷ {size}⌉) at "
                     f"{', '.join(policy.multigrade_levels)} schools")
        k = int((stage_pupils > 0).sum())
        note += f"; {k} school{'s' if k != 1 else ''} flagged classes_estimated"
        _record(done, column, how, source, note)
    if flagged.any():
        at = _position(frame, "classes_estimated")
        if at is None:
            frame["classes_estimated"] = flagged
        else:
            given = frame.iloc[:, at].astype(object)
            frame.isetitem(at, given.where(~flagged, True))
    done.schools = frame
    return done


def _pupils_by_grade(done: Completed, grade_cols: list[int],
                     table: pd.DataFrame | None, rows: np.ndarray, source: str,
                     policy: Policy) -> tuple[np.ndarray | None, dict[str, str]]:
    """Pupils per grade of every row (schools × grades 1..n), or None with problems;
    and, per stage, where they come from as a note names it."""
    frame = done.schools
    n = len(frame)
    stages = {"primary": policy.primary_grades, "junior": policy.junior_grades}
    table_from = {s: f"pupils_by_grade (grades {g[0]}–{g[-1]})" for s, g in stages.items()}
    if grade_cols and table is not None:
        done.problems.append(Problem(
            source, "schools", None, str(frame.columns[grade_cols[0]]), None,
            "pupils per grade are given twice, as grade columns and as pupils_by_grade; "
            "give one"))
        return None, table_from
    if grade_cols:
        wide = frame.iloc[:, grade_cols].copy()
        names = [_key(h) for h in wide.columns]
        wide.columns = names
        wide.index = pd.Index([str(i) for i in range(n)], name="school_id")
        grades_from = {}
        for stage, numbers in stages.items():
            written = [done.sources.get(c, c) for c in names
                       if int(c.removeprefix("grade_")) in numbers]
            grades_from[stage] = (", ".join(written) if len(written) <= 3
                                  else f"{written[0]} … {written[-1]}") or "no grade columns"
        try:
            parsed = pupils_by_grade_table(wide, policy, whole=True)
        except StaffingDataError as exc:
            done.problems += [Problem(
                source, "schools", None if p.row is None else int(rows[p.row - 2]),
                done.shown.get(p.column, p.column), _plain(p.value), p.rule)
                for p in exc.problems]
            return None, grades_from
        return parsed.to_numpy(dtype=np.int64), grades_from
    if table is None:
        return None, table_from
    try:
        parsed = pupils_by_grade_table(table, policy, whole=True)
    except StaffingDataError as exc:
        done.problems += [Problem(source, "pupils_by_grade", p.row, p.column, p.value, p.rule)
                          for p in exc.problems]
        return None, table_from
    at = _position(frame, "school_id")
    if at is None:
        return None, table_from  # validation names the missing school_id
    ids = frame.iloc[:, at].map(_id, na_action="ignore")
    known = set(ids.dropna())
    done.problems += [Problem(source, "pupils_by_grade", None, "school_id", sid,
                              "not a school id of the schools table")
                      for sid in parsed.index if sid not in known]
    where = parsed.index.get_indexer(ids.fillna("").to_numpy())
    done.problems += [Problem(source, "schools", int(rows[i]),
                              done.shown.get("school_id", "school_id"), ids.iat[i],
                              "this school has no pupils per grade in pupils_by_grade")
                      for i in np.flatnonzero(where < 0)]
    if (where < 0).any() or len(done.problems):
        return None, table_from
    return parsed.to_numpy(dtype=np.int64)[where], table_from


def _check_total(done: Completed, given: pd.Series, grades: np.ndarray, column: str,
                 rows: np.ndarray, source: str) -> None:
    """Warn where a stage total given disagrees with the sum of its grades."""
    total = pd.to_numeric(given, errors="coerce").to_numpy(dtype=float)
    summed = grades.sum(axis=1)
    differ = np.isfinite(total) & (total != summed)
    done.warnings += [Problem(
        source, "schools", int(rows[i]), done.shown.get(column, column), _plain(given.iat[i]),
        f"the pupils per grade add up to {int(summed[i])}; classes are estimated from the "
        "grades (各年级学生数之和与学段人数不符)") for i in np.flatnonzero(differ)]


def _plain(value: object) -> object:
    """A numpy scalar as the Python value problems show (``-3``, not ``np.int64(-3)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _record(done: Completed, column: str, how: str, source: str, note: str) -> None:
    done.sources[column] = how
    done.shown[column] = f"{how} (→ {column})"
    done.notes.append(Problem(source, "schools", None, done.shown[column], None, note))
