"""Seeded tiling of the demo district: an irregular outline cut into grid cells with no gaps and no
overlaps, and the cells grouped into contiguous communities and streets.

The geometry is built in local metres (an equirectangular projection around the district centre):
Voronoi cells of relaxed random seeds, clipped to the outline. Every vertex is then mapped once to a
rounded (lon, lat), so the vertices two neighbouring cells share stay identical after rounding.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from envgrid.demo.rng import SeededRandom

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180
#: Vertices closer than this are one vertex computed twice (the same edge crossing the outline,
#: clipped once for each of the two cells it separates); they are merged before rounding.
SNAP_TOLERANCE_M = 1e-3
#: Cells must share at least this much border to be neighbours: a shared corner does not count.
NEIGHBOUR_MIN_BORDER_M = 1.0
#: Lloyd relaxation rounds: a few make cells of even size without making them a regular lattice.
RELAXATION_ROUNDS = 3


class TilingError(RuntimeError):
    """The generator met a geometric case it cannot tile cleanly (a bug or a pathological seed)."""


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection around a district's centre: accurate to ~0.1 % over 20 km."""

    lon0: float
    lat0: float

    @property
    def metres_per_degree_lon(self) -> float:
        return METRES_PER_DEGREE_LAT * math.cos(math.radians(self.lat0))

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + x / self.metres_per_degree_lon, self.lat0 + y / METRES_PER_DEGREE_LAT

    def to_metres(self, lonlat: np.ndarray) -> np.ndarray:
        """(n, 2) array of lon/lat to local metres; fits ``shapely.transform``."""
        lonlat = np.asarray(lonlat, dtype=float)
        x = (lonlat[:, 0] - self.lon0) * self.metres_per_degree_lon
        y = (lonlat[:, 1] - self.lat0) * METRES_PER_DEGREE_LAT
        return np.column_stack([x, y])

    def geometry_to_metres(self, geom):
        return shapely.transform(geom, self.to_metres)


@dataclass(frozen=True)
class Tiling:
    """Cells in seed order: rounded lon/lat polygons (counter-clockwise), their shapes in metres,
    a point inside each (metres) and the cells each one shares a border with."""

    cells: list[Polygon]
    cells_m: list[Polygon]
    points_m: np.ndarray
    neighbours: list[set[int]]


def district_outline(rng: SeededRandom, *, half_width_m: float, half_height_m: float, vertices: int = 96) -> Polygon:
    """An irregular outline in metres: an ellipse whose radius wobbles with a few random harmonics.

    The radius stays positive and the angle only grows, so the ring never crosses itself.
    """
    harmonics = [
        (k, rng.uniform(0.02, 0.09) / math.sqrt(k - 1), rng.uniform(0, 2 * math.pi)) for k in (2, 3, 4, 5, 7, 9)
    ]
    points = []
    for i in range(vertices):
        t = 2 * math.pi * i / vertices
        radius = 1 + sum(a * math.sin(k * t + phase) for k, a, phase in harmonics) + rng.uniform(-0.012, 0.012)
        points.append((half_width_m * radius * math.cos(t), half_height_m * radius * math.sin(t)))
    return Polygon(points)


def _points_inside(rng: SeededRandom, outline: Polygon, count: int) -> np.ndarray:
    minx, miny, maxx, maxy = outline.bounds
    shapely.prepare(outline)
    points: list[tuple[float, float]] = []
    while len(points) < count:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(outline, x, y):
            points.append((x, y))
    return np.array(points)


def _voronoi_cells(outline: Polygon, seeds: np.ndarray) -> np.ndarray:
    """The Voronoi cell of every seed, in seed order, clipped to the outline."""
    points = shapely.points(seeds)
    # extend_to makes the outer cells reach past the outline's envelope, so the clipped cells cover it.
    diagram = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=outline))
    seed_index, cell_index = shapely.STRtree(diagram).query(points, predicate="within")
    if len(seed_index) != len(seeds) or len(set(seed_index.tolist())) != len(seeds):
        raise TilingError("a seed did not fall inside exactly one Voronoi cell")
    ordered = np.empty(len(seeds), dtype=object)
    ordered[seed_index] = diagram[cell_index]
    return shapely.intersection(ordered, outline)


