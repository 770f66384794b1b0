"""Write the demo district into the database in one transaction.

``demo_load()`` refuses to touch a database that already holds a region tree: it loads only when
there is no unit, region or grid yet and none of the demo usernames is taken (a superuser made
with ``createsuperuser`` under another name does not block it). ``demo_load(reset=True)`` first
deletes an earlier demo load — but only when every region carries the demo district's code and
every unit is a demo unit, and nothing else in the database still refers to them; otherwise it
refuses and changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError

from envgrid.core.errors import DomainError
from envgrid.core.hooks import hooks
from envgrid.core.models import Unit, User
from envgrid.core.services import audit_record
from envgrid.demo.accounts import DEMO_PASSWORD, DEMO_USERNAMES
from envgrid.demo.district import (
    DEFAULT_SEED,
    DISTRICT_CODE,
    FIXED_UNIT_NAMES,
    DemoDistrict,
    DistrictSpec,
    generate_district,
)
from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS, GridKind
from envgrid.grids.geometry import derived_fields, parse_geometry
from envgrid.grids.models import Grid, Region


class DemoLoadError(DomainError):
    """The demo district cannot be loaded here. Codes: ``demo_not_empty``, ``demo_username_taken``,
    ``demo_reset_foreign_data``, ``demo_reset_blocked``."""


@dataclass(frozen=True)
class DemoSummary:
    """What one demo load wrote."""

    district: str
    seed: int
    units: int
    regions: int
    streets: int
    communities: int
    grids: int
    dedicated_grids: int
    users: int
    memberships: int
    seconds: float

    def describe(self) -> str:
        return (
            f"Loaded demo district {self.district} (seed {self.seed}): {self.units} units, {self.regions} regions "
            f"({self.streets} streets/towns, {self.communities} communities/villages), {self.grids} grids "
            f"({self.dedicated_grids} dedicated), {self.users} users, {self.memberships} grid memberships "
            f"in {self.seconds:.2f} s."
        )


def has_units() -> bool:
    """True when any unit exists: the database is in use and ``load_demo --if-empty`` leaves it alone."""
    return Unit.objects.exists()


def _demo_usernames(district: DemoDistrict) -> set[str]:
    return {person.username for person in district.people} | DEMO_USERNAMES


def _refuse_unless_empty(district: DemoDistrict) -> None:
    if Unit.objects.exists() or Region.objects.exists() or Grid.objects.exists():
        raise DemoLoadError(
            "demo_not_empty",
            "The database already has units, regions or grids; load the demo into an empty database, "
            "or pass reset to replace an earlier demo load.",
        )
    taken = sorted(User.objects.filter(username__in=_demo_usernames(district)).values_list("username", flat=True))
    if taken:
        raise DemoLoadError(
            "demo_username_taken",
            f"These usernames are already taken: {', '.join(taken[:10])}.",
            details={"usernames": taken},
        )


def _delete_earlier_demo(district: DemoDistrict) -> None:
    """Delete grids, regions, units and their users written by an earlier demo load, or refuse."""
    demo_units = Unit.objects.filter(
        Q(name__in=FIXED_UNIT_NAMES)
        | Q(regions__code__startswith=DISTRICT_CODE)
        | Q(parent__regions__code__startswith=DISTRICT_CODE)
    )
    foreign_units = Unit.objects.exclude(pk__in=demo_units.values("pk"))
    if Region.objects.exclude(code__startswith=DISTRICT_CODE).exists() or foreign_units.exists():
        raise DemoLoadError(
            "demo_reset_foreign_data",
            "The database holds regions or units that are not demo data; reset refuses to delete them.",
        )
    try:
        for part in reversed(hooks.demo):
            if part.reset is not None:
                part.reset()
        Grid.objects.all().delete()
        for levels in (COMMUNITY_LEVELS, STREET_LEVELS):
            Region.objects.filter(level__in=levels).delete()
        Region.objects.all().delete()
        User.objects.filter(Q(unit__isnull=False) | Q(username__in=_demo_usernames(district))).delete()
        Unit.objects.filter(parent__isnull=False).delete()
        Unit.objects.all().delete()
    except (ProtectedError, RestrictedError) as exc:
        raise DemoLoadError(
            "demo_reset_blocked", f"Other records still refer to the demo data, so it cannot be reset: {exc.args[0]}"
        ) from exc


def _create_units(district: DemoDistrict) -> dict[str, Unit]:
    """Create the units, parents first; return them by name."""
    units: dict[str, Unit] = {}
    for parents in (True, False):
        batch = [
            Unit(
                name=u.name,
                short_name=u.short_name,
                kind=u.kind,
                parent=units[u.parent] if u.parent else None,
                sort_order=u.sort_order,
            )
            for u in district.units
            if (u.parent is None) is parents
        ]
        units.update({unit.name: unit for unit in Unit.objects.bulk_create(batch)})
    return units


def _create_regions(district: DemoDistrict, units: dict[str, Unit]) -> dict[str, Region]:
    """Create the region tree level by level (district, streets, communities); return it by code."""
    regions: dict[str, Region] = {}
    pending = list(district.regions)
    while pending:
        ready = [r for r in pending if r.parent is None or r.parent in regions]
        batch = [
            Region(
                code=r.code,
                name=r.name,
                level=r.level,
                parent=regions.get(r.parent),
                unit=units[r.unit],
                sort_order=r.sort_order,
            )
            for r in ready
        ]
        regions.update({region.code: region for region in Region.objects.bulk_create(batch)})
        pending = [r for r in pending if r.code not in regions]
    return regions


def _create_users(district: DemoDistrict, units: dict[str, Unit]) -> dict[str, User]:
    # One hash for everybody: hashing each of a few hundred passwords would take minutes.
    password = make_password(DEMO_PASSWORD)
    users = [
        User(
            username=p.username,
            password=password,
            display_name=p.display_name,
            first_name=p.first_name,
            last_name=p.last_name,
            phone=p.phone,
            role=p.role,
            unit=units[p.unit],
            is_staff=p.is_staff,
            is_superuser=p.is_superuser,
        )
        for p in district.people
    ]
    return {user.username: user for user in User.objects.bulk_create(users)}


def _create_grids(district: DemoDistrict, regions: dict[str, Region], users: dict[str, User]) -> int:
    """Create the grids with their derived area and centroid, and their members; return the membership count."""
    grids = [
        Grid(
            code=g.code,
            name=g.name,
            kind=g.kind,
            community=regions[g.community],
            street=regions[g.street],
            geometry=g.geometry,
            households=g.households,
            population=g.population,
            head=users[g.head],
            **derived_fields(parse_geometry(g.geometry)),
        )
        for g in district.grids
    ]
    Grid.objects.bulk_create(grids)
    membership = Grid.members.through
    rows = [
        membership(grid_id=grid.pk, user_id=users[username].pk)
        for grid, demo in zip(grids, district.grids, strict=True)
        for username in demo.members
    ]
    membership.objects.bulk_create(rows)
    return len(rows)


def demo_load(*, reset: bool = False, seed: int = DEFAULT_SEED, spec: DistrictSpec | None = None) -> DemoSummary:
    """Load the fictional demo district: units, region tree, users, grids and members, in one transaction."""
    started = time.perf_counter()
    district = generate_district(seed, spec)
    with transaction.atomic():
        if reset:
            _delete_earlier_demo(district)
        else:
            _refuse_unless_empty(district)
        units = _create_units(district)
        regions = _create_regions(district, units)
        users = _create_users(district, units)
        memberships = _create_grids(district, regions, users)
        for part in hooks.demo:
            part.load()
        summary = DemoSummary(
            district=district.name,
            seed=district.seed,
            units=len(units),
            regions=len(regions),
            streets=len(district.regions_at(*STREET_LEVELS)),
            communities=len(district.regions_at(*COMMUNITY_LEVELS)),
            grids=len(district.grids),
            dedicated_grids=sum(1 for g in district.grids if g.kind == GridKind.DEDICATED),
            users=len(users),
            memberships=memberships,
            seconds=round(time.perf_counter() - started, 3),
        )
        audit_record(
            actor=None, action="demo.load", obj=regions[district.code], after=asdict(summary), note=f"reset={reset}"
        )
    return summary
