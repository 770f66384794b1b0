"""Writes of the notifications app: the in-app inbox, and outside deliveries with their retries.

Other apps call ``notify`` from inside their own transaction; inbox rows commit or roll back with
the business change, and nothing leaves the system before the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from envgrid.core.services import audit_record, on_commit
from envgrid.notifications.channels import SENDERS, ChannelError, channels_for
from envgrid.notifications.choices import OPEN_STATES, DeliveryState
from envgrid.notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)

#: A delivery that failed this many times is given up (state gave_up) until someone retries it.
MAX_ATTEMPTS = 6
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_CAP = dt.timedelta(hours=1)
#: While a worker sends, the delivery is not due; if the worker dies, the sweep retries after this.
SENDING_LEASE = dt.timedelta(minutes=5)
SWEEP_BATCH = 500


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4, 8, 16 … minutes, at most an hour."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def _active_unique(recipients: Iterable) -> list:
    users = {}
    for user in recipients:
        if user is not None and user.is_active and user.pk not in users:
            users[user.pk] = user
    return list(users.values())


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    verb: str,
    title: str,
    body: str = "",
    url: str = "",
    target: models.Model | None = None,
) -> list[Notification]:
    """Put a message in each active recipient's inbox and queue its e-mail/webhook copies for after commit.

    ``recipients`` is any iterable of users (a queryset, a list; ``None`` entries and repeats are
    skipped). ``verb`` is a dotted code such as ``case.dispatched``; ``url`` a site-relative link.
    Titles longer than 255 characters are cut: a long title must not fail the business change.
    """
    users = _active_unique(recipients)
    if not users:
        return []
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    notifications = []
    for user in users:
        notification = Notification(
            recipient=user,
            verb=verb,
            title=str(title)[:255],
            body=str(body),
            url=str(url),
            target_content_type=content_type,
            target_object_id=str(target.pk) if target is not None else "",
            created_at=now,
        )
        notification.full_clean(exclude=["recipient", "target_content_type"])
        notifications.append(notification)
    Notification.objects.bulk_create(notifications)
    deliveries = [
        Delivery(notification=n, channel=channel, created_at=now, next_attempt_at=now)
        for n in notifications
        for channel in channels_for(n.recipient)
    ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        on_commit(_enqueue, [d.pk for d in deliveries])
    return notifications


def _enqueue(delivery_ids: Sequence[int]) -> None:
    from envgrid.notifications import tasks  # the tasks call these services

    for delivery_id in delivery_ids:
        try:
            tasks.deliver(delivery_id)
        except Exception:  # the queue is down: the minute sweep still finds the due delivery
            logger.exception("Could not queue notification delivery %s", delivery_id)


@transaction.atomic
def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read; reading it again keeps the first time."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; return how many changed."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Send one delivery once if it is still open and due, and record the outcome; return its new state.

    Not one transaction on purpose: the row is claimed by a conditional UPDATE (so two workers
    never send the same attempt), then the network call runs with no transaction or lock open —
    on SQLite a write transaction held across a slow webhook would stall every other writer.
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, state__in=OPEN_STATES, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE
    )
    if not claimed:
        return None  # sent, given up, not yet due, or another worker has it
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    try:
        SENDERS[delivery.channel](delivery.notification)
    except Exception as exc:
        if not isinstance(exc, ChannelError):
            logger.exception("Notification delivery %s failed unexpectedly", delivery_id)
        return _record_failure(delivery, error=str(exc) or exc.__class__.__name__)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return DeliveryState.SENT


def _record_failure(delivery: Delivery, *, error: str) -> str:
    gave_up = delivery.attempts >= MAX_ATTEMPTS
    state = DeliveryState.GAVE_UP if gave_up else DeliveryState.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(
        state=state,
        last_error=error[:2000],
        next_attempt_at=None if gave_up else timezone.now() + retry_delay(delivery.attempts),
    )
    return state


def deliveries_enqueue_due(*, limit: int = SWEEP_BATCH) -> int:
    """Queue the open deliveries whose next attempt is due (failed ones, and any whose queueing was lost)."""
    due = (
        Delivery.objects.filter(state__in=OPEN_STATES, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    delivery_ids = list(due)
    _enqueue(delivery_ids)
    return len(delivery_ids)


@transaction.atomic
def deliveries_retry_now(*, actor, deliveries: Iterable[Delivery]) -> int:
    """Make unsent deliveries due now (a given-up one gets one more attempt) and queue them after commit."""
    retried = []
    for delivery in deliveries:
        if delivery.state == DeliveryState.SENT:
            continue
        before = {"state": delivery.state, "attempts": delivery.attempts}
        delivery.state = DeliveryState.FAILED if delivery.state == DeliveryState.GAVE_UP else delivery.state
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "next_attempt_at"])
        audit_record(actor=actor, action="notifications.delivery_retry", obj=delivery, before=before)
        retried.append(delivery.pk)
    if retried:
        on_commit(_enqueue, retried)
    return len(retried)
