"""Karcis settings: one module, driven by environment variables.

Nothing must be set to start: the embedded defaults serve the demo on SQLite with an
in-memory channel layer. Production essentials fail loudly when KARCIS_DEBUG is off.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KARCIS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Off unless asked for: a forgotten setting must never publish debug pages.
DEBUG = env_bool("KARCIS_DEBUG", False)
TESTING = env_bool("KARCIS_TESTING", False)


def installation_secret(path: Path) -> str:
    """The key kept in a file, made at random on first start if the file is missing: never a
    key published in the source, which would let anyone forge tracking links and sign-up
    tokens on a forgotten demo."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("KARCIS_SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("KARCIS_SECRET_KEY_FILE"):
    SECRET_KEY = installation_secret(Path(os.environ["KARCIS_SECRET_KEY_FILE"]))
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set KARCIS_SECRET_KEY (a long random string, kept secret) or KARCIS_SECRET_KEY_FILE "
            "(a file holding one; created if missing). For the local demo, "
            "KARCIS_SECRET_KEY_FILE=var/secret_key is what `make run` uses; "
            "for development, KARCIS_DEBUG=1."
        )
    SECRET_KEY = installation_secret(VAR_DIR / "secret_key")

# Keys that encrypt secrets kept in the database (IMAP passwords): any long random strings,
# comma-separated, the first encrypting and every one decrypting (rotation: new key first,
# `karcis reencryptsecrets`, then drop the old). Unset, SECRET_KEY (and SECRET_KEY_FALLBACKS)
# are used; a dedicated key lets SECRET_KEY be changed without losing the stored passwords.
KARCIS_ENCRYPTION_KEYS = [
    key.strip() for key in os.environ.get("KARCIS_ENCRYPTION_KEYS", "").split(",") if key.strip()
]
SECRET_KEY_FALLBACKS = [
    key.strip()
    for key in os.environ.get("KARCIS_SECRET_KEY_FALLBACKS", "").split(",")
    if key.strip()
]

ALLOWED_HOSTS = [h for h in os.environ.get("KARCIS_ALLOWED_HOSTS", "").split(",") if h]
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("Set KARCIS_ALLOWED_HOSTS, e.g. desk.example.go.id")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("KARCIS_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "karcis.core",
    "karcis.workspace",
    "karcis.api",
    "karcis.calendars",
    "karcis.desk",
    "karcis.sla",
    "karcis.messaging",
    "karcis.routing",
    "karcis.queueing",
    "karcis.portal",
    "karcis.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "karcis.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "karcis.core.middleware.OrganisationScopeMiddleware",
]

ROOT_URLCONF = "karcis.urls"
WSGI_APPLICATION = "karcis.wsgi.application"
ASGI_APPLICATION = "karcis.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "karcis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "karcis.core.context_processors.karcis",
                "karcis.workspace.context_processors.workspace",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
