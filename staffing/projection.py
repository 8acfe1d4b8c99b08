"""Enrolment projection: pupils by school, stage and grade over the next school years.

A cohort-component projection, the method county bureaus and UNESCO's planning
manuals use when only enrolment by grade is known:

* **grades** — ``Policy.grades``: 6 primary + 3 junior grades (六三学制) by default,
  5 + 4 (五四学制) or any other structure (e.g. 7 + 4) when the county says so; the
  junior grades are numbered on from the primary ones (grades 1–6 and 7–9 by default,
  1–5 and 6–9 in 5 + 4);
* **progression** — grade g + 1 in year t + 1 is grade g in year t times the annual
  retention (grade-to-grade survival), derived from ``Policy.retention_rate``, the
  nine-year retention (巩固率) goal of the Chuxiong plan (≥ 98%);
* **primary → junior (last primary grade → first junior grade)** — the leavers times
  ``Policy.junior_transition_rate`` (1.0: compulsory education goes on) times the
  retention go on: leavers of a nine-year school stay in its junior section; leavers
  of primary schools and teaching points go to the junior (or nine-year) schools of
  their own township, split pro rata to those schools' current first-junior-grade
  pupils; a township without one sends them to the nearest junior or nine-year school
  of the county by road (:mod:`staffing.geo`), or, without coordinates, to the
  county's largest junior section (:func:`leaver_destinations` lists the routes);
* **intake (grade 1)** — current grade 1 × (1 + trend) ** t, the trend by location
  (urban +2%/yr, town 0, rural −4%/yr by default: ``Policy.intake_trend_urban``,
  ``intake_trend_town``, ``intake_trend_rural``; :func:`intake_trends`), the direction
  of Chuxiong measure 5 (rural pupils move away, towns fill up);
* **classes** — from the class-size norms (primary ≤ 45, junior ≤ 50) per grade, while
  schools with smaller classes keep their current class size and multigrade schools
  (复式班, fewer classes than grades) keep their classes (:func:`projection_summary`).

The schools table has enrolment by stage, not by grade: a school's pupils are spread
evenly over its grades (6 primary and 3 junior by default, ``Policy.grades``) unless
per-grade counts are given, and the result says so (``basis`` column,
``attrs["spread_evenly"]``).

Examples
--------
>>> from staffing import synth
>>> from staffing.projection import project_enrolment, projection_summary
>>> county = synth.county(seed=0, n_schools=12, teachers=False)
>>> proj = project_enrolment(county, horizon=3)
>>> list(proj.columns)
['school_id', 'year', 'level', 'grade', 'pupils', 'basis']
>>> summary = projection_summary(county, projection=proj)
>>> first = county.schools.index[0]
>>> bool(summary.loc[(first, 0), "pupils_primary"] == county.schools.pupils_primary[first])
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from staffing._checks import whole_number
from staffing.data.county import County
from staffing.data.enrolment import grades_problem as _grades_problem
from staffing.data.enrolment import pupils_by_grade_table
from staffing.errors import Problem, StaffingDataError
from staffing.geo import distance_matrix
from staffing.policy import Policy
from staffing.vocab import LOCATIONS

__all__ = [
    "LABELS",
    "annual_retention",
    "apparent_retention",
    "intake_trends",
    "leaver_destinations",
    "pupils_by_grade_table",
    "project_enrolment",
    "projected_county",
    "projection_summary",
]

#: School levels that teach primary grades, and those that teach junior grades.
PRIMARY_LEVELS: tuple[str, ...] = ("primary", "teaching_point", "nine_year")
JUNIOR_LEVELS: tuple[str, ...] = ("junior", "nine_year")
#: Levels whose primary leavers go to another school.
_SENDING_LEVELS: tuple[str, ...] = ("primary", "teaching_point")

#: Expected pupils below which a grade (or a stage) counts as having nobody: a
#: projected 0.3 pupils is no class.
PRESENT_MIN: float = 0.5

# Guards ceil() against 3.0000000001 from float division.
_EPS = 1e-9

#: Column and value labels (English, Chinese) for tables of this module. The i18n
#: module's "pupils" and "basis" keys label the quota norm's basis; these are the
#: projection's own meanings.
LABELS: dict[str, tuple[str, str]] = {
    "school_id": ("School ID", "学校代码"),
    "year": ("Year (t)", "规划年度(t)"),
    "level": ("Stage", "学段"),
    "grade": ("Grade", "年级"),
    "pupils": ("Pupils", "学生数"),
    "basis": ("Grade basis", "分年级依据"),
    "spread_evenly": ("spread evenly over grades", "按年级平均分摊"),
    "grades": ("per-grade counts", "分年级实有数"),
    "pupils_primary": ("Primary pupils", "小学在校生数"),
    "pupils_junior": ("Junior pupils", "初中在校生数"),
    "classes_primary": ("Primary classes", "小学班级数"),
    "classes_junior": ("Junior classes", "初中班级数"),
    "from_school": ("From school", "毕业小学"),
    "to_school": ("To school", "升入学校"),
    "share": ("Share of leavers", "升学比例"),
    "rule": ("Rule", "规则"),
    "own_school": ("own junior section", "本校直升"),
    "township": ("junior school of the township", "本乡镇初中"),
    "nearest": ("nearest junior school", "就近初中"),
    "largest": ("county's largest junior school", "全县规模最大初中"),
    "given": ("given catchment", "指定划片"),
}


def annual_retention(policy: Policy | None = None) -> float:
    """The grade-to-grade survival used by the projection.

    ``Policy.retention_basis`` says how ``Policy.retention_rate`` is read:
    ``"nine_year"`` (default) takes it as the retention over the whole compulsory cycle
    (巩固率, pupils finishing the last junior grade per pupil entering grade 1), so the
    annual survival is ``rate ** (1 / steps)`` with steps = grades − 1 of
    ``Policy.grades`` (8 for 6 + 3 and 5 + 4: 0.98 → 0.99748; 10 for 7 + 4);
    ``"annual"`` applies it as it stands at every grade transition (0.98 a year
    compounds to 0.85 over nine grades).

    Examples
    --------
    >>> from staffing import Policy
    >>> round(annual_retention(), 5)
    0.99748
    >>> annual_retention(Policy(retention_basis="annual"))
    0.98
    """
    policy = policy or Policy()
    rate = float(policy.retention_rate)
    if policy.retention_basis == "annual":
        return rate
    return rate ** (1.0 / (sum(policy.grades) - 1))


def apparent_retention(grades: pd.DataFrame, policy: Policy | None = None
                       ) -> tuple[float, float, float]:
    """Apparent cohort retention: pupils in the last junior grade ÷ pupils in grade 1,
    over the county's schools, from one year's pupils by grade.

    A cross-sectional proxy of the nine-year 巩固率 (the UNESCO-style "apparent" ratio:
    two grades of the same year stand in for one cohort's start and end). The 巩固率
    itself follows one cohort: the last junior grade now ÷ grade 1 eight years ago
    (6 + 3). The proxy equals it when cohorts are the same size; where intake falls
    (village schools emptying) it overstates retention, where intake rises it
    understates it. It measures pupils, not assumptions: unlike the enrolment
    projection (:func:`project_enrolment`), which takes ``Policy.retention_rate`` as its
    input and so can only give it back.

    Parameters
    ----------
    grades : pupils by grade, long or wide (:func:`pupils_by_grade_table`): every
        school of the county, or the county's totals under one id.
    policy : ``grades`` (which grade is the last junior one).

    Returns
    -------
    (ratio, grade-1 pupils, last-grade pupils); the ratio is NaN without grade-1 pupils.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"school_id": ["A", "B", "C"], "grade": [1, 1, 9],
    ...                   "pupils": [300, 100, 380]})
    >>> apparent_retention(g)
    (0.95, 400.0, 380.0)
    """
    policy = policy or Policy()
    wide = pupils_by_grade_table(grades, policy)
    first = float(wide.iloc[:, 0].sum())
    last = float(wide.iloc[:, -1].sum())
    return (last / first if first > 0 else float("nan")), first, last


# --------------------------------------------------------------------------- grades
def _initial_grades(county: County, grades: pd.DataFrame | None, policy: Policy
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pupils by school (county order) × grade 1..n now, and each school's basis."""
    s = county.schools
    n = len(s)
    n_primary, n_junior = policy.grades
    pp = s["pupils_primary"].to_numpy(dtype=float)
    pj = s["pupils_junior"].to_numpy(dtype=float)
    g0 = np.zeros((n, n_primary + n_junior))
    g0[:, :n_primary] = (pp / n_primary)[:, None]
    g0[:, n_primary:] = (pj / n_junior)[:, None]
    basis = np.full(n, "spread_evenly", dtype=object)
    if grades is None:
        return g0, basis
    wide = pupils_by_grade_table(grades, policy)
    pos = s.index.get_indexer(wide.index)
    problems = [_grades_problem(None, "school_id", sid, "not a school id of the county")
                for sid in wide.index[pos < 0]]
    wide, pos = wide[pos >= 0], pos[pos >= 0]
    values = wide.to_numpy(dtype=float)
    for stage, cols, given in (("primary", slice(0, n_primary), pp),
                               ("junior", slice(n_primary, None), pj)):
        total = values[:, cols].sum(axis=1)
        off = np.abs(total - given[pos]) > 0.5
        problems += [_grades_problem(
            None, "pupils", float(t),
            f"school {sid}: {stage} grades add up to {t:g}, but pupils_{stage} is {g:g}")
            for sid, t, g in zip(wide.index[off], total[off], given[pos][off], strict=True)]
    if problems:
        raise StaffingDataError(problems)
    g0[pos] = values
    basis[pos] = "grades"
    return g0, basis


