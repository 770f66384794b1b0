"""Two users submit conflicting transitions on one case at the same moment, many times over:
exactly one wins each time and the other gets the conflict error. Needs PostgreSQL (row locks)."""

import threading

import pytest
from django.db import connection, connections

from conftest import require_or_skip
from envgrid.cases import services
from envgrid.cases.choices import CaseStatus
from envgrid.cases.errors import CaseConflict
from envgrid.cases.models import Case
from envgrid.cases.tests.service_fixtures import (  # noqa: F401 — fixtures
    district,
    industrial,
    inside_point,
    jpeg,
    member_grid,
    people,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]
ROUNDS = 25


def run_together(*calls):
    """Start every call at the same instant in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = "ok"
        except CaseConflict as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # noqa: BLE001 — any other outcome fails the test below
            outcomes[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_dispatchers_accepting_at_once_exactly_one_wins(people, industrial, member_grid):
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (the race test runs in the PostgreSQL pass)")
    lon, lat = inside_point(member_grid)
    dispatcher, admin = people["dispatcher"], people["admin"]
    for round_no in range(ROUNDS):
        case = services.case_report(
            reporter=people["grid_member"], title=f"并发 {round_no}", category=industrial, lon=lon, lat=lat
        )
        outcomes = run_together(
            lambda c=case: services.case_accept(case=Case(pk=c.pk), actor=dispatcher),
            lambda c=case: services.case_accept(case=Case(pk=c.pk), actor=admin),
        )
        assert sorted(outcomes) == ["invalid_transition", "ok"], (round_no, outcomes)
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED
        assert case.version == 2
        assert case.events.count() == 2


def test_same_version_dispatch_and_hold_exactly_one_wins(people, industrial, member_grid):
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (the race test runs in the PostgreSQL pass)")
    lon, lat = inside_point(member_grid)
    dispatcher, admin = people["dispatcher"], people["admin"]
    for round_no in range(ROUNDS):
        case = services.case_report(
            reporter=people["grid_member"], title=f"并发派遣 {round_no}", category=industrial, lon=lon, lat=lat
        )
        case = services.case_accept(case=case, actor=dispatcher)
        outcomes = run_together(
            lambda c=case: services.case_dispatch(case=Case(pk=c.pk), actor=dispatcher, expected_version=2),
            lambda c=case: services.case_hold(case=Case(pk=c.pk), actor=admin, note="暂缓", expected_version=2),
        )
        assert sorted(outcomes) == ["conflict", "ok"], (round_no, outcomes)
        case.refresh_from_db()
        assert case.version == 3
        assert case.assignments.count() == (1 if case.status == CaseStatus.DISPATCHED else 0)
