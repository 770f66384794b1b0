"""The workflow toolkit every app with a life cycle uses (cases, directives, warnings, enforcement cases):

- ``TimelineEvent`` / ``UnitTimelineEvent``: the fields every timeline entry has, once; each app's event
  model adds its foreign key and its own extras.
- ``Transition`` / ``TransitionTable`` / ``check_transition``: which action moves a row from which states to
  which state, and who may take it — one table shape for every app.
- ``lock_row``, ``check_version`` and ``transition``: take the row lock, check ``version``, apply the change,
  write the timeline event and the audit, and return the fresh row. Callers use the returned instance; the
  object they passed in is left as it was.
- ``unit_people``: the active people of some units, in some roles (whom a workflow tells about its work).

Errors are the calling app's own classes (its 409 conflict, its 403 refusal), so its API and pages keep
their codes: ``conflict(CONFLICT, …)`` for a stale version, ``conflict(INVALID_TRANSITION, …)`` for an
action the state does not allow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from envgrid.core.choices import Role
from envgrid.core.errors import DomainError
from envgrid.core.models import User
from envgrid.core.services import audit_record

#: Stable error codes every app's workflow errors share.
CONFLICT = "conflict"
INVALID_TRANSITION = "invalid_transition"

M = TypeVar("M", bound=models.Model)


# --- timeline events -----------------------------------------------------------------------------


class TimelineEvent(models.Model):
    """One entry of a timeline (处置记录): who did what and when, with a note and details. Never edited or
    deleted. ``actor`` None is the system (``actor_name`` “系统”)."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=20)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @classmethod
    def actor_fields(cls, actor) -> dict[str, Any]:
        """The actor columns for ``actor`` (a user, or None / an anonymous user for the system)."""
        has_actor = getattr(actor, "pk", None) is not None
        return {"actor": actor if has_actor else None, "actor_name": str(actor) if has_actor else gettext("System")}


