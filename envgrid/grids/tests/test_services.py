import json
import re

import pytest
import shapely
from django.core.exceptions import ValidationError

from envgrid.core.models import AuditEvent
from envgrid.grids.choices import GridKind, RegionLevel
from envgrid.grids.geometry import area_m2, parse_geometry, to_geojson
from envgrid.grids.models import Grid, Region
from envgrid.grids.services import (
    GridImportError,
    grid_create,
    grid_delete,
    grid_update,
    grids_export_geojson,
    grids_import_geojson,
)
from envgrid.grids.tests.conftest import LAT0, LON0, SIDE, square_geojson

pytestmark = pytest.mark.django_db

SQUARE_M2 = 1_015_120.3  # a 0.01° square at 34.805° N (checked against the ellipsoid in test_geometry)


def feature(code, community="410105001001", geometry=None, **properties):
    properties = {"code": code, "name": f"网格{code}", "community": community, **properties}
    if code is None:
        del properties["code"]
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def overlap_in(error: dict) -> tuple[str, float]:
    """("feature #1 (N-001)" or "grid G-001", area in m²) from an import error's reason."""
    match = re.fullmatch(r"Overlaps (.+) by ([0-9.]+) m²\.", error["reason"])
    assert match, error["reason"]
    return match[1], float(match[2])


def refused_with(exc_info) -> dict[str, list[tuple[str, str]]]:
    """A ValidationError as {field: [(code, message), …]}."""
    return {field: [(e.code, e.messages[0]) for e in errors] for field, errors in exc_info.value.error_dict.items()}


# --- create -------------------------------------------------------------------------------------


def test_grid_create_fills_street_area_centroid_and_people(admin_user, community, street, grid_head, square):
    grid = grid_create(
        actor=admin_user,
        code="G-100",
        name="红旗1号网格",
        community=community,
        geometry=square(LON0, LAT0),
        kind=GridKind.DEDICATED,
        households=320,
        population=905,
        head=grid_head,
        members=[admin_user],
    )

    grid.refresh_from_db()
    assert grid.street == street
    assert grid.kind == GridKind.DEDICATED
    assert grid.area_m2 == pytest.approx(SQUARE_M2, abs=0.1)
    assert (grid.centroid_lon, grid.centroid_lat) == pytest.approx((LON0 + SIDE / 2, LAT0 + SIDE / 2))
    assert grid.geometry == square(LON0, LAT0)
    assert (grid.households, grid.population, grid.head) == (320, 905, grid_head)
    assert list(grid.members.all()) == [admin_user]


def test_grid_create_writes_one_audit_event_with_the_new_state(admin_user, community, square):
    grid = grid_create(
        actor=admin_user, code="G-100", name="红旗1号网格", community=community, geometry=square(LON0, LAT0)
    )

    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == ("grid.create", admin_user, str(grid.pk))
    assert event.before is None
    assert event.after["code"] == "G-100"
    assert event.after["community"] == community.pk
    assert event.after["street"] == community.parent_id
    assert event.after["members"] == []


def test_a_neighbour_sharing_an_edge_is_accepted(three_grids):
    assert [g.code for g in Grid.objects.all()] == ["G-001", "G-002", "G-003"]


def test_an_overlapping_grid_is_refused_naming_each_grid_and_area(three_grids, admin_user, community, square):
    grids_before, events_before = Grid.objects.count(), AuditEvent.objects.count()
    half = area_m2(parse_geometry(square(LON0, LAT0, SIDE))) / 2

    with pytest.raises(ValidationError) as info:
        # Straddles G-001 and G-002: half of each.
        grid_create(
            actor=admin_user, code="G-900", name="重叠", community=community, geometry=square(LON0 + SIDE / 2, LAT0)
        )

    errors = info.value.error_dict["geometry"]
    assert [e.params["grid"] for e in errors] == ["G-001", "G-002"]
    assert [e.params["area_m2"] for e in errors] == [pytest.approx(half, abs=0.1)] * 2
    assert half == pytest.approx(507_560, abs=1)
    assert errors[0].messages == [f"Overlaps grid G-001 by {errors[0].params['area_m2']:.1f} m²."]
    assert {e.code for e in errors} == {"grid_overlap"}
    assert (Grid.objects.count(), AuditEvent.objects.count()) == (grids_before, events_before)


def test_every_problem_is_reported_at_once(three_grids, admin_user, community, square):
    with pytest.raises(ValidationError) as info:
        grid_create(actor=admin_user, code="G-001", name="", community=community, geometry=square(LON0, LAT0))

    errors = refused_with(info)
    assert set(errors) == {"code", "name", "geometry"}
    assert errors["code"][0][0] == "unique"
    assert errors["name"][0][0] == "blank"
    assert errors["geometry"][0][0] == "grid_overlap"


