import math

import pytest
import shapely
from django.core.exceptions import ValidationError

from envgrid.grids.geometry import area_m2, derived_fields, find_overlaps, parse_geometry, to_geojson
from envgrid.grids.tests.conftest import square_geojson


def polygon(*ring):
    return {"type": "Polygon", "coordinates": [list(map(list, ring))]}


def refused(geojson) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_geometry(geojson)
    return info.value


def test_a_closed_polygon_parses_to_the_same_shape():
    geom = parse_geometry(square_geojson(113.6, 34.8))

    assert geom.geom_type == "Polygon"
    assert geom.bounds == pytest.approx((113.6, 34.8, 113.61, 34.81))


def test_a_polygon_with_a_hole_and_a_multipolygon_parse():
    outer = square_geojson(113.6, 34.8, 0.02)["coordinates"][0]
    hole = square_geojson(113.605, 34.805, 0.005)["coordinates"][0]

    with_hole = parse_geometry({"type": "Polygon", "coordinates": [outer, hole]})
    multi = parse_geometry(
        {"type": "MultiPolygon", "coordinates": [[outer], square_geojson(113.7, 34.8)["coordinates"]]}
    )

    assert len(with_hole.interiors) == 1
    assert with_hole.area == pytest.approx(0.02**2 - 0.005**2)
    assert multi.geom_type == "MultiPolygon"
    assert len(multi.geoms) == 2


def test_a_third_coordinate_is_dropped():
    ring = [[113.6, 34.8, 90.0], [113.61, 34.8, 91.0], [113.61, 34.81, 92.0], [113.6, 34.8, 90.0]]

    geom = parse_geometry({"type": "Polygon", "coordinates": [ring]})

    assert not geom.has_z


@pytest.mark.parametrize(
    ("geojson", "code", "text"),
    [
        ("POLYGON ((0 0, 1 0, 1 1, 0 0))", "geometry_not_object", "must be a GeoJSON object, not str"),
        ({"type": "Point", "coordinates": [113.6, 34.8]}, "geometry_type", "Polygon or MultiPolygon, not 'Point'"),
        ({"type": "Polygon", "coordinates": []}, "geometry_empty", "no coordinates"),
        ({"type": "MultiPolygon", "coordinates": []}, "geometry_empty", "no coordinates"),
        ({"type": "Polygon"}, "geometry_empty", "no coordinates"),
        ({"type": "Polygon", "coordinates": [[[113.6, "34.8"]] * 4]}, "geometry_coordinates", "not a finite number"),
        ({"type": "Polygon", "coordinates": [[[113.6, True]] * 4]}, "geometry_coordinates", "not a finite number"),
        ({"type": "Polygon", "coordinates": [[[113.6]] * 4]}, "geometry_coordinates", "not a [longitude, latitude]"),
        (polygon([113.6, 34.8], [113.61, 34.8], [113.6, 34.8]), "geometry_too_few_points", "too few points (3)"),
    ],
)
def test_malformed_geometry_is_refused_with_a_code(geojson, code, text):
    error = refused(geojson)

    assert error.code == code
    assert text in error.messages[0]


def test_an_open_ring_is_refused_naming_its_ends():
    error = refused(polygon([113.6, 34.8], [113.61, 34.8], [113.61, 34.81], [113.6, 34.81]))

    assert error.code == "geometry_ring_not_closed"
    assert error.messages[0] == (
        "Polygon, outer ring is not closed: it starts at [113.6, 34.8] and ends at [113.6, 34.81]; "
        "repeat the first position at the end."
    )


def test_a_self_intersecting_bow_tie_is_refused_with_the_crossing_point():
    error = refused(polygon([113.6, 34.7], [113.7, 34.8], [113.7, 34.7], [113.6, 34.8], [113.6, 34.7]))

    assert error.code == "geometry_invalid"
    assert error.messages[0] == "The polygon is invalid: Self-intersection at (113.65, 34.75)."


def test_overlapping_parts_of_a_multipolygon_are_invalid():
    first = square_geojson(113.6, 34.8)["coordinates"]
    second = square_geojson(113.605, 34.8)["coordinates"]

    error = refused({"type": "MultiPolygon", "coordinates": [first, second]})

    assert error.code == "geometry_invalid"
    assert "Self-intersection at (" in error.messages[0]


