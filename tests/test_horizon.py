"""Multi-year planning (issue 6): quotas, recruitment and pool loans over years 0 … H.

Chuxiong measures 7 (new rural teachers shadow-train first), 9 (urgent-need subjects
≥ 30% of hires; recruitment approved a year ahead) and 10 (the turnover pool within
a fixed county total). Every check reconstructs what it can from the county's own
tables (teachers, retirement dates, moves, hires) rather than reading the model back.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing.model.hiring import hire_candidates
from staffing.model.horizon import shadow_host_schools
from staffing.model.quota import reserve_minimum
from staffing.needs import needs_gap
from staffing.retirement import retirement_dates
from staffing.testing import assert_plan_equal
from staffing.vocab import VISIT_KINDS

sys.path.insert(0, str(Path(__file__).parent))
from fair_reference import need_cost, need_pieces, school_premium, step_multipliers  # noqa: E402
from rotation_builders import english_county, school_row, staff_school  # noqa: E402

#: The hand-built counties below were worked out without mental-health teachers (measure
#: 17, tests/test_mental_health.py): no school of theirs needs one under these values.
NO_MENTAL_HEALTH = {"mental_health_part_time_fte": 0.0, "mental_health_full_time_pupils": 10_000.0}

DEMO = Path(__file__).parents[1] / "examples" / "data" / "demo_county.xlsx"
CORE = ("chinese", "maths", "morality_law", "science")  # what a general (全科) teacher covers


# ---------------------------------------------------------------- hand-built county
def music_county(*, r_location: str = "rural", r_approved: int = 10,
                 u_approved: int = 22) -> st.County:
    """An urban quality primary school U and a village school R about 10 road km away.

    R's only music teacher (R-900, a woman born 15 Sept 1971) retires on 15 March 2027
    under the 2025 reform (55 years + 6 months), leaving R's 0.67 FTE music need
    uncovered from school year 2027. Nobody may rotate (two years at their school), U
    has no spare music teacher, so only a hire fills that gap. U lacks English (0.89
    FTE) and some labour cover (0.59 FTE before hires).

    By hand (12 classes: 4 in grades 1–2, 8 in grades 3–6; loads 14 for Chinese and
    maths, 18 otherwise): U's labour need is (4 × 3 + 8 × 5) / 18 = 2.89 FTE; its one
    labour teacher and the spare periods of Chinese (6 − 80/14 = 0.29), maths
    (4 − 48/14 = 0.57) and science (2 − 28/18 = 0.44) leave 0.59 uncovered. The core
    gaps a general (全科) hire would cover stay below 0.5 (morality & law 24/18 − 1 =
    0.33), so the hire candidates are R music, U English and U labour.
    """
    schools = [
        school_row("U", is_quality=True, pupils_primary=380, classes_primary=12,
                   approved_quota=u_approved, staff_in_post=18),
        school_row("R", location=r_location, township="碧城镇", pupils_primary=150,
                   classes_primary=6, approved_quota=r_approved, staff_in_post=9,
                   lat=25.03, lon=101.62),
    ]
    teachers = (
        staff_school("U", {"chinese": 6, "maths": 4, "morality_law": 1, "science": 2, "pe": 2,
                           "music": 1, "art": 1, "labour": 1})
        + staff_school("R", {"chinese": 2, "maths": 2, "general": 2, "pe": 1, "art": 1})
        + staff_school("R", {"music": 1}, start=900, birth_date=pd.Timestamp("1971-09-15"),
                       birth_year=1971, hire_year=1992)
    )
    return st.County(pd.DataFrame(schools), pd.DataFrame(teachers), name="music")


# ---------------------------------------------------------------- independent reconstructions
def retired_by(teachers: pd.DataFrame, policy: st.Policy, t: int) -> pd.Series:
    """True for teachers whose post is vacant in planning year ``t`` (≥ 1): statutory
    retirement on or before 1 September of ``plan_year + t``."""
    dates = retirement_dates(teachers, policy)["retirement_date"]
    return dates <= pd.Timestamp(policy.plan_year + t, 9, 1)


def staying_teachers(county: st.County) -> pd.DataFrame:
    t = county.teachers
    return t[t["status"].ne("leaving")]


def school_after_moves(plan: st.Plan, teachers: pd.DataFrame, posts: bool = False
                       ) -> pd.Series:
    """Each teacher's school after the plan's permanent moves (itinerant staff stay);
    with ``posts``, the school whose post she holds: only moves of the kinds in
    ``Policy.post_moves_with`` take it along (a term move keeps it at home)."""
    kept = (plan.moves["kind"].isin(plan.policy.post_moves_with) if posts
            else ~plan.moves["kind"].isin(VISIT_KINDS))
    moves = plan.moves[kept & plan.moves["teacher_id"].isin(teachers.index)]
    where = teachers["school_id"].copy()
    where.loc[moves["teacher_id"].to_numpy()] = moves["to_school"].to_numpy()
    return where


def staff_holding_posts(plan: st.Plan) -> pd.DataFrame:
    """School × planning year: staff holding a post after moves, retirements and hires.

    Staff not listed in the teachers table stay (nobody knows their retirement date);
    listed teachers count at the school whose post they hold after moves (a term move
    keeps it at home, ``Policy.post_moves_with``) until their retirement empties the
    post; hires count from their (calendar) year.
    """
    county, policy = plan.county, plan.policy
    index = county.schools.index
    teachers = staying_teachers(county)
    listed_all = county.teachers.groupby("school_id").size().reindex(index, fill_value=0)
    listed = teachers.groupby("school_id").size().reindex(index, fill_value=0)
    leavers = listed_all - listed
    unlisted = (county.schools["staff_in_post"] - leavers).clip(lower=0) - listed
    where = school_after_moves(plan, teachers, posts=True)
    out = {}
    for t in range(plan.horizon + 1):
        here = where if t == 0 else where[~retired_by(teachers, policy, t)]
        hired = plan.hires.loc[plan.hires["year"] <= policy.plan_year + t]
        out[t] = (unlisted + here.value_counts().reindex(index, fill_value=0)
                  + hired.groupby("school_id")["count"].sum().reindex(index, fill_value=0))
    return pd.DataFrame(out)


def hires_by_year(plan: st.Plan) -> pd.DataFrame:
    """Hires and urgent-subject hires per calendar year, from ``plan.hires`` rows."""
    h = plan.hires.assign(is_urgent=plan.hires["subject"].isin(plan.policy.urgent_subjects))
    return pd.DataFrame({
        "hires": h.groupby("year")["count"].sum(),
        "urgent": h[h["is_urgent"]].groupby("year")["count"].sum(),
    }).fillna(0).astype(int)


def ledger_rows(plan: st.Plan, year: int, entry: str) -> pd.DataFrame:
    p = plan.pool
    return p[p["year"].eq(year) & p["entry"].eq(entry)]


def loans_outstanding(plan: st.Plan) -> pd.Series:
    """Posts on loan at the end of each calendar year, from the ledger's memo lines."""
    p = plan.pool
    years = sorted(p["year"].unique())
    lent = p[p["entry"].eq("loan")].groupby("year")["posts"].sum().reindex(years, fill_value=0)
    repaid = p[p["entry"].eq("repayment")].groupby("year")["posts"].sum().reindex(
        years, fill_value=0)
    return (lent - repaid).cumsum()


