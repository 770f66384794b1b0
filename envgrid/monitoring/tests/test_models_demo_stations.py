"""The demo district's stations: fixed MNs and passwords, each in a grid."""

import pytest

from envgrid.demo.loader import demo_load
from envgrid.monitoring.choices import StationKind
from envgrid.monitoring.demo import demo_station_credentials
from envgrid.monitoring.models import Station


@pytest.mark.django_db
def test_demo_load_creates_control_and_micro_stations_in_grids():
    demo_load()

    stations = list(Station.objects.all())
    assert sorted((s.mn, s.password, s.kind) for s in stations) == sorted(demo_station_credentials())
    assert sum(s.kind == StationKind.PROVINCIAL for s in stations) == 2
    assert all(s.grid_id is not None for s in stations)
    assert len({s.grid_id for s in stations if s.kind == StationKind.MICRO}) == 20
    assert all(len(s.mn) == 24 and int(s.mn, 16) >= 0 for s in stations)
