"""Test files: a small real JPEG, and a file that is not an accepted type."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg(name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def executable(name="run.exe") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 not a document", content_type="application/octet-stream")
