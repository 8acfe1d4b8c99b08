"""The County container: validated school and teacher tables plus the county total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from staffing.data.enrolment import complete_schools
from staffing.data.mapping import map_tables
from staffing.data.validate import (
    check_county_total,
    check_tables,
    lock_problems,
    staying_in_post,
    validate_move_rules,
)
from staffing.errors import Problem, StaffingDataError

if TYPE_CHECKING:
    from staffing.policy import Policy

__all__ = ["County"]

#: The repr lists the warnings when there are at most this many (else the first).
_WARNINGS_SHOWN = 3


class County:
    """One county's schools and (optionally) teachers, validated at the door.

    Parameters
    ----------
    schools : DataFrame
        One row per school. Headers in English or Chinese (see ``docs/data.md``);
        category cells in either language. Stored indexed by ``school_id`` with
        canonical English columns and codes.
    teachers : DataFrame, optional
        One row per teacher, indexed by ``teacher_id`` once stored.
    name : str
        County name (县名).
    county_total : int, optional
        The approved county total quota (核定编制总量). Defaults to the sum of the
        schools' ``approved_quota``; :attr:`total_is_default` tells which.
    source : str
        Where the tables came from, used in error messages.
    policy : Policy, optional
        Supplies the plausibility limits used by validation (defaults otherwise).
    move_rules : DataFrame, optional
        Planner controls on teacher moves (sheet ``move_rules`` / ``调动限制``):
        ``teacher_id``, ``school_id``, ``rule`` (``allowed``/允许 or ``forbidden``/禁止).
        Stored as :attr:`move_rules` (an empty table when none is given).
    plausibility : bool, default True
        Run the checks that catch typed-in typos (staff, quota and county total far
        above the pupil-ratio norm; implausible class sizes). The library turns them
        off for the counties it derives itself (a projected year's pupils), whose
        figures nobody typed.

    Raises
    ------
    StaffingDataError
        Listing every problem found in either table.

    Attributes
    ----------
    warnings : list of Problem
        Rows that load but look wrong, with file, sheet, row, column, value and rule:
        schools whose coordinates lie far from the rest of the county
        (``Policy.far_school_min_km``, ``Policy.far_school_median_factor``). Shown in
        the repr when there are few.
    columns_from : dict
        ``{"schools": {column: the user's header}, "teachers": {...}}`` for columns
        that :meth:`from_frames` mapped or filled (``"constant 0"``, ``"DUN, else
        PARLIMEN"``, ``"sum of grade_1 … grade_6"``, ``"estimated from …"``); empty
        otherwise. :meth:`header` names a column with it.
    notes : list of Problem
        What :meth:`from_frames` filled rather than read, one note per column: each
        constant, fallback between columns, stage total summed from grades and
        classes estimate (the schools concerned are flagged ``classes_estimated``).
        Empty for a County built from complete tables.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing import County
    >>> schools = pd.DataFrame({
    ...     "school_id": ["S1"], "name": ["城关小学"], "township": ["鹿城镇"],
    ...     "level": ["primary"], "location": ["urban"],
    ...     "pupils_primary": [950], "pupils_junior": [0],
    ...     "classes_primary": [21], "classes_junior": [0],
    ...     "approved_quota": [48], "staff_in_post": [47]})
    >>> County(schools, name="禄丰市").county_total
    48
    """

    def __init__(
        self,
        schools: pd.DataFrame,
        teachers: pd.DataFrame | None = None,
        *,
        name: str = "county",
        county_total: int | None = None,
        source: str = "<DataFrame>",
        policy: Policy | None = None,
        move_rules: pd.DataFrame | None = None,
        plausibility: bool = True,
    ) -> None:
        checked = check_tables(schools, teachers, source=source, policy=policy,
                               plausibility=plausibility)
        self.schools: pd.DataFrame = checked.schools
        self.teachers: pd.DataFrame | None = checked.teachers
        self.warnings: list[Problem] = checked.warnings
        self.columns_from: dict[str, dict[str, str]] = {"schools": {}, "teachers": {}}
        self.notes: list[Problem] = []
        #: The grade structure (``Policy.grades``) for which :meth:`from_frames`
        #: estimated classes (per grade); None when no classes were estimated.
        self.grades_assumed: tuple[int, int] | None = None
        self.name: str = str(name)
        self.source: str = source
        self.total_is_default: bool = county_total is None
        total = int(self.schools["approved_quota"].sum()) if county_total is None else county_total
        if isinstance(total, bool) or int(total) != total or total < 0:
            raise StaffingDataError(
                [Problem(source, "county", None, "county_total", county_total,
                         "the county total quota must be a whole number ≥ 0")]
            )
        self.county_total: int = int(total)
        if not self.total_is_default and plausibility:
            check_county_total(self.county_total, self.schools, policy, source)
        problems = lock_problems(self.schools, staying_in_post(self.schools, self.teachers),
                                 self.county_total, source=source)
        empty = pd.DataFrame({"teacher_id": [], "school_id": [], "rule": []}, dtype=object)
        self.move_rules: pd.DataFrame = empty
        if move_rules is not None and len(move_rules):  # an empty table: no rules
            try:
                self.move_rules = validate_move_rules(move_rules, self.schools, self.teachers,
                                                      source=source)
            except StaffingDataError as exc:
                problems += exc.problems
        if problems:
            raise StaffingDataError(problems)

    @classmethod
    def from_frames(
        cls,
        schools: pd.DataFrame,
        teachers: pd.DataFrame | None = None,
        *,
        columns: Mapping[str | tuple[str, ...], str | Sequence[str] | None] | None = None,
        values: Mapping[str, Mapping[object, object]] | None = None,
        constants: Mapping[str, object] | None = None,
        pupils_by_grade: pd.DataFrame | None = None,
        classes: str | None = None,
        name: str = "county",
        county_total: int | None = None,
        source: str = "<DataFrame>",
        policy: Policy | None = None,
        row_numbers: Mapping[str, Sequence[int]] | None = None,
    ) -> County:
        """A County from tables with the user's own headers and codes, and a mapping.

        An adapter for a national school list is two dictionaries: ``columns`` maps
        the user's headers onto the schema's columns, ``values`` maps their codes
        onto the schema's. Headers and codes the schema already knows (English or
        Chinese; M/F, 男/女, Male/Female, U/R) need no mapping. Every problem — in
        the mapping itself (a key naming no column, two columns mapped to one, an
        unknown target) and in the cells (each unmapped code with its row) — is
        collected and raised at once, naming the user's column and its target
        (``column 'ENROLMEN (→ pupils_primary)'``). See ``docs/adapting.md``.

        Parameters
        ----------
        schools, teachers : DataFrame
            The tables as they come; columns not mapped and not in the schema are
            ignored (and named if a required column is missing).
        columns : mapping, optional
            ``{user header: schema column}``, for both tables (a header is looked up
            in each). A list of schema columns copies one column into several, e.g.
            ``{"GURU": ["staff_in_post", "approved_quota"]}``; a tuple of headers as
            the key takes the first non-blank of them (``{("DUN", "PARLIMEN"):
            "township"}``). Two targets beyond the schema: ``"grade_1"`` …
            (``{"一年级": "grade_1"}``: that grade's pupils, numbered as in
            ``Policy.grades``) and ``"pupils"`` (one enrolment column, counted in the
            stage its school's level teaches; not for nine-year schools).
        values : mapping, optional
            ``{column: {user code: schema code}}``, keyed by schema column (or the
            user's header); codes matched exactly, then ignoring case and spaces.
            Cells not in a mapping are read as usual.
        constants : mapping, optional
            ``{schema column: value}`` for a column the list lacks, the same in every
            row (``{"pupils_junior": 0}`` for a primary-only list).
        pupils_by_grade : DataFrame, optional
            Pupils per grade keyed by school id, long (``school_id``, ``grade``,
            ``pupils``) or wide, as :func:`staffing.estimate_classes` reads them;
            instead of grade columns in ``schools``.
        classes : None or "estimate"
            Without class columns, classes are estimated from pupils per grade when
            given (⌈pupils ÷ 45⌉ primary, ⌈pupils ÷ 50⌉ junior per grade, as
            :func:`staffing.estimate_classes`). ``"estimate"`` also estimates them from
            the stage totals alone, spread evenly over the grades of
            ``Policy.grades`` — a rougher estimate, asked for explicitly. Either way
            the schools are flagged ``classes_estimated``; without both, a missing
            class column is an error naming the two ways to supply it. Stage totals
            absent are the sums of the grades.
        name, county_total, source, policy
            As for :class:`County`.
        row_numbers : mapping, optional
            ``{"schools": [...], "teachers": [...]}``: the row of ``source`` each data
            row came from (e.g. the file's line, for a table filtered from a larger
            one), as problems name it; by default the header is row 1 and data start
            at row 2.

        Returns
        -------
        County
            Equal to a County built from the same data with the schema's own
            headers and codes; :attr:`columns_from` keeps the mapping.

        Raises
        ------
        StaffingDataError
            Listing every problem in the mapping and the tables.

        Examples
        --------
        >>> import pandas as pd
        >>> from staffing import County
        >>> raw = pd.DataFrame({
        ...     "KOD": ["S1"], "NAMA": ["SK Bandar"], "DAERAH": ["Kinta"],
        ...     "PERINGKAT": ["Rendah"], "LOKASI": ["Bandar"], "MURID": [950],
        ...     "KELAS": [21], "GURU": [47], "pupils_junior": 0, "classes_junior": 0})
        >>> county = County.from_frames(raw, columns={
        ...     "KOD": "school_id", "NAMA": "name", "DAERAH": "township",
        ...     "PERINGKAT": "level", "LOKASI": "location", "MURID": "pupils_primary",
        ...     "KELAS": "classes_primary", "GURU": ["staff_in_post", "approved_quota"]},
        ...     values={"level": {"Rendah": "primary"}, "location": {"Bandar": "urban"}})
        >>> row = county.schools.loc["S1"]
        >>> row["level"], row["location"], int(row["approved_quota"])
        ('primary', 'urban', 47)
        >>> county.header("schools", "pupils_primary")
        'MURID (→ pupils_primary)'
        """
        mapped = map_tables(schools, teachers, columns=columns, values=values,
                            constants=constants, source=source, rows=row_numbers)
        rows = None if row_numbers is None else row_numbers.get("schools")
        filled = complete_schools(mapped.schools, pupils_by_grade, classes=classes,
                                  policy=policy, source=source, rows=rows,
                                  shown=mapped.shown["schools"],
                                  sources=mapped.sources["schools"])
        shown = mapped.shown | {"schools": filled.shown}
        found = mapped.problems + filled.problems
        try:
            checked = check_tables(filled.schools, mapped.teachers, source=source,
                                   policy=policy, headers=shown, row_numbers=row_numbers,
                                   reported_before=bool(found))
        except StaffingDataError as exc:
            raise StaffingDataError(found + _missing_classes(
                exc.problems, filled.unfilled | mapped.unsupplied)) from None
        if found:
            raise StaffingDataError(found)
        county = cls(checked.schools, checked.teachers, name=name, county_total=county_total,
                     source=source, policy=policy)
        # as the user's rows and headers name them
        county.warnings = checked.warnings + filled.warnings
        county.columns_from = {t: dict(m) for t, m in mapped.sources.items()}
        county.columns_from["schools"] = dict(filled.sources)
        county.notes = mapped.notes + filled.notes
        if bool(county.schools["classes_estimated"].any()):  # counted per grade of policy
            from staffing.policy import Policy as _Policy  # the defaults' grades
            county.grades_assumed = tuple((policy or _Policy()).grades)
        return county

    def header(self, table: str, column: str) -> str:
        """How problems name a schema column: ``"ENROLMEN (→ pupils_primary)"`` when
        :meth:`from_frames` mapped it from the user's ``ENROLMEN``, else ``column``."""
        source = self.columns_from.get(table, {}).get(column)
        return column if source is None else f"{source} (→ {column})"

    # ------------------------------------------------------------------ conveniences
    @property
    def n_schools(self) -> int:
        """Number of schools."""
        return len(self.schools)

    @property
    def classes_estimated_schools(self) -> list[str]:
        """Ids of the schools whose classes are estimated from enrolment (the
        ``classes_estimated`` column, e.g. from :func:`staffing.estimate_classes`), in
        county order; empty when every school's classes were counted."""
        flagged = self.schools["classes_estimated"].to_numpy(dtype=bool)
        return [str(i) for i in self.schools.index[flagged]]

    @property
    def n_teachers(self) -> int:
        """Number of teachers in the teachers table (0 when there is none)."""
        return 0 if self.teachers is None else len(self.teachers)

    def to_excel(self, path: str | Path, lang: str = "zh") -> None:
        """Write the county as a workbook that :func:`load_county` reads back equal.

        Parameters
        ----------
        path : where to write the ``.xlsx`` file (atomically).
        lang : ``"zh"`` for Chinese headers and labels, ``"en"`` for English.
        """
        from staffing.data.writers import write_county_excel

        write_county_excel(self, path, lang=lang)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, County):
            return NotImplemented
        same_teachers = (self.teachers is None and other.teachers is None) or (
            self.teachers is not None
            and other.teachers is not None
            and self.teachers.equals(other.teachers)
        )
        return (
            self.name == other.name
            and self.county_total == other.county_total
            and self.schools.equals(other.schools)
            and same_teachers
            and self.move_rules.reset_index(drop=True).equals(
                other.move_rules.reset_index(drop=True))
        )

    __hash__ = None  # type: ignore[assignment]  # mutable container

    def _repr_html_(self) -> str:
        from staffing.html import county_html

        return county_html(self)

    def __repr__(self) -> str:
        text = (
            f"County({self.name!r}, {self.n_schools} schools, {self.n_teachers} teachers, "
            f"county_total={self.county_total})"
        )
        if self.notes:
            text += (f"\n{len(self.notes)} column{'s' if len(self.notes) != 1 else ''} filled "
                     "by from_frames, not read (county.notes)")
        n = len(self.warnings)
        if n == 0:
            return text
        text += f"\n{n} warning{'s' if n != 1 else ''} (county.warnings):"
        if n > _WARNINGS_SHOWN:
            return text + f" {n} rows to check, e.g.\n  {self.warnings[0]}"
        return "\n  ".join([text, *map(str, self.warnings)])


#: What a missing class column's problem adds when from_frames could estimate it.
_CLASSES_WAYS = ("; or let from_frames estimate classes: give pupils per grade "
                 "(pupils_by_grade=, or grade columns mapped as columns={'YOUR HEADER': "
                 "'grade_1'} …), or classes='estimate' to spread the stage totals evenly "
                 "over the grades (a rougher estimate)")


def _missing_classes(problems: list[Problem], unfilled: set[str]) -> list[Problem]:
    """Validation's problems, a missing class column's rule naming both ways to supply
    it, and missing columns that from_frames was to fill (but could not, for the
    problems it or the mapping reported) left out."""
    out = []
    for p in problems:
        if p.row is not None or not p.rule.startswith("required column "):
            out.append(p)
            continue
        missing = p.rule.removeprefix("required column ").split(" ")[0]
        if missing in unfilled:
            continue
        if missing.startswith("classes"):
            p = Problem(p.file, p.sheet, p.row, p.column, p.value, p.rule + _CLASSES_WAYS)
        out.append(p)
    return out
