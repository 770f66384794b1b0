"""Scope per role, in the web and the API: the command centre and leaders see every unit's row; a unit
sees only directives addressed to it and only its own row; another unit's directive is a 404; a refusal
changes nothing."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from envgrid.directives import services
from envgrid.directives.models import Directive, DirectiveAttachment, DirectiveTarget
from envgrid.directives.tests.conftest import ROLES
from envgrid.directives.tests.files import jpeg

pytestmark = pytest.mark.django_db

BUREAU_TEXT, STREET_TEXT = "分局夜查反馈：工地12处", "街道夜查反馈：道路5条"


@pytest.fixture
def two_directives(issue, people, bureau, river_street, other_street):
    """d1 to the ecology bureau and the river chief's street (both fed back); d2 to another street only."""
    d1 = issue([bureau, river_street], title="指令一")
    d2 = issue([other_street], title="指令二")
    services.directive_feedback(directive=d1, actor=people["unit_staff"], text=BUREAU_TEXT)
    services.directive_feedback(directive=d1, actor=people["river_chief"], text=STREET_TEXT, files=[jpeg("街道.jpg")])
    return d1, d2


def expected(username, d1, d2, bureau, river_street, other_street) -> tuple[set, dict]:
    """(visible directives, {directive: visible unit rows}) for each demo role, from the set-up above."""
    if username in ("admin", "dispatcher", "leader", "taskforce_lead"):
        return {d1.pk, d2.pk}, {d1.pk: {bureau.pk, river_street.pk}, d2.pk: {other_street.pk}}
    if username in ("unit_lead", "unit_staff"):
        return {d1.pk}, {d1.pk: {bureau.pk}}
    if username == "river_chief":
        return {d1.pk}, {d1.pk: {river_street.pk}}
    return set(), {}  # grid head and member: their community is not addressed


@pytest.mark.parametrize("username", ROLES)
def test_each_role_sees_exactly_its_directives_and_rows_in_web_and_api(
    two_directives, people, bureau, river_street, other_street, username
):
    d1, d2 = two_directives
    visible, rows = expected(username, d1, d2, bureau, river_street, other_street)
    user = people[username]
    assert set(Directive.objects.visible_to(user).values_list("pk", flat=True)) == visible
    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_authenticate(user)

    listed = api.get("/api/v1/directives/").json()["results"]
    assert {d["id"] for d in listed} == visible
    page = web.get("/directives/?tab=all").content.decode()
    for directive in (d1, d2):
        assert (f'data-number="{directive.number}"' in page) == (directive.pk in visible), directive.number

    for directive in (d1, d2):
        web_status = web.get(f"/directives/{directive.pk}/").status_code
        api_answer = api.get(f"/api/v1/directives/{directive.pk}/")
        if directive.pk not in visible:
            assert (web_status, api_answer.status_code) == (404, 404)
            continue
        assert (web_status, api_answer.status_code) == (200, 200)
        assert {t["unit"] for t in api_answer.json()["targets"]} == rows[directive.pk]


def test_a_unit_never_reads_another_units_feedback(two_directives, people):
    d1, _d2 = two_directives
    web = Client()
    web.force_login(people["unit_staff"])

    page = web.get(f"/directives/{d1.pk}/").content.decode()
    fragment = web.get(f"/directives/{d1.pk}/", headers={"HX-Request": "true"}).content.decode()
    api = APIClient()
    api.force_authenticate(people["unit_staff"])
    body = api.get(f"/api/v1/directives/{d1.pk}/").content.decode()

    for text in (page, fragment, body):
        assert BUREAU_TEXT in text
        assert STREET_TEXT not in text
    dispatcher = Client()
    dispatcher.force_login(people["dispatcher"])
    assert STREET_TEXT in dispatcher.get(f"/directives/{d1.pk}/").content.decode()


def test_another_units_feedback_photo_is_a_404(two_directives, people):
    photo = DirectiveAttachment.objects.get(original_name="街道.jpg")
    staff, dispatcher = Client(), Client()
    staff.force_login(people["unit_staff"])
    dispatcher.force_login(people["dispatcher"])

    assert staff.get(f"/directives/attachments/{photo.pk}/").status_code == 404
    assert staff.get(f"/directives/attachments/{photo.pk}/thumbnail/").status_code == 404
    assert dispatcher.get(f"/directives/attachments/{photo.pk}/").status_code == 200
    assert dispatcher.get(f"/directives/attachments/{photo.pk}/thumbnail/")["Content-Type"] == "image/jpeg"


def snapshot(directive) -> list:
    rows = DirectiveTarget.objects.filter(directive=directive).order_by("pk")
    state = list(rows.values_list("status", "is_late", "urge_count", "feedback", "signed_by"))
    fresh = Directive.objects.get(pk=directive.pk)
    return [fresh.status, fresh.closed_at, directive.events.count(), state]


def test_refusals_in_the_api_answer_with_codes_and_change_nothing(issue, people, bureau, other_street):
    d1 = issue([bureau])
    d2 = issue([other_street])
    before = (snapshot(d1), snapshot(d2))

    def post(username, url, data=None):
        api = APIClient()
        api.force_authenticate(people[username])
        return api.post(url, data or {}, format="json")

    urge = post("unit_staff", f"/api/v1/directives/{d1.pk}/urge/")
    close = post("leader", f"/api/v1/directives/{d1.pk}/close/")
    sign = post("leader", f"/api/v1/directives/{d1.pk}/sign/")
    foreign = post("unit_staff", f"/api/v1/directives/{d2.pk}/feedback/", {"text": "越权反馈"})
    create = post(
        "unit_lead",
        "/api/v1/directives/",
        {"title": "越权下发", "unit_groups": ["all_streets"], "feedback_within_hours": 2},
    )

    assert (urge.status_code, urge.json()["code"]) == (403, "permission_denied")
    assert (close.status_code, close.json()["code"]) == (403, "permission_denied")
    assert (sign.status_code, sign.json()["code"]) == (403, "permission_denied")
    assert foreign.status_code == 404
    assert (create.status_code, create.json()["code"]) == (403, "permission_denied")
    assert (snapshot(d1), snapshot(d2)) == before
    assert Directive.objects.count() == 2


def test_refusals_in_the_web_change_nothing(issue, people, bureau, other_street):
    d1 = issue([bureau])
    d2 = issue([other_street])
    before = (snapshot(d1), snapshot(d2))
    staff, leader = Client(), Client()
    staff.force_login(people["unit_staff"])
    leader.force_login(people["leader"])

    assert staff.get("/directives/new/").status_code == 403
    assert staff.post("/directives/new/", {"title": "越权"}).status_code == 403
    assert staff.post(f"/directives/{d2.pk}/sign/").status_code == 404
    assert staff.post(f"/directives/{d1.pk}/urge/").status_code == 302
    assert leader.post(f"/directives/{d1.pk}/close/").status_code == 302
    assert leader.post(f"/directives/{d1.pk}/sign/").status_code == 302

    assert (snapshot(d1), snapshot(d2)) == before
    assert "error" in [m.tags for m in leader.get(f"/directives/{d1.pk}/").context["messages"]]
