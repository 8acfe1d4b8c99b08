"""Distances between schools: great-circle km from coordinates, road km, distance tables.

Road distance is estimated as the great-circle (haversine) distance between two
schools' WGS84 coordinates times ``Policy.road_factor`` (1.35 by default: mountain
roads in Yunnan are about a third longer than the straight line), rounded to 10 m.
A user-supplied table of measured road distances (``from``, ``to``, ``km``) takes
precedence over coordinates for every pair it lists, in either direction.

Everything here is vectorised with numpy. All pairs of a county (or of a whole
prefecture of 1,500 schools) are screened in latitude-sorted blocks, so memory
stays bounded and only pairs that can be within reach are ever computed.

Examples
--------
>>> from staffing import Policy, synth
>>> from staffing.geo import road_edges
>>> county = synth.county(seed=1, n_schools=20, teachers=False)
>>> edges = road_edges(county, Policy(max_travel_km=15.0))
>>> list(edges.columns), bool((edges["km"] <= 15.0).all())
(['from', 'to', 'km', 'source'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing._sphere import EARTH_RADIUS_KM, far_from_centre, haversine_km
from staffing.errors import Problem, StaffingDataError
from staffing.policy import Policy

if TYPE_CHECKING:
    from staffing.data.county import County

__all__ = [
    "EARTH_RADIUS_KM",
    "haversine_km",
    "far_from_centre",
    "pairs_within_km",
    "road_km",
    "read_distance_table",
    "road_edges",
    "edge_positions",
    "distance_matrix",
]

#: Road distances are rounded to this many decimals of a km (10 m), so that equal
#: inputs give equal edges on every platform and costs are whole hundredths.
KM_DECIMALS: int = 2

#: Rows of the left-hand side per block in :func:`pairs_within_km` (memory bound:
#: block rows × the latitude window of the right-hand side).
_BLOCK_ROWS: int = 256

#: Column names accepted in a distance table (first is canonical).
_TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "from": ("from", "from_school", "起点学校"),
    "to": ("to", "to_school", "终点学校"),
    "km": ("km", "road_km", "距离_km", "公里"),
}
_TABLE_SOURCE = "<distances>"


def road_km(great_circle_km: np.ndarray | float, road_factor: float) -> np.ndarray:
    """Estimated road km: great-circle km × ``road_factor``, rounded to 10 m.

    Examples
    --------
    >>> float(road_km(10.0, 1.35))
    13.5
    """
    return np.round(np.asarray(great_circle_km, dtype=float) * road_factor, KM_DECIMALS)


def pairs_within_km(lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray,
                    lon_b: np.ndarray, max_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (i of a, j of b) whose great-circle distance is at most ``max_km``.

    Points of ``a`` are taken in latitude-sorted blocks; for each block only the
    points of ``b`` inside the block's latitude band widened by ``max_km`` are
    compared (an exact filter: two points are never closer than their difference in
    latitude). Points with a missing coordinate match nothing.

    Returns
    -------
    (ia, ib, km) : arrays sorted by (ia, ib); positions into ``a`` and ``b`` and the
    great-circle km.

    Examples
    --------
    >>> import numpy as np
    >>> lat, lon = np.array([25.0, 25.1, 26.0]), np.array([101.0, 101.0, 101.0])
    >>> ia, ib, km = pairs_within_km(lat, lon, lat, lon, 20.0)
    >>> ia.tolist(), ib.tolist()
    ([0, 0, 1, 1, 2], [0, 1, 0, 1, 2])
    """
    lat_a, lon_a = np.asarray(lat_a, float), np.asarray(lon_a, float)
    lat_b, lon_b = np.asarray(lat_b, float), np.asarray(lon_b, float)
    ok_a = np.flatnonzero(~(np.isnan(lat_a) | np.isnan(lon_a)))
    ok_b = np.flatnonzero(~(np.isnan(lat_b) | np.isnan(lon_b)))
    empty = np.empty(0, np.int64)
    if len(ok_a) == 0 or len(ok_b) == 0:
        return empty, empty.copy(), np.empty(0)
    order_a = ok_a[np.argsort(lat_a[ok_a], kind="stable")]
    order_b = ok_b[np.argsort(lat_b[ok_b], kind="stable")]
    sorted_lat_b = lat_b[order_b]
    band = np.degrees(max_km / EARTH_RADIUS_KM) * (1 + 1e-9) + 1e-9
    found_a, found_b, found_km = [], [], []
    for start in range(0, len(order_a), _BLOCK_ROWS):
        rows = order_a[start:start + _BLOCK_ROWS]
        lo = np.searchsorted(sorted_lat_b, lat_a[rows].min() - band, side="left")
        hi = np.searchsorted(sorted_lat_b, lat_a[rows].max() + band, side="right")
        if hi <= lo:
            continue
        cols = order_b[lo:hi]
        d = haversine_km(lat_a[rows, None], lon_a[rows, None], lat_b[None, cols], lon_b[None, cols])
        r, c = np.nonzero(d <= max_km)
        found_a.append(rows[r])
        found_b.append(cols[c])
        found_km.append(d[r, c])
    if not found_a:
        return empty, empty.copy(), np.empty(0)
    ia, ib, km = np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_km)
    order = np.lexsort((ib, ia))
    return ia[order], ib[order], km[order]