def check_multiyear_invariants(plan: st.Plan, budget=None) -> None:
    """The rules every multi-year plan keeps, checked from its tables."""
    county, policy = plan.county, plan.policy
    first, last = policy.plan_year, policy.plan_year + plan.horizon
    hires = plan.hires
    quota = plan.quota_path["quota"]
    assert list(quota.columns) == list(range(first, last + 1))

    # Measure 9: approved a year ahead, so nobody is hired for the plan year itself.
    assert (hires["year"] > first).all() and (hires["year"] <= last).all()
    assert (hires["approval_year"] == hires["year"] - 1).all()
    assert (hires["count"] > 0).all()
    assert (hires["urgent"] == hires["subject"].isin(policy.urgent_subjects)).all()

    # Measure 9: urgent-need subjects ≥ urgent_share_min of each year's hires.
    per_year = hires_by_year(plan)
    for year, row in per_year.iterrows():
        assert row["urgent"] >= policy.urgent_share_min * row["hires"] - 1e-9, year
        assert plan.years.loc["hires", year] == row["hires"]
        assert plan.years.loc["urgent_hires", year] == row["urgent"]
    assert plan.years.loc["hires"].drop(per_year.index).eq(0).all()
    if budget is not None:
        limits = ({y: budget for y in range(first + 1, last + 1)} if isinstance(budget, int)
                  else budget)
        for year, row in per_year.iterrows():
            assert row["hires"] <= limits.get(year, np.inf), year

    # Measure 7: rural recruits shadow-train first, at a host when the county has one
    # within reach.
    rural = hires["location"].eq("rural")
    delay = np.where(rural, policy.shadow_training_years, 0)
    assert (hires["teaching_from"] == hires["year"] + delay).all()
    if policy.shadow_training_years > 0 and len(shadow_host_schools(county.schools)):
        trainees = hires[rural]
        placed = trainees["host_school"].ne("") | trainees["host_basis"].eq(
            "no host within reach")
        assert placed.all()
        hosted = trainees[trainees["host_school"].ne("")]
        assert hosted["host_school"].isin(shadow_host_schools(county.schools)).all()

    # Hires fill vacancies only: staff holding posts ≤ that year's quota, every school.
    staff = staff_holding_posts(plan)
    over = staff.to_numpy() > quota.to_numpy()
    assert not over.any(), staff.where(over).stack()

    # Measure 10: the county total is never exceeded, in any year.
    assert (quota.sum() <= county.county_total + plan.years.loc["over_county_total"]).all()
    if plan.years.loc["over_county_total"].eq(0).all():
        assert (quota.sum() <= county.county_total).all()

    # The pool ledger balances each year and carries its balance into the next.
    previous_closing = None
    for year in quota.columns:
        opening = ledger_rows(plan, year, "opening")["balance"].item()
        closing = ledger_rows(plan, year, "closing")["balance"].item()
        released = ledger_rows(plan, year, "release")["posts"].sum()
        drawn = ledger_rows(plan, year, "draw")["posts"].sum()
        assert closing == opening + released - drawn
        assert closing == county.county_total - quota[year].sum()
        assert plan.years.loc["pool_balance", year] == closing
        if previous_closing is not None:
            assert opening == previous_closing
        previous_closing = closing

    # Pool loans never exceed what the reserve holds back, and need a reserve.
    minimum = reserve_minimum(county.county_total, policy)
    outstanding = loans_outstanding(plan)
    assert (outstanding >= 0).all() and (outstanding <= minimum).all()
    assert (plan.years.loc["pool_loan"].to_numpy() == outstanding.to_numpy()).all()
    if policy.pool_reserve_share == 0:
        assert not plan.pool["entry"].isin(["loan", "repayment"]).any()
        assert plan.years.loc["pool_loan"].eq(0).all()


