"""The 优质均衡 staff block (``staffing.model.balance``): PE/arts per 100 pupils and music
and art per 12 classes as soft targets. Two hand-built counties worked by hand (where the
one teacher or the one hire goes, with the weight and without it), the model's shortfalls
against a second formulation read from ``plan.balance`` and the plan's tables, and the
independent checker on synthetic counties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import staffing as st
from staffing.metrics import apply_moves
from staffing.testing import plan_violations, school, teachers

# FTE need per primary class of the 2022 curriculum's subjects, by hand from the weekly
# periods and loads (e.g. Chinese: 10 periods a class ÷ 21 a teacher's week).
PER_CLASS = {"chinese": 10 / 21, "maths": 2 / 7, "english": 1 / 13.5, "morality_law": 1 / 9,
             "science": 0.12963, "it": 0.037037, "pe": 0.185185, "art": 1 / 9}
URBAN = {"chinese": 16, "maths": 13, "english": 2, "morality_law": 4, "science": 4, "it": 2,
         "pe": 6, "music": 5, "art": 5, "labour": 8}


def rounded_staff(classes: int, music: int) -> dict[str, int]:
    """Every subject but music staffed to its need rounded to the nearest teacher: every
    gap below rotation_min_gap_fte (0.5), so no move is called there."""
    staff = {s: int(round(classes * v)) for s, v in PER_CLASS.items()}
    staff["music"] = music
    return staff


def music_county() -> st.County:
    """U (urban, quality) has a spare music teacher U-900, eligible to rotate. Rural R1
    (14 classes) and R2 (23 classes), 400 pupils each, same place: music need 14/9 and
    23/9 FTE against 1 and 2 music teachers, a gap of 5/9 FTE at both. Either way she
    covers 5/9 FTE of music and her 4/9 spare FTE of labour (labour is far from covered
    at both), so at linear unmet costs (fair_steepness_need 0) the subject need is the
    same at both. ⌈14/12⌉ = 2 music teachers wanted at R1 (1 there: short by one);
    ⌈23/12⌉ = 2 at R2 (2 there: not short)."""
    r1, r2 = rounded_staff(14, 1), rounded_staff(23, 2)
    rows = (teachers("U", URBAN) + teachers("U", {"music": 1}, start=900, years_at_school=10)
            + teachers("R1", r1) + teachers("R2", r2))
    nu, n1, n2 = sum(URBAN.values()) + 1, sum(r1.values()), sum(r2.values())
    schools = [
        school("U", is_quality=True, pupils_primary=1080, classes_primary=24,
               approved_quota=nu, staff_in_post=nu),
        # approved quota / norm (400 / 19 = 21.05): R1 23 / 21.05, R2 20 / 21.05 — the
        # tie-break (fair.tie_break_factor) favours the school lowest against its norm, R2
        school("R1", location="rural", township="碧城镇", pupils_primary=400,
               classes_primary=14, approved_quota=n1, staff_in_post=n1, lat=25.03, lon=101.62),
        school("R2", location="rural", township="碧城镇", pupils_primary=400,
               classes_primary=23, approved_quota=20, staff_in_post=n2, lat=25.03, lon=101.62),
    ]
    return st.County(pd.DataFrame(schools), pd.DataFrame(rows), name="hand-built")


def music_policy(weight: float) -> st.Policy:
    return st.Policy(weight_balance_music_art=weight, weight_balance_pe_arts=0.0,
                     weight_rotation_shortfall=0.0, fair_steepness_need=0.0,
                     itinerant_enabled=False)


@pytest.mark.parametrize(("weight", "school_id"), [(10.0, "R1"), (0.0, "R2")])
def test_music_teacher_goes_to_the_school_short_of_one_per_12_classes(weight, school_id):
    # With weight 10 moving her to R1 saves 10 (R1's music shortfall 1 → 0) on top of
    # the equal need; with 0 only the tie-break is left, and it picks R2.
    plan = st.optimize(music_county(), music_policy(weight))
    moved = plan.moves[plan.moves["teacher_id"] == "U-900"]
    assert moved["to_school"].tolist() == [school_id]
    assert plan.balance.loc[("R1", "primary"), "music_art_ok_after"] == (school_id == "R1")
    on = plan.blocks.set_index("block").loc["balance_staff", "on"]
    assert on == (weight > 0)


def pe_county() -> st.County:
    """Two rural village schools of 14 classes — normed by class (≤ 200 pupils: 2 staff a
    class, 28 each), the same need in every subject — with one PE teacher and no music
    or art teacher: gaps of 14 × 0.185 − 1 = 1.59 FTE of PE and 14/9 = 1.56 of music and
    of art at both. A has 200 pupils: 1 PE/arts teacher is 0.5 per 100, below 0.9 (1.8
    wanted); B has 100: 1.0 per 100, met. One hire in the two years: a PE, music or art
    teacher covers one FTE of urgent need at either."""
    base = {s: int(round(14 * v)) for s, v in PER_CLASS.items()} | {"pe": 1, "art": 0}
    rows = teachers("A", base) + teachers("B", base)
    n = sum(base.values())
    schools = [
        # approved quota / norm: A 24 / 28, B 22 / 28 — the tie-break
        # (fair.tie_break_factor) favours the school lowest against its norm, B; both
        # have room for a hire.
        school("A", location="rural", pupils_primary=200, classes_primary=14,
               approved_quota=24, staff_in_post=n),
        school("B", location="rural", pupils_primary=100, classes_primary=14,
               approved_quota=22, staff_in_post=n, lat=25.03, lon=101.56),
    ]
    return st.County(pd.DataFrame(schools), pd.DataFrame(rows), name="hand-built")


def pe_policy(weight: float) -> st.Policy:
    return st.Policy(weight_balance_pe_arts=weight, weight_balance_music_art=0.0,
                     rotation_enabled=False, fair_steepness_need=0.0, shadow_training_years=0)


@pytest.mark.parametrize(("weight", "school_id"), [(10.0, "A"), (0.0, "B")])
def test_two_year_plan_hires_at_the_school_short_of_pe_arts_per_100(weight, school_id):
    # With weight 10 the hire at A saves 10 × (1.8 − 1) = 8 (A reaches 2 per 200 = 1.0);
    # at B it saves nothing (B is met). With 0 the tie-break picks B.
    plan = st.optimize(pe_county(), pe_policy(weight), horizon=1, hiring_budget=1)
    assert plan.hires["count"].sum() == 1
    assert plan.hires["school_id"].tolist() == [school_id]
    assert plan.hires["subject"].iloc[0] in ("pe", "music", "art")


# --- the model's shortfalls against a second formulation -------------------------------


def recomputed(plan) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Shortfalls from the plan's tables: teachers in post after the moves (走教 leaves
    the teacher at home) plus every hire, counted here; PE/arts from ``plan.balance``'s
    per-100 values of one-part schools; music/art against ⌈classes / 12⌉ by hand."""
    county = plan.county
    after = apply_moves(county.teachers, plan.moves)
    after = after[after["status"].ne("leaving")]
    moved = after.groupby(["school_id", "subject"]).size()
    count = moved
    if plan.hires is not None and len(plan.hires):
        count = count.add(plan.hires.groupby(["school_id", "subject"])["count"].sum(),
                          fill_value=0)
    s = county.schools
    pe_arts, music_art = {}, {}
    for (sid, _part), row in plan.balance.iterrows():
        one_part = (s.at[sid, "pupils_primary"] == 0) or (s.at[sid, "pupils_junior"] == 0)
        if one_part:
            # plan.balance counts the moves and the hires, as the block does: its per-100
            # value agrees with the count taken here
            n = sum(count.get((sid, k), 0) for k in ("pe", "music", "art"))
            assert row["pe_arts_per100_after"] == pytest.approx(100 * n / row["pupils"])
            pe_arts[sid] = max(0.0, 0.9 * row["pupils"] / 100 - n)
        classes = int(s.at[sid, "classes_primary"] + s.at[sid, "classes_junior"])
        for k in ("music", "art"):
            music_art[(sid, k)] = max(0.0, math.ceil(classes / 12) - count.get((sid, k), 0))
    return pe_arts, music_art


