"""Writes of the grids app: create, change and delete grids, and import or export them as GeoJSON.

Every boundary is checked before it is saved: a valid WGS-84 polygon inside China that overlaps no
other grid by more than 1 m² (neighbours share edges; they do not overlap). Overlap candidates come
from the STRtree in ``lookup``, so a check costs the same with 50 grids or 5,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry.base import BaseGeometry

from envgrid.core import jsontext
from envgrid.core.errors import DomainError
from envgrid.core.models import User
from envgrid.core.services import audit_record, on_commit, snapshot
from envgrid.grids.choices import GridKind
from envgrid.grids.geometry import (
    OVERLAP_TOLERANCE_M2,
    derived_fields,
    find_overlaps,
    overlap_areas,
    parse_geometry,
    to_geojson,
)
from envgrid.grids.lookup import current_index, invalidate_index
from envgrid.grids.models import Grid, Region

#: Fields ``grid_update`` accepts.
UPDATABLE_FIELDS = frozenset(
    {"code", "name", "kind", "community", "geometry", "households", "population", "head", "members"}
)
_AUDITED_FIELDS = ["code", "name", "kind", "community", "geometry", "households", "population", "head"]


# --- one grid -----------------------------------------------------------------------------------


def _street_of(community: Region | None) -> Region:
    """The street or town a grid's community belongs to; ValidationError when it is not a community."""
    if community is None or not community.is_community:
        raise ValidationError(
            _("%(region)s is not a community or village; a grid belongs to one.") % {"region": community},
            code="not_a_community",
        )
    street = community.parent
    if street is None or not street.is_street:
        raise ValidationError(
            _("Community %(region)s does not belong to a street or town.") % {"region": community},
            code="community_without_street",
        )
    return street


def _overlap_errors(overlaps: Sequence[tuple[str, float]]) -> list[ValidationError]:
    return [
        ValidationError(
            _("Overlaps grid %(code)s by %(area).1f m².") % {"code": code, "area": area},
            code="grid_overlap",
            params={"grid": code, "area_m2": area},
        )
        for code, area in overlaps
    ]


def _overlaps_with_grids(geom: BaseGeometry, *, exclude_id: int | None) -> list[tuple[str, float]]:
    """Existing grids that ``geom`` overlaps by more than the tolerance, as (code, m²), by code."""
    candidates = [(grid_id, other) for grid_id, other in current_index().intersecting(geom) if grid_id != exclude_id]
    overlaps = find_overlaps(geom, candidates)
    if not overlaps:
        return []
    codes = dict(Grid.objects.filter(pk__in=[grid_id for grid_id, _ in overlaps]).values_list("pk", "code"))
    return sorted((codes[grid_id], area) for grid_id, area in overlaps if grid_id in codes)


def grid_clean(grid: Grid, *, geometry: Any = None) -> None:
    """Fill ``grid``'s street and, given a ``geometry``, its boundary and derived fields; then check it all.

    Raises one ValidationError holding every problem, by field.
    """
    errors: dict[str, list[ValidationError]] = {}
    if geometry is not None:
        try:
            geom = parse_geometry(geometry)
        except ValidationError as exc:
            errors["geometry"] = exc.error_list
        else:
            grid.geometry = to_geojson(geom)
            for name, value in derived_fields(geom).items():
                setattr(grid, name, value)
            if overlaps := _overlaps_with_grids(geom, exclude_id=grid.pk):
                errors["geometry"] = _overlap_errors(overlaps)
    try:
        grid.street = _street_of(grid.community if grid.community_id else None)
    except ValidationError as exc:
        errors["community"] = exc.error_list
    exclude = [*errors, "street"] if "community" in errors else list(errors)
    try:
        grid.full_clean(exclude=exclude)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(name, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def _audit_state(grid: Grid) -> dict:
    state = snapshot(grid, fields=_AUDITED_FIELDS)
    state.update(street=grid.street_id, area_m2=grid.area_m2, members=sorted(grid.members.values_list("pk", flat=True)))
    return state


@transaction.atomic
def grid_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    community: Region,
    geometry: dict,
    kind: str = GridKind.COMPREHENSIVE,
    households: int = 0,
    population: int = 0,
    head: User | None = None,
    members: Iterable[User] = (),
) -> Grid:
    """Create a grid in a community, refusing a boundary that overlaps another grid."""
    grid = Grid(
        code=code,
        name=name,
        kind=kind,
        community=community,
        households=households,
        population=population,
        head=head,
    )
    grid_clean(grid, geometry=geometry)
    grid.save()
    grid.members.set(members)
    audit_record(actor=actor, action="grid.create", obj=grid, after=_audit_state(grid))
    on_commit(invalidate_index)
    return grid


