"""The tables of a multi-year plan, read from a solved model (``optimize(horizon=…)``).

* ``quota_path`` — school × calendar year: norm and quota of every year;
* ``hires`` — recruitment by school, subject and year, with the approval year, the
  urgent-need flag, the first teaching year and the shadow-training host of rural
  recruits (Chuxiong measures 7 and 9);
* ``pool`` — the turnover-pool ledger of every year, and each loan with the year by
  which attrition repays it;
* ``years`` — one row per year: pupils, norms, quotas, staff, retirements, hires,
  urgent share, unmet subject need, pool balance and loans;
* ``cover`` — need, covered and unmet FTE per school, subject and later year;
* ``projection``, ``retirements`` — the projection and retirements the plan used;
* ``early_retirement`` — teachers flagged ``can_retire_early`` within the window
  (Chuxiong measure 12): listed for the bureau, never assumed to leave; apply them
  with :func:`staffing.scenarios.retire_early` and compare.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.i18n import label, translate_columns, translate_values
from staffing.model.hiring import HIRE_COLUMNS, cover_by_year, read_hires, staff_by_year
from staffing.model.pool import LOAN_COLUMNS, loan_table, read_year_quotas
from staffing.model.quota import pool_ledger
from staffing.model.rotation import staff_after_moves
from staffing.retirement import early_retirement_candidates
from staffing.training import shadow_hosts

if TYPE_CHECKING:
    from staffing.model.build import CountyModel
    from staffing.plan import Plan

__all__ = ["read_years", "year_tables", "YEAR_LABELS", "HIRE_TABLE_COLUMNS"]

#: Columns of ``plan.hires`` (with the host of rural recruits).
HIRE_TABLE_COLUMNS = [*HIRE_COLUMNS, "host_school", "host_basis"]

#: Row labels of ``plan.years`` (English, Chinese).
YEAR_LABELS: dict[str, tuple[str, str]] = {
    "pupils": ("Pupils", "在校生数"),
    "norm": ("Quota norm (posts)", "编制标准数"),
    "quota": ("Quota assigned to schools", "学校编制合计"),
    "posts_short": ("Posts short of norm", "缺编数"),
    "staff": ("Staff holding posts (after moves, retirements, hires)", "在编人数(调整、退休、招聘后)"),
    "retirements": ("Retirements (listed teachers)", "退休人数"),
    "hires": ("New hires", "新招聘教师"),
    "urgent_hires": ("of which urgent-need subjects", "其中紧缺学科"),
    "urgent_share": ("Urgent-need share of hires", "紧缺学科占比"),
    "rural_trainees": ("New rural teachers in shadow training", "跟岗培训的乡村新教师"),
    "unmet_need_fte": ("Unmet subject need (FTE)", "学科缺口(折合人数)"),
    "unmet_urgent_fte": ("Unmet urgent-subject need (FTE)", "紧缺学科缺口(折合人数)"),
    "pool_balance": ("Turnover pool balance", "周转池余额"),
    "pool_loan": ("Pool posts on loan (outstanding)", "周转池借出未还编制"),
    "over_county_total": ("Staff above the county total", "超出编制总量"),
}


def read_years(model: CountyModel, quotas: pd.DataFrame, moves: pd.DataFrame | None,
               year0_cover: pd.DataFrame | None, solved: bool) -> dict[str, pd.DataFrame]:
    """The multi-year tables of a solved model (see the module docstring).

    Parameters
    ----------
    model : a model built with ``horizon ≥ 1``.
    quotas : the year-0 quota table (``plan.quotas``).
    moves : the year-0 moves (named), or None.
    year0_cover : the year-0 coverage table, or None.
    solved : whether the solver found a solution; without one, later years keep the
        year-0 quotas and nobody is hired.
    """
    inputs, hz = model.inputs, model.horizon
    policy, county = inputs.policy, inputs.county
    schools = inputs.schools
    years_h = model.blocks["years"]
    calendar = hz.calendar
    if solved:
        path = read_year_quotas(years_h, schools)
    else:
        path = pd.DataFrame({t: quotas["new_quota"] for t in calendar}, index=schools.index)
    hiring = model.blocks.get("hiring")
    hires = (read_hires(hiring, inputs, hz, policy) if hiring is not None and solved
             else pd.DataFrame(columns=HIRE_COLUMNS))
    hires = _with_hosts(hires, county, policy, inputs.clusters, hz)

    norms = hz.norms.assign(**{"0": schools["norm"]}).rename(columns={"0": 0})
    norms = norms[sorted(norms.columns)]
    quota_path = pd.concat({"norm": norms.rename(columns=calendar),
                            "quota": path.rename(columns=calendar)}, axis=1)
    quota_path.columns.names = ["item", "year"]

    delta = _moves_delta(model, moves)
    staff = staff_by_year(hz, delta, hires, policy.plan_year) if hiring is not None else {}
    cover = cover_by_year(hz, staff, policy) if staff else pd.DataFrame(
        columns=["school_id", "subject", "year", "need", "covered", "unmet"])

    loans = loan_table(years_h, hz) if solved else pd.DataFrame(columns=LOAN_COLUMNS)
    pool = _ledger(path, schools, calendar, inputs.county_total, loans)
    summary = _year_summary(model, path, hires, cover, year0_cover, delta, pool, loans, solved)
    projection = hz.projection.rename(index=calendar, level="year")
    return {"quota_path": quota_path, "hires": hires, "pool": pool, "years": summary,
            "cover": cover, "projection": projection,
            "retirements": hz.retirements.drop(columns="year"),
            "early_retirement": early_retirement_candidates(county.teachers, policy)}


def _moves_delta(model: CountyModel, moves: pd.DataFrame | None) -> pd.DataFrame:
    """Permanent moves' effect on teaching staff, school × subject (itinerant cover
    is arranged for year 0 only)."""
    index = model.inputs.schools.index
    r = model.inputs.rotation
    if r is None or moves is None or moves.empty:
        return pd.DataFrame(0.0, index=index, columns=list(model.horizon.teaching[1].columns))
    permanent = moves[moves["kind"].ne("itinerant")]
    return staff_after_moves(r.staff, permanent) - r.staff


def _with_hosts(hires: pd.DataFrame, county, policy, clusters, hz) -> pd.DataFrame:
    """Split rural hires by shadow-training host (one call per year: hosts mentor at
    most ``mentor_capacity_per_host`` trainees at a time, counting those hired before)."""
    rural = hires["location"].eq("rural") & (policy.shadow_training_years > 0)
    if not rural.any() or county.teachers is None:
        out = hires.assign(host_school="", host_basis="")
        return out[HIRE_TABLE_COLUMNS]
    trainees = hires[rural].loc[hires[rural].index.repeat(hires.loc[rural, "count"])]
    trainees = trainees.assign(seq=trainees.groupby(level=0).cumcount())
    trainees.index = pd.Index(
        [f"H{y}-{s}-{k}-{n + 1}" for y, s, k, n in zip(
            trainees["year"], trainees["school_id"], trainees["subject"], trainees["seq"],
            strict=True)], name="teacher_id")
    frames = []
    for year, group in trainees.groupby("year"):
        training = group[["school_id"]].assign(hire_year=group["year"])
        earlier = trainees[(trainees["year"] < year)
                           & (trainees["year"] + policy.shadow_training_years > year)]
        busy = pd.concat([earlier[["school_id"]].assign(hire_year=earlier["year"]), training])
        placed = shadow_hosts(county, policy, clusters=clusters, trainees=busy)
        frames.append(placed[placed["teacher_id"].isin(group.index)])
    placed = pd.concat(frames).set_index("teacher_id")
    trainees = trainees.join(placed[["host_school", "basis"]])
    counted = (trainees.groupby(["year", "school_id", "subject", "host_school", "basis"],
                                dropna=False).size().rename("count").reset_index()
               .rename(columns={"basis": "host_basis"}))
    rural_rows = hires[rural].drop(columns="count").merge(counted,
                                                          on=["year", "school_id", "subject"])
    others = hires[~rural].assign(host_school="", host_basis="")
    out = pd.concat([rural_rows, others], ignore_index=True)
    out = out.sort_values(["year", "school_id", "subject", "host_school"], kind="stable")
    return out.reset_index(drop=True)[HIRE_TABLE_COLUMNS]


def _ledger(path: pd.DataFrame, schools: pd.DataFrame, calendar: dict[int, int], total: int,
            loans: pd.DataFrame) -> pd.DataFrame:
    """The pool ledger of every year, year 0 against the approved quotas."""
    frames = []
    before = schools["approved_quota"]
    for t, year in calendar.items():
        q = schools[["name"]].assign(approved_quota=before.to_numpy(),
                                     change=(path[t] - before).to_numpy())
        ledger = pool_ledger(q, total)
        memo = loans.loc[loans["year"].eq(year)]
        rows = []
        if len(memo) and int(memo["lent"].iloc[0]) > 0:
            rows.append({"entry": "loan", "posts": int(memo["lent"].iloc[0]),
                         "repay_by": memo["repay_by"].iloc[0]})
        if len(memo) and float(memo["repaid"].iloc[0]) > 1e-6:
            rows.append({"entry": "repayment", "posts": int(round(memo["repaid"].iloc[0])),
                         "repay_by": pd.NA})
        if rows:  # memo lines: the balance already moved with the draws and releases
            memo_rows = pd.DataFrame(rows).assign(school_id="", name="",
                                                  balance=int(ledger["balance"].iloc[-1]))
            ledger = pd.concat([ledger.iloc[:-1], memo_rows, ledger.iloc[-1:]],
                               ignore_index=True)
        frames.append(ledger.assign(year=year))
        before = path[t]
    out = pd.concat(frames, ignore_index=True)
    if "repay_by" not in out:
        out["repay_by"] = pd.NA
    out["repay_by"] = out["repay_by"].astype("Int64")
    return out[["year", "entry", "school_id", "name", "posts", "balance", "repay_by"]]


def _year_summary(model, path, hires, cover, year0_cover, delta, pool, loans, solved
                  ) -> pd.DataFrame:
    """One column per calendar year: the figures of :data:`YEAR_LABELS`."""
    inputs, hz = model.inputs, model.horizon
    policy = inputs.policy
    schools = inputs.schools
    proj = hz.projection
    urgent = set(policy.urgent_subjects)
    moved_total = delta.sum(axis=1)
    retire = hz.retirements
    over = model.blocks["years"].over
    # Subject cover is measured only with a teachers table (year 0: the rotation block).
    measured = "hiring" in model.blocks and year0_cover is not None
    rows = {}
    for t, year in hz.calendar.items():
        pupils = proj.xs(t, level="year")[["pupils_primary", "pupils_junior"]].sum().sum()
        norm = schools["norm"] if t == 0 else hz.norms[t]
        hired_so_far = hires.loc[hires["year"] <= year, "count"].sum()
        holding = schools["floor"] if t == 0 else hz.holding[t]
        this = hires[hires["year"] == year]
        n_hires = int(this["count"].sum())
        n_urgent = int(this.loc[this["subject"].isin(urgent), "count"].sum())
        in_training = hires[(hires["location"] == "rural") & (hires["year"] <= year)
                            & (hires["teaching_from"] > year)]["count"].sum()
        if t == 0:
            c = year0_cover if year0_cover is not None else pd.DataFrame()
            unmet = c["unmet_after"] if len(c) else pd.Series(dtype=float)
            subj = c.index.get_level_values("subject") if len(c) else pd.Index([])
        else:
            c = cover[cover["year"] == year]
            unmet, subj = c["unmet"], pd.Index(c["subject"])
        closing = pool[(pool["year"] == year) & (pool["entry"] == "closing")]["balance"]
        lent = loans.loc[loans["year"].eq(year), "outstanding"]
        rows[year] = {
            "pupils": int(round(float(pupils))),
            "norm": int(norm.sum()),
            "quota": int(path[t].sum()),
            "posts_short": int((norm - path[t]).clip(lower=0).sum()),
            "staff": int(holding.sum() + moved_total.sum() + hired_so_far),
            "retirements": int((retire["year"] == t).sum()) if t > 0 else 0,
            "hires": n_hires,
            "urgent_hires": n_urgent,
            "urgent_share": round(n_urgent / n_hires, 3) if n_hires else np.nan,
            "rural_trainees": int(in_training),
            "unmet_need_fte": round(float(unmet.sum()), 1) if measured else np.nan,
            "unmet_urgent_fte": round(float(unmet[np.asarray(subj.isin(urgent))].sum()), 1)
            if measured else np.nan,
            "pool_balance": int(closing.iloc[0]) if len(closing) else 0,
            "pool_loan": int(round(lent.iloc[0])) if len(lent) else 0,
            "over_county_total": int(round(over[t].varValue or 0)) if solved else 0,
        }
    out = pd.DataFrame({year: pd.Series(row, dtype=object) for year, row in rows.items()})
    out.index.name = "key"
    out.columns.name = "year"
    return out


def year_tables(plan: Plan, lang: str) -> dict[str, pd.DataFrame]:
    """The multi-year tables of ``plan`` with headers and labels in ``lang``, for reports:
    years, hires, quota_path (one ``norm``/``quota`` column per year), retirements,
    cover_by_year and projection."""
    col = 0 if lang == "en" else 1
    years = plan.years.copy()
    years.insert(0, label("metric", lang), [YEAR_LABELS[k][col] for k in years.index])
    years.columns = [str(c) for c in years.columns]
    path = plan.quota_path.copy()
    path.columns = [f"{label(item, lang)} {year}" for item, year in path.columns]
    path.insert(0, label("name", lang), plan.quotas["name"])

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        return translate_columns(translate_values(frame, lang), lang)

    return {
        "years": years.reset_index(drop=True),
        "hires": tidy(plan.hires),
        "quota_path": tidy(path.rename_axis("school_id")),
        "retirements": tidy(plan.retirements),
        "early_retirement": tidy(plan.early_retirement),
        "cover_by_year": tidy(plan.cover_by_year),
        "projection": _projection_table(plan.projection, lang),
    }


def _projection_table(projection: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The projection summary with the projection module's own headers."""
    from staffing.projection import LABELS as PROJECTION_LABELS

    col = 0 if lang == "en" else 1
    out = projection.reset_index()
    names = {c: PROJECTION_LABELS[c][col] for c in out.columns if c in PROJECTION_LABELS}
    names["year"] = label("year", lang)
    return out.rename(columns=names)
