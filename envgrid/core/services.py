"""Writes of the core app: units, users and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.forms.models import model_to_dict

from envgrid.core.choices import Role, UnitKind
from envgrid.core.models import AuditEvent, CalendarDay, Unit, User


def snapshot(obj: models.Model, *, fields: list[str] | None = None) -> dict[str, Any]:
    """Return a JSON-safe dict of a model's concrete fields, for an audit before/after."""
    data = model_to_dict(obj, fields=fields)
    return {
        k: (v if isinstance(v, str | int | float | bool | type(None) | dict | list) else str(v))
        for k, v in data.items()
    }


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Write one audit event; call it from the service that makes the change, inside its transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        note=note,
    )


def on_commit(func, *args, **kwargs) -> None:
    """Run a side effect (job, message, push) only after the current transaction commits."""
    transaction.on_commit(lambda: func(*args, **kwargs))


def audit_changes(
    *, actor, action: str, obj: models.Model, before: dict, after: dict, note: str = ""
) -> AuditEvent | None:
    """Write an audit event holding, before and after, only the fields that changed; none when nothing did."""
    changed = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    if not changed:
        return None
    return audit_record(
        actor=actor,
        action=action,
        obj=obj,
        before={key: before.get(key) for key in changed},
        after={key: after.get(key) for key in changed},
        note=note,
    )


def assign_fields(obj: models.Model, changes: dict[str, Any], *, allowed: frozenset[str], m2m: tuple[str, ...] = ()):
    """Set the plain fields of ``changes`` on ``obj`` and return the many-to-many ones, to set after the save.

    A field outside ``allowed`` is a programming error (TypeError), not a user's mistake.
    """
    if unknown := set(changes) - allowed:
        raise TypeError(f"{type(obj).__name__} has no updatable field(s) {sorted(unknown)}")
    relations = {name: changes[name] for name in m2m if name in changes}
    for name, value in changes.items():
        if name not in relations:
            setattr(obj, name, value)
    return relations


# --- units ---------------------------------------------------------------------------------------

UNIT_FIELDS = ["name", "short_name", "kind", "parent", "phone", "is_active", "sort_order"]


@transaction.atomic
def unit_create(
    *,
    actor,
    name: str,
    kind: str = UnitKind.DEPARTMENT,
    short_name: str = "",
    parent: Unit | None = None,
    phone: str = "",
    is_active: bool = True,
    sort_order: int = 0,
) -> Unit:
    """Create a unit (a department, a street or a community committee) under ``parent``."""
    unit = Unit(
        name=name,
        kind=kind,
        short_name=short_name,
        parent=parent,
        phone=phone,
        is_active=is_active,
        sort_order=sort_order,
    )
    unit.full_clean()
    unit.save()
    audit_record(actor=actor, action="unit.create", obj=unit, after=snapshot(unit, fields=UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes: Any) -> Unit:
    """Change a unit's name, kind, parent, phone, order, or switch it off (``is_active=False``)."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, fields=UNIT_FIELDS)
    assign_fields(unit, changes, allowed=frozenset(UNIT_FIELDS))
    unit.full_clean()
    unit.save()
    audit_changes(actor=actor, action="unit.update", obj=unit, before=before, after=snapshot(unit, fields=UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_delete(*, actor, unit: Unit) -> None:
    """Delete a unit that nothing refers to (its people and child units protect it: ProtectedError)."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    audit_record(actor=actor, action="unit.delete", obj=unit, before=snapshot(unit, fields=UNIT_FIELDS))
    unit.delete()


# --- users ---------------------------------------------------------------------------------------

USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "display_name",
    "phone",
    "unit",
    "role",
    "is_active",
    "is_staff",
    "is_superuser",
]
USER_RELATIONS = ("groups", "user_permissions")
USER_UPDATABLE = frozenset([*USER_FIELDS, *USER_RELATIONS])


