"""docs/data.md is generated from the schema and cannot drift from it."""

from __future__ import annotations

import re

from staffing.data.docs import DOC_PATH, DOC_PATH_ZH, render_error_example, render_markdown
from staffing.data.schema import COUNTY_KEYS, SCHOOL_COLUMNS, TEACHER_COLUMNS

REFRESH = "run `python -m staffing.data.docs` to refresh docs/data.md and docs/zh/data.md"


def doc_text() -> str:
    return DOC_PATH.read_text(encoding="utf-8")


def test_data_doc_contains_the_tables_rendered_from_the_schema():
    assert render_markdown() in doc_text(), REFRESH


def test_chinese_data_doc_contains_the_tables_rendered_from_the_schema():
    assert render_markdown("zh") in DOC_PATH_ZH.read_text(encoding="utf-8"), REFRESH


def test_chinese_tables_document_every_column_with_its_chinese_header_first():
    text = render_markdown("zh")
    for c in (*SCHOOL_COLUMNS, *TEACHER_COLUMNS):
        required = "是" if c.required else "否"
        assert re.search(rf"^\| {re.escape(c.zh)} / `{c.name}` \| [^|]+ \|[^|]*\|[^|]*\| "
                         rf"{required} \|", text, re.MULTILINE), c.name
    for key, zh in COUNTY_KEYS.items():
        assert f"| {zh} / `{key}` |" in text


def test_every_column_has_a_chinese_description():
    from staffing.data.docs import DESCRIPTIONS_ZH

    missing = [(t, c.name) for t, cols in (("schools", SCHOOL_COLUMNS),
                                           ("teachers", TEACHER_COLUMNS))
               for c in cols if not DESCRIPTIONS_ZH.get((t, c.name))]
    assert not missing, f"add a Chinese description to DESCRIPTIONS_ZH: {missing}"


def test_data_doc_contains_the_current_example_error_message():
    assert render_error_example() in doc_text(), REFRESH


def test_every_column_and_county_key_is_documented_in_both_languages():
    text = render_markdown()
    for c in (*SCHOOL_COLUMNS, *TEACHER_COLUMNS):
        assert f"| `{c.name}` / {c.zh} |" in text
    for key, zh in COUNTY_KEYS.items():
        assert f"| `{key}` / {zh} |" in text


def test_category_columns_list_their_codes_and_chinese_labels():
    text = render_markdown()
    for c in (*SCHOOL_COLUMNS, *TEACHER_COLUMNS):
        for code, label in (c.vocab or {}).items():
            assert f"{code} ({label})" in text
