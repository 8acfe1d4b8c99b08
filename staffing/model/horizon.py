"""What the later years of a multi-year plan read: norms, needs, staff and attrition.

A plan with ``horizon = H`` covers school years 0 … H, year 0 starting on 1 September
of ``policy.plan_year``. Year 0 is the single-year model (quotas, rotation, itinerant
cover); years 1 … H add quotas, recruitment and subject cover per year. For those
years this module prepares, once and vectorised:

* pupils and classes from the enrolment projection (:mod:`staffing.projection`), and
  from them each school's quota norm and subject needs;
* who is still there: a listed teacher retires from the school year that starts on
  or after the statutory retirement date (:mod:`staffing.retirement`, 2025 reform),
  so a teacher retiring in March 2028 leaves a vacancy from September 2028; teachers
  marked ``leaving`` are gone from year 0 already;
* who teaches: teachers in post, less new rural teachers still shadow-training
  (跟岗培训, ``shadow_training_years`` from their hire year); a head (``role``
  principal, vice principal, party secretary) counts as in year 0, only as her
  minimum periods ÷ load FTE of her need (:func:`staffing.model.principals.head_cover`,
  ``head_cover``), never as a whole teacher — at her home school: the later years do
  not follow a year-0 head exchange;
* what schools above norm free by attrition (:func:`attrition_above_norm`): pool
  loans are repaid from it; and how many trainees the host
  schools can still mentor.

Staff who are not listed in the teachers table (``staff_in_post`` above the listed
count) are assumed to stay: nobody knows their retirement dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.model.inputs import ModelInputs
from staffing.model.principals import head_cover, roles_of
from staffing.needs import subject_needs
from staffing.norms import quota_norms
from staffing.policy import Policy
from staffing.projection import projected_county, projection_summary
from staffing.retirement import retirement_dates, school_year_of
from staffing.staff import in_post
from staffing.vocab import SUBJECTS

__all__ = ["HorizonInputs", "prepare_horizon", "attrition_above_norm", "shadow_host_schools"]


@dataclass(frozen=True)
class HorizonInputs:
    """Per-year data of a multi-year plan (years ``1 … horizon``; year 0 is ``inputs``).

    Attributes
    ----------
    horizon : number of years after year 0.
    calendar : calendar year of each planning year ``t`` (``plan_year + t``), by ``t``.
    projection : :func:`staffing.projection.projection_summary` (school_id, year 0 … H).
    norms : school × year (1 … H) → quota norm (posts).
    needs : year → school × subject FTE need.
    teaching : year → school × subject teachers teaching there before moves and hires
        (heads left out: they teach only their minimum periods, see ``head_cover``).
    holding : school × year (1 … H) → staff holding a post before moves and hires
        (a teacher on a term move holds hers at home for the whole horizon,
        ``Policy.post_moves_with``).
    retirements : one row per listed teacher who retires within the horizon.
    head_cover : year → school × subject FTE the heads still there teach (periods ÷
        load, :func:`staffing.model.principals.head_cover`); zeros without heads.
    attrition : year (1 … H + pool_loan_years) → posts schools above norm free by
        attrition (:func:`attrition_above_norm`); pool loans are repaid from it.
    mentor_room : year (1 … H) → trainee places left at host schools (empty Series when
        the county has no host school or training is off).
    """

    horizon: int
    calendar: dict[int, int]
    projection: pd.DataFrame
    norms: pd.DataFrame
    needs: dict[int, pd.DataFrame]
    teaching: dict[int, pd.DataFrame]
    holding: pd.DataFrame
    retirements: pd.DataFrame
    attrition: pd.Series
    mentor_room: pd.Series
    head_cover: dict[int, pd.DataFrame] = field(default_factory=dict)
    #: ``net_needs`` by year, computed once (the hiring block asks per school).
    _net: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def net_needs(self, t: int) -> pd.DataFrame:
        """Year ``t``'s need less the heads' cover (never negative): what whole
        teachers must cover."""
        if t not in self._net:
            heads = self.head_cover.get(t)
            self._net[t] = (self.needs[t] if heads is None else (
                self.needs[t] - heads.reindex_like(self.needs[t]).fillna(0.0)).clip(lower=0.0))
        return self._net[t]

    @property
    def years(self) -> range:
        """The later planning years, ``1 … horizon``."""
        return range(1, self.horizon + 1)


def shadow_host_schools(schools: pd.DataFrame) -> pd.Index:
    """Schools that may host shadow training: urban quality schools and central schools."""
    return schools.index[(schools["is_quality"].astype(bool) & schools["location"].eq("urban"))
                         | schools["is_central"].astype(bool)]


def attrition_above_norm(floor: pd.Series, norms: pd.DataFrame, leaving_year: pd.DataFrame,
                         last_year: int) -> pd.Series:
    """Posts schools above norm free by attrition in each year ``1 … last_year``.

    A school holding more staff than its norm repays the pool as its staff retire: in
    year ``τ`` it frees the smaller of its surplus at the end of year ``τ − 1`` and its
    retirements from year ``τ``. Hires and moves are left out (a school above norm
    recruits nobody). Years past the projection keep its last year's norms.

    Parameters
    ----------
    floor : staff holding a post in year 0, per school.
    norms : school × year (0 … H) norms.
    leaving_year : listed teachers with ``school_id`` and ``year`` (planning year from
        which their post is vacant).
    last_year : last year to count (``H + pool_loan_years``).

    Examples
    --------
    >>> floor = pd.Series([12, 5], index=["A", "B"])
    >>> norms = pd.DataFrame({0: [10, 8]}, index=["A", "B"])
    >>> leaving = pd.DataFrame({"school_id": ["A", "A", "A", "B"], "year": [1, 3, 3, 1]})
    >>> attrition_above_norm(floor, norms, leaving, 3).tolist()
    [1, 0, 1]
    """
    retiring = leaving_year.groupby(["year", "school_id"]).size()
    holding = floor.astype("int64")
    out = {}
    for year in range(1, last_year + 1):
        norm = norms[min(year - 1, norms.columns.max())]
        gone = retiring.xs(year, level="year").reindex(holding.index, fill_value=0) \
            if year in retiring.index.get_level_values("year") else 0
        out[year] = int(np.minimum((holding - norm).clip(lower=0), gone).sum())
        holding = (holding - gone).clip(lower=0)
    return pd.Series(out, name="attrition_above_norm", dtype="int64")


def _teachers_by_subject(teachers: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    return pd.crosstab(teachers["school_id"], teachers["subject"]).reindex(
        index=index, columns=list(SUBJECTS), fill_value=0).astype("int64")


def _head_fte(fte: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Heads' cover (FTE) summed by school × need."""
    table = fte.pivot_table(index="school_id", columns="need", values="fte", aggfunc="sum") \
        if len(fte) else pd.DataFrame(index=index)
    return table.reindex(index=index, columns=list(SUBJECTS)).fillna(0.0).astype(float)


