import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[2]


def test_system_checks_pass():
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # Fails when a model changed without its migration
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _settings_in_subprocess(env: dict, expr: str) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'envgrid.settings'; django.setup(); "
        f"from django.conf import settings as s; print({expr})"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_embedded_default_is_sqlite_in_wal_mode_under_the_data_dir(tmp_path):
    out = _settings_in_subprocess(
        {"ENVGRID_DATA_DIR": str(tmp_path)},
        "s.DATABASES['default']['NAME'], s.DATABASES['default']['OPTIONS']['init_command'], "
        "s.HUEY['huey_class'], s.MEDIA_ROOT, s.TIME_ZONE, s.LANGUAGE_CODE",
    )
    assert str(tmp_path / "envgrid.sqlite3") in out
    assert "journal_mode=WAL" in out
    assert "SqliteHuey" in out
    assert str(tmp_path / "media") in out
    assert "Asia/Shanghai" in out and "zh-hans" in out


def test_database_and_redis_urls_switch_to_postgresql_and_redis(tmp_path):
    out = _settings_in_subprocess(
        {
            "ENVGRID_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://eg:pw@db.internal:5433/envgrid",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "a.example,b.example",
        },
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.DATABASES['default']['PORT'], "
        "s.HUEY['huey_class'], s.CACHES['default']['BACKEND'], s.ALLOWED_HOSTS, s.SECRET_KEY == 'x'*50",
    )
    assert "postgresql" in out and "db.internal" in out and "5433" in out
    assert "RedisHuey" in out and "RedisCache" in out
    assert "['a.example', 'b.example']" in out
    assert out.endswith("True")


def test_a_task_round_trips_through_the_redis_queue_used_in_production():
    # Given the queue class the settings pick when REDIS_URL is set
    import redis
    from huey import RedisHuey

    url = os.environ.get("ENVGRID_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        reachable = redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        reachable = False
    require_or_skip(reachable, f"Redis at {url}")
    queue = RedisHuey(f"envgrid-test-{os.getpid()}", url=url, results=True)  # its own queue: runs may overlap
    queue.flush()

    @queue.task()
    def add(a, b):
        return a + b

    # When a task is enqueued and a worker executes it
    pending = add(2, 3)
    assert len(queue) == 1
    queue.execute(queue.dequeue())
    # Then its result comes back through Redis
    assert pending.get() == 5
    queue.flush()


def test_no_template_loads_assets_from_the_internet():
    offenders = []
    for path in (ROOT / "envgrid").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for marker in ('src="http', "src='http", 'href="http', "href='http", "//cdn"):
            if marker in text:
                offenders.append(f"{path.relative_to(ROOT)}: {marker}")
    assert offenders == []
