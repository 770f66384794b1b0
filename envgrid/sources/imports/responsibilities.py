"""Excel import of 分包 responsibilities: one row per assignment of a unit and a named person to an object
(by its code), a grid (by its code) or a source family in an area (by the region's code), from a day.

A row whose target already has a current, open-ended owner becomes a transfer (the old period ends the day
before); a row that repeats what is recorded changes nothing, so the same file can be imported twice. Any
other overlap with a recorded period, or with another row, is an error on that row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from envgrid.core import spreadsheets as c
from envgrid.core.models import Unit, User
from envgrid.core.querysets import unit_subtree_ids
from envgrid.core.services import audit_record
from envgrid.grids.models import Grid, Region
from envgrid.sources.choices import ResponsibilityRole
from envgrid.sources.imports.objects import _family_lookup
from envgrid.sources.models import Responsibility, SupervisedObject

ROLE_ALIASES = {
    "主责": "lead",
    "主责单位": "lead",
    "牵头": "lead",
    "包保": "lead",
    "配合": "support",
    "配合单位": "support",
    "协同": "support",
}

COLUMNS: list[c.Column] = [
    c.Column(
        "object_code",
        "对象编码",
        "Object code",
        c.text(50),
        width=14,
        example="QY-0001",
        aliases=("监管对象编码",),
        hint_zh="对象、网格、类别+区域 三选一",
    ),
    c.Column("grid_code", "网格编码", "Grid code", c.text(40), width=18),
    c.Column("family", "六源类别", "Source family", c.text(50), width=16),
    c.Column(
        "region_code",
        "区域编码",
        "Area code",
        c.text(30),
        width=14,
        aliases=("区域",),
        hint_zh="区/街道/社区编码，与六源类别一起用",
    ),
    c.Column("role", "角色", "Role", c.choice(ResponsibilityRole, ROLE_ALIASES), width=8, example="主责"),
    c.Column("unit", "责任单位", "Unit", c.text(100), required=True, width=20, example="生态环境分局"),
    c.Column(
        "person", "责任人", "Person", c.text(150), required=True, width=12, example="unit_lead", hint_zh="账号或姓名"
    ),
    c.Column("deputy", "副责任人", "Deputy", c.text(150), width=12),
    c.Column("valid_from", "开始日期", "From", c.day, required=True, width=12, example=dt.date(2026, 1, 1)),
    c.Column("valid_to", "结束日期", "Until", c.day, width=12, hint_zh="空=至今"),
    c.Column("note", "备注", "Note", c.text(200), width=20),
]

Key = tuple[int | None, int | None, int | None, int | None, str]


class _Lookups:
    """Units, people, grids, regions and families by the names a spreadsheet uses for them."""

    def __init__(self, object_codes: set[str]):
        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(is_active=True):
            self.units.setdefault(unit.name.strip().lower(), unit)
            if unit.short_name:
                self.units.setdefault(unit.short_name.strip().lower(), unit)
        self.by_username: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = defaultdict(list)
        for user in User.objects.filter(is_active=True).only("id", "username", "display_name", "unit_id"):
            self.by_username[user.username.lower()] = user
            if user.display_name:
                self.by_name[user.display_name.strip()].append(user)
        self.grids = dict(Grid.objects.values_list("code", "id"))
        self.regions = {r.code: r for r in Region.objects.all()}
        self.region_names: dict[str, list[Region]] = defaultdict(list)
        for region in self.regions.values():
            self.region_names[region.name].append(region)
        self.families = _family_lookup()
        self.objects: dict[str, int] = {}
        for chunk in c.chunked(sorted(object_codes), 2000):
            self.objects.update(SupervisedObject.objects.filter(code__in=chunk).values_list("code", "id"))
        self._subtrees: dict[int, set[int]] = {}

    def subtree(self, unit: Unit) -> set[int]:
        if unit.pk not in self._subtrees:
            self._subtrees[unit.pk] = unit_subtree_ids(unit.pk)
        return self._subtrees[unit.pk]

    def person(self, value: str, unit: Unit) -> tuple[User | None, str]:
        """The user named by username or display name within the unit; else (None, why not)."""
        members = self.subtree(unit)
        user = self.by_username.get(value.lower())
        if user is not None and user.unit_id in members:
            return user, ""
        named = [u for u in self.by_name.get(value, []) if u.unit_id in members]
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, _("%(name)s is the name of %(n)d people in %(unit)s; give the username.") % {
                "name": value,
                "n": len(named),
                "unit": unit,
            }
        return None, _("No active person %(name)s in %(unit)s.") % {"name": value, "unit": unit}


class _Row:
    __slots__ = ("number", "key", "unit", "person", "deputy", "valid_from", "valid_to", "note", "label")

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        return (self.valid_to is None or self.valid_to >= start) and (end is None or end >= self.valid_from)


def _fail(errors, positions, number: int, key: str, reason: str, value: Any = "", code: str = "invalid") -> None:
    letter, header = c.column_letter(positions, key)
    errors.append(c.RowError(number, letter, reason, code, header, str(value)[:100]))


def _target(row: dict, lookups: _Lookups, fail) -> tuple[tuple | None, str]:
    """(object, grid, family, region) ids of the row's target and a label; None after reporting why not."""
    forms = [("object_code" in row), ("grid_code" in row), ("family" in row or "region_code" in row)]
    if sum(forms) != 1:
        fail(
            "object_code",
            _("Fill exactly one target: an object code, a grid code, or a source family with an area code."),
            code="target_invalid",
        )
        return None, ""
    if forms[0]:
        object_id = lookups.objects.get(row["object_code"])
        if object_id is None:
            fail("object_code", _("No supervised object has this code."), row["object_code"], "unknown_object")
            return None, ""
        return (object_id, None, None, None), row["object_code"]
    if forms[1]:
        grid_id = lookups.grids.get(row["grid_code"])
        if grid_id is None:
            fail("grid_code", _("No grid has this code."), row["grid_code"], "unknown_grid")
            return None, ""
        return (None, grid_id, None, None), row["grid_code"]
    family = lookups.families.get(row.get("family", "").strip().lower())
    region = lookups.regions.get(row.get("region_code", ""))
    if region is None and len(lookups.region_names.get(row.get("region_code", ""), [])) == 1:
        region = lookups.region_names[row["region_code"]][0]
    if family is None:
        fail("family", _("Give a source family (code or name) with the area."), row.get("family", ""))
    if region is None:
        fail("region_code", _("No region has this code."), row.get("region_code", ""), "unknown_region")
    if family is None or region is None:
        return None, ""
    return (None, None, family.pk, region.pk), f"{family.name} @ {region.name}"


