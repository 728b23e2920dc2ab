"""TrainedOn settings: environment variables only, loud on bad values.

With nothing set this is the embedded default: SQLite, a cache in files every
process shares, a Celery broker in a SQLite file (no server), files under ./var,
DEBUG on.
See `.env.example` for every variable and README.md for production.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from app.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "django-insecure-trainedon-dev-only-9f2c1e7b4a5d6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b"  # noqa: S105 (used only with DEBUG on)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not DEBUG and not SITE_URL.startswith("https://"):
    # Absolute links in e-mails (password reset) and feeds come from here, never
    # from the request's Host header.
    raise ImproperlyConfigured(
        f"SITE_URL must be set to the site's https:// address when DEBUG is off, got {SITE_URL!r}."
    )

INSTALLED_APPS = [
    "app.core",
    "app.accounts",
    "app.catalog",
    "app.archive",
    "app.graph",
    "app.disclosures",
    "app.moderation",
    "app.public",
    "app.editor",
    "app.api",
    "app.monitor",
    "app.compare",
    "app.ledgerdata",
    "app.demo",
    "app.dashboards",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # REPLAY_ORIGIN serves replay only, and the site never serves replay (app/monitor/replay.py)
    "app.monitor.replay.ReplayOriginMiddleware",
    # Content-Security-Policy on every response that has none of its own (see below)
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # 400 for a NUL in the address or a form (app/core/middleware.py)
    "app.core.middleware.BadInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# ModelBackend behind the log-in limits (app/accounts/ratelimits.py, docs/rate-limits.md).
AUTHENTICATION_BACKENDS = ["app.accounts.backends.ThrottledModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
_db_scheme = urlsplit(DATABASE_URL).scheme
if _db_scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {_db_scheme!r} is not supported (use sqlite:// or postgres://)."
    )
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the
    # file; IMMEDIATE transactions avoid "database is locked" on upgrade.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a real worker process can share the test database.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
else:
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = 5
    # Parameters bound by the server, so psycopg prepares a query after its fifth
    # run on a connection and PostgreSQL stops parsing and planning it again
    # (a third of its CPU time on the claim page; docs/public-site.md).
    if env_bool("DB_PREPARED_STATEMENTS", True):
        _db["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"

# --- Cache and broker -----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis:// or rediss://, got {REDIS_URL!r}."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "trainedon"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Files every process of the deployment reads (web, worker, manage.py): a change made
    # by the worker or a command clears the web process's cached pages too
    # (app/core/filecache.py: atomic add/incr across processes).
    CACHES = {
        "default": {
            "BACKEND": "app.core.filecache.SharedFileCache",
            "LOCATION": str(Path(env_str("CACHE_DIR", str(DATA_DIR / "cache"))).resolve()),
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "trainedon"),
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    }
CACHE_PAGE_SECONDS = env_int("CACHE_PAGE_SECONDS", 300, minimum=0)
# After a change, readers are served the previous page for up to this many seconds while
# a worker re-renders it (queue "render"); 0 = never stale, the first reader renders.
# Needs a cache every process shares (Redis, or the embedded default's files).
CACHE_STALE_SECONDS = env_int("CACHE_STALE_SECONDS", 5, minimum=0)

# The embedded broker is kombu's SQLAlchemy transport on a SQLite file:
# measured correct under concurrent workers, where filesystem:// lost tasks.
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL") or REDIS_URL or (f"sqla+sqlite:///{DATA_DIR / 'broker.sqlite3'}")
)
if CELERY_BROKER_URL.startswith("sqla+"):
    # kombu hands every transport option to SQLAlchemy's create_engine, so
    # the poll interval has to be set on the transport class itself.
    from kombu.transport import sqlalchemy as _kombu_sqla

    _kombu_sqla.Transport.polling_interval = 0.05
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"connect_args": {"timeout": 30}}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest hard time limit (the media step), or Redis
        # would hand a task that is still running to a second worker.
        "visibility_timeout": 7200,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Publishing must never hang a web request when the broker is down: a short,
# bounded retry, then the database sweep re-sends the work later.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.3,
}
CELERY_TIMEZONE = "UTC"
# Put in front of every queue name (app/celery.py routes tasks to pages, media,
# links and maintenance); tests give each session its own.
TASK_QUEUE_PREFIX = env_str("TASK_QUEUE_PREFIX")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sweep-captures": {"task": "archive.sweep", "schedule": 60.0},
    "right-of-reply-overdue": {"task": "moderation.mark_no_response", "schedule": 3600.0},
    "check-links": {"task": "monitor.check_due_sources", "schedule": 900.0},
    "wayback-witness": {"task": "monitor.wayback_witness", "schedule": 60.0},
    # Comparison runs whose worker died (no heartbeat) are re-queued or failed (app/compare).
    "sweep-comparisons": {"task": "compare.sweep", "schedule": 60.0},
    # Dataset-index versions left queued are re-sent; silent running ones failed (app/graph).
    "sweep-dataset-imports": {"task": "graph.sweep", "schedule": 60.0},
    # The daily dumps (app/ledgerdata, docs/data.md), written at a quiet hour.
    "ledger-dumps": {"task": "ledgerdata.write_dumps", "schedule": crontab(hour=3, minute=17)},
}

# --- Archive --------------------------------------------------------------
ARCHIVE_ALLOW_HOSTS = env_list("ARCHIVE_ALLOW_HOSTS")
ARCHIVE_MAX_BYTES = env_int("ARCHIVE_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
ARCHIVE_CONNECT_TIMEOUT = env_float("ARCHIVE_CONNECT_TIMEOUT", 10.0, minimum=0.1)
ARCHIVE_READ_TIMEOUT = env_float("ARCHIVE_READ_TIMEOUT", 20.0, minimum=0.1)
ARCHIVE_TOTAL_TIMEOUT = env_float("ARCHIVE_TOTAL_TIMEOUT", 60.0, minimum=0.5)
ARCHIVE_USER_AGENT = env_str(
    "ARCHIVE_USER_AGENT", "TrainedOnArchiver/0.1 (+https://trainedon.example/about/archiving)"
)
# Debian's chromium-headless-shell when installed: the same engine without the desktop
# browser around it, measured at about a third of chromium's CPU a capture (bench/README.md).
ARCHIVE_BROWSER = env_str(
    "ARCHIVE_BROWSER",
    next(
        (p for p in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(p).exists()),
        "/usr/bin/chromium",
    ),
)
ARCHIVE_BROWSER_STEP = env_bool("ARCHIVE_BROWSER_STEP", True)
ARCHIVE_STEP_TIME_LIMIT = env_int("ARCHIVE_STEP_TIME_LIMIT", 120, minimum=5)
ARCHIVE_MEDIA_MAX_BYTES = env_int("ARCHIVE_MEDIA_MAX_BYTES", 500 * 1024 * 1024, minimum=1024)
ARCHIVE_MEDIA_MAX_SECONDS = env_int("ARCHIVE_MEDIA_MAX_SECONDS", 4 * 3600, minimum=1)
ARCHIVE_MEDIA_TIME_LIMIT = env_int("ARCHIVE_MEDIA_TIME_LIMIT", 1800, minimum=5)
ARCHIVE_LIVE_RECORD_SECONDS = env_int("ARCHIVE_LIVE_RECORD_SECONDS", 0, minimum=0)
ARCHIVE_STUCK_AFTER = env_int("ARCHIVE_STUCK_AFTER", 3600, minimum=60)
ARCHIVE_UPLOAD_MAX_BYTES = env_int("ARCHIVE_UPLOAD_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
ARTIFACT_ORIGIN = env_str("ARTIFACT_ORIGIN").rstrip("/")
WAYBACK_WITNESS = env_bool("WAYBACK_WITNESS", False)
WAYBACK_SAVE_URL = env_str("WAYBACK_SAVE_URL", "https://web.archive.org/save/")
WAYBACK_PER_MINUTE = env_int("WAYBACK_PER_MINUTE", 3, minimum=1)
# RFC 3161 time-stamping authorities (docs/archive.md, "Trusted timestamps"); empty = off.
TSA_URLS = env_str("TSA_URLS")
TSA_CA_FILE = env_str("TSA_CA_FILE")
# Replay of archived pages (ReplayWeb.page) only on this other origin; empty = off.
# Archived scripts run there, so it must not share the site's host (cookies ignore ports).
REPLAY_ORIGIN = env_str("REPLAY_ORIGIN").rstrip("/")
if REPLAY_ORIGIN:
    _replay = urlsplit(REPLAY_ORIGIN)
    if _replay.scheme not in ("http", "https") or not _replay.hostname or _replay.path:
        raise ImproperlyConfigured(f"REPLAY_ORIGIN must be an origin, got {REPLAY_ORIGIN!r}.")
    if not DEBUG and _replay.scheme != "https":
        raise ImproperlyConfigured("REPLAY_ORIGIN must be https:// when DEBUG is off.")
    if _replay.hostname == urlsplit(SITE_URL).hostname:
        raise ImproperlyConfigured("REPLAY_ORIGIN must be on another host name than SITE_URL.")
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, _replay.hostname]
MONITOR_BATCH = env_int("MONITOR_BATCH", 500, minimum=1)

# --- Storage --------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "archive"))).resolve()
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
ARCHIVE_STORAGE = env_str("ARCHIVE_STORAGE", "local")
if ARCHIVE_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured(f"ARCHIVE_STORAGE must be 'local' or 's3', got {ARCHIVE_STORAGE!r}.")
_artifacts: dict[str, object]
# Signed download URLs (object storage) expire after this many seconds.
ARTIFACT_URL_SECONDS = env_int("ARTIFACT_URL_SECONDS", 300, minimum=10)
S3_MULTIPART_THRESHOLD = env_int("S3_MULTIPART_THRESHOLD", 8 * 1024 * 1024, minimum=5 * 1024 * 1024)
if ARCHIVE_STORAGE == "s3":
    from boto3.s3.transfer import TransferConfig as _TransferConfig

    _artifacts = {
        # Streamed reads (app.archive.s3): a video is never read whole into memory.
        "BACKEND": "app.archive.s3.ArchiveS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "region_name": env_str("S3_REGION") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": ARTIFACT_URL_SECONDS,
            "addressing_style": env_str("S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            # Above this size a file is sent as a multipart upload, in parts of this size.
            "transfer_config": _TransferConfig(
                multipart_threshold=S3_MULTIPART_THRESHOLD,
                multipart_chunksize=S3_MULTIPART_THRESHOLD,
            ),
        },
    }
    if not _artifacts["OPTIONS"]["bucket_name"]:  # type: ignore[index]
        raise ImproperlyConfigured("ARCHIVE_STORAGE=s3 needs S3_BUCKET.")
else:
    _artifacts = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _artifacts,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Mail -----------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TrainedOn <noreply@trainedon.example>")

# --- Internationalization -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it; the token rides on <body hx-headers>
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp): scripts, styles, fonts and fetches from this
# site only, nothing inline (htmx's indicator styles are in site.css, see base.html);
# images and media also from where archived files are served (ARTIFACT_ORIGIN, object
# storage). A response that sets its own policy keeps it (archived copies, comparison
# and video files are sandboxed more strictly). docs/public-site.md, "Security headers".
_file_origins = [
    f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    for url in (ARTIFACT_ORIGIN, env_str("S3_ENDPOINT_URL") if ARCHIVE_STORAGE == "s3" else "")
    if url
]
if ARCHIVE_STORAGE == "s3" and not env_str("S3_ENDPOINT_URL"):
    _file_origins.append("https://*.amazonaws.com")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_file_origins],
        "media-src": ["'self'", *_file_origins],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not a logging level.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Right of reply: a developer contacted this many days ago without answering is "no response".
RIGHT_OF_REPLY_DAYS = env_int("RIGHT_OF_REPLY_DAYS", 14, minimum=1)
SILENCED_SYSTEM_CHECKS: list[str] = []
