"""Writes of the sources app: supervised objects (with their grid from the lookup) and 分包 responsibilities
(assign, end, transfer). A responsibility is never deleted or rewritten in place: a change of owner ends
the old period the day before and opens a new one, so who answered on any past day stays on record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from envgrid.core.models import Unit, User
from envgrid.core.querysets import unit_subtree_ids
from envgrid.core.services import audit_record, snapshot
from envgrid.grids.geometry import in_china
from envgrid.grids.lookup import grid_for_point
from envgrid.grids.models import Grid, Region
from envgrid.notifications.services import notify
from envgrid.sources.choices import ObjectKind, ObjectStatus, ResponsibilityRole
from envgrid.sources.errors import SourcesConflict, SourcesErrorCode, SourcesPermissionDenied
from envgrid.sources.models import (
    ConstructionSiteDetail,
    EnterpriseDetail,
    Responsibility,
    RoadDetail,
    SourceFamily,
    SupervisedObject,
)
from envgrid.sources.permissions import can_edit_object, can_manage_sources

#: The typed details model of each kind that has one; other kinds keep a small JSON ``details``.
DETAIL_MODELS = {
    ObjectKind.ENTERPRISE: EnterpriseDetail,
    ObjectKind.CONSTRUCTION_SITE: ConstructionSiteDetail,
    ObjectKind.ROAD: RoadDetail,
}
OBJECT_FIELDS = frozenset(
    {
        "family",
        "kind",
        "name",
        "code",
        "address",
        "lon",
        "lat",
        "geometry",
        "status",
        "contact_name",
        "contact_phone",
        "details",
        "note",
    }
)
_AUDITED_OBJECT_FIELDS = [
    "family",
    "kind",
    "name",
    "code",
    "address",
    "lon",
    "lat",
    "grid",
    "status",
    "contact_name",
    "contact_phone",
]


# --- objects -------------------------------------------------------------------------------------


def detail_model(kind: str):
    return DETAIL_MODELS.get(kind)


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def road_line(geometry: Any) -> shapely.LineString:
    """A road's GeoJSON LineString (WGS-84) as a shapely line; ValidationError when it is not one."""
    try:
        line = shapely.geometry.shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        raise _field_error("geometry", _("The road line must be a GeoJSON LineString."), "line_invalid") from None
    if line.geom_type != "LineString" or len(line.coords) < 2 or line.length == 0:
        raise _field_error("geometry", _("The road line needs at least two different points."), "line_invalid")
    if not all(in_china(x, y) for x, y in line.coords):
        raise _field_error(
            "geometry", _("The road line lies outside China; give WGS-84 longitude, latitude."), "line_outside_china"
        )
    return line


def object_locate(obj: SupervisedObject) -> None:
    """Fill the object's grid and street from its point (a road's point defaults to its line's middle)."""
    if obj.geometry:
        line = road_line(obj.geometry)
        obj.geometry = {"type": "LineString", "coordinates": [list(xy) for xy in line.coords]}
        if obj.lon is None or obj.lat is None:
            middle = line.interpolate(0.5, normalized=True)
            obj.lon, obj.lat = round(middle.x, 7), round(middle.y, 7)
    if obj.lon is None or obj.lat is None:
        raise _field_error("lon", _("Give the object's longitude and latitude (WGS-84)."), "required")
    where = {"lon": obj.lon, "lat": obj.lat}
    if not in_china(obj.lon, obj.lat):
        message = _("The point (%(lon)s, %(lat)s) is outside China; give WGS-84 longitude, latitude.") % where
        raise _field_error("lon", message, "outside_china")
    grid = grid_for_point(obj.lon, obj.lat)
    if grid is None:
        message = _("The point (%(lon)s, %(lat)s) is in no grid of the district.") % where
        raise _field_error("lon", message, SourcesErrorCode.OUTSIDE_GRIDS)
    obj.grid, obj.street = grid, grid.street


