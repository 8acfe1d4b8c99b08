"""Prefecture roll-up of a batch: one row per county and a prefecture total.

Each county's worker adds a language-free ``rollup`` record to its ``summary.json``
(:func:`county_record`): the staffing figures (``staffing``: approved county total
核定编制总量, staff in post, quota norm, posts and schools short of the norm before and
after, from ``plan.quotas``); per school part and 优质均衡 indicator the pupil sums
Σp, Σpx and Σpx² over the school parts with data, before and after the plan (from
:func:`staffing.balance.school_balance`; after: the moves made and the hires added,
:func:`staffing.balance.teachers_after`); school parts meeting the evaluation rule,
not assessable, and meeting every indicator; allocation randomness (1 − R²,
:func:`staffing.metrics.allocation_randomness` via ``plan.metrics``); moves, hires,
urgent hires; prefecture-level backbone teachers and teachers in post (the teachers to
recognise for ``Policy.backbone_share_target`` follow from them).

:func:`rollup_table` turns the records into the table; the prefecture row is computed
from the county sums, never by averaging county figures: counts are summed; a mean is
Σ Σpx ÷ Σ Σp (pupil-weighted over all the prefecture's school parts with data); the
prefecture 差异系数 is recomputed from the same sums, S² = Σpx²/Σp − X̄² (a CV below
1e-6, within this one-pass formula's rounding, is reported as 0), which is the
pupil-weighted CV over every school part of the prefecture (the evaluation's formula,
:func:`staffing.balance.county_cv`), not an average of county CVs; shares are ratios
of summed counts. Randomness (1 − R²) is a per-county regression and has no
prefecture total here (IIEP compares it across units; a prefecture figure would need
every school's pupils and teachers): its total cell is blank.

**巩固率** (the seed's nine-year retention goal, ``Policy.retention_rate``): a projected
figure from the enrolment projection would only echo that rate, which the projection
takes as its input, so none is given. What the roll-up can measure is the apparent
cohort retention (:func:`staffing.projection.apparent_retention`: last junior grade ÷
grade 1 of the same year, a cross-sectional proxy) where a county's pupils by grade
are given (``county_record(plan, grades=…)``); a county workbook has pupils by stage
only, so in a batch the cell is blank, with the target beside it. The prefecture
figure is Σ last grade ÷ Σ grade 1 when every county has one, else blank.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.balance import INDICATORS, PARTS, school_balance
from staffing.i18n import check_lang

__all__ = ["county_record", "rollup_table", "rollup_frame", "read_records", "write_rollup",
           "header", "ROLLUP_CSV", "ROLLUP_XLSX", "STAFFING_KEYS"]

#: Output file names in OUT_DIR.
ROLLUP_CSV, ROLLUP_XLSX = "prefecture.csv", "prefecture.xlsx"
_WHEN = ("before", "after")
_PART_ZH = {"primary": "小学", "junior": "初中"}
_WHEN_ZH = {"before": "调整前", "after": "调整后"}
#: The staffing figures a bureau reads first, first in every row: the county's approved
#: total, staff in post, the quota norm, and posts and schools short of the norm
#: (quota below norm, from ``plan.quotas``) before and after the plan. Counts, so the
#: prefecture row sums them.
STAFFING_KEYS = ("county_total", "staff_in_post", "quota_norm", "posts_short_before",
                 "posts_short_after", "schools_short_before", "schools_short_after")


def _sums(table: pd.DataFrame) -> dict[str, float]:
    """Σp, Σpx, Σpx² per part and indicator, and rule counts per part."""
    out: dict[str, float] = {}
    part = table.index.get_level_values("part")
    for level in PARTS:
        sel = table[part == level]
        p = sel["pupils"].to_numpy(dtype=float)
        out[f"parts_{level}"] = int(len(sel))
        out[f"met_{level}"] = int((sel["rule"] == "met").sum())
        out[f"not_assessable_{level}"] = int((sel["rule"] == "not_assessable").sum())
        out[f"all_met_{level}"] = int((sel["met"] == len(INDICATORS)).sum())
        for key in INDICATORS:
            x = sel[key].to_numpy(dtype=float)
            has = ~np.isnan(x)
            out[f"p_{key}_{level}"] = float(p[has].sum())
            out[f"px_{key}_{level}"] = float((p[has] * x[has]).sum())
            out[f"pxx_{key}_{level}"] = float((p[has] * x[has] ** 2).sum())
    return out


def county_record(plan: Any, grades: pd.DataFrame | None = None) -> dict[str, Any]:
    """The language-free roll-up figures of one planned county (JSON-ready).

    Parameters
    ----------
    plan : the county's Plan.
    grades : the county's pupils by grade this year, long or wide
        (:func:`staffing.data.enrolment.pupils_by_grade_table`), for the apparent
        cohort retention; None (a county workbook has none) leaves it blank.

    Returns
    -------
    dict with ``staffing`` (the counts of :data:`STAFFING_KEYS`), ``before`` and
    ``after`` (each the sums and counts of :func:`_sums` plus
    ``randomness_<part>``, ``backbone_pref``, ``teachers``) and ``moves``, ``hires``,
    ``urgent_hires``, ``pupils_<part>``, ``grade_first`` and ``grade_last`` (pupils of
    grade 1 and of the last junior grade; None without ``grades``).
    """
    from staffing.balance import teachers_after
    from staffing.metrics import apply_moves, prefecture_backbone_share

    county, policy = plan.county, plan.policy
    after_t = teachers_after(plan)  # moves made, hires added (the 优质均衡 after-figures)
    moved = None if county.teachers is None else apply_moves(county.teachers, plan.moves)
    metrics = plan.metrics
    rec: dict[str, Any] = {"staffing": _staffing(plan)}
    # Measure 14's share counts the teachers in post, as plan.metrics does: the moves
    # keep them in the county and a hire is no backbone teacher, so it cannot rise.
    staff = {"before": county.teachers, "after": moved}
    for when, teachers in zip(_WHEN, (county.teachers, after_t), strict=True):
        figs = _sums(school_balance(county, teachers, policy))
        for level in PARTS:
            key = f"randomness_{level}"
            value = float(metrics.loc[key, when]) if key in metrics.index else float("nan")
            figs[key] = None if np.isnan(value) else value
        _, count, n = prefecture_backbone_share(staff[when], county.schools)
        figs["backbone_pref"], figs["teachers"] = count, n
        rec[when] = figs
    hires = plan.hires
    total = int(hires["count"].sum()) if len(hires) else 0
    urgent = int(hires.loc[hires["urgent"].astype(bool), "count"].sum()) if len(hires) else 0
    rec.update(moves=int(len(plan.moves)), hires=total, urgent_hires=urgent)
    s = county.schools
    rec["pupils_primary"] = int(s["pupils_primary"].sum())
    rec["pupils_junior"] = int(s["pupils_junior"].sum())
    rec["grade_first"] = rec["grade_last"] = None
    if grades is not None:
        from staffing.projection import apparent_retention

        _, first, last = apparent_retention(grades, policy)
        rec["grade_first"], rec["grade_last"] = first, last
    return rec


def _staffing(plan: Any) -> dict[str, int]:
    """The counts of :data:`STAFFING_KEYS` of one plan (posts short: quota below norm,
    summed over schools; schools short: schools with any)."""
    q = plan.quotas
    short = {when: q[f"shortfall_{when}"].astype("int64") for when in _WHEN}
    out = {"county_total": int(plan.county.county_total),
           "staff_in_post": int(q["staff_in_post"].sum()),
           "quota_norm": int(q["norm"].sum())}
    for when in _WHEN:
        out[f"posts_short_{when}"] = int(short[when].sum())
    for when in _WHEN:
        out[f"schools_short_{when}"] = int((short[when] > 0).sum())
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _cv(p: float, px: float, pxx: float) -> float:
    """Pupil-weighted CV from Σp, Σpx, Σpx² (S² = Σpx²/Σp − X̄²)."""
    if not p:
        return float("nan")
    mean = px / p
    if mean == 0:
        return float("nan")
    var = pxx / p - mean * mean
    if var < 1e-12 * mean * mean:  # rounding of the one-pass formula: CV < 1e-6 is 0
        var = 0.0
    return float(np.sqrt(var) / mean)


def _row(name: str, rec: dict[str, Any], backbone_target: float, urgent_min: float,
         retention_target: float) -> dict[str, Any]:
    row: dict[str, Any] = {"county": name}
    figures = rec.get("staffing") or {}  # none in a summary.json of an older version
    for key in STAFFING_KEYS:
        v = figures.get(key)
        row[key] = float("nan") if v is None else v
    for level in PARTS:
        row[f"pupils_{level}"] = rec[f"pupils_{level}"]
        row[f"parts_{level}"] = rec["before"][f"parts_{level}"]
        for when in _WHEN:
            row[f"met_{level}_{when}"] = rec[when][f"met_{level}"]
        row[f"not_assessable_{level}"] = rec["after"][f"not_assessable_{level}"]
        for when in _WHEN:
            row[f"all_met_{level}_{when}"] = rec[when][f"all_met_{level}"]
    row["all_met_target"] = sum(row[f"parts_{level}"] for level in PARTS)
    for level in PARTS:
        for key in INDICATORS:
            for when in _WHEN:
                f = rec[when]
                p, px = f[f"p_{key}_{level}"], f[f"px_{key}_{level}"]
                row[f"mean_{key}_{level}_{when}"] = _ratio(px, p)
                row[f"cv_{key}_{level}_{when}"] = _cv(p, px, f[f"pxx_{key}_{level}"])
    for level in PARTS:
        for when in _WHEN:
            v = rec[when].get(f"randomness_{level}")
            row[f"randomness_{level}_{when}"] = float("nan") if v is None else v
    row["moves"], row["hires"] = rec["moves"], rec["hires"]
    row["urgent_share"] = _ratio(rec["urgent_hires"], rec["hires"])
    row["urgent_share_target"] = urgent_min
    for when in _WHEN:
        row[f"backbone_share_{when}"] = _ratio(rec[when]["backbone_pref"], rec[when]["teachers"])
    row["backbone_share_target"] = backbone_target
    for when in _WHEN:
        row[f"backbone_to_recognise_{when}"] = _to_recognise(
            rec[when]["backbone_pref"], rec[when]["teachers"], backbone_target)
    first, last = rec.get("grade_first"), rec.get("grade_last")
    row["retention_apparent"] = (float("nan") if first is None or last is None
                                 else _ratio(last, first))
    row["retention_target"] = retention_target
    return row


def _to_recognise(backbone: int, teachers: int, target: float) -> float:
    """Teachers still to be recognised as prefecture-level backbone for ``target``:
    ⌈target × teachers⌉ − backbone, never negative (NaN without teachers); the rule of
    ``plan.metrics``' ``backbone_short_of_target``. Over a prefecture it is computed from
    the summed counts, so a county above the target offsets one below it (measure 14 is
    a prefecture-wide share)."""
    if not teachers:
        return float("nan")
    return float(max(0, math.ceil(target * teachers - 1e-9) - backbone))


def _total(records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Sum every county's sums and counts into one record (randomness left out)."""
    out: dict[str, Any] = {"before": {}, "after": {}}
    # staffing counts: summed when every county has them (blank beside an older summary)
    out["staffing"] = {k: None if any((r.get("staffing") or {}).get(k) is None
                                      for r in records.values())
                       else sum(r["staffing"][k] for r in records.values())
                       for k in STAFFING_KEYS}
    for rec in records.values():
        for k in ("moves", "hires", "urgent_hires", "pupils_primary", "pupils_junior"):
            out[k] = out.get(k, 0) + rec[k]
        for k in ("grade_first", "grade_last"):  # a prefecture figure only from every county
            v = rec.get(k)
            out[k] = None if v is None or (k in out and out[k] is None) else out.get(k, 0) + v
        for when in _WHEN:
            for k, v in rec[when].items():
                if k.startswith("randomness_"):
                    out[when][k] = None
                else:
                    out[when][k] = out[when].get(k, 0) + v
    return out