# ---------------------------------------------------------------- 1. invariants
budgets = st_.one_of(
    st_.none(),
    st_.integers(0, 8),
    st_.dictionaries(st_.integers(2027, 2029), st_.integers(0, 6), max_size=2),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st_.integers(0, 10_000), n=st_.integers(12, 18), horizon=st_.integers(1, 3),
       urgent=st_.floats(0.0, 0.6), reserve=st_.sampled_from([0.0, 0.03]), budget=budgets)
def test_every_multiyear_plan_keeps_the_rules(seed, n, horizon, urgent, reserve, budget):
    county = st.synth.county(seed=seed, n_schools=n)
    policy = st.Policy(urgent_share_min=urgent, pool_reserve_share=reserve)
    plan = st.optimize(county, policy, horizon=horizon, hiring_budget=budget)
    assert plan.status in ("optimal", "feasible")
    assert plan.horizon == horizon
    assert list(plan.years.columns) == list(range(2026, 2027 + horizon))
    check_multiyear_invariants(plan, budget)


def test_a_budget_of_nought_in_one_year_stops_hiring_that_year_only():
    county = st.synth.county(seed=1, n_schools=20)
    free = st.optimize(county, horizon=2)
    assert free.years.loc["hires", 2027] > 0
    capped = st.optimize(county, horizon=2, hiring_budget={2027: 0})
    assert capped.years.loc["hires", 2027] == 0
    assert capped.years.loc["hires", 2028] > 0
    check_multiyear_invariants(capped, {2027: 0})


def test_a_high_urgent_share_is_kept_even_when_core_subjects_are_short():
    county = st.synth.county(seed=1, n_schools=20)
    plan = st.optimize(county, st.Policy(urgent_share_min=0.6, weight_hire=50.0), horizon=2)
    per_year = hires_by_year(plan)
    assert per_year["hires"].sum() > 0
    assert (per_year["urgent"] >= 0.6 * per_year["hires"]).all()


# ---------------------------------------------------------------- 2. retirements
def test_music_teacher_retiring_in_march_2027_is_replaced_by_a_music_hire():
    plan = st.optimize(music_county(), horizon=2)
    assert plan.status == "optimal"
    r = plan.retirements.set_index("teacher_id")
    assert list(r.index) == ["R-900"]
    assert r.loc["R-900", "retirement_date"] == pd.Timestamp("2027-03-15")
    assert r.loc["R-900", "vacant_from"] == 2027
    assert (r.loc["R-900", "school_id"], r.loc["R-900", "subject"]) == ("R", "music")
    assert plan.years.loc["retirements"].tolist() == [0, 1, 0]
    at_r = plan.hires[plan.hires["school_id"].eq("R")]
    assert at_r[["subject", "year", "approval_year", "count"]].values.tolist() == [
        ["music", 2027, 2026, 1]]
    assert at_r["host_school"].tolist() == ["U"]  # the urban quality school mentors her


def test_retirement_dates_decide_the_school_year_a_post_falls_vacant():
    county = music_county()
    teachers = county.teachers.reset_index()
    # Men under the 2025 reform: born 1 Oct 1966 → 60 y 6 m → 1 April 2027 (vacant in
    # 2027); born 1 Feb 1967 → 60 y 7 m → 1 September 2027, the first day of school
    # year 2027 (vacant in 2027); born 1 March 1967 → 60 y 7 m → 1 October 2027, a
    # month into the school year (vacant in 2028).
    extra = [row for n, born in enumerate(["1966-10-01", "1967-02-01", "1967-03-01"])
             for row in staff_school("U", {"chinese": 1}, start=800 + n, sex="male",
                                     birth_date=pd.Timestamp(born), birth_year=int(born[:4]))]
    schools = county.schools.reset_index()
    schools.loc[schools["school_id"].eq("U"), "staff_in_post"] += 3
    county = st.County(schools, pd.concat([teachers, pd.DataFrame(extra)]), name="three more")
    plan = st.optimize(county, horizon=2)
    r = plan.retirements.set_index("teacher_id")
    assert r.loc[["U-800", "U-801", "U-802"], "retirement_date"].tolist() == [
        pd.Timestamp("2027-04-01"), pd.Timestamp("2027-09-01"), pd.Timestamp("2027-10-01")]
    assert r.loc[["U-800", "U-801", "U-802"], "vacant_from"].tolist() == [2027, 2027, 2028]
    assert plan.model.horizon.holding.loc["U"].tolist() == [21 - 2, 21 - 3]
    assert plan.years.loc["retirements"].tolist() == [0, 3, 1]


@pytest.fixture(scope="module")
def demo_plan() -> st.Plan:
    return st.optimize(st.load_county(DEMO), horizon=5, mip_gap=0)


