"""Errors of the sources app, each with a stable code the API, the pages and the tests match on."""

from enum import StrEnum

from envgrid.core.errors import DomainError


class SourcesErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    OUTSIDE_GRIDS = "outside_grids"
    #: Conflicts (HTTP 409): the change would contradict what is already recorded.
    RESPONSIBILITY_OVERLAP = "responsibility_overlap"
    RESPONSIBILITY_ENDED = "responsibility_ended"
    IMPORT_INVALID = "import_invalid"
    IMPORT_STATE = "import_state"


class SourcesError(DomainError):
    """A rule of the sources app refused the request."""

    http_status = 400


class SourcesConflict(SourcesError):
    """The change contradicts a recorded responsibility (overlapping period, already ended). HTTP 409."""

    http_status = 409


class SourcesPermissionDenied(SourcesError):
    http_status = 403

    def __init__(self, message: str):
        super().__init__(SourcesErrorCode.PERMISSION_DENIED, message)
