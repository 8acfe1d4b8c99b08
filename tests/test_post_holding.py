"""Whose post (编制) a moving teacher holds: Policy.post_moves_with (issue 13, item 5).

By default a term move (rotation 交流轮岗, backbone support 骨干支教, learning exchange
跟岗交流) keeps the teacher's post at the home school; listing those kinds restores the
old behaviour, where the quota follows the teacher. Every check counts staff itself
from the teachers table and ``plan.moves``; none reads the model's rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import staffing as st
from staffing.vocab import VISIT_KINDS

sys.path.insert(0, str(Path(__file__).parent))
from rotation_builders import school_row, staff_school  # noqa: E402

DEMO = Path(__file__).parents[1] / "examples" / "data" / "demo_county.xlsx"
QUOTA_FOLLOWS = st.Policy(post_moves_with=("rotation", "support", "exchange", "transfer"))
TERM_KINDS = {"rotation", "support", "exchange"}


def staying(county: st.County) -> pd.Series:
    """Teachers who stay in post next year, per school, counted from the teachers table
    (everyone listed at the school except those whose status is ``leaving``)."""
    t = county.teachers
    return t[t["status"].ne("leaving")].groupby("school_id").size().reindex(
        county.schools.index, fill_value=0)


def posts_after(county: st.County, moves: pd.DataFrame, kinds) -> pd.Series:
    """Staff holding a post at each school once the moves of ``kinds`` took theirs along;
    every other teacher counts at the school of the teachers table."""
    m = moves[moves["kind"].isin(set(kinds))]
    index = county.schools.index
    return (staying(county) - m["from_school"].value_counts().reindex(index, fill_value=0)
            + m["to_school"].value_counts().reindex(index, fill_value=0))


# ---------------------------------------------------------------- the demo county
@pytest.fixture(scope="module")
def demo():
    county = st.load_county(DEMO)
    return county, st.optimize(county), st.optimize(county, QUOTA_FOLLOWS)


def _lufeng(county: st.County) -> str:
    return county.schools.index[county.schools["name"].eq("禄丰市第一中学")][0]


def test_demo_school_short_of_norm_keeps_the_posts_of_its_rotating_teachers(demo):
    county, plan, _ = demo
    sid = _lufeng(county)
    school = county.schools.loc[sid]
    assert (school["approved_quota"], school["staff_in_post"]) == (113, 111)
    out = plan.moves[plan.moves["from_school"].eq(sid)]
    assert len(out) >= 1 and set(out["kind"]) <= TERM_KINDS  # it still meets its duty
    home = int(staying(county)[sid])  # 109: those away on a term move included
    q = plan.quotas.loc[sid]
    assert q["norm"] == 127 and q["new_quota"] >= home
    # Below norm, its quota falls only by vacant posts (approved − staff staying), never
    # because teachers left on rotation: 禄丰一中 once fell to 105, 22 short.
    assert q["new_quota"] >= min(school["approved_quota"], home)
    assert q["shortfall_after"] <= 127 - min(113, home)
    assert "of which +0 from the rotation" in plan.explain(sid)
    assert "其中因交流轮岗(编制随人调动)+0人" in plan.explain(sid, lang="zh")


def test_demo_term_movers_count_at_home_and_need_no_post_at_the_target(demo):
    county, plan, _ = demo
    moves = plan.moves[~plan.moves["kind"].isin(VISIT_KINDS)]
    assert len(moves) > 10 and set(moves["kind"]) <= TERM_KINDS
    q = plan.quotas
    home = staying(county)
    assert (q["new_quota"] >= home).all()  # every school holds all its own teachers
    pd.testing.assert_series_equal(q["posts_held"], home, check_names=False,
                                   check_dtype=False)
    index = county.schools.index
    away = moves["from_school"].value_counts().reindex(index, fill_value=0)
    here = moves["to_school"].value_counts().reindex(index, fill_value=0)
    assert (q["away_on_term"] == away).all() and (q["here_on_term"] == here).all()
    # Σ quotas within the county total although the teachers present at the targets
    # (home staff + arrivals) would not all fit their quotas: arrivals hold no post there.
    assert q["new_quota"].sum() <= county.county_total
    present = home - away + here
    assert (present > q["new_quota"]).any()


def test_demo_with_every_kind_listed_the_quota_follows_the_teachers(demo):
    county, _, plan = demo
    moves = plan.moves[~plan.moves["kind"].isin(VISIT_KINDS)]
    assert len(moves) > 10
    q = plan.quotas
    after = posts_after(county, moves, QUOTA_FOLLOWS.post_moves_with)
    assert (q["new_quota"] >= after).all()
    pd.testing.assert_series_equal(q["posts_held"], after, check_names=False,
                                   check_dtype=False)
    assert (q["away_on_term"] == 0).all() and (q["here_on_term"] == 0).all()
    # The old behaviour: some senders' quotas fall below the teachers who stay in post
    # (their posts left with the rotating teachers), which the default never allows.
    assert (q["new_quota"] < staying(county)).any()
    assert q["new_quota"].sum() <= county.county_total


# ---------------------------------------------------------------- a county by hand
def three_schools() -> st.County:
    """U: urban quality primary, norm 57 (1080 pupils ÷ 19 = 56.8), 55 teachers, approved
    55, so 2 short. Two of its teachers are eligible: E (English, not backbone) and F
    (music, county backbone). R1: rural primary, 190 pupils in 9 classes (≤ 200: norm
    9 × 2 = 18), 15 teachers, no English teacher. R2: rural primary, 150 pupils in 6
    classes (norm 12), 10 teachers, no music teacher. County total = 55 + 15 + 10 = 80,
    so no post is free anywhere: every quota equals the posts its school holds.

    With itinerant teaching off, E is the only cover for R1's English and F for R2's
    music, so both move, under any setting.
    """
    u = {"chinese": 14, "maths": 11, "english": 2, "morality_law": 3, "science": 4, "it": 2,
         "pe": 5, "music": 4, "art": 4, "labour": 4}
    r1 = {"general": 6, "chinese": 3, "maths": 2, "pe": 2, "music": 1, "art": 1}
    r2 = {"general": 4, "chinese": 2, "maths": 2, "pe": 1, "art": 1}
    teachers = (staff_school("U", u)
                + staff_school("U", {"english": 1}, start=900, years_at_school=10)
                + staff_school("U", {"music": 1}, start=901, years_at_school=10,
                               backbone="county")
                + staff_school("R1", r1) + staff_school("R2", r2))
    schools = [
        school_row("U", is_quality=True, pupils_primary=1080, classes_primary=24,
                   approved_quota=55, staff_in_post=55),
        school_row("R1", location="rural", township="碧城镇", pupils_primary=190,
                   classes_primary=9, approved_quota=15, staff_in_post=15,
                   lat=25.03, lon=101.62),
        school_row("R2", location="rural", township="碧城镇", pupils_primary=150,
                   classes_primary=6, approved_quota=10, staff_in_post=10,
                   lat=25.08, lon=101.58),
    ]
    return st.County(pd.DataFrame(schools), pd.DataFrame(teachers), name="three schools",
                     county_total=80)


NO_ITINERANT = st.Policy(itinerant_enabled=False)

#: setting → (new quotas U, R1, R2), worked out by hand: every quota equals the posts
#: held, which changes only by the moves whose post goes with the teacher.
BY_HAND = {
    ("transfer",): (55, 15, 10),                              # both keep their home post
    ("support", "transfer"): (54, 15, 11),                    # F's support post goes to R2
    ("rotation", "support", "exchange", "transfer"): (53, 16, 11),  # the quota follows both
}


@pytest.mark.parametrize("kinds", list(BY_HAND))
def test_three_schools_quotas_by_hand(kinds):
    plan = st.optimize(three_schools(), NO_ITINERANT.replace(post_moves_with=kinds))
    assert plan.status == "optimal"
    moves = plan.moves.set_index("teacher_id")
    assert sorted(moves.index) == ["U-900", "U-901"]
    assert (moves.loc["U-900", "to_school"], moves.loc["U-900", "kind"]) == ("R1", "rotation")
    assert (moves.loc["U-901", "to_school"], moves.loc["U-901", "kind"]) == ("R2", "support")
    q = plan.quotas
    assert tuple(q.loc[["U", "R1", "R2"], "new_quota"]) == BY_HAND[kinds]
    assert tuple(q.loc[["U", "R1", "R2"], "posts_held"]) == BY_HAND[kinds]
    term = 2 - (55 - BY_HAND[kinds][0])  # moves of U whose post stays at U
    assert q.loc["U", "away_on_term"] == term
    assert q.loc["U", "shortfall_after"] == 57 - BY_HAND[kinds][0]


def test_three_schools_story_says_what_the_rotation_did_to_the_shortfall():
    default = st.optimize(three_schools(), NO_ITINERANT)
    story = default.explain("U")
    assert "Rotation: 2 out, 0 in; on term moves 2 out, 0 in" in story
    assert "Change in shortfall +0, of which +0 from the rotation" in story
    assert "任期交流调出2人" in default.explain("U", lang="zh")
    follows = st.optimize(three_schools(), NO_ITINERANT.replace(
        post_moves_with=QUOTA_FOLLOWS.post_moves_with))
    # U: 2 short → 4 short, both posts left with E and F; R1: 3 short → 2, by E's post.
    assert "with their posts 2 out, 0 in. Change in shortfall +2, of which +2" in (
        follows.explain("U"))
    assert "Change in shortfall -1, of which -1 from the rotation" in follows.explain("R1")
    assert "缺编变化+2人,其中因交流轮岗(编制随人调动)+2人" in follows.explain("U", lang="zh")


@pytest.mark.parametrize("kinds", [("transfer",), QUOTA_FOLLOWS.post_moves_with])
def test_three_schools_later_years_keep_the_same_posts(kinds):
    # Nobody retires within two years and no post is free, so each later year's quota is
    # the posts held in year 0 (a term move holds its home post over the whole horizon)
    # and nobody can be hired.
    plan = st.optimize(three_schools(), NO_ITINERANT.replace(post_moves_with=kinds),
                       horizon=2)
    assert plan.status == "optimal"
    expected = BY_HAND[kinds]
    for year in (2027, 2028):
        assert tuple(plan.quotas.loc[["U", "R1", "R2"], f"new_quota_{year}"]) == expected
    assert plan.hires["count"].sum() == 0


def test_a_term_move_needs_no_vacant_post_at_the_target():
    # R1 and R2 hold exactly their approved quotas and the pool is off, so no quota can
    # grow: a move that brings its post cannot happen, a term move can.
    county = three_schools()
    fixed = NO_ITINERANT.replace(pool_enabled=False)
    term = st.optimize(county, fixed)
    assert sorted(term.moves["teacher_id"]) == ["U-900", "U-901"]
    q = term.quotas.loc[["U", "R1", "R2"]]
    assert q["new_quota"].tolist() == [55, 15, 10] == q["posts_held"].tolist()
    assert q["here_on_term"].tolist() == [0, 1, 1]
    follows = st.optimize(county, fixed.replace(post_moves_with=QUOTA_FOLLOWS.post_moves_with))
    assert follows.moves.empty
    assert follows.unmet.set_index(["school_id", "subject"]).loc[
        ("R1", "english"), "reason"] == "no room in the school's quota"


# ---------------------------------------------------------------- a second formulation
@pytest.mark.parametrize("kinds", [("transfer",), ("support", "transfer"),
                                   QUOTA_FOLLOWS.post_moves_with])
def test_teacher_level_model_reaches_the_same_optimum_under_each_setting(kinds):
    from staffing.model.solve import solve
    from staffing.testing import teacher_level_model

    county = st.synth.county(seed=0, n_schools=12)
    policy = st.Policy(post_moves_with=kinds)
    plan = st.optimize(county, policy, mip_gap=0.0)
    stats = solve(teacher_level_model(county, policy), time_limit=120, mip_gap=0.0)
    assert plan.status == stats.status == "optimal"
    assert plan.objective == pytest.approx(stats.objective, rel=1e-6, abs=1e-4)


# ---------------------------------------------------------------- the policy field
def test_post_moves_with_names_only_kinds_of_move_and_keeps_transfer():
    assert st.Policy().post_moves_with == ("transfer",)
    with pytest.raises(st.PolicyError, match="'itinerant' not allowed"):
        st.Policy(post_moves_with=("itinerant", "transfer"))
    with pytest.raises(st.PolicyError, match="must include 'transfer'"):
        st.Policy(post_moves_with=("rotation",))


def test_post_moves_with_round_trips_through_toml(tmp_path):
    policy = st.Policy(post_moves_with=("support", "transfer"))
    policy.to_toml(tmp_path / "p.toml")
    assert st.Policy.from_toml(tmp_path / "p.toml") == policy


def test_doctests_of_the_posts_module_pass():
    import doctest

    import staffing.model.posts as posts

    result = doctest.testmod(posts)
    assert result.attempted >= 5 and result.failed == 0