def _inside_points(cells: np.ndarray) -> np.ndarray:
    """Each cell's centroid, or a point on its surface where the centroid falls outside the cell."""
    centroids = shapely.centroid(cells)
    inside = shapely.contains(cells, centroids)
    return shapely.get_coordinates(np.where(inside, centroids, shapely.point_on_surface(cells)))


def relaxed_seeds(rng: SeededRandom, outline: Polygon, count: int) -> np.ndarray:
    """Random seeds inside the outline, moved a few times to their cell's centre (Lloyd relaxation)."""
    seeds = _points_inside(rng, outline, count)
    for _ in range(RELAXATION_ROUNDS):
        seeds = _inside_points(_voronoi_cells(outline, seeds))
    return seeds


class _VertexSnapper:
    """Maps every vertex to one rounded (lon, lat); copies of a vertex computed twice map to the same."""

    def __init__(self, projection: LocalProjection, decimals: int):
        self._projection = projection
        self._decimals = decimals
        self._buckets: dict[tuple[int, int], list[tuple[float, float, tuple[float, float]]]] = defaultdict(list)

    def vertex(self, x: float, y: float) -> tuple[float, float]:
        kx, ky = math.floor(x / SNAP_TOLERANCE_M), math.floor(y / SNAP_TOLERANCE_M)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for px, py, rounded in self._buckets.get((kx + dx, ky + dy), ()):
                    if math.hypot(px - x, py - y) <= SNAP_TOLERANCE_M:
                        return rounded
        lon, lat = self._projection.lonlat(x, y)
        rounded = (round(lon, self._decimals), round(lat, self._decimals))
        self._buckets[(kx, ky)].append((x, y, rounded))
        return rounded

    def polygon(self, polygon_m: Polygon) -> Polygon:
        ring: list[tuple[float, float]] = []
        for x, y in polygon_m.exterior.coords[:-1]:
            vertex = self.vertex(x, y)
            if not ring or ring[-1] != vertex:
                ring.append(vertex)
        while len(ring) > 1 and ring[0] == ring[-1]:
            ring.pop()
        if len(ring) < 3:
            raise TilingError("a cell collapsed when its coordinates were rounded")
        return Polygon(ring)


def _parts_by_area(geom) -> list[Polygon]:
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > 0]
    if not parts or any(p.interiors for p in parts):
        raise TilingError("a clipped cell is empty or has a hole")
    return sorted(parts, key=lambda p: -p.area)


def _shared_border(a: Polygon, b: Polygon) -> float:
    return shapely.intersection(a.boundary, b.boundary).length


def _absorb(cells: list[Polygon], owner: int, piece: Polygon) -> None:
    """Give a stray piece of a cell (cut off by a bend of the outline) to the neighbour it borders most."""
    candidates = [int(i) for i in shapely.STRtree(cells).query(piece, predicate="intersects") if i != owner]
    borders = {i: _shared_border(piece, cells[i]) for i in candidates}
    best = min(borders, key=lambda i: (-borders[i], i), default=None)
    if best is None or borders[best] <= 0:
        raise TilingError("a stray piece of a cell has no neighbour to join")
    merged = shapely.union(cells[best], piece)
    if not isinstance(merged, Polygon) or merged.interiors:
        raise TilingError("joining a stray piece did not give a simple polygon")
    cells[best] = merged


def _neighbours(cells_m: list[Polygon]) -> list[set[int]]:
    geoms = np.array(cells_m, dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    borders = shapely.length(shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right])))
    neighbours: list[set[int]] = [set() for _ in cells_m]
    for a, b, border in zip(left.tolist(), right.tolist(), borders.tolist(), strict=True):
        if border >= NEIGHBOUR_MIN_BORDER_M:
            neighbours[a].add(b)
            neighbours[b].add(a)
    return neighbours


