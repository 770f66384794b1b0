"""Errors of the alerts app, each with a stable code the API, pages and tests match on."""

from enum import StrEnum

from envgrid.core.errors import DomainError


class AlertErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"


class AlertError(DomainError):
    """An alerts rule refused the request."""

    http_status = 400


class AlertPermissionDenied(AlertError):
    """Only administrators edit alert rules. HTTP 403."""

    http_status = 403

    def __init__(self, message: str):
        super().__init__(AlertErrorCode.PERMISSION_DENIED, message)
