"""Station status derived from the last arrival and the expected interval."""

from datetime import timedelta

import pytest
from django.utils import timezone

from envgrid.monitoring.choices import StationStatus
from envgrid.monitoring.models import Station


def make_station(**fields) -> Station:
    return Station(mn="010000A8900016F000169DC0", password="1", name="s", lon=0, lat=0, **fields)


NOW = timezone.now()


@pytest.mark.parametrize(
    ("silence", "interval", "flagged", "status"),
    [
        (None, 1, False, StationStatus.OFFLINE),
        (timedelta(seconds=30), 1, False, StationStatus.ONLINE),
        (timedelta(seconds=30), 1, True, StationStatus.FLAGGED),
        (timedelta(minutes=2), 1, False, StationStatus.ONLINE),
        (timedelta(minutes=3), 1, False, StationStatus.LATE),
        (timedelta(minutes=7), 1, True, StationStatus.OFFLINE),
        (timedelta(minutes=7), 5, False, StationStatus.ONLINE),
        (timedelta(minutes=20), 5, False, StationStatus.LATE),
        (timedelta(minutes=31), 5, False, StationStatus.OFFLINE),
    ],
)
def test_status_follows_silence_against_expected_interval(silence, interval, flagged, status):
    station = make_station(
        last_seen_at=None if silence is None else NOW - silence, interval_minutes=interval, last_data_flagged=flagged
    )

    assert station.status(NOW) == status


def test_an_inactive_station_is_offline():
    assert make_station(last_seen_at=NOW, is_active=False).status(NOW) == StationStatus.OFFLINE
