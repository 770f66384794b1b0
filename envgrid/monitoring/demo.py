"""The monitoring part of the demo district: two provincial control stations and twenty grid micro-stations.

MNs and passwords are fixed so a device, the simulator or a tester can be pointed at them (README "HJ 212
devices"): control stations ``5A4A000000000000000C0001``/``…0002`` with passwords ``100001``/``100002``;
micro-stations ``5A4A000000000000000B0001`` … ``…0014`` (hex 1-20) with passwords ``200001`` … ``200020``.
Each stands at the centroid of a grid picked evenly through the grid codes.
"""

from __future__ import annotations

from envgrid.grids.models import Grid
from envgrid.monitoring.choices import StationKind
from envgrid.monitoring.models import Station
from envgrid.monitoring.services import station_create

MN_PREFIX = "5A4A000000000000000"
CONTROL_STATIONS = 2
MICRO_STATIONS = 20


def demo_station_credentials() -> list[tuple[str, str, str]]:
    """``(MN, password, kind)`` of every demo station, in creation order."""
    control = [(f"{MN_PREFIX}C{n:04X}", f"1{n:05d}", StationKind.PROVINCIAL) for n in range(1, CONTROL_STATIONS + 1)]
    micro = [(f"{MN_PREFIX}B{n:04X}", f"2{n:05d}", StationKind.MICRO) for n in range(1, MICRO_STATIONS + 1)]
    return control + micro


def create_demo_stations() -> int:
    """Create the demo stations in grids of the demo district (replacing an earlier demo set); return the count."""
    Station.objects.filter(mn__startswith=MN_PREFIX).delete()
    grids = list(Grid.objects.order_by("code").only("id", "code", "name", "centroid_lon", "centroid_lat"))
    if not grids:
        return 0
    credentials = demo_station_credentials()
    step = max(len(grids) // MICRO_STATIONS, 1)
    hosts = [grids[0], grids[len(grids) // 2]] + [
        grids[(i * step + step // 2) % len(grids)] for i in range(MICRO_STATIONS)
    ]
    for (mn, password, kind), grid in zip(credentials, hosts, strict=True):
        label = "省控站" if kind == StationKind.PROVINCIAL else "微站"
        station_create(
            mn=mn,
            password=password,
            name=f"{label}·{grid.name}",
            kind=kind,
            lon=grid.centroid_lon,
            lat=grid.centroid_lat,
            interval_minutes=1,
        )
    return len(credentials)
