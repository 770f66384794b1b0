"""Fixtures of the emergency tests: the small district without the sources, emergency and patrols demo parts
(each test makes its own enterprises, 分包 and roster), its people, and helpers for enterprises, measures,
rosters and Excel files."""

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit
from envgrid.emergency.models import DutyAssignment, DutyShift, ReductionMeasure
from envgrid.grids.models import Grid
from envgrid.testing import district_load, jpeg, point_in, role_users

__all__ = ["jpeg"]  # the emergency tests import it from here


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def district(db):
    district_load(parts=("alerts",))


@pytest.fixture
def people(district) -> dict:
    return role_users()


@pytest.fixture
def bureau(people) -> Unit:
    """The ecology bureau (生态环境分局): unit_lead and unit_staff work there."""
    return people["unit_staff"].unit


@pytest.fixture
def street(people) -> Unit:
    """The river chief's street: its only demo account is the river chief."""
    unit = people["river_chief"].unit
    assert unit.kind == UnitKind.STREET
    return unit


@pytest.fixture
def make_enterprise(district):
    """Create an enterprise in a grid with its 分包 owner (unit + person) from 30 days ago."""
    from envgrid.sources.models import EnterpriseDetail, Responsibility, SourceFamily, SupervisedObject

    counter = iter(range(1, 10_000))

    def _make(owner_unit: Unit, person, *, name: str | None = None, grade: str = "C", grid: Grid | None = None):
        n = next(counter)
        grid = grid or Grid.objects.order_by("code")[n % 5]
        lon, lat = point_in(grid)
        obj = SupervisedObject.objects.create(
            family=SourceFamily.objects.get(code="industrial"),
            kind="enterprise",
            name=name or f"测试企业{n}",
            code=f"QY-{n:04d}",
            lon=lon,
            lat=lat,
            grid=grid,
            street=grid.street,
            address=f"测试路{n}号",
        )
        EnterpriseDetail.objects.create(supervised_object=obj, performance_grade=grade, industry="铸造")
        Responsibility.objects.create(
            supervised_object=obj,
            unit=owner_unit,
            person=person,
            valid_from=timezone.localdate() - dt.timedelta(days=30),
        )
        return obj

    return _make


@pytest.fixture
def listed(make_enterprise, people, bureau, street):
    """Two listed enterprises: one owned by the ecology bureau, one by the river chief's street; each with
    measures at every level."""
    first = make_enterprise(bureau, people["unit_staff"], name="鹿鸣铸造有限公司")
    second = make_enterprise(street, people["river_chief"], name="东风建材有限公司")
    for obj in (first, second):
        for level, text in (("yellow", "限产20%"), ("orange", "停止2号生产线，限产30%"), ("red", "全厂停产")):
            ReductionMeasure.objects.create(
                supervised_object=obj, level=level, measures=text, heavy_truck_ban=level != "yellow"
            )
    return first, second


def put_on_duty(unit: Unit, person=None, *, day: dt.date | None = None, shift: str = "full", name: str = "值班员甲"):
    """Put someone on ``unit``'s roster for ``day``'s shift; by default the shift that started last, which is
    yesterday's before today's starts (at 06:58 the 24-hour shift on duty began yesterday at 08:00)."""
    shift_row = DutyShift.objects.get(code=shift)
    if day is None:
        day = timezone.localdate()
        if timezone.now() < shift_row.span(day)[0]:
            day -= dt.timedelta(days=1)
    starts_at, ends_at = shift_row.span(day)
    return DutyAssignment.objects.create(
        unit=unit,
        date=day,
        shift=shift_row,
        person=person,
        name=name,
        phone="13800000000",
        starts_at=starts_at,
        ends_at=ends_at,
    )


def xlsx(header: list, rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Clock:
    """A settable "now" for the services (``timezone.now`` patched): today at 09:30 local unless moved."""

    def __init__(self):
        today = timezone.localdate()
        self.now = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 30)))

    def at(self, hours: float = 0, days: int = 0) -> dt.datetime:
        return self.now + dt.timedelta(days=days, hours=hours)

    def advance(self, **kwargs) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture
def record(people, clock):
    """Record a warning as the dispatcher: starting now, ending in two days, orange unless told."""
    from envgrid.emergency.services.warnings import warning_record

    counter = iter(range(1, 1000))

    def _record(**kwargs):
        kwargs.setdefault("document_number", f"鹿高攻坚办〔2026〕{next(counter)}号")
        kwargs.setdefault("level", "orange")
        kwargs.setdefault("starts_at", clock.now)
        kwargs.setdefault("ends_at", clock.at(days=2))
        return warning_record(actor=kwargs.pop("actor", people["dispatcher"]), **kwargs)

    return _record
