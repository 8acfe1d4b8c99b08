"""Posts by level (岗位结构比例, Chuxiong measure 10: 岗位能上能下).

Expected numbers are worked out by hand from the Policy's wording: a school's senior
(intermediate) posts are capped at ⌊share × approved quota⌋, the share of its part
(primary 10% / 45%, junior 20% / 40% by default); a move whose post goes with the
teacher (``post_moves_with``) takes her level along; a term move keeps it at home.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.post_levels import posts_by_level
from staffing.testing import county_of, plan_violations, school, teachers

#: Every rotation kind carries its post: the caps then bind on rotation.
EVERY = st.Policy(post_moves_with=("rotation", "support", "exchange", "transfer"),
                  itinerant_enabled=False, post_level_caps=True)


def _county(a_music: list[tuple[str, int]]):
    """Urban primary A (380 pupils, 9 classes, quota 24) with music teachers of the given
    (title, years at school) and 17 young Chinese/maths teachers; rural primary B (190
    pupils, 6 classes, quota 12) with no music teacher, 1 senior and 9 junior-title
    teachers. B's senior cap: ⌊0.10 × 12⌋ = 1, held already; intermediate cap ⌊0.45 ×
    12⌋ = 5, none held. B needs 2/3 FTE of music (12 periods / 18), A 1 FTE."""
    rows = [school("A", pupils_primary=380, classes_primary=9, approved_quota=24,
                   staff_in_post=17 + len(a_music)),
            school("B", location="rural", pupils_primary=190, classes_primary=6,
                   approved_quota=12, staff_in_post=10, lat=25.10)]
    t = []
    for i, (title, years) in enumerate(a_music):
        t += teachers("A", {"music": 1}, start=i, title=title, years_at_school=years)
    t += teachers("A", {"chinese": 9, "maths": 8}, start=10, years_at_school=1)
    t += teachers("B", {"chinese": 1}, title="senior", years_at_school=1)
    t += teachers("B", {"chinese": 5, "maths": 4}, start=1, title="junior", years_at_school=1)
    return county_of(rows, t)


def _moved(plan) -> list[tuple[str, str, str]]:
    m = plan.moves
    return sorted(zip(m["teacher_id"], m["from_school"], m["to_school"], strict=True))


def test_senior_cap_sends_a_colleague_instead_of_the_senior_teacher():
    # A has three music teachers: the senior one (12 years at A) is first by the naming
    # rule (longest serving), but B is at its senior cap, so the intermediate one goes.
    county = _county([("senior", 12), ("intermediate", 8), ("intermediate", 7)])
    capped = st.optimize(county, EVERY)
    assert _moved(capped) == [("A-001", "A", "B")]
    assert plan_violations(county, EVERY, capped) == []
    uncapped = st.optimize(county, EVERY.replace(post_level_caps=False))
    assert _moved(uncapped) == [("A-000", "A", "B")]
    # The checker, reading the input tables, says the uncapped plan breaks the caps.
    assert plan_violations(county, EVERY, uncapped) == [
        "school B: 2 senior posts after the moves > its cap 1 (staying 1)"]
    by = capped.posts_by_level.set_index(["school_id", "title"])
    assert by.loc[("B", "senior"), ["before", "after", "cap"]].tolist() == [1, 1, 1.0]
    assert by.loc[("B", "intermediate"), ["before", "after", "cap", "structure"]
                  ].tolist() == [0, 1, 5.0, "below"]
    assert by.loc[("A", "intermediate"), ["before", "after"]].tolist() == [19, 18]


def test_senior_teachers_only_stay_home_when_b_is_at_its_senior_cap():
    county = _county([("senior", 12), ("senior", 9)])
    assert _moved(st.optimize(county, EVERY)) == []
    # On a term move (the default) the post, and its level, stay at A: she goes.
    default = st.Policy(itinerant_enabled=False)
    plan = st.optimize(county, default)
    assert _moved(plan) == [("A-000", "A", "B")]
    by = plan.posts_by_level.set_index(["school_id", "title"])
    assert by.loc[("A", "senior"), ["before", "after"]].tolist() == [2, 2]
    assert by.loc[("B", "senior"), ["before", "after", "structure"]].tolist() == [1, 1, "at"]


def test_a_higher_cap_lets_the_senior_teacher_go():
    # B's senior share raised to 20%: cap ⌊0.2 × 12⌋ = 2, room for one more.
    county = _county([("senior", 12), ("intermediate", 8), ("intermediate", 7)])
    plan = st.optimize(county, EVERY.replace(post_senior_share_primary=0.2))
    assert _moved(plan) == [("A-000", "A", "B")]


def test_posts_by_level_against_hand_counts():
    # N: nine-year, quota 30, 190 primary pupils (norm 10) and 135 junior (norm 10):
    # split 15 / 15, senior cap ⌊0.10 × 15 + 0.20 × 15⌋ = 4, intermediate
    # ⌊0.45 × 15 + 0.40 × 15⌋ = 12. J: junior school, quota 11: senior ⌊2.2⌋ = 2,
    # intermediate ⌊4.4⌋ = 4.
    s = pd.DataFrame({"approved_quota": [30, 11], "level": ["nine_year", "junior"],
                      "pupils_primary": [190, 0], "pupils_junior": [135, 300]},
                     index=pd.Index(["N", "J"], name="school_id"))
    t = pd.DataFrame({
        "school_id": ["N"] * 6 + ["J"] * 4,
        "title": ["senior"] * 4 + ["intermediate", "none",
                                   "senior", "senior", "junior", "intermediate"],
        "status": ["in_post", "leaving", "in_post", "in_post", "in_post", "in_post",
                   "in_post", "in_post", "in_post", "on_leave"]},
        index=[f"T{i}" for i in range(10)])
    # T0 (senior) carries her post N → J; T8 (junior) goes J → N on a term move;
    # T4 (intermediate) visits J itinerant.
    m = pd.DataFrame({"teacher_id": ["T0", "T8", "T4"], "from_school": ["N", "J", "N"],
                      "to_school": ["J", "N", "J"],
                      "kind": ["transfer", "rotation", "itinerant"]})
    got = posts_by_level(s, t, m, st.Policy()).set_index(["school_id", "title"])
    expected = pd.DataFrame(
        [("N", "senior", 4, 2, 4.0, "below"), ("N", "intermediate", 1, 1, 12.0, "below"),
         ("N", "junior", 0, 0, np.nan, ""), ("N", "none", 1, 1, np.nan, ""),
         ("J", "senior", 2, 3, 2.0, "above"), ("J", "intermediate", 1, 1, 4.0, "below"),
         ("J", "junior", 1, 1, np.nan, ""), ("J", "none", 0, 0, np.nan, "")],
        columns=["school_id", "title", "before", "after", "cap", "structure"]
    ).set_index(["school_id", "title"])
    got = got.loc[expected.index]
    assert got["before"].tolist() == expected["before"].tolist()
    assert got["after"].tolist() == expected["after"].tolist()
    np.testing.assert_array_equal(got["cap"].to_numpy(), expected["cap"].to_numpy())
    assert got["structure"].tolist() == expected["structure"].tolist()
    np.testing.assert_array_equal(got["room_after"].to_numpy(),
                                  (expected["cap"] - expected["after"]).to_numpy())


def test_workbook_has_the_posts_by_level_sheet_in_both_languages(tmp_path):
    import openpyxl

    county = _county([("senior", 12), ("intermediate", 8), ("intermediate", 7)])
    plan = st.optimize(county, EVERY)
    for lang, sheet, header, value in (("en", "posts by level", "Post level", "senior"),
                                       ("zh", "岗位结构", "岗位等级", "高级")):
        path = tmp_path / f"plan_{lang}.xlsx"
        plan.to_excel(path, lang=lang)
        ws = openpyxl.load_workbook(path)[sheet]
        rows = list(ws.iter_rows(values_only=True))
        col = rows[0].index(header)
        assert rows[1][col] == value
        assert len(rows) == 1 + 2 * 4


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st_.integers(0, 60), senior=st_.sampled_from([0.05, 0.10, 0.2]))
def test_caps_kept_after_moves_wherever_kept_before(seed, senior):
    county = st.synth.county(seed=seed, n_schools=12)
    policy = EVERY.replace(post_senior_share_primary=senior,
                           post_senior_share_junior=2 * senior)
    plan = st.optimize(county, policy, time_limit=20)
    assert plan.status in ("optimal", "feasible")
    assert plan_violations(county, policy, plan) == []
    by = plan.posts_by_level
    capped = by[by["cap"].notna()]
    kept_before = capped["room_before"] >= 0
    assert (capped.loc[kept_before, "room_after"] >= 0).all()


@pytest.mark.parametrize("seed", [0, 4])
def test_teacher_level_model_with_caps_reaches_the_same_optimum(seed):
    # A second formulation: one binary per teacher and target, the caps written out
    # again in staffing.testing from the Policy's wording (not the model's rows).
    from staffing.model.solve import solve
    from staffing.testing import teacher_level_model

    county = st.synth.county(seed=seed, n_schools=12)
    policy = st.Policy(post_moves_with=EVERY.post_moves_with, post_level_caps=True,
                       post_senior_share_primary=0.05, post_senior_share_junior=0.1)
    plan = st.optimize(county, policy, mip_gap=0.0)
    stats = solve(teacher_level_model(county, policy), time_limit=120, mip_gap=0.0)
    assert plan.status == stats.status == "optimal"
    assert plan.objective == pytest.approx(stats.objective, rel=1e-6, abs=1e-4)
    uncapped = st.optimize(county, policy.replace(post_level_caps=False), mip_gap=0.0)
    # the caps bind on this county: without them the plan is cheaper
    assert uncapped.objective < plan.objective - 1e-6


def test_explain_reports_schools_above_their_structure_in_both_languages():
    from staffing.explain import rule_table

    # A holds 19 intermediate posts against a cap of ⌊0.45 × 24⌋ = 10, before and after;
    # B is within both caps: of the 4 capped (school, level) pairs, 3 are within.
    plan = st.optimize(_county([("senior", 12), ("intermediate", 8), ("intermediate", 7)]),
                       EVERY)
    en = rule_table(plan).set_index("key").loc["post_levels"]
    assert (en["target"], en["achieved"], en["shortfall"]) == (4, 3, 1)
    assert list(en["schools_affected"]) == ["A"]
    assert en["note"].startswith("1 schools above their senior or intermediate cap before, 1 after")
    zh = rule_table(plan, lang="zh").set_index("key").loc["post_levels"]
    assert zh["note"].startswith("调整前1所、调整后1所学校的高级或中级岗位超出结构比例")
    off = st.optimize(_county([("senior", 12)]), EVERY.replace(post_level_caps=False))
    assert "post_levels" not in rule_table(off)["key"].tolist()