def test_demo_county_retirements_open_vacancies_that_hires_fill(demo_plan):
    plan = demo_plan
    assert plan.status == "optimal" and plan.horizon == 5
    retire = plan.retirements
    assert len(retire) > 0 and retire["vacant_from"].between(2027, 2031).all()
    assert (retire["retirement_date"] <= pd.to_datetime(
        retire["vacant_from"].astype(str) + "-09-01")).all()
    assert plan.years.loc["retirements"].sum() == len(retire)
    # The posts listed teachers leave, year by year, are what the model holds.
    county = plan.county
    teachers = staying_teachers(county)
    floor = plan.model.inputs.schools["floor"]
    for t in range(1, 6):
        gone = teachers[retired_by(teachers, plan.policy, t)].groupby("school_id").size()
        expected = (floor - gone.reindex(floor.index, fill_value=0)).clip(lower=0)
        pd.testing.assert_series_equal(plan.model.horizon.holding[t], expected,
                                       check_names=False)
    assert plan.years.loc["hires"].sum() > 0
    check_multiyear_invariants(plan)


def test_demo_county_hires_fill_real_gaps_in_their_own_subject(demo_plan):
    """Each hire row is needed: without it its school has more uncovered need in the
    hire's subject (or what that subject covers) than the row's other hires can fill,
    in some year it teaches; and no one is hired who would not teach within the plan."""
    plan = demo_plan
    policy, hz = plan.policy, plan.model.horizon
    last = policy.plan_year + plan.horizon
    assert (plan.hires["teaching_from"] <= last).all()
    teachers = staying_teachers(plan.county)
    in_post = teachers[teachers["status"].eq("in_post")]
    where = school_after_moves(plan, in_post)
    rows = plan.hires.groupby(["school_id", "subject", "year", "teaching_from"],
                              as_index=False)["count"].sum()
    for row in rows.itertuples():
        covers = [row.subject, *policy.subject_cover.get(row.subject, ())]
        best = 0.0
        for year in range(row.teaching_from, last + 1):
            t = year - policy.plan_year
            gone = retired_by(in_post, policy, t)
            staff = in_post.loc[~gone & where.eq(row.school_id), "subject"]
            counts = staff.value_counts()
            teaching = plan.hires[plan.hires["school_id"].eq(row.school_id)
                                  & (plan.hires["teaching_from"] <= year)]
            counts = counts.add(teaching.groupby("subject")["count"].sum(), fill_value=0)
            counts.loc[row.subject] = counts.get(row.subject, 0) - row.count
            need = hz.needs[t].loc[[row.school_id]]
            frame = counts.reindex(need.columns, fill_value=0).to_frame(row.school_id).T
            gap = needs_gap(need, frame, policy).loc[row.school_id, covers].sum()
            best = max(best, gap)
        assert best > row.count - 1 + 1e-6, row


# ---------------------------------------------------------------- 3. shadow training
def test_rural_hire_covers_nothing_in_the_year_of_shadow_training():
    plan = st.optimize(music_county(), horizon=2)
    hire = plan.hires[plan.hires["school_id"].eq("R")].iloc[0]
    assert (hire.subject, hire.year, hire.teaching_from) == ("music", 2027, 2028)
    assert plan.years.loc["rural_trainees"].tolist() == [0, 1, 0]
    cover = plan.cover_by_year.set_index(["school_id", "subject", "year"])
    assert cover.loc[("R", "music", 2027), "covered"] == 0
    assert cover.loc[("R", "music", 2027), "unmet"] == pytest.approx(0.667)
    assert cover.loc[("R", "music", 2028), "unmet"] == 0
    assert plan.moves.loc[plan.moves["subject"].eq("music")].empty


def test_town_hire_teaches_in_the_year_it_is_hired():
    plan = st.optimize(music_county(r_location="town"), horizon=2)
    hire = plan.hires[plan.hires["school_id"].eq("R") & plan.hires["subject"].eq("music")]
    assert hire[["year", "teaching_from", "host_school"]].values.tolist() == [[2027, 2027, ""]]
    cover = plan.cover_by_year.set_index(["school_id", "subject", "year"])
    assert cover.loc[("R", "music", 2027), "unmet"] == 0


def test_without_shadow_training_the_rural_hire_teaches_at_once():
    plan = st.optimize(music_county(), st.Policy(shadow_training_years=0), horizon=2)
    hire = plan.hires[plan.hires["school_id"].eq("R")].iloc[0]
    assert (hire.year, hire.teaching_from, hire.host_school) == (2027, 2027, "")
    assert plan.years.loc["rural_trainees"].eq(0).all()


def test_a_rural_hire_is_never_made_in_the_last_year_when_it_would_only_train():
    # In a one-year plan R's recruit would shadow-train through the whole horizon:
    # a cost with no cover, so the plan does without.
    plan = st.optimize(music_county(), horizon=1, mip_gap=0)
    assert plan.hires[plan.hires["location"].eq("rural")].empty


