"""EnvGrid settings, read from environment variables through one typed ``env`` object.

Defaults are the embedded mode: SQLite (WAL) and Huey on SQLite under ``ENVGRID_DATA_DIR``,
no outside service. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Asia/Shanghai"),
    LANGUAGE_CODE=(str, "zh-hans"),
    REDIS_URL=(str, ""),
    ENVGRID_MAP_TILE_URL=(str, ""),
    ENVGRID_MAP_TILE_ATTRIBUTION=(str, ""),
    ENVGRID_MAP_TILE_CRS=(str, "wgs84"),
    ENVGRID_WORK_HOURS=(str, "09:00-12:00,13:30-17:30"),
    ENVGRID_AXES_FAILURE_LIMIT=(int, 5),
    EMAIL_URL=(str, "consolemail://"),
    ENVGRID_NOTIFY_EMAIL=(bool, False),
    ENVGRID_NOTIFY_WEBHOOK_URL=(str, ""),
    ENVGRID_NOTIFY_WEBHOOK_TOKEN=(str, ""),
    ENVGRID_SITE_URL=(str, ""),
    DEFAULT_FROM_EMAIL=(str, "envgrid@localhost"),
    HJ212_HOST=(str, "127.0.0.1"),
    HJ212_PORT=(int, 9212),
    HJ212_BATCH_SIZE=(int, 500),
    HJ212_MAX_CONNECTIONS=(int, 2000),
    HJ212_MAX_CONNECTIONS_PER_PEER=(int, 50),
    HJ212_IDLE_SECONDS=(int, 600),
    HJ212_MAX_REFUSALS_PER_CONNECTION=(int, 20),
    HJ212_REJECT_QUEUE=(int, 1000),
    HJ212_REJECT_RETENTION_DAYS=(int, 30),
    HJ212_AUTH_FAILURES=(int, 3),
    HJ212_AUTH_BACKOFF_SECONDS=(int, 60),
    ENVGRID_MINUTE_RETENTION_DAYS=(int, 90),
    ENVGRID_ROLLUP_WORKERS=(int, 0),
    ENVGRID_IMAGE_MAX_PIXELS=(int, 40_000_000),
    SOURCES_KEY_GRID_MIN_OBJECTS=(int, 3),
    ENVGRID_PROXY_SSL_HEADER=(bool, False),
    ENVGRID_HSTS_SECONDS=(int, 31_536_000),
    ENVGRID_HSTS_PRELOAD=(bool, True),
    ENVGRID_MAX_REQUEST_MB=(int, 40),
    ENVGRID_IDEMPOTENCY_DAYS=(int, 7),
    ENVGRID_API_TOKEN_DAYS=(int, 90),
    ENVGRID_TRUSTED_PROXIES=(int, 0),
    ENVGRID_SIGNIN_RATE_PER_MINUTE=(int, 30),
    ENVGRID_SIGNIN_MAX_DELAY_MINUTES=(int, 60),
)

# Settings do no file-system work: `make run` (scripts/run.sh) creates the data directory and the key file.
DATA_DIR = Path(env.str("ENVGRID_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment (required in production: every app server must share it); the embedded
    mode falls back to the key file that `make run` writes once with mode 0600."""
    if key := env.str("SECRET_KEY", default=""):
        return key
    path = Path(env.str("ENVGRID_SECRET_KEY_FILE", default=str(DATA_DIR / "secret_key")))
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and there is no key file at {path}. In production set SECRET_KEY "
            "(see docs/deploy.md); for the embedded mode run `make run` once, which writes the key file."
        ) from None


SECRET_KEY = _secret_key()
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "envgrid.core.axes_config.AxesConfig",
    "huey.contrib.djhuey",
    "envgrid.core",
    "envgrid.notifications",
    "envgrid.grids",
    "envgrid.sources",
    "envgrid.cases",
    "envgrid.directives",
    "envgrid.patrols",
    "envgrid.monitoring",
    "envgrid.alerts",
    "envgrid.emergency",
    "envgrid.demo",
]

