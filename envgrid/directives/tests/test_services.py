"""Directive services: issue, sign, feed back, urge, close, the daily rounds and the overdue sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from envgrid.core.choices import UnitKind
from envgrid.core.errors import EvidenceError
from envgrid.core.models import Unit
from envgrid.directives import services
from envgrid.directives.choices import DirectiveAction, DirectiveStatus, Recurrence, TargetStatus
from envgrid.directives.errors import DirectiveConflict, DirectiveError, DirectivePermissionDenied
from envgrid.directives.models import Directive, DirectiveAttachment, DirectiveEvent, DirectiveTarget
from envgrid.directives.tests.files import executable, jpeg
from envgrid.notifications.models import Notification

pytestmark = pytest.mark.django_db


def row(directive, unit) -> DirectiveTarget:
    return DirectiveTarget.objects.get(directive=directive, unit=unit)


def inbox(user, verb: str) -> int:
    return Notification.objects.filter(recipient=user, verb=verb).count()


def move_deadline_into_the_past(directive, hours: float = 1) -> None:
    """Time passes: the deadline is now behind us (the clock is the one thing tests may move)."""
    Directive.objects.filter(pk=directive.pk).update(feedback_due_at=timezone.now() - dt.timedelta(hours=hours))
    directive.refresh_from_db()


# --- issue ---------------------------------------------------------------------------------------


def test_issue_to_all_streets_gives_every_street_a_pending_row_and_tells_its_people(issue, people):
    streets = set(Unit.objects.filter(kind=UnitKind.STREET, is_active=True).values_list("pk", flat=True))

    directive = issue("all_streets")

    assert directive.status == DirectiveStatus.OPEN
    assert directive.number.startswith("ZL") and directive.number.endswith(f"{directive.pk:05d}")
    assert set(directive.targets.values_list("unit_id", flat=True)) == streets
    assert set(directive.targets.values_list("status", flat=True)) == {TargetStatus.PENDING}
    assert directive.feedback_due_at - directive.issued_at == dt.timedelta(hours=2)
    assert inbox(people["river_chief"], "directive.issued") == 1
    assert inbox(people["unit_staff"], "directive.issued") == 0
    event = DirectiveEvent.objects.get(directive=directive)
    assert event.action == DirectiveAction.ISSUE and event.actor == people["dispatcher"]
    assert len(event.data["units"]) == len(streets)


def test_issue_mixes_a_group_with_chosen_units_without_repeats(issue, bureau, river_street):
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT).count()

    directive = issue(["all_departments", bureau, river_street.pk])

    assert directive.targets.count() == departments + 1


def test_issue_at_a_given_time_with_figures_and_a_file(issue, bureau):
    due = timezone.now() + dt.timedelta(hours=5)

    directive = issue(
        [bureau],
        feedback_due_at=due,
        figure_names=[" 检查点位数 ", "发现问题数", "检查点位数"],
        files=[jpeg("通知.jpg")],
    )

    assert directive.feedback_due_at == due
    assert directive.figure_names == ["检查点位数", "发现问题数"]
    attachment = DirectiveAttachment.objects.get(directive=directive)
    assert attachment.target is None and attachment.is_image and attachment.original_name == "通知.jpg"


@pytest.mark.parametrize("username", ["unit_staff", "unit_lead", "leader", "taskforce_lead", "river_chief"])
def test_only_the_command_centre_issues(issue, people, bureau, username):
    with pytest.raises(DirectivePermissionDenied) as refused:
        issue([bureau], actor=people[username])
    assert refused.value.code == "permission_denied"
    assert not Directive.objects.exists()


@pytest.mark.parametrize(
    "deadline",
    [
        {},
        {"feedback_within_hours": 2, "feedback_due_at": dt.timedelta(hours=2)},
        {"feedback_due_at": -dt.timedelta(minutes=1)},
        {"feedback_within_hours": 0},
    ],
)
def test_deadline_is_given_once_and_in_the_future(people, bureau, deadline):
    # a due time is given as an offset from the test's own "now", not from when the module was collected
    deadline = {k: timezone.now() + v if isinstance(v, dt.timedelta) else v for k, v in deadline.items()}
    with pytest.raises(DirectiveError) as refused:
        services.directive_issue(actor=people["dispatcher"], title="x", units=[bureau], **deadline)
    assert refused.value.code == "invalid"
    assert not Directive.objects.exists()


def test_issue_without_units_or_with_an_unknown_one_is_refused(issue):
    with pytest.raises(DirectiveError) as none:
        issue([])
    with pytest.raises(DirectiveError) as unknown:
        issue([999999])
    assert (none.value.code, unknown.value.code) == ("no_units", "invalid")


def test_a_refused_file_stores_nothing(issue, bureau):
    with pytest.raises(EvidenceError) as refused:
        issue([bureau], files=[executable()])
    assert refused.value.code == "attachment_refused"
    assert not Directive.objects.exists() and not DirectiveAttachment.objects.exists()


# --- sign and feed back --------------------------------------------------------------------------


def test_unit_staff_signs_for_the_unit(issue, people, bureau):
    directive = issue([bureau])

    services.directive_sign(directive=directive, actor=people["unit_staff"])

    target = row(directive, bureau)
    assert target.status == TargetStatus.SIGNED
    assert target.signed_by == people["unit_staff"] and target.signed_at is not None
    assert directive.events.filter(action=DirectiveAction.SIGN, target=target).count() == 1


def test_signing_twice_is_a_conflict_with_a_stable_code(issue, people, bureau):
    directive = issue([bureau])
    services.directive_sign(directive=directive, actor=people["unit_staff"])

    with pytest.raises(DirectiveConflict) as conflict:
        services.directive_sign(directive=directive, actor=people["unit_lead"])

    assert conflict.value.code == "already_signed" and conflict.value.http_status == 409
    assert row(directive, bureau).signed_by == people["unit_staff"]


@pytest.mark.parametrize("username", ["river_chief", "dispatcher", "leader", "grid_member"])
def test_people_outside_the_unit_neither_sign_nor_feed_back(issue, people, bureau, username):
    directive = issue([bureau])

    with pytest.raises(DirectivePermissionDenied):
        services.directive_sign(directive=directive, actor=people[username])
    with pytest.raises(DirectivePermissionDenied):
        services.directive_feedback(directive=directive, actor=people[username], text="已完成")

    target = row(directive, bureau)
    assert target.status == TargetStatus.PENDING and target.feedback == ""
    assert directive.events.count() == 1


def test_feedback_on_time_keeps_text_figures_and_photos(issue, people, bureau):
    directive = issue([bureau], figure_names=["检查点位数"])
    services.directive_sign(directive=directive, actor=people["unit_staff"])

    services.directive_feedback(
        directive=directive,
        actor=people["unit_staff"],
        text="夜查工地12处，发现问题3个，已交办整改。",
        figures={"检查点位数": 12, "problems_found": "3"},
        files=[jpeg("夜查.jpg")],
    )

    target = row(directive, bureau)
    assert target.status == TargetStatus.FED_BACK and not target.is_late
    assert target.figures == {"检查点位数": 12, "problems_found": 3}
    assert target.fed_back_by == people["unit_staff"]
    assert target.attachments.get().original_name == "夜查.jpg"
    event = directive.events.get(action=DirectiveAction.FEEDBACK)
    assert event.data["late"] is False and event.data["signed_with_feedback"] is False


def test_feedback_after_the_deadline_is_recorded_late(issue, people, bureau):
    directive = issue([bureau])
    move_deadline_into_the_past(directive)

    services.directive_feedback(directive=directive, actor=people["unit_lead"], text="已完成")

    assert row(directive, bureau).is_late is True


def test_feedback_without_signing_first_signs_too(issue, people, bureau):
    directive = issue([bureau])

    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="已完成")

    target = row(directive, bureau)
    assert target.signed_by == people["unit_staff"] and target.signed_at == target.fed_back_at


@pytest.mark.parametrize(
    ("text", "figures", "code"),
    [
        ("", {"检查点位数": 1}, "feedback_required"),
        ("已完成", {}, "figures_invalid"),
        ("已完成", {"检查点位数": "很多"}, "figures_invalid"),
        ("已完成", {"检查点位数": True}, "figures_invalid"),
        ("已完成", {"检查点位数": float("nan")}, "figures_invalid"),
        ("已完成", [12], "figures_invalid"),
    ],
)
def test_feedback_needs_text_and_every_figure_asked_as_a_number(issue, people, bureau, text, figures, code):
    directive = issue([bureau], figure_names=["检查点位数"])

    with pytest.raises(DirectiveError) as refused:
        services.directive_feedback(directive=directive, actor=people["unit_staff"], text=text, figures=figures)

    assert refused.value.code == code
    assert row(directive, bureau).status == TargetStatus.PENDING


def test_second_feedback_of_the_same_unit_is_a_conflict(issue, people, bureau):
    directive = issue([bureau])
    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="第一次")

    with pytest.raises(DirectiveConflict) as conflict:
        services.directive_feedback(directive=directive, actor=people["unit_lead"], text="第二次")

    assert conflict.value.code == "already_fed_back"
    assert row(directive, bureau).feedback == "第一次"


# --- urge and close ------------------------------------------------------------------------------


def test_urge_hits_only_the_laggards_and_tells_their_people(issue, people, bureau, river_street, other_street):
    directive = issue([bureau, river_street, other_street])
    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="已完成")

    urged = services.directive_urge(directive=directive, actor=people["dispatcher"], note="请尽快反馈")

    assert {t.unit_id for t in urged} == {river_street.pk, other_street.pk}
    assert row(directive, bureau).urge_count == 0
    assert row(directive, river_street).urge_count == 1 and row(directive, river_street).last_urged_at
    assert inbox(people["river_chief"], "directive.urged") == 1
    assert inbox(people["unit_staff"], "directive.urged") == 0
    assert directive.events.filter(action=DirectiveAction.URGE).count() == 2

    services.directive_urge(directive=directive, actor=people["admin"], units=[river_street])
    assert row(directive, river_street).urge_count == 2 and row(directive, other_street).urge_count == 1


def test_urge_when_everyone_fed_back_is_a_conflict(issue, people, bureau):
    directive = issue([bureau])
    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="已完成")

    with pytest.raises(DirectiveConflict) as conflict:
        services.directive_urge(directive=directive, actor=people["dispatcher"])

    assert conflict.value.code == "nothing_to_urge"


@pytest.mark.parametrize("username", ["leader", "unit_lead", "taskforce_lead"])
def test_only_the_command_centre_urges_and_closes(issue, people, bureau, username):
    directive = issue([bureau])

    with pytest.raises(DirectivePermissionDenied):
        services.directive_urge(directive=directive, actor=people[username])
    with pytest.raises(DirectivePermissionDenied):
        services.directive_close(directive=directive, actor=people[username])

    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.OPEN
    assert row(directive, bureau).urge_count == 0 and not row(directive, bureau).is_late


def test_close_records_every_unit_without_feedback_late(issue, people, bureau, river_street, other_street):
    directive = issue([bureau, river_street, other_street])
    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="已完成")

    directive = services.directive_close(directive=directive, actor=people["dispatcher"], note="本轮结束")

    assert directive.status == DirectiveStatus.CLOSED and directive.closed_by == people["dispatcher"]
    assert not row(directive, bureau).is_late
    assert row(directive, river_street).is_late and row(directive, other_street).is_late
    assert row(directive, river_street).state() == "missing"
    assert directive.events.filter(action=DirectiveAction.MISSING).count() == 2
    assert directive.events.get(action=DirectiveAction.CLOSE).data == {"missing": 2, "stopped_repeating": False}
    assert inbox(people["river_chief"], "directive.missing") == 1


def test_a_closed_directive_takes_no_more_action(issue, people, bureau):
    directive = issue([bureau])
    directive = services.directive_close(directive=directive, actor=people["dispatcher"])

    for call in (
        lambda: services.directive_close(directive=directive, actor=people["admin"]),
        lambda: services.directive_sign(directive=directive, actor=people["unit_staff"]),
        lambda: services.directive_feedback(directive=directive, actor=people["unit_staff"], text="迟到的反馈"),
        lambda: services.directive_urge(directive=directive, actor=people["dispatcher"]),
    ):
        with pytest.raises(DirectiveConflict) as conflict:
            call()
        assert conflict.value.code == "directive_closed"
    assert row(directive, bureau).status == TargetStatus.PENDING


def test_a_stale_copy_still_meets_the_conflict(issue, people, bureau):
    # Given two pages opened on the same open directive
    directive = issue([bureau])
    stale = Directive.objects.get(pk=directive.pk)
    # When one dispatcher closes it
    directive = services.directive_close(directive=directive, actor=people["dispatcher"])
    # Then the other, acting from the stale copy, gets the conflict code, not a second close
    with pytest.raises(DirectiveConflict) as conflict:
        services.directive_close(directive=stale, actor=people["admin"])
    assert conflict.value.code == "directive_closed"
    assert Directive.objects.get(pk=directive.pk).closed_by == people["dispatcher"]


# --- background work -----------------------------------------------------------------------------


def test_overdue_sweep_marks_laggards_late_once_and_tells_them_once(issue, people, bureau, river_street):
    directive = issue([bureau, river_street])
    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="已完成")
    assert services.directives_mark_overdue() == 0
    move_deadline_into_the_past(directive)

    assert services.directives_mark_overdue() == 1
    assert services.directives_mark_overdue() == 0

    assert row(directive, river_street).is_late and not row(directive, bureau).is_late
    assert inbox(people["river_chief"], "directive.overdue") == 1
    assert inbox(people["dispatcher"], "directive.overdue") == 1
    assert directive.events.filter(action=DirectiveAction.OVERDUE).count() == 1


def local_moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_a_daily_directive_spawns_one_round_per_day_however_often_the_job_runs(issue, people, river_street):
    # Given a nightly 21:00 directive issued today (its first round), 2 hours for feedback
    series = issue([river_street], recurrence=Recurrence.DAILY, recurrence_time=dt.time(21, 0), files=[jpeg()])
    today = timezone.localdate(series.issued_at)
    tomorrow = today + dt.timedelta(days=1)

    # When the job runs again today, tomorrow before 21:00, then at and after 21:00 several times
    assert services.directives_spawn_due(now=local_moment(today, 23, 59)) == []
    assert services.directives_spawn_due(now=local_moment(tomorrow, 20, 59)) == []
    spawned = services.directives_spawn_due(now=local_moment(tomorrow, 21, 0))
    again = services.directives_spawn_due(now=local_moment(tomorrow, 21, 1))
    later = services.directives_spawn_due(now=local_moment(tomorrow, 23, 0))

    # Then exactly one round exists for tomorrow, addressed like the first, with the same window and file
    assert len(spawned) == 1 and again == [] and later == []
    round_ = spawned[0]
    assert round_.parent == series and round_.occurrence_date == tomorrow
    assert round_.feedback_due_at - round_.issued_at == dt.timedelta(hours=2)
    assert list(round_.targets.values_list("unit_id", flat=True)) == [river_street.pk]
    assert round_.attachments.get().file.name == series.attachments.get().file.name
    assert round_.events.get().action == DirectiveAction.SPAWN
    assert inbox(people["river_chief"], "directive.issued") == 2

    # And the day after brings the next round
    assert len(services.directives_spawn_due(now=local_moment(tomorrow + dt.timedelta(days=1), 21, 5))) == 1
    assert series.instances.count() == 2


def test_closing_with_stop_ends_the_daily_series(issue, people, river_street):
    series = issue([river_street], recurrence=Recurrence.DAILY, recurrence_time=dt.time(21, 0))
    tomorrow = timezone.localdate(series.issued_at) + dt.timedelta(days=1)
    round_ = services.directives_spawn_due(now=local_moment(tomorrow, 21, 0))[0]

    round_ = services.directive_close(directive=round_, actor=people["dispatcher"], stop_recurrence=True)

    series.refresh_from_db()
    assert series.recurrence_stopped_at is not None and series.status == DirectiveStatus.OPEN
    assert services.directives_spawn_due(now=local_moment(tomorrow + dt.timedelta(days=1), 21, 0)) == []


def test_a_daily_directive_needs_its_time_and_hours(people, river_street):
    with pytest.raises(DirectiveError) as no_time:
        services.directive_issue(
            actor=people["dispatcher"],
            title="夜查",
            units=[river_street],
            feedback_within_hours=2,
            recurrence=Recurrence.DAILY,
        )
    with pytest.raises(DirectiveError) as fixed_deadline:
        services.directive_issue(
            actor=people["dispatcher"],
            title="夜查",
            units=[river_street],
            feedback_due_at=timezone.now() + dt.timedelta(hours=3),
            recurrence=Recurrence.DAILY,
            recurrence_time=dt.time(21),
        )
    assert no_time.value.code == fixed_deadline.value.code == "invalid"


def test_the_periodic_jobs_call_the_services(issue, people, river_street):
    from envgrid.directives import tasks

    directive = issue([river_street], recurrence=Recurrence.DAILY, recurrence_time=dt.time(0, 0))
    move_deadline_into_the_past(directive)

    assert tasks.mark_overdue_directives.call_local() == 1
    assert tasks.spawn_daily_directives.call_local() == []  # today's round is the first one
    assert row(directive, river_street).is_late
