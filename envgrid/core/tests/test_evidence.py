"""Evidence files: a decompression bomb posted as a case photo is refused from its header, with a 400 in
Chinese and without the worker decoding it; ordinary photos keep their thumbnail and EXIF; files that are
no accepted type are refused as before."""

import io
import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from envgrid.cases.models import Case, CaseCategory
from envgrid.cases.tests.conftest import jpeg_bytes
from envgrid.core.choices import Role
from envgrid.core.errors import EvidenceError, EvidenceErrorCode
from envgrid.core.evidence import THUMBNAIL_SIZE, check_files, thumbnail
from envgrid.core.tests.factories import UserFactory

BOMB_SIDE = 12_000
#: What the grid member reads when the bomb is refused (the zh_Hans translation).
BOMB_REFUSED = "bomb.png 为 12000×12000 = 144,000,000 像素，照片最多允许 40,000,000 像素，已拒收。"
#: A decoded 144-megapixel image takes at least 144 MB (one byte per pixel in mode "1" or "L");
#: refusing it from the header must cost far less.
MAX_GROWTH_MB = 64
MAX_WORKER_MB = 300


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A 12000×12000 one-bit PNG, all black: about 17 KB on disk, 144 megapixels once decoded."""
    image = Image.new("1", (BOMB_SIDE, BOMB_SIDE))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    del image
    return out.getvalue()


@pytest.fixture
def grid_member(db):
    return UserFactory(username="evidence_member", role=Role.GRID_MEMBER)


@pytest.fixture
def category(db) -> CaseCategory:
    return CaseCategory.objects.create(code="evidence.test", name="证据测试")


def _reset_peak_rss() -> None:
    """Lower this process's peak RSS to its current RSS (Linux ≥ 4.0), so ``ru_maxrss`` measures what
    follows and not, say, the bomb made by the fixture. Elsewhere the measure is only weaker."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _report(client, category, *files):
    return client.post(reverse("phone-report"), {"title": "河边冒黑烟", "category": category.pk, "photos": list(files)})


def test_the_bomb_is_small_on_disk_and_huge_once_decoded(bomb):
    assert len(bomb) < 20 * 1024
    with pytest.warns(Image.DecompressionBombWarning):  # PIL itself only warns at this size
        assert Image.open(io.BytesIO(bomb)).size == (BOMB_SIDE, BOMB_SIDE)


def test_a_bomb_posted_as_a_case_photo_is_refused_with_400_in_chinese_without_decoding(
    client, grid_member, category, bomb
):
    client.force_login(grid_member)
    _reset_peak_rss()
    before = _peak_rss_mb()

    response = _report(client, category, SimpleUploadedFile("bomb.png", bomb, content_type="image/png"))

    growth = _peak_rss_mb() - before
    assert response.status_code == 400
    assert BOMB_REFUSED in response.content.decode()
    assert not Case.objects.exists()
    assert growth < MAX_GROWTH_MB, f"refusing the bomb grew the worker by {growth:.0f} MB"


