"""An alert opens a case for the unit responsible for the station's grid, through the system path of the
closed loop; later alerts of the same station and category join the open case."""

import pytest
from django.urls import reverse

from envgrid.alerts.choices import AlertKind, AlertState
from envgrid.alerts.models import Alert
from envgrid.alerts.tests.conftest import feed, judge
from envgrid.cases import routing
from envgrid.cases.choices import AssignmentRole, CaseAction, CaseStatus, Channel, Severity
from envgrid.cases.errors import CasePermissionDenied
from envgrid.cases.models import Case, CaseCategory
from envgrid.cases.services import case_feedback, case_reassign, case_report_routed, case_sign, case_verify
from envgrid.core.models import Unit

pytestmark = pytest.mark.django_db


def alert_cases():
    """Cases opened by alerts (the demo district brings cases of its own)."""
    return Case.objects.filter(title__startswith="【监测预警】")


EPISODE = [50] * 5 + [130, 150, 180, 170, 160, 140] + [60] * 12


@pytest.fixture
def threshold(quiet_district, make_rule):
    return make_rule(opens_case=True, severity=Severity.URGENT)


def test_an_alert_opens_a_dispatched_case_for_the_street_governing_the_station_grid(threshold, episode_station):
    feed(episode_station, 0, EPISODE[:11])

    alert = Alert.objects.select_related("case").get()
    case = alert.case
    assert case.status == CaseStatus.DISPATCHED
    assert case.lead_unit == episode_station.grid.street.unit  # 翠湖街道办事处, by the demo routing table
    assert case.lead_unit.name == "翠湖街道办事处"
    assert routing.route_case(case)[0] == case.lead_unit
    assert (case.channel, case.severity, case.category.code) == (Channel.SENSOR, Severity.URGENT, "other")
    assert (case.lon, case.lat, case.grid) == (episode_station.lon, episode_station.lat, episode_station.grid)
    assert case.due_at is not None and case.assignments.get().role == AssignmentRole.LEAD
    assert case.title == f"【监测预警】{episode_station.name}：PM2.5 180 μg/m³，超过预警值 115"
    assert "130" in case.description and "MN 5A4A000000000000000B0001" in case.description
    events = list(case.events.values_list("action", "actor_name", "actor_id"))
    assert events == [
        (CaseAction.REPORT, "系统", None),
        (CaseAction.ACCEPT, "系统", None),
        (CaseAction.DISPATCH, "系统", None),
    ]


def test_the_unit_is_told_about_the_case(threshold, episode_station, people):
    feed(episode_station, 0, EPISODE[:11])

    case = Alert.objects.get().case
    street_people = case.lead_unit.users.all()
    assert street_people.exists()
    from envgrid.notifications.models import Notification

    told = Notification.objects.filter(verb="case.dispatched", url=reverse("case-detail", args=[case.pk]))
    assert set(told.values_list("recipient_id", flat=True)) >= {
        u.pk for u in street_people if u.role in ("unit_lead", "unit_staff")
    }


def test_a_rule_with_a_lead_unit_dispatches_to_it(quiet_district, make_rule, episode_station):
    bureau = Unit.objects.get(name="生态环境分局")
    make_rule(opens_case=True, lead_unit=bureau)

    feed(episode_station, 0, EPISODE[:11])

    assert Alert.objects.get().case.lead_unit == bureau


def test_a_second_alert_of_the_station_and_category_joins_the_open_case(threshold, make_rule, episode_station):
    make_rule(
        name="PM2.5 持续上升",
        kind=AlertKind.RISE,
        raise_level=30,
        clear_level=10,
        window_minutes=5,
        duration_minutes=0,
        opens_case=True,
    )

    feed(episode_station, 0, EPISODE[:11])

    alerts = list(Alert.objects.order_by("raised_at", "pk"))
    assert len(alerts) == 2 and alerts[0].case_id == alerts[1].case_id
    assert alert_cases().count() == 1
    notes = list(alerts[0].case.events.filter(action=CaseAction.COMMENT).values_list("note", "actor_name"))
    assert len(notes) == 1 and notes[0][1] == "系统" and "同一站点又一预警" in notes[0][0]


