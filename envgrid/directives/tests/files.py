"""Test files: a small real JPEG, and a file that is not an accepted type."""

from django.core.files.uploadedfile import SimpleUploadedFile

from envgrid.testing import jpeg  # noqa: F401  (the directives tests import it from here)


def executable(name="run.exe") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 not a document", content_type="application/octet-stream")