# ---------------------------------------------------------------- 4. mentor capacity
def test_one_trainee_per_host_caps_rural_recruits_in_training():
    # Seed 2: with town schools rotating too (城镇 = urban + town), seed 1's rural gaps
    # are mostly filled by moves and its roomy plan trains only 2 recruits, so the cap
    # of 3 hosts would not bind there.
    county = st.synth.county(seed=2, n_schools=20)
    hosts = shadow_host_schools(county.schools)
    by_hand = county.schools.index[
        (county.schools["is_quality"] & county.schools["location"].eq("urban"))
        | county.schools["is_central"]]
    assert list(hosts) == list(by_hand) and len(hosts) >= 1
    roomy = st.optimize(county, horizon=3)
    assert roomy.years.loc["rural_trainees"].max() > len(hosts)  # the cap would bind
    plan = st.optimize(county, st.Policy(mentor_capacity_per_host=1), horizon=3)
    trainees = plan.hires[plan.hires["location"].eq("rural")]
    for year in plan.years.columns:
        training = trainees[(trainees["year"] <= year) & (trainees["teaching_from"] > year)]
        assert training["count"].sum() <= len(hosts)
        assert plan.years.loc["rural_trainees", year] == training["count"].sum()
        per_host = training[training["host_school"].ne("")].groupby("host_school")["count"].sum()
        assert (per_host <= 1).all()
    check_multiyear_invariants(plan)


# ---------------------------------------------------------------- 5. pool loans
@pytest.fixture(scope="module")
def loan_plans() -> dict[int, st.Plan]:
    county = st.synth.county(seed=0, n_schools=24)
    return {years: st.optimize(county, st.Policy(pool_reserve_share=0.05,
                                                  pool_loan_years=years), horizon=3)
            for years in (1, 3)}


def test_pool_lends_its_reserve_against_attrition(loan_plans):
    for years, plan in loan_plans.items():
        loans = plan.pool[plan.pool["entry"].eq("loan")]
        assert len(loans) > 0 and plan.years.loc["pool_loan"].max() > 0
        assert (loans["repay_by"] <= loans["year"] + years).all()
        assert (loans["repay_by"] > loans["year"]).all()
        # Repayments come from the attrition of schools above norm, year by year.
        hz = plan.model.horizon
        repaid = plan.pool[plan.pool["entry"].eq("repayment")]
        for row in repaid.itertuples():
            assert row.posts <= hz.attrition[row.year - plan.policy.plan_year]
        check_multiyear_invariants(plan)


def test_pool_loan_keeps_the_reserve_and_county_total(loan_plans):
    for plan in loan_plans.values():
        total = plan.county.county_total
        minimum = reserve_minimum(total, plan.policy)
        quota = plan.quota_path["quota"]
        assert (quota.sum() <= total).all()
        closing = plan.years.loc["pool_balance"]
        assert (closing >= 0).all()
        # Staff already holding a post (before this plan's hires) fit within the total,
        # so nothing goes over it; the reserve keeps its minimum, or all the room those
        # staff leave when that is less, and dips below that by at most what is on loan.
        holding = plan.years.loc["staff"] - plan.years.loc["hires"].cumsum()
        assert (holding <= total).all() and (plan.years.loc["over_county_total"] == 0).all()
        floor = np.minimum(minimum, total - holding)
        assert (closing + plan.years.loc["pool_loan"] >= floor).all()


def test_shorter_loans_lend_no_more(loan_plans):
    short, long = loan_plans[1], loan_plans[3]
    lent = {y: p.pool.loc[p.pool["entry"].eq("loan"), "posts"].sum()
            for y, p in loan_plans.items()}
    assert lent[1] <= lent[3]
    assert (short.years.loc["pool_loan"] <= long.years.loc["pool_loan"]).all()
    # Everything lent by a year is repaid by attrition within pool_loan_years of it.
    hz = short.model.horizon
    cumulative = short.pool[short.pool["entry"].eq("loan")].groupby("year")["posts"].sum()
    cumulative = cumulative.reindex(short.years.columns, fill_value=0).cumsum()
    for year, owed in cumulative.items():
        t = year - short.policy.plan_year
        assert owed <= hz.attrition.loc[1:t + 1].sum()


# ---------------------------------------------------------------- 6. horizon 0, arguments
def test_horizon_nought_is_the_single_year_plan():
    county = st.synth.county(seed=4, n_schools=15)
    one = st.optimize(county)
    zero = st.optimize(county, horizon=0)
    assert_plan_equal(one, zero)
    pd.testing.assert_frame_equal(one.pool, zero.pool)
    assert one.objective == zero.objective
    assert zero.horizon == 0 and zero.hires.empty and zero.years.empty
    assert not any(c.startswith("new_quota_") for c in zero.quotas.columns)


def test_later_years_add_columns_without_changing_the_year_zero_table():
    county = st.synth.county(seed=4, n_schools=15)
    plan = st.optimize(county, horizon=2)
    assert [c for c in plan.quotas.columns if c.startswith("new_quota_")] == [
        "new_quota_2027", "new_quota_2028"]
    q = plan.quota_path["quota"]
    assert (plan.quotas["new_quota"] == q[2026]).all()
    assert (plan.quotas["new_quota_2028"] == q[2028]).all()


@pytest.mark.parametrize("horizon", [-1, 1.5, True])
def test_horizon_must_be_a_whole_number_of_years(horizon):
    county = st.synth.county(seed=4, n_schools=12, teachers=False)
    with pytest.raises(ValueError, match="horizon"):
        st.optimize(county, horizon=horizon)


def test_hiring_budget_needs_a_horizon():
    county = st.synth.county(seed=4, n_schools=12)
    with pytest.raises(ValueError, match="hiring_budget"):
        st.optimize(county, hiring_budget=5)
    with pytest.raises(ValueError, match="hiring_budget"):
        st.optimize(county, horizon=1, hiring_budget=-1)
    with pytest.raises(ValueError, match="hiring_budget"):
        st.optimize(county, horizon=1, hiring_budget={2027: -2})


