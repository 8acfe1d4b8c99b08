"""The fixed vocabularies of the data: levels, locations, subjects and the like.

Each vocabulary maps the canonical English code (what the library stores) to its
Simplified Chinese label (what a bureau's workbook shows). Readers accept either;
writers use the one that matches ``lang``.
"""

from __future__ import annotations

#: School levels (学段类型).
LEVELS: dict[str, str] = {
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制",
    "teaching_point": "教学点",
}

#: School locations (城乡属性).
LOCATIONS: dict[str, str] = {
    "urban": "城区",
    "town": "镇区",
    "rural": "乡村",
}

#: Teacher subjects (任教学科), following the 2022 compulsory-education curriculum.
SUBJECTS: dict[str, str] = {
    "chinese": "语文",
    "maths": "数学",
    "english": "英语",
    "morality_law": "道德与法治",
    "science": "科学",
    "physics": "物理",
    "chemistry": "化学",
    "biology": "生物学",
    "history": "历史",
    "geography": "地理",
    "it": "信息科技",
    "pe": "体育与健康",
    "music": "音乐",
    "art": "美术",
    "labour": "劳动与综合实践",
    "mental_health": "心理健康",
    "general": "全科",
}

#: Sex (性别).
SEXES: dict[str, str] = {"male": "男", "female": "女"}

#: Further spellings accepted without a mapping, by the schema column whose vocabulary
#: they belong to: the one-letter codes of most national school lists (M/F, U/R) and
#: the longer Chinese words (男性/女性). Matched case-insensitively, like the codes
#: and labels themselves; "Male"/"Female" and 男/女 are the codes and labels already.
#: Town (镇区) has no common one-letter code, so none is guessed.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"m": "male", "f": "female", "男性": "male", "女性": "female"},
    "location": {"u": "urban", "r": "rural"},
}

#: Professional title (职称).
TITLES: dict[str, str] = {
    "senior": "高级",
    "intermediate": "中级",
    "junior": "初级",
    "none": "无",
}

#: Backbone-teacher level (骨干教师级别).
BACKBONE_LEVELS: dict[str, str] = {
    "none": "无",
    "county": "县级",
    "prefecture": "州级",
    "province": "省级",
}

#: Highest education (最高学历), lowest first: the order is the rank the 优质均衡 indicator
#: "teachers above the statutory qualification" compares against (教师法 art. 11;
#: ``Policy.balance_above_qualification_primary`` / ``_junior``).
EDUCATION: dict[str, str] = {
    "high_school": "高中及以下",
    "secondary": "中专(中师)",
    "associate": "专科",
    "bachelor": "本科",
    "master": "硕士研究生及以上",
}

#: Employment status this school year (在岗状态).
STATUSES: dict[str, str] = {
    "in_post": "在岗",
    "leaving": "本学年离岗",
    "on_leave": "长期休假",
    "seconded": "借调",
}

#: A teacher's role at the school (职务; Chuxiong measure 2: principals and party
#: secretaries teach). Anyone not a head is an ordinary ``teacher``.
ROLES: dict[str, str] = {
    "teacher": "教师",
    "principal": "校长",
    "vice_principal": "副校长",
    "party_secretary": "党组织书记",
}

#: Statuses whose teachers leave their post this year: their posts may be released.
LEAVING_STATUSES: frozenset[str] = frozenset({"leaving"})

#: Boolean cell values accepted by readers, in both languages.
TRUE_WORDS: frozenset[str] = frozenset({"true", "yes", "y", "1", "是", "t"})
FALSE_WORDS: frozenset[str] = frozenset({"false", "no", "n", "0", "否", "f", ""})

#: Kinds of row in ``plan.moves`` that move no teacher: the teacher keeps her school and
#: teaches part of her week elsewhere (itinerant, 走教) or by stream (remote, 专递课堂).
VISIT_KINDS: tuple[str, ...] = ("itinerant", "remote")
