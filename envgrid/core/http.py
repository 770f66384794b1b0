"""Small HTTP guards every app shares: where a ``next`` may send the user, and how large a request may be."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def next_url(request: HttpRequest, fallback: str) -> str:
    """The ``next`` the form posted when it stays on this site (a path or this host), else ``fallback``: a
    crafted link must not turn a form into a redirect to another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than ``ENVGRID_MAX_REQUEST_BYTES`` with 413, before any
    of it is read (the CSRF check would otherwise parse a multipart body of any size, even without sign-in)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.ENVGRID_MAX_REQUEST_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > self.limit:
            return self._too_large(request, declared)
        return self.get_response(request)

    def _too_large(self, request: HttpRequest, declared: int) -> HttpResponse:
        message = _("The request is too large: %(size).1f MB; at most %(limit).0f MB may be sent at once.") % {
            "size": declared / 2**20,
            "limit": self.limit / 2**20,
        }
        if request.path.startswith(("/api/", "/open311/")):
            return JsonResponse({"code": "request_too_large", "detail": message}, status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
