"""Domain errors with stable codes: the API, htmx fragments and tests match on ``code``."""

from enum import StrEnum

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A business rule refused the request. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: str, message: str, *, details: dict | list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class PermissionDenied(DomainError):
    def __init__(self, message: str, *, code: str = "permission_denied"):
        super().__init__(code, message)


class EvidenceErrorCode(StrEnum):
    REFUSED = "attachment_refused"


class EvidenceError(DomainError):
    """An evidence file was refused (type, size, count, or a photo of too many pixels): HTTP 400.
    ``message`` names each bad file."""

    http_status = 400

    def __init__(self, message: str, *, code: str = EvidenceErrorCode.REFUSED):
        super().__init__(code, message)


def validation_messages(exc: ValidationError) -> dict[str, list[str]] | list[str]:
    """Flatten a Django ValidationError into field → messages (or a list) for API answers."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return [str(m) for m in exc.messages]


class IdempotencyConflict(DomainError):
    """An idempotency key came back with a different request than the one it first named: HTTP 422."""

    http_status = 422

    def __init__(self, message: str):
        super().__init__("idempotency_key_reused", message)
