import pytest
from django.urls import reverse

from envgrid.core.tests.factories import UserFactory
from envgrid.notifications.models import Notification
from envgrid.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(client):
    user = UserFactory(username="wang")
    client.force_login(user)
    return user


def test_inbox_lists_only_my_notifications_unread_first(client, wang):
    old_unread = NotificationFactory(recipient=wang, title="旧的未读")
    read = NotificationFactory(recipient=wang, title="已读的")
    new_unread = NotificationFactory(recipient=wang, title="新的未读")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    NotificationFactory(title="别人的通知")

    response = client.get(reverse("notification-list"))

    assert response.status_code == 200
    assert [n.pk for n in response.context["page"]] == [new_unread.pk, old_unread.pk, read.pk]
    assert "别人的通知" not in response.content.decode()


def test_inbox_can_show_unread_only(client, wang):
    unread = NotificationFactory(recipient=wang)
    NotificationFactory(recipient=wang, read_at=unread.created_at)

    response = client.get(reverse("notification-list"), {"unread": "true"})

    assert [n.pk for n in response.context["page"]] == [unread.pk]


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(client, wang):
    notification = NotificationFactory(recipient=wang, url="/grids/")

    response = client.get(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response.url == "/grids/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_a_notification_with_an_outside_link_stays_in_the_inbox(client, wang):
    notification = NotificationFactory(recipient=wang, url="https://evil.example.com/")

    response = client.get(reverse("notification-open", args=[notification.pk]))

    assert response.url == reverse("notification-list")


def test_someone_elses_notification_is_404_and_stays_unread(client, wang):
    theirs = NotificationFactory(url="/grids/")

    assert client.get(reverse("notification-open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_one_read_returns_to_the_inbox(client, wang):
    notification = NotificationFactory(recipient=wang)

    response = client.post(reverse("notification-read", args=[notification.pk]), {"next": "/notifications/?page=2"})

    assert response.url == "/notifications/?page=2"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_all_read_is_post_only_and_leaves_other_users_alone(client, wang):
    NotificationFactory.create_batch(2, recipient=wang)
    theirs = NotificationFactory()

    assert client.get(reverse("notification-read-all")).status_code == 405
    response = client.post(reverse("notification-read-all"), follow=True)

    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=wang, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "2" in str(list(response.context["messages"])[0])


def test_navbar_bell_shows_my_unread_count(client, wang):
    NotificationFactory.create_batch(3, recipient=wang)
    NotificationFactory(recipient=wang, read_at=NotificationFactory().created_at)

    html = client.get(reverse("home")).content.decode()

    assert 'data-testid="notification-bell"' in html
    assert 'data-testid="notification-unread">3</span>' in html


def test_navbar_bell_has_no_badge_when_all_is_read(client, wang):
    NotificationFactory(recipient=wang, read_at=NotificationFactory().created_at)

    html = client.get(reverse("home")).content.decode()

    assert 'data-testid="notification-bell"' in html
    assert 'data-testid="notification-unread"' not in html


def test_inbox_is_for_signed_in_users_only(client):
    response = client.get(reverse("notification-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("count", [3, 40])
def test_inbox_page_costs_a_fixed_number_of_queries(client, wang, count, django_assert_max_num_queries):
    NotificationFactory.create_batch(count, recipient=wang)
    # session, user, the user's unit (user menu), unread badge, page count, page rows
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notification-list"))
    assert len(response.context["page"]) == count
