"""Partnership clusters (集团化办学 / 学区制): the school graph, the min-cost assignment,
metrics, the map and the GIS exports, checked against independent solutions."""

from __future__ import annotations

import doctest
import itertools
import json
import math

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

import staffing as st
import staffing.clusters as clusters_module
import staffing.geo as geo_module
import staffing.testing as testing
from staffing.clusters import (
    build_graph,
    cluster_metrics,
    default_leads,
    form_clusters,
    to_geojson,
    to_graphml,
)
from staffing.errors import StaffingDataError
from staffing.geo import distance_matrix, pairs_within_km, read_distance_table
from staffing.plots import plot_clusters

matplotlib.use("Agg")

HYPOTHESIS = settings(max_examples=20, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
BIG = 10**7  # cost of leaving a school unplaced in the independent solutions


# ---------------------------------------------------------------------------------------
# Helpers: an independent cost model, an LP and brute force


def road_km(a: pd.Series, b: pd.Series, factor: float) -> float:
    """Haversine × road factor, rounded to 10 m, written out with the math module."""
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    dl = math.radians(b["lon"] - a["lon"])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * 6371.0088 * math.asin(math.sqrt(h)) * factor, 2)


def candidate_costs(county: st.County, policy: st.Policy, leads) -> dict:
    """(member, lead) → cost in hundredths of a km, for every pair within reach."""
    s = county.schools
    members = [i for i in s.index if i not in set(leads)]
    out = {}
    for m, ld in itertools.product(members, leads):
        km = road_km(s.loc[m], s.loc[ld], policy.road_factor)
        if km <= policy.max_travel_km:
            away = policy.cluster_keep_townships and s.at[m, "township"] != s.at[ld, "township"]
            out[m, ld] = round(km * 100) + away * round(policy.cluster_township_penalty_km * 100)
    return out


def solution_cost(result: pd.DataFrame, costs: dict) -> tuple[int, int]:
    """(schools left standalone, total cost of the assignment) of a form_clusters result."""
    members = result[result["role"] == "member"]
    total = sum(costs[m, ld] for m, ld in zip(members.index, members["lead_school"], strict=True))
    return int((result["role"] == "standalone").sum()), int(total)


