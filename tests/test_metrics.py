"""Equity and coverage metrics (POLICY.md part C) against hand-computed values, and the
plan's before/after figures, and the scenario comparison."""

from __future__ import annotations

import copy
import doctest
import importlib
import math

import numpy as np
import pandas as pd
import pytest

import staffing as st
from staffing.compare import COMPARE_METRICS, COMPARE_SOLVER_ROWS, compare
from staffing.metrics import (
    METRIC_LABELS,
    allocation_randomness,
    apply_moves,
    backbone_per_100_pupils,
    coefficient_of_variation,
    county_metrics,
    experienced_class_size,
    gini,
    metric_label,
    pe_arts_per_100_pupils,
    plan_metrics,
    pupil_teacher_ratios,
    share_at_or_above_norm,
    staff_after_plan,
    urgent_subject_coverage,
)
from staffing.vocab import VISIT_KINDS


@pytest.fixture(scope="module")
def plan() -> st.Plan:
    """A small synthetic county with teachers, planned: quotas and named moves."""
    p = st.optimize(st.synth.county(seed=3, n_schools=16))
    assert len(p.moves) > 0  # the tests below need moves
    return p


@pytest.fixture(scope="module")
def quota_plan() -> st.Plan:
    """The same county without teachers: quotas only."""
    return st.optimize(st.synth.county(seed=3, n_schools=16, teachers=False))


def test_doctests_of_metrics_and_compare_pass():
    # import_module: ``staffing.compare`` may be re-exported as the function itself
    for name in ("staffing.metrics", "staffing.compare"):
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__


# ---------------------------------------------------------------------------------------
# Building blocks


def test_randomness_is_zero_when_teachers_are_proportional_to_pupils():
    pupils = np.array([120, 340, 560, 900, 1500])
    assert allocation_randomness(pupils, pupils / 20) == pytest.approx(0.0, abs=1e-12)
    assert allocation_randomness(pupils, 3 + pupils / 25) == pytest.approx(0.0, abs=1e-12)


def test_randomness_is_one_minus_r_squared_of_ols_with_intercept():
    # by hand: Σdp·dt = 1700, Σdp² = 50000, Σdt² = 69 → R² = 1700² / (50000 × 69)
    assert allocation_randomness([100, 200, 300, 400], [6, 9, 16, 15]) == pytest.approx(
        1 - 1700**2 / (50000 * 69))
    rng = np.random.default_rng(0)
    p = rng.integers(20, 2000, 50).astype(float)
    t = p / 18 + rng.normal(0, 8, 50)
    slope, intercept = np.polyfit(p, t, 1)
    residual = t - (intercept + slope * p)
    r2 = 1 - (residual**2).sum() / ((t - t.mean()) ** 2).sum()
    assert allocation_randomness(p, t) == pytest.approx(1 - r2)


def test_randomness_is_undefined_without_variation_or_with_too_few_schools():
    assert math.isnan(allocation_randomness([100, 200], [5, 10]))
    assert math.isnan(allocation_randomness([100, 100, 100], [5, 6, 7]))
    assert math.isnan(allocation_randomness([100, 200, 300], [6, 6, 6]))


def test_gini_of_equal_values_is_zero_and_of_one_holder_is_n_minus_one_over_n():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 1]) == 0.75
    # mean absolute difference / (2 × mean): Σ|xi − xj| over ordered pairs = 20 → 0.25
    assert gini([1, 2, 3, 4]) == pytest.approx(20 / (2 * 16 * 2.5))
    assert gini([4, np.nan, 4]) == 0.0
    assert math.isnan(gini([]))
    with pytest.raises(ValueError, match="non-negative"):
        gini([-1, 2])
    with pytest.raises(ValueError, match="finite"):
        gini([1, np.inf])


