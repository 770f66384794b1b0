"""The demo district (演示辖区): a fictional high-tech zone generated from a seed, with no database.

``generate_district(seed, spec)`` returns plain dataclasses: the district boundary, its units
(单位), the region tree 区 → 街道/乡镇 → 社区/村, the grids (网格) tiling the district with no gaps
and no overlaps, and fictional people (grid heads, grid members and one demo account per role).
Same seed and spec → byte-identical output (compare :meth:`DemoDistrict.to_json`).

Codes follow the national statistical division scheme under a fictional district code 410199:
street 410199001–099 for 街道 and 410199100–199 for 镇; community 001–199 for 社区 and 200–399 for
村 within it; grid ``<community code>-NN``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from envgrid.core.choices import Role, UnitKind
from envgrid.demo import names
from envgrid.demo.accounts import DEMO_ACCOUNTS
from envgrid.demo.rng import SeededRandom
from envgrid.demo.tiling import LocalProjection, Tiling, group_around, spread_anchors, tile
from envgrid.grids.choices import GridKind, RegionLevel

DEFAULT_SEED = 2026
DISTRICT_CODE = "410199"
DISTRICT_NAME = "鹿鸣高新区"
PROJECTION = LocalProjection(lon0=113.55, lat0=34.80)
#: Size of the default district (metres from the centre to the edge, before the outline wobbles).
HALF_WIDTH_M, HALF_HEIGHT_M = 6_000.0, 4_500.0

COMMAND_CENTRE = "区攻坚办（调度中心）"
MANAGEMENT_COMMITTEE = "区管委会"
ECOLOGY_BUREAU = "生态环境分局"
#: District departments (责任单位), with the short names used in tables.
DEPARTMENTS = (
    (ECOLOGY_BUREAU, "生态环境"),
    ("住房和城乡建设局", "住建"),
    ("交通运输局", "交通"),
    ("城市管理局", "城管"),
    ("交警大队", "交警"),
    ("水利局", "水利"),
    ("河长制办公室", "河长办"),
    ("农业农村局", "农业农村"),
    ("自然资源和规划分局", "自然资源"),
    ("应急管理局", "应急"),
    ("市场监督管理局", "市场监管"),
    ("公安分局", "公安"),
    ("发展改革和统计局", "发改统计"),
    ("工业和信息化局", "工信"),
    ("教育文化体育局", "教文体"),
    ("卫生健康委员会", "卫健委"),
    ("商务局", "商务"),
    ("财政局", "财政"),
)
#: Every unit above the streets; a reset may delete these (see envgrid.demo.loader).
FIXED_UNIT_NAMES = frozenset({COMMAND_CENTRE, MANAGEMENT_COMMITTEE, *(name for name, _ in DEPARTMENTS)})


@dataclass(frozen=True)
class DistrictSpec:
    """How big a district to generate. The default is the demo district: about 12 × 9 km, 4 streets
    and towns, 30 communities and villages, 200 grids of which 8 are dedicated (专属网格)."""

    grids: int = 200
    communities: int = 30
    streets: int = 4
    dedicated_grids: int = 8

    def __post_init__(self):
        if not 1 <= self.streets <= self.communities <= self.grids:
            raise ValueError("need 1 ≤ streets ≤ communities ≤ grids")
        if not 0 <= self.dedicated_grids <= self.grids - self.communities:
            raise ValueError("dedicated grids must leave every community at least one comprehensive grid")
        if self.streets > 2 * 99:
            raise ValueError("at most 99 streets and 99 towns fit the code scheme")

    @classmethod
    def scaled(cls, grids: int) -> DistrictSpec:
        """A district with ``grids`` grids and the default proportions of communities, streets and dedicated grids."""
        return cls(
            grids=grids,
            communities=max(1, round(grids * 30 / 200)),
            streets=max(1, round(grids * 4 / 200)),
            dedicated_grids=round(grids * 8 / 200),
        )


@dataclass(frozen=True)
class DemoUnit:
    name: str
    short_name: str
    kind: str
    parent: str | None  # the parent unit's name
    sort_order: int


@dataclass(frozen=True)
class DemoRegion:
    code: str
    name: str
    level: str
    parent: str | None  # the parent region's code
    unit: str  # the governing unit's name
    sort_order: int


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    last_name: str
    first_name: str
    phone: str
    role: str
    unit: str  # the unit's name
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoGrid:
    code: str
    name: str
    kind: str
    community: str  # region code
    street: str  # region code
    geometry: dict  # GeoJSON Polygon, [lon, lat], closed counter-clockwise ring
    households: int
    population: int
    head: str  # username
    members: tuple[str, ...]  # usernames


@dataclass(frozen=True)
class DemoDistrict:
    """Everything the loader writes, in the order it writes it."""

    seed: int
    spec: DistrictSpec
    code: str
    name: str
    boundary: dict  # GeoJSON Polygon of the whole district
    units: tuple[DemoUnit, ...]
    regions: tuple[DemoRegion, ...]
    people: tuple[DemoPerson, ...]
    grids: tuple[DemoGrid, ...]

    def to_json(self) -> str:
        """Canonical JSON of the whole district: equal strings mean equal districts."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def regions_at(self, *levels: str) -> list[DemoRegion]:
        return [region for region in self.regions if region.level in levels]

    def person(self, username: str) -> DemoPerson:
        return next(person for person in self.people if person.username == username)


