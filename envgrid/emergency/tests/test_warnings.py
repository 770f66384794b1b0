"""Warnings: record, activate (the spot-check plan), change level, lift, expire — with their history and the
rules of who may do what."""

import datetime as dt

import pytest
from django.utils import timezone

from envgrid.emergency.choices import CheckStatus, WarningStatus
from envgrid.emergency.errors import EmergencyConflict, EmergencyError, EmergencyPermissionDenied
from envgrid.emergency.models import EmergencySettings, SpotCheck, WarningEvent
from envgrid.emergency.services.warnings import (
    check_windows,
    warning_activate,
    warning_cancel,
    warning_change,
    warning_lift,
    warnings_lift_expired,
)
from envgrid.emergency.tests.conftest import put_on_duty
from envgrid.notifications.models import Notification

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- the windows ----------------------------------------------------------------------------------


def test_two_checks_a_day_cut_each_local_day_at_noon_and_clip_to_the_warning():
    day = dt.date(2026, 11, 20)
    windows = check_windows(local(day, 9, 30), local(day + dt.timedelta(days=1), 18), 2)
    assert windows == [
        (local(day, 9, 30), local(day, 12)),
        (local(day, 12), local(day + dt.timedelta(days=1), 0)),
        (local(day + dt.timedelta(days=1), 0), local(day + dt.timedelta(days=1), 12)),
        (local(day + dt.timedelta(days=1), 12), local(day + dt.timedelta(days=1), 18)),
    ]


def test_a_window_clipped_below_the_minimum_is_dropped_unless_it_is_the_only_one():
    day = dt.date(2026, 11, 20)
    assert check_windows(local(day, 7, 30), local(day, 16), 3) == [(local(day, 8), local(day, 16))]
    assert check_windows(local(day, 10), local(day, 10, 30), 3) == [(local(day, 10), local(day, 10, 30))]
    assert check_windows(local(day, 10), local(day, 9), 3) == []


def test_red_makes_three_windows_a_day():
    day = dt.date(2026, 11, 20)
    opens = [w[0] for w in check_windows(local(day, 0), local(day + dt.timedelta(days=1), 0), 3)]
    assert opens == [local(day, 0), local(day, 8), local(day, 16)]


# --- activation -----------------------------------------------------------------------------------


def test_activating_an_orange_warning_gives_each_listed_enterprise_checks_for_its_owner(
    listed, record, people, bureau, street, clock
):
    first, second = listed
    warning = record(level="orange")

    warning = warning_activate(warning=warning, actor=people["dispatcher"])

    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACTIVE and warning.activated_at == clock.now
    # 09:30 today → in two days 09:30 at 2 a day: 09:30–12, 12–24, 0–12, 12–24, 0–09:30 (5 windows).
    assert SpotCheck.objects.filter(supervised_object=first, unit=bureau).count() == 5
    assert SpotCheck.objects.filter(supervised_object=second, unit=street).count() == 5
    assert SpotCheck.objects.count() == 10
    check = SpotCheck.objects.filter(supervised_object=first).order_by("window_start").first()
    assert check.person == people["unit_staff"]
    assert check.level == "orange" and "停止2号生产线" in check.measures_text and "heavy" in check.measures_text
    assert (check.window_start, check.due_at) == (clock.now, local(clock.now.date(), 12))
    event = warning.events.get(action="activate")
    assert event.actor == people["dispatcher"] and event.data["checks"] == 10 and event.data["per_day"] == 2


def test_higher_levels_check_more_often_as_configured(listed, record, people):
    EmergencySettings.objects.create(checks_per_day_yellow=1, checks_per_day_orange=2, checks_per_day_red=4)
    counts = {}
    for level in ("yellow", "red"):
        warning = record(level=level)
        warning = warning_activate(warning=warning, actor=people["dispatcher"])
        counts[level] = warning.spot_checks.filter(supervised_object=listed[0]).count()
        warning = warning_lift(warning=warning, actor=people["dispatcher"])
    # yellow: 09:30–24, day 2, day 3 until 09:30 → 3 windows; red at 4 a day: 12–18, 18–24, 4 + 3 → 9.
    assert counts == {"yellow": 3, "red": 9}


def test_activation_notifies_the_units_with_checks_and_everyone_on_duty(listed, record, people, bureau):
    put_on_duty(bureau, people["unit_lead"])
    put_on_duty(people["grid_head"].unit, people["grid_head"], name="网格长")
    warning = record()

    warning = warning_activate(warning=warning, actor=people["dispatcher"])

    told = set(
        Notification.objects.filter(verb="emergency.warning_activated").values_list("recipient__username", flat=True)
    )
    assert {"unit_lead", "unit_staff", "river_chief", "grid_head"} <= told
    assert "leader" not in told and "grid_member" not in told


def test_an_enterprise_without_an_owner_gets_no_check_and_is_named(listed, record, people, make_enterprise):
    from envgrid.emergency.models import ReductionMeasure
    from envgrid.sources.models import Responsibility

    orphan = make_enterprise(people["unit_staff"].unit, people["unit_staff"], name="无主企业")
    Responsibility.objects.filter(supervised_object=orphan).delete()
    ReductionMeasure.objects.create(supervised_object=orphan, level="orange", measures="停产")
    warning = record()

    warning = warning_activate(warning=warning, actor=people["dispatcher"])

    assert not SpotCheck.objects.filter(supervised_object=orphan).exists()
    assert warning.events.get(action="activate").data["unowned"] == [str(orphan)]


