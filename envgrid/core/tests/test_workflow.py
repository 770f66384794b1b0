"""The workflow toolkit: the transition table's check, and the lock-and-transition helper (row lock, version
conflict as the app's 409, the change applied, the timeline event and the audit written, the fresh row returned).

The helper needs a real row with a status and a version: a bare case (no demo district) serves; the table is
the test's own, so the closed loop's rules play no part."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from envgrid.core.choices import Role
from envgrid.core.errors import DomainError, PermissionDenied
from envgrid.core.models import AuditEvent
from envgrid.core.tests.factories import UnitFactory, UserFactory
from envgrid.core.workflow import (
    CONFLICT,
    INVALID_TRANSITION,
    Transition,
    TransitionTable,
    check_transition,
    lock_row,
    transition,
    unit_people,
)


class Conflict(DomainError):
    http_status = 409


TABLE = TransitionTable(
    Transition("accept", frozenset({"reported"}), "accepted", lambda user, obj: user.role == Role.DISPATCHER),
    Transition("reject", frozenset({"reported", "accepted"}), "rejected", needs_reason=True),
    Transition("comment", frozenset({"reported", "accepted", "rejected"})),
)


# --- the table -----------------------------------------------------------------------------------


def test_check_transition_returns_the_row_the_state_allows():
    assert check_transition(TABLE, "accept", "reported", conflict=Conflict, message="no").target == "accepted"


@pytest.mark.parametrize(("action", "status"), [("accept", "accepted"), ("reopen", "rejected")])
def test_check_transition_refuses_a_state_or_an_action_the_table_has_not(action, status):
    with pytest.raises(Conflict) as refused:
        check_transition(TABLE, action, status, conflict=Conflict, message=lambda: f"{action} not from {status}")
    assert refused.value.code == INVALID_TRANSITION and refused.value.http_status == 409
    assert refused.value.message == f"{action} not from {status}"


def test_check_transition_takes_the_apps_own_code():
    with pytest.raises(Conflict) as refused:
        check_transition(TABLE, "accept", "rejected", conflict=Conflict, message="closed", code="already_closed")
    assert refused.value.code == "already_closed"


def test_the_table_lists_what_a_state_allows_and_for_whom():
    dispatcher, staff = UserFactory.build(role=Role.DISPATCHER), UserFactory.build(role=Role.UNIT_STAFF)
    assert list(TABLE) == ["accept", "reject", "comment"]
    assert TABLE.available("reported", dispatcher, None) == ["accept", "reject", "comment"]
    assert TABLE.available("reported", staff, None) == ["reject", "comment"]
    assert TABLE.next_statuses("reported") == ["accepted", "rejected"]
    assert TABLE.next_statuses("rejected") == []


# --- the helper ----------------------------------------------------------------------------------


@pytest.fixture
def row(db):
    """A bare reported case: a row with a status and a version."""
    from envgrid.cases.models import Case, CaseCategory

    category = CaseCategory.objects.create(code="test.workflow", name="测试")
    return Case.objects.create(number="WF-1", title="工作流测试", category=category)


def _event(actor, log):
    from envgrid.cases.models import CaseEvent

    def write(locked, from_status, data):
        log.append(
            CaseEvent.objects.create(
                case=locked,
                **CaseEvent.actor_fields(actor),
                action="accept",
                from_status=from_status,
                to_status=locked.status,
                data=data,
            )
        )

    return write


def _move(obj, actor, action="accept", **kwargs):
    options = {"refused_message": lambda c: f"{c.number} refused", "audit": "test.accept", **kwargs}
    return transition(obj, action, table=TABLE, actor=actor, conflict=Conflict, **options)


def test_transition_applies_writes_event_and_audit_and_returns_the_fresh_row(row):
    actor, events = UserFactory(role=Role.DISPATCHER), []
    seen = row.version

    moved = _move(
        row, actor, expected_version=seen, note=" 受理 ", apply=lambda c: {"seen": c.title}, event=_event(actor, events)
    )

    assert moved is not row
    assert (moved.status, moved.version) == ("accepted", seen + 1)
    assert (row.status, row.version) == ("reported", seen)  # the caller's object is left as it was
    row.refresh_from_db()
    assert (row.status, row.version) == ("accepted", seen + 1)
    [event] = events
    assert (event.from_status, event.to_status, event.data) == ("reported", "accepted", {"seen": "工作流测试"})
    assert event.actor == actor and event.actor_name == str(actor)
    audit = AuditEvent.objects.get(action="test.accept")
    assert audit.actor == actor and audit.object_id == str(row.pk)
    assert (audit.before, audit.after, audit.note) == ({"status": "reported"}, {"status": "accepted"}, "受理")


def test_a_stale_version_is_the_apps_409_and_changes_nothing(row):
    with pytest.raises(Conflict) as stale:
        _move(row, None, expected_version=row.version + 1, stale_message=lambda c: f"{c.number} changed")
    assert (stale.value.code, stale.value.http_status, stale.value.message) == (CONFLICT, 409, "WF-1 changed")
    row.refresh_from_db()
    assert (row.status, row.version) == ("reported", 1)
    assert not AuditEvent.objects.exists()


def test_a_state_the_table_does_not_allow_is_refused(row):
    moved = _move(row, None)
    with pytest.raises(Conflict) as refused:
        _move(moved, None)
    assert (refused.value.code, refused.value.message) == (INVALID_TRANSITION, "WF-1 refused")


def test_a_refusal_by_the_apps_check_rolls_everything_back(row):
    def check(locked, transition_row):
        assert transition_row.action == "accept"
        raise PermissionDenied("不可以")

    def apply(locked):
        locked.title = "改过"

    with pytest.raises(PermissionDenied):
        _move(row, None, check=check, apply=apply)
    row.refresh_from_db()
    assert (row.status, row.title) == ("reported", "工作流测试")


def test_an_action_that_keeps_the_status_and_bumps_nothing_leaves_the_row(row):
    noted = _move(row, None, action="comment", bump=False, audit="")
    row.refresh_from_db()
    assert (noted.status, noted.version, row.version) == ("reported", 1, 1)
    assert not AuditEvent.objects.exists()


def test_the_row_is_read_under_its_lock(row):
    with CaptureQueriesContext(connection) as queries:
        locked = lock_row(type(row), row.pk)
    assert locked == row and locked is not row
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_unit_people_are_the_active_people_of_the_units_in_the_roles():
    unit, other = UnitFactory(name="甲局"), UnitFactory(name="乙局")
    lead = UserFactory(username="lead", unit=unit, role=Role.UNIT_LEAD)
    UserFactory(username="gone", unit=unit, role=Role.UNIT_STAFF, is_active=False)
    chief = UserFactory(username="chief", unit=unit, role=Role.RIVER_CHIEF)
    UserFactory(username="elsewhere", unit=other, role=Role.UNIT_LEAD)

    assert list(unit_people([unit.pk, None])) == [lead]
    assert set(unit_people([unit.pk], roles=(Role.UNIT_LEAD, Role.RIVER_CHIEF))) == {lead, chief}
