"""Inlay's one settings module, read from the environment.

With nothing set, Inlay runs embedded: SQLite and a filesystem broker under INLAY_DATA_DIR, the
local model, and live updates carried from the worker to the browser through the database.
Setting DATABASE_URL and REDIS_URL selects production: PostgreSQL, Redis as Celery broker and as
the Channels layer. docs/operations.md lists every variable.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url

from config.env import env_bool, env_float, env_int, env_list, env_secret, env_str
from inlay.synthesis.backends.weights import data_dir

BASE_DIR = Path(__file__).resolve().parent.parent
# The same folder the model backends keep the weights in: one place decides it.
DATA_DIR = data_dir()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """A key made once per data directory, so sessions survive a restart of `make run`."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_secret("SECRET_KEY") or _embedded_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "apps.sketches",
    "apps.synthesis",
    "apps.ide",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
# Room for a sketch of inlay.sketch.limits.MAX_SKETCH_CHARS however it is URL-encoded (each
# character up to 4 bytes, each byte up to 3); a larger body gets config.urls.handler400's 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 2**20
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

EMBEDDED = not env_str("DATABASE_URL")
DATABASES: dict[str, Any]
if EMBEDDED:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "inlay.sqlite3",
            # Web and worker write the same file: WAL lets readers and one writer overlap, and
            # IMMEDIATE transactions wait for the lock instead of failing on upgrade.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
        }
    }
else:
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ide:sketches"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders, so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Without a shared channel layer a worker cannot reach the web process, so run sockets look for
# new events in the database at this interval. Events are persisted before they are announced
# anyway, so polling sees exactly what a push would have carried.
INLAY_EVENT_POLL_SECONDS = env_float("INLAY_EVENT_POLL_SECONDS", 0.0 if REDIS_URL else 0.25)
INLAY_FACTS_POLL_SECONDS = env_float("INLAY_FACTS_POLL_SECONDS", 1.0)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = DATA_DIR / "broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A fill is not idempotent (a second attempt would duplicate candidates), so it is acknowledged
# on receipt and never redelivered.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

INLAY_MODEL_BACKEND = env_str("INLAY_MODEL_BACKEND", "local")
# A run's budget (docs/operations.md): samples per hole, whole programs tested, seconds and
# model tokens (0: no cap on tokens).
INLAY_SAMPLES_PER_HOLE = env_int("INLAY_SAMPLES_PER_HOLE", 10)
INLAY_CANDIDATES_PER_RUN = env_int("INLAY_CANDIDATES_PER_RUN", 12)
INLAY_RUN_BUDGET_SECONDS = env_float("INLAY_RUN_BUDGET_SECONDS", 120.0)
INLAY_RUN_BUDGET_TOKENS = env_int("INLAY_RUN_BUDGET_TOKENS", 0)
INLAY_MAX_TOKENS = env_int("INLAY_MAX_TOKENS", 400)
INLAY_MODEL_TIMEOUT_SECONDS = env_float("INLAY_MODEL_TIMEOUT_SECONDS", 120.0)
INLAY_EXAMPLE_TIMEOUT_SECONDS = env_float("INLAY_EXAMPLE_TIMEOUT_SECONDS", 5.0)
INLAY_EXAMPLE_MEMORY_MB = env_int("INLAY_EXAMPLE_MEMORY_MB", 512)
# A running run records an event at least every half second while the model writes, and within
# the examples' time limits while it tests; this long without one, its worker is gone.
INLAY_RUN_STALL_SECONDS = env_float("INLAY_RUN_STALL_SECONDS", 600.0)
# The worker running a run says so this often, from a thread beside the task; a run without a
# sign of its worker for INLAY_WORKER_LOST_SECONDS has lost it (killed, out of memory) and
# fails. Each worker sweeps every INLAY_SWEEP_SECONDS: runs that lost their worker fail, and
# a queued run no worker has taken for INLAY_REQUEUE_SECONDS, while none is running, is sent
# again (its task was lost).
INLAY_HEARTBEAT_SECONDS = env_float("INLAY_HEARTBEAT_SECONDS", 5.0)
INLAY_WORKER_LOST_SECONDS = env_float("INLAY_WORKER_LOST_SECONDS", 30.0)
INLAY_SWEEP_SECONDS = env_float("INLAY_SWEEP_SECONDS", 10.0)
INLAY_REQUEUE_SECONDS = env_float("INLAY_REQUEUE_SECONDS", 60.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
        "pygls": {"level": "WARNING"},
    },
}

# The account `make run` creates so a first visit can log straight in.
INLAY_DEMO_USERNAME = env_str("INLAY_DEMO_USERNAME", "demo")
INLAY_DEMO_PASSWORD = env_secret("INLAY_DEMO_PASSWORD", "demo")
