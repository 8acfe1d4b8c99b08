"""Synthetic counties: deterministic, valid, and calibrated to the public statistics."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import staffing as st
from staffing import synth

CHUXIONG_ORDER = ["楚雄市", "双柏县", "牟定县", "南华县", "姚安县",
                  "大姚县", "永仁县", "元谋县", "武定县", "禄丰市"]


@pytest.fixture(scope="module")
def chuxiong() -> st.County:
    """The default synthetic county: 楚雄市, 150 schools, with teachers."""
    return synth.county(seed=0)


@pytest.fixture(scope="module")
def prefecture_schools() -> dict[str, st.County]:
    return synth.prefecture(seed=0, teachers=False)


# ------------------------------------------------------------------ determinism
def test_same_seed_and_name_give_equal_tables():
    a = synth.county(seed=7, name="南华县", n_schools=30)
    b = synth.county(seed=7, name="南华县", n_schools=30)
    assert a.schools.equals(b.schools)
    assert a.teachers.equals(b.teachers)
    assert a == b


def test_different_seeds_give_different_counties():
    a = synth.county(seed=1, n_schools=30)
    b = synth.county(seed=2, n_schools=30)
    assert not a.schools.equals(b.schools)
    assert not a.teachers.equals(b.teachers)


def test_different_names_with_the_same_seed_differ():
    a = synth.county(seed=1, name="姚安县", n_schools=30, teachers=False)
    b = synth.county(seed=1, name="大姚县", n_schools=30, teachers=False)
    assert not a.schools["pupils_primary"].equals(b.schools["pupils_primary"])


def test_schools_do_not_depend_on_whether_teachers_are_generated():
    with_teachers = synth.county(seed=3, n_schools=25)
    without = synth.county(seed=3, n_schools=25, teachers=False)
    assert without.teachers is None
    assert with_teachers.schools.equals(without.schools)


# ------------------------------------------------------------------ validity
@settings(max_examples=8, deadline=None)
@given(
    seed=hs.integers(min_value=0, max_value=2**32 - 1),
    name=hs.sampled_from([*CHUXIONG_ORDER, "某某县"]),
    n_schools=hs.integers(min_value=3, max_value=60),
)
def test_every_generated_county_validates(seed, name, n_schools):
    county = synth.county(seed=seed, name=name, n_schools=n_schools)  # County validates
    assert county.n_schools == n_schools
    assert county.n_teachers == int(county.schools["staff_in_post"].sum())
    assert county.county_total == int(county.schools["approved_quota"].sum())


def test_too_few_schools_is_an_error():
    with pytest.raises(ValueError, match="at least 3 schools"):
        synth.county(n_schools=2)


# ------------------------------------------------------------------ prefecture
def test_prefecture_has_the_ten_units_in_official_order(prefecture_schools):
    assert list(prefecture_schools) == CHUXIONG_ORDER
    assert [c.name for c in prefecture_schools.values()] == CHUXIONG_ORDER


def test_chuxiong_city_is_largest_and_lufeng_second(prefecture_schools):
    by_size = sorted(prefecture_schools, key=lambda k: -prefecture_schools[k].n_schools)
    assert by_size[:2] == ["楚雄市", "禄丰市"]
    assert set(by_size[-2:]) == {"双柏县", "永仁县"}
    assert prefecture_schools["楚雄市"].n_schools == 150
    assert all(40 <= c.n_schools <= 70 for k, c in prefecture_schools.items()
               if k in {"双柏县", "永仁县"})


def test_population_table_adds_up_to_the_census_total():
    pops = {c.name: c.population for c in synth.CHUXIONG_COUNTIES}
    assert sum(pops.values()) == synth.PREFECTURE_POPULATION_2020
    assert 0.24 < pops["楚雄市"] / synth.PREFECTURE_POPULATION_2020 < 0.28


def test_teacher_ids_are_unique_across_the_prefecture():
    counties = [synth.county(seed=0, name=name, n_schools=8) for name in CHUXIONG_ORDER]
    ids = np.concatenate([c.teachers.index.to_numpy() for c in counties])
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------------ calibration
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_primary_pupil_teacher_ratio_is_near_yunnans(seed):
    county = synth.county(seed=seed, teachers=False)
    ptr = synth.calibration_summary(county)["primary_ptr"]
    assert 15.5 <= ptr <= 18.5


def test_prefecture_primary_ratio_is_near_yunnans(prefecture_schools):
    ptrs = [synth.calibration_summary(c)["primary_ptr"] for c in prefecture_schools.values()]
    assert 15.5 <= float(np.mean(ptrs)) <= 18.5


def test_some_schools_are_over_their_norm_and_some_under(chuxiong):
    norms = st.quota_norms(chuxiong)
    over = norms["quota_gap"] > 0
    under = norms["quota_gap"] < 0
    assert 0.1 < over.mean() < 0.6
    assert 0.2 < under.mean() < 0.8
    schools = chuxiong.schools
    # Growing urban schools are short of their norm; declining town schools above it.
    assert under[schools["location"] == "urban"].mean() > 0.7
    assert over[schools["location"] == "town"].mean() > 0.5


def test_a_150_school_county_has_about_3000_teachers(chuxiong):
    assert chuxiong.n_schools == 150
    assert 2_400 <= chuxiong.n_teachers <= 3_600


def test_staff_mostly_within_quota_with_some_vacancies(chuxiong):
    s = chuxiong.schools
    assert (s["staff_in_post"] <= s["approved_quota"]).mean() > 0.9
    assert (s["staff_in_post"] < s["approved_quota"]).any()


def test_school_mix_has_every_kind(chuxiong):
    s = chuxiong.schools
    assert set(s["level"]) == {"primary", "junior", "nine_year", "teaching_point"}
    assert set(s["location"]) == {"urban", "town", "rural"}
    assert s["is_quality"].any() and s["is_weak"].any()
    central = s[s["is_central"]]
    assert len(central) == s["township"].nunique() - 1  # every township but the seat
    assert central["name"].str.contains("中心").all()
    tp = s[s["level"] == "teaching_point"]
    assert tp["pupils_primary"].between(10, 80).all()
    assert tp["classes_primary"].between(1, 4).all()
    assert (tp["location"] == "rural").all()
    primary = s[s["level"].isin(["primary", "nine_year"])]
    assert (primary["classes_primary"] >= 6).all()  # at least one class per grade
    assert s["name"].is_unique


def test_urban_classes_are_large_and_rural_ones_small(chuxiong):
    s = chuxiong.schools
    size = (s["pupils_primary"] / s["classes_primary"].where(s["classes_primary"] > 0)).dropna()
    urban = s["location"] == "urban"
    assert size[urban].between(40, 52).all()
    assert size[~urban].mean() < 35


def test_schools_lie_near_the_county_seat(chuxiong):
    s = chuxiong.schools
    assert s["lat"].between(25.036 - 0.6, 25.036 + 0.6).all()
    assert s["lon"].between(101.545 - 0.6, 101.545 + 0.6).all()


# ------------------------------------------------------------------ teachers
def test_each_school_has_exactly_its_staff_in_post_as_teachers(chuxiong):
    counts = chuxiong.teachers["school_id"].value_counts()
    staff = chuxiong.schools["staff_in_post"]
    assert counts.reindex(staff.index, fill_value=0).equals(staff.rename("count"))


def test_teacher_attributes_are_realistic(chuxiong):
    t = chuxiong.teachers
    summary = synth.calibration_summary(chuxiong)
    assert 0.55 <= summary["female_share"] <= 0.66
    assert 0.08 <= summary["backbone_share"] <= 0.12
    assert 0.005 <= summary["leaving_share"] <= 0.025
    assert 0.95 <= summary["head_teacher_per_class"] <= 1.0
    assert t["birth_year"].between(1966, 2002).all()
    assert (t["hire_year"] - t["birth_year"]).between(21, 26).all()
    assert (t["hire_year"] <= synth.REFERENCE_YEAR).all()
    assert (t["years_at_school"] <= synth.REFERENCE_YEAR - t["hire_year"]).all()
    assert (t["status"] == "in_post").mean() > 0.94
    assert not t["pinned"].any()


def test_backbone_teachers_concentrate_in_urban_schools(chuxiong):
    t = chuxiong.teachers.join(chuxiong.schools["location"], on="school_id")
    share = (t["backbone"] != "none").groupby(t["location"]).mean()
    assert share["urban"] > 2 * share["rural"]


def test_urgent_subjects_are_scarcer_in_rural_schools(chuxiong):
    t = chuxiong.teachers.join(chuxiong.schools["location"], on="school_id")
    urgent = t["subject"].isin(["english", "music", "pe", "art", "it"])
    share = urgent.groupby(t["location"]).mean()
    assert share["rural"] < share["town"] < share["urban"]


def test_junior_subjects_only_in_schools_with_junior_pupils(chuxiong):
    t = chuxiong.teachers.join(chuxiong.schools["pupils_junior"], on="school_id")
    junior_only = t["subject"].isin(["physics", "chemistry", "biology", "history", "geography"])
    assert (t.loc[junior_only, "pupils_junior"] > 0).all()


def test_rural_teachers_have_shorter_tenure_than_urban(chuxiong):
    t = chuxiong.teachers.join(chuxiong.schools["location"], on="school_id")
    tenure = t.groupby("location")["years_at_school"].median()
    assert tenure["rural"] < tenure["urban"]


def test_teachers_are_drawn_without_a_python_loop():
    """The lines run in synth.py while drawing teachers do not grow with their number."""

    def lines_run(n_schools: int) -> tuple[int, int]:
        schools = synth.county(seed=5, n_schools=n_schools, teachers=False).schools
        schools = schools.reset_index()
        count = 0

        def local(frame, event, arg):
            nonlocal count
            if event == "line":
                count += 1
            return local

        def tracer(frame, event, arg):
            return local if frame.f_code.co_filename == synth.__file__ else None

        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            teachers = synth._make_teachers(np.random.default_rng(0), schools, "532301")
        finally:
            sys.settrace(old)
        return count, len(teachers)

    small_lines, small_n = lines_run(10)
    large_lines, large_n = lines_run(80)
    assert large_n > 5 * small_n
    assert large_lines == small_lines


# ------------------------------------------------------------------ heads (heads=True)
# The option draws from its own random stream: the digests below are of the default
# county before the option existed (md5 of schools.to_csv() + teachers.to_csv()), taken
# without the 优质均衡 columns (balance_data=False), which have a stream of their own too.
_DEFAULT_DIGESTS = {0: "865a1b2b26dc9e7cf7e37d347587f52a", 1: "e7e280e35f9c4f7881521f083a982deb",
                    2: "82f96c805a2a64b513a80d9a596f52f2"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_county_is_unchanged_by_the_heads_option(seed):
    import hashlib

    c = synth.county(seed=seed, n_schools=40, balance_data=False)
    digest = hashlib.md5(c.schools.to_csv().encode() + c.teachers.to_csv().encode())
    assert digest.hexdigest() == _DEFAULT_DIGESTS[seed]
    assert set(c.teachers["role"]) == {"teacher"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heads_option_adds_plausible_heads_and_changes_nothing_else(seed):
    plain = synth.county(seed=seed, n_schools=60)
    c = synth.county(seed=seed, n_schools=60, heads=True)
    assert c.schools.equals(plain.schools)
    rest = ["years_at_school", "role"]
    assert c.teachers.drop(columns=rest).equals(plain.teachers.drop(columns=rest))
    t = c.teachers
    role = t["role"].astype(str)
    heads = role.ne("teacher")
    others = ~heads
    assert t.loc[others, "years_at_school"].equals(plain.teachers.loc[others, "years_at_school"])
    per = t[heads].groupby(["school_id", "role"], observed=True).size()
    assert (per <= 1).all()  # at most one head of each role per school
    level = t["school_id"].map(c.schools["level"])
    assert not (heads & level.eq("teaching_point")).any()
    service = st.Policy().plan_year - t["hire_year"]
    assert (service[heads] >= 10).all() and t.loc[heads, "status"].eq("in_post").all()
    assert (t.loc[heads, "years_at_school"] <= service[heads]).all()
    principals = t[role.eq("principal")]
    n_schools = int(c.schools["level"].ne("teaching_point").sum())
    assert 0.6 * n_schools <= len(principals) < n_schools  # most, not all, have one
    due = principals["years_at_school"] >= st.Policy().principal_exchange_years
    assert 0 < due.sum() < len(principals)  # some due for exchange, some not
    assert synth.county(seed=seed, n_schools=60, heads=True) == c  # reproducible


def test_heads_need_teachers():
    with pytest.raises(ValueError, match="heads=True"):
        synth.county(seed=0, n_schools=10, teachers=False, heads=True)
