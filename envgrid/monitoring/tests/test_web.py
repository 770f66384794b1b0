"""The monitoring pages as a user sees them: nav entry, station list with status and latest AQI, the map data
coloured by AQI (and changing when new data is rolled up), the station page's chart data, the receiver status."""

import re
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from envgrid.monitoring import rollups, selectors
from envgrid.monitoring.choices import ReadingCommand, StationKind, StationStatus
from envgrid.monitoring.models import ReceiverStat, RejectedFrame, Station
from envgrid.monitoring.services import Reject, frames_reject
from envgrid.monitoring.tests.test_web_support import ROLES, district, people, stations, write_readings  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(people):
    client = Client()
    client.force_login(people["admin"])
    return client


def this_hour():
    return timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly_pm25(station, *values):
    """Device hourly data (CN 2061) ending with the hour before this one, then the rollups of those days."""
    start = this_hour() - timedelta(hours=len(values))
    write_readings(
        station,
        start=start,
        count=len(values),
        step=timedelta(hours=1),
        cn=ReadingCommand.HOUR,
        pm25=lambda i: values[i],
    )
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=2), station_ids=[station.pk])


@pytest.mark.parametrize("username", ROLES)
def test_every_role_has_the_monitoring_entry_in_the_navigation(people, username):
    client = Client()
    client.force_login(people[username])
    assert 'href="/monitoring/"' in client.get("/").content.decode()


def test_the_command_centre_home_counts_stations_offline_late_and_flagged(people, stations):
    now = timezone.now()
    Station.objects.filter(pk=stations[0].pk).update(last_seen_at=now - timedelta(minutes=4))  # late
    Station.objects.filter(pk=stations[1].pk).update(last_seen_at=now, last_data_flagged=True)  # flagged
    Station.objects.filter(pk=stations[2].pk).update(last_seen_at=now)  # online
    Station.objects.filter(pk=stations[3].pk).update(is_active=False)  # retired: not counted

    counts = {c.url.split("=")[-1]: c.value for c in selectors.home_counts(people["dispatcher"])}

    assert counts == {"offline": 18, "late": 1, "flagged": 1}
    assert selectors.home_counts(people["leader"]) == [] and selectors.home_counts(people["grid_member"]) == []
    client = Client()
    client.force_login(people["dispatcher"])
    assert 'href="/monitoring/?status=offline"' in client.get("/").content.decode()


def test_the_status_filter_agrees_with_each_stations_derived_status(admin_client, stations):
    now = timezone.now()
    seen = {
        0: (now - timedelta(seconds=30), False),  # online
        1: (now - timedelta(seconds=30), True),  # flagged
        2: (now - timedelta(minutes=4), False),  # late (2-6 intervals of 1 minute)
        3: (now - timedelta(minutes=30), False),  # offline
    }
    for index, (last_seen, flagged) in seen.items():
        Station.objects.filter(pk=stations[index].pk).update(last_seen_at=last_seen, last_data_flagged=flagged)
    Station.objects.filter(pk=stations[4].pk).update(last_seen_at=now, interval_minutes=60)  # hourly: online
    everyone = Station.objects.all()

    for status in StationStatus.values:
        filtered = set(selectors.status_filter(everyone, status).values_list("pk", flat=True))
        derived = {s.pk for s in everyone if s.status() == status}
        assert filtered == derived, status
    page = admin_client.get("/monitoring/", {"status": "late"}, HTTP_HX_REQUEST="true").content.decode()
    assert page.count('data-testid="station-row"') == 1 and stations[2].mn in page
    assert "<html" not in page  # htmx: the table alone
    full = admin_client.get("/monitoring/").content.decode()
    for status, count in (("online", 2), ("flagged", 1), ("late", 1), ("offline", 18)):
        assert f'data-testid="status-count-{status}" data-count="{count}"' in full, status


def test_the_map_colours_stations_by_their_latest_hourly_aqi_and_changes_with_new_data(admin_client, stations):
    clean, dirty = stations[2], stations[3]
    hourly_pm25(clean, 20, 30)  # IAQI 43: 优, green
    hourly_pm25(dirty, 100, 200)  # IAQI 250: 重度污染, purple

    data = admin_client.get("/monitoring/map/data/").json()
    by_mn = {s["mn"]: s for s in data["stations"]}
    assert by_mn[clean.mn]["aqi"]["color"] == "#00E400" and by_mn[clean.mn]["aqi"]["aqi"] == 43
    assert by_mn[dirty.mn]["aqi"]["color"] == "#99004C" and by_mn[dirty.mn]["aqi"]["aqi"] == 250
    assert by_mn[dirty.mn]["aqi"]["primary_pollutants"] == ["PM2.5"]
    assert by_mn[stations[5].mn]["aqi"] is None
    assert {"id", "mn", "lon", "lat", "status", "status_color", "url", "kind"} <= set(by_mn[clean.mn])
    assert [band["color"] for band in data["legend"]] == [
        "#00E400",
        "#FFFF00",
        "#FF7E00",
        "#FF0000",
        "#99004C",
        "#7E0023",
    ]

    # The next hour arrives dirty at the clean station: the same URL now colours it differently.
    write_readings(clean, start=this_hour(), count=1, cn=ReadingCommand.HOUR, pm25=90)
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=1), station_ids=[clean.pk])
    again = {s["mn"]: s for s in admin_client.get("/monitoring/map/data/").json()["stations"]}
    # HJ 633-2026 (in force from 2026-03-01) puts PM2.5 IAQI 100 at 60 and 150 at 115: 90 -> 127.3 -> 128.
    assert again[clean.mn]["aqi"]["aqi"] == 128 and again[clean.mn]["aqi"]["color"] == "#FF7E00"


