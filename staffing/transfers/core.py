"""Voluntary transfers of a county: inputs, priorities, one market per subject, results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.errors import Problem, StaffingDataError
from staffing.policy import Policy
from staffing.staff import leaving, move_permitted
from staffing.transfers.mechanisms import MarketOutcome, da_then_to_be, modified_da, to_be
from staffing.transfers.settings import BACKBONE_POINTS, TransferSettings

__all__ = [
    "TransferPlan",
    "voluntary_transfers",
    "settle_transfers",
    "read_preferences",
    "priority_points",
    "TRANSFER_COLUMNS",
    "MECHANISMS",
]

#: Columns of the transfer table (``TransferPlan.moves``, ``settle_transfers``).
TRANSFER_COLUMNS = ["teacher_id", "from_school", "to_school", "subject", "rank_got", "kind",
                    "via"]

#: Mechanisms: TO-BE, deferred acceptance with a guaranteed post, and DA* then TO-BE.
MECHANISMS = ("to_be", "da", "da_to_be")

#: Accepted headers of the preferences sheet (English or Chinese).
_ALIASES: dict[str, tuple[str, ...]] = {
    "teacher_id": ("teacher_id", "教师编号", "工号"),
    "rank": ("rank", "志愿顺序", "志愿", "顺序"),
    "school_id": ("school_id", "学校代码", "志愿学校代码", "学校编号"),
    "family_points": ("family_points", "家庭积分"),
    "hardship_years": ("hardship_years", "艰苦地区任教年限", "乡村任教年限"),
}

_EXCLUDED_REASONS = {
    "status": "not in post this year",
    "pinned": "pinned",
    "own_school_first": "ranks the current school first",
    "move_rules": "every school listed is barred by the planner's move rules",
}


@dataclass
class TransferPlan:
    """The outcome of a voluntary-transfer round.

    Attributes
    ----------
    mechanism : ``"to_be"``, ``"da"`` or ``"da_to_be"``.
    assignment : one row per requesting teacher, indexed by ``teacher_id``: subject,
        from_school, to_school, moved, rank_got (1 = first choice; <NA> when staying),
        choices (schools listed above the current one), via (``exchange``, ``vacancy``,
        ``da`` or ``stay``).
    moves : the transfer table (:data:`TRANSFER_COLUMNS`), ``kind = "transfer"``.
    vacancies_before, vacancies_after : vacant posts (school_id, subject, posts).
    excluded : teachers in the preferences sheet who are not in the round, with why.
    preferences : the preferences as read (teacher_id, choice, school_id, rank,
        family_points), choice = 1 for each teacher's first listed school.
    points : each teacher's points total before the family bonus (``base``) and the
        items it is made of.
    settings : the :class:`TransferSettings` used.
    """

    mechanism: str
    assignment: pd.DataFrame
    moves: pd.DataFrame
    vacancies_before: pd.DataFrame
    vacancies_after: pd.DataFrame
    excluded: pd.DataFrame
    preferences: pd.DataFrame
    points: pd.DataFrame
    settings: TransferSettings
    county: County = field(repr=False)
    policy: Policy = field(repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_requesting(self) -> int:
        """Teachers in the round."""
        return len(self.assignment)

    @property
    def n_moved(self) -> int:
        """Teachers who moved."""
        return int(self.assignment["moved"].sum())

    def __repr__(self) -> str:
        return (f"TransferPlan({self.mechanism!r}, {self.n_requesting} requesting, "
                f"{self.n_moved} moved)")


# ---------------------------------------------------------------------------- inputs
def _rename(df: pd.DataFrame) -> pd.DataFrame:
    lookup = {a.lower(): canon for canon, aliases in _ALIASES.items() for a in aliases}
    return df.rename(columns={c: lookup.get(str(c).strip().lower(), c) for c in df.columns})


def read_preferences(
    preferences: pd.DataFrame | None,
    county: County,
    *,
    source: str = "<preferences>",
) -> pd.DataFrame:
    """Check a preferences sheet and return it in canonical form.

    Parameters
    ----------
    preferences : one row per (teacher, listed school): ``teacher_id``, ``rank``
        (1 = most wanted; any increasing whole numbers), ``school_id``; optionally
        ``family_points`` (family points toward that school, ≥ 0) and
        ``hardship_years`` (the teacher's years of hardship service, ≥ 0). Chinese
        headers (教师编号, 志愿顺序, 学校代码, 家庭积分, 艰苦地区任教年限) are accepted.
        ``None`` means nobody asks to move.
    county : the county the teachers and schools must belong to.

    Returns
    -------
    DataFrame with teacher_id, choice (1, 2, … per teacher in rank order), school_id,
    rank, family_points, hardship_years; sorted by teacher_id and choice.

    Raises
    ------
    StaffingDataError
        Listing every problem: missing columns, unknown teachers or schools, ranks
        that are not positive whole numbers, a rank or school repeated for a teacher,
        negative points.

    Examples
    --------
    >>> import pandas as pd, staffing as st
    >>> c = st.synth.county(seed=1, n_schools=6)
    >>> t = c.teachers.index[0]
    >>> sheet = pd.DataFrame({"教师编号": [t, t], "志愿顺序": [2, 1],
    ...                       "学校代码": c.schools.index[[3, 4]]})
    >>> read_preferences(sheet, c)[["choice", "school_id"]].to_numpy().tolist()
    [[1, '532301005'], [2, '532301004']]
    """
    cols = ["teacher_id", "choice", "school_id", "rank", "family_points", "hardship_years"]
    if preferences is None or len(preferences) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("family_points",
                             "hardship_years") else ("int64" if c in ("choice", "rank")
                             else object)) for c in cols})
    df = _rename(preferences.reset_index(drop=True).copy())
    sheet = "preferences"
    missing = [c for c in ("teacher_id", "rank", "school_id") if c not in df]
    if missing:
        raise StaffingDataError([Problem(source, sheet, None, c, None,
                                         "required column missing (also accepted: "
                                         + ", ".join(_ALIASES[c][1:]) + ")") for c in missing])
    problems: list[Problem] = []
    teachers = county.teachers if county.teachers is not None else pd.DataFrame(index=[])
    for c in ("teacher_id", "school_id"):
        df[c] = df[c].astype("string").str.strip()
    rank = pd.to_numeric(df["rank"], errors="coerce")
    rows = df.index.to_numpy() + 2

    def flag(mask: pd.Series, column: str, rule: str) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            problems.append(Problem(source, sheet, int(rows[i]), column, df[column].iat[i], rule))

    flag(df["teacher_id"].isna() | ~df["teacher_id"].isin(teachers.index), "teacher_id",
         "no teacher with this teacher_id in the county")
    flag(df["school_id"].isna() | ~df["school_id"].isin(county.schools.index), "school_id",
         "no school with this school_id in the county")
    bad_rank = rank.isna() | (rank < 1) | (rank != rank.round())
    flag(bad_rank, "rank", "rank must be a whole number ≥ 1")
    flag(df.duplicated(["teacher_id", "rank"], keep="first") & ~bad_rank, "rank",
         "the same rank is given twice for this teacher")
    flag(df.duplicated(["teacher_id", "school_id"], keep="first"), "school_id",
         "the same school is listed twice for this teacher")
    for c in ("family_points", "hardship_years"):
        if c in df:
            v = pd.to_numeric(df[c], errors="coerce")
            flag((df[c].notna() & v.isna()) | (v < 0), c, "must be a number ≥ 0")
            df[c] = v
        else:
            df[c] = np.nan
    if problems:
        raise StaffingDataError(problems)
    df["rank"] = rank.astype("int64")
    df = df.sort_values(["teacher_id", "rank"], kind="stable").reset_index(drop=True)
    df["choice"] = df.groupby("teacher_id").cumcount().astype("int64") + 1
    out = df[cols].copy()
    out["teacher_id"] = out["teacher_id"].astype(object)
    out["school_id"] = out["school_id"].astype(object)
    return out


def _points_table(points: pd.DataFrame | None, prefs: pd.DataFrame, county: County
                  ) -> pd.DataFrame:
    """Teacher-level family points and hardship years, from ``points`` and the sheet."""
    idx = county.teachers.index
    out = pd.DataFrame({"family_points": 0.0, "hardship_years": 0.0}, index=idx)
    from_sheet = prefs.groupby("teacher_id")["hardship_years"].max()
    out.loc[from_sheet.index, "hardship_years"] = from_sheet.fillna(0.0).to_numpy()
    if points is not None and len(points):
        p = _rename(points.copy())
        if "teacher_id" in p:
            p = p.set_index(p["teacher_id"].astype(str))
        p.index = p.index.astype(str)
        unknown = p.index.difference(idx)
        if len(unknown):
            raise StaffingDataError([Problem("<points>", "points", None, "teacher_id", t,
                                             "no teacher with this teacher_id in the county")
                                     for t in unknown])
        for c in ("family_points", "hardship_years"):
            if c in p:
                v = pd.to_numeric(p[c], errors="coerce")
                if (v < 0).any():
                    raise StaffingDataError([Problem("<points>", "points", None, c, x,
                                                     "must be a number ≥ 0")
                                             for x in v[v < 0]])
                v = v.dropna()
                out.loc[v.index, c] = v.to_numpy(dtype=float)
    return out


def priority_points(
    county: County,
    policy: Policy | None = None,
    *,
    settings: TransferSettings | None = None,
    points: pd.DataFrame | None = None,
    preferences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each teacher's points total on the transfer points scale (before family bonuses
    toward particular schools), and its items.

    Returns
    -------
    DataFrame indexed by ``teacher_id``: years_at_school, service_years,
    backbone_level, hardship_years, family_points (toward any school), base (the
    weighted total, family points included), priority_rank (1 = highest; ties by id).

    Examples
    --------
    >>> import staffing as st
    >>> p = priority_points(st.synth.county(seed=1, n_schools=6))
    >>> bool(p["priority_rank"].is_unique), int(p["priority_rank"].min())
    (True, 1)
    """
    policy = policy or Policy()
    settings = settings or TransferSettings.from_policy(policy)
    prefs = read_preferences(preferences, county)
    return _base_points(county, policy, settings, _points_table(points, prefs, county))


def _base_points(county: County, policy: Policy, settings: TransferSettings,
                 extra: pd.DataFrame) -> pd.DataFrame:
    t = county.teachers
    out = pd.DataFrame({
        "years_at_school": t["years_at_school"].astype(float),
        "service_years": (policy.plan_year - t["hire_year"]).clip(lower=0).astype(float),
        "backbone_level": t["backbone"].map(BACKBONE_POINTS).fillna(0).astype(float),
        "hardship_years": extra["hardship_years"],
        "family_points": extra["family_points"],
    }, index=t.index)
    s = settings
    out["base"] = (s.priority_weight_years_at_school * out["years_at_school"]
                   + s.priority_weight_service_years * out["service_years"]
                   + s.priority_weight_backbone * out["backbone_level"]
                   + s.priority_weight_hardship * out["hardship_years"]
                   + s.priority_weight_family * out["family_points"]).round(6)
    order = np.lexsort((out.index.to_numpy(dtype=str), -out["base"].to_numpy()))
    rank = np.empty(len(out), dtype=np.int64)
    rank[order] = np.arange(1, len(out) + 1)
    out["priority_rank"] = rank
    return out


def _bonus(prefs: pd.DataFrame, settings: TransferSettings) -> pd.DataFrame:
    """Family points toward the school of each row, on top of the teacher-level ones."""
    b = prefs.loc[prefs["family_points"].notna() & (prefs["family_points"] > 0),
                  ["teacher_id", "school_id", "family_points"]]
    return b.assign(bonus=settings.priority_weight_family * b["family_points"]
                    ).drop(columns="family_points")


def _vacancies(vacancies: pd.DataFrame | str | None, county: County) -> pd.DataFrame:
    """Vacant posts as (school_id, subject, posts), posts > 0."""
    cols = ["school_id", "subject", "posts"]
    if vacancies is None:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "posts" else object)
                             for c in cols})
    if isinstance(vacancies, str):
        if vacancies != "leaving":
            raise ValueError(f"vacancies = {vacancies!r}: expected a DataFrame or 'leaving'")
        t = county.teachers
        v = (t[leaving(t)].groupby(["school_id", "subject"]).size()
             .rename("posts").reset_index())
    else:
        v = _rename(vacancies.reset_index(drop="school_id" not in vacancies.index.names
                                          and "subject" not in vacancies.index.names).copy())
        missing = [c for c in cols if c not in v]
        if missing:
            raise StaffingDataError([Problem("<vacancies>", "vacancies", None, c, None,
                                             "required column missing") for c in missing])
        posts = pd.to_numeric(v["posts"], errors="coerce")
        problems = [Problem("<vacancies>", "vacancies", int(i) + 2, "posts", v["posts"].iat[i],
                            "posts must be a whole number ≥ 0")
                    for i in np.flatnonzero((posts.isna() | (posts < 0)
                                             | (posts != posts.round())).to_numpy())]
        problems += [Problem("<vacancies>", "vacancies", int(i) + 2, "school_id",
                             v["school_id"].iat[i], "no school with this school_id in the county")
                     for i in np.flatnonzero(~v["school_id"].astype(str)
                                             .isin(county.schools.index).to_numpy())]
        if problems:
            raise StaffingDataError(problems)
        v = v.assign(posts=posts.astype("int64"), school_id=v["school_id"].astype(str))
        v = v.groupby(["school_id", "subject"], as_index=False)["posts"].sum()
    v = v[v["posts"] > 0].sort_values(["subject", "school_id"]).reset_index(drop=True)
    return v[cols].astype({"school_id": object, "subject": object})


