"""Monitoring stations, their HJ 212 readings, refused frames and the receiver's counters."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.monitoring.choices import ReadingCommand, StationKind, StationStatus

LATE_AFTER_INTERVALS = 2  # no data for two expected intervals: late
OFFLINE_AFTER_INTERVALS = 6  # six: offline


def peer_networks(text: str) -> tuple:
    """The IP networks of a station's allowed-peer list (addresses or CIDR, comma or space separated);
    ``ValueError`` for an entry that is neither."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in re.split(r"[\s,;]+", text or "") if entry)


def validate_peer_list(text: str) -> None:
    try:
        peer_networks(text)
    except ValueError as error:
        raise ValidationError(_("Not an IP address or network: %(error)s"), params={"error": error}) from error


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
    allowed_peers = models.CharField(
        _("allowed peer addresses"),
        max_length=500,
        blank=True,
        default="",
        validators=[validate_peer_list],
        help_text=_(
            "IP addresses or networks (CIDR) this station may upload from, separated by commas or spaces; "
            "empty: any address."
        ),
    )
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

    # (station, cn, time) and (station, time) both lead with the station: no third index for the foreign key
    # alone, one B-tree fewer for every stored reading.
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="readings", db_index=False
    )
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
            # Time leads: a batch of one minute's uploads from hundreds of stations lands in a few adjacent leaf
            # pages instead of one page per station, half the pages each commit writes; (cn, time) ranges are
            # also what the rollups scan. Per-station reads use (station, time) below.
            models.UniqueConstraint(fields=["cn", "data_time", "station"], name="reading_unique_cn_time_station")
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
    count = models.PositiveIntegerField(
        _("refusals"),
        default=1,
        help_text=_("Refusals of this reason in one burst on one connection; raw is the first."),
    )
    last_received_at = models.DateTimeField(_("last refusal at"), null=True, blank=True)

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
    defences = models.JSONField(
        _("defences"),
        default=dict,
        blank=True,
        help_text=_("Connections refused or closed by the receiver's defences, and refusals dropped, since start."),
    )

    class Meta:
        verbose_name = _("receiver status")
        verbose_name_plural = _("receiver status")

    def __str__(self) -> str:
        return self.name


# --- standards as versioned rows (HJ 633, GB 3095) -------------------------------------------------------


class StandardKind(models.TextChoices):
    AQI_DAILY = "aqi_daily", _("AQI breakpoints, daily report (日报)")
    AQI_HOURLY = "aqi_hourly", _("AQI breakpoints, hourly report (实时报)")
    LIMITS = "limits", _("Limit values (GB 3095)")
    VALIDITY = "validity", _("Data-validity rules (GB 3095 Table 4)")


class StandardVersion(models.Model):
    """One version of an air-quality standard as the district applies it (标准版本): an HJ 633 breakpoint table
    for one report mode, a GB 3095 limit set or a validity rule set, with the dates it is in force. Rows seeded
    from ``standards.builtin``; an admin corrects them when the official text says otherwise."""

    kind = models.CharField(_("kind"), max_length=20, choices=StandardKind.choices)
    code = models.CharField(_("code"), max_length=40, help_text=_("e.g. hj633-2012, gb3095-2026-phase1"))
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(
        _("in force until (exclusive)"),
        null=True,
        blank=True,
        help_text=_("First day of the next version; empty: still in force."),
    )
    provisional = models.BooleanField(_("provisional"), default=False)
    evidence = models.CharField(_("evidence"), max_length=8, blank=True, help_text=_("[V], [S], [M] or [U]"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # AQI tables only
    indicators = models.JSONField(_("indicators of the report"), default=list, blank=True)
    iaqi_levels = models.JSONField(_("IAQI levels"), default=list, blank=True)
    input_decimals = models.JSONField(_("input decimals per pollutant"), default=dict, blank=True)
    levels = models.JSONField(
        _("AQI levels"), default=list, blank=True, help_text=_("[{upper, level, category, colour, color_hex}, …]")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["kind", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="standardversion_unique_kind_code")]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_kind_display()})"

    def clean(self):
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValidationError({"effective_to": _("Must be after the start date.")})
        if self.kind in (StandardKind.AQI_DAILY, StandardKind.AQI_HOURLY):
            errors = {}
            levels = self.iaqi_levels or []
            if len(levels) < 2 or any(not isinstance(v, int) for v in levels) or list(levels) != sorted(levels):
                errors["iaqi_levels"] = _("A rising list of whole IAQI values, e.g. [0, 50, 100, …].")
            bands = self.levels or []
            keys = {"upper", "level", "category", "colour", "color_hex"}
            if not bands or any(not isinstance(b, dict) or not keys <= set(b) for b in bands):
                errors["levels"] = _("Each AQI level needs upper, level, category, colour and color_hex.")
            if not isinstance(self.input_decimals, dict):
                errors["input_decimals"] = _("A mapping of pollutant to decimals.")
            if errors:
                raise ValidationError(errors)


