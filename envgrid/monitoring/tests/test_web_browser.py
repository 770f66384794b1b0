"""The monitoring pages in a real Chromium: the map draws every station coloured by its latest AQI and recolours
a station when new data is rolled up, without reloading; the station page draws its ECharts charts.

The tests make their own stations and accounts instead of loading the demo district: a transactional test
flushes the rows other apps seed in migrations, which their demo parts need.
Screenshots go to /tmp/envgrid-monitoring-*.png."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from envgrid.core.choices import Role
from envgrid.core.tests.factories import TEST_PASSWORD, UserFactory
from envgrid.monitoring import rollups
from envgrid.monitoring.choices import ReadingCommand, StationKind
from envgrid.monitoring.models import ReceiverStat, Station
from envgrid.monitoring.services import Reject, frames_reject, station_create
from envgrid.monitoring.tests.test_web_support import write_readings
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/envgrid-monitoring-{}.png"
STATIONS = 8


@pytest.fixture
def desk(live_server) -> list[Station]:
    """An administrator and a dispatcher, two provincial control stations and six micro-stations."""
    for role in (Role.ADMIN, Role.DISPATCHER):
        UserFactory(username=role.value, role=role, unit=None, display_name=role.label)
    stations = []
    for n in range(STATIONS):
        kind, prefix = (StationKind.PROVINCIAL, "C") if n < 2 else (StationKind.MICRO, "B")
        stations.append(
            station_create(
                mn=f"5A4A000000000000000{prefix}{n + 1:04X}",
                password=f"{200001 + n}",
                name=f"测试站点{n + 1}",
                kind=kind,
                lon=113.6 + 0.012 * (n % 4),
                lat=34.78 + 0.01 * (n // 4),
            )
        )
    return sorted(stations, key=lambda s: s.mn)


def sign_in_as(page, username: str) -> None:
    sign_in(page, username, TEST_PASSWORD)


def hour_start():
    return timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly(station, *pm25, start=None):
    start = start or hour_start() - timedelta(hours=len(pm25))
    write_readings(
        station,
        start=start,
        count=len(pm25),
        step=timedelta(hours=1),
        cn=ReadingCommand.HOUR,
        pm25=lambda i: pm25[i],
        pm10=lambda i: pm25[i] * 1.6,
        o3=80.0,
        no2=35.0,
        co=0.7,
    )
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=3), station_ids=[station.pk])


def marker(page, mn: str):
    return page.locator(f'path[data-testid="station-marker"][data-mn="{mn}"]')


def test_the_map_colours_stations_by_aqi_and_recolours_them_as_data_arrives(page, desk):
    stations = desk
    clean, dirty, episode = stations[2], stations[3], stations[4]
    hourly(clean, 20, 25, 30)
    hourly(dirty, 150, 180, 200)
    hourly(episode, 40, 45, 50)
    now = timezone.now()
    Station.objects.filter(pk__in=[clean.pk, dirty.pk, episode.pk]).update(last_seen_at=now)

    sign_in_as(page, "dispatcher")
    page.goto(page.base_url + "/monitoring/map/?refresh=5")
    page.wait_for_selector(f'[data-testid="station-map"][data-drawn="{STATIONS}"]')
    assert marker(page, clean.mn).get_attribute("fill") == "#00E400"
    assert marker(page, dirty.mn).get_attribute("fill") == "#99004C"
    assert marker(page, episode.mn).get_attribute("fill") == "#FFFF00"
    assert marker(page, stations[7].mn).get_attribute("fill") == "#9e9e9e"  # no data yet: grey
    assert page.get_by_test_id("map-top").locator("li").first.inner_text().startswith("250")
    legend = page.get_by_test_id("aqi-legend")  # the six HJ 633 levels, then the grey of "no AQI yet"
    assert legend.locator(".swatch").count() == 7 and legend.locator("div").first.inner_text().startswith("0–50")
    page.screenshot(path=SHOTS.format("map"), full_page=True)

    # An episode at the third station: the next hour is heavy; the open page recolours it on its next poll.
    hourly(episode, 260, start=hour_start())
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('path[data-mn="{episode.mn}"]');
                     return p && p.getAttribute('fill') === '#7E0023'; }}""",
        timeout=15_000,
    )
    marker(page, episode.mn).click()
    assert episode.name in page.locator(".leaflet-popup-content").inner_text()
    page.wait_for_timeout(400)  # the popup fades in
    page.screenshot(path=SHOTS.format("map-episode"), full_page=True)


