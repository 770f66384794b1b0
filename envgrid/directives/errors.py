"""Errors of directives, each with a stable code the API, the pages and the tests match on."""

from enum import StrEnum

from envgrid.core.errors import DomainError


class DirectiveErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    NO_UNITS = "no_units"
    FEEDBACK_REQUIRED = "feedback_required"
    FIGURES_INVALID = "figures_invalid"
    ATTACHMENT_REFUSED = "attachment_refused"
    #: Conflicts (HTTP 409): the directive or the unit's row moved on under the caller.
    CLOSED = "directive_closed"
    ALREADY_SIGNED = "already_signed"
    ALREADY_FED_BACK = "already_fed_back"
    NOTHING_TO_URGE = "nothing_to_urge"


class DirectiveError(DomainError):
    """A directive rule refused the request."""

    http_status = 400


class DirectiveConflict(DirectiveError):
    """The directive changed under the caller (closed, or another member of the unit acted first). HTTP 409."""

    http_status = 409


class DirectivePermissionDenied(DirectiveError):
    http_status = 403

    def __init__(self, message: str):
        super().__init__(DirectiveErrorCode.PERMISSION_DENIED, message)