def model_shortfalls(plan):
    block = plan.model.blocks["balance"]
    return ({s: v.value() for s, v in block.pe_arts_short.items()},
            {k: v.value() for k, v in block.music_art_short.items()})


@pytest.mark.parametrize("case", ["music", "pe", "synth", "synth_horizon"])
def test_model_shortfalls_equal_the_plan_recomputed(case):
    if case == "music":
        plan = st.optimize(music_county(), st.Policy(itinerant_enabled=False))
    elif case == "pe":
        plan = st.optimize(pe_county(), pe_policy(10.0).replace(weight_balance_music_art=10.0),
                           horizon=1, hiring_budget=1)
    elif case == "synth":
        plan = st.optimize(st.synth.county(seed=2, n_schools=14), time_limit=20)
    else:
        plan = st.optimize(st.synth.county(seed=4, n_schools=10), time_limit=20, horizon=2)
    pe_want, music_want = recomputed(plan)
    pe_got, music_got = model_shortfalls(plan)
    assert len(pe_got) and len(music_got)
    for sid, want in pe_want.items():
        assert pe_got.get(sid, 0.0) == pytest.approx(want, abs=1e-6), sid
    assert music_got == pytest.approx(music_want, abs=1e-6)


@pytest.mark.parametrize(("seed", "horizon"), [(5, 0), (6, 0), (7, 1)])
def test_plans_with_the_block_break_no_hard_rule(seed, horizon):
    county = st.synth.county(seed=seed, n_schools=12)
    policy = st.Policy(weight_balance_pe_arts=50.0, weight_balance_music_art=50.0)
    plan = st.optimize(county, policy, time_limit=20, horizon=horizon)
    assert "balance" in plan.model.blocks
    assert plan_violations(county, policy, plan) == []


