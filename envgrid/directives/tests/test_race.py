"""Two people act on one directive at the same instant, many times over: exactly one wins each time and
the other gets the conflict code. Needs PostgreSQL (row locks); skipped on SQLite outside CI."""

import threading

import pytest
from django.db import connection, connections

from conftest import require_or_skip
from envgrid.directives import services
from envgrid.directives.choices import DirectiveStatus, TargetStatus
from envgrid.directives.errors import DirectiveError
from envgrid.directives.models import Directive, DirectiveTarget

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]
ROUNDS = 15


def run_together(*calls) -> list[str]:
    """Start every call at the same instant in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = "ok"
        except DirectiveError as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # noqa: BLE001 — any other outcome fails the test
            outcomes[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_members_of_a_unit_feed_back_at_once_exactly_one_wins(issue, people, bureau):
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (the race tests run in the PostgreSQL pass)")
    lead, staff = people["unit_lead"], people["unit_staff"]
    for round_no in range(ROUNDS):
        directive = issue([bureau], title=f"并发反馈 {round_no}")
        outcomes = run_together(
            lambda d=directive: services.directive_feedback(directive=Directive(pk=d.pk), actor=lead, text="负责人"),
            lambda d=directive: services.directive_feedback(directive=Directive(pk=d.pk), actor=staff, text="工作人员"),
        )
        assert sorted(outcomes) == ["already_fed_back", "ok"], (round_no, outcomes)
        target = DirectiveTarget.objects.get(directive=directive)
        assert target.status == TargetStatus.FED_BACK
        assert target.feedback in ("负责人", "工作人员")
        assert directive.events.filter(action="feedback").count() == 1


def test_close_versus_feedback_never_leaves_a_closed_directive_with_fresh_feedback_unrecorded(issue, people, bureau):
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (the race tests run in the PostgreSQL pass)")
    for round_no in range(ROUNDS):
        directive = issue([bureau], title=f"并发关闭 {round_no}")
        outcomes = run_together(
            lambda d=directive: services.directive_close(directive=Directive(pk=d.pk), actor=people["dispatcher"]),
            lambda d=directive: services.directive_feedback(
                directive=Directive(pk=d.pk), actor=people["unit_staff"], text="已完成"
            ),
        )
        target = DirectiveTarget.objects.get(directive=directive)
        assert outcomes[0] == "ok", (round_no, outcomes)
        assert Directive.objects.get(pk=directive.pk).status == DirectiveStatus.CLOSED
        if outcomes[1] == "ok":  # feedback came first: on time, not late
            assert target.status == TargetStatus.FED_BACK and not target.is_late
        else:  # the close came first: the feedback was refused and the unit is recorded missing
            assert outcomes[1] == "directive_closed", (round_no, outcomes)
            assert target.status == TargetStatus.PENDING and target.is_late


def test_two_dispatchers_close_at_once_exactly_one_wins(issue, people, bureau):
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (the race tests run in the PostgreSQL pass)")
    for round_no in range(ROUNDS):
        directive = issue([bureau], title=f"并发结束 {round_no}")
        outcomes = run_together(
            lambda d=directive: services.directive_close(directive=Directive(pk=d.pk), actor=people["dispatcher"]),
            lambda d=directive: services.directive_close(directive=Directive(pk=d.pk), actor=people["admin"]),
        )
        assert sorted(outcomes) == ["directive_closed", "ok"], (round_no, outcomes)
        assert directive.events.filter(action="close").count() == 1
        assert directive.events.filter(action="missing").count() == 1
