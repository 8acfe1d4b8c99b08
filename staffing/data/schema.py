"""The data schema as data: one row per column of each input table.

This table drives the readers (Chinese and English header aliases, value
vocabularies), the validation rules and the generated documentation in
``docs/data.md``. Change a column here and all three follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from staffing.vocab import (
    BACKBONE_LEVELS,
    EDUCATION,
    LEVELS,
    LOCATIONS,
    ROLES,
    SEXES,
    STATUSES,
    SUBJECTS,
    TITLES,
    VALUE_ALIASES,
)

__all__ = [
    "Column",
    "SCHOOL_COLUMNS",
    "TEACHER_COLUMNS",
    "COUNTY_KEYS",
    "MOVE_RULES",
    "MOVE_RULE_COLUMNS",
    "SHEET_NAMES",
    "schema_table",
    "columns_for",
]


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Attributes
    ----------
    name : canonical English name, as stored in :class:`staffing.County`.
    zh : the Simplified Chinese header a bureau's workbook uses.
    kind : ``"id" | "text" | "int" | "float" | "bool" | "category" | "date"``, or
        ``"int_or_blank"``: a whole number where a blank cell means "none given"
        (kept as NaN, e.g. a quota nobody locked).
    required : whether the column must be present.
    unit : unit of measure, if any.
    vocab : for ``category``: code → Chinese label; cells may hold either.
    min, max : inclusive bounds for numbers (``None``: unbounded).
    description : one line for the docs.
    aliases : further accepted headers (English or Chinese).
    default : for an optional ``category`` column, the code a table without the column
        gets (``None``: blank, "not given" — e.g. no education data is not "no degree").
    """

    name: str
    zh: str
    kind: str
    required: bool
    description: str
    unit: str = ""
    vocab: dict[str, str] | None = None
    min: float | None = None
    max: float | None = None
    aliases: tuple[str, ...] = ()
    default: str | None = None

    def headers(self) -> tuple[str, ...]:
        """Every header this column is recognised by (case-insensitive for English)."""
        return (self.name, self.zh, *self.aliases)

    def spellings(self) -> dict[str, str]:
        """Every accepted spelling of a category cell (casefolded) → its code.

        The codes, their Chinese labels and the common codes of
        :data:`staffing.vocab.VALUE_ALIASES` (M/F, U/R, …); empty for other kinds.

        Examples
        --------
        >>> sex = next(c for c in TEACHER_COLUMNS if c.name == "sex")
        >>> [sex.spellings()[w] for w in ("male", "女", "m", "f")]
        ['male', 'female', 'male', 'female']
        """
        vocab = self.vocab or {}
        lookup = {code.casefold(): code for code in vocab}
        lookup |= {label.casefold(): code for code, label in vocab.items()}
        aliases = VALUE_ALIASES.get(self.name, {}) if vocab else {}
        return lookup | {word.casefold(): code for word, code in aliases.items()}