def tile(
    rng: SeededRandom, *, count: int, half_width_m: float, half_height_m: float, projection: LocalProjection
) -> Tiling:
    """Cut a random outline of about 2·half_width × 2·half_height metres into ``count`` cells."""
    outline = district_outline(rng, half_width_m=half_width_m, half_height_m=half_height_m)
    return cut(outline, relaxed_seeds(rng, outline, count), projection)


def cut(outline: Polygon, seeds: np.ndarray, projection: LocalProjection) -> Tiling:
    """Cut the outline (metres) into the Voronoi cells of the seeds, rounded to 7 decimals of a degree.

    A cell that a bend of the outline splits in two keeps its larger piece; the smaller one joins
    the neighbour it borders most, so every cell stays one polygon and the cells still cover the outline.
    """
    snapper = _VertexSnapper(projection, decimals=7)
    pieces = [_parts_by_area(cell) for cell in _voronoi_cells(outline, seeds)]
    cells = [snapper.polygon(parts[0]) for parts in pieces]
    strays = [(owner, snapper.polygon(extra)) for owner, parts in enumerate(pieces) for extra in parts[1:]]
    for owner, piece in strays:
        _absorb(cells, owner, piece)
    cells = [orient(cell, sign=1.0) for cell in cells]
    if not all(cell.is_valid for cell in cells):
        raise TilingError("a cell is not a valid polygon after rounding")
    cells_m = [projection.geometry_to_metres(cell) for cell in cells]
    points = _inside_points(np.array(cells_m, dtype=object))
    return Tiling(cells=cells, cells_m=cells_m, points_m=points, neighbours=_neighbours(cells_m))


def _nearest(points: np.ndarray, centres: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Index of the nearest centre for every point (first one on ties), in chunks to bound memory."""
    labels = np.empty(len(points), dtype=int)
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        distances = ((block[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels[start : start + chunk] = distances.argmin(axis=1)
    return labels


def spread_anchors(rng: SeededRandom, points: np.ndarray, count: int, rounds: int = 15) -> list[int]:
    """Indices of ``count`` points spread evenly among all: k-means centres moved to the nearest free point."""
    centres = points[rng.shuffled(range(len(points)))[:count]].copy()
    for _ in range(rounds):
        labels = _nearest(points, centres)
        for c in range(count):
            members = points[labels == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    taken = np.zeros(len(points), dtype=bool)
    anchors = []
    for centre in centres:
        distances = ((points - centre) ** 2).sum(axis=1)
        distances[taken] = np.inf
        anchor = int(distances.argmin())
        taken[anchor] = True
        anchors.append(anchor)
    return anchors


def _components(members: set[int], neighbours: list[set[int]]) -> list[set[int]]:
    seen: set[int] = set()
    components = []
    for start in sorted(members):
        if start in seen:
            continue
        component, frontier = {start}, [start]
        while frontier:
            current = frontier.pop()
            for other in sorted(neighbours[current] & members):
                if other not in component:
                    component.add(other)
                    frontier.append(other)
        seen |= component
        components.append(component)
    return components


def group_around(points: np.ndarray, anchors: list[int], neighbours: list[set[int]]) -> list[int]:
    """Put each item in the group of its nearest anchor, then make every group one connected piece.

    A piece cut off from its group's anchor moves to the neighbouring group it borders most; each
    move joins two pieces, so the loop ends. Anchors never move, so no group ends up empty.
    """
    labels = _nearest(points, points[anchors]).tolist()
    groups: dict[int, set[int]] = defaultdict(set)
    for item, group in enumerate(labels):
        groups[group].add(item)
    moved = True
    while moved:
        moved = False
        for group, anchor in enumerate(anchors):
            for component in _components(groups[group], neighbours):
                if anchor in component:
                    continue
                border = Counter(labels[j] for i in sorted(component) for j in neighbours[i] if labels[j] != group)
                if not border:
                    continue
                target = min(border, key=lambda g: (-border[g], g))
                for item in component:
                    labels[item] = target
                groups[group] -= component
                groups[target] |= component
                moved = True
    return labels
