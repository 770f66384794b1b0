"""From HJ 212 packets to a dispatched case: ``readings_store`` → ``readings_stored`` → the Huey task (eager in
tests) → the alert → the case for the street governing the station's grid. And the demo district: the
simulator's pollution episode opens exactly one case, while ordinary stations stay quiet."""

import random
from datetime import datetime, timedelta

import pytest

from envgrid.alerts.models import Alert
from envgrid.cases.choices import CaseStatus, Channel
from envgrid.cases.models import Case
from envgrid.monitoring.hj212.packet import CHINA, build_data_frame, parse_frame
from envgrid.monitoring.models import Station
from envgrid.monitoring.services import readings_store
from envgrid.monitoring.simulator import episode_factor, station_values

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 27, 13, 0, tzinfo=CHINA)  # the afternoon: the lowest particles of the day


def minute_packet(station: Station, moment: datetime, values: dict):
    frame = build_data_frame(
        st="22",
        cn="2051",
        pw=station.password,
        mn=station.mn,
        data_time=moment,
        values=values,
        flag=5,
        qn=moment + timedelta(seconds=5),
    )
    return parse_frame(frame)


def test_hj212_packets_end_in_a_dispatched_case(
    quiet_district, make_rule, episode_station, django_capture_on_commit_callbacks
):
    make_rule(opens_case=True)
    pm25 = [40, 42, 41, 120, 135, 150, 170, 165, 160, 155]

    for minute, value in enumerate(pm25):
        packet = minute_packet(
            episode_station,
            START + timedelta(minutes=minute),
            {"a34004": {"Avg": value, "Flag": "N"}, "a34002": {"Avg": value * 1.6, "Flag": "N"}},
        )
        with django_capture_on_commit_callbacks(execute=True):
            result = readings_store([packet], peers=["10.0.0.8:50000"])
        assert result.accepted == [True]

    alert = Alert.objects.select_related("case__lead_unit").get()
    assert (alert.station, alert.started_at, alert.peak_value) == (episode_station, START + timedelta(minutes=3), 170)
    case = alert.case
    assert (case.status, case.channel) == (CaseStatus.DISPATCHED, Channel.SENSOR)
    assert case.lead_unit.name == "翠湖街道办事处" == episode_station.grid.street.unit.name
    assert "170" in case.title


def simulate_demo(start: datetime, minutes: int, *, batch: int, capture) -> None:
    """Every demo station for ``minutes`` as ``hj212 simulate --episode`` plays them, stored in batches."""
    stations = list(Station.objects.filter(is_active=True).order_by("mn"))
    players = []
    for station in stations:
        rng = random.Random(station.mn)
        players.append((station, rng, rng.uniform(0.7, 1.4)))
    for first in range(0, minutes, batch):
        packets = []
        for minute in range(first, min(first + batch, minutes)):
            moment = start + timedelta(minutes=minute)
            for index, (station, rng, level) in enumerate(players):
                factor = episode_factor(minute, minutes) if index == 0 else 1.0
                packets.append(minute_packet(station, moment, station_values(rng, level, moment, factor)))
        with capture(execute=True):
            readings_store(packets)


@pytest.mark.parametrize("start", [START, START.replace(hour=21)], ids=["afternoon", "night"])
def test_the_demo_episode_opens_one_case_for_the_right_unit_and_nothing_else_fires(
    district, episode_station, django_capture_on_commit_callbacks, start
):
    before = set(Case.objects.values_list("pk", flat=True))

    simulate_demo(start, 180, batch=5, capture=django_capture_on_commit_callbacks)

    alerts = list(Alert.objects.select_related("station", "rule"))
    assert alerts and {a.station for a in alerts} == {episode_station}
    opened = Case.objects.exclude(pk__in=before)
    assert opened.count() == 1
    case = opened.get()
    assert case.lead_unit == episode_station.grid.street.unit
    assert {a.case_id for a in alerts} == {case.pk}
    assert all(not a.is_open for a in alerts)  # the episode (minutes 60–120) is over by minute 180
    assert start + timedelta(minutes=60) <= min(a.started_at for a in alerts) < start + timedelta(minutes=90)
