import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from envgrid.core.models import Unit
from envgrid.core.tests.factories import UserFactory
from envgrid.notifications.models import Notification
from envgrid.notifications.services import notify
from envgrid.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang():
    return UserFactory(username="wang")


@pytest.fixture
def api(wang):
    client = APIClient()
    client.force_authenticate(wang)
    return client


def test_list_holds_only_my_notifications_unread_first(api, wang):
    read = NotificationFactory(recipient=wang)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    unread = NotificationFactory(recipient=wang)
    NotificationFactory()

    body = api.get(reverse("api-notification-list")).json()

    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [unread.pk, read.pk]
    assert body["results"][0]["is_read"] is False
    assert body["results"][1]["is_read"] is True


def test_list_filters_unread(api, wang):
    unread = NotificationFactory(recipient=wang)
    NotificationFactory(recipient=wang, read_at=unread.created_at)

    body = api.get(reverse("api-notification-list"), {"unread": "true"}).json()

    assert [n["id"] for n in body["results"]] == [unread.pk]


def test_list_shows_the_target_of_a_notification(api, wang):
    unit = Unit.objects.create(name="交通局")
    notify(recipients=[wang], verb="directive.sent", title="调度指令", url="/", target=unit)

    (item,) = api.get(reverse("api-notification-list")).json()["results"]

    assert item["verb"] == "directive.sent"
    assert (item["target_type"], item["target_object_id"]) == ("core.unit", str(unit.pk))


def test_read_marks_my_notification_read(api, wang):
    notification = NotificationFactory(recipient=wang)

    response = api.post(reverse("api-notification-read", args=[notification.pk]))

    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_read_of_someone_elses_notification_is_404_and_changes_nothing(api):
    theirs = NotificationFactory()

    response = api.post(reverse("api-notification-read", args=[theirs.pk]))

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_all_marks_only_my_notifications(api, wang):
    NotificationFactory.create_batch(2, recipient=wang)
    theirs = NotificationFactory()

    response = api.post(reverse("api-notification-read-all"))

    assert response.json() == {"updated": 2}
    assert not Notification.objects.filter(recipient=wang, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_notifications_need_authentication():
    client = APIClient()
    assert client.get(reverse("api-notification-list")).status_code in (401, 403)
    assert client.post(reverse("api-notification-read-all")).status_code in (401, 403)


@pytest.mark.parametrize("count", [3, 40])
def test_list_costs_a_fixed_number_of_queries(api, wang, count, django_assert_max_num_queries):
    NotificationFactory.create_batch(count, recipient=wang)
    with django_assert_max_num_queries(2):  # count, rows (with their content type)
        response = api.get(reverse("api-notification-list"))
    assert response.json()["count"] == count
