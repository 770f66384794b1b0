"""Background jobs of the notifications app: thin, idempotent callers of the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from envgrid.notifications.services import deliveries_enqueue_due, delivery_attempt


@db_task()
def deliver(delivery_id: int):
    """Try one e-mail/webhook delivery; a sent or given-up delivery is left alone."""
    return delivery_attempt(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def retry_due_deliveries():
    """Every minute: queue the failed deliveries whose back-off has passed."""
    return deliveries_enqueue_due()