def read_distance_table(table: pd.DataFrame, school_ids: Sequence[str] | pd.Index,
                        *, source: str = _TABLE_SOURCE) -> pd.DataFrame:
    """Check a table of road distances and return it as (from, to, km), one row per pair.

    Parameters
    ----------
    table : DataFrame
        Columns ``from``, ``to`` (school ids; ``from_school``/``to_school`` accepted)
        and ``km`` (measured road km; ``road_km`` accepted). A pair may be listed in
        either direction or both; both listings must then agree. Travel times
        (``minutes``) are not supported in this version: a table with minutes and no
        km is rejected with a message saying so.
    school_ids : the county's school ids; every id in the table must be one of them.
    source : name of the table in error messages.

    Returns
    -------
    DataFrame with columns ``from``, ``to`` (``from`` before ``to`` in county order),
    ``km`` (rounded to 10 m), one row per unordered pair, sorted in county order.

    Raises
    ------
    StaffingDataError
        Listing every problem: missing columns, unknown schools, a school paired with
        itself, km missing, negative or not a number, conflicting duplicates.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"from": ["B", "A"], "to": ["A", "C"], "km": [12.0, 30.5]})
    >>> read_distance_table(t, ["A", "B", "C"]).to_dict("records")
    [{'from': 'A', 'to': 'B', 'km': 12.0}, {'from': 'A', 'to': 'C', 'km': 30.5}]
    """
    ids = pd.Index(school_ids)
    sheet = "distances"
    lower = {str(c).strip().lower(): c for c in table.columns}
    found: dict[str, object] = {}
    for canon, aliases in _TABLE_ALIASES.items():
        match = next((lower[a] for a in aliases if a in lower), None)
        if match is not None:
            found[canon] = match
    problems: list[Problem] = []
    if "km" not in found and "minutes" in lower:
        problems.append(Problem(source, sheet, None, "minutes", None,
                                "travel times in minutes are not supported yet; give measured "
                                "road distances in a 'km' column"))
    for canon in ("from", "to", "km"):
        if canon not in found and not (canon == "km" and problems):
            problems.append(Problem(source, sheet, None, canon, None,
                                    f"required column {canon!r} is missing (columns: from, to, km)"))
    if problems:
        raise StaffingDataError(problems)

    rows = np.arange(len(table)) + 2  # header is row 1
    frm = table[found["from"]].astype("string").str.strip()
    to = table[found["to"]].astype("string").str.strip()
    km = pd.to_numeric(table[found["km"]], errors="coerce").to_numpy(dtype=float)
    pos_f = ids.get_indexer(pd.Index(frm, dtype=object))
    pos_t = ids.get_indexer(pd.Index(to, dtype=object))

    def add(mask: np.ndarray, column: str, values: pd.Series | np.ndarray, rule: str) -> None:
        vals = np.asarray(values, dtype=object)
        problems.extend(Problem(source, sheet, int(r), column, v, rule)
                        for r, v in zip(rows[mask], vals[mask], strict=True))

    for col, pos, text in ((found["from"], pos_f, frm), (found["to"], pos_t, to)):
        missing = text.isna().to_numpy()
        add(missing, str(col), table[col], "school id is missing")
        add((pos < 0) & ~missing, str(col), table[col], "not a school id of the county")
    add((pos_f >= 0) & (pos_f == pos_t), str(found["to"]), table[found["to"]],
        "a school cannot be paired with itself")
    bad_km = ~np.isfinite(km) | (km < 0)
    add(bad_km, str(found["km"]), table[found["km"]], "road km must be a number ≥ 0")
    ok = (pos_f >= 0) & (pos_t >= 0) & (pos_f != pos_t) & ~bad_km
    lo, hi = np.minimum(pos_f, pos_t), np.maximum(pos_f, pos_t)
    km_r = np.round(km, KM_DECIMALS)
    tidy = pd.DataFrame({"lo": lo[ok], "hi": hi[ok], "km": km_r[ok], "row": rows[ok]})
    by_pair = tidy.groupby(["lo", "hi"])["km"]
    spread = by_pair.transform("max") - by_pair.transform("min")
    conflict = tidy[spread.to_numpy() > 0]
    problems.extend(
        Problem(source, sheet, int(r), str(found["km"]), float(k),
                f"the pair {ids[a]}–{ids[b]} is listed more than once with different km")
        for r, a, b, k in conflict[["row", "lo", "hi", "km"]].itertuples(index=False)
    )
    if problems:
        raise StaffingDataError(sorted(problems, key=lambda p: (p.row or 0, p.column)))
    tidy = tidy.drop_duplicates(["lo", "hi"]).sort_values(["lo", "hi"], kind="stable")
    return pd.DataFrame({
        "from": ids[tidy["lo"].to_numpy()].astype(object),
        "to": ids[tidy["hi"].to_numpy()].astype(object),
        "km": tidy["km"].to_numpy(dtype=float),
    })