MIDDLEWARE = [
    # First: an oversized body is refused before anything reads it.
    "envgrid.core.http.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

# The largest request body accepted (declared Content-Length), e.g. a case report with nine phone photos.
ENVGRID_MAX_REQUEST_BYTES = env("ENVGRID_MAX_REQUEST_MB") * 2**20

# How long an API token works after it is issued (envgrid/core/tokens.py).
ENVGRID_API_TOKEN_DAYS = env("ENVGRID_API_TOKEN_DAYS")
# How long a create's idempotency key is remembered (a client's retries come within minutes).
ENVGRID_IDEMPOTENCY_DAYS = env("ENVGRID_IDEMPOTENCY_DAYS")

ROOT_URLCONF = "envgrid.urls"
WSGI_APPLICATION = "envgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "envgrid" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "envgrid.core.context_processors.navigation",
                "envgrid.notifications.context_processors.notifications",
            ],
        },
    },
]


def _database(url: str) -> dict:
    db = environ.Env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while the worker writes; IMMEDIATE avoids upgrade deadlocks.
        db["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        db.setdefault("CONN_MAX_AGE", 60)
        db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": _database(env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'envgrid.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in abuse (envgrid/core/signin.py): failures count per username whatever the address, the wait grows with
# each round of failures (1, 2, 4 … minutes), and one address may try ENVGRID_SIGNIN_RATE_PER_MINUTE times a minute.
AXES_FAILURE_LIMIT = env("ENVGRID_AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = "envgrid.core.signin.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address among the lockout parameters. Here the address has its own limit, a rate
# (ENVGRID_SIGNIN_RATE_PER_MINUTE in envgrid.core.signin), because locking an address after five wrong passwords
# would lock out a whole office behind one NAT or proxy.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "envgrid.core.signin.client_ip"
# The reverse proxies in front of the app (docs/deploy.md: one nginx): the client's address is the one they saw.
ENVGRID_TRUSTED_PROXIES = env("ENVGRID_TRUSTED_PROXIES")
ENVGRID_SIGNIN_RATE_PER_MINUTE = env("ENVGRID_SIGNIN_RATE_PER_MINUTE")
ENVGRID_SIGNIN_MAX_DELAY_MINUTES = env("ENVGRID_SIGNIN_MAX_DELAY_MINUTES")
AXES_LOCKOUT_CALLABLE = "envgrid.core.signin.lockout_response"

LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "envgrid" / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "envgrid" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {"huey_class": "huey.RedisHuey", "name": "envgrid", "url": REDIS_URL, "immediate": False}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "envgrid",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
    }

vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
# Notification channels besides the in-app inbox (both off until configured).
ENVGRID_NOTIFY_EMAIL = env("ENVGRID_NOTIFY_EMAIL")
ENVGRID_NOTIFY_WEBHOOK_URL = env("ENVGRID_NOTIFY_WEBHOOK_URL")
ENVGRID_NOTIFY_WEBHOOK_TOKEN = env("ENVGRID_NOTIFY_WEBHOOK_TOKEN")
ENVGRID_SITE_URL = env("ENVGRID_SITE_URL")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "envgrid.core.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "envgrid.core.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "envgrid.core.api.schema.AppTaggedAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "envgrid.core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EnvGrid API",
    "DESCRIPTION": "环境网格化治理平台 — REST API. Token auth: POST /api/v1/auth/token/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every endpoint: for the roles that work with the API only.
    "SERVE_PERMISSIONS": ["envgrid.core.api.schema.CanReadApiDocs"],
    # One tag per app (案件, 网格 …) with its description; see envgrid.core.api.schema.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "envgrid.core.api.schema.add_tag_descriptions",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set that several apps' fields share ("status", "kind" …), instead of hashed names.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "envgrid.cases.choices.CaseStatus",
        "CaseChannelEnum": "envgrid.cases.choices.Channel",
        "RejectReasonEnum": "envgrid.cases.choices.RejectReason",
        "DirectiveStatusEnum": "envgrid.directives.choices.DirectiveStatus",
        "RegionLevelEnum": "envgrid.grids.choices.RegionLevel",
        "ObjectKindEnum": "envgrid.sources.choices.ObjectKind",
        "ObjectStatusEnum": "envgrid.sources.choices.ObjectStatus",
        "ResponsibilityRoleEnum": "envgrid.sources.choices.ResponsibilityRole",
        "StationKindEnum": "envgrid.monitoring.choices.StationKind",
        "InspectionKindEnum": "envgrid.patrols.choices.InspectionKind",
        "MeasureKindEnum": "envgrid.patrols.choices.MeasureKind",
        "EnforcementStatusEnum": "envgrid.patrols.choices.EnforcementStatus",
        "PublicityChannelEnum": "envgrid.patrols.choices.PublicityChannel",
        "WarningStatusEnum": "envgrid.emergency.choices.WarningStatus",
        "WarningLevelEnum": "envgrid.emergency.choices.WarningLevel",
        "CheckStatusEnum": "envgrid.emergency.choices.CheckStatus",
    },
}

