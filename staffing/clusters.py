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
* measures them (:func:`cluster_metrics`), draws them (:func:`plot_clusters`) and
  writes them for GIS tools (:func:`to_geojson`, :func:`to_graphml`).

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

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from staffing._io import atomic_path, atomic_write_bytes
from staffing.geo import distance_matrix, edge_positions
from staffing.staff import in_post, is_backbone, urgent_cover

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from staffing.data.county import County
    from staffing.policy import Policy

__all__ = [
    "CLUSTER_COLUMNS",
    "build_graph",
    "distance_matrix",
    "default_leads",
    "form_clusters",
    "cluster_metrics",
    "plot_clusters",
    "to_geojson",
    "to_graphml",
]

#: Columns of the table returned by :func:`form_clusters`.
CLUSTER_COLUMNS: tuple[str, ...] = (
    "cluster_id", "lead_school", "role", "distance_km", "township", "note",
)

_SINK = ("sink",)


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
# Metrics


def cluster_metrics(county: County, clusters: pd.DataFrame, policy: Policy | None = None, *,
                    teachers_after: pd.DataFrame | None = None) -> pd.DataFrame:
    """Size, distances, backbone teachers and urgent-subject coverage per cluster.

    Parameters
    ----------
    county : County
        Its teacher table is the "before" roster; teachers who are leaving do not
        count (:func:`staffing.staff.in_post`).
    clusters : DataFrame
        From :func:`form_clusters` (every school of the county, once).
    policy : Policy, optional
        ``urgent_subjects`` (English, music, PE, art, IT by default).
    teachers_after : DataFrame, optional
        The teacher table after moves (same schema: ``school_id``, ``subject``,
        ``backbone``). When given, teacher columns come twice, suffixed ``_before``
        and ``_after``.

    Returns
    -------
    DataFrame indexed by ``cluster_id`` (sorted), with columns

    ``lead_school``, ``schools`` (lead included), ``members``, ``pupils``
        the cluster's make-up (standalone schools are clusters of one, no lead);
    ``mean_distance_km``, ``max_distance_km``
        over members (NaN for a cluster without members);
    ``backbone_teachers``, ``backbone_per_100``
        teachers of backbone level county or above, and per 100 pupils (the
        national balanced-county indicator asks ≥ 1);
    ``cover_<subject>`` for each urgent subject
        share of the cluster's schools with at least one teacher in post qualified for
        that subject (:func:`staffing.staff.urgent_cover`, as
        :func:`staffing.metrics.urgent_subject_coverage` counts it);
    ``urgent_coverage``
        the mean of those shares.

    Teacher columns are NaN when there is no teacher table.

    Examples
    --------
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=30)
    >>> m = cluster_metrics(county, form_clusters(county))
    >>> int(m["schools"].sum()), "urgent_coverage" in m
    (30, True)
    """
    from staffing.policy import Policy

    policy = policy or Policy()
    s = county.schools
    missing = s.index.difference(clusters.index)
    if len(missing):
        raise ValueError(f"clusters lack schools of the county: {', '.join(missing[:10])}")
    cl = clusters.reindex(s.index)
    cluster_of = cl["cluster_id"].astype(object)
    role = cl["role"].to_numpy()
    pupils = (s["pupils_primary"] + s["pupils_junior"]).astype(np.int64)
    is_member = pd.Series(role == "member", index=s.index)
    member_km = cl["distance_km"].where(is_member)
    by = cluster_of.to_numpy()
    out = pd.DataFrame({
        "lead_school": cl["lead_school"].astype(object).groupby(by).first(),
        "schools": cluster_of.groupby(by).size(),
        "members": is_member.groupby(by).sum().astype(np.int64),
        "pupils": pupils.groupby(by).sum(),
        "mean_distance_km": member_km.groupby(by).mean(),
        "max_distance_km": member_km.groupby(by).max(),
    }).sort_index()
    out.index.name = "cluster_id"
    if teachers_after is None:
        return out.join(_teacher_metrics(county.teachers, cluster_of, out["pupils"], policy))
    before = _teacher_metrics(county.teachers, cluster_of, out["pupils"], policy)
    after = _teacher_metrics(teachers_after, cluster_of, out["pupils"], policy)
    return out.join(before.add_suffix("_before")).join(after.add_suffix("_after"))


