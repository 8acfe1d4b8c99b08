"""Plots of a plan: quota gaps, pupil–teacher ratios and the map of teacher moves.

:class:`PlanPlots` is the accessor behind ``plan.plot`` (as ``DataFrame.plot`` is for
pandas): ``plan.plot.gaps()``, ``plan.plot.ptr()``, ``plan.plot.moves()``, and the
优质均衡 plots ``plan.plot.balance()`` and ``plan.plot.balance_cv()``. Each
method draws on ``ax`` (or a new figure) and returns the matplotlib Axes, so plots
compose with ordinary matplotlib code. matplotlib is an optional dependency:
``pip install staffing[plot]``.

**Chinese labels.** ``lang="zh"`` labels a plot in Chinese (and names schools by
name rather than id). Its text is set in the first installed font of
:data:`CJK_FONTS` (Noto Sans CJK SC, WenQuanYi Zen Hei, SimHei, Microsoft YaHei),
with DejaVu Sans as fallback for Latin letters; a CJK font must be installed
(Debian/Ubuntu: ``apt install fonts-noto-cjk``; conda: ``conda install -c conda-forge
font-ttf-noto-cjk``). Without one the plot is still drawn, the Chinese characters
show as boxes, and a warning says so. Only the plot's own text objects get the
font: global matplotlib settings are not changed.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import staffing as st
>>> from staffing.plots import PlanPlots
>>> plan = st.optimize(st.synth.county(seed=1, n_schools=12, teachers=False))
>>> ax = PlanPlots(plan).gaps()
>>> ax.get_xlabel()
'quota − norm (posts)'
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.balance import INDICATORS, PARTS, county_cv, plan_balance, school_indicators
from staffing.i18n import check_lang, label
from staffing.metrics import apply_moves, pupil_teacher_ratios, staff_after_plan

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes

    from staffing.data.county import County
    from staffing.plan import Plan

__all__ = ["PlanPlots", "CJK_FONTS", "MOVE_COLOURS", "RULE_COLOURS", "plot_clusters"]

#: Common fonts with Simplified Chinese glyphs, in order of preference.
CJK_FONTS: tuple[str, ...] = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei",
                              "Microsoft YaHei")

#: Colour of each kind of move on the map.
MOVE_COLOURS: dict[str, str] = {
    "rotation": "tab:blue",
    "support": "tab:red",
    "exchange": "tab:green",
    "itinerant": "tab:purple",
    "principal_exchange": "tab:orange",
    "remote": "tab:cyan",
}

#: Plot text: key → (English, Chinese).
_TEXT: dict[str, tuple[str, str]] = {
    "gap_x": ("quota − norm (posts)", "编制 − 编制标准(个)"),
    "gap_title": ("Quota against norm per school, before and after the plan",
                  "各校编制与编制标准差额(调整前后)"),
    "schools_sorted": ("schools (sorted by gap after the plan)", "学校(按调整后差额排序)"),
    "before": ("before", "调整前"),
    "after": ("after", "调整后"),
    "norm": ("norm", "编制标准"),
    "ptr_x": ("pupils per staff member", "生师比(学生数/教职工数)"),
    "ptr_y": ("share of schools", "学校占比"),
    "ptr_title": ("Pupil–teacher ratios of the schools, before and after the plan",
                  "各校生师比分布(调整前后)"),
    "primary": ("primary", "小学"),
    "junior": ("junior secondary", "初中"),
    "ratio": ("norm 1:{r:g}", "标准1:{r:g}"),
    "lon": ("longitude (°E)", "经度(°E)"),
    "lat": ("latitude (°N)", "纬度(°N)"),
    "moves_title": ("{n} teacher moves", "教师交流{n}人次"),
    "no_moves": ("no teacher moves", "无教师交流"),
    "urban": ("urban school", "城区学校"),
    "town": ("town school", "镇区学校"),
    "rural": ("rural school", "乡村学校"),
    "lead school": ("lead school", "牵头学校"),
    "member": ("member", "成员学校"),
    "standalone": ("standalone", "独立学校"),
    "bal_x": ("indicators met (of 7)", "达标指标数(共7项)"),
    "bal_title": ("High-quality balance: indicators met per school, before and after the plan",
                  "优质均衡:各校达标指标数(调整前后)"),
    "rule_met": ("meets the rule", "达标"),
    "rule_not_met": ("fails the rule", "未达标"),
    "rule_not_assessable": ("not assessable (data missing)", "无法评估(缺数据)"),
    "bal_need": ("needed: {n} of 7", "要求:7项中{n}项"),
    "cv_x": ("between-school coefficient of variation, pupil-weighted", "校际差异系数(按学生数加权)"),
    "cv_title": ("Between-school variation of the balance indicators against the limits",
                 "优质均衡各指标校际差异系数与标准"),
    "cv_limit": ("limit {part} ≤ {v:g}", "{part}标准≤{v:g}"),
    "no_data": ("no data", "无数据"),
}

_LOCATION_COLOURS: dict[str, str] = {"urban": "0.15", "town": "0.45", "rural": "0.75"}

#: Colour of each verdict of the 优质均衡 rule (staffing.balance.assess).
RULE_COLOURS: dict[str, str] = {"met": "tab:green", "not_met": "tab:red",
                                "not_assessable": "0.6"}


def _t(key: str, lang: str, **fmt: Any) -> str:
    text = _TEXT[key][0 if lang == "en" else 1]
    return text.format(**fmt) if fmt else text


def _pyplot() -> Any:
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("staffing plots need matplotlib: pip install staffing[plot]") from exc
    return plt


def _cjk_families() -> list[str]:
    """The installed fonts of :data:`CJK_FONTS`, then DejaVu Sans (warns when none)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [f for f in CJK_FONTS if f in installed]
    if not found:
        warnings.warn(
            "no Chinese (CJK) font found for lang='zh' plots: Chinese text will show as "
            f"boxes. Install one of {', '.join(CJK_FONTS)} (e.g. apt install fonts-noto-cjk)",
            stacklevel=3)
    return [*found, "DejaVu Sans"]


