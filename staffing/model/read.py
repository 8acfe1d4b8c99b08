"""Read a solved county model back into the tables of a plan.

:func:`read_plan_tables` returns everything a :class:`~staffing.Plan` holds — quotas,
pool ledger, named moves, subject cover, the rotation rules' figures and, for a
multi-year model (``build_model(horizon=…)``), the tables of every later year:

* ``quota_path`` — school × calendar year: norm and quota of every year;
* ``hires`` — recruitment by school, subject and year, with the approval year, the
  urgent-need flag, the first teaching year and the shadow-training host of rural
  recruits (Chuxiong measures 7 and 9);
* ``pool`` — the turnover-pool ledger of every year, and each loan with the year by
  which attrition repays it;
* ``years`` — one row per year: pupils, norms, quotas, staff, retirements, hires,
  urgent share, unmet subject need, pool balance and loans
  (labels: :data:`staffing.multiyear.YEAR_LABELS`);
* ``cover_by_year`` — need, covered and unmet FTE per school, subject and later year;
* ``projection``, ``retirements`` — the projection and retirements the plan used;
* ``early_retirement`` — teachers flagged ``can_retire_early`` within the window
  (Chuxiong measure 12): listed for the bureau, never assumed to leave; apply them
  with :func:`staffing.scenarios.retire_early` and compare.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.model.hiring import HIRE_COLUMNS, cover_by_year, read_hires, staff_by_year
from staffing.model.naming import name_itinerant, name_moves, name_remote
from staffing.model.pool import LOAN_COLUMNS, loan_table, read_year_quotas
from staffing.model.posts import move_kinds, post_moves, posts_held
from staffing.model.principals import read_principals
from staffing.model.quota import pool_ledger, quota_table, read_quota
from staffing.model.rotation import coverage_table, read_rotation, staff_after_moves
from staffing.model.solve import values
from staffing.needs import needs_gap
from staffing.retirement import early_retirement_candidates
from staffing.staff import restricted
from staffing.training import new_rural_teachers, shadow_hosts
from staffing.vocab import VISIT_KINDS

if TYPE_CHECKING:
    from staffing.model.build import CountyModel
    from staffing.model.solve import SolveStats

__all__ = ["read_plan_tables", "read_years", "HIRE_TABLE_COLUMNS"]

#: Columns of ``plan.hires`` (with the host of rural recruits).
HIRE_TABLE_COLUMNS = [*HIRE_COLUMNS, "host_school", "host_basis"]


def read_plan_tables(model: CountyModel, stats: SolveStats) -> dict[str, Any]:
    """Every table of the plan of a solved model, as keyword arguments of
    :class:`~staffing.Plan` (``county``, ``policy``, ``solver``, ``status``, ``model``
    and the tables).

    Without a solution (``stats.status`` neither ``optimal`` nor ``feasible``) the
    approved quotas are kept, nobody moves or is hired, ``model`` is None, and every
    table still has its shape.
    """
    inputs = model.inputs
    h = model.quota
    solved = stats.status in ("optimal", "feasible")
    if solved:
        quotas = read_quota(h, inputs)
        reserve = int(round(h.reserve.varValue or 0))
        over = int(round(h.over.varValue or 0))
    else:  # no solution: keep the approved quotas so every table still has a shape
        quotas = quota_table(inputs.schools, inputs.schools["approved_quota"].to_numpy())
        reserve, over = 0, 0
    pool = pool_ledger(quotas, inputs.county_total)
    moves = coverage = rotation = None
    if "rotation" in model.blocks:
        moves, coverage, rotation = _read_rotation(model, solved=solved)
    # Who holds a post where after the moves (Policy.post_moves_with).
    quotas = quotas.join(posts_held(inputs.schools["floor"], moves, inputs.policy))
    status = "feasible" if solved and over > 0 else stats.status
    out: dict[str, Any] = {
        "county": inputs.county, "policy": inputs.policy, "solver": stats, "status": status,
        "quotas": quotas, "pool": pool, "reserve": reserve, "over_county_total": over,
        "moves": moves, "coverage": coverage, "rotation": rotation,
        "clusters": inputs.clusters, "model": model if solved else None,
    }
    if model.horizon is None:
        return out
    tables = read_years(model, quotas, moves, coverage, solved=solved)
    later = tables["quota_path"]["quota"].iloc[:, 1:]
    if status == "optimal" and int(tables["years"].loc["over_county_total"].sum()) > 0:
        out["status"] = "feasible"
    out.update(tables, horizon=len(tables["years"].columns) - 1,
               quotas=quotas.join(later.rename(columns=lambda y: f"new_quota_{y}")))
    return out


def read_years(model: CountyModel, quotas: pd.DataFrame, moves: pd.DataFrame | None,
               year0_cover: pd.DataFrame | None, solved: bool) -> dict[str, pd.DataFrame]:
    """The multi-year tables of a solved model (see the module docstring), keyed by
    their names on the plan.

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
            "cover_by_year": cover, "projection": projection,
            "retirements": hz.retirements.drop(columns="year"),
            "early_retirement": early_retirement_candidates(county.teachers, policy)}


def _moves_delta(model: CountyModel, moves: pd.DataFrame | None) -> pd.DataFrame:
    """Permanent moves' effect on teaching staff, school × subject (itinerant cover
    is arranged for year 0 only)."""
    index = model.inputs.schools.index
    r = model.inputs.rotation
    if r is None or moves is None or moves.empty:
        return pd.DataFrame(0.0, index=index, columns=list(model.horizon.teaching[1].columns))
    permanent = moves[~moves["kind"].isin((*VISIT_KINDS, "principal_exchange"))]
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


