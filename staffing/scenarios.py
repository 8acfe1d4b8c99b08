"""Planning scenarios on a County: consolidation of small village schools (校点撤并).

Chuxiong measure 5 (优化校点布局) asks counties to merge village schools and teaching
points that have few pupils or lie close to a market town (离集镇学校近), except remote
mountain sites that must stay (确有必要保留的边远山区), and to expand urban capacity.
:func:`consolidate` turns that into a reproducible scenario: which small schools
merge into which town or urban school, with their pupils, classes, quota and staff,
and the County that results — ready for :func:`staffing.quota_norms` or
:func:`staffing.optimize`, and for ``staffing.compare``.

The rule, in one place:

* **small school** (merge candidate): a rural (乡村) village primary school or teaching
  point with fewer than ``max_pupils`` pupils (``Policy.consolidation_max_pupils``, 100
  by default);
* **receiver**: a primary or nine-year school in a town (镇区) or urban (城区) location,
  with primary classes (an empty school receives nobody);
* **reach**: road km (:mod:`staffing.geo`: coordinates × ``Policy.road_factor``, or a
  measured distance table) at most ``max_km`` (``Policy.consolidation_max_km``, 10 km
  by default);
* **room**: a receiver takes merged pupils into its existing primary classes, plus
  ``extra_classes`` new ones (``Policy.consolidation_extra_classes``, 0 by default),
  so that its average primary class stays within ``Policy.primary_class_size_max``
  (45): merged pupils ≤ (classes + extra_classes) × 45 − primary pupils;
* **order**: all (small school, receiver) pairs within reach, greedily by road km,
  then small-school id, then receiver id; a small school merges into the first
  receiver that still has room for all its pupils — the nearest one with room. A
  receiver may absorb several schools. The result does not depend on row order.
* **keep open**: schools listed in ``keep_open`` (or flagged in a ``keep_open``
  column) never merge.

The rule works on pupils and classes by stage, so it holds for any grade structure
(``Policy.grades``: a village school of a 5 + 4 county merges its grades 1–5 into a
receiver teaching the same grades), and the consolidated county projects on with the
same policy (:func:`staffing.projection.project_enrolment`).

Examples
--------
>>> from staffing import synth
>>> from staffing.scenarios import consolidate
>>> county = synth.county(seed=0, n_schools=30)
>>> merged, merges = consolidate(county, max_pupils=100, max_km=10.0)
>>> merged.n_schools == county.n_schools - len(merges)
True
>>> int(merged.schools.staff_in_post.sum()) == int(county.schools.staff_in_post.sum())
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing._checks import positive_number, whole_number
from staffing.data.county import County
from staffing.policy import Policy

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = [
    "sweep",
    "retire_early",
    "LABELS",
    "REASONS",
    "RECEIVER_LEVELS",
    "RECEIVER_LOCATIONS",
    "SMALL_LEVELS",
    "SMALL_LOCATIONS",
    "consolidate",
    "consolidation_candidates",
]

#: Levels and locations of schools that may be merged (村小 and 教学点, Chuxiong measure 5).
SMALL_LEVELS: tuple[str, ...] = ("primary", "teaching_point")
SMALL_LOCATIONS: tuple[str, ...] = ("rural",)
#: Levels and locations of schools that may receive them (集镇 and county-seat schools).
RECEIVER_LEVELS: tuple[str, ...] = ("primary", "nine_year")
RECEIVER_LOCATIONS: tuple[str, ...] = ("town", "urban")

#: Why a village school or teaching point did or did not merge, first that applies.
REASONS: dict[str, tuple[str, str]] = {
    "not_small": ("not small: at or above max_pupils", "规模不小于撤并标准"),
    "keep_open": ("kept open (remote site)", "保留校点(边远山区)"),
    "no_location": ("no coordinates or road distance", "缺少坐标或道路距离"),
    "no_receiver_in_reach": ("no town or urban school within reach", "范围内无镇区或城区学校"),
    "receivers_full": ("receiving schools within reach are full", "范围内接收学校学位已满"),
    "merged": ("merged", "撤并"),
}

#: Column labels (English, Chinese) of the tables of this module.
LABELS: dict[str, tuple[str, str]] = {
    "school_id": ("School ID", "学校代码"),
    "name": ("School", "学校名称"),
    "township": ("Township", "乡镇"),
    "level": ("Level", "学段"),
    "merged_into": ("Merged into", "并入学校代码"),
    "receiver_name": ("Receiving school", "并入学校名称"),
    "distance_km": ("Distance (km)", "距离(公里)"),
    "pupils": ("Pupils", "学生数"),
    "classes": ("Classes", "班级数"),
    "approved_quota": ("Approved quota", "核定编制数"),
    "staff": ("Staff in post", "在编在岗"),
    "merges": ("Merges", "是否撤并"),
    "reason": ("Reason", "原因"),
    "nearest_receiver": ("Nearest receiving school", "最近接收学校"),
    "nearest_km": ("Its distance (km)", "最近距离(公里)"),
    **{k: (en, zh) for k, (en, zh) in REASONS.items()},
}

_MERGE_COLUMNS: tuple[str, ...] = (
    "school_id", "name", "township", "level", "merged_into", "receiver_name",
    "distance_km", "pupils", "classes", "approved_quota", "staff",
)


def _keep_open_mask(schools: pd.DataFrame, keep_open: Iterable[str] | None) -> np.ndarray:
    """Schools that never merge: the ``keep_open`` column (if any) or the list given."""
    mask = np.zeros(len(schools), dtype=bool)
    if "keep_open" in schools.columns:
        mask |= schools["keep_open"].fillna(False).astype(bool).to_numpy()
    if keep_open is not None:
        if isinstance(keep_open, str):
            keep_open = [keep_open]
        wanted = pd.Index([str(k) for k in keep_open])
        pos = schools.index.get_indexer(wanted)
        if (pos < 0).any():
            raise KeyError("keep_open: not school ids of the county: "
                           + ", ".join(wanted[pos < 0]))
        mask[pos] = True
    return mask


def _resolve_args(policy: Policy, max_pupils: int | None, max_km: float | None,
                  extra_classes: int | None) -> tuple[int, float, int]:
    """The rule's numbers: explicit arguments, else the policy's consolidation fields."""
    if max_pupils is None:
        max_pupils = int(policy.consolidation_max_pupils)
    if max_km is None:
        max_km = float(policy.consolidation_max_km)
    if extra_classes is None:
        extra_classes = int(policy.consolidation_extra_classes)
    _check_args(max_pupils, max_km, extra_classes)
    return max_pupils, max_km, extra_classes


def _check_args(max_pupils: int, max_km: float, extra_classes: int) -> None:
    whole_number("max_pupils", max_pupils)
    positive_number("max_km", max_km, "km")
    whole_number("extra_classes", extra_classes)


def _located(county: County, distances: pd.DataFrame | None) -> np.ndarray:
    """Schools whose road km can be known: coordinates, or listed in a distance table."""
    s = county.schools
    ok = (s["lat"].notna() & s["lon"].notna()).to_numpy()
    if distances is None:
        distances = getattr(county, "distances", None)
    if distances is not None:
        from staffing.geo import read_distance_table

        table = read_distance_table(distances, s.index)
        ok = ok | s.index.isin(table["from"]) | s.index.isin(table["to"])
    return ok


def consolidation_candidates(county: County, policy: Policy | None = None, *,
                             max_pupils: int | None = None, max_km: float | None = None,
                             keep_open: Iterable[str] | None = None,
                             extra_classes: int | None = None,
                             distances: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every village school and teaching point, whether it merges, and why (not).

    Applies the rule of :mod:`staffing.scenarios` (see :func:`consolidate`) without
    changing the county. ``reason`` is the first that applies, in this order:
    ``not_small`` (pupils ≥ ``max_pupils``), ``keep_open``, ``no_location`` (no
    coordinates and not in the distance table), ``no_receiver_in_reach`` (no town or
    urban primary / nine-year school within ``max_km``), ``receivers_full`` (every one
    within reach lacks room when its turn comes), ``merged``.

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``primary_class_size_max`` (room), ``road_factor`` (distances) and the
        defaults of the three numbers below.
    max_pupils : int, optional
        A school with fewer pupils is small (``Policy.consolidation_max_pupils``, 100).
    max_km : float, optional
        Road km within which a receiver is in reach (``Policy.consolidation_max_km``,
        10.0).
    keep_open : iterable of school ids, optional
        Schools that never merge (remote mountain sites), besides those with a true
        ``keep_open`` column.
    extra_classes : int, optional
        New primary classes each receiver may open for merged pupils
        (``Policy.consolidation_extra_classes``, 0: existing classes only).
    distances : DataFrame, optional
        Measured road km (``from``, ``to``, ``km``), overriding coordinates.

    Returns
    -------
    DataFrame indexed by ``school_id`` (county order) with ``name``, ``township``,
    ``level``, ``pupils``, ``merges`` (bool), ``reason``, ``merged_into``,
    ``receiver_name``, ``distance_km`` (for merged schools) and ``nearest_receiver``,
    ``nearest_km`` (the nearest receiver within reach, full or not).

    Examples
    --------
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=30, teachers=False)
    >>> why = consolidation_candidates(county)
    >>> sorted(why["reason"].unique())
    ['merged', 'no_receiver_in_reach', 'not_small', 'receivers_full']
    """
    policy = policy or Policy()
    max_pupils, max_km, extra_classes = _resolve_args(policy, max_pupils, max_km,
                                                      extra_classes)
    s = county.schools
    ids = s.index.to_numpy().astype(str)
    level, location = s["level"].to_numpy(), s["location"].to_numpy()
    pupils = (s["pupils_primary"] + s["pupils_junior"]).to_numpy(dtype=np.int64)
    village = np.isin(level, SMALL_LEVELS) & np.isin(location, SMALL_LOCATIONS)
    small = village & (pupils < max_pupils)
    kept = _keep_open_mask(s, keep_open)
    located = _located(county, distances)
    movable = small & ~kept & located
    receiver = (np.isin(level, RECEIVER_LEVELS) & np.isin(location, RECEIVER_LOCATIONS)
                & (s["classes_primary"].to_numpy() > 0) & located)

    frm = to = np.empty(0, dtype=np.int64)
    km = np.empty(0)
    if movable.any() and receiver.any():
        from staffing.geo import edge_positions

        frm, to, km, _ = edge_positions(
            county, policy.replace(max_travel_km=float(max_km)), distances,
            between=(ids[movable].tolist(), ids[receiver].tolist()))
    order = np.lexsort((ids[to], ids[frm], km))
    frm, to, km = frm[order], to[order], km[order]

    n = len(s)
    room = ((s["classes_primary"].to_numpy(dtype=np.int64) + extra_classes)
            * policy.primary_class_size_max - s["pupils_primary"].to_numpy(dtype=np.int64))
    into = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    for a, b, d in zip(frm.tolist(), to.tolist(), km.tolist(), strict=True):
        if into[a] < 0 and pupils[a] <= room[b]:  # greedy: nearest receiver with room
            into[a], dist[a] = b, d
            room[b] -= pupils[a]

    reached = np.zeros(n, dtype=bool)
    reached[frm] = True
    first = np.unique(frm, return_index=True)  # edges are sorted by km: the nearest first
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_km = np.full(n, np.nan)
    nearest[first[0]] = to[first[1]]
    nearest_km[first[0]] = km[first[1]]

    reason = np.select(
        [~small, kept, ~located, ~reached, into < 0],
        ["not_small", "keep_open", "no_location", "no_receiver_in_reach", "receivers_full"],
        default="merged").astype(object)
    names = s["name"].to_numpy().astype(object)
    none = np.array(None, dtype=object)

    def pick(pos: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(pos >= 0, values[np.maximum(pos, 0)], none)

    out = pd.DataFrame({
        "name": names,
        "township": s["township"].to_numpy().astype(object),
        "level": level.astype(object),
        "pupils": pupils,
        "merges": into >= 0,
        "reason": reason,
        "merged_into": pick(into, ids.astype(object)),
        "receiver_name": pick(into, names),
        "distance_km": dist,
        "nearest_receiver": pick(nearest, ids.astype(object)),
        "nearest_km": nearest_km,
    }, index=s.index.copy())
    return out[village]


def consolidate(county: County, policy: Policy | None = None, *,
                max_pupils: int | None = None, max_km: float | None = None,
                keep_open: Iterable[str] | None = None, extra_classes: int | None = None,
                distances: pd.DataFrame | None = None,
                ) -> tuple[County, pd.DataFrame]:
    """Merge small village schools and teaching points into nearby town or urban schools.

    Which schools merge where follows :func:`consolidation_candidates` (the rule is in
    the :mod:`staffing.scenarios` docstring: rural primary schools and teaching points
    with fewer than ``max_pupils`` pupils, into the nearest town or urban primary or
    nine-year school within ``max_km`` road km that has room, greedily by distance then
    school id; ``keep_open`` schools never merge).

    A merge moves, into the receiver:

    * pupils (primary; and boarding pupils);
    * classes: the receiver's primary classes become ⌈primary pupils /
      ``primary_class_size_max``⌉, but never fewer than it has now (its existing classes
      take the merged pupils);
    * ``approved_quota`` and ``staff_in_post`` (staff go with their pupils), and each
      named teacher's ``school_id``;

    and drops the merged school. Totals of pupils, quota, staff and teachers are
    conserved; ``county_total`` is unchanged. The planner's controls of a merged school
    go with it (its ``locked_quota`` and caps are dropped; the receiver keeps its own, and
    a receiver's lock below its new staff is reported); a move rule naming it names the
    receiver, and one that then names the teacher's own school is dropped. The returned County is validated afresh
    (``County(...)``).

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``primary_class_size_max`` (45) for room and classes, ``road_factor`` for
        distances, plausibility limits for validation, and ``consolidation_max_pupils``,
        ``consolidation_max_km``, ``consolidation_extra_classes`` for the arguments
        left out.
    max_pupils, max_km, keep_open, extra_classes, distances
        As in :func:`consolidation_candidates` (``None``: from the policy).

    Returns
    -------
    (County, DataFrame)
        The consolidated county, and one row per merged school: ``school_id``, ``name``,
        ``township``, ``level``, ``merged_into``, ``receiver_name``, ``distance_km``,
        ``pupils``, ``classes``, ``approved_quota``, ``staff`` — sorted by receiver, then
        distance and school id (the order the merges were decided in, per receiver).

    Raises
    ------
    StaffingDataError
        If the merged county fails validation — in practice only the plausibility
        limit on staff (``Policy.plausible_staff_factor`` × norm +
        ``plausible_staff_extra``) at a receiver that takes many staff with few pupils.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing import County
    >>> def school(i, name, level, location, pupils, classes, staff, lat):
    ...     return {"school_id": i, "name": name, "township": "鹿城镇", "level": level,
    ...             "location": location, "pupils_primary": pupils, "pupils_junior": 0,
    ...             "classes_primary": classes, "classes_junior": 0,
    ...             "approved_quota": staff, "staff_in_post": staff, "lat": lat,
    ...             "lon": 101.5}
    >>> county = County(pd.DataFrame([
    ...     school("T", "镇中心小学", "primary", "town", 400, 12, 22, 25.00),
    ...     school("V", "村小", "primary", "rural", 40, 3, 5, 25.03),   # ~4.5 road km
    ...     school("M", "山区教学点", "teaching_point", "rural", 12, 1, 2, 25.04)]))
    >>> merged, merges = consolidate(county, keep_open=["M"])
    >>> merges[["school_id", "merged_into", "distance_km", "pupils", "staff"]].to_dict("records")
    [{'school_id': 'V', 'merged_into': 'T', 'distance_km': 4.5, 'pupils': 40, 'staff': 5}]
    >>> merged.schools.loc["T", ["pupils_primary", "classes_primary", "staff_in_post"]].tolist()
    [440, 12, 27]
    """
    policy = policy or Policy()
    why = consolidation_candidates(county, policy, max_pupils=max_pupils, max_km=max_km,
                                   keep_open=keep_open, extra_classes=extra_classes,
                                   distances=distances)
    s = county.schools
    done = why[why["merges"].to_numpy(dtype=bool)]
    merges = pd.DataFrame({
        "school_id": done.index.to_numpy().astype(object),
        "name": done["name"].to_numpy(),
        "township": done["township"].to_numpy(),
        "level": done["level"].to_numpy(),
        "merged_into": done["merged_into"].to_numpy(),
        "receiver_name": done["receiver_name"].to_numpy(),
        "distance_km": done["distance_km"].to_numpy(dtype=float),
        "pupils": done["pupils"].to_numpy(dtype=np.int64),
        "classes": s.loc[done.index, "classes_primary"].to_numpy(dtype=np.int64),
        "approved_quota": s.loc[done.index, "approved_quota"].to_numpy(dtype=np.int64),
        "staff": s.loc[done.index, "staff_in_post"].to_numpy(dtype=np.int64),
    }, columns=list(_MERGE_COLUMNS))
    merges = merges.sort_values(["merged_into", "distance_km", "school_id"],
                                kind="stable", ignore_index=True)

    new = s.copy()
    moved = ["pupils_primary", "approved_quota", "staff_in_post", "boarding_pupils"]
    add = (s.loc[done.index, moved].groupby(done["merged_into"].to_numpy()).sum()
           .reindex(new.index, fill_value=0))
    for col in moved:
        new[col] = (new[col] + add[col]).astype(np.int64)
    gained = add["pupils_primary"].to_numpy() > 0
    needed = np.ceil(new["pupils_primary"].to_numpy() / policy.primary_class_size_max - 1e-9)
    classes = new["classes_primary"].to_numpy(dtype=np.int64)
    new["classes_primary"] = np.where(gained, np.maximum(classes, needed), classes).astype(np.int64)
    new = new.drop(index=done.index)

    teachers = county.teachers
    if teachers is not None and len(done):
        teachers = teachers.copy()
        target = pd.Series(done["merged_into"].to_numpy(), index=done.index)
        moving = teachers["school_id"].isin(target.index)
        teachers.loc[moving, "school_id"] = teachers.loc[moving, "school_id"].map(target)
    result = County(new, teachers, name=county.name,
                    county_total=None if county.total_is_default else county.county_total,
                    source=county.source, policy=policy,
                    move_rules=_merged_rules(county, done, teachers))
    table = getattr(county, "distances", None)
    if table is not None:
        from staffing.geo import read_distance_table

        tidy = read_distance_table(table, s.index)
        keep = tidy["from"].isin(new.index) & tidy["to"].isin(new.index)
        result.distances = tidy[keep].reset_index(drop=True)  # type: ignore[attr-defined]
    return result, merges


def retire_early(county: County, teacher_ids: Iterable[str], policy: Policy | None = None
                 ) -> tuple[County, pd.DataFrame]:
    """The scenario in which the named teachers take early retirement this year.

    Each must be an early-retirement candidate — within
    ``early_retirement_window_years`` of statutory retirement (Chuxiong measure 12);
    the ids given are the scenario's "may retire" list, whatever the
    ``can_retire_early`` flag says. Their status becomes ``leaving``, so their posts
    return to the pool this year and the plan may fill them. Nobody retires early
    unless named here: the plan never assumes it.

    Parameters
    ----------
    county : County with a teachers table.
    teacher_ids : the teachers who retire early in the scenario.
    policy : Policy, optional.

    Returns
    -------
    (County, DataFrame)
        The county after the retirements, and the retirements
        (:func:`staffing.retirement.early_retirement_candidates` rows of those teachers).

    Raises
    ------
    ValueError
        Naming every id that is unknown, already leaving, or not within the window.

    Examples
    --------
    >>> from staffing import synth
    >>> from staffing.retirement import early_retirement_candidates
    >>> county = synth.county(seed=0, n_schools=10)
    >>> window = early_retirement_candidates(county.teachers, allow=county.teachers.index)
    >>> after, retired = retire_early(county, window["teacher_id"][:2])
    >>> int((after.teachers["status"] == "leaving").sum()
    ...     - (county.teachers["status"] == "leaving").sum())
    2
    """
    from staffing.retirement import early_retirement_candidates

    policy = policy or Policy()
    if county.teachers is None:
        raise ValueError("retire_early needs a teachers table")
    ids = [str(i) for i in teacher_ids]
    within = early_retirement_candidates(county.teachers, policy, allow=ids)
    bad = sorted(set(ids) - set(within["teacher_id"]))
    if bad:
        raise ValueError(
            f"not early-retirement candidates (unknown, leaving already, or more than "
            f"{policy.early_retirement_window_years} years from statutory retirement): "
            + ", ".join(bad))
    teachers = county.teachers.copy()
    teachers.loc[ids, "status"] = "leaving"
    after = County(county.schools.reset_index(), teachers.reset_index(), name=county.name,
                   county_total=None if county.total_is_default else county.county_total,
                   source=f"{county.source} (early retirements)", policy=policy,
                   move_rules=county.move_rules)
    if getattr(county, "distances", None) is not None:
        after.distances = county.distances  # type: ignore[attr-defined]
    return after, within[within["teacher_id"].isin(ids)].reset_index(drop=True)


def _merged_rules(county: County, done: pd.DataFrame, teachers: pd.DataFrame | None
                  ) -> pd.DataFrame | None:
    """The move rules after merging: a rule naming a merged school names the school it
    merged into; one naming the teacher's own school then is no move and is dropped."""
    rules = county.move_rules
    if not len(rules) or teachers is None:
        return rules if len(rules) else None
    into = pd.Series(done["merged_into"].to_numpy(), index=done.index)
    out = rules.assign(school_id=rules["school_id"].map(into).fillna(rules["school_id"]))
    own = out["teacher_id"].map(teachers["school_id"])
    return out[out["school_id"].ne(own)].drop_duplicates()


def sweep(scenarios: Mapping[str, tuple[County, Policy] | Policy], county: County | None = None,
          *, baseline: Plan | None = None, **options: Any) -> dict[str, Plan]:
    """Plan a series of scenarios, each started from the nearest plan already made.

    Scenario ``k`` is started (``optimize(warm_start=…)``) from the plan of scenario
    ``k − 1`` — in a sweep of one number (a ratio of 17, 18, 19 …) the neighbour is the
    nearest known plan — and the first from ``baseline`` when given. Each plan is the
    one ``optimize`` finds from scratch, within ``mip_gap``; on a large county most are
    found in about half the time (docs/performance.md, warm starts).

    Parameters
    ----------
    scenarios : label → ``Policy`` (for ``county``) or ``(County, Policy)``, in the order
        to plan them.
    county : the county of every scenario given as a Policy alone.
    baseline : a plan already made, to start the first scenario from (not re-planned,
        not in the result unless listed).
    **options : passed to :func:`staffing.optimize` (``time_limit``, ``mip_gap``,
        ``horizon`` …).

    Returns
    -------
    dict
        label → :class:`~staffing.Plan`, in the given order: ready for
        :func:`staffing.compare.compare`.

    Examples
    --------
    >>> import staffing as st
    >>> county = st.synth.county(seed=2, n_schools=10)
    >>> plans = sweep({f"1:{r:g}": st.Policy(primary_ratio=r) for r in (19.0, 18.0)}, county)
    >>> list(plans), plans["1:18"].solver.start_used in ("warm", "bounds")
    (['1:19', '1:18'], True)
    """
    from staffing.optimize import optimize

    if "warm_start" in options:
        raise TypeError("sweep chooses each scenario's warm start; give baseline= instead")
    plans: dict[str, Plan] = {}
    nearest = baseline
    for label, scenario in scenarios.items():
        if isinstance(scenario, Policy):
            if county is None:
                raise ValueError(f"scenario {label!r} is a Policy alone: give county=")
            which, policy = county, scenario
        else:
            which, policy = scenario
        plan = optimize(which, policy, warm_start=nearest, **options)
        plans[label] = plan
        if plan.status in ("optimal", "feasible"):
            nearest = plan
    return plans
