"""The Plan: what ``optimize`` returns — a container of tables, with delegates to the
explanations (:mod:`staffing.explain`), plots and reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.i18n import check_lang, label, translate_columns, translate_values
from staffing.model.naming import MOVE_COLUMNS
from staffing.model.quota import reserve_minimum
from staffing.model.read import HIRE_TABLE_COLUMNS, read_plan_tables
from staffing.model.solve import marginal_value
from staffing.multiyear import year_tables
from staffing.vocab import SUBJECTS

if TYPE_CHECKING:
    from staffing.data.county import County
    from staffing.model.build import CountyModel
    from staffing.model.solve import SolveStats
    from staffing.policy import Policy

__all__ = ["Plan"]


class Plan:
    """A county's staffing plan.

    Attributes
    ----------
    status : ``"optimal" | "feasible" | "infeasible" | "error"``. A plan whose staff in
        post exceed the county total comes back ``feasible`` with the excess named in
        :meth:`explain`.
    objective : the weighted objective value.
    solver : :class:`~staffing.model.solve.SolveStats` (name, time, bound, gap).
    quotas : one row per school: norm, approved quota, staff in post, new quota,
        change, shortfall and surplus before and after; ``away_on_term`` and
        ``here_on_term`` (teachers on a move whose post stays at home,
        ``Policy.post_moves_with``) and ``posts_held`` (staff holding a post at the
        school after the moves, term movers counted at home; never above new quota).
    pool : the turnover-pool ledger (opening balance, releases, draws, closing).
    moves : named teacher moves (teacher_id, from_school, to_school, subject,
        backbone, kind, distance_km, reason, reason_zh); empty without teachers.
    coverage : per school and subject: need, covered before and after (FTE); empty
        without teachers.
    clusters : partnership clusters (school_id → cluster_id, lead_school, role), when
        the rotation block ran (it needs coordinates, and so do clusters).
    shadow : shadow-training hosts for new rural teachers (跟岗培训).
    transfers : voluntary transfers (跨校竞聘) settled before the plan, when
        ``optimize(preferences=…)`` was given requests; empty otherwise.
    horizon : later school years planned with this one (``optimize(horizon=…)``).
    hires : recruitment by school, subject and year, with approval year, urgent flag,
        first teaching year and the shadow-training host of rural recruits (empty for a
        single-year plan or a county without teachers).
    quota_path : school × (norm | quota, calendar year): every year's norm and quota.
    years : one column per calendar year: pupils, norms, quotas, staff, retirements,
        hires, urgent share, unmet need, pool balance and loans.
    cover_by_year : need, covered and unmet FTE per school, subject and later year.
    projection : the enrolment projection the plan used (school_id, year 0 … horizon).
    retirements : listed teachers retiring within the horizon, with the year their
        post falls vacant.
    early_retirement : teachers flagged ``can_retire_early`` within
        ``early_retirement_window_years`` of retirement — listed, never assumed to
        leave (:func:`staffing.scenarios.retire_early` applies them).
    over_county_total : posts by which staff staying in post exceed the county total
        (0 for feasible data).
    model : the solved :class:`~staffing.model.build.CountyModel` (read-only; None
        without a solution).

    A Plan holds tables: :func:`staffing.optimize.optimize` builds and solves the model
    and :mod:`staffing.model.read` reads them back; the explanations are
    :mod:`staffing.explain`'s.
    """

    def __init__(
        self,
        *,
        county: County,
        policy: Policy,
        solver: SolveStats,
        status: str,
        quotas: pd.DataFrame,
        pool: pd.DataFrame,
        reserve: int,
        over_county_total: int,
        moves: pd.DataFrame | None = None,
        coverage: pd.DataFrame | None = None,
        rotation: dict | None = None,
        clusters: pd.DataFrame | None = None,
        transfers: pd.DataFrame | None = None,
        horizon: int = 0,
        hires: pd.DataFrame | None = None,
        quota_path: pd.DataFrame | None = None,
        years: pd.DataFrame | None = None,
        cover_by_year: pd.DataFrame | None = None,
        projection: pd.DataFrame | None = None,
        retirements: pd.DataFrame | None = None,
        early_retirement: pd.DataFrame | None = None,
        model: CountyModel | None = None,
    ) -> None:
        def table(frame: pd.DataFrame | None, columns: list[str] | None = None) -> pd.DataFrame:
            return pd.DataFrame(columns=columns) if frame is None else frame

        self.county = county
        self.policy = policy
        self.solver = solver
        self.status = status
        self.objective = solver.objective
        self.quotas = quotas
        self.pool = pool
        self.reserve = reserve
        self.over_county_total = over_county_total
        self.moves = table(moves, MOVE_COLUMNS)
        self.coverage = table(coverage)
        self.rotation = rotation or {}
        self.clusters = table(clusters)
        #: Voluntary transfers settled before planning (optimize(preferences=…)).
        self.transfers = table(transfers)
        self.horizon = horizon
        self.hires = table(hires, HIRE_TABLE_COLUMNS)
        self.quota_path = table(quota_path)
        self.years = table(years)
        self.cover_by_year = table(cover_by_year)
        self.projection = table(projection)
        self.retirements = table(retirements)
        self.early_retirement = table(early_retirement)
        self._model = model
        self._one_more: float | None = None

    @classmethod
    def from_model(cls, model: CountyModel, stats: SolveStats, **extra) -> Plan:
        """Read a solved :class:`~staffing.model.build.CountyModel` back into a Plan
        (:func:`staffing.model.read.read_plan_tables`); ``extra`` tables such as
        ``transfers`` are added as they are."""
        return cls(**read_plan_tables(model, stats), **extra)

    @property
    def model(self) -> CountyModel | None:
        """The solved model behind the plan (None without a solution): its PuLP problem
        ``model.prob``, inputs ``model.inputs`` and block handles ``model.blocks``."""
        return self._model

    def _pool_this_year(self) -> pd.DataFrame:
        """The pool ledger of the first planning year."""
        if "year" not in self.pool:
            return self.pool
        return self.pool[self.pool["year"].eq(self.policy.plan_year)]

    # ------------------------------------------------------------------ summaries
    def summary(self, lang: str = "en") -> pd.DataFrame:
        """Headline figures before and after the plan.

        Rows: schools below norm (all and rural), posts short of norm, posts above
        norm, quota moved through the pool, pool balance, quota assigned to schools;
        with rotation, moves and subject cover; in a multi-year plan, hires and
        retirements over the plan and the first and last years' shortfalls and unmet
        need.
        """
        q = self.quotas
        rural = q["location"].eq("rural")
        moved = int(q["change"].clip(lower=0).sum())
        pool = self._pool_this_year()
        opening = int(pool["balance"].iloc[0])
        closing = int(pool["balance"].iloc[-1])
        rows = [
            ("schools_below_norm", "Schools below norm", "低于编制标准的学校",
             int((q.shortfall_before > 0).sum()), int((q.shortfall_after > 0).sum())),
            ("rural_schools_below_norm", "Rural schools below norm", "低于编制标准的乡村学校",
             int((rural & (q.shortfall_before > 0)).sum()),
             int((rural & (q.shortfall_after > 0)).sum())),
            ("posts_short", "Posts short of norm", "缺编数",
             int(q.shortfall_before.sum()), int(q.shortfall_after.sum())),
            ("posts_above", "Posts above norm", "超编数",
             int(q.surplus_before.sum()), int(q.surplus_after.sum())),
            ("quota_moved", "Quota moved through the pool", "经周转池调剂的编制", 0, moved),
            ("pool_balance", "Turnover pool balance", "周转池余额", opening, closing),
            ("quota_assigned", "Quota assigned to schools", "学校编制合计",
             int(q.approved_quota.sum()), int(q.new_quota.sum())),
        ]
        if self.rotation:
            c = self.coverage.reset_index()
            urgent = c["subject"].isin(self.policy.urgent_subjects)
            deficit = sum(self.rotation["backbone_deficit"].values())
            rows += [
                ("teachers_moved", "Teachers moved (交流轮岗)", "交流轮岗教师", 0,
                 int(self.moves["kind"].ne("itinerant").sum())),
                ("itinerant_fte", "Itinerant cover (走教, FTE)", "走教(折合人数)", 0.0,
                 round(float(self.moves.loc[self.moves["kind"].eq("itinerant"), "fte"].sum()),
                       1)),
                ("unmet_need_fte", "Unmet subject need (FTE)", "学科缺口(折合人数)",
                 round(float(c.unmet_before.sum()), 1), round(float(c.unmet_after.sum()), 1)),
                ("unmet_urgent_fte", "Unmet urgent-subject need (FTE)", "紧缺学科缺口(折合人数)",
                 round(float(c.unmet_before[urgent].sum()), 1),
                 round(float(c.unmet_after[urgent].sum()), 1)),
                ("backbone_deficit_rural", "Rural backbone teachers short of 1 per 100 pupils",
                 "乡村学校骨干教师缺口", round(self.rotation["backbone_deficit_before"], 1),
                 round(deficit, 1)),
            ]
        if self.horizon:
            rows += self._year_summary_rows()
        col = 1 if check_lang(lang) == "en" else 2
        out = pd.DataFrame(
            {
                label("metric", lang): [r[col] for r in rows],
                label("before", lang): pd.Series([r[3] for r in rows], dtype=object),
                label("after", lang): pd.Series([r[4] for r in rows], dtype=object),
            },
        )
        out.index = pd.Index([r[0] for r in rows], name="key")
        return out

    def _year_summary_rows(self) -> list[tuple]:
        """Summary rows of a multi-year plan: "before" is the first year, "after" the
        whole plan (hires, retirements) or its last year (shortfalls, unmet need)."""
        y = self.years
        first, last = y.columns[0], y.columns[-1]
        hires, urgent = int(y.loc["hires"].sum()), int(y.loc["urgent_hires"].sum())
        return [
            ("hires_over_plan", f"New hires {first + 1}–{last}", f"{first + 1}—{last}年招聘教师",
             0, hires),
            ("urgent_share_of_hires", "Urgent-need share of those hires", "其中紧缺学科占比",
             np.nan, round(urgent / hires, 3) if hires else np.nan),
            ("retirements_over_plan", f"Retirements {first + 1}–{last}",
             f"{first + 1}—{last}年退休", 0, int(y.loc["retirements"].sum())),
            ("posts_short_by_year", f"Posts short of norm, {first} → {last}",
             f"缺编数({first}年→{last}年)", int(y.loc["posts_short", first]),
             int(y.loc["posts_short", last])),
            ("unmet_need_by_year", f"Unmet subject need (FTE), {first} → {last}",
             f"学科缺口(折合人数,{first}年→{last}年)", y.loc["unmet_need_fte", first],
             y.loc["unmet_need_fte", last]),
        ]

    @property
    def value_of_one_more_post(self) -> float:
        """What one more 编制 would buy: the fall in the weighted objective if the county
        total were one post higher (the LP with the moves fixed, re-solved with one more
        post; NaN without a solution). Compare it with the weights: 100 is one
        post of shortfall at an urban school, 150 at a rural one (Policy defaults)."""
        if self._one_more is None:
            if self._model is None:
                self._one_more = float("nan")
            else:
                q = self._model.quota
                self._one_more = marginal_value(self._model.prob, q.reserve, q.quota)
        return self._one_more

    @property
    def shadow(self) -> pd.DataFrame:
        """Shadow-training hosts for new rural teachers: their cluster lead, or the
        nearest urban quality or central school with room (Chuxiong measure 7)."""
        from staffing.training import SHADOW_COLUMNS, shadow_hosts

        if self.clusters.empty or self.county.teachers is None:
            return pd.DataFrame(columns=SHADOW_COLUMNS)
        return shadow_hosts(self.county, self.policy, clusters=self.clusters)

    @property
    def unmet(self) -> pd.DataFrame:
        """Subject needs still unmet after the plan, with the reason (empty without
        teachers)."""
        from staffing.explain import unmet_needs

        return unmet_needs(self)

    @property
    def shortfalls(self) -> pd.DataFrame:
        """Schools still below norm after the plan, most urgent first, with the reason."""
        q = self.quotas
        short = q.loc[q["shortfall_after"] > 0,
                      ["name", "location", "level", "norm", "new_quota", "shortfall_after",
                       "shortfall_weight"]]
        short = short.sort_values(["shortfall_weight", "shortfall_after"], ascending=False,
                                  kind="stable")
        short = short.assign(reason=self._county_reason("en"))
        return short

    def shortfalls_reason(self, lang: str = "en") -> str:
        """Why schools stay below norm after the plan, in ``lang``."""
        return self._county_reason(check_lang(lang))

    def _county_reason(self, lang: str) -> str:
        """Why schools stay short, at county level (the same for every short school)."""
        facts = self._binding_facts()
        parts_en, parts_zh = [], []
        if not self.policy.pool_enabled:
            parts_en.append("the turnover pool is switched off (pool_enabled = false)")
            parts_zh.append("周转池未启用")
        if facts["over"] > 0:
            parts_en.append(f"staff staying in post ({facts['staying']}) exceed the county "
                            f"total ({facts['total']}) by {facts['over']}")
            parts_zh.append(f"留任在编人员({facts['staying']}名)超出核定编制总量"
                            f"({facts['total']}){facts['over']}名")
        if facts["exhausted"]:
            parts_en.append(
                f"the county total ({facts['total']}) is exhausted: every post is assigned"
            )
            parts_zh.append(f"编制总量({facts['total']})已全部分配")
        if facts["locked"] > 0:
            parts_en.append(
                f"{facts['locked']} posts above norm at {facts['locked_schools']} schools are "
                "occupied by staff in post and cannot be released"
            )
            parts_zh.append(
                f"{facts['locked_schools']}所学校超编的{facts['locked']}个编制由在编人员占用,无法收回"
            )
        if facts["reserve_min"] > 0 and self.reserve < facts["reserve_min"]:
            parts_en.append(f"staff in post leave room for only {self.reserve} of the "
                            f"{facts['reserve_min']} reserve posts")
            parts_zh.append(f"在编人员仅留出{self.reserve}个周转池预留编制"
                            f"(应留{facts['reserve_min']}个)")
        elif facts["reserve_min"] > 0:
            parts_en.append(f"{facts['reserve_min']} posts are held back as the pool reserve")
            parts_zh.append(f"周转池按规定预留{facts['reserve_min']}个编制")
        if lang == "zh":
            return ";".join(parts_zh) or "—"
        return "; ".join(parts_en) or "—"

    def _binding_facts(self) -> dict[str, int | bool]:
        q = self.quotas
        floor = q["posts_held"]
        locked = (np.minimum(q["new_quota"], floor) - q["norm"]).clip(lower=0)
        total = self.county.county_total
        reserve_min = reserve_minimum(total, self.policy)
        return {
            "total": total,
            "staying": int(floor.sum()),
            "over": self.over_county_total,
            "exhausted": int(q["new_quota"].sum()) + self.reserve - self.over_county_total
            >= total and self.reserve <= reserve_min,
            "locked": int(locked.sum()),
            "locked_schools": int((locked > 0).sum()),
            "reserve_min": reserve_min,
        }

    # ------------------------------------------------------------------ explain
    def explain(self, school_id: str | None = None, lang: str = "en", *,
                breakdown: str | None = None) -> pd.DataFrame | str:
        """Why the plan looks as it does.

        Parameters
        ----------
        school_id : with an id, a short story for that school (its share of norm before
            and after, against the last school that received a post); without, one row
            per rule.
        lang : ``"en"`` or ``"zh"``.
        breakdown : ``"rule"`` or ``"school"``: instead, how much of the weighted
            objective each rule carries, overall or school by school
            (:func:`staffing.explain.objective_breakdown`).

        Returns
        -------
        DataFrame with one row per rule — ``key`` (stable id), ``rule``, ``target``,
        ``achieved``, ``shortfall``, ``binding``, ``schools_affected``, ``note`` — or,
        for one school, a str.
        """
        from staffing.explain import objective_breakdown, rule_table

        check_lang(lang)
        if breakdown is not None:
            return objective_breakdown(self, by=breakdown, lang=lang)
        if school_id is not None:
            return self._school_story(str(school_id), lang)
        return rule_table(self, lang)

    def _school_story(self, school_id: str, lang: str) -> str:
        from staffing.explain import allocation_note, rotation_story

        if school_id not in self.quotas.index:
            raise KeyError(f"no school {school_id!r} in this plan")

        r = self.quotas.loc[school_id]
        basis = label(r["basis"], lang)
        rotation = rotation_story(self, school_id, lang)
        if lang == "zh":
            text = (f"{r['name']}({school_id}):编制标准{r['norm']}人({basis}),"
                    f"原核定编制{r['approved_quota']}人,在编在岗{r['staff_in_post']}人;"
                    f"调整后编制{r['new_quota']}人(增减{r['change']:+d})。") + rotation
            if r["shortfall_after"] > 0:
                text += f"仍缺编{r['shortfall_after']}人:{self._county_reason('zh')}。"
            elif r["change"] < 0:
                text += f"收回{-r['change']}个空编入周转池。"
            for row in self._unmet_at(school_id):
                text += (f"{SUBJECTS[row.subject]}仍缺{row.unmet_after:.1f}人:{row.reason_zh}。")
            return text + allocation_note(self, school_id, "zh") + self._years_story(
                school_id, "zh")
        text = (f"{r['name']} ({school_id}): norm {r['norm']} posts ({basis}); approved "
                f"quota {r['approved_quota']}, staff in post {r['staff_in_post']}; new quota "
                f"{r['new_quota']} ({r['change']:+d}).") + rotation
        if r["shortfall_after"] > 0:
            text += f" Still {r['shortfall_after']} short of norm: {self._county_reason('en')}."
        elif r["change"] < 0:
            text += f" {-r['change']} vacant posts released to the turnover pool."
        for row in self._unmet_at(school_id):
            text += f" {row.subject}: {row.unmet_after:.1f} FTE still unmet ({row.reason})."
        return text + allocation_note(self, school_id, "en") + self._years_story(
            school_id, "en")

    def _years_story(self, school_id: str, lang: str) -> str:
        """The later years of a multi-year plan for one school: quotas and hires."""
        if not self.horizon:
            return ""
        quotas = self.quota_path["quota"].loc[school_id]
        path = "→".join(str(int(q)) for q in quotas)
        years = f"{quotas.index[0]}–{quotas.index[-1]}"
        hires = self.hires[self.hires["school_id"] == school_id]
        names = self.quotas["name"]
        hires = hires.assign(host_school=[names.get(h, h) for h in hires["host_school"]])
        if lang == "zh":
            text = f"{years}年编制:{path}。"
            for h in hires.itertuples():
                host = f",先到{h.host_school}跟岗培训" if h.host_school else ""
                text += (f"{h.year}年招聘{SUBJECTS[h.subject]}教师{h.count}人"
                         f"({h.approval_year}年报批{host})。")
            return text
        text = f" Quotas {years}: {path}."
        for h in hires.itertuples():
            host = f", shadow-training first at {h.host_school}" if h.host_school else ""
            text += (f" Hires for {h.year}: {h.count} {h.subject} (approved in "
                     f"{h.approval_year}{host}).")
        return text

    def _unmet_at(self, school_id: str) -> list:
        """The school's unmet subject needs (rows of :attr:`unmet`), largest first."""
        unmet = self.unmet
        return list(unmet[unmet["school_id"] == school_id].itertuples())

    # ------------------------------------------------------------------ output
    def to_excel(self, path: str | Path, lang: str = "en") -> None:
        """Write the plan as a workbook: summary, quotas, pool, explain (atomically)."""
        from staffing.report import write_plan_excel

        write_plan_excel(self, path, lang=lang)

    def to_dir(self, path: str | Path, *, format: str = "csv", lang: str = "en") -> Path:
        """Write each table as a CSV (or Parquet) file in folder ``path``, atomically."""
        from staffing.report import write_plan_dir

        return write_plan_dir(self, path, format=format, lang=lang)

    def tables(self, lang: str = "en") -> dict[str, pd.DataFrame]:
        """The plan's tables with headers and labels in ``lang``, for reports."""
        return {
            "summary": self.summary(lang).reset_index(drop=True),
            "quotas": translate_columns(translate_values(self.quotas, lang), lang),
            "pool": translate_columns(translate_values(self.pool, lang), lang),
            "moves": translate_columns(translate_values(self._moves_for(lang), lang), lang),
            "coverage": translate_columns(translate_values(self.coverage, lang), lang),
            "unmet": translate_columns(translate_values(self.unmet_for(lang), lang), lang),
            "clusters": translate_columns(translate_values(self.clusters, lang), lang),
            # "basis" here is why a host was chosen, not a norm basis: its own label
            "shadow": translate_columns(translate_values(
                self.shadow, lang).rename(columns={"basis": "host_basis"}), lang),
            "transfers": translate_columns(translate_values(self.transfers, lang), lang),
            "explain": translate_columns(self.explain(lang=lang), lang),
            **(year_tables(self, lang) if self.horizon else {}),
        }

    def _moves_for(self, lang: str) -> pd.DataFrame:
        """Moves with the reason in ``lang`` only."""
        return _reason_in(self.moves, lang)

    def unmet_for(self, lang: str) -> pd.DataFrame:
        """Unmet needs with the reason in ``lang`` only."""
        return _reason_in(self.unmet, lang)

    @property
    def metrics(self) -> pd.DataFrame:
        """Equity and coverage figures before and after (metric, before, after)."""
        from staffing.metrics import plan_metrics

        return plan_metrics(self)

    @property
    def plot(self):
        """Plots of the plan: ``plan.plot.gaps()``, ``.ptr()``, ``.moves()`` (Axes)."""
        from staffing.plots import PlanPlots

        return PlanPlots(self)

    def _repr_html_(self) -> str:
        from staffing.html import plan_html

        return plan_html(self)

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"Plan({self.county.name!r}, status={self.status!r}, "
            f"short {s.iloc[2, 1]}→{s.iloc[2, 2]} posts, solver={self.solver.solver} "
            f"{self.solver.time_s:.2f}s)"
        )


def _reason_in(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with one ``reason`` column, in ``lang`` (it carries reason and reason_zh)."""
    keep, drop = ("reason_zh", "reason") if lang == "zh" else ("reason", "reason_zh")
    return frame.drop(columns=[drop]).rename(columns={keep: "reason"})