@transaction.atomic
def grid_update(*, actor: User | None, grid: Grid, **changes: Any) -> Grid:
    """Change a grid's fields (any of ``UPDATABLE_FIELDS``), checking the result like a new grid."""
    if unknown := set(changes) - UPDATABLE_FIELDS:
        raise TypeError(f"grid_update() cannot change {', '.join(sorted(unknown))}")
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    before = _audit_state(grid)
    members = changes.pop("members", None)
    geometry = changes.pop("geometry", None)
    for name, value in changes.items():
        setattr(grid, name, value)
    grid_clean(grid, geometry=geometry)
    grid.save()
    if members is not None:
        grid.members.set(members)
    audit_record(actor=actor, action="grid.update", obj=grid, before=before, after=_audit_state(grid))
    on_commit(invalidate_index)
    return grid


@transaction.atomic
def grid_delete(*, actor: User | None, grid: Grid) -> None:
    """Delete a grid, keeping its last state in the audit trail."""
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    audit_record(actor=actor, action="grid.delete", obj=grid, before=_audit_state(grid))
    grid.delete()
    on_commit(invalidate_index)


# --- GeoJSON import and export ------------------------------------------------------------------


class GridImportError(DomainError):
    """A GeoJSON import was refused and nothing was written; ``errors`` lists every problem found.

    Each error is a dict: ``index`` (0-based feature index, None for the file as a whole),
    ``code`` (the feature's grid code, "" when unknown), ``field``, ``error`` (a stable code),
    ``reason`` and ``message`` (the reason prefixed with "Feature #N", 1-based, and the grid code).
    """

    def __init__(self, errors: list[dict]):
        super().__init__(
            "grid_import_invalid",
            ngettext(
                "The file has %(n)d problem; nothing was imported.",
                "The file has %(n)d problems; nothing was imported.",
                len(errors),
            )
            % {"n": len(errors)},
            details=errors,
        )
        self.errors = errors


@dataclass(frozen=True)
class GridImportResult:
    created: int
    updated: int
    created_codes: list[str] = field(default_factory=list)
    updated_codes: list[str] = field(default_factory=list)


@dataclass
class _Feature:
    """One feature of an import being checked: its grid (new or existing, filled in) and its boundary."""

    index: int
    code: str
    grid: Grid | None = None
    geom: BaseGeometry | None = None


_MAX_COUNT = 2_147_483_647  # PositiveIntegerField's ceiling on PostgreSQL
_IMPORTED_FIELDS = [
    "name",
    "kind",
    "community",
    "street",
    "geometry",
    "area_m2",
    "centroid_lon",
    "centroid_lat",
    "households",
    "population",
    "updated_at",
]


def _import_error(index: int | None, code: str, field_name: str, error: str, reason: str) -> dict:
    if index is None:
        message = reason
    else:
        label = _("Feature #%(n)d") % {"n": index + 1}
        if code:
            label += f" ({code})"
        message = f"{label}, {field_name}: {reason}" if field_name else f"{label}: {reason}"
    return {"index": index, "code": code, "field": field_name, "error": error, "reason": reason, "message": message}


def _file_error(error: str, reason: str) -> GridImportError:
    return GridImportError([_import_error(None, "", "file", error, reason)])