def intake_trends(policy: Policy | None = None) -> dict[str, float]:
    """The yearly grade-1 intake change by location code, from ``policy``.

    Examples
    --------
    >>> intake_trends()
    {'urban': 0.02, 'town': 0.0, 'rural': -0.04}
    """
    policy = policy or Policy()
    return {loc: float(getattr(policy, f"intake_trend_{loc}")) for loc in LOCATIONS}


def _trend_per_school(schools: pd.DataFrame, policy: Policy,
                      intake_trend: Mapping[str, float] | pd.Series | None) -> np.ndarray:
    """Each school's yearly grade-1 intake change."""
    trends = intake_trends(policy)
    per_school = None
    if isinstance(intake_trend, pd.Series):
        per_school = intake_trend
    elif intake_trend is not None:
        unknown = sorted(set(map(str, intake_trend)) - set(LOCATIONS))
        if unknown:
            raise ValueError(f"intake_trend: unknown location(s) {', '.join(map(repr, unknown))}; "
                             f"expected {', '.join(LOCATIONS)} (give a Series indexed by "
                             "school_id for per-school rates)")
        given = {str(k): float(v) for k, v in intake_trend.items()}
        bad = sorted(k for k, v in given.items() if not (math.isfinite(v) and v > -1))
        if bad:
            raise ValueError(f"intake_trend: yearly rates must be numbers > -1; "
                             f"locations {', '.join(bad)}")
        trends |= given
    rate = np.array(schools["location"].map(trends), dtype=float)
    if per_school is not None:
        idx = per_school.index.astype(str)
        pos = schools.index.get_indexer(idx)
        if (pos < 0).any():
            raise ValueError("intake_trend: not school ids of the county: "
                             + ", ".join(map(str, idx[pos < 0])))
        rate[pos] = pd.to_numeric(per_school, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(rate) | (rate <= -1)
    if bad.any():
        raise ValueError("intake_trend: yearly rates must be numbers > -1; schools "
                         + ", ".join(map(str, schools.index[bad])))
    return rate


# -------------------------------------------------------------- primary → junior
def _routes(county: County, policy: Policy, first_junior: np.ndarray,
            routes: pd.DataFrame | None = None,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each school's primary leavers go: (from, to) positions, share, rule.

    ``first_junior``: each school's pupils in the first junior grade now (the weights).
    """
    s = county.schools
    level = s["level"].to_numpy()
    township = s["township"].to_numpy()
    ids = s.index.to_numpy().astype(str)
    receivers = np.flatnonzero(np.isin(level, JUNIOR_LEVELS))
    senders = np.flatnonzero(np.isin(level, _SENDING_LEVELS))
    own = np.flatnonzero(level == "nine_year")
    frm, to, share, rule = [own], [own], [np.ones(len(own))], [np.full(len(own), "own_school")]
    if len(receivers) and len(senders):
        # Same township: pro rata to current first-junior-grade pupils (equal split if
        # all are 0).
        pairs = pd.DataFrame({"s": senders, "t": township[senders]}).merge(
            pd.DataFrame({"r": receivers, "t": township[receivers],
                          "w": first_junior[receivers]}), on="t")
        if len(pairs):
            w = pairs["w"].to_numpy(dtype=float)
            g = pairs.groupby("s")["w"]
            total = g.transform("sum").to_numpy(dtype=float)
            count = g.transform("size").to_numpy(dtype=float)
            frm.append(pairs["s"].to_numpy())
            to.append(pairs["r"].to_numpy())
            share.append(np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / count))
            rule.append(np.full(len(pairs), "township"))
        alone = np.setdiff1d(senders, pairs["s"].to_numpy())
        if len(alone):
            # Nearest by road; ties and missing coordinates resolved by school id.
            by_id = receivers[np.argsort(ids[receivers], kind="stable")]
            km = distance_matrix(county, policy).to_numpy()[np.ix_(alone, by_id)]
            known = np.isfinite(km).any(axis=1)
            nearest = by_id[np.argmin(np.where(np.isfinite(km), km, np.inf), axis=1)]
            junior = s["pupils_junior"].to_numpy()[by_id]
            largest = by_id[np.argmax(junior)]  # first maximum: smallest id
            frm.append(alone)
            to.append(np.where(known, nearest, largest))
            share.append(np.ones(len(alone)))
            rule.append(np.where(known, "nearest", "largest"))
    f, t = np.concatenate(frm).astype(np.int64), np.concatenate(to).astype(np.int64)
    sh, ru = np.concatenate(share).astype(float), np.concatenate(rule).astype(object)
    if routes is not None:
        gf, gt, gs = _given_routes(routes, s)
        keep = ~np.isin(f, gf)
        f, t = np.concatenate([f[keep], gf]), np.concatenate([t[keep], gt])
        sh = np.concatenate([sh[keep], gs])
        ru = np.concatenate([ru[keep], np.full(len(gf), "given", dtype=object)])
    order = np.lexsort((t, f))
    return f[order], t[order], sh[order], ru[order]


def _given_routes(routes: pd.DataFrame, schools: pd.DataFrame
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check a user's routes table; return (from, to) positions and shares."""
    missing = {"from_school", "to_school", "share"} - set(routes.columns)
    if missing:
        raise StaffingDataError([Problem("<routes>", "routes", None, c, None,
                                         "required column is missing (from_school, to_school, "
                                         "share)") for c in sorted(missing)])
    rows = np.arange(len(routes)) + 2
    level = schools["level"].to_numpy()
    f = schools.index.get_indexer(routes["from_school"].astype(str))
    t = schools.index.get_indexer(routes["to_school"].astype(str))
    share = pd.to_numeric(routes["share"], errors="coerce").to_numpy(dtype=float)
    problems = []

    def add(mask: np.ndarray, column: str, rule: str) -> None:
        problems.extend(Problem("<routes>", "routes", int(r), column, v, rule)
                        for r, v in zip(rows[mask], routes[column].to_numpy()[mask], strict=True))

    add(f < 0, "from_school", "not a school id of the county")
    add(t < 0, "to_school", "not a school id of the county")
    add((f >= 0) & ~np.isin(level[np.maximum(f, 0)], PRIMARY_LEVELS), "from_school",
        "the school teaches no primary grades")
    add((t >= 0) & ~np.isin(level[np.maximum(t, 0)], JUNIOR_LEVELS), "to_school",
        "the school teaches no junior grades (junior or nine_year)")
    add(~(np.isfinite(share) & (share >= 0)), "share", "share must be a number ≥ 0")
    counted = (f >= 0) & np.isfinite(share) & (share >= 0)
    total = pd.Series(share[counted]).groupby(f[counted]).sum()
    over = total[total > 1 + 1e-9]
    problems += [Problem("<routes>", "routes", None, "share", float(v),
                         f"shares of school {schools.index[i]} add up to more than 1")
                 for i, v in over.items()]
    if problems:
        raise StaffingDataError(problems)
    return f.astype(np.int64), t.astype(np.int64), share


def leaver_destinations(county: County, policy: Policy | None = None, *,
                        grades: pd.DataFrame | None = None,
                        routes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where each school's primary leavers (the last primary grade of ``Policy.grades``:
    grade 6, or 5 in 5 + 4) go for the first junior grade.

    * a nine-year school keeps its own (``rule = "own_school"``);
    * a primary school or teaching point sends them to the junior and nine-year schools
      of its township, split pro rata to their current pupils of the first junior grade
      (equally if none has any) (``"township"``);
    * a township without such a school sends them to the nearest junior or nine-year
      school of the county by road km (:func:`staffing.geo.distance_matrix`; ties to the
      smaller school id) (``"nearest"``);
    * a school whose distance to every junior school is unknown (no coordinates, no
      distance table) sends them to the county's largest junior section, by junior
      pupils (``"largest"``).

    A county without any junior or nine-year school has no routes for its primary
    schools: their leavers leave the county's projection.

    Known catchment areas (划片) replace these defaults: ``routes`` lists
    (``from_school``, ``to_school``, ``share``) for the schools it names (``rule =
    "given"``); a sender's shares may add up to less than 1 (the rest leave the county,
    e.g. for another county or a private school).

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``road_factor`` for distances, ``grades`` for the grade structure.
    grades : DataFrame, optional
        Per-grade pupils (see :func:`project_enrolment`), for the first-junior-grade
        weights.
    routes : DataFrame, optional
        Given routes, replacing the defaults of the senders they name.

    Returns
    -------
    DataFrame with columns ``from_school``, ``to_school``, ``share`` (of the sending
    school's leavers; each sender's shares add up to 1 unless given otherwise) and
    ``rule``, sorted by sender
    then receiver in county order.

    Examples
    --------
    >>> from staffing import synth
    >>> routes = leaver_destinations(synth.county(seed=0, n_schools=20, teachers=False))
    >>> bool(routes.groupby("from_school")["share"].sum().round(9).eq(1).all())
    True
    """
    policy = policy or Policy()
    g0, _ = _initial_grades(county, grades, policy)
    f, t, share, rule = _routes(county, policy, g0[:, policy.grades[0]], routes)
    ids = county.schools.index
    return pd.DataFrame({
        "from_school": ids[f].astype(object),
        "to_school": ids[t].astype(object),
        "share": share,
        "rule": rule,
    })


# ---------------------------------------------------------------------- projection
def _project(county: County, policy: Policy, horizon: int,
             intake_trend: Mapping[str, float] | pd.Series | None,
             grades: pd.DataFrame | None, routes: pd.DataFrame | None = None,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Pupils as an array (year, school, grade) and each school's basis."""
    whole_number("horizon", horizon, "years")
    s = county.schools
    n = len(s)
    g0, basis = _initial_grades(county, grades, policy)
    n_primary = policy.grades[0]  # position of the first junior grade; the last primary
    trend = _trend_per_school(s, policy, intake_trend)
    frm, to, share, _ = _routes(county, policy, g0[:, n_primary], routes)
    r = annual_retention(policy)
    go_on = r * float(policy.junior_transition_rate)
    out = np.zeros((horizon + 1, n, g0.shape[1]))
    out[0] = g0
    for t in range(1, horizon + 1):
        prev, cur = out[t - 1], out[t]
        cur[:, 1:n_primary] = prev[:, 0:n_primary - 1] * r
        cur[:, n_primary + 1:] = prev[:, n_primary:-1] * r
        cur[:, n_primary] = go_on * np.bincount(to, weights=share * prev[frm, n_primary - 1],
                                                minlength=n)
        cur[:, 0] = g0[:, 0] * (1.0 + trend) ** t
    return out, basis


def _grade_mask(schools: pd.DataFrame, policy: Policy) -> np.ndarray:
    """(school, grade) → whether the school teaches that grade."""
    level = schools["level"].to_numpy()
    n_primary, n_junior = policy.grades
    mask = np.zeros((len(schools), n_primary + n_junior), dtype=bool)
    mask[:, :n_primary] = np.isin(level, PRIMARY_LEVELS)[:, None]
    mask[:, n_primary:] = np.isin(level, JUNIOR_LEVELS)[:, None]
    return mask


def project_enrolment(county: County, policy: Policy | None = None, *, horizon: int = 5,
                      intake_trend: Mapping[str, float] | pd.Series | None = None,
                      grades: pd.DataFrame | None = None,
                      routes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pupils by school, stage and grade for each year t = 0..horizon.

    Year 0 is the current school year (the county's tables); year t is t years on.

    Method (cohort progression):

    The grades are those of ``Policy.grades``: P primary grades 1…P and J junior grades
    P + 1…P + J (6 + 3 by default: 1–6 and 7–9; 5 + 4: 1–5 and 6–9).

    * grade g + 1 in year t + 1 = grade g in year t × :func:`annual_retention`
      (``Policy.retention_rate`` read as the nine-year 巩固率 by default), within a
      stage;
    * the first junior grade (P + 1) in year t + 1 = retention ×
      ``Policy.junior_transition_rate`` (1.0) × the last primary grade's (P) leavers
      routed to the school by :func:`leaver_destinations` (own junior section,
      township junior schools pro rata, else the nearest, else the largest);
    * grade 1 in year t = grade 1 now × (1 + trend) ** t, the trend by location from
      ``policy`` (urban +2%, town 0, rural −4% a year) unless ``intake_trend`` says
      otherwise;
    * the last junior grade leaves compulsory education.

    Pupils are expected values (floats), never negative. Without per-grade counts a
    school's pupils are spread evenly over its grades (``basis = "spread_evenly"``;
    ``attrs["spread_evenly"]`` is True when any school was).

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``grades`` (6 + 3), ``junior_transition_rate`` (1.0), ``retention_rate`` (0.98)
        and ``retention_basis`` (how it is read), ``intake_trend_urban`` / ``_town`` /
        ``_rural`` (the default intake trends) and ``road_factor`` (for the nearest
        junior school).
    horizon : int
        Years to project beyond the current one (5 by default).
    intake_trend : mapping or Series, optional
        Yearly change of grade-1 intake: a mapping location → rate (``{"rural":
        -0.06}``; locations not named keep their default) or a Series school_id → rate
        (schools not listed keep their location's rate). Rates must be > −1.
    grades : DataFrame, optional
        Current pupils per grade, either long (``school_id``, ``grade`` 1…P + J,
        ``pupils``) or wide (index or column ``school_id``, columns ``1``…``9`` or
        ``grade_1``…; :func:`pupils_by_grade_table`). A school's grades must add up to
        its ``pupils_primary`` and ``pupils_junior`` (± 0.5); grades not given are 0.
        Schools not listed are spread evenly.
    routes : DataFrame, optional
        Known destinations of primary leavers (``from_school``, ``to_school``,
        ``share``), replacing the defaults for the schools named; see
        :func:`leaver_destinations`.

    Returns
    -------
    DataFrame with one row per school, year and grade the school teaches: ``school_id``,
    ``year`` (0..horizon), ``level`` (stage: ``primary`` for grades 1…P, ``junior``
    for P + 1…P + J), ``grade``, ``pupils`` (float) and ``basis`` (``spread_evenly``
    or ``grades``), sorted by school (county order), year and grade. ``attrs`` holds
    ``spread_evenly``, ``annual_retention``, ``junior_transition_rate``, ``grades``
    (P, J) and ``horizon``.

    Raises
    ------
    StaffingDataError
        For a per-grade table that names unknown schools, bad grades or pupils, or
        does not add up to the county's pupils, or a bad routes table (every problem
        listed).
    ValueError
        For a negative horizon or a bad ``intake_trend``.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing import County, Policy
    >>> county = County(pd.DataFrame({
    ...     "school_id": ["P"], "name": ["城关小学"], "township": ["鹿城镇"],
    ...     "level": ["primary"], "location": ["urban"], "pupils_primary": [600],
    ...     "pupils_junior": [0], "classes_primary": [14], "classes_junior": [0],
    ...     "approved_quota": [32], "staff_in_post": [32]}))
    >>> proj = project_enrolment(county, Policy(retention_rate=1.0), horizon=1)
    >>> proj.query("year == 1")["pupils"].round(1).tolist()
    [102.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    >>> proj.attrs["spread_evenly"], proj["basis"].iat[0]
    (True, 'spread_evenly')
    """
    policy = policy or Policy()
    arr, basis = _project(county, policy, horizon, intake_trend, grades, routes)
    s = county.schools
    n_years = arr.shape[0]
    by_school = arr.transpose(1, 0, 2)  # school, year, grade
    mask = np.broadcast_to(_grade_mask(s, policy)[:, None, :], by_school.shape)
    school, year, grade = np.nonzero(mask)  # row-major: sorted by school, year, grade
    grade_no = grade + 1
    out = pd.DataFrame({
        "school_id": s.index.to_numpy()[school].astype(object),
        "year": year.astype(np.int64),
        "level": np.where(grade_no <= policy.grades[0], "primary", "junior").astype(object),
        "grade": grade_no.astype(np.int64),
        "pupils": np.maximum(by_school[mask], 0.0),
        "basis": basis[school],
    })
    out.attrs.update(spread_evenly=bool((basis == "spread_evenly").any()),
                     annual_retention=annual_retention(policy),
                     junior_transition_rate=float(policy.junior_transition_rate),
                     grades=tuple(policy.grades), horizon=int(n_years - 1))
    return out


# ------------------------------------------------------------------------ summary
def _ceil(x: np.ndarray) -> np.ndarray:
    return np.ceil(x - _EPS)


def _stage_classes(p: np.ndarray, pupils_now: np.ndarray, classes_now: np.ndarray,
                   size_max: float, per_grade: np.ndarray) -> np.ndarray:
    """Classes of one stage, by year × school, from pupils by year × school × grade.

    See :func:`projection_summary` for the rule.
    """
    present = p >= PRESENT_MIN
    total = p.sum(axis=2)
    # Norm classes: each grade with pupils needs max(1, ⌈pupils / size_max⌉). Evenly
    # spread grades are estimates, so their fractional classes are added, then rounded up
    # once: ⌈Σ max(1, pupils_g / size_max)⌉.
    exact = (present * np.maximum(1.0, _ceil(p / size_max))).sum(axis=2)
    spread = _ceil((present * np.maximum(1.0, p / size_max)).sum(axis=2))
    norm = np.where(per_grade[None, :], exact, spread)

    has_classes = classes_now > 0
    avg = np.divide(pupils_now, classes_now, out=np.full(len(pupils_now), np.inf),
                    where=has_classes)
    grades_now = present[0].sum(axis=1)
    multigrade = has_classes & (classes_now < grades_now)
    smaller = has_classes & (avg < size_max) & ~multigrade
    # Smaller classes than the norm: shed classes as pupils fall, at today's class size;
    # never more classes than today unless the norm needs them.
    kept = np.minimum(classes_now, _ceil(np.divide(total, avg, out=np.zeros_like(total),
                                                    where=np.isfinite(avg)[None, :])))
    # Multigrade (复式班): keep today's classes while the grades are there.
    multi = np.maximum(np.minimum(classes_now, present.sum(axis=2)), _ceil(total / size_max))
    classes = np.where(multigrade, multi, np.where(smaller, np.maximum(norm, kept), norm))
    whole = np.floor(total + 0.5)
    return np.where(whole < 1, 0, np.maximum(classes, 1)).astype(np.int64)


def _array_from_long(projection: pd.DataFrame, schools: pd.DataFrame, policy: Policy
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The long projection table back as (year, school, grade) pupils and basis."""
    made_for = projection.attrs.get("grades")
    if made_for is not None and tuple(made_for) != tuple(policy.grades):
        raise ValueError(f"projection: made for grades {made_for[0]}+{made_for[1]}, but "
                         f"Policy.grades is {policy.grades_text}; pass the policy the "
                         "projection was made with")
    n_grades = sum(policy.grades)
    missing = {"school_id", "year", "grade", "pupils"} - set(projection.columns)
    if missing:
        raise ValueError(f"projection: missing column(s) {', '.join(sorted(missing))}; "
                         "expected the table of project_enrolment()")
    pos = schools.index.get_indexer(projection["school_id"].astype(str))
    if (pos < 0).any():
        bad = projection["school_id"][pos < 0].unique()
        raise ValueError(f"projection: not school ids of the county: {', '.join(map(str, bad))}")
    year = projection["year"].to_numpy(dtype=np.int64)
    grade = projection["grade"].to_numpy(dtype=np.int64)
    if year.min(initial=0) < 0 or not ((grade >= 1) & (grade <= n_grades)).all():
        raise ValueError(f"projection: years must be ≥ 0 and grades 1–{n_grades} "
                         f"(Policy.grades = {policy.grades_text})")
    arr = np.zeros((int(year.max(initial=0)) + 1, len(schools), n_grades))
    np.add.at(arr, (year, pos, grade - 1), projection["pupils"].to_numpy(dtype=float))
    basis = np.full(len(schools), "spread_evenly", dtype=object)
    if "basis" in projection.columns:
        basis[pos] = projection["basis"].to_numpy(dtype=object)
    return arr, basis


def projection_summary(county: County, policy: Policy | None = None, *,
                       projection: pd.DataFrame | None = None, horizon: int | None = None,
                       intake_trend: Mapping[str, float] | pd.Series | None = None,
                       grades: pd.DataFrame | None = None,
                       routes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pupils and classes by school and year, by stage: the projection, wide.

    **Pupils** are the projected grades added up by stage and rounded half up to whole
    pupils.

    **Classes** per stage (primary grades of ``Policy.grades`` at
    ``primary_class_size_max`` 45, junior grades at ``junior_class_size_max`` 50):

    * *norm classes*: each grade with pupils needs ``max(1, ⌈pupils / size_max⌉)``
      classes; for evenly spread schools the fractional classes are added over the
      grades and rounded up once (the grades are estimates);
    * a school whose classes are today **smaller than the norm** (average class size
      below size_max) keeps its current class size: classes = max(norm classes,
      min(today's classes, ⌈pupils / today's average class size⌉)) — it sheds classes as
      pupils fall, and adds classes only when the norm needs them;
    * a **multigrade** school (复式班: fewer classes than grades with pupils, e.g. most
      teaching points) keeps today's classes while it has pupils, as many as its
      grades with pupils at most, and more only when ⌈pupils / size_max⌉ needs them;
    * a stage with less than half a pupil has no class; one with pupils at least one.

    So year 0 reproduces today's classes for every school within the norms; a school
    over the norm shows the classes the norm needs.

    Parameters
    ----------
    county : County
    policy : Policy, optional
        Grade structure, class-size norms, retention, transition, intake trends, road
        factor.
    projection : DataFrame, optional
        A table from :func:`project_enrolment` (possibly edited) made with the same
        ``Policy.grades``. Computed from the other arguments when not given; giving
        both raises TypeError.
    horizon, intake_trend, grades, routes
        As in :func:`project_enrolment` (horizon 5 by default).

    Returns
    -------
    DataFrame indexed by (``school_id``, ``year``) with int columns
    ``pupils_primary``, ``pupils_junior``, ``classes_primary``, ``classes_junior``;
    ``attrs["spread_evenly"]`` as in the projection. ``.unstack("year")`` gives school ×
    year.

    Examples
    --------
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=12, teachers=False)
    >>> summary = projection_summary(county, horizon=2)
    >>> summary.columns.tolist()
    ['pupils_primary', 'pupils_junior', 'classes_primary', 'classes_junior']
    >>> now = summary.xs(0, level="year")
    >>> bool((now["pupils_primary"] == county.schools["pupils_primary"]).all())
    True
    """
    policy = policy or Policy()
    s = county.schools
    if projection is None:
        projection = project_enrolment(county, policy, horizon=5 if horizon is None else horizon,
                                       intake_trend=intake_trend, grades=grades,
                                       routes=routes)
    elif any(a is not None for a in (horizon, intake_trend, grades, routes)):
        raise TypeError("give either projection or the arguments to compute one, not both")
    arr, basis = _array_from_long(projection, s, policy)
    per_grade = basis == "grades"
    cols: dict[str, np.ndarray] = {}
    n_primary = policy.grades[0]
    for stage, sl, size in (("primary", slice(0, n_primary), policy.primary_class_size_max),
                            ("junior", slice(n_primary, None), policy.junior_class_size_max)):
        p = arr[:, :, sl]
        cols[f"pupils_{stage}"] = np.floor(p.sum(axis=2) + 0.5).astype(np.int64)
        cols[f"classes_{stage}"] = _stage_classes(
            p, s[f"pupils_{stage}"].to_numpy(dtype=float),
            s[f"classes_{stage}"].to_numpy(dtype=float), float(size), per_grade)
    n_years = arr.shape[0]
    index = pd.MultiIndex.from_product([s.index, range(n_years)], names=["school_id", "year"])
    out = pd.DataFrame({c: cols[c].T.reshape(-1) for c in
                        ("pupils_primary", "pupils_junior", "classes_primary", "classes_junior")},
                       index=index)
    out.attrs["spread_evenly"] = bool(projection.attrs.get("spread_evenly",
                                                          (basis == "spread_evenly").any()))
    return out


def projected_county(county: County, year: int, policy: Policy | None = None, *,
                     summary: pd.DataFrame | None = None, **kwargs) -> County:
    """The county as projected for year ``year``: pupils and classes replaced.

    Everything else (quotas, staff, teachers, coordinates) is today's, so
    ``quota_norms(projected_county(county, 3))`` gives the norms of year 3 against
    today's quotas. Boarding pupils scale with the school's pupils.

    Parameters
    ----------
    county : County
    year : int
        A year of the summary (0..horizon).
    policy : Policy, optional
    summary : DataFrame, optional
        From :func:`projection_summary`; computed with ``kwargs`` when not given.

    Raises
    ------
    KeyError
        If the summary has no such year.
    StaffingDataError
        If the projected school no longer passes validation (e.g. a nine-year school
        whose junior section emptied).

    Examples
    --------
    >>> from staffing import synth, quota_norms
    >>> county = synth.county(seed=0, n_schools=12, teachers=False)
    >>> later = projected_county(county, 5)
    >>> int(later.schools.pupils_primary.sum()) < int(county.schools.pupils_primary.sum())
    True
    """
    policy = policy or Policy()
    if summary is None:
        summary = projection_summary(county, policy, horizon=max(int(year), 0), **kwargs)
    years = summary.index.get_level_values("year")
    if year not in set(years):
        raise KeyError(f"year {year!r} is not in the projection (years {years.min()}–{years.max()})")
    s = county.schools.copy()
    row = summary.xs(year, level="year").reindex(s.index)
    before = (s["pupils_primary"] + s["pupils_junior"]).to_numpy(dtype=float)
    for c in ("pupils_primary", "pupils_junior", "classes_primary", "classes_junior"):
        s[c] = row[c].to_numpy(dtype=np.int64)
    after = (s["pupils_primary"] + s["pupils_junior"]).to_numpy(dtype=float)
    ratio = np.divide(after, before, out=np.zeros_like(after), where=before > 0)
    boarding = np.floor(s["boarding_pupils"].to_numpy(dtype=float) * ratio + 0.5)
    s["boarding_pupils"] = np.minimum(boarding, after).astype(np.int64)
    return County(s, county.teachers, name=county.name,
                  county_total=None if county.total_is_default else county.county_total,
                  source=f"{county.source} (projected, year {year})", policy=policy,
                  move_rules=county.move_rules, plausibility=False)
