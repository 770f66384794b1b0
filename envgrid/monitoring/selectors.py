"""Reads of the monitoring app."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from envgrid.monitoring.choices import StationStatus
from envgrid.monitoring.models import Reading, Station


def station_statuses(*, now: datetime | None = None) -> dict[int, StationStatus]:
    """Each station's derived device status, by id (one query)."""
    return {station.pk: station.status(now) for station in Station.objects.all()}


def station_credentials() -> dict[str, Station]:
    """Every station's MN, password and active state, for the receiver's authentication cache."""
    return {s.mn: s for s in Station.objects.only("id", "mn", "password", "is_active")}


def readings_for_station(*, station: Station, start: datetime, end: datetime, cn: int) -> QuerySet[Reading]:
    """A station's readings of one command between two times, oldest first."""
    return Reading.objects.filter(station=station, cn=cn, data_time__gte=start, data_time__lt=end).order_by("data_time")
