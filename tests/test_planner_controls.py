"""Planner controls (issue 15, part 5): a locked quota, move rules per teacher, caps on
moves into and out of a school. Each changes a small hand-built plan exactly as asked
(expected values worked out by hand from the norms and distances), is reported as a
data error when the hard rules make it impossible, round-trips through the workbook,
and holds on random counties by the independent checker (``staffing.testing``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from rotation_builders import english_county as two_school_english

import staffing as st
from staffing.errors import StaffingDataError
from staffing.testing import plan_violations, school, teachers
from staffing.transfers import synthetic_preferences, voluntary_transfers

NO_ITINERANT = st.Policy(itinerant_enabled=False)


# ---------------------------------------------------------------------------- locks
def two_schools(total: int = 36, **a_columns) -> st.County:
    """A: 380 urban primary pupils → norm 380 / 19 = 20 posts, 10 staff; B: 304 pupils →
    norm 16, 8 staff. Σ norm = 36: with a total of 36 each school gets its norm."""
    rows = [school("A", pupils_primary=380, classes_primary=9, approved_quota=10,
                   staff_in_post=10, **a_columns),
            school("B", pupils_primary=304, classes_primary=8, approved_quota=8,
                   staff_in_post=8)]
    return st.County(pd.DataFrame(rows), name="two", county_total=total)


def new_quotas(plan) -> dict[str, int]:
    return plan.quotas["new_quota"].astype(int).to_dict()


def test_without_a_lock_each_school_gets_its_norm():
    plan = st.optimize(two_schools())
    assert new_quotas(plan) == {"A": 20, "B": 16}


def test_a_lock_below_the_norm_gives_exactly_the_lock_and_keeps_the_rest_in_the_pool():
    # A locked at 14: B still gets its norm 16 (more would be surplus); 36 − 30 = 6 stay.
    plan = st.optimize(two_schools(locked_quota=14))
    assert new_quotas(plan) == {"A": 14, "B": 16}
    assert int(plan.pool["balance"].iloc[-1]) == 6
    assert plan_violations(plan.county, st.Policy(), plan) == []


def test_a_lock_above_the_norm_takes_its_posts_from_the_other_school():
    # A locked at 24 (4 above its norm): B gets what is left, 36 − 24 = 12 (4 short).
    plan = st.optimize(two_schools(locked_quota=24))
    assert new_quotas(plan) == {"A": 24, "B": 12}
    assert "locked at 24 by the planner" in plan.explain("A")
    assert "锁定为24人" in plan.explain("A", lang="zh")
    assert "quota is locked" not in plan.explain("B")


def test_a_lock_holds_every_year_of_a_multi_year_plan():
    plan = st.optimize(two_schools(locked_quota=14), horizon=2)
    assert plan.quota_path["quota"].loc["A"].astype(int).tolist() == [14, 14, 14]
    assert plan_violations(plan.county, st.Policy(), plan) == []


def test_a_lock_below_the_staff_staying_is_a_data_error_naming_school_column_and_value():
    with pytest.raises(StaffingDataError) as err:
        two_schools(locked_quota=7)
    (p,) = err.value.problems
    assert (p.sheet, p.row, p.column, p.value) == ("schools", 2, "locked_quota", 7)
    assert "school A" in p.rule and "10 staff staying in post" in p.rule


def test_leavers_do_not_count_against_a_lock():
    # A has 10 staff, one of them a listed teacher leaving this year: 9 stay, so a lock
    # of 9 is fine and 8 is not.
    rows = [school("A", pupils_primary=380, classes_primary=9, approved_quota=10,
                   staff_in_post=10, locked_quota=lock) for lock in (9, 8)]
    leaver = teachers("A", {"chinese": 1}, status="leaving")
    st.County(pd.DataFrame(rows[:1]), pd.DataFrame(leaver))
    with pytest.raises(StaffingDataError, match="below the 9 staff staying"):
        st.County(pd.DataFrame(rows[1:]), pd.DataFrame(leaver))


def test_locks_beyond_the_county_total_are_a_data_error():
    two_schools(locked_quota=28)  # 28 + B's 8 staff = 36: fits exactly
    with pytest.raises(StaffingDataError) as err:
        two_schools(locked_quota=29)  # 29 + 8 = 37 > 36
    assert "more than the county total 36" in str(err.value)


def test_a_lock_the_pool_reserve_leaves_no_room_for_is_refused_before_solving():
    # Reserve ⌈0.1 × 36⌉ = 4: 28 + 8 + 4 = 40 > 36; 24 + 8 + 4 = 36 fits.
    policy = st.Policy(pool_reserve_share=0.1)
    with pytest.raises(StaffingDataError, match="pool reserve 4"):
        st.build_model(two_schools(locked_quota=28), policy)
    assert new_quotas(st.optimize(two_schools(locked_quota=24), policy)) == {"A": 24, "B": 8}


def test_a_lock_with_the_pool_off_must_equal_the_approved_quota():
    policy = st.Policy(pool_enabled=False)
    with pytest.raises(StaffingDataError, match="pool off"):
        st.build_model(two_schools(locked_quota=12), policy)
    assert new_quotas(st.optimize(two_schools(locked_quota=10), policy)) == {"A": 10, "B": 8}


# ---------------------------------------------------------------------------- moves
def english_county(rules: list[tuple[str, str, str]] | None = None, spare: int = 1,
                   **columns: dict) -> st.County:
    """An urban quality school U with ``spare`` eligible English teachers (U-900 …) and
    three rural schools without English, each needing 0.67 FTE of it: R1 (≈ 7 km from
    U), R2 (≈ 13 km), R3 (≈ 20 km), and an urban school U2 next door needing nothing
    of it. Everyone else has two years at their school and may not rotate.
    ``columns`` maps a school id to extra schools columns (caps)."""
    u_subjects = {"chinese": 16, "maths": 13, "english": 2, "morality_law": 4, "science": 4,
                  "it": 2, "pe": 6, "music": 5, "art": 5, "labour": 8}
    r_subjects = {"general": 6, "chinese": 3, "maths": 2, "pe": 1, "music": 1, "art": 1}
    rows = (teachers("U", u_subjects)
            + teachers("U", {"english": spare}, start=900, years_at_school=10))
    n_u = sum(u_subjects.values()) + spare
    n_r = sum(r_subjects.values())
    schools = [school("U", is_quality=True, pupils_primary=1080, classes_primary=24,
                      approved_quota=n_u, staff_in_post=n_u, **columns.get("U", {})),
               school("U2", pupils_primary=1080, classes_primary=24, approved_quota=n_u,
                      staff_in_post=n_u, lon=101.551)]
    rows += teachers("U2", u_subjects)
    for k, lon in enumerate((101.62, 101.68, 101.75), start=1):
        sid = f"R{k}"
        rows += teachers(sid, r_subjects)
        schools.append(school(sid, location="rural", township="碧城镇", pupils_primary=190,
                              classes_primary=9, approved_quota=n_r + 2, staff_in_post=n_r,
                              lon=lon, **columns.get(sid, {})))
    move_rules = None
    if rules:
        move_rules = pd.DataFrame(rules, columns=["teacher_id", "school_id", "rule"])
    return st.County(pd.DataFrame(schools), pd.DataFrame(rows), name="english",
                     move_rules=move_rules)


def exact(county: st.County, policy: st.Policy = NO_ITINERANT, **kwargs):
    """The plan solved to a proven optimum (``mip_gap=0``): the hand-worked answers
    rest on small differences (a few km of travel), below the default gap."""
    return st.optimize(county, policy, mip_gap=0, **kwargs)


def moved(plan, kinds=("rotation", "support", "exchange")) -> list[tuple[str, str]]:
    m = plan.moves[plan.moves["kind"].isin(kinds)]
    return sorted(zip(m["teacher_id"], m["to_school"], strict=True))


def test_without_rules_the_spare_teacher_goes_to_the_nearest_school_in_need():
    assert moved(exact(english_county())) == [("U-900", "R1")]


@pytest.mark.parametrize(("rules", "expected"), [
    ([("U-900", "R3", "allowed")], [("U-900", "R3")]),   # allowed list of one: there
    ([("U-900", "R1", "forbidden")], [("U-900", "R2")]),  # next nearest in need
    ([("U-900", "R1", "forbidden"), ("U-900", "R2", "forbidden")], [("U-900", "R3")]),
    ([("U-900", "U2", "allowed")], []),                    # U2 needs no English: nowhere
    ([("U-900", "R2", "allowed"), ("U-900", "R3", "allowed")], [("U-900", "R2")]),
    ([("U-001", "R1", "forbidden")], [("U-900", "R1")]),  # another teacher's rule
])
def test_move_rules_send_the_teacher_only_where_they_permit(rules, expected):
    plan = exact(english_county(rules))
    assert moved(plan) == expected
    assert plan_violations(plan.county, NO_ITINERANT, plan) == []


def test_a_teacher_with_move_rules_gives_no_itinerant_cover():
    # U and R only (rotation_builders): with itinerant teaching on, U-900 covers R's
    # English part-time; a rule that forbids her only a school she would never go to
    # takes her out of the cover, and another teacher of U gives it instead.
    county = two_school_english()
    free = st.optimize(county)
    assert "U-900" in set(free.moves.loc[free.moves["kind"].eq("itinerant"), "teacher_id"])
    rules = pd.DataFrame({"teacher_id": ["U-900"], "school_id": ["R"], "rule": ["forbidden"]})
    ruled_county = st.County(county.schools.reset_index(), county.teachers.reset_index(),
                             move_rules=rules)
    ruled = st.optimize(ruled_county)
    assert "U-900" not in set(ruled.moves["teacher_id"])
    assert ruled.moves["kind"].eq("itinerant").sum() > 0
    assert plan_violations(ruled_county, st.Policy(), ruled) == []


def test_explain_names_the_teachers_whose_moves_the_rules_limit():
    plan = exact(english_county([("U-900", "R3", "allowed")]))
    assert "may move only as the planner's move rules permit (U-900)" in plan.explain("U")
    table = plan.explain()
    row = table[table["key"].eq("move_rules")].iloc[0]
    assert (row["target"], row["achieved"]) == (1, 1)


def test_voluntary_transfers_never_give_a_forbidden_school():
    county = st.synth.county(seed=2, n_schools=30)
    prefs = synthetic_preferences(county, seed=2)
    free = voluntary_transfers(county, st.Policy(), prefs, vacancies="leaving").moves
    assert len(free) >= 2
    banned = free.iloc[:2]
    rules = pd.DataFrame({"teacher_id": banned["teacher_id"], "school_id": banned["to_school"],
                          "rule": "forbidden"})
    ruled = st.County(county.schools.reset_index(), county.teachers.reset_index(),
                      name=county.name, move_rules=rules)
    after = voluntary_transfers(ruled, st.Policy(), prefs, vacancies="leaving").moves
    got = set(zip(after["teacher_id"], after["to_school"], strict=True))
    assert not got & set(zip(banned["teacher_id"], banned["to_school"], strict=True))
    # A teacher all of whose listed schools are barred is excluded, with the reason.
    one = banned["teacher_id"].iloc[0]
    listed = prefs.loc[prefs["teacher_id"].eq(one), "school_id"]
    listed = listed[listed.ne(county.teachers.at[one, "school_id"])]
    barred = st.County(county.schools.reset_index(), county.teachers.reset_index(),
                       name=county.name, move_rules=pd.DataFrame(
                           {"teacher_id": one, "school_id": listed.unique(),
                            "rule": "forbidden"}))
    out = voluntary_transfers(barred, st.Policy(), prefs, vacancies="leaving")
    assert out.excluded.set_index("teacher_id").at[one, "reason"] == "move_rules"
    assert one not in set(out.moves["teacher_id"])


# ---------------------------------------------------------------------------- caps
def test_without_caps_three_spare_teachers_go_one_to_each_rural_school():
    plan = exact(english_county(spare=3))
    assert sorted(to for _, to in moved(plan)) == ["R1", "R2", "R3"]


def test_a_cap_on_moves_out_lets_one_leave_where_three_would():
    plan = exact(english_county(spare=3, U={"max_moves_out": 1}))
    assert [to for _, to in moved(plan)] == ["R1"]  # the nearest need first
    assert "cap reached" in plan.explain("U")
    assert plan_violations(plan.county, NO_ITINERANT, plan) == []


def test_a_cap_of_zero_moves_in_closes_the_school_and_the_others_still_receive():
    plan = exact(english_county(spare=3, R1={"max_moves_in": 0}))
    assert sorted(to for _, to in moved(plan)) == ["R2", "R3"]
    table = plan.explain()
    assert table.loc[table["key"].eq("move_caps"), "schools_affected"].item() == ["R1"]


def test_caps_blank_mean_no_cap():
    plan = exact(english_county(spare=3, U={"max_moves_out": np.nan}))
    assert len(moved(plan)) == 3


# ---------------------------------------------------------------------------- data
def test_move_rule_problems_are_all_reported_at_once():
    rows = [("U-900", "R9", "allowed"),      # unknown school
            ("X-1", "R1", "allowed"),        # unknown teacher
            ("U-900", "R1", "allowed"),      # both allowed and forbidden R1
            ("U-900", "R1", "forbidden"),
            ("U-900", "U", "forbidden"),     # her own school
            ("U-901", "R2", "maybe")]        # not a rule
    with pytest.raises(StaffingDataError) as err:
        english_county(rows, spare=2)
    found = [(p.sheet, p.row, p.column, p.value) for p in err.value.problems]
    assert ("move_rules", 2, "school_id", "R9") in found
    assert ("move_rules", 3, "teacher_id", "X-1") in found
    assert ("move_rules", 4, "rule", "allowed") in found
    assert ("move_rules", 5, "rule", "forbidden") in found
    assert ("move_rules", 6, "school_id", "U") in found
    assert ("move_rules", 7, "rule", "maybe") in found


def test_a_move_rule_for_a_pinned_teacher_is_an_error():
    county = english_county()
    t = county.teachers.reset_index()
    t.loc[t["teacher_id"].eq("U-900"), "pinned"] = True
    rules = pd.DataFrame({"teacher_id": ["U-900"], "school_id": ["R1"], "rule": ["禁止"]})
    with pytest.raises(StaffingDataError, match="pinned"):
        st.County(county.schools.reset_index(), t, move_rules=rules)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_controls_round_trip_through_the_workbook_and_csv(tmp_path, lang):
    county = english_county([("U-900", "R2", "allowed"), ("U-900", "R3", "allowed"),
                             ("U-001", "R1", "forbidden")],
                            U={"max_moves_out": 2, "locked_quota": 67}, R1={"max_moves_in": 0})
    path = tmp_path / "c.xlsx"
    county.to_excel(path, lang=lang)
    back = st.load_county(path)
    assert back == county
    assert back.schools["locked_quota"].isna().sum() == 4  # blanks stay blank
    assert list(back.move_rules["rule"]) == ["forbidden", "allowed", "allowed"]
    from staffing.data.writers import write_county_csv

    write_county_csv(county, tmp_path / "csv", lang=lang)
    names = {p.name for p in (tmp_path / "csv").iterdir()}
    assert ("调动限制.csv" if lang == "zh" else "move_rules.csv") in names
    assert st.load_county(tmp_path / "csv") == county
    if lang == "zh":
        header = (tmp_path / "csv" / "学校.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        assert {"锁定编制数", "每年最多调入人数", "每年最多调出人数"} <= set(header.split(","))


def test_a_fractional_lock_is_refused():
    rows = pd.DataFrame([school("A", pupils_primary=380, classes_primary=9, approved_quota=10,
                                staff_in_post=10, locked_quota="12.5")])
    with pytest.raises(StaffingDataError, match="whole number"):
        st.County(rows)


# ---------------------------------------------------------------------------- checker
def test_the_checker_reports_each_control_broken():
    county = english_county([("U-900", "R3", "allowed")], spare=3, R1={"max_moves_in": 0},
                            U={"locked_quota": 73})
    plan = st.optimize(county, NO_ITINERANT)
    assert plan_violations(county, NO_ITINERANT, plan) == []
    plan.quotas.loc["U", "new_quota"] = 74
    moves = plan.moves.copy()
    # the move to R3 is U-900's or an identical colleague's (equal optima): make it hers,
    # then send her to R1, which her allow-rule leaves out
    to_r3 = moves["to_school"].eq("R3")
    assert to_r3.sum() == 1
    moves.loc[to_r3, ["teacher_id", "to_school"]] = ["U-900", "R1"]
    plan.moves = moves
    found = "\n".join(plan_violations(county, NO_ITINERANT, plan))
    assert "≠ its locked quota 73" in found
    assert "U-900 moves to R1, not one of her allowed schools" in found
    assert "moves into it > its cap max_moves_in = 0" in found


# ---------------------------------------------------------------------------- random
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st_.integers(0, 50), picks=st_.integers(0, 10_000))
def test_random_controls_are_kept_by_every_plan(seed, picks):
    county = st.synth.county(seed=seed, n_schools=12)
    rng = np.random.default_rng(picks)
    s = county.schools.copy()
    t = county.teachers
    staying = s["staff_in_post"] - t[t["status"].eq("leaving")].groupby(
        "school_id").size().reindex(s.index, fill_value=0)
    room = county.county_total - int(staying.clip(lower=0).sum())
    locked = rng.choice(s.index, size=3, replace=False)
    extra = rng.integers(0, max(room, 0) // 3 + 1, size=3) if room > 0 else np.zeros(3, int)
    s["locked_quota"] = np.nan
    s.loc[locked, "locked_quota"] = (staying.clip(lower=0)[locked] + extra).to_numpy()
    for column in ("max_moves_in", "max_moves_out"):
        s[column] = np.where(rng.random(len(s)) < 0.4, rng.integers(0, 3, len(s)), np.nan)
    free = t.index[~t["pinned"].astype(bool)]
    who = rng.choice(free, size=min(15, len(free)), replace=False)
    targets = rng.choice(s.index, size=len(who))
    rules = pd.DataFrame({"teacher_id": who, "school_id": targets,
                          "rule": rng.choice(["allowed", "forbidden"], size=len(who))})
    rules = rules[rules["school_id"].to_numpy() != t.loc[who, "school_id"].to_numpy()]
    ruled = st.County(s.reset_index(), t.reset_index(), name=county.name,
                      county_total=county.county_total, move_rules=rules)
    plan = st.optimize(ruled, time_limit=20)
    assert plan.status in ("optimal", "feasible")
    assert plan_violations(ruled, st.Policy(), plan) == []


def test_consolidation_points_move_rules_at_the_receiving_school():
    from staffing.scenarios import consolidate

    county = st.synth.county(seed=1, n_schools=30)
    _, done = consolidate(county)
    merged, receiver = done["school_id"].iloc[0], done["merged_into"].iloc[0]
    t = county.teachers
    elsewhere = t.index[~t["school_id"].isin([merged, receiver]) & ~t["pinned"]][0]
    at_merged = t.index[t["school_id"].eq(merged) & ~t["pinned"]][0]
    rules = pd.DataFrame({"teacher_id": [elsewhere, at_merged], "school_id": [merged, receiver],
                          "rule": ["allowed", "forbidden"]})
    ruled = st.County(county.schools.reset_index(), t.reset_index(), name=county.name,
                      move_rules=rules)
    after, _ = consolidate(ruled)
    # The school she was allowed is now part of the receiver; the teacher of the merged
    # school now works at the school she was forbidden, so that rule is no move any more.
    assert after.move_rules.values.tolist() == [[elsewhere, receiver, "allowed"]]


def test_the_model_plans_no_itinerant_cover_only_a_teacher_with_rules_could_give():
    # U's only English teacher is U-900: without rules she covers part of R's English
    # need itinerantly; with any rule for her, nobody at U can, so the model plans none.
    from staffing.model.build import build_model, solve_model
    from staffing.model.solve import values

    county = two_school_english(u_english=0)

    def english_cover(rules) -> float:
        c = st.County(county.schools.reset_index(), county.teachers.reset_index(),
                      move_rules=rules)
        model = build_model(c)
        solve_model(model)
        arcs = model.blocks["itinerant"].arcs
        return float(values(arcs.loc[arcs["subject"].eq("english"), "var"].tolist()).sum())

    assert english_cover(None) > 0.3
    rules = pd.DataFrame({"teacher_id": ["U-900"], "school_id": ["R"], "rule": ["forbidden"]})
    assert english_cover(rules) == pytest.approx(0.0, abs=1e-9)


def test_announced_moves_beyond_a_cap_are_a_clear_error_not_an_infeasible_model():
    county = english_county(spare=3)
    first = st.optimize(county, NO_ITINERANT)
    assert len(moved(first)) == 3
    capped = english_county(spare=3, U={"max_moves_out": 1})
    with pytest.raises(StaffingDataError, match="3 moves announced in the previous plan"):
        st.optimize(capped, NO_ITINERANT, previous=first)
