"""Writes of the core app: units, users and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.forms.models import model_to_dict

from envgrid.core.models import AuditEvent


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
