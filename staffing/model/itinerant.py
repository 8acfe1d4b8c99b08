"""Itinerant teaching (走教): teachers of urgent-need subjects cover part of a need at
member schools of their cluster, without moving.

Arcs run from a cluster's lead and central schools to its member schools, one per
urgent subject the member needs and the source has (or may receive) teachers of.
Each arc carries ``itin_{a}`` ≥ 0, the FTE of that subject taught at the member; it
counts as cover there (``rotation_need_*``) and as use of the source's teachers
(``rotation_staff_*``), and the source's teachers of the subject give at most
``itinerant_periods_per_teacher`` periods a week each (``itinerant_cap_*``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from staffing.data.county import County
from staffing.geo import road_edges
from staffing.model.names import name
from staffing.model.terms import linear
from staffing.norms import small_school_mask
from staffing.policy import Policy

__all__ = ["ItinerantHandles", "itinerant_arcs", "arcs_for_model", "add_itinerant",
           "per_teacher_fte"]


@dataclass
class ItinerantHandles:
    """The itinerant block's arcs (with their variables) and objective terms."""

    arcs: pd.DataFrame  # source, target, subject, km, cap_fte, var
    objective: pulp.LpAffineExpression

    def into(self) -> dict[tuple[str, str], list[pulp.LpVariable]]:
        """Cover arriving at (target, subject)."""
        return self.arcs.groupby(["target", "subject"])["var"].agg(list).to_dict()

    def out_of(self) -> dict[tuple[str, str], list[pulp.LpVariable]]:
        """Teaching time leaving (source, subject)."""
        return self.arcs.groupby(["source", "subject"])["var"].agg(list).to_dict()


def per_teacher_fte(county: County, policy: Policy, sources: pd.Index,
                    subjects: list[str]) -> pd.DataFrame:
    """FTE one teacher of each subject at each source can give: periods ÷ their load."""
    s = county.schools.loc[sources]
    part = np.where(s["pupils_junior"] > s["pupils_primary"], "junior", "primary")
    part = np.where(small_school_mask(s, policy), "small_school", part)
    loads = policy.teaching_load
    rows = {sid: [policy.itinerant_periods_per_teacher / loads[p].get(k, np.inf)
                  for k in subjects] for sid, p in zip(sources, part, strict=True)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=subjects)


def arcs_with_need(pairs: pd.DataFrame, needs: pd.DataFrame, staff_possible: pd.DataFrame,
                   subjects: list[str], cap_fte: pd.DataFrame) -> pd.DataFrame:
    """(source, target) ``pairs`` × ``subjects``, kept where the target needs the subject
    and the source has (or may receive) teachers of it, with the source's ``cap_fte``.

    One home for the cover-arc rule that itinerant teaching and remote lessons share.

    Parameters
    ----------
    pairs : columns ``source``, ``target`` (and any others, kept).
    needs : FTE need by school (index) and subject (columns).
    staff_possible : whether a school (index) has or may receive teachers of a subject.
    cap_fte : FTE a source (index) can give per subject (columns).
    """
    arcs = pairs.merge(pd.DataFrame({"subject": subjects}), how="cross")
    need = needs[subjects].stack().rename("need")
    need.index.names = ["target", "subject"]
    have = staff_possible[subjects].stack().rename("have")
    have.index.names = ["source", "subject"]
    arcs = arcs.join(need, on=["target", "subject"]).join(have, on=["source", "subject"])
    arcs = arcs[(arcs["need"] > 1e-9) & arcs["have"].fillna(False).astype(bool)]
    cap = cap_fte[subjects].stack().rename("cap_fte")
    cap.index.names = ["source", "subject"]
    return arcs.join(cap, on=["source", "subject"])


def itinerant_arcs(county: County, policy: Policy, clusters: pd.DataFrame,
                   needs: pd.DataFrame, staff_possible: pd.DataFrame) -> pd.DataFrame:
    """Candidate arcs: (source, target, subject, km, cap_fte) inside each cluster.

    Sources are cluster leads and central schools of the cluster; targets are its
    other schools with a need in an urgent subject (moves may open gaps there, so a
    need without a gap before the plan still gets an arc); ``staff_possible`` marks
    (school, subject) pairs with teachers now or that moves may bring.
    """
    columns = ["source", "target", "subject", "km", "cap_fte"]
    if not policy.itinerant_enabled or policy.itinerant_periods_per_teacher <= 0:
        return pd.DataFrame(columns=columns)
    s = county.schools
    cid = clusters["cluster_id"].reindex(s.index)
    is_source = s.index.isin(clusters.loc[clusters["role"].eq("lead")].index) | s["is_central"]
    sources, members = s.index[is_source], s.index
    edges = road_edges(county, policy, between=(sources, members))
    edges = edges[edges["from"].map(cid).eq(edges["to"].map(cid)).to_numpy()]
    edges = edges.drop(columns="source").rename(columns={"from": "source", "to": "target"})
    subjects = [k for k in policy.urgent_subjects if k in needs.columns]
    arcs = arcs_with_need(edges, needs, staff_possible, subjects,
                          per_teacher_fte(county, policy, sources, subjects))
    return arcs[columns].sort_values(["source", "target", "subject"]).reset_index(drop=True)


def arcs_for_model(county: County, policy: Policy, clusters: pd.DataFrame,
                   rotation) -> pd.DataFrame:
    """:func:`itinerant_arcs` for a county whose rotation block is prepared: its needs,
    and sources that have teachers of the subject or may receive some."""
    return itinerant_arcs(county, policy, clusters, rotation.needs, staff_possible(rotation))


def staff_possible(rotation) -> pd.DataFrame:
    """Whether each school (index) has teachers of each subject (columns) now or may
    receive some by a move of the prepared rotation block: where cover can come from."""
    arriving = rotation.flows[["target", "subject"]].drop_duplicates()
    staff = rotation.staff
    return (staff > 0) | pd.crosstab(arriving["target"], arriving["subject"]).reindex(
        index=staff.index, columns=staff.columns, fill_value=0).gt(0)


def add_itinerant(prob: pulp.LpProblem, arcs: pd.DataFrame, policy: Policy) -> ItinerantHandles:
    """Add one continuous FTE variable per arc; the rotation block links them in."""
    variables = [prob.add_variable(name("itin", arc=a), lowBound=0) for a in range(len(arcs))]
    arcs = arcs.assign(var=variables)
    cost = (policy.weight_itinerant + policy.weight_itinerant_km * arcs["km"]).tolist()
    return ItinerantHandles(arcs=arcs, objective=linear(variables, cost))
