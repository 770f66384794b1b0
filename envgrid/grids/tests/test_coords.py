import math
import random
import warnings

import pytest

from envgrid.grids.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    transform_geojson,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# The reference point of docs/standards.md (Coordinates): Zhengzhou, WGS-84 34.7466 N, 113.6253 E.
WGS = (113.6253, 34.7466)
GCJ = (113.631346580400, 34.745417341698)
BD = (113.637747508775, 34.751722201982)


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lon, lat) points, in metres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


def test_wgs84_to_gcj02_matches_the_reference_point():
    assert wgs84_to_gcj02(*WGS) == pytest.approx(GCJ, abs=1e-11)


def test_wgs84_to_bd09_and_gcj02_to_bd09_match_the_reference_point():
    assert wgs84_to_bd09(*WGS) == pytest.approx(BD, abs=1e-11)
    assert gcj02_to_bd09(*GCJ) == pytest.approx(BD, abs=1e-11)


def test_the_gcj02_offset_at_the_reference_point_is_about_568_metres():
    assert metres_between(WGS, GCJ) == pytest.approx(568, abs=1)


def test_inverse_conversions_land_within_a_centimetre_of_the_reference():
    assert metres_between(gcj02_to_wgs84(*GCJ), WGS) < 0.01
    assert metres_between(bd09_to_gcj02(*BD), GCJ) < 0.01
    assert metres_between(bd09_to_wgs84(*BD), WGS) < 0.01


def test_round_trips_across_china_stay_within_a_centimetre():
    rng = random.Random(20261101)
    points = [(rng.uniform(75, 135), rng.uniform(18, 54)) for _ in range(500)]

    worst_gcj = max(metres_between(gcj02_to_wgs84(*wgs84_to_gcj02(*p)), p) for p in points)
    worst_bd = max(metres_between(bd09_to_wgs84(*wgs84_to_bd09(*p)), p) for p in points)

    assert worst_gcj < 0.01
    assert worst_bd < 0.01


@pytest.mark.parametrize(
    "convert", [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]
)
@pytest.mark.parametrize("point", [(2.3522, 48.8566), (139.6917, 35.6895), (-74.006, 40.7128), (113.6, -1.0)])
def test_points_outside_china_are_unchanged_and_raise_no_warning(convert, point):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert convert(*point) == point


def test_transform_geojson_converts_every_position_of_a_multipolygon():
    ring = [[113.6253, 34.7466], [113.6353, 34.7466], [113.6353, 34.7566], [113.6253, 34.7466]]
    geometry = {"type": "MultiPolygon", "coordinates": [[ring], [ring]]}

    shown = transform_geojson(geometry, to="gcj02")

    assert shown["type"] == "MultiPolygon"
    for part in shown["coordinates"]:
        converted = part[0]
        assert len(converted) == len(ring)
        for position, original in zip(converted, ring, strict=True):
            assert position == pytest.approx(list(wgs84_to_gcj02(*original)), abs=1e-12)
    assert shown["coordinates"][0][0][0] == pytest.approx(list(GCJ), abs=1e-11)
    assert geometry["coordinates"][0][0][0] == [113.6253, 34.7466], "the input is left as it was"


def test_transform_geojson_to_bd09_keeps_altitude_and_other_members():
    geometry = {"type": "Point", "coordinates": [113.6253, 34.7466, 95.0], "bbox": [1, 2, 3, 4]}

    shown = transform_geojson(geometry, to="bd09")

    assert shown["coordinates"] == pytest.approx([*BD, 95.0], abs=1e-11)
    assert shown["bbox"] == [1, 2, 3, 4]


def test_transform_geojson_to_wgs84_is_an_equal_copy():
    geometry = {"type": "Polygon", "coordinates": [[[113.6, 34.8], [113.61, 34.8], [113.61, 34.81], [113.6, 34.8]]]}

    shown = transform_geojson(geometry, to="wgs84")

    assert shown == geometry
    assert shown["coordinates"] is not geometry["coordinates"]


def test_transform_geojson_handles_geometry_collections():
    geometry = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": list(WGS)}]}

    shown = transform_geojson(geometry, to="gcj02")

    assert shown["geometries"][0]["coordinates"] == pytest.approx(list(GCJ), abs=1e-11)


def test_transform_geojson_refuses_an_unknown_datum():
    with pytest.raises(ValueError, match="Unknown coordinate system 'bd09mc'"):
        transform_geojson({"type": "Point", "coordinates": list(WGS)}, to="bd09mc")
