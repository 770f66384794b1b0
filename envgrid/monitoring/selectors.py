"""Reads of the monitoring app: which stations a user may see, their status and latest AQI, chart series and
the receiver's state.

Station scope (the same for web pages, the API and exports):

- district-wide roles (admin, dispatcher, leader, task-force lead): every station;
- everyone else (grid heads and members, river chiefs, unit staff): the control stations (国控/省控 — the
  district's published figures) plus the stations standing in the grids they may see
  (``Grid.objects.visible_to(user)``).

A station's password is shown to administrators only (``can_see_station_password``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.choices import Role
from envgrid.core.hooks import HomeCount
from envgrid.grids.models import Grid
from envgrid.monitoring import rollups
from envgrid.monitoring.choices import (
    READING_COLUMNS,
    STATUS_COLORS,
    WIND_SECTOR_LABELS,
    ReadingCommand,
    StationKind,
    StationStatus,
)
from envgrid.monitoring.models import (
    LATE_AFTER_INTERVALS,
    OFFLINE_AFTER_INTERVALS,
    Reading,
    ReceiverStat,
    RejectedFrame,
    Station,
)
from envgrid.monitoring.standards.builtin import LEVELS_2012

CONTROL_KINDS = (StationKind.NATIONAL, StationKind.PROVINCIAL)
POLLUTANT_COLUMNS = ("pm25", "pm10", "so2", "no2", "co", "o3")
WEATHER_COLUMNS = tuple(c for c in READING_COLUMNS if c not in POLLUTANT_COLUMNS)
SERIES_INTERVALS = ("minute", "hour", "day")
MAX_SERIES_SPAN = {"minute": timedelta(days=7), "hour": timedelta(days=93), "day": timedelta(days=3 * 366)}
RAW_COMMANDS = (ReadingCommand.MINUTE, ReadingCommand.REALTIME)


def stations_visible_to(user) -> QuerySet[Station]:
    """The stations the user may see (see the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return Station.objects.none()
    if user.is_district_wide:
        return Station.objects.all()
    grids = Grid.objects.visible_to(user).values("pk")
    return Station.objects.filter(Q(kind__in=CONTROL_KINDS) | Q(grid__in=grids))


def control_first(queryset: QuerySet[Station]) -> QuerySet[Station]:
    """Control stations first, then the others, each by MN."""
    rank = Case(When(kind__in=CONTROL_KINDS, then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.order_by(rank, "mn")


def can_see_station_password(user) -> bool:
    """Only administrators see HJ 212 passwords (devices are configured with them)."""
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def can_watch_receiver(user) -> bool:
    """Administrators and dispatchers watch the HJ 212 receiver and upload readings."""
    return user.is_active and (user.is_superuser or user.role in (Role.ADMIN, Role.DISPATCHER))


def can_import_readings(user) -> bool:
    """Administrators and dispatchers upload readings; a data-feed account (a device or another system) posts
    them to the API when it holds the ``monitoring.add_reading`` permission."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_watch_receiver(user) or user.has_perm("monitoring.add_reading")


def station_for_page(user, pk: int) -> Station:
    """One station in the user's scope (``Station.DoesNotExist`` otherwise)."""
    return stations_visible_to(user).select_related("grid", "grid__street", "grid__community").get(pk=pk)


def station_credentials() -> dict[str, Station]:
    """Every station's MN, password, active state and allowed peers, for the receiver's authentication cache."""
    return {s.mn: s for s in Station.objects.only("id", "mn", "password", "is_active", "allowed_peers")}


# --- latest AQI ----------------------------------------------------------------------------------------


def latest_aqi_by_station(station_ids: list[int] | None = None) -> dict[int, dict]:
    """The latest hourly AQI (实时报) per station from the rollups: aqi, level, category, color,
    primary_pollutants, data_time."""
    if station_ids is not None and not station_ids:
        return {}
    return rollups.latest_aqi(station_ids=station_ids)


def aqi_legend() -> list[dict]:
    """The AQI bands (HJ 633-2012 Table 2, Appendix A colours) for map legends."""
    legend, lower = [], 0
    for band in LEVELS_2012:
        label = f"{lower}–{band.upper}" if band.upper is not None else f">{lower - 1}"
        legend.append({"range": label, "level": band.level, "category": band.category, "color": band.color_hex})
        lower = (band.upper or 0) + 1
    return legend


@dataclass
class StationRow:
    """A station with what the list and the map show beside it."""

    station: Station
    status: StationStatus
    aqi: dict | None

    @property
    def status_color(self) -> str:
        return STATUS_COLORS[self.status]


DARK_TEXT_BACKGROUNDS = {"#00E400", "#FFFF00", "#FF7E00"}  # light AQI colours: black text reads better


def aqi_display(latest: dict | None) -> dict | None:
    """A latest-AQI record as pages and the API show it: primary pollutants as one text, a readable text colour."""
    if not latest or latest.get("aqi") is None:
        return None
    primary = latest.get("primary_pollutants") or ()
    if isinstance(primary, str):
        primary = [p for p in primary.replace(",", ";").split(";") if p]
    color = (latest.get("color") or latest.get("color_hex") or "").upper()
    return {
        "aqi": latest["aqi"],
        "level": latest.get("level", ""),
        "category": latest.get("category", ""),
        "color": color,
        "text_color": "#000000" if color in DARK_TEXT_BACKGROUNDS else "#FFFFFF",
        "primary_pollutants": list(primary),
        "data_time": latest.get("data_time"),
    }


def station_rows(stations: list[Station], *, now: datetime | None = None) -> list[StationRow]:
    """Status and latest AQI for a page of stations (one query for the AQI, none per station)."""
    now = now or timezone.now()
    latest = latest_aqi_by_station([s.pk for s in stations])
    return [StationRow(s, s.status(now), aqi_display(latest.get(s.pk))) for s in stations]


def status_filter(queryset: QuerySet[Station], status: str, *, now: datetime | None = None) -> QuerySet[Station]:
    """Stations of one derived status, as a database filter (the same thresholds as ``Station.status``)."""
    now = now or timezone.now()
    if status not in StationStatus.values:
        return queryset
    # interval_minutes varies per station; the distinct values are few, so one OR-term per value.
    intervals = set(queryset.values_list("interval_minutes", flat=True).distinct())
    online_q, late_q = Q(pk__in=[]), Q(pk__in=[])
    for minutes in intervals:
        step = timedelta(minutes=max(minutes, 1))
        late_since, offline_since = now - step * LATE_AFTER_INTERVALS, now - step * OFFLINE_AFTER_INTERVALS
        online_q |= Q(interval_minutes=minutes, last_seen_at__gte=late_since)
        late_q |= Q(interval_minutes=minutes, last_seen_at__lt=late_since, last_seen_at__gte=offline_since)
    active = queryset.filter(is_active=True)
    if status == StationStatus.ONLINE:
        return active.filter(online_q, last_data_flagged=False)
    if status == StationStatus.FLAGGED:
        return active.filter(online_q, last_data_flagged=True)
    if status == StationStatus.LATE:
        return active.filter(late_q)
    return queryset.exclude(Q(is_active=True) & (online_q | late_q))


def status_counts(stations: list[Station], *, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = Counter(s.status(now) for s in stations)
    return {value: counts.get(value, 0) for value in StationStatus.values}


def home_counts(user) -> list:
    """Home-page counts for the command centre (admin, dispatcher): active stations offline, late, or sending
    flagged data — the devices someone should call about."""
    if not can_watch_receiver(user):
        return []
    url = reverse("station-list")
    active = Station.objects.filter(is_active=True)
    counts = {
        status: status_filter(active, status).count()
        for status in (StationStatus.OFFLINE, StationStatus.LATE, StationStatus.FLAGGED)
    }
    return [
        HomeCount(_("Stations offline"), counts[StationStatus.OFFLINE], f"{url}?status=offline", "danger"),
        HomeCount(_("Stations late"), counts[StationStatus.LATE], f"{url}?status=late", "warning"),
        HomeCount(
            _("Stations sending flagged data"), counts[StationStatus.FLAGGED], f"{url}?status=flagged", "warning"
        ),
    ]


# --- chart series --------------------------------------------------------------------------------------


def station_series(*, station: Station, start: datetime, end: datetime, interval: str) -> list[dict]:
    """Points of a station between two times: minute readings as stored, hourly and daily rollups (with their
    AQI and coverage) from the rollups package. Each point has ``data_time`` and the reading columns."""
    if interval not in SERIES_INTERVALS:
        raise ValueError(_("Use minute, hour or day."))
    return rollups.station_series(station=station, start=start, end=end, interval=interval)


DEFAULT_SERIES_SPAN = {"minute": timedelta(hours=6), "hour": timedelta(hours=48), "day": timedelta(days=30)}


def series_window(
    *, interval: str, start: datetime | None = None, end: datetime | None = None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The time window of a chart or API series: ``end`` defaults to now (daily series: the end of today in
    Beijing time), ``start`` to a span that suits the interval; ``ValueError`` for an inverted or too long one."""
    if interval not in SERIES_INTERVALS:
        raise ValueError(_("Use minute, hour or day."))
    now = now or timezone.now()
    if end is None:
        end = now
        if interval == "day":
            local = timezone.localtime(now)
            end = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if start is None:
        start = end - DEFAULT_SERIES_SPAN[interval]
    if start >= end:
        raise ValueError(_("The start must be before the end."))
    if end - start > MAX_SERIES_SPAN[interval]:
        days = MAX_SERIES_SPAN[interval].days
        raise ValueError(_("A series of this interval spans at most %(days)s days.") % {"days": days})
    return start, end


WIND_SECTORS = 16
# Beaufort-based speed classes of the wind rose (m/s): calm/light, gentle, moderate, fresh, strong.
WIND_SPEED_CLASSES = (1.5, 3.3, 5.4, 7.9)


def wind_rose(*, station: Station, start: datetime, end: datetime) -> dict:
    """How often the wind blew from each of 16 directions in each speed class, from the station's minute and
    real-time readings (or its hourly data when it sends no minute data) between two times."""
    rows = Reading.objects.filter(
        station=station, data_time__gte=start, data_time__lt=end, wind_direction__isnull=False
    ).exclude(wind_speed__isnull=True)
    pairs = list(rows.filter(cn__in=RAW_COMMANDS).values_list("wind_direction", "wind_speed"))
    if not pairs:
        pairs = list(rows.filter(cn=ReadingCommand.HOUR).values_list("wind_direction", "wind_speed"))
    counts = [[0] * WIND_SECTORS for _ in range(len(WIND_SPEED_CLASSES) + 1)]
    width = 360 / WIND_SECTORS
    for direction, speed in pairs:
        sector = int(((direction % 360) + width / 2) // width) % WIND_SECTORS
        speed_class = sum(speed >= bound for bound in WIND_SPEED_CLASSES)
        counts[speed_class][sector] += 1
    total = len(pairs)
    return {
        "total": total,
        "sectors": [str(label) for label in WIND_SECTOR_LABELS],
        "speed_classes": list(WIND_SPEED_CLASSES),
        "counts": counts,
        "percent": [[round(100 * c / total, 1) if total else 0 for c in row] for row in counts],
    }


def jsonable_point(point: dict) -> dict:
    """A series point for JSON: times in Beijing time (ISO 8601), days as dates, tuples as lists."""
    out = {}
    for key, value in point.items():
        if isinstance(value, datetime):
            value = timezone.localtime(value).isoformat() if value.tzinfo else value.isoformat()
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def latest_reading(station: Station) -> Reading | None:
    """The station's newest stored reading of any command."""
    return Reading.objects.filter(station=station).order_by("-data_time", "-cn").first()


# --- receiver ------------------------------------------------------------------------------------------


def receiver_overview(*, now: datetime | None = None, stale_after: timedelta = timedelta(seconds=60)) -> dict:
    """Every receiver's saved counters (a receiver that stopped saving is marked stale), rejects by reason."""
    now = now or timezone.now()
    receivers = list(ReceiverStat.objects.order_by("name"))
    for receiver in receivers:
        receiver.is_stale = now - receiver.updated_at > stale_after
    running = [r for r in receivers if not r.is_stale]
    rejects: Counter = Counter()
    for receiver in receivers:
        rejects.update({code: int(count) for code, count in (receiver.rejects or {}).items()})
    return {
        "receivers": receivers,
        "connections_open": sum(r.connections_open for r in running),
        "frames_per_minute": sum(r.frames_per_minute for r in running),
        "readings_stored": sum(r.readings_stored for r in receivers),
        "rejects_since_start": sorted(rejects.items(), key=lambda item: (-item[1], item[0])),
    }


def rejected_frames(*, code: str = "", peer: str = "") -> QuerySet[RejectedFrame]:
    """Refused frames, newest first, optionally of one reason or peer."""
    queryset = RejectedFrame.objects.order_by("-received_at", "-pk")
    if code:
        queryset = queryset.filter(code=code)
    if peer:
        queryset = queryset.filter(peer__startswith=peer)
    return queryset


def rejects_by_reason(*, since: datetime) -> list[tuple[str, int]]:
    """Stored refused frames per reason code since a time, most frequent first."""
    rows = RejectedFrame.objects.filter(received_at__gte=since).values("code").annotate(n=Count("pk")).order_by()
    return sorted(((row["code"], row["n"]) for row in rows), key=lambda item: (-item[1], item[0]))
