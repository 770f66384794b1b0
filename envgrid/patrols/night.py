"""The night window (夜查时段): when a night inspection may take place, in Beijing time.

The window is set by the district (``PatrolSettings``, default 20:00–06:00) and may cross midnight. A
night inspection must lie wholly inside one night's window: it starts inside it and ends before the
window closes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: Night inspections are judged on the clock in China, whatever the server's own time zone.
BEIJING = ZoneInfo("Asia/Shanghai")


def window_around(moment: dt.datetime, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime] | None:
    """The night window (opening, closing) that contains ``moment``, in Beijing time; None outside every
    window. ``start == end`` means no window at all."""
    local = moment.astimezone(BEIJING)
    day, clock = local.date(), local.time()

    def at(d: dt.date, t: dt.time) -> dt.datetime:
        return dt.datetime.combine(d, t, tzinfo=BEIJING)

    if start == end:
        return None
    if start < end:  # a window inside one day, e.g. 22:00–23:30
        return (at(day, start), at(day, end)) if start <= clock < end else None
    if clock >= start:  # evening part of a window crossing midnight
        return at(day, start), at(day + dt.timedelta(days=1), end)
    if clock < end:  # early-morning part
        return at(day - dt.timedelta(days=1), start), at(day, end)
    return None


def inside_night_window(started_at: dt.datetime, ended_at: dt.datetime, start: dt.time, end: dt.time) -> bool:
    """True when the whole span [started_at, ended_at] lies inside one night window."""
    window = window_around(started_at, start, end)
    return window is not None and started_at <= ended_at <= window[1]


def beijing(moment: dt.datetime) -> str:
    """A moment as Beijing wall-clock text for messages, e.g. ``2026-06-01 18:30``."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
