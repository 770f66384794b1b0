"""Background jobs of the alerts app: thin callers of the detection."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from envgrid.alerts.choices import AlertKind
from envgrid.alerts.detection import alerts_evaluate, alerts_evaluate_offline
from envgrid.monitoring.models import Station


@db_task()
def evaluate_stored_readings(since: dict[int, datetime]):
    """Judge readings just stored (``since``: station id → earliest data time of the batch)."""
    return alerts_evaluate(since=since)


@db_periodic_task(crontab(minute="*"))
def evaluate_every_minute():
    """Every minute: devices silent for too long (offline), and a catch-up look for stuck values (flat-line)."""
    result = alerts_evaluate_offline()
    recently = timezone.now() - timedelta(minutes=10)
    ids = Station.objects.filter(is_active=True, last_seen_at__gte=recently).values_list("pk", flat=True)
    result.add(alerts_evaluate(since=dict.fromkeys(ids, recently), kinds=[AlertKind.FLATLINE]))
    return result