class StandardBreakpoint(models.Model):
    """One indicator row of an HJ 633 breakpoint table (IAQI 分段浓度限值): the concentrations at the IAQI levels."""

    standard = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="breakpoints")
    indicator = models.CharField(_("indicator"), max_length=20, help_text=_("e.g. PM2.5_24h, SO2_1h"))
    pollutant = models.CharField(_("pollutant"), max_length=20)
    unit = models.CharField(_("unit"), max_length=20)
    concentrations = models.JSONField(
        _("concentrations at the IAQI levels"), help_text=_("One whole number per IAQI level; null where none.")
    )
    beyond_last = models.CharField(
        _("above the last breakpoint"),
        max_length=10,
        default="cap",
        choices=[("cap", _("IAQI 500 with a note")), ("fallback", _("use another indicator"))],
    )
    fallback_to = models.CharField(_("fallback indicator"), max_length=20, blank=True)
    evidence = models.CharField(_("evidence"), max_length=8, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("AQI breakpoint row")
        verbose_name_plural = _("AQI breakpoint rows")
        ordering = ["standard", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "indicator"], name="standardbreakpoint_unique_indicator")
        ]

    def __str__(self) -> str:
        return self.indicator

    def clean(self):
        values = self.concentrations
        if not isinstance(values, list) or not values:
            raise ValidationError({"concentrations": _("A list of concentrations.")})
        defined = [v for v in values if v is not None]
        if any(not isinstance(v, int) or v < 0 for v in defined) or defined != sorted(set(defined)):
            raise ValidationError({"concentrations": _("Whole, rising, non-negative numbers (null where none).")})
        if self.standard_id and len(values) != len(self.standard.iaqi_levels or []):
            raise ValidationError(
                {"concentrations": _("Needs one value per IAQI level (%(n)s).") % {"n": len(self.standard.iaqi_levels)}}
            )
        if self.beyond_last == "fallback" and not self.fallback_to:
            raise ValidationError({"fallback_to": _("Name the indicator to fall back to.")})


