"""Nightly batches started from the plans an earlier run left (issue 19, part 2).

``plan_many(warm_start=True)`` / ``staffing batch --warm-start``: a county whose input
changed since the last run is re-planned from the moves and hires of its old
``plan.xlsx`` (read back in the workbook's language). Checked: the start was used
(the manifest says so) and the plan is the one a cold run finds, within the gap;
its moves keep every hard rule of the *new* input; an unreadable old workbook is a
warning and a plan from scratch, never a failed county; without the flag nothing
is read.
"""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import staffing as st
from staffing.batch import plan_many
from staffing.batch.cli import configure_parser
from staffing.report import read_plan_decisions
from staffing.testing import assert_plan_legal

NAME = "双柏县"


def _quiet() -> dict:
    return {"progress": False, "log": io.StringIO()}


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _county(pupil_rise: int = 0) -> st.County:
    county = st.synth.county(4, name=NAME, n_schools=16)
    if pupil_rise:
        schools = county.schools.copy()
        schools["pupils_primary"] += pupil_rise * (schools["pupils_primary"] > 0)
        county = st.County(schools.reset_index(), county.teachers.reset_index(), name=NAME,
                           county_total=county.county_total)
    return county


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Day 1 planned cold; day 2 the county's enrolment changed and it is re-planned warm."""
    data = tmp_path_factory.mktemp("warm") / "data"
    data.mkdir()
    out = data.parent / "out"
    _county().to_excel(data / f"{NAME}.xlsx")
    with ThreadPoolExecutor(1) as ex:
        first = plan_many(data, out_dir=out, executor=ex, lang="en", **_quiet())
        day1 = read_plan_decisions(out / NAME / "plan.xlsx")
        changed = _county(pupil_rise=12)
        changed.to_excel(data / f"{NAME}.xlsx")
        second = plan_many(data, out_dir=out, executor=ex, lang="en", warm_start=True,
                           **_quiet())
    return first, second, day1, changed, out


def test_the_changed_county_starts_from_yesterdays_plan(runs):
    first, second, day1, changed, out = runs
    assert first.exit_code == second.exit_code == 0
    assert second.names("ok") == [NAME]
    entry = _manifest(out)["counties"][NAME]
    solver = entry["solver"]
    assert len(day1.moves), "the test needs a first plan with moves"
    assert solver["warm_start"]["moves_carried"] > 0
    assert solver["start_used"] == "warm"
    # The same plan (objective) a cold run of the changed county finds, within the gap.
    cold = st.optimize(changed)
    assert entry["objective"] == pytest.approx(cold.solver.objective, rel=2e-3)


def test_the_warm_plan_keeps_every_rule_of_the_new_input(runs):
    *_, changed, out = runs
    written = read_plan_decisions(out / NAME / "plan.xlsx")
    # Replay the written moves and hires as a start with no search time: the plan
    # that comes back is made of them, checked against the new input tables.
    model = st.build_model(changed)
    from staffing.model.build import solve_model
    from staffing.model.warm import warm_values

    stats = solve_model(model, time_limit=0.0, warm_start=warm_values(model, written).values)
    plan = st.Plan.from_model(model, stats)
    assert stats.start_used == "warm" and stats.warm_repaired == 0
    assert_plan_legal(changed, st.Policy(), plan)


def _run_over_a_broken_old_plan(tmp_path: Path, warm_start: bool):
    """Plan the county into an OUT_DIR whose old plan.xlsx is not a workbook."""
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "out"
    _county().to_excel(data / f"{NAME}.xlsx")
    (out / NAME).mkdir(parents=True)
    (out / NAME / "plan.xlsx").write_bytes(b"not a workbook")
    with ThreadPoolExecutor(1) as ex:
        result = plan_many(data, out_dir=out, executor=ex, warm_start=warm_start, **_quiet())
    return result, out


def test_an_unreadable_old_plan_is_a_warning_not_a_failure(tmp_path):
    result, out = _run_over_a_broken_old_plan(tmp_path, warm_start=True)
    assert result.exit_code == 0
    entry = _manifest(out)["counties"][NAME]
    assert entry["solver"]["start_used"] == "bounds"
    assert any("could not be read as a start" in w["message"] for w in entry["warnings"])


def test_without_the_flag_nothing_is_read(tmp_path):
    _, out = _run_over_a_broken_old_plan(tmp_path, warm_start=False)
    entry = _manifest(out)["counties"][NAME]
    assert entry["solver"]["warm_start"] == {}
    assert not any("could not be read" in w["message"] for w in entry["warnings"])


def test_command_line_flag():
    import argparse

    args = configure_parser(argparse.ArgumentParser()).parse_args(
        ["data", "-o", "out", "--warm-start"])
    assert args.warm_start is True


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_plan_workbook_reads_back_to_its_moves_and_hires(tmp_path, lang):
    county = st.synth.county(3, n_schools=12)
    plan = st.optimize(county, horizon=2)
    assert len(plan.moves) and len(plan.hires), "the test needs moves and hires"
    path = tmp_path / f"plan_{lang}.xlsx"
    plan.to_excel(path, lang=lang)
    back = read_plan_decisions(path)
    moves = plan.moves[["teacher_id", "from_school", "to_school", "kind"]].astype(str)
    assert back.moves.astype(str).reset_index(drop=True).equals(moves.reset_index(drop=True))
    hires = plan.hires[["school_id", "subject", "year", "count"]].reset_index(drop=True)
    got = back.hires.astype({"school_id": str, "subject": str}).reset_index(drop=True)
    assert got.astype(str).equals(hires.astype(str))


def test_a_workbook_that_is_not_a_plan_is_refused_by_name(tmp_path):
    path = tmp_path / "county.xlsx"
    st.synth.county(3, n_schools=6).to_excel(path)  # a county workbook, not a plan
    back = read_plan_decisions(path)  # no plan sheets at all: nothing to carry
    assert back.moves.empty and back.hires.empty
    import pandas as pd

    with pd.ExcelWriter(tmp_path / "odd.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="moves", index=False)
    with pytest.raises(ValueError, match="sheet 'moves': no column teacher_id"):
        read_plan_decisions(tmp_path / "odd.xlsx")
