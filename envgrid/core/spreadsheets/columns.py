"""Columns of an upload: header names (Chinese and English both accepted), and the cell parsers that turn a
cell into a value or say, in words, why they cannot (``CellError``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from envgrid.core import jsontext


class CellError(ValueError):
    """A cell's value is wrong; ``reason`` says why, for the person who fixes the file."""

    def __init__(self, reason: str, code: str = "invalid"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def cell_text(value: Any) -> str:
    """A cell as trimmed text: "" for a blank cell, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Column:
    """One column of an upload template: its key in code, its headers (``header_en`` empty: the Chinese one in
    every language), the other headers accepted, whether it is required, how a cell is read (``parse``; None
    keeps the cell as it is), and for the template its width, example and note. ``kind`` limits the column to
    one kind of record (empty: every kind)."""

    key: str
    header_zh: str
    header_en: str = ""
    parse: Callable[[Any], Any] | None = None
    required: bool = False
    kind: str = ""
    width: int = 14
    example: Any = None
    hint_zh: str = ""
    aliases: tuple[str, ...] = field(default=())

    def header(self) -> str:
        if not self.header_en or (translation.get_language() or "").startswith("zh"):
            return self.header_zh
        return self.header_en


def normalise_header(value: Any) -> str:
    """A header as compared: no spaces, no asterisks or brackets, lower case (``限产比例(%)`` = ``限产比例%``)."""
    return re.sub(r"[\s*＊（）()]", "", str(value or "")).lower()


def header_map(columns: list[Column]) -> dict[str, Column]:
    """Every accepted spelling of every header → its column."""
    found = {}
    for column in columns:
        for name in (column.header_zh, column.header_en, column.key, *column.aliases):
            if name:
                found[normalise_header(name)] = column
    return found


# --- parsers -------------------------------------------------------------------------------------


def text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        result = cell_text(value)
        if len(result) > max_length:
            raise CellError(_("At most %(n)d characters (this has %(m)d).") % {"n": max_length, "m": len(result)})
        return result

    return parse


def number(low: float | None = None, high: float | None = None) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise CellError(_("Not a number."))
        try:
            result = float(str(value).strip().replace(",", "")) if not isinstance(value, int | float) else float(value)
        except ValueError:
            raise CellError(_("%(value)s is not a number.") % {"value": value}) from None
        if result != result or (low is not None and result < low) or (high is not None and result > high):
            raise CellError(_("%(value)s is outside %(low)s … %(high)s.") % {"value": value, "low": low, "high": high})
        return result

    return parse


def choice(choices_class, extra: dict[str, str] | None = None) -> Callable[[Any], str]:
    """A value of ``choices_class`` given as its code, its English or Chinese label, or an alias."""
    cache: dict[str, str] = {}

    def aliases() -> dict[str, str]:
        if not cache:
            for value, label in choices_class.choices:
                cache[value.lower()] = value
                for language in ("en", "zh-hans"):
                    with translation.override(language):
                        cache[str(label).strip().lower()] = value
            cache.update({k.lower(): v for k, v in (extra or {}).items()})
        return cache

    def parse(value: Any) -> str:
        key = str(value).strip().lower()
        found = aliases().get(key)
        if found is None:
            allowed = "、".join(str(label) for _value, label in choices_class.choices)
            raise CellError(_("%(value)s is not one of: %(allowed)s.") % {"value": value, "allowed": allowed})
        return found

    return parse


YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "达标", "x", "禁止"}
NO = {"否", "无", "n", "no", "false", "0", "×", "不达标", "不禁止", ""}


def yes_no(value: Any) -> bool:
    """是/否 and their many spellings (有/无, √/×, yes/no, 1/0, 禁止/不禁止 …); a blank cell is no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and float(value).is_integer():
        value = int(value)
    key = "".join(str("" if value is None else value).split()).lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(_("Write 是 or 否 (yes or no), not %(value)s.") % {"value": value})


def day(value: Any) -> dt.date:
    """A date cell, or text such as 2026-11-20, 2026/11/20, 2026.11.20, 20261120 or 2026年11月20日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = cell_text(value).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    raise CellError(_("%(value)s is not a date; write YYYY-MM-DD.") % {"value": value})


def code_list(value: Any) -> list[str]:
    """MN numbers and the like: separated by commas, semicolons, 、 or spaces; repeats dropped."""
    items = [item for item in re.split(r"[,，;；、\s]+", cell_text(value)) if item]
    for item in items:
        if len(item) > 30:
            raise CellError(_("%(item)s is longer than 30 characters.") % {"item": item})
    return list(dict.fromkeys(items))


def line(value: Any) -> dict:
    """A road line as GeoJSON, or as "lon,lat; lon,lat; …" (WGS-84)."""
    raw = str(value).strip()
    if raw.startswith("{"):
        try:
            return jsontext.loads(raw)
        except json.JSONDecodeError:
            raise CellError(_("The road line is not valid GeoJSON.")) from None
    points = []
    for pair in re.split(r"[;；|]", raw):
        if not pair.strip():
            continue
        parts = re.split(r"[,，\s]+", pair.strip())
        try:
            lon, lat = (float(part) for part in parts)
        except ValueError:
            raise CellError(_("Write the road line as lon,lat; lon,lat; … (WGS-84).")) from None
        points.append([lon, lat])
    if len(points) < 2:
        raise CellError(_("The road line needs at least two points."))
    return {"type": "LineString", "coordinates": points}