def prepare_horizon(data: ModelInputs, horizon: int) -> HorizonInputs:
    """Norms, needs, staff and attrition of years ``1 … horizon`` for ``data.county``.

    Parameters
    ----------
    data : the year-0 model inputs (:func:`staffing.model.inputs.prepare_inputs`).
    horizon : number of later years (≥ 1).

    Returns
    -------
    HorizonInputs
    """
    county, policy = data.county, data.policy
    index = data.schools.index
    years = range(1, horizon + 1)
    calendar = {t: policy.plan_year + t for t in range(horizon + 1)}
    summary = projection_summary(county, policy, horizon=horizon)
    norms, needs = {}, {}
    for t in years:
        later = projected_county(county, t, policy, summary=summary)
        norms[t] = quota_norms(later, policy)["norm"].reindex(index)
        needs[t] = subject_needs(later, policy).reindex(index)
    norms = pd.DataFrame(norms).astype("int64")

    teachers = county.teachers
    if teachers is None or teachers.empty:
        holding = pd.DataFrame({t: data.schools["floor"] for t in years}).astype("int64")
        empty = pd.DataFrame(0, index=index, columns=list(SUBJECTS), dtype="int64")
        return HorizonInputs(
            horizon=horizon, calendar=calendar, projection=summary, norms=norms, needs=needs,
            teaching={t: empty for t in years}, holding=holding,
            retirements=_retirement_table(teachers, policy, horizon),
            attrition=pd.Series(0, index=range(1, horizon + policy.pool_loan_years + 1),
                                dtype="int64"),
            mentor_room=pd.Series(dtype="int64"))

    staying = in_post(teachers)
    dates = retirement_dates(staying, policy)
    gone = pd.DataFrame({"school_id": staying["school_id"],
                         "year": school_year_of(dates["retirement_date"], policy.plan_year)},
                        index=staying.index)
    gone_by = {t: gone.loc[gone["year"] <= t].groupby("school_id").size().reindex(
        index, fill_value=0) for t in years}
    holding = pd.DataFrame({t: data.schools["floor"] - gone_by[t] for t in years}
                           ).clip(lower=0).astype("int64")

    working = staying[staying["status"].eq("in_post")]
    rural_school = working["school_id"].map(county.schools["location"]).eq("rural")
    trains_until = np.where(rural_school, working["hire_year"] + policy.shadow_training_years - 1,
                            -1)
    head = roles_of(working).ne("teacher").to_numpy(dtype=bool)
    heads = working.loc[head, ["school_id", "subject"]].assign(
        role=roles_of(working)[head])
    fte = head_cover(county, policy, heads)
    teaching, covered = {}, {}
    for t in years:
        here = ((gone["year"].reindex(working.index) > t) & (trains_until < calendar[t])
                ).to_numpy()
        teaching[t] = _teachers_by_subject(working.loc[here & ~head], index)
        covered[t] = _head_fte(fte.loc[here[head]], index)

    norms_all = norms.assign(**{"0": data.schools["norm"]}).rename(columns={"0": 0})
    attrition = attrition_above_norm(data.schools["floor"], norms_all[sorted(norms_all.columns)],
                                     gone, horizon + policy.pool_loan_years)

    hosts = shadow_host_schools(data.schools)
    mentor_room = pd.Series(dtype="int64")
    if len(hosts) and policy.shadow_training_years > 0:
        still = {t: int((trains_until >= calendar[t]).sum()) for t in years}
        mentor_room = pd.Series({t: max(len(hosts) * policy.mentor_capacity_per_host - still[t],
                                        0) for t in years}, dtype="int64")
    return HorizonInputs(
        horizon=horizon, calendar=calendar, projection=summary, norms=norms, needs=needs,
        teaching=teaching, holding=holding, head_cover=covered,
        retirements=_retirement_table(staying, policy, horizon, dates=dates, gone=gone),
        attrition=attrition, mentor_room=mentor_room)