def test_a_broken_geometry_is_refused_on_the_geometry_field(admin_user, community):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[113.6, 34.7], [113.7, 34.8], [113.7, 34.7], [113.6, 34.8], [113.6, 34.7]]],
    }

    with pytest.raises(ValidationError) as info:
        grid_create(actor=admin_user, code="G-1", name="坏", community=community, geometry=bow_tie)

    assert refused_with(info) == {
        "geometry": [("geometry_invalid", "The polygon is invalid: Self-intersection at (113.65, 34.75).")]
    }
    assert not Grid.objects.exists()


def test_a_grid_must_sit_in_a_community_of_a_street(admin_user, street, district, square):
    orphan = Region.objects.create(code="410105900", name="直属社区", level=RegionLevel.COMMUNITY, parent=district)

    with pytest.raises(ValidationError) as on_street:
        grid_create(actor=admin_user, code="G-1", name="一", community=street, geometry=square(LON0, LAT0))
    with pytest.raises(ValidationError) as on_orphan:
        grid_create(actor=admin_user, code="G-2", name="二", community=orphan, geometry=square(LON0, LAT0))

    assert refused_with(on_street) == {
        "community": [("not_a_community", "经八路街道 is not a community or village; a grid belongs to one.")]
    }
    assert refused_with(on_orphan) == {
        "community": [("community_without_street", "Community 直属社区 does not belong to a street or town.")]
    }
    assert not Grid.objects.exists()


# --- update and delete --------------------------------------------------------------------------


def test_grid_update_may_move_a_grid_over_its_own_old_footprint(three_grids, admin_user, square):
    first = three_grids[0]

    updated = grid_update(actor=admin_user, grid=first, geometry=square(LON0, LAT0 - SIDE / 2), name="南移")

    updated.refresh_from_db()
    assert updated.name == "南移"
    assert updated.geometry == square(LON0, LAT0 - SIDE / 2)
    assert updated.centroid_lat == pytest.approx(LAT0)


def test_grid_update_refuses_an_overlap_with_another_grid_and_changes_nothing(three_grids, admin_user, square):
    first = three_grids[0]
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as info:
        grid_update(actor=admin_user, grid=first, geometry=square(LON0 + SIDE / 4, LAT0))

    assert [e.params["grid"] for e in info.value.error_dict["geometry"]] == ["G-002"]
    first.refresh_from_db()
    assert first.geometry == square_geojson(LON0, LAT0)
    assert AuditEvent.objects.count() == events_before


def test_grid_update_to_another_street_moves_the_street_and_audits_before_and_after(three_grids, admin_user, district):
    other_street = Region.objects.create(code="410105002", name="花园路街道", level=RegionLevel.STREET, parent=district)
    elsewhere = Region.objects.create(
        code="410105002001", name="花园社区", level=RegionLevel.COMMUNITY, parent=other_street
    )

    grid = grid_update(actor=admin_user, grid=three_grids[1], community=elsewhere, households=12)

    grid.refresh_from_db()
    assert (grid.community, grid.street, grid.households) == (elsewhere, other_street, 12)
    event = AuditEvent.objects.filter(action="grid.update").get()
    assert event.before["street"] == three_grids[1].street_id
    assert event.after["street"] == other_street.pk
    assert (event.before["households"], event.after["households"]) == (0, 12)


def test_grid_update_rejects_fields_it_does_not_manage(three_grids, admin_user):
    with pytest.raises(TypeError, match="area_m2"):
        grid_update(actor=admin_user, grid=three_grids[0], area_m2=1.0)


def test_grid_delete_removes_the_grid_and_keeps_its_last_state(three_grids, admin_user):
    doomed = three_grids[2]

    grid_delete(actor=admin_user, grid=doomed)

    assert not Grid.objects.filter(pk=doomed.pk).exists()
    event = AuditEvent.objects.get(action="grid.delete")
    assert (event.object_id, event.before["code"], event.after) == (str(doomed.pk), "G-003", None)


# --- import -------------------------------------------------------------------------------------