# ---------------------------------------------------------------------------- the round
def voluntary_transfers(
    county: County,
    policy: Policy | None = None,
    preferences: pd.DataFrame | None = None,
    *,
    vacancies: pd.DataFrame | str | None = None,
    points: pd.DataFrame | None = None,
    settings: TransferSettings | None = None,
    mechanism: str | None = None,
    pinned: Iterable[str] = (),
) -> TransferPlan:
    """Settle teachers' transfer requests (跨校竞聘) by an exchange mechanism.

    Each subject is its own market: teachers exchange posts only with teachers of
    their subject, and take vacant posts only in their subject. Every teacher keeps
    her post unless she gets a school she listed above it; posts per (school,
    subject) — teachers plus vacant posts — are the same before and after.

    Parameters
    ----------
    county : the validated county; it needs a teachers table.
    policy : ``plan_year`` (years of service) and, once they move there, the transfer
        fields of :class:`TransferSettings`.
    preferences : the preferences sheet (:func:`read_preferences`); ``None`` or empty:
        nobody asks, nobody moves.
    vacancies : vacant posts that requesting teachers may take: a DataFrame
        (school_id, subject, posts), e.g. from the plan's quotas, or ``"leaving"`` for
        the posts of teachers whose status is ``leaving``. Default: none (exchanges
        only).
    points : extra teacher-level points: teacher_id, family_points (toward any
        school), hardship_years.
    settings : weights and switches; default from ``policy``
        (:meth:`TransferSettings.from_policy`).
    mechanism : ``"to_be"`` (Teacher Optimal Block Exchange), ``"da"`` (deferred
        acceptance with a guaranteed post, the French ``DA*``) or ``"da_to_be"``
        (``DA*`` then TO-BE from its outcome); default ``settings.transfer_mechanism``.
        See ``docs/transfers.md`` for which to use.
    pinned : teacher ids kept out of the round (besides the ``pinned`` column): their
        posts are neither given up nor taken.

    Returns
    -------
    TransferPlan

    Examples
    --------
    >>> import staffing as st
    >>> from staffing.transfers import synthetic_preferences, voluntary_transfers
    >>> county = st.synth.county(seed=2, n_schools=30)
    >>> prefs = synthetic_preferences(county, seed=2)
    >>> plan = voluntary_transfers(county, st.Policy(), prefs, vacancies="leaving")
    >>> plan.n_moved > 0, set(plan.moves["kind"])
    (True, {'transfer'})
    >>> bool((plan.assignment["moved"] <= plan.assignment["choices"].gt(0)).all())
    True
    """
    if county.teachers is None:
        raise ValueError("voluntary_transfers needs a county with a teachers table")
    policy = policy or Policy()
    settings = settings or TransferSettings.from_policy(policy)
    mechanism = mechanism or settings.transfer_mechanism
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism = {mechanism!r}: expected one of {', '.join(MECHANISMS)}")
    prefs = read_preferences(preferences, county)
    pts = _base_points(county, policy, settings, _points_table(points, prefs, county))
    vac = _vacancies(vacancies, county)
    t = county.teachers

    # Who is in the round, and each one's list cut at her own school.
    prefs = prefs.merge(t[["school_id", "subject"]].rename(columns={"school_id": "own"}),
                        left_on="teacher_id", right_index=True, how="left")
    own_choice = (prefs["school_id"].eq(prefs["own"]).astype("int64")
                  .groupby(prefs["teacher_id"]).cumsum().gt(0))
    listed = prefs[~own_choice]
    asked = set(listed["teacher_id"])
    # The planner's move rules (County.move_rules) bound the schools a teacher may get.
    listed = listed[move_permitted(getattr(county, "move_rules", None), listed["teacher_id"],
                                   listed["school_id"])]
    requesters = pd.Index(prefs["teacher_id"].unique(), name="teacher_id")
    pinned_set = set(map(str, pinned))
    tt = t.loc[requesters]
    reason = np.select(
        [tt["status"].ne("in_post").to_numpy(),
         (tt["pinned"].astype(bool) | tt.index.isin(pinned_set)).to_numpy(),
         ~tt.index.isin(list(asked)),
         ~tt.index.isin(listed["teacher_id"])],
        ["status", "pinned", "own_school_first", "move_rules"], "")
    excluded = pd.DataFrame({"teacher_id": requesters[reason != ""],
                             "reason": reason[reason != ""]})
    excluded["reason_text"] = excluded["reason"].map(_EXCLUDED_REASONS)
    part = tt[reason == ""]
    listed = listed[listed["teacher_id"].isin(part.index)]

    # Priority lists per (subject, school) over the subject's participants.
    bonus = _bonus(prefs, settings)
    market_schools = pd.concat([
        part[["subject", "school_id"]],
        listed[["subject", "school_id"]],
        vac[["subject", "school_id"]],
    ]).drop_duplicates()
    cross = market_schools.merge(
        part[["subject"]].assign(teacher_id=part.index, base=pts.loc[part.index, "base"]),
        on="subject")
    cross = cross.merge(bonus, on=["teacher_id", "school_id"], how="left")
    cross["score"] = (cross["base"] + cross["bonus"].fillna(0.0)).round(6)
    cross = cross.sort_values(["subject", "school_id", "score", "teacher_id"],
                              ascending=[True, True, False, True], kind="stable")
    priority = cross.groupby(["subject", "school_id"], sort=True)["teacher_id"].agg(list)
    lists = listed.groupby("teacher_id", sort=True)["school_id"].agg(list)
    vac_by = vac.groupby("subject")

    outcomes: dict[str, MarketOutcome] = {}
    for subject, members in part.groupby("subject", sort=True):
        current = members["school_id"].to_dict()
        prefs_m = {k: lists.get(k, []) for k in current}
        prio_m = priority.loc[subject].to_dict()
        vac_m = (vac_by.get_group(subject).set_index("school_id")["posts"].to_dict()
                 if subject in vac_by.groups else {})
        if mechanism == "to_be":
            outcomes[subject] = to_be(current, prefs_m, prio_m, vac_m,
                                      school_consent=settings.transfer_school_consent,
                                      reopen_vacated=settings.transfer_reopen_vacated)
        elif mechanism == "da":
            outcomes[subject] = modified_da(current, prefs_m, prio_m, vac_m)
        else:
            outcomes[subject] = da_then_to_be(current, prefs_m, prio_m, vac_m,
                                              school_consent=settings.transfer_school_consent)

    assignment = _assignment_table(part, listed, outcomes)
    moves = _moves_table(assignment)
    after = pd.DataFrame(
        [(s, subject, k) for subject, o in outcomes.items() for s, k in o.vacancies.items()],
        columns=["school_id", "subject", "posts"])
    untouched = vac[~vac["subject"].isin(list(outcomes))]
    after = (pd.concat([after, untouched]) if len(untouched) else after)
    after = after.sort_values(["subject", "school_id"]).reset_index(drop=True)
    after = after.astype({"school_id": object, "subject": object, "posts": "int64"})
    return TransferPlan(
        mechanism=mechanism, assignment=assignment, moves=moves, vacancies_before=vac,
        vacancies_after=after, excluded=excluded.reset_index(drop=True),
        preferences=prefs.drop(columns=["own", "subject"]), points=pts, settings=settings,
        county=county, policy=policy,
        inputs={"preferences": preferences, "vacancies": vacancies, "points": points,
                "pinned": tuple(sorted(pinned_set))},
    )


