"""Plan plots render headless and return their Axes; HTML summaries are short and escaped."""

from __future__ import annotations

import copy
import doctest
import importlib
import io
import sys
import warnings

import matplotlib
import pandas as pd
import pytest

import staffing as st
from staffing.clusters import form_clusters
from staffing.compare import compare
from staffing.html import comparison_html, county_html, plan_html
from staffing.i18n import label
from staffing.plots import CJK_FONTS, PlanPlots

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
from matplotlib.axes import Axes  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def plan() -> st.Plan:
    p = st.optimize(st.synth.county(seed=3, n_schools=16))
    assert len(p.moves) > 0
    return p


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def render(ax: Axes) -> bytes:
    """The Axes' figure as PNG bytes (drawing it checks every artist)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing CJK glyphs on machines without the font
        ax.figure.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


def test_doctests_of_plots_and_html_pass():
    for name in ("staffing.plots", "staffing.html"):
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__


@pytest.mark.parametrize("method", ["gaps", "ptr", "moves"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_plot_returns_axes_and_renders_to_png(plan, method, lang):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no CJK font" where none is installed
        ax = getattr(PlanPlots(plan, lang=lang), method)()
    assert isinstance(ax, Axes)
    assert render(ax).startswith(PNG_MAGIC)
    assert ax.get_title()


def test_plots_draw_on_the_axes_given(plan):
    fig, axes = plt.subplots(1, 3)
    p = PlanPlots(plan)
    assert p.gaps(ax=axes[0]) is axes[0]
    assert p.ptr(ax=axes[1]) is axes[1]
    assert p.moves(ax=axes[2]) is axes[2]
    assert render(axes[0]).startswith(PNG_MAGIC)


def test_gaps_plot_has_one_before_and_one_after_dot_per_school(plan):
    ax = PlanPlots(plan).gaps()
    n = len(plan.quotas)
    before, after = ax.collections[1], ax.collections[2]
    assert len(before.get_offsets()) == len(after.get_offsets()) == n
    assert sorted(after.get_offsets()[:, 0]) == sorted(
        (plan.quotas["new_quota"] - plan.quotas["norm"]).tolist())
    assert [t.get_text() for t in ax.get_yticklabels()][0] in set(plan.quotas.index)


def test_chinese_labels_name_schools_by_name(plan):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = PlanPlots(plan).gaps(lang="zh")
    assert ax.get_xlabel() == "编制 − 编制标准(个)"
    assert {t.get_text() for t in ax.get_yticklabels()} <= set(plan.quotas["name"])


def test_zh_plots_use_a_cjk_font_list_or_say_none_is_installed(plan, monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [
        f for f in font_manager.fontManager.ttflist if f.name not in CJK_FONTS])
    with pytest.warns(UserWarning, match="no Chinese"):
        ax = PlanPlots(plan, lang="zh").ptr()
    assert ax.title.get_fontfamily() == ["DejaVu Sans"]


def test_moves_map_draws_one_arrow_set_per_kind_over_the_clusters(plan):
    ax = PlanPlots(plan).moves(clusters=form_clusters(plan.county, plan.policy))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "lead school" in labels
    kinds = plan.moves["kind"].value_counts()
    for kind, n in kinds.items():
        assert f"{label(kind, 'en')} ({n})" in labels
    assert ax.get_title() == f"{len(plan.moves)} teacher moves"
    assert render(ax).startswith(PNG_MAGIC)


def test_moves_map_colours_itinerant_moves_and_needs_coordinates(plan):
    visit = plan.moves.iloc[:1].assign(kind="itinerant")
    p = copy.copy(plan)
    p.moves = pd.concat([plan.moves, visit], ignore_index=True)
    ax = PlanPlots(p).moves()
    assert any(t.get_text().startswith("itinerant teaching") for t in
               ax.get_legend().get_texts())

    schools = plan.county.schools.reset_index().assign(lat=float("nan"), lon=float("nan"))
    blind = copy.copy(plan)
    blind.county = st.County(schools, plan.county.teachers.reset_index(), name="blind")
    with pytest.raises(ValueError, match="coordinates"):
        PlanPlots(blind).moves()


def test_plots_say_how_to_install_matplotlib(plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install staffing\[plot\]"):
        PlanPlots(plan).gaps()


# ---------------------------------------------------------------------------------------
# HTML


@pytest.fixture(scope="module")
def odd_county(small_county_frames) -> st.County:
    schools, teachers = small_county_frames(n_schools=5)
    schools.loc[0, "name"] = "<script>alert('x')</script>"
    return st.County(schools, teachers, name="<b>A&B县</b>")


def test_county_html_is_a_short_escaped_summary(odd_county):
    html = county_html(odd_county)
    assert "&lt;b&gt;A&amp;B县&lt;/b&gt;" in html and "<b>A&B" not in html
    assert "<script>" not in html
    assert "5 schools" in html and "county total quota" in html
    assert html.count("<tr") == 1 + 4 + 1  # header, the four levels present, total
    assert "学段" in county_html(odd_county, lang="zh")


def test_plan_html_shows_status_solver_summary_and_counts(plan):
    html = plan_html(plan)
    assert "Plan for " in html and plan.status in html and plan.solver.solver in html
    for text in plan.summary()["Measure"]:
        assert text in html
    assert f"{len(plan.moves)} teacher moves" in html
    assert "<table" in html and html.count("<table") == 1
    zh = plan_html(plan, lang="zh")
    assert "缺编数" in zh and "编制方案" in zh


def test_plan_html_escapes_the_county_name(odd_county):
    p = st.optimize(odd_county, st.Policy(rotation_enabled=False))
    html = plan_html(p)
    assert "&lt;b&gt;A&amp;B县&lt;/b&gt;" in html and "<b>A&B" not in html


def test_comparison_html_escapes_scenario_names(plan):
    table = compare({"<i>base</i>": plan, "R&D": plan})
    html = comparison_html(table)
    assert "&lt;i&gt;base&lt;/i&gt;" in html and "R&amp;D" in html and "<i>" not in html
    assert "2 scenarios" in html
