"""The duty roster: who is on duty when (shifts over midnight), adding and removing people, the Excel import
(row/column errors, all-or-nothing, replace per unit and day), today's list and the flags."""

import datetime as dt

import pytest
from django.utils import timezone

from envgrid.core.models import Unit
from envgrid.emergency import selectors
from envgrid.emergency.errors import EmergencyError, EmergencyPermissionDenied, ImportInvalid
from envgrid.emergency.models import DutyAssignment, DutyShift
from envgrid.emergency.services.duty import duty_assignment_add, duty_assignment_remove, duty_roster_import
from envgrid.emergency.tests.conftest import put_on_duty, xlsx
from envgrid.testing import CLOCK_TIMES

pytestmark = pytest.mark.django_db

HEADER = ["单位", "日期", "班次", "岗位", "姓名", "电话", "账号"]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_a_night_shift_covers_the_hours_after_midnight_of_the_next_day(people, bureau):
    day = timezone.localdate()
    night = put_on_duty(bureau, people["unit_staff"], day=day, shift="night", name="夜班员")
    assert (night.starts_at, night.ends_at) == (local(day, 20), local(day + dt.timedelta(days=1), 8))
    assert selectors.on_duty(bureau, local(day + dt.timedelta(days=1), 3)) == [night]
    assert selectors.on_duty(bureau, local(day + dt.timedelta(days=1), 8)) == []
    assert selectors.on_duty(bureau, local(day, 19, 59)) == []
    assert list(selectors.on_duty_people(local(day, 21))) == [people["unit_staff"]]
    assert list(selectors.on_duty_people(local(day, 21), unit_ids=[people["river_chief"].unit_id])) == []


def test_a_changed_shift_time_does_not_rewrite_past_rosters(people, bureau):
    day = timezone.localdate()
    entry = put_on_duty(bureau, people["unit_staff"], day=day, shift="day")
    DutyShift.objects.filter(code="day").update(start_time=dt.time(9), end_time=dt.time(18))
    entry.refresh_from_db()
    assert entry.starts_at == local(day, 8)


def test_the_command_centre_and_the_units_lead_keep_a_roster(people, bureau, street):
    day, shift = timezone.localdate(), DutyShift.objects.get(code="day")
    added = duty_assignment_add(
        actor=people["unit_lead"], unit=bureau, date=day, shift=shift, person=people["unit_staff"], phone="13912345678"
    )
    assert added.name == str(people["unit_staff"]) and added.phone == "13912345678"
    duty_assignment_add(
        actor=people["dispatcher"], unit=street, date=day, shift=shift, name="李强", phone="13700000001"
    )
    for username, unit in (("unit_lead", street), ("unit_staff", bureau), ("leader", bureau)):
        with pytest.raises(EmergencyPermissionDenied):
            duty_assignment_add(
                actor=people[username], unit=unit, date=day, shift=shift, name="王五", phone="13700000002"
            )
    with pytest.raises(EmergencyPermissionDenied):
        duty_assignment_remove(actor=people["unit_staff"], assignment=added)
    duty_assignment_remove(actor=people["unit_lead"], assignment=added)
    assert list(DutyAssignment.objects.values_list("name", flat=True)) == ["李强"]


def test_a_bad_phone_or_a_repeat_is_refused(people, bureau):
    day, shift = timezone.localdate(), DutyShift.objects.get(code="day")
    with pytest.raises(EmergencyError):
        duty_assignment_add(actor=people["dispatcher"], unit=bureau, date=day, shift=shift, name="张三", phone="abc")
    duty_assignment_add(
        actor=people["dispatcher"], unit=bureau, date=day, shift=shift, name="张三", phone="13800000000"
    )
    with pytest.raises(EmergencyError):
        duty_assignment_add(
            actor=people["dispatcher"], unit=bureau, date=day, shift=shift, name="张三", phone="13800000000"
        )