def test_a_new_episode_while_the_case_is_still_open_adds_a_note_not_a_case(threshold, episode_station):
    threshold.suppress_minutes = 0
    threshold.save()
    feed(episode_station, 0, EPISODE + EPISODE, step=3)

    first, second = Alert.objects.order_by("started_at")
    assert first.case_id == second.case_id
    assert alert_cases().count() == 1
    notes = list(first.case.events.filter(action=CaseAction.COMMENT).values_list("note", flat=True))
    assert sum("预警解除" in n for n in notes) == 2
    assert sum("同一站点又一预警" in n for n in notes) == 1


@pytest.mark.full_district
def test_once_the_case_is_closed_a_new_episode_opens_a_new_case(threshold, episode_station, people):
    threshold.suppress_minutes = 0
    threshold.save()
    feed(episode_station, 0, EPISODE, step=3)
    case = Alert.objects.get().case
    staff = case.lead_unit.users.filter(role__in=["unit_lead", "unit_staff"]).first()
    case = case_sign(case=case, actor=staff)
    case = case_feedback(case=case, actor=staff, note="已巡查，周边工地已落实降尘措施")
    case = case_verify(case=case, actor=people["dispatcher"], passed=True)

    feed(episode_station, len(EPISODE), EPISODE, step=3)

    first, second = Alert.objects.order_by("started_at")
    assert second.case_id != first.case_id and second.case.status == CaseStatus.DISPATCHED


def test_a_rule_that_opens_no_case_only_alerts(quiet_district, make_rule, episode_station):
    make_rule(opens_case=False)

    feed(episode_station, 0, EPISODE[:11])

    assert Alert.objects.get().case is None and not alert_cases().exists()


def test_the_system_may_route_and_note_but_never_sign_or_close(threshold, episode_station):
    feed(episode_station, 0, EPISODE[:11])
    case = Alert.objects.get().case

    with pytest.raises(CasePermissionDenied):
        case_sign(case=case, actor=None)
    with pytest.raises(CasePermissionDenied):
        case_reassign(case=case, actor=None, lead_unit=Unit.objects.get(name="生态环境分局"), note="系统改派")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED


def test_without_a_routing_rule_the_system_leaves_the_case_accepted_for_the_dispatcher(db):
    category = CaseCategory.objects.get(code="other")

    case = case_report_routed(title="【监测预警】测试", category=category, lon=116.4, lat=39.9)

    assert case.status == CaseStatus.ACCEPTED and case.lead_unit is None


def test_the_case_page_shows_the_readings_behind_the_alert(threshold, episode_station, people, client):
    feed(episode_station, 0, EPISODE, step=3)
    case = Alert.objects.get().case
    client.force_login(people["dispatcher"])

    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert 'data-testid="alert-readings"' in page
    assert 'data-testid="alert-sparkline"' in page
    assert threshold.name in page
    assert page.count('data-testid="reading-row"') == len(EPISODE)
    assert '<td class="text-end text-danger fw-bold">180</td>' in page


def test_other_cases_show_no_readings_card(threshold, episode_station, people, client):
    from envgrid.cases.services import case_report

    plain = case_report(
        reporter=people["grid_member"],
        title="垃圾堆积",
        category=threshold.category,
        lon=episode_station.lon,
        lat=episode_station.lat,
    )
    client.force_login(people["dispatcher"])

    page = client.get(reverse("case-detail", args=[plain.pk])).content.decode()

    assert 'data-testid="alert-readings"' not in page


def test_clearing_notes_the_case_with_the_peak(threshold, episode_station):
    feed(episode_station, 0, EPISODE, step=2)

    alert = Alert.objects.get()
    assert alert.state == AlertState.CLEARED
    note = alert.case.events.filter(action=CaseAction.COMMENT).get().note
    assert "峰值 180" in note and threshold.name in note


def test_a_late_copy_of_the_episode_opens_nothing_more(threshold, episode_station):
    feed(episode_station, 0, EPISODE, step=3)
    judge(episode_station, since_minute=0)  # the device re-sent the whole hour

    assert alert_cases().count() == 1 and Alert.objects.count() == 1