# SQLite by default (WAL, IMMEDIATE transactions so writers queue instead of failing);
# DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A connection pool per process (psycopg_pool): under ASGI Django cannot keep
        # persistent connections, and opening one per request costs more than the request.
        # Plain client-side cursors: iterating a queryset costs no extra round trips, and
        # a transaction-pooling proxy (PgBouncer) in front of the database keeps working.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("KARCIS_DB_POOL_MIN", 2)),
            "max_size": int(os.environ.get("KARCIS_DB_POOL_MAX", 10)),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("KARCIS_SQLITE_PATH", str(VAR_DIR / "karcis.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["karcis.core.auth.EmailBackend"]
# User.email is unique among staff and per organisation among customers, not on its own
# (decision 0015); the backend above knows which account an address means.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
# A password reset link works this long, and once (core.accounts).
PASSWORD_RESET_TIMEOUT = 2 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- language and time ----------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "karcis" / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "karcis" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("KARCIS_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Attachments: per file and per message limits, and the types we accept. The type is
# read from the file's bytes, never trusted from its name or the browser.
KARCIS_ATTACHMENT_MAX_BYTES = int(os.environ.get("KARCIS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
KARCIS_ATTACHMENTS_PER_MESSAGE = 10

# --- cache, real time -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "karcis",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "karcis"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- background jobs ------------------------------------------------------------------
# Without a broker, a job runs in the process that enqueues it (after the commit that
# asked for it) and `karcis scheduler` runs the periodic ones; see karcis/celery.py.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("KARCIS_CELERY_BROKER_URL")
# In-process jobs need no broker; "memory://" only keeps Celery from looking for one.
CELERY_BROKER_URL = os.environ.get("KARCIS_CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ROUTES = {"karcis.messaging.tasks.*": {"queue": "mail"}}
CELERY_TIMEZONE = "Asia/Jakarta"
# How often an open workspace page's socket looks for new notifications itself (the push
# after each one reaches it at once only over a shared channel layer, i.e. Redis).
KARCIS_NOTIFICATIONS_POLL_SECONDS = float(os.environ.get("KARCIS_NOTIFICATIONS_POLL_SECONDS", 5))

# --- e-mail ---------------------------------------------------------------------------
# KARCIS_SMTP_URL sends real mail: smtp://user:password@host:587?starttls=1 (STARTTLS) or
# smtps://user:password@host:465 (TLS from the start); user and password URL-encoded.
# Without it, KARCIS_EMAIL_BACKEND decides (console by default; `make run` writes files).


def smtp_settings(url: str) -> dict:
    """Django's EMAIL_* settings from an smtp:// or smtps:// URL."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ImproperlyConfigured(
            "KARCIS_SMTP_URL must look like smtp://user:password@host:587?starttls=1 "
            "or smtps://user:password@host:465"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "0").strip().lower() in {"1", "true", "yes", "on"}
    use_ssl = parts.scheme == "smtps"
    if use_ssl and starttls:
        raise ImproperlyConfigured("KARCIS_SMTP_URL: smtps:// already encrypts; drop starttls")
    try:
        port = parts.port or (465 if use_ssl else 587 if starttls else 25)
    except ValueError as error:
        raise ImproperlyConfigured(f"KARCIS_SMTP_URL: {error}") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": starttls,
        "EMAIL_USE_SSL": use_ssl,
    }


EMAIL_BACKEND = os.environ.get(
    "KARCIS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("KARCIS_EMAIL_FILE_PATH", str(VAR_DIR / "mail-out"))
# Each SMTP step waits at most this long: a stalled server must not hold a sender forever.
EMAIL_TIMEOUT = 30
if os.environ.get("KARCIS_SMTP_URL"):
    _smtp = smtp_settings(os.environ["KARCIS_SMTP_URL"])
    EMAIL_BACKEND = _smtp["EMAIL_BACKEND"]
    EMAIL_HOST, EMAIL_PORT = _smtp["EMAIL_HOST"], _smtp["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _smtp["EMAIL_HOST_USER"], _smtp["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS, EMAIL_USE_SSL = _smtp["EMAIL_USE_TLS"], _smtp["EMAIL_USE_SSL"]
DEFAULT_FROM_EMAIL = os.environ.get("KARCIS_DEFAULT_FROM_EMAIL", "karcis@localhost")
# Links in e-mail (tracking pages) need the site's public address. By default it is the
# first allowed host: over HTTPS, or plain HTTP on port 8000 for this machine only.
_first_host = ALLOWED_HOSTS[0] if ALLOWED_HOSTS else "127.0.0.1"
KARCIS_BASE_URL = os.environ.get(
    "KARCIS_BASE_URL",
    f"http://{_first_host}:8000"
    if _first_host in ("127.0.0.1", "localhost", "[::1]")
    else f"https://{_first_host}",
).rstrip("/")
# Incoming mail: the largest message accepted, and how many messages one sender may send
# to one mailbox within the window before the rest are held back (mail storms, loops).
KARCIS_MAIL_MAX_BYTES = int(os.environ.get("KARCIS_MAIL_MAX_BYTES", 30 * 1024 * 1024))
KARCIS_MAIL_SENDER_LIMIT = int(os.environ.get("KARCIS_MAIL_SENDER_LIMIT", 20))
KARCIS_MAIL_SENDER_WINDOW = int(os.environ.get("KARCIS_MAIL_SENDER_WINDOW", 600))
# The raw source of incoming mail is kept this many days, then purged (the daily job
# "purge-raw-mail"); the tickets and messages made from it stay, and so does mail an admin
# flagged "keep" under Settings → Incoming mail. 0 keeps it for ever.
KARCIS_MAIL_RAW_RETENTION_DAYS = int(os.environ.get("KARCIS_MAIL_RAW_RETENTION_DAYS", 90))
# IMAP: a CA bundle to trust instead of the system's (a server with a private certificate;
# verification stays on), and how far back a newly connected mailbox is read.
KARCIS_IMAP_CA_FILE = os.environ.get("KARCIS_IMAP_CA_FILE", "")
KARCIS_IMAP_BACKFILL_DAYS = int(os.environ.get("KARCIS_IMAP_BACKFILL_DAYS", 7))

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "karcis.api.schema.CapabilityAutoSchema",
    "EXCEPTION_HANDLER": "karcis.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Karcis API",
    "DESCRIPTION": "Service desk tickets, messages, contacts, users, teams and categories.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would show a badge loaded from validator.swagger.io: nothing leaves the site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # Names for choice sets whose field name ("kind") other serializers also use.
    "ENUM_NAME_OVERRIDES": {
        "TicketLinkKindEnum": "karcis.desk.api.LINK_KINDS",
        "KindEnum": "karcis.desk.models.MessageKind",
        "ChannelEnum": "karcis.core.models.Channel",
        "PriorityEnum": "karcis.desk.models.Priority",
        "AgentStatusEnum": "karcis.routing.models.AgentStatus",
        "StatusEnum": "karcis.desk.models.Status",
        "QueueStatusEnum": "karcis.queueing.models.QueueStatus",
        "QueueChannelEnum": "karcis.queueing.models.QueueChannel",
        "QuotaChannelEnum": "karcis.queueing.api_serializers.QUOTA_CHANNELS",
    },
}

# Signed tracking links given to reporters stay valid this long.
KARCIS_TRACKING_LINK_MAX_AGE = 180 * 24 * 3600

SESSION_COOKIE_HTTPONLY = True
# Every signed-in request reads its session. With Redis, a cache all processes share, it is
# read from there (and written to both): a query fewer per page. The per-process default
# cache would keep a session alive in the other processes after a sign-out, so without
# Redis sessions stay in the database alone (decision 0021).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("KARCIS_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MEDIA_ROOT = Path(os.environ.get("KARCIS_MEDIA_ROOT", "/tmp/karcis-test-media"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KARCIS_LOG_LEVEL", "WARNING")},
}