def _teacher_metrics(teachers: pd.DataFrame | None, cluster_of: pd.Series,
                     pupils: pd.Series, policy: Policy) -> pd.DataFrame:
    """Backbone and coverage columns per cluster (index of ``pupils``), counting the
    teachers in post (:func:`staffing.staff.in_post`)."""
    subjects = tuple(policy.urgent_subjects)
    columns = ["backbone_teachers", "backbone_per_100",
               *(f"cover_{x}" for x in subjects), "urgent_coverage"]
    if teachers is None:
        return pd.DataFrame(np.nan, index=pupils.index, columns=columns)
    t = teachers.reset_index() if "school_id" not in teachers.columns else teachers
    need = {"school_id", "subject", "backbone"} - set(t.columns)
    if need:
        raise ValueError(f"teacher table lacks column(s): {', '.join(sorted(need))}")
    school = t["school_id"].astype(object)
    unknown = pd.Index(school.unique()).difference(cluster_of.index)
    if len(unknown):
        raise ValueError(f"teachers at schools not in the county: {', '.join(unknown[:10])}")
    t = in_post(t)
    school = t["school_id"].astype(object)
    cluster = cluster_of.reindex(school).to_numpy()
    backbone = is_backbone(t["backbone"]).astype(np.int64)
    n_backbone = (pd.Series(backbone).groupby(cluster).sum()
                  .reindex(pupils.index, fill_value=0).astype(np.int64))
    out = pd.DataFrame({
        "backbone_teachers": n_backbone,
        "backbone_per_100": 100.0 * n_backbone / pupils.where(pupils > 0),
    })
    has = urgent_cover(t, cluster_of.index, policy)
    cover = has.astype(float).groupby(cluster_of.to_numpy()).mean().reindex(pupils.index)
    cover.columns = [f"cover_{x}" for x in subjects]
    out = out.join(cover)
    out["urgent_coverage"] = cover.mean(axis=1) if subjects else np.nan
    return out[columns]


# ---------------------------------------------------------------------------------------
# Plot


