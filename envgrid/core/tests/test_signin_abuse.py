"""Sign-in abuse: progressive waits per account (not a half-hour lock for everybody), a rate per address on the
sign-in form and the token endpoint, and the client's address read through the trusted proxies only."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from envgrid.core.signin import client_ip
from envgrid.core.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, username, password, address="10.0.0.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail_round(client, username, addresses):
    """Wrong passwords up to the limit: the last one is answered with the wait."""
    codes = [_sign_in(client, username, "wrong", address).status_code for address in addresses]
    assert codes == [200] * (len(addresses) - 1) + [429]


def test_the_wait_after_wrong_passwords_is_a_minute_then_doubles_with_each_round(client):
    # Given an account and the test limit of 3 failures, tried from three different addresses
    UserFactory(username="zhang")
    with time_machine.travel(START, tick=False) as clock:
        _fail_round(client, "zhang", ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        # Then even the right password from a fourth address waits one minute, and the page says so
        locked = _sign_in(client, "zhang", TEST_PASSWORD, "10.0.0.4")
        assert locked.status_code == 429 and "1 分钟" in locked.content.decode()
        clock.shift(dt.timedelta(seconds=61))
        # When a second round of wrong passwords follows the first wait
        _fail_round(client, "zhang", ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        # Then the wait is two minutes: one minute later still locked, two minutes later open
        clock.shift(dt.timedelta(seconds=61))
        assert _sign_in(client, "zhang", TEST_PASSWORD).status_code == 429
        clock.shift(dt.timedelta(seconds=60))
        response = _sign_in(client, "zhang", TEST_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")


def test_one_accounts_wait_does_not_touch_another_account_from_the_same_proxy_address(client):
    UserFactory(username="zhang")
    UserFactory(username="li")
    with time_machine.travel(START, tick=False):
        _fail_round(client, "zhang", ["127.0.0.1"] * 3)
        assert _sign_in(client, "zhang", TEST_PASSWORD, "127.0.0.1").status_code == 429
        assert _sign_in(client, "li", TEST_PASSWORD, "127.0.0.1").status_code == 302


@override_settings(ENVGRID_SIGNIN_RATE_PER_MINUTE=5)
def test_many_names_from_one_address_are_refused_past_the_rate(client):
    # Given a guesser spraying five different names from one address within a minute
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            assert _sign_in(client, f"name{n}", "guess", "198.51.100.7").status_code == 200
        # When a sixth comes within the same minute, even for a real account with its right password
        UserFactory(username="zhang")
        refused = _sign_in(client, "zhang", TEST_PASSWORD, "198.51.100.7")
        # Then it is refused with 429, while another address is not slowed
        assert refused.status_code == 429 and 'data-testid="locked-out"' in refused.content.decode()
        assert _sign_in(Client(), "zhang", TEST_PASSWORD, "203.0.113.8").status_code == 302
        # And the next minute the address may try again
        clock.shift(dt.timedelta(minutes=1))
        assert _sign_in(Client(), "nameX", "guess", "198.51.100.7").status_code == 200


@override_settings(ENVGRID_SIGNIN_RATE_PER_MINUTE=3)
def test_the_token_endpoint_has_the_same_rate_per_address(client):
    url = reverse("api-token")
    with time_machine.travel(START, tick=False):
        codes = [
            client.post(
                url, {"username": f"n{i}", "password": "x"}, content_type="application/json", REMOTE_ADDR="198.51.100.7"
            ).status_code
            for i in range(4)
        ]
    assert codes == [400, 400, 400, 429]


def test_a_locked_account_asking_for_a_token_is_told_how_long_it_waits(client):
    UserFactory(username="zhang")
    url = reverse("api-token")
    with time_machine.travel(START, tick=False):
        codes = [
            client.post(url, {"username": "zhang", "password": "x"}, content_type="application/json").status_code
            for _ in range(3)
        ]
        response = client.post(url, {"username": "zhang", "password": TEST_PASSWORD}, content_type="application/json")
    assert codes == [400, 400, 429]
    assert response.status_code == 429
    assert response.json()["code"] == "account_waiting" and response.json()["wait_minutes"] == 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no trusted proxy: the header is the client's claim, ignored
        (1, "203.0.113.9", "203.0.113.9"),  # nginx in front: the address nginx saw
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry left of nginx's is not believed
        (2, "203.0.113.9, 10.1.1.1", "203.0.113.9"),  # a load balancer and nginx
        (2, "", "127.0.0.1"),  # header missing: the direct peer
    ],
)
def test_the_clients_address_is_read_through_the_trusted_proxies_only(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(ENVGRID_TRUSTED_PROXIES=proxies):
        assert client_ip(request) == expected


def test_failures_older_than_a_day_do_not_lengthen_the_wait(client):
    UserFactory(username="zhang")
    with time_machine.travel(START, tick=False) as clock:
        _fail_round(client, "zhang", ["10.0.0.1"] * 3)
        clock.shift(dt.timedelta(days=1, minutes=5))
        _fail_round(client, "zhang", ["10.0.0.1"] * 3)
        locked = _sign_in(client, "zhang", TEST_PASSWORD)
        assert timezone.now() > START
    assert locked.status_code == 429 and "1 分钟" in locked.content.decode()