SCHOOL_COLUMNS: tuple[Column, ...] = (
    Column("school_id", "学校代码", "id", True, "Unique school code.", aliases=("学校编号", "id")),
    Column("name", "学校名称", "text", True, "School name.", aliases=("校名",)),
    Column("township", "乡镇", "text", True, "Township (乡镇/街道) the school belongs to.",
           aliases=("所属乡镇", "街道")),
    Column("level", "学段", "category", True,
           "School type; a nine-year school has both primary and junior pupils.",
           vocab=LEVELS, aliases=("办学类型", "学校类型")),
    Column("location", "城乡属性", "category", True, "Urban area, town or rural (village).",
           vocab=LOCATIONS, aliases=("城乡类别", "城乡")),
    Column("is_central", "乡镇中心学校", "bool", False,
           "Township central school (乡镇中心学校). Default false.", aliases=("是否中心校",)),
    Column("is_quality", "优质学校", "bool", False,
           "Urban or county quality school (优质学校). Default false.", aliases=("是否优质校",)),
    Column("is_weak", "薄弱学校", "bool", False,
           "Weak school (薄弱学校) to be supported first. Default false.", aliases=("是否薄弱校",)),
    Column("keep_open", "保留校点", "bool", False,
           "Never merged by a consolidation scenario (e.g. a remote mountain site, 边远山区"
           "确需保留). Default false.", aliases=("确需保留",)),
    Column("pupils_primary", "小学在校生数", "int", True,
           "Primary pupils: grades 1–6 by default, 1–5 in a 5+4 system (Policy.grades).",
           unit="pupils", min=0, max=20_000, aliases=("小学生数",)),
    Column("pupils_junior", "初中在校生数", "int", True,
           "Junior-secondary pupils: grades 7–9 by default, 6–9 in a 5+4 system "
           "(Policy.grades).", unit="pupils", min=0, max=20_000, aliases=("初中生数",)),
    Column("classes_primary", "小学班级数", "int", True, "Primary classes (教学班).",
           unit="classes", min=0, max=400, aliases=("小学班数",)),
    Column("classes_junior", "初中班级数", "int", True, "Junior-secondary classes.",
           unit="classes", min=0, max=400, aliases=("初中班数",)),
    Column("classes_estimated", "班级数为估算", "bool", False,
           "The classes are an estimate from enrolment (staffing.estimate_classes), not a "
           "count; explain() says which norms rest on them. Default false.",
           aliases=("班级数估算",)),
    Column("approved_quota", "核定编制数", "int", True,
           "Quota (编制) currently approved and filed for the school.",
           unit="posts", min=0, max=5_000, aliases=("编制数", "核定编制")),
    Column("staff_in_post", "在编在岗人数", "int", True,
           "Staff on the quota and working at the school now.",
           unit="posts", min=0, max=5_000, aliases=("在编在岗", "在岗人数")),
    Column("lat", "纬度", "float", False, "Latitude (WGS84).", unit="degrees", min=-90, max=90,
           aliases=("latitude",)),
    Column("lon", "经度", "float", False, "Longitude (WGS84).", unit="degrees", min=-180,
           max=180, aliases=("longitude", "lng")),
    Column("boarding_pupils", "寄宿生数", "int", False, "Boarding pupils. Default 0.",
           unit="pupils", min=0, max=20_000, aliases=("住校生数",)),
    # Planner controls (blank = no control): docs/concepts.md "Planner controls".
    Column("locked_quota", "锁定编制数", "int_or_blank", False,
           "Quota the planner locks for this school: the plan gives exactly this many posts, "
           "every year of a multi-year plan. Blank: free.", unit="posts", min=0, max=5_000,
           aliases=("锁定编制",)),
    Column("max_moves_in", "每年最多调入人数", "int_or_blank", False,
           "Most teachers the plan moves into this school per year (rotation, support, "
           "exchange). Blank: no cap.", unit="teachers", min=0, max=400,
           aliases=("最多调入人数",)),
    Column("max_moves_out", "每年最多调出人数", "int_or_blank", False,
           "Most teachers the plan moves out of this school per year (rotation, support, "
           "exchange). Blank: no cap.", unit="teachers", min=0, max=400,
           aliases=("最多调出人数",)),
    Column("teaching_area_m2", "教学及辅助用房面积", "float", False,
           "Floor area of teaching and auxiliary rooms, whole school (优质均衡 indicator 4; "
           "docs/balance.md). Blank: not assessed.", unit="m²", min=0, max=1_000_000,
           aliases=("教学及辅助用房面积(平方米)",)),
    Column("sports_area_m2", "体育运动场馆面积", "float", False,
           "Sports ground and hall area, whole school (优质均衡 indicator 5). Blank: not "
           "assessed.", unit="m²", min=0, max=1_000_000, aliases=("体育运动场馆面积(平方米)",)),
    Column("equipment_value_yuan", "教学仪器设备值", "float", False,
           "Value of teaching instruments and equipment, whole school (优质均衡 indicator 6). "
           "Blank: not assessed.", unit="yuan", min=0, max=1e10,
           aliases=("教学仪器设备值(元)",)),
    Column("multimedia_classrooms", "网络多媒体教室数", "float", False,
           "Networked multimedia classrooms (优质均衡 indicator 7). Blank: not assessed.",
           unit="rooms", min=0, max=2_000, aliases=("多媒体教室数",)),
)

