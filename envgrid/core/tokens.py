"""API tokens: issued, checked, listed and revoked here, audited, stored only as hashes.

A key is 40 random hex digits shown once; the database keeps its SHA-256 (a key has 160 random bits, so a fast
hash is enough) and its first eight digits to tell keys apart. A key stops working when it expires
(``ENVGRID_API_TOKEN_DAYS``), when it is revoked, or when its user's password changes — whichever way the password
changed (the sign-in page, the admin, ``manage.py changepassword``), because the token remembers a fingerprint of
the password hash it was issued under, as Django's sessions do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from envgrid.core.models import ApiToken, User
from envgrid.core.services import audit_record

#: A token's last use is written at most this often (not on every request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _password_fingerprint(user: User) -> str:
    return salted_hmac("envgrid.core.tokens", user.password, algorithm="sha256").hexdigest()


@transaction.atomic
def api_token_issue(*, user: User, actor: User | None, name: str = "") -> tuple[ApiToken, str]:
    """Issue a new token for ``user``; returns it and its key, which is never stored or shown again."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=key[:8],
        key_hash=_hash(key),
        password_fingerprint=_password_fingerprint(user),
        expires_at=timezone.now() + dt.timedelta(days=settings.ENVGRID_API_TOKEN_DAYS),
    )
    audit_record(actor=actor, action="api_token.issue", obj=token, after={"name": token.name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke one token (its owner or an administrator); revoking a revoked token changes nothing."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=locked, before={"prefix": locked.prefix})
    return locked


def api_token_user(key: str) -> tuple[User, ApiToken] | None:
    """The user and token a presented key stands for, or None when it is unknown, expired, revoked, its user is
    inactive or their password changed since it was issued."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if not constant_time_compare(token.password_fingerprint, _password_fingerprint(token.user)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def api_tokens_of(user: User):
    """The user's tokens, newest first, with whether each still works."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


#: How long a dead token (expired or revoked) stays listed before it is deleted.
DEAD_TOKEN_DAYS = 30


def api_tokens_purge(*, now: dt.datetime | None = None) -> int:
    """Delete tokens that expired or were revoked more than ``DEAD_TOKEN_DAYS`` ago (each token request makes
    a new token, so a script that asks every time would otherwise fill the table); returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=DEAD_TOKEN_DAYS)
    dead = ApiToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff))
    deleted, _by_model = dead.delete()
    return deleted