def test_the_list_shows_the_latest_aqi_badge(admin_client, stations):
    hourly_pm25(stations[2], 50)  # HJ 633-2026: 35-60 -> IAQI 50-100, so 80
    page = admin_client.get("/monitoring/", {"q": stations[2].mn}).content.decode()
    assert 'data-aqi="80"' in page and "background:#FFFF00" in page


def test_list_and_map_data_cost_the_same_queries_for_few_and_many_stations(admin_client, stations):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    many = (count("/monitoring/"), count("/monitoring/map/data/"))
    Station.objects.filter(kind=StationKind.MICRO).exclude(pk__in=[s.pk for s in stations[:5]]).delete()
    few = (count("/monitoring/"), count("/monitoring/map/data/"))
    assert many == few
    assert many[0] <= 12 and many[1] <= 10


def test_the_station_page_has_its_charts_and_their_data(admin_client, stations):
    station = stations[4]
    start = this_hour() - timedelta(hours=3)
    write_readings(
        station,
        start=start,
        count=180,
        pm25=lambda i: 30 + i % 7,
        pm10=60.0,
        no2=40.0,
        o3=80.0,
        co=0.6,
        so2=8.0,
        wind_direction=lambda i: (i * 10) % 360,
        wind_speed=lambda i: i % 9,
    )
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=1), station_ids=[station.pk])

    page = admin_client.get(f"/monitoring/stations/{station.pk}/").content.decode()
    for chart in ("chart-hours", "chart-days", "chart-pollutant", "chart-wind"):
        assert f'data-testid="{chart}"' in page
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # every asset local, none from a CDN

    minutes = admin_client.get(f"/monitoring/stations/{station.pk}/series/", {"interval": "minute"}).json()
    assert len(minutes["points"]) == 180 and minutes["points"][0]["pm25"] == 30
    hours = admin_client.get(f"/monitoring/stations/{station.pk}/series/", {"interval": "hour"}).json()["points"]
    assert len(hours) == 3 and all(p["aqi"] is not None and p["color"] for p in hours)
    assert hours[0]["coverage"]["pm25"] == {"observed": 60, "expected": 60}
    days = admin_client.get(f"/monitoring/stations/{station.pk}/series/", {"interval": "day"}).json()["points"]
    assert days and days[-1]["coverage"]["pm25"]["expected"] == 24
    wind = admin_client.get(f"/monitoring/stations/{station.pk}/wind/").json()
    assert wind["total"] == 180 and len(wind["sectors"]) == 16
    assert sum(map(sum, wind["counts"])) == 180
    bad = admin_client.get(f"/monitoring/stations/{station.pk}/series/", {"interval": "week"})
    assert bad.status_code == 400


def test_the_wind_rose_puts_north_winds_in_the_first_sector_and_calm_in_the_first_class(stations):
    station = stations[4]
    start = this_hour() - timedelta(hours=1)
    write_readings(
        station,
        start=start,
        count=4,
        wind_direction=lambda i: [355, 5, 90, 180][i],
        wind_speed=lambda i: [1.0, 1.0, 4.0, 9.0][i],
    )
    rose = selectors.wind_rose(station=station, start=start, end=start + timedelta(hours=1))
    assert rose["percent"][0][0] == 50.0  # N, below 1.5 m/s: two of four
    assert rose["percent"][2][4] == 25.0  # E, 3.3-5.4 m/s
    assert rose["percent"][4][8] == 25.0  # S, 7.9 m/s and more


def test_the_receiver_page_shows_connections_frames_rejects_and_their_peers(admin_client):
    now = timezone.now()
    ReceiverStat.objects.create(
        name="hj212@0.0.0.0:9212",
        started_at=now - timedelta(hours=1),
        updated_at=now,
        connections_open=17,
        connections_total=20,
        frames_total=1234,
        frames_per_minute=340.0,
        readings_stored=1200,
        rejects={"bad_crc": 5, "unknown_mn": 2},
    )
    ReceiverStat.objects.create(
        name="old",
        started_at=now - timedelta(days=2),
        updated_at=now - timedelta(days=1),
        connections_open=3,
        frames_per_minute=99.0,
    )
    frames_reject([Reject("bad_crc", "CRC mismatch", "10.0.0.7:50122", "", b"##0101QN=...\x00")])
    frames_reject([Reject("unknown_mn", "MN 'X' is not a registered station", "10.0.0.8:40000", "X", b"##0099")])

    page = admin_client.get("/monitoring/receiver/").content.decode()
    assert 'data-testid="connections-open">17<' in page  # the stale receiver's 3 are not counted
    assert 'data-testid="frames-per-minute">340<' in page
    assert page.count('data-stale="1"') == 1
    assert 'data-testid="reject-reason" data-code="bad_crc"' in page
    assert "10.0.0.7:50122" in page and "10.0.0.8:40000" in page and "\\x00" in page

    only_crc = admin_client.get("/monitoring/receiver/", {"code": "bad_crc"}, HTTP_HX_REQUEST="true").content.decode()
    assert "10.0.0.7:50122" in only_crc and "10.0.0.8:40000" not in only_crc and "<html" not in only_crc
    by_peer = admin_client.get("/monitoring/receiver/", {"peer": "10.0.0.8"}).content.decode()
    assert by_peer.count('data-testid="rejected-frame"') == 1
    assert RejectedFrame.objects.count() == 2


def test_the_rankings_tab_appears_when_the_rankings_page_exists(admin_client):
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("monitoring-rankings")
    except NoReverseMatch:
        pytest.skip("the rankings page is not installed")
    assert f'href="{url}"' in admin_client.get("/monitoring/").content.decode()
