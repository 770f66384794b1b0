import pytest

from envgrid.core.models import AuditEvent
from envgrid.core.services import audit_record, snapshot
from envgrid.core.tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_object_and_before_after():
    actor = UserFactory(username="auditor")
    unit = UnitFactory(name="生态环境分局")
    before = snapshot(unit)
    unit.phone = "0371-1234567"
    unit.save()

    event = audit_record(
        actor=actor, action="unit.update", obj=unit, before=before, after=snapshot(unit), note="改电话"
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == actor
    assert stored.object_id == str(unit.pk)
    assert stored.object_repr == "生态环境分局"
    assert stored.before["phone"] == ""
    assert stored.after["phone"] == "0371-1234567"
    assert stored.content_type.model == "unit"


def test_audit_record_without_actor_is_a_system_event():
    event = audit_record(actor=None, action="system.start")
    assert event.actor is None
    assert event.object_id == ""
