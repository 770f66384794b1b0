"""Errors of the patrols app, each with a stable code the API, the pages and the tests match on."""

from enum import StrEnum

from envgrid.core.errors import DomainError


class PatrolErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    OUTSIDE_NIGHT_WINDOW = "outside_night_window"
    TIME_INVALID = "time_invalid"
    JOINT_NEEDS_UNITS = "joint_needs_units"
    CHECKLIST_INCOMPLETE = "checklist_incomplete"
    FINDING_REQUIRED = "finding_required"
    OBJECT_OUT_OF_SCOPE = "object_out_of_scope"
    ATTACHMENT_REFUSED = "attachment_refused"
    MEASURE_INVALID = "measure_invalid"
    MEASURES_PENDING = "measures_pending"
    #: Conflicts (HTTP 409): the record moved on under the caller.
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"


class PatrolError(DomainError):
    """A rule of inspections or enforcement refused the request."""

    http_status = 400


class PatrolConflict(PatrolError):
    """The enforcement case changed under the caller, or cannot move that way from where it is. HTTP 409."""

    http_status = 409


class PatrolPermissionDenied(PatrolError):
    http_status = 403

    def __init__(self, message: str):
        super().__init__(PatrolErrorCode.PERMISSION_DENIED, message)
