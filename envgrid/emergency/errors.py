"""Errors of the emergency app, each with a stable code the API, the pages and the tests match on."""

from enum import StrEnum

from envgrid.core.errors import DomainError
from envgrid.core.spreadsheets import FileRefused, RowError, RowsRefused


class EmergencyErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    IMPORT_INVALID = "import_invalid"
    IMPORT_UNREADABLE = "import_unreadable"
    NOTE_REQUIRED = "note_required"
    PHOTO_REQUIRED = "photo_required"
    ATTACHMENT_REFUSED = "attachment_refused"
    #: Conflicts (HTTP 409): the warning or the check moved on under the caller.
    INVALID_TRANSITION = "invalid_transition"
    ANOTHER_ACTIVE = "another_warning_active"
    ALREADY_RECORDED = "already_recorded"
    WARNING_NOT_ACTIVE = "warning_not_active"


class EmergencyError(DomainError):
    """An emergency rule refused the request."""

    http_status = 400


class EmergencyConflict(EmergencyError):
    """The warning or spot check changed under the caller. HTTP 409."""

    http_status = 409


class EmergencyPermissionDenied(EmergencyError):
    http_status = 403

    def __init__(self, message: str):
        super().__init__(EmergencyErrorCode.PERMISSION_DENIED, message)


#: Larger Excel uploads are refused with ``ImportUnreadable``.
MAX_IMPORT_BYTES = 10 * 1024 * 1024


class ImportUnreadable(FileRefused, EmergencyError):
    """An Excel file that cannot be read as a whole (format, size, a required column missing)."""


class ImportInvalid(RowsRefused, EmergencyError):
    """An Excel import refused as a whole: ``errors`` and ``details`` list every bad row as
    {row, column, message, …}."""

    def __init__(self, errors: list[RowError], *, total: int):
        super().__init__(errors, total=total, code=EmergencyErrorCode.IMPORT_INVALID)
        self.errors = self.details = [e.as_dict() for e in errors]
