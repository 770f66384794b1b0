"""Each rule kind raises and clears with hysteresis; one episode is one alert; late and re-sent data are safe."""

from datetime import timedelta

import pytest
from django.utils import timezone

from envgrid.alerts.choices import AlertKind, AlertState, Factor, HotMeasure
from envgrid.alerts.detection import alerts_evaluate_offline
from envgrid.alerts.models import Alert
from envgrid.alerts.tests.conftest import at, feed, judge, store
from envgrid.monitoring.models import ReceiverStat, Station
from envgrid.monitoring.services import station_create

pytestmark = pytest.mark.django_db

EPISODE = [50] * 10 + [120] * 3 + [50] * 5 + [120, 130, 160, 150, 140, 125] + [100] * 20 + [60] * 5 + [90] + [60] * 12


def test_a_threshold_alert_raises_after_the_minimum_duration_and_clears_with_hysteresis(station, make_rule):
    rule = make_rule()

    feed(station, 0, EPISODE)

    alert = Alert.objects.get()
    assert (alert.rule, alert.station, alert.state) == (rule, station, AlertState.CLEARED)
    assert alert.started_at == at(18)  # the three minutes at 120 (10-12) were too short
    assert (alert.peak_value, alert.peak_at) == (160, at(20))
    assert alert.cleared_at == at(60)  # 100 (between the levels) kept it open; 60 for 10 minutes from 50 cleared it
    assert [p[1] for p in alert.evidence["points"]][-6:] == [120, 130, 160, 150, 140, 125]
    assert alert.evidence["rule"]["raise_level"] == 115


def test_the_state_in_between_is_open(station, make_rule):
    make_rule()

    feed(station, 0, EPISODE[:40])

    alert = Alert.objects.get()
    assert alert.state == AlertState.OPEN
    assert (alert.last_value, alert.last_data_at) == (100, at(39))


def test_one_batch_with_the_whole_episode_gives_the_same_alert(station, make_rule):
    make_rule()
    store(station, 0, EPISODE)

    judge(station, since_minute=0)

    alert = Alert.objects.get()
    assert (alert.started_at, alert.peak_value, alert.cleared_at) == (at(18), 160, at(60))


def test_judging_the_same_readings_again_changes_nothing(station, make_rule):
    make_rule()
    feed(station, 0, EPISODE, step=5)
    before = list(Alert.objects.values())

    judge(station, since_minute=0)
    judge(station, since_minute=20)

    assert list(Alert.objects.values()) == before


def test_a_new_raise_within_the_suppression_window_reopens_the_same_alert(station, make_rule):
    make_rule(suppress_minutes=60)
    flapping = EPISODE + [130] * 8 + [60] * 12  # raised again 12 minutes after it cleared

    feed(station, 0, flapping, step=3)

    alert = Alert.objects.get()
    assert alert.reopen_count == 1
    assert alert.state == AlertState.CLEARED
    assert alert.started_at == at(18)


def test_after_the_suppression_window_a_new_episode_is_a_new_alert(station, make_rule):
    make_rule(suppress_minutes=10)
    flapping = EPISODE + [60] * 20 + [130] * 8

    feed(station, 0, flapping, step=3)

    first, second = Alert.objects.order_by("started_at")
    assert (first.state, second.state) == (AlertState.CLEARED, AlertState.OPEN)
    assert second.started_at == at(len(EPISODE) + 20)


def test_values_with_an_abnormal_data_flag_never_raise(station, make_rule):
    make_rule(duration_minutes=0)

    store(station, 0, [300] * 10, flags={"a34004": "C"})  # calibration
    judge(station, since_minute=0)

    assert not Alert.objects.exists()


def test_an_inactive_rule_or_a_station_outside_its_kinds_is_not_judged(station, make_rule):
    make_rule(duration_minutes=0, is_active=False)
    make_rule(name="控制站", duration_minutes=0, station_kinds=["provincial", "national"])

    feed(station, 0, [300] * 5)

    assert not Alert.objects.exists()


def near(name, mn, lon, lat):
    return station_create(mn=mn, password="123456", name=name, lon=lon, lat=lat)


@pytest.fixture
def neighbourhood(station):
    """Three stations within 2 km of ``station`` and one 30 km away."""
    return [
        near("东", "010000A8900016F000169D01", 116.41, 39.90),
        near("西", "010000A8900016F000169D02", 116.39, 39.90),
        near("北", "010000A8900016F000169D03", 116.40, 39.91),
        near("远", "010000A8900016F000169D04", 116.75, 39.90),
    ]