def _parse_people(row: dict, lookups: _Lookups, fail) -> tuple[Unit | None, User | None, User | None]:
    unit = lookups.units.get(row["unit"].strip().lower()) if "unit" in row else None
    if "unit" in row and unit is None:
        fail("unit", _("No active unit has this name."), row["unit"], "unknown_unit")
    if unit is None:
        return None, None, None
    person = deputy = None
    if "person" in row:
        person, why = lookups.person(row["person"], unit)
        if person is None:
            fail("person", why, row["person"], "unknown_person")
    if "deputy" in row:
        deputy, why = lookups.person(row["deputy"], unit)
        if deputy is None:
            fail("deputy", why, row["deputy"], "unknown_person")
        elif person is not None and deputy.pk == person.pk:
            fail("deputy", _("The deputy must be someone other than the responsible person."), row["deputy"])
    return unit, person, deputy


def _recorded(keys: set[Key]) -> dict[Key, list[Responsibility]]:
    """Recorded responsibilities of the targets named in the file, by target and role."""
    object_ids = sorted({k[0] for k in keys if k[0]})
    grid_ids = sorted({k[1] for k in keys if k[1]})
    family_ids = sorted({k[2] for k in keys if k[2]})
    found: dict[Key, list[Responsibility]] = defaultdict(list)
    querysets = [Responsibility.objects.filter(supervised_object_id__in=chunk) for chunk in c.chunked(object_ids, 2000)]
    if grid_ids:
        querysets.append(Responsibility.objects.filter(grid_id__in=grid_ids))
    if family_ids:
        querysets.append(Responsibility.objects.filter(family_id__in=family_ids))
    for queryset in querysets:
        for r in queryset.select_related("unit"):
            found[(r.supervised_object_id, r.grid_id, r.family_id, r.region_id, r.role)].append(r)
    return found


def import_responsibilities(
    data: bytes, *, actor=None, dry_run: bool = True, keep_good_rows: bool = False, progress: c.Progress | None = None
) -> c.ImportResult:
    """Check every row of a responsibilities workbook and, unless ``dry_run``, write them all — or, with
    errors, nothing (all or nothing), or only the good rows when ``keep_good_rows``."""
    result = c.ImportResult(kind="responsibilities", dry_run=dry_run)
    sheet = c.open_sheet(data, COLUMNS)
    errors = result.errors
    parsed: list[tuple[int, dict]] = []
    bad: set[int] = set()
    try:
        for count, (number, values) in enumerate(sheet.rows, start=1):
            before = len(errors)
            parsed.append((number, c.parse_row(number, values, sheet.positions, errors)))
            if len(errors) > before:
                bad.add(number)
            if progress is not None and count % c.PROGRESS_EVERY == 0:
                progress(count, sheet.total_rows)
    finally:
        sheet.close()
    result.total_rows = len(parsed)
    lookups = _Lookups({row["object_code"] for _n, row in parsed if "object_code" in row})
    rows = _check_rows(parsed, bad, lookups, sheet.positions, errors)
    plan = _plan(rows, bad, _recorded({r.key for r in rows}), sheet.positions, result)
    if progress is not None:
        progress(len(parsed), len(parsed))
    result.skipped = len(bad)
    if dry_run or (errors and not keep_good_rows):
        return result
    _write(plan, actor, result)
    return result


