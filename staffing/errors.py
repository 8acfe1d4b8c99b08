"""Error types that name what the user can fix."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Problem", "StaffingDataError", "StaffingDataWarning", "StaffingPlanWarning",
           "SolverError"]


@dataclass(frozen=True)
class Problem:
    """One problem found in the input data.

    ``row`` is the row number as the user sees it in Excel or a text editor (the
    header is row 1, the first data row is row 2); ``None`` when the problem concerns
    a whole column or table.
    """

    file: str
    sheet: str
    row: int | None
    column: str
    value: object
    rule: str

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.sheet:
            where += f" [{self.sheet}]"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        value = "" if _is_missing(self.value) and self.row is None else f": value {self.value!r}"
        return f"{where}{value}: {self.rule}"


def _is_missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class StaffingDataError(ValueError):
    """Input data that breaks the schema or a plausibility rule.

    Every problem found is listed, not only the first. ``problems`` holds them as
    :class:`Problem` records and :meth:`table` as a DataFrame.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input data:"
        super().__init__("\n  ".join([head, *map(str, self.problems)]))

    def table(self) -> pd.DataFrame:
        """The problems as a DataFrame (file, sheet, row, column, value, rule)."""
        return pd.DataFrame(
            [vars(p) for p in self.problems],
            columns=["file", "sheet", "row", "column", "value", "rule"],
        )


class StaffingDataWarning(UserWarning):
    """Data that load but look wrong (e.g. a teacher in post past retirement age).

    ``problems`` holds the :class:`Problem` records, as for :class:`StaffingDataError`.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n  ".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} row(s) to check:\n  {lines}")


class StaffingPlanWarning(UserWarning):
    """Something the data leave a plan no room to do, said before solving (e.g. a county
    total equal to the staff in post: the turnover pool has nothing to move). The plan
    keeps the same text in ``plan.messages``."""


class SolverError(RuntimeError):
    """No solver could be run for a model (neither HiGHS nor CBC available)."""