#: Column key pattern → (English, Chinese) header.
def header(col: str, lang: str) -> str:
    """The column header of roll-up key ``col`` in ``lang``."""
    zh = lang == "zh"
    fixed = {
        "county": ("County", "县(市)"),
        "county_total": ("Approved county staffing total (核定编制总量)", "核定编制总量"),
        "staff_in_post": ("Staff in post", "在编在岗教职工数"),
        "quota_norm": ("Quota norm (posts)", "编制标准数"),
        "moves": ("Teachers moved", "交流轮岗教师"),
        "hires": ("Hires", "招聘人数"),
        "urgent_share": ("Urgent-need share of hires", "紧缺学科招聘占比"),
        "urgent_share_target": ("Urgent-need share, target (≥)", "紧缺学科招聘占比目标(≥)"),
        "backbone_share_target": ("Prefecture-level backbone share, target (≥)",
                                  "州级及以上骨干教师占比目标(≥)"),
        "all_met_target": ("School parts meeting every indicator, target (all evaluated)",
                           "全部指标达标学校(学段)数目标(全部参评)"),
        "retention_apparent": ("Apparent cohort retention (last junior grade ÷ grade 1, same "
                               "year; blank: no pupils by grade)",
                               "表观巩固率(同年最高年级÷一年级学生数;空白:无分年级学生数)"),
        "retention_target": ("Nine-year retention (巩固率), target (≥)",
                             "九年义务教育巩固率目标(≥)"),
    }
    if col in fixed:
        return fixed[col][zh]
    parts = col.split("_")
    when = parts[-1] if parts[-1] in _WHEN else ""
    w = (_WHEN_ZH[when] if zh else when) if when else ""
    for level in PARTS:
        pz = _PART_ZH[level] if zh else level
        if col == f"pupils_{level}":
            return f"{pz}在校生" if zh else f"Pupils, {level}"
        if col == f"parts_{level}":
            return f"{pz}参评学校数" if zh else f"Evaluated {level} schools"
        if col == f"met_{level}_{when}":
            return (f"{pz}优质均衡达标学校数({w})" if zh
                    else f"{level.capitalize()} schools meeting the rule, {w}")
        if col == f"not_assessable_{level}":
            return f"{pz}无法评估学校数" if zh else f"{level.capitalize()} schools not assessable"
        if col == f"all_met_{level}_{when}":
            return (f"{pz}7项指标全部达标学校数({w})" if zh
                    else f"{level.capitalize()} schools meeting every indicator, {w}")
        if col == f"randomness_{level}_{when}":
            return (f"{pz}教师配置随机度1−R²({w})" if zh
                    else f"Allocation randomness 1 − R², {level}, {w}")
        for key, (en_l, zh_l) in INDICATORS.items():
            if col == f"mean_{key}_{level}_{when}":
                return f"{pz}{zh_l}(县均,{w})" if zh else f"{en_l}, {level} mean, {w}"
            if col == f"cv_{key}_{level}_{when}":
                return f"{pz}差异系数:{zh_l}({w})" if zh else f"CV, {level}: {en_l}, {w}"
    if col == f"posts_short_{when}":
        return f"缺编数({w})" if zh else f"Posts short of norm, {w}"
    if col == f"schools_short_{when}":
        return f"低于编制标准的学校数({w})" if zh else f"Schools short of norm, {w}"
    if col == f"backbone_to_recognise_{when}":
        return (f"距占比目标需新认定州级及以上骨干教师数({w})" if zh
                else f"Prefecture-level backbone teachers to recognise for the target, {w}")
    if col == f"backbone_share_{when}":
        return (f"州级及以上骨干教师占比({w})" if zh
                else f"Prefecture-level backbone share, {w}")
    return col


