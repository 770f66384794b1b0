"""Fixtures for the service, API and race tests: the demo district with its routing table."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from envgrid.cases.models import CaseCategory
from envgrid.demo.loader import demo_load
from envgrid.grids.models import Grid


@pytest.fixture
def district(db):
    demo_load()


@pytest.fixture
def people(district):
    users = get_user_model().objects.select_related("unit")
    return {u.username: u for u in users.filter(username__in=[
        "admin", "dispatcher", "unit_lead", "unit_staff", "grid_head", "grid_member", "river_chief",
        "taskforce_lead", "leader"])}  # fmt: skip


@pytest.fixture
def member_grid(people) -> Grid:
    return people["grid_member"].member_grids.get()


@pytest.fixture
def industrial(db) -> CaseCategory:
    return CaseCategory.objects.get(code="industrial.emission")


def inside_point(grid: Grid) -> tuple[float, float]:
    """A point surely inside the grid (a centroid may fall outside a concave edge grid)."""
    from shapely.geometry import shape

    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def jpeg(name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def reported(people, member_grid, industrial):
    """A case a grid member reported from inside their grid, in a category the ecology bureau leads."""
    from envgrid.cases.services import case_report

    lon, lat = inside_point(member_grid)
    return case_report(
        reporter=people["grid_member"], title="厂区烟囱冒黄烟", category=industrial,
        description="下午三点起持续冒黄烟", lon=lon, lat=lat, files=[jpeg()],
    )  # fmt: skip
