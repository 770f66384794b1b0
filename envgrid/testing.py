"""Helpers shared by the tests of every app: the small district, the demo accounts by role, a point inside a
grid, small real JPEGs, and the Beijing instants a clock-dependent test runs at (the ``travel`` fixture of the
root conftest moves the clock).

The small district is the demo district generated at a dozen grids (one street and one town, four communities
and villages, one account per role, the demo routing table and stations) and loads in a tenth of a second; the
full 200-grid district is for the few tests that need its numbers or its other apps' demo parts.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from shapely.geometry import shape

from envgrid.core.hooks import demo_parts_only
from envgrid.demo.accounts import DEMO_ACCOUNTS
from envgrid.demo.district import DistrictSpec
from envgrid.demo.loader import DemoSummary, demo_load
from envgrid.grids.lookup import invalidate_index

#: A street (翠湖街道, with the demo accounts' community) and a town (石桥镇) of two villages; 12 grids.
SMALL_DISTRICT = DistrictSpec(grids=12, communities=4, streets=2, dedicated_grids=1)
#: The usernames of the demo accounts, one per role.
ROLE_USERNAMES = tuple(account.username for account in DEMO_ACCOUNTS)

BEIJING = ZoneInfo("Asia/Shanghai")
#: Beijing times of day worth running a clock-dependent test at: just after midnight, just before the 08:00 shifts
#: start, the working morning, and the last minute of the day.
CLOCK_TIMES = ("00:30", "06:58", "09:30", "23:59")


def beijing_instant(when: str | dt.datetime) -> dt.datetime:
    """An aware moment: ``when`` itself, an ISO date-time, or "HH:MM" today in Beijing."""
    if isinstance(when, dt.datetime):
        return when
    if len(when) <= 5:
        hour, minute = (int(part) for part in when.split(":"))
        return dt.datetime.combine(dt.datetime.now(BEIJING).date(), dt.time(hour, minute), tzinfo=BEIJING)
    moment = dt.datetime.fromisoformat(when)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


#: Demo parts every test district has: the routing table (cases) and the stations (monitoring).
BASE_PARTS = ("cases", "monitoring")


def district_load(*, full: bool = False, parts: tuple[str, ...] | None = ()) -> DemoSummary:
    """Load the small district (or, with ``full``, the 200-grid demo district) with only the named apps' demo
    parts (``parts=None``: all of them), and start from a fresh grid index."""
    invalidate_index()
    spec = None if full else SMALL_DISTRICT
    if parts is None:
        summary = demo_load(spec=spec)
    else:
        # The district's routing table and stations are the cases and monitoring apps' demo parts: always there.
        with demo_parts_only(*BASE_PARTS, *parts):
            summary = demo_load(spec=spec)
    invalidate_index()
    return summary


def role_users(*extra: str) -> dict:
    """The demo accounts (one per role) and any ``extra`` usernames, by username, with their units."""
    users = get_user_model().objects.select_related("unit").filter(username__in=[*ROLE_USERNAMES, *extra])
    return {user.username: user for user in users}


def point_in(grid) -> tuple[float, float]:
    """A point surely inside the grid (a centroid may fall outside a concave grid): (lon, lat)."""
    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def jpeg_bytes(size=(64, 48), *, gps: tuple[float, float] | None = None, taken: str = "", color=(30, 120, 60)) -> bytes:
    """A small JPEG, optionally with EXIF capture time (``taken``, "YYYY:MM:DD HH:MM:SS") and GPS (lon, lat)."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if taken:
        exif[0x0132] = taken  # DateTime
    if gps:
        lon, lat = gps
        exif[0x8825] = {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _dms(value: float) -> tuple[int, int, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (degrees, minutes, round(((value - degrees) * 60 - minutes) * 60, 4))


def jpeg(name: str = "photo.jpg", **options) -> SimpleUploadedFile:
    """An uploaded JPEG (see ``jpeg_bytes`` for the options)."""
    return SimpleUploadedFile(name, jpeg_bytes(**options), content_type="image/jpeg")