def _retirement_table(teachers: pd.DataFrame | None, policy: Policy, horizon: int, *,
                      dates: pd.DataFrame | None = None,
                      gone: pd.DataFrame | None = None) -> pd.DataFrame:
    """Listed teachers retiring within the horizon, by date."""
    columns = ["teacher_id", "school_id", "subject", "sex", "track", "retirement_date", "year",
               "vacant_from", "birth_date_estimated"]
    if teachers is None or teachers.empty or dates is None or gone is None:
        return pd.DataFrame(columns=columns)
    within = gone["year"] <= horizon
    out = pd.DataFrame({
        "teacher_id": teachers.index[within],
        "school_id": teachers.loc[within, "school_id"].to_numpy(),
        "subject": teachers.loc[within, "subject"].to_numpy(),
        "sex": teachers.loc[within, "sex"].to_numpy(),
        "track": dates.loc[within, "track"].to_numpy(),
        "retirement_date": dates.loc[within, "retirement_date"].to_numpy(),
        "year": gone.loc[within, "year"].to_numpy(),
    })
    out["vacant_from"] = policy.plan_year + out["year"]
    out["birth_date_estimated"] = dates.loc[within, "birth_date_estimated"].to_numpy()
    return out.sort_values(["retirement_date", "teacher_id"], kind="stable").reset_index(drop=True)