class StandardLimit(models.Model):
    """One GB 3095 concentration limit (浓度限值) of a limit set: pollutant, averaging period, grade I and II."""

    standard = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="limits")
    pollutant = models.CharField(_("pollutant"), max_length=20)
    averaging = models.CharField(
        _("averaging period"), max_length=20, help_text=_("annual, 24h, 1h, 8h_max, quarterly")
    )
    grade_1 = models.FloatField(_("grade I"))
    grade_2 = models.FloatField(_("grade II"))
    unit = models.CharField(_("unit"), max_length=20)
    evidence = models.CharField(_("evidence"), max_length=8, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("limit value")
        verbose_name_plural = _("limit values")
        ordering = ["standard", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "pollutant", "averaging"], name="standardlimit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pollutant} {self.averaging}"


class StandardValidityRule(models.Model):
    """One data-validity minimum (数据有效性规定) of a rule set: a statistic needs at least ``minimum`` of ``of``."""

    standard = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="validity_rules")
    statistic = models.CharField(_("statistic"), max_length=30, help_text=_("e.g. 24h_mean, 8h_mean, 1h_mean"))
    pollutants = models.JSONField(_("pollutants"), default=list)
    minimum = models.PositiveIntegerField(_("minimum"))
    of = models.CharField(_("counted"), max_length=100)
    extra = models.CharField(_("extra condition"), max_length=200, blank=True)
    evidence = models.CharField(_("evidence"), max_length=8, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("validity rule")
        verbose_name_plural = _("validity rules")
        ordering = ["standard", "id"]

    def __str__(self) -> str:
        return f"{self.statistic} ≥ {self.minimum}"


# --- rollups (hour, day, month), kept for ever -----------------------------------------------------------


class RollupMeans(models.Model):
    """The station and pollutant means shared by hourly and daily rollups."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE)
    pm25 = models.FloatField(_("PM2.5"), null=True, blank=True)
    pm10 = models.FloatField(_("PM10"), null=True, blank=True)
    so2 = models.FloatField(_("SO2"), null=True, blank=True)
    no2 = models.FloatField(_("NO2"), null=True, blank=True)
    co = models.FloatField(_("CO"), null=True, blank=True)
    o3 = models.FloatField(_("O3"), null=True, blank=True)
    valid = models.BooleanField(_("valid"), default=False)

    class Meta:
        abstract = True


class AqiFields(RollupMeans):
    """The daily AQI (日报) columns: IAQI per indicator, AQI, level, primary pollutants and the table used."""

    o3_8h = models.FloatField(_("O3 8-h"), null=True, blank=True)
    iaqi_pm25 = models.SmallIntegerField(null=True, blank=True)
    iaqi_pm10 = models.SmallIntegerField(null=True, blank=True)
    iaqi_so2 = models.SmallIntegerField(null=True, blank=True)
    iaqi_no2 = models.SmallIntegerField(null=True, blank=True)
    iaqi_co = models.SmallIntegerField(null=True, blank=True)
    iaqi_o3 = models.SmallIntegerField(null=True, blank=True)
    iaqi_o3_8h = models.SmallIntegerField(null=True, blank=True)
    aqi = models.SmallIntegerField(_("AQI"), null=True, blank=True)
    aqi_level = models.SmallIntegerField(_("AQI level"), null=True, blank=True, help_text=_("1 (一级) … 6 (六级)"))
    primary_pollutants = models.CharField(_("primary pollutants"), max_length=60, blank=True)
    standard = models.CharField(_("AQI standard"), max_length=40, blank=True)

    class Meta:
        abstract = True


class HourlyRollup(RollupMeans):
    """A station's hour (小时值): 1-h means from its minute/real-time data or its device hourly data and coverage
    in minutes per pollutant, written in the database by one ``INSERT … SELECT`` per source. The O3 8-h moving
    mean and the hourly AQI (实时报) are computed when read (``rollups.hourly_aqi``), vectorized over the rows
    asked for. ``data_time`` is the hour's start (UTC), as HJ 212-2017 Table 4 labels hourly uploads."""

    # Derived data, rewritten in bulk: (station, hour) is the primary key and serves every read, so no surrogate
    # id, no sequence and no second index to maintain per row; no database foreign key either (a deferred check
    # per row at every rebuild's commit) — deleting a station still deletes its hours through the ORM's cascade.
    # (Django's admin does not take composite keys: hours are shown on the station page and the API.)
    pk = models.CompositePrimaryKey("station_id", "data_time")
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    data_time = models.DateTimeField(_("hour (start)"))
    source_cn = models.PositiveSmallIntegerField(_("from command (CN)"))
    minutes_pm25 = models.SmallIntegerField(default=0)
    minutes_pm10 = models.SmallIntegerField(default=0)
    minutes_so2 = models.SmallIntegerField(default=0)
    minutes_no2 = models.SmallIntegerField(default=0)
    minutes_co = models.SmallIntegerField(default=0)
    minutes_o3 = models.SmallIntegerField(default=0)
    samples = models.SmallIntegerField(_("readings in the hour"), default=0)

    class Meta:
        verbose_name = _("hourly rollup")
        verbose_name_plural = _("hourly rollups")

    def __str__(self) -> str:
        return f"{self.station_id} {self.data_time:%Y-%m-%d %H}"


class DailyRollup(AqiFields):
    """A station's day (日均值, Beijing-time day): 24-h means over valid hours, O3 daily maximum 1-h and 8-h values,
    valid hours per pollutant and the daily AQI (日报). ``valid`` says the day counts as a valid monitoring day."""

    day = models.DateField(_("day"))
    o3_1h_max = models.FloatField(_("O3 daily max 1-h"), null=True, blank=True)
    hours_pm25 = models.SmallIntegerField(default=0)
    hours_pm10 = models.SmallIntegerField(default=0)
    hours_so2 = models.SmallIntegerField(default=0)
    hours_no2 = models.SmallIntegerField(default=0)
    hours_co = models.SmallIntegerField(default=0)
    hours_o3 = models.SmallIntegerField(default=0)
    o3_8h_values = models.SmallIntegerField(_("valid O3 8-h values"), default=0)
    valid_mask = models.SmallIntegerField(
        _("valid pollutants (bits)"),
        default=0,
        help_text=_("Bit per pollutant: PM2.5, PM10, SO2, NO2, CO, O3 8-h, O3 1-h."),
    )
    invalid_reason = models.CharField(_("why not valid"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="dailyrollup_unique")]
        indexes = [models.Index(fields=["day"], name="dailyrollup_day")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day}"


class MonthlyRollup(models.Model):
    """A station's month (月均值): means of its valid daily values, valid and good days, the O3-8h 90th and CO 95th
    percentiles, with coverage (valid days against the days of the month)."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE)
    month = models.DateField(_("month (first day)"))
    pm25 = models.FloatField(_("PM2.5"), null=True, blank=True)
    pm10 = models.FloatField(_("PM10"), null=True, blank=True)
    so2 = models.FloatField(_("SO2"), null=True, blank=True)
    no2 = models.FloatField(_("NO2"), null=True, blank=True)
    co_p95 = models.FloatField(_("CO 95th percentile"), null=True, blank=True)
    o3_8h_p90 = models.FloatField(_("O3-8h 90th percentile"), null=True, blank=True)
    days = models.SmallIntegerField(_("days in month"), default=0)
    days_pm25 = models.SmallIntegerField(default=0)
    days_pm10 = models.SmallIntegerField(default=0)
    days_so2 = models.SmallIntegerField(default=0)
    days_no2 = models.SmallIntegerField(default=0)
    days_co = models.SmallIntegerField(default=0)
    days_o3 = models.SmallIntegerField(default=0)
    valid_days = models.SmallIntegerField(_("valid days"), default=0)
    good_days = models.SmallIntegerField(_("good days (AQI ≤ 100)"), default=0)
    valid = models.BooleanField(_("valid"), default=False)

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [models.UniqueConstraint(fields=["station", "month"], name="monthlyrollup_unique")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class RollupDirtyHour(models.Model):
    """A station hour whose readings changed since its rollup (late or corrected data), waiting for the rollup
    task. Written by the ``readings_stored`` receiver: one cheap insert, no computing."""

    station_id = models.IntegerField()
    hour = models.DateTimeField()
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hour waiting for rollup")
        verbose_name_plural = _("hours waiting for rollup")
        constraints = [models.UniqueConstraint(fields=["station_id", "hour"], name="rollupdirtyhour_unique")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.hour:%Y-%m-%d %H}"
