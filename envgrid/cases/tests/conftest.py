"""Fixtures of the web tests (views, exports, browser): the demo district — units, grids, people and
its routing table — plus a department with a person of its own, and a way to make cases quickly.

Names differ from ``service_fixtures`` so that both sets can live side by side.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from shapely.geometry import shape

from envgrid.cases.models import CaseCategory, RoutingRule
from envgrid.core.choices import Role
from envgrid.core.models import Unit
from envgrid.demo.accounts import DEMO_PASSWORD
from envgrid.demo.loader import demo_load
from envgrid.grids.lookup import invalidate_index
from envgrid.grids.models import Grid

ECOLOGY = "生态环境分局"
HOUSING = "住房和城乡建设局"
WEB_USERS = ["admin", "dispatcher", "unit_lead", "unit_staff", "grid_head", "grid_member", "river_chief", "leader"]


@pytest.fixture
def demo(db):
    """The demo district, with a catch-all rule to the ecology bureau if the demo brought no routing."""
    invalidate_index()
    demo_load()
    if not RoutingRule.objects.exists():
        RoutingRule.objects.create(category=None, region=None, unit=Unit.objects.get(name=ECOLOGY))
    yield
    invalidate_index()


@pytest.fixture
def users(demo) -> dict:
    """The demo accounts by username, and ``housing_staff``: a person of another department."""
    User = get_user_model()
    found = {u.username: u for u in User.objects.select_related("unit").filter(username__in=WEB_USERS)}
    housing = User.objects.create_user(
        username="housing_staff", password=DEMO_PASSWORD, display_name="住建局职员",
        role=Role.UNIT_STAFF, unit=Unit.objects.get(name=HOUSING),
    )  # fmt: skip
    found["housing_staff"] = housing
    return found


@pytest.fixture
def grid_of_member(users) -> Grid:
    return users["grid_member"].member_grids.get()


@pytest.fixture
def emission(db) -> CaseCategory:
    """废气超标排放: the ecology bureau leads it by the demo's routing table."""
    return CaseCategory.objects.get(code="industrial.emission")


def point_in(grid: Grid) -> tuple[float, float]:
    """A point surely inside the grid (a centroid may fall outside a concave grid)."""
    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def jpeg_bytes(size=(64, 48), *, gps: tuple[float, float] | None = None, taken: str = "") -> bytes:
    """A small JPEG, optionally with EXIF capture time and GPS position (lon, lat)."""
    image = Image.new("RGB", size, (30, 120, 60))
    exif = Image.Exif()
    if taken:
        exif[0x0132] = taken  # DateTime
    if gps:
        lon, lat = gps

        def dms(value):
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
            return (degrees, minutes, seconds)

        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def jpeg(name="photo.jpg", **options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**options), content_type="image/jpeg")


@pytest.fixture
def make_case(users, grid_of_member, emission):
    """``make_case(**changes)``: a case the grid member reports in their grid (through the service)."""
    from envgrid.cases.services import case_report

    def make(**changes):
        lon, lat = point_in(grid_of_member)
        fields = {
            "reporter": users["grid_member"], "title": "厂区烟囱冒黄烟", "category": emission,
            "description": "下午三点起持续冒黄烟", "lon": lon, "lat": lat,
        }  # fmt: skip
        fields.update(changes)
        return case_report(**fields)

    return make


@pytest.fixture
def login(client):
    """``login(user)``: sign the test client in as the user and return the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