@dataclass
class _Street:
    """A street or town while the district is assembled: its cells grouped by community, in order."""

    code: str
    level: str
    stem: str = ""
    communities: list[_Community] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.stem + ("街道" if self.level == RegionLevel.STREET else "镇")

    @property
    def unit(self) -> str:
        return self.stem + ("街道办事处" if self.level == RegionLevel.STREET else "镇人民政府")


@dataclass
class _Community:
    code: str
    level: str
    cells: list[int]
    stem: str = ""

    @property
    def name(self) -> str:
        return self.stem + ("社区" if self.level == RegionLevel.COMMUNITY else "村")

    @property
    def unit(self) -> str:
        return self.stem + ("社区居民委员会" if self.level == RegionLevel.COMMUNITY else "村民委员会")

    @property
    def unit_short(self) -> str:
        return self.stem + ("社区居委会" if self.level == RegionLevel.COMMUNITY else "村委会")

    def grid_code(self, position: int) -> str:
        width = max(2, len(str(len(self.cells))))
        return f"{self.code}-{position + 1:0{width}d}"


def _reading_order(points: np.ndarray, items: list[int]) -> list[int]:
    """Items sorted north to south, then west to east (by their point, to the metre)."""
    return sorted(items, key=lambda i: (-round(float(points[i][1])), round(float(points[i][0])), i))


def _layout(rng: SeededRandom, spec: DistrictSpec) -> tuple[Tiling, list[_Street]]:
    """Tile the district, group the cells into communities and those into streets, and number them."""
    scale = math.sqrt(spec.grids / 200)
    tiling = tile(
        rng,
        count=spec.grids,
        half_width_m=HALF_WIDTH_M * scale,
        half_height_m=HALF_HEIGHT_M * scale,
        projection=PROJECTION,
    )
    anchors = spread_anchors(rng, tiling.points_m, spec.communities)
    community_of = group_around(tiling.points_m, anchors, tiling.neighbours)
    members: list[list[int]] = [[] for _ in anchors]
    for cell, community in enumerate(community_of):
        members[community].append(cell)
    centres = np.array([tiling.points_m[cells].mean(axis=0) for cells in members])
    touching: list[set[int]] = [set() for _ in anchors]
    for cell, others in enumerate(tiling.neighbours):
        touching[community_of[cell]] |= {community_of[o] for o in others} - {community_of[cell]}
    street_of = group_around(centres, spread_anchors(rng, centres, spec.streets), touching)
    return tiling, _numbered_streets(tiling.points_m, centres, members, street_of, spec.streets)


def _numbered_streets(
    points: np.ndarray, centres: np.ndarray, members: list[list[int]], street_of: list[int], count: int
) -> list[_Street]:
    """Give codes: the eastern half of the streets (towards the city) are 街道, the rest 镇 (towns)."""
    street_centres = np.array(
        [centres[[c for c, s in enumerate(street_of) if s == street]].mean(axis=0) for street in range(count)]
    )
    by_east = sorted(range(count), key=lambda s: (-float(street_centres[s][0]), s))
    urban = by_east[: math.ceil(count / 2)]
    rural = by_east[math.ceil(count / 2) :]
    streets = []
    for level, group, first in ((RegionLevel.STREET.value, urban, 1), (RegionLevel.TOWN.value, rural, 100)):
        for position, street in enumerate(_reading_order(street_centres, group)):
            code = f"{DISTRICT_CODE}{first + position:03d}"
            streets.append(_numbered_communities(code, level, street, points, centres, members, street_of))
    return streets


