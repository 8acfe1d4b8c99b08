"""Quota norms (编制标准) against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

import staffing as st
import staffing.testing as testing
from staffing.norms import round_posts


def one_school(**kw) -> st.County:
    row = testing.school("S1", **{"name": "测试学校", "approved_quota": 10, "staff_in_post": 10,
                                  **kw})
    return st.County(pd.DataFrame([row]))


def norm_of(**kw) -> pd.Series:
    return st.quota_norms(one_school(**kw)).loc["S1"]


def test_nine_year_school_adds_its_primary_and_junior_parts():
    # 570 / 19 = 30 and 405 / 13.5 = 30: 60 posts, by pupils.
    r = norm_of(level="nine_year", location="town", pupils_primary=570, classes_primary=13,
                pupils_junior=405, classes_junior=9)
    assert r["norm_primary"] == pytest.approx(30) and r["norm_junior"] == pytest.approx(30)
    assert r["norm"] == 60 and r["basis"] == "pupils"


def test_teaching_point_with_35_pupils_in_3_classes_gets_two_per_class():
    r = norm_of(level="teaching_point", location="rural", pupils_primary=35, classes_primary=3,
                approved_quota=4, staff_in_post=3)
    assert r["norm"] == 6 and r["basis"] == "classes"
    assert r["quota_gap"] == -2 and r["vacancies"] == 1


@pytest.mark.parametrize(("pupils", "norm", "basis"), [
    # Hand table, 6 classes at a rural village primary school. "200人以下" includes 200
    # (以上、以下、以内 include the number itself, 民法典 art. 1259): 199 and 200 pupils are
    # staffed by class, 6 x 2 = 12 (above 199/19 = 10.47 and 200/19 = 10.53); 201 pupils
    # by pupils, 201/19 = 10.58 -> 11 (half up).
    (199, 12, "classes"),
    (200, 12, "classes"),
    (201, 11, "pupils"),
])
def test_village_school_with_200_pupils_or_fewer_is_staffed_by_class(pupils, norm, basis):
    r = norm_of(location="rural", pupils_primary=pupils, classes_primary=6)
    assert r["norm"] == norm and r["basis"] == basis


def test_village_school_with_201_pupils_is_staffed_by_pupils():
    # 201 / 19 = 10.58 -> 11 (half up): the policy's own cliff just above the threshold.
    r = norm_of(location="rural", pupils_primary=201, classes_primary=6)
    assert r["norm_exact"] == pytest.approx(201 / 19) and r["norm"] == 11
    assert r["basis"] == "pupils"


def test_urban_junior_school_uses_one_to_thirteen_and_a_half():
    # 1,350 / 13.5 = 100 posts.
    r = norm_of(level="junior", pupils_junior=1350, classes_junior=27, approved_quota=96,
                staff_in_post=95)
    assert r["norm"] == 100 and r["quota_gap"] == -4 and r["staff_gap"] == -5


def test_small_urban_primary_school_is_not_staffed_by_class():
    r = norm_of(location="urban", pupils_primary=150, classes_primary=6)
    assert r["basis"] == "pupils" and r["norm"] == 8  # 150 / 19 = 7.89


def test_class_rule_alone_when_take_larger_is_off():
    county = one_school(location="rural", pupils_primary=190, classes_primary=4)
    larger = st.quota_norms(county).loc["S1"]
    alone = st.quota_norms(county, st.Policy(small_school_take_larger=False)).loc["S1"]
    assert larger["norm"] == 10 and larger["basis"] == "pupils"  # 190/19 = 10 > 4 x 2
    assert alone["norm"] == 8 and alone["basis"] == "classes"


def test_boarding_pupils_add_quota_when_the_policy_says_so():
    policy = st.Policy(boarding_staff_per_100=2.0)
    r = st.quota_norms(one_school(pupils_primary=380, classes_primary=9, boarding_pupils=100),
                       policy).loc["S1"]
    assert r["norm"] == 22  # 20 + 2


@pytest.mark.parametrize(("rule", "expected"), [("half_up", [11, 10, 1]),
                                                ("ceil", [11, 11, 1]),
                                                ("floor", [10, 10, 0])])
def test_rounding_rules(rule, expected):
    assert round_posts(np.array([10.5, 10.01, 0.6]), rule).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    level=st_.sampled_from(["primary", "junior", "nine_year", "teaching_point"]),
    location=st_.sampled_from(["urban", "town", "rural"]),
    pupils=st_.integers(1, 3000), extra=st_.integers(0, 500), classes=st_.integers(1, 60),
)
def test_norm_never_falls_when_pupils_rise_on_the_same_side_of_the_threshold(
    level, location, pupils, extra, classes
):
    policy = st.Policy()
    location = "rural" if level == "teaching_point" else location
    threshold = policy.small_school_threshold
    if (level in policy.small_school_levels and location in policy.small_school_locations
            and (pupils <= threshold) != (pupils + extra <= threshold)):
        extra = 0  # crossing the 200 cliff is the policy's own discontinuity (tested above)
    classes = max(classes, -(-(pupils + extra) // 100))  # same classes, plausible sizes

    def county_with(n: int) -> st.County:
        primary = {"pupils_primary": n, "classes_primary": classes}
        junior = {"pupils_junior": n, "classes_junior": classes}
        parts = {"junior": junior, "nine_year": primary | junior}.get(level, primary)
        return one_school(level=level, location=location, approved_quota=0,
                          staff_in_post=0, **parts)

    before = st.quota_norms(county_with(pupils), policy).loc["S1", "norm"]
    after = st.quota_norms(county_with(pupils + extra), policy).loc["S1", "norm"]
    assert after >= before


def test_float_noise_does_not_add_a_post():
    noisy = np.array([0.1 * 3 / 0.3 * 10.0, 285 / 19.0])  # 10.000000000000002 and 15.0
    assert round_posts(noisy, "ceil").tolist() == [10, 15]
