"""``manage.py rollup [--since DATE] [--until DATE] [--station MN ...] [--dirty]``: rebuild rollups.

Recomputes the hourly, daily and monthly rollups of the Beijing days ``since <= day < until`` (default: from
the first reading to today) from the readings, month by month, for every station or the ones named. An hour
whose minute data was purged keeps its stored rollup. ``--dirty`` instead rolls up the hours waiting in the
dirty list (what the every-minute task does).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min
from django.utils import timezone

from envgrid.monitoring.models import Reading, Station
from envgrid.monitoring.rollups import local_day, rollups_process_dirty, rollups_rebuild


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Rebuild hourly, daily and monthly rollups (with AQI and validity) from the readings."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="first Beijing day (YYYY-MM-DD); default: the first reading")
        parser.add_argument("--until", type=_date, help="day after the last one; default: tomorrow")
        parser.add_argument("--station", action="append", metavar="MN", help="only this station (repeatable)")
        parser.add_argument("--dirty", action="store_true", help="only the hours marked dirty by late data")

    def handle(self, *args, since=None, until=None, station=None, dirty=False, **options):
        if dirty:
            result = rollups_process_dirty()
            self.stdout.write(f"{result.hours} hours, {result.days} days, {result.months} months rolled up")
            return
        station_ids = None
        if station:
            found = dict(Station.objects.filter(mn__in=station).values_list("mn", "pk"))
            unknown = sorted(set(station) - set(found))
            if unknown:
                raise CommandError(f"unknown station MN(s): {', '.join(unknown)}")
            station_ids = sorted(found.values())
        if since is None:
            readings = (
                Reading.objects.all() if station_ids is None else Reading.objects.filter(station_id__in=station_ids)
            )
            first = readings.aggregate(first=Min("data_time"))["first"]
            if first is None:
                self.stdout.write("no readings: nothing to roll up")
                return
            since = local_day(first)
        until = until or local_day(timezone.now()) + timedelta(days=1)
        if until <= since:
            raise CommandError(f"--until {until} must be after --since {since}")
        result = rollups_rebuild(since=since, until=until, station_ids=station_ids)
        self.stdout.write(
            f"{since}..{until - timedelta(days=1)}: {result.hours} hours, {result.days} days, "
            f"{result.months} months rolled up"
        )
