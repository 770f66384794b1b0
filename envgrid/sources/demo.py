"""The sources part of the demo district: ~300 supervised objects of the six families placed in the demo
grids, a 分包 contact person in each department and street/town, and owners for most objects — some by
object, some by family in a town, some by grid — with a few owner changes in the past (so "who was
responsible on date D" has something to show) and some objects, roads and key grids deliberately left
without an owner so the coverage report has work. Same seed → same objects."""

from __future__ import annotations

import datetime as dt
import math

import shapely
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from envgrid.core.choices import Role, UnitKind
from envgrid.core.models import Unit, User
from envgrid.demo.accounts import DEMO_PASSWORD
from envgrid.demo.names import GIVEN_CHARACTERS, MOBILE_PREFIXES, SURNAMES
from envgrid.demo.rng import SeededRandom
from envgrid.grids.choices import GridKind, RegionLevel
from envgrid.grids.lookup import GridIndex
from envgrid.grids.models import Grid
from envgrid.sources.choices import ObjectKind, ObjectStatus, PerformanceGrade, RoadGrade, SiteStage
from envgrid.sources.models import (
    ConstructionSiteDetail,
    EnterpriseDetail,
    Responsibility,
    RoadDetail,
    SourceFamily,
    SupervisedObject,
)
from envgrid.sources.seed import seed_families
from envgrid.sources.validators import CREDIT_CODE_CHARSET, credit_code_check_char

SEED = 2026
USERNAME_PREFIX = "demo_fb"
#: (family code, kind, how many, code prefix)
PLAN = (
    ("industrial", ObjectKind.ENTERPRISE, 70, "QY"),
    ("construction", ObjectKind.CONSTRUCTION_SITE, 50, "GD"),
    ("road", ObjectKind.ROAD, 40, "DL"),
    ("fuel_coal", ObjectKind.FUEL_POINT, 30, "RM"),
    ("living", ObjectKind.CATERING, 70, "CY"),
    ("agriculture", ObjectKind.FARMLAND, 40, "NT"),
)
INDUSTRIES = ("化工", "铸造", "包装印刷", "家具制造", "汽车维修", "塑料制品", "陶瓷", "食品加工", "机械加工", "建材")
NAME_STEMS = "鹿鸣华源恒通中原嘉禾瑞丰宏达金盛新航永昌天成博远鑫泰华美正和豫隆"
SUFFIX = {
    ObjectKind.ENTERPRISE: "有限公司",
    ObjectKind.CONSTRUCTION_SITE: "项目工地",
    ObjectKind.FUEL_POINT: "加油站",
    ObjectKind.CATERING: "餐馆",
    ObjectKind.FARMLAND: "农田片区",
}
GRADES = [
    PerformanceGrade.A,
    PerformanceGrade.B,
    PerformanceGrade.B,
    PerformanceGrade.C,
    PerformanceGrade.C,
    PerformanceGrade.D,
    PerformanceGrade.LEADING,
    PerformanceGrade.NON_LEADING,
    PerformanceGrade.A_PLUS,
]
#: The department that answers for each family's objects (by unit name).
LEAD_DEPARTMENT = {
    "industrial": "生态环境分局",
    "construction": "住房和城乡建设局",
    "road": "交通运输局",
    "fuel_coal": "商务局",
    "living": "城市管理局",
    "agriculture": "农业农村局",
}
EARLIER_DEPARTMENT = {"industrial": "工业和信息化局", "road": "城市管理局"}
DEMO_START = dt.date(2025, 1, 1)


def _person_name(rng: SeededRandom) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.randint(1, 2)))


