"""Shared test fixtures: the clock (``travel``, ``ENVGRID_TEST_CLOCK``), the migrations' rows after a flush, and
a real Chromium driven by Playwright. The district, users per role and files are in ``envgrid.testing``.

Browser tests are skipped on a machine without /usr/bin/chromium, and fail under CI (CI=true),
where nothing may be skipped.

``ENVGRID_TEST_CLOCK=06:58 make test`` runs every test with the clock started at that Beijing time today (or at a
full ISO date-time, e.g. ``2026-12-31T23:59+08:00``) and ticking on: a test that depends on the hour or the date
and does not set the clock itself shows up there.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ENVGRID_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there
# unless told that this thread is synchronous code (it is: the tests themselves).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_clock():
    """With ``ENVGRID_TEST_CLOCK`` set, every test starts at that instant (see the module's docstring)."""
    when = os.environ.get("ENVGRID_TEST_CLOCK", "")
    if not when:
        yield
        return
    import time_machine

    from envgrid.testing import beijing_instant

    with time_machine.travel(beijing_instant(when), tick=True):
        yield


@pytest.fixture
def travel():
    """``travel(when)``: move the clock to ``when`` ("HH:MM" today in Beijing, an ISO date-time or an aware
    datetime) and let it tick on from there until the test ends; returns the moment."""
    import time_machine

    from envgrid.testing import beijing_instant

    travellers = []

    def go(when, *, tick: bool = True):
        moment = beijing_instant(when)
        traveller = time_machine.travel(moment, tick=tick)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield go
    for traveller in reversed(travellers):
        traveller.stop()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "full_district: the test needs the 200-grid demo district, not the small one (envgrid.testing)"
    )


def require_or_skip(available: bool, what: str) -> None:
    """Skip when a service or tool is missing, except under CI where that is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI but is not available", pytrace=False)
    pytest.skip(f"{what} is not available on this machine")


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    explicit = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    return explicit or "live_server" in fixtures or "transactional_db" in fixtures


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every transactional test (browser tests on a live server, row-lock races) ends by emptying the
    database; with serialized rollback what the data migrations wrote (case categories, AQI standards,
    source families, checklists, duty shifts) is put back, so the next test — and the demo loader —
    finds the database as migrated, whatever ran before."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if _transactional(item) and not (marker and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def reseed_migration_rows() -> None:
    """Put back what the data migrations wrote, where a flush removed it (each seeder is idempotent or
    runs only on an empty table)."""
    import importlib

    from django.apps import apps

    from envgrid.cases.models import CaseCategory, CaseSLA
    from envgrid.cases.seed import seed_categories
    from envgrid.emergency.models import DutyShift
    from envgrid.emergency.seed import seed_shifts
    from envgrid.monitoring.models import StandardVersion
    from envgrid.patrols.models import Checklist, ChecklistItem
    from envgrid.patrols.seed import seed_checklists
    from envgrid.sources.models import SourceFamily
    from envgrid.sources.seed import seed_families

    if not CaseCategory.objects.exists():
        seed_categories(CaseCategory, CaseSLA)
    seed_families(SourceFamily)
    seed_shifts(DutyShift)
    seed_checklists(Checklist, ChecklistItem, CaseCategory)
    if not StandardVersion.objects.exists():
        importlib.import_module("envgrid.monitoring.migrations.0003_seed_standards").seed(apps, None)


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """Belt and braces beside serialized rollback: a transactional test starts with the migrations' rows."""
    if _transactional(request.node):
        request.getfixturevalue("transactional_db")
        # A flush recreates the content types, maybe under other ids than the process's cache still holds: an
        # audit event would then point at a content type that no longer exists (a foreign-key failure at commit).
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
        reseed_migration_rows()


@pytest.fixture(scope="session")
def browser():
    require_or_skip(CHROMIUM.exists(), f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A page the size of a phone in WeChat's browser (360 px wide)."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()