def test_county_without_teachers_plans_quotas_and_hires_nobody():
    county = st.synth.county(seed=4, n_schools=12, teachers=False)
    plan = st.optimize(county, horizon=2)
    assert plan.status == "optimal" and plan.hires.empty
    assert plan.retirements.empty and plan.cover_by_year.empty
    assert (plan.quota_path["quota"].sum() <= county.county_total).all()


# ---------------------------------------------------------------- 7. brute-force optimum
def weighted_unmet(need: pd.Series, staff: dict[str, int], rural: bool,
                   policy: st.Policy, premium: float) -> float:
    """Least weighted unmet need of one school and year, by the documented cover rule.

    Own teachers cover their subject; general (全科) teachers the core subjects; any
    spare time covers labour. Each FTE unmet is priced on the convex need curve
    (tests/fair_reference.py) times the subject's weight and the school's premium.
    Every step of a named subject (≥ 1000 × 1.06) is dearer than any of labour's
    (≤ 500 × 1.44), so own cover, then general cover of the core subjects — dearest
    piece of need first, the pieces of a convex price — then labour is optimal (an
    exchange argument): no LP solver is needed.
    """
    weight = {j: policy.weight_unmet_need * (policy.weight_unmet_urgent
                                             if j in policy.urgent_subjects else 1.0)
              * (policy.weight_rural if rural else 1.0)
              * (policy.weight_unmet_labour if j == "labour" else 1.0) for j in need.index}
    covered = {j: min(need[j], staff.get(j, 0)) for j in need.index if j != "general"}
    spare = sum(staff.get(k, 0) - covered.get(k, 0) for k in staff if k != "general")
    general = float(staff.get("general", 0))
    pieces = sorted(((weight[j] * price, j, fte) for j in CORE if need.get(j, 0) > 0
                     for price, fte in need_pieces(need[j], need[j] - covered[j])),
                    reverse=True)
    for _, j, fte in pieces:
        take = min(general, fte)
        covered[j] += take
        general -= take
    covered["labour"] += min(spare + general, need.get("labour", 0) - covered["labour"])
    return premium * sum(weight[j] * need_cost(need[j], need[j] - covered[j])
                         for j in need.index if need[j] > 0)


def quota_cost(plan: st.Plan, lows: dict[int, np.ndarray], staying: dict[int, int]) -> float:
    """Least cost of quotas for years 0 … H with the given lower bounds, by dynamic
    programming over every quota vector (convex shortfall, surplus, change and county
    total). ``staying``: staff holding a post each year whatever the plan does — above
    the total they are over it (that excess is fixed); otherwise Σ quota + reserve ≤
    total, the reserve keeping its minimum or all the room the staff leave."""
    policy, county = plan.policy, plan.county
    s = county.schools
    rural = s["location"].eq("rural").to_numpy()
    w = policy.weight_shortfall * np.where(rural, policy.weight_rural, 1.0)
    w = w * np.where(s["level"].eq("teaching_point"), policy.weight_teaching_point, 1.0)
    w = w * np.where(s["is_weak"].astype(bool), policy.weight_weak, 1.0)
    norms = plan.quota_path["norm"]
    w = w * school_premium(s, norms.iloc[:, 0], pd.Series(w, index=s.index)).to_numpy()
    approved = s["approved_quota"].to_numpy()
    total, minimum = county.county_total, reserve_minimum(county.county_total, policy)
    prev_states, prev_cost = approved[None, :], np.zeros(1)
    for t, year in enumerate(norms.columns):
        norm = norms[year].to_numpy()
        hi = np.maximum.reduce([lows[t], norm, approved]) + 1
        states = np.array(list(itertools.product(*[range(int(a), int(b) + 1)
                                                   for a, b in zip(lows[t], hi, strict=True)])))
        excess = max(0, staying[t] - total)
        reserve = min(minimum, max(0, total - staying[t]))
        states = states[states.sum(axis=1) <= total + excess - reserve]
        if not len(states):  # these hires need more posts than the county total has
            return float("inf")
        short = np.maximum(norm - states, 0)
        short_cost = sum(w[i] * np.concatenate([[0.0], np.cumsum(
            step_multipliers(int(norm[i]), int(norm[i])))])[short[:, i]] for i in range(len(w)))
        cost = (short_cost
                + policy.weight_surplus * np.maximum(states - norm, 0).sum(axis=1)
                + policy.weight_over_total * excess)
        change = np.abs(states[:, None, :] - prev_states[None, :, :]).sum(axis=2)
        prev_cost = cost + (prev_cost[None, :] + policy.weight_change * change).min(axis=1)
        prev_states = states
    return float(prev_cost.min())