def _save_details(obj: SupervisedObject, typed: dict | None) -> None:
    """Keep exactly the typed details row of the object's kind, updated with ``typed``."""
    model = detail_model(obj.kind)
    for other in DETAIL_MODELS.values():
        if other is not model:
            other.objects.filter(supervised_object=obj).delete()
    if model is None:
        return
    row = model.objects.filter(supervised_object=obj).first() or model(supervised_object=obj)
    for name, value in (typed or {}).items():
        setattr(row, name, value)
    try:
        row.full_clean(exclude=["supervised_object"])
    except ValidationError as exc:
        raise ValidationError({f"{obj.kind}.{k}": v for k, v in exc.message_dict.items()}) from None
    row.save()


def _object_state(obj: SupervisedObject) -> dict:
    state = snapshot(obj, fields=_AUDITED_OBJECT_FIELDS)
    model = detail_model(obj.kind)
    row = model.objects.filter(supervised_object=obj).first() if model else None
    if row is not None:
        state["typed"] = snapshot(row)
    return state


@transaction.atomic
def object_create(
    *,
    actor: User | None,
    family: SourceFamily,
    kind: str,
    name: str,
    code: str,
    lon: float | None = None,
    lat: float | None = None,
    geometry: dict | None = None,
    address: str = "",
    status: str = ObjectStatus.ACTIVE,
    contact_name: str = "",
    contact_phone: str = "",
    details: dict | None = None,
    note: str = "",
    typed: dict | None = None,
) -> SupervisedObject:
    """Register a supervised object, placing it in the grid that contains it; ``typed`` holds the fields
    of its kind's details (enterprise, construction site or road)."""
    if actor is not None and not can_manage_sources(actor):
        raise SourcesPermissionDenied(_("Only the command centre may register supervised objects."))
    obj = SupervisedObject(
        family=family,
        kind=kind,
        name=name,
        code=code,
        lon=lon,
        lat=lat,
        geometry=geometry,
        address=address,
        status=status,
        contact_name=contact_name,
        contact_phone=contact_phone,
        details=details or {},
        note=note,
    )
    object_locate(obj)
    obj.full_clean()
    obj.save()
    _save_details(obj, typed)
    audit_record(actor=actor, action="source_object.create", obj=obj, after=_object_state(obj))
    return obj


