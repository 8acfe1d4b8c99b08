"""Validate the schools and teachers tables and bring them to canonical form.

Everything the rest of the library trusts about its input is checked here, once:
headers (English or Chinese, see :mod:`staffing.data.schema`), cell types, bounds,
vocabularies, ids, and the plausibility rules that catch typos (pupils without
classes, a junior school with primary pupils, a staff count far above any norm).
Every problem in both tables is collected and raised at once as one
:class:`~staffing.errors.StaffingDataError`; nothing is dropped or coerced silently.

The checks are vectorised: each rule is a boolean mask over the rows, and only
the (few) offending rows are formatted into :class:`~staffing.errors.Problem` s.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from staffing._cells import EXCEL_TEXT_MAX
from staffing._sphere import far_from_centre
from staffing.data.marks import FormulaCell, Unknown
from staffing.data.schema import Column, columns_for
from staffing.errors import Problem, StaffingDataError, StaffingDataWarning
from staffing.policy import Policy
from staffing.vocab import FALSE_WORDS, LEAVING_STATUSES, STATUSES, TRUE_WORDS, VALUE_ALIASES

__all__ = ["validate_tables", "check_tables", "CheckedTables", "check_county_total",
           "validate_move_rules", "lock_problems", "staying_in_post", "ID_COLUMNS", "TABLES",
           "MIN_HIRE_AGE", "LATEST_RETIREMENT_AGE"]

#: The tables validated here, in the order problems are reported.
TABLES: tuple[str, ...] = ("schools", "teachers", "move_rules")

#: The id column of each table; it becomes the index of the canonical frame.
ID_COLUMNS: dict[str, str] = {"schools": "school_id", "teachers": "teacher_id"}

#: A teacher cannot have started work before this age (hire_year - birth_year).
MIN_HIRE_AGE: int = 16

#: The latest statutory retirement age of each track once the 2025 reform is fully
#: phased in: old age + cap of :data:`staffing.retirement.TRACKS` (men 60 + 3, women
#: cadres 55 + 3, women workers 50 + 5; tests keep the two equal). A teacher in post
#: older than this in the plan year is flagged (a warning); the exact date by birth month is the
#: retirement module's job.
LATEST_RETIREMENT_AGE: dict[str, int] = {"male": 63, "female_cadre": 58, "female_worker": 55}

#: Value an optional column takes where it is absent or its cell is empty, by kind.
# An optional category column left out, or a blank cell of one, is "" (not given).
_DEFAULTS: dict[str, object] = {"bool": False, "int": 0, "float": np.nan, "date": pd.NaT,
                                "int_or_blank": np.nan, "category": ""}

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月)?"
    r"(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
)

#: Characters a cell may not hold (Excel cannot store them either).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: A code written as a whole number with a decimal point and zeros ("532302001.0").
_WHOLE_DECIMAL = re.compile(r"^([+-]?\d+)\.0+$")

#: Longest text shown in full in a problem; longer values are cut with their length.
_SHOWN_MAX = 80

RowRule = str | Callable[[int], str]


# ---------------------------------------------------------------------------- public
def validate_tables(
    schools: pd.DataFrame,
    teachers: pd.DataFrame | None = None,
    *,
    source: str = "<DataFrame>",
    policy: Policy | None = None,
    sheet_names: Mapping[str, str] | None = None,
    row_numbers: Mapping[str, Sequence[int]] | None = None,
    headers: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Check the schools and teachers tables and return them in canonical form.

    Parameters
    ----------
    schools : DataFrame
        One row per school. Headers in English or Chinese, mixed freely (English
        matched case-insensitively, whitespace stripped); category cells as English
        codes or Chinese labels; numbers possibly as text or floats (``12.0`` is a
        fine whole number, ``12.5`` is not). A frame already indexed by
        ``school_id`` is accepted too.
    teachers : DataFrame, optional
        One row per teacher, with ``birth_date`` or ``birth_year`` (or both).
    source : str
        The file the tables came from, named in every problem.
    policy : Policy, optional
        Supplies the plausibility limits (``plausible_staff_factor``,
        ``plausible_staff_extra``, ``plausible_class_size_max``), the pupil ratios
        and ``plan_year`` (years of service are counted to it); the defaults
        otherwise.
    sheet_names : mapping, optional
        ``{"schools": sheet, "teachers": sheet}`` as named in problems; the table
        names by default.
    row_numbers : mapping, optional
        ``{"schools": [...], "teachers": [...]}``: the spreadsheet row of each data
        row, for readers that skipped title or blank rows. By default the header is
        row 1 and data start at row 2.
    headers : mapping, optional
        ``{"schools": {column: shown}, ...}``: how a problem names a column that a
        mapping renamed (``"ENROLMEN (→ pupils_primary)"``, see
        :mod:`staffing.data.mapping`); the header as written by default. A table
        named here was mapped, and a problem about a missing column or an unknown
        code says how to map it.

    Returns
    -------
    (schools, teachers) : tuple of DataFrame
        Canonical English columns in schema order, indexed by ``school_id`` and
        ``teacher_id`` (str); ints as int64, floats float64, bools bool, categories
        as str codes, dates datetime64[ns]; optional columns filled with their
        defaults. ``teachers`` is None when none was given.

    Raises
    ------
    StaffingDataError
        Listing every problem found in either table: file, sheet, row, column (as
        the user wrote the header), value and the rule broken.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({
    ...     "学校代码": [101], "学校名称": ["城关小学"], "乡镇": ["鹿城镇"],
    ...     "学段": ["小学"], "城乡属性": ["城区"], "小学在校生数": ["950"],
    ...     "初中在校生数": [0], "小学班级数": [21.0], "初中班级数": [0],
    ...     "核定编制数": [48], "在编在岗人数": [47], "是否中心校": ["是"]})
    >>> schools, _ = validate_tables(raw)
    >>> schools[["level", "pupils_primary", "is_central", "is_weak"]].to_dict("index")
    {'101': {'level': 'primary', 'pupils_primary': 950, 'is_central': True, 'is_weak': False}}
    >>> bad = raw.assign(小学班级数=[21.5])
    >>> try:
    ...     validate_tables(bad, source="lufeng.xlsx")
    ... except StaffingDataError as e:
    ...     print(e.problems[0])
    lufeng.xlsx [schools] row 2, column '小学班级数': value 21.5: expected a whole number
    """
    checked = check_tables(schools, teachers, source=source, policy=policy,
                           sheet_names=sheet_names, row_numbers=row_numbers, headers=headers)
    return checked.schools, checked.teachers


