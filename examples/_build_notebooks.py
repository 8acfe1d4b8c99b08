"""Write the example notebooks from the cells below, without outputs.

The notebooks are generated, not edited by hand, so that their diffs stay readable
and they never carry outputs into the repository. Edit the cells here, then::

    python examples/_build_notebooks.py          # rewrites examples/0*.ipynb

Cell ids are fixed (``cell-00``, …), so an unchanged script writes identical bytes;
``tests/test_examples.py`` checks that the committed notebooks match this script and
runs them end to end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

QUICKSTART: list[tuple[str, str]] = [
    ("md", """\
# Quick start: plan one county

This notebook plans the bundled demo county — 36 made-up schools and 887 teachers
named after 禄丰市 (`examples/data/demo_county.xlsx`, Chinese headers, as a bureau keeps
it) — under the Chuxiong 2024 rules: norms, the optimised plan, why it looks as it
does, what is still unmet, plots and equity figures. Run it from the `examples`
folder (Jupyter does that when you open it there)."""),
    ("code", """\
import staffing as st

county = st.load_county("data/demo_county.xlsx")   # validated on load: every problem at once
county"""),
    ("md", """\
## Norms (编制标准)

Each school's norm under measure 10: 1 : 19 primary, 1 : 13.5 junior, two staff per
class in village schools and teaching points with 200 pupils or fewer. `quota_gap` is approved
quota − norm (negative: short of norm, 缺编)."""),
    ("code", """\
policy = st.Policy()                               # Chuxiong 2024 defaults
norms = st.quota_norms(county, policy)
norms[["norm", "basis", "approved_quota", "staff_in_post", "quota_gap"]].head(8)"""),
    ("md", """\
## The plan

One integer program decides the new quotas through the turnover pool (周转池) and the
teachers who rotate (县管校聘), within the fixed county total."""),
    ("code", """\
plan = st.optimize(county, policy, time_limit=60)
print(plan.status, f"{plan.solver.solver} {plan.solver.time_s:.2f} s")
plan.summary()"""),
    ("code", """\
plan.summary(lang="zh")"""),
    ("md", """\
## Why: binding rules, school stories, unmet needs"""),
    ("code", """\
plan.explain()[["rule", "target", "achieved", "shortfall", "binding"]]"""),
    ("code", """\
short = plan.shortfalls
if len(short):                                     # a school still below norm, and why
    print(plan.explain(short.index[0]))
    print(plan.explain(short.index[0], lang="zh"))"""),
    ("code", """\
plan.unmet.head(10)                                # subject needs still unmet, with reasons"""),
    ("code", """\
plan.moves[["teacher_id", "from_school", "to_school", "subject", "kind", "reason"]].head(10)"""),
    ("md", """\
## Plots

`PlanPlots(plan)` draws quota gaps, pupil–teacher ratios and the map of moves; each
method returns the matplotlib Axes. `lang="zh"` labels them in Chinese (a CJK font
must be installed; see `docs/faq.md`)."""),
    ("code", """\
from staffing.clusters import form_clusters
from staffing.plots import PlanPlots

plots = PlanPlots(plan)
plots.gaps();"""),
    ("code", """\
plots.ptr();"""),
    ("code", """\
plots.moves(clusters=form_clusters(county, policy));"""),
    ("md", """\
## Equity and coverage, before and after

The figures of POLICY.md part C: randomness of allocation (1 − R²), spread of
pupil–teacher ratios, schools at or above norm, urgent-subject coverage, backbone
teachers per 100 pupils. "After" counts staff in post − leavers ± moves."""),
    ("code", """\
from staffing.metrics import plan_metrics

plan_metrics(plan, decimals=3)"""),
    ("md", """\
## The workbook for the bureau

One sheet per table, Chinese headers. (Written to a temporary folder here; give your
own path.)"""),
    ("code", """\
import tempfile
from pathlib import Path

out = Path(tempfile.mkdtemp()) / "plan.xlsx"
plan.to_excel(out, lang="zh")
out.name, out.stat().st_size > 0"""),
]

