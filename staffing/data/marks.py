"""Cells whose value could not be read: markers put in a table before validation.

Validation reports every problem at once, so a cell that cannot be read must neither
pass as a value nor be reported again under another name. Two kinds:

* :class:`FormulaCell`: a workbook cell holding a formula without a stored value (a
  file written by a program and never saved by a spreadsheet), or whose stored value
  is an error such as ``#REF!``. The library reads values only and never evaluates a
  formula, so validation reports the cell, showing the formula as text.
* :class:`Unknown`: a cell that depends on a problem already reported (an enrolment
  column split by a level that is not valid, a code mapped to a value the schema
  does not allow). Validation treats it as not valid and says nothing more about it,
  nor about the checks that would need it; if no other problem is found it is
  reported with its cause, so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FormulaCell", "Unknown", "EXCEL_ERRORS", "is_mark"]

#: The error values a spreadsheet stores as a formula's result (Excel, WPS, LibreOffice).
EXCEL_ERRORS: frozenset[str] = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})


@dataclass(frozen=True)
class FormulaCell:
    """A formula whose value was not stored (``error`` None) or is an error value.

    Examples
    --------
    >>> FormulaCell('=HYPERLINK("http://x","y")').rule()[:40]
    'the cell holds a formula with no stored '
    """

    formula: str
    error: str | None = None

    def __str__(self) -> str:
        return self.formula

    def rule(self) -> str:
        """What is wrong and how to fix it, in English and Chinese."""
        if self.error is not None:
            return (f"the cell holds a formula whose stored value is the error {self.error}; "
                    "the library reads values only, never formulas: correct the formula or "
                    "type the value in / 单元格公式的结果为错误值，本库只读取数值：请修正公式或直接填写数值")
        return ("the cell holds a formula with no stored value (the file was saved by a "
                "program that does not calculate); the library reads values only, never "
                "formulas: type the value in, or open the file in Excel or WPS and save it so "
                "its values are stored / 单元格是公式且没有保存计算结果，本库只读取数值：请直接填写数值，"
                "或用 Excel/WPS 打开并保存后再读取")


@dataclass(frozen=True)
class Unknown:
    """A value that depends on a problem reported elsewhere; ``cause`` names it."""

    cause: str

    def __str__(self) -> str:
        return f"(unknown: {self.cause})"


def is_mark(value: object) -> bool:
    """Whether ``value`` is a :class:`FormulaCell` or an :class:`Unknown`."""
    return isinstance(value, (FormulaCell, Unknown))