def brute_force(plan: st.Plan, budget: int | None = None) -> tuple[float, float]:
    """(least objective over every hire plan, objective of the plan's own hires), both
    without the constant year-0 rotation terms."""
    policy, county = plan.policy, plan.county
    model = plan.model
    hz, H = model.horizon, plan.horizon
    schools = county.schools
    ids = list(schools.index)
    rural = schools["location"].eq("rural")
    cands = hire_candidates(model.inputs, hz, policy)
    pairs = list(zip(cands["school_id"], cands["subject"], cands["cap"], strict=True))
    teachers = staying_teachers(county)
    in_post = teachers[teachers["status"].eq("in_post")]
    floor = (schools["staff_in_post"]
             - (county.teachers["status"].eq("leaving")).groupby(county.teachers["school_id"])
             .sum().reindex(schools.index, fill_value=0))
    holding = {t: floor - teachers[retired_by(teachers, policy, t)].groupby("school_id").size()
               .reindex(schools.index, fill_value=0) for t in range(1, H + 1)}
    teaching = {t: in_post[~retired_by(in_post, policy, t)].groupby(["school_id", "subject"])
                .size() for t in range(1, H + 1)}
    hosts = shadow_host_schools(schools)
    mentor_room = len(hosts) * policy.mentor_capacity_per_host
    urgent = set(policy.urgent_subjects)
    delay = {s: policy.shadow_training_years if rural[s] else 0 for s in ids}
    cand_schools = sorted({s for s, _, _ in pairs})
    w = policy.weight_shortfall * np.where(rural, policy.weight_rural, 1.0)
    w = w * np.where(schools["level"].eq("teaching_point"), policy.weight_teaching_point, 1.0)
    w = w * np.where(schools["is_weak"].astype(bool), policy.weight_weak, 1.0)
    premium = school_premium(schools, plan.quota_path["norm"].iloc[:, 0],
                             pd.Series(w, index=schools.index))

    def per_pair(cap):
        return [v for v in itertools.product(range(cap + 1), repeat=H) if sum(v) <= cap]

    def evaluate(hired: dict[tuple[str, str, int], int]) -> float | None:
        for t in range(1, H + 1):
            this = {k: v for k, v in hired.items() if k[2] == t and v}
            n = sum(this.values())
            if sum(v for k, v in this.items() if k[1] in urgent) < policy.urgent_share_min * n:
                return None
            if budget is not None and n > budget:
                return None
            training = sum(v for (s, _, tt), v in hired.items()
                           if rural[s] and t - policy.shadow_training_years < tt <= t)
            if policy.shadow_training_years and training > mentor_room:
                return None
        cost = sum(policy.weight_hire * (H - t + 1) * v for (_, _, t), v in hired.items())
        for t in range(1, H + 1):
            for s in cand_schools:
                staff = teaching[t].xs(s).to_dict() if s in teaching[t].index else {}
                for (ss, k, tt), v in hired.items():
                    if ss == s and tt <= t - delay[s]:
                        staff[k] = staff.get(k, 0) + v
                cost += weighted_unmet(hz.needs[t].loc[s], staff, bool(rural[s]), policy,
                                       float(premium[s]))
        lows = {0: floor.to_numpy()}
        for t in range(1, H + 1):
            so_far = pd.Series({s: sum(v for (ss, _, tt), v in hired.items()
                                       if ss == s and tt <= t) for s in ids})
            lows[t] = (holding[t] + so_far).clip(lower=0).to_numpy()
        staying = {0: int(floor.sum()), **{t: int(holding[t].sum()) for t in range(1, H + 1)}}
        return cost + quota_cost(plan, lows, staying)

    best = np.inf
    for combo in itertools.product(*[per_pair(cap) for _, _, cap in pairs]):
        hired = {(s, k, t + 1): v[t] for (s, k, _), v in zip(pairs, combo, strict=True)
                 for t in range(H)}
        value = evaluate(hired)
        if value is not None:
            best = min(best, value)
    own = plan.hires.groupby(["school_id", "subject", "year"])["count"].sum()
    own.index = [(s, k, y - policy.plan_year) for s, k, y in own.index]
    return best, evaluate(own.to_dict())


