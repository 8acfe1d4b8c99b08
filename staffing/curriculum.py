"""Default curriculum hours and teaching loads, the inputs of subject needs.

Sources (``POLICY.md`` part B):

* 义务教育课程方案 (2022): 26 periods a week in grades 1–2, 30 in 3–6, 34 in 7–9;
  English from grade 3; subject shares of all periods over nine years: Chinese 20–22%,
  maths 13–15%, foreign language 6–8%, morality & law 6–8%, history + geography 3–4%,
  science 8–10%, IT 1–3%, PE & health 10–11%, arts 9–11%, labour + integrated
  practice + local 14–18%. The weekly periods below are one timetable consistent
  with those totals and shares (a library default: a county sets its own timetable
  in the Policy). Junior-secondary periods are averages over grades 7–9 (physics
  from grade 8, chemistry in grade 9, biology in grades 7–8).

  Nine-year total: 35 teaching weeks a year × (26 × 2 + 30 × 4 + 34 × 3) = 9,590
  periods, less two weeks of grade 9 (2 × 34 = 68) = the 方案's 9,522. Every subject
  group's share of all periods sits inside its band whether grade 9 counts 33 or 35
  weeks (``tests/test_rules_first_principles.py`` checks both from this table).
* Weekly teaching load: no national norm, so the loads are a library default — a
  workload table widely quoted as one province's standard (POLICY.md part B): junior
  Chinese/maths/English 12, sciences/humanities/PE 14, music/art/IT 16; primary
  Chinese/maths 14, others 18; village schools and teaching points ≥ 18. We could not
  trace the issuing province's own text; a county should set its province's table
  (``Policy.teaching_load``).
"""

from __future__ import annotations

#: Grade bands of the weekly periods: (first grade, last grade), by grade number. The
#: 义务教育课程方案 (2022) sets periods by grade number and gives both the 六三 and the
#: 五四 structure: in 5 + 4 (Policy.grades) grade 6 sits in junior school but keeps the
#: periods of grades 3–6, taught at the junior teaching load (staffing.needs).
#: Library default for structures beyond nine grades (e.g. 7 + 4), which the 方案 does
#: not cover: every grade after 9 takes the periods of the last band (grades 7–9).
GRADE_BANDS: dict[str, tuple[int, int]] = {
    "primary_1_2": (1, 2),
    "primary_3_6": (3, 6),
    "junior_7_9": (7, 9),
}

#: Weekly periods per class by grade band and subject.
#:
#: One period a week moved from maths to science in grades 3–6 (maths 5 → 4, science
#: 2 → 3; weekly totals unchanged): with 5 maths periods maths was 15.7% of all periods
#: (band 13–15%) and science + physics + chemistry + biology 7.7% (band 8–10%); now
#: 14.2% and 9.1% (of 9,590 or of 9,522 periods alike).
PERIODS_PER_WEEK: dict[str, dict[str, float]] = {
    "primary_1_2": {"chinese": 8, "maths": 4, "morality_law": 2, "science": 1, "pe": 4,
                    "music": 2, "art": 2, "labour": 3},                                  # 26
    "primary_3_6": {"chinese": 6, "maths": 4, "english": 2, "morality_law": 2, "science": 3,
                    "it": 1, "pe": 3, "music": 2, "art": 2, "labour": 5},                 # 30
    "junior_7_9": {"chinese": 5, "maths": 5, "english": 4, "morality_law": 2, "history": 2,
                   "geography": 4 / 3, "physics": 4 / 3, "chemistry": 1, "biology": 4 / 3,
                   "pe": 3, "music": 1, "art": 1, "it": 1, "labour": 5},                  # 34
}

_PRIMARY_LOAD = {s: 18.0 for s in ("english", "morality_law", "science", "it", "pe", "music",
                                  "art", "labour")} | {"chinese": 14.0, "maths": 14.0}
_JUNIOR_LOAD = (
    {s: 12.0 for s in ("chinese", "maths", "english")}
    | {s: 14.0 for s in ("morality_law", "history", "geography", "physics", "chemistry",
                         "biology", "pe", "labour")}
    | {s: 16.0 for s in ("music", "art", "it")}
)

#: Weekly teaching periods of one full-time teacher, by school part and subject.
#: ``small_school``: village schools and teaching points (the class-rule schools).
#: Mental health (心理健康) has no periods in the timetable (its need is a teacher per
#: school, staffing.needs.mental_health_need); its load only converts itinerant periods
#: (走教) into FTE: library default, that of the other non-exam subjects (primary 18,
#: junior 16, like music, art and IT).
TEACHING_LOAD: dict[str, dict[str, float]] = {
    "primary": _PRIMARY_LOAD | {"mental_health": 18.0},
    "junior": _JUNIOR_LOAD | {"mental_health": 16.0},
    "small_school": {s: 18.0 for s in _PRIMARY_LOAD} | {"mental_health": 18.0},
}

#: Needs a teacher of each subject can cover besides their own, in order. A general
#: (全科) primary teacher covers the primary core subjects; labour and integrated
#: practice (劳动/综合实践) is commonly taught by class and subject teachers with spare
#: periods, so every subject's spare time may cover it. Mental health (心理健康,
#: Chuxiong measure 17) may be covered part-time (兼职, up to
#: ``Policy.mental_health_part_time_fte`` a school) by morality-and-law and general
#: teachers: library default — the national texts allow 兼职 mental-health teachers
#: without naming their subjects; 德育 and class teachers are the usual 兼职 in practice.
SUBJECT_COVER: dict[str, tuple[str, ...]] = {
    "general": ("chinese", "maths", "morality_law", "science", "labour", "mental_health"),
    **{s: ("labour",) for s in ("chinese", "maths", "english", "science",
                                "physics", "chemistry", "biology", "history", "geography",
                                "it", "pe", "music", "art", "mental_health")},
    "morality_law": ("labour", "mental_health"),
}