def plot_clusters(county: County, clusters: pd.DataFrame, *, ax: Axes | None = None,
                  graph: nx.Graph | None = None, moves: pd.DataFrame | None = None) -> Axes:
    """Map of the clusters: schools by lon/lat coloured by cluster, leads as stars.

    Members are joined to their lead by thin lines of the cluster's colour;
    standalone schools are grey crosses. ``graph`` (from :func:`build_graph`) adds
    its travel edges as faint grey lines underneath; ``moves`` (a table with
    ``from_school`` and ``to_school``, e.g. ``plan.moves``) adds one black arrow per
    distinct pair of schools. Schools without coordinates cannot be placed and are
    left out with a warning. Needs matplotlib (``pip install staffing[plot]``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=30, teachers=False)
    >>> ax = plot_clusters(county, form_clusters(county))
    >>> ax.get_xlabel()
    'longitude (°E)'
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_clusters needs matplotlib: pip install staffing[plot]") from exc
    import warnings

    s = county.schools
    cl = clusters.reindex(s.index)
    lon = s["lon"].to_numpy(dtype=float)
    lat = s["lat"].to_numpy(dtype=float)
    placed = ~(np.isnan(lon) | np.isnan(lat))
    if not placed.all():
        warnings.warn(f"{int((~placed).sum())} school(s) without coordinates are not drawn: "
                      f"{', '.join(s.index[~placed][:10])}", stacklevel=2)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    xy = pd.DataFrame({"x": lon, "y": lat}, index=s.index)

    if graph is not None and graph.number_of_edges():
        ends = np.array(list(graph.edges()), dtype=object)  # not to_pandas_edgelist: our
        segs = _segments(xy, ends[:, 0], ends[:, 1])        # edges have a "source" attr
        ax.add_collection(LineCollection(segs, colors="0.8", linewidths=0.3, zorder=1))

    role = cl["role"].to_numpy()
    led = cl["lead_school"].where(role != "standalone")
    codes = pd.Index(sorted(led.dropna().unique())).get_indexer(led.fillna("").to_numpy())
    cmap = plt.get_cmap("tab20")
    colour = cmap(np.maximum(codes, 0) % 20)
    colour[codes < 0] = (0.5, 0.5, 0.5, 1.0)

    member = (role == "member") & placed
    if member.any():
        segs = _segments(xy, pd.Series(s.index[member]), led[member])
        ax.add_collection(LineCollection(segs, colors=colour[member], linewidths=0.8, zorder=2))
        ax.scatter(lon[member], lat[member], s=22, c=colour[member], edgecolors="white",
                   linewidths=0.4, zorder=3)
    alone = (role == "standalone") & placed
    ax.scatter(lon[alone], lat[alone], s=30, c="0.4", marker="x", zorder=3)
    lead = (role == "lead") & placed
    ax.scatter(lon[lead], lat[lead], s=180, c=colour[lead], marker="*", edgecolors="black",
               linewidths=0.6, zorder=4)

    n_moves = 0
    if moves is not None and len(moves):
        pairs = moves[["from_school", "to_school"]].astype(object).drop_duplicates()
        start = xy.reindex(pairs["from_school"]).to_numpy()
        end = xy.reindex(pairs["to_school"]).to_numpy()
        ok = ~(np.isnan(start).any(axis=1) | np.isnan(end).any(axis=1))
        n_moves = int(ok.sum())
        if n_moves:
            d = end[ok] - start[ok]
            ax.quiver(start[ok, 0], start[ok, 1], d[:, 0], d[:, 1], angles="xy",
                      scale_units="xy", scale=1, width=0.003, headwidth=5, headlength=6,
                      color="black", zorder=5)

    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    if placed.any():
        ax.set_aspect(1.0 / np.cos(np.radians(np.nanmean(lat[placed]))))
        ax.autoscale_view()
    handles = [
        Line2D([], [], marker="*", ls="", ms=12, mfc="white", mec="black", label="lead school"),
        Line2D([], [], marker="o", ls="", ms=5, mfc="0.6", mec="white", label="member"),
        Line2D([], [], marker="x", ls="", ms=6, color="0.4", label="standalone"),
    ]
    if n_moves:
        handles.append(Line2D([], [], color="black", label="teacher moves"))
    ax.legend(handles=handles, loc="best", fontsize="small")
    ax.set_title(f"{int((role == 'lead').sum())} partnership clusters, "
                 f"{int((role == 'standalone').sum())} standalone schools")
    return ax


def _segments(xy: pd.DataFrame, start: Iterable[Any], end: Iterable[Any]) -> np.ndarray:
    """(k, 2, 2) line segments between the positions of two id sequences."""
    a = xy.reindex(pd.Index(list(start), dtype=object)).to_numpy()
    b = xy.reindex(pd.Index(list(end), dtype=object)).to_numpy()
    segs = np.stack([a, b], axis=1)
    return segs[~np.isnan(segs).any(axis=(1, 2))]


# ---------------------------------------------------------------------------------------
# Export


def to_geojson(county: County, clusters: pd.DataFrame, path: str | Path) -> Path:
    """Write schools and partnerships as a GeoJSON FeatureCollection (atomically).

    One ``Point`` feature per school (``[lon, lat]``; ``geometry`` null for a school
    without coordinates, so none is dropped) with properties ``school_id``, ``name``,
    ``township``, ``level``, ``location``, ``cluster_id``, ``lead_school``, ``role``,
    ``distance_km`` and ``note``; one ``LineString`` feature per member → lead
    partnership with ``kind`` = ``"partnership"``, ``cluster_id``, ``member``,
    ``lead`` and ``km``. UTF-8, Chinese names kept as they are; missing values are
    ``null``.

    Returns
    -------
    Path written.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from staffing import synth
    >>> county = synth.county(seed=0, n_schools=10, teachers=False)
    >>> p = to_geojson(county, form_clusters(county), pathlib.Path(tempfile.mkdtemp()) / "c.geojson")
    >>> json.loads(p.read_text(encoding="utf-8"))["type"]
    'FeatureCollection'
    """
    path = Path(path)
    s = county.schools
    cl = clusters.reindex(s.index)
    props = pd.DataFrame({
        "school_id": s.index.astype(object),
        "name": s["name"].to_numpy(), "township": s["township"].to_numpy(),
        "level": s["level"].to_numpy(), "location": s["location"].to_numpy(),
        "cluster_id": cl["cluster_id"].to_numpy(), "lead_school": cl["lead_school"].to_numpy(),
        "role": cl["role"].to_numpy(), "distance_km": cl["distance_km"].to_numpy(),
        "note": cl["note"].to_numpy(),
    })
    lon = s["lon"].to_numpy(dtype=float)
    lat = s["lat"].to_numpy(dtype=float)
    has_xy = ~(np.isnan(lon) | np.isnan(lat))
    points = [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [x, y]} if ok else None,
         "properties": _json_record(rec)}
        for x, y, ok, rec in zip(lon.tolist(), lat.tolist(), has_xy.tolist(),
                                 props.to_dict("records"), strict=True)
    ]
    member = (cl["role"] == "member").to_numpy()
    xy = pd.DataFrame({"x": lon, "y": lat}, index=s.index)
    a = xy.reindex(s.index[member]).to_numpy()
    b = xy.reindex(pd.Index(cl["lead_school"].to_numpy()[member], dtype=object)).to_numpy()
    drawable = ~(np.isnan(a).any(axis=1) | np.isnan(b).any(axis=1))
    lines = [
        {"type": "Feature",
         "geometry": {"type": "LineString", "coordinates": [p, q]},
         "properties": {"kind": "partnership", "cluster_id": c, "member": m, "lead": ld,
                        "km": km}}
        for p, q, c, m, ld, km in zip(
            a[drawable].tolist(), b[drawable].tolist(),
            cl["cluster_id"].to_numpy()[member][drawable].tolist(),
            s.index[member][drawable].tolist(),
            cl["lead_school"].to_numpy()[member][drawable].tolist(),
            cl["distance_km"].to_numpy()[member][drawable].tolist(), strict=True)
    ]
    doc = {"type": "FeatureCollection", "name": county.name, "features": points + lines}
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))
    return path


def _json_record(record: dict[str, Any]) -> dict[str, Any]:
    """Missing values (None, NaN, pd.NA) as None; numpy scalars as Python scalars."""
    out = {}
    for k, v in record.items():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out[k] = None
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def to_graphml(graph_or_county: nx.Graph | County, path: str | Path,
               policy: Policy | None = None, *,
               distances: pd.DataFrame | None = None) -> Path:
    """Write the school graph as GraphML (atomically), e.g. for Gephi or yEd.

    Given a County, the graph is :func:`build_graph` of it (with ``policy`` and
    ``distances``). Attribute values GraphML cannot hold are converted: numpy
    scalars to Python scalars, missing values (None, pd.NA) are left out, anything
    else that is not a str, int, float or bool is written as its ``str``. NaN floats
    stay NaN.

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
    path = Path(path)
    if isinstance(graph_or_county, nx.Graph):
        g = graph_or_county
    else:
        g = build_graph(graph_or_county, policy, distances=distances)
    clean = g.__class__()
    clean.graph.update(_graphml_attrs(g.graph))
    clean.add_nodes_from((str(n), _graphml_attrs(d)) for n, d in g.nodes(data=True))
    clean.add_edges_from((str(u), str(v), _graphml_attrs(d)) for u, v, d in g.edges(data=True))
    with atomic_path(path) as tmp:
        nx.write_graphml(clean, tmp, encoding="utf-8")
    return path


def _graphml_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, np.generic):
            v = v.item()
        if v is None or v is pd.NA or v is pd.NaT:
            continue
        if not isinstance(v, (str, int, float, bool)):
            v = str(v)
        out[str(k)] = v
    return out