SCENARIOS: list[tuple[str, str]] = [
    ("md", """\
# Scenarios: change a rule, re-plan, compare

A planner's question is rarely "what is the plan" but "what changes if…". Each
scenario below is one `Policy.replace(...)` and one `optimize`; `compare` puts the
headline figures side by side."""),
    ("code", """\
import staffing as st
from staffing.compare import compare

county = st.load_county("data/demo_county.xlsx")
base_policy = st.Policy()
baseline = st.optimize(county, base_policy)
baseline.summary()"""),
    ("md", """\
## Three rule changes

* **Primary ratio 1 : 18** — a tighter primary norm (more posts needed from the same
  county total);
* **Rotation 15 %** — urban, town and quality schools rotate at least 15 % of eligible
  teachers instead of 10 %;
* **Pool reserve 2 %** — the turnover pool keeps 2 % of the county total back."""),
    ("code", """\
# Each scenario starts from the baseline's plan (warm_start): the same plan within the
# gap, found sooner on large counties (docs/performance.md).
scenarios = {
    "baseline": baseline,
    "primary 1:18": st.optimize(county, base_policy.replace(primary_ratio=18.0),
                                warm_start=baseline),
    "rotation 15%": st.optimize(county, base_policy.replace(rotation_share_min=0.15),
                                warm_start=baseline),
    "pool reserve 2%": st.optimize(county, base_policy.replace(pool_reserve_share=0.02),
                                   warm_start=baseline),
}
compare(scenarios)"""),
    ("code", """\
compare(scenarios, lang="zh")"""),
    ("md", """\
## Consolidation: merge small schools near towns

Chuxiong measure 5 merges small village schools and teaching points near a town school
with room (never the remote ones a county keeps open). `consolidate` returns a new
county and the table of what merged where; plan it like any other."""),
    ("code", """\
from staffing.scenarios import consolidate

merged_county, merges = consolidate(county, base_policy)
merges[["school_id", "name", "merged_into", "receiver_name", "distance_km", "pupils"]]"""),
    ("code", """\
scenarios["merge small schools"] = st.optimize(merged_county, base_policy,
                                              warm_start=baseline)
compare(scenarios)"""),
    ("md", """\
## Reading a difference

With a reserve the pool holds posts back, so fewer schools reach their norm;
`explain()` says which rule binds."""),
    ("code", """\
reserve = scenarios["pool reserve 2%"]
reserve.explain()[["rule", "target", "achieved", "binding", "note"]]"""),
    ("code", """\
print(reserve.shortfalls_reason())"""),
    ("md", """\
## Equity figures across scenarios

The "after" column of `plan_metrics` for each scenario."""),
    ("code", """\
import pandas as pd

from staffing.metrics import plan_metrics

pd.DataFrame({name: plan_metrics(p)["after"] for name, p in scenarios.items()}).round(3)"""),
    ("code", """\
table = compare(scenarios, index="key")
ax = table.loc["posts_short"].astype(float).plot.bar(rot=0, title="Posts short of norm after the plan")
ax.set_ylabel("posts");"""),
    ("md", """\
## Five years ahead (五年规划)

`horizon=5` plans this school year and the five after it in one model: each year's
quotas within the county total, recruitment by school and subject (approved a year
ahead, so none this year; at least 30 % in urgent-need subjects 紧缺学科; rural recruits
shadow-train a year first), and the retirements the teachers' birth dates bring. See
`docs/multiyear.md`."""),
    ("code", """\
plan5 = st.optimize(county, base_policy, horizon=5)
print(plan5.status, f"{plan5.solver.time_s:.1f} s")
plan5.years"""),
    ("md", """\
Hires by subject and the school year they start (`plan5.hires` has one row per school,
subject and year, with the approval year and the shadow-training host of rural
recruits)."""),
    ("code", """\
plan5.hires.pivot_table(index="subject", columns="year", values="count", aggfunc="sum",
                        fill_value=0)"""),
    ("code", """\
import matplotlib.pyplot as plt

by_year = plan5.years.loc[["posts_short", "unmet_need_fte", "unmet_urgent_fte"]].T.astype(float)
by_year.columns = ["posts short of norm", "unmet subject need (FTE)", "of which urgent subjects"]
fig, ax = plt.subplots(figsize=(7, 3.5))
by_year.plot(ax=ax, marker="o", title="Five years ahead: posts short and unmet need")
ax.set_xlabel("school year starting")
ax.set_ylabel("posts / full-time teachers");"""),
]

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_scenarios.ipynb": SCENARIOS,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook of the given (kind, source) cells, with fixed cell ids."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(name: str) -> str:
    """The text of notebook ``name`` as this script writes it."""
    return nbformat.writes(build(NOTEBOOKS[name])) + "\n"


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for name in NOTEBOOKS:
        path = folder / name
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