def _owners(rng: SeededRandom) -> dict[int, User]:
    """A 分包 contact person (unit lead) in every department and street/town that has no unit lead."""
    units = list(Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET], is_active=True).order_by("pk"))
    leads = {u.unit_id: u for u in User.objects.filter(role=Role.UNIT_LEAD, is_active=True, unit__in=units)}
    password = make_password(DEMO_PASSWORD)
    new = []
    for index, unit in enumerate(units, start=1):
        if unit.pk in leads:
            continue
        phone = rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        new.append(
            User(
                username=f"{USERNAME_PREFIX}{index:02d}",
                password=password,
                display_name=_person_name(rng),
                phone=phone,
                role=Role.UNIT_LEAD,
                unit=unit,
            )
        )
    for user in User.objects.bulk_create(new):
        leads[user.unit_id] = user
    return leads


def _credit_code(rng: SeededRandom) -> str:
    body = "91410100" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return body + credit_code_check_char(body)


def _point_in(rng: SeededRandom, polygon) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    for _attempt in range(50):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(shapely.Point(x, y)):
            return round(x, 6), round(y, 6)
    point = polygon.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _road_line(rng: SeededRandom, start: tuple[float, float]) -> list[list[float]]:
    angle = rng.uniform(0, math.pi)
    length = rng.uniform(0.003, 0.008)  # degrees: about 300–800 m
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    x, y = start
    return [[round(x - dx, 6), round(y - dy, 6)], [round(x, 6), round(y, 6)], [round(x + dx, 6), round(y + dy, 6)]]


def _objects(rng: SeededRandom, grids: list[Grid]) -> list[tuple[SupervisedObject, object]]:
    families = {f.code: f for f in SourceFamily.objects.all()}
    shapes = {g.pk: shapely.geometry.shape(g.geometry) for g in grids}
    index = GridIndex(list(shapes.items()))
    by_id = {g.pk: g for g in grids}
    made = []
    for family_code, kind, count, prefix in PLAN:
        family = families.get(family_code)
        if family is None:
            continue
        for number in range(1, count + 1):
            grid = rng.choice(grids)
            lon, lat = _point_in(rng, shapes[grid.pk])
            stem = "".join(rng.choice(NAME_STEMS) for _ in range(2))
            name = f"{stem}{SUFFIX.get(kind, '')}"
            geometry = None
            if kind == ObjectKind.ROAD:
                name = f"{stem}路（{grid.community.name}段）"
                geometry = {"type": "LineString", "coordinates": _road_line(rng, (lon, lat))}
            status = ObjectStatus.ACTIVE
            roll = rng.random()
            if roll < 0.05:
                status = ObjectStatus.SHUT
            elif roll < 0.12:
                status = ObjectStatus.RECTIFYING
            grid_id = index.find(lon, lat) or grid.pk
            obj = SupervisedObject(
                family=family,
                kind=kind,
                name=name,
                code=f"{prefix}-{number:04d}",
                lon=lon,
                lat=lat,
                geometry=geometry,
                grid_id=grid_id,
                street_id=by_id[grid_id].street_id,
                status=status,
                address=f"{by_id[grid_id].community.name}{rng.randint(1, 300)}号",
                contact_name=_person_name(rng),
                contact_phone=rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8)),
            )
            made.append((obj, _details(rng, kind, geometry)))
    return made


def _details(rng: SeededRandom, kind: str, geometry: dict | None):
    if kind == ObjectKind.ENTERPRISE:
        code = _credit_code(rng)
        mns = [f"410199{rng.randint(10**7, 10**8 - 1)}" for _ in range(rng.randint(0, 2))]
        return EnterpriseDetail(
            credit_code=code,
            industry=rng.choice(INDUSTRIES),
            performance_grade=rng.choice(GRADES),
            permit_number=f"{code}001P",
            monitoring_mns=mns,
        )
    if kind == ObjectKind.CONSTRUCTION_SITE:
        flags = {
            name: rng.random() < 0.85
            for name in (
                "fence_enclosure",
                "material_covered",
                "road_hardened",
                "vehicle_washing",
                "wet_earthwork",
                "enclosed_transport",
            )
        }
        return ConstructionSiteDetail(
            permit_number=f"410199202{rng.randint(100000, 999999)}",
            area_m2=round(rng.uniform(2_000, 90_000)),
            stage=rng.choice(SiteStage.values),
            **flags,
        )
    if kind == ObjectKind.ROAD:
        line = shapely.geometry.shape(geometry)
        return RoadDetail(
            grade=rng.choice(RoadGrade.values),
            length_m=round(line.length * 100_000),
            cleaning_standard=rng.choice(["机扫+洒水 每日2次", "人工保洁 每日1次", "机扫 每日3次"]),
        )
    return None


