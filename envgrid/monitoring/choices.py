"""Choices of the monitoring app: station kinds, device statuses, HJ 212 data commands and factor columns."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StationKind(models.TextChoices):
    """What a station is: a control point (国控/省控), a micro-station (微站) or a pollution source."""

    NATIONAL = "national", _("National control station")
    PROVINCIAL = "provincial", _("Provincial control station")
    MICRO = "micro", _("Micro-station")
    SOURCE = "source", _("Pollution source")


class StationStatus(models.TextChoices):
    """Device status derived from arrival times; ``COLORS`` gives each its badge colour."""

    ONLINE = "online", _("Online")
    LATE = "late", _("Late")
    OFFLINE = "offline", _("Offline")
    FLAGGED = "flagged", _("Flagged")


STATUS_COLORS = {
    StationStatus.ONLINE: "#2e7d32",
    StationStatus.LATE: "#f9a825",
    StationStatus.OFFLINE: "#757575",
    StationStatus.FLAGGED: "#c62828",
}


class ReadingCommand(models.IntegerChoices):
    """The HJ 212 data uploads stored as readings (CN, HJ 212-2017 §6.6.5 Table 9), with the item each carries."""

    REALTIME = 2011, _("Real-time data")
    MINUTE = 2051, _("Minute data")
    HOUR = 2061, _("Hourly data")
    DAY = 2031, _("Daily data")


# The value suffix read for each command: real-time uploads carry Rtd, period uploads Avg
# (HJ 212-2017 §6.3.3.2.3 Table 4).
VALUE_SUFFIX = {2011: "Rtd", 2051: "Avg", 2061: "Avg", 2031: "Avg"}

# HJ 212 factor code -> Reading column (HJ 212-2017 Table B.2 = HJ 524-2009; O3 a05024 is an HJ 524 code
# that B.2 lacks). Other codes go to Reading.extras.
FACTOR_COLUMNS = {
    "a34004": "pm25",
    "a34002": "pm10",
    "a21026": "so2",
    "a21004": "no2",
    "a21005": "co",
    "a05024": "o3",
    "a01001": "temperature",
    "a01002": "humidity",
    "a01006": "pressure",
    "a01007": "wind_speed",
    "a01008": "wind_direction",
}
READING_COLUMNS = tuple(FACTOR_COLUMNS.values())

# Default units of ambient-air factors as stations send them. Table B.2's default units do not fit ambient
# data, so each station keeps its own (Station.factors; docs/standards.md §1).
DEFAULT_FACTOR_UNITS = {
    "a34004": "ug/m3",
    "a34002": "ug/m3",
    "a21026": "ug/m3",
    "a21004": "ug/m3",
    "a21005": "mg/m3",
    "a05024": "ug/m3",
    "a01001": "degC",
    "a01002": "%",
    "a01006": "kPa",
    "a01007": "m/s",
    "a01008": "deg",
}

# Why the ingest refused a parsed frame (beside the parser's FrameErrorCode values).
UNKNOWN_MN = "unknown_mn"
BAD_PASSWORD = "bad_password"
INACTIVE_STATION = "inactive_station"
NO_DATA_TIME = "no_data_time"
# Why the receiver refused a frame before checking its password (docs/hj212-receiver.md "Abuse").
AUTH_BACKOFF = "auth_backoff"  # too many wrong passwords lately for this MN or from this address
PEER_NOT_ALLOWED = "peer_not_allowed"  # the station has an allowed-peer list and this address is not on it

#: What each reject reason code means, for people (the parser's FrameErrorCode values and the ingest's own).
REJECT_REASON_LABELS = {
    "bad_header": _("Frame does not start with ##"),
    "bad_length": _("Length field is not 4 digits"),
    "too_long": _("Data segment over the length limit"),
    "length_mismatch": _("Frame size does not match its length field"),
    "missing_crlf": _("No CR LF after the CRC"),
    "bad_crc": _("CRC check failed"),
    "bad_encoding": _("Bad character encoding"),
    "missing_field": _("Required field missing"),
    "bad_field": _("Malformed field"),
    "bad_datetime": _("Invalid date and time"),
    "bad_value": _("Invalid value"),
    "garbage": _("Stray bytes between frames"),
    "truncated": _("Stream ended inside a frame"),
    "split_conflict": _("Parts of a split message disagree"),
    "split_expired": _("Split message incomplete in time"),
    UNKNOWN_MN: _("Unregistered MN"),
    BAD_PASSWORD: _("Wrong password"),
    INACTIVE_STATION: _("Station not active"),
    NO_DATA_TIME: _("Upload without DataTime"),
    AUTH_BACKOFF: _("Too many wrong passwords: refused for a while"),
    PEER_NOT_ALLOWED: _("Address not allowed for this station"),
}

#: What the receiver's defences did, counted since it started (docs/hj212-receiver.md "Abuse"), for people.
DEFENCE_LABELS = {
    "connections_refused_cap": _("connections refused at the cap"),
    "connections_refused_backoff": _("connections refused while backing off"),
    "connections_closed_idle": _("connections closed when idle"),
    "connections_closed_refusals": _("connections closed after repeated refusals"),
    "rejects_dropped": _("refusals dropped (queue full)"),
}

#: How a unit as stations send it (HJ 212 spelling) is written for people.
UNIT_LABELS = {
    "ug/m3": "μg/m³",
    "mg/m3": "mg/m³",
    "ng/m3": "ng/m³",
    "degC": "℃",
    "deg": "°",
}


def unit_label(unit: str) -> str:
    """The unit as people write it: μg/m³ for ug/m3, ℃ for degC, ° for deg; others as they are."""
    return UNIT_LABELS.get(unit, unit)


#: The 16 wind directions of the wind rose, clockwise from north (北, 北东北, 东北 …).
WIND_SECTOR_LABELS = (
    pgettext_lazy("wind direction", "N"),
    pgettext_lazy("wind direction", "NNE"),
    pgettext_lazy("wind direction", "NE"),
    pgettext_lazy("wind direction", "ENE"),
    pgettext_lazy("wind direction", "E"),
    pgettext_lazy("wind direction", "ESE"),
    pgettext_lazy("wind direction", "SE"),
    pgettext_lazy("wind direction", "SSE"),
    pgettext_lazy("wind direction", "S"),
    pgettext_lazy("wind direction", "SSW"),
    pgettext_lazy("wind direction", "SW"),
    pgettext_lazy("wind direction", "WSW"),
    pgettext_lazy("wind direction", "W"),
    pgettext_lazy("wind direction", "WNW"),
    pgettext_lazy("wind direction", "NW"),
    pgettext_lazy("wind direction", "NNW"),
)
