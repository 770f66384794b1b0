import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from envgrid.core.models import AuditEvent, Unit
from envgrid.core.tests.factories import UserFactory
from envgrid.notifications import channels, services
from envgrid.notifications.choices import DeliveryChannel, DeliveryState
from envgrid.notifications.models import Delivery, Notification
from envgrid.notifications.services import (
    MAX_ATTEMPTS,
    deliveries_enqueue_due,
    deliveries_retry_now,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
    retry_delay,
)
from envgrid.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_on(settings):
    settings.ENVGRID_NOTIFY_EMAIL = True
    settings.ENVGRID_NOTIFY_WEBHOOK_URL = ""


def _notify(recipients, **kwargs):
    params = {"verb": "case.dispatched", "title": "案件 20260301-000042 已派遣至贵单位", "url": "/cases/42/"}
    return notify(recipients=recipients, **(params | kwargs))


# --- the inbox ---------------------------------------------------------------------------------


def test_notify_writes_one_inbox_row_per_active_recipient_without_repeats():
    wang, li = UserFactory(username="wang"), UserFactory(username="li")
    gone = UserFactory(username="gone", is_active=False)

    created = _notify([wang, li, wang, None, gone], body="请于 24 小时内处置")

    assert [n.recipient.username for n in created] == ["wang", "li"]
    rows = Notification.objects.order_by("recipient__username")
    assert [(n.recipient.username, n.verb, n.url, n.read_at) for n in rows] == [
        ("li", "case.dispatched", "/cases/42/", None),
        ("wang", "case.dispatched", "/cases/42/", None),
    ]
    assert rows[0].body == "请于 24 小时内处置"


def test_notify_accepts_a_queryset_and_records_the_target():
    unit = Unit.objects.create(name="生态环境分局")
    UserFactory(username="a", unit=unit)
    UserFactory(username="b", unit=unit)

    created = _notify(Unit.objects.get(pk=unit.pk).users.all(), target=unit)

    assert len(created) == 2
    assert {n.target for n in Notification.objects.all()} == {unit}
    assert Notification.objects.filter(target_object_id=str(unit.pk)).count() == 2


def test_notify_to_nobody_writes_nothing():
    assert _notify([]) == []
    assert _notify([UserFactory(is_active=False)]) == []
    assert not Notification.objects.exists()


def test_notify_refuses_a_verb_that_is_not_a_dotted_code():
    with pytest.raises(ValidationError) as excinfo:
        _notify([UserFactory()], verb="Case Dispatched")
    assert "verb" in excinfo.value.message_dict
    assert not Notification.objects.exists()


def test_notify_cuts_an_over_long_title_instead_of_failing_the_business_change():
    (created,) = _notify([UserFactory()], title="长" * 400)
    assert len(Notification.objects.get(pk=created.pk).title) == 255


def test_notify_costs_the_same_few_queries_for_many_recipients(email_on, django_assert_max_num_queries):
    users = [UserFactory(email=f"u{i}@example.cn") for i in range(30)]
    unit = Unit.objects.create(name="住建局")
    with django_assert_max_num_queries(5):  # savepoint, content type, two bulk inserts, release
        _notify(users, target=unit)
    assert Notification.objects.count() == 30
    assert Delivery.objects.count() == 30


# --- after commit only --------------------------------------------------------------------------


def test_nothing_is_sent_and_no_row_is_kept_when_the_transaction_rolls_back(
    email_on, django_capture_on_commit_callbacks
):
    user = UserFactory(email="wang@example.cn")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _notify([user])
            assert Notification.objects.count() == 1  # visible inside the transaction
            raise RuntimeError("the case transition failed")

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_email_is_sent_only_after_commit(email_on, settings, django_capture_on_commit_callbacks):
    settings.ENVGRID_SITE_URL = "https://envgrid.example.gov.cn/"
    user = UserFactory(email="wang@example.cn")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify([user], body="道路扬尘")
        assert mail.outbox == []
        assert Delivery.objects.get().state == DeliveryState.PENDING

    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["wang@example.cn"]
    assert message.subject == "案件 20260301-000042 已派遣至贵单位"
    assert message.body == "道路扬尘\n\nhttps://envgrid.example.gov.cn/cases/42/"
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.state, delivery.attempts, delivery.last_error) == ("email", "sent", 1, "")
    assert delivery.sent_at is not None and delivery.next_attempt_at is None


def test_no_email_delivery_without_an_address_or_when_email_is_off(settings, django_capture_on_commit_callbacks):
    settings.ENVGRID_NOTIFY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory(email="")])
    settings.ENVGRID_NOTIFY_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory(email="li@example.cn")])

    assert Notification.objects.count() == 2
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_a_failing_mail_server_leaves_the_delivery_failed_for_a_retry(
    email_on, monkeypatch, clock, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(channels, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory(email="wang@example.cn")])

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert "Connection refused" in delivery.last_error
    assert delivery.next_attempt_at == clock.now + dt.timedelta(minutes=1)


# --- the webhook --------------------------------------------------------------------------------


def test_webhook_posts_the_notification_as_json_with_the_bearer_token(webhook, django_capture_on_commit_callbacks):
    user = UserFactory(username="wang", display_name="王网格员", phone="138", email="wang@example.cn")

    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = _notify([user], body="道路扬尘")
        assert webhook.requests == []

    (received,) = webhook.requests
    assert received["path"] == "/hook"
    assert received["headers"]["Authorization"] == "Bearer s3cret"
    assert received["headers"]["Content-Type"].startswith("application/json")
    assert received["json"] == {
        "id": notification.pk,
        "recipient": {"username": "wang", "display_name": "王网格员", "phone": "138", "email": "wang@example.cn"},
        "verb": "case.dispatched",
        "title": "案件 20260301-000042 已派遣至贵单位",
        "body": "道路扬尘",
        "url": "/cases/42/",
        "created_at": notification.created_at.isoformat(),
    }
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.state, delivery.attempts) == (DeliveryChannel.WEBHOOK, DeliveryState.SENT, 1)


