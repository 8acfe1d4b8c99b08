"""Heads teach and exchange (issue 17; Chuxiong measures 2 and 8).

Expected numbers come from the documents' wording worked by hand: a village school of
≤ 200 pupils teaches on the 18-period small-school load (POLICY.md B), so a principal
teaching 2 periods covers 2/18 FTE; heads due after 6 years move only into a vacancy
for their role, urban heads toward rural schools. Random counties are checked by the
independent plan checker (:func:`staffing.testing.plan_violations`), which reads
the input tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.testing import county_of, plan_violations, school, teachers

LEGAL = ("optimal", "feasible")


def _urban(sid: str, lat: float) -> dict:
    return school(sid, location="urban", pupils_primary=300, classes_primary=6,
                  approved_quota=16, staff_in_post=16, lat=lat, lon=101.55)


def _rural(sid: str, lat: float, staff: int = 8) -> dict:
    return school(sid, location="rural", pupils_primary=120, classes_primary=6,
                  approved_quota=staff, staff_in_post=staff, lat=lat, lon=101.60)


def _urban_staff(sid: str) -> list[dict]:
    return teachers(sid, {"chinese": 5, "maths": 4, "english": 2, "general": 5})


def _head(rows: list[dict], i: int, role: str = "principal", years: int = 8) -> None:
    rows[i].update(role=role, years_at_school=years)


def _exchanges(plan) -> pd.DataFrame:
    return plan.moves[plan.moves["kind"].eq("principal_exchange")]


def test_two_due_principals_one_rural_vacancy_exactly_one_moves_there():
    # U1 and U2 have principals due (8 and 7 years ≥ 6); R has no principal: one vacancy.
    # Urban heads may go only to rural or weak schools, so R is the only target, and a
    # school takes one principal: exactly one moves, the nearer (U2, 0.06° closer).
    rows = _urban_staff("U1") + _urban_staff("U2") + teachers("R", {"chinese": 3, "maths": 2,
                                                                   "general": 3})
    _head(rows, 0, years=8)
    _head(rows, 16, years=7)
    county = county_of([_urban("U1", 25.03), _urban("U2", 25.04), _rural("R", 25.10)], rows)
    plan = st.optimize(county, mip_gap=0)
    assert plan.status in LEGAL
    moved = _exchanges(plan)
    assert moved[["teacher_id", "from_school", "to_school"]].values.tolist() == [
        ["U2-000", "U2", "R"]]
    assert moved["reason"].iloc[0].endswith("fills the vacant principal post at R")
    assert "校长交流" in moved["reason_zh"].iloc[0]
    assert plan_violations(county, st.Policy(), plan) == []
    # explain() names the due schools and the move; the shortfall is the one left behind.
    rules = plan.explain().set_index("key")
    assert rules.at["principal_exchange", "achieved"] == 1
    assert rules.at["principal_exchange", "shortfall"] == pytest.approx(1.0)
    assert "U2 → R" in rules.at["principal_exchange", "note"]
    blocks = plan.blocks.set_index("block")
    assert blocks.at["principal_exchange", "on"] and blocks.at["head_teaching", "on"]


def test_two_due_principals_without_vacancy_swap():
    # U and R each have a due principal and no post is vacant: the only exchange the
    # rules allow is a swap (U's to rural R; R's, from a rural school, anywhere).
    rows = _urban_staff("U") + teachers("R", {"chinese": 3, "maths": 2, "general": 3})
    _head(rows, 0, years=9)
    _head(rows, 16, years=6)
    county = county_of([_urban("U", 25.03), _rural("R", 25.10)], rows)
    plan = st.optimize(county, mip_gap=0)
    moved = _exchanges(plan)
    assert sorted(moved[["teacher_id", "to_school"]].values.tolist()) == [
        ["R-000", "U"], ["U-000", "R"]]
    assert plan_violations(county, st.Policy(), plan) == []


def test_due_head_stays_when_the_other_post_is_held():
    # R's principal is due, U's is not (2 years): no vacancy anywhere, so nobody moves,
    # and the explain row reports the one due head not exchanged.
    rows = _urban_staff("U") + teachers("R", {"chinese": 3, "maths": 2, "general": 3})
    _head(rows, 0, years=2)
    _head(rows, 16, years=10)
    county = county_of([_urban("U", 25.03), _rural("R", 25.10)], rows)
    plan = st.optimize(county, mip_gap=0)
    assert _exchanges(plan).empty
    assert plan.rotation["principals"]["due"] == ["R-000"]
    assert plan.rotation["principals"]["short"] == pytest.approx(1.0)
    # Switched off, nothing is due and the block says why.
    off = st.optimize(county, st.Policy(principal_exchange_enabled=False), mip_gap=0)
    assert off.rotation["principals"]["due"] == []
    assert not off.blocks.set_index("block").at["principal_exchange", "on"]


@pytest.mark.parametrize(("role", "field", "periods"), [
    ("principal", "principal_teaching_periods", 2.0),
    ("vice_principal", "vice_principal_teaching_periods", 4.0),
    ("party_secretary", "party_secretary_teaching_periods", 2.0),
    ("principal", "principal_teaching_periods", 6.0),
])
def test_head_counts_in_cover_at_minimum_load_not_a_full_teacher(role, field, periods):
    # R (120 pupils, rural primary: a small school on the 18-period load) has no maths
    # teacher but its head teaches maths: maths is covered periods/18 FTE, not 1 FTE;
    # English teachers cover only English and labour, so nothing else reaches maths.
    rows = _urban_staff("U") + teachers("R", {"english": 4, "maths": 1}, role=role,
                                        years_at_school=2)
    rows = [r if not (r["school_id"] == "R" and r["subject"] == "english") else
            {k: v for k, v in r.items() if k != "role"} for r in rows]
    county = county_of([_urban("U", 25.03), _rural("R", 25.10, staff=5)], rows)
    policy = st.Policy(**{field: periods, "rotation_enabled": True})
    plan = st.optimize(county, policy, mip_gap=0)
    cover = plan.coverage.loc[("R", "maths")]
    assert cover["covered_before"] == pytest.approx(round(periods / 18, 3))
    assert cover["need"] > periods / 18  # the need is larger: the head's load binds
    # The model counts the same: with no maths teacher able to arrive at R (U keeps its
    # 4 maths teachers for its own need), the unmet variable is need − periods/18.
    unmet = plan.model.blocks["rotation"].unmet[("R", "maths")].varValue
    arrived = plan.moves[(plan.moves["to_school"] == "R") & (plan.moves["subject"] == "maths")]
    # (plan.coverage rounds the need to 3 decimals)
    assert unmet == pytest.approx(cover["need"] - periods / 18 - len(arrived), abs=1e-3)


# --------------------------------------------------------------------------- hypothesis
def _with_heads(county: st.County, rng: np.random.Generator) -> st.County:
    """Give each school a principal (its longest-serving teacher) with random years,
    drop some (vacancies) and add a few vice principals and party secretaries."""
    t = county.teachers.copy()
    first = t.sort_values(["school_id", "years_at_school"], ascending=[True, False]
                          ).groupby("school_id").head(2)
    role = pd.Series("teacher", index=t.index, dtype=object)
    leads = first.groupby("school_id").head(1).index
    keep = leads[rng.random(len(leads)) < 0.7]
    role[keep] = "principal"
    seconds = first.index.difference(leads)
    role[seconds] = rng.choice(["teacher", "vice_principal", "party_secretary"], len(seconds))
    t["role"] = role
    heads = role.ne("teacher")
    service = st.Policy().plan_year - t["hire_year"]  # years there never exceed service
    drawn = pd.Series(rng.integers(0, 15, len(t)), index=t.index)
    t.loc[heads, "years_at_school"] = np.minimum(drawn, service)[heads]
    return st.County(county.schools.reset_index(), t.reset_index(), name=county.name,
                     county_total=county.county_total)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st_.integers(0, 2**16))
def test_heads_move_only_into_vacancies_and_loads_stay_non_negative(seed):
    rng = np.random.default_rng(seed)
    county = _with_heads(st.synth.county(seed=seed % 50, n_schools=12), rng)
    policy = st.Policy()
    plan = st.optimize(county, policy, time_limit=20)
    assert plan.status in LEGAL
    assert plan_violations(county, policy, plan) == []
    cover = plan.coverage
    assert (cover[["covered_before", "covered_after", "unmet_before", "unmet_after"]]
            >= -1e-9).all().all()
    heads = _exchanges(plan)
    assert (heads["fte"] >= 0).all() and (heads["fte"] <= 1).all()


# --------------------------------------------------------------------------- later years
@pytest.mark.parametrize(("role", "field", "periods"), [
    ("principal", "principal_teaching_periods", 2.0),
    ("vice_principal", "vice_principal_teaching_periods", 4.0),
])
def test_head_counts_at_minimum_load_in_the_later_years_too(role, field, periods):
    # As in year 0 (test above): R's head is its only maths teacher, R is a small rural
    # school on the 18-period load, so in every later year she covers periods/18 FTE of
    # maths, not a whole teacher. With a hiring budget of nought nobody arrives, so the
    # model's later-year unmet maths (R is a hire candidate for maths: its cover rows are
    # in the model) and plan.cover_by_year both leave need − periods/18.
    rows = _urban_staff("U") + teachers("R", {"english": 4, "maths": 1}, role=role,
                                        years_at_school=2)
    rows = [r if not (r["school_id"] == "R" and r["subject"] == "english") else
            {k: v for k, v in r.items() if k != "role"} for r in rows]
    county = county_of([_urban("U", 25.03), _rural("R", 25.10, staff=5)], rows)
    policy = st.Policy(**{field: periods})
    plan = st.optimize(county, policy, mip_gap=0, horizon=2, hiring_budget=0)
    assert plan.status in LEGAL
    assert plan.hires.empty
    head = periods / 18
    cover = plan.cover_by_year.set_index(["school_id", "subject", "year"])
    for year in (2027, 2028):
        row = cover.loc[("R", "maths", year)]
        assert row["need"] > 1.0  # a whole teacher would have covered 1 FTE
        assert row["covered"] == pytest.approx(round(head, 3), abs=1e-3)
        assert row["unmet"] == pytest.approx(row["need"] - head, abs=2e-3)
    unmet = plan.model.blocks["hiring"].unmet
    for t, year in ((1, 2027), (2, 2028)):
        need = cover.loc[("R", "maths", year), "need"]
        assert unmet[("R", "maths", t)].varValue == pytest.approx(need - head, abs=2e-3)


# --------------------------------------------------------------------------- second formulation
def _hand_counties() -> list[st.County]:
    """The hand-built counties above: a vacancy two due heads compete for, a swap, a
    head who stays, and a head who is her school's only maths teacher."""
    out = []
    rows = _urban_staff("U1") + _urban_staff("U2") + teachers("R", {"chinese": 3, "maths": 2,
                                                                   "general": 3})
    _head(rows, 0, years=8)
    _head(rows, 16, years=7)
    out.append(county_of([_urban("U1", 25.03), _urban("U2", 25.04), _rural("R", 25.10)], rows))
    for years in ((9, 6), (2, 10)):
        rows = _urban_staff("U") + teachers("R", {"chinese": 3, "maths": 2, "general": 3})
        _head(rows, 0, years=years[0])
        _head(rows, 16, years=years[1])
        out.append(county_of([_urban("U", 25.03), _rural("R", 25.10)], rows))
    rows = _urban_staff("U") + teachers("R", {"english": 4, "maths": 1}, role="vice_principal",
                                        years_at_school=2)
    rows = [r if not (r["school_id"] == "R" and r["subject"] == "english") else
            {k: v for k, v in r.items() if k != "role"} for r in rows]
    out.append(county_of([_urban("U", 25.03), _rural("R", 25.10, staff=5)], rows))
    return out


@pytest.mark.parametrize("case", ["hand-0", "hand-1", "hand-2", "hand-3",
                                  "synth-0", "synth-1", "synth-2"])
def test_teacher_level_model_with_heads_reaches_the_same_optimum(case):
    # staffing.testing.teacher_level_model writes the heads' cover and exchange per head
    # from docs/concepts.md (one binary per head and target, its own load lookup and
    # slot rows): equal optima are evidence the aggregated block is right.
    from staffing.model.solve import solve
    from staffing.testing import teacher_level_model

    kind, n = case.split("-")
    if kind == "hand":
        county = _hand_counties()[int(n)]
    else:
        county = st.synth.county(seed=int(n), n_schools=12, heads=True)
        assert county.teachers["role"].astype(str).ne("teacher").any()
    policy = st.Policy(rotation_enabled=True)
    plan = st.optimize(county, policy, mip_gap=0.0)
    stats = solve(teacher_level_model(county, policy), time_limit=120, mip_gap=0.0)
    assert plan.status == stats.status == "optimal"
    assert plan.objective == pytest.approx(stats.objective, rel=1e-6, abs=1e-4)
