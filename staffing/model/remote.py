"""Remote classrooms (专递课堂 / 同步课堂 / 名师课堂, Chuxiong measure 6): a cluster's lead
school streams lessons of urgent-need subjects to the village schools and teaching
points of its cluster that stay open.

Arcs run from a cluster's lead and central schools (the itinerant sources) to its small
schools (:func:`staffing.norms.small_school_mask`), one per subject in
``policy.remote_subjects`` ∩ ``policy.urgent_subjects`` the site needs and the source
has (or may receive) teachers of. Unlike itinerant cover there is no distance limit:
nobody travels. Each arc carries ``remote_{a}`` ≥ 0, the FTE of the lead's teaching
time streamed to the site. It

* uses the source's teachers of the subject (``rotation_staff_*``): a streamed period
  is a period the lead's teacher teaches; the model assumes no 同步课堂 sharing, i.e.
  the period does not also count for a class at the lead school (conservative);
* covers ``remote_quality`` × ``remote_{a}`` of the site's need (``rotation_need_*``);
* is bounded per source and subject by the lead's streaming capacity,
  ``Σ_targets remote ≤ remote_periods_per_lead ÷ teaching load`` (``remote_cap_*``);
* costs ``weight_remote`` per FTE, above nearby itinerant cover.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from staffing.data.county import County
from staffing.model.itinerant import arcs_with_need, staff_possible
from staffing.model.names import name
from staffing.model.terms import linear
from staffing.norms import small_school_mask
from staffing.policy import Policy

__all__ = ["RemoteHandles", "remote_subjects", "remote_cap_fte", "remote_arcs",
           "remote_arcs_for_model", "add_remote"]


@dataclass
class RemoteHandles:
    """The remote block's arcs (with their variables) and objective terms."""

    arcs: pd.DataFrame  # source, target, subject, cap_fte, var
    objective: pulp.LpAffineExpression
    quality: float

    def into(self) -> dict[tuple[str, str], list[pulp.LpAffineExpression]]:
        """Cover arriving at (target, subject): quality × streamed FTE."""
        q = self.quality
        return {key: [q * v for v in vs] for key, vs in
                self.arcs.groupby(["target", "subject"])["var"].agg(list).items()}

    def out_of(self) -> dict[tuple[str, str], list[pulp.LpVariable]]:
        """Teaching time leaving (source, subject)."""
        return self.arcs.groupby(["source", "subject"])["var"].agg(list).to_dict()


def remote_subjects(policy: Policy) -> list[str]:
    """Urgent-need subjects remote lessons may cover, in ``urgent_subjects`` order.

    >>> remote_subjects(Policy())
    ['english', 'music', 'art', 'it']
    """
    return [k for k in policy.urgent_subjects if k in policy.remote_subjects]


def remote_cap_fte(schools: pd.DataFrame, policy: Policy, subjects: list[str]) -> pd.DataFrame:
    """FTE of each subject each school can stream a week: periods ÷ the school's load."""
    part = np.where(schools["pupils_junior"] > schools["pupils_primary"], "junior", "primary")
    part = np.where(small_school_mask(schools, policy), "small_school", part)
    loads = policy.teaching_load
    rows = {sid: [policy.remote_periods_per_lead / loads[p].get(k, np.inf) for k in subjects]
            for sid, p in zip(schools.index, part, strict=True)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=subjects)


def remote_arcs(county: County, policy: Policy, clusters: pd.DataFrame,
                needs: pd.DataFrame, staff_possible: pd.DataFrame) -> pd.DataFrame:
    """Candidate arcs ``(source, target, subject, cap_fte)`` inside each cluster.

    Sources are the cluster's lead and central schools with teachers of the subject
    (``staff_possible``: now or arriving); targets are its small schools (other than
    the source) with a need in the subject.
    """
    columns = ["source", "target", "subject", "cap_fte"]
    subjects = [k for k in remote_subjects(policy) if k in needs.columns]
    if not policy.remote_enabled or policy.remote_periods_per_lead <= 0 or not subjects:
        return pd.DataFrame(columns=columns)
    s = county.schools
    cid = clusters["cluster_id"].reindex(s.index)
    is_source = (s.index.isin(clusters.loc[clusters["role"].eq("lead")].index)
                 | s["is_central"].astype(bool)) & cid.notna().to_numpy()
    is_target = small_school_mask(s, policy).to_numpy() & cid.notna().to_numpy()
    if not is_source.any() or not is_target.any():
        return pd.DataFrame(columns=columns)
    pairs = pd.DataFrame({"source": s.index[is_source]}).merge(
        pd.DataFrame({"target": s.index[is_target]}), how="cross")
    pairs = pairs[pairs["source"].ne(pairs["target"])
                  & pairs["source"].map(cid).eq(pairs["target"].map(cid))]
    arcs = arcs_with_need(pairs, needs, staff_possible, subjects,
                          remote_cap_fte(s.loc[s.index[is_source]], policy, subjects))
    return arcs[columns].sort_values(["source", "target", "subject"]).reset_index(drop=True)


def remote_arcs_for_model(county: County, policy: Policy, clusters: pd.DataFrame,
                          rotation) -> pd.DataFrame:
    """:func:`remote_arcs` for a county whose rotation block is prepared."""
    return remote_arcs(county, policy, clusters, rotation.needs, staff_possible(rotation))


def add_remote(prob: pulp.LpProblem, arcs: pd.DataFrame, policy: Policy,
               position: Mapping[str, int]) -> RemoteHandles:
    """Add one continuous FTE variable per arc and each source's capacity row
    (``remote_cap_{school}_{subject}``); the rotation block links the cover in.

    ``position`` maps a school id to its position in the model's school table.
    """
    variables = [prob.add_variable(name("remote", arc=a), lowBound=0) for a in range(len(arcs))]
    arcs = arcs.assign(var=variables)
    for (src, k), block in arcs.groupby(["source", "subject"], sort=True):
        prob += (pulp.lpSum(block["var"].tolist()) <= float(block["cap_fte"].iloc[0])
                 ), name("remote_cap", school=position[src], subject=k)
    cost = [policy.weight_remote] * len(variables)
    return RemoteHandles(arcs=arcs, objective=linear(variables, cost),
                         quality=float(policy.remote_quality))
