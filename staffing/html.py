"""Compact HTML summaries for Jupyter (``_repr_html_``) of counties, plans and comparisons.

Each summary is a short header line, one small table and a line of counts — enough
to see what an object is at a glance, never a dump of its tables. Every piece of
user data (county and school names, labels) is HTML-escaped.

Examples
--------
>>> import staffing as st
>>> from staffing.html import county_html
>>> html = county_html(st.synth.county(seed=1, n_schools=8, teachers=False))
>>> html.startswith('<div class="staffing-county">')
True
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from staffing.i18n import check_lang, label
from staffing.vocab import LEVELS

if TYPE_CHECKING:
    from staffing.data.county import County
    from staffing.plan import Plan

__all__ = ["county_html", "plan_html", "comparison_html"]

#: Inline style of the header line (Jupyter strips <style> blocks in some viewers).
_HEAD = 'style="margin:0 0 0.4em 0"'
_FOOT = 'style="margin:0.4em 0 0 0;color:#555;font-size:90%"'

_WORDS: dict[str, tuple[str, str]] = {
    "county": ("County {name}", "{name}"),
    "plan": ("Plan for {name}", "{name} 编制方案"),
    "comparison": ("Scenario comparison", "方案比较"),
    "schools": ("schools", "所学校"),
    "teachers": ("teachers", "名教师"),
    "no_teachers": ("no teachers table", "无教师名册"),
    "county_total": ("county total quota", "核定编制总量"),
    "default_total": ("sum of approved quotas", "各校核定编制之和"),
    "n_schools": ("Schools", "学校数"),
    "pupils": ("Pupils", "在校生"),
    "classes": ("Classes", "班级"),
    "coordinates": ("schools with coordinates", "所学校有坐标"),
    "warnings": ("warning(s) to check (county.warnings)", "条警告待核对（county.warnings）"),
    "status": ("status", "状态"),
    "gap": ("gap", "间隙"),
    "moves": ("teacher moves", "名教师交流"),
    "unmet": ("subject needs still unmet", "项学科需求未满足"),
    "short": ("schools still below norm", "所学校仍低于编制标准"),
    "see": ("more: plan.explain(), plan.quotas, plan.moves, plan.unmet",
            "详见 plan.explain()、plan.quotas、plan.moves、plan.unmet"),
    "scenarios": ("scenarios", "个方案"),
}


#: Kinds of move in the order the counts list them.
_KIND_ORDER: tuple[str, ...] = ("rotation", "support", "exchange", "itinerant", "remote")


def _w(key: str, lang: str) -> str:
    return _WORDS[key][0 if lang == "en" else 1]


def _count(n: int, key: str, lang: str) -> str:
    """``36 schools`` / ``36所学校``."""
    return f"{n} {_w(key, lang)}" if lang == "en" else f"{n}{_w(key, lang)}"


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, escape=True, border=0, na_rep="—",
                         classes="staffing")


def county_html(county: County, lang: str = "en") -> str:
    """A county at a glance: name, schools, teachers and county total; pupils, classes,
    approved quota and staff in post by school level.

    Parameters
    ----------
    county : the County.
    lang : ``"en"`` or ``"zh"``.

    Examples
    --------
    >>> import staffing as st
    >>> html = county_html(st.synth.county(seed=1, n_schools=8, teachers=False), lang="zh")
    >>> "学校" in html and "<table" in html
    True
    """
    lang = check_lang(lang)
    s = county.schools
    total = f"{_w('county_total', lang)} {county.county_total}"
    if getattr(county, "total_is_default", False):
        total += f" ({_w('default_total', lang)})"
    teachers = (_count(county.n_teachers, "teachers", lang) if county.teachers is not None
                else _w("no_teachers", lang))
    head = (f"<p {_HEAD}><strong>{escape(_w('county', lang).format(name=county.name))}</strong>"
            f" · {escape(_count(county.n_schools, 'schools', lang))}"
            f" · {escape(teachers)} · {escape(total)}</p>")
    level = s["level"].astype(object)
    by = pd.DataFrame({
        "n": level.groupby(level.to_numpy()).size(),
        "pupils": (s["pupils_primary"] + s["pupils_junior"]).groupby(level.to_numpy()).sum(),
        "classes": (s["classes_primary"] + s["classes_junior"]).groupby(level.to_numpy()).sum(),
        "approved_quota": s["approved_quota"].groupby(level.to_numpy()).sum(),
        "staff_in_post": s["staff_in_post"].groupby(level.to_numpy()).sum(),
    })
    order = [k for k in LEVELS if k in by.index] + [k for k in by.index if k not in LEVELS]
    by = by.reindex(order)
    by.loc["total"] = by.sum()
    if lang == "zh":
        names = [LEVELS.get(k, k) for k in by.index[:-1]] + [label("total", "zh")]
    else:
        names = [k.replace("_", " ") for k in by.index[:-1]] + [label("total", "en")]
    table = pd.DataFrame({
        label("level", lang): names,
        _w("n_schools", lang): by["n"].to_numpy(),
        _w("pupils", lang): by["pupils"].to_numpy(),
        _w("classes", lang): by["classes"].to_numpy(),
        label("approved_quota", lang): by["approved_quota"].to_numpy(),
        label("staff_in_post", lang): by["staff_in_post"].to_numpy(),
    })
    located = 0
    if "lat" in s.columns and "lon" in s.columns:
        located = int((s["lat"].notna() & s["lon"].notna()).sum())
    foot = f"<p {_FOOT}>{escape(_count(located, 'coordinates', lang))}</p>"
    warned = _warnings(county, lang)
    return f'<div class="staffing-county">{head}{_table(table)}{foot}{warned}</div>'


#: The county summary lists its warnings when there are at most this many.
_WARNINGS_SHOWN = 3


def _warnings(county: County, lang: str) -> str:
    """A line counting the County's warnings, listing them when there are few."""
    found = list(getattr(county, "warnings", []))
    if not found:
        return ""
    head = escape(_count(len(found), "warnings", lang))
    if len(found) > _WARNINGS_SHOWN:
        return f"<p {_FOOT}>{head}</p>"
    items = "".join(f"<li>{escape(str(w))}</li>" for w in found)
    return f"<p {_FOOT}>{head}</p><ul {_FOOT}>{items}</ul>"