def rollup_table(records: dict[str, dict[str, Any]], policy: Any = None,
                 lang: str | None = None) -> pd.DataFrame:
    """One row per county (sorted by name) and a prefecture total row.

    Parameters
    ----------
    records : county name → :func:`county_record`.
    policy : the batch's Policy (targets); the default Policy if None.
    lang : None keeps the column keys; ``"en"``/``"zh"`` gives headers and names the
        total row "Prefecture" / "全州".

    Returns
    -------
    DataFrame with a plain index; the last row is the prefecture total.
    """
    from staffing.policy import Policy

    policy = policy or Policy()
    args = (policy.backbone_share_target, policy.urgent_share_min, policy.retention_rate)
    rows = [_row(name, records[name], *args) for name in sorted(records)]
    total_name = {"en": "Prefecture", "zh": "全州"}.get(lang or "en")
    total = _row(total_name, _total(records), *args)
    table = pd.DataFrame(rows + [total])
    if lang is not None:
        lang = check_lang(lang)
        table = table.rename(columns=lambda c: header(c, lang))
    return table


def read_records(out_dir: str | Path, names: list[str] | None = None
                 ) -> dict[str, dict[str, Any]]:
    """The ``rollup`` record of each county folder of a batch OUT_DIR (``names``: the
    ones to read, by default those the manifest says are ``ok`` or ``skipped``)."""
    out_dir = Path(out_dir)
    if names is None:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        names = [k for k, e in manifest["counties"].items()
                 if e["status"] in ("ok", "skipped")]
    out = {}
    for name in sorted(names):
        path = out_dir / name / "summary.json"
        if not path.is_file():
            continue
        summary = json.loads(path.read_text(encoding="utf-8"))
        if "rollup" in summary:
            out[name] = summary["rollup"]
    return out