def road_edges(county: County, policy: Policy | None = None,
               distances: pd.DataFrame | None = None, *,
               between: tuple[Sequence[str], Sequence[str]] | None = None) -> pd.DataFrame:
    """Pairs of schools within ``policy.max_travel_km`` road km, with their distance.

    Parameters
    ----------
    county : County
    policy : Policy, optional
        ``max_travel_km`` and ``road_factor`` (defaults otherwise).
    distances : DataFrame, optional
        Measured road km (``from``, ``to``, ``km``; see :func:`read_distance_table`),
        taking precedence over coordinates for every pair listed: a listed pair is an
        edge exactly when its listed km is within reach, whatever the coordinates
        say. Defaults to ``county.distances`` when the County carries one.
    between : (ids_a, ids_b), optional
        Only pairs with ``from`` in ``ids_a`` and ``to`` in ``ids_b`` (ordered pairs,
        a school never paired with itself). By default every unordered pair once,
        ``from`` before ``to`` in county order.

    Returns
    -------
    DataFrame with columns ``from``, ``to``, ``km`` (road km, rounded to 10 m) and
    ``source`` (``"coordinates"`` or ``"table"``), sorted in county order of
    (``from``, ``to``).

    Raises
    ------
    StaffingDataError
        If a school that is needed has no coordinates (``lat`` or ``lon`` missing)
        and does not appear in the distance table; one problem per missing cell,
        naming the school. Also for a malformed distance table.

    Examples
    --------
    >>> from staffing import Policy, synth
    >>> c = synth.county(seed=0, n_schools=12, teachers=False)
    >>> e = road_edges(c, Policy(max_travel_km=10.0))
    >>> bool((e["km"] <= 10.0).all()), sorted(e["source"].unique())
    (True, ['coordinates'])
    """
    policy = policy or Policy()
    ids = county.schools.index
    u, v, km, from_table = edge_positions(county, policy, distances, between=between)
    return pd.DataFrame({
        "from": ids[u].astype(object),
        "to": ids[v].astype(object),
        "km": km,
        "source": np.where(from_table, "table", "coordinates").astype(object),
    })