def test_import_creates_every_grid_and_writes_one_audit_event(admin_user, community, other_community, street):
    data = collection(
        feature("N-001", geometry=square_geojson(LON0, LAT0), households=10, population=30),
        feature("N-002", geometry=square_geojson(LON0 + SIDE, LAT0), kind="dedicated"),
        feature("N-003", community="410105001002", geometry=square_geojson(LON0 + 2 * SIDE, LAT0)),
    )

    result = grids_import_geojson(actor=admin_user, data=json.dumps(data).encode())

    assert (result.created, result.updated) == (3, 0)
    grids = {g.code: g for g in Grid.objects.all()}
    assert list(grids) == ["N-001", "N-002", "N-003"]
    assert (grids["N-001"].households, grids["N-001"].population, grids["N-001"].kind) == (10, 30, "comprehensive")
    assert grids["N-002"].kind == "dedicated"
    assert (grids["N-003"].community, grids["N-003"].street) == (other_community, street)
    assert grids["N-001"].area_m2 == pytest.approx(SQUARE_M2, abs=0.1)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == ("grid.import", admin_user, "")
    assert event.after == {"created": ["N-001", "N-002", "N-003"], "updated": []}
    assert event.note == "3 grids created, 0 updated."


def test_a_file_with_broken_features_writes_nothing_and_names_each_problem(three_grids, admin_user, street):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[113.6, 34.7], [113.7, 34.8], [113.7, 34.7], [113.6, 34.8], [113.6, 34.7]]],
    }
    paris = {"type": "Polygon", "coordinates": [[[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]]}
    far = LON0 + 20 * SIDE
    data = collection(
        feature("N-001", geometry=square_geojson(far, LAT0)),  # 0: fine
        feature(None, geometry=square_geojson(far + SIDE, LAT0)),  # 1: no code
        feature("N-002", community="999999", geometry=square_geojson(far + 2 * SIDE, LAT0)),  # 2
        feature("N-003", geometry=bow_tie),  # 3
        feature("N-004", geometry=paris),  # 4
        feature("N-001", geometry=square_geojson(far + 3 * SIDE, LAT0)),  # 5: code of 0 again
        feature("N-005", geometry=square_geojson(far + SIDE / 2, LAT0 + SIDE / 2)),  # 6: a quarter of 0 and of 1
        feature("N-006", geometry=square_geojson(LON0, LAT0 + SIDE / 2)),  # 7: overlaps G-001, kept
        feature("N-007", geometry=square_geojson(far, LAT0 + 5 * SIDE), kind="big", households=-1),  # 8
        feature("N-008", community=street.code, geometry=square_geojson(far, LAT0 + 7 * SIDE)),  # 9: a street
        "not a feature",  # 10
    )
    grids_before, events_before = Grid.objects.count(), AuditEvent.objects.count()

    with pytest.raises(GridImportError) as info:
        grids_import_geojson(actor=admin_user, data=data)

    errors = info.value.errors
    assert [(e["index"], e["code"], e["field"], e["error"]) for e in errors] == [
        (1, "", "code", "required"),
        (2, "N-002", "community", "unknown_community"),
        (3, "N-003", "geometry", "geometry_invalid"),
        (4, "N-004", "geometry", "geometry_outside_china"),
        (5, "N-001", "code", "duplicate_code"),
        (6, "N-005", "geometry", "overlaps_feature"),
        (6, "N-005", "geometry", "overlaps_feature"),
        (7, "N-006", "geometry", "overlaps_grid"),
        (8, "N-007", "kind", "invalid_kind"),
        (8, "N-007", "households", "invalid_count"),
        (9, "N-008", "community", "not_a_community"),
        (10, "", "", "not_a_feature"),
    ]
    messages = [e["message"] for e in errors]
    assert messages[0] == "Feature #2, code: “code” is required."
    assert messages[1] == "Feature #3 (N-002), community: Unknown community code “999999”."
    assert messages[2] == "Feature #4 (N-003), geometry: The polygon is invalid: Self-intersection at (113.65, 34.75)."
    assert messages[3].startswith(
        "Feature #5 (N-004), geometry: Polygon, outer ring, position 1 (2.35, 48.85) is outside"
    )
    assert messages[4] == "Feature #6 (N-001), code: Code “N-001” is also used by feature #1."
    quarter = area_m2(shapely.box(far + SIDE / 2, LAT0 + SIDE / 2, far + SIDE, LAT0 + SIDE))
    assert overlap_in(errors[5]) == ("feature #1 (N-001)", pytest.approx(quarter, abs=0.1))
    assert overlap_in(errors[6]) == ("feature #2", pytest.approx(quarter, abs=0.1))
    north_half_of_g001 = area_m2(shapely.box(LON0, LAT0 + SIDE / 2, LON0 + SIDE, LAT0 + SIDE))
    assert overlap_in(errors[7]) == ("grid G-001", pytest.approx(north_half_of_g001, abs=0.1))
    assert messages[8] == "Feature #9 (N-007), kind: Unknown grid type 'big'; use one of: comprehensive, dedicated."
    assert messages[9] == "Feature #9 (N-007), households: “households” must be a whole number of zero or more, not -1."
    assert (
        messages[10]
        == "Feature #10 (N-008), community: 经八路街道 is not a community or village; a grid belongs to one."
    )
    assert messages[11] == "Feature #11: Not a GeoJSON Feature."
    assert (Grid.objects.count(), AuditEvent.objects.count()) == (grids_before, events_before)
    assert [g.code for g in Grid.objects.all()] == ["G-001", "G-002", "G-003"]


def test_bad_json_is_one_error_with_its_position(admin_user):
    with pytest.raises(GridImportError) as info:
        grids_import_geojson(actor=admin_user, data=b'{"type": "FeatureCollection",\n "features": [}')

    assert info.value.errors == [
        {
            "index": None,
            "code": "",
            "field": "file",
            "error": "invalid_json",
            "reason": "The file is not valid JSON: Expecting value at line 2, column 15 (character 44).",
            "message": "The file is not valid JSON: Expecting value at line 2, column 15 (character 44).",
        }
    ]
    assert info.value.code == "grid_import_invalid"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"type": "Feature"}, "not_feature_collection"),
        ({"type": "FeatureCollection", "features": []}, "no_features"),
        (b"\xff\xfe{}", "invalid_encoding"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(admin_user, data, error):
    with pytest.raises(GridImportError) as info:
        grids_import_geojson(actor=admin_user, data=data)

    assert [(e["index"], e["field"], e["error"]) for e in info.value.errors] == [(None, "file", error)]


def test_import_updates_grids_by_code_and_creates_the_rest(three_grids, admin_user, other_community):
    second = three_grids[1]
    data = collection(
        feature("G-002", community="410105001002", geometry=square_geojson(LON0 + SIDE, LAT0 - SIDE), population=77),
        feature("N-001", geometry=square_geojson(LON0 + SIDE, LAT0)),  # where G-002 was: it is being replaced
    )

    result = grids_import_geojson(actor=admin_user, data=data)

    assert (result.created, result.updated, result.updated_codes) == (1, 1, ["G-002"])
    assert Grid.objects.count() == 4
    moved = Grid.objects.get(code="G-002")
    assert moved.pk == second.pk
    assert (moved.name, moved.community, moved.population) == ("网格G-002", other_community, 77)
    assert moved.geometry == square_geojson(LON0 + SIDE, LAT0 - SIDE)
    assert moved.centroid_lat == pytest.approx(LAT0 - SIDE / 2)
    assert moved.updated_at > second.updated_at
    event = AuditEvent.objects.get(action="grid.import")
    assert event.after == {"created": ["N-001"], "updated": ["G-002"]}
    assert event.before["G-002"]["name"] == "网格2"


def test_import_refuses_to_grow_a_grid_over_a_neighbour_it_does_not_replace(three_grids, admin_user):
    wide = to_geojson(shapely.box(LON0, LAT0, LON0 + 1.5 * SIDE, LAT0 + SIDE))  # half over G-002

    with pytest.raises(GridImportError) as info:
        grids_import_geojson(actor=admin_user, data=collection(feature("G-001", geometry=wide)))

    assert [(e["index"], e["code"], e["error"]) for e in info.value.errors] == [(0, "G-001", "overlaps_grid")]
    assert overlap_in(info.value.errors[0]) == ("grid G-002", pytest.approx(SQUARE_M2 / 2, abs=0.1))
    assert Grid.objects.get(code="G-001").geometry == square_geojson(LON0, LAT0)


def test_export_lists_the_grids_with_their_regions_and_head(three_grids, admin_user, grid_head):
    grid_update(actor=admin_user, grid=three_grids[0], head=grid_head, households=5)

    exported = grids_export_geojson(Grid.objects.order_by("code"))

    assert exported["type"] == "FeatureCollection"
    first = exported["features"][0]
    assert first["geometry"] == square_geojson(LON0, LAT0)
    assert first["properties"] == {
        "code": "G-001",
        "name": "网格1",
        "kind": "comprehensive",
        "community": "410105001001",
        "community_name": "红旗社区",
        "street": "410105001",
        "street_name": "经八路街道",
        "households": 5,
        "population": 0,
        "head": "张网格长",
        "area_m2": pytest.approx(SQUARE_M2, abs=0.1),
    }
    assert [f["properties"]["head"] for f in exported["features"]] == ["张网格长", None, None]


def test_export_then_import_restores_the_grids(three_grids, admin_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        exported = grids_export_geojson(Grid.objects.order_by("code"))
    grid_update(actor=admin_user, grid=three_grids[0], name="改过的名字", population=999)
    grid_delete(actor=admin_user, grid=three_grids[2])

    result = grids_import_geojson(actor=admin_user, data=json.dumps(exported, ensure_ascii=False))

    assert (result.created, result.updated) == (1, 2)
    assert grids_export_geojson(Grid.objects.order_by("code")) == exported