def _user_state(user: User) -> dict[str, Any]:
    """What the audit trail keeps of a person: role, unit and rights, never the password hash."""
    state = snapshot(user, fields=USER_FIELDS)
    state["groups"] = sorted(user.groups.values_list("name", flat=True))
    state["user_permissions"] = sorted(
        f"{app}.{codename}"
        for app, codename in user.user_permissions.values_list("content_type__app_label", "codename")
    )
    return state


def _set_password(user: User, password: str | None) -> None:
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None = None,
    role: str = Role.UNIT_STAFF,
    unit: Unit | None = None,
    display_name: str = "",
    phone: str = "",
    **extra: Any,
) -> User:
    """Create a person's account with a role and a unit (which decide their data scope).

    ``password=None`` gives an account that cannot sign in by password. The strength of a password is
    checked by the form that asks for it. ``extra`` takes the other fields of ``user_update``.
    """
    user = User(username=username, role=role, unit=unit, display_name=display_name, phone=phone)
    relations = assign_fields(user, extra, allowed=USER_UPDATABLE, m2m=USER_RELATIONS)
    _set_password(user, password)
    user.full_clean()
    user.save()
    for name, value in relations.items():
        getattr(user, name).set(value)
    audit_record(actor=actor, action="user.create", obj=user, after=_user_state(user))
    return user


@transaction.atomic
def user_update(*, actor, user: User, **changes: Any) -> User:
    """Change a person's role, unit, names, e-mail, phone, rights or groups, or switch the account off.

    The audit event keeps the changed fields before and after; the password goes through ``user_set_password``.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _user_state(user)
    relations = assign_fields(user, changes, allowed=USER_UPDATABLE, m2m=USER_RELATIONS)
    user.full_clean()
    user.save()
    for name, value in relations.items():
        getattr(user, name).set(value)
    audit_changes(actor=actor, action="user.update", obj=user, before=before, after=_user_state(user))
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str | None) -> User:
    """Give a person a new password, or (``None``) turn off signing in by password. Audited without the hash."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {"usable_password": user.has_usable_password()}
    _set_password(user, password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action="user.set_password",
        obj=user,
        before=before,
        after={"usable_password": user.has_usable_password()},
    )
    return user


@transaction.atomic
def user_delete(*, actor, user: User) -> None:
    """Delete an account (records that protect it raise ProtectedError; switching it off keeps the history)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    audit_record(actor=actor, action="user.delete", obj=user, before=_user_state(user))
    user.delete()


# --- the working-day calendar ----------------------------------------------------------------------

CALENDAR_DAY_FIELDS = ["date", "is_workday", "name"]


@transaction.atomic
def calendar_day_create(*, actor, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """Set by hand whether ``date`` is a working day (调休 / holiday), over the statutory calendar."""
    day = CalendarDay(date=date, is_workday=is_workday, name=name)
    day.full_clean()
    day.save()
    audit_record(actor=actor, action="calendar_day.create", obj=day, after=snapshot(day, fields=CALENDAR_DAY_FIELDS))
    return day


@transaction.atomic
def calendar_day_update(*, actor, day: CalendarDay, **changes: Any) -> CalendarDay:
    """Change a calendar override's date, working status or name."""
    day = CalendarDay.objects.select_for_update().get(pk=day.pk)
    before = snapshot(day, fields=CALENDAR_DAY_FIELDS)
    assign_fields(day, changes, allowed=frozenset(CALENDAR_DAY_FIELDS))
    day.full_clean()
    day.save()
    audit_changes(
        actor=actor,
        action="calendar_day.update",
        obj=day,
        before=before,
        after=snapshot(day, fields=CALENDAR_DAY_FIELDS),
    )
    return day


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """Remove a calendar override: the date follows the statutory calendar again."""
    day = CalendarDay.objects.select_for_update().get(pk=day.pk)
    audit_record(actor=actor, action="calendar_day.delete", obj=day, before=snapshot(day, fields=CALENDAR_DAY_FIELDS))
    day.delete()
