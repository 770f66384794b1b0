"""The readings_stored receiver stays light and never breaks ingest; the home page counts open alerts."""

import pytest
from django.urls import reverse

from envgrid.alerts import tasks
from envgrid.alerts.handlers import on_readings_stored
from envgrid.alerts.tests.conftest import at, feed

pytestmark = pytest.mark.django_db


def test_the_receiver_hands_the_earliest_data_time_per_station_to_the_task(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "evaluate_stored_readings", lambda since: calls.append(since))

    on_readings_stored(None, readings=[(1, 2051, at(5)), (2, 2051, at(3)), (1, 2051, at(2)), (1, 2061, at(7))])
    on_readings_stored(None, readings=[])

    assert calls == [{1: at(2), 2: at(3)}]


def test_a_broken_queue_does_not_stop_the_ingest(monkeypatch, caplog):
    def broken(since):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "evaluate_stored_readings", broken)

    on_readings_stored(None, readings=[(1, 2051, at(0))])

    assert "could not enqueue" in caplog.text


@pytest.mark.full_district
def test_the_home_page_counts_the_open_alerts_in_scope(quiet_district, make_rule, episode_station, people, client):
    make_rule()
    feed(episode_station, 0, [300] * 8)

    client.force_login(people["dispatcher"])
    assert "未解除的预警" in client.get(reverse("home")).content.decode()
    client.force_login(people["grid_member"])  # B0001 is not in their grid
    from envgrid.alerts.selectors import home_counts

    assert [c.value for c in home_counts(people["grid_member"])] == [0]
    assert [c.value for c in home_counts(people["dispatcher"])] == [1]
