"""Signals of the monitoring app and the monitoring app's own receivers.

``readings_stored`` is sent after the transaction that stored readings has committed, by every ingest path
(file upload and JSON API per batch; the HJ 212 receiver once a second for everything it committed in that
second, after its answers), with ``readings``: a list of ``(station_id, cn, data_time)`` of the rows written
or found already stored. Receivers (rollups, alerts) must be light — note what changed and enqueue work —
because they run in the ingest's own process and thread.

``connect_receivers`` (called by ``MonitoringConfig.ready``, so in every process: web, worker, HJ 212 receiver)
connects the rollups' dirty-hour marking to ``readings_stored`` and reloads the standards when a standards row
is saved or deleted.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

readings_stored = Signal()


def _readings_stored_mark_dirty(sender, readings, **kwargs):
    from envgrid.monitoring.rollups import rollups_mark_dirty

    rollups_mark_dirty(readings=readings)


def _standards_changed(sender, **kwargs):
    from envgrid.monitoring.standards import standards_invalidate

    standards_invalidate()


def connect_receivers() -> None:
    """Connect the monitoring app's receivers (idempotent: each has a ``dispatch_uid``)."""
    from envgrid.monitoring.models import StandardBreakpoint, StandardLimit, StandardValidityRule, StandardVersion

    readings_stored.connect(_readings_stored_mark_dirty, dispatch_uid="monitoring-rollups-mark-dirty")
    for model in (StandardVersion, StandardBreakpoint, StandardLimit, StandardValidityRule):
        post_save.connect(_standards_changed, sender=model, dispatch_uid=f"standards-changed-save-{model.__name__}")
        post_delete.connect(_standards_changed, sender=model, dispatch_uid=f"standards-changed-delete-{model.__name__}")
