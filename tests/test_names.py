"""The model's names (staffing.model.names): every name of a built model parses, and
formatting the parsed parts gives the name back; hand-read names give the parts their
spelling says."""

from __future__ import annotations

from pathlib import Path

import pytest

import staffing as st
from staffing.model.names import KINDS, Name, name, parse

DEMO = Path(__file__).resolve().parents[1] / "examples" / "data" / "demo_county.xlsx"


def _models():
    demo = st.load_county(DEMO)
    small = st.synth.county(1, n_schools=20)
    return {
        "demo": st.build_model(demo),
        "demo_h2": st.build_model(demo, horizon=2),
        "synth": st.build_model(small),
        "synth_h2": st.build_model(small, horizon=2),
    }


@pytest.fixture(scope="module")
def models():
    return _models()


def _round_trip(text: str) -> str:
    part = parse(text)
    assert part is not None, f"{text!r} does not parse"
    assert part.rule == KINDS[part.kind][0]
    fields = {k: v for k, v in part._asdict().items() if k not in ("kind", "rule")}
    return name(part.kind, **fields)


@pytest.mark.parametrize("which", ["demo", "demo_h2", "synth", "synth_h2"])
def test_every_name_of_a_built_model_parses_and_formats_back(models, which):
    prob = models[which].prob
    variables = [v.name for v in prob.variables()]
    found = prob.constraints() if callable(prob.constraints) else prob.constraints.values()
    rows = [c.name for c in found]
    assert len(variables) > 100 and len(rows) > 100
    for text in variables + rows:
        assert _round_trip(text) == text
    n = len(models[which].inputs.schools)
    schools = [p.school for p in map(parse, variables + rows) if p.school is not None]
    assert 0 <= min(schools) and max(schools) < n
    years = {p.year for p in map(parse, variables + rows) if p.year is not None}
    # The later years of a horizon carry their year; this year is written with or without.
    assert years <= {0, 1, 2} and ({1, 2} <= years) == which.endswith("_h2")


def test_kinds_that_appear_cover_every_block(models):
    kinds = {parse(v.name).kind for m in models.values() for v in m.prob.variables()}
    for expected in ("quota", "short_step", "unmet_step", "move", "hire", "use", "itin"):
        assert expected in kinds


# Hand-read from the names' spelling: (name, kind, school, subject, cover, year, step).
HAND = [
    ("quota_12", "quota", 12, None, None, None, None),
    ("quota_12_y3", "quota", 12, None, None, 3, None),
    ("short_7_s2", "short_step", 7, None, None, None, 2),
    ("short_y1_7_s0", "short_step", 7, None, None, 1, 0),
    ("unmet_4_morality_law_y2_s1", "unmet_step", 4, "morality_law", None, 2, 1),
    ("unmet_4_morality_law", "unmet", 4, "morality_law", None, None, None),
    ("use_0_general_morality_law_y1", "use", 0, "morality_law", "general", 1, None),
    ("use_3_morality_law_science", "use", 3, "science", "morality_law", None, None),
    ("hire_need_round_9_pe_y0", "hire_need_round", 9, "pe", None, 0, None),
    ("rotation_need_9_it", "rotation_need", 9, "it", None, None, None),
    ("hire_5_art_y2", "hire", 5, "art", None, 2, None),
    ("over_county_total", "over_county_total", None, None, None, None, None),
    ("pool_lend_y1", "pool_lend", None, None, None, 1, None),
    ("rotation_volume_short_8", "rotation_volume_short", 8, None, None, None, None),
    ("rotation_volume_8", "rotation_volume", 8, None, None, None, None),
]


@pytest.mark.parametrize("text, kind, school, subject, cover, year, step", HAND)
def test_hand_read_names(text, kind, school, subject, cover, year, step):
    part = parse(text)
    assert (part.kind, part.school, part.subject, part.cover, part.year, part.step) == (
        kind, school, subject, cover, year, step)


def test_move_and_arc_names():
    assert parse("move_31_4") == Name("move", "rotation", school=4, group=31)
    assert parse("itin_17") == Name("itin", "itinerant", arc=17)
    assert name("move", group=31, school=4) == "move_31_4"


@pytest.mark.parametrize("text", ["x", "quota_", "quota_a", "unmet_3_latin", "short_y1_2",
                                  "hire_2_art"])
def test_names_the_model_never_gives_do_not_parse(text):
    assert parse(text) is None


def test_a_name_without_the_parts_its_kind_needs_is_refused():
    with pytest.raises(ValueError, match="no name of kind 'hire'"):
        name("hire", school=1, subject="art")
