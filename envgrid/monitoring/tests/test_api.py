"""The stations and readings API: shapes (never a password), readings over a window, JSON ingest validated per
row and all-or-nothing unless ?keep_good=1, who may post (administrators, dispatchers, data-feed accounts)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from envgrid.core.choices import Role
from envgrid.core.tests.factories import UserFactory
from envgrid.core.tokens import api_token_issue
from envgrid.monitoring import rollups
from envgrid.monitoring.choices import ReadingCommand
from envgrid.monitoring.models import Reading
from envgrid.monitoring.tests.test_web_support import ROLES, district, people, stations, write_readings  # noqa: F401

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people["admin"])
    return client


def test_the_station_list_gives_mn_kind_grid_location_status_and_latest_aqi(api, stations):
    station = stations[2]
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    write_readings(station, start=hour, count=1, cn=ReadingCommand.HOUR, pm25=200.0)
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=1), station_ids=[station.pk])

    answer = api.get("/api/v1/stations/", {"limit": 50})

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 22 and len(body["results"]) == 22
    item = next(s for s in body["results"] if s["id"] == station.pk)
    assert set(item) == {
        "id",
        "mn",
        "name",
        "kind",
        "kind_label",
        "grid",
        "location",
        "is_active",
        "interval_minutes",
        "last_seen_at",
        "protocol_version",
        "status",
        "latest_aqi",
    }
    assert item["mn"] == station.mn and item["kind"] == "micro" and item["status"] == "offline"
    assert item["location"] == {"type": "Point", "coordinates": [station.lon, station.lat]}
    assert item["grid"] == {
        "id": station.grid.pk,
        "code": station.grid.code,
        "name": station.grid.name,
        "street": station.grid.street.name,
    }
    assert item["latest_aqi"]["aqi"] == 250 and item["latest_aqi"]["color"] == "#99004C"
    assert item["latest_aqi"]["primary_pollutants"] == ["PM2.5"]
    assert datetime.fromisoformat(item["latest_aqi"]["data_time"]) == hour
    assert "password" not in answer.content.decode()


def test_stations_filter_by_kind_status_and_text(api, stations):
    assert api.get("/api/v1/stations/", {"kind": "provincial"}).json()["count"] == 2
    assert api.get("/api/v1/stations/", {"status": "online"}).json()["count"] == 0
    assert api.get("/api/v1/stations/", {"q": stations[5].mn}).json()["results"][0]["id"] == stations[5].pk


def test_station_readings_by_minute_hour_and_day(api, stations):
    station = stations[3]
    start = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    write_readings(station, start=start, count=120, pm25=lambda i: float(i % 50), co=0.5)
    rollups.rollups_rebuild(since=timezone.localdate() - timedelta(days=1), station_ids=[station.pk])
    url = f"/api/v1/stations/{station.pk}/readings/"

    minutes = api.get(
        url, {"interval": "minute", "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    )
    hours = api.get(url, {"interval": "hour"}).json()
    days = api.get(url, {"interval": "day"}).json()

    assert minutes.status_code == 200
    body = minutes.json()
    assert (body["station"], body["mn"], body["interval"], body["count"]) == (station.pk, station.mn, "minute", 60)
    assert body["points"][1]["pm25"] == 1.0 and datetime.fromisoformat(body["points"][0]["data_time"]) == start
    assert hours["count"] == 2 and {"aqi", "level", "category", "color", "coverage", "valid"} <= set(hours["points"][0])
    assert hours["points"][0]["coverage"]["pm25"] == {"observed": 60, "expected": 60}
    assert days["count"] >= 1 and days["points"][-1]["coverage"]["pm25"]["expected"] == 24


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"interval": "week"}, "interval"),
        ({"interval": "minute", "start": "2026-05-01", "end": "2026-06-01"}, "start"),  # a month of minutes: too long
        ({"interval": "hour", "start": "2026-05-02", "end": "2026-05-01"}, "start"),
        ({"interval": "hour", "start": "soon"}, "start"),
    ],
)
def test_a_bad_readings_window_is_refused_naming_the_parameter(api, stations, params, field):
    answer = api.get(f"/api/v1/stations/{stations[0].pk}/readings/", params)
    assert answer.status_code == 400
    assert field in answer.json()["fields"] if "fields" in answer.json() else field in answer.json()


def rows(mn, *pm25, start="2026-05-01T08:00:00+08:00", **extra):
    first = datetime.fromisoformat(start)
    return [
        {"mn": mn, "data_time": (first + timedelta(hours=i)).isoformat(), "pm25": value, **extra}
        for i, value in enumerate(pm25)
    ]


def test_posted_readings_are_stored_hourly_by_default(api, stations):
    station = stations[1]
    payload = rows(station.mn, 35, 41) + [
        {"station": station.pk, "data_time": "2026-05-01 10:00", "co": 800, "units": {"co": "ug/m3"}, "cn": 2051}
    ]

    answer = api.post("/api/v1/readings/", payload, format="json")

    assert answer.status_code == 201
    assert answer.json() == {"total": 3, "stored": 3, "duplicates": 0, "rejected_rows": 0, "errors": []}
    stored = list(
        Reading.objects.filter(station=station).order_by("data_time").values_list("cn", "data_time", "pm25", "co")
    )
    assert stored == [
        (2061, datetime(2026, 5, 1, 8, tzinfo=CHINA), 35.0, None),
        (2061, datetime(2026, 5, 1, 9, tzinfo=CHINA), 41.0, None),
        (2051, datetime(2026, 5, 1, 10, tzinfo=CHINA), None, 0.8),
    ]
    again = api.post("/api/v1/readings/", rows(station.mn, 99), format="json")
    assert again.status_code == 200 and again.json()["duplicates"] == 1


def test_one_bad_row_refuses_the_whole_request_naming_row_and_field(api, stations):
    mn = stations[1].mn
    payload = rows(mn, 35, -5, 41) + [
        {"mn": "NOPE", "data_time": "2026-05-01 08:00", "pm25": 1},
        {"mn": mn, "data_time": "2026-05-01 20:00", "benzene": 3},
        {"mn": mn, "data_time": "2026-05-01 21:00", "no2": 20, "units": {"no2": "ppb"}},
        "not an object",
    ]

    answer = api.post("/api/v1/readings/", payload, format="json")

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "readings_invalid"
    assert [(e["row"], e["column"], e["code"]) for e in body["details"]["errors"]] == [
        (1, "pm25", "bad_value"),
        (3, "mn", "bad_station"),
        (4, "benzene", "unknown_field"),
        (5, "no2", "bad_value"),
        (6, "", "not_an_object"),
    ]
    assert "ppb" in body["details"]["errors"][3]["message"]
    assert Reading.objects.count() == 0


def test_keep_good_stores_the_good_rows_and_reports_the_bad_ones(api, stations):
    answer = api.post("/api/v1/readings/?keep_good=1", rows(stations[1].mn, 35, 99999, 41), format="json")

    assert answer.status_code == 201
    body = answer.json()
    assert (body["stored"], body["rejected_rows"]) == (2, 1)
    assert body["errors"][0]["row"] == 1 and body["errors"][0]["column"] == "pm25"
    assert Reading.objects.count() == 2


@pytest.mark.parametrize(("payload", "code"), [({"x": 1}, "not_a_list"), ([], "no_rows")])
def test_a_body_that_is_not_a_list_of_readings_is_refused(api, payload, code):
    answer = api.post("/api/v1/readings/", payload, format="json")
    assert answer.status_code == 400 and answer.json()["details"]["errors"][0]["code"] == code


def test_the_wrapped_form_and_the_interval_parameter_are_accepted(api, stations):
    answer = api.post("/api/v1/readings/?interval=minute", {"readings": rows(stations[1].mn, 35)}, format="json")
    assert answer.status_code == 201 and Reading.objects.get().cn == 2051


@pytest.mark.parametrize("username", ROLES)
def test_only_administrators_and_dispatchers_among_the_roles_may_post(people, stations, username):
    client = APIClient()
    client.force_authenticate(people[username])
    answer = client.post("/api/v1/readings/", rows(stations[1].mn, 35), format="json")
    allowed = username in ("admin", "dispatcher")
    assert answer.status_code == (201 if allowed else 403)
    assert Reading.objects.count() == (1 if allowed else 0)


def test_a_data_feed_account_posts_with_its_token_when_it_holds_the_add_reading_permission(district, stations):
    feed = UserFactory(username="feed-city-platform", role=Role.UNIT_STAFF, unit=None)
    _token, key = api_token_issue(user=feed, actor=None, name="city platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/readings/", rows(stations[1].mn, 35), format="json").status_code == 403

    feed.user_permissions.add(Permission.objects.get(codename="add_reading", content_type__app_label="monitoring"))

    answer = client.post("/api/v1/readings/", rows(stations[1].mn, 35), format="json")
    assert answer.status_code == 201 and Reading.objects.count() == 1
    assert client.get("/api/v1/stations/").json()["count"] == 2  # reading the stations keeps the usual scope


def test_the_openapi_schema_describes_the_monitoring_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/stations/", "/api/v1/stations/{id}/", "/api/v1/stations/{id}/readings/", "/api/v1/readings/"):
        assert path in schema["paths"], path
    station = schema["components"]["schemas"]["Station"]["properties"]
    assert "password" not in station and "latest_aqi" in station


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"interval": "week"}, "请填写 minute（分钟）、hour（小时）或 day（日）。"),
        ({"interval": "hour", "start": "2026-05-02", "end": "2026-05-01"}, "开始时间必须早于结束时间。"),
        ({"interval": "minute", "start": "2026-05-01", "end": "2026-06-01"}, "此时间粒度的数据最多查询 7 天。"),
    ],
)
def test_a_bad_readings_window_is_explained_in_the_users_language(api, stations, params, message):
    answer = api.get(f"/api/v1/stations/{stations[0].pk}/readings/", params, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert message in str(answer.json())
