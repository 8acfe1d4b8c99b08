"""The Plan: what ``optimize`` returns — tables, summary, explanations, report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.i18n import check_lang, label, translate_columns, translate_values
from staffing.model.quota import pool_ledger, quota_table, read_quota, reserve_minimum

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
        change, shortfall and surplus before and after.
    pool : the turnover-pool ledger (opening balance, releases, draws, closing).
    over_county_total : posts by which staff staying in post exceed the county total
        (0 for feasible data).
    """

    def __init__(
        self,
        *,
        county: County,
        policy: Policy,
        solver: SolveStats,
        quotas: pd.DataFrame,
        pool: pd.DataFrame,
        reserve: int,
        over_county_total: int,
    ) -> None:
        self.county = county
        self.policy = policy
        self.solver = solver
        self.quotas = quotas
        self.pool = pool
        self.reserve = reserve
        self.over_county_total = over_county_total
        has_solution = solver.status in ("optimal", "feasible")
        self.status = "feasible" if has_solution and over_county_total > 0 else solver.status
        self.objective = solver.objective

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_model(cls, model: CountyModel, stats: SolveStats) -> Plan:
        """Read a solved :class:`~staffing.model.build.CountyModel` back into a Plan."""
        inputs = model.inputs
        h = model.quota
        if stats.status in ("optimal", "feasible"):
            quotas = read_quota(h, inputs)
            reserve = int(round(h.reserve.varValue or 0))
            over = int(round(h.over.varValue or 0))
        else:  # no solution: keep the approved quotas so every table still has a shape
            quotas = quota_table(inputs.schools, inputs.schools["approved_quota"].to_numpy())
            reserve, over = 0, 0
        pool = pool_ledger(quotas, inputs.county_total)
        return cls(county=inputs.county, policy=inputs.policy, solver=stats, quotas=quotas,
                   pool=pool, reserve=reserve, over_county_total=over)

    # ------------------------------------------------------------------ summaries
    def summary(self, lang: str = "en") -> pd.DataFrame:
        """Headline figures before and after the plan.

        Rows: schools below norm (all and rural), posts short of norm, posts above
        norm, quota moved through the pool, pool balance, quota assigned to schools.
        """
        q = self.quotas
        rural = q["location"].eq("rural")
        moved = int(q["change"].clip(lower=0).sum())
        opening = int(self.pool["balance"].iloc[0])
        closing = int(self.pool["balance"].iloc[-1])
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
        col = 1 if check_lang(lang) == "en" else 2
        out = pd.DataFrame(
            {
                label("metric", lang): [r[col] for r in rows],
                label("before", lang): [r[3] for r in rows],
                label("after", lang): [r[4] for r in rows],
            },
            index=pd.Index([r[0] for r in rows], name="key"),
        )
        return out

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
            parts_en.append(f"staff in post exceed the county total by {facts['over']}")
            parts_zh.append(f"在编在岗人数超出核定编制总量{facts['over']}名")
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
        if facts["reserve_min"] > 0:
            parts_en.append(f"{facts['reserve_min']} posts are held back as the pool reserve")
            parts_zh.append(f"周转池按规定预留{facts['reserve_min']}个编制")
        if lang == "zh":
            return ";".join(parts_zh) or "—"
        return "; ".join(parts_en) or "—"

    def _binding_facts(self) -> dict[str, int | bool]:
        q = self.quotas
        floor = q["staff_in_post"] - q["leavers"]
        locked = (np.minimum(q["new_quota"], floor) - q["norm"]).clip(lower=0)
        total = self.county.county_total
        reserve_min = reserve_minimum(total, self.policy)
        return {
            "total": total,
            "over": self.over_county_total,
            "exhausted": int(q["new_quota"].sum()) + self.reserve - self.over_county_total
            >= total and self.reserve <= reserve_min,
            "locked": int(locked.sum()),
            "locked_schools": int((locked > 0).sum()),
            "reserve_min": reserve_min,
        }

    # ------------------------------------------------------------------ explain
    def explain(self, school_id: str | None = None, lang: str = "en") -> pd.DataFrame | str:
        """Why the plan looks as it does.

        Parameters
        ----------
        school_id : with an id, a short story for that school; without, one row per rule.
        lang : ``"en"`` or ``"zh"``.

        Returns
        -------
        DataFrame (rule, target, achieved, shortfall, binding, schools_affected, note)
        or str.
        """
        check_lang(lang)
        if school_id is not None:
            return self._school_story(str(school_id), lang)
        q = self.quotas
        facts = self._binding_facts()
        short_ids = q.index[q["shortfall_after"] > 0]
        floor = q["staff_in_post"] - q["leavers"]
        at_floor = q.index[(q["new_quota"] == floor) & (q["new_quota"] > q["norm"])]
        zh = lang == "zh"
        rows = [
            {
                "rule": "编制总量 (county total)" if zh else "county total (核定编制总量)",
                "target": facts["total"],
                "achieved": int(q["new_quota"].sum()) + self.reserve,
                "shortfall": facts["over"],
                "binding": bool(facts["over"] > 0 or (facts["exhausted"] and len(short_ids))),
                "schools_affected": _ids(short_ids if facts["exhausted"] else []),
                "note": ("over_county_total: staff in post exceed the total"
                         if facts["over"] else ""),
            },
            {
                "rule": "周转池预留 (pool reserve)" if zh else "pool reserve (周转池预留)",
                "target": facts["reserve_min"],
                "achieved": self.reserve,
                "shortfall": max(0, int(facts["reserve_min"]) - self.reserve),
                "binding": bool(facts["reserve_min"] > 0 and self.reserve == facts["reserve_min"]
                                and len(short_ids)),
                "schools_affected": "",
                "note": "",
            },
            {
                "rule": "在编占编 (occupied posts)" if zh else "occupied posts (在编占编)",
                "target": int(floor.sum()),
                "achieved": int(np.minimum(q["new_quota"], floor).sum()),
                "shortfall": 0,
                "binding": bool(len(at_floor) and len(short_ids)),
                "schools_affected": _ids(at_floor),
                "note": f"{facts['locked']} posts above norm held by staff in post",
            },
            {
                "rule": "编制标准 (norm coverage)" if zh else "norm coverage (编制标准)",
                "target": int(q["norm"].sum()),
                "achieved": int(np.minimum(q["new_quota"], q["norm"]).sum()),
                "shortfall": int(q["shortfall_after"].sum()),
                "binding": bool(len(short_ids)),
                "schools_affected": _ids(short_ids),
                "note": self._county_reason(lang) if len(short_ids) else "",
            },
        ]
        return pd.DataFrame(rows)

    def _school_story(self, school_id: str, lang: str) -> str:
        if school_id not in self.quotas.index:
            raise KeyError(f"no school {school_id!r} in this plan")
        r = self.quotas.loc[school_id]
        basis = label(r["basis"], lang)
        if lang == "zh":
            text = (f"{r['name']}({school_id}):编制标准{r['norm']}人({basis}),"
                    f"原核定编制{r['approved_quota']}人,在编在岗{r['staff_in_post']}人;"
                    f"调整后编制{r['new_quota']}人(增减{r['change']:+d})。")
            if r["shortfall_after"] > 0:
                text += f"仍缺编{r['shortfall_after']}人:{self._county_reason('zh')}。"
            elif r["change"] < 0:
                text += f"收回{-r['change']}个空编入周转池。"
            return text
        text = (f"{r['name']} ({school_id}): norm {r['norm']} posts ({basis}); approved "
                f"quota {r['approved_quota']}, staff in post {r['staff_in_post']}; new quota "
                f"{r['new_quota']} ({r['change']:+d}).")
        if r["shortfall_after"] > 0:
            text += f" Still {r['shortfall_after']} short of norm: {self._county_reason('en')}."
        elif r["change"] < 0:
            text += f" {-r['change']} vacant posts released to the turnover pool."
        return text

    # ------------------------------------------------------------------ output
    def to_excel(self, path: str | Path, lang: str = "en") -> None:
        """Write the plan as a workbook: summary, quotas, pool, explain (atomically)."""
        from staffing.report import write_plan_excel

        write_plan_excel(self, path, lang=lang)

    def tables(self, lang: str = "en") -> dict[str, pd.DataFrame]:
        """The plan's tables with headers and labels in ``lang``, for reports."""
        return {
            "summary": self.summary(lang).reset_index(drop=True),
            "quotas": translate_columns(translate_values(self.quotas, lang), lang),
            "pool": translate_columns(translate_values(self.pool, lang), lang),
            "explain": translate_columns(self.explain(lang=lang), lang),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"Plan({self.county.name!r}, status={self.status!r}, "
            f"short {s.iloc[2, 1]}→{s.iloc[2, 2]} posts, solver={self.solver.solver} "
            f"{self.solver.time_s:.2f}s)"
        )


def _ids(index) -> str:
    return ", ".join(map(str, list(index)))
