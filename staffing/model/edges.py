"""The allowed-move graph: which school may send teachers to which, and how far."""

from __future__ import annotations

import pandas as pd

from staffing.data.county import County
from staffing.geo import road_edges
from staffing.policy import Policy

__all__ = ["allowed_moves", "MOVE_KINDS", "rotation_duty"]

#: Kinds of move, in English and Chinese.
MOVE_KINDS: dict[str, tuple[str, str]] = {
    "rotation": ("rotation to a rural or weak school", "交流轮岗"),
    "support": ("backbone support for a rural or weak school", "骨干支教"),
    "exchange": ("rural teacher learning at an urban quality school", "跟岗交流"),
    "itinerant": ("itinerant teaching within a cluster", "走教"),
    "remote": ("remote lessons streamed from a cluster lead school", "专递课堂"),
}


def rotation_duty(schools: pd.DataFrame) -> pd.Series:
    """Schools that must rotate ≥ 10% of their eligible teachers each year.

    教育部 财政部 人社部 (2014): 城镇 schools — urban (城区) and town (镇区) alike — and
    quality schools (POLICY.md B). One home for the rule: the rotation block's duty rows
    and the allowed-move graph's senders both read it.

    Examples
    --------
    >>> s = pd.DataFrame({"location": ["urban", "town", "rural", "rural"],
    ...                   "is_quality": [False, False, True, False]})
    >>> rotation_duty(s).tolist()
    [True, True, True, False]
    """
    return schools["location"].isin(("urban", "town")) | schools["is_quality"].astype(bool)


def allowed_moves(county: County, policy: Policy,
                  clusters: pd.DataFrame | None = None) -> pd.DataFrame:
    """Directed edges along which the rotation block may move teachers.

    * ``rotation``: from the schools with a rotation duty — 城镇 schools (urban and
      town alike, POLICY.md B) and quality schools — and from township central schools
      to rural and weak schools other than urban and quality ones (backbone and
      urgent-subject teachers flow toward rural and weak schools, Chuxiong measures
      7–8; a weak town school both sends and receives);
    * ``exchange``: from rural schools to quality schools (rural teachers rotate into
      urban quality schools to learn).

    Only pairs within ``policy.max_travel_km`` road km (coordinates × road factor, or
    the county's distance table); with ``policy.rotation_scope == "cluster"`` only
    pairs inside one partnership cluster (``clusters`` from
    :func:`staffing.clusters.form_clusters`). So the model grows with edges, not
    schools².

    Returns
    -------
    DataFrame with ``from_school``, ``to_school``, ``km``, ``kind``, sorted.
    """
    s = county.schools
    duty = rotation_duty(s)
    rural_or_weak = (s["location"].eq("rural") | s["is_weak"]) & ~(s["location"].eq("urban")
                                                                   | s["is_quality"])
    senders = s.index[duty | s["is_central"]]
    parts = [
        road_edges(county, policy, between=(senders, s.index[rural_or_weak]))
        .assign(kind="rotation"),
        road_edges(county, policy, between=(s.index[s["location"].eq("rural")],
                                            s.index[s["is_quality"]]))
        .assign(kind="exchange"),
    ]
    edges = pd.concat(parts, ignore_index=True).rename(
        columns={"from": "from_school", "to": "to_school"})
    edges = edges[edges["from_school"] != edges["to_school"]]
    if policy.rotation_scope == "cluster":
        if clusters is None:
            raise ValueError("rotation_scope = 'cluster' needs clusters (form_clusters)")
        cid = clusters["cluster_id"]
        same = edges["from_school"].map(cid).eq(edges["to_school"].map(cid))
        edges = edges[same.to_numpy() & edges["from_school"].map(cid).notna().to_numpy()]
    edges = edges.drop_duplicates(["from_school", "to_school"])
    return edges[["from_school", "to_school", "km", "kind"]].sort_values(
        ["from_school", "to_school"]).reset_index(drop=True)