class CheckedTables(NamedTuple):
    """The canonical tables, and the rows that load but look wrong (warnings)."""

    schools: pd.DataFrame
    teachers: pd.DataFrame | None
    warnings: list[Problem]


def check_tables(
    schools: pd.DataFrame,
    teachers: pd.DataFrame | None = None,
    *,
    source: str = "<DataFrame>",
    policy: Policy | None = None,
    sheet_names: Mapping[str, str] | None = None,
    row_numbers: Mapping[str, Sequence[int]] | None = None,
    headers: Mapping[str, Mapping[str, str]] | None = None,
    plausibility: bool = True,
    reported_before: bool = False,
) -> CheckedTables:
    """:func:`validate_tables`, also returning the warnings: problems that do not stop
    a county from loading.

    Today these are the schools whose coordinates lie far from the rest of their
    county (``Policy.far_school_min_km``, ``Policy.far_school_median_factor``); each
    is a :class:`~staffing.errors.Problem` with its file, sheet, row, column and value.
    Parameters, returns and errors as :func:`validate_tables`, and

    plausibility : bool
        False leaves out the checks that catch typed-in typos (staff and quota far
        above the pupil-ratio norm, implausible class sizes) — for tables the library
        derived itself, such as a projected year's pupils, which nobody typed and
        nobody can fix.
    reported_before : bool
        Whether the caller found problems before validation (a mapping's, see
        :meth:`staffing.County.from_frames`): cells marked
        :class:`~staffing.data.marks.Unknown` are their consequences and are not
        reported. Without such problems, or any found here, an Unknown cell is
        reported with its cause, so that nothing is dropped silently.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({
    ...     "school_id": ["A", "B", "C", "D"], "name": ["a", "b", "c", "d"],
    ...     "township": "t", "level": "primary", "location": "rural",
    ...     "pupils_primary": 40, "pupils_junior": 0, "classes_primary": 2,
    ...     "classes_junior": 0, "approved_quota": 4, "staff_in_post": 4,
    ...     "lat": [25.0, 25.1, 25.0, 52.0], "lon": [101.0, 101.0, 101.1, 101.0]})
    >>> [(w.row, w.value) for w in check_tables(raw).warnings]
    [(5, '52.0, 101.0')]
    """
    policy = Policy() if policy is None else policy
    sheets = {t: t for t in TABLES} | dict(sheet_names or {})
    rows = dict(row_numbers or {})
    shown = None if headers is None else {t: dict(headers.get(t, {})) for t in TABLES}
    report = _Report(source)

    s = _parse_table(schools, "schools", sheets["schools"], rows.get("schools"), report,
                     None if shown is None else shown["schools"])
    t = None
    if teachers is not None:
        t = _parse_table(teachers, "teachers", sheets["teachers"], rows.get("teachers"), report,
                         None if shown is None else shown["teachers"])

    _check_schools(s, policy, report, plausibility)
    if t is not None:
        _check_teachers(t, policy, report)
        _check_teachers_against_schools(t, s, report)
    _check_locks(s, t, report)
    if not report._found and not reported_before:  # an Unknown cell's cause is unreported
        for table in (s, t):
            for column, mask in ({} if table is None else table.unknown).items():
                report.cells(table, mask, column,
                             lambda i, raw=table.raw[column]: "the value could not be "
                             f"determined: {raw.iat[i].cause}", value=lambda i: "")
    report.raise_if_any()
    flagged = _Report(source)
    _check_far_schools(s, policy, flagged)
    warned = [problem for _, problem in sorted(flagged._found, key=lambda found: found[0])]
    return CheckedTables(_finalise(s), None if t is None else _finalise(t), warned)


def check_county_total(total: int, schools: pd.DataFrame, policy: Policy | None = None,
                       source: str = "<DataFrame>") -> None:
    """Refuse a county total far above what the schools could ever hold.

    The limit is the sum of the per-school plausibility limits of validation:
    ``plausible_staff_factor`` × the county's pupil-ratio norm (primary pupils /
    ``primary_ratio`` + junior pupils / ``junior_ratio``) + ``plausible_staff_extra``
    per school. A total of 10⁹ posts is a typo, not a county.

    Raises
    ------
    StaffingDataError
        Naming the county total, the limit and how it is computed.
    """
    policy = Policy() if policy is None else policy
    norm = float((schools["pupils_primary"] / policy.primary_ratio
                  + schools["pupils_junior"] / policy.junior_ratio).sum())
    limit = policy.plausible_staff_factor * norm + policy.plausible_staff_extra * len(schools)
    if total > limit:
        raise StaffingDataError([Problem(
            source, "county", None, "county_total", total,
            f"implausibly high: the limit is {limit:,.0f} = {policy.plausible_staff_factor:g} × "
            f"the county's pupil-ratio norm {norm:,.1f} + {policy.plausible_staff_extra:g} × "
            f"{len(schools)} schools (Policy.plausible_staff_factor, "
            "Policy.plausible_staff_extra)")])