def write_rollup(out_dir: str | Path, policy: Any = None, lang: str = "zh",
                 names: list[str] | None = None) -> pd.DataFrame | None:
    """Write ``prefecture.csv`` and ``prefecture.xlsx`` (sheet 州汇总 / Prefecture) into
    ``out_dir`` atomically, headers in ``lang``; None (nothing written) without a
    planned county."""
    from staffing._cells import csv_escape_frame
    from staffing._excel import write_frames
    from staffing._io import atomic_write_bytes

    records = read_records(out_dir, names)
    if not records:
        return None
    table = rollup_table(records, policy, lang)
    data = csv_escape_frame(table).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
    atomic_write_bytes(Path(out_dir) / ROLLUP_CSV, data)
    write_frames(Path(out_dir) / ROLLUP_XLSX, {"州汇总" if lang == "zh" else "Prefecture": table})
    return table


def rollup_frame(output: object) -> pd.DataFrame:
    """A roll-up table with key columns from a batch OUT_DIR, a ``prefecture.csv`` in
    either language, or a table of :func:`rollup_table` (keys or headers).

    Raises
    ------
    ValueError naming the output when it is none of these.
    """
    from staffing._cells import csv_unescape

    if isinstance(output, pd.DataFrame):
        table = output.copy()
    else:
        path = Path(str(output))
        if path.is_dir() and (path / "manifest.json").is_file():
            records = read_records(path)
            if not records:
                raise ValueError(f"{output}: no planned county in this batch output / "
                                 "该批处理输出中没有已完成规划的县")
            return rollup_table(records)
        if path.is_file() and path.suffix.lower() == ".csv":
            table = pd.read_csv(path, encoding="utf-8-sig")
            table = table.map(csv_unescape)
        else:
            raise ValueError(f"{output}: not a staffing batch OUT_DIR (no manifest.json) "
                             "nor a prefecture.csv / 不是 staffing batch 输出目录或州汇总表")
    if "county" not in table.columns:
        keys = _keys()
        back = {header(k, lang): k for k in keys for lang in ("en", "zh")}
        table = table.rename(columns=back)
    if "county" not in table.columns:
        raise ValueError(f"{output}: no county column; not a roll-up table / 不是州汇总表")
    return table


def _keys() -> list[str]:
    """Every roll-up column key, in table order."""
    empty = {"staffing": {}, "before": {}, "after": {}, "moves": 0, "hires": 0, "urgent_hires": 0,
             "pupils_primary": 0, "pupils_junior": 0, "grade_first": None, "grade_last": None}
    for when in _WHEN:
        for level in PARTS:
            for k in ("parts", "met", "not_assessable", "all_met"):
                empty[when][f"{k}_{level}"] = 0
            empty[when][f"randomness_{level}"] = None
            for key in INDICATORS:
                for k in ("p", "px", "pxx"):
                    empty[when][f"{k}_{key}_{level}"] = 0.0
        empty[when]["backbone_pref"] = empty[when]["teachers"] = 0
    return list(_row("", empty, 0.0, 0.0, 0.0))
