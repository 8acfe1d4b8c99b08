"""The rules recomputed from the documents' wording, by hand, without the library's helpers.

Every expected value below is typed from POLICY.md (the Chuxiong 2024 plan, the 2022
curriculum, the 2014 rotation rule, the 2025 retirement reform) or computed in the test
with plain arithmetic; the library is only called to produce the value under test.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import staffing as st
import staffing.testing as testing
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
# Chuxiong measure 10: quota norms
# --------------------------------------------------------------------------------------


def _school(sid: str, level: str, location: str, pp: int = 0, cp: int = 0, pj: int = 0,
            cj: int = 0, boarding: int = 0) -> dict:
    return testing.school(sid, level=level, location=location, pupils_primary=pp,
                          pupils_junior=pj, classes_primary=cp, classes_junior=cj,
                          boarding_pupils=boarding, lat=None, lon=None)


#: (school, expected norm, expected basis), each computed by hand in the comment.
NORM_TABLE = [
    # 1 : 19 primary: 570 / 19 = 30.
    (_school("P570", "primary", "urban", pp=570, cp=12), 30, "pupils"),
    # 1 : 13.5 junior: 1,350 / 13.5 = 100.
    (_school("J1350", "junior", "urban", pj=1350, cj=27), 100, "pupils"),
    # A junior school is never staffed by class, even rural and small: 135 / 13.5 = 10.
    (_school("J135", "junior", "rural", pj=135, cj=3), 10, "pupils"),
    # Nine-year school = primary part + junior part, rounded once: 200 / 19 = 10.526 and
    # 196 / 13.5 = 14.519, together 25.045 -> 25 (each part rounded alone would be 26).
    (_school("N9", "nine_year", "town", pp=200, cp=6, pj=196, cj=4), 25, "pupils"),
    # Village school, 200人以下 (200 or fewer, inclusive), 2 per class, the larger norm:
    # 180 pupils, 6 classes: 6 x 2 = 12 > 180 / 19 = 9.47 -> 12 by class.
    (_school("V180", "primary", "rural", pp=180, cp=6), 12, "classes"),
    # exactly 200 pupils, 8 classes: 16 > 200 / 19 = 10.53 -> 16 by class.
    (_school("V200", "primary", "rural", pp=200, cp=8), 16, "classes"),
    # 201 pupils is above the threshold: 201 / 19 = 10.58 -> 11 by pupils (8 classes or not).
    (_school("V201", "primary", "rural", pp=201, cp=8), 11, "pupils"),
    # take the larger: 190 pupils in 4 classes: 190 / 19 = 10 > 4 x 2 = 8 -> 10 by pupils.
    (_school("V190", "primary", "rural", pp=190, cp=4), 10, "pupils"),
    # teaching point (教学点), 30 pupils in 3 classes: 3 x 2 = 6 > 1.58 -> 6 by class.
    (_school("TP30", "teaching_point", "rural", pp=30, cp=3), 6, "classes"),
    # a small town primary school is not a village school: 150 / 19 = 7.89 -> 8.
    (_school("T150", "primary", "town", pp=150, cp=6), 8, "pupils"),
    # half up (四舍五入): 199 / 19 = 10.47 -> 10 (10.5 is unreachable with whole pupils).
    (_school("U199", "primary", "urban", pp=199, cp=6), 10, "pupils"),
]


@pytest.mark.parametrize(("row", "norm", "basis"), NORM_TABLE, ids=[r["school_id"]
                                                                   for r, _, _ in NORM_TABLE])
def test_quota_norm_from_the_measure_10_wording(row, norm, basis):
    county = st.County(pd.DataFrame([r for r, _, _ in NORM_TABLE]))
    got = st.quota_norms(county).loc[row["school_id"]]
    assert (got["norm"], got["basis"]) == (norm, basis)


@pytest.mark.parametrize(("boarding", "norm"), [
    # 380 / 19 = 20, plus 2 per 100 boarding pupils: 25 -> 0.5 -> 20.5 rounds half UP to
    # 21 (四舍五入; banker's rounding would give 20); 24 -> 0.48 -> 20.48 -> 20.
    (25, 21), (24, 20),
])
def test_norm_rounds_half_up(boarding, norm):
    county = st.County(pd.DataFrame([_school("B", "primary", "urban", pp=380, cp=9,
                                             boarding=boarding)]))
    got = st.quota_norms(county, st.Policy(boarding_staff_per_100=2.0)).loc["B", "norm"]
    assert got == norm


# --------------------------------------------------------------------------------------
# Subject needs: periods per week x classes / weekly teaching load
# --------------------------------------------------------------------------------------

#: Weekly periods typed from the default timetable (staffing/curriculum.py, checked
#: against the 2022 bands above): grades 1–2, 3–6, and 7–9 averages.
P12 = {"chinese": 8, "maths": 4, "morality_law": 2, "science": 1, "pe": 4, "music": 2,
       "art": 2, "labour": 3}
P36 = {"chinese": 6, "maths": 4, "english": 2, "morality_law": 2, "science": 3, "it": 1,
       "pe": 3, "music": 2, "art": 2, "labour": 5}
P79 = {"chinese": 5, "maths": 5, "english": 4, "morality_law": 2, "history": 2,
       "geography": Fraction(4, 3), "physics": Fraction(4, 3), "chemistry": 1,
       "biology": Fraction(4, 3), "pe": 3, "music": 1, "art": 1, "it": 1, "labour": 5}
#: Weekly loads typed from POLICY.md part B (the library's default table).
PRIMARY_LOAD = {"chinese": 14, "maths": 14}  # others 18
JUNIOR_LOAD = {"chinese": 12, "maths": 12, "english": 12, "music": 16, "art": 16, "it": 16}
SMALL_LOAD = 18  # village schools and teaching points


def _hand_need(subject: str, primary_classes: int, junior_classes: int,
               small: bool = False) -> Fraction:
    """Σ classes in the band × weekly periods ÷ load; primary classes split 2/6 : 4/6."""
    p_load = SMALL_LOAD if small else PRIMARY_LOAD.get(subject, 18)
    j_load = JUNIOR_LOAD.get(subject, 14)
    c12 = Fraction(primary_classes) * Fraction(2, 6)
    c36 = Fraction(primary_classes) * Fraction(4, 6)
    return (c12 * Fraction(P12.get(subject, 0)) / p_load
            + c36 * Fraction(P36.get(subject, 0)) / p_load
            + junior_classes * Fraction(P79.get(subject, 0)) / j_load)


NEEDS_SCHOOLS = [
    _school("U12", "primary", "urban", pp=540, cp=12),
    _school("J9", "junior", "urban", pj=450, cj=9),
    _school("N", "nine_year", "town", pp=300, cp=6, pj=200, cj=3),
    _school("V200", "primary", "rural", pp=200, cp=6),   # small: 18-period load
    _school("V201", "primary", "rural", pp=201, cp=6),   # not small: primary loads
]


def test_subject_needs_by_hand():
    county = st.County(pd.DataFrame(NEEDS_SCHOOLS))
    needs = st.subject_needs(county)
    spot = {  # a few worked by hand, the rest by _hand_need in the loop below
        ("U12", "maths"): Fraction(4 * 4 + 8 * 4, 14),       # 48/14 = 3.43
        ("U12", "science"): Fraction(4 * 1 + 8 * 3, 18),     # 28/18 = 1.56
        ("J9", "chinese"): Fraction(9 * 5, 12),              # 3.75
        ("J9", "physics"): Fraction(9 * 4, 3 * 14),          # 0.857
        ("J9", "music"): Fraction(9, 16),
        ("V200", "chinese"): Fraction(2 * 8 + 4 * 6, 18),    # 40/18 at the small load
        ("V201", "chinese"): Fraction(2 * 8 + 4 * 6, 14),    # 40/14 at the primary load
        ("N", "english"): Fraction(4 * 2, 18) + Fraction(3 * 4, 12),
    }
    for (sid, subject), value in spot.items():
        assert needs.loc[sid, subject] == pytest.approx(float(value)), (sid, subject)
    for row in NEEDS_SCHOOLS:
        for subject in needs.columns:
            expected = _hand_need(subject, row["classes_primary"], row["classes_junior"],
                                  small=row["school_id"] == "V200")
            if subject == "mental_health":  # measure 17: part-time share below 1,000 pupils
                expected = Fraction(1, 4)
            assert needs.loc[row["school_id"], subject] == pytest.approx(float(expected)), \
                (row["school_id"], subject)


# --------------------------------------------------------------------------------------
# Who may rotate: ≥ 6 years at the school (Anhui practice), past the first 3 years of
# service, more than 5 years from statutory retirement (2025 reform), not a class
# teacher unless allowed, not pinned, in post. Plan year 2026: counted to 1 Sept 2026.
# --------------------------------------------------------------------------------------

AS_OF = pd.Timestamp("2026-09-01")


def _teacher(tid: str, **kw) -> dict:
    base = {"teacher_id": tid, "school_id": "U", "subject": "maths", "sex": "male",
            "birth_date": pd.Timestamp("1980-05-01"), "birth_year": 1980, "hire_year": 2004,
            "years_at_school": 6, "title": "intermediate", "backbone": "none",
            "is_head_teacher": False, "status": "in_post", "pinned": False}
    row = {**base, **kw}
    row["birth_year"] = row["birth_date"].year
    return row


#: Retirement dates by hand from POLICY.md B: men 60 -> 63 and women cadres 55 -> 58,
#: +1 month of age per 4 months of birth date from January 1965 (men) / 1970 (women);
#: women workers 50 -> 55, +1 month per 2 months from January 1975.
RETIREMENT = {
    # man born 10 Mar 1968: (1968 − 1965) × 12 + 2 = 38 months of births -> 38 // 4 + 1
    # = 10 months -> 60 y 10 m -> 10 Jan 2029, 2.4 years after 1 Sept 2026: too close.
    "M68": ("male", "1968-03-10", "cadre", "2029-01-10"),
    # man born 15 Jun 1971: 6 × 12 + 5 = 77 -> 77 // 4 + 1 = 20 months (1 y 8 m) -> 61 y 8 m ->
    # 15 Feb 2033, 6.5 years away: eligible (the old age 60 would have been 15 Jun 2031).
    "M71": ("male", "1971-06-15", "cadre", "2033-02-15"),
    # woman cadre born 10 Sep 1975: 5 × 12 + 8 = 68 -> 68 // 4 + 1 = 18 months (1 y 6 m)
    # -> 56 y 6 m -> 10 Mar 2032, 5.5 years away: eligible (the old age 55 would have
    # been 10 Sep 2030, 4.0 years away).
    "W75": ("female", "1975-09-10", "cadre", "2032-03-10"),
    # woman cadre born 10 Jan 1975: 60 -> 60 // 4 + 1 = 16 months (1 y 4 m) -> 56 y 4 m
    # -> 10 May 2031, 4.7 years away: too close.
    "W75b": ("female", "1975-01-10", "cadre", "2031-05-10"),
    # woman on the worker track born 10 Jun 1977: 2 × 12 + 5 = 29 -> 29 // 2 + 1 = 15
    # months (1 y 3 m) -> 51 y 3 m -> 10 Sep 2028: too close.
    "W77w": ("female", "1977-06-10", "worker", "2028-09-10"),
    # woman on the worker track born 10 Feb 1980: 5 × 12 + 1 = 61 -> 61 // 2 + 1 = 31
    # months (2 y 7 m) -> 52 y 7 m -> 10 Sep 2032, 6.0 years away: eligible.
    "W80w": ("female", "1980-02-10", "worker", "2032-09-10"),
}


def _eligibility(rows: list[dict], policy: st.Policy | None = None, **kw) -> pd.DataFrame:
    from staffing.model.eligibility import eligibility

    school = {**_school("U", "primary", "urban", pp=1000, cp=24), "approved_quota": len(rows),
              "staff_in_post": len(rows)}
    county = st.County(pd.DataFrame([school]), pd.DataFrame(rows))
    return eligibility(county, policy or st.Policy(), **kw)


@pytest.mark.parametrize("tid", sorted(RETIREMENT))
def test_retirement_date_and_rotation_by_the_reform_rule(tid):
    sex, born, track, retires = RETIREMENT[tid]
    policy = st.Policy(female_retirement_track=track)
    row = _teacher(tid, sex=sex, birth_date=pd.Timestamp(born), hire_year=2000,
                   years_at_school=10)
    from staffing.retirement import retirement_dates

    assert retirement_dates(pd.DataFrame([row]), policy).loc[0, "retirement_date"] == \
        pd.Timestamp(retires)
    years_left = (pd.Timestamp(retires) - AS_OF).days / 365.25
    expected = "" if years_left >= 5 else "retiring"
    assert _eligibility([row], policy).loc[tid, "reason"] == expected


#: (teacher, reason) under the default policy; "" = eligible.
ELIGIBILITY_TABLE = [
    (_teacher("ok"), ""),                                              # 6 years: eligible
    (_teacher("tenure5", years_at_school=5), "tenure"),                # 5 < 6 years
    (_teacher("head", is_head_teacher=True), "head_teacher"),          # 班主任 stays
    (_teacher("pin", pinned=True), "pinned"),
    (_teacher("leave", status="leaving"), "status"),
    (_teacher("onleave", status="on_leave"), "status"),
    (_teacher("second", status="seconded"), "status"),
    # hired 2024: 2 years of service, and only 2 years at the school: tenure comes first.
    (_teacher("new2024", hire_year=2024, years_at_school=2), "tenure"),
]


def test_rotation_eligibility_hand_table():
    got = _eligibility([r for r, _ in ELIGIBILITY_TABLE])
    for row, reason in ELIGIBILITY_TABLE:
        assert got.loc[row["teacher_id"], "reason"] == reason, row["teacher_id"]
        assert got.loc[row["teacher_id"], "eligible"] == (reason == "")


def test_pinned_by_argument_and_class_teachers_when_allowed():
    rows = [_teacher("a"), _teacher("head", is_head_teacher=True)]
    assert _eligibility(rows, pinned=["a"]).loc["a", "reason"] == "pinned"
    allowed = _eligibility(rows, st.Policy(rotation_move_head_teachers=True))
    assert allowed.loc["head", "reason"] == ""


@pytest.mark.parametrize(("hire_year", "reason"), [
    (2024, "new"),  # 2026 − 2024 = 2 years of service: within the first 3
    (2023, ""),     # 3 years of service: past the first 3
])
def test_first_three_years_of_service_do_not_rotate(hire_year, reason):
    # With a 2-year tenure rule the first-years exclusion is the one that decides.
    policy = st.Policy(rotation_eligible_years=2)
    row = _teacher("t", hire_year=hire_year, years_at_school=2)
    assert _eligibility([row], policy).loc["t", "reason"] == reason


@pytest.mark.parametrize(("horizon", "reason"), [(0, ""), (2, ""), (3, "retiring")])
def test_teacher_retiring_within_a_multiyear_plan_does_not_rotate(horizon, reason):
    # The man born 10 Mar 1968 retires on 10 Jan 2029 (above): his post is vacant from
    # school year 2028–29 + 1 = year 3 (1 Sept 2029 is the first 1 Sept after it).
    policy = st.Policy(rotation_exclude_years_to_retirement=0)
    row = _teacher("m", birth_date=pd.Timestamp("1968-03-10"), hire_year=1990,
                   years_at_school=10)
    assert _eligibility([row], policy, horizon=horizon).loc["m", "reason"] == reason


def test_backbone_flag_is_county_level_or_above():
    rows = [_teacher(f"b{k}", backbone=level) for k, level in
            enumerate(["none", "county", "prefecture", "province"])]
    assert _eligibility(rows)["backbone"].tolist() == [False, True, True, True]


@pytest.mark.parametrize(("location", "quality", "sends"), [
    ("urban", False, True), ("town", False, True), ("rural", True, True),
    ("rural", False, False),
])
def test_duty_schools_have_rotation_edges_to_a_rural_school(location, quality, sends):
    # A duty school must be able to send, or its 10% duty could never be met.
    from staffing.model.edges import allowed_moves

    schools = pd.DataFrame([
        {**_school("A", "primary", location, pp=600, cp=12), "is_quality": quality,
         "lat": 25.03, "lon": 101.55},
        {**_school("R", "primary", "rural", pp=300, cp=6), "lat": 25.03, "lon": 101.62},
    ])
    edges = allowed_moves(st.County(schools), st.Policy())
    rotation = edges[edges["kind"].eq("rotation")]
    assert (("A", "R") in set(zip(rotation["from_school"], rotation["to_school"],
                                  strict=True))) == sends


# --------------------------------------------------------------------------------------
# Who covers which need: own subject first, then the cover lists in order
# --------------------------------------------------------------------------------------


def test_coverage_and_gaps_by_hand():
    from staffing.needs import coverage, needs_gap
    from staffing.vocab import SUBJECTS

    need = {"chinese": 2.5, "maths": 1.2, "science": 0.6, "labour": 1.0, "english": 0.8}
    have = {"chinese": 2, "maths": 2, "general": 1}
    needs = pd.DataFrame([[need.get(k, 0.0) for k in SUBJECTS]], index=["S"],
                         columns=list(SUBJECTS))
    staff = pd.DataFrame([[have.get(k, 0) for k in SUBJECTS]], index=["S"],
                         columns=list(SUBJECTS))
    # By hand: own subjects first — Chinese 2 of 2.5, maths 1.2 of 1.2 (0.8 spare). The
    # general (全科) teacher covers chinese, maths, morality & law, science, labour in that
    # order: 0.5 Chinese, then 0.5 science (0.1 short). Maths' spare 0.8 goes to labour
    # (0.2 short). English has nobody: 0.8 short.
    covered = coverage(needs, staff, st.Policy()).loc["S"]
    expected = {"chinese": 2.5, "maths": 1.2, "science": 0.5, "labour": 0.8}
    assert covered.to_dict() == pytest.approx({k: expected.get(k, 0.0) for k in SUBJECTS})
    gap = needs_gap(needs, staff, st.Policy()).loc["S"]
    short = {"science": 0.1, "labour": 0.2, "english": 0.8}
    assert gap.to_dict() == pytest.approx({k: short.get(k, 0.0) for k in SUBJECTS})


def test_staff_by_subject_counts_teachers_not_leaving():
    from staffing.needs import teachers_by_subject

    school = {**_school("U", "primary", "urban", pp=600, cp=12), "approved_quota": 4,
              "staff_in_post": 4}
    rows = [_teacher("a", subject="maths"), _teacher("b", subject="maths"),
            _teacher("c", subject="maths", status="leaving"),
            _teacher("d", subject="music", status="on_leave")]
    county = st.County(pd.DataFrame([school]), pd.DataFrame(rows))
    counts = teachers_by_subject(county).loc["U"]
    # 2 maths teachers stay (the third leaves this year); the music teacher on leave
    # still holds the post.
    assert (counts["maths"], counts["music"], counts.sum()) == (2, 1, 3)
    assert teachers_by_subject(st.County(pd.DataFrame([school]))).loc["U"].sum() == 0


# --------------------------------------------------------------------------------------
# Edge cases the hand tables above leave open (found by the mutation check)
# --------------------------------------------------------------------------------------


def test_norm_columns_and_class_rule_alone():
    rows = [_school("V", "primary", "rural", pp=180, cp=6),   # small: 12 by class
            _school("P", "primary", "urban", pp=570, cp=12)]  # 30 by pupils
    county = st.County(pd.DataFrame(rows))
    got = st.quota_norms(county)
    assert got.index.name == "school_id"
    assert got.loc["V", "norm_classes"] == 12.0 and got.loc["P", "norm_classes"] == 0.0
    assert got.loc["P", "norm_pupils"] == pytest.approx(30.0)
    assert got.loc["P", "norm_boarding"] == 0.0
    alone = st.quota_norms(county, st.Policy(small_school_take_larger=False))
    assert alone["basis"].tolist() == ["classes", "pupils"]


def test_small_nine_year_school_counts_both_parts_when_the_county_says_so():
    # A county that staffs small rural nine-year schools by class too: 120 + 60 = 180
    # pupils (≤ 200), 6 + 3 classes -> 9 x 2 = 18 posts (> 120/19 + 60/13.5 = 10.76);
    # 150 + 60 = 210 pupils is above the threshold -> 150/19 + 60/13.5 = 12.34 -> 12.
    policy = st.Policy(small_school_levels=("primary", "teaching_point", "nine_year"))
    rows = [_school("N180", "nine_year", "rural", pp=120, cp=6, pj=60, cj=3),
            _school("N210", "nine_year", "rural", pp=150, cp=6, pj=60, cj=3)]
    got = st.quota_norms(st.County(pd.DataFrame(rows)), policy)
    assert got.loc["N180", ["norm", "basis"]].tolist() == [18, "classes"]
    assert got.loc["N210", ["norm", "basis"]].tolist() == [12, "pupils"]


def test_rounding_rules_on_whole_numbers_and_float_noise():
    from staffing.norms import round_posts

    below = 10 * (0.7 + 0.1 + 0.2)  # 9.999999999999998: ten posts, not nine
    for rule in ("half_up", "ceil", "floor"):
        out = round_posts(np.array([15.0, below]), rule)
        assert out.tolist() == [15, 10] and out.dtype == np.int64, rule
    with pytest.raises(ValueError, match="unknown rounding rule 'bankers'"):
        round_posts(np.array([1.0]), "bankers")


def test_a_partial_timetable_changes_only_the_entries_it_names():
    # Tables merge into the defaults (Policy(...), replace and TOML alike): a county that
    # restates the primary bands and one junior load keeps every other default, so the
    # junior school's needs and the village school's small-school load are unchanged.
    timetable = {"primary_1_2": P12, "primary_3_6": P36}
    loads = {"junior": {"chinese": 12.0}}
    policy = st.Policy().replace(periods_per_week=timetable, teaching_load=loads)
    rows = [_school("J", "junior", "urban", pj=450, cj=9),
            _school("V", "primary", "rural", pp=150, cp=6)]
    county = st.County(pd.DataFrame(rows))
    pd.testing.assert_frame_equal(st.subject_needs(county, policy),
                                  st.subject_needs(county, st.Policy()))
    assert st.subject_needs(county, policy).loc["J"].sum() > 0


def test_coverage_reads_staff_by_subject_name():
    from staffing.needs import coverage
    from staffing.vocab import SUBJECTS

    needs = pd.DataFrame([[1.0 if k in ("maths", "music") else 0.0 for k in SUBJECTS]],
                         index=["S"], columns=list(SUBJECTS))
    staff = pd.DataFrame({"music": [1], "maths": [0]}, index=["S"])  # few columns, any order
    covered = coverage(needs, staff, st.Policy()).loc["S"]
    assert covered.notna().all()  # a subject nobody teaches counts 0 teachers, not unknown
    assert covered["music"] == 1.0 and covered.drop("music").sum() == 0.0


def test_staff_by_subject_shape_and_explicit_table():
    from staffing.needs import teachers_by_subject
    from staffing.vocab import SUBJECTS

    schools = [{**_school(sid, "primary", "urban", pp=600, cp=12), "approved_quota": 2,
                "staff_in_post": 2} for sid in ("U", "E")]
    rows = [_teacher("a", subject="maths"), _teacher("b", subject="art")]
    county = st.County(pd.DataFrame(schools), pd.DataFrame(rows))
    counts = teachers_by_subject(county)
    assert counts.index.tolist() == ["U", "E"] and counts.columns.tolist() == list(SUBJECTS)
    assert (counts.index.name, counts.columns.name) == ("school_id", "subject")
    assert counts.to_numpy().dtype == np.int64 and counts.loc["E"].sum() == 0
    moved = county.teachers.assign(school_id=["E", "U"])  # a table after moves
    after = teachers_by_subject(county, moved)
    assert (after.loc["E", "maths"], after.loc["U", "art"], after.loc["U", "maths"]) == (1, 1, 0)
    empty = teachers_by_subject(st.County(pd.DataFrame(schools)))
    assert empty.shape == (2, len(SUBJECTS)) and empty.to_numpy().dtype == np.int64
    assert (empty.to_numpy() == 0).all()
    assert (empty.index.name, empty.columns.name) == ("school_id", "subject")


def test_eligibility_defaults_and_boundaries():
    # A man born 20 Sep 1966: 1 × 12 + 8 = 20 -> 20 // 4 + 1 = 6 months -> 60 y 6 m ->
    # 20 Mar 2027, in school year 1 (before 1 Sept 2027). With no years-to-retirement
    # rule a one-year plan (the default) may rotate him; a plan of 1 year more may not.
    policy = st.Policy(rotation_exclude_years_to_retirement=0)
    row = _teacher("m", birth_date=pd.Timestamp("1966-09-20"), hire_year=1988,
                   years_at_school=10)
    assert _eligibility([row], policy).loc["m", "reason"] == ""
    assert _eligibility([row], policy, horizon=1).loc["m", "reason"] == "retiring"
    # A man born 1 Jul 1969: 4 × 12 + 6 = 54 -> 14 months -> 61 y 2 m -> 1 Sep 2030,
    # exactly 1,461 days = 4.0 years after 1 Sep 2026: "within 4 years" excludes only
    # less than 4 years (library convention: the boundary itself may rotate).
    row = _teacher("b", birth_date=pd.Timestamp("1969-07-01"), hire_year=1990,
                   years_at_school=10)
    got = _eligibility([row], st.Policy(rotation_exclude_years_to_retirement=4.0))
    assert got.loc["b", "years_to_retirement"] == pytest.approx(4.0)
    assert got.loc["b", "reason"] == ""


def test_eligibility_of_a_county_without_teachers():
    from staffing.model.eligibility import eligibility

    county = st.County(pd.DataFrame([_school("U", "primary", "urban", pp=600, cp=12)]))
    got = eligibility(county, st.Policy())
    assert got.empty
    assert got.columns.tolist() == ["eligible", "reason", "backbone", "years_to_retirement"]


# --------------------------------------------------------------------------------------
# The allowed-move graph, by hand
# --------------------------------------------------------------------------------------

EDGE_SCHOOLS = {  # id: (location, quality, weak, central, longitude)
    "A": ("urban", False, False, False, 101.55),   # duty: sends
    "T": ("town", False, True, False, 101.56),     # duty and weak: sends and receives
    "Q": ("rural", True, False, False, 101.57),    # quality: sends, takes exchanges
    "C": ("rural", False, False, True, 101.58),    # central: sends; rural: receives
    "R": ("rural", False, False, False, 101.59),   # receives
    "W": ("urban", False, True, False, 101.60),    # urban weak: sends, never receives
    "F": ("rural", False, False, False, 102.10),   # ~55 km away: out of reach (40 km)
}
#: By hand: senders A, T, Q, C, W -> receivers T, C, R (rural or weak, not urban, not
#: quality; F is too far); exchanges from rural C, R to quality Q.
ROTATION_EDGES = {("A", "T"), ("A", "C"), ("A", "R"), ("T", "C"), ("T", "R"), ("Q", "T"),
                  ("Q", "C"), ("Q", "R"), ("C", "T"), ("C", "R"), ("W", "T"), ("W", "C"),
                  ("W", "R")}
EXCHANGE_EDGES = {("C", "Q"), ("R", "Q")}


def _edge_county() -> st.County:
    rows = [{**_school(sid, "primary", loc, pp=300, cp=6), "is_quality": q, "is_weak": w,
             "is_central": c, "lat": 25.03, "lon": lon}
            for sid, (loc, q, w, c, lon) in EDGE_SCHOOLS.items()]
    return st.County(pd.DataFrame(rows))


def test_allowed_moves_by_hand():
    from staffing.model.edges import allowed_moves

    edges = allowed_moves(_edge_county(), st.Policy())
    pairs = {(f, t, k) for f, t, k in zip(edges["from_school"], edges["to_school"],
                                          edges["kind"], strict=True)}
    assert pairs == ({(f, t, "rotation") for f, t in ROTATION_EDGES}
                     | {(f, t, "exchange") for f, t in EXCHANGE_EDGES})
    assert edges.index.tolist() == list(range(len(edges)))
    assert edges.columns.tolist() == ["from_school", "to_school", "km", "kind"]
    assert edges[["from_school", "to_school"]].apply(tuple, axis=1).tolist() == sorted(
        (f, t) for f, t, _ in pairs)
    # A -> R: 0.04° of longitude at 25.03° N = 6371 km × 0.04 × π/180 × cos 25.03° =
    # 4.03 km great-circle, × 1.35 road factor = 5.44 km.
    km = edges.set_index(["from_school", "to_school"]).loc[("A", "R"), "km"]
    assert km == pytest.approx(6371 * np.radians(0.04) * np.cos(np.radians(25.03)) * 1.35,
                               rel=1e-3)


def test_allowed_moves_within_clusters():
    from staffing.model.edges import allowed_moves

    clusters = pd.DataFrame({"cluster_id": ["k1", "k1", "k2", "k2", "k1", "k2", None]},
                            index=pd.Index(list(EDGE_SCHOOLS), name="school_id"))
    policy = st.Policy(rotation_scope="cluster")
    edges = allowed_moves(_edge_county(), policy, clusters)
    cid = clusters["cluster_id"].to_dict()
    expected = {(f, t) for f, t in ROTATION_EDGES | EXCHANGE_EDGES if cid[f] == cid[t]}
    assert set(zip(edges["from_school"], edges["to_school"], strict=True)) == expected
    with pytest.raises(ValueError, match=r"^rotation_scope = 'cluster' needs clusters"):
        allowed_moves(_edge_county(), policy)


def test_allowed_moves_follow_the_policy_distances():
    from staffing.model.edges import allowed_moves

    # Road km = great-circle km x road_factor; 0.01° of longitude here is 1.008 km, so
    # with road_factor 2 and max_travel_km 7 schools at most 3 places apart (6.05 km)
    # are in reach and 4 apart (8.07 km) are not.
    policy = st.Policy(road_factor=2.0, max_travel_km=7.0)
    edges = allowed_moves(_edge_county(), policy)
    lon = {sid: v[4] for sid, v in EDGE_SCHOOLS.items()}
    step = 6371 * np.radians(0.01) * np.cos(np.radians(25.03))
    expected = {(f, t) for f, t in ROTATION_EDGES | EXCHANGE_EDGES
                if round(abs(lon[f] - lon[t]) / 0.01) * step * 2.0 <= 7.0}
    assert set(zip(edges["from_school"], edges["to_school"], strict=True)) == expected
    assert ("A", "C") in expected and ("A", "R") not in expected  # 3 and 4 places apart
    km = edges.set_index(["from_school", "to_school"]).loc[("A", "C"), "km"]
    assert km == pytest.approx(3 * step * 2.0, rel=1e-3)
    # 3 km: only neighbours (2.02 km); exchanges R -> Q (4.03 km) drop out, C -> Q stays.
    near = allowed_moves(_edge_county(), policy.replace(max_travel_km=3.0))
    assert set(near.loc[near["kind"].eq("exchange"), "from_school"]) == {"C"}
