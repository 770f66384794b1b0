"""Excel exports of the sources lists (objects, responsibilities, coverage), streamed through write-only
sheets of the core writer. The objects export uses the import's columns, so an exported file can be edited
and imported back."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.spreadsheets import add_sheet, append_row, chunked, new_workbook, workbook_bytes
from envgrid.sources.imports import objects as object_import
from envgrid.sources.models import Responsibility, SupervisedObject
from envgrid.sources.selectors import with_owners

CHUNK = 2000


def _owner_text(responsibility: Responsibility | None) -> tuple[str, str, str]:
    if responsibility is None:
        return "", "", ""
    return responsibility.unit.name, str(responsibility.person), str(responsibility.deputy or "")


def object_cells(obj: SupervisedObject) -> list:
    """The object in the import's column order (so the file imports back), values as the template has them."""
    typed = {}
    for kind, (_model, fields) in object_import.TYPED.items():
        if obj.kind != kind:
            continue
        detail = object_import._detail_of(obj, kind)
        if detail is not None:
            typed = {key: getattr(detail, field) for key, field in fields.items()}
    values = {
        "code": obj.code,
        "name": obj.name,
        "family": obj.family.code,
        "kind": obj.get_kind_display(),
        "address": obj.address,
        "lon": obj.lon,
        "lat": obj.lat,
        "status": obj.get_status_display(),
        "contact_name": obj.contact_name,
        "contact_phone": obj.contact_phone,
        "note": obj.note,
        **typed,
    }
    if isinstance(values.get("monitoring_mns"), list):
        values["monitoring_mns"] = "; ".join(values["monitoring_mns"])
    for flag in object_import.SIX:
        if flag in values:
            values[flag] = _("Yes") if values[flag] else _("No")
    if obj.geometry:
        values["line"] = "; ".join(f"{x},{y}" for x, y in obj.geometry["coordinates"])
    return [values.get(column.key) for column in object_import.COLUMNS]


def objects_workbook(objects: QuerySet[SupervisedObject]) -> bytes:
    """Objects with their typed details and, after the importable columns, grid, street and owner today."""
    workbook = new_workbook()
    columns = [(c.header(), c.width) for c in object_import.COLUMNS]
    extra = [
        (_("Grid"), 18),
        (_("Street / town"), 12),
        (_("Responsible unit"), 18),
        (_("Responsible person"), 10),
        (_("Deputy"), 10),
    ]
    sheet = add_sheet(workbook, _("Supervised objects"), columns + extra)
    queryset = objects.select_related(
        "family", "grid", "street", "street__parent", "enterprise", "construction_site", "road"
    )
    for chunk in chunked(queryset.iterator(chunk_size=CHUNK), CHUNK):
        for obj in with_owners(chunk):
            grid = obj.grid.code if obj.grid_id else ""
            street = obj.street.name if obj.street_id else ""
            append_row(sheet, [*object_cells(obj), grid, street, *_owner_text(obj.owner)])
    return workbook_bytes(workbook)


def responsibility_cells(r: Responsibility) -> list:
    obj = r.supervised_object
    return [
        obj.code if obj else "",
        r.grid.code if r.grid_id else "",
        r.family.name if r.family_id else "",
        r.region.code if r.region_id else "",
        r.get_role_display(),
        r.unit.name,
        r.person.username,
        r.deputy.username if r.deputy_id else "",
        r.valid_from,
        r.valid_to,
        r.note,
        obj.name if obj else (r.region.name if r.region_id else ""),
        str(r.person),
        str(r.deputy or ""),
    ]


def responsibilities_workbook(responsibilities: QuerySet[Responsibility]) -> bytes:
    """Responsibilities in the import's column order (so the file imports back), then names for people."""
    from envgrid.sources.imports import responsibilities as responsibility_import

    workbook = new_workbook()
    columns = [(c.header(), c.width) for c in responsibility_import.COLUMNS]
    columns += [(_("Target name"), 24), (_("Person's name"), 10), (_("Deputy's name"), 10)]
    queryset = responsibilities.select_related(
        "supervised_object", "grid", "family", "region", "unit", "person", "deputy"
    )
    rows = (responsibility_cells(r) for r in queryset.iterator(chunk_size=CHUNK))
    add_sheet(workbook, _("Responsibilities"), columns, rows)
    return workbook_bytes(workbook)


def coverage_workbook(objects: QuerySet[SupervisedObject], grids, matrix: dict) -> bytes:
    """The coverage report: the table by street and family, objects without an owner, key grids without one."""
    workbook = new_workbook()
    families = matrix["families"]
    add_sheet(
        workbook,
        _("By street and family"),
        [(_("Street / town"), 14)] + [(f.name, 16) for f in families] + [(_("Total"), 10)],
        (
            [
                row["street"].name,
                *(f"{open_}/{total}" for _f, total, open_ in row["cells"]),
                f"{row['open']}/{row['total']}",
            ]
            for row in matrix["rows"]
        ),
    )
    uncovered = (
        objects.select_related("family", "street", "grid")
        .order_by("street__sort_order", "code")
        .iterator(chunk_size=CHUNK)
    )
    add_sheet(
        workbook,
        _("Objects without owner"),
        [
            (_("Code"), 14),
            (_("Name"), 26),
            (_("Source family"), 16),
            (_("Kind"), 10),
            (_("Street / town"), 12),
            (_("Grid"), 18),
            (_("Address"), 26),
        ],
        (
            [
                obj.code,
                obj.name,
                obj.family.name,
                obj.get_kind_display(),
                obj.street.name if obj.street_id else "",
                obj.grid.code if obj.grid_id else "",
                obj.address,
            ]
            for obj in uncovered
        ),
    )
    add_sheet(
        workbook,
        _("Key grids without owner"),
        [(_("Grid"), 18), (_("Name"), 20), (_("Street / town"), 12)],
        ([grid.code, grid.name, grid.street.name] for grid in grids),
    )
    add_sheet(workbook, _("About"), [(_("Generated at"), 20)], [[timezone.localtime().strftime("%Y-%m-%d %H:%M")]])
    return workbook_bytes(workbook)
