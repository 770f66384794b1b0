"""Case queues at scale: the dispatcher's queue page and the API list with 10,000 and 100,000 cases.

Run: ``.venv/bin/python bench/cases.py [--quick] [--postgres URL]``.

A scratch database (SQLite in a temporary directory, or the PostgreSQL server given, in a scratch
database ``envgrid_bench`` that is dropped afterwards) gets the demo district, then 10,000 generated
cases (seeded: categories, statuses, units, grids and dates spread over a year, with assignments and
timeline events; open cases past their deadline flagged as the overdue job leaves them); the
queue page and the API list are timed in-process (Django's test client, so
the figures are the application's own cost, without a network); then 90,000 more cases and the same
timings. The target is that the 100,000-case medians and p95s stay within 1.5× of the 10,000-case
figures: indices, pagination and no N+1. The query count of each request is printed too.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = 20261127


def configure(postgres: str | None) -> None:
    os.environ["ENVGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="envgrid-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "envgrid.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if postgres:
        import psycopg

        with psycopg.connect(postgres.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS envgrid_bench")
            conn.execute("CREATE DATABASE envgrid_bench")
        os.environ["DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/envgrid_bench"
    import django

    django.setup()


def generate(count: int, rng: random.Random) -> None:
    """Insert ``count`` cases with their assignments and events in bulk (the ORM, batches of 5,000)."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from envgrid.cases.choices import AssignmentRole, AssignmentStatus, CaseStatus, Channel
    from envgrid.cases.models import Case, CaseAssignment, CaseCategory, CaseEvent
    from envgrid.core.models import Unit
    from envgrid.grids.models import Grid

    categories = list(CaseCategory.objects.filter(parent__isnull=False))
    units = list(Unit.objects.filter(kind__in=["department", "street"]))
    grids = list(Grid.objects.values_list("pk", "street_id", "centroid_lon", "centroid_lat"))
    statuses = [CaseStatus.REPORTED] * 5 + [CaseStatus.DISPATCHED] * 15 + [CaseStatus.IN_PROGRESS] * 10
    statuses += [CaseStatus.FED_BACK] * 5 + [CaseStatus.CLOSED] * 60 + [CaseStatus.REJECTED] * 5
    now, done = timezone.now(), AssignmentStatus.DONE
    start = Case.objects.count()
    for offset in range(0, count, 5_000):
        batch = []
        for i in range(offset, min(count, offset + 5_000)):
            n = start + i
            grid_id, street_id, lon, lat = rng.choice(grids)
            status = rng.choice(statuses)
            created = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
            dispatched = status not in (CaseStatus.REPORTED, CaseStatus.REJECTED)
            batch.append(
                Case(
                    number=f"B{n:08d}",
                    title=f"批量案件 {n}",
                    category=rng.choice(categories),
                    channel=Channel.GRID_MEMBER,
                    status=status,
                    lon=lon,
                    lat=lat,
                    grid_id=grid_id,
                    street_id=street_id,
                    created_at=created,
                    lead_unit=rng.choice(units) if dispatched else None,
                    due_at=created + dt.timedelta(days=3) if dispatched else None,
                    # As the five-minute overdue job leaves them: every open dispatched case past its deadline flagged.
                    is_overdue=dispatched and status != CaseStatus.CLOSED and created + dt.timedelta(days=3) < now,
                )
            )
        with transaction.atomic():
            cases = Case.objects.bulk_create(batch)
            CaseAssignment.objects.bulk_create(
                CaseAssignment(
                    case=c,
                    unit=c.lead_unit,
                    role=AssignmentRole.LEAD,
                    due_at=c.due_at,
                    is_overdue=c.is_overdue,
                    status=done if c.status == CaseStatus.CLOSED else AssignmentStatus.SIGNED,
                )
                for c in cases
                if c.lead_unit_id
            )
            CaseEvent.objects.bulk_create(
                CaseEvent(case=c, action=action, to_status=c.status, created_at=c.created_at)
                for c in cases
                for action in (("report", "accept", "dispatch") if c.lead_unit_id else ("report",))
            )


def settle(database_analyze) -> None:
    """Bring the database to the state it runs in: SQLite's statistics as the nightly upkeep job leaves them,
    PostgreSQL's visibility map and statistics as autovacuum leaves them after a bulk load."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case, cases_caseassignment, cases_caseevent")
    else:
        database_analyze()


def timed(client, url: str, rounds: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and the index
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 cases, fewer rounds")
    parser.add_argument("--postgres", metavar="URL", help="e.g. postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    configure(args.postgres)

    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from envgrid.core.maintenance import database_analyze
    from envgrid.core.models import User
    from envgrid.demo.loader import demo_load

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    demo_load()
    rng = random.Random(SEED)
    small, large = (1_000, 10_000) if args.quick else (10_000, 100_000)
    rounds = 15 if args.quick else 40
    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    staff = Client()
    staff.force_login(User.objects.get(username="unit_staff"))
    urls = {
        "dispatcher queue page": (client, reverse("case-queue")),
        "dispatcher queue, overdue tab": (client, reverse("case-queue") + "?queue=overdue"),
        "unit staff queue page": (staff, reverse("case-queue")),
        "API list /api/v1/cases/": (client, "/api/v1/cases/"),
        "API list, deep page (offset 900)": (client, "/api/v1/cases/?limit=100&offset=900"),
    }
    results = {}
    backend = "PostgreSQL" if args.postgres else "SQLite"
    for size in (small, large):
        t0 = time.perf_counter()
        generate(size - (small if size == large else 0), rng)
        settle(database_analyze)
        print(f"{backend}: generated up to {size:,} cases in {time.perf_counter() - t0:.1f} s", flush=True)
        for name, (c, url) in urls.items():
            results[(name, size)] = timed(c, url, rounds)
    print(f"{'figure':34} {'cases':>8} {'median ms':>10} {'p95 ms':>8} {'min':>7} {'max':>7} {'queries':>7}")
    worst = 0.0
    for name in urls:
        for size in (small, large):
            times, queries = results[(name, size)]
            print(
                f"{name:34} {size:>8,} {statistics.median(times):>10.2f} {p95(times):>8.2f} "
                f"{min(times):>7.2f} {max(times):>7.2f} {queries:>7}"
            )
        (a, _qa), (b, _qb) = results[(name, small)], results[(name, large)]
        ratio_median, ratio_p95 = statistics.median(b) / statistics.median(a), p95(b) / p95(a)
        worst = max(worst, ratio_median, ratio_p95)
        print(f"{'':34} ratio {large:,}/{small:,}: median {ratio_median:.2f}×, p95 {ratio_p95:.2f}× (target ≤ 1.5×)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"HEADLINE ({backend}): worst 100k/10k ratio over queue page and API list = {worst:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