class UnitTimelineEvent(TimelineEvent):
    """A timeline entry that also keeps the actor's role and unit at the time (they may change later)."""

    actor_role = models.CharField(_("actor role"), max_length=20, blank=True)
    actor_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("actor unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimelineEvent.Meta):
        abstract = True

    @classmethod
    def actor_fields(cls, actor) -> dict[str, Any]:
        return {
            **super().actor_fields(actor),
            "actor_role": getattr(actor, "role", "") or "",
            "actor_unit_id": getattr(actor, "unit_id", None),
        }


# --- transition tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: ``action`` moves a row from one of ``sources`` to ``target``.

    ``target`` None keeps the status (or the service's ``apply`` sets it, e.g. resume returns to the held
    state); ``allowed(user, obj)`` says who may take it (None: the service checks the actor itself);
    ``needs_reason``: the action needs a note."""

    action: str
    sources: frozenset[str]
    target: str | None = None
    allowed: Callable[[Any, Any], bool] | None = None
    needs_reason: bool = False


class TransitionTable(Mapping[str, Transition]):
    """The transitions of one kind of row, by action, in the order they were given (the order of buttons)."""

    def __init__(self, *rows: Transition):
        self._rows = {row.action: row for row in rows}

    def __getitem__(self, action: str) -> Transition:
        return self._rows[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def possible(self, status: str) -> list[Transition]:
        """The transitions the state ``status`` allows, whoever takes them."""
        return [row for row in self._rows.values() if status in row.sources]

    def available(self, status: str, user, obj) -> list[str]:
        """The actions ``user`` may take on ``obj`` in the state ``status`` (rows without ``allowed``: anyone)."""
        return [row.action for row in self.possible(status) if row.allowed is None or row.allowed(user, obj)]

    def next_statuses(self, status: str) -> list[str]:
        """The states ``status`` may move to, in table order."""
        return list(dict.fromkeys(row.target for row in self.possible(status) if row.target))


def check_transition(
    table: TransitionTable,
    action: str,
    status: str,
    *,
    conflict: type[DomainError],
    message: str | Callable[[], str],
    code: str = INVALID_TRANSITION,
) -> Transition:
    """The row of ``action`` when the state ``status`` allows it; else the app's ``conflict`` (its 409 error)
    with ``code`` (``invalid_transition`` unless the app has a more telling one) and ``message``."""
    row = table.get(action)
    if row is None or status not in row.sources:
        raise conflict(code, message() if callable(message) else message)
    return row


# --- lock and transition -------------------------------------------------------------------------


def lock_row(
    queryset: models.QuerySet[M] | type[M],
    pk,
    *,
    expected_version: int | None = None,
    conflict: type[DomainError] | None = None,
    stale_message: Callable[[M], str] | None = None,
) -> M:
    """The row ``pk`` read fresh under its row lock (``select_for_update``); with ``expected_version`` (and then
    the app's ``conflict`` and ``stale_message``), refused when someone else changed it since the caller read it."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    locked = queryset.select_for_update(of=("self",)).get(pk=pk)
    if expected_version is not None:
        check_version(locked, expected_version, conflict=conflict, stale_message=stale_message)
    return locked


def check_version(
    locked: M, expected_version: int | None, *, conflict: type[DomainError], stale_message: Callable[[M], str]
) -> None:
    """Refuse with the app's ``conflict`` (code ``conflict``, HTTP 409) and ``stale_message(locked)`` when
    ``locked.version`` is no longer the ``expected_version`` the caller read (None: nothing to check)."""
    if expected_version is not None and locked.version != expected_version:
        raise conflict(CONFLICT, stale_message(locked))


@transaction.atomic
def transition(
    obj: M,
    action: str,
    *,
    table: TransitionTable,
    actor,
    conflict: type[DomainError],
    refused_message: Callable[[M], str],
    refused_code: str = INVALID_TRANSITION,
    stale_message: Callable[[M], str] | None = None,
    queryset: models.QuerySet[M] | None = None,
    expected_version: int | None = None,
    check: Callable[[M, Transition], None] | None = None,
    apply: Callable[[M], dict | None] | None = None,
    event: Callable[[M, str, dict], Any] | None = None,
    audit: str = "",
    note: str = "",
    bump: bool = True,
    validate: bool = False,
) -> M:
    """Move ``obj`` by one ``action`` of ``table`` and return the fresh row; the one way a status changes.

    In one transaction: lock the row; refuse a stale ``expected_version`` and a state the table does not
    allow (the app's ``conflict``); run ``check(locked, row)`` (the app's right and reason checks, raising
    its own errors); ``apply(locked)`` the action's own changes (it returns the event's details); set the
    target status; add one to ``version`` (when the row has one) and save (``validate``: after
    ``full_clean``) — unless ``bump`` is False and the status stays (a note on the timeline leaves the row
    as it is); write the timeline ``event(locked, from_status, details)`` and the audit ``audit`` (status
    before and after, the note)."""
    locked = lock_row(
        queryset if queryset is not None else type(obj).objects.all(),
        obj.pk,
        expected_version=expected_version,
        conflict=conflict,
        stale_message=stale_message,
    )
    row = check_transition(
        table, action, locked.status, conflict=conflict, message=lambda: refused_message(locked), code=refused_code
    )
    if check is not None:
        check(locked, row)
    from_status = locked.status
    data = (apply(locked) if apply else None) or {}
    if row.target:
        locked.status = row.target
    if bump and hasattr(locked, "version"):
        locked.version += 1
    if validate:
        locked.full_clean()
    if bump or locked.status != from_status:
        locked.save()
    if event is not None:
        event(locked, from_status, data)
    if audit:
        _audit(actor, audit, locked, from_status, note)
    return locked


def _audit(actor, action: str, obj: models.Model, from_status: str, note: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        before={"status": from_status},
        after={"status": obj.status},
        note=note.strip(),
    )


# --- who is told ---------------------------------------------------------------------------------


def unit_people(unit_ids: Iterable[int | None], *, roles: Sequence[str] = (Role.UNIT_LEAD, Role.UNIT_STAFF)):
    """The active people of these units in these roles: whom a workflow tells about its units' work."""
    return User.objects.filter(unit_id__in=[pk for pk in unit_ids if pk is not None], role__in=roles, is_active=True)