def test_the_station_page_draws_its_charts(page, desk):
    station = desk[5]
    start = hour_start() - timedelta(hours=6)
    write_readings(
        station,
        start=start,
        count=360,
        pm25=lambda i: 30 + (i // 20) % 15,
        pm10=lambda i: 60 + i % 30,
        so2=8.0,
        no2=lambda i: 30 + i % 11,
        co=0.6,
        o3=lambda i: 60 + i % 40,
        temperature=12.0,
        humidity=60.0,
        wind_speed=lambda i: i % 70 / 10,
        wind_direction=lambda i: i * 7 % 360,
    )
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=2), station_ids=[station.pk])
    Station.objects.filter(pk=station.pk).update(last_seen_at=timezone.now())

    sign_in_as(page, "admin")
    page.goto(page.base_url + f"/monitoring/stations/{station.pk}/")
    page.wait_for_selector('#station-charts[data-drawn="1"]')
    for chart in ("chart-hours", "chart-days", "chart-pollutant", "chart-wind"):
        box = page.get_by_test_id(chart)
        assert box.locator("canvas").count() >= 1, chart
        assert int(box.get_attribute("data-points")) > 0, chart
    page.get_by_test_id("pollutant-select").select_option("o3")
    page.get_by_test_id("pollutant-interval").select_option("minute")
    page.wait_for_function("() => parseInt(document.getElementById('chart-pollutant').dataset.points) > 250")
    assert page.get_by_test_id("station-password").inner_text() == station.password
    page.screenshot(path=SHOTS.format("station"), full_page=True)


def test_the_receiver_page_for_the_dispatcher(page, desk):
    now = timezone.now()
    ReceiverStat.objects.create(
        name="hj212@0.0.0.0:9212",
        started_at=now - timedelta(hours=2),
        updated_at=now,
        connections_open=22,
        connections_total=25,
        frames_total=2640,
        frames_per_minute=22.0,
        readings_stored=2600,
        rejects={"bad_crc": 3, "bad_password": 1},
    )
    frames_reject([Reject("bad_crc", "CRC 1A2B expected 3C4D", "192.168.10.21:50122", "", b"##0101QN=2026...")])
    frames_reject(
        [
            Reject(
                "bad_password",
                "wrong password for MN 5A4A000000000000000B0003",
                "192.168.10.33:40411",
                "5A4A000000000000000B0003",
                b"##0099QN=...",
            )
        ]
    )

    sign_in_as(page, "dispatcher")
    page.goto(page.base_url + "/monitoring/receiver/")
    assert page.get_by_test_id("connections-open").inner_text() == "22"
    assert page.get_by_test_id("rejected-frame").count() == 2
    page.screenshot(path=SHOTS.format("receiver"), full_page=True)


def test_the_station_list_and_an_upload_with_a_bad_row(page, desk):
    mn = desk[2].mn
    sign_in_as(page, "admin")
    page.goto(page.base_url + "/monitoring/")
    assert page.get_by_test_id("station-row").count() == STATIONS
    page.screenshot(path=SHOTS.format("list"), full_page=True)

    page.goto(page.base_url + "/monitoring/upload/")
    content = f"MN,data_time,PM2.5 (ug/m3),CO (mg/m3)\n{mn},2026-05-01 08:00,35,0.8\n{mn},2026-05-01 09:00,35,500\n"
    page.locator('input[name="file"]').set_input_files(
        {"name": "readings.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_test_id("upload-submit").click()
    page.wait_for_load_state()
    page.screenshot(path=SHOTS.format("upload"), full_page=True)
    error = page.locator('[data-testid="upload-error"][data-row="3"]')
    assert error.get_attribute("data-column") == "CO (mg/m3)"
    assert page.get_by_test_id("upload-refused").is_visible()
    page.screenshot(path=SHOTS.format("upload"), full_page=True)