def _check_rows(parsed, bad: set[int], lookups: _Lookups, positions, errors) -> list[_Row]:
    rows = []
    for number, row in parsed:
        before = len(errors)

        def fail(key, reason, value="", code="invalid", number=number):
            _fail(errors, positions, number, key, reason, value, code)

        target, label = _target(row, lookups, fail)
        unit, person, deputy = _parse_people(row, lookups, fail)
        if row.get("valid_to") and row.get("valid_from") and row["valid_to"] < row["valid_from"]:
            fail("valid_to", _("The last day is before the first day."), row["valid_to"])
        if len(errors) > before or number in bad:
            bad.add(number)
            continue
        item = _Row()
        item.number, item.key, item.label = number, (*target, row.get("role", ResponsibilityRole.LEAD)), label
        item.unit, item.person, item.deputy = unit, person, deputy
        item.valid_from, item.valid_to, item.note = row["valid_from"], row.get("valid_to"), row.get("note", "")
        rows.append(item)
    return rows


def _same_people(recorded: Responsibility, row: _Row) -> bool:
    return (recorded.unit_id, recorded.person_id, recorded.deputy_id) == (
        row.unit.pk,
        row.person.pk,
        row.deputy.pk if row.deputy else None,
    )


def _plan(rows: list[_Row], bad: set[int], recorded, positions, result: c.ImportResult) -> dict:
    """Decide each good row: assign, transfer (ending a recorded period), or nothing; overlaps are errors."""
    accepted: dict[Key, list[_Row]] = defaultdict(list)
    ends: dict[int, tuple[Responsibility, dt.date]] = {}
    new_rows: list[_Row] = []
    for row in rows:
        clash = next((other for other in accepted[row.key] if other.overlaps(row.valid_from, row.valid_to)), None)
        if clash is not None:
            _fail(
                result.errors,
                positions,
                row.number,
                "valid_from",
                _("Overlaps row %(row)d for the same target and role.") % {"row": clash.number},
                row.valid_from,
                "responsibility_overlap",
            )
            bad.add(row.number)
            continue
        meeting = [r for r in recorded.get(row.key, []) if r.pk not in ends and row.overlaps(r.valid_from, r.valid_to)]
        action = _decide(row, meeting)
        if action == "overlap":
            other = meeting[0]
            _fail(
                result.errors,
                positions,
                row.number,
                "valid_from",
                _("%(target)s already has a responsibility from %(start)s to %(end)s (%(unit)s).")
                % {
                    "target": row.label,
                    "start": other.valid_from,
                    "end": other.valid_to or _("now"),
                    "unit": other.unit,
                },
                row.valid_from,
                "responsibility_overlap",
            )
            bad.add(row.number)
            continue
        accepted[row.key].append(row)
        if action == "unchanged":
            result.unchanged += 1
            continue
        change = {
            "row": row.number,
            "action": action,
            "target": row.label,
            "unit": row.unit.name,
            "person": str(row.person),
            "from": row.valid_from.isoformat(),
            "until": row.valid_to.isoformat() if row.valid_to else "",
        }
        if action == "transfer":
            old = meeting[0]
            ends[old.pk] = (old, row.valid_from - dt.timedelta(days=1))
            change["previous"] = f"{old.unit.name}（{old.valid_from} → {ends[old.pk][1]}）"
            result.ended += 1
        result.created += 1
        result.preview(change)
        new_rows.append(row)
    return {"new": new_rows, "ends": list(ends.values())}


def _decide(row: _Row, meeting: list[Responsibility]) -> str:
    if not meeting:
        return "assign"
    if len(meeting) > 1:
        return "overlap"
    recorded = meeting[0]
    if _same_people(recorded, row) and (
        (recorded.valid_from, recorded.valid_to) == (row.valid_from, row.valid_to)
        or (recorded.valid_to is None and row.valid_to is None and recorded.valid_from <= row.valid_from)
    ):
        return "unchanged"
    if recorded.valid_to is None and row.valid_to is None and recorded.valid_from < row.valid_from:
        return "transfer"
    return "overlap"


@transaction.atomic
def _write(plan: dict, actor, result: c.ImportResult) -> None:
    ended = []
    for responsibility, last_day in plan["ends"]:
        responsibility.valid_to = last_day
        ended.append(responsibility)
    Responsibility.objects.bulk_update(ended, ["valid_to"], batch_size=500)
    created_by = actor if getattr(actor, "pk", None) else None
    new = [
        Responsibility(
            supervised_object_id=row.key[0],
            grid_id=row.key[1],
            family_id=row.key[2],
            region_id=row.key[3],
            role=row.key[4],
            unit=row.unit,
            person=row.person,
            deputy=row.deputy,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            note=row.note,
            created_by=created_by,
        )
        for row in plan["new"]
    ]
    Responsibility.objects.bulk_create(new, batch_size=1000)
    result.written = True
    audit_record(
        actor=actor,
        action="responsibility.import",
        after={"created": [r.pk for r in new], "ended": [r.pk for r in ended]},
        note=_("Excel import: %(created)d responsibilities assigned, %(ended)d ended by transfer.")
        % {"created": len(new), "ended": len(ended)},
    )