def lp_optimum(members: list, leads: list, costs: dict, capacity: int) -> tuple[int, int]:
    """The same assignment as an integer program with PuLP and HiGHS."""
    prob = pulp.LpProblem("clusters", pulp.LpMinimize)
    x = {a: prob.add_variable(f"x_{i}", 0, 1, pulp.LpBinary) for i, a in enumerate(costs)}
    y = {m: prob.add_variable(f"y_{i}", 0, 1, pulp.LpBinary) for i, m in enumerate(members)}
    prob += pulp.lpSum(c * x[a] for a, c in costs.items()) + pulp.lpSum(BIG * v for v in y.values())
    for m in members:
        prob += pulp.lpSum(x[a] for a in costs if a[0] == m) + y[m] == 1
    for ld in leads:
        prob += pulp.lpSum(x[a] for a in costs if a[1] == ld) <= capacity
    prob.solve(pulp.HiGHS(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal"
    unplaced = int(round(sum(v.value() for v in y.values())))
    cost = int(round(sum(c * x[a].value() for a, c in costs.items())))
    return unplaced, cost


def brute_force(members: list, leads: list, costs: dict, capacity: int) -> tuple[int, int]:
    """Every assignment of ≤ 6 members to 2 leads or none; the lexicographic best."""
    options = [[None, *(ld for ld in leads if (m, ld) in costs)] for m in members]
    best = None
    for choice in itertools.product(*options):
        if any(choice.count(ld) > capacity for ld in leads):
            continue
        value = (choice.count(None),
                 sum(costs[m, ld] for m, ld in zip(members, choice, strict=True) if ld))
        best = value if best is None or value < best else best
    return best


def with_schools(county: st.County, schools: pd.DataFrame) -> st.County:
    return st.County(schools.reset_index(), county.teachers.reset_index()
                     if county.teachers is not None else None, name=county.name)


def school(sid: str, township: str, lat: float, lon: float, **kw) -> dict:
    return testing.school(sid, name=f"学校{sid}", township=township, location="rural",
                          pupils_primary=100, classes_primary=6, approved_quota=8,
                          staff_in_post=8, lat=lat, lon=lon, **kw)


KM_LAT = 1 / 111.19508  # degrees of latitude per great-circle km


# ---------------------------------------------------------------------------------------
# The school graph


def test_graph_edges_are_exactly_the_pairs_within_max_travel_km():
    county = st.synth.county(seed=4, n_schools=60, teachers=False)
    policy = st.Policy(max_travel_km=20.0)
    g = build_graph(county, policy)
    m = distance_matrix(county, policy).to_numpy()
    i, j = np.triu_indices(len(m), k=1)
    within = m[i, j] <= 20.0
    ids = county.schools.index
    expected = set(zip(ids[i[within]], ids[j[within]], strict=True))
    assert {tuple(sorted((u, v), key=ids.get_loc)) for u, v in g.edges} == expected
    assert all(d["source"] == "coordinates" and d["km"] <= 20.0 for *_, d in g.edges(data=True))


def test_road_km_is_great_circle_times_road_factor():
    county = st.synth.county(seed=1, n_schools=12, teachers=False)
    policy = st.Policy(road_factor=1.5, max_travel_km=500.0)
    s = county.schools
    u, v, km = next(iter(build_graph(county, policy).edges(data="km")))
    assert km == road_km(s.loc[u], s.loc[v], 1.5)


def test_nodes_carry_every_school_column_as_python_scalars():
    county = st.synth.county(seed=0, n_schools=10, teachers=False)
    g = build_graph(county)
    attrs = g.nodes[county.schools.index[0]]
    assert set(attrs) == set(county.schools.columns)
    assert all(type(v) in (str, int, float, bool) for v in attrs.values())
    assert list(g.nodes) == county.schools.index.tolist()


def test_blocked_latitude_screening_finds_every_close_pair():
    rng = np.random.default_rng(0)  # 700 points: crosses block and band boundaries
    lat, lon = 24 + rng.random(700) * 2, 101 + rng.random(700) * 2
    lat[5] = np.nan
    ia, ib, km = pairs_within_km(lat, lon, lat[:400], lon[:400], 25.0)
    full = geo_module.haversine_km(lat[:, None], lon[:, None], lat[None, :400], lon[None, :400])
    ea, eb = np.nonzero(full <= 25.0)
    assert ia.tolist() == ea.tolist() and ib.tolist() == eb.tolist()
    np.testing.assert_allclose(km, full[ea, eb])


@HYPOTHESIS
@given(seed=st_.integers(0, 50), n=st_.integers(10, 30), data=st_.data())
def test_a_distance_table_overrides_coordinates(seed, n, data):
    county = st.synth.county(seed=seed, n_schools=n, teachers=False)
    policy = st.Policy(max_travel_km=30.0)
    ids = county.schools.index.tolist()
    pairs = data.draw(st_.lists(st_.tuples(st_.sampled_from(ids), st_.sampled_from(ids),
                                           st_.integers(0, 6000)),
                                min_size=1, max_size=15))
    rows, seen = [], set()
    for a, b, hundredths in pairs:
        key = frozenset((a, b))
        if a != b and key not in seen:
            seen.add(key)
            rows.append((a, b, hundredths / 100))
    table = pd.DataFrame(rows, columns=["from", "to", "km"])
    plain = build_graph(county, policy)
    g = build_graph(county, policy, distances=table)
    for a, b, km in rows:
        assert g.has_edge(a, b) == (km <= 30.0)
        if km <= 30.0:
            assert g.edges[a, b] == {"km": km, "source": "table"}
    others = {frozenset(e) for e in plain.edges} - seen
    assert {frozenset(e) for e in g.edges} - seen == others


def test_missing_coordinates_name_each_school():
    county = st.synth.county(seed=0, n_schools=12, teachers=False)
    s = county.schools.copy()
    s.loc[s.index[[3, 7]], "lat"] = np.nan
    s.loc[s.index[7], "lon"] = np.nan
    broken = with_schools(county, s)
    with pytest.raises(StaffingDataError) as err:
        build_graph(broken)
    problems = err.value.problems
    assert [(p.row, p.column) for p in problems] == [(5, "lat"), (9, "lat"), (9, "lon")]
    assert all(p.sheet == "schools" and p.file == broken.source for p in problems)
    assert s.index[3] in problems[0].rule and s.index[7] in problems[1].rule
    with pytest.raises(StaffingDataError):
        form_clusters(broken)


def test_a_school_in_the_distance_table_needs_no_coordinates():
    county = st.synth.county(seed=0, n_schools=12, teachers=False)
    s = county.schools.copy()
    a, b = s.index[3], s.index[4]
    s.loc[a, ["lat", "lon"]] = np.nan
    g = build_graph(with_schools(county, s), distances=pd.DataFrame(
        {"from": [a], "to": [b], "km": [7.5]}))
    assert g.edges[a, b] == {"km": 7.5, "source": "table"}
    assert g.degree(a) == 1  # only what the table knows


def test_a_minutes_only_distance_table_is_rejected_with_a_reason():
    table = pd.DataFrame({"from": ["A"], "to": ["B"], "minutes": [30]})
    with pytest.raises(StaffingDataError, match="minutes are not supported"):
        read_distance_table(table, ["A", "B"])


def test_distance_table_problems_are_all_listed():
    table = pd.DataFrame({"from": ["A", "B", "X", "A"], "to": ["B", "A", "A", "A"],
                          "km": [3.0, 4.0, -1, 2.0]})
    with pytest.raises(StaffingDataError) as err:
        read_distance_table(table, ["A", "B"])
    rules = {(p.row, p.column): p.rule for p in err.value.problems}
    assert "different km" in rules[2, "km"] and "different km" in rules[3, "km"]
    assert "not a school id" in rules[4, "from"] and "≥ 0" in rules[4, "km"]
    assert "itself" in rules[5, "to"]


def test_distance_matrix_is_symmetric_with_a_zero_diagonal():
    county = st.synth.county(seed=2, n_schools=15, teachers=False)
    ids = county.schools.index
    m = distance_matrix(county, distances=pd.DataFrame({"from": [ids[1]], "to": [ids[0]],
                                                        "km": [99.0]}))
    assert (m.to_numpy() == m.to_numpy().T).all() and (np.diag(m) == 0).all()
    assert m.loc[ids[0], ids[1]] == 99.0


# ---------------------------------------------------------------------------------------
# Cluster formation


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("n_schools", [10, 25, 40])
def test_total_distance_equals_an_independent_integer_program(seed, n_schools):
    county = st.synth.county(seed=seed, n_schools=n_schools, teachers=False)
    policy = st.Policy(cluster_max_members=3 + seed, max_travel_km=15.0 + 10 * seed)
    leads = default_leads(county).tolist()
    members = [i for i in county.schools.index if i not in set(leads)]
    costs = candidate_costs(county, policy, leads)
    result = form_clusters(county, policy)
    assert solution_cost(result, costs) == lp_optimum(members, leads, costs,
                                                      policy.cluster_max_members)


@pytest.mark.parametrize("seed", range(6))
def test_tiny_cases_match_brute_force(seed):
    county = st.synth.county(seed=seed, n_schools=8, teachers=False)
    rng = np.random.default_rng(seed)
    leads = rng.choice(county.schools.index.to_numpy(), 2, replace=False).tolist()
    policy = st.Policy(cluster_max_members=int(rng.integers(1, 4)),
                       max_travel_km=float(rng.choice([10.0, 25.0, 60.0])),
                       cluster_keep_townships=bool(seed % 2))
    members = [i for i in county.schools.index if i not in set(leads)]
    costs = candidate_costs(county, policy, leads)
    result = form_clusters(county, policy, leads=leads)
    assert solution_cost(result, costs) == brute_force(members, leads, costs,
                                                       policy.cluster_max_members)


@HYPOTHESIS
@given(seed=st_.integers(0, 200), n=st_.integers(10, 40), reach=st_.floats(5.0, 60.0),
       capacity=st_.integers(1, 8), keep=st_.booleans())
def test_every_school_is_in_one_cluster_within_capacity_and_reach(seed, n, reach, capacity,
                                                                    keep):
    county = st.synth.county(seed=seed, n_schools=n, teachers=False)
    policy = st.Policy(max_travel_km=reach, cluster_max_members=capacity,
                       cluster_keep_townships=keep)
    result = form_clusters(county, policy)
    assert result.index.equals(county.schools.index)
    assert result["cluster_id"].notna().all()
    leads = result[result["role"] == "lead"]
    members = result[result["role"] == "member"]
    alone = result[result["role"] == "standalone"]
    # one cluster per lead, one per standalone school, members in their lead's cluster
    assert leads["cluster_id"].is_unique and alone["cluster_id"].is_unique
    assert (leads["lead_school"] == leads.index).all()
    assert (members["cluster_id"] == leads["cluster_id"].reindex(members["lead_school"])
            .to_numpy()).all()
    assert (members.groupby("lead_school").size() <= capacity).all()
    assert (members["distance_km"] <= reach).all() and alone["lead_school"].isna().all()
    # a standalone school really had no free lead within reach
    g = build_graph(county, policy)
    load = members.groupby("lead_school").size().reindex(leads.index, fill_value=0)
    for sid, note in alone["note"].items():
        near = [ld for ld in leads.index if g.has_edge(sid, ld)]
        assert all(load[ld] == capacity for ld in near)
        assert ("full" in note) == bool(near)
    for sid, ld, km in zip(members.index, members["lead_school"], members["distance_km"],
                           strict=True):
        assert g.edges[sid, ld]["km"] == km


def test_pricing_reaches_the_same_optimum_as_the_full_network(monkeypatch):
    county = st.synth.county(seed=5, n_schools=150, teachers=False)
    policy = st.Policy(cluster_max_members=5)
    leads = default_leads(county).tolist()
    costs = candidate_costs(county, policy, leads)
    monkeypatch.setattr(clusters_module, "_FIRST_ARCS", 10**6)
    full = solution_cost(form_clusters(county, policy), costs)
    monkeypatch.setattr(clusters_module, "_FIRST_ARCS", 1)
    solves = []
    solve = clusters_module._network_simplex
    monkeypatch.setattr(clusters_module, "_network_simplex",
                        lambda *a: solves.append(len(a[2])) or solve(*a))
    assert solution_cost(form_clusters(county, policy), costs) == full
    assert len(solves) > 1 and solves[-1] > solves[0]  # arcs entered by pricing


def test_township_penalty_keeps_a_school_with_its_own_townships_lead():
    schools = pd.DataFrame([
        school("M", "甲乡", 25.0, 101.0),
        school("L_own", "甲乡", 25.0 - 12 * KM_LAT, 101.0, is_central=True),
        school("L_near", "乙镇", 25.0 + 10 * KM_LAT, 101.0, is_central=True),
    ])
    county = st.County(schools)
    policy = st.Policy(road_factor=1.0, cluster_township_penalty_km=5.0)
    assert form_clusters(county, policy).at["M", "lead_school"] == "L_own"
    loose = policy.replace(cluster_keep_townships=False)
    assert form_clusters(county, loose).at["M", "lead_school"] == "L_near"
    assert form_clusters(county, policy.replace(cluster_township_penalty_km=1.0)).at[
        "M", "lead_school"] == "L_near"


def test_a_school_beyond_reach_is_standalone_with_the_reason():
    schools = pd.DataFrame([
        school("L", "甲乡", 25.0, 101.0, is_central=True),
        school("A", "甲乡", 25.0 + 5 * KM_LAT, 101.0),
        school("B", "甲乡", 25.0 + 6 * KM_LAT, 101.0),
        school("far", "甲乡", 25.0 + 80 * KM_LAT, 101.0),
    ])
    policy = st.Policy(road_factor=1.0, cluster_max_members=1)
    result = form_clusters(st.County(schools), policy)
    assert result["role"].tolist() == ["lead", "member", "standalone", "standalone"]
    assert result["cluster_id"].tolist() == ["C01", "C01", "S01", "S02"]
    assert result.at["A", "distance_km"] == 5.0 and np.isnan(result.at["B", "distance_km"])
    assert result.at["B", "note"] == "the only lead within 40 km is full (capacity 1)"
    assert result.at["far", "note"] == "no lead within 40 km"


def test_explicit_leads_override_the_default_and_unknown_ones_are_refused():
    county = st.synth.county(seed=0, n_schools=20, teachers=False)
    chosen = county.schools.index[[5, 2]].tolist()
    result = form_clusters(county, leads=chosen)
    assert sorted(result.index[result["role"] == "lead"]) == sorted(chosen)
    assert result.at[chosen[1], "cluster_id"] == "C01"  # numbered in county order
    with pytest.raises(KeyError, match="nope"):
        form_clusters(county, leads=["nope"])


def test_no_lead_leaves_every_school_standalone():
    county = st.synth.county(seed=0, n_schools=10, teachers=False)
    result = form_clusters(county, leads=[])
    assert (result["role"] == "standalone").all()
    assert (result["note"] == "no lead school in the county").all()


def test_clusters_do_not_depend_on_row_order():
    county = st.synth.county(seed=7, n_schools=60, teachers=False)
    shuffled = st.County(county.schools.sample(frac=1.0, random_state=1).reset_index())
    a, b = form_clusters(county), form_clusters(shuffled).reindex(county.schools.index)
    pd.testing.assert_series_equal(a["lead_school"], b["lead_school"])
    pd.testing.assert_frame_equal(form_clusters(county), a)


# ---------------------------------------------------------------------------------------
# Metrics


def test_metrics_count_schools_pupils_and_backbone_per_100_pupils():
    county = st.synth.county(seed=0, n_schools=30)
    result = form_clusters(county)
    m = cluster_metrics(county, result)
    cid = m.index[0]
    schools = result.index[result["cluster_id"] == cid]
    s = county.schools.loc[schools]
    t = county.teachers[county.teachers["school_id"].isin(schools)]
    pupils = int((s["pupils_primary"] + s["pupils_junior"]).sum())
    backbone = int(t["backbone"].isin(["county", "prefecture", "province"]).sum())
    row = m.loc[cid]
    assert row["schools"] == len(schools) and row["members"] == len(schools) - 1
    assert row["pupils"] == pupils and row["backbone_teachers"] == backbone
    assert row["backbone_per_100"] == pytest.approx(100 * backbone / pupils)
    has_pe = s.index.isin(t.loc[t["subject"] == "pe", "school_id"])
    assert row["cover_pe"] == pytest.approx(has_pe.mean())
    covers = [f"cover_{x}" for x in st.Policy().urgent_subjects]
    assert row["urgent_coverage"] == pytest.approx(row[covers].mean())
    assert int(m["schools"].sum()) == county.n_schools


def test_metrics_before_and_after_show_a_moved_english_teacher():
    county = st.synth.county(seed=3, n_schools=40)
    result = form_clusters(county)
    t = county.teachers
    has_english = t.loc[t["subject"] == "english", "school_id"].unique()
    target = next(i for i in result.index if i not in has_english and
                  result.at[i, "role"] == "member")
    mover = t.index[(t["subject"] == "english")
                    & (t["school_id"].map(result["cluster_id"])
                       != result.at[target, "cluster_id"])][0]
    after = t.copy()
    after.loc[mover, "school_id"] = target
    m = cluster_metrics(county, result, teachers_after=after)
    cid = result.at[target, "cluster_id"]
    size = m.at[cid, "schools"]
    assert m.at[cid, "cover_english_after"] == pytest.approx(
        m.at[cid, "cover_english_before"] + 1 / size)
    assert "backbone_per_100_before" in m and "pupils" in m


# ---------------------------------------------------------------------------------------
# Map and exports


def test_plot_renders_a_png_headless_and_returns_the_axes(tmp_path):
    county = st.synth.county(seed=0, n_schools=40)
    result = form_clusters(county, st.Policy(cluster_max_members=4))
    moves = pd.DataFrame({"from_school": county.schools.index[:3],
                          "to_school": county.schools.index[-3:]})
    ax = plot_clusters(county, result, graph=build_graph(county), moves=moves)
    assert isinstance(ax, matplotlib.axes.Axes)
    path = tmp_path / "clusters.png"
    ax.figure.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    matplotlib.pyplot.close(ax.figure)


def test_geojson_round_trip(tmp_path):
    county = st.synth.county(seed=0, n_schools=25, teachers=False)
    result = form_clusters(county)
    doc = json.loads(to_geojson(county, result, tmp_path / "c.geojson").read_text("utf-8"))
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert doc["type"] == "FeatureCollection" and doc["name"] == county.name
    assert [p["properties"]["school_id"] for p in points] == county.schools.index.tolist()
    first = county.schools.iloc[0]
    assert points[0]["geometry"]["coordinates"] == [first["lon"], first["lat"]]
    assert points[0]["properties"]["cluster_id"] == result["cluster_id"].iloc[0]
    assert len(lines) == int((result["role"] == "member").sum())
    assert "楚雄" in (tmp_path / "c.geojson").read_text("utf-8")  # not \\u-escaped


def test_graphml_round_trip(tmp_path):
    county = st.synth.county(seed=1, n_schools=20, teachers=False)
    g = build_graph(county)
    back = nx.read_graphml(to_graphml(county, tmp_path / "g.graphml"))
    assert list(back.nodes) == list(g.nodes)
    assert {frozenset(e) for e in back.edges} == {frozenset(e) for e in g.edges}
    u, v, km = next(iter(g.edges(data="km")))
    assert back.edges[u, v]["km"] == km and back.edges[u, v]["source"] == "coordinates"
    assert back.nodes[u]["pupils_primary"] == g.nodes[u]["pupils_primary"]
    assert back.nodes[u]["is_central"] is g.nodes[u]["is_central"]
    assert back.graph["max_travel_km"] == 40.0


def test_docstring_examples_run():
    for module in (clusters_module, geo_module):
        failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0, module.__name__
