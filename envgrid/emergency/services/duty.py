"""Writes of the duty roster (应急值班): add and remove people on a shift, import a roster from Excel."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.models import Unit, User
from envgrid.core.services import audit_record
from envgrid.core.spreadsheets import Column, RowError, read_records, refuse_if_errors
from envgrid.core.spreadsheets import cell_text as text
from envgrid.core.spreadsheets import day as parse_date
from envgrid.emergency.choices import DutyPost
from envgrid.emergency.errors import (
    MAX_IMPORT_BYTES,
    EmergencyError,
    EmergencyErrorCode,
    EmergencyPermissionDenied,
    ImportInvalid,
    ImportUnreadable,
)
from envgrid.emergency.models import DutyAssignment, DutyShift
from envgrid.emergency.permissions import can_edit_roster, may_edit_some_roster

PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
#: A roster may be made at most this far ahead, or this far back (corrections).
MAX_DAYS_AHEAD = 366
MAX_DAYS_BACK = 31

POST_WORDS = {
    "带班领导": DutyPost.LEADER,
    "带班": DutyPost.LEADER,
    "领导": DutyPost.LEADER,
    "leader": DutyPost.LEADER,
    "值班员": DutyPost.OFFICER,
    "值班人员": DutyPost.OFFICER,
    "值班": DutyPost.OFFICER,
    "officer": DutyPost.OFFICER,
    "": DutyPost.OFFICER,
}

DUTY_COLUMNS = (
    Column("unit", "单位", aliases=("unit", "值班单位", "责任单位"), required=True, example="生态环境分局"),
    Column("date", "日期", aliases=("date", "值班日期"), required=True, example="2026-11-20"),
    Column("shift", "班次", aliases=("shift",), required=True, example="白班"),
    Column("post", "岗位", aliases=("post",), example="值班员"),
    Column("name", "姓名", aliases=("name", "值班人员", "值班人"), required=True, example="张伟"),
    Column("phone", "电话", aliases=("phone", "联系电话", "手机"), required=True, example="13800000000"),
    Column("username", "账号", aliases=("username", "用户名"), example=""),
    Column("note", "备注", aliases=("note",), example=""),
)


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not PHONE.match(phone):
        raise ValueError(_("“%(p)s” is not a phone number.") % {"p": phone})
    return phone


def _check_date(day: dt.date) -> None:
    today = timezone.localdate()
    if not (today - dt.timedelta(days=MAX_DAYS_BACK) <= day <= today + dt.timedelta(days=MAX_DAYS_AHEAD)):
        raise ValueError(
            _("The date must lie between %(a)s and %(b)s.")
            % {"a": today - dt.timedelta(days=MAX_DAYS_BACK), "b": today + dt.timedelta(days=MAX_DAYS_AHEAD)}
        )


def _assignment(*, unit, day, shift, post, person, name, phone, note, actor) -> DutyAssignment:
    starts_at, ends_at = shift.span(day)
    return DutyAssignment(
        unit=unit,
        date=day,
        shift=shift,
        post=post,
        person=person,
        name=name,
        phone=phone,
        note=note,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def duty_assignment_add(
    *,
    actor: User,
    unit: Unit,
    date: dt.date,
    shift: DutyShift,
    name: str = "",
    phone: str = "",
    post: str = DutyPost.OFFICER,
    person: User | None = None,
    note: str = "",
) -> DutyAssignment:
    """Put a person on a unit's shift of one day; name and phone default to the account's."""
    if not can_edit_roster(actor, unit):
        raise EmergencyPermissionDenied(_("You may not edit the duty roster of %(unit)s.") % {"unit": unit})
    name = (name or (person.display_name or person.username if person else "")).strip()
    phone = (phone or (person.phone if person else "")).strip()
    if not name:
        raise EmergencyError(EmergencyErrorCode.INVALID, _("Give the name of the person on duty."))
    try:
        phone = _check_phone(phone)
        _check_date(date)
    except ValueError as exc:
        raise EmergencyError(EmergencyErrorCode.INVALID, str(exc)) from None
    if post not in DutyPost.values:
        raise EmergencyError(EmergencyErrorCode.INVALID, _("Unknown post %(p)r.") % {"p": post})
    if DutyAssignment.objects.filter(unit=unit, date=date, shift=shift, name=name).exists():
        raise EmergencyError(
            EmergencyErrorCode.INVALID,
            _("%(name)s is already on the %(shift)s of %(date)s.") % {"name": name, "shift": shift.name, "date": date},
        )
    assignment = _assignment(
        unit=unit,
        day=date,
        shift=shift,
        post=post,
        person=person,
        name=name,
        phone=phone,
        note=note.strip(),
        actor=actor,
    )
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action="duty.add",
        obj=assignment,
        after={"unit": unit.name, "date": str(date), "shift": shift.code, "name": name, "phone": phone},
    )
    return assignment


@transaction.atomic
def duty_assignment_remove(*, actor: User, assignment: DutyAssignment) -> None:
    """Take a person off a shift."""
    if not can_edit_roster(actor, assignment.unit_id):
        raise EmergencyPermissionDenied(_("You may not edit the duty roster of %(unit)s.") % {"unit": assignment.unit})
    audit_record(
        actor=actor,
        action="duty.remove",
        obj=assignment,
        before={
            "unit_id": assignment.unit_id,
            "date": str(assignment.date),
            "shift_id": assignment.shift_id,
            "name": assignment.name,
            "phone": assignment.phone,
        },
    )
    assignment.delete()


# --- Excel import ---------------------------------------------------------------------------------


@dataclass
class DutyImportResult:
    """What an import did (or, on a dry run, would do)."""

    rows: int
    units: int
    days: int
    created: int
    replaced: int
    dry_run: bool
    preview: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "units": self.units,
            "days": self.days,
            "created": self.created,
            "replaced": self.replaced,
            "dry_run": self.dry_run,
            "preview": self.preview,
        }


class _Lookups:
    def __init__(self):
        units = list(Unit.objects.filter(is_active=True))
        self.units = {u.name: u for u in units} | {u.short_name: u for u in units if u.short_name}
        shifts = list(DutyShift.objects.filter(is_active=True))
        self.shifts = {s.name: s for s in shifts} | {s.code: s for s in shifts}
        self.users: dict[str, User] = {}

    def load_users(self, usernames: set[str]) -> None:
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}


def _parse_duty_row(number: int, values: dict, lookups: _Lookups, actor: User, errors: list[RowError]):
    def bad(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    unit = lookups.units.get(text(values.get("unit")))
    if unit is None:
        bad("单位", _("No active unit is called “%(v)s”.") % {"v": text(values.get("unit"))})
    elif not can_edit_roster(actor, unit):
        bad("单位", _("You may not edit the duty roster of %(unit)s.") % {"unit": unit})
    day = None
    try:
        day = parse_date(values.get("date"))
        _check_date(day)
    except ValueError as exc:
        bad("日期", str(exc))
        day = None
    shift = lookups.shifts.get(text(values.get("shift")))
    if shift is None:
        names = "、".join(sorted({s.name for s in lookups.shifts.values()}))
        bad(
            "班次",
            _("Unknown shift “%(v)s”; use one of: %(names)s.") % {"v": text(values.get("shift")), "names": names},
        )
    post = POST_WORDS.get(text(values.get("post")).lower())
    if post is None:
        bad("岗位", _("Unknown post “%(v)s”; write 带班领导 or 值班员.") % {"v": text(values.get("post"))})
    name = text(values.get("name"))
    if not name:
        bad("姓名", _("The name is required."))
    elif len(name) > 50:
        bad("姓名", _("At most 50 characters."))
    phone = ""
    try:
        phone = _check_phone(text(values.get("phone")))
    except ValueError as exc:
        bad("电话", str(exc))
    person = None
    if username := text(values.get("username")):
        person = lookups.users.get(username)
        if person is None:
            bad("账号", _("No active account “%(v)s”.") % {"v": username})
    return unit, day, shift, post, name, phone, person, text(values.get("note"))[:200]


def _link_accounts(items: list[dict]) -> None:
    """Link a row without an account to the one active account of its unit with the same display name."""
    wanted = {(i["unit"].pk, i["name"]) for i in items if i["person"] is None}
    if not wanted:
        return
    found: dict[tuple[int, str], list[User]] = {}
    for user in User.objects.filter(
        is_active=True, unit_id__in={u for u, _n in wanted}, display_name__in={n for _u, n in wanted}
    ):
        found.setdefault((user.unit_id, user.display_name), []).append(user)
    for item in items:
        matches = found.get((item["unit"].pk, item["name"]), [])
        if item["person"] is None and len(matches) == 1:
            item["person"] = matches[0]


@transaction.atomic
def duty_roster_import(*, actor: User, content: bytes, dry_run: bool = False) -> DutyImportResult:
    """Import a duty roster from Excel (单位, 日期, 班次, 岗位, 姓名, 电话, 账号, 备注): every row is checked
    and any error refuses the whole file. For each unit and date in the file, its rows replace that day's
    roster. A dry run checks and counts without writing."""
    if not may_edit_some_roster(actor):
        raise EmergencyPermissionDenied(_("You may not import duty rosters."))
    rows = read_records(content, DUTY_COLUMNS, max_bytes=MAX_IMPORT_BYTES, refusal=ImportUnreadable)
    if not rows:
        raise EmergencyError(EmergencyErrorCode.IMPORT_UNREADABLE, _("The sheet has no data rows."))
    lookups = _Lookups()
    lookups.load_users({text(v.get("username")) for _n, v in rows if text(v.get("username"))})
    errors: list[RowError] = []
    items: list[dict] = []
    for number, values in rows:
        before = len(errors)
        unit, day, shift, post, name, phone, person, note = _parse_duty_row(number, values, lookups, actor, errors)
        if len(errors) == before:
            items.append(
                {
                    "row": number,
                    "unit": unit,
                    "date": day,
                    "shift": shift,
                    "post": post,
                    "name": name,
                    "phone": phone,
                    "person": person,
                    "note": note,
                }
            )
    seen = Counter((i["unit"].pk, i["date"], i["shift"].pk, i["name"]) for i in items)
    for item in items:
        if seen[(item["unit"].pk, item["date"], item["shift"].pk, item["name"])] > 1:
            errors.append(
                RowError(
                    item["row"],
                    "姓名",
                    _("%(name)s appears twice on the same unit, date and shift.") % {"name": item["name"]},
                )
            )
    refuse_if_errors(errors, total=len(rows), refusal=ImportInvalid)
    _link_accounts(items)
    days = {(i["unit"].pk, i["date"]) for i in items}
    replaced_q = Q(pk__in=[])
    for unit_id, day in days:
        replaced_q |= Q(unit_id=unit_id, date=day)
    replaced = DutyAssignment.objects.filter(replaced_q)
    replaced_count = replaced.count()
    result = DutyImportResult(
        rows=len(rows),
        units=len({u for u, _d in days}),
        days=len({d for _u, d in days}),
        created=len(items),
        replaced=replaced_count,
        dry_run=dry_run,
        preview=[
            {
                "row": i["row"],
                "unit": i["unit"].name,
                "date": str(i["date"]),
                "shift": i["shift"].name,
                "post": str(DutyPost(i["post"]).label),
                "name": i["name"],
                "phone": i["phone"],
                "account": i["person"].username if i["person"] else "",
            }
            for i in items[:20]
        ],
    )
    if dry_run:
        return result
    replaced.delete()
    DutyAssignment.objects.bulk_create(
        [
            _assignment(
                unit=i["unit"],
                day=i["date"],
                shift=i["shift"],
                post=i["post"],
                person=i["person"],
                name=i["name"],
                phone=i["phone"],
                note=i["note"],
                actor=actor,
            )
            for i in items
        ]
    )
    audit_record(actor=actor, action="duty.import", after={k: v for k, v in result.as_dict().items() if k != "preview"})
    return result
