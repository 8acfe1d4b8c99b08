"""Points on the sphere: great-circle distances and points far from the rest.

Geometry with no domain knowledge, so that validation (data layer) and the distance
rules (:mod:`staffing.geo`, which re-exports these names) share one home for it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "far_from_centre"]

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM: float = 6371.0088


def haversine_km(lat1: np.ndarray | float, lon1: np.ndarray | float,
                 lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km between points given in degrees; broadcasts.

    Examples
    --------
    >>> round(float(haversine_km(25.0, 101.0, 26.0, 101.0)), 1)  # one degree of latitude
    111.2
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def far_from_centre(lat: np.ndarray, lon: np.ndarray, min_km: float,
                    factor: float) -> tuple[np.ndarray, float, float, float, float]:
    """Points far from the rest: great-circle km from the median point, and the limit.

    The centre is the point of median latitude and median longitude of the located
    points (robust to the outliers it looks for; a county never straddles the
    antimeridian). A point is far when its distance from the centre exceeds
    ``max(min_km, factor × the median distance)``: the median distance scales the
    limit to the county's own size, and ``min_km`` keeps a compact county's ordinary
    outskirts from being flagged.

    Parameters
    ----------
    lat, lon : degrees; a point with either missing is never far.
    min_km : the smallest limit, km.
    factor : multiple of the median distance from the centre.

    Returns
    -------
    (km, limit, median_km, centre_lat, centre_lon)
        ``km`` per point (NaN where a coordinate is missing); a point is far where
        ``km > limit``. All NaN (and the limit ``min_km``) when no point is located.

    Examples
    --------
    >>> import numpy as np
    >>> lat = np.array([25.00, 25.05, 25.10, 25.02, 31.00])  # the last ~660 km north
    >>> lon = np.array([101.00, 101.05, 101.00, 100.95, 101.00])
    >>> km, limit, median_km, *_ = far_from_centre(lat, lon, 100.0, 5.0)
    >>> (km > limit).tolist(), limit
    ([False, False, False, False, True], 100.0)
    """
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    located = ~(np.isnan(lat) | np.isnan(lon))
    if not located.any():
        return np.full(len(lat), np.nan), float(min_km), np.nan, np.nan, np.nan
    centre_lat = float(np.median(lat[located]))
    centre_lon = float(np.median(lon[located]))
    km = np.where(located, haversine_km(centre_lat, centre_lon, lat, lon), np.nan)
    median_km = float(np.median(km[located]))
    return km, max(float(min_km), factor * median_km), median_km, centre_lat, centre_lon