def test_block_off_when_weights_are_zero_or_no_teachers():
    county = st.synth.county(seed=1, n_schools=6, teachers=False)
    plan = st.optimize(county, time_limit=10)
    assert "balance" not in plan.model.blocks
    row = plan.blocks.set_index("block").loc["balance_staff"]
    assert not row["on"] and row["cause"] == "data"
    policy = st.Policy(weight_balance_pe_arts=0.0, weight_balance_music_art=0.0)
    row = st.model.blocks.block_table(music_county(), policy).set_index("block").loc[
        "balance_staff"]
    assert not row["on"] and row["cause"] == "policy" and "weight_balance" in row["switch_on"]


def test_objective_breakdown_and_failures_name_the_block():
    from staffing.explain import balance_failures, objective_breakdown

    # a one-year plan of the PE county: no hire, nobody eligible to move, A stays short
    policy = st.Policy(weight_balance_pe_arts=10.0, shadow_training_years=0)
    plan = st.optimize(pe_county(), policy)
    rules = objective_breakdown(plan).set_index("rule")
    assert {"balance_pe_arts", "balance_music_art"} <= set(rules.index)
    # by hand: A 1.8 − 1 = 0.8 short of PE/arts; music and art: ⌈14/12⌉ = 2 wanted at
    # both, 0 there → 4 short at each school
    assert rules.at["balance_pe_arts", "cost"] == pytest.approx(10.0 * 0.8)
    assert rules.at["balance_music_art", "cost"] == pytest.approx(10.0 * 8)
    f = balance_failures(plan)
    pe = f[f["indicator"] == "pe_arts_per100"]
    assert pe["school_id"].tolist() == ["A"]
    assert (pe["reason_key"] == "pe_arts_not_reached").all()
    off = st.optimize(pe_county(), policy.replace(weight_balance_pe_arts=0.0))
    f = balance_failures(off)
    assert f.loc[f["indicator"] == "pe_arts_per100", "reason_key"].tolist() == ["not_aimed"]
    assert np.isfinite(rules["cost"]).all()