TEACHER_COLUMNS: tuple[Column, ...] = (
    Column("teacher_id", "教师编号", "id", True, "Unique teacher code.", aliases=("工号", "id")),
    Column("school_id", "学校代码", "id", True, "School where the teacher holds their post.",
           aliases=("学校编号", "所在学校代码")),
    Column("subject", "任教学科", "category", True, "Main teaching subject.", vocab=SUBJECTS,
           aliases=("学科",)),
    Column("sex", "性别", "category", True, "Sex (retirement ages differ).", vocab=SEXES),
    Column("birth_date", "出生日期", "date", False,
           "Date of birth; give this or birth_year.", aliases=("出生年月",)),
    Column("birth_year", "出生年份", "int", False, "Year of birth; give this or birth_date.",
           min=1940, max=2010),
    Column("hire_year", "参加工作年份", "int", True, "Year the teacher started teaching.",
           min=1960, max=2100, aliases=("入职年份",)),
    Column("years_at_school", "本校任教年限", "int", True,
           "Consecutive years at the current school.", unit="years", min=0, max=50,
           aliases=("本校年限",)),
    Column("title", "职称", "category", True, "Professional title.", vocab=TITLES),
    Column("backbone", "骨干级别", "category", True, "Backbone-teacher level (骨干教师).",
           vocab=BACKBONE_LEVELS, aliases=("骨干教师",)),
    Column("is_head_teacher", "班主任", "bool", True, "Class teacher (班主任) this year.",
           aliases=("是否班主任",)),
    Column("status", "在岗状态", "category", True,
           "This year's status; 'leaving' releases the post this year.", vocab=STATUSES,
           aliases=("状态",)),
    Column("pinned", "不参与交流", "bool", False,
           "Never moved by the plan (e.g. announced arrangements). Default false.",
           aliases=("固定",)),
    Column("can_retire_early", "可提前退休", "bool", False,
           "Has applied for, or may take, early retirement (Chuxiong measure 12); "
           "never assumed. Default false.", aliases=("申请提前退休",)),
    Column("education", "学历", "category", False,
           "Highest education (最高学历), for the 优质均衡 indicator of teachers above the "
           "statutory qualification (docs/balance.md). Blank: not assessed.",
           vocab=EDUCATION, aliases=("最高学历",)),
    Column("role", "职务", "category", False,
           "Teacher, principal, vice principal or party secretary (Chuxiong measures 2 and "
           "8: heads teach a minimum load and exchange between schools). Default teacher.",
           vocab=ROLES, aliases=("岗位职务",), default="teacher"),
)

#: Move rules (sheet ``move_rules`` / ``调动限制``, optional): per teacher, schools she
#: may be moved to (``allowed``: only those) or must not be (``forbidden``).
MOVE_RULES: dict[str, str] = {"allowed": "允许", "forbidden": "禁止"}

MOVE_RULE_COLUMNS: tuple[Column, ...] = (
    Column("teacher_id", "教师编号", "id", True, "The teacher the rule is about.",
           aliases=("工号",)),
    Column("school_id", "学校代码", "id", True, "A school she may (allowed) or must not "
           "(forbidden) be moved to; not her own school.", aliases=("学校编号", "目标学校代码")),
    Column("rule", "限制", "category", True,
           "allowed: the teacher moves only to the schools of her allowed rows (or stays); "
           "forbidden: never to this school.", vocab=MOVE_RULES, aliases=("规则", "调动限制")),
)

#: Key–value facts about the county (sheet ``county`` / ``县情``).
COUNTY_KEYS: dict[str, str] = {
    "name": "县名",
    "county_total": "核定编制总量",
}

#: Accepted sheet (or CSV file stem) names for each table.
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "schools": ("schools", "学校"),
    "teachers": ("teachers", "教师"),
    "county": ("county", "县情"),
    "move_rules": ("move_rules", "调动限制"),
}


def columns_for(table: str) -> tuple[Column, ...]:
    """The schema columns of ``"schools"``, ``"teachers"`` or ``"move_rules"``."""
    return {"schools": SCHOOL_COLUMNS, "teachers": TEACHER_COLUMNS,
            "move_rules": MOVE_RULE_COLUMNS}[table]


def schema_table() -> pd.DataFrame:
    """The schema as one DataFrame: table, column, Chinese header, type, unit, rules.

    Examples
    --------
    >>> t = schema_table()
    >>> t.loc[t.column == "approved_quota", "zh"].item()
    '核定编制数'
    """
    rows = []
    for table, cols in (("schools", SCHOOL_COLUMNS), ("teachers", TEACHER_COLUMNS),
                        ("move_rules", MOVE_RULE_COLUMNS)):
        for c in cols:
            allowed = ""
            if c.vocab:
                allowed = ", ".join(f"{k} ({v})" for k, v in c.vocab.items())
            elif c.min is not None or c.max is not None:
                allowed = f"{c.min:g} – {c.max:g}" if c.max is not None else f"≥ {c.min:g}"
            rows.append(
                {
                    "table": table,
                    "column": c.name,
                    "zh": c.zh,
                    "type": c.kind,
                    "required": c.required,
                    "unit": c.unit,
                    "allowed": allowed,
                    "description": c.description,
                }
            )
    return pd.DataFrame(rows)
