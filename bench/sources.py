"""Excel import of 20,000 supervised objects and 20,000 responsibilities, beside a bare openpyxl read.

Run: ``.venv/bin/python bench/sources.py [--quick] [--postgres URL]``.

A scratch database (SQLite in a temporary directory, or the PostgreSQL server given, in a scratch
database ``envgrid_bench_sources`` dropped afterwards) gets the demo district. Two workbooks are generated
(seeded): 20,000 objects of every kind placed inside the demo grids (enterprises with credit codes and
grades, construction sites with the six-100% items, roads with lines…), and 20,000 responsibilities, one
per object, naming a unit and a person. Each run, alternately: the baseline reads each workbook with
openpyxl (``read_only=True``, ``values_only=True``: every cell, nothing else), then EnvGrid imports it
for real (``dry_run=False``: parse, check every row, grid lookup, diff against the database, bulk write in
one transaction, audit); the written rows are deleted between runs, untimed. The target is an import
total (objects + responsibilities) at most 3× the bare read of the same two workbooks. Peak memory is
measured in one extra run under tracemalloc (which slows Python down, so it is not timed), and the peak
RSS of the process is printed too. ``--quick``: 2,000 rows.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = 20261127
SCRATCH = "envgrid_bench_sources"


def configure(postgres: str | None) -> None:
    os.environ["ENVGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="envgrid-bench-sources-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "envgrid.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    if postgres:
        import psycopg

        with psycopg.connect(postgres.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
            conn.execute(f"CREATE DATABASE {SCRATCH}")
        os.environ["DATABASE_URL"] = postgres.rsplit("/", 1)[0] + f"/{SCRATCH}"
    import django

    django.setup()


def drop_scratch(postgres: str | None) -> None:
    if not postgres:
        return
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(postgres.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")


def _save(header: list, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _points(count: int, rng: random.Random) -> list[tuple[float, float]]:
    """``count`` points spread over the demo grids, each surely inside one (rejection sampling)."""
    import numpy as np
    import shapely

    from envgrid.grids.models import Grid

    polygons = [shapely.geometry.shape(g) for g in Grid.objects.values_list("geometry", flat=True)]
    points = []
    while len(points) < count:
        polygon = rng.choice(polygons)
        minx, miny, maxx, maxy = polygon.bounds
        xs = np.array([rng.uniform(minx, maxx) for _ in range(8)])
        ys = np.array([rng.uniform(miny, maxy) for _ in range(8)])
        inside = shapely.contains_xy(polygon, xs, ys)
        points += [(round(x, 6), round(y, 6)) for x, y, ok in zip(xs, ys, inside, strict=True) if ok][:2]
    return points[:count]


def workbooks(count: int, rng: random.Random) -> tuple[bytes, bytes]:
    """The objects workbook and the responsibilities workbook (same columns as the download templates)."""
    from envgrid.core.models import User
    from envgrid.demo.rng import SeededRandom
    from envgrid.sources.demo import _credit_code
    from envgrid.sources.imports import objects as object_import
    from envgrid.sources.imports import responsibilities as responsibility_import

    seeded = SeededRandom(SEED)
    header = [c.header_zh for c in object_import.COLUMNS]
    index = {c.key: i for i, c in enumerate(object_import.COLUMNS)}
    kinds = [
        ("industrial", "工业企业", "BQY"),
        ("construction", "建筑工地", "BGD"),
        ("road", "道路", "BDL"),
        ("fuel_coal", "加油站", "BRM"),
        ("living", "餐饮", "BCY"),
        ("agriculture", "农田", "BNT"),
    ]
    rows = []
    for n, (lon, lat) in enumerate(_points(count, rng)):
        family, kind, prefix = kinds[n % len(kinds)]
        row = [None] * len(header)
        row[index["code"]] = f"{prefix}-{n:06d}"
        row[index["name"]] = f"批量对象{n}"
        row[index["family"]], row[index["kind"]] = family, kind
        row[index["address"]] = f"测试路{n % 500}号"
        row[index["lon"]], row[index["lat"]] = lon, lat
        row[index["status"]] = "正常"
        row[index["contact_name"]], row[index["contact_phone"]] = "张三", f"138{n:08d}"
        if kind == "工业企业":
            row[index["credit_code"]] = _credit_code(seeded)
            row[index["industry"]], row[index["performance_grade"]] = "化工", rng.choice(["A", "B", "C", "D"])
            row[index["monitoring_mns"]] = f"41019900{n:06d}"
        elif kind == "建筑工地":
            row[index["site_permit"]], row[index["area_m2"]], row[index["stage"]] = f"SG{n}", 12000, "structure"
            for key in ("fence_enclosure", "material_covered", "road_hardened", "vehicle_washing"):
                row[index[key]] = "是"
        elif kind == "道路":
            row[index["road_grade"]], row[index["cleaning_standard"]] = "branch", "机扫 每日2次"
            row[index["line"]] = f"{lon - 0.0004},{lat}; {lon},{lat}; {lon + 0.0004},{lat}"
        rows.append(row)
    objects = _save(header, rows)
    people = list(User.objects.filter(username__startswith="demo_fb").select_related("unit"))
    resp_header = [c.header_zh for c in responsibility_import.COLUMNS]
    r_index = {c.key: i for i, c in enumerate(responsibility_import.COLUMNS)}
    resp_rows = []
    for n, row in enumerate(rows):
        person = people[n % len(people)]
        out = [None] * len(resp_header)
        out[r_index["object_code"]] = row[index["code"]]
        out[r_index["role"]] = "主责"
        out[r_index["unit"]], out[r_index["person"]] = person.unit.name, person.display_name
        out[r_index["valid_from"]] = f"2026-{1 + n % 12:02d}-01"
        resp_rows.append(out)
    return objects, _save(resp_header, resp_rows)


def bare_read(data: bytes) -> int:
    """The baseline: every cell of the first sheet through openpyxl's read-only reader."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
    workbook.close()
    return cells


