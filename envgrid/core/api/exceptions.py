"""One error shape for the API: ``{"code": …, "detail": …}`` (plus ``fields`` for validation)."""

from django.core.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from envgrid.core.errors import DomainError, validation_messages


def exception_handler(exc, context):
    """Turn domain errors (with their stable code and HTTP status) and Django validation errors
    into API answers; everything else as DRF does it."""
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=getattr(exc, "http_status", 400))
    if isinstance(exc, ValidationError):
        return Response({"code": "invalid", "detail": str(exc), "fields": validation_messages(exc)}, status=400)
    return drf_exception_handler(exc, context)