def _numbered_communities(
    code: str,
    level: str,
    street: int,
    points: np.ndarray,
    centres: np.ndarray,
    members: list[list[int]],
    street_of: list[int],
) -> _Street:
    is_street = level == RegionLevel.STREET
    result = _Street(code=code, level=level)
    communities = _reading_order(centres, [c for c, s in enumerate(street_of) if s == street])
    if len(communities) > 199:
        raise ValueError("at most 199 communities per street fit the code scheme")
    for position, community in enumerate(communities):
        result.communities.append(
            _Community(
                code=f"{code}{(1 if is_street else 200) + position:03d}",
                level=RegionLevel.COMMUNITY.value if is_street else RegionLevel.VILLAGE.value,
                cells=_reading_order(points, members[community]),
            )
        )
    return result


def _name_places(rng: SeededRandom, streets: list[_Street]) -> None:
    used: set[str] = set()
    urban = [s for s in streets if s.level == RegionLevel.STREET]
    rural = [s for s in streets if s.level == RegionLevel.TOWN]
    for street, stem in zip(urban, names.street_stems(rng, len(urban), used), strict=True):
        street.stem = stem
    for street, stem in zip(rural, names.town_stems(rng, len(rural), used), strict=True):
        street.stem = stem
    communities = [c for s in urban for c in s.communities]
    villages = [c for s in rural for c in s.communities]
    for community, stem in zip(communities, names.community_stems(rng, len(communities), used), strict=True):
        community.stem = stem
    for village, stem in zip(villages, names.village_stems(rng, len(villages), used), strict=True):
        village.stem = stem


def _units(streets: list[_Street]) -> tuple[DemoUnit, ...]:
    units = [
        DemoUnit(COMMAND_CENTRE, "攻坚办", UnitKind.OTHER.value, None, 1),
        DemoUnit(MANAGEMENT_COMMITTEE, "管委会", UnitKind.OTHER.value, None, 2),
    ]
    units += [
        DemoUnit(name, short, UnitKind.DEPARTMENT.value, None, 10 + i) for i, (name, short) in enumerate(DEPARTMENTS)
    ]
    units += [DemoUnit(s.unit, s.name, UnitKind.STREET.value, None, 100 + i) for i, s in enumerate(streets)]
    communities = [(s, c) for s in streets for c in s.communities]
    units += [
        DemoUnit(c.unit, c.unit_short, UnitKind.COMMUNITY.value, s.unit, 1000 + i)
        for i, (s, c) in enumerate(communities)
    ]
    return tuple(units)


def _regions(streets: list[_Street]) -> tuple[DemoRegion, ...]:
    regions = [DemoRegion(DISTRICT_CODE, DISTRICT_NAME, RegionLevel.DISTRICT.value, None, MANAGEMENT_COMMITTEE, 0)]
    regions += [DemoRegion(s.code, s.name, s.level, DISTRICT_CODE, s.unit, i + 1) for i, s in enumerate(streets)]
    communities = [(s, c) for s in streets for c in s.communities]
    regions += [DemoRegion(c.code, c.name, c.level, s.code, c.unit, i + 1) for i, (s, c) in enumerate(communities)]
    return tuple(regions)


def _demo_community(streets: list[_Street]) -> _Community:
    """The community whose grids the demo grid_head heads: the first one of the first 街道."""
    return streets[0].communities[0]


def _person(namer: names.PersonNamer, username: str, role: str, unit: str, **flags) -> DemoPerson:
    surname, given = namer.name()
    return DemoPerson(username, surname + given, surname, given, namer.phone(), role, unit, **flags)


def _people(rng: SeededRandom, streets: list[_Street]) -> tuple[DemoPerson, ...]:
    """The demo accounts, then a grid head per community, then a grid member per grid."""
    namer = names.PersonNamer(rng)
    demo = _demo_community(streets)
    units = {
        Role.ADMIN: COMMAND_CENTRE,
        Role.DISPATCHER: COMMAND_CENTRE,
        Role.TASKFORCE_LEAD: COMMAND_CENTRE,
        Role.UNIT_LEAD: ECOLOGY_BUREAU,
        Role.UNIT_STAFF: ECOLOGY_BUREAU,
        Role.GRID_HEAD: demo.unit,
        Role.GRID_MEMBER: demo.unit,
        Role.RIVER_CHIEF: streets[0].unit,
        Role.LEADER: MANAGEMENT_COMMITTEE,
    }
    people = []
    for account in DEMO_ACCOUNTS:
        is_admin = account.role == Role.ADMIN
        flags = {"is_staff": is_admin, "is_superuser": is_admin}
        people.append(_person(namer, account.username, account.role, units[account.role], **flags))
    for community in (c for s in streets for c in s.communities if c is not demo):
        people.append(_person(namer, _head_username(community), Role.GRID_HEAD.value, community.unit))
    for community in (c for s in streets for c in s.communities):
        for position in range(len(community.cells)):
            if community is demo and position == 0:
                continue
            people.append(_person(namer, _member_username(community, position), Role.GRID_MEMBER.value, community.unit))
    return tuple(people)


