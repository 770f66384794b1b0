"""The demo district generator: deterministic, a clean tiling, a consistent region tree and people."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape

from envgrid.core.choices import Role
from envgrid.demo import tiling
from envgrid.demo.accounts import DEMO_ACCOUNTS
from envgrid.demo.district import (
    COMMAND_CENTRE,
    DISTRICT_CODE,
    ECOLOGY_BUREAU,
    MANAGEMENT_COMMITTEE,
    PROJECTION,
    DistrictSpec,
    generate_district,
)
from envgrid.demo.names import REAL_PLACE_NAMES
from envgrid.grids.geometry import parse_geometry


@pytest.fixture(scope="module")
def district():
    return generate_district()


def metres(geojson: dict) -> Polygon:
    return PROJECTION.geometry_to_metres(shape(geojson))


def grid_shapes(district) -> np.ndarray:
    return np.array([metres(g.geometry) for g in district.grids], dtype=object)


def test_the_same_seed_gives_a_byte_identical_district(district):
    assert generate_district().to_json() == district.to_json()


def test_a_different_seed_gives_a_different_district(district):
    other = generate_district(seed=7)

    assert other.to_json() != district.to_json()
    assert other.grids[0].geometry != district.grids[0].geometry


def test_the_default_district_has_4_streets_30_communities_and_200_grids(district):
    levels = Counter(region.level for region in district.regions)

    assert (levels["district"], levels["street"], levels["town"]) == (1, 2, 2)
    assert levels["community"] + levels["village"] == 30
    assert len(district.grids) == 200
    assert sum(g.kind == "dedicated" for g in district.grids) == 8


def test_the_district_is_about_12_by_9_km(district):
    minx, miny, maxx, maxy = metres(district.boundary).bounds

    assert 10_000 < maxx - minx < 15_000
    assert 7_500 < maxy - miny < 11_000


def test_the_grids_cover_the_boundary_without_gaps(district):
    boundary = metres(district.boundary)
    union = shapely.union_all(grid_shapes(district))

    assert shapely.symmetric_difference(union, boundary).area < 1
    assert not boundary.interiors
    assert abs(sum(shapely.area(grid_shapes(district))) - boundary.area) < 1


def test_no_two_grids_overlap(district):
    shapes = grid_shapes(district)
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pairs = left < right

    overlaps = shapely.area(shapely.intersection(shapes[left[pairs]], shapes[right[pairs]]))

    assert pairs.sum() > 400  # every grid has several neighbours
    assert overlaps.max() < 1


def test_every_grid_lies_inside_the_boundary(district):
    boundary = metres(district.boundary)

    outside = shapely.area(shapely.difference(grid_shapes(district), boundary))

    assert outside.max() < 0.01


def test_grid_boundaries_are_closed_counter_clockwise_geojson_rounded_to_7_decimals(district):
    for grid in [*district.grids, district]:
        geometry = grid.geometry if grid is not district else district.boundary
        ring = geometry["coordinates"][0]
        assert geometry["type"] == "Polygon"
        assert len(geometry["coordinates"]) == 1
        assert ring[0] == ring[-1]
        assert all(round(lon, 7) == lon and round(lat, 7) == lat for lon, lat in ring)
        assert all(113.4 < lon < 113.7 and 34.7 < lat < 34.9 for lon, lat in ring)
        assert Polygon(ring).exterior.is_ccw
        assert parse_geometry(geometry).is_valid


def test_every_community_has_grids_and_belongs_to_one_street(district):
    streets = {r.code: r for r in district.regions_at("street", "town")}
    communities = {r.code: r for r in district.regions_at("community", "village")}
    grids_per_community = Counter(g.community for g in district.grids)

    assert set(grids_per_community) == set(communities)
    assert all(communities[g.community].parent == g.street for g in district.grids)
    assert all(c.parent in streets for c in communities.values())
    assert all(
        streets[c.parent].level == ("street" if c.level == "community" else "town") for c in communities.values()
    )


def test_communities_and_streets_are_each_one_piece(district):
    pieces = defaultdict(list)
    for grid in district.grids:
        pieces[grid.community].append(shape(grid.geometry))
        pieces[grid.street].append(shape(grid.geometry))

    assert all(isinstance(shapely.union_all(parts), Polygon) for parts in pieces.values())


def test_codes_are_hierarchical(district):
    for region in district.regions_at("street", "town"):
        number = int(region.code.removeprefix(DISTRICT_CODE))
        assert region.parent == DISTRICT_CODE
        assert (1 <= number <= 99) if region.level == "street" else (100 <= number <= 199)
    for region in district.regions_at("community", "village"):
        number = int(region.code.removeprefix(region.parent))
        assert len(region.code) == 12
        assert (1 <= number <= 199) if region.level == "community" else (200 <= number <= 399)
    for grid in district.grids:
        assert grid.code.startswith(grid.community + "-")


def test_names_codes_usernames_and_phones_are_unique(district):
    def unique(values):
        values = list(values)
        return len(values) == len(set(values))

    assert unique(r.name for r in district.regions)
    assert unique(r.code for r in district.regions)
    assert unique(u.name for u in district.units)
    assert unique(g.name for g in district.grids)
    assert unique(g.code for g in district.grids)
    assert unique(p.username for p in district.people)
    assert unique(p.phone for p in district.people)
    assert unique(p.display_name for p in district.people)


def test_names_are_fictional_and_in_the_expected_form(district):
    for region in district.regions_at("street", "town", "community", "village"):
        assert not any(real in region.name for real in REAL_PLACE_NAMES)
    assert all(r.name.endswith("街道") for r in district.regions_at("street"))
    assert all(r.name.endswith("镇") for r in district.regions_at("town"))
    assert all(r.name.endswith("社区") for r in district.regions_at("community"))
    assert all(r.name.endswith("村") for r in district.regions_at("village"))
    assert all(g.name.endswith("网格") for g in district.grids)
    assert all(len(p.phone) == 11 and p.phone.isdigit() and p.phone[0] == "1" for p in district.people)


def test_every_region_has_its_governing_unit(district):
    units = {u.name: u for u in district.units}

    for region in district.regions:
        unit = units[region.unit]
        expected = {"district": "other", "street": "street", "town": "street", "community": "community"}
        assert unit.kind == expected.get(region.level, "community")
    for community in district.regions_at("community", "village"):
        street = next(r for r in district.regions if r.code == community.parent)
        assert units[community.unit].parent == street.unit


def test_there_is_one_demo_account_per_role(district):
    roles = [account.role for account in DEMO_ACCOUNTS]

    assert sorted(roles) == sorted(Role.values)
    assert {a.username for a in DEMO_ACCOUNTS} <= {p.username for p in district.people}


def test_demo_accounts_belong_to_the_expected_units(district):
    unit_of = {p.username: p.unit for p in district.people}
    units = {u.name: u for u in district.units}

    assert unit_of["admin"] == unit_of["dispatcher"] == unit_of["taskforce_lead"] == COMMAND_CENTRE
    assert unit_of["unit_lead"] == unit_of["unit_staff"] == ECOLOGY_BUREAU
    assert unit_of["leader"] == MANAGEMENT_COMMITTEE
    assert units[unit_of["river_chief"]].kind == "street"
    assert units[unit_of["grid_head"]].kind == "community"
    assert unit_of["grid_member"] == unit_of["grid_head"]
    assert district.person("admin").is_superuser and district.person("admin").is_staff
    assert not any(p.is_staff or p.is_superuser for p in district.people if p.username != "admin")


def test_a_grid_head_heads_every_grid_of_a_community_and_each_grid_has_a_member(district):
    heads = defaultdict(set)
    for grid in district.grids:
        heads[grid.community].add(grid.head)

    assert all(len(h) == 1 for h in heads.values())
    assert len({next(iter(h)) for h in heads.values()}) == 30
    assert all(len(grid.members) == 1 for grid in district.grids)
    assert len({m for grid in district.grids for m in grid.members}) == 200


def test_the_demo_grid_member_patrols_a_grid_of_the_demo_grid_head(district):
    grid = next(g for g in district.grids if "grid_member" in g.members)

    assert grid.head == "grid_head"
    assert grid.kind == "comprehensive"


def test_grid_people_are_named_after_their_codes(district):
    grid = next(g for g in district.grids if g.head.startswith("gh_"))

    assert grid.head == "gh_" + grid.community.removeprefix(DISTRICT_CODE)
    assert grid.members == ("gm_" + grid.code.removeprefix(DISTRICT_CODE).replace("-", "_"),)


def test_households_and_population_are_in_range(district):
    comprehensive = [g for g in district.grids if g.kind == "comprehensive"]
    dedicated = [g for g in district.grids if g.kind == "dedicated"]

    assert all(300 <= g.households <= 500 and 900 <= g.population <= 2500 for g in comprehensive)
    assert all(g.name.endswith("专属网格") and g.population <= 2500 for g in dedicated)


def test_a_scaled_spec_generates_a_bigger_clean_district():
    spec = DistrictSpec.scaled(600)

    district = generate_district(seed=3, spec=spec)

    shapes = grid_shapes(district)
    assert (spec.communities, spec.streets, spec.dedicated_grids) == (90, 12, 24)
    assert len(district.grids) == 600
    assert len(district.regions_at("community", "village")) == 90
    assert len(district.regions_at("street", "town")) == 12
    assert abs(sum(shapely.area(shapes)) - metres(district.boundary).area) < 1


def test_a_spec_that_cannot_fit_is_refused():
    with pytest.raises(ValueError):
        DistrictSpec(grids=10, communities=20, streets=4)


def test_a_cell_split_by_a_bend_of_the_outline_gives_its_stray_piece_to_a_neighbour():
    # A U-shaped outline; the seed in the notch owns a piece of both arms.
    outline = Polygon([(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)])
    seeds = np.array([(150, 50), (50, 200), (250, 200), (150, 250)])

    result = tiling.cut(outline, seeds, PROJECTION)

    assert all(isinstance(cell, Polygon) for cell in result.cells)
    assert abs(sum(c.area for c in result.cells_m) - shapely.union_all(result.cells_m).area) < 1e-6
    assert abs(shapely.union_all(result.cells_m).area - outline.area) < 1


def test_grouping_moves_a_cut_off_piece_to_the_group_it_borders():
    # A chain 0–1–2–3: cell 2 is nearest to anchor 0 but touches only cells of anchor 3's group.
    points = np.array([(0.0, 0.0), (10.0, 0.0), (1.0, 0.0), (11.0, 0.0)])
    neighbours = [{1}, {0, 2}, {1, 3}, {2}]

    labels = tiling.group_around(points, [0, 3], neighbours)

    assert labels == [0, 1, 1, 1]