def _apply_font(ax: Axes, lang: str) -> None:
    """Set the CJK font list on every text of ``ax`` (titles, labels, ticks, legend)."""
    if lang != "zh":
        return
    from matplotlib.text import Text

    families = _cjk_families()
    for text in ax.findobj(Text):
        text.set_fontfamily(families)
    try:  # matplotlib ≥ 3.8: tick labels created at draw time get the font too
        ax.tick_params(labelfontfamily=families)
    except (TypeError, ValueError):  # pragma: no cover - older matplotlib
        for text in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            text.set_fontfamily(families)


def _ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(values)
    return x, np.arange(1, x.size + 1) / x.size


class PlanPlots:
    """Plots of one plan: ``PlanPlots(plan).gaps()``, ``.ptr()``, ``.moves()``.

    Parameters
    ----------
    plan : a :class:`~staffing.Plan`.
    lang : default language of the labels, ``"en"`` or ``"zh"`` (each method takes
        ``lang`` too). Chinese needs a CJK font (see the module notes).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import staffing as st
    >>> plan = st.optimize(st.synth.county(seed=1, n_schools=12, teachers=False))
    >>> PlanPlots(plan).ptr().get_ylabel()
    'share of schools'
    """

    def __init__(self, plan: Plan, lang: str = "en") -> None:
        self._plan = plan
        self.lang = check_lang(lang)

    def __repr__(self) -> str:
        return (f"PlanPlots({self._plan.county.name!r}: gaps, ptr, moves, balance, "
                "balance_cv)")

    def _lang(self, lang: str | None) -> str:
        return self.lang if lang is None else check_lang(lang)

    # ------------------------------------------------------------------ gaps
    def gaps(self, ax: Axes | None = None, *, lang: str | None = None,
             max_labels: int = 60) -> Axes:
        """Dot chart of quota − norm per school, before (hollow) and after (filled).

        Schools are sorted by their gap after the plan (most short at the bottom),
        then by the gap before and by id; a grey line joins each school's two dots.
        A negative gap is a school short of its norm (缺编), a positive one above it
        (超编). Schools are named by id (``lang="en"``) or name (``"zh"``) when there
        are at most ``max_labels`` of them.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        lang = self._lang(lang)
        q = self._plan.quotas
        table = pd.DataFrame({
            "before": (q["approved_quota"] - q["norm"]).to_numpy(),
            "after": (q["new_quota"] - q["norm"]).to_numpy(),
            "id": q.index.astype(str).to_numpy(),
            "name": q["name"].astype(str).to_numpy(),
        }).sort_values(["after", "before", "id"], kind="stable").reset_index(drop=True)
        n = len(table)
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, max(3.5, 0.22 * n + 1.2)))
        y = np.arange(n)
        ax.hlines(y, table["before"], table["after"], colors="0.75", linewidths=1.2, zorder=1)
        ax.scatter(table["before"], y, s=28, facecolors="white", edgecolors="0.35",
                   linewidths=1.0, zorder=2, label=_t("before", lang))
        colour = np.where(table["after"] < 0, "tab:red", "tab:blue")
        ax.scatter(table["after"], y, s=30, c=colour, zorder=3, label=_t("after", lang))
        ax.axvline(0, color="black", linewidth=0.8, zorder=0)
        if 0 < n <= max_labels:
            ax.set_yticks(y, labels=table["name" if lang == "zh" else "id"].tolist(),
                          fontsize="small" if n > 30 else "medium")
        else:
            ax.set_yticks([])
            ax.set_ylabel(_t("schools_sorted", lang))
        ax.set_ylim(-1, n)
        ax.set_xlabel(_t("gap_x", lang))
        ax.set_title(_t("gap_title", lang))
        ax.legend(loc="lower right", fontsize="small")
        ax.grid(axis="x", alpha=0.3)
        _apply_font(ax, lang)
        return ax

    # ------------------------------------------------------------------ ptr
    def ptr(self, ax: Axes | None = None, *, lang: str | None = None) -> Axes:
        """Distribution (ECDF) of the schools' pupil–teacher ratios, before and after.

        One curve per school part — primary, junior secondary — dashed before the
        plan (staff in post) and solid after it (staff in post − leavers + moves in −
        moves out); a nine-year school's staff are split between its parts pro rata
        to its pupil norms (:func:`staffing.metrics.pupil_teacher_ratios`). Dotted
        vertical lines mark the policy ratios (1:19, 1:13.5). Schools with pupils and
        no staff cannot be drawn and are left out.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        lang = self._lang(lang)
        plan = self._plan
        county, policy = plan.county, plan.policy
        before = pupil_teacher_ratios(county, plan.quotas["staff_in_post"], policy=policy,
                                      by="school")
        after = pupil_teacher_ratios(county, staff_after_plan(plan), policy=policy,
                                     by="school")
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 4.5))
        colours = {"primary": "tab:blue", "junior": "tab:orange"}
        ratios = {"primary": policy.primary_ratio, "junior": policy.junior_ratio}
        for part, colour in colours.items():  # two parts × two states: four curves
            for state, frame, style in (("before", before, "--"), ("after", after, "-")):
                values = frame[part].to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                if not values.size:
                    continue
                x, y = _ecdf(values)
                ax.step(x, y, where="post", color=colour, linestyle=style,
                        label=f"{_t(part, lang)}{', ' if lang == 'en' else '·'}"
                              f"{_t(state, lang)}")
            if (county.schools[f"pupils_{part}"] > 0).any():
                ax.axvline(ratios[part], color=colour, linestyle=":", linewidth=1,
                           label=_t("ratio", lang, r=ratios[part]))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(_t("ptr_x", lang))
        ax.set_ylabel(_t("ptr_y", lang))
        ax.set_title(_t("ptr_title", lang))
        ax.legend(loc="lower right", fontsize="small")
        ax.grid(alpha=0.3)
        _apply_font(ax, lang)
        return ax

    # ------------------------------------------------------------------ moves
    def moves(self, ax: Axes | None = None, clusters: pd.DataFrame | None = None, *,
              lang: str | None = None) -> Axes:
        """Map of the teacher moves: schools by longitude/latitude, one arrow per
        pair of schools, coloured by kind (rotation, backbone support, exchange,
        itinerant teaching), thicker for more teachers.

        With ``clusters`` (:func:`staffing.clusters.form_clusters`) the moves are drawn
        over the partnership-cluster map of :func:`staffing.clusters.plot_clusters`;
        without, schools are dots shaded by location (urban dark, rural light) and
        sized by pupils. Schools need coordinates (``lat``/``lon`` in the schools
        table); schools without them are left out with a warning, and a county with
        no coordinates at all raises ValueError.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        from matplotlib.lines import Line2D

        lang = self._lang(lang)
        plan = self._plan
        s = plan.county.schools
        lon = s["lon"].to_numpy(dtype=float) if "lon" in s else np.full(len(s), np.nan)
        lat = s["lat"].to_numpy(dtype=float) if "lat" in s else np.full(len(s), np.nan)
        placed = ~(np.isnan(lon) | np.isnan(lat))
        if not placed.any():
            raise ValueError("the moves map needs school coordinates: add lat and lon "
                             "(WGS84 degrees) to the schools table")
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 8))
        handles: list[Any] = []
        if clusters is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # said once below, not twice
                plot_clusters(plan.county, clusters, ax=ax)
            old = ax.get_legend()
            if old is not None:
                old_handles = getattr(old, "legend_handles", None) or getattr(
                    old, "legendHandles", [])
                for h, text in zip(old_handles, old.get_texts(), strict=False):
                    key = text.get_text()
                    h.set_label(_t(key, lang) if key in _TEXT else key)
                    handles.append(h)
                old.remove()
        else:
            pupils = (s["pupils_primary"] + s["pupils_junior"]).to_numpy(dtype=float)
            size = 8 + 60 * np.sqrt(pupils / max(float(pupils.max()), 1.0))
            location = s["location"].astype(object).to_numpy()
            for loc, grey in _LOCATION_COLOURS.items():  # three locations
                sel = placed & (location == loc)
                if sel.any():
                    ax.scatter(lon[sel], lat[sel], s=size[sel], c=grey, edgecolors="white",
                               linewidths=0.4, zorder=3)
                    handles.append(Line2D([], [], marker="o", ls="", ms=6, mfc=grey,
                                          mec="white", label=_t(loc, lang)))
            ax.set_aspect(1.0 / np.cos(np.radians(np.nanmean(lat[placed]))))
        if not placed.all():
            warnings.warn(f"{int((~placed).sum())} school(s) without coordinates are not "
                          f"drawn: {', '.join(s.index[~placed][:10])}", stacklevel=2)

        m = plan.moves
        n_moves = len(m)
        if n_moves:
            xy = pd.DataFrame({"x": lon, "y": lat}, index=s.index)
            pairs = (m.assign(kind=m["kind"].astype(object))
                     .groupby(["from_school", "to_school", "kind"], sort=True).size()
                     .rename("n").reset_index())
            start = xy.reindex(pairs["from_school"].astype(object)).to_numpy()
            end = xy.reindex(pairs["to_school"].astype(object)).to_numpy()
            ok = ~(np.isnan(start).any(axis=1) | np.isnan(end).any(axis=1))
            kinds = pairs["kind"].to_numpy()
            weight = np.minimum(pairs["n"].to_numpy(), 4)  # 1, 2, 3, 4+ teachers
            order = list(MOVE_COLOURS)
            for kind in sorted(set(kinds[ok]),
                               key=lambda k: (order.index(k) if k in order else len(order), k)):
                colour = MOVE_COLOURS.get(kind, "black")
                for w in np.unique(weight[ok & (kinds == kind)]):  # ≤ 4 widths per kind
                    sel = ok & (kinds == kind) & (weight == w)
                    d = end[sel] - start[sel]
                    ax.quiver(start[sel, 0], start[sel, 1], d[:, 0], d[:, 1], angles="xy",
                              scale_units="xy", scale=1, color=colour, zorder=5,
                              width=0.002 + 0.0012 * float(w), headwidth=4, headlength=5)
                count = int(pairs.loc[ok & (kinds == kind), "n"].sum())
                handles.append(Line2D([], [], color=colour, lw=2,
                                      label=f"{label(kind, lang)} ({count})"))
        ax.autoscale_view()
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_xlabel(_t("lon", lang))
        ax.set_ylabel(_t("lat", lang))
        ax.set_title(_t("moves_title", lang, n=n_moves) if n_moves else _t("no_moves", lang))
        if handles:
            ax.legend(handles=handles, loc="best", fontsize="small")
        _apply_font(ax, lang)
        return ax


    # ------------------------------------------------------------------ 优质均衡
    def balance(self, ax: Axes | None = None, *, lang: str | None = None,
                max_labels: int = 60) -> Axes:
        """Strip of the school parts: indicators met (of 7) before (hollow) and after
        (filled), the filled dot coloured by the rule's verdict after the plan (met
        green, fails red, not assessable grey; :func:`staffing.balance.assess`).

        One row per evaluated school part (a nine-year school has two), sorted by
        indicators met after, then before, then id; a dotted line marks the
        ``balance_indicators_required`` (6) the rule asks for.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        from matplotlib.lines import Line2D

        lang = self._lang(lang)
        b = plan_balance(self._plan)
        part_text = {p: _t(p, lang) for p in PARTS}
        table = pd.DataFrame({
            "before": b["met_before"].to_numpy(), "after": b["met_after"].to_numpy(),
            "rule": b["rule_after"].to_numpy(),
            "id": [f"{s} ({part_text[p]})" for s, p in b.index],
            "name": [f"{n}({part_text[p]})" for n, p in zip(b["name"], b.index.get_level_values(
                "part"), strict=True)],
        }).sort_values(["after", "before", "id"], kind="stable").reset_index(drop=True)
        n = len(table)
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, max(3.5, 0.22 * n + 1.2)))
        y = np.arange(n)
        ax.hlines(y, table["before"], table["after"], colors="0.75", linewidths=1.2, zorder=1)
        ax.scatter(table["before"], y, s=28, facecolors="white", edgecolors="0.35",
                   linewidths=1.0, zorder=2)
        colour = table["rule"].map(RULE_COLOURS).to_numpy()
        ax.scatter(table["after"], y, s=30, c=colour, zorder=3)
        need = self._plan.policy.balance_indicators_required
        ax.axvline(need, color="black", linestyle=":", linewidth=1)
        if 0 < n <= max_labels:
            ax.set_yticks(y, labels=table["name" if lang == "zh" else "id"].tolist(),
                          fontsize="small" if n > 30 else "medium")
        else:
            ax.set_yticks([])
        ax.set_xlim(-0.5, 7.5)
        ax.set_ylim(-1, max(n, 1))
        ax.set_xlabel(_t("bal_x", lang))
        ax.set_title(_t("bal_title", lang))
        handles = [Line2D([], [], marker="o", ls="", mfc="white", mec="0.35",
                          label=_t("before", lang))]
        handles += [Line2D([], [], marker="o", ls="", mfc=c, mec=c,
                           label=f"{_t('after', lang)}: {_t('rule_' + r, lang)}")
                    for r, c in RULE_COLOURS.items()]
        handles.append(Line2D([], [], color="black", ls=":", label=_t("bal_need", lang, n=need)))
        ax.legend(handles=handles, loc="best", fontsize="small")
        ax.grid(axis="x", alpha=0.3)
        _apply_font(ax, lang)
        return ax

    def balance_cv(self, ax: Axes | None = None, *, lang: str | None = None) -> Axes:
        """The county's 差异系数 of each indicator, primary and junior, before (hollow)
        and after (filled) the plan, against the limits (≤ 0.50 primary, ≤ 0.45
        junior, dotted lines; :func:`staffing.balance.county_cv`). An indicator
        without data has no dot and says so.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        lang = self._lang(lang)
        plan = self._plan
        county, policy = plan.county, plan.policy
        after_t = (None if county.teachers is None
                   else apply_moves(county.teachers, plan.moves))
        before = county_cv(school_indicators(county, county.teachers, policy), policy)
        after = county_cv(school_indicators(county, after_t, policy), policy)
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 5.5))
        colours = {"primary": "tab:blue", "junior": "tab:orange"}
        keys = list(INDICATORS)
        names = [INDICATORS[k][0 if lang == "en" else 1] for k in keys]
        y = np.arange(len(keys))
        for offset, part in ((-0.15, "primary"), (0.15, "junior")):  # two levels
            cv_b = before.loc[part, "cv"].reindex(keys).to_numpy(dtype=float)
            cv_a = after.loc[part, "cv"].reindex(keys).to_numpy(dtype=float)
            ax.scatter(cv_b, y + offset, s=28, facecolors="white", edgecolors=colours[part],
                       zorder=2)
            ax.scatter(cv_a, y + offset, s=30, c=colours[part], zorder=3,
                       label=f"{_t(part, lang)}{', ' if lang == 'en' else '·'}"
                             f"{_t('after', lang)}")
            limit = before.loc[(part, keys[0]), "cv_max"]
            ax.axvline(limit, color=colours[part], linestyle=":", linewidth=1,
                       label=_t("cv_limit", lang, part=_t(part, lang), v=limit))
        missing = [i for i, k in enumerate(keys)
                   if np.isnan(after.loc[(slice(None), k), "cv"].to_numpy(dtype=float)).all()]
        for i in missing:
            ax.text(0.01, i, _t("no_data", lang), va="center", fontsize="small", color="0.5",
                    transform=ax.get_yaxis_transform())
        ax.set_yticks(y, labels=names, fontsize="small")
        ax.set_ylim(len(keys) - 0.5, -0.5)  # the 办法's order, top to bottom
        ax.set_xlim(left=-0.02)
        ax.set_xlabel(_t("cv_x", lang))
        ax.set_title(_t("cv_title", lang))
        ax.legend(loc="lower right", fontsize="small")
        ax.grid(axis="x", alpha=0.3)
        _apply_font(ax, lang)
        return ax


# ---------------------------------------------------------------------------------------
# Partnership clusters


def plot_clusters(county: County, clusters: pd.DataFrame, *, ax: Axes | None = None,
                  graph: nx.Graph | None = None, moves: pd.DataFrame | None = None) -> Axes:
    """Map of the clusters: schools by lon/lat coloured by cluster, leads as stars.

    Members are joined to their lead by thin lines of the cluster's colour;
    standalone schools are grey crosses. ``graph`` (from :func:`staffing.clusters.build_graph`) adds
    its travel edges as faint grey lines underneath; ``moves`` (a table with
    ``from_school`` and ``to_school``, e.g. ``plan.moves``) adds one black arrow per
    distinct pair of schools. Schools without coordinates cannot be placed and are
    left out with a warning. Needs matplotlib (``pip install staffing[plot]``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=30, teachers=False)
    >>> from staffing.clusters import form_clusters
    >>> ax = plot_clusters(county, form_clusters(county))
    >>> ax.get_xlabel()
    'longitude (°E)'
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_clusters needs matplotlib: pip install staffing[plot]") from exc
    s = county.schools
    cl = clusters.reindex(s.index)
    lon = s["lon"].to_numpy(dtype=float)
    lat = s["lat"].to_numpy(dtype=float)
    placed = ~(np.isnan(lon) | np.isnan(lat))
    if not placed.all():
        warnings.warn(f"{int((~placed).sum())} school(s) without coordinates are not drawn: "
                      f"{', '.join(s.index[~placed][:10])}", stacklevel=2)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    xy = pd.DataFrame({"x": lon, "y": lat}, index=s.index)

    if graph is not None and graph.number_of_edges():
        ends = np.array(list(graph.edges()), dtype=object)  # not to_pandas_edgelist: our
        segs = _segments(xy, ends[:, 0], ends[:, 1])        # edges have a "source" attr
        ax.add_collection(LineCollection(segs, colors="0.8", linewidths=0.3, zorder=1))

    role = cl["role"].to_numpy()
    led = cl["lead_school"].where(role != "standalone")
    codes = pd.Index(sorted(led.dropna().unique())).get_indexer(led.fillna("").to_numpy())
    cmap = plt.get_cmap("tab20")
    colour = cmap(np.maximum(codes, 0) % 20)
    colour[codes < 0] = (0.5, 0.5, 0.5, 1.0)

    member = (role == "member") & placed
    if member.any():
        segs = _segments(xy, pd.Series(s.index[member]), led[member])
        ax.add_collection(LineCollection(segs, colors=colour[member], linewidths=0.8, zorder=2))
        ax.scatter(lon[member], lat[member], s=22, c=colour[member], edgecolors="white",
                   linewidths=0.4, zorder=3)
    alone = (role == "standalone") & placed
    ax.scatter(lon[alone], lat[alone], s=30, c="0.4", marker="x", zorder=3)
    lead = (role == "lead") & placed
    ax.scatter(lon[lead], lat[lead], s=180, c=colour[lead], marker="*", edgecolors="black",
               linewidths=0.6, zorder=4)

    n_moves = 0
    if moves is not None and len(moves):
        pairs = moves[["from_school", "to_school"]].astype(object).drop_duplicates()
        start = xy.reindex(pairs["from_school"]).to_numpy()
        end = xy.reindex(pairs["to_school"]).to_numpy()
        ok = ~(np.isnan(start).any(axis=1) | np.isnan(end).any(axis=1))
        n_moves = int(ok.sum())
        if n_moves:
            d = end[ok] - start[ok]
            ax.quiver(start[ok, 0], start[ok, 1], d[:, 0], d[:, 1], angles="xy",
                      scale_units="xy", scale=1, width=0.003, headwidth=5, headlength=6,
                      color="black", zorder=5)

    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    if placed.any():
        ax.set_aspect(1.0 / np.cos(np.radians(np.nanmean(lat[placed]))))
        ax.autoscale_view()
    handles = [
        Line2D([], [], marker="*", ls="", ms=12, mfc="white", mec="black", label="lead school"),
        Line2D([], [], marker="o", ls="", ms=5, mfc="0.6", mec="white", label="member"),
        Line2D([], [], marker="x", ls="", ms=6, color="0.4", label="standalone"),
    ]
    if n_moves:
        handles.append(Line2D([], [], color="black", label="teacher moves"))
    ax.legend(handles=handles, loc="best", fontsize="small")
    ax.set_title(f"{int((role == 'lead').sum())} partnership clusters, "
                 f"{int((role == 'standalone').sum())} standalone schools")
    return ax


def _segments(xy: pd.DataFrame, start: Iterable[Any], end: Iterable[Any]) -> np.ndarray:
    """(k, 2, 2) line segments between the positions of two id sequences."""
    a = xy.reindex(pd.Index(list(start), dtype=object)).to_numpy()
    b = xy.reindex(pd.Index(list(end), dtype=object)).to_numpy()
    segs = np.stack([a, b], axis=1)
    return segs[~np.isnan(segs).any(axis=(1, 2))]
