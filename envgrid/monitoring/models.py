"""Monitoring stations, their HJ 212 readings, refused frames and the receiver's counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.monitoring.choices import ReadingCommand, StationKind, StationStatus

LATE_AFTER_INTERVALS = 2  # no data for two expected intervals: late
OFFLINE_AFTER_INTERVALS = 6  # six: offline


class Station(models.Model):
    """A monitoring station (监测站点): a national or provincial control point, a grid micro-station (微站)
    or a pollution source, sending HJ 212 data under its MN (设备唯一标识) and password."""

    mn = models.CharField(_("MN"), max_length=32, unique=True, help_text=_("HJ 212 device id (24 hex digits)."))
    password = models.CharField(_("password"), max_length=32, help_text=_("HJ 212 access password (PW)."))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices, default=StationKind.MICRO)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stations",
        help_text=_("Filled from the location."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    factors = models.JSONField(
        _("factors and units"),
        default=dict,
        blank=True,
        help_text=_('HJ 212 factor code to unit, e.g. {"a34004": "ug/m3"}.'),
    )
    interval_minutes = models.PositiveSmallIntegerField(_("expected interval (minutes)"), default=1)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    protocol_version = models.PositiveSmallIntegerField(
        _("protocol version seen"), null=True, blank=True, editable=False
    )
    last_data_flagged = models.BooleanField(
        _("last data flagged"), default=False, editable=False, help_text=_("The latest upload had a flag other than N.")
    )

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["mn"]

    def __str__(self) -> str:
        return f"{self.name} ({self.mn})"

    def status(self, now: datetime | None = None) -> StationStatus:
        """Online, late or offline from the last arrival and the expected interval; flagged when the
        latest data carried an abnormal data flag."""
        if self.last_seen_at is None or not self.is_active:
            return StationStatus.OFFLINE
        now = now or timezone.now()
        interval = timedelta(minutes=max(self.interval_minutes, 1))
        silence = now - self.last_seen_at
        if silence > interval * OFFLINE_AFTER_INTERVALS:
            return StationStatus.OFFLINE
        if silence > interval * LATE_AFTER_INTERVALS:
            return StationStatus.LATE
        return StationStatus.FLAGGED if self.last_data_flagged else StationStatus.ONLINE


class Reading(models.Model):
    """One HJ 212 upload of one station for one time and command (实时/分钟/小时/日数据): the AQI pollutants
    and the weather as typed columns, per-factor data flags and any other factors in JSON."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="readings")
    cn = models.PositiveSmallIntegerField(_("command (CN)"), choices=ReadingCommand.choices)
    data_time = models.DateTimeField(_("data time"))
    pm25 = models.FloatField(_("PM2.5"), null=True, blank=True)
    pm10 = models.FloatField(_("PM10"), null=True, blank=True)
    so2 = models.FloatField(_("SO2"), null=True, blank=True)
    no2 = models.FloatField(_("NO2"), null=True, blank=True)
    co = models.FloatField(_("CO"), null=True, blank=True)
    o3 = models.FloatField(_("O3"), null=True, blank=True)
    temperature = models.FloatField(_("temperature"), null=True, blank=True)
    humidity = models.FloatField(_("humidity"), null=True, blank=True)
    pressure = models.FloatField(_("pressure"), null=True, blank=True)
    wind_speed = models.FloatField(_("wind speed"), null=True, blank=True)
    wind_direction = models.FloatField(_("wind direction"), null=True, blank=True)
    flags = models.JSONField(_("data flags"), default=dict, blank=True, help_text=_("Factor code to data flag letter."))
    extras = models.JSONField(_("other factors"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(fields=["station", "cn", "data_time"], name="reading_unique_station_cn_time")
        ]
        indexes = [models.Index(fields=["station", "data_time"], name="reading_station_time")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.cn} {self.data_time:%Y-%m-%d %H:%M}"


class RejectedFrame(models.Model):
    """An HJ 212 frame (or run of bytes) the receiver refused, kept with its reason and peer for the operator."""

    received_at = models.DateTimeField(_("received at"), db_index=True)
    peer = models.CharField(_("peer"), max_length=64, blank=True)
    mn = models.CharField(_("MN"), max_length=64, blank=True)
    code = models.CharField(_("reason code"), max_length=32, db_index=True)
    message = models.CharField(_("message"), max_length=300)
    raw = models.CharField(_("first bytes (escaped)"), max_length=900, blank=True)

    class Meta:
        verbose_name = _("rejected frame")
        verbose_name_plural = _("rejected frames")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.peer}"


class ReceiverStat(models.Model):
    """The HJ 212 receiver's counters for its status page, saved every few seconds by the running receiver."""

    name = models.CharField(_("receiver"), max_length=64, unique=True)
    started_at = models.DateTimeField(_("started at"))
    updated_at = models.DateTimeField(_("updated at"))
    connections_open = models.PositiveIntegerField(_("open connections"), default=0)
    connections_total = models.PositiveIntegerField(_("connections since start"), default=0)
    frames_total = models.PositiveBigIntegerField(_("frames since start"), default=0)
    frames_per_minute = models.FloatField(_("frames per minute"), default=0)
    readings_stored = models.PositiveBigIntegerField(_("readings stored since start"), default=0)
    rejects = models.JSONField(_("rejects by reason"), default=dict, blank=True)

    class Meta:
        verbose_name = _("receiver status")
        verbose_name_plural = _("receiver status")

    def __str__(self) -> str:
        return self.name
