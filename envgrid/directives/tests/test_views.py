"""Directive pages: the list with its tabs and counts, the issue form, the unit's sign and feedback forms,
the live matrix (htmx polling), urge and close buttons, home counts and navigation; query counts pinned."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit
from envgrid.directives import services
from envgrid.directives.choices import DirectiveStatus, TargetStatus
from envgrid.directives.models import Directive, DirectiveTarget
from envgrid.directives.tests.files import jpeg

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    web = Client()
    web.force_login(user)
    return web


def test_dispatcher_issues_to_all_streets_and_a_department_through_the_form(people, bureau):
    web = client_for(people["dispatcher"])
    assert web.get("/directives/new/").status_code == 200

    response = web.post(
        "/directives/new/",
        {
            "title": "今晚21时开展夜查",
            "body": "重点检查工地苫盖、道路洒水。",
            "groups": ["all_streets"],
            "units": [bureau.pk],
            "deadline_kind": "hours",
            "feedback_within_hours": "2.5",
            "recurrence": "none",
            "figure_names": "检查点位数\n发现问题数\n",
            "files": [jpeg("通知.jpg")],
        },
    )

    directive = Directive.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/directives/{directive.pk}/"
    streets = Unit.objects.filter(kind=UnitKind.STREET).count()
    assert directive.targets.count() == streets + 1
    assert directive.feedback_due_at - directive.issued_at == dt.timedelta(hours=2.5)
    assert directive.figure_names == ["检查点位数", "发现问题数"]
    assert directive.attachments.count() == 1


def test_issue_form_with_a_datetime_and_daily_repetition(people, river_street):
    web = client_for(people["dispatcher"])
    due = timezone.localtime() + dt.timedelta(hours=3)

    at_time = web.post(
        "/directives/new/",
        {
            "title": "按时反馈",
            "units": [river_street.pk],
            "deadline_kind": "at",
            "feedback_due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "recurrence": "none",
        },
    )
    daily = web.post(
        "/directives/new/",
        {
            "title": "每晚夜查",
            "units": [river_street.pk],
            "deadline_kind": "hours",
            "feedback_within_hours": "2",
            "recurrence": "daily",
            "recurrence_time": "21:00",
        },
    )

    assert at_time.status_code == daily.status_code == 302
    first, second = Directive.objects.order_by("pk")
    assert timezone.localtime(first.feedback_due_at).strftime("%Y-%m-%dT%H:%M") == due.strftime("%Y-%m-%dT%H:%M")
    assert second.recurrence == "daily" and second.recurrence_time == dt.time(21, 0)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "没有单位", "deadline_kind": "hours", "feedback_within_hours": "2", "recurrence": "none"}, "units"),
        (
            {
                "title": "每日无时间",
                "groups": ["all_streets"],
                "deadline_kind": "hours",
                "feedback_within_hours": "2",
                "recurrence": "daily",
            },
            "recurrence_time",
        ),
        (
            {"title": "无期限", "groups": ["all_streets"], "deadline_kind": "at", "recurrence": "none"},
            "feedback_due_at",
        ),
    ],
)
def test_issue_form_explains_what_is_missing_and_issues_nothing(people, data, field):
    response = client_for(people["dispatcher"]).post("/directives/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Directive.objects.exists()


def test_past_deadline_is_refused_by_the_service_and_shown_on_the_form(people, bureau):
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(people["dispatcher"]).post(
        "/directives/new/",
        {
            "title": "过去的期限",
            "units": [bureau.pk],
            "deadline_kind": "at",
            "feedback_due_at": past,
            "recurrence": "none",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Directive.objects.exists()


def test_unit_staff_signs_then_feeds_back_with_figures_and_a_photo(issue, people, bureau):
    directive = issue([bureau], figure_names=["检查点位数"])
    web = client_for(people["unit_staff"])
    page = web.get(f"/directives/{directive.pk}/")
    assert b'data-testid="sign"' in page.content and b'data-testid="feedback-form"' in page.content
    assert b'data-testid="urge-all"' not in page.content

    assert web.post(f"/directives/{directive.pk}/sign/").status_code == 302
    response = web.post(
        f"/directives/{directive.pk}/feedback/",
        {
            "text": "已夜查",
            "figure_0": "12",
            "extra_figures": "发现问题数 = 3",
            "photos": [jpeg()],
        },
    )

    assert response.status_code == 302
    target = DirectiveTarget.objects.get(directive=directive)
    assert target.status == TargetStatus.FED_BACK
    assert target.figures == {"检查点位数": 12, "发现问题数": 3}
    assert target.attachments.count() == 1
    assert b'data-state="fed_back"' in web.get(f"/directives/{directive.pk}/").content


def test_feedback_form_errors_keep_the_page_and_change_nothing(issue, people, bureau):
    directive = issue([bureau], figure_names=["检查点位数"])
    response = client_for(people["unit_staff"]).post(
        f"/directives/{directive.pk}/feedback/", {"text": "", "figure_0": "", "extra_figures": "乱写"}
    )
    assert response.status_code == 400
    assert set(response.context["feedback_form"].errors) == {"text", "figure_0", "extra_figures"}
    assert DirectiveTarget.objects.get(directive=directive).status == TargetStatus.PENDING


def test_dispatcher_urges_all_laggards_and_closes_from_the_page(issue, people, bureau, river_street):
    directive = issue([bureau, river_street])
    services.directive_feedback(directive=directive, actor=people["unit_staff"], text="已完成")
    web = client_for(people["dispatcher"])

    assert web.post(f"/directives/{directive.pk}/urge/", {"note": "请尽快"}).status_code == 302
    assert web.post(f"/directives/{directive.pk}/close/").status_code == 302

    street = DirectiveTarget.objects.get(directive=directive, unit=river_street)
    assert street.urge_count == 1 and street.is_late
    assert Directive.objects.get(pk=directive.pk).status == DirectiveStatus.CLOSED
    assert b'data-state="missing"' in web.get(f"/directives/{directive.pk}/").content


def test_matrix_polls_every_ten_seconds_while_open_and_stops_when_closed(issue, people, bureau):
    directive = issue([bureau])
    web = client_for(people["dispatcher"])

    fragment = web.get(f"/directives/{directive.pk}/", headers={"HX-Request": "true"})
    assert fragment.templates[0].name == "directives/_matrix.html"
    assert 'hx-trigger="every 10s"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()

    directive = services.directive_close(directive=directive, actor=people["dispatcher"])
    assert "hx-trigger" not in web.get(f"/directives/{directive.pk}/", headers={"HX-Request": "true"}).content.decode()


def test_list_tabs_and_their_counts(issue, people, bureau, river_street):
    issue([bureau], title="待办一")
    done = issue([bureau], title="已反馈")
    issue([river_street], title="别的单位")
    services.directive_feedback(directive=done, actor=people["unit_staff"], text="已完成")

    staff = client_for(people["unit_staff"]).get("/directives/")
    dispatcher = client_for(people["dispatcher"]).get("/directives/")

    assert staff.context["tab"] == "todo"
    assert {t["key"]: t["count"] for t in staff.context["tabs"]} == {"todo": 1, "all": 2}
    assert [d.title for d in staff.context["page"]] == ["待办一"]
    assert dispatcher.context["tab"] == "issued"
    assert {t["key"]: t["count"] for t in dispatcher.context["tabs"]} == {"issued": 3, "all": 3}
    rows = {d.title: (d.units_fed_back, d.units_total) for d in dispatcher.context["page"]}
    assert rows["已反馈"] == (1, 1) and rows["待办一"] == (0, 1)


def test_list_filters_and_htmx_table(issue, people, bureau):
    issue([bureau], title="扬尘管控")
    closed = issue([bureau], title="夜查")
    closed = services.directive_close(directive=closed, actor=people["dispatcher"])
    web = client_for(people["dispatcher"])

    response = web.get("/directives/?tab=all&status=closed&q=夜", headers={"HX-Request": "true"})

    assert response.templates[0].name == "directives/_table.html"
    assert [d.title for d in response.context["page"]] == ["夜查"]


@pytest.mark.parametrize("username", ["dispatcher", "unit_staff", "leader"])
def test_list_query_count_does_not_grow_with_directives(
    issue, people, bureau, river_street, username, django_assert_max_num_queries
):
    web = client_for(people[username])
    for i in range(3):
        issue([bureau, river_street], title=f"指令{i}")
    with django_assert_max_num_queries(12) as few:
        assert web.get("/directives/?tab=all").status_code == 200
    for i in range(20):
        issue("all_departments", title=f"更多指令{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert web.get("/directives/?tab=all").status_code == 200


def test_matrix_query_count_does_not_grow_with_units(issue, people, django_assert_max_num_queries):
    small = issue("all_streets", figure_names=["检查点位数"])
    large = issue(["all_streets", "all_departments"], figure_names=["检查点位数"])
    for directive in (small, large):
        rows = list(directive.targets.select_related("unit"))
        DirectiveTarget.objects.filter(pk__in=[t.pk for t in rows[:2]]).update(
            status=TargetStatus.FED_BACK, figures={"检查点位数": 4}, feedback="已完成"
        )
    web = client_for(people["dispatcher"])
    with django_assert_max_num_queries(20) as few:
        assert web.get(f"/directives/{small.pk}/").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = web.get(f"/directives/{large.pk}/")
    with django_assert_max_num_queries(8):
        fragment = web.get(f"/directives/{large.pk}/", headers={"HX-Request": "true"})
    assert page.content.decode().count('data-testid="matrix-row"') == large.targets.count()
    assert fragment.content.decode().count('data-testid="matrix-row"') == large.targets.count()
    assert 'data-testid="figure-total">8<' in fragment.content.decode()


def test_home_counts_for_a_unit_and_for_the_command_centre(issue, people, bureau, river_street):
    issue([bureau])
    signed = issue([bureau, river_street])
    services.directive_sign(directive=signed, actor=people["unit_staff"])
    overdue = issue([bureau])
    Directive.objects.filter(pk=overdue.pk).update(feedback_due_at=timezone.now() - dt.timedelta(hours=1))

    staff = client_for(people["unit_staff"]).get("/")
    dispatcher = client_for(people["dispatcher"]).get("/")

    def directive_counts(response) -> list[int]:
        return [c.value for c in response.context["counts"] if c.url.startswith("/directives/")]

    # to sign, awaiting feedback, overdue — for the ecology bureau
    assert directive_counts(staff) == [2, 3, 1]
    # open directives, units yet to feed back, units overdue — district-wide
    assert directive_counts(dispatcher) == [3, 4, 1]
    assert directive_counts(client_for(people["grid_member"]).get("/")) == []


def test_navigation_shows_directives_to_units_and_the_command_centre_only(people, district):
    for username, shown in [
        ("dispatcher", True),
        ("unit_staff", True),
        ("leader", True),
        ("river_chief", True),
        ("grid_member", False),
    ]:
        response = client_for(people[username]).get("/")
        urls = [item["url"] for item in response.context["nav_items"]]
        assert ("/directives/" in urls) == shown, username