def _load_features(data: bytes | str | dict) -> list:
    """The features of a GeoJSON FeatureCollection, or GridImportError naming what is wrong with the file."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            reason = _("The file is not UTF-8 text (bad byte at position %(pos)d).") % {"pos": exc.start}
            raise _file_error("invalid_encoding", reason) from None
    if isinstance(data, str):
        try:
            data = jsontext.loads(data)
        except json.JSONDecodeError as exc:
            reason = _("The file is not valid JSON: %(msg)s at line %(line)d, column %(col)d (character %(pos)d).")
            params = {"msg": exc.msg, "line": exc.lineno, "col": exc.colno, "pos": exc.pos}
            raise _file_error("invalid_json", reason % params) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise _file_error(
            "not_feature_collection", _("The file is not a GeoJSON FeatureCollection with a list of features.")
        )
    if not data["features"]:
        raise _file_error("no_features", _("The FeatureCollection has no features."))
    return data["features"]


def _properties(feature: Any) -> dict:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else {}


def _text_values(features: list, name: str) -> set[str]:
    """The distinct non-blank text values of one property across the features, stripped."""
    values = (_properties(feature).get(name) for feature in features)
    return {value.strip() for value in values if isinstance(value, str) and value.strip()}


def _required_text(properties: dict, name: str) -> tuple[str, str | None]:
    """(value, None) for a present, non-blank text property, else ("", reason)."""
    value = properties.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", _("“%(name)s” is required.") % {"name": name}
    if not isinstance(value, str):
        return "", _("“%(name)s” must be text, not %(value)r.") % {"name": name, "value": value}
    return value.strip(), None


def _count(properties: dict, name: str) -> tuple[int, str | None]:
    value = properties.get(name)
    if value is None:
        return 0, None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_COUNT:
        return 0, _("“%(name)s” must be a whole number of zero or more, not %(value)r.") % {
            "name": name,
            "value": value,
        }
    return value, None


def _feature_values(feature: Any, communities: dict[str, Region]) -> tuple[dict, list[tuple[str, str, str]]]:
    """The checked values of one feature, and its problems as (field, error code, reason)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {}, [("", "not_a_feature", _("Not a GeoJSON Feature."))]
    properties = _properties(feature)
    values: dict[str, Any] = {}
    problems = []
    for name in ("code", "name", "community"):
        values[name], reason = _required_text(properties, name)
        if reason:
            problems.append((name, "required", reason))
    if values["community"]:
        community = values["community"] = communities.get(values["community"])
        if community is None:
            reason = _("Unknown community code “%(code)s”.") % {"code": properties["community"].strip()}
            problems.append(("community", "unknown_community", reason))
        else:
            try:
                values["street"] = _street_of(community)
            except ValidationError as exc:
                problems.append(("community", exc.code, exc.messages[0]))
    values["kind"] = properties.get("kind") or GridKind.COMPREHENSIVE
    if values["kind"] not in GridKind.values:
        reason = _("Unknown grid type %(kind)r; use one of: %(choices)s.")
        problems.append(
            ("kind", "invalid_kind", reason % {"kind": values["kind"], "choices": ", ".join(GridKind.values)})
        )
    for name in ("households", "population"):
        values[name], reason = _count(properties, name)
        if reason:
            problems.append((name, "invalid_count", reason))
    try:
        values["geom"] = parse_geometry(feature.get("geometry"))
    except ValidationError as exc:
        problems.append(("geometry", exc.code or "geometry_invalid", exc.messages[0]))
    return values, problems


