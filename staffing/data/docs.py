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

__all__ = ["render_markdown", "render_error_example", "update_doc", "DOC_PATH", "DOC_PATH_ZH"]

#: The user documentation page holding the generated tables.
DOC_PATH: Path = Path(__file__).resolve().parents[2] / "docs" / "data.md"
#: Its Chinese translation (数据格式), generated the same way with Chinese labels.
DOC_PATH_ZH: Path = DOC_PATH.parent / "zh" / "data.md"

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
# The same labels in Chinese, for docs/zh/data.md.
_TYPE_NAMES_ZH: dict[str, str] = {
    "id": "代码",
    "text": "文本",
    "int": "整数",
    "int_or_blank": "整数或空白",
    "float": "数值",
    "bool": "是/否",
    "category": "类别",
    "date": "日期",
}
_UNITS_ZH: dict[str, str] = {
    "": "", "pupils": "人", "classes": "班", "posts": "个编制", "degrees": "度", "years": "年",
    "teachers": "人",
    "m²": "平方米", "yuan": "元", "rooms": "间",
}
_TITLES_ZH: dict[str, str] = {
    "schools": "学校表",
    "teachers": "教师表",
    "move_rules": "调动限制表",
}
#: The description of each column in Chinese, by (table, column); a column added to the
#: schema needs one here (tests/test_data_docs.py names any that is missing).
DESCRIPTIONS_ZH: dict[tuple[str, str], str] = {
    ("schools", "school_id"): "学校代码，唯一。",
    ("schools", "name"): "学校名称。",
    ("schools", "township"): "学校所属的乡镇或街道。",
    ("schools", "level"): "办学类型；九年一贯制学校既有小学生也有初中生。",
    ("schools", "location"): "城区、镇区或乡村。",
    ("schools", "is_central"): "是否乡镇中心学校。默认否。",
    ("schools", "is_quality"): "是否城区或县域优质学校。默认否。",
    ("schools", "is_weak"): "是否优先支持的薄弱学校。默认否。",
    ("schools", "keep_open"): "撤并情景中从不撤并（例如边远山区确需保留的校点）。默认否。",
    ("schools", "pupils_primary"): "小学在校生数（1–6 年级）。",
    ("schools", "pupils_junior"): "初中在校生数（7–9 年级）。",
    ("schools", "classes_primary"): "小学教学班数。",
    ("schools", "classes_junior"): "初中教学班数。",
    ("schools", "locked_quota"): ("规划人员为本校锁定的编制数：方案给本校的编制恰为此数，"
                                  "多年方案每年如此。空白表示不锁定。"),
    ("schools", "max_moves_in"): "方案每年调入本校教师（轮岗、支教、交流）的最多人数。空白表示不设上限。",
    ("schools", "max_moves_out"): "方案每年从本校调出教师的最多人数。空白表示不设上限。",
    ("move_rules", "teacher_id"): "本条限制所指的教师。",
    ("move_rules", "school_id"): "该教师可调往（允许）或不得调往（禁止）的学校；不能是其本校。",
    ("move_rules", "rule"): ("允许：该教师只可调往其“允许”各行所列学校（或留任）；"
                             "禁止：不得调往此校。"),
    ("schools", "approved_quota"): "学校现有的核定并备案的编制数。",
    ("schools", "staff_in_post"): "占用编制、目前在本校工作的人数。",
    ("schools", "lat"): "纬度（WGS84）。",
    ("schools", "lon"): "经度（WGS84）。",
    ("schools", "classes_estimated"): "班级数是按在校生数估算的（staffing.estimate_classes），不是实际班数；explain() 会说明哪些编制标准依据估算。默认否。",
    ("schools", "boarding_pupils"): "寄宿生数。默认 0。",
    ("schools", "teaching_area_m2"): "全校教学及辅助用房面积（优质均衡指标 4，见 balance.md）。空白：不评估。",
    ("schools", "sports_area_m2"): "全校体育运动场馆面积（优质均衡指标 5）。空白：不评估。",
    ("schools", "equipment_value_yuan"): "全校教学仪器设备值（优质均衡指标 6）。空白：不评估。",
    ("schools", "multimedia_classrooms"): "网络多媒体教室数（优质均衡指标 7）。空白：不评估。",
    ("teachers", "teacher_id"): "教师编号，唯一。",
    ("teachers", "school_id"): "教师编制所在学校的代码。",
    ("teachers", "subject"): "主要任教学科。",
    ("teachers", "sex"): "性别（法定退休年龄不同）。",
    ("teachers", "birth_date"): "出生日期；与出生年份至少填一项。",
    ("teachers", "birth_year"): "出生年份；与出生日期至少填一项。",
    ("teachers", "hire_year"): "参加教学工作的年份。",
    ("teachers", "years_at_school"): "在现学校连续任教的年数。",
    ("teachers", "title"): "专业技术职称。",
    ("teachers", "backbone"): "骨干教师级别。",
    ("teachers", "is_head_teacher"): "本学年是否担任班主任。",
    ("teachers", "status"): "本学年状态；“本学年离岗”在本学年空出编制。",
    ("teachers", "pinned"): "方案从不调动（例如已公布的安排）。默认否。",
    ("teachers", "can_retire_early"): "已申请或可以提前退休（楚雄州方案第 12 条）；从不假定会退休。默认否。",
    ("teachers", "education"): "最高学历，用于优质均衡指标“高于规定学历教师数”（见 balance.md）。空白：不评估。",
    ("teachers", "role"): "教师、校长、副校长或党组织书记（楚雄州方案第 2、8 条：校长等按最低课时授课，并在学校间交流）。默认教师。",
}


