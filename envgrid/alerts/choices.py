"""Choices of the alerts app: the kinds of alert rule, an alert's state and the factors a rule watches."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    """What an alert rule looks for."""

    THRESHOLD = "threshold", _("Threshold exceeded")  # 超标
    HOT_GRID = "hot_grid", _("Hot grid (well above its neighbours)")  # 热点网格 / 高值点位
    RISE = "rise", _("Sustained rise")  # 持续上升
    OFFLINE = "offline", _("Device offline")  # 设备离线
    FLATLINE = "flatline", _("Flat-line (value stuck)")  # 数据恒值


#: Kinds judged from a factor's readings (the others need no factor).
READING_KINDS = frozenset({AlertKind.THRESHOLD, AlertKind.HOT_GRID, AlertKind.RISE, AlertKind.FLATLINE})


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")


class Factor(models.TextChoices):
    """The Reading column a rule watches, with its HJ 212 code in ``CODES`` and unit in ``UNITS``."""

    PM25 = "pm25", "PM2.5"
    PM10 = "pm10", "PM10"
    SO2 = "so2", "SO₂"
    NO2 = "no2", "NO₂"
    CO = "co", "CO"
    O3 = "o3", "O₃"


CODES = {"pm25": "a34004", "pm10": "a34002", "so2": "a21026", "no2": "a21004", "co": "a21005", "o3": "a05024"}
UNITS = {"pm25": "μg/m³", "pm10": "μg/m³", "so2": "μg/m³", "no2": "μg/m³", "co": "mg/m³", "o3": "μg/m³"}


class HotMeasure(models.TextChoices):
    """How a hot-grid rule compares a station with its neighbours' median."""

    RATIO = "ratio", _("Ratio to the neighbours' median")
    DELTA = "delta", _("Excess over the neighbours' median")