def clean() -> None:
    from envgrid.sources.models import Responsibility, SupervisedObject

    Responsibility.objects.filter(supervised_object__code__startswith="B").delete()
    SupervisedObject.objects.filter(code__startswith="B").delete()


def timed(func, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - started, result


def describe(name: str, values: list[float], rows: int) -> str:
    median = statistics.median(values)
    return (
        f"{name:<34} median {median:7.3f} s  min {min(values):7.3f}  max {max(values):7.3f}"
        f"  ({rows / median:,.0f} rows/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows, for a check in under a minute")
    parser.add_argument("--postgres", metavar="URL", help="e.g. postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    configure(args.postgres)
    try:
        run(args)
    finally:
        drop_scratch(args.postgres)


def run(args) -> None:
    from django.core.management import call_command

    from envgrid.demo.loader import demo_load
    from envgrid.grids.lookup import current_index
    from envgrid.sources.imports.objects import import_objects
    from envgrid.sources.imports.responsibilities import import_responsibilities
    from envgrid.sources.models import Responsibility, SupervisedObject

    count = args.rows or (2_000 if args.quick else 20_000)
    call_command("migrate", verbosity=0)
    demo_load()
    current_index()
    rng = random.Random(SEED)
    objects_xlsx, responsibilities_xlsx = workbooks(count, rng)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{backend}: {count:,} objects ({len(objects_xlsx) / 1e6:.1f} MB), {count:,} responsibilities "
        f"({len(responsibilities_xlsx) / 1e6:.1f} MB), {args.runs} runs"
    )
    read_o, read_r, imp_o, imp_r = [], [], [], []
    for _run in range(args.runs):
        seconds, _cells = timed(bare_read, objects_xlsx)
        read_o.append(seconds)
        seconds, result = timed(import_objects, objects_xlsx, dry_run=False)
        assert result.written and result.created == count and not result.errors, result.errors[:3]
        imp_o.append(seconds)
        seconds, _cells = timed(bare_read, responsibilities_xlsx)
        read_r.append(seconds)
        seconds, result = timed(import_responsibilities, responsibilities_xlsx, dry_run=False)
        assert result.written and result.created == count and not result.errors, result.errors[:3]
        imp_r.append(seconds)
        assert SupervisedObject.objects.filter(code__startswith="B").count() == count
        assert Responsibility.objects.filter(supervised_object__code__startswith="B").count() == count
        clean()
    tracemalloc.start()
    import_objects(objects_xlsx, dry_run=False)
    _current, peak_objects = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    import_responsibilities(responsibilities_xlsx, dry_run=False)
    _current, peak_resp = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    clean()
    print(describe("bare openpyxl read, objects", read_o, count))
    print(describe("EnvGrid import, objects", imp_o, count))
    print(f"{'  ratio objects':<34} {statistics.median(imp_o) / statistics.median(read_o):.2f}x")
    print(describe("bare openpyxl read, responsibilities", read_r, count))
    print(describe("EnvGrid import, responsibilities", imp_r, count))
    print(f"{'  ratio responsibilities':<34} {statistics.median(imp_r) / statistics.median(read_r):.2f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak traced memory: objects import {peak_objects / 1e6:.0f} MB, responsibilities import "
        f"{peak_resp / 1e6:.0f} MB; peak RSS of the process {rss:.0f} MB"
    )
    totals_read = [a + b for a, b in zip(read_o, read_r, strict=True)]
    totals_import = [a + b for a, b in zip(imp_o, imp_r, strict=True)]
    print(describe("bare read, both workbooks", totals_read, 2 * count))
    print(describe("EnvGrid import, both", totals_import, 2 * count))
    ratio = statistics.median(totals_import) / statistics.median(totals_read)
    print(f"{backend} headline: import total / bare read = {ratio:.2f}x (target ≤ 3x)")


if __name__ == "__main__":
    main()