def load() -> None:
    """Write the demo objects, contact people and 分包 (inside the demo load's transaction)."""
    rng = SeededRandom(SEED)
    grids = list(Grid.objects.select_related("community", "street").order_by("code"))
    if not grids:
        return
    seed_families(SourceFamily)  # a flushed test database has lost the migration's rows
    leads = _owners(rng)
    made = _objects(rng, grids)
    SupervisedObject.objects.bulk_create([obj for obj, _detail in made])
    details: dict[type, list] = {}
    for obj, detail in made:
        if detail is not None:
            detail.supervised_object = obj
            details.setdefault(type(detail), []).append(detail)
    for model, rows in details.items():
        model.objects.bulk_create(rows)
    Responsibility.objects.bulk_create(_responsibilities(rng, [obj for obj, _d in made], grids, leads))


def _responsibilities(rng, objects, grids, leads) -> list[Responsibility]:
    units = {u.name: u for u in Unit.objects.all()}
    today = timezone.localdate()
    change_day = today - dt.timedelta(days=60)
    rows = []

    def add(unit_name_or_unit, start=DEMO_START, end=None, **target):
        unit = units.get(unit_name_or_unit) if isinstance(unit_name_or_unit, str) else unit_name_or_unit
        person = leads.get(unit.pk) if unit else None
        if person is not None:
            rows.append(Responsibility(unit=unit, person=person, valid_from=start, valid_to=end, **target))

    towns = {g.street_id: g.street for g in grids if g.street.level == RegionLevel.TOWN}
    for obj in objects:
        code = obj.family.code
        if code == "agriculture" and obj.street_id in towns:
            continue  # owned through the town's farmland 分包 below
        if code == "living" and obj.street_id not in towns:
            continue  # owned through the city-management 分包 of catering per street below
        if rng.random() < 0.1:
            continue  # deliberately without an owner: the coverage report's work
        earlier = EARLIER_DEPARTMENT.get(code)
        if earlier and rng.random() < 0.3:
            add(earlier, DEMO_START, change_day - dt.timedelta(days=1), supervised_object=obj)
            add(LEAD_DEPARTMENT[code], change_day, supervised_object=obj)
        elif code == "living":
            add(obj.street.unit, supervised_object=obj)
        else:
            add(LEAD_DEPARTMENT[code], supervised_object=obj)
    family = {f.code: f for f in SourceFamily.objects.all()}
    streets = {g.street_id: g.street for g in grids}
    for street in streets.values():
        if street.pk in towns and "agriculture" in family:
            add(street.unit, family=family["agriculture"], region=street)
        elif "living" in family:
            add("城市管理局", family=family["living"], region=street)
    busy: dict[int, int] = {}
    for obj in objects:
        if obj.status != ObjectStatus.SHUT:
            busy[obj.grid_id] = busy.get(obj.grid_id, 0) + 1
    key = [g for g in grids if g.kind == GridKind.DEDICATED or busy.get(g.pk, 0) >= 3]
    for grid in key[: max(len(key) - 3, 0)]:  # the last three stay without an owner
        add(grid.street.unit, grid=grid)
    return rows


def reset() -> None:
    """Remove what ``load`` wrote (before the demo district itself is deleted)."""
    Responsibility.objects.all().delete()
    SupervisedObject.objects.all().delete()
    User.objects.filter(username__startswith=USERNAME_PREFIX).delete()
