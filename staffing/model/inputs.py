"""Everything the model blocks read, computed once per county, vectorised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from staffing.clusters import form_clusters
from staffing.data.county import County
from staffing.errors import StaffingDataError
from staffing.model.edges import allowed_moves
from staffing.model.eligibility import eligibility
from staffing.model.fair import tie_break_factor
from staffing.model.posts import move_kinds, post_moves
from staffing.model.rotation import RotationInputs, prepare_rotation
from staffing.norms import quota_norms
from staffing.policy import Policy
from staffing.staff import leaving

__all__ = ["ModelInputs", "prepare_inputs", "shortfall_weights"]


@dataclass(frozen=True)
class ModelInputs:
    """Per-school arrays and county facts shared by all model blocks.

    ``schools`` is indexed by ``school_id`` in the county's order (variables are
    numbered by position in it); ``floor`` is the staff who stay in post next year
    (staff in post minus known leavers), below which no quota may fall.
    """

    county: County
    policy: Policy
    schools: pd.DataFrame
    county_total: int
    eligibility: pd.DataFrame | None = None
    edges: pd.DataFrame | None = None
    rotation: RotationInputs | None = None  # when the rotation block is on
    previous: pd.DataFrame | None = None  # moves announced in a previous plan
    clusters: pd.DataFrame | None = None  # partnership clusters (given or formed)

    @property
    def n(self) -> int:
        """Number of schools."""
        return len(self.schools)


def shortfall_weights(schools: pd.DataFrame, policy: Policy) -> pd.Series:
    """Cost of one post of shortfall at each school.

    ``weight_shortfall`` multiplied by ``weight_rural`` for rural schools,
    ``weight_teaching_point`` for teaching points and ``weight_weak`` for weak
    schools (multipliers compound).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"location": ["urban", "rural"], "level": ["primary", "teaching_point"],
    ...                   "is_weak": [False, True]})
    >>> shortfall_weights(s, Policy()).tolist()
    [100.0, 281.25]
    """
    w = np.full(len(schools), policy.weight_shortfall, dtype=float)
    w *= np.where(schools["location"].eq("rural"), policy.weight_rural, 1.0)
    w *= np.where(schools["level"].eq("teaching_point"), policy.weight_teaching_point, 1.0)
    w *= np.where(schools["is_weak"].astype(bool), policy.weight_weak, 1.0)
    return pd.Series(w, index=schools.index, name="shortfall_weight")


def leavers_by_school(county: County) -> pd.Series:
    """Teachers whose status says they leave their post this year, per school."""
    index = county.schools.index
    if county.teachers is None or county.teachers.empty:
        return pd.Series(0, index=index, dtype="int64", name="leavers")
    counts = county.teachers.loc[leaving(county.teachers)].groupby("school_id").size()
    return counts.reindex(index, fill_value=0).astype("int64").rename("leavers")


def prepare_inputs(
    county: County,
    policy: Policy,
    *,
    pinned: Iterable[str] = (),
    clusters: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    horizon: int = 0,
) -> ModelInputs:
    """Norms, floors and weights for every school of ``county``, and — when the
    county has teachers and ``policy.rotation_enabled`` — eligibility, allowed moves
    and the rotation groups.

    ``locked_quota``, ``max_moves_in``, ``max_moves_out`` are the planner's controls
    (NaN where none is set). ``quota_floor`` is the lowest quota the quota block may give: the staff staying
    in post, less (with rotation on) the eligible teachers who might move out on a move
    whose post goes with them (``policy.post_moves_with``; a teacher on a term move
    keeps her post at home and so stays in the floor); the rotation block then ties
    each quota to the staff holding a post there after moves. ``horizon`` is
    the number of later years planned with this one (teachers retiring within them
    do not rotate).
    """
    norms = quota_norms(county, policy)
    schools = county.schools[["name", "township", "level", "location", "is_central",
                              "is_quality", "is_weak"]].join(
        norms[["norm", "basis", "approved_quota", "staff_in_post"]]
    )
    schools["leavers"] = leavers_by_school(county)
    schools["floor"] = (schools["staff_in_post"] - schools["leavers"]).clip(lower=0)
    schools["shortfall_weight"] = shortfall_weights(schools, policy)
    schools["pupils"] = (county.schools["pupils_primary"] + county.schools["pupils_junior"]
                         ).reindex(schools.index).astype("int64")
    schools["tie_break"] = tie_break_factor(schools, schools["pupils"], policy)
    schools["quota_floor"] = schools["floor"]
    # Planner controls (NaN: none): a locked quota, caps on moves in and out per year.
    for c in ("locked_quota", "max_moves_in", "max_moves_out"):
        schools[c] = (county.schools[c] if c in county.schools else np.nan)
    if not (policy.rotation_enabled and county.teachers is not None and len(county.teachers)):
        return ModelInputs(county=county, policy=policy, schools=schools,
                           county_total=county.county_total)

    eligible = eligibility(county, policy, pinned, horizon=horizon)
    try:
        if clusters is None:  # moves need coordinates; so do clusters
            clusters = form_clusters(county, policy)
        edges = allowed_moves(county, policy, clusters)
    except StaffingDataError as exc:  # say why distances are needed, and the way out
        hint = " (teacher moves need distances; Policy(rotation_enabled=False) plans quotas only)"
        raise StaffingDataError([replace(p, rule=p.rule + hint) for p in exc.problems]) from None
    if previous is not None:
        previous = previous[["teacher_id", "from_school", "to_school"]].astype(str)
    rotation = prepare_rotation(schools, county.teachers, eligible, edges, county, policy,
                                previous)
    # Only groups with somewhere to go can leave, and a teacher lowers her school's floor
    # only on a move whose post goes with her (Policy.post_moves_with): on a term move she
    # keeps her post at home. Schools with such flows get capacity rows.
    flows = rotation.flows
    carries = post_moves(move_kinds(flows["kind"], flows["backbone"], flows["target"], schools),
                         policy)
    moving_groups = rotation.groups.loc[flows.loc[carries, "group"].unique()]
    movable = moving_groups.groupby("school_id")["size"].sum()
    schools["quota_floor"] = (schools["floor"] - movable.reindex(schools.index, fill_value=0)
                              ).clip(lower=0)
    return ModelInputs(county=county, policy=policy, schools=schools,
                       county_total=county.county_total, eligibility=eligible, edges=edges,
                       rotation=rotation, previous=previous, clusters=clusters)
