"""Reading factors, their stored units and plausible ranges, and the unit conversions an upload may ask for
(declared per column header such as ``PM2.5 (ug/m3)`` or ``CO (mg/m3)``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from envgrid.monitoring.choices import READING_COLUMNS


@dataclass(frozen=True)
class Factor:
    """A stored reading column: the names a header may use, its stored unit and its plausible range (in that
    unit). The ranges catch gross errors — a wrong unit, a sentinel such as -9999 — not exceedances."""

    column: str
    label: str
    names: tuple[str, ...]
    quantity: str
    unit: str
    low: Decimal
    high: Decimal


def _factor(column, label, names, quantity, unit, low, high) -> Factor:
    return Factor(column, label, names, quantity, unit, Decimal(low), Decimal(high))


FACTORS: dict[str, Factor] = {
    f.column: f
    for f in (
        _factor("pm25", "PM2.5", ("pm2.5", "pm25", "pm2_5", "a34004"), "mass", "ug/m3", 0, 2000),
        _factor("pm10", "PM10", ("pm10", "a34002"), "mass", "ug/m3", 0, 10000),
        _factor("so2", "SO2", ("so2", "二氧化硫", "a21026"), "mass", "ug/m3", 0, 10000),
        _factor("no2", "NO2", ("no2", "二氧化氮", "a21004"), "mass", "ug/m3", 0, 3000),
        _factor("co", "CO", ("co", "一氧化碳", "a21005"), "mass", "mg/m3", 0, 200),
        _factor("o3", "O3", ("o3", "臭氧", "a05024"), "mass", "ug/m3", 0, 2000),
        _factor("temperature", "温度", ("temperature", "温度", "气温", "a01001"), "temperature", "degC", -60, 60),
        _factor("humidity", "湿度", ("humidity", "湿度", "相对湿度", "a01002"), "humidity", "%", 0, 100),
        _factor("pressure", "气压", ("pressure", "气压", "a01006"), "pressure", "kPa", 50, 110),
        _factor("wind_speed", "风速", ("wind speed", "wind_speed", "风速", "a01007"), "speed", "m/s", 0, 80),
        _factor(
            "wind_direction", "风向", ("wind direction", "wind_direction", "风向", "a01008"), "angle", "deg", 0, 360
        ),
    )
}
assert tuple(FACTORS) == READING_COLUMNS  # one stored column per factor, in the insert's order
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "co", "o3")

# unit spelling (normalised) -> (quantity, multiply-by to reach the quantity's base unit, offset added after)
# Base units: mass ug/m3, temperature degC, humidity %, pressure kPa, speed m/s, angle deg.
UNITS: dict[str, tuple[str, Decimal, Decimal]] = {
    "ug/m3": ("mass", Decimal(1), Decimal(0)),
    "mg/m3": ("mass", Decimal(1000), Decimal(0)),
    "ng/m3": ("mass", Decimal("0.001"), Decimal(0)),
    "degc": ("temperature", Decimal(1), Decimal(0)),
    "c": ("temperature", Decimal(1), Decimal(0)),
    "k": ("temperature", Decimal(1), Decimal("-273.15")),
    "%": ("humidity", Decimal(1), Decimal(0)),
    "%rh": ("humidity", Decimal(1), Decimal(0)),
    "kpa": ("pressure", Decimal(1), Decimal(0)),
    "hpa": ("pressure", Decimal("0.1"), Decimal(0)),
    "mbar": ("pressure", Decimal("0.1"), Decimal(0)),
    "pa": ("pressure", Decimal("0.001"), Decimal(0)),
    "m/s": ("speed", Decimal(1), Decimal(0)),
    "km/h": ("speed", Decimal(1) / Decimal("3.6"), Decimal(0)),
    "deg": ("angle", Decimal(1), Decimal(0)),
}
# Mixing ratios need the temperature and pressure of the sample to become a mass concentration: refused.
MIXING_RATIOS = {"ppm", "ppb", "ppt", "mol/mol"}


def normalise_unit(text: str) -> str:
    """``µg/m³`` and ``ug/m3`` alike: lower case, micro signs as u, superscripts as digits, no spaces."""
    text = text.strip().lower().replace("µ", "u").replace("μ", "u").replace("³", "3").replace(" ", "")
    text = text.replace("℃", "degc").replace("°c", "degc").replace("°", "deg").replace("度", "deg")
    return {"m/s2": "m/s", "kph": "km/h", "degrees": "deg", "ug/m^3": "ug/m3", "mg/m^3": "mg/m3"}.get(text, text)


@dataclass(frozen=True)
class Conversion:
    """How to turn values of a column (in its declared unit) into the stored unit of its factor."""

    factor: Factor
    unit: str
    scale: Decimal
    offset: Decimal

    @property
    def is_identity(self) -> bool:
        return self.scale == 1 and self.offset == 0

    def apply(self, value: Decimal) -> Decimal:
        return value * self.scale + self.offset


def conversion_for(factor: Factor, unit: str | None) -> Conversion:
    """The conversion from ``unit`` (None: the stored unit) to the factor's stored unit; ``ValueError`` with
    the reason when the unit is unknown, of another quantity or not convertible."""
    if unit is None or unit.strip() == "":
        if factor.column in POLLUTANTS:
            raise ValueError(
                _("%(factor)s needs its unit in the header, e.g. “%(factor)s (%(unit)s)”.")
                % {"factor": factor.label, "unit": factor.unit}
            )
        unit = factor.unit
    key = normalise_unit(unit)
    if key in MIXING_RATIOS:
        raise ValueError(
            _(
                "%(unit)s is a mixing ratio: it cannot be converted to %(target)s without the sample's temperature and "
                "pressure. Convert the values to %(target)s first."
            )
            % {"unit": unit, "target": factor.unit}
        )
    known = UNITS.get(key)
    if known is None:
        raise ValueError(
            _("Unknown unit “%(unit)s” for %(factor)s; use %(target)s.")
            % {"unit": unit, "factor": factor.label, "target": factor.unit}
        )
    quantity, scale, offset = known
    if quantity != factor.quantity:
        raise ValueError(
            _("%(unit)s is not a unit of %(factor)s; use %(target)s.")
            % {"unit": unit, "factor": factor.label, "target": factor.unit}
        )
    target_scale, target_offset = UNITS[normalise_unit(factor.unit)][1:]
    # value_in_base = v * scale + offset; stored = (value_in_base - target_offset) / target_scale
    return Conversion(factor, unit, scale / target_scale, (offset - target_offset) / target_scale)