def plan_html(plan: Plan, lang: str = "en") -> str:
    """A plan at a glance: county, status, solver and time; the summary table; counts
    of moves by kind, unmet needs and schools still below norm.

    Parameters
    ----------
    plan : the Plan.
    lang : ``"en"`` or ``"zh"``.

    Examples
    --------
    >>> import staffing as st
    >>> plan = st.optimize(st.synth.county(seed=1, n_schools=8, teachers=False))
    >>> html = plan_html(plan)
    >>> "Posts short of norm" in html and "optimal" in html
    True
    """
    lang = check_lang(lang)
    stats = plan.solver
    gap = "" if pd.isna(stats.gap) else f" · {_w('gap', lang)} {stats.gap:.2%}"
    head = (f"<p {_HEAD}><strong>{escape(_w('plan', lang).format(name=plan.county.name))}"
            f"</strong> · {escape(_w('status', lang))} "
            f"<strong>{escape(label(plan.status, lang))}</strong>"
            f" · {escape(str(stats.solver))} {stats.time_s:.2f} s{escape(gap)}</p>")
    summary = plan.summary(lang).reset_index(drop=True)

    counts = [_count(plan.county.n_schools, "schools", lang)]
    moves = plan.moves
    if len(moves):
        kinds = moves["kind"].astype(object).value_counts()
        kinds = kinds.reindex(sorted(kinds.index, key=lambda k: (
            _KIND_ORDER.index(k) if k in _KIND_ORDER else len(_KIND_ORDER), k)))
        detail = (", " if lang == "en" else "、").join(
            f"{label(k, lang)} {n}" for k, n in kinds.items())
        counts.append(f"{_count(len(moves), 'moves', lang)} ({detail})")
    if plan.rotation:
        counts.append(_count(len(plan.unmet), "unmet", lang))
    short = int((plan.quotas["shortfall_after"] > 0).sum())
    counts.append(_count(short, "short", lang))
    sep = " · "
    foot = (f"<p {_FOOT}>{escape(sep.join(counts))}<br>{escape(_w('see', lang))}</p>")
    return f'<div class="staffing-plan">{head}{_table(summary)}{foot}</div>'


def comparison_html(df: pd.DataFrame, lang: str = "en") -> str:
    """A scenario comparison (:func:`staffing.compare.compare`) as a compact HTML table.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a<b": [1, 2]}, index=["x", "y"])
    >>> "a&lt;b" in comparison_html(df)
    True
    """
    lang = check_lang(lang)
    head = (f"<p {_HEAD}><strong>{escape(_w('comparison', lang))}</strong> · "
            f"{escape(_count(df.shape[1], 'scenarios', lang))}</p>")
    return f'<div class="staffing-comparison">{head}{_table(df, index=True)}</div>'
