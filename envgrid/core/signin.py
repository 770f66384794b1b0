"""Sign-in abuse: how long an account waits after wrong passwords, and how often one address may try.

- **Per account, whatever the address.** Behind the reverse proxy every client arrives from the proxy's address,
  so counting failures per (username, address) locked an account for everybody; counting per address alone never
  slowed a guesser spraying names. Failures count per username (django-axes), and the client's address is read
  through the trusted proxies (``ENVGRID_TRUSTED_PROXIES``).
- **Progressive delays, not a hard lock.** After ``AXES_FAILURE_LIMIT`` wrong passwords the account waits one
  minute; every further round of failures within a day doubles the wait (2, 4, 8 … minutes, at most
  ``ENVGRID_SIGNIN_MAX_DELAY_MINUTES``). Someone who mistypes waits a minute; a guesser gets slower and slower.
- **A rate per address** on the sign-in form and the token endpoint (``ENVGRID_SIGNIN_RATE_PER_MINUTE``): many
  names tried from one address are refused with 429, whoever they belong to.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

#: How far back failures count toward the progression.
PROGRESSION_WINDOW = dt.timedelta(days=1)


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or with ``ENVGRID_TRUSTED_PROXIES`` = n the address the outermost of
    our n proxies saw (the n-th entry from the right of ``X-Forwarded-For``; entries left of it are the client's
    own claims and are never trusted)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.ENVGRID_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def cool_off(request: HttpRequest | None) -> dt.timedelta:
    """How long the account named in ``request`` waits after its latest round of failures (axes' cool-off)."""
    base = dt.timedelta(minutes=1)
    username = _username(request)
    if not username:
        return base
    from axes.models import AccessFailureLog

    since = timezone.now() - PROGRESSION_WINDOW
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count()
    rounds = max(failures // settings.AXES_FAILURE_LIMIT, 1)
    return min(base * 2 ** (rounds - 1), dt.timedelta(minutes=settings.ENVGRID_SIGNIN_MAX_DELAY_MINUTES))


def _username(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    from axes.helpers import get_client_username

    return get_client_username(request) or ""


def address_rate_exceeded(request: HttpRequest, scope: str) -> bool:
    """Count one attempt from this address in the current minute; True once it is over the rate."""
    window = int(time.time() // 60)
    key = f"signin-rate:{scope}:{client_ip(request)}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        attempts = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        attempts = 1
    return attempts > settings.ENVGRID_SIGNIN_RATE_PER_MINUTE


def lockout_response(request: HttpRequest, credentials: dict | None = None) -> HttpResponse:
    """What a locked account's sign-in gets (axes' lockout callable): 429, saying how long it waits."""
    minutes = max(round(cool_off(request).total_seconds() / 60), 1)
    if request.path.startswith("/api/"):
        detail = _("Too many wrong passwords: this account must wait %(n)d minutes.") % {"n": minutes}
        return JsonResponse({"code": "account_waiting", "detail": detail, "wait_minutes": minutes}, status=429)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    """429 for an address over the sign-in rate."""
    return render(request, "registration/locked_out.html", {"rate_limited": True}, status=429)