def test_the_api_refuses_the_bomb_with_400_and_its_code(grid_member, category, bomb):
    api = APIClient()
    api.force_authenticate(grid_member)

    response = api.post(
        reverse("api-case-list"),
        {"title": "河边冒黑烟", "category": category.code, "photos": [SimpleUploadedFile("bomb.png", bomb)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"code": "attachment_refused", "detail": BOMB_REFUSED}
    assert not Case.objects.exists()


#: A fresh worker process refusing the bomb. Its peak RSS is read from VmHWM, which counts this process
#: image only: on Linux ``ru_maxrss`` carries over the parent's peak through fork and exec (here, the test
#: runner's), so it is only the fallback where /proc is missing.
WORKER = textwrap.dedent(
    """
    import json, resource, sys

    import django


    def peak_kb():
        try:
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from envgrid.core.errors import EvidenceError
    from envgrid.core.evidence import check_files

    data = open(sys.argv[1], "rb").read()
    before = peak_kb()
    try:
        check_files([SimpleUploadedFile("bomb.png", data)])
        code = None
    except EvidenceError as exc:
        code = exc.code
    print(json.dumps({"code": code, "before_kb": before, "after_kb": peak_kb()}))
    """
)


def test_a_fresh_worker_refusing_the_bomb_stays_under_300_mb(bomb, tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "envgrid.settings_test"}

    run = subprocess.run(
        [sys.executable, "-c", WORKER, str(path)],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    measured = json.loads(run.stdout.strip().splitlines()[-1])
    assert measured["code"] == "attachment_refused"
    assert measured["after_kb"] / 1024 < MAX_WORKER_MB
    assert (measured["after_kb"] - measured["before_kb"]) / 1024 < MAX_GROWTH_MB


def test_the_limit_comes_from_the_setting(settings):
    settings.ENVGRID_IMAGE_MAX_PIXELS = 64 * 48 - 1

    with pytest.raises(EvidenceError) as refused:
        check_files([SimpleUploadedFile("small.jpg", jpeg_bytes((64, 48)))])

    assert refused.value.code == EvidenceErrorCode.REFUSED
    assert refused.value.message == "small.jpg 为 64×48 = 3,072 像素，照片最多允许 3,071 像素，已拒收。"
    settings.ENVGRID_IMAGE_MAX_PIXELS = 64 * 48
    assert check_files([SimpleUploadedFile("small.jpg", jpeg_bytes((64, 48)))])[0]["image"].size == (64, 48)


def test_pils_own_bomb_error_is_a_refusal_too(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # PIL refuses above twice that, before we see a size

    with pytest.raises(EvidenceError) as refused:
        check_files([SimpleUploadedFile("small.jpg", jpeg_bytes((64, 48)))])

    assert refused.value.message == "small.jpg 超过 2,000 像素，照片最多允许 40,000,000 像素，已拒收。"


def test_a_normal_jpeg_still_gets_its_thumbnail_and_exif(client, grid_member, category):
    client.force_login(grid_member)
    photo = jpeg_bytes((2400, 1800), gps=(116.39, 39.91), taken="2026:05:01 09:30:00")

    response = _report(client, category, SimpleUploadedFile("现场.jpg", photo, content_type="image/jpeg"))

    assert response.status_code == 302
    attachment = Case.objects.get().attachments.get()
    assert (attachment.is_image, attachment.content_type, attachment.size) == (True, "image/jpeg", len(photo))
    assert attachment.taken_lat == pytest.approx(39.91, abs=1e-4)
    assert attachment.taken_lon == pytest.approx(116.39, abs=1e-4)
    assert timezone.localtime(attachment.taken_at).strftime("%Y-%m-%d %H:%M") == "2026-05-01 09:30"
    with attachment.thumbnail.open("rb") as stored:
        thumb = Image.open(stored)
        assert (thumb.format, thumb.size) == ("JPEG", (480, 360))


@pytest.mark.parametrize(
    ("mode", "size", "expected"),
    [
        ("1", (2000, 1000), (480, 240)),  # one-bit: converted before it is reduced
        ("P", (1200, 1600), (360, 480)),  # palette
        ("RGBA", (1000, 1000), (480, 480)),
        ("L", (300, 200), (300, 200)),  # smaller than a thumbnail: kept as it is
    ],
)
def test_thumbnails_of_every_kind_of_png_fit_the_box(mode, size, expected):
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")

    thumb = Image.open(io.BytesIO(thumbnail(out.getvalue())))

    assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", expected)
    assert max(thumb.size) <= max(THUMBNAIL_SIZE)


def test_a_file_that_is_no_image_is_refused_as_before(client, grid_member, category):
    client.force_login(grid_member)

    response = _report(client, category, SimpleUploadedFile("virus.exe", b"MZ\x90\x00"))

    assert response.status_code == 400
    assert "virus.exe 不是可接受的文件类型" in response.content.decode()
    assert not Case.objects.exists()
    with pytest.raises(EvidenceError) as refused:
        check_files([SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), SimpleUploadedFile("notes.txt", b"ok")])
    assert refused.value.code == "attachment_refused" and "virus.exe" in refused.value.message
