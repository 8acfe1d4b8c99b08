"""Render the input schema as Markdown, so ``docs/data.md`` cannot drift from the code.

The tables of ``docs/data.md`` between the ``BEGIN GENERATED`` and ``END GENERATED``
markers are :func:`render_markdown` output; a test checks they match. After editing
:mod:`staffing.data.schema`, refresh the page with ``python -m staffing.data.docs``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffing.data.readers import COUNTY_KEY_HEADERS, COUNTY_VALUE_HEADERS
from staffing.data.schema import COUNTY_KEYS, SHEET_NAMES, columns_for, schema_table
from staffing.data.validate import validate_tables
from staffing.errors import StaffingDataError

__all__ = ["render_markdown", "render_error_example", "update_doc", "DOC_PATH"]

#: The user documentation page holding the generated tables.
DOC_PATH: Path = Path(__file__).resolve().parents[2] / "docs" / "data.md"

BEGIN = "<!-- BEGIN GENERATED: python -m staffing.data.docs -->"
END = "<!-- END GENERATED -->"

_TYPE_NAMES: dict[str, str] = {
    "id": "code",
    "text": "text",
    "int": "whole number",
    "int_or_blank": "whole number or blank",
    "float": "number",
    "bool": "yes/no",
    "category": "category",
    "date": "date",
}
_TITLES: dict[str, str] = {
    "schools": "Schools table",
    "teachers": "Teachers table",
    "move_rules": "Move rules (optional)",
}


def render_markdown() -> str:
    """The schema tables of ``docs/data.md``, generated from :func:`schema_table`.

    Examples
    --------
    >>> text = render_markdown()
    >>> "| `approved_quota` / 核定编制数 |" in text
    True
    """
    table = schema_table()
    parts = []
    for name in ("schools", "teachers", "move_rules"):
        english, chinese = SHEET_NAMES[name][:2]
        parts.append(f"### {_TITLES[name]}: sheet `{english}` / `{chinese}`\n")
        parts.append(_column_table(table[table.table == name], name))
    parts.append(_county_table())
    return "\n".join(parts)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _column_table(rows: pd.DataFrame, name: str) -> str:
    aliases = {c.name: c.aliases for c in columns_for(name)}
    lines = [
        "| Header (EN / 中文) | Type | Unit | Allowed values | Required | Description "
        "| Also accepted |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples(index=False):  # a few dozen schema rows, not data
        also = ", ".join(f"`{a}`" for a in aliases[r.column])
        cells = [
            f"`{r.column}` / {r.zh}",
            _TYPE_NAMES[r.type],
            r.unit,
            r.allowed,
            "yes" if r.required else "no",
            r.description,
            also,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _county_table() -> str:
    english, chinese = SHEET_NAMES["county"][:2]
    key_en, key_zh = COUNTY_KEY_HEADERS
    value_en, value_zh = COUNTY_VALUE_HEADERS
    lines = [
        f"### County facts: sheet `{english}` / `{chinese}` (optional)\n",
        f"Two columns, `{key_en}` / {key_zh} and `{value_en}` / {value_zh}, one row per fact:\n",
        "| Key (EN / 中文) | Value |",
        "|---|---|",
    ]
    meaning = {
        "name": "County name (县名). Default: the file or folder name.",
        "county_total": "Approved county total quota (核定编制总量), a whole number ≥ 0. "
        "Default: the sum of the schools' `approved_quota`.",
    }
    for key, zh in COUNTY_KEYS.items():
        lines.append(f"| `{key}` / {zh} | {_cell(meaning.get(key, ''))} |")
    return "\n".join(lines) + "\n"


def render_error_example() -> str:
    """The message of a small county with four typical mistakes, for the docs.

    Examples
    --------
    >>> print(render_error_example().splitlines()[0])
    5 problems in the input data:
    """
    schools = pd.DataFrame({
        "学校代码": ["S01", "S02", "S02"], "学校名称": ["城关小学", "城关中学", "金山小学"],
        "乡镇": ["鹿城镇", "鹿城镇", "金山镇"], "学段": ["小学", "初中", "小学校"],
        "城乡属性": ["城区", "城区", "乡村"], "小学在校生数": [950, 0, 160],
        "初中在校生数": [0, 940, 0], "小学班级数": pd.Series([21.5, 0, 0], dtype=object), "初中班级数": [0, 18, 0],
        "核定编制数": [48, 70, 12], "在编在岗人数": [47, 68, 11],
    })
    try:
        validate_tables(schools, source="lufeng.xlsx", sheet_names={"schools": "学校"})
    except StaffingDataError as exc:
        return str(exc)
    raise AssertionError("the example county should not be valid")


def _generated_block() -> str:
    example = render_error_example()
    return (
        f"{BEGIN}\n\n{render_markdown()}\n### Example error message\n\n"
        f"```text\n{example}\n```\n\n{END}"
    )


def update_doc(path: str | Path = DOC_PATH) -> bool:
    """Replace the generated block of ``path`` with fresh output; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + _generated_block() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print(f"{DOC_PATH}: {'updated' if update_doc() else 'up to date'}")
