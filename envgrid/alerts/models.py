"""Monitoring alert rules (预警规则) and the alerts (预警) they raise, each of which may open a case."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.alerts.choices import READING_KINDS, UNITS, AlertKind, AlertState, Factor, HotMeasure
from envgrid.alerts.querysets import AlertQuerySet
from envgrid.cases.choices import Severity
from envgrid.monitoring.choices import ReadingCommand, StationKind


def format_number(value: float | None, factor: str = "", digits: int | None = None) -> str:
    """A value for people: CO with two decimals, the rest with one, trailing zeros dropped."""
    if value is None:
        return "—"
    if digits is None:
        digits = 2 if factor == Factor.CO else 1
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class AlertRule(models.Model):
    """A monitoring alert rule (预警规则) an administrator edits: what to look for in which stations' data
    (an absolute threshold, a station well above its neighbours, a sustained rise, a silent or stuck device),
    the raise and clear levels (hysteresis), how long a condition must last, and the case it opens.

    ``raise_level`` is read by kind: a concentration (threshold), a ratio or an excess over the neighbours'
    median (hot grid), an increase over the window (rise), minutes without data (offline), or a number of
    equal readings in a row (flat-line)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices, default=AlertKind.THRESHOLD)
    factor = models.CharField(
        _("factor"), max_length=10, choices=Factor.choices, blank=True, help_text=_("Not used by offline rules.")
    )
    cn = models.PositiveSmallIntegerField(
        _("data"),
        choices=ReadingCommand.choices,
        default=ReadingCommand.MINUTE,
        help_text=_("Which uploads the rule reads: minute data by default."),
    )
    raise_level = models.FloatField(
        _("raise level"),
        help_text=_(
            "Threshold: concentration; hot grid: ratio or excess over the neighbours' median; rise: increase "
            "over the window; offline: minutes without data; flat-line: equal readings in a row."
        ),
    )
    clear_level = models.FloatField(
        _("clear level"),
        null=True,
        blank=True,
        help_text=_("The alert clears when the value falls below this (hysteresis). Empty: the raise level."),
    )
    duration_minutes = models.PositiveIntegerField(
        _("minimum duration (minutes)"), default=0, help_text=_("The condition must hold this long to raise.")
    )
    clear_minutes = models.PositiveIntegerField(
        _("clear after (minutes)"), default=0, help_text=_("The value must stay below the clear level this long.")
    )
    suppress_minutes = models.PositiveIntegerField(
        _("suppression window (minutes)"),
        default=60,
        help_text=_("A new raise this soon after the alert cleared reopens it: one episode, one alert."),
    )
    window_minutes = models.PositiveIntegerField(
        _("window (minutes)"), default=30, help_text=_("Sustained rise: the window the increase is fitted over.")
    )
    hot_measure = models.CharField(
        _("hot-grid measure"), max_length=10, choices=HotMeasure.choices, default=HotMeasure.RATIO
    )
    radius_m = models.PositiveIntegerField(_("neighbour radius (m)"), default=3000)
    min_neighbours = models.PositiveSmallIntegerField(_("minimum neighbours"), default=2)
    min_delta = models.FloatField(
        _("minimum excess"),
        null=True,
        blank=True,
        help_text=_("Hot grid by ratio: the station must also exceed the median by at least this much."),
    )
    station_kinds = models.JSONField(
        _("station kinds"), default=list, blank=True, help_text=_("Empty: every kind of station.")
    )
    region = models.ForeignKey(
        "grids.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only stations in this street or community. Empty: the whole district."),
    )
    category = models.ForeignKey(
        "cases.CaseCategory", verbose_name=_("case category"), on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.NORMAL)
    lead_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the routing table decides by the category and the station's grid."),
    )
    opens_case = models.BooleanField(_("opens a case"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_clear_level(self) -> float:
        return self.raise_level if self.clear_level is None else self.clear_level

    @property
    def unit(self) -> str:
        """The unit of ``raise_level`` for display."""
        if self.kind == AlertKind.OFFLINE:
            return str(_("min"))
        if self.kind == AlertKind.FLATLINE:
            return str(_("readings"))
        if self.kind == AlertKind.HOT_GRID and self.hot_measure == HotMeasure.RATIO:
            return "×"
        return UNITS.get(self.factor, "")

    def clean(self):
        errors = {}
        if self.kind in READING_KINDS and not self.factor:
            errors["factor"] = _("Choose the factor this rule watches.")
        if self.raise_level is not None and self.raise_level <= 0:
            errors["raise_level"] = _("The raise level must be above zero.")
        if self.clear_level is not None and self.raise_level is not None and self.clear_level > self.raise_level:
            errors["clear_level"] = _("The clear level cannot be above the raise level.")
        if self.kind == AlertKind.FLATLINE and self.raise_level is not None and self.raise_level < 2:
            errors["raise_level"] = _("A flat-line needs at least 2 equal readings.")
        if self.kind == AlertKind.HOT_GRID:
            if self.hot_measure == HotMeasure.RATIO and self.raise_level is not None and self.raise_level <= 1:
                errors["raise_level"] = _("A ratio to the neighbours must be above 1.")
            if not self.radius_m:
                errors["radius_m"] = _("Give the radius in which neighbours are looked for.")
            if not self.min_neighbours:
                errors["min_neighbours"] = _("At least one neighbour is needed.")
        if self.kind == AlertKind.RISE and self.window_minutes < 2:
            errors["window_minutes"] = _("The window must be at least 2 minutes.")
        kinds = self.station_kinds
        if not isinstance(kinds, list) or any(k not in StationKind.values for k in kinds):
            errors["station_kinds"] = _("Unknown station kind in %(kinds)s.") % {"kinds": kinds}
        if errors:
            raise ValidationError(errors)

    def applies_to(self, station) -> bool:
        """Whether the rule watches this station (kind and area; the station's grid gives its area)."""
        if self.station_kinds and station.kind not in self.station_kinds:
            return False
        if self.region_id is None:
            return True
        grid = station.grid
        return grid is not None and self.region_id in (grid.street_id, grid.community_id)


class Alert(models.Model):
    """A monitoring alert (预警): one episode of one rule at one station, from the data time its condition
    began to the time it cleared, with its peak and the readings that triggered it. It opens a case for the
    unit responsible for the station's grid, or joins the open case of the same station and category."""

    rule = models.ForeignKey(AlertRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts")
    station = models.ForeignKey(
        "monitoring.Station", verbose_name=_("station"), on_delete=models.CASCADE, related_name="alerts"
    )
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices, default=AlertState.OPEN)
    started_at = models.DateTimeField(_("started at"), help_text=_("Data time the condition began."))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, help_text=_("When the alert was raised."))
    peak_at = models.DateTimeField(_("peak at"))
    peak_value = models.FloatField(_("peak value"))
    last_value = models.FloatField(_("latest value"))
    last_data_at = models.DateTimeField(_("latest data"), help_text=_("Data time of the latest reading judged."))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("reopened"), default=0)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence = models.JSONField(
        _("evidence"), default=dict, blank=True, help_text=_("The readings that triggered the alert, and the rule.")
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "station"], condition=Q(state="open"), name="alerts_one_open_per_rule_station"
            )
        ]
        indexes = [
            models.Index(fields=["state", "-started_at"], name="alerts_state_started"),
            models.Index(fields=["station", "rule", "-started_at"], name="alerts_station_rule_started"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} @ {self.station.name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state == AlertState.OPEN

    @property
    def peak_text(self) -> str:
        return format_number(self.peak_value, self.rule.factor)

    @property
    def last_text(self) -> str:
        return format_number(self.last_value, self.rule.factor)
