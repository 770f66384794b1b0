import pytest
from django.urls import reverse

from envgrid.core.models import AuditEvent
from envgrid.grids.models import Grid

pytestmark = pytest.mark.django_db


def square(lon, lat, size=0.01):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x", role="admin")
    client.force_login(admin)
    return client


def post_grid(admin_client, community, geometry, code="ADM-1"):
    import json

    return admin_client.post(
        reverse("admin:grids_grid_add"),
        {
            "code": code,
            "name": "后台网格",
            "kind": "comprehensive",
            "community": community.pk,
            "geometry": json.dumps(geometry),
            "households": 10,
            "population": 30,
        },
    )


def test_admin_creates_a_grid_through_the_service_with_audit(admin_client, community):
    response = post_grid(admin_client, community, square(113.70, 34.90))
    assert response.status_code == 302
    grid = Grid.objects.get(code="ADM-1")
    assert grid.street_id == community.parent_id
    assert grid.area_m2 > 0
    assert AuditEvent.objects.filter(action="grid.create", object_id=str(grid.pk)).exists()


def test_admin_refuses_an_overlapping_boundary_and_names_the_grid(admin_client, community):
    post_grid(admin_client, community, square(113.70, 34.90), code="ADM-1")
    response = post_grid(admin_client, community, square(113.705, 34.905), code="ADM-2")
    assert response.status_code == 200
    assert "ADM-1" in response.content.decode()
    assert not Grid.objects.filter(code="ADM-2").exists()