def test_only_the_command_centre_records_and_activates(listed, record, people):
    for username in ("unit_lead", "leader", "grid_member"):
        with pytest.raises(EmergencyPermissionDenied):
            record(actor=people[username])
    warning = record()
    with pytest.raises(EmergencyPermissionDenied):
        warning_activate(warning=warning, actor=people["unit_lead"])
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RECORDED and not SpotCheck.objects.exists()


def test_a_second_active_warning_for_the_same_area_is_refused(listed, record, people):
    warning_activate(warning=record(), actor=people["dispatcher"])
    second = record(level="red")
    with pytest.raises(EmergencyConflict) as refused:
        warning_activate(warning=second, actor=people["dispatcher"])
    assert refused.value.code == "another_warning_active"


def test_a_warning_only_in_one_street_checks_only_its_enterprises(listed, record, people):
    first, second = listed
    warning = record(region=second.street)
    warning = warning_activate(warning=warning, actor=people["dispatcher"])
    objects = set(warning.spot_checks.values_list("supervised_object_id", flat=True))
    assert second.pk in objects
    assert (first.pk in objects) == (first.street_id == second.street_id)


# --- change, lift, expire, cancel ------------------------------------------------------------------


def test_raising_to_red_replans_the_checks_not_yet_due_and_keeps_the_done_ones(listed, record, people, clock):
    from envgrid.emergency.services.checks import spot_check_record

    warning = record(level="orange")
    warning = warning_activate(warning=warning, actor=people["dispatcher"])
    first_check = warning.spot_checks.filter(supervised_object=listed[0]).order_by("due_at").first()
    first_check = spot_check_record(check=first_check, actor=people["unit_staff"], result="complied")
    clock.advance(hours=1)  # 10:30

    warning = warning_change(warning=warning, actor=people["dispatcher"], level="red", note="会商后升级")

    first_check.refresh_from_db()
    assert first_check.status == CheckStatus.COMPLIED and first_check.level == "orange"
    live = warning.spot_checks.filter(status=CheckStatus.PENDING)
    assert set(live.values_list("level", flat=True)) == {"red"}
    assert "全厂停产" in live.first().measures_text
    # red at 3 a day from 10:30 until in two days 09:30: 10:30–16, 16–24; 3 the next day; 0–8, 8–09:30 → 7.
    assert live.filter(supervised_object=listed[0]).count() == 7
    # orange checks not yet recorded (4 of the first enterprise, 5 of the second) are cancelled.
    assert warning.spot_checks.filter(status=CheckStatus.CANCELLED, level="orange").count() == 9
    event = warning.events.get(action="change")
    assert (event.from_level, event.to_level, event.note) == ("orange", "red", "会商后升级")


def test_lifting_cancels_what_is_not_due_and_records_past_due_checks_as_missed(listed, record, people, clock):
    warning = record()
    warning = warning_activate(warning=warning, actor=people["dispatcher"])
    clock.advance(hours=3)  # 12:30: the 09:30–12:00 window passed unchecked

    warning = warning_lift(warning=warning, actor=people["dispatcher"], note="空气质量好转")

    warning.refresh_from_db()
    assert warning.status == WarningStatus.LIFTED and warning.lifted_at == clock.now
    assert warning.spot_checks.filter(status=CheckStatus.MISSED).count() == 2
    assert warning.spot_checks.filter(status=CheckStatus.CANCELLED).count() == 8
    assert not warning.spot_checks.filter(status=CheckStatus.PENDING).exists()
    assert list(warning.events.values_list("action", flat=True)) == ["record", "activate", "lift"]
    with pytest.raises(EmergencyConflict):
        warning_lift(warning=warning, actor=people["dispatcher"])


def test_an_active_warning_whose_end_has_come_is_lifted_by_the_system(listed, record, people, clock):
    warning = record(ends_at=clock.at(hours=5))
    warning = warning_activate(warning=warning, actor=people["dispatcher"])
    assert warnings_lift_expired() == 0
    clock.advance(hours=5)

    assert warnings_lift_expired() == 1
    assert warnings_lift_expired() == 0
    event = WarningEvent.objects.get(warning=warning, action="expire")
    assert event.actor is None and event.actor_name


def test_a_recorded_warning_is_cancelled_only_with_a_reason(record, people):
    warning = record()
    with pytest.raises(EmergencyError):
        warning_cancel(warning=warning, actor=people["dispatcher"], note=" ")
    warning = warning_cancel(warning=warning, actor=people["dispatcher"], note="预报调整")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CANCELLED
    with pytest.raises(EmergencyConflict):
        warning_activate(warning=warning, actor=people["dispatcher"])


def test_a_warning_must_end_after_it_starts(record, clock):
    with pytest.raises(EmergencyError):
        record(ends_at=clock.at(hours=-1))
