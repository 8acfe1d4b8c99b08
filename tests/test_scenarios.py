"""Consolidation of small village schools (校点撤并, Chuxiong measure 5): who merges where,
what moves with them, and what never merges."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
import staffing.scenarios as scenarios_module
import staffing.testing as testing
from staffing.scenarios import consolidate, consolidation_candidates

HYPOTHESIS = settings(max_examples=25, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
KM_PER_DEGREE_LAT = 2 * math.pi * 6371.0088 / 360  # 111.2 km


def school(sid: str, level: str = "primary", location: str = "rural", *, pupils: int = 40,
           classes: int | None = None, staff: int = 4, lat: float | None = 25.0,
           lon: float | None = 101.5, township: str = "鹿城镇") -> dict:
    """A primary-only school row ``road km = 1.35 × 111.2 × Δlat`` from others on lon 101.5."""
    if classes is None:
        classes = max(1, math.ceil(pupils / 45)) if pupils else 0
    row = testing.school(sid, name=f"学校{sid}", township=township, level=level,
                         location=location, pupils_primary=pupils, classes_primary=classes,
                         approved_quota=staff, staff_in_post=staff, lat=lat, lon=lon,
                         boarding_pupils=0)
    if level == "nine_year":
        row.update(pupils_junior=100, classes_junior=2)
    return row


def at_km(km: float) -> float:
    """Latitude of a point ``km`` road km north of 25.0° on the same meridian."""
    return 25.0 + km / 1.35 / KM_PER_DEGREE_LAT


def teachers_for(schools: list[dict]) -> pd.DataFrame:
    rows = [{"teacher_id": f"{s['school_id']}-{k}", "school_id": s["school_id"],
             "subject": "general", "sex": "female", "birth_year": 1985, "hire_year": 2008,
             "years_at_school": 3, "title": "intermediate", "backbone": "none",
             "is_head_teacher": False, "status": "in_post"}
            for s in schools for k in range(s["staff_in_post"])]
    return pd.DataFrame(rows)


def county_of(*rows: dict, teachers: bool = False) -> st.County:
    return st.County(pd.DataFrame(list(rows)), teachers_for(list(rows)) if teachers else None)


def obvious() -> st.County:
    """A town school T with room for 140 pupils and a village school V of 40 pupils 4 km
    away; a small teaching point M 6 km away; a big village school B 5 km away."""
    return county_of(
        school("T", "primary", "town", pupils=400, classes=12, staff=22),
        school("V", pupils=40, classes=3, staff=5, lat=at_km(4.0)),
        school("M", "teaching_point", pupils=12, classes=1, staff=2, lat=at_km(6.0)),
        school("B", pupils=180, classes=6, staff=12, lat=at_km(-5.0)),
        teachers=True)


def totals(county: st.County) -> dict[str, int]:
    s = county.schools
    return {c: int(s[c].sum()) for c in ("pupils_primary", "pupils_junior", "approved_quota",
                                          "staff_in_post", "boarding_pupils")}


# ---------------------------------------------------------------------- by hand
def test_a_small_village_school_near_a_town_school_with_room_merges_into_it():
    county = obvious()
    merged, merges = consolidate(county, keep_open=["M"])
    assert merges[["school_id", "merged_into", "receiver_name", "pupils", "staff"]].to_dict(
        "records") == [{"school_id": "V", "merged_into": "T", "receiver_name": "学校T",
                        "pupils": 40, "staff": 5}]
    assert merges["distance_km"].iat[0] == pytest.approx(4.0, abs=0.01)
    t = merged.schools.loc["T"]
    assert (t.pupils_primary, t.classes_primary, t.approved_quota, t.staff_in_post) == (
        440, 12, 27, 27)
    assert "V" not in merged.schools.index and {"M", "B"} <= set(merged.schools.index)
    moved = merged.teachers.loc[merged.teachers.index.str.startswith("V-"), "school_id"]
    assert len(moved) == 5 and moved.eq("T").all()
    assert merged.county_total == county.county_total


def test_without_keep_open_the_teaching_point_merges_too():
    _, merges = consolidate(obvious())
    assert merges["school_id"].tolist() == ["V", "M"]  # nearer first


def test_candidates_say_why_each_village_school_did_or_did_not_merge():
    county = county_of(
        school("T", "primary", "town", pupils=430, classes=10, staff=22),  # room 20
        school("MERGE", pupils=15, classes=1, staff=2, lat=at_km(1.0)),
        school("FULL", pupils=30, classes=2, staff=3, lat=at_km(2.0)),
        school("KEEP", pupils=10, classes=1, staff=1, lat=at_km(3.0)),
        school("BIG", pupils=150, classes=6, staff=10, lat=at_km(3.0)),
        school("FAR", pupils=20, classes=1, staff=2, lat=at_km(30.0)),
        school("NOWHERE", pupils=20, classes=1, staff=2, lat=None, lon=None),
        school("CITY", "primary", "urban", pupils=20, classes=1, staff=2, lat=at_km(50.0)))
    why = consolidation_candidates(county, keep_open=["KEEP"])
    assert why["reason"].to_dict() == {
        "MERGE": "merged", "FULL": "receivers_full", "KEEP": "keep_open", "BIG": "not_small",
        "FAR": "no_receiver_in_reach", "NOWHERE": "no_location"}
    assert why.loc["FULL", "nearest_receiver"] == "T"
    assert why.loc["FULL", "nearest_km"] == pytest.approx(2.0, abs=0.01)
    assert why.loc["MERGE", "merges"] and not why.loc["FULL", "merges"]


def test_a_full_nearest_receiver_passes_the_school_to_the_next_nearest_with_room():
    county = county_of(
        school("NEAR", "primary", "town", pupils=440, classes=10, staff=22, lat=at_km(1.0)),
        school("NEXT", "nine_year", "urban", pupils=300, classes=8, staff=30, lat=at_km(-3.0)),
        school("V", pupils=30, classes=2, staff=3))
    _, merges = consolidate(county)
    assert merges["merged_into"].tolist() == ["NEXT"]
    assert merges["distance_km"].iat[0] == pytest.approx(3.0, abs=0.01)


def test_a_receiver_absorbs_several_schools_until_it_is_full():
    county = county_of(
        school("T", "primary", "town", pupils=400, classes=10, staff=22),  # room 50
        school("A", pupils=20, classes=1, staff=2, lat=at_km(1.0)),
        school("B", pupils=20, classes=1, staff=2, lat=at_km(2.0)),
        school("C", pupils=20, classes=1, staff=2, lat=at_km(3.0)),
        school("D", pupils=10, classes=1, staff=1, lat=at_km(4.0)))
    merged, merges = consolidate(county)
    assert merges["school_id"].tolist() == ["A", "B", "D"]  # C does not fit, D does
    assert merged.schools.loc["T", "pupils_primary"] == 450
    assert merged.schools.loc["T", "classes_primary"] == 10


def test_extra_classes_give_receivers_room_and_classes_follow_the_norm():
    county = county_of(
        school("T", "primary", "town", pupils=440, classes=10, staff=22),  # room 10
        school("A", pupils=60, classes=3, staff=5, lat=at_km(1.0)))
    assert consolidate(county)[1].empty
    merged, merges = consolidate(county, extra_classes=2)
    assert merges["school_id"].tolist() == ["A"]
    assert merged.schools.loc["T", "classes_primary"] == 12  # ⌈500 / 45⌉


def test_rule_numbers_default_to_the_policy_and_arguments_override_it():
    county = county_of(
        school("T", "primary", "town", pupils=440, classes=10, staff=22),  # room 10
        school("A", pupils=60, classes=3, staff=5, lat=at_km(1.0)))
    roomy = st.Policy(consolidation_extra_classes=2)
    assert consolidate(county, roomy)[1]["school_id"].tolist() == ["A"]
    assert consolidate(county, roomy, extra_classes=0)[1].empty
    small = st.Policy(consolidation_max_pupils=60)  # A has 60 pupils: not small
    assert consolidation_candidates(county, small, extra_classes=2).loc["A", "reason"] \
        == "not_small"
    assert consolidation_candidates(county, small, max_pupils=61,
                                    extra_classes=2).loc["A", "reason"] == "merged"
    near = st.Policy(consolidation_max_km=0.5)  # A is 1 road km away
    assert consolidation_candidates(county, near, extra_classes=2).loc["A", "reason"] \
        == "no_receiver_in_reach"
    assert consolidation_candidates(county, near, max_km=2.0,
                                    extra_classes=2).loc["A", "reason"] == "merged"


def test_a_keep_open_column_is_honoured_like_the_argument():
    county = obvious()
    county.schools["keep_open"] = county.schools.index == "V"
    why = consolidation_candidates(county)
    assert why.loc["V", "reason"] == "keep_open"


def test_measured_road_distances_override_coordinates():
    county = obvious()
    table = pd.DataFrame({"from": ["V"], "to": ["T"], "km": [25.0]})
    why = consolidation_candidates(county, distances=table)
    assert why.loc["V", "reason"] == "no_receiver_in_reach"
    assert why.loc["M", "reason"] == "merged"


@pytest.mark.parametrize("kwargs", [{"max_pupils": -1}, {"max_km": 0}, {"max_km": float("nan")},
                                    {"extra_classes": 1.5}])
def test_impossible_arguments_are_errors(kwargs):
    with pytest.raises(ValueError):
        consolidate(obvious(), **kwargs)


def test_keep_open_names_must_be_schools_of_the_county():
    with pytest.raises(KeyError, match="ZZ"):
        consolidate(obvious(), keep_open=["ZZ"])


def test_a_county_without_receivers_is_returned_unchanged():
    county = county_of(school("V", pupils=40), school("W", pupils=30, lat=at_km(1.0)))
    merged, merges = consolidate(county)
    assert merges.empty and list(merges.columns)[:3] == ["school_id", "name", "township"]
    assert merged == county


def test_synthetic_county_with_teachers_conserves_everything():
    county = st.synth.county(seed=0, n_schools=40)
    merged, merges = consolidate(county, max_km=20.0, extra_classes=3)
    assert len(merges) > 0
    assert totals(merged) == totals(county)
    assert merged.n_teachers == county.n_teachers
    assert set(merged.teachers["school_id"]) <= set(merged.schools.index)
    counts = merged.teachers.groupby("school_id").size()
    before = county.teachers.groupby("school_id").size()
    for receiver, group in merges.groupby("merged_into"):
        assert counts[receiver] == before[receiver] + before.reindex(group.school_id,
                                                                     fill_value=0).sum()


# -------------------------------------------------------------------- properties
KINDS = [("primary", "rural"), ("teaching_point", "rural"), ("primary", "town"),
         ("nine_year", "town"), ("primary", "urban"), ("junior", "town")]


@st_.composite
def random_counties(draw) -> st.County:
    n = draw(st_.integers(1, 9))
    rows = []
    for i in range(n):
        level, location = draw(st_.sampled_from(KINDS))
        lat = draw(st_.floats(25.0, 25.12))
        lon = draw(st_.floats(101.5, 101.6))
        if level == "junior":
            row = school(f"S{i}", "primary", location, pupils=0, staff=10, lat=lat, lon=lon)
            row.update(level="junior", pupils_junior=300, classes_junior=6)
        else:
            pupils = draw(st_.integers(1 if level == "nine_year" else 0, 400))
            size = draw(st_.integers(8, 45))
            classes = math.ceil(pupils / size) if pupils else 0
            # Staff ≤ pupils / 10 keeps every school, and every merger, plausible.
            row = school(f"S{i}", level, location, pupils=pupils, classes=classes,
                         staff=draw(st_.integers(0, pupils // 10)), lat=lat, lon=lon)
        rows.append(row)
    return county_of(*rows)


def road_km(s: pd.DataFrame, a: str, b: str) -> float:
    """Haversine × 1.35 written out independently of staffing.geo."""
    p1, p2 = math.radians(s.at[a, "lat"]), math.radians(s.at[b, "lat"])
    dl = math.radians(s.at[b, "lon"] - s.at[a, "lon"])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h)) * 1.35


@HYPOTHESIS
@given(county=random_counties(), max_pupils=st_.integers(0, 200), max_km=st_.floats(1.0, 20.0),
       extra=st_.integers(0, 3), data=st_.data())
def test_consolidation_keeps_to_its_rules_and_conserves_totals(county, max_pupils, max_km,
                                                               extra, data):
    s = county.schools
    keep = data.draw(st_.lists(st_.sampled_from(list(s.index)), max_size=3))
    merged, merges = consolidate(county, max_pupils=max_pupils, max_km=max_km, keep_open=keep,
                                 extra_classes=extra)
    assert isinstance(merged, st.County)
    assert totals(merged) == totals(county) and merged.county_total == county.county_total
    assert merged.n_schools == county.n_schools - len(merges)
    donors = s.loc[merges["school_id"]]
    assert not set(merges["school_id"]) & set(keep)
    assert donors["location"].eq("rural").all()
    assert donors["level"].isin(["primary", "teaching_point"]).all()
    assert (donors["pupils_primary"] < max_pupils).all()
    receivers = s.loc[merges["merged_into"]]
    assert receivers["location"].isin(["town", "urban"]).all()
    assert (receivers["classes_primary"] > 0).all()
    assert receivers["level"].isin(["primary", "nine_year"]).all()
    for a, b, km in merges[["school_id", "merged_into", "distance_km"]].itertuples(index=False):
        assert km <= max_km and km == pytest.approx(road_km(s, a, b), abs=0.006)
    # Room: a receiver's pupils stay within its (classes + extra) at the class-size norm.
    for r in set(merges["merged_into"]):
        assert merged.schools.at[r, "pupils_primary"] <= (s.at[r, "classes_primary"] + extra) * 45
        assert merged.schools.at[r, "pupils_primary"] <= merged.schools.at[r, "classes_primary"] * 45


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(county=random_counties(), seed=st_.integers(0, 2**16))
def test_consolidation_does_not_depend_on_row_order(county, seed):
    shuffled = st.County(county.schools.sample(frac=1.0, random_state=seed))
    a = consolidation_candidates(county, max_km=15.0)
    b = consolidation_candidates(shuffled, max_km=15.0).loc[a.index]
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, consolidation_candidates(county, max_km=15.0))


def test_candidates_list_every_village_school_and_nothing_else():
    county = st.synth.county(seed=2, n_schools=30, teachers=False)
    why = consolidation_candidates(county)
    s = county.schools
    village = s.index[s.location.eq("rural") & s.level.isin(["primary", "teaching_point"])]
    assert list(why.index) == list(village)
    assert np.array_equal(why["merges"].to_numpy(), why["reason"].eq("merged").to_numpy())


def test_doctests_of_scenarios_pass():
    result = doctest.testmod(scenarios_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_keep_open_flag_read_from_a_chinese_workbook_keeps_a_school(tmp_path):
    import staffing as st
    from staffing.scenarios import consolidate

    county = st.synth.county(seed=0, n_schools=30)
    _, merges = consolidate(county)
    assert len(merges) > 0
    kept = str(merges["school_id"].iloc[0])
    schools = county.schools.reset_index()
    schools["keep_open"] = schools["school_id"].eq(kept)
    flagged = st.County(schools, county.teachers.reset_index(), name=county.name)
    path = tmp_path / "county.xlsx"
    flagged.to_excel(path, lang="zh")
    loaded = st.load_county(path)
    assert bool(loaded.schools.loc[kept, "keep_open"])
    _, again = consolidate(loaded)
    assert kept not in set(again["school_id"].astype(str))
