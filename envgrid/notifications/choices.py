from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryChannel(models.TextChoices):
    """Outside channels a notification may also travel by; the in-app inbox needs none of them."""

    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryState(models.TextChoices):
    """Where one outside delivery stands; kept apart from the status of the case it is about."""

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Gave up")


STATE_COLOURS = {
    DeliveryState.PENDING: "secondary",
    DeliveryState.SENT: "success",
    DeliveryState.FAILED: "warning",
    DeliveryState.GAVE_UP: "danger",
}

#: States from which a delivery is still tried (when its next attempt is due).
OPEN_STATES = frozenset({DeliveryState.PENDING, DeliveryState.FAILED})