def test_a_point_outside_china_is_refused_naming_it():
    error = refused(polygon([2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]))

    assert error.code == "geometry_outside_china"
    assert error.messages[0] == (
        "Polygon, outer ring, position 1 (2.35, 48.85) is outside China "
        "(longitude 72.004–137.8347, latitude 0.8293–55.8271)."
    )


def test_swapped_latitude_and_longitude_get_a_hint():
    error = refused(polygon([34.8, 113.6], [34.8, 113.61], [34.81, 113.61], [34.8, 113.6]))

    assert error.code == "geometry_outside_china"
    assert error.messages[0].endswith("It looks like [latitude, longitude]; GeoJSON wants [longitude, latitude].")


def test_a_ring_with_no_area_is_refused():
    error = refused(polygon([113.6, 34.8], [113.61, 34.8], [113.62, 34.8], [113.6, 34.8]))

    assert error.code == "geometry_invalid"


def metres_per_degree_series(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude on WGS-84 by the standard trigonometric series
    (independent of the radius-of-curvature formula the code uses)."""
    phi = math.radians(lat)
    lat_m = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi) - 0.0023 * math.cos(6 * phi)
    lon_m = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    return lon_m, lat_m


def test_area_of_a_grid_sized_square_matches_the_ellipsoid_to_a_few_parts_per_million():
    lon_m, lat_m = metres_per_degree_series(34.805)

    measured = area_m2(parse_geometry(square_geojson(113.6, 34.8)))

    assert measured == pytest.approx(0.01 * lon_m * 0.01 * lat_m, rel=1e-5)
    assert measured == pytest.approx(1_015_120, abs=10)


def test_derived_fields_give_area_and_centroid():
    fields = derived_fields(parse_geometry(square_geojson(113.6, 34.8)))

    assert set(fields) == {"area_m2", "centroid_lon", "centroid_lat"}
    assert fields["centroid_lon"] == pytest.approx(113.605)
    assert fields["centroid_lat"] == pytest.approx(34.805)
    assert fields["area_m2"] == round(fields["area_m2"], 1)


def test_to_geojson_round_trips_with_lists():
    original = square_geojson(113.6, 34.8)

    assert to_geojson(parse_geometry(original)) == original


def test_neighbours_sharing_an_edge_or_a_corner_do_not_overlap():
    geom = parse_geometry(square_geojson(113.6, 34.8))
    east = parse_geometry(square_geojson(113.61, 34.8))
    north_east = parse_geometry(square_geojson(113.61, 34.81))

    assert find_overlaps(geom, [("E", east), ("NE", north_east)]) == []


def test_overlaps_are_reported_by_code_with_their_area():
    geom = parse_geometry(square_geojson(113.6, 34.8))
    half_over = parse_geometry(square_geojson(113.605, 34.8))
    inside = shapely.box(113.601, 34.801, 113.602, 34.802)
    far = parse_geometry(square_geojson(113.7, 34.8))

    overlaps = find_overlaps(geom, [("Z-half", half_over), ("A-inside", inside), ("far", far)])

    assert [code for code, _ in overlaps] == ["A-inside", "Z-half"]
    assert overlaps[0][1] == pytest.approx(area_m2(inside), abs=0.1)
    assert overlaps[1][1] == pytest.approx(area_m2(geom) / 2, abs=0.1)


def test_slivers_below_the_tolerance_are_not_overlaps():
    geom = parse_geometry(square_geojson(113.6, 34.8))
    # The overlap is 0.00001° (0.9 m) wide: 0.0001° (11 m) tall is 10 m², 0.000005° (0.55 m) tall is 0.5 m².
    sliver = shapely.box(113.60999, 34.8, 113.611, 34.8001)
    tiny = shapely.box(113.60999, 34.8, 113.611, 34.800005)

    assert [code for code, _ in find_overlaps(geom, [("sliver", sliver), ("tiny", tiny)])] == ["sliver"]
    assert find_overlaps(geom, [("sliver", sliver)], tolerance_m2=20.0) == []
