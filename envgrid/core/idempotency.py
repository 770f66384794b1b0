"""Retries that do not write twice: a create that carries a client's key runs once per key.

A phone on a weak signal, a hotline platform whose request timed out, a partner's queue that redelivers: each
sends the same report again. With a key, the second request gets the first one's result. The key's row is
written in the same transaction as the work, so a crash leaves neither; two retries racing each other meet at
the row's unique constraint and the later one reads what the first one stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.errors import IdempotencyConflict
from envgrid.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def request_fingerprint(data: dict) -> str:
    """A digest of what a request asked for (values as text; uploaded files by name and size)."""

    def plain(value):
        if hasattr(value, "size") and hasattr(value, "name"):
            return f"file:{value.name}:{value.size}"
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return str(value)

    text = json.dumps({k: plain(v) for k, v in sorted(data.items())}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(*, scope: str, key: str, fingerprint: str, run: Callable[[], dict]) -> tuple[dict, bool]:
    """``run()`` once per ``(scope, key)``: returns ``(result, replayed)``. The first call stores ``run``'s
    result (a small JSON dict); a retry with the same key and request returns it with ``replayed=True``; the
    same key with another request raises ``IdempotencyConflict``."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyConflict(_("An idempotency key has 1 to %(n)d characters.") % {"n": MAX_KEY_LENGTH})
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
        except IntegrityError:
            # The key was used before, or by a retry that committed while this one waited on the row.
            return _replay(IdempotencyRecord.objects.get(scope=scope, key=key), fingerprint), True
        record.result = run()
        record.save(update_fields=["result"])
        return record.result, False


def _replay(record: IdempotencyRecord, fingerprint: str) -> dict:
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("The idempotency key %(key)s was already used for a different request.") % {"key": record.key}
        )
    return record.result


def idempotency_purge(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than ``ENVGRID_IDEMPOTENCY_DAYS``; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.ENVGRID_IDEMPOTENCY_DAYS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
