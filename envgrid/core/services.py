"""Writes of the core app: the audit trail, units, users and the working-day calendar."""

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


# --- the audited create, update and delete that entity services are made of ----------------------


def audit_state(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """What the audit trail keeps of ``obj``: its ``fields``, a foreign key as its id, a many-to-many field as
    the sorted ids."""
    many = [name for name in fields if obj._meta.get_field(name).many_to_many]
    state = snapshot(obj, fields=[name for name in fields if name not in many])
    for name in many:
        state[name] = sorted(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
    return state


def _assign(obj: models.Model, changes: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Set the plain fields of ``changes`` on ``obj``; return the many-to-many ones, to set after the save.

    A name outside ``fields`` is a programming error (TypeError), not a user's mistake.
    """
    if unknown := set(changes) - set(fields):
        raise TypeError(f"{type(obj).__name__} has no updatable field(s) {sorted(unknown)}")
    many = {name: value for name, value in changes.items() if obj._meta.get_field(name).many_to_many}
    for name, value in changes.items():
        if name not in many:
            setattr(obj, name, value)
    return many


def _save(obj: models.Model, many: dict[str, Any]) -> None:
    obj.full_clean()
    obj.save()
    for name, value in many.items():
        getattr(obj, name).set(value)


def audited_create(obj: models.Model, *, actor, action: str, fields: list[str], **many: Any) -> models.Model:
    """Check and save a new ``obj``, set its many-to-many fields (``many``), and audit its ``fields``.

    The create half of an entity's services; call it inside the service's transaction.
    """
    _save(obj, _assign(obj, many, fields))
    audit_record(actor=actor, action=action, obj=obj, after=audit_state(obj, fields))
    return obj


def audited_update(obj: models.Model, changes: dict[str, Any], *, actor, action: str, fields: list[str]):
    """Lock ``obj``'s row, apply ``changes`` (names from ``fields`` only), check, save, and audit what changed.

    Returns the fresh row; call it inside the service's transaction.
    """
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = audit_state(obj, fields)
    _save(obj, _assign(obj, changes, fields))
    audit_changes(actor=actor, action=action, obj=obj, before=before, after=audit_state(obj, fields))
    return obj


def audited_delete(obj: models.Model, *, actor, action: str, fields: list[str]) -> None:
    """Lock ``obj``'s row, audit its ``fields`` as they were, and delete it (protected rows raise ProtectedError)."""
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    audit_record(actor=actor, action=action, obj=obj, before=audit_state(obj, fields))
    obj.delete()


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
    return audited_create(unit, actor=actor, action="unit.create", fields=UNIT_FIELDS)


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes: Any) -> Unit:
    """Change a unit's name, kind, parent, phone, order, or switch it off (``is_active=False``)."""
    return audited_update(unit, changes, actor=actor, action="unit.update", fields=UNIT_FIELDS)


@transaction.atomic
def unit_delete(*, actor, unit: Unit) -> None:
    """Delete a unit that nothing refers to (its people and child units protect it: ProtectedError)."""
    audited_delete(unit, actor=actor, action="unit.delete", fields=UNIT_FIELDS)


# --- users ---------------------------------------------------------------------------------------

#: What the audit trail keeps of a person: role, unit and rights, never the password hash.
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
    "groups",
    "user_permissions",
]


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

    ``password=None`` gives an account that cannot sign in by password; the strength of a password is
    checked by the form that asks for it. ``extra`` takes the other fields of ``user_update``.
    """
    user = User(username=username, role=role, unit=unit, display_name=display_name, phone=phone)
    _set_password(user, password)
    many = _assign(user, extra, USER_FIELDS)
    return audited_create(user, actor=actor, action="user.create", fields=USER_FIELDS, **many)


@transaction.atomic
def user_update(*, actor, user: User, **changes: Any) -> User:
    """Change a person's role, unit, names, e-mail, phone, rights or groups, or switch the account off.

    The audit event keeps the changed fields before and after; the password goes through ``user_set_password``.
    """
    return audited_update(user, changes, actor=actor, action="user.update", fields=USER_FIELDS)


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
    audited_delete(user, actor=actor, action="user.delete", fields=USER_FIELDS)


# --- the working-day calendar ----------------------------------------------------------------------

CALENDAR_DAY_FIELDS = ["date", "is_workday", "name"]


@transaction.atomic
def calendar_day_create(*, actor, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """Set by hand whether ``date`` is a working day (调休 / holiday), over the statutory calendar."""
    day = CalendarDay(date=date, is_workday=is_workday, name=name)
    return audited_create(day, actor=actor, action="calendar_day.create", fields=CALENDAR_DAY_FIELDS)


@transaction.atomic
def calendar_day_update(*, actor, day: CalendarDay, **changes: Any) -> CalendarDay:
    """Change a calendar override's date, working status or name."""
    return audited_update(day, changes, actor=actor, action="calendar_day.update", fields=CALENDAR_DAY_FIELDS)


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """Remove a calendar override: the date follows the statutory calendar again."""
    audited_delete(day, actor=actor, action="calendar_day.delete", fields=CALENDAR_DAY_FIELDS)