def _assignment_table(part: pd.DataFrame, listed: pd.DataFrame,
                      outcomes: dict[str, MarketOutcome]) -> pd.DataFrame:
    to_school = {k: v for o in outcomes.values() for k, v in o.assignment.items()}
    via = {k: v for o in outcomes.values() for k, v in o.via.items()}
    a = pd.DataFrame({
        "subject": part["subject"],
        "from_school": part["school_id"],
        "to_school": part.index.map(to_school),
    }, index=part.index).sort_index()
    a.index.name = "teacher_id"
    a["moved"] = a["to_school"].ne(a["from_school"])
    got = listed.set_index(["teacher_id", "school_id"])["choice"]
    keys = pd.MultiIndex.from_arrays([a.index, a["to_school"]])
    a["rank_got"] = pd.array(got.reindex(keys).to_numpy(), dtype="Int64")
    a["choices"] = listed.groupby("teacher_id").size().reindex(a.index).fillna(0).astype("int64")
    a["via"] = a.index.map(via)
    return a.astype({"subject": object, "from_school": object, "to_school": object,
                     "via": object})


def _moves_table(assignment: pd.DataFrame) -> pd.DataFrame:
    m = assignment[assignment["moved"]].reset_index()
    m = m.assign(kind="transfer")[TRANSFER_COLUMNS]
    return m.sort_values(["from_school", "to_school", "teacher_id"],
                         kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- integration
def settle_transfers(
    county: County,
    policy: Policy | None = None,
    preferences: pd.DataFrame | None = None,
    **kwargs: Any,
) -> tuple[County, pd.DataFrame]:
    """Settle transfers first, for a rotation plan on what remains ("transfers first").

    Runs :func:`voluntary_transfers` and returns the county as it stands after the
    transfers — each transferred teacher at her new school, with zero years there and
    ``pinned`` so that rotation does not move her again; each school's
    ``staff_in_post`` changed by its net transfers — and the transfer table.

    Parameters
    ----------
    county, policy, preferences : as :func:`voluntary_transfers`.
    **kwargs : passed on to :func:`voluntary_transfers` (``vacancies``, ``points``,
        ``settings``, ``mechanism``, ``pinned``).

    Returns
    -------
    (County, DataFrame)
        The county after transfers, and the transfer table (:data:`TRANSFER_COLUMNS`).

    Examples
    --------
    >>> import staffing as st
    >>> from staffing.transfers import settle_transfers, synthetic_preferences
    >>> county = st.synth.county(seed=2, n_schools=30)
    >>> after, moves = settle_transfers(county, st.Policy(), synthetic_preferences(county, 2),
    ...                                 vacancies="leaving")
    >>> bool(after.teachers.loc[moves.teacher_id, "pinned"].all())
    True
    >>> after.n_teachers == county.n_teachers
    True
    """
    plan = voluntary_transfers(county, policy, preferences, **kwargs)
    moves = plan.moves
    if moves.empty:
        return county, moves
    teachers = county.teachers.copy()
    ids = moves["teacher_id"].to_numpy()
    teachers.loc[ids, "school_id"] = moves["to_school"].to_numpy()
    teachers.loc[ids, "years_at_school"] = 0
    teachers.loc[ids, "pinned"] = True
    schools = county.schools.copy()
    net = (moves["to_school"].value_counts().reindex(schools.index, fill_value=0)
           - moves["from_school"].value_counts().reindex(schools.index, fill_value=0))
    schools["staff_in_post"] = schools["staff_in_post"] + net.to_numpy()
    rules = county.move_rules  # a transferred teacher is pinned now: her rules are spent
    new = County(schools.reset_index(), teachers.reset_index(), name=county.name,
                 county_total=None if county.total_is_default else county.county_total,
                 source=f"{county.source} after transfers", policy=policy,
                 move_rules=rules[~rules["teacher_id"].isin(ids)])
    return new, moves
