"""Files on a directive or a unit's feedback: the same checks as case evidence (type, size, EXIF)."""

from __future__ import annotations

from collections.abc import Sequence

from envgrid.cases.attachments import check_files, store_checked
from envgrid.cases.errors import CaseError
from envgrid.directives.errors import DirectiveError, DirectiveErrorCode


def files_check(files: Sequence) -> list[dict]:
    """Check every file before anything is stored: photos (JPEG, PNG, WebP, GIF), PDF, Word, Excel;
    at most 9 files of 15 MB each. Raises ``DirectiveError`` (attachment_refused) naming each bad file."""
    try:
        return check_files(list(files))
    except CaseError as exc:
        raise DirectiveError(DirectiveErrorCode.ATTACHMENT_REFUSED, exc.message) from None


def files_store(checked: Sequence[dict], *, directive, target=None, uploaded_by=None) -> list:
    """Store files already passed by ``files_check`` on the directive, or on one unit's row."""
    from envgrid.directives.models import DirectiveAttachment

    return store_checked(
        checked, new=lambda **f: DirectiveAttachment(directive=directive, target=target, **f), uploaded_by=uploaded_by
    )