def test_an_import_replaces_each_units_day_and_links_accounts(people, bureau, street):
    day = timezone.localdate() + dt.timedelta(days=1)
    old = put_on_duty(bureau, name="旧值班员", day=day)
    kept = put_on_duty(bureau, name="后天值班员", day=day + dt.timedelta(days=1))
    content = xlsx(
        HEADER,
        [
            [bureau.name, day, "白班", "值班员", str(people["unit_staff"]), "13800000001", ""],
            [bureau.short_name, day.isoformat(), "夜班", "", "赵六", "13800000002", ""],
            [street.name, day.strftime("%Y/%m/%d"), "24小时", "带班领导", "钱七", "13800000003", "river_chief"],
        ],
    )

    dry = duty_roster_import(actor=people["dispatcher"], content=content, dry_run=True)
    assert (dry.rows, dry.created, dry.replaced, dry.units, dry.days) == (3, 3, 1, 2, 1)
    assert DutyAssignment.objects.filter(pk=old.pk).exists()

    done = duty_roster_import(actor=people["dispatcher"], content=content)

    assert not done.dry_run and not DutyAssignment.objects.filter(pk=old.pk).exists()
    assert DutyAssignment.objects.filter(pk=kept.pk).exists()
    rows = {a.name: a for a in DutyAssignment.objects.filter(date=day)}
    assert set(rows) == {str(people["unit_staff"]), "赵六", "钱七"}
    assert rows[str(people["unit_staff"])].person == people["unit_staff"]  # linked by the display name
    assert rows["钱七"].person == people["river_chief"] and rows["钱七"].post == "leader"
    assert rows["赵六"].shift.code == "night" and rows["赵六"].unit == bureau


def test_an_import_with_bad_rows_changes_nothing_and_names_row_and_column(people, bureau):
    day = timezone.localdate() + dt.timedelta(days=1)
    put_on_duty(bureau, name="旧值班员", day=day)
    content = xlsx(
        HEADER,
        [
            [bureau.name, day, "白班", "", "孙八", "13800000001", ""],
            ["不存在的单位", day, "白班", "", "周九", "13800000002", ""],
            [bureau.name, "明天", "早班", "", "吴十", "电话", "nobody"],
            [bureau.name, day, "白班", "", "孙八", "13800000001", ""],
        ],
    )

    with pytest.raises(ImportInvalid) as refused:
        duty_roster_import(actor=people["dispatcher"], content=content)

    errors = {(e["row"], e["column"]) for e in refused.value.errors}
    assert errors == {(3, "单位"), (4, "日期"), (4, "班次"), (4, "电话"), (4, "账号"), (2, "姓名"), (5, "姓名")}
    assert refused.value.code == "import_invalid"
    assert list(DutyAssignment.objects.values_list("name", flat=True)) == ["旧值班员"]


def test_a_unit_lead_imports_only_their_own_units_roster(people, bureau, street):
    day = timezone.localdate()
    content = xlsx(HEADER, [[street.name, day, "白班", "", "郑一", "13800000001", ""]])
    with pytest.raises(ImportInvalid) as refused:
        duty_roster_import(actor=people["unit_lead"], content=content)
    assert refused.value.errors[0]["column"] == "单位"
    with pytest.raises(EmergencyPermissionDenied):
        duty_roster_import(actor=people["unit_staff"], content=content)


def test_a_file_without_the_required_columns_is_refused_by_name(people):
    with pytest.raises(EmergencyError) as refused:
        duty_roster_import(actor=people["dispatcher"], content=xlsx(["单位", "日期"], [["x", "y"]]))
    assert "班次" in refused.value.message and refused.value.code == "import_unreadable"
    with pytest.raises(EmergencyError):
        duty_roster_import(actor=people["dispatcher"], content=b"not a workbook")


@pytest.mark.parametrize("hour", CLOCK_TIMES)
def test_todays_list_shows_who_is_on_now_and_flags_the_rest(people, bureau, street, travel, hour):
    travel(hour)
    put_on_duty(bureau, people["unit_lead"])
    rows = {r.unit.name: r for r in selectors.duty_today(people["dispatcher"])}
    assert not rows[bureau.name].uncovered and rows[street.name].uncovered
    assert len(rows) == Unit.objects.filter(kind__in=["department", "street"]).count()
    mine = selectors.duty_today(people["unit_staff"])
    assert [r.unit for r in mine] == [bureau]
    assert street in selectors.units_without_duty() and bureau not in selectors.units_without_duty()


def test_todays_list_takes_two_queries_after_the_scope(people, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        selectors.duty_today(people["dispatcher"])