# Rotation on with nobody eligible (two years at their school) and itinerant cover off
# leaves the year-0 rotation terms constant, so the rest is compared; with rotation
# off the whole objective is.
MODES = [
    pytest.param({"itinerant_enabled": False}, id="nobody-moves"),
    pytest.param({"rotation_enabled": False}, id="rotation-off"),
]
CASES = [
    pytest.param({}, None, {}, id="defaults"),
    pytest.param({"weight_hire": 100.0}, None, {}, id="cheap-hires"),  # labour hires pay
    pytest.param({"weight_hire": 100.0, "urgent_share_min": 0.6}, 1, {},
                 id="one-hire-a-year-60pc-urgent"),
    pytest.param({"shadow_training_years": 0}, None, {}, id="no-shadow-training"),
    # Every post is filled: the only room for a hire is R-900's post from 2027.
    pytest.param({"weight_hire": 100.0}, None, {"u_approved": 18, "r_approved": 9},
                 id="one-vacancy"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("changes, budget, shape", CASES)
def test_objective_equals_brute_force_over_every_hire_plan(mode, changes, budget, shape):
    county = music_county(**shape)
    policy = st.Policy(**mode, **changes, **NO_MENTAL_HEALTH)
    plan = st.optimize(county, policy, horizon=2, mip_gap=0, hiring_budget=budget)
    assert plan.status == "optimal" and plan.moves.empty
    model = plan.model
    cands = hire_candidates(model.inputs, model.horizon, policy)
    # The documented candidate rule: gaps of ≥ 0.5 FTE after retirements.
    assert set(zip(cands["school_id"], cands["subject"], strict=True)) == {
        ("R", "music"), ("U", "english"), ("U", "labour")}
    rotation = model.blocks.get("rotation")
    rest = plan.objective - (pulp.value(rotation.objective) if rotation else 0.0)
    best, own = brute_force(plan, budget)
    assert own == pytest.approx(rest, rel=1e-9, abs=1e-6)
    assert best == pytest.approx(rest, rel=1e-9, abs=1e-6)


def test_urgent_share_keeps_out_a_labour_hire_that_would_pay_for_itself():
    # With cheap hires U's 0.59 FTE labour gap is worth a hire. Only two urgent hires
    # are worth making (R music, U English), and 2 of 3 is below a 70% urgent share, so
    # the labour hire goes, in every year, and the plan costs more.
    policy = st.Policy(itinerant_enabled=False, weight_hire=100.0, **NO_MENTAL_HEALTH)
    free = st.optimize(music_county(), policy, horizon=2, mip_gap=0)
    assert sorted(free.hires["subject"]) == ["english", "labour", "music"]
    assert free.years.loc["urgent_share", 2027] == pytest.approx(2 / 3, abs=1e-3)
    strict = st.optimize(music_county(), policy.replace(urgent_share_min=0.7), horizon=2,
                         mip_gap=0)
    assert sorted(strict.hires["subject"]) == ["english", "music"]
    assert strict.objective > free.objective + 1.0


# ---------------------------------------------------------------- 8. determinism
def test_same_inputs_give_the_same_multiyear_plan():
    county = st.synth.county(seed=7, n_schools=18)
    policy = st.Policy(pool_reserve_share=0.03)
    a = st.optimize(county, policy, horizon=2, hiring_budget=6)
    b = st.optimize(county, policy, horizon=2, hiring_budget=6)
    assert_plan_equal(a, b)
    pd.testing.assert_frame_equal(a.pool, b.pool)
    pd.testing.assert_frame_equal(a.quota_path, b.quota_path)
    pd.testing.assert_frame_equal(a.years, b.years)


# ---------------------------------------------------------------- regressions
def test_multiyear_plan_without_rotation_hires_for_the_retiring_music_teacher():
    plan = st.optimize(music_county(), st.Policy(rotation_enabled=False), horizon=2)
    assert ("R", "music", 2027) in set(zip(plan.hires["school_id"], plan.hires["subject"],
                                           plan.hires["year"], strict=True))


def test_teacher_who_retires_within_the_plan_does_not_rotate():
    # U-900 would move to R (her English is R's gap), but she retires on 15 March
    # 2027: a multi-year plan does not rotate her, so her post falls vacant at U, where
    # she is, and R's gap is left to a hire; a one-year plan may still move her.
    county = english_county(birth_date=pd.Timestamp("1971-09-15"), birth_year=1971,
                            hire_year=1992)
    policy = st.Policy(rotation_exclude_years_to_retirement=0, itinerant_enabled=False,
                       **NO_MENTAL_HEALTH)
    single = st.optimize(county, policy)
    assert "U-900" in set(single.moves["teacher_id"])
    plan = st.optimize(county, policy, horizon=2)
    assert "U-900" not in set(plan.moves["teacher_id"])
    assert plan.model.inputs.eligibility.loc["U-900", "reason"] == "retiring"
    staff = staff_holding_posts(plan)
    assert staff.loc["U", 1] == 65  # everyone at U but U-900 stays through 2027
    assert (staff.to_numpy() <= plan.quota_path["quota"].to_numpy()).all()


def test_summary_and_compare_carry_the_years_of_a_multiyear_plan():
    county = st.synth.county(seed=4, n_schools=16)
    plan = st.optimize(county, horizon=2)
    summary = plan.summary()
    after = summary.iloc[:, 2]
    assert after["hires_over_plan"] == plan.hires["count"].sum()
    assert after["retirements_over_plan"] == len(plan.retirements)
    assert after["posts_short_by_year"] == plan.years.loc["posts_short", 2028]
    table = st.compare({"five": plan, "one": st.optimize(county)}, index="key")
    assert table.loc["hires_over_plan", "five"] == plan.hires["count"].sum()
    assert pd.isna(table.loc["hires_over_plan", "one"])


def test_a_schools_story_tells_its_quotas_and_hires_by_year():
    plan = st.optimize(music_county(), horizon=2)
    story = plan.explain("R")
    assert "Quotas 2026–2028" in story and "Hires for 2027: 1 music (approved in 2026" in story
    zh = plan.explain("R", lang="zh")
    assert "2027年招聘音乐教师1人(2026年报批" in zh
    assert "Quotas" not in st.optimize(music_county()).explain("R")


def test_a_multiyear_plan_without_a_solution_keeps_every_table_in_shape(tmp_path):
    from staffing.model.solve import SolveStats

    model = st.build_model(st.synth.county(seed=0, n_schools=12),
                           st.Policy(pool_reserve_share=0.05), horizon=2)
    nan = float("nan")
    plan = st.Plan.from_model(model, SolveStats("highs", "error", "Error", 0.0, nan, nan, nan))
    assert plan.status == "error" and plan.hires.empty
    assert plan.years.loc["quota"].tolist() == [plan.county.schools["approved_quota"].sum()] * 3
    assert set(plan.pool["entry"]) == {"opening", "closing"}
    plan.to_excel(tmp_path / "no_plan.xlsx")
