"""How times are written for people: the district's local time (storage is UTC)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MINUTE = "%Y-%m-%d %H:%M"


def local_text(moment: dt.datetime | None, fmt: str = MINUTE, *, empty: str = "") -> str:
    """``moment`` in the district's time zone as text (``empty`` for None)."""
    if moment is None:
        return empty
    return timezone.localtime(moment).strftime(fmt)


def local_naive(moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` as a naive local datetime, for spreadsheet cells (Excel has no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None