# Map base layer: a tile URL template (Tianditu / AMap style). Empty = no tiles (offline intranet).
# ENVGRID_MAP_TILE_CRS says which datum the tiles use: "wgs84" (also fine for CGCS2000/Tianditu),
# "gcj02" (AMap, Tencent) or "bd09"; grid outlines are converted to it for display only.
ENVGRID_MAP = {
    "tile_url": env("ENVGRID_MAP_TILE_URL"),
    "attribution": env("ENVGRID_MAP_TILE_ATTRIBUTION"),
    "crs": env("ENVGRID_MAP_TILE_CRS"),
}
ENVGRID_WORK_HOURS = env("ENVGRID_WORK_HOURS")

# HJ 212 receiver (``manage.py hj212 serve``): listening address and the most packets stored per transaction.
HJ212_HOST = env("HJ212_HOST")
HJ212_PORT = env("HJ212_PORT")
HJ212_BATCH_SIZE = env("HJ212_BATCH_SIZE")
# HJ 212 receiver under abuse (docs/hj212-receiver.md "Abuse"): connection caps (total, per peer address); a
# connection that sends no complete frame for HJ212_IDLE_SECONDS is closed; one that makes
# HJ212_MAX_REFUSALS_PER_CONNECTION refusals is closed; at most HJ212_REJECT_QUEUE refusal rows wait for the
# writer (the rest are counted, not stored); rejected frames are kept HJ212_REJECT_RETENTION_DAYS days.
# HJ212_AUTH_FAILURES wrong passwords for one MN or from one address refuse it for HJ212_AUTH_BACKOFF_SECONDS,
# doubling with each further episode (at most 64×).
HJ212_MAX_CONNECTIONS = env("HJ212_MAX_CONNECTIONS")
HJ212_MAX_CONNECTIONS_PER_PEER = env("HJ212_MAX_CONNECTIONS_PER_PEER")
HJ212_IDLE_SECONDS = env("HJ212_IDLE_SECONDS")
HJ212_MAX_REFUSALS_PER_CONNECTION = env("HJ212_MAX_REFUSALS_PER_CONNECTION")
HJ212_REJECT_QUEUE = env("HJ212_REJECT_QUEUE")
HJ212_REJECT_RETENTION_DAYS = env("HJ212_REJECT_RETENTION_DAYS")
HJ212_AUTH_FAILURES = env("HJ212_AUTH_FAILURES")
HJ212_AUTH_BACKOFF_SECONDS = env("HJ212_AUTH_BACKOFF_SECONDS")

# Monitoring: minute and real-time readings are kept this many days (hourly, daily and monthly rollups for ever).
ENVGRID_MINUTE_RETENTION_DAYS = env("ENVGRID_MINUTE_RETENTION_DAYS")
# Months rebuilt at once by `manage.py rollup` on PostgreSQL (0: the CPUs, up to 4).
ENVGRID_ROLLUP_WORKERS = env("ENVGRID_ROLLUP_WORKERS")

# Evidence photos: the most pixels (width × height, read from the header before decoding) a photo may have.
ENVGRID_IMAGE_MAX_PIXELS = env("ENVGRID_IMAGE_MAX_PIXELS")

# Sources: a grid holding at least this many active supervised objects is a key grid for the coverage report.
SOURCES_KEY_GRID_MIN_OBJECTS = env("SOURCES_KEY_GRID_MIN_OBJECTS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# HTTPS: on by default whenever DEBUG is off — secure cookies, HSTS and a redirect from plain HTTP.
# ENVGRID_HTTPS=false is the documented switch for a plain-HTTP intranet (and `make run` on loopback).
# ENVGRID_PROXY_SSL_HEADER=true trusts X-Forwarded-Proto from the reverse proxy of docs/deploy.md, which must
# set it on every request (never enable it where clients can reach the app server directly).
ENVGRID_HTTPS = env.bool("ENVGRID_HTTPS", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = ENVGRID_HTTPS
SECURE_SSL_REDIRECT = ENVGRID_HTTPS
SECURE_HSTS_SECONDS = env("ENVGRID_HSTS_SECONDS") if ENVGRID_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENVGRID_HTTPS
SECURE_HSTS_PRELOAD = ENVGRID_HTTPS and env("ENVGRID_HSTS_PRELOAD")
if env("ENVGRID_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
