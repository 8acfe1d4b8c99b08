"""Voluntary transfers (跨校竞聘): TO-BE, the DA* baseline, the audit and the hand-over."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.errors import StaffingDataError
from staffing.model.eligibility import eligibility
from staffing.transfers import (
    TransferSettings,
    audit,
    da_then_to_be,
    modified_da,
    read_preferences,
    settle_transfers,
    synthetic_preferences,
    to_be,
    voluntary_transfers,
)
from staffing.vocab import VISIT_KINDS

MECHANISMS = {
    "to_be": to_be,
    "to_be_no_consent": lambda *a: to_be(*a, school_consent=False),
    "da": modified_da,
    "da_to_be": da_then_to_be,
}
STRATEGY_PROOF = ("to_be", "to_be_no_consent", "da")


# ---------------------------------------------------------------------------- markets
@st_.composite
def markets(draw, max_teachers: int = 7, max_schools: int = 4):
    """A random subject market: current posts, lists, priorities (one common order or
    one per school) and vacancies."""
    n_s = draw(st_.integers(2, max_schools))
    n_t = draw(st_.integers(1, max_teachers))
    schools = [f"S{i}" for i in range(n_s)]
    teachers = [f"t{i}" for i in range(n_t)]
    current = {t: draw(st_.sampled_from(schools)) for t in teachers}
    prefs = {t: draw(st_.lists(st_.sampled_from(schools), max_size=n_s, unique=True))
             for t in teachers}
    if draw(st_.booleans()):
        order = draw(st_.permutations(teachers))
        priority = {s: list(order) for s in schools}
    else:
        priority = {s: list(draw(st_.permutations(teachers))) for s in schools}
    vac = draw(st_.dictionaries(st_.sampled_from(schools), st_.integers(1, 2), max_size=2))
    return current, prefs, priority, vac


def value(prefs: list[str], own: str, school: str) -> int:
    """Position of ``school`` in a teacher's true ranking (smaller is better); schools
    listed below her own school or not listed are worse than staying."""
    cut = prefs.index(own) if own in prefs else len(prefs)
    if school == own:
        return cut
    i = prefs.index(school) if school in prefs else len(prefs) + 1
    return i if i < cut else len(prefs) + 1


def posts(assignment: dict[str, str], vacancies: dict[str, int]) -> dict[str, int]:
    out = dict(vacancies)
    for s in assignment.values():
        out[s] = out.get(s, 0) + 1
    return {s: n for s, n in out.items() if n}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(), st_.sampled_from(sorted(MECHANISMS)))
def test_no_teacher_ends_below_her_current_post(market, name):
    current, prefs, priority, vac = market
    out = MECHANISMS[name](current, prefs, priority, vac)
    for t, own in current.items():
        assert value(prefs[t], own, out.assignment[t]) <= value(prefs[t], own, own)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(), st_.sampled_from(sorted(MECHANISMS)))
def test_posts_per_school_are_conserved(market, name):
    current, prefs, priority, vac = market
    out = MECHANISMS[name](current, prefs, priority, vac)
    assert posts(out.assignment, out.vacancies) == posts(current, vac)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(), st_.sampled_from(sorted(MECHANISMS)), st_.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_input_order(market, name, rnd):
    current, prefs, priority, vac = market

    def shuffled(d: dict) -> dict:
        keys = list(d)
        rnd.shuffle(keys)
        return {k: d[k] for k in keys}

    a = MECHANISMS[name](current, prefs, priority, vac)
    b = MECHANISMS[name](shuffled(current), shuffled(prefs), shuffled(priority), shuffled(vac))
    assert (a.assignment, a.via, a.vacancies) == (b.assignment, b.via, b.vacancies)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets())
def test_to_be_entrant_outranks_the_teacher_whose_post_she_takes(market):
    current, prefs, priority, vac = market
    out = to_be(current, prefs, priority, vac)
    rank = {s: {t: i for i, t in enumerate(order)} for s, order in priority.items()}
    for s in priority:
        comers = sorted((rank[s][t] for t, via in out.via.items()
                         if via == "exchange" and out.assignment[t] == s), reverse=True)
        leavers = sorted((rank[s][t] for t in current
                          if current[t] == s and out.assignment[t] != s), reverse=True)
        # Greedy: worst entrant against the worst leaver she can beat.
        for c in comers:
            beaten = [x for x in leavers if c < x]
            assert beaten, f"{s}: entrant with rank {c} outranks no leaver {leavers}"
            leavers.remove(beaten[0])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(max_teachers=5, max_schools=3), st_.sampled_from(STRATEGY_PROOF),
       st_.data())
def test_no_teacher_gains_by_misreporting(market, name, data):
    current, prefs, priority, vac = market
    mech = MECHANISMS[name]
    t = data.draw(st_.sampled_from(sorted(current)))
    truth = value(prefs[t], current[t], mech(current, prefs, priority, vac).assignment[t])
    schools = sorted(priority)
    for k in range(len(schools) + 1):
        for lie in itertools.permutations(schools, k):
            got = mech(current, {**prefs, t: list(lie)}, priority, vac).assignment[t]
            assert value(prefs[t], current[t], got) >= truth, (t, lie)


def test_reopening_vacated_posts_lets_a_teacher_gain_by_waiting():
    """Why ``transfer_reopen_vacated`` is off by default: with vacancy chains, t4 gets
    her first choice S2 only by listing a school she does not want first."""
    current = {"t0": "S0", "t1": "S0", "t2": "S1", "t3": "S0", "t4": "S1", "t5": "S2"}
    prefs = {"t0": ["S1"], "t1": ["S1", "S0", "S2"], "t2": ["S1", "S2"], "t3": ["S0", "S1"],
             "t4": ["S2"], "t5": ["S0", "S2", "S1"]}
    priority = {"S0": ["t0", "t5", "t4", "t3", "t2", "t1"],
                "S1": ["t2", "t5", "t1", "t0", "t3", "t4"],
                "S2": ["t5", "t0", "t4", "t1", "t2", "t3"]}
    vac = {"S1": 1, "S0": 1}
    truthful = to_be(current, prefs, priority, vac, reopen_vacated=True).assignment["t4"]
    lying = to_be(current, {**prefs, "t4": ["S2", "S0"]}, priority, vac,
                  reopen_vacated=True).assignment["t4"]
    assert (truthful, lying) == ("S1", "S2")
    assert to_be(current, {**prefs, "t4": ["S2", "S0"]}, priority, vac).assignment["t4"] != "S2"


def test_common_priorities_forbid_a_swap_under_to_be_but_not_under_da():
    current, prefs = {"a": "X", "b": "Y"}, {"a": ["Y"], "b": ["X"]}
    common = {"X": ["a", "b"], "Y": ["a", "b"]}
    assert to_be(current, prefs, common).assignment == current
    assert modified_da(current, prefs, common).assignment == {"a": "Y", "b": "X"}
    by_school = {"X": ["b", "a"], "Y": ["a", "b"]}
    assert to_be(current, prefs, by_school).assignment == {"a": "Y", "b": "X"}


def test_vacancy_goes_to_the_teacher_with_most_points_who_wants_it():
    current = {"hi": "A", "lo": "B"}
    prefs = {"hi": ["C"], "lo": ["C"]}
    priority = {s: ["hi", "lo"] for s in "ABC"}
    out = to_be(current, prefs, priority, {"C": 1})
    assert out.assignment == {"hi": "C", "lo": "B"} and out.vacancies == {"A": 1}


# ---------------------------------------------------------------------------- a county
@pytest.fixture(scope="module")
def county() -> st.County:
    return st.synth.county(seed=2, n_schools=40)


@pytest.fixture(scope="module")
def prefs(county) -> pd.DataFrame:
    return synthetic_preferences(county, seed=2)


def test_synthetic_preferences_lean_toward_the_county_seat(county, prefs):
    loc = county.schools["location"]
    asked = prefs.loc[prefs["rank"].eq(1), "school_id"].map(loc).value_counts(normalize=True)
    have = county.teachers["school_id"].map(loc).value_counts(normalize=True)
    assert asked["urban"] > 1.4 * have["urban"]
    assert prefs.equals(synthetic_preferences(county, seed=2))
    assert not prefs.equals(synthetic_preferences(county, seed=3))


@pytest.mark.parametrize("mechanism", ["to_be", "da", "da_to_be"])
@pytest.mark.parametrize("vacancies", [None, "leaving"])
def test_county_round_is_rational_conserving_and_deterministic(county, prefs, mechanism,
                                                               vacancies):
    run = lambda: voluntary_transfers(county, st.Policy(), prefs, vacancies=vacancies,  # noqa: E731
                                      mechanism=mechanism)
    plan = run()
    report = audit(plan, compare=False)
    figures = report.summary[mechanism]
    assert figures["worse_off"] == 0 and figures["posts_conserved"] == 1
    subject = county.teachers.loc[plan.moves["teacher_id"], "subject"].to_numpy()
    assert (plan.moves["subject"].to_numpy() == subject).all()
    assert plan.moves.equals(run().moves) and plan.assignment.equals(run().assignment)


def test_to_be_without_vacancies_leaves_no_school_worse_off(county, prefs):
    plan = voluntary_transfers(county, st.Policy(), prefs)
    assert audit(plan, compare=False).summary.loc["schools_worse_off", "to_be"] == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_da_then_to_be_moves_everyone_da_moves_and_more(seed):
    county = st.synth.county(seed=seed, n_schools=40)
    prefs = synthetic_preferences(county, seed=seed)
    report = audit(voluntary_transfers(county, st.Policy(), prefs, vacancies="leaving",
                                       mechanism="da_to_be"), compare=("da", "to_be"))
    da, both = report.plans["da"].assignment, report.plans["da_to_be"].assignment
    assert both.loc[da["moved"], "moved"].all()
    assert (both["rank_got"].fillna(99) <= da["rank_got"].fillna(99)).all()
    assert report.summary.loc["moved", "da_to_be"] >= report.summary.loc["moved", "da"]
    assert report.summary.loc["blocking_pairs_tenure", "da"] == 0


def test_dropping_school_consent_moves_more_teachers(county, prefs):
    strict = voluntary_transfers(county, st.Policy(), prefs)
    free = voluntary_transfers(county, st.Policy(), prefs,
                               settings=TransferSettings(transfer_school_consent=False))
    assert free.n_moved > strict.n_moved


def test_audit_reports_ranks_and_lists_blocking_pairs(county, prefs):
    report = audit(voluntary_transfers(county, st.Policy(), prefs, vacancies="leaving"))
    dist = report.rank_distribution
    assert list(dist.columns) == ["to_be", "da"]
    assert (dist.sum() == report.summary.loc["requesting"]).all()
    assert dist.loc["stayed"].tolist() == (report.summary.loc["requesting"]
                                           - report.summary.loc["moved"]).tolist()
    pairs = report.blocking["to_be"]
    assert len(pairs) == report.summary.loc["blocking_pairs", "to_be"]
    assert {"teacher_id", "school_id", "envied_teacher_id"} <= set(pairs.columns)


def test_family_points_toward_a_school_raise_priority_there_only(county):
    t = county.teachers
    a, b = t.index[t["status"].eq("in_post")][:2]
    sheet = pd.DataFrame({"teacher_id": [a], "rank": [1], "school_id": [t.at[b, "school_id"]],
                          "family_points": [50.0]})
    plan = voluntary_transfers(county, st.Policy(), sheet)
    assert plan.preferences["family_points"].tolist() == [50.0]
    assert plan.points.loc[a, "family_points"] == 0  # the bonus is toward one school only


def test_bad_preferences_list_every_problem(county):
    t = county.teachers.index[0]
    sheet = pd.DataFrame({"teacher_id": [t, t, "nobody"], "rank": [1, 1, 0],
                          "school_id": ["nowhere", county.schools.index[0],
                                        county.schools.index[1]]})
    with pytest.raises(StaffingDataError) as err:
        read_preferences(sheet, county)
    rules = " | ".join(p.rule for p in err.value.problems)
    assert "no teacher" in rules and "no school" in rules
    assert "whole number" in rules and "same rank" in rules
    assert len(err.value.problems) == 4


def test_ineligible_requesters_are_listed_not_dropped(county):
    t = county.teachers
    leaving = t.index[t["status"].eq("leaving")][0]
    other = t.index[t["status"].eq("in_post")][0]
    own = t.at[other, "school_id"]
    sheet = pd.DataFrame({"teacher_id": [leaving, other], "rank": [1, 1],
                          "school_id": [county.schools.index[0], own]})
    plan = voluntary_transfers(county, st.Policy(), sheet)
    assert plan.n_requesting == 0
    assert dict(zip(plan.excluded["teacher_id"], plan.excluded["reason"], strict=True)) == {
        leaving: "status", other: "own_school_first"}


def test_settled_county_pins_transferred_teachers_for_rotation(county, prefs):
    after, moves = settle_transfers(county, st.Policy(), prefs, vacancies="leaving")
    assert len(moves) > 0 and set(moves["kind"]) == {"transfer"}
    moved = after.teachers.loc[moves["teacher_id"]]
    assert (moved["school_id"].to_numpy() == moves["to_school"].to_numpy()).all()
    assert moved["pinned"].all() and moved["years_at_school"].eq(0).all()
    elig = eligibility(after, st.Policy())
    assert elig.loc[moves["teacher_id"], "reason"].eq("pinned").all()
    listed = after.teachers["school_id"].value_counts()
    assert (listed.reindex(after.schools.index, fill_value=0) <= after.schools["staff_in_post"]).all()
    assert int(after.schools["staff_in_post"].sum()) == int(county.schools["staff_in_post"].sum())


def test_no_preferences_means_no_moves(county):
    after, moves = settle_transfers(county, st.Policy(), None)
    assert after is county and moves.empty


def test_settings_follow_policy_fields_when_present():
    class WithFields:
        priority_weight_backbone = 5.0
        transfer_mechanism = "da"

    s = TransferSettings.from_policy(WithFields())
    assert (s.priority_weight_backbone, s.transfer_mechanism) == (5.0, "da")
    with pytest.raises(ValueError, match="transfer_mechanism"):
        TransferSettings(transfer_mechanism="boston")


def test_optimize_settles_transfers_first_and_never_moves_a_transferred_teacher_again():
    import staffing as st
    from staffing.transfers import synthetic_preferences

    county = st.synth.county(seed=2, n_schools=30)
    prefs = synthetic_preferences(county, 2)
    plan = st.optimize(county, preferences=prefs)
    assert len(plan.transfers)
    transferred = set(plan.transfers["teacher_id"])
    moved = plan.moves[~plan.moves["kind"].isin(VISIT_KINDS)]
    assert not transferred & set(moved["teacher_id"])
    # The plan is made on the county after transfers.
    at = plan.county.teachers.loc[plan.transfers["teacher_id"], "school_id"]
    assert (at.to_numpy() == plan.transfers["to_school"].to_numpy()).all()
    off = st.optimize(county, st.Policy(transfer_mode="off"), preferences=prefs)
    assert off.transfers.empty


@pytest.mark.parametrize("name,value", [
    ("priority_weight_backbone", -0.5), ("priority_weight_family", float("inf")),
    ("priority_weight_hardship", 2e6), ("priority_weight_service_years", "1"),
    ("transfer_mode", "later"), ("transfer_mechanism", "boston"),
    ("transfer_school_consent", 1), ("transfer_reopen_vacated", "yes")])
def test_transfer_settings_refuse_what_the_policy_refuses(name, value):
    # Each value breaks the field's documented rule (a weight is a number in [0, 1e6],
    # a mode or mechanism one of the listed names, a switch true or false).
    with pytest.raises(ValueError, match=name):
        st.Policy(**{name: value})
    with pytest.raises(ValueError, match=f"invalid transfer settings:\n  {name} = "):
        TransferSettings(**{name: value})
