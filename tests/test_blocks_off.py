"""Plans say what they could not do (issue 15, parts 4 and 6).

A county without a teachers table gets quotas only; the plan's tables keep their
columns, and explain(), summary() and the workbook name every block that was off, why,
and the input that would switch it on, in English and Chinese. A county total equal to
the staff in post is said before solving. Plans pickle equal; explain()'s
schools_affected is a list; quota-only workbooks carry no headerless sheets; ``make
demo`` installs what the README's examples import.

The expected facts are written here from the rules, not read from the code under test:
sheet names from docs/data.md (教师 / teachers), the quota rule (a quota never falls
below the staff staying in post, and quotas sum to at most the county total), the
workbook read back with openpyxl, imports read with ast.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import pickle
import re
import sys
import tomllib
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import staffing as st
from staffing.errors import StaffingPlanWarning

ROOT = Path(__file__).resolve().parents[1]

#: Blocks that need a teachers table, and so are off in a quota-only county.
TEACHER_BLOCKS = ["rotation", "subject_cover", "backbone_support", "itinerant", "clusters"]


@pytest.fixture(scope="module")
def quota_only():
    county = st.synth.county(seed=3, n_schools=12, teachers=False)
    return county, st.optimize(county)


@pytest.fixture(scope="module")
def quota_only_5y():
    county = st.synth.county(seed=3, n_schools=12, teachers=False)
    return st.optimize(county, horizon=2)


def _equal_staff_county() -> st.County:
    c = st.synth.county(seed=5, n_schools=10, teachers=False)
    return st.County(c.schools.reset_index(), name="equal",
                     county_total=int(c.schools["staff_in_post"].sum()))


# ----------------------------------------------------------------- quota-only plans
def test_quota_only_plan_has_empty_tables_with_their_columns(quota_only):
    _, plan = quota_only
    assert plan.moves.empty and {"teacher_id", "from_school", "to_school", "kind"} <= set(
        plan.moves.columns)
    assert plan.coverage.empty and {"need", "covered_after", "unmet_after"} <= set(
        plan.coverage.columns)
    assert plan.coverage.index.names == ["school_id", "subject"]
    assert plan.clusters.empty and {"cluster_id", "lead_school"} <= set(plan.clusters.columns)
    assert plan.transfers.empty and {"teacher_id", "to_school"} <= set(plan.transfers.columns)
    assert plan.unmet.empty and "reason" in plan.unmet.columns
    summary = plan.summary()
    assert summary.loc["teachers_moved"].iloc[1:].tolist() == [0, 0]


def test_quota_only_multi_year_plan_hires_and_retires_nobody(quota_only_5y):
    plan = quota_only_5y
    assert plan.hires.empty and {"school_id", "subject", "count"} <= set(plan.hires.columns)
    assert plan.retirements.empty and "teacher_id" in plan.retirements.columns
    assert (plan.years.loc["hires"] == 0).all() and (plan.years.loc["retirements"] == 0).all()


def test_explain_names_each_block_off_and_the_teachers_sheet(quota_only):
    _, plan = quota_only
    for lang, words in (("en", ["teachers table", "教师", "teachers"]), ("zh", ["教师表", "教师"])):
        rules = plan.explain(lang=lang).set_index("key")
        for block in TEACHER_BLOCKS:
            note = rules.loc[f"off:{block}", "note"]
            assert all(w in note for w in words), (lang, block, note)
        # the quota block ran: its rows are there and none of them is "off"
        assert "norm_coverage" in rules.index and "off:quota" not in rules.index
        assert "off:pool" not in rules.index


def test_summary_names_each_block_off_in_both_languages(quota_only):
    _, plan = quota_only
    en, zh = plan.summary("en"), plan.summary("zh")
    for block in TEACHER_BLOCKS:
        assert "teachers" in en.loc[f"off:{block}"].iloc[0]
        assert en.loc[f"off:{block}"].iloc[2] == "off"
        assert "教师表" in zh.loc[f"off:{block}"].iloc[0]
        assert zh.loc[f"off:{block}"].iloc[2] == "未启用"


def test_blocks_off_by_policy_name_the_policy_field():
    county = st.synth.county(seed=4, n_schools=10)
    plan = st.optimize(county, st.Policy(itinerant_enabled=False, pool_enabled=False))
    rules = plan.explain().set_index("key")
    assert "itinerant_enabled" in rules.loc["off:itinerant", "note"]
    assert "pool_enabled" in rules.loc["off:pool", "note"]
    assert "off:rotation" not in rules.index and not plan.moves.empty
    blocks = plan.blocks.set_index("block")
    assert blocks.loc["rotation", "on"] and not blocks.loc["itinerant", "on"]
    assert (plan.moves["kind"] != "itinerant").all()
    off = st.optimize(county, st.Policy(rotation_enabled=False)).explain().set_index("key")
    assert "rotation_enabled" in off.loc["off:rotation", "note"]


def test_missing_coordinates_are_named_with_the_columns(quota_only):
    county, _ = quota_only
    schools = county.schools.reset_index()
    schools.loc[:2, ["lat", "lon"]] = float("nan")
    plan = st.optimize(st.County(schools, county_total=county.county_total))
    rules = plan.explain().set_index("key")
    assert "3 of 12 schools" in rules.loc["off:distances", "note"]
    assert "lat" in rules.loc["off:rotation", "note"]  # moves would need them too


def test_run_options_left_off_are_not_reported_as_missing_data(quota_only):
    # A one-year plan without transfer requests is what was asked for: not "off" in
    # explain(), though plan.blocks lists it with the option that would switch it on.
    _, plan = quota_only
    keys = set(plan.explain()["key"])
    assert not {"off:hiring", "off:transfers", "off:later_years"} & keys
    blocks = plan.blocks.set_index("block")
    assert blocks.loc["hiring", "switch_on"].startswith("optimize(horizon=")


def test_block_table_follows_the_options_of_optimize():
    from staffing.model.blocks import block_table

    county = st.synth.county(seed=4, n_schools=6)

    def on(**options) -> dict[str, bool]:
        policy = options.pop("policy", None)
        t = block_table(county, policy, **options).set_index("block")
        return {b: bool(t.at[b, "on"]) for b in t.index} | {
            f"{b}:cause": t.at[b, "cause"] for b in t.index}

    one = on()
    assert one["rotation"] and one["distances"] and not one["hiring"]
    assert one["hiring:cause"] == "option"
    five = on(horizon=5)
    assert five["hiring"] and five["retirements"] and five["pool_loans"]
    assert not five["hiring_budget"] and five["hiring_budget:cause"] == "option"
    assert on(horizon=5, hiring_budget=10)["hiring_budget"]
    requests = pd.DataFrame({"teacher_id": [], "rank": [], "school_id": []})
    assert on(preferences=requests)["transfers"]
    off = on(preferences=requests, policy=st.Policy(transfer_mode="off"))
    assert not off["transfers"] and off["transfers:cause"] == "policy"
    no_pool = on(horizon=5, policy=st.Policy(pool_enabled=False))
    assert not no_pool["pool"] and not no_pool["pool_loans"]
    assert no_pool["pool_loans:cause"] == "policy"


def test_multi_year_quota_only_names_hiring_and_retirements(quota_only_5y):
    rules = quota_only_5y.explain().set_index("key")
    for block in ("hiring", "retirements"):
        assert "teachers" in rules.loc[f"off:{block}", "note"]


# --------------------------------------------------------- nothing for the pool to move
def test_total_equal_to_staff_is_said_before_solving(monkeypatch):
    opt = importlib.import_module("staffing.optimize")  # the module, not the function

    def no_solver(*args, **kwargs):
        raise RuntimeError("solver reached")

    monkeypatch.setattr(opt, "solve_model", no_solver)
    with pytest.warns(StaffingPlanWarning, match="nothing to move"), \
            pytest.raises(RuntimeError, match="solver reached"):
        st.optimize(_equal_staff_county())


def test_total_equal_to_staff_message_in_plan_explain_and_summary():
    county = _equal_staff_county()
    with pytest.warns(StaffingPlanWarning):
        plan = st.optimize(county)
    assert plan.messages["key"].tolist() == ["pool_idle"]
    assert "nothing to move" in plan.explain().set_index("key").loc["message:pool_idle",
                                                                    "note"]
    assert "周转池" in plan.summary("zh").loc["message:pool_idle"].iloc[0]
    # The rule behind it: quotas ≥ staff in post everywhere and Σ quotas ≤ Σ staff.
    q = plan.quotas
    assert (q["new_quota"] == q["staff_in_post"]).all()


def test_total_below_staff_names_the_excess_before_solving():
    from staffing.model.blocks import pre_solve_messages

    county = _equal_staff_county()
    less = st.County(county.schools.reset_index(), county_total=county.county_total - 2)
    message = pre_solve_messages(less).set_index("key").loc["pool_idle"]
    assert f"exceed the county total ({county.county_total - 2}) by 2" in message["message"]
    assert f"超出编制总量({county.county_total - 2})2个" in message["message_zh"]


def test_one_post_more_than_staff_leaves_the_pool_something_to_move():
    county = _equal_staff_county()
    more = st.County(county.schools.reset_index(), county_total=county.county_total + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaffingPlanWarning)
        plan = st.optimize(more)
    assert plan.messages.empty
    assert not any(k.startswith("message:") for k in plan.explain()["key"])


# ------------------------------------------------------------- schools_affected lists
def test_schools_affected_is_a_list_shown_shortened(quota_only):
    _, plan = quota_only
    rules = plan.explain()
    assert all(isinstance(v, list) for v in rules["schools_affected"])
    row = rules.set_index("key").loc["norm_coverage"]
    short = plan.quotas.index[plan.quotas["shortfall_after"] > 0].tolist()
    assert row["schools_affected"] == short and len(short) > 4
    with pd.option_context("display.max_columns", None, "display.width", 10_000,
                           "display.max_colwidth", None):
        shown = repr(rules)
    more = f"… (+{len(short) - 3})"
    assert more in shown and short[-1] not in shown
    assert more in rules.to_string() and more in rules._repr_html_()
    # the workbook cell keeps every id
    cell = plan.tables()["explain"].set_index("Item").loc["norm_coverage", "Schools affected"]
    assert cell.split(", ") == short


# ------------------------------------------------------------------------- pickling
def _assert_same_tables(a, b) -> None:
    for name in ("quotas", "pool", "moves", "coverage", "hires", "years", "blocks"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.status == b.status and a.objective == b.objective


@pytest.fixture(scope="module")
def rotation_plan():
    return st.optimize(st.synth.county(seed=2, n_schools=12), horizon=1)


def test_unpickled_model_is_the_same_problem_and_solves_again():
    plan = st.optimize(st.synth.county(seed=6, n_schools=10), horizon=1)
    back = pickle.loads(pickle.dumps(plan))  # before the plan solves anything more
    assert back.model.size() == plan.model.size()
    values = {v.name: v.varValue for v in plan.model.prob.variables()}
    assert {v.name: v.varValue for v in back.model.prob.variables()} == values
    # the rebuilt problem re-solves (one more post: two LPs) to the same figure
    assert back.value_of_one_more_post == pytest.approx(plan.value_of_one_more_post)


def test_plan_pickles_and_deep_copies_equal(quota_only, rotation_plan):
    for plan in (quota_only[1], rotation_plan):
        back = pickle.loads(pickle.dumps(plan))
        _assert_same_tables(plan, back)
        assert back == plan and copy.deepcopy(plan) == plan
        pd.testing.assert_frame_equal(back.explain(breakdown="rule"),
                                      plan.explain(breakdown="rule"))
    assert rotation_plan.model.prob.solverModel is not None  # the live model is untouched


def test_plan_round_trips_through_cloudpickle(rotation_plan):
    cloudpickle = pytest.importorskip("cloudpickle")
    back = cloudpickle.loads(cloudpickle.dumps(rotation_plan))
    _assert_same_tables(rotation_plan, back)
    assert back == rotation_plan


def test_plans_of_different_counties_or_results_are_not_equal(quota_only, rotation_plan):
    _, plan = quota_only
    assert plan != rotation_plan
    other = copy.deepcopy(plan)
    other.quotas = other.quotas.assign(new_quota=other.quotas["new_quota"] + 1)
    assert other != plan
    with pytest.raises(TypeError):
        hash(plan)


# ------------------------------------------------------------------------ workbooks
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_quota_only_workbook_has_no_headerless_sheet(quota_only_5y, tmp_path, lang):
    path = tmp_path / f"plan_{lang}.xlsx"
    quota_only_5y.to_excel(path, lang=lang)
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        assert header and all(v not in (None, "") for v in header), ws.title
    names = wb.sheetnames
    moves, hires = ("moves", "hires") if lang == "en" else ("交流轮岗", "招聘计划")
    assert moves not in names and hires not in names
    lines = [row[0] for row in wb.worksheets[0].iter_rows(values_only=True)]
    said = [t for t in lines if t and f"“{moves}”" in t]
    assert len(said) == 1
    assert ("teachers" if lang == "en" else "教师表") in said[0]


def test_coverage_sheet_names_school_and_subject(rotation_plan, tmp_path):
    rotation_plan.to_excel(tmp_path / "p.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx", read_only=True)["coverage"]
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header[:2] == ("School ID", "Subject")


# ------------------------------------------------------------- make demo vs README
#: Import name → distribution, for the third-party modules the examples may use.
DISTRIBUTIONS = {"matplotlib": "matplotlib", "pandas": "pandas", "numpy": "numpy",
                 "pulp": "pulp", "networkx": "networkx", "openpyxl": "openpyxl",
                 "highspy": "highspy", "pyarrow": "pyarrow", "dask": "dask",
                 "distributed": "dask", "tqdm": "tqdm"}
#: staffing modules that need an extra, by the module they import.
NEEDS = {"staffing.plots": "matplotlib"}


def _example_code() -> list[tuple[str, str]]:
    fence = re.compile(r"^```[ \t]*python\b([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
    out = []
    for doc in (ROOT / "README.md", ROOT / "docs" / "tutorial.md"):
        out += [(doc.name, m.group(2)) for m in fence.finditer(doc.read_text("utf-8"))]
    for script in sorted((ROOT / "examples").glob("[!_]*.py")):
        out.append((script.name, script.read_text("utf-8")))
    for nb in sorted((ROOT / "examples").glob("*.ipynb")):
        cells = json.loads(nb.read_text("utf-8"))["cells"]
        out += [(nb.name, "".join(c["source"])) for c in cells if c["cell_type"] == "code"]
    return out


def _modules_used(code: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    if re.search(r"\.plot\.\w+\(", code):  # plan.plot.gaps() imports staffing.plots
        found.add("staffing.plots")
    return found


def _demo_distributions() -> set[str]:
    make = (ROOT / "Makefile").read_text("utf-8")
    recipe = re.search(r"^\$\(STAMP_CORE\):.*\n((?:\t.*\n)+)", make, re.M).group(1)
    spec = re.search(r"pip install[^\n]*?-e\s+\"?\.(\[[^\]]*\])?", recipe)
    assert spec, recipe
    extras = spec.group(1)[1:-1].split(",") if spec.group(1) else []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra.strip()]
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in reqs}


def test_demo_install_provides_every_import_of_the_readme_examples():
    provided = _demo_distributions()
    missing = []
    for where, code in _example_code():
        for module in _modules_used(code):
            top = module.split(".")[0]
            need = NEEDS.get(module) or (None if top in ("staffing", *sys.stdlib_module_names)
                                         else top)
            if need is None:
                continue
            dist = DISTRIBUTIONS.get(need)
            if dist not in provided:
                missing.append((where, module, dist))
    assert not missing, f"make demo does not install: {missing}"
    assert "matplotlib" in provided  # the tutorial and notebooks plot


def test_a_lighter_class_teacher_load_without_teachers_is_off_for_want_of_them(quota_only):
    county, _ = quota_only
    plan = st.optimize(county, st.Policy(head_teacher_load_reduction=4))
    row = plan.blocks.set_index("block").loc["head_teacher_load"]
    assert not row["on"] and "teachers" in row["reason"]
    assert "off:head_teacher_load" in plan.explain().set_index("key").index


def test_balance_failures_without_teachers_name_the_missing_table(quota_only):
    _, plan = quota_only
    fails = st.explain.balance_failures(plan)
    staff = fails[fails["indicator"].isin(st.balance.STAFF_INDICATORS)]
    assert len(staff) and staff["reason_key"].eq("no_teachers").all()
    assert fails.loc[~fails.index.isin(staff.index), "reason_key"].isin(
        ["no_data", "facility"]).all()
    note = plan.explain().set_index("key").loc["balance_rule", "note"]
    assert note.startswith("indicators not met, by reason: ")
    zh = plan.explain(lang="zh").set_index("key").loc["balance_rule", "note"]
    assert zh.startswith("未达标指标数,按原因:") and "没有教师表" in zh
