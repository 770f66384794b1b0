"""Files on a directive or a unit's feedback: checked and stored by ``envgrid.core.evidence`` (type, size,
pixels, EXIF), like every evidence file."""

from __future__ import annotations

from collections.abc import Sequence

from envgrid.core.evidence import check_files, store_checked


def files_check(files: Sequence) -> list[dict]:
    """Check every file before anything is stored: photos (JPEG, PNG, WebP, GIF), PDF, Word, Excel;
    at most 9 files of 15 MB each. Raises ``EvidenceError`` (attachment_refused) naming each bad file."""
    return check_files(files)


def files_store(checked: Sequence[dict], *, directive, target=None, uploaded_by=None) -> list:
    """Store files already passed by ``files_check`` on the directive, or on one unit's row."""
    from envgrid.directives.models import DirectiveAttachment

    return store_checked(
        checked, new=lambda **f: DirectiveAttachment(directive=directive, target=target, **f), uploaded_by=uploaded_by
    )