def _head_username(community: _Community) -> str:
    return "gh_" + community.code.removeprefix(DISTRICT_CODE)


def _member_username(community: _Community, position: int) -> str:
    return "gm_" + community.grid_code(position).removeprefix(DISTRICT_CODE).replace("-", "_")


def _dedicated_names(rng: SeededRandom, streets: list[_Street], count: int) -> dict[tuple[str, int], str]:
    """(community code, grid position) → name of the dedicated grid (专属网格), spread over communities."""
    demo = _demo_community(streets)
    communities = rng.shuffled([c for s in streets for c in s.communities if c is not demo])
    if count > sum(len(c.cells) - 1 for c in communities):
        raise ValueError(f"{count} dedicated grids do not fit: every community keeps a comprehensive grid")
    chosen: dict[tuple[str, int], str] = {}
    used: set[str] = set()
    turn = 0
    while len(chosen) < count:
        community = communities[turn % len(communities)]
        free = [p for p in range(len(community.cells)) if (community.code, p) not in chosen]
        if len(free) > 1:  # keep at least one comprehensive grid in every community
            facility = community.stem + names.FACILITIES[len(chosen) % len(names.FACILITIES)]
            while facility in used:
                facility += "分园"
            used.add(facility)
            chosen[(community.code, rng.choice(free))] = facility + "专属网格"
        turn += 1
    return chosen


def _geojson(polygon: Polygon) -> dict:
    ring = [[lon, lat] for lon, lat in orient(polygon, sign=1.0).exterior.coords]
    return {"type": "Polygon", "coordinates": [ring]}


def _figures(rng: SeededRandom, dedicated: bool) -> tuple[int, int]:
    """(households, population): 300–500 households and 900–2,500 people in a comprehensive grid;
    a dedicated grid (park, school, hospital…) has few households but people who work or study there."""
    if dedicated:
        return rng.randint(0, 60), rng.randint(300, 2500)
    households = rng.randint(300, 500)
    return households, rng.randint(max(900, round(households * 2.6)), min(2500, round(households * 3.4)))


def _grids(rng: SeededRandom, tiling: Tiling, streets: list[_Street], dedicated: dict) -> tuple[DemoGrid, ...]:
    demo = _demo_community(streets)
    grids = []
    for street in streets:
        for community in street.communities:
            head = "grid_head" if community is demo else _head_username(community)
            for position, cell in enumerate(community.cells):
                special = dedicated.get((community.code, position))
                member = "grid_member" if community is demo and position == 0 else _member_username(community, position)
                households, population = _figures(rng, special is not None)
                grids.append(
                    DemoGrid(
                        code=community.grid_code(position),
                        name=special or f"{community.name}第{position + 1}网格",
                        kind=GridKind.DEDICATED.value if special else GridKind.COMPREHENSIVE.value,
                        community=community.code,
                        street=street.code,
                        geometry=_geojson(tiling.cells[cell]),
                        households=households,
                        population=population,
                        head=head,
                        members=(member,),
                    )
                )
    return tuple(grids)


def generate_district(seed: int = DEFAULT_SEED, spec: DistrictSpec | None = None) -> DemoDistrict:
    """Generate the fictional demo district for ``seed``; pure and deterministic (no database)."""
    spec = spec or DistrictSpec()
    tiling, streets = _layout(SeededRandom(f"{seed}:geometry"), spec)
    _name_places(SeededRandom(f"{seed}:places"), streets)
    dedicated = _dedicated_names(SeededRandom(f"{seed}:dedicated"), streets, spec.dedicated_grids)
    boundary = shapely.union_all(tiling.cells)
    if not isinstance(boundary, Polygon) or boundary.interiors:
        raise RuntimeError("the grids do not form one polygon without holes")
    return DemoDistrict(
        seed=seed,
        spec=spec,
        code=DISTRICT_CODE,
        name=DISTRICT_NAME,
        boundary=_geojson(boundary),
        units=_units(streets),
        regions=_regions(streets),
        people=_people(SeededRandom(f"{seed}:people"), streets),
        grids=_grids(SeededRandom(f"{seed}:figures"), tiling, streets, dedicated),
    )