def staying_in_post(schools: pd.DataFrame, teachers: pd.DataFrame | None) -> pd.Series:
    """Staff staying in post per school: staff in post less the listed teachers whose
    status leaves the post this year (``LEAVING_STATUSES``), never below 0."""
    leavers = pd.Series(0, index=schools.index)
    if teachers is not None and len(teachers):
        gone = teachers.loc[teachers["status"].isin(LEAVING_STATUSES), "school_id"]
        leavers = gone.value_counts().reindex(schools.index, fill_value=0)
    return (schools["staff_in_post"] - leavers).clip(lower=0).astype("int64")


def lock_problems(schools: pd.DataFrame, staying: pd.Series, county_total: int, *,
                  reserve: int = 0, pool_enabled: bool = True,
                  source: str = "<DataFrame>", sheet: str = "schools") -> list[Problem]:
    """Locked quotas (``locked_quota``) that the hard rules make impossible.

    A quota is never below the staff staying in post (a quota change dismisses nobody),
    and the quotas plus the pool reserve fit within the county total (when the staff
    fit). So a lock below the school's staff staying in post is an error, and so are
    locks that, with the staff staying at the unlocked schools and ``reserve`` posts
    kept in the pool, need more than the county total (or, when the staff already
    exceed the total, any lock above the staff staying). With the pool off every quota
    stays at its approved value, so a lock must equal it.

    Parameters
    ----------
    schools : canonical schools table (``approved_quota``, ``locked_quota``).
    staying : staff staying in post per school (:func:`staying_in_post`).
    county_total : the county total quota.
    reserve : posts the pool must keep (``Policy.pool_reserve_share``; 0 by default).
    pool_enabled : ``Policy.pool_enabled``.
    source, sheet : named in the problems.

    Returns
    -------
    list of Problem
        Empty when every lock can be kept.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"approved_quota": [10, 8], "locked_quota": [4.0, float("nan")]},
    ...                  index=pd.Index(["A", "B"], name="school_id"))
    >>> [p.rule[:40] for p in lock_problems(s, pd.Series([5, 8], index=["A", "B"]), 20)]
    ['school A: the locked quota 4 is below th']
    """
    if "locked_quota" not in schools or not schools["locked_quota"].notna().any():
        return []
    lock = schools["locked_quota"]
    locked = lock.notna()
    problems = []
    below = locked & (lock < staying)
    problems += [Problem(source, sheet, None, "locked_quota", int(lock[i]),
                         f"school {i}: the locked quota {int(lock[i])} is below the "
                         f"{int(staying[i])} staff staying in post there (staff in post less "
                         "leavers); a quota change dismisses nobody / 锁定编制数低于在岗留任人数")
                 for i in schools.index[below.to_numpy()]]
    if not pool_enabled:
        off = locked & lock.ne(schools["approved_quota"])
        problems += [Problem(source, sheet, None, "locked_quota", int(lock[i]),
                             f"school {i}: with the turnover pool off (Policy.pool_enabled) "
                             f"every quota stays at its approved {int(schools.at[i, 'approved_quota'])}"
                             " / 周转池关闭时编制不可调整")
                     for i in schools.index[off.to_numpy()]]
        return problems
    if problems:
        return problems
    need = int(lock[locked].sum()) + int(staying[~locked].sum())
    room = max(int(county_total), int(staying.sum()))  # the staff's excess is a fact
    if need + int(reserve) > room:
        ids = ", ".join(map(str, schools.index[locked.to_numpy()][:10]))
        problems.append(Problem(
            source, sheet, None, "locked_quota", int(lock[locked].sum()),
            f"the locked quotas (Σ {int(lock[locked].sum())} at {ids}) plus the "
            f"{int(staying[~locked].sum())} staff staying in post at the other schools"
            + (f" plus the pool reserve {int(reserve)}" if reserve else "")
            + f" need {need + int(reserve)} posts, more than the county total "
            f"{int(county_total)}" + (f" (the staff in post, {int(staying.sum())})"
                                      if room > county_total else "")
            + " / 锁定编制数合计超过县域编制总量"))
    return problems


