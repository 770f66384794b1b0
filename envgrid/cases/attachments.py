"""Evidence files on a case: type and size checked, a photo's EXIF time and GPS kept, thumbnails."""

from __future__ import annotations

import datetime as dt
import io
import mimetypes
from collections.abc import Sequence
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

from envgrid.cases.errors import CaseError, CaseErrorCode

MAX_BYTES = 15 * 1024 * 1024
MAX_FILES = 9
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
DOCUMENT_EXTENSIONS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".txt"}
THUMBNAIL_SIZE = (480, 480)


def _gps_degrees(values, ref) -> float | None:
    try:
        degrees, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if ref in ("S", "W") else value


def photo_evidence(image: Image.Image) -> dict:
    """EXIF capture time (as China local time when the camera gave none) and GPS position."""
    exif = image.getexif()
    found: dict = {}
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    stamp = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if isinstance(stamp, str):
        try:
            naive = dt.datetime.strptime(stamp.strip(), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 — EXIF has no zone
            found["taken_at"] = timezone.make_aware(naive)
        except ValueError:
            pass
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if gps:
        lat = _gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
        lon = _gps_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            found["taken_lat"], found["taken_lon"] = lat, lon
    return found


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def check_files(files: Sequence) -> list[dict]:
    """Check every file before anything is stored; raise one error naming each bad file."""
    if len(files) > MAX_FILES:
        raise CaseError(CaseErrorCode.ATTACHMENT_REFUSED, _("At most %(n)d files at a time.") % {"n": MAX_FILES})
    checked, problems = [], []
    for upload in files:
        name = PurePath(upload.name or "file").name
        if upload.size > MAX_BYTES:
            problems.append(_("%(name)s is larger than 15 MB.") % {"name": name})
            continue
        data = upload.read()
        upload.seek(0)
        try:
            image = Image.open(io.BytesIO(data))
            image.verify()
            image = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            image = None
        if image is not None and image.format in IMAGE_TYPES:
            checked.append({"upload": upload, "name": name, "data": data, "image": image})
        elif PurePath(name).suffix.lower() in DOCUMENT_EXTENSIONS:
            checked.append({"upload": upload, "name": name, "data": data, "image": None})
        else:
            problems.append(
                _("%(name)s is not an accepted file: photos (JPEG, PNG, WebP) or PDF, Word, Excel, text.")
                % {"name": name}
            )
    if problems:
        raise CaseError(CaseErrorCode.ATTACHMENT_REFUSED, " ".join(problems))
    return checked


def store_checked(checked: Sequence[dict], *, new, uploaded_by) -> list:
    """Store files passed by ``check_files`` as evidence rows made by ``new(**common_fields)``
    (a case's or a directive's attachment), each photo with its EXIF evidence and a thumbnail."""
    stored = []
    for item in checked:
        image = item["image"]
        guessed = mimetypes.guess_type(item["name"])[0] or "application/octet-stream"
        attachment = new(
            original_name=item["name"][:200],
            content_type=IMAGE_TYPES[image.format] if image else guessed,
            size=len(item["data"]),
            is_image=image is not None,
            uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
            **(photo_evidence(image) if image else {}),
        )
        attachment.file.save(item["name"], ContentFile(item["data"]), save=False)
        if image is not None:
            thumb_name = f"thumb_{PurePath(item['name']).stem}.jpg"
            attachment.thumbnail.save(thumb_name, ContentFile(_thumbnail(image)), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def attach_files(*, case, event, files: Sequence, uploaded_by) -> list:
    """Store checked files as the case's attachments on ``event``."""
    from envgrid.cases.models import CaseAttachment

    checked = check_files(files)
    return store_checked(checked, new=lambda **f: CaseAttachment(case=case, event=event, **f), uploaded_by=uploaded_by)