def _fill_grid(grid: Grid, values: dict) -> list[tuple[str, str, str]]:
    """Put a feature's checked values on its grid and run the model's own checks; return the problems."""
    for name in ("name", "kind", "community", "street", "households", "population"):
        setattr(grid, name, values[name])
    grid.geometry = to_geojson(values["geom"])
    for name, value in derived_fields(values["geom"]).items():
        setattr(grid, name, value)
    try:
        # Foreign keys and code uniqueness are checked against rows loaded once for the whole file;
        # leaving them out here saves three queries per feature.
        grid.full_clean(exclude=["community", "street", "head"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [
            (name, e.code or "invalid", " ".join(e.messages)) for name, errs in exc.error_dict.items() for e in errs
        ]
    return []


def _duplicate_code_errors(features: list[_Feature]) -> list[dict]:
    first: dict[str, int] = {}
    errors = []
    for feature in features:
        if not feature.code:
            continue
        if feature.code in first:
            reason = _("Code “%(code)s” is also used by feature #%(n)d.") % {
                "code": feature.code,
                "n": first[feature.code] + 1,
            }
            errors.append(_import_error(feature.index, feature.code, "code", "duplicate_code", reason))
        else:
            first[feature.code] = feature.index
    return errors


def _overlaps_within_file(features: list[_Feature]) -> list[dict]:
    """Pairs of features whose boundaries overlap, reported on the later feature of each pair."""
    shaped = [feature for feature in features if feature.geom is not None]
    geoms = np.array([feature.geom for feature in shaped], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    errors = []
    for i, j, area in zip(left, right, overlap_areas(geoms[left], geoms[right]), strict=True):
        if area > OVERLAP_TOLERANCE_M2:
            earlier, later = shaped[i], shaped[j]
            other = _("feature #%(n)d") % {"n": earlier.index + 1}
            if earlier.code:
                other += f" ({earlier.code})"
            reason = _("Overlaps %(feature)s by %(area).1f m².")
            params = {"feature": other, "area": area}
            errors.append(_import_error(later.index, later.code, "geometry", "overlaps_feature", reason % params))
    return errors


def _overlaps_with_grids_kept(features: list[_Feature], replaced_ids: set[int]) -> list[dict]:
    """Features overlapping an existing grid that the file does not replace."""
    shaped = [feature for feature in features if feature.geom is not None]
    hits = [
        (shaped[position], grid_id, polygon)
        for position, grid_id, polygon in current_index().intersecting_many([feature.geom for feature in shaped])
        if grid_id not in replaced_ids
    ]
    areas = overlap_areas([feature.geom for feature, _, _ in hits], [polygon for _, _, polygon in hits])
    overlaps = [(feature, grid_id, area) for (feature, grid_id, _), area in zip(hits, areas, strict=True)]
    overlaps = [item for item in overlaps if item[2] > OVERLAP_TOLERANCE_M2]
    codes = dict(Grid.objects.filter(pk__in={grid_id for _, grid_id, _ in overlaps}).values_list("pk", "code"))
    reason = _("Overlaps grid %(code)s by %(area).1f m².")
    return [
        _import_error(f.index, f.code, "geometry", "overlaps_grid", reason % {"code": codes.get(grid_id), "area": area})
        for f, grid_id, area in overlaps
    ]


def _check_features(raw_features: list, existing: dict[str, Grid]) -> list[_Feature]:
    """Check every feature against the file, the regions and the grids kept; GridImportError lists all problems."""
    communities = {
        region.code: region
        for region in Region.objects.filter(code__in=_text_values(raw_features, "community")).select_related("parent")
    }
    features, errors = [], []
    for index, raw in enumerate(raw_features):
        values, problems = _feature_values(raw, communities)
        code = values.get("code", "")
        grid = None
        if not problems:
            grid = existing.get(code) or Grid(code=code)
            problems = _fill_grid(grid, values)
        errors += [_import_error(index, code, name, error, reason) for name, error, reason in problems]
        features.append(_Feature(index, code, grid=None if problems else grid, geom=values.get("geom")))
    errors += _duplicate_code_errors(features)
    errors += _overlaps_within_file(features)
    errors += _overlaps_with_grids_kept(features, {grid.pk for grid in existing.values()})
    if errors:
        # Stable: a feature's own problems first, then those found against the rest of the file.
        raise GridImportError(sorted(errors, key=lambda e: -1 if e["index"] is None else e["index"]))
    return features


def _import_audit_state(grid: Grid) -> dict:
    # Boundaries are left out: a district-wide re-import would otherwise put megabytes in one audit row.
    state = snapshot(grid, fields=["name", "kind", "community", "households", "population"])
    state["area_m2"] = grid.area_m2
    return state


@transaction.atomic
def grids_import_geojson(*, actor: User | None, data: bytes | str | dict) -> GridImportResult:
    """Create and update grids (by code) from a GeoJSON FeatureCollection: all of them, or none.

    Every feature is checked before anything is written; when any is wrong, GridImportError lists
    every problem and the database is left as it was.
    """
    raw_features = _load_features(data)
    codes = _text_values(raw_features, "code")
    # The old boundaries are not needed (they are replaced, and the index has them for overlap checks).
    existing = Grid.objects.select_for_update().defer("geometry").in_bulk(list(codes), field_name="code")
    before = {code: _import_audit_state(grid) for code, grid in sorted(existing.items())}
    features = _check_features(raw_features, existing)

    new = [feature.grid for feature in features if feature.grid.pk is None]
    changed = [feature.grid for feature in features if feature.grid.pk is not None]
    Grid.objects.bulk_create(new, batch_size=500)
    # One UPDATE per grid: bulk_update's long CASE WHEN id = … statements took 11 s for 5,000 grids on
    # SQLite here, plain UPDATEs about 2.5 s.
    for grid in changed:
        grid.save(update_fields=_IMPORTED_FIELDS)

    result = GridImportResult(
        created=len(new),
        updated=len(changed),
        created_codes=[grid.code for grid in new],
        updated_codes=[grid.code for grid in changed],
    )
    audit_record(
        actor=actor,
        action="grid.import",
        before=before or None,
        after={"created": result.created_codes, "updated": result.updated_codes},
        note=_("%(created)d grids created, %(updated)d updated.")
        % {"created": result.created, "updated": result.updated},
    )
    on_commit(invalidate_index)
    return result


def grids_export_geojson(queryset: QuerySet[Grid]) -> dict:
    """The grids of ``queryset`` as a GeoJSON FeatureCollection (WGS-84) that imports back unchanged."""
    features = []
    for grid in queryset.select_related("community", "street", "head"):
        properties = {
            "code": grid.code,
            "name": grid.name,
            "kind": grid.kind,
            "community": grid.community.code,
            "community_name": grid.community.name,
            "street": grid.street.code,
            "street_name": grid.street.name,
            "households": grid.households,
            "population": grid.population,
            "head": str(grid.head) if grid.head_id else None,
            "area_m2": grid.area_m2,
        }
        features.append({"type": "Feature", "geometry": grid.geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
