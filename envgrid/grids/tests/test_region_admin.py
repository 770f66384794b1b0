"""The admin writes regions through the region services and deletes grids through ``grid_delete``, audited."""

import pytest
from django.urls import reverse

from envgrid.core.choices import UnitKind
from envgrid.core.models import AuditEvent, Unit
from envgrid.grids.models import Grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x", role="admin"))
    return client


def test_giving_a_community_another_governing_unit_in_the_admin_is_audited(admin_client, community):
    old_unit, new_unit = community.unit, Unit.objects.create(name="新红旗社区居委会", kind=UnitKind.COMMUNITY)

    response = admin_client.post(
        reverse("admin:grids_region_change", args=[community.pk]),
        {
            "code": community.code,
            "name": community.name,
            "level": community.level,
            "parent": community.parent_id,
            "unit": new_unit.pk,
            "sort_order": 0,
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="region.update")
    assert (event.before, event.after) == ({"unit": old_unit.pk}, {"unit": new_unit.pk})


def test_deleting_a_grid_in_the_admin_goes_through_the_service(admin_client, three_grids):
    grid = three_grids[0]

    response = admin_client.post(reverse("admin:grids_grid_delete", args=[grid.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Grid.objects.filter(pk=grid.pk).exists()
    assert AuditEvent.objects.get(action="grid.delete").before["code"] == grid.code