def render_markdown(lang: str = "en") -> str:
    """The schema tables of ``docs/data.md`` (``lang="zh"``: ``docs/zh/data.md``).

    Generated from :func:`schema_table`. The Chinese tables lead with the Chinese header
    and give types, units, yes/no and descriptions (:data:`DESCRIPTIONS_ZH`) in Chinese.

    Examples
    --------
    >>> text = render_markdown()
    >>> "| `approved_quota` / 核定编制数 |" in text
    True
    >>> "| 核定编制数 / `approved_quota` | 整数 | 个编制 |" in render_markdown("zh")
    True
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    table = schema_table()
    parts = []
    for name in ("schools", "teachers", "move_rules"):
        english, chinese = SHEET_NAMES[name][:2]
        if lang == "zh":
            parts.append(f"### {_TITLES_ZH[name]}：工作表 `{chinese}` / `{english}`\n")
        else:
            parts.append(f"### {_TITLES[name]}: sheet `{english}` / `{chinese}`\n")
        parts.append(_column_table(table[table.table == name], name, lang))
    parts.append(_county_table(lang))
    return "\n".join(parts)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _column_table(rows: pd.DataFrame, name: str, lang: str = "en") -> str:
    aliases = {c.name: c.aliases for c in columns_for(name)}
    zh = lang == "zh"
    lines = [
        "| 表头（中文 / 英文） | 类型 | 单位 | 允许值 | 必填 | 说明 | 也可写作 |" if zh else
        "| Header (EN / 中文) | Type | Unit | Allowed values | Required | Description "
        "| Also accepted |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples(index=False):  # a few dozen schema rows, not data
        also = ", ".join(f"`{a}`" for a in aliases[r.column])
        cells = [
            f"{r.zh} / `{r.column}`" if zh else f"`{r.column}` / {r.zh}",
            _TYPE_NAMES_ZH[r.type] if zh else _TYPE_NAMES[r.type],
            _UNITS_ZH[r.unit] if zh else r.unit,
            r.allowed,
            ("是" if r.required else "否") if zh else ("yes" if r.required else "no"),
            DESCRIPTIONS_ZH.get((name, r.column), r.description) if zh else r.description,
            also,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _county_table(lang: str = "en") -> str:
    english, chinese = SHEET_NAMES["county"][:2]
    key_en, key_zh = COUNTY_KEY_HEADERS
    value_en, value_zh = COUNTY_VALUE_HEADERS
    if lang == "zh":
        meaning_zh = {
            "name": "县名。默认：文件名或文件夹名。",
            "county_total": "核定编制总量，不小于 0 的整数。默认：各校 `approved_quota`（核定编制数）之和。",
        }
        lines = [
            f"### 县情：工作表 `{chinese}` / `{english}`（可选）\n",
            f"两列，{key_zh} / `{key_en}` 和 {value_zh} / `{value_en}`，每行一项：\n",
            "| 项目（中文 / 英文） | 值 |",
            "|---|---|",
        ]
        for key, zh in COUNTY_KEYS.items():
            lines.append(f"| {zh} / `{key}` | {_cell(meaning_zh.get(key, ''))} |")
        return "\n".join(lines) + "\n"
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


def _generated_block(lang: str = "en") -> str:
    example = render_error_example()
    title = "错误信息示例" if lang == "zh" else "Example error message"
    return (
        f"{BEGIN}\n\n{render_markdown(lang)}\n### {title}\n\n"
        f"```text\n{example}\n```\n\n{END}"
    )


def update_doc(path: str | Path = DOC_PATH, lang: str = "en") -> bool:
    """Replace the generated block of ``path`` with fresh output; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + _generated_block(lang) + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    for doc, doc_lang in ((DOC_PATH, "en"), (DOC_PATH_ZH, "zh")):
        print(f"{doc}: {'updated' if update_doc(doc, doc_lang) else 'up to date'}")
