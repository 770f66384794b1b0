"""Reads of the alerts app: lists in the user's scope, the readings behind an alert, home-page counts."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from envgrid.alerts.choices import AlertState
from envgrid.alerts.models import Alert, AlertRule
from envgrid.monitoring.models import Reading

READINGS_BEFORE = timedelta(minutes=30)
READINGS_AFTER = timedelta(minutes=15)
MAX_READINGS = 480


def alerts_for(user) -> QuerySet[Alert]:
    """The alerts the user may see, with what the list shows."""
    return Alert.objects.visible_to(user).select_related("rule", "station__grid", "case")


def alert_for_page(user, pk: int) -> Alert:
    """One alert in the user's scope (``Alert.DoesNotExist`` otherwise)."""
    return alerts_for(user).get(pk=pk)


def rules_list() -> QuerySet[AlertRule]:
    """Every alert rule (everybody reads them; administrators edit them)."""
    return AlertRule.objects.select_related("category", "lead_unit", "region").order_by("-is_active", "name", "id")


def alerts_of_case(case) -> list[Alert]:
    """The alerts behind a case, oldest first."""
    return list(Alert.objects.filter(case=case).select_related("rule", "station__grid").order_by("started_at", "id"))


def readings_around(alert: Alert, *, columns: list[str]) -> list[tuple]:
    """The station's readings of the alert's command from a little before the episode began to a little after
    it cleared (or to now): ``(data_time, *columns)`` rows, oldest first, at most ``MAX_READINGS``."""
    end = (alert.cleared_at or alert.last_data_at or timezone.now()) + READINGS_AFTER
    rows = (
        Reading.objects.filter(
            station_id=alert.station_id,
            cn=alert.rule.cn,
            data_time__gte=alert.started_at - READINGS_BEFORE,
            data_time__lte=end,
        )
        .order_by("-data_time")
        .values_list("data_time", *columns)[:MAX_READINGS]
    )
    return list(reversed(rows))


def home_counts(user) -> list:
    """Open alerts in the user's scope, for the home page."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from envgrid.core.hooks import HomeCount

    if not user.is_authenticated:
        return []
    count = Alert.objects.visible_to(user).filter(state=AlertState.OPEN).count()
    url = f"{reverse('alert-list')}?state=open"
    return [HomeCount(label=_("Open alerts"), value=count, url=url, tone="danger" if count else "secondary")]