def _read_rotation(model: CountyModel, solved: bool) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Named moves, coverage and the rotation rules' figures from a solved model."""
    h = model.blocks["rotation"]
    inputs = model.inputs
    r = h.inputs
    gaps = needs_gap(r.needs, r.staff, inputs.policy)
    flows = read_rotation(h) if solved else r.flows.iloc[:0].assign(count=0)
    with_rules = restricted(getattr(inputs.county, "move_rules", None))
    moves = name_moves(flows, inputs.county.teachers, inputs.eligibility, inputs.schools,
                       gaps, keep=inputs.previous, with_rules=with_rules, policy=inputs.policy)
    if "itinerant" in model.blocks and solved:
        arcs = model.blocks["itinerant"].arcs
        arcs = arcs.assign(fte=values(arcs["var"].tolist()).round(6))
        arcs = arcs[arcs["fte"] > 1e-6]
        training = new_rural_teachers(inputs.county, inputs.policy).index
        visits = name_itinerant(arcs, inputs.county.teachers, moves, inputs.schools, training,
                                with_rules=with_rules)
        if len(visits):
            moves = pd.concat([moves, visits], ignore_index=True)
    heads = model.blocks.get("principals")
    heads_moved = None
    if heads is not None and solved:  # heads' exchange (Chuxiong measure 8)
        heads_moved = _moved_heads(heads)
    if "remote" in model.blocks and solved:
        streams = name_remote(model.blocks["remote"].arcs, inputs.schools, inputs.policy)
        if len(streams):
            moves = pd.concat([moves, streams], ignore_index=True)
    cover = coverage_table(r, moves, inputs.policy, heads_moved)

    duty_out = moves[moves["from_school"].isin(r.duty.index) & ~moves["kind"].isin(VISIT_KINDS)]
    policy = inputs.policy
    pupils = inputs.county.schools["pupils_primary"] + inputs.county.schools["pupils_junior"]
    rural = inputs.schools["location"].eq("rural") | inputs.schools["is_weak"]
    share = h.backbone_share_short
    figures = {
        "eligible_per_duty_school": r.duty["eligible"].astype(int).to_dict(),
        "rotation_target": float(policy.rotation_share_min * r.duty["eligible"].sum()),
        "rotated_from_duty_schools": int(len(duty_out)),
        "backbone_rotated": int(duty_out["backbone"].sum()),
        "backbone_share_short": float(share.varValue or 0) if share is not None else 0.0,
        "volume_short": _positive(h.volume_short),
        "backbone_deficit": _positive(h.backbone_deficit),
        "backbone_target": float(policy.backbone_per_100_pupils_target
                                 * pupils[rural].sum() / 100.0),
        "backbone_deficit_before": float(
            (policy.backbone_per_100_pupils_target * pupils[rural] / 100.0
             - r.backbone_staff[rural]).clip(lower=0).sum()),
        "previous_dropped": _dropped_announcements(inputs.previous, moves),
        "candidate_pairs": pd.MultiIndex.from_frame(
            r.flows[["target", "subject"]].drop_duplicates()),
        # (target, subject) pairs a teacher could reach on a term move, needing no post
        "term_pairs": pd.MultiIndex.from_frame(
            r.flows.loc[~post_moves(move_kinds(r.flows["kind"], r.flows["backbone"],
                                               r.flows["target"], inputs.schools), policy),
                        ["target", "subject"]].drop_duplicates()),
    }
    if heads is not None:
        figures["principals"] = _head_figures(heads, heads_moved)
        if heads_moved is not None and len(heads_moved):
            moves = pd.concat([moves, read_principals(heads, inputs.schools)],
                              ignore_index=True)
    return moves, cover, figures


def _moved_heads(h) -> pd.DataFrame:
    """The heads' exchanges the solver chose (head, school_id, target, role, km)."""
    arcs = h.inputs.arcs
    if not len(arcs):
        return arcs
    return arcs.loc[np.rint(values(h.moves)) > 0].reset_index(drop=True)


def _head_figures(h, moved: pd.DataFrame | None) -> dict:
    """Heads due to exchange, those moved and the target (for explain())."""
    heads = h.inputs.heads
    due = heads[heads["due"]]
    return {
        "heads": int(len(heads)),
        "due": sorted(due.index.astype(str)),
        "due_schools": sorted(due["school_id"].unique().tolist()),
        "moved": [] if moved is None else sorted(moved["head"].astype(str)),
        "target": float(h.target),
        "short": float(h.short.varValue or 0) if h.short is not None else 0.0,
    }


def _positive(variables: dict) -> dict[str, float]:
    """The named slack variables that came back above zero, as plain floats."""
    return {k: round(float(v.varValue or 0), 6) for k, v in variables.items()
            if (v.varValue or 0) > 1e-6}


def _dropped_announcements(previous: pd.DataFrame | None, moves: pd.DataFrame) -> list[str]:
    """Teachers whose announced move the new plan could not keep (no longer eligible,
    gone, or the edge is no longer allowed): said, never dropped silently."""
    if previous is None or previous.empty:
        return []
    keys = ["teacher_id", "from_school", "to_school"]
    kept = previous[keys].merge(moves.loc[~moves["kind"].isin(VISIT_KINDS), keys], on=keys)
    return sorted(set(previous["teacher_id"]) - set(kept["teacher_id"]))