def test_a_hot_grid_alert_compares_a_station_with_its_neighbours_median(station, neighbourhood, make_rule):
    make_rule(
        kind=AlertKind.HOT_GRID,
        hot_measure=HotMeasure.RATIO,
        raise_level=2.0,
        clear_level=1.5,
        min_delta=35,
        radius_m=3000,
        duration_minutes=3,
        clear_minutes=3,
    )
    east, west, north, far = neighbourhood
    for other, level in ((east, 30), (west, 40), (north, 50), (far, 500)):
        store(other, 0, [level] * 40)
    mine = [45] * 10 + [100] * 10 + [70] * 5 + [45] * 15  # 100 / median 40 = 2.5×; 70 / 40 = 1.75× (in between)

    feed(station, 0, mine, step=2)

    alert = Alert.objects.get()
    assert alert.station == station
    assert (alert.started_at, alert.peak_value) == (at(10), 2.5)
    assert alert.evidence["median"] == 40
    assert alert.evidence["peak_reading"] == 100
    assert alert.cleared_at == at(28)  # below 1.5× from minute 25, for 3 minutes


def test_hot_grid_by_excess_over_the_median(station, neighbourhood, make_rule):
    make_rule(
        kind=AlertKind.HOT_GRID,
        hot_measure=HotMeasure.DELTA,
        raise_level=50,
        clear_level=20,
        radius_m=3000,
        duration_minutes=0,
    )
    for other in neighbourhood[:3]:
        store(other, 0, [40] * 5)

    feed(station, 0, [80, 95, 60])

    alert = Alert.objects.get()
    assert (alert.started_at, alert.peak_value, alert.state) == (at(1), 55, AlertState.OPEN)


def test_a_sustained_rise_raises_on_the_fitted_increase_and_clears_on_the_plateau(station, make_rule):
    make_rule(
        kind=AlertKind.RISE, raise_level=60, clear_level=20, window_minutes=30, duration_minutes=2, clear_minutes=2
    )
    ramp = [40.0] * 30 + [40 + 3 * i for i in range(1, 31)] + [130.0] * 40  # +3 a minute for 30 minutes

    feed(station, 0, ramp, step=5)

    alert = Alert.objects.get()
    assert alert.state == AlertState.CLEARED
    assert at(40) <= alert.started_at <= at(50)
    assert alert.peak_value == pytest.approx(90, abs=1)  # 3 a minute over the 30-minute window
    assert at(60) < alert.cleared_at < at(100)


def test_a_flatline_raises_after_n_equal_readings_and_clears_when_the_value_moves(station, make_rule):
    make_rule(kind=AlertKind.FLATLINE, raise_level=10, clear_level=2, duration_minutes=0, clear_minutes=0)

    feed(station, 0, [33.3] * 14, step=7)
    alert = Alert.objects.get()
    assert (alert.state, alert.started_at, alert.peak_value) == (AlertState.OPEN, at(9), 14)

    feed(station, 14, [35.0])
    alert.refresh_from_db()
    assert (alert.state, alert.cleared_at) == (AlertState.CLEARED, at(14))


def test_an_offline_alert_raises_after_the_silence_and_clears_when_data_comes(station, make_rule):
    make_rule(kind=AlertKind.OFFLINE, factor="", raise_level=15, clear_level=None, duration_minutes=0)
    now = timezone.now()
    Station.objects.filter(pk=station.pk).update(last_seen_at=now - timedelta(minutes=14))
    never_seen = near("新站", "010000A8900016F000169D09", 116.5, 39.9)

    alerts_evaluate_offline(now=now)
    assert not Alert.objects.exists()

    alerts_evaluate_offline(now=now + timedelta(minutes=2))
    alert = Alert.objects.get()
    assert alert.station == station and alert.station != never_seen
    assert (alert.started_at, alert.peak_value) == (now - timedelta(minutes=14), 16)

    Station.objects.filter(pk=station.pk).update(last_seen_at=now + timedelta(minutes=3))
    alerts_evaluate_offline(now=now + timedelta(minutes=3, seconds=5))
    alert.refresh_from_db()
    assert (alert.state, alert.cleared_at) == (AlertState.CLEARED, now + timedelta(minutes=3))


def test_silence_is_not_counted_while_no_receiver_runs(station, make_rule):
    make_rule(kind=AlertKind.OFFLINE, factor="", raise_level=15, clear_level=None, duration_minutes=0)
    now = timezone.now()
    Station.objects.filter(pk=station.pk).update(last_seen_at=now - timedelta(hours=5))
    stat = ReceiverStat.objects.create(
        name="rx", started_at=now - timedelta(hours=6), updated_at=now - timedelta(hours=5)
    )

    alerts_evaluate_offline(now=now)  # the receiver itself stopped five hours ago
    assert not Alert.objects.exists()

    ReceiverStat.objects.filter(pk=stat.pk).update(started_at=now - timedelta(minutes=5), updated_at=now)
    alerts_evaluate_offline(now=now)  # it restarted five minutes ago: devices have had 5 minutes to call
    assert not Alert.objects.exists()

    ReceiverStat.objects.filter(pk=stat.pk).update(updated_at=now + timedelta(minutes=11))
    alerts_evaluate_offline(now=now + timedelta(minutes=11))
    assert Alert.objects.get().peak_value == 16


def test_a_rule_on_another_factor_or_command_ignores_these_readings(station, make_rule):
    make_rule(factor=Factor.PM10, duration_minutes=0)
    make_rule(name="小时", cn=2061, duration_minutes=0)

    feed(station, 0, [300] * 3)

    assert not Alert.objects.exists()