def validate_move_rules(
    rules: pd.DataFrame,
    schools: pd.DataFrame,
    teachers: pd.DataFrame | None,
    *,
    source: str = "<DataFrame>",
    sheet: str = "move_rules",
    rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Check the move-rules table against the canonical schools and teachers tables.

    Each row says a teacher may (``allowed`` / 允许) or must not (``forbidden`` / 禁止)
    be moved to a school. Problems: unknown teacher or school ids, a rule naming the
    teacher's own school (not a move), the same (teacher, school) given twice or both
    allowed and forbidden, and rows for a pinned teacher (``pinned`` column: she is
    never moved, so a rule for her contradicts the teachers table — remove one).

    Returns
    -------
    DataFrame
        Columns ``teacher_id``, ``school_id``, ``rule`` (codes), sorted by teacher and
        school, on a fresh RangeIndex.

    Raises
    ------
    StaffingDataError
        Listing every problem with its sheet, row, column, value and rule.
    """
    report = _Report(source)
    t = _parse_table(rules, "move_rules", sheet, rows, report)
    tid = t.value.get("teacher_id")
    sid = t.value.get("school_id")
    if teachers is None and len(t):
        report.table(t, t.header("teacher_id"), "move rules need a teachers table "
                     "(sheet teachers / 教师)")
    elif tid is not None:
        report.cells(t, tid.notna() & ~tid.isin(teachers.index), "teacher_id",
                     lambda i: f"no teacher with teacher_id {tid.iat[i]!r} in the teachers "
                     "table")
        pinned = tid.map(teachers["pinned"]).fillna(False).astype(bool)
        report.cells(t, pinned, "teacher_id",
                     "the teacher is pinned (不参与交流) and never moves; a move rule for her "
                     "contradicts the teachers table: remove the rule or the pin")
        if sid is not None:
            own = tid.map(teachers["school_id"])
            report.cells(t, sid.notna() & sid.eq(own), "school_id",
                         "the teacher's own school is not a move target")
    if sid is not None:
        report.cells(t, sid.notna() & ~sid.isin(schools.index), "school_id",
                     lambda i: f"no school with school_id {sid.iat[i]!r} in the schools table")
    if tid is not None and sid is not None and "rule" in t.value:
        pair = tid.astype(str) + "\x00" + sid.astype(str)
        ok = tid.notna() & sid.notna()
        dup = ok & pair.duplicated(keep=False)
        rule = t.value["rule"]
        both = pair[ok].map(rule[ok].groupby(pair[ok]).nunique()).reindex(pair.index).gt(1)
        report.cells(t, both, "rule", lambda i: f"teacher {tid.iat[i]} is both allowed and "
                     f"forbidden school {sid.iat[i]}")
        report.cells(t, dup & ~both, "school_id",
                     lambda i: f"the rule for teacher {tid.iat[i]} and school {sid.iat[i]} "
                     "is given twice")
    report.raise_if_any()
    out = pd.DataFrame({c.name: _as_dtype(t.value[c.name], c).reset_index(drop=True)
                        for c in t.columns})
    return out.sort_values(["teacher_id", "school_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- tables
@dataclass
class _Table:
    """One input table while it is being checked (row positions 0..n-1)."""

    name: str
    sheet: str
    rows: np.ndarray  # spreadsheet row number of each data row
    columns: tuple[Column, ...]
    zh: bool = False  # whether the user's headers are mostly Chinese
    shown: dict[str, str] | None = None  # canonical → as named in problems, if mapped
    headers: dict[str, str] = field(default_factory=dict)  # canonical → as written
    positions: dict[str, int] = field(default_factory=dict)  # canonical → column position
    raw: dict[str, pd.Series] = field(default_factory=dict)  # cells as given (object)
    value: dict[str, pd.Series] = field(default_factory=dict)  # parsed; NaN if not valid
    unknown: dict[str, np.ndarray] = field(default_factory=dict)  # cells marked Unknown

    def __len__(self) -> int:
        return len(self.rows)

    def col(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def header(self, name: str) -> str:
        """The header the user wrote for ``name``, or the schema's in their language."""
        if name in self.headers:
            return self.headers[name]
        return self.col(name).zh if self.zh else name

    def has(self, *names: str) -> bool:
        return all(n in self.value for n in names)


class _Report:
    """Collects problems; formats only the offending rows."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._found: list[tuple[tuple[int, int, int], Problem]] = []

    def _add(self, t: _Table, row: int | None, column: str, header: str, value: object,
             rule: str) -> None:
        key = (TABLES.index(t.name), -1 if row is None else row, t.positions.get(column, -1))
        self._found.append((key, Problem(self.source, t.sheet, row, header, value, rule)))

    def table(self, t: _Table, column: str, rule: str, value: object = None) -> None:
        """A problem about a whole table or column (no row); ``column`` as written."""
        self._add(t, None, column, column, value, rule)

    def cells(self, t: _Table, mask: pd.Series, column: str, rule: RowRule, *,
              value: Callable[[int], object] | None = None, header: str | None = None) -> None:
        """One problem per row where ``mask`` holds; ``rule`` may depend on the row, and so
        may the ``value`` shown (the cell of ``column`` by default)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        raw = t.raw.get(column)
        for i in positions:
            if value is not None:
                shown = value(int(i))
            else:
                shown = "" if raw is None else _display(raw.iat[i])
            text = rule(int(i)) if callable(rule) else rule
            self._add(t, int(t.rows[i]), column, header or t.header(column), shown, text)

    def raise_if_any(self) -> None:
        """Raise every problem, ordered by table, row (whole-column ones first), column."""
        if self._found:
            ordered = sorted(self._found, key=lambda found: found[0])
            raise StaffingDataError([problem for _, problem in ordered])


def _parse_table(
    frame: pd.DataFrame,
    name: str,
    sheet: str,
    rows: Sequence[int] | None,
    report: _Report,
    shown: dict[str, str] | None = None,
) -> _Table:
    """Match headers, parse every known column, report cell-level problems."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    columns = columns_for(name)
    frame = _index_as_column(frame, columns)
    if rows is None:
        rows = np.arange(2, len(frame) + 2)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) != len(frame):
        raise ValueError(f"row_numbers[{name!r}] has {len(rows)} entries for {len(frame)} rows")
    t = _Table(name, sheet, rows, columns, shown=shown)
    unknown = _match_headers(frame, t, report)
    missing = [c for c in columns if c.required and c.name not in t.headers]
    for c in missing:
        rule = _missing_column_rule(c, unknown)
        if shown is not None:
            rule += f"; or map a column of yours to it: columns={{'YOUR HEADER': {c.name!r}}}"
        report.table(t, c.zh if t.zh else c.name, rule)
    if name == "schools" and len(frame) == 0:
        report.table(t, "", "the schools table has no data rows")
    for c in columns:
        if c.name in t.raw:
            _parse_column(t, c, report)
    return t


def _index_as_column(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Turn a named index that is a schema column (e.g. ``school_id``) into a column."""
    index_name = frame.index.name
    if not isinstance(index_name, str):
        return frame.reset_index(drop=True)
    lookup = _header_lookup(columns)
    target = lookup.get(_norm(index_name))
    present = {lookup.get(_norm(h)) for h in frame.columns if isinstance(h, str)}
    if target is None or target in present:
        return frame.reset_index(drop=True)
    return frame.reset_index()


def _norm(header: object) -> str:
    return str(header).strip().casefold()


def _header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    return {_norm(h): c.name for c in columns for h in c.headers()}


def _match_headers(frame: pd.DataFrame, t: _Table, report: _Report) -> list[str]:
    """Fill ``t.headers`` and ``t.raw``; return the unknown headers as written."""
    lookup = _header_lookup(t.columns)
    unknown: list[str] = []
    n_zh = 0
    for j, header in enumerate(frame.columns):
        written = "" if _is_blank(header) else str(header).strip()
        name = lookup.get(_norm(written))
        if name is None:
            if written:
                unknown.append(written)
            elif not _is_blank_column(frame.iloc[:, j]):
                unknown.append(f"(no header, column {_column_letter(j)})")
            continue
        if name in t.headers:
            report.table(t, written, f"the same column as {t.headers[name]!r} "
                         f"(both mean {name}); keep one of them")
            continue
        n_zh += not written.isascii()
        t.headers[name] = (t.shown or {}).get(name, written)
        t.positions[name] = j
        t.raw[name] = frame.iloc[:, j].astype(object).reset_index(drop=True)
    t.zh = n_zh * 2 > len(t.headers)
    return unknown


def _column_letter(j: int) -> str:
    """The spreadsheet letter of the 0-based column position ``j`` (0 → A, 26 → AA)."""
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(ord("A") + r) + letters
    return letters


def _missing_column_rule(c: Column, unknown: list[str]) -> str:
    accepted = ", ".join(repr(h) for h in c.headers())
    rule = f"required column {c.name} ({c.zh}) is missing; accepted headers: {accepted}"
    close = [u for u in unknown if _closest(u, c.headers()) is not None]
    if close:
        rule += f"; is the column {close[0]!r} meant to be it?"
    return rule


def _closest(header: str, candidates: Sequence[str], cutoff: float = 0.6) -> str | None:
    key = _norm(header)
    matches = difflib.get_close_matches(key, [_norm(h) for h in candidates], n=1, cutoff=cutoff)
    if not matches:
        return None
    return next(h for h in candidates if _norm(h) == matches[0])


# ---------------------------------------------------------------------------- cells
def _parse_column(t: _Table, c: Column, report: _Report) -> None:
    """Parse one column: missing cells, type, vocabulary and bounds."""
    raw = t.raw[c.name]
    missing = _blank_mask(raw).to_numpy()
    formula = raw.map(lambda v: isinstance(v, FormulaCell)).to_numpy(dtype=bool)
    unknown = raw.map(lambda v: isinstance(v, Unknown)).to_numpy(dtype=bool)
    unread = formula | unknown  # not a value: reported here, or already elsewhere
    parsed, bad, rule = _PARSERS[c.kind](raw.where(~missing & ~unread), c)
    bad = bad.to_numpy(dtype=bool) & ~missing & ~unread
    report.cells(t, formula, c.name, lambda i: raw.iat[i].rule(),
                 value=lambda i: raw.iat[i].formula)
    if unknown.any():
        t.unknown[c.name] = unknown
    if c.required:
        report.cells(t, missing, c.name, "required value missing (empty cell)")
    if c.kind == "category" and t.shown is not None:
        report.cells(t, bad, c.name, lambda i: f"{rule}; or map the code: values="
                     f"{{{c.name!r}: {{{_display(raw.iat[i])!r}: 'allowed value'}}}}")
    else:
        report.cells(t, bad, c.name, rule)
    valid = ~missing & ~bad & ~unread
    if c.kind in ("id", "text"):
        long = valid & parsed.map(lambda v: isinstance(v, str) and len(v) > EXCEL_TEXT_MAX,
                                  na_action="ignore").fillna(False).to_numpy(dtype=bool)
        report.cells(t, long, c.name, f"text longer than {EXCEL_TEXT_MAX:,} characters, the "
                     "most one Excel cell holds")
        valid &= ~long
    if c.kind in ("int", "float", "int_or_blank"):
        valid &= _check_bounds(t, c, parsed.to_numpy(dtype="float64"), valid, report)
    t.value[c.name] = parsed.where(valid)


def _check_bounds(
    t: _Table, c: Column, parsed: np.ndarray, valid: np.ndarray, report: _Report
) -> np.ndarray:
    """Report numbers outside [min, max]; return the mask of rows within."""
    lo = -np.inf if c.min is None else c.min
    hi = np.inf if c.max is None else c.max
    out = valid & ((parsed < lo) | (parsed > hi))
    unit = f" {c.unit}" if c.unit else ""
    if c.min is not None and c.max is not None:
        rule = f"out of range: allowed {c.min:g} – {c.max:g}{unit}"
    elif c.min is not None:
        rule = f"out of range: allowed ≥ {c.min:g}{unit}"
    else:
        rule = f"out of range: allowed ≤ {c.max:g}{unit}"
    report.cells(t, out, c.name, rule)
    return ~out


def _blank_mask(raw: pd.Series) -> pd.Series:
    return raw.map(_is_blank).astype(bool)


def _is_blank(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_blank_column(raw: pd.Series) -> bool:
    return bool(_blank_mask(raw.astype(object)).all())


def _display(value: object) -> object:
    """A cell value as shown in a problem: numpy scalars as Python, empty as ''."""
    if _is_blank(value):
        return ""
    if isinstance(value, str) and len(value) > _SHOWN_MAX:
        return f"{value[:_SHOWN_MAX]}… ({len(value):,} characters)"
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_float(value: object) -> float:
    if isinstance(value, (bool, np.bool_)):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return math.nan
    return math.nan


def _parse_number(raw: pd.Series, c: Column) -> tuple[pd.Series, pd.Series, str]:
    values = raw.map(_as_float, na_action="ignore").to_numpy(dtype="float64", copy=True)
    bad = ~np.isfinite(values)
    rule = "expected a number"
    if c.kind in ("int", "int_or_blank"):
        bad |= np.mod(np.where(bad, 0.0, values), 1.0) != 0
        rule = "expected a whole number"
    values[bad] = np.nan
    return pd.Series(values, index=raw.index), pd.Series(bad, index=raw.index), rule


def _as_bool(value: object) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return {1: True, 0: False}.get(value)  # type: ignore[call-overload]
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def _parse_bool(raw: pd.Series, c: Column) -> tuple[pd.Series, pd.Series, str]:
    values = raw.map(_as_bool, na_action="ignore").astype(object)
    bad = values.isna()
    return values, bad, "expected yes or no: 是/否, true/false, yes/no or 1/0"


def _as_id(value: object) -> str | None:
    if isinstance(value, str):
        if _CONTROL.search(value):
            return None
        text = value.strip()
        # "532302001.0" in a CSV file is the code Excel stores as 532302001.0 and
        # this reader gives as "532302001": the same code, matched the same way.
        return _WHOLE_DECIMAL.sub(r"\1", text)
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return None


def _parse_id(raw: pd.Series, c: Column) -> tuple[pd.Series, pd.Series, str]:
    values = raw.map(_as_id, na_action="ignore").astype(object)
    rule = "expected a code: text without control characters, or a whole number"
    return values, values.isna(), rule


def _as_text(value: object) -> str | None:
    """Text of a cell: whole numbers without ``.0``; None if it holds a control character."""
    if isinstance(value, str):
        return None if _CONTROL.search(value) else value.strip()
    as_id = _as_id(value)
    return as_id if as_id is not None else str(value).strip()


def _parse_text(raw: pd.Series, c: Column) -> tuple[pd.Series, pd.Series, str]:
    values = raw.map(_as_text, na_action="ignore").astype(object)
    return values, values.isna(), "text holds a control character (such as \\x0b)"


def _parse_category(raw: pd.Series, c: Column) -> tuple[pd.Series, pd.Series, str]:
    vocab = c.vocab or {}
    lookup = c.spellings()

    def code(value: object) -> str | None:
        return lookup.get((_as_text(value) or "").casefold())

    values = raw.map(code, na_action="ignore").astype(object)
    allowed = ", ".join(f"{code} ({label})" for code, label in vocab.items())
    aliases = VALUE_ALIASES.get(c.name)
    if aliases:
        allowed += "; also " + ", ".join(f"{word}" for word in aliases)
    return values, values.isna(), f"not an allowed {c.name}; allowed values: {allowed}"


def _as_date(value: object) -> pd.Timestamp | None:
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value.strip())
    if match is None:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError:
        return None


def _parse_date(raw: pd.Series, c: Column) -> tuple[pd.Series, pd.Series, str]:
    parsed = raw.map(_as_date, na_action="ignore").astype(object)
    bad = parsed.isna()
    values = pd.to_datetime(parsed.where(~bad)).astype("datetime64[ns]")
    return values, bad, "expected a date such as 1985-03-12, 1985/3/12 or 1985年3月"


_PARSERS: dict[str, Callable[[pd.Series, Column], tuple[pd.Series, pd.Series, str]]] = {
    "id": _parse_id,
    "text": _parse_text,
    "category": _parse_category,
    "int": _parse_number,
    "int_or_blank": _parse_number,
    "float": _parse_number,
    "bool": _parse_bool,
    "date": _parse_date,
}


# ---------------------------------------------------------------------------- rules
def _check_duplicates(t: _Table, column: str, report: _Report) -> None:
    """Each duplicated id is reported on every row that holds it, naming the others."""
    if column not in t.value:
        return
    ids = t.value[column]
    dup = ids.notna() & ids.duplicated(keep=False)
    if not dup.any():
        return
    rows_of = pd.Series(t.rows[dup.to_numpy()], index=ids[dup].to_numpy())

    def rule(i: int) -> str:
        others = [int(r) for r in rows_of.loc[[ids.iat[i]]] if r != t.rows[i]]
        return f"duplicate {column}: also in row {', '.join(map(str, others))}"

    report.cells(t, dup, column, rule)


def _check_schools(s: _Table, policy: Policy, report: _Report,
                   plausibility: bool = True) -> None:
    _check_duplicates(s, "school_id", report)
    for stage in ("primary", "junior"):
        _check_stage(s, stage, policy, report, plausibility)
    _check_level(s, report)
    if plausibility:
        _check_staff_plausible(s, policy, report)


def _check_stage(s: _Table, stage: str, policy: Policy, report: _Report,
                 plausibility: bool = True) -> None:
    """Pupils need classes, classes need pupils, and classes have a plausible size."""
    p_col, c_col = f"pupils_{stage}", f"classes_{stage}"
    if not s.has(p_col, c_col):
        return
    pupils, classes = s.value[p_col], s.value[c_col]
    report.cells(s, (pupils > 0) & (classes == 0), c_col,
                 lambda i: f"{pupils.iat[i]:.0f} {stage} pupils but no {stage} classes")
    report.cells(s, (classes > 0) & (pupils == 0), p_col,
                 lambda i: f"{classes.iat[i]:.0f} {stage} classes but no {stage} pupils")
    if not plausibility:
        return
    size = pupils / classes.where(classes > 0)
    limit = policy.plausible_class_size_max
    report.cells(
        s, size > limit, p_col,
        lambda i: f"{pupils.iat[i]:.0f} pupils in {classes.iat[i]:.0f} classes is "
        f"{size.iat[i]:.0f} per class, above the plausible maximum {limit} "
        "(Policy.plausible_class_size_max)",
    )


def _check_level(s: _Table, report: _Report) -> None:
    """The school level must agree with which pupil columns are non-zero."""
    if not s.has("level", "pupils_primary", "pupils_junior"):
        return
    level, pp, pj = s.value["level"], s.value["pupils_primary"], s.value["pupils_junior"]
    vocab = s.col("level").vocab or {}
    both_known = pp.notna() & pj.notna()
    no_junior = level.isin(["primary", "teaching_point"]) & (pj > 0)
    report.cells(s, no_junior, "level",
                 lambda i: f"a {level.iat[i]} school ({vocab[level.iat[i]]}) cannot have "
                 f"junior pupils, but pupils_junior is {pj.iat[i]:.0f}")
    report.cells(s, level.eq("junior") & (pp > 0), "level",
                 lambda i: "a junior school (初中) cannot have primary pupils, "
                 f"but pupils_primary is {pp.iat[i]:.0f}")
    nine = level.eq("nine_year") & both_known & ~((pp > 0) & (pj > 0))
    report.cells(s, nine, "level",
                 lambda i: "a nine-year school (九年一贯制) needs both primary and junior "
                 f"pupils, but has {pp.iat[i]:.0f} primary and {pj.iat[i]:.0f} junior")


def _check_staff_plausible(s: _Table, policy: Policy, report: _Report) -> None:
    """Quota and staff far above the pupil-ratio norm are typos, not facts."""
    if not s.has("pupils_primary", "pupils_junior"):
        return
    pp, pj = s.value["pupils_primary"], s.value["pupils_junior"]
    norm = pp / policy.primary_ratio + pj / policy.junior_ratio
    limit = policy.plausible_staff_factor * norm + policy.plausible_staff_extra
    for column in ("approved_quota", "staff_in_post"):
        if column not in s.value:
            continue
        value = s.value[column]
        report.cells(
            s, value > limit, column,
            lambda i, v=value: f"{v.iat[i]:.0f} is implausibly high for "
            f"{pp.iat[i]:.0f} primary and {pj.iat[i]:.0f} junior pupils: the limit is "
            f"{limit.iat[i]:.0f} = {policy.plausible_staff_factor:g} × pupil-ratio norm "
            f"{norm.iat[i]:.1f} + {policy.plausible_staff_extra:g} "
            "(Policy.plausible_staff_factor, Policy.plausible_staff_extra)",
        )


def _check_far_schools(s: _Table, policy: Policy, report: _Report) -> None:
    """Schools whose coordinates lie far from the rest of the county (a warning)."""
    if not s.has("lat", "lon"):
        return

    lat, lon = s.value["lat"], s.value["lon"]
    km, limit, median_km, c_lat, c_lon = far_from_centre(
        lat.to_numpy(dtype=float), lon.to_numpy(dtype=float), policy.far_school_min_km,
        policy.far_school_median_factor)
    far = pd.Series(km > limit)
    names = s.value.get("name", pd.Series("", index=range(len(s))))
    report.cells(
        s, far, "lat",
        lambda i: f"school {names.iat[i]!r} lies {km[i]:,.0f} km from the county's median "
        f"point ({c_lat:.4f}, {c_lon:.4f}), beyond max({policy.far_school_min_km:g} km, "
        f"{policy.far_school_median_factor:g} × the median distance {median_km:,.1f} km) = "
        f"{limit:,.0f} km (Policy.far_school_min_km, Policy.far_school_median_factor): check "
        "its coordinates (swapped, a sign, another county's school); it still loads "
        "(学校坐标远离本县其他学校，请核对经纬度)",
        value=lambda i: f"{_display(s.raw['lat'].iat[i])}, {_display(s.raw['lon'].iat[i])}",
        header=f"{s.header('lat')} / {s.header('lon')}")


def _check_teachers(t: _Table, policy: Policy, report: _Report) -> None:
    _check_duplicates(t, "teacher_id", report)
    _check_birth(t, report)
    _check_career(t, policy.plan_year, report)
    _check_retired(t, policy, report)


def _check_retired(t: _Table, policy: Policy, report: _Report) -> None:
    """Flag (warn about, not refuse) a teacher in post (not leaving) older, in the plan
    year, than the latest statutory retirement age of their track: a typo, a stale row
    or a rehired retiree (退休返聘); a :class:`StaffingDataWarning` lists them."""
    if "sex" not in t.value:
        return
    age = policy.plan_year - _birth_year(t)
    track = t.value["sex"].map({"male": "male",
                                "female": f"female_{policy.female_retirement_track}"})
    cap = track.map(LATEST_RETIREMENT_AGE).astype("float64")
    leaving = t.value["status"].isin(LEAVING_STATUSES) if "status" in t.value else False
    past = (age > cap) & ~leaving
    column = "birth_date" if "birth_date" in t.raw else "birth_year"
    flagged = _Report(report.source)
    flagged.cells(t, past, column,
                 lambda i: f"aged {age.iat[i]:.0f} in the plan year {policy.plan_year}: past "
                 f"the latest statutory retirement age on the {track.iat[i]} track "
                 f"({cap.iat[i]:.0f}, 2025 reform); mark the teacher as leaving "
                 f"({STATUSES['leaving']}) or correct the birth date")
    if flagged._found:  # flagged, not refused: rehired retirees (退休返聘) do teach
        warnings.warn(StaffingDataWarning([p for _, p in sorted(
            flagged._found, key=lambda found: found[0])]), stacklevel=5)


def _check_birth(t: _Table, report: _Report) -> None:
    """Each teacher has a birth_date or a birth_year, and the two agree."""
    n = len(t)
    if "birth_date" not in t.raw and "birth_year" not in t.raw:
        both = f"{t.header('birth_date')} / {t.header('birth_year')}"
        report.table(t, both, "the teachers table needs a birth_date (出生日期) or "
                     "birth_year (出生年份) column")
        return
    empty = pd.Series(True, index=range(n))
    date_blank = _blank_mask(t.raw["birth_date"]) if "birth_date" in t.raw else empty
    year_blank = _blank_mask(t.raw["birth_year"]) if "birth_year" in t.raw else empty
    shown = "birth_date" if "birth_date" in t.raw else "birth_year"
    report.cells(t, date_blank & year_blank, shown,
                 "no birth date or birth year: give one of them")
    if "birth_date" not in t.value:
        return
    year_of_date = t.value["birth_date"].dt.year.astype("float64")
    c = t.col("birth_year")
    out = (year_of_date < c.min) | (year_of_date > c.max)
    report.cells(t, out, "birth_date", f"year of birth outside {c.min:g} – {c.max:g}")
    t.value["birth_date"] = t.value["birth_date"].where(~out)
    if "birth_year" in t.value:
        given = t.value["birth_year"]
        clash = given.notna() & year_of_date.notna() & (given != year_of_date)
        report.cells(t, clash, "birth_year",
                     lambda i: f"contradicts birth_date "
                     f"{t.value['birth_date'].iat[i]:%Y-%m-%d}")


def _birth_year(t: _Table) -> pd.Series:
    """Birth year as given, else from the birth date (NaN where neither is valid)."""
    year = t.value.get("birth_year", pd.Series(np.nan, index=range(len(t))))
    if "birth_date" in t.value:
        year = year.fillna(t.value["birth_date"].dt.year.astype("float64"))
    return year


def _check_career(t: _Table, plan_year: int, report: _Report) -> None:
    """Hired at 16 or later; not longer at the school than in service by ``plan_year``."""
    if "hire_year" not in t.value:
        return
    hire, born = t.value["hire_year"], _birth_year(t)
    report.cells(t, hire - born < MIN_HIRE_AGE, "hire_year",
                 lambda i: f"hired in {hire.iat[i]:.0f} at age {hire.iat[i] - born.iat[i]:.0f} "
                 f"(born {born.iat[i]:.0f}); a teacher starts work at {MIN_HIRE_AGE} at the "
                 "earliest")
    if "years_at_school" not in t.value:
        return
    late = hire > plan_year
    report.cells(t, late, "hire_year",
                 lambda i: f"hired after the plan year: hired in {hire.iat[i]:.0f}, the plan "
                 f"year is {plan_year} (Policy.plan_year); a teacher in post was hired by then")
    years = t.value["years_at_school"].where(~late)
    report.cells(t, years > plan_year - hire + 1, "years_at_school",
                 lambda i: f"{years.iat[i]:.0f} years at the school, but hired in "
                 f"{hire.iat[i]:.0f}: at most {max(plan_year - hire.iat[i] + 1, 0):.0f} "
                 f"by the plan year {plan_year} (Policy.plan_year)")


def _check_teachers_against_schools(t: _Table, s: _Table, report: _Report) -> None:
    """Teachers belong to known schools; no school lists more teachers than staff."""
    if "school_id" not in t.value or "school_id" not in s.value:
        return
    where = t.value["school_id"]
    known = set(s.value["school_id"].dropna())
    report.cells(t, where.notna() & ~where.isin(known), "school_id",
                 lambda i: f"no school with school_id {where.iat[i]!r} in sheet {s.sheet!r}")
    if "staff_in_post" not in s.value:
        return
    counts = where.value_counts()
    listed = s.value["school_id"].map(counts).fillna(0)
    staff = s.value["staff_in_post"]
    report.cells(s, listed > staff, "staff_in_post",
                 lambda i: f"{listed.iat[i]:.0f} teachers of this school are listed in sheet "
                 f"{t.sheet!r}, more than its staff in post ({staff.iat[i]:.0f})")


def _check_locks(s: _Table, t: _Table | None, report: _Report) -> None:
    """A locked quota is never below the school's staff staying in post (staff in post
    less the listed teachers whose status leaves): a quota change dismisses nobody."""
    if not s.has("locked_quota", "staff_in_post", "school_id"):
        return
    lock = s.value["locked_quota"]
    staying = s.value["staff_in_post"]
    if t is not None and t.has("status", "school_id"):
        gone = t.value["school_id"][t.value["status"].isin(LEAVING_STATUSES)].value_counts()
        staying = (staying - s.value["school_id"].map(gone).fillna(0)).clip(lower=0)
    report.cells(s, lock.notna() & (lock < staying), "locked_quota",
                 lambda i: f"school {s.value['school_id'].iat[i]}: the locked quota "
                 f"{lock.iat[i]:.0f} is below the {staying.iat[i]:.0f} staff staying in post "
                 "there (staff in post less leavers); a quota change dismisses nobody / "
                 "锁定编制数低于在岗留任人数")


# ---------------------------------------------------------------------------- output
def _finalise(t: _Table) -> pd.DataFrame:
    """The canonical frame of a table that passed every check."""
    id_column = ID_COLUMNS[t.name]
    n = len(t)
    out: dict[str, pd.Series] = {}
    for c in t.columns:
        if c.name == id_column:
            continue
        values = t.value.get(c.name)
        if c.name == "birth_year":
            values = _birth_year(t)
        elif values is None:  # an optional column left out: its default, else blank
            fill = c.default if c.default is not None else _DEFAULTS[c.kind]
            values = pd.Series([fill] * n, index=range(n), dtype=object)
        out[c.name] = _as_dtype(values, c)
    frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in out.items()})
    frame.index = pd.Index(_as_dtype(t.value[id_column], t.col(id_column)), name=id_column)
    return frame


def _as_dtype(values: pd.Series, c: Column) -> pd.Series:
    default = _DEFAULTS.get(c.kind)
    if c.kind == "category":
        return values.astype(object).where(values.notna(), "").astype(str)
    if c.kind in ("id", "text"):
        return values.astype(object).astype(str)
    if c.kind == "int":
        return values.astype("float64").fillna(default).astype("int64")
    if c.kind in ("float", "int_or_blank"):  # int_or_blank: whole numbers, NaN when blank
        return values.astype("float64")
    if c.kind == "bool":
        return values.astype(object).eq(True)  # empty (None) cells are False
    if c.kind == "date":
        return pd.to_datetime(values).astype("datetime64[ns]")
    raise ValueError(f"unknown column kind {c.kind!r}")