def test_webhook_failures_back_off_exponentially_then_succeed(webhook, clock, django_capture_on_commit_callbacks):
    webhook.statuses = [500, 502, 503]
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 1, "HTTP 500 Internal Server Error")
    assert delivery.next_attempt_at == clock.now + dt.timedelta(minutes=1)

    clock.advance(seconds=59)
    assert deliveries_enqueue_due() == 0  # not due yet
    clock.advance(seconds=1)
    assert deliveries_enqueue_due() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 2)
    assert delivery.next_attempt_at == clock.now + dt.timedelta(minutes=2)

    clock.advance(minutes=2)
    deliveries_enqueue_due()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (3, clock.now + dt.timedelta(minutes=4))

    clock.advance(minutes=4)
    deliveries_enqueue_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 4, "")
    assert delivery.sent_at == clock.now
    assert len(webhook.requests) == 4


def test_webhook_gives_up_after_the_last_attempt(webhook, clock, django_capture_on_commit_callbacks):
    webhook.statuses = [500] * 10
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])

    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(hours=1)
        deliveries_enqueue_due()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("gave_up", MAX_ATTEMPTS, None)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert len(webhook.requests) == MAX_ATTEMPTS


def test_a_sent_delivery_is_never_sent_again(webhook, clock, django_capture_on_commit_callbacks):
    from envgrid.notifications.tasks import deliver

    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    delivery = Delivery.objects.get()

    clock.advance(hours=2)
    deliver(delivery.pk)
    deliveries_enqueue_due()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 1)
    assert len(webhook.requests) == 1


def test_a_webhook_that_does_not_answer_in_time_counts_as_a_failure(
    webhook, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(channels, "WEBHOOK_TIMEOUT_SECONDS", 0.2)
    webhook.delay = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert "timed out" in delivery.last_error


def test_an_unreachable_webhook_counts_as_a_failure(settings, django_capture_on_commit_callbacks):
    settings.ENVGRID_NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/hook"  # the discard port: nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error.startswith("URLError")


def test_a_non_http_webhook_url_is_never_opened(settings, django_capture_on_commit_callbacks):
    settings.ENVGRID_NOTIFY_WEBHOOK_URL = "file:///etc/passwd"
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    assert "not http(s)" in Delivery.objects.get().last_error


def test_retry_delay_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_retry_now_gives_a_given_up_delivery_one_more_attempt_and_is_audited(
    webhook, clock, django_capture_on_commit_callbacks
):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    webhook.statuses = [500] * MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    Delivery.objects.update(state=DeliveryState.GAVE_UP, attempts=MAX_ATTEMPTS, next_attempt_at=None)
    webhook.statuses = []

    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_retry_now(actor=admin, deliveries=Delivery.objects.all()) == 1

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("sent", MAX_ATTEMPTS + 1)
    event = AuditEvent.objects.get(action="notifications.delivery_retry")
    assert event.actor == admin and event.before == {"state": "gave_up", "attempts": MAX_ATTEMPTS}


def test_a_broken_queue_does_not_fail_the_commit_and_the_sweep_sends_later(
    webhook, monkeypatch, django_capture_on_commit_callbacks
):
    from envgrid.notifications import tasks

    real_deliver = tasks.deliver
    monkeypatch.setattr(tasks, "deliver", lambda pk: (_ for _ in ()).throw(ConnectionError("redis is down")))
    with django_capture_on_commit_callbacks(execute=True):
        _notify([UserFactory()])
    assert Delivery.objects.get().state == DeliveryState.PENDING

    monkeypatch.setattr(tasks, "deliver", real_deliver)
    assert deliveries_enqueue_due() == 1
    assert Delivery.objects.get().state == DeliveryState.SENT


# --- reading --------------------------------------------------------------------------------------


def test_mark_read_keeps_the_first_read_time(clock):
    notification = NotificationFactory()
    notification_mark_read(user=notification.recipient, notification=notification)
    first = notification.read_at
    clock.advance(minutes=5)
    notification_mark_read(user=notification.recipient, notification=notification)
    assert first == clock.now - dt.timedelta(minutes=5)
    assert Notification.objects.get().read_at == first


def test_mark_read_refuses_someone_elses_notification():
    notification = NotificationFactory()
    with pytest.raises(PermissionDenied):
        notification_mark_read(user=UserFactory(), notification=notification)
    assert Notification.objects.get().read_at is None


def test_mark_all_read_touches_only_the_users_own_unread_notifications():
    mine = NotificationFactory.create_batch(3)
    me = mine[0].recipient
    Notification.objects.filter(pk__in=[n.pk for n in mine]).update(recipient=me)
    theirs = NotificationFactory()

    assert notifications_mark_all_read(user=me) == 3
    assert notifications_mark_all_read(user=me) == 0
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_delivery_attempt_for_an_unknown_id_does_nothing():
    assert services.delivery_attempt(delivery_id=999999) is None


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_sends_the_email_and_a_real_rollback_sends_nothing(email_on):
    user = UserFactory(email="wang@example.cn")

    with pytest.raises(RuntimeError), transaction.atomic():
        _notify([user], title="回滚的通知")
        raise RuntimeError
    with transaction.atomic():
        _notify([user], title="提交的通知")
        assert mail.outbox == []

    assert [m.subject for m in mail.outbox] == ["提交的通知"]
    assert list(Notification.objects.values_list("title", flat=True)) == ["提交的通知"]
    assert Delivery.objects.get().state == DeliveryState.SENT
