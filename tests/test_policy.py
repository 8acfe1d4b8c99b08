"""Policy: Chuxiong defaults, TOML round trip, clear rejection of bad values."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

from staffing import Policy, PolicyError


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
        ("primary_ratio", 0, "(0, inf]"),
        ("junior_ratio", -13.5, "(0, inf]"),
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
