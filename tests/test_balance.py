"""优质均衡 (教督〔2017〕6号, POLICY.md D): indicators, the 6-of-7 rule, the pupil-weighted
差异系数 and the guarantee items, checked against arithmetic written out here from the
办法's wording — never against the library's own helpers."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.balance import (
    assess,
    county_cv,
    exchange_shares,
    music_art,
    school_balance,
    school_indicators,
)

# The 办法's numbers, typed from POLICY.md D (not read from Policy).
PRIMARY = {"qualified_per100": 4.2, "backbone_per100": 1.0, "pe_arts_per100": 0.9,
           "teaching_area": 4.5, "sports_area": 7.5, "equipment": 2000.0,
           "multimedia_per100": 2.3}
JUNIOR = {"qualified_per100": 5.3, "backbone_per100": 1.0, "pe_arts_per100": 0.9,
          "teaching_area": 5.8, "sports_area": 10.2, "equipment": 2500.0,
          "multimedia_per100": 2.4}


def schools(rows: list[dict]) -> pd.DataFrame:
    """A schools table: id, level, pupils, classes and optional facilities."""
    base = {"pupils_junior": 0, "classes_junior": 0, "classes_primary": 6, "level": "primary",
            "name": "x", "location": "rural"}
    frame = pd.DataFrame([{**base, **r} for r in rows]).set_index("id")
    frame.index.name = "school_id"
    return frame


def teachers(spec: dict[str, list[tuple[str, str, str, int]]]) -> pd.DataFrame:
    """school → [(subject, backbone, education, how many)]."""
    rows = [{"school_id": sid, "subject": subj, "backbone": bb, "education": edu,
             "status": "in_post"}
            for sid, groups in spec.items() for subj, bb, edu, n in groups for _ in range(n)]
    out = pd.DataFrame(rows, columns=["school_id", "subject", "backbone", "education", "status"])
    out.index = pd.Index([f"T{i}" for i in range(len(out))], name="teacher_id")
    return out


# --- indicators, by hand ------------------------------------------------------------


def test_primary_school_at_exactly_the_threshold_meets_it():
    # 500 pupils, 21 teachers with 专科: 100 × 21 / 500 = 4.2 exactly; 5 county-level
    # backbone teachers: 1.0; 5 PE/music/art teachers (of the 21): 1.0;
    # 2,250 m² ÷ 500 = 4.5; 3,750 ÷ 500 = 7.5; 1,000,000 ÷ 500 = 2,000; 11.5 rooms is not
    # a count, so 12 rooms: 2.4 ≥ 2.3.
    s = schools([{"id": "A", "pupils_primary": 500, "teaching_area_m2": 2250.0,
                  "sports_area_m2": 3750.0, "equipment_value_yuan": 1_000_000.0,
                  "multimedia_classrooms": 12.0}])
    t = teachers({"A": [("maths", "county", "associate", 5), ("pe", "none", "associate", 3),
                        ("music", "none", "bachelor", 1), ("art", "none", "master", 1),
                        ("chinese", "none", "associate", 11),
                        ("chinese", "none", "secondary", 4)]})
    got = school_indicators(s, t).loc[("A", "primary")]
    assert got["qualified_per100"] == pytest.approx(100 * 21 / 500)
    assert got["backbone_per100"] == pytest.approx(1.0)
    assert got["pe_arts_per100"] == pytest.approx(1.0)
    assert got["teaching_area"] == pytest.approx(4.5)
    assert got["sports_area"] == pytest.approx(7.5)
    assert got["equipment"] == pytest.approx(2000.0)
    assert got["multimedia_per100"] == pytest.approx(2.4)
    table = school_balance(s, t)
    row = table.loc[("A", "primary")]
    assert [row[f"{k}_status"] for k in PRIMARY] == ["met"] * 7
    assert row["rule"] == "met"


def test_exactly_85_percent_is_near_and_just_below_is_short():
    # teaching area 4.5 m² × 0.85 = 3.825 m² per pupil; 200 pupils → 765 m² is exactly
    # 85%, 764 m² is below it.
    full = {"sports_area_m2": 1500.0, "equipment_value_yuan": 400_000.0,
            "multimedia_classrooms": 5.0}
    s = schools([{"id": "N", "pupils_primary": 200, "teaching_area_m2": 765.0, **full},
                 {"id": "S", "pupils_primary": 200, "teaching_area_m2": 764.0, **full}])
    spec = [("pe", "county", "bachelor", 2), ("chinese", "none", "bachelor", 7)]
    t = teachers({"N": spec, "S": spec})  # 9 qualified /200 → 4.5; 2 backbone → 1.0
    table = school_balance(s, t)
    assert table.loc[("N", "primary"), "teaching_area"] == pytest.approx(3.825)
    assert table.loc[("N", "primary"), "teaching_area_status"] == "near"
    assert table.loc[("S", "primary"), "teaching_area_status"] == "short"
    # N: six met, the seventh at 85% → met; S: one below 85% → fails
    assert table.loc[("N", "primary"), "rule"] == "met"
    assert table.loc[("S", "primary"), "rule"] == "not_met"


def test_junior_qualification_needs_a_bachelor_degree():
    # 专科 is above the statutory qualification for primary teachers only (教师法 art. 11)
    s = schools([{"id": "J", "level": "junior", "pupils_primary": 0, "pupils_junior": 100,
                  "classes_primary": 0, "classes_junior": 2}])
    t = teachers({"J": [("maths", "none", "associate", 4), ("maths", "none", "bachelor", 3)]})
    assert school_indicators(s, t).loc[("J", "junior"), "qualified_per100"] == pytest.approx(3.0)


def test_unknown_education_makes_the_qualification_indicator_missing():
    s = schools([{"id": "A", "pupils_primary": 100}])
    t = teachers({"A": [("maths", "none", "bachelor", 4), ("maths", "none", "", 1)]})
    assert np.isnan(school_indicators(s, t).loc[("A", "primary"), "qualified_per100"])
    assert np.isnan(school_indicators(s, t.drop(columns="education"))
                    .loc[("A", "primary"), "qualified_per100"])


def test_leaving_teachers_do_not_count():
    s = schools([{"id": "A", "pupils_primary": 100}])
    t = teachers({"A": [("pe", "county", "bachelor", 2)]})
    t.iloc[0, t.columns.get_loc("status")] = "leaving"
    got = school_indicators(s, t).loc[("A", "primary")]
    assert got["backbone_per100"] == pytest.approx(1.0)
    assert got["pe_arts_per100"] == pytest.approx(1.0)


def test_nine_year_school_is_split_into_a_primary_and_a_junior_school():
    # 190 primary and 135 junior pupils: norms 190/19 = 10 and 135/13.5 = 10 staff, so
    # teachers split half and half. Facilities by pupils weighted 1 : 1.1:
    # primary share 190 / (190 + 1.1 × 135) = 190 / 338.5.
    s = schools([{"id": "N", "level": "nine_year", "pupils_primary": 190, "pupils_junior": 135,
                  "classes_primary": 6, "classes_junior": 3, "teaching_area_m2": 3385.0}])
    t = teachers({"N": [("pe", "county", "bachelor", 4)]})
    got = school_indicators(s, t)
    assert got.loc[("N", "primary"), "backbone_per100"] == pytest.approx(100 * 2 / 190)
    assert got.loc[("N", "junior"), "backbone_per100"] == pytest.approx(100 * 2 / 135)
    assert got.loc[("N", "primary"), "teaching_area"] == pytest.approx(
        3385 * (190 / 338.5) / 190)  # = 10 m² per primary pupil
    assert got.loc[("N", "junior"), "teaching_area"] == pytest.approx(
        3385 * (1.1 * 135 / 338.5) / 135)  # = 11 m² per junior pupil
    # each part is judged against its own level's requirement
    table = school_balance(s, t)
    assert table.loc[("N", "junior"), "qualified_per100_required"] == 5.3
    assert table.loc[("N", "primary"), "qualified_per100_required"] == 4.2


def test_teaching_points_below_50_pupils_are_not_evaluated():
    s = schools([{"id": "P49", "level": "teaching_point", "pupils_primary": 49},
                 {"id": "P50", "level": "teaching_point", "pupils_primary": 50},
                 {"id": "V10", "level": "primary", "pupils_primary": 10},
                 {"id": "E", "level": "primary", "pupils_primary": 0}])
    ids = school_indicators(s, teachers({"P50": [("pe", "none", "bachelor", 1)]})).index
    assert sorted(ids.get_level_values("school_id")) == ["P50", "V10"]


# --- the rule -----------------------------------------------------------------------


def rule_of(values: list[float | None], part: str = "primary") -> str:
    x = pd.DataFrame({k: [np.nan if v is None else v]
                      for k, v in zip(PRIMARY, values, strict=True)})
    x.index = pd.MultiIndex.from_tuples([("A", part)], names=["school_id", "part"])
    return assess(x)["rule"].item()


REQ = list(PRIMARY.values())


@pytest.mark.parametrize("values, expected", [
    (REQ, "met"),
    (REQ[:6] + [0.85 * REQ[6]], "met"),                       # six met, one at 85%
    (REQ[:5] + [0.9 * REQ[5], 0.9 * REQ[6]], "not_met"),       # only five met
    (REQ[:6] + [0.84 * REQ[6]], "not_met"),                    # one below 85%
    (REQ[:3] + [None] * 4, "not_assessable"),                  # staff data only, all met
    (REQ[:2] + [0.86 * REQ[2]] + [None] * 4, "not_assessable"),
    ([0.5 * REQ[0]] + REQ[1:3] + [None] * 4, "not_met"),        # fails whatever is missing
    ([0.9 * REQ[0]] + REQ[1:3] + [None] * 4, "not_assessable"),  # 6 met if all missing are
    ([0.9 * REQ[0], 0.9 * REQ[1]] + [REQ[2]] + [None] * 4, "not_met"),  # at most 5 met
    ([0.9 * REQ[0], 0.9 * REQ[1], 0.9 * REQ[2]] + [None] * 4, "not_met"),  # at most 4 met
    ([None] * 7, "not_assessable"),
])
def test_six_of_seven_rule(values, expected):
    assert rule_of(values) == expected


def test_missing_data_is_never_met():
    # every combination of present/absent with present values at their requirement
    for mask in range(1, 2 ** 7):
        values = [REQ[i] if mask >> i & 1 else None for i in range(7)]
        assert rule_of(values) == ("met" if mask == 2 ** 7 - 1 else "not_assessable")


# --- 差异系数 --------------------------------------------------------------------------


def test_pupil_weighted_cv_by_hand():
    # three primary schools, pupils 100, 300, 600; backbone teachers 2, 3, 3 →
    # x = 2, 1, 0.5 per 100 pupils. X̄ = (100·2 + 300·1 + 600·0.5)/1000 = 0.8;
    # S² = (100·1.44 + 300·0.04 + 600·0.09)/1000 = 0.21; CV = √0.21 / 0.8.
    s = schools([{"id": "A", "pupils_primary": 100}, {"id": "B", "pupils_primary": 300},
                 {"id": "C", "pupils_primary": 600},
                 {"id": "J", "level": "junior", "pupils_primary": 0, "pupils_junior": 200,
                  "classes_primary": 0, "classes_junior": 4}])
    t = teachers({"A": [("maths", "county", "bachelor", 2)],
                  "B": [("maths", "county", "bachelor", 3)],
                  "C": [("maths", "county", "bachelor", 3)],
                  "J": [("maths", "county", "bachelor", 1)]})
    cv = county_cv(school_indicators(s, t))
    row = cv.loc[("primary", "backbone_per100")]
    assert row["mean"] == pytest.approx(0.8)
    assert row["cv"] == pytest.approx(math.sqrt(0.21) / 0.8)
    assert row["cv_max"] == 0.50 and row["ok"] == (math.sqrt(0.21) / 0.8 <= 0.50)
    # junior schools form their own group: one school, no spread
    assert cv.loc[("junior", "backbone_per100"), "cv"] == pytest.approx(0.0)
    assert cv.loc[("junior", "backbone_per100"), "cv_max"] == 0.45
    # no facilities data: no CV, and no verdict
    assert cv.loc[("primary", "equipment"), "schools_with_data"] == 0
    assert np.isnan(cv.loc[("primary", "equipment"), "ok"])


def test_unweighted_and_weighted_cv_differ_when_sizes_differ():
    # the evaluation weights by pupils: a tiny outlier school moves the CV little
    s = schools([{"id": "A", "pupils_primary": 990, "equipment_value_yuan": 990 * 2000.0},
                 {"id": "B", "pupils_primary": 10, "equipment_value_yuan": 10 * 6000.0}])
    cv = county_cv(school_indicators(s, None)).loc[("primary", "equipment"), "cv"]
    mean = (990 * 2000 + 10 * 6000) / 1000
    sd = math.sqrt((990 * (2000 - mean) ** 2 + 10 * (6000 - mean) ** 2) / 1000)
    assert cv == pytest.approx(sd / mean)
    assert cv < 0.5 * (np.std([2000, 6000]) / np.mean([2000, 6000]))


# --- guarantee items ----------------------------------------------------------------


def test_music_and_art_per_12_classes_at_12_and_13_classes():
    s = schools([{"id": "C12", "pupils_primary": 500, "classes_primary": 12},
                 {"id": "C13", "pupils_primary": 540, "classes_primary": 13},
                 {"id": "C13b", "pupils_primary": 540, "classes_primary": 13},
                 {"id": "C0", "pupils_primary": 60, "classes_primary": 3}])
    one_each = [("music", "none", "bachelor", 1), ("art", "none", "bachelor", 1)]
    t = teachers({"C12": one_each, "C13": one_each,
                  "C13b": [("music", "none", "bachelor", 2), ("art", "none", "bachelor", 2)],
                  "C0": [("music", "none", "bachelor", 1)]})
    got = music_art(s, t)
    assert got["needed"].to_dict() == {"C12": 1, "C13": 2, "C13b": 2, "C0": 1}
    assert got["ok"].to_dict() == {"C12": True, "C13": False, "C13b": True, "C0": False}


def test_class_size_and_school_size_limits():
    s = schools([{"id": "A", "pupils_primary": 450, "classes_primary": 10},   # 45: within
                 {"id": "B", "pupils_primary": 451, "classes_primary": 10},   # 45.1: over
                 {"id": "J", "level": "junior", "pupils_primary": 0, "pupils_junior": 2001,
                  "classes_primary": 0, "classes_junior": 41},                # 48.8; 2,001
                 {"id": "N", "level": "nine_year", "pupils_primary": 1500,
                  "pupils_junior": 1000, "classes_primary": 34, "classes_junior": 20}])
    table = school_balance(s, None)
    assert table["class_size_ok"].to_dict() == {
        ("A", "primary"): True, ("B", "primary"): False, ("J", "junior"): True,
        ("N", "primary"): True, ("N", "junior"): True}
    # 2,000 pupils at most; 2,500 for a nine-year school
    assert table["school_size_ok"].to_dict() == {
        ("A", "primary"): True, ("B", "primary"): True, ("J", "junior"): False,
        ("N", "primary"): True, ("N", "junior"): True}


def test_exchange_shares_count_distinct_teachers_of_exchange_kinds():
    m = pd.DataFrame({"teacher_id": ["T1", "T2", "T3", "T4", "T5"],
                      "backbone": [True, False, False, True, False],
                      "kind": ["rotation", "support", "exchange", "itinerant", "rotation"]})
    share, backbone, n, eligible = exchange_shares(m, 40)
    assert (n, eligible) == (4, 40)
    assert share == pytest.approx(4 / 40) and backbone == pytest.approx(1 / 4)
    assert np.isnan(exchange_shares(m, None)[0])


# --- metamorphic ----------------------------------------------------------------------


@st_.composite
def small_county(draw):
    n = draw(st_.integers(2, 6))
    rows, spec = [], {}
    for i in range(n):
        level = draw(st_.sampled_from(["primary", "junior", "nine_year"]))
        p = draw(st_.integers(60, 900)) if level != "junior" else 0
        j = draw(st_.integers(60, 900)) if level != "primary" else 0
        rows.append({"id": f"S{i}", "level": level, "pupils_primary": p, "pupils_junior": j,
                     "classes_primary": max(1, p // 40) if p else 0,
                     "classes_junior": max(1, j // 45) if j else 0,
                     "teaching_area_m2": float(draw(st_.integers(0, 9000))),
                     "equipment_value_yuan": float(draw(st_.integers(0, 3_000_000)))})
        spec[f"S{i}"] = [(subj, bb, edu, draw(st_.integers(0, 4)))
                         for subj, bb, edu in (("pe", "county", "bachelor"),
                                               ("maths", "none", "associate"),
                                               ("music", "province", "secondary"))]
    return schools(rows), teachers(spec)


def _scaled(s: pd.DataFrame, t: pd.DataFrame, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    s2 = s.copy()
    for c in ("pupils_primary", "pupils_junior", "classes_primary", "classes_junior"):
        s2[c] = s2[c] * k
    for c in ("teaching_area_m2", "equipment_value_yuan"):
        s2[c] = s2[c] * k
    t2 = pd.concat([t] * k, ignore_index=True)
    return s2, t2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_county(), st_.randoms(use_true_random=False), st_.integers(2, 4))
def test_order_names_and_scale_do_not_change_the_indicators(county, rnd, k):
    s, t = county
    base = school_indicators(s, t).sort_index()
    base_cv = county_cv(base)["cv"]
    cols = list(PRIMARY)
    # shuffle the schools' rows and the teachers' rows, and rename every school
    order = list(s.index)
    rnd.shuffle(order)
    rename = {sid: f"Z{100 - i}" for i, sid in enumerate(s.index)}
    s2 = s.loc[order].rename(index=rename)
    t2 = t.sample(frac=1.0, random_state=rnd.randint(0, 10**6)).assign(
        school_id=lambda f: f["school_id"].map(rename))
    back = {v: k_ for k_, v in rename.items()}
    moved = school_indicators(s2, t2).rename(index=back, level="school_id").sort_index()
    assert moved.index.tolist() == base.index.tolist()
    np.testing.assert_allclose(moved[cols].to_numpy(float), base[cols].to_numpy(float),
                               rtol=1e-12)
    np.testing.assert_allclose(county_cv(moved)["cv"], base_cv, rtol=1e-9, atol=1e-12)
    # k times the pupils, classes, teachers and facilities: the same figures
    s3, t3 = _scaled(s, t, k)
    scaled = school_indicators(s3, t3).sort_index()
    np.testing.assert_allclose(scaled[cols].to_numpy(float), base[cols].to_numpy(float),
                               rtol=1e-9)
    np.testing.assert_allclose(county_cv(scaled)["cv"], base_cv, rtol=1e-9, atol=1e-12)


# --- a plan ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan():
    return st.optimize(st.synth.county(seed=1, n_schools=15, balance_data=False), time_limit=30)


def test_plan_balance_before_and_after(plan):
    b = plan.balance
    assert set(b.index.get_level_values("part")) <= {"primary", "junior"}
    # facilities do not move with a plan; the synthetic county has no facilities data
    # nor education, so no school part can be judged "met"
    assert (b["teaching_area_status_after"] == "missing").all()
    assert "met" not in set(b["rule_after"]) | set(b["rule_before"])
    # backbone per 100 after, recounted by hand from the teachers after the moves
    t = plan.county.teachers.copy()
    moved = plan.moves[plan.moves["kind"] != "itinerant"].set_index("teacher_id")["to_school"]
    t["school_id"] = [moved.get(i, s) for i, s in zip(t.index, t["school_id"], strict=True)]
    t = t[(t["status"] != "leaving") & t["backbone"].isin(["county", "prefecture", "province"])]
    count = t["school_id"].value_counts()
    sch = plan.county.schools
    primary_only = b.index[(b["level"] == "primary")]
    for sid, part in primary_only:
        expected = 100 * count.get(sid, 0) / sch.loc[sid, "pupils_primary"]
        assert b.loc[(sid, part), "backbone_per100_after"] == pytest.approx(expected)


def test_plan_metrics_carry_the_balance_rows(plan):
    m = plan.metrics
    assert {"balance_met_primary", "balance_cv_backbone_per100_primary",
            "balance_music_art_short", "balance_exchange_share"} <= set(m.index)
    # exchanged teachers ÷ eligible, counted from the plan's own tables
    kinds = {"rotation", "support", "exchange"}
    n = plan.moves.loc[plan.moves["kind"].isin(kinds), "teacher_id"].nunique()
    eligible = int(plan.model.inputs.eligibility["eligible"].sum())
    assert m.loc["balance_exchange_share", "after"] == pytest.approx(n / eligible)
    assert np.isnan(m.loc["balance_exchange_share", "before"])


@pytest.mark.parametrize("lang, sheet", [("en", "balance"), ("zh", "优质均衡")])
def test_workbook_has_a_balance_sheet(plan, tmp_path, lang, sheet):
    path = tmp_path / f"plan_{lang}.xlsx"
    plan.to_excel(path, lang=lang)
    wb = openpyxl.load_workbook(path)
    assert sheet in wb.sheetnames
    rows = list(wb[sheet].iter_rows(values_only=True))
    assert len(rows) == len(plan.balance) + 1
    if lang == "zh":
        assert "每百名学生拥有县级及以上骨干教师数(调整后)" in rows[0]
        assert {r[rows[0].index("调整后评估结论")] for r in rows[1:]} <= {
            "达标", "未达标", "无法评估(缺数据)"}


def test_balance_plots_draw_each_school_part_and_each_indicator(plan):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = plan.plot.balance()
    before, after = ax.collections[1], ax.collections[2]   # hlines, hollow, filled
    b = plan.balance
    assert sorted(after.get_offsets()[:, 0]) == sorted(b["met_after"])
    assert sorted(before.get_offsets()[:, 0]) == sorted(b["met_before"])
    assert ax.get_lines()[0].get_xdata()[0] == 6  # the rule's six of seven
    plt.close(ax.figure)
    ax = plan.plot.balance_cv()
    assert [t.get_text() for t in ax.get_yticklabels()][1] == (
        "Backbone teachers (county level +) per 100 pupils")
    limits = sorted(line.get_xdata()[0] for line in ax.get_lines())
    assert limits == [0.45, 0.50]
    plt.close(ax.figure)


def test_a_bureau_workbook_with_every_column_gets_a_verdict_for_every_school(tmp_path):
    # Chinese headers and labels (学历 本科; facilities in their own columns), read by
    # load_county: with all seven indicators present no school is left unassessed.
    path = tmp_path / "county.xlsx"
    st.synth.county(seed=2, n_schools=8).to_excel(path, lang="zh")
    wb = openpyxl.load_workbook(path)
    for sheet, fill in (("学校", {"教学及辅助用房面积": 1e6, "体育运动场馆面积": 1e6,
                                  "教学仪器设备值": 1e9, "网络多媒体教室数": 500}),
                        ("教师", {"学历": "本科"})):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for name, value in fill.items():
            col = header.index(name) + 1
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=col, value=value)
    wb.save(path)
    county = st.load_county(path)
    assert set(county.teachers["education"]) == {"bachelor"}
    table = school_balance(county)
    assert table["missing"].eq(0).all()
    assert set(table["rule"]) <= {"met", "not_met"}
    # facilities are plentiful (4 of 7 met): a school meets the rule when at most one
    # staff indicator misses its requirement and none falls below 85% of it
    staff = table[[f"{k}_status" for k in ("qualified_per100", "backbone_per100",
                                           "pe_arts_per100")]]
    expected = staff.ne("met").sum(axis=1).le(1) & staff.ne("short").all(axis=1)
    assert table["rule"].eq("met").tolist() == expected.tolist()


def test_pupil_weighted_means_add_up_to_the_county_figures():
    # a second formulation: Σ pᵢxᵢ / Σ pᵢ over every school part is 100 × county backbone
    # (or PE/arts) teachers ÷ county pupils, as staffing.metrics counts them, because
    # each school's teachers are shared out between its parts and nothing is lost
    from staffing.metrics import backbone_per_100_pupils, pe_arts_per_100_pupils

    county = st.synth.county(seed=4, n_schools=25)
    policy = st.Policy(balance_teaching_point_min_pupils=0)  # every school with pupils
    x = school_indicators(county, policy=policy)
    w = x["pupils"]
    assert (w * x["backbone_per100"]).sum() / w.sum() == pytest.approx(
        backbone_per_100_pupils(county.teachers, county.schools))
    assert (w * x["pe_arts_per100"]).sum() / w.sum() == pytest.approx(
        pe_arts_per_100_pupils(county.teachers, county.schools))
