"""The rotation duty (教育部 财政部 人社部 2014): 城镇 (urban and town) and quality schools
rotate at least 10% of their eligible teachers, and backbone teachers are at least 20% of
those rotated. Checked on the plan's figures and moves against the input tables (kept
apart from test_rules_first_principles.py, which the mutation check runs, because these
solve models)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import staffing as st
from staffing.vocab import VISIT_KINDS

sys.path.insert(0, str(Path(__file__).parent))
from rotation_builders import english_county, school_row, staff_school  # noqa: E402


def backbone_county() -> st.County:
    """A rural quality school U (a duty school) and a rural village school R ~10 km away.

    By hand (12 classes at U: 4 in grades 1–2, 8 in 3–6; 24 at R: 8 and 16; loads 14
    for maths, 18 for English): U needs 48/14 = 3.43 maths teachers and has 6, so its
    two eligible maths teachers M1, M2 are spare; R needs 96/14 = 6.86 and has 5 (gap
    1.86). U needs 16/18 = 0.89 English teachers and has one, B, the only backbone
    teacher who may rotate; R needs 32/18 = 1.78 and has 1 (gap 0.78). Moving B would
    open a 0.89 gap (all of U's English) to close 0.78 at R: without the 20% rule the
    best plan moves M1 and M2 and no backbone teacher. Everyone else has two years at
    their school (not eligible).
    """
    schools = [
        school_row("U", location="rural", is_quality=True, township="碧城镇",
                   pupils_primary=480, classes_primary=12, approved_quota=8, staff_in_post=8),
        school_row("R", location="rural", township="碧城镇", pupils_primary=900,
                   classes_primary=24, approved_quota=9, staff_in_post=6,
                   lat=25.03, lon=101.65),
    ]
    teachers = (
        staff_school("U", {"maths": 4})
        + staff_school("U", {"maths": 2}, start=10, years_at_school=10)      # M1, M2
        + staff_school("U", {"english": 1}, start=20, years_at_school=10,
                       backbone="prefecture")                                # B
        + staff_school("U", {"chinese": 1}, start=30)
        + staff_school("R", {"maths": 5, "english": 1})
    )
    return st.County(pd.DataFrame(schools), pd.DataFrame(teachers), name="backbone")


POLICY = st.Policy(backbone_per_100_pupils_target=0.0, itinerant_enabled=False)


def backbone_movers(plan: st.Plan, county: st.County) -> tuple[int, int]:
    """(backbone movers, all movers) out of duty schools, from the input tables: duty =
    城镇 (urban or town) or quality schools; backbone = level county or above."""
    s = county.schools
    duty = s.index[s["location"].isin(["urban", "town"]) | s["is_quality"].astype(bool)]
    moves = plan.moves[~plan.moves["kind"].isin(VISIT_KINDS)
                       & plan.moves["from_school"].isin(duty)]
    backbone = county.teachers.loc[moves["teacher_id"], "backbone"].ne("none")
    return int(backbone.sum()), len(moves)


def test_without_the_rule_the_optimum_moves_no_backbone_teacher():
    county = backbone_county()
    plan = st.optimize(county, POLICY.replace(rotation_backbone_share_min=0.0))
    assert plan.status == "optimal"
    assert backbone_movers(plan, county) == (0, 2)


# 2e4 is the most the weight-ratio check allows beside weight_move_km = 0.002 (1e7).
@pytest.mark.parametrize("weight", [1e4, 2e4])
def test_backbone_teachers_are_a_fifth_of_movers_when_the_rule_outweighs_the_gap(weight):
    # A county that puts the 20% rule above a 0.89-teacher English gap at U.
    county = backbone_county()
    plan = st.optimize(county, POLICY.replace(weight_rotation_shortfall=weight))
    assert plan.status == "optimal"
    backbone, movers = backbone_movers(plan, county)
    assert movers > 0 and backbone >= 0.2 * movers
    assert "U-020" in set(plan.moves["teacher_id"])


def test_with_default_weights_the_missing_backbone_share_is_named():
    # The rule is soft: under the default weights the plan keeps B and names the
    # shortfall (0.2 x 2 movers = 0.4 backbone teachers) instead of staying silent.
    county = backbone_county()
    plan = st.optimize(county, POLICY)
    backbone, movers = backbone_movers(plan, county)
    assert (backbone, movers) == (0, 2)
    assert plan.rotation["backbone_share_short"] == pytest.approx(0.2 * movers - backbone)
    row = plan.explain().set_index("key").loc["rotation_backbone_share"]
    assert bool(row["binding"]) and row["shortfall"] == pytest.approx(0.4)


@pytest.mark.parametrize(("location", "quality", "duty"), [
    ("urban", False, True),   # 城区
    ("town", False, True),    # 镇区: 城镇 covers town schools too
    ("rural", True, True),    # a quality school, wherever it is
    ("rural", False, False),  # 乡村, not quality: no duty
])
def test_rotation_duty_covers_urban_town_and_quality_schools(location, quality, duty):
    base = english_county()  # U-900 is U's only teacher eligible to rotate
    schools = base.schools.reset_index()
    schools.loc[schools["school_id"].eq("U"), ["location", "is_quality"]] = [location, quality]
    county = st.County(schools, base.teachers.reset_index(), name="duty")
    plan = st.optimize(county, st.Policy())
    expected = {"U": 1} if duty else {}
    assert plan.rotation["eligible_per_duty_school"] == expected
    assert plan.rotation["rotation_target"] == pytest.approx(0.1 * sum(expected.values()))
