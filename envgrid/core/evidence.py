"""Evidence files (photos and documents) on any record: type, size and pixel checks, a photo's EXIF
time and GPS kept, thumbnails. Cases, directives, spot checks and inspections all store through here.

A photo is opened lazily: only its header is read, and its pixel count is checked against
``settings.ENVGRID_IMAGE_MAX_PIXELS`` before anything decodes it, so a small file that would unpack
into gigabytes (a decompression bomb) is refused without costing the worker its memory.
"""

from __future__ import annotations

import datetime as dt
import io
import mimetypes
import warnings
from collections.abc import Callable, Sequence
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

from envgrid.core.errors import EvidenceError

MAX_BYTES = 15 * 1024 * 1024
MAX_FILES = 9
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
DOCUMENT_EXTENSIONS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".txt"}
THUMBNAIL_SIZE = (480, 480)
#: Modes that ``Image.reduce`` averages correctly; others (1-bit, palette, CMYK …) are converted first.
_REDUCIBLE_MODES = {"L", "LA", "RGB", "RGBA"}
_BROKEN = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


def open_image(data: bytes, *, name: str = "") -> Image.Image | None:
    """The photo in ``data``, opened lazily (only the header is read, nothing is decoded), or None when
    the bytes are no JPEG, PNG, WebP or GIF. Raises ``EvidenceError`` naming ``name`` when the header
    announces more pixels than ``settings.ENVGRID_IMAGE_MAX_PIXELS``."""
    limit = settings.ENVGRID_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # PIL warns above its own limit; the decision is ours, taken below from the header.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_TYPES))
    except Image.DecompressionBombError:
        # Beyond twice its own limit PIL refuses to hand over even the header.
        raise EvidenceError(
            _("%(name)s has more than %(pixels)s pixels; a photo may have at most %(limit)s pixels.")
            % {"name": name, "pixels": f"{2 * (Image.MAX_IMAGE_PIXELS or 0):,}", "limit": f"{limit:,}"}
        ) from None
    except _BROKEN:
        return None
    width, height = image.size
    if width * height > limit:
        raise EvidenceError(
            _("%(name)s is %(width)d×%(height)d = %(pixels)s pixels; a photo may have at most %(limit)s pixels.")
            % {"name": name, "width": width, "height": height, "pixels": f"{width * height:,}", "limit": f"{limit:,}"}
        )
    return image


def _checked_image(data: bytes, name: str) -> Image.Image | None:
    """A photo whose header passed the pixel limit and whose structure verifies, reopened for use."""
    image = open_image(data, name=name)
    if image is None:
        return None
    try:
        image.verify()
        return open_image(data, name=name)
    except _BROKEN:
        return None


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


def thumbnail(data: bytes) -> bytes:
    """A JPEG of at most ``THUMBNAIL_SIZE``. A JPEG is decoded straight at 1/2…1/8 scale (``draft``); other
    photos are shrunk by whole factors (``reduce``) before anything else, and only the small image is
    converted to RGB — except modes ``reduce`` cannot average (1-bit, palette, CMYK), converted first."""
    image = open_image(data)
    width, height = THUMBNAIL_SIZE
    image.draft("RGB", (2 * width, 2 * height))  # JPEG only; a no-op for the other formats
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode in ("P", "PA"):
        image = image.convert("RGBA")  # a palette's transparency converts cleanly only to RGBA
    elif image.mode not in _REDUCIBLE_MODES:
        image = image.convert("RGB")
    factor = min(image.width // (2 * width), image.height // (2 * height))
    if factor > 1:
        image = image.reduce(factor)
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def _problem(upload) -> tuple[dict | None, str]:
    """One upload checked: its entry for ``store_checked``, or the sentence saying why it is refused."""
    name = PurePath(upload.name or "file").name
    if upload.size > MAX_BYTES:
        return None, _("%(name)s is larger than 15 MB.") % {"name": name}
    data = upload.read()
    upload.seek(0)
    try:
        image = _checked_image(data, name)
    except EvidenceError as exc:
        return None, exc.message
    if image is not None:
        return {"upload": upload, "name": name, "data": data, "image": image}, ""
    if PurePath(name).suffix.lower() in DOCUMENT_EXTENSIONS:
        return {"upload": upload, "name": name, "data": data, "image": None}, ""
    return None, _("%(name)s is not an accepted file: photos (JPEG, PNG, WebP) or PDF, Word, Excel, text.") % {
        "name": name
    }


def check_files(files: Sequence) -> list[dict]:
    """Check every file before anything is stored: photos (JPEG, PNG, WebP, GIF) within the pixel limit,
    PDF, Word, Excel, text; at most 9 files of 15 MB each. Raises one ``EvidenceError`` naming each bad
    file. Each entry returned holds ``name``, ``data`` and ``image`` (the opened photo, or None)."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise EvidenceError(_("At most %(n)d files at a time.") % {"n": MAX_FILES})
    checked, problems = [], []
    for upload in files:
        entry, problem = _problem(upload)
        if entry is not None:
            checked.append(entry)
        else:
            problems.append(problem)
    if problems:
        raise EvidenceError(" ".join(problems))
    return checked


def store_checked(checked: Sequence[dict], *, new: Callable[..., object], uploaded_by) -> list:
    """Store files passed by ``check_files`` as evidence rows made by ``new(**common_fields)`` (a case's,
    a directive's, a spot check's or an inspection's ``EvidenceFile``), each photo with its EXIF
    evidence and a thumbnail."""
    stored = []
    for item in checked:
        image = item["image"]
        guessed = mimetypes.guess_type(item["name"])[0] or "application/octet-stream"
        evidence = new(
            original_name=item["name"][:200],
            content_type=IMAGE_TYPES[image.format] if image else guessed,
            size=len(item["data"]),
            is_image=image is not None,
            uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
            **(photo_evidence(image) if image else {}),
        )
        evidence.file.save(item["name"], ContentFile(item["data"]), save=False)
        if image is not None:
            thumb_name = f"thumb_{PurePath(item['name']).stem}.jpg"
            evidence.thumbnail.save(thumb_name, ContentFile(thumbnail(item["data"])), save=False)
        evidence.save()
        stored.append(evidence)
    return stored