@transaction.atomic
def object_update(
    *, actor: User | None, obj: SupervisedObject, typed: dict | None = None, **changes: Any
) -> SupervisedObject:
    """Change an object's fields (any of ``OBJECT_FIELDS``) and typed details; a new point or line finds
    its grid again. A unit lead may not move an object out of their own scope."""
    if unknown := set(changes) - OBJECT_FIELDS:
        raise TypeError(f"object_update() cannot change {', '.join(sorted(unknown))}")
    if actor is not None and not can_edit_object(actor, obj):
        raise SourcesPermissionDenied(_("You may not change this object."))
    obj = SupervisedObject.objects.select_for_update().get(pk=obj.pk)
    before = _object_state(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    if {"lon", "lat", "geometry"} & set(changes):
        if "geometry" in changes and not {"lon", "lat"} & set(changes):
            obj.lon = obj.lat = None  # the point follows the new line
        object_locate(obj)
    obj.full_clean()
    obj.save()
    _save_details(obj, typed)
    if actor is not None and not can_manage_sources(actor) and not can_edit_object(actor, obj):
        raise SourcesPermissionDenied(_("This change would move the object out of your scope."))
    audit_record(actor=actor, action="source_object.update", obj=obj, before=before, after=_object_state(obj))
    return obj


# --- responsibilities (分包) ---------------------------------------------------------------------


def _target_of(
    supervised_object: SupervisedObject | None, grid: Grid | None, family: SourceFamily | None, region: Region | None
) -> dict:
    forms = [supervised_object is not None, grid is not None, family is not None or region is not None]
    if sum(forms) != 1 or (forms[2] and (family is None or region is None)):
        raise ValidationError(
            _("Give exactly one target: an object, a grid, or a source family together with an area."),
            code="target_invalid",
        )
    return {"supervised_object": supervised_object, "grid": grid, "family": family, "region": region}


def _lock_target(target: dict) -> None:
    """Serialize changes to one target's responsibilities (the overlap check reads, then writes)."""
    if target["supervised_object"] is not None:
        SupervisedObject.objects.select_for_update().filter(pk=target["supervised_object"].pk).first()
    elif target["grid"] is not None:
        Grid.objects.select_for_update().filter(pk=target["grid"].pk).first()
    else:
        SourceFamily.objects.select_for_update().filter(pk=target["family"].pk).first()


def same_target(responsibility: Responsibility):
    """Responsibilities on the same target, in the same role."""
    return Responsibility.objects.filter(
        supervised_object_id=responsibility.supervised_object_id,
        grid_id=responsibility.grid_id,
        family_id=responsibility.family_id,
        region_id=responsibility.region_id,
        role=responsibility.role,
    ).exclude(pk=responsibility.pk)


def overlapping(responsibility: Responsibility):
    """Recorded responsibilities of the same target and role whose period meets this one's."""
    found = same_target(responsibility)
    if responsibility.valid_to is not None:
        found = found.filter(valid_from__lte=responsibility.valid_to)
    return found.exclude(valid_to__lt=responsibility.valid_from)


def _check_people(unit: Unit, person: User, deputy: User | None) -> None:
    errors = {}
    if not unit.is_active:
        errors["unit"] = _("Unit %(unit)s is inactive.") % {"unit": unit}
    members = unit_subtree_ids(unit.pk)
    for field, user in (("person", person), ("deputy", deputy)):
        if user is None:
            continue
        if not user.is_active:
            errors[field] = _("%(user)s's account is inactive.") % {"user": user}
        elif user.unit_id not in members:
            errors[field] = _("%(user)s does not belong to %(unit)s.") % {"user": user, "unit": unit}
    if deputy is not None and deputy.pk == person.pk:
        errors["deputy"] = _("The deputy must be someone other than the responsible person.")
    if errors:
        raise ValidationError(errors)


def _refuse_overlap(responsibility: Responsibility) -> None:
    clash = overlapping(responsibility).select_related("unit").order_by("valid_from").first()
    if clash is not None:
        raise SourcesConflict(
            SourcesErrorCode.RESPONSIBILITY_OVERLAP,
            _("%(target)s already has a %(role)s responsibility from %(start)s to %(end)s (%(unit)s).")
            % {
                "target": responsibility.target,
                "role": responsibility.get_role_display(),
                "start": clash.valid_from,
                "end": clash.valid_to or _("now"),
                "unit": clash.unit,
            },
            details={"responsibility": clash.pk},
        )


def _responsibility_state(responsibility: Responsibility) -> dict:
    return snapshot(
        responsibility,
        fields=[
            "supervised_object",
            "grid",
            "family",
            "region",
            "role",
            "unit",
            "person",
            "deputy",
            "valid_from",
            "valid_to",
            "note",
        ],
    )


def _target_url(responsibility: Responsibility) -> str:
    if responsibility.supervised_object_id:
        return reverse("source-detail", args=[responsibility.supervised_object_id])
    return reverse("source-responsibility-list")


def _tell_people(responsibility: Responsibility, verb: str, title: str) -> None:
    notify(
        recipients=[responsibility.person, responsibility.deputy],
        verb=verb,
        title=title,
        body=_("From %(start)s.") % {"start": responsibility.valid_from},
        url=_target_url(responsibility),
        target=responsibility,
    )


def _require_manager(actor: User | None) -> None:
    if actor is not None and not can_manage_sources(actor):
        raise SourcesPermissionDenied(_("Only the command centre may assign or change responsibilities (分包)."))


@transaction.atomic
def responsibility_assign(
    *,
    actor: User | None,
    unit: Unit,
    person: User,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    deputy: User | None = None,
    role: str = ResponsibilityRole.LEAD,
    supervised_object: SupervisedObject | None = None,
    grid: Grid | None = None,
    family: SourceFamily | None = None,
    region: Region | None = None,
    note: str = "",
    tell: bool = True,
) -> Responsibility:
    """Make a unit and a named person answer for an object, a grid or a family in an area over a period
    that overlaps no other period of the same target and role."""
    _require_manager(actor)
    target = _target_of(supervised_object, grid, family, region)
    _check_people(unit, person, deputy)
    responsibility = Responsibility(
        **target,
        role=role,
        unit=unit,
        person=person,
        deputy=deputy,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    responsibility.full_clean()
    _lock_target(target)
    _refuse_overlap(responsibility)
    responsibility.save()
    audit_record(
        actor=actor, action="responsibility.assign", obj=responsibility, after=_responsibility_state(responsibility)
    )
    if tell:
        _tell_people(
            responsibility,
            "responsibility.assigned",
            _("You now answer for %(target)s") % {"target": responsibility.target},
        )
    return responsibility


def _lock_responsibility(responsibility: Responsibility) -> Responsibility:
    return Responsibility.objects.select_for_update().get(pk=responsibility.pk)


@transaction.atomic
def responsibility_end(
    *, actor: User | None, responsibility: Responsibility, valid_to: dt.date, note: str = ""
) -> Responsibility:
    """End a responsibility on ``valid_to`` (its last day), leaving the target without this owner after it."""
    _require_manager(actor)
    responsibility = _lock_responsibility(responsibility)
    if valid_to < responsibility.valid_from:
        raise ValidationError(
            {
                "valid_to": _("The last day cannot be before the first day (%(day)s).")
                % {"day": responsibility.valid_from}
            }
        )
    if responsibility.valid_to is not None and valid_to >= responsibility.valid_to:
        raise SourcesConflict(
            SourcesErrorCode.RESPONSIBILITY_ENDED,
            _("This responsibility already ends on %(day)s.") % {"day": responsibility.valid_to},
        )
    before = _responsibility_state(responsibility)
    responsibility.valid_to = valid_to
    responsibility.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action="responsibility.end",
        obj=responsibility,
        before=before,
        after=_responsibility_state(responsibility),
        note=note,
    )
    return responsibility


@transaction.atomic
def responsibility_transfer(
    *,
    actor: User | None,
    responsibility: Responsibility,
    unit: Unit,
    person: User,
    on: dt.date,
    deputy: User | None = None,
    note: str = "",
    tell: bool = True,
) -> Responsibility:
    """Hand a responsibility to another unit or person from ``on``: the old one ends the day before and
    the new one runs from ``on`` to the old one's end."""
    _require_manager(actor)
    old = _lock_responsibility(responsibility)
    if not old.covers(on) or on <= old.valid_from:
        raise SourcesConflict(
            SourcesErrorCode.RESPONSIBILITY_ENDED,
            _(
                "A transfer day must fall after the first day and within the period of the responsibility "
                "(%(start)s to %(end)s)."
            )
            % {"start": old.valid_from, "end": old.valid_to or _("now")},
        )
    _check_people(unit, person, deputy)
    before = _responsibility_state(old)
    new = Responsibility(
        supervised_object_id=old.supervised_object_id,
        grid_id=old.grid_id,
        family_id=old.family_id,
        region_id=old.region_id,
        role=old.role,
        unit=unit,
        person=person,
        deputy=deputy,
        valid_from=on,
        valid_to=old.valid_to,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    old.valid_to = on - dt.timedelta(days=1)
    old.save(update_fields=["valid_to"])
    new.full_clean()
    _refuse_overlap(new)
    new.save()
    audit_record(
        actor=actor,
        action="responsibility.transfer",
        obj=old,
        before=before,
        after=_responsibility_state(old),
        note=note,
    )
    audit_record(actor=actor, action="responsibility.assign", obj=new, after=_responsibility_state(new), note=note)
    if tell:
        _tell_people(new, "responsibility.assigned", _("You now answer for %(target)s") % {"target": new.target})
    responsibility.valid_to = old.valid_to
    return new


# --- source families -----------------------------------------------------------------------------


@transaction.atomic
def family_save(*, actor: User | None, family: SourceFamily | None = None, **fields: Any) -> SourceFamily:
    """Create or change a source family (the district's own list of 六源); administrators only."""
    from envgrid.core.choices import Role

    if actor is not None and not (actor.is_superuser or actor.role == Role.ADMIN):
        raise SourcesPermissionDenied(_("Only an administrator may change the source families."))
    if unknown := set(fields) - {"code", "name", "sort_order", "active"}:
        raise TypeError(f"family_save() cannot change {', '.join(sorted(unknown))}")
    before = snapshot(family) if family is not None else None
    family = family or SourceFamily()
    for name, value in fields.items():
        setattr(family, name, value)
    family.full_clean()
    family.save()
    audit_record(actor=actor, action="source_family.save", obj=family, before=before, after=snapshot(family))
    return family
