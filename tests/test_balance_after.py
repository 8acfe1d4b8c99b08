"""优质均衡 after the plan: hires counted in the after-figures, a full quota named as the
reason a school still fails, the county's 州级骨干 share against its target, and the
apparent cohort retention — each against arithmetic written out here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_balance_block import pe_county
from test_balance_model import backbone_county

import staffing as st
from staffing.balance import apply_hires, school_indicators
from staffing.explain import balance_failures, balance_reasons, quota_room
from staffing.metrics import plan_metrics
from staffing.projection import apparent_retention
from staffing.rollup import county_record, rollup_table
from staffing.testing import school, teachers

# --- hires in the after-figures -----------------------------------------------------------


def test_hires_count_by_subject_not_as_backbone_nor_above_the_qualification():
    # A: primary, 200 pupils, 6 classes. In post: a PE teacher (本科) and a county-level
    # backbone maths teacher (专科) — both above the primary line (专科 or higher).
    s = pd.DataFrame({"pupils_primary": [200], "pupils_junior": [0], "classes_primary": [6],
                      "classes_junior": [0], "level": ["primary"]},
                     index=pd.Index(["A"], name="school_id"))
    t = pd.DataFrame({"school_id": ["A", "A"], "subject": ["pe", "maths"],
                      "backbone": ["none", "county"], "education": ["bachelor", "associate"]},
                     index=pd.Index(["T1", "T2"], name="teacher_id"))
    h = pd.DataFrame({"school_id": ["A", "A"], "subject": ["music", "chinese"],
                      "year": [2027, 2028], "count": [2, 1]})
    after = apply_hires(t, h)
    assert len(after) == 5 and after.index.is_unique
    got = school_indicators(s, after).loc[("A", "primary")]
    assert got["pe_arts_per100"] == pytest.approx(100 * (1 + 2) / 200)   # 1.5
    assert got["backbone_per100"] == pytest.approx(100 * 1 / 200)         # hires: none
    # hires' degree unknown: counted as not above — 2 of 5, never a blank indicator
    assert got["qualified_per100"] == pytest.approx(100 * 2 / 200)
    before = school_indicators(s, t).loc[("A", "primary")]
    assert before["pe_arts_per100"] == pytest.approx(0.5)
    assert t.shape == (2, 4)  # the input is not modified


def test_apply_hires_keeps_a_teacher_id_column_and_adds_nobody_without_hires():
    t = pd.DataFrame({"teacher_id": ["T1"], "school_id": ["A"], "subject": ["pe"],
                      "backbone": ["none"]})
    h = pd.DataFrame({"school_id": ["B"], "subject": ["art"], "year": [2027], "count": [1]})
    out = apply_hires(t, h)
    assert out["teacher_id"].tolist() == ["T1", "H2027-B-art-1"]
    assert len(apply_hires(t, h.iloc[:0])) == 1
    assert len(apply_hires(t, None)) == 1


def pe_policy(**kw) -> st.Policy:
    return st.Policy(weight_balance_pe_arts=10.0, weight_balance_music_art=0.0,
                     rotation_enabled=False, fair_steepness_need=0.0, shadow_training_years=0,
                     pool_enabled=False, **kw)


def test_plan_balance_counts_the_hire_of_a_two_year_plan():
    # pe_county: A 200 pupils with one PE teacher (0.5 per 100); the one hire of the plan
    # goes to A (weight 10): 2 PE/arts teachers per 200 pupils = 1.0 per 100, met.
    plan = st.optimize(pe_county(), pe_policy(), horizon=1, hiring_budget=1)
    assert plan.hires["school_id"].tolist() == ["A"]
    row = plan.balance.loc[("A", "primary")]
    assert row["pe_arts_per100_before"] == pytest.approx(0.5)
    assert row["pe_arts_per100_after"] == pytest.approx(1.0)
    assert row["pe_arts_per100_status_after"] == "met"
    assert row["backbone_per100_after"] == pytest.approx(0.0)  # the hire is no backbone
    figures = plan.metrics
    # the county figures read the same after-figures: A's part meets one more indicator
    assert (plan.balance["met_after"] - plan.balance["met_before"]).sum() == 1
    assert "balance_met_primary" in figures.index


# --- a full quota as the reason ---------------------------------------------------------


def test_quota_full_is_the_reason_only_when_it_blocked_a_hire():
    # With A's quota equal to its 18 teachers (pool off: quotas stay as approved) the hire
    # cannot go to A, which stays at 0.5 PE/arts per 100: quota_full. With room at A
    # (approved 24) the hire goes there and A meets the indicator.
    county = pe_county()
    n_a = int(county.schools.at["A", "staff_in_post"])
    s = county.schools.reset_index()
    s.loc[s["school_id"] == "A", "approved_quota"] = n_a
    full = st.County(s, county.teachers.reset_index(), name="full")
    plan = st.optimize(full, pe_policy(), horizon=1, hiring_budget=1)
    assert "A" not in set(plan.hires["school_id"])
    # by hand: last year's quota 18 − (18 in post − 0 retiring + 0 hired) = 0
    assert quota_room(plan)["A"] == 0
    f = balance_failures(plan).set_index(["school_id", "indicator"])
    assert f.loc[("A", "pe_arts_per100"), "reason_key"] == "quota_full"
    assert "编制已满" in balance_failures(plan, "zh").set_index(
        ["school_id", "indicator"]).loc[("A", "pe_arts_per100"), "reason"]

    roomy = st.optimize(pe_county(), pe_policy(), horizon=1, hiring_budget=1)
    assert quota_room(roomy)["A"] == 24 - (n_a + 1)
    g = balance_failures(roomy)
    assert not ((g["school_id"] == "A") & (g["indicator"] == "pe_arts_per100")).any()


@pytest.mark.parametrize(("posts_move", "reason", "moved"),
                         [(False, "backbone_not_moved", True), (True, "quota_full", False)])
def test_full_rural_school_gets_its_backbone_teacher_only_on_a_term_move(posts_move, reason,
                                                                         moved):
    # backbone_county with R's quota equal to its staff, pool off. A term move (the
    # default: the post stays at U) needs no post at R, so U-900 goes; a move that takes
    # the post with him (post_moves_with) does not fit in R's full quota. Either way R
    # keeps a backbone shortfall (1.9 wanted, at most 1 to have).
    county = backbone_county()
    s = county.schools.reset_index()
    n_r = int(county.schools.at["R", "staff_in_post"])
    s.loc[s["school_id"] == "R", "approved_quota"] = n_r
    full = st.County(s, county.teachers.reset_index(), name="full")
    kinds = ("transfer", "rotation", "support", "exchange") if posts_move else ("transfer",)
    policy = st.Policy(weight_rotation_shortfall=0.0, pool_enabled=False, post_moves_with=kinds)
    plan = st.optimize(full, policy)
    m = plan.moves
    assert ((m["teacher_id"] == "U-900") & (m["to_school"] == "R")).any() == moved
    # by hand: R's quota n_r − posts held (n_r − posts out + posts in)
    carried = m[m["kind"].isin(kinds)]
    held = n_r - (carried["from_school"] == "R").sum() + (carried["to_school"] == "R").sum()
    assert quota_room(plan)["R"] == n_r - held
    f = balance_failures(plan).set_index(["school_id", "indicator"])
    assert f.loc[("R", "backbone_per100"), "reason_key"] == reason


def test_reasons_with_a_full_quota_by_hand():
    cols = {}
    for k in st.balance.INDICATORS:
        cols[f"{k}_status_after"] = ["met", "met"]
        cols[f"{k}_after"] = [1.0, 1.0]
        cols[f"{k}_required"] = [1.0, 1.0]
    t = pd.DataFrame({"name": ["a", "b"], "rule_after": ["not_met", "not_met"], **cols},
                     index=pd.MultiIndex.from_tuples([("A", "primary"), ("B", "primary")],
                                                     names=["school_id", "part"]))
    t["backbone_per100_status_after"] = "short"
    t["pe_arts_per100_status_after"] = "short"

    def reasons(**kw):
        got = balance_reasons(t, True, pd.Index(["A", "B"]), True, full=pd.Index(["A"]), **kw)
        return {(r.school_id, r.indicator): r.reason_key for r in got.itertuples()}

    # term moves, no hiring: a full quota blocks nothing the model could do
    assert reasons() == {("A", "backbone_per100"): "backbone_not_moved",
                         ("A", "pe_arts_per100"): "pe_arts_not_reached",
                         ("B", "backbone_per100"): "backbone_not_moved",
                         ("B", "pe_arts_per100"): "pe_arts_not_reached"}
    # hiring on: PE/arts at the full school A; backbone never comes by a hire
    assert reasons(hiring_on=True)[("A", "pe_arts_per100")] == "quota_full"
    assert reasons(hiring_on=True)[("A", "backbone_per100")] == "backbone_not_moved"
    # posts move with the teacher: both at A, neither at B
    got = reasons(posts_move=True)
    assert got[("A", "backbone_per100")] == got[("A", "pe_arts_per100")] == "quota_full"
    assert got[("B", "backbone_per100")] == "backbone_not_moved"
    # rotation off, hiring on: hires can still bring PE/arts teachers, not backbone ones
    off = balance_reasons(t, False, pd.Index(["A", "B"]), True, full=pd.Index(["A"]),
                          hiring_on=True)
    assert {(r.school_id, r.indicator): r.reason_key for r in off.itertuples()} == {
        ("A", "backbone_per100"): "rotation_off", ("A", "pe_arts_per100"): "quota_full",
        ("B", "backbone_per100"): "rotation_off", ("B", "pe_arts_per100"): "pe_arts_not_reached"}


def test_quota_room_of_a_multi_year_plan_by_hand():
    plan = st.optimize(st.synth.county(seed=1, n_schools=12), time_limit=30, horizon=3)
    room = quota_room(plan)
    last = 2026 + 3
    for sid, q in plan.quotas.iterrows():
        quota = plan.quota_path.loc[sid, ("quota", last)]
        gone = sum(1 for r in plan.retirements.itertuples()
                   if r.school_id == sid and r.vacant_from <= last)
        hired = sum(h.count for h in plan.hires.itertuples() if h.school_id == sid)
        assert room[sid] == quota - (q["posts_held"] - gone + hired), sid


# --- 州级骨干 (measure 14): reported against its target ----------------------------------


def test_plan_metrics_put_the_backbone_target_beside_the_share():
    county = backbone_county()  # U-900 is county level: no prefecture-level backbone
    plan = st.optimize(county, st.Policy(backbone_share_target=0.15))
    m = plan_metrics(plan)
    n = int((county.teachers["status"] != "leaving").sum())
    assert m.loc["backbone_share_target", "before"] == m.loc["backbone_share_target",
                                                             "after"] == 0.15
    assert m.loc["backbone_share_prefecture", "after"] == 0.0
    assert m.loc["backbone_short_of_target", "after"] == math.ceil(0.15 * n)
    zh = plan_metrics(plan, "zh")
    assert "只报告、不规划" in zh.loc["backbone_share_target", "指标"]


def _record(first=None, last=None, backbone=3, teachers_=40):
    figs = {"backbone_pref": backbone, "teachers": teachers_}
    for part in ("primary", "junior"):
        for k in ("parts", "met", "not_assessable", "all_met"):
            figs[f"{k}_{part}"] = 0
        figs[f"randomness_{part}"] = None
        for key in st.balance.INDICATORS:
            for k in ("p", "px", "pxx"):
                figs[f"{k}_{key}_{part}"] = 0.0
    return {"before": figs, "after": dict(figs), "moves": 0, "hires": 0, "urgent_hires": 0,
            "pupils_primary": 0, "pupils_junior": 0, "grade_first": first, "grade_last": last}


def test_rollup_teachers_to_recognise_county_and_prefecture():
    # A: 3 of 40 → ⌈0.1 × 40⌉ − 3 = 1 to recognise. B: 9 of 50 → ⌈5⌉ − 9 < 0 → 0.
    # Prefecture: ⌈0.1 × 90⌉ − 12 = −3 → 0 (B's surplus covers A: one prefecture share).
    table = rollup_table({"A": _record(backbone=3, teachers_=40),
                          "B": _record(backbone=9, teachers_=50)}).set_index("county")
    assert table.loc["A", "backbone_to_recognise_after"] == 1
    assert table.loc["B", "backbone_to_recognise_before"] == 0
    assert table.loc["Prefecture", "backbone_to_recognise_after"] == 0
    assert table.loc["Prefecture", "backbone_share_after"] == pytest.approx(12 / 90)
    c = rollup_table({"A": _record(backbone=3, teachers_=41),
                      "C": _record(backbone=0, teachers_=9)}).set_index("county")
    # ⌈4.1⌉ − 3 = 2; ⌈0.9⌉ − 0 = 1; prefecture ⌈5.0⌉ − 3 = 2 (not 2 + 1)
    assert c["backbone_to_recognise_after"].tolist() == [2, 1, 2]


# --- 巩固率: an apparent cohort retention where pupils by grade are given ----------------


def test_apparent_retention_by_hand():
    # grade 1: 120 + 80 = 200 pupils; grade 9: 190 → 0.95
    wide = pd.DataFrame({f"grade_{g}": [120 if g == 1 else 0, 80 if g == 1 else 0,
                                        190 if g == 9 else 0] for g in range(1, 10)},
                        index=pd.Index(["P1", "P2", "J1"], name="school_id"))
    assert apparent_retention(wide) == (pytest.approx(0.95), 200.0, 190.0)
    # 5 + 4: the last junior grade is still grade 9
    assert apparent_retention(wide, st.Policy(grades=(5, 4)))[0] == pytest.approx(0.95)
    nobody = wide.assign(grade_1=0)
    assert np.isnan(apparent_retention(nobody)[0])


def test_rollup_retention_blank_without_grades_and_from_sums_with_them():
    table = rollup_table({"A": _record(200.0, 190.0), "B": _record(100.0, 98.0)}
                         ).set_index("county")
    assert table.loc["A", "retention_apparent"] == pytest.approx(0.95)
    assert table.loc["Prefecture", "retention_apparent"] == pytest.approx(288 / 300)
    assert (table["retention_target"] == st.Policy().retention_rate).all()
    part = rollup_table({"A": _record(200.0, 190.0), "B": _record()}).set_index("county")
    assert np.isnan(part.loc["B", "retention_apparent"])
    assert np.isnan(part.loc["Prefecture", "retention_apparent"])  # not from some counties
    old = _record()
    del old["grade_first"], old["grade_last"]  # a summary.json of an earlier run
    assert np.isnan(rollup_table({"A": old}).set_index("county").loc["A",
                                                                     "retention_apparent"])


def test_county_record_reads_grades_when_given():
    county = st.County(pd.DataFrame([school("A", pupils_primary=60, classes_primary=6,
                                            approved_quota=13, staff_in_post=12)]),
                       pd.DataFrame(teachers("A", {"general": 12})), name="g")
    plan = st.optimize(county)
    grades = pd.DataFrame({"school_id": ["A"] * 6, "grade": range(1, 7),
                           "pupils": [12, 10, 10, 10, 9, 9]})
    rec = county_record(plan, grades)
    assert (rec["grade_first"], rec["grade_last"]) == (12.0, 0.0)  # no junior grade here
    assert county_record(plan)["grade_first"] is None


def test_balance_is_computed_once_inside_a_report_and_afresh_outside(monkeypatch):
    import importlib

    balance_module = importlib.import_module("staffing.balance")
    plan = st.optimize(st.synth.county(0, n_schools=10))
    calls = []
    real = balance_module._plan_balance
    monkeypatch.setattr(balance_module, "_plan_balance",
                        lambda p: calls.append(1) or real(p))
    with balance_module.balance_once(plan):
        first = plan.balance
        second = plan.balance
        pd.testing.assert_frame_equal(first, second)
        first["name"] = "changed by the caller"  # a copy: changing it changes nothing kept
        pd.testing.assert_frame_equal(plan.balance, second)
    assert len(calls) == 1
    # Outside the block a plan whose moves changed is answered afresh.
    plan.moves = plan.moves.iloc[0:0]
    after = plan.balance
    assert len(calls) == 2
    assert after.equals(balance_module._plan_balance(plan))
