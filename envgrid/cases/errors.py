"""Errors of the closed loop, each with a stable code the API, htmx fragments and tests match on."""

from enum import StrEnum

from envgrid.core.errors import DomainError


class CaseErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    PERMISSION_DENIED = "permission_denied"
    REASON_REQUIRED = "reason_required"
    INVALID = "invalid"
    NO_ROUTE = "no_route"
    NO_GRID = "no_grid"
    SAME_PERSON = "same_person"
    ATTACHMENT_REFUSED = "attachment_refused"


class CaseError(DomainError):
    """A closed-loop rule refused the request."""

    http_status = 400


class CaseConflict(CaseError):
    """The case moved on (another user acted first): reload and try again. HTTP 409."""

    http_status = 409


class CasePermissionDenied(CaseError):
    http_status = 403

    def __init__(self, message: str):
        super().__init__(CaseErrorCode.PERMISSION_DENIED, message)
