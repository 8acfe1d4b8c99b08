"""Urban–rural school partnerships (集团化办学 / 学区制 / 城乡学校共同体) with networkx.

Chuxiong measure 8 pairs strong urban schools and township central schools with the
village schools and teaching points around them, so that backbone teachers,
principals and lessons flow from the strong to the weak. This module

* builds the **school graph** (:func:`build_graph`): one node per school, one edge
  per pair of schools a teacher can be asked to travel between (road km within
  ``Policy.max_travel_km``) — the allowed edges of rotation and itinerant teaching;
* forms **partnership clusters** (:func:`form_clusters`): each other school joins one
  lead school within reach, at least total road distance, no lead taking more than
  ``Policy.cluster_max_members`` members — a min-cost flow solved by networkx;
* and, from their own modules, measures them (:func:`staffing.metrics.cluster_metrics`),
  draws them (:func:`staffing.plots.plot_clusters`) and writes them for GIS tools
  (:func:`staffing.data.writers.write_clusters_geojson`, :func:`to_graphml`); those
  names stay importable from here.

Distances come from :mod:`staffing.geo` (coordinates × road factor, or a measured
distance table). See ``docs/clusters.md`` for the formulation.

Examples
--------
>>> from staffing import Policy, synth
>>> from staffing.clusters import build_graph, form_clusters
>>> county = synth.county(seed=0, n_schools=30)
>>> g = build_graph(county)
>>> g.number_of_nodes()
30
>>> clusters = form_clusters(county)
>>> clusters["role"].value_counts().to_dict()
{'member': 26, 'lead': 4}
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from staffing.data.writers import write_clusters_geojson as to_geojson
from staffing.data.writers import write_graphml
from staffing.geo import distance_matrix, edge_positions
from staffing.metrics import cluster_metrics

if TYPE_CHECKING:
    from staffing.data.county import County
    from staffing.policy import Policy

__all__ = [
    "CLUSTER_COLUMNS",
    "build_graph",
    "distance_matrix",
    "default_leads",
    "form_clusters",
    "cluster_metrics",
    "to_geojson",
    "to_graphml",
]

#: Columns of the table returned by :func:`form_clusters`.
CLUSTER_COLUMNS: tuple[str, ...] = (
    "cluster_id", "lead_school", "role", "distance_km", "township", "note",
)

# ---------------------------------------------------------------------------------------
# The school graph


def build_graph(county: County, policy: Policy | None = None, *,
                distances: pd.DataFrame | None = None) -> nx.Graph:
    """The school graph: schools as nodes, pairs within travel reach as edges.

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``max_travel_km`` (edge cut-off) and ``road_factor`` (road km per great-circle
        km); Chuxiong defaults otherwise.
    distances : DataFrame, optional
        Measured road km with columns ``from``, ``to``, ``km`` (see
        :func:`staffing.geo.read_distance_table`). A listed pair is an edge exactly
        when its listed km is within ``max_travel_km``, whatever the coordinates say.
        Only km are supported: a minutes-only table is rejected. Defaults to
        ``county.distances`` when the County carries one.

    Returns
    -------
    networkx.Graph
        Nodes are school ids in county order, carrying every column of
        ``county.schools`` as Python scalars (``lat``/``lon`` NaN when missing).
        Edges carry ``km`` (road km, rounded to 10 m) and ``source``
        (``"coordinates"`` or ``"table"``). ``graph.graph`` records the county name,
        ``max_travel_km`` and ``road_factor``.

    Raises
    ------
    StaffingDataError
        If a school has no coordinates and does not appear in the distance table
        (one problem per missing cell: file, sheet ``schools``, row, column).

    Examples
    --------
    >>> from staffing import Policy, synth
    >>> county = synth.county(seed=2, n_schools=15, teachers=False)
    >>> g = build_graph(county, Policy(max_travel_km=25.0))
    >>> u, v, km = next(iter(g.edges(data="km")))
    >>> bool(km <= 25.0), g.nodes[u]["level"] in {"primary", "junior", "nine_year"}
    (True, True)
    """
    from staffing.policy import Policy

    policy = policy or Policy()
    u, v, km, from_table = edge_positions(county, policy, distances)
    g = nx.Graph(name=county.name, max_travel_km=policy.max_travel_km,
                 road_factor=policy.road_factor)
    g.add_nodes_from(county.schools.to_dict("index").items())
    ids = county.schools.index.tolist()
    source = ("coordinates", "table")
    g.add_edges_from(
        (ids[a], ids[b], {"km": k, "source": source[t]})
        for a, b, k, t in zip(u.tolist(), v.tolist(), km.tolist(), from_table.tolist(),
                              strict=True))
    return g


# ---------------------------------------------------------------------------------------
# Partnership clusters


def default_leads(county: County) -> pd.Index:
    """Schools that lead a cluster by default: urban quality schools and central schools.

    Chuxiong measures 7–8 name urban quality schools (城区优质学校) and township central
    schools (乡镇中心学校) as the strong partners.

    Examples
    --------
    >>> from staffing import synth
    >>> c = synth.county(seed=0, n_schools=30, teachers=False)
    >>> len(default_leads(c))
    4
    """
    s = county.schools
    lead = (s["is_quality"] & s["location"].eq("urban")) | s["is_central"]
    return s.index[lead.to_numpy(dtype=bool)]


def form_clusters(county: County, policy: Policy | None = None, *,
                  leads: Iterable[str] | None = None,
                  distances: pd.DataFrame | None = None) -> pd.DataFrame:
    """Assign every other school to one lead school within reach (min-cost flow).

    Each non-lead school sends one unit of flow to a lead it can reach (an edge of
    :func:`build_graph`), each lead passes at most ``policy.cluster_max_members``
    units on to the sink, and the total cost is least. The cost of an assignment is
    its road km in whole hundredths (10 m), plus ``cluster_township_penalty_km`` when
    ``cluster_keep_townships`` is set and the lead is in another township (学区制). A
    member that cannot be placed goes to an "unassigned" arc whose cost exceeds any
    assignment, so the flow is always feasible and places as many schools as possible
    first, then minimises cost. Solved with :func:`networkx.network_simplex` on a flow
    network built in sorted id order, so equal inputs give equal clusters.

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``max_travel_km``, ``road_factor``, ``cluster_max_members``,
        ``cluster_keep_townships``, ``cluster_township_penalty_km``.
    leads : iterable of str, optional
        School ids of the lead schools, overriding :func:`default_leads`.
    distances : DataFrame, optional
        Measured road km (``from``, ``to``, ``km``), as for :func:`build_graph`.

    Returns
    -------
    DataFrame
        Indexed by ``school_id`` in county order, with columns

        ``cluster_id``
            ``C01``, ``C02``, … for the clusters of the leads in county order;
            ``S01``, … for each standalone school (a cluster of its own), so every
            school is in exactly one cluster. Ids are zero-padded to equal width.
        ``lead_school``
            the cluster's lead (the school itself for a lead; missing for a
            standalone school).
        ``role``
            ``lead``, ``member`` or ``standalone``.
        ``distance_km``
            road km to the lead (0 for a lead, NaN for a standalone school).
        ``township``
            the school's township.
        ``note``
            why a school is standalone (no lead within reach, or every lead within
            reach full), or that a member's lead is in another township; else empty.

    Raises
    ------
    KeyError
        If ``leads`` names a school that is not in the county.
    StaffingDataError
        For missing coordinates, as :func:`build_graph`.

    Examples
    --------
    >>> from staffing import Policy, synth
    >>> county = synth.county(seed=0, n_schools=30, teachers=False)
    >>> cl = form_clusters(county, Policy(cluster_max_members=4))
    >>> cl.columns.tolist()
    ['cluster_id', 'lead_school', 'role', 'distance_km', 'township', 'note']
    >>> int(cl[cl.role == "member"].groupby("lead_school").size().max()) <= 4
    True
    """
    from staffing.policy import Policy

    policy = policy or Policy()
    s = county.schools
    ids = s.index
    if leads is None:
        is_lead = ids.isin(default_leads(county))
    else:
        wanted = pd.Index([str(x) for x in leads])
        unknown = wanted.difference(ids)
        if len(unknown):
            raise KeyError(f"leads not in the county: {', '.join(map(str, unknown))}")
        is_lead = ids.isin(wanted)
    lead_ids, member_ids = ids[is_lead], ids[~is_lead]

    lead_pos, member_pos = np.flatnonzero(is_lead), np.flatnonzero(~is_lead)
    u, v, km, _ = edge_positions(county, policy, distances, between=(member_ids, lead_ids))
    town = s["township"].to_numpy(dtype=object)
    away = town[u] != town[v]
    cost = np.rint(km * 100).astype(np.int64)
    if policy.cluster_keep_townships:
        cost += int(round(policy.cluster_township_penalty_km * 100)) * away
    placed = _assign(ids, member_pos, lead_pos, u, v, cost, int(policy.cluster_max_members))

    # --- the table ---------------------------------------------------------------------
    n = len(ids)
    lead_at = np.full(n, -1)
    lead_at[lead_pos] = lead_pos
    lead_at[u[placed]] = v[placed]
    distance = np.where(is_lead, 0.0, np.nan)
    distance[u[placed]] = km[placed]
    role = np.where(is_lead, "lead", np.where(lead_at >= 0, "member", "standalone"))
    is_alone = role == "standalone"
    n_alone = int(is_alone.sum())

    number = np.zeros(n, dtype=np.int64)
    number[lead_pos] = np.arange(1, len(lead_pos) + 1)
    width_c, width_s = max(2, len(str(len(lead_pos)))), max(2, len(str(n_alone)))
    cluster = np.empty(n, dtype=object)
    cluster[~is_alone] = [f"C{k:0{width_c}d}" for k in number[lead_at[~is_alone]].tolist()]
    cluster[is_alone] = [f"S{k:0{width_s}d}" for k in range(1, n_alone + 1)]
    lead_school = np.full(n, None, dtype=object)
    lead_school[~is_alone] = ids.to_numpy(dtype=object)[lead_at[~is_alone]]

    reach = np.bincount(u, minlength=n)
    note = np.full(n, "", dtype=object)
    note[is_alone & (reach == 0)] = (
        "no lead school in the county" if len(lead_pos) == 0
        else f"no lead within {policy.max_travel_km:g} km")
    full = is_alone & (reach > 0)
    reach_km = f"{policy.max_travel_km:g} km"
    note[full] = [(f"the only lead within {reach_km} is full" if k == 1 else
                   f"all {k} leads within {reach_km} are full")
                  + f" (capacity {policy.cluster_max_members})" for k in reach[full].tolist()]
    if policy.cluster_keep_townships:
        note[u[placed & away]] = "lead in another township"

    out = pd.DataFrame({
        "cluster_id": cluster,
        "lead_school": lead_school,
        "role": role.astype(object),
        "distance_km": distance,
        "township": town,
        "note": note,
    }, index=ids.copy())
    out.index.name = "school_id"
    return out


#: Cheapest arcs per member in the first restricted flow problem; the others enter
#: only when their reduced cost is negative (exact pricing, see :func:`_assign`).
_FIRST_ARCS: int = 4


def _assign(ids: pd.Index, member_pos: np.ndarray, lead_pos: np.ndarray, arc_u: np.ndarray,
            arc_v: np.ndarray, cost: np.ndarray, capacity: int) -> np.ndarray:
    """Min-cost assignment of members to leads; returns which arcs carry a member.

    Flow network, nodes numbered in sorted school-id order: member --(cost)--> lead
    --(capacity, cost 0)--> sink, and member --(big)--> sink for a member left
    unplaced, where ``big`` exceeds the cost of all assignments together (so as many
    members as possible are placed before cost counts). Solved by
    :func:`networkx.network_simplex`, first with each member's ``_FIRST_ARCS``
    cheapest arcs; shortest-path potentials of the residual network then price the
    other arcs, and any with negative reduced cost enters before solving again. When
    none does, the potentials prove the flow optimal for the full network.
    """
    placed = np.zeros(len(arc_u), dtype=bool)
    n_m, n_l = len(member_pos), len(lead_pos)
    if n_m == 0 or len(arc_u) == 0:
        return placed
    node = np.full(len(ids), -1)
    as_str = ids.to_numpy(dtype=object)
    node[member_pos[np.argsort(as_str[member_pos], kind="stable")]] = np.arange(n_m)
    node[lead_pos[np.argsort(as_str[lead_pos], kind="stable")]] = n_m + np.arange(n_l)
    tail, head = node[arc_u], node[arc_v]

    by_cost = np.lexsort((head, cost, tail))  # within a member: cheapest first
    first = np.searchsorted(tail[by_cost], tail[by_cost], side="left")
    rank = np.empty(len(tail), dtype=np.int64)
    rank[by_cost] = np.arange(len(tail)) - first
    active = rank < _FIRST_ARCS
    big = int(cost.max()) * n_m + 1
    while True:
        idx = np.flatnonzero(active)
        idx = idx[np.lexsort((head[idx], tail[idx]))]
        flow = np.zeros(len(tail), dtype=np.int64)
        flow[idx] = _network_simplex(n_m, n_l, tail[idx], head[idx], cost[idx], capacity, big)
        pi = _potentials(n_m, n_l, tail[idx], head[idx], cost[idx], flow[idx], capacity, big)
        enter = ~active & (cost + pi[tail] - pi[head] < 0)
        if not enter.any():
            return flow > 0
        active |= enter


def _network_simplex(n_m: int, n_l: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray,
                     capacity: int, big: int) -> np.ndarray:
    """Flow on each member → lead arc of the network described in :func:`_assign`."""
    sink = n_m + n_l
    net = nx.DiGraph()
    net.add_nodes_from(range(n_m), demand=-1)
    net.add_nodes_from(range(n_m, sink))
    net.add_node(sink, demand=n_m)
    net.add_edges_from(((lead, sink) for lead in range(n_m, sink)), capacity=capacity, weight=0)
    net.add_edges_from((a, b, {"weight": c})
                       for a, b, c in zip(tail.tolist(), head.tolist(), cost.tolist(), strict=True))
    net.add_edges_from(((m, sink) for m in range(n_m)), weight=big)
    _, flow = nx.network_simplex(net)
    return np.fromiter((flow[a][b] for a, b in zip(tail.tolist(), head.tolist(), strict=True)),
                       dtype=np.int64, count=len(tail))


def _potentials(n_m: int, n_l: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray,
                flow: np.ndarray, capacity: int, big: int) -> np.ndarray:
    """Node potentials with non-negative reduced cost on every residual arc.

    Shortest distances from a virtual root joined to every node at cost 0, by
    vectorised Bellman–Ford over the residual network of an optimal flow (which has
    no negative cycle).
    """
    sink = n_m + n_l
    members, leads = np.arange(n_m), np.arange(n_m, sink)
    unplaced = 1 - np.bincount(tail, weights=flow, minlength=n_m)[:n_m].astype(np.int64)
    load = np.bincount(head, weights=flow, minlength=sink)[n_m:].astype(np.int64)
    sinks = np.full(n_m, sink)
    lead_sinks = np.full(n_l, sink)
    used = flow > 0
    r_tail = np.concatenate([tail[~used], head[used], members[unplaced == 0],
                             sinks[unplaced > 0], leads[load < capacity], lead_sinks[load > 0]])
    r_head = np.concatenate([head[~used], tail[used], sinks[unplaced == 0],
                             members[unplaced > 0], lead_sinks[load < capacity], leads[load > 0]])
    r_cost = np.concatenate([cost[~used], -cost[used], np.full(int((unplaced == 0).sum()), big),
                             np.full(int((unplaced > 0).sum()), -big),
                             np.zeros(int((load < capacity).sum()) + int((load > 0).sum()),
                                      dtype=np.int64)])
    pi = np.zeros(sink + 1, dtype=np.int64)
    for _ in range(sink + 2):
        nxt = pi.copy()
        np.minimum.at(nxt, r_head, pi[r_tail] + r_cost)
        if np.array_equal(nxt, pi):
            return pi
        pi = nxt
    raise RuntimeError("cluster assignment: the flow is not optimal (negative residual cycle)")


# ---------------------------------------------------------------------------------------
# Export (the writers live in staffing.data.writers)


def to_graphml(graph_or_county: nx.Graph | County, path: str | Path,
               policy: Policy | None = None, *,
               distances: pd.DataFrame | None = None) -> Path:
    """Write the school graph as GraphML (atomically), e.g. for Gephi or yEd.

    Given a County, the graph is :func:`build_graph` of it (with ``policy`` and
    ``distances``); :func:`staffing.data.writers.write_graphml` writes it.

    Returns
    -------
    Path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import networkx as nx
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=10, teachers=False)
    >>> p = to_graphml(county, pathlib.Path(tempfile.mkdtemp()) / "g.graphml")
    >>> nx.read_graphml(p).number_of_nodes()
    10
    """
    if isinstance(graph_or_county, nx.Graph):
        return write_graphml(graph_or_county, path)
    return write_graphml(build_graph(graph_or_county, policy, distances=distances), path)
