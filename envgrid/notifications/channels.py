"""Outside channels: e-mail through Django's mail settings, and a generic JSON webhook.

The webhook is how EnvGrid reaches an SMS gateway or a WeChat Work (企业微信) bot without code for
each vendor: a small relay on the intranet turns the JSON into the vendor's call. Each sender
raises ``ChannelError`` on failure and returns normally on success; retries are the caller's.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail

from envgrid.notifications.choices import DeliveryChannel
from envgrid.notifications.models import Notification

WEBHOOK_TIMEOUT_SECONDS = 10


class ChannelError(Exception):
    """A delivery failed; the message says why (it is kept as the delivery's last error)."""


def email_enabled() -> bool:
    return bool(getattr(settings, "ENVGRID_NOTIFY_EMAIL", False))


def webhook_url() -> str:
    return getattr(settings, "ENVGRID_NOTIFY_WEBHOOK_URL", "") or ""


def channels_for(user) -> list[str]:
    """The outside channels a notification to this user goes by, as configured now."""
    channels = []
    if email_enabled() and user.email:
        channels.append(DeliveryChannel.EMAIL)
    if webhook_url():
        channels.append(DeliveryChannel.WEBHOOK)
    return channels


def absolute_url(url: str) -> str:
    """Prefix a site-relative link with ENVGRID_SITE_URL, when set, so it works outside the browser."""
    base = getattr(settings, "ENVGRID_SITE_URL", "") or ""
    if url.startswith("/") and base:
        return base.rstrip("/") + url
    return url


def send_email(notification: Notification) -> None:
    """Send the notification to its recipient's e-mail address with the configured backend."""
    address = notification.recipient.email
    if not address:
        raise ChannelError("The recipient has no e-mail address.")
    link = absolute_url(notification.url)
    message = "\n\n".join(part for part in (notification.body, link) if part)
    try:
        send_mail(notification.title, message, None, [address], fail_silently=False)
    except Exception as exc:  # SMTP, socket and backend errors all mean "try again later"
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc


def webhook_payload(notification: Notification) -> dict:
    user = notification.recipient
    return {
        "id": notification.pk,
        "recipient": {
            "username": user.username,
            "display_name": user.display_name or user.get_full_name() or user.username,
            "phone": user.phone,
            "email": user.email,
        },
        "verb": notification.verb,
        "title": notification.title,
        "body": notification.body,
        "url": absolute_url(notification.url),
        "created_at": notification.created_at.isoformat(),
    }


def send_webhook(notification: Notification) -> None:
    """POST the notification as JSON to ENVGRID_NOTIFY_WEBHOOK_URL; any 2xx answer counts as sent."""
    url = webhook_url()
    if urlsplit(url).scheme not in ("http", "https"):
        raise ChannelError(f"The webhook URL {url!r} is not http(s).")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "EnvGrid-notify/1"}
    if token := getattr(settings, "ENVGRID_NOTIFY_WEBHOOK_TOKEN", ""):
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(webhook_payload(notification), ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout
        raise ChannelError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    if not 200 <= status < 300:
        raise ChannelError(f"HTTP {status}")


SENDERS = {DeliveryChannel.EMAIL: send_email, DeliveryChannel.WEBHOOK: send_webhook}