def edge_positions(county: County, policy: Policy, distances: pd.DataFrame | None = None, *,
                   between: tuple[Sequence[str], Sequence[str]] | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`road_edges` as arrays: (from, to) row positions in ``county.schools``, km,
    and whether each pair came from the distance table; sorted by (from, to)."""
    if distances is None:
        distances = getattr(county, "distances", None)
    schools = county.schools
    ids = schools.index
    n = len(ids)
    table = None if distances is None else read_distance_table(distances, ids)

    if between is None:
        pos_a = pos_b = np.arange(n)
    else:
        pos_a, pos_b = (_positions(ids, group) for group in between)
    needed = np.union1d(pos_a, pos_b)
    in_table = np.zeros(n, dtype=bool)
    if table is not None:
        in_table[ids.get_indexer(table["from"])] = True
        in_table[ids.get_indexer(table["to"])] = True
    _check_coordinates(county, needed[~in_table[needed]])

    lat = schools["lat"].to_numpy(dtype=float)
    lon = schools["lon"].to_numpy(dtype=float)
    # Screen with a slightly wider great-circle radius, then apply the exact rule on
    # rounded road km.
    gc_max = policy.max_travel_km / policy.road_factor + 10.0 ** -KM_DECIMALS
    ia, ib, gc = pairs_within_km(lat[pos_a], lon[pos_a], lat[pos_b], lon[pos_b], gc_max)
    u, v, km = pos_a[ia], pos_b[ib], road_km(gc, policy.road_factor)
    keep = (u < v) if between is None else (u != v)
    keep &= km <= policy.max_travel_km
    u, v, km = u[keep], v[keep], km[keep]
    from_table = np.zeros(len(u), dtype=bool)

    if table is not None:
        t_lo = ids.get_indexer(table["from"])
        t_hi = ids.get_indexer(table["to"])
        listed = np.isin(np.minimum(u, v) * n + np.maximum(u, v), t_lo * n + t_hi)
        u, v, km, from_table = u[~listed], v[~listed], km[~listed], from_table[~listed]
        t_km = table["km"].to_numpy(dtype=float)
        if between is None:
            tu, tv, tk = t_lo, t_hi, t_km
        else:  # both directions, then keep those running from a to b
            tu, tv, tk = (np.concatenate([t_lo, t_hi]), np.concatenate([t_hi, t_lo]),
                          np.concatenate([t_km, t_km]))
            in_a = np.isin(tu, pos_a) & np.isin(tv, pos_b)
            tu, tv, tk = tu[in_a], tv[in_a], tk[in_a]
        near = tk <= policy.max_travel_km
        u = np.concatenate([u, tu[near]])
        v = np.concatenate([v, tv[near]])
        km = np.concatenate([km, tk[near]])
        from_table = np.concatenate([from_table, np.ones(int(near.sum()), dtype=bool)])

    order = np.lexsort((v, u))
    return u[order], v[order], km[order], from_table[order]


def distance_matrix(county: County, policy: Policy | None = None,
                    distances: pd.DataFrame | None = None) -> pd.DataFrame:
    """Road km between every pair of schools, as a square DataFrame (school × school).

    Coordinates give great-circle km × ``policy.road_factor`` (rounded to 10 m); a
    distance table overrides the pairs it lists. There is no ``max_travel_km`` cut-off
    here. A pair is NaN when neither source knows it (a school without coordinates,
    paired with a school its table rows do not mention); the diagonal is 0. Memory is
    n² floats: fine for a county, 18 MB for 1,500 schools.

    Examples
    --------
    >>> from staffing import synth
    >>> c = synth.county(seed=0, n_schools=5, teachers=False)
    >>> m = distance_matrix(c)
    >>> m.shape, bool((m.to_numpy() == m.to_numpy().T).all()), float(m.iloc[0, 0])
    ((5, 5), True, 0.0)
    """
    policy = policy or Policy()
    if distances is None:
        distances = getattr(county, "distances", None)
    ids = county.schools.index
    lat = county.schools["lat"].to_numpy(dtype=float)
    lon = county.schools["lon"].to_numpy(dtype=float)
    km = road_km(haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]),
                 policy.road_factor)
    if distances is not None:
        table = read_distance_table(distances, ids)
        a, b = ids.get_indexer(table["from"]), ids.get_indexer(table["to"])
        km[a, b] = km[b, a] = table["km"].to_numpy(dtype=float)
    np.fill_diagonal(km, 0.0)
    out = pd.DataFrame(km, index=ids.copy(), columns=ids.copy())
    out.index.name, out.columns.name = "from", "to"
    return out


def _positions(ids: pd.Index, group: Sequence[str]) -> np.ndarray:
    pos = ids.get_indexer(pd.Index(list(group)))
    if (pos < 0).any():
        unknown = [g for g, p in zip(group, pos, strict=True) if p < 0]
        raise KeyError(f"not school ids of the county: {', '.join(map(str, unknown))}")
    return np.unique(pos)


def _check_coordinates(county: County, positions: np.ndarray) -> None:
    """Raise StaffingDataError naming every needed school without lat or lon."""
    s = county.schools
    problems = []
    for column in ("lat", "lon"):
        values = s[column].to_numpy(dtype=float)[positions]
        for p in positions[np.isnan(values)]:
            problems.append(Problem(
                county.source, "schools", int(p) + 2, county.header("schools", column), None,
                f"school {s.index[p]} ({s['name'].iloc[p]}) has no coordinates and is not in "
                "the distance table: give lat/lon or list its road km in a distance table"))
    if problems:
        problems.sort(key=lambda q: (q.row, q.column))
        raise StaffingDataError(problems)
