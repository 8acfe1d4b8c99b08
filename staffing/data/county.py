"""The County container: validated school and teacher tables plus the county total."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from staffing.data.validate import (
    check_county_total,
    lock_problems,
    staying_in_post,
    validate_move_rules,
    validate_tables,
)
from staffing.errors import Problem, StaffingDataError

if TYPE_CHECKING:
    from staffing.policy import Policy

__all__ = ["County"]


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

    Raises
    ------
    StaffingDataError
        Listing every problem found in either table.

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
    ) -> None:
        clean_schools, clean_teachers = validate_tables(
            schools, teachers, source=source, policy=policy
        )
        self.schools: pd.DataFrame = clean_schools
        self.teachers: pd.DataFrame | None = clean_teachers
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
        if not self.total_is_default:
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

    # ------------------------------------------------------------------ conveniences
    @property
    def n_schools(self) -> int:
        """Number of schools."""
        return len(self.schools)

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
        return (
            f"County({self.name!r}, {self.n_schools} schools, {self.n_teachers} teachers, "
            f"county_total={self.county_total})"
        )
