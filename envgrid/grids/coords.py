"""Convert points and GeoJSON between WGS-84, GCJ-02 (火星坐标) and BD-09 (百度坐标), for map display only.

The database stores WGS-84. Base maps from AMap/Tencent draw in GCJ-02 and Baidu in BD-09, so
boundaries are converted on the way to the map and clicks on the way back. Every function here
takes and returns ``(lon, lat)``; prcoords works in ``Coords(lat, lon)``.

Points outside China's bounding box (lon 72.004–137.8347, lat 0.8293–55.8271) come back unchanged
from every conversion: the GCJ-02 offset is not applied there, and Baidu draws WGS-84 abroad.
Checking the box here, before calling prcoords with ``check_china=False``, also keeps prcoords from
warning on every such point.

Accuracy: GCJ-02 → WGS-84 uses prcoords' iterative inverse (``gcj_wgs_bored``), within 5 mm over
China (1.4 mm at the Zhengzhou reference point); BD-09 → GCJ-02 uses the iterative inverse too
(``bd_gcj_bored``, within 2 mm) instead of the closed-form one, which is off by up to 0.2 m.
"""

from __future__ import annotations

from collections.abc import Callable

import prcoords

from envgrid.grids.geometry import in_china

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

LonLat = tuple[float, float]


def _convert(func: Callable, lon: float, lat: float) -> LonLat:
    if not in_china(lon, lat):
        return lon, lat
    out = func(prcoords.Coords(lat, lon), False)
    return out.lon, out.lat


def wgs84_to_gcj02(lon: float, lat: float) -> LonLat:
    """WGS-84 (GPS) to GCJ-02 (AMap, Tencent)."""
    return _convert(prcoords.wgs_gcj, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> LonLat:
    """GCJ-02 to WGS-84 by iteration (exact to millimetres)."""
    return _convert(prcoords.gcj_wgs_bored, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> LonLat:
    """GCJ-02 to BD-09 (Baidu)."""
    return _convert(prcoords.gcj_bd, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> LonLat:
    """BD-09 to GCJ-02 by iteration (exact to millimetres)."""
    return _convert(prcoords.bd_gcj_bored, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> LonLat:
    """WGS-84 to BD-09, through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> LonLat:
    """BD-09 to WGS-84, through GCJ-02, both steps by iteration."""
    # Two steps rather than prcoords.bd_wgs_bored: its first guess checks the China box on the
    # intermediate GCJ-02 point and warns near the border; each step here checks its own input.
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_FROM_WGS84: dict[str, Callable[[float, float], LonLat]] = {
    GCJ02: wgs84_to_gcj02,
    BD09: wgs84_to_bd09,
}


def _map_positions(coordinates, func: Callable[[float, float], LonLat]):
    """Apply ``func`` to every position of a GeoJSON coordinates array, keeping any altitude."""
    if coordinates and isinstance(coordinates[0], int | float):
        lon, lat = func(coordinates[0], coordinates[1])
        return [lon, lat, *coordinates[2:]]
    return [_map_positions(part, func) for part in coordinates]


def transform_geojson(geometry: dict, to: str) -> dict:
    """Return a copy of a WGS-84 GeoJSON geometry with every coordinate converted ``to`` a map datum.

    ``to`` is one of ``"wgs84"`` (a plain copy), ``"gcj02"`` or ``"bd09"``. Handles every geometry
    type, GeometryCollections included. Display only: never store the result.
    """
    if to not in SYSTEMS:
        raise ValueError(f"Unknown coordinate system {to!r}; expected one of {', '.join(SYSTEMS)}.")
    if geometry.get("type") == "GeometryCollection":
        return {**geometry, "geometries": [transform_geojson(g, to) for g in geometry["geometries"]]}
    func = _FROM_WGS84.get(to, lambda lon, lat: (lon, lat))
    return {**geometry, "coordinates": _map_positions(geometry["coordinates"], func)}
