"""Policy: Chuxiong defaults, TOML round trip, clear rejection of bad values."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

from staffing import Policy, PolicyError, load_county
from staffing.errors import StaffingDataError


def test_defaults_are_the_chuxiong_2024_numbers():
    p = Policy()
    assert (p.primary_ratio, p.junior_ratio) == (19.0, 13.5)
    assert (p.small_school_threshold, p.small_school_staff_per_class) == (200, 2.0)
    assert p.urgent_share_min == 0.30
    assert set(p.urgent_subjects) == {"english", "music", "pe", "art", "it"}
    assert (p.rotation_share_min, p.rotation_backbone_share_min, p.rotation_eligible_years) == (
        0.10, 0.20, 6)
    assert p.shadow_training_years == 1 and p.early_retirement_window_years == 5


def test_every_field_names_its_source_in_a_comment():
    import inspect

    import staffing.policy as module

    source = inspect.getsource(module.Policy)
    lines = source.splitlines()
    for f in dataclasses.fields(Policy):
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{f.name}:"))
        above = "\n".join(lines[max(0, at - 4):at])
        assert "#" in above, f"{f.name} has no source comment above it"


def test_policy_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Policy().primary_ratio = 20.0  # type: ignore[misc]


def test_toml_round_trip(tmp_path):
    p = Policy(primary_ratio=18.0, urgent_subjects=("english", "it"), pool_reserve_share=0.05)
    path = tmp_path / "p.toml"
    p.to_toml(path)
    assert Policy.from_toml(path) == p


def test_toml_accepts_a_policy_table_and_whole_numbers(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[policy]\nprimary_ratio = 18\n", encoding="utf-8")
    p = Policy.from_toml(path)
    assert p.primary_ratio == 18.0 and isinstance(p.primary_ratio, float)


def test_unknown_key_is_rejected_with_its_name(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("primary_ration = 18\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="primary_ration"):
        Policy.from_toml(path)


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("primary_ratio", 0, "(0, 100]"),
        ("junior_ratio", -13.5, "(0, 100]"),
        ("urgent_share_min", 1.5, "[0, 1]"),
        ("rotation_share_min", -0.1, "[0, 1]"),
    ],
)
def test_out_of_range_value_names_key_and_range(key, value, allowed):
    with pytest.raises(PolicyError) as err:
        Policy.from_dict({key: value})
    assert key in str(err.value) and allowed in str(err.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(PolicyError) as err:
        Policy.from_dict({"bogus": 1, "primary_ratio": 0, "urgent_subjects": ["latin"]})
    text = str(err.value)
    assert "bogus" in text and "primary_ratio" in text and "latin" in text


def test_replace_makes_one_line_variants():
    p = Policy().replace(rotation_share_min=0.15)
    assert p.rotation_share_min == 0.15 and Policy().rotation_share_min == 0.10
    with pytest.raises(PolicyError):
        Policy().replace(no_such_field=1)


@settings(max_examples=30, deadline=None)
@given(ratio=st_.floats(0.5, 60), share=st_.floats(0, 1))
def test_any_valid_values_round_trip_through_toml(tmp_path_factory, ratio, share):
    p = Policy(primary_ratio=ratio, urgent_share_min=share)
    path = tmp_path_factory.mktemp("p") / "p.toml"
    p.to_toml(path)
    assert Policy.from_toml(path) == p


def test_a_table_in_toml_changes_only_the_entries_it_names(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[teaching_load.junior]\nmusic = 14\n", encoding="utf-8")
    p = Policy.from_toml(path)
    assert p.teaching_load["junior"]["music"] == 14
    assert p.teaching_load["junior"]["chinese"] == 12
    assert p.teaching_load["primary"] == Policy().teaching_load["primary"]


def test_a_bad_table_entry_names_its_path():
    with pytest.raises(PolicyError, match=r"junior\.music = -1"):
        Policy.from_dict({"teaching_load": {"junior": {"music": -1}}})


# ----------------------------------------------------------------- a Policy that refuses nonsense
JUNIOR_LOADS_POLICY_MD = {"chinese": 12, "maths": 12, "english": 12, "physics": 14, "music": 16}


def test_a_partial_table_merges_the_same_way_in_policy_replace_and_toml(tmp_path):
    """POLICY.md B: junior Chinese/maths/English 12, sciences 14, music 16; primary
    Chinese/maths 14. Changing junior music to 14 keeps every other load."""
    path = tmp_path / "p.toml"
    path.write_text("[teaching_load.junior]\nmusic = 14\n", encoding="utf-8")
    change = {"junior": {"music": 14}}
    routes = [Policy(teaching_load=change), Policy().replace(teaching_load=change),
              Policy.from_toml(path), Policy.from_dict({"teaching_load": change})]
    for p in routes:
        junior = p.teaching_load["junior"]
        assert junior["music"] == 14
        assert {s: junior[s] for s in ("chinese", "maths", "english", "physics")} == {
            "chinese": 12, "maths": 12, "english": 12, "physics": 14}
        assert p.teaching_load["primary"]["chinese"] == 14
        assert set(p.teaching_load) == {"primary", "junior", "small_school"}
    assert len(set(routes)) == 1


def test_replace_merges_into_the_current_table_not_the_default():
    p = Policy().replace(teaching_load={"junior": {"music": 15}})
    q = p.replace(teaching_load={"junior": {"art": 15}})
    assert (q.teaching_load["junior"]["music"], q.teaching_load["junior"]["art"]) == (15, 15)


NONSENSE = [
    ({"teaching_load": {"junior": {"music": math.nan}}}, "teaching_load.junior.music = nan"),
    ({"teaching_load": {"junior": {"music": math.inf}}}, "teaching_load.junior.music = inf"),
    ({"periods_per_week": {"junior_7_9": {"pe": -math.inf}}},
     "periods_per_week.junior_7_9.pe = -inf"),
    ({"teaching_load": {"junior": {"music": 1e9}}}, "teaching_load.junior.music = 1000000000"),
    ({"teaching_load": {"senior_high": {"music": 14}}}, "teaching_load.senior_high: unknown key"),
    ({"teaching_load": {"junior": {"latin": 14}}}, "teaching_load.junior.latin: unknown subject"),
    ({"teaching_load": {"junior": 14}}, "teaching_load.junior = 14: expected a table"),
    ({"subject_cover": {"general": ["latin"]}}, "subject_cover.general: 'latin' is not a subject"),
    ({"weight_move": math.nan}, "weight_move = nan: expected a finite number"),
    ({"primary_ratio": math.inf}, "primary_ratio = inf: expected a finite number"),
    ({"plan_year": math.nan}, "plan_year = nan: expected a finite number"),
    ({"primary_ratio": 1e9}, "primary_ratio = 1000000000.0: outside the allowed range (0, 100]"),
    ({"small_school_threshold": 1e9}, "small_school_threshold = 1000000000"),
    ({"weight_move": 1e300}, "weight_move = 1e+300: outside the allowed range [0, 1e+06]"),
    ({"weight_rural": 1000.0}, "weight_rural = 1000.0: outside the allowed range [0, 100]"),
    ({"max_travel_km": 1e5}, "max_travel_km = 100000.0: outside"),
    ({"weight_move_km": 1e-4}, "weights too far apart: weight_over_total = 10000 is 1e+08 "
                               "times weight_move_km = 0.0001"),
]


@pytest.mark.parametrize(("change", "message"), NONSENSE)
def test_nonsense_is_refused_naming_the_entry_from_every_route(change, message):
    for route in (lambda: Policy(**change), lambda: Policy().replace(**change),
                  lambda: Policy.from_dict(change)):
        with pytest.raises(PolicyError) as err:
            route()
        assert message in str(err.value)


@pytest.mark.parametrize(("text", "message"), [
    ("[teaching_load.junior]\nmusic = nan\n", "teaching_load.junior.music = nan"),
    ("[teaching_load.junior]\nmusic = inf\n", "teaching_load.junior.music = inf"),
    ("[teaching_load.senior_high]\nmusic = 14\n", "teaching_load.senior_high: unknown key"),
    ("weight_move = 1e300\n", "weight_move = 1e+300"),
    ("primary_ratio = -inf\n", "primary_ratio = -inf: expected a finite number"),
])
def test_nonsense_in_a_toml_file_names_the_file_and_the_entry(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        Policy.from_toml(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_weights_at_the_ratio_limit_are_accepted_and_zero_switches_a_term_off():
    assert Policy(weight_move_km=1e-3).weight_move_km == 1e-3  # 10,000 / 0.001 = 1e7
    assert Policy(weight_move_km=0.0, weight_change=0.0).weight_change == 0.0


def test_numpy_numbers_are_accepted_as_python_numbers():
    p = Policy(primary_ratio=np.float32(18.5), small_school_threshold=np.int64(150),
               pool_enabled=np.bool_(False),
               teaching_load={"junior": {"music": np.int64(15)}})
    assert (p.primary_ratio, p.small_school_threshold, p.pool_enabled) == (18.5, 150, False)
    assert type(p.primary_ratio) is float and type(p.small_school_threshold) is int
    assert type(p.teaching_load["junior"]["music"]) is int
    assert p == Policy.from_dict({"primary_ratio": np.float64(18.5),
                                  "small_school_threshold": np.int32(150),
                                  "pool_enabled": False,
                                  "teaching_load": {"junior": {"music": 15}}})


def test_a_gbk_policy_file_gets_the_same_message_as_a_gbk_csv(tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_bytes("# 楚雄州\nprimary_ratio = 18.0\n".encode("gbk"))
    with pytest.raises(PolicyError, match="not UTF-8 text") as err:
        Policy.from_toml(policy)
    assert str(policy) in str(err.value)
    folder = tmp_path / "county"
    folder.mkdir()
    (folder / "学校.csv").write_bytes("学校代码,学校名称\n1,城关小学\n".encode("gbk"))
    with pytest.raises(StaffingDataError, match="not UTF-8 text"):
        load_county(folder)


@pytest.mark.parametrize("name", ["missing.toml", "folder"])
def test_an_unreadable_policy_file_is_a_policy_error(tmp_path, name):
    (tmp_path / "folder").mkdir()
    with pytest.raises(PolicyError, match=str(tmp_path / name)):
        Policy.from_toml(tmp_path / name)


def test_every_number_has_a_finite_upper_bound():
    """A typo like 1e9 must be refused for every numeric field, not only some."""
    unbounded = [f.name for f in dataclasses.fields(Policy)
                 if type(f.default) in (int, float)
                 and not math.isfinite(f.metadata.get("range", (0, math.inf))[1])]
    assert unbounded == []
