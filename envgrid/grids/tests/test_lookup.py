import pytest
import shapely

from envgrid.grids import lookup
from envgrid.grids.lookup import GridIndex, grid_for_point, grids_for_points, invalidate_index
from envgrid.grids.models import Grid
from envgrid.grids.services import grid_create
from envgrid.grids.tests.conftest import LAT0, LON0, SIDE

WEST, MIDDLE, EAST = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)


def test_a_point_inside_a_grid_finds_that_grid():
    index = GridIndex([(10, WEST), (20, MIDDLE), (30, EAST)])

    assert index.find(0.5, 0.5) == 10
    assert index.find(1.5, 0.5) == 20
    assert index.find(2.5, 0.9) == 30


def test_a_point_in_no_grid_finds_none():
    index = GridIndex([(10, WEST), (20, MIDDLE)])

    assert index.find(5, 5) is None
    assert index.find(1.5, 1.0001) is None


def test_a_point_on_a_shared_edge_goes_to_the_lowest_id_whatever_the_order():
    forwards = GridIndex([(10, WEST), (20, MIDDLE), (30, EAST)])
    backwards = GridIndex([(30, EAST), (20, MIDDLE), (10, WEST)])

    assert forwards.find(1.0, 0.5) == backwards.find(1.0, 0.5) == 10
    assert forwards.find(2.0, 0.5) == backwards.find(2.0, 0.5) == 20
    assert forwards.find(3.0, 0.5) == 30, "the outer edge of a grid belongs to it"


def test_holes_and_multipolygons_are_respected():
    with_hole = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 3, 3))
    islands = shapely.MultiPolygon([shapely.box(10, 0, 11, 1), shapely.box(12, 0, 13, 1)])
    index = GridIndex([(1, with_hole), (2, islands), (3, shapely.box(1.5, 1.5, 2.5, 2.5))])

    assert index.find(0.5, 0.5) == 1
    assert index.find(1.2, 1.2) is None, "inside the hole"
    assert index.find(2, 2) == 3
    assert index.find(12.5, 0.5) == 2
    assert index.find(11.5, 0.5) is None, "between the islands"


def test_find_many_agrees_with_find_point_by_point():
    index = GridIndex([(10, WEST), (20, MIDDLE), (30, EAST)])
    lons = [0.5, 1.0, 1.5, 2.0, 2.5, 7.0, 3.0]
    lats = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0]

    found = index.find_many(lons, lats)

    assert found == [10, 10, 20, 20, 30, None, 30]
    assert found == [index.find(lon, lat) for lon, lat in zip(lons, lats, strict=True)]


def test_an_empty_index_finds_nothing():
    index = GridIndex([])

    assert len(index) == 0
    assert index.find(1, 1) is None
    assert index.find_many([1, 2], [1, 2]) == [None, None]


def test_intersecting_lists_touching_and_overlapping_polygons_by_id():
    index = GridIndex([(30, EAST), (10, WEST), (20, MIDDLE)])

    assert [grid_id for grid_id, _ in index.intersecting(shapely.box(0.5, 0.2, 1.0, 0.4))] == [10, 20]
    assert index.intersecting(shapely.box(5, 5, 6, 6)) == []
    pairs = index.intersecting_many([shapely.box(2.5, 0, 2.6, 1), shapely.box(9, 9, 10, 10)])
    assert [(position, grid_id) for position, grid_id, _ in pairs] == [(0, 30)]


@pytest.mark.django_db
def test_grid_for_point_returns_the_grid_or_none(three_grids):
    first, second, third = three_grids

    assert grid_for_point(LON0 + SIDE / 2, LAT0 + SIDE / 2) == first
    assert grid_for_point(LON0 + 2.5 * SIDE, LAT0 + SIDE / 2) == third
    assert grid_for_point(LON0 + SIDE, LAT0 + SIDE / 2) == first, "shared edge of G-001 and G-002: lowest id"
    assert grid_for_point(LON0 - SIDE, LAT0) is None


@pytest.mark.django_db
def test_grid_for_point_costs_two_queries_once_the_index_is_built(three_grids, django_assert_num_queries):
    grid_for_point(LON0 + SIDE / 2, LAT0 + SIDE / 2)

    with django_assert_num_queries(2):  # the revision aggregate, then the grid row
        assert grid_for_point(LON0 + 1.5 * SIDE, LAT0 + SIDE / 2) == three_grids[1]
    with django_assert_num_queries(1):  # no grid: only the revision
        assert grid_for_point(LON0 - SIDE, LAT0) is None


@pytest.mark.django_db
def test_the_index_rebuilds_by_itself_when_a_grid_is_added_saved_or_deleted(three_grids, admin_user, community, square):
    outside = (LON0 + 3.5 * SIDE, LAT0 + SIDE / 2)
    assert grid_for_point(*outside) is None

    # Written inside the test's transaction, so no on_commit invalidation runs: the revision must notice.
    fourth = grid_create(
        actor=admin_user, code="G-004", name="网格4", community=community, geometry=square(LON0 + 3 * SIDE, LAT0)
    )
    assert grid_for_point(*outside) == fourth

    # A boundary changed behind the services' back (no invalidate_index), then saved: updated_at moves.
    fourth.geometry = square(LON0 + 10 * SIDE, LAT0)
    fourth.save()
    assert grid_for_point(*outside) is None

    Grid.objects.filter(pk=three_grids[0].pk).delete()
    assert grid_for_point(LON0 + SIDE / 2, LAT0 + SIDE / 2) is None


@pytest.mark.django_db
def test_invalidate_index_forces_a_rebuild_after_a_silent_update(three_grids, square):
    point = (LON0 + 5.5 * SIDE, LAT0 + SIDE / 2)
    grid_for_point(*point)
    # QuerySet.update() bypasses auto_now, so the revision cannot see it; the explicit invalidation can.
    Grid.objects.filter(pk=three_grids[2].pk).update(
        geometry=square(LON0 + 5 * SIDE, LAT0), updated_at=three_grids[2].updated_at
    )
    assert grid_for_point(*point) is None, "stale, as documented"

    invalidate_index()

    assert grid_for_point(*point) == three_grids[2]


@pytest.mark.django_db
def test_grids_for_points_answers_in_order_with_a_fixed_number_of_queries(three_grids, django_assert_num_queries):
    current = lookup.current_index()
    points = [(LON0 + 2.5 * SIDE, LAT0 + 0.005), (0.0, 0.0), (LON0 + 0.5 * SIDE, LAT0 + 0.005)] * 50

    with django_assert_num_queries(2):
        found = grids_for_points(points)

    assert lookup.current_index() is current
    assert found[:3] == [three_grids[2], None, three_grids[0]]
    assert len(found) == 150
    assert grids_for_points([]) == []
