import pytest
from django.urls import reverse

from envgrid.core.tests.factories import UserFactory
from envgrid.notifications.choices import DeliveryChannel, DeliveryState
from envgrid.notifications.models import Delivery
from envgrid.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_lists_notifications_and_deliveries(admin_client):
    notification = NotificationFactory(title="案件已派遣")
    Delivery.objects.create(notification=notification, channel=DeliveryChannel.EMAIL, state=DeliveryState.FAILED)

    changelist = admin_client.get(reverse("admin:notifications_notification_changelist"))
    detail = admin_client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))

    assert "案件已派遣" in changelist.content.decode()
    assert detail.status_code == 200
    assert admin_client.get(reverse("admin:notifications_delivery_changelist")).status_code == 200


def test_admin_retry_now_action_queues_the_delivery_again(admin_client, settings, django_capture_on_commit_callbacks):
    settings.ENVGRID_NOTIFY_EMAIL = True
    notification = NotificationFactory(recipient=UserFactory(email="wang@example.cn"))
    delivery = Delivery.objects.create(
        notification=notification, channel=DeliveryChannel.EMAIL, state=DeliveryState.GAVE_UP, attempts=6
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "retry_now", "_selected_action": [delivery.pk]},
        )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 7)
