"""Test settings: the real settings with a fast hasher, eager tasks and a private database.

``ENVGRID_TEST_DATABASE_URL`` picks the test database (PostgreSQL in the second pass of
``make test``); without it the suite runs on SQLite.
"""

import os

# Before the real settings are read: a fixed key, and plain HTTP (the live server of the browser tests).
os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 50)
os.environ.setdefault("ENVGRID_HTTPS", "false")

from envgrid.settings import *  # noqa: E402, F403
from envgrid.settings import DATA_DIR, _database  # noqa: E402

DATA_DIR.mkdir(parents=True, exist_ok=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {
    "default": _database(os.environ.get("ENVGRID_TEST_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'test.sqlite3'}")
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file in WAL mode, as in production, not Django's shared-cache in-memory database: there a read that
    # meets another thread's write (the HJ 212 receiver's writer, the live server) fails with "table is
    # locked" instead of waiting. One file per xdist worker (pytest-django adds the worker's suffix).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
HUEY = {"huey_class": "huey.MemoryHuey", "name": "envgrid-test", "immediate": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 3
LANGUAGE_CODE = "zh-hans"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 — whitenoise warns when it is missing
WHITENOISE_USE_FINDERS = True
