"""The Plan: what ``optimize`` returns — a container of tables, with delegates to the
explanations (:mod:`staffing.explain`), plots and reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from staffing.balance import balance_metrics, balance_table, plan_balance
from staffing.clusters import CLUSTER_COLUMNS
from staffing.explain import (
    county_reason,
    objective_breakdown,
    rule_table,
    school_story,
    summary_table,
    unmet_needs,
)
from staffing.i18n import check_lang, translate_columns, translate_values
from staffing.metrics import plan_metrics
from staffing.model.blocks import block_table, pre_solve_messages
from staffing.model.naming import MOVE_COLUMNS
from staffing.model.read import HIRE_TABLE_COLUMNS, read_plan_tables
from staffing.model.solve import marginal_value
from staffing.multiyear import year_tables
from staffing.post_levels import posts_by_level
from staffing.training import SHADOW_COLUMNS, shadow_hosts
from staffing.transfers import TRANSFER_COLUMNS

if TYPE_CHECKING:
    from staffing.data.county import County
    from staffing.model.build import CountyModel
    from staffing.model.solve import SolveStats
    from staffing.policy import Policy

__all__ = ["Plan"]

#: Columns of ``plan.coverage`` (indexed by school_id and subject).
COVERAGE_COLUMNS = ["need", "covered_before", "covered_after", "unmet_before", "unmet_after"]


class Plan:
    """A county's staffing plan.

    A Plan holds tables: :func:`staffing.optimize.optimize` builds and solves the model
    and :mod:`staffing.model.read` reads them back; the explanations are
    :mod:`staffing.explain`'s. Plans pickle (for Dask, joblib and notebooks) and
    compare equal by their tables (:meth:`__eq__`).

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
    blocks : each block of the model (rotation, subject cover, 走教, hiring, …): ``on``,
        and for those off the ``reason`` and the input that would switch it on
        (``switch_on``), in English and Chinese (``*_zh``). A county without a teachers
        table gets quotas only; its tables of moves, cover, hires and retirements are
        empty but keep their columns.
    messages : what the data left the plan no room to do, known before solving (key,
        message, message_zh), e.g. a county total equal to the staff in post.
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
        blocks: pd.DataFrame | None = None,
        messages: pd.DataFrame | None = None,
    ) -> None:
        def table(frame: pd.DataFrame | None, columns: list[str] | None = None,
                  index: list[str] | None = None) -> pd.DataFrame:
            if frame is not None:
                return frame
            empty = pd.DataFrame(columns=[*(index or []), *(columns or [])])
            return empty.set_index(index) if index else empty

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
        self.coverage = table(coverage, COVERAGE_COLUMNS, ["school_id", "subject"])
        self.rotation = rotation or {}
        self.clusters = table(clusters, list(CLUSTER_COLUMNS), ["school_id"])
        #: Voluntary transfers settled before planning (optimize(preferences=…)).
        self.transfers = table(transfers, TRANSFER_COLUMNS)
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
        #: Each block of the model, on or off, why, and the input that would switch it
        #: on (:func:`staffing.model.blocks.block_table`).
        self.blocks = (block_table(county, policy, horizon=horizon) if blocks is None
                       else blocks)
        #: What the data left the plan no room to do, known before solving
        #: (:func:`staffing.model.blocks.pre_solve_messages`): key, message, message_zh.
        self.messages = pre_solve_messages(county, policy) if messages is None else messages

    #: The tables two plans must share to be equal (:meth:`__eq__`).
    COMPARED_TABLES: tuple[str, ...] = (
        "quotas", "pool", "moves", "coverage", "clusters", "transfers", "hires", "quota_path",
        "years", "cover_by_year", "projection", "retirements", "early_retirement", "blocks",
        "messages")

    def __eq__(self, other: object) -> bool:
        """Two plans are equal when they plan the same county under the same policy
        with the same result: equal ``county`` and ``policy``, the same ``status``,
        ``objective`` (NaN equal to NaN), ``horizon``, ``reserve`` and
        ``over_county_total``, and every table of :data:`COMPARED_TABLES` equal by
        :meth:`pandas.DataFrame.equals` (same values, dtypes, index and columns; NaN
        equal to NaN). The solver's record (times, log) and the model are not
        compared: the same plan solved twice is equal. A pickled and unpickled plan
        is equal to the original."""
        if not isinstance(other, Plan):
            return NotImplemented
        same_objective = self.objective == other.objective or (
            self.objective != self.objective and other.objective != other.objective)
        return (same_objective and self.status == other.status
                and self.horizon == other.horizon and self.reserve == other.reserve
                and self.over_county_total == other.over_county_total
                and self.policy == other.policy and self.county == other.county
                and all(getattr(self, t).equals(getattr(other, t))
                        for t in self.COMPARED_TABLES))

    __hash__ = None  # type: ignore[assignment]  # a mutable container of tables

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

    # ------------------------------------------------------------------ summaries
    def summary(self, lang: str = "en") -> pd.DataFrame:
        """Headline figures before and after the plan (:func:`staffing.explain.summary_table`)."""
        return summary_table(self, lang)

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
        if self.clusters.empty or self.county.teachers is None:
            return pd.DataFrame(columns=SHADOW_COLUMNS)
        return shadow_hosts(self.county, self.policy, clusters=self.clusters)

    @property
    def unmet(self) -> pd.DataFrame:
        """Subject needs still unmet after the plan, with the reason (empty without
        teachers)."""
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
        short = short.assign(reason=county_reason(self, "en"))
        return short

    def shortfalls_reason(self, lang: str = "en") -> str:
        """Why schools stay below norm after the plan, in ``lang``."""
        return county_reason(self, check_lang(lang))

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
        check_lang(lang)
        if breakdown is not None:
            return objective_breakdown(self, by=breakdown, lang=lang)
        if school_id is not None:
            return school_story(self, str(school_id), lang)
        return rule_table(self, lang)

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
            "posts_by_level": translate_columns(translate_values(self.posts_by_level, lang),
                                                lang),
            "explain": translate_columns(_ids_joined(self.explain(lang=lang)), lang),
            "balance": balance_table(self, lang),
            **(year_tables(self, lang) if self.horizon else {}),
        }

    def _moves_for(self, lang: str) -> pd.DataFrame:
        """Moves with the reason in ``lang`` only."""
        return _reason_in(self.moves, lang)

    def unmet_for(self, lang: str) -> pd.DataFrame:
        """Unmet needs with the reason in ``lang`` only."""
        return _reason_in(self.unmet, lang)

    @property
    def posts_by_level(self) -> pd.DataFrame:
        """Professional posts by level (岗位结构, Chuxiong measure 10) per school, before
        and after the moves, against each school's cap: where a school is above, at or
        below its structure (:func:`staffing.post_levels.posts_by_level`)."""
        return posts_by_level(self.county.schools, self.county.teachers, self.moves,
                              self.policy)

    @property
    def metrics(self) -> pd.DataFrame:
        """Equity and coverage figures before and after (metric, before, after), then the
        county's 优质均衡 figures (:func:`staffing.balance.balance_metrics`)."""
        return pd.concat([plan_metrics(self), balance_metrics(self)])

    @property
    def balance(self) -> pd.DataFrame:
        """优质均衡 per school part before and after the plan: the seven indicators of
        教督〔2017〕6号, their requirement and status, the rule's verdict and the staffing
        items of the government-guarantee part (:func:`staffing.balance.plan_balance`)."""
        return plan_balance(self)

    @property
    def plot(self):
        """Plots of the plan: ``plan.plot.gaps()``, ``.ptr()``, ``.moves()``, ``.balance()``,
        ``.balance_cv()`` (Axes)."""
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


def _ids_joined(table: pd.DataFrame) -> pd.DataFrame:
    """The rule table for a file: every id of ``schools_affected`` in one text cell."""
    return pd.DataFrame(table).assign(schools_affected=[
        ", ".join(map(str, v)) for v in table["schools_affected"]])


def _reason_in(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with one ``reason`` column, in ``lang`` (it carries reason and reason_zh)."""
    keep, drop = ("reason_zh", "reason") if lang == "zh" else ("reason", "reason_zh")
    return frame.drop(columns=[drop]).rename(columns={keep: "reason"})
