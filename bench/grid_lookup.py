"""Point → grid lookup: EnvGrid's GridIndex (STRtree + prepared polygons) against brute force.

Run: ``.venv/bin/python bench/grid_lookup.py [--quick]``. No database: GridIndex is used directly.

Data (seeded): 5,000 grids tiling a 40 × 30 km box near Zhengzhou (lon 113.6, lat 34.8), made as the
Voronoi cells of 5,000 random seeds clipped to the box, and 100,000 random points over a box 10 %
wider and taller, so about 17 % fall outside every grid.

Baselines, measured in the same run on the same points, alternating with EnvGrid (polygons unprepared,
as a first implementation would have them, except where said):
- brute-force scan: ``polygon.contains(point)`` over every polygon, lowest id among the hits
  (the headline baseline);
- brute-force first hit: the same loop in id order, stopping at the first hit (about half the work);
- brute-force vectorised: ``shapely.contains`` over the whole array of prepared polygons at once.
Brute force is slow, so it runs on a sample of the points (500; 200 with --quick).
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely

# Run as a plain script from any directory: make the project importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from envgrid.grids.lookup import GridIndex  # noqa: E402

LON0, LAT0 = 113.6, 34.8
WIDTH_M, HEIGHT_M = 40_000, 30_000
N_GRIDS = 5_000
SEED = 20261101


def make_grids(rng: np.random.Generator) -> np.ndarray:
    """5,000 polygons that tile the box without gaps or overlaps (Voronoi cells clipped to it)."""
    half_w = WIDTH_M / 2 / (111_320 * math.cos(math.radians(LAT0)))
    half_h = HEIGHT_M / 2 / 110_940
    box = shapely.box(LON0 - half_w, LAT0 - half_h, LON0 + half_w, LAT0 + half_h)
    seeds = np.column_stack(
        [rng.uniform(LON0 - half_w, LON0 + half_w, N_GRIDS), rng.uniform(LAT0 - half_h, LAT0 + half_h, N_GRIDS)]
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    return shapely.intersection(cells, box)


def make_points(rng: np.random.Generator, cells: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = shapely.total_bounds(cells)
    pad_x, pad_y = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    return rng.uniform(minx - pad_x, maxx + pad_x, n), rng.uniform(miny - pad_y, maxy + pad_y, n)


def brute_force_scan(polygons: list, lon: float, lat: float):
    """``contains`` over every polygon; the lowest id among the hits (as GridIndex answers ties)."""
    point = shapely.Point(lon, lat)
    hits = [grid_id for grid_id, polygon in polygons if polygon.contains(point)]
    return min(hits) if hits else None


def brute_force_first_hit(polygons: list, lon: float, lat: float):
    """The same scan in id order, stopping at the first polygon that contains the point."""
    point = shapely.Point(lon, lat)
    for grid_id, polygon in polygons:
        if polygon.contains(point):
            return grid_id
    return None


def brute_force_vectorised(ids: np.ndarray, polygons: np.ndarray, lon: float, lat: float):
    hits = np.flatnonzero(shapely.contains(polygons, shapely.Point(lon, lat)))
    return int(ids[hits[0]]) if len(hits) else None


def per_lookup_us(func, lons, lats) -> tuple[float, list]:
    """Mean microseconds per call of ``func(lon, lat)`` over the points, and the answers."""
    start = time.perf_counter()
    answers = [func(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
    return (time.perf_counter() - start) / len(lons) * 1e6, answers


def summary(name: str, samples: list[float], baseline: list[float] | None, unit: str = "µs/lookup") -> str:
    line = (
        f"{name:<45} median {statistics.median(samples):10.2f} {unit}"
        f"  min {min(samples):10.2f}  max {max(samples):10.2f}"
    )
    if baseline is not None:
        line += f"  ratio {statistics.median(baseline) / statistics.median(samples):8.1f}×"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer points and rounds (under a minute)")
    args = parser.parse_args()
    rounds = 3 if args.quick else 5
    n_points = 20_000 if args.quick else 100_000
    n_sample = 200 if args.quick else 500

    rng = np.random.default_rng(SEED)
    cells = make_grids(rng)
    ids = np.arange(1, len(cells) + 1)
    lons, lats = make_points(rng, cells, n_points)
    # The baselines get their own, unprepared copies: GridIndex prepares the polygons it is given.
    plain = list(zip(ids.tolist(), shapely.from_wkb(shapely.to_wkb(cells)), strict=True))
    prepared = shapely.from_wkb(shapely.to_wkb(cells))
    shapely.prepare(prepared)

    start = time.perf_counter()
    index = GridIndex(list(zip(ids.tolist(), cells, strict=True)))
    build_s = time.perf_counter() - start
    print(
        f"{len(cells)} grids (mean {shapely.get_num_coordinates(cells).mean():.1f} vertices), {n_points} points, "
        f"brute force on {n_sample}-point samples, {rounds} rounds; GridIndex built in {build_s * 1000:.0f} ms"
    )

    scan_us, first_us, vector_us, find_us, many_us = [], [], [], [], []
    mismatches = checked = 0
    for r in range(rounds):
        sample = rng.choice(n_points, n_sample, replace=False)
        s_lons, s_lats = lons[sample], lats[sample]
        t, brute = per_lookup_us(lambda lon, lat: brute_force_scan(plain, lon, lat), s_lons, s_lats)
        scan_us.append(t)
        t, brute_first = per_lookup_us(lambda lon, lat: brute_force_first_hit(plain, lon, lat), s_lons, s_lats)
        first_us.append(t)
        t, brute_vec = per_lookup_us(lambda lon, lat: brute_force_vectorised(ids, prepared, lon, lat), s_lons, s_lats)
        vector_us.append(t)
        t, found = per_lookup_us(index.find, lons, lats)
        find_us.append(t)
        start = time.perf_counter()
        found_many = index.find_many(lons, lats)
        many_us.append((time.perf_counter() - start) / n_points * 1e6)

        found_sample = [found[i] for i in sample]
        mismatches += sum(a != b for a, b in zip(brute, found_sample, strict=True))
        for answers in (brute_first, brute_vec):
            mismatches += sum(a != b for a, b in zip(answers, found_sample, strict=True))
        mismatches += sum(a != b for a, b in zip(found, found_many, strict=True))
        checked += 3 * n_sample + n_points
        if r == 0:
            outside = sum(f is None for f in found) / n_points
            print(f"points outside every grid: {outside:.1%}")

    print(summary("baseline: brute-force scan (contains, all)", scan_us, None))
    print(summary("baseline: brute-force first hit", first_us, None))
    print(summary("baseline: brute-force vectorised (prepared)", vector_us, None))
    print(summary("EnvGrid find vs brute-force scan", find_us, scan_us))
    print(summary("EnvGrid find vs brute-force first hit", find_us, first_us))
    print(summary("EnvGrid find vs brute-force vectorised", find_us, vector_us))
    print(summary("EnvGrid find_many (per point) vs scan", many_us, scan_us))
    print(summary("EnvGrid find_many (per point) vs vectorised", many_us, vector_us))
    print(
        f"find_many rate: median {n_points / (statistics.median(many_us) * n_points / 1e6):,.0f} points/s; "
        f"find rate: median {1e6 / statistics.median(find_us):,.0f} lookups/s"
    )
    print(f"agreement: {mismatches} mismatches in {checked} compared answers (must be 0)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    headline = statistics.median(scan_us) / statistics.median(find_us)
    print(f"HEADLINE: GridIndex.find is {headline:.0f}× faster per lookup than the brute-force scan (target ≥ 100×)")
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