def test_coefficient_of_variation_is_population_sd_over_mean():
    assert coefficient_of_variation([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(0.4)
    assert coefficient_of_variation([7, 7, 7]) == 0.0


def test_weighted_coefficient_of_variation_weights_by_pupils():
    # mean (3·10 + 20) / 4 = 12.5; variance (3·2.5² + 7.5²) / 4 = 18.75
    assert coefficient_of_variation([10, 20], weights=[3, 1]) == pytest.approx(
        math.sqrt(18.75) / 12.5)
    # equal weights give the unweighted figure
    assert coefficient_of_variation([1, 5, 9], weights=[2, 2, 2]) == pytest.approx(
        coefficient_of_variation([1, 5, 9]))


def test_experienced_class_size_weights_classes_by_their_pupils():
    # school A: 2 classes of 45, school B: 1 class of 10 → (2·45² + 10²) / 100
    assert experienced_class_size([90, 10], [2, 1]) == pytest.approx((2 * 45**2 + 10**2) / 100)
    # equal class sizes: experienced = mean class size
    assert experienced_class_size([60, 90], [2, 3]) == pytest.approx(30.0)
    # schools without classes are left out
    assert experienced_class_size([60, 0], [2, 0]) == pytest.approx(30.0)


def test_share_at_or_above_norm_counts_equal_as_met_and_respects_mask():
    assert share_at_or_above_norm([10, 8, 5, 7], [9, 8, 6, 7]) == 0.75
    assert share_at_or_above_norm([10, 8, 5, 7], [9, 8, 6, 7],
                                  mask=[False, False, True, True]) == 0.5
    staff = pd.Series([5, 10], index=["B", "A"])
    norm = pd.Series([10, 10], index=["A", "B"])  # aligned on the index, not position
    assert share_at_or_above_norm(staff, norm) == 0.5
    assert share_at_or_above_norm(staff, norm, mask=pd.Series({"A": True, "B": False})) == 1.0
    assert math.isnan(share_at_or_above_norm([1], [1], mask=[False]))


# ---------------------------------------------------------------------------------------
# Table-level functions


@pytest.fixture
def five_schools(small_county_frames) -> st.County:
    schools, _ = small_county_frames(n_schools=5)
    return st.County(schools, name="five")


def test_pupil_teacher_ratio_splits_nine_year_staff_pro_rata_to_norm_parts(five_schools):
    # S01 primary 1180/61, S02 junior 940/68, S03 nine-year 420+310 / 44,
    # S04 primary 160/11, S05 teaching point 18/4
    share = (420 / 19) / (420 / 19 + 310 / 13.5)
    r = pupil_teacher_ratios(five_schools)
    assert r["primary"] == pytest.approx((1180 + 420 + 160 + 18) / (61 + 11 + 4 + 44 * share))
    assert r["junior"] == pytest.approx((940 + 310) / (68 + 44 * (1 - share)))
    assert r["all"] == pytest.approx((1180 + 940 + 730 + 160 + 18) / (61 + 68 + 44 + 11 + 4))
    by_school = pupil_teacher_ratios(five_schools, by="school")
    assert by_school.loc["S03", "primary"] == pytest.approx(420 / (44 * share))
    assert math.isnan(by_school.loc["S01", "junior"])  # no junior pupils


def test_pupil_teacher_ratio_uses_the_staff_given(five_schools):
    staff = five_schools.schools["staff_in_post"] * 2
    assert pupil_teacher_ratios(five_schools, staff)["all"] == pytest.approx(
        pupil_teacher_ratios(five_schools)["all"] / 2)
    staff0 = five_schools.schools["staff_in_post"].where(lambda x: x.index != "S04", 0)
    assert pupil_teacher_ratios(five_schools, staff0, by="school").loc["S04", "primary"] == np.inf
    with pytest.raises(ValueError, match="by must be"):
        pupil_teacher_ratios(five_schools, by="township")


def test_urgent_coverage_counts_schools_with_a_teacher_of_each_subject():
    schools = pd.Index(["A", "B", "C", "D"])
    t = pd.DataFrame({
        "school_id": ["A", "A", "B", "C", "D"],
        "subject": ["music", "english", "music", "pe", "art"],
        "status": ["in_post", "in_post", "on_leave", "in_post", "leaving"],
    })
    cover = urgent_subject_coverage(t, schools)
    assert cover["music"] == 0.5       # A and B (on leave still holds the post)
    assert cover["english"] == 0.25
    assert cover["pe"] == 0.25
    assert cover["art"] == 0.0         # D's art teacher is leaving
    assert cover["it"] == 0.0
    assert cover["mean"] == pytest.approx((0.5 + 0.25 + 0.25 + 0 + 0) / 5)


def test_urgent_coverage_counts_itinerant_cover_and_policy_cover_lists():
    schools = pd.Index(["A", "B"])
    t = pd.DataFrame({"school_id": ["A"], "subject": ["art"]})
    walk = pd.DataFrame({"to_school": ["B"], "subject": ["art"]})
    assert urgent_subject_coverage(t, schools, itinerant=walk)["art"] == 1.0
    policy = st.Policy.from_dict({"subject_cover": {"art": ["music"]}})
    assert urgent_subject_coverage(t, schools, policy)["music"] == 0.5
    assert urgent_subject_coverage(t, schools)["music"] == 0.0
    assert urgent_subject_coverage(None, schools).isna().all()


def test_backbone_and_pe_arts_per_100_pupils():
    s = pd.DataFrame({"pupils_primary": [150, 40], "pupils_junior": [0, 10]},
                     index=pd.Index(["A", "B"], name="school_id"))
    t = pd.DataFrame({
        "school_id": ["A", "A", "B", "B", "B"],
        "backbone": ["county", "none", "province", "prefecture", "county"],
        "subject": ["pe", "maths", "music", "art", "pe"],
        "status": ["in_post", "in_post", "in_post", "in_post", "leaving"],
    })
    assert backbone_per_100_pupils(t, s) == pytest.approx(100 * 3 / 200)
    assert pe_arts_per_100_pupils(t, s) == pytest.approx(100 * 3 / 200)
    assert math.isnan(backbone_per_100_pupils(None, s))


def test_apply_moves_moves_named_teachers_and_leaves_itinerant_ones():
    t = pd.DataFrame({"school_id": ["A", "A", "B"], "subject": ["pe", "art", "music"]},
                     index=pd.Index(["T1", "T2", "T3"], name="teacher_id"))
    m = pd.DataFrame({"teacher_id": ["T1", "T3"], "to_school": ["B", "A"],
                      "kind": ["rotation", "itinerant"]})
    out = apply_moves(t, m)
    assert out["school_id"].tolist() == ["B", "A", "B"]
    assert t["school_id"].tolist() == ["A", "A", "B"]  # input untouched
    with pytest.raises(ValueError, match="moved twice"):
        apply_moves(t, pd.concat([m, m]).assign(kind="rotation"))


def test_county_metrics_lists_every_labelled_figure_in_order(five_schools):
    m = county_metrics(five_schools)
    keys = [k for k in m.index if not k.startswith("urgent_coverage_")]
    assert keys == list(METRIC_LABELS)
    assert m["schools"] == 5 and m["staff"] == five_schools.schools["staff_in_post"].sum()
    assert np.isnan(m["urgent_coverage"])  # no teachers table
    assert 0 <= m["share_rural_quota_at_or_above_norm"] <= 1


def test_every_metric_has_an_english_and_a_chinese_label(plan):
    for key in plan_metrics(plan).index:
        en, zh = metric_label(key, "en"), metric_label(key, "zh")
        assert en and zh and en != zh and en != key
    assert metric_label("urgent_coverage_it") == "Schools with an IT teacher"


# ---------------------------------------------------------------------------------------
# Plans before and after


def test_plan_metrics_before_are_the_county_metrics(plan):
    m = plan_metrics(plan)
    assert m.columns.tolist() == ["metric", "before", "after"]
    expected = county_metrics(plan.county, plan.policy)
    pd.testing.assert_series_equal(m["before"], expected, check_names=False,
                                   check_index_type=False)


def test_plan_metrics_after_use_staff_and_teachers_after_the_moves(plan):
    m = plan_metrics(plan)["after"]
    q = plan.quotas
    moves = plan.moves[~plan.moves["kind"].isin(VISIT_KINDS)]  # itinerant teachers stay put
    moved_in = moves["to_school"].value_counts().reindex(q.index, fill_value=0)
    moved_out = moves["from_school"].value_counts().reindex(q.index, fill_value=0)
    staff = q["staff_in_post"] - q["leavers"] + moved_in - moved_out
    assert (staff_after_plan(plan) == staff).all()
    assert m["staff"] == staff.sum() == q["staff_in_post"].sum() - q["leavers"].sum()
    assert m["quota"] == q["new_quota"].sum()
    assert m["share_quota_at_or_above_norm"] == pytest.approx((q["new_quota"] >= q["norm"]).mean())

    # teachers after: each moved teacher at the destination
    after = plan.county.teachers.copy()
    for row in moves.itertuples():  # an independent, plain-loop statement
        after.loc[row.teacher_id, "school_id"] = row.to_school
    visits = plan.moves[plan.moves["kind"].eq("itinerant")]
    cover = urgent_subject_coverage(after, plan.county, plan.policy, itinerant=visits)
    assert m["urgent_coverage"] == pytest.approx(cover["mean"])
    assert m["backbone_per_100_pupils"] == pytest.approx(
        backbone_per_100_pupils(after, plan.county.schools))


def test_the_plan_brings_rural_quotas_no_further_from_norm(plan):
    m = plan_metrics(plan)
    assert not np.isnan(m.loc["urgent_coverage", "after"])
    assert m.loc["share_rural_quota_at_or_above_norm", "after"] >= m.loc[
        "share_rural_quota_at_or_above_norm", "before"]


def test_itinerant_moves_count_as_cover_but_keep_the_teacher_in_post(plan):
    t = plan.county.teachers
    s = plan.county.schools
    # a school without an IT teacher, visited by one from another school
    has_it = t.loc[t["subject"].eq("it") & t["status"].ne("leaving"), "school_id"]
    visited = plan.moves.loc[plan.moves["kind"].eq("itinerant")
                             & plan.moves["subject"].eq("it"), "to_school"]
    lacking = s.index.difference(pd.Index(has_it.unique())).difference(pd.Index(visited))
    assert len(has_it) and len(lacking)
    walker = has_it.index[0]
    visit = pd.DataFrame([{"teacher_id": walker, "from_school": has_it.iloc[0],
                           "to_school": lacking[0], "subject": "it", "backbone": False,
                           "kind": "itinerant", "distance_km": 5.0, "fte": 0.3, "reason": "",
                           "reason_zh": ""}])
    with_visit = copy.copy(plan)
    with_visit.moves = pd.concat([plan.moves, visit], ignore_index=True)
    base, walk = plan_metrics(plan)["after"], plan_metrics(with_visit)["after"]
    assert walk["urgent_coverage_it"] == pytest.approx(base["urgent_coverage_it"] + 1 / len(s))
    assert walk["staff"] == base["staff"]
    assert (staff_after_plan(with_visit) == staff_after_plan(plan)).all()


def test_plan_metrics_in_chinese_and_without_teachers(quota_plan):
    zh = plan_metrics(quota_plan, "zh", decimals=3)
    assert zh.columns.tolist() == ["指标", "调整前", "调整后"]
    assert zh.loc["ptr_primary", "指标"] == "小学生师比"
    en = plan_metrics(quota_plan)
    assert np.isnan(en.loc["urgent_coverage", "after"])
    assert en.loc["staff", "after"] == (quota_plan.quotas["staff_in_post"]
                                        - quota_plan.quotas["leavers"]).sum()


# ---------------------------------------------------------------------------------------
# Scenario comparison


#: The 优质均衡 rows compare() lists (docs/balance.md; not the per-indicator CVs).
BALANCE_ROWS = [f"balance_{k}_{part}" for part in ("primary", "junior")
                for k in ("schools", "met", "not_assessable", "cv_over")] + [
    "balance_music_art_short", "balance_class_size_over", "balance_school_size_over",
    "balance_exchange_share", "balance_exchange_backbone_share"]


def test_compare_puts_scenarios_in_columns_and_rows_in_a_stable_order(plan, quota_plan):
    table = compare({"with teachers": plan, "quotas only": quota_plan}, index="key")
    assert table.columns.tolist() == ["with teachers", "quotas only"]
    summary_keys = plan.summary().index.tolist()
    # the quota-only plan adds a row per block its missing teachers table switched off;
    # the off rows of both plans come after the figures, sorted by key
    off = sorted({k for p in (plan, quota_plan) for k in p.summary().index
                  if k.startswith("off:")})
    assert "off:rotation" in off
    summary_keys = [k for k in summary_keys if not k.startswith("off:")]
    expected = ["status", *summary_keys, *off, *COMPARE_METRICS, *BALANCE_ROWS,
                *COMPARE_SOLVER_ROWS]
    assert table.index.tolist() == expected
    assert table.loc["posts_short", "with teachers"] == plan.summary().loc["posts_short"].iloc[2]
    assert table.loc["status", "quotas only"] == quota_plan.status
    assert table.loc["teachers_moved", "quotas only"] == 0  # nobody moved
    assert pd.isna(table.loc["unmet_need_fte", "quotas only"])  # no subject cover there
    assert pd.isna(table.loc["off:rotation", "with teachers"])
    assert table.loc["off:rotation", "quotas only"] == "off"
    # the order of the plans does not change the order of the rows
    again = compare({"quotas only": quota_plan, "with teachers": plan}, index="key")
    assert again.index.tolist() == expected


def test_compare_labels_rows_in_chinese(plan):
    table = compare({"基准": plan, "再来": plan}, lang="zh")
    assert table.shape == (len(plan.summary()) + 1 + len(COMPARE_METRICS)
                           + len(BALANCE_ROWS) + len(COMPARE_SOLVER_ROWS), 2)
    assert table.index[0] == "方案状态" and table.iloc[0, 0] == "最优"
    assert "缺编数" in table.index


def test_compare_refuses_no_plans_and_bad_options(plan):
    with pytest.raises(ValueError, match="at least one"):
        compare({})
    with pytest.raises(ValueError, match="index must be"):
        compare({"a": plan}, index="row")


# ---------------------------------------------------------------------------------------
# Chuxiong measure 14: prefecture-level backbone teachers against backbone_share_target


def _backbone_county() -> st.County:
    from rotation_builders import school_row, staff_school

    # By hand: U has 10 teachers (1 province, 1 prefecture, 2 county backbone, 6 none);
    # R has 10 (1 prefecture-level backbone teacher who is leaving, 9 none). Teachers in
    # post: 19; prefecture level or above among them: 2 (county level does not count).
    teachers = (staff_school("U", {"chinese": 1}, backbone="province")
                + staff_school("U", {"maths": 1}, start=1, backbone="prefecture")
                + staff_school("U", {"pe": 2}, start=2, backbone="county")
                + staff_school("U", {"art": 6}, start=4)
                + staff_school("R", {"music": 1}, backbone="prefecture", status="leaving")
                + staff_school("R", {"general": 9}, start=1))
    schools = [school_row("U", pupils_primary=200, classes_primary=6, approved_quota=10,
                          staff_in_post=10),
               school_row("R", location="rural", pupils_primary=150, classes_primary=6,
                          approved_quota=10, staff_in_post=10)]
    return st.County(pd.DataFrame(schools), pd.DataFrame(teachers), name="backbone")


@pytest.mark.parametrize(("target", "short"), [
    (0.10, 0),  # 10% of 19 = 1.9 -> 2 needed, 2 held
    (0.20, 2),  # 20% of 19 = 3.8 -> 4 needed, 2 held
    (0.0, 0),
])
def test_prefecture_backbone_share_against_measure_14_target(target, short):
    m = county_metrics(_backbone_county(), st.Policy(backbone_share_target=target))
    assert m["backbone_share_prefecture"] == pytest.approx(2 / 19)
    assert m["backbone_short_of_target"] == short


def test_plan_metrics_report_the_backbone_share_before_and_after():
    plan = st.optimize(_backbone_county(), st.Policy(backbone_share_target=0.2))
    m = plan_metrics(plan)
    assert m.loc["backbone_share_prefecture", "before"] == pytest.approx(2 / 19)
    # moves stay inside the county: the county's share is the same after the plan
    assert m.loc["backbone_share_prefecture", "after"] == pytest.approx(2 / 19)
    assert m.loc["backbone_short_of_target", "after"] == 2
