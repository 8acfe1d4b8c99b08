"""The rules recomputed from the documents' wording, by hand, without the library's helpers.

Every expected value below is typed from POLICY.md (the Chuxiong 2024 plan, the 2022
curriculum, the 2014 rotation rule, the 2025 retirement reform) or computed in the test
with plain arithmetic; the library is only called to produce the value under test.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import staffing as st
from staffing import curriculum

# --------------------------------------------------------------------------------------
# 义务教育课程方案 (2022): weekly totals, nine-year total and subject share bands
# --------------------------------------------------------------------------------------

#: Weekly periods per class, typed from POLICY.md part B: 26 in grades 1–2, 30 in 3–6,
#: 34 in 7–9.
WEEKLY_TOTAL = {"primary_1_2": 26, "primary_3_6": 30, "junior_7_9": 34}

#: Share bands of all nine-year periods, typed from POLICY.md part B (percent).
BANDS: dict[str, tuple[tuple[str, ...], float, float]] = {
    "Chinese": (("chinese",), 20, 22),
    "maths": (("maths",), 13, 15),
    "foreign language": (("english",), 6, 8),
    "morality & law": (("morality_law",), 6, 8),
    "history + geography": (("history", "geography"), 3, 4),
    "science": (("science", "physics", "chemistry", "biology"), 8, 10),
    "IT": (("it",), 1, 3),
    "PE & health": (("pe",), 10, 11),
    "arts": (("music", "art"), 9, 11),
    "labour + integrated practice + local": (("labour",), 14, 18),
}


def _weeks(grade9_weeks: int) -> dict[str, int]:
    """Teaching weeks summed over the grades of each band: 35 a year, grade 9 as given."""
    return {"primary_1_2": 2 * 35, "primary_3_6": 4 * 35, "junior_7_9": 2 * 35 + grade9_weeks}


def _nine_year_periods(table, grade9_weeks: int) -> dict[str, Fraction]:
    weeks = _weeks(grade9_weeks)
    out: dict[str, Fraction] = {}
    for band, periods in table.items():
        for subject, n in periods.items():
            exact = Fraction(n).limit_denominator(1000)  # 4/3 stored as a float
            out[subject] = out.get(subject, Fraction(0)) + exact * weeks[band]
    return out


def test_default_timetable_is_the_policy_default():
    assert {b: dict(p) for b, p in st.Policy().periods_per_week.items()} == \
        curriculum.PERIODS_PER_WEEK


@pytest.mark.parametrize("band", sorted(WEEKLY_TOTAL))
def test_weekly_periods_per_band_match_the_2022_curriculum(band):
    total = sum(Fraction(n).limit_denominator(1000)
                for n in curriculum.PERIODS_PER_WEEK[band].values())
    assert total == WEEKLY_TOTAL[band]


def test_nine_year_total_is_9522_periods():
    # 35 weeks x (26 x 2 + 30 x 4 + 34 x 3) = 35 x 274 = 9,590; the 方案's 9,522 is that
    # less two weeks of grade 9 (2 x 34 = 68).
    assert sum(_nine_year_periods(curriculum.PERIODS_PER_WEEK, 35).values()) == 9590
    assert sum(_nine_year_periods(curriculum.PERIODS_PER_WEEK, 33).values()) == 9522


def test_every_subject_of_the_timetable_belongs_to_a_band():
    grouped = {s for subjects, _, _ in BANDS.values() for s in subjects}
    taught = {s for periods in curriculum.PERIODS_PER_WEEK.values() for s in periods}
    assert taught <= grouped


@pytest.mark.parametrize("grade9_weeks", [33, 35])
@pytest.mark.parametrize("group", sorted(BANDS))
def test_each_subject_group_sits_inside_its_2022_share_band(group, grade9_weeks):
    periods = _nine_year_periods(curriculum.PERIODS_PER_WEEK, grade9_weeks)
    subjects, low, high = BANDS[group]
    share = 100 * sum(periods.get(s, 0) for s in subjects) / sum(periods.values())
    assert low <= share <= high, f"{group}: {float(share):.2f}% outside {low}–{high}%"


# --------------------------------------------------------------------------------------
# 教育部 财政部 人社部 2014: 城镇 (城区 urban + 镇区 town) and quality schools rotate ≥ 10%
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("location", "quality", "duty"), [
    ("urban", False, True),   # 城区
    ("town", False, True),    # 镇区: 城镇 covers town schools too
    ("rural", True, True),    # a quality school, wherever it is
    ("rural", False, False),  # 乡村, not quality: no duty
])
def test_rotation_duty_covers_urban_town_and_quality_schools(location, quality, duty):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from rotation_builders import english_county

    base = english_county()  # U-900 is U's only teacher eligible to rotate
    schools = base.schools.reset_index()
    schools.loc[schools["school_id"].eq("U"), ["location", "is_quality"]] = [location, quality]
    county = st.County(schools, base.teachers.reset_index(), name="duty")
    plan = st.optimize(county, st.Policy())
    expected = {"U": 1} if duty else {}
    assert plan.rotation["eligible_per_duty_school"] == expected
    assert plan.rotation["rotation_target"] == pytest.approx(0.1 * sum(expected.values()))
