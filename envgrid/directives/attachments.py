"""Files on a directive or a unit's feedback: the same checks as case evidence (type, size, EXIF)."""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Sequence
from pathlib import PurePath

from django.core.files.base import ContentFile

from envgrid.cases.attachments import IMAGE_TYPES, check_files, photo_evidence
from envgrid.cases.errors import CaseError
from envgrid.directives.errors import DirectiveError, DirectiveErrorCode

THUMBNAIL_SIZE = (480, 480)


def files_check(files: Sequence) -> list[dict]:
    """Check every file before anything is stored: photos (JPEG, PNG, WebP, GIF), PDF, Word, Excel;
    at most 9 files of 15 MB each. Raises ``DirectiveError`` (attachment_refused) naming each bad file."""
    try:
        return check_files(list(files))
    except CaseError as exc:
        raise DirectiveError(DirectiveErrorCode.ATTACHMENT_REFUSED, exc.message) from None


def _thumbnail(image) -> bytes:
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def files_store(checked: Sequence[dict], *, directive, target=None, uploaded_by=None) -> list:
    """Store files already passed by ``files_check`` on the directive, or on one unit's row."""
    from envgrid.directives.models import DirectiveAttachment

    stored = []
    for item in checked:
        image = item["image"]
        attachment = DirectiveAttachment(
            directive=directive,
            target=target,
            original_name=item["name"][:200],
            content_type=IMAGE_TYPES[image.format]
            if image
            else (mimetypes.guess_type(item["name"])[0] or "application/octet-stream"),
            size=len(item["data"]),
            is_image=image is not None,
            uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
            **(photo_evidence(image) if image else {}),
        )
        attachment.file.save(item["name"], ContentFile(item["data"]), save=False)
        if image is not None:
            stem = PurePath(item["name"]).stem
            attachment.thumbnail.save(f"thumb_{stem}.jpg", ContentFile(_thumbnail(image)), save=False)
        attachment.save()
        stored.append(attachment)
    return stored
