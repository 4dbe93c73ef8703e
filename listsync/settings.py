"""ListSync settings: every value comes from the environment, with a safe default.

Read through the small strict helpers below, so a typo in a variable fails at start-up with a
message instead of silently meaning something else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}")
    return number


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from None
    return env_str(name, default)


def database_from_url(url: str) -> dict[str, object]:
    """The DATABASES entry for a postgres:// URL (the one server database ListSync supports)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or postgresql://, not {parts.scheme!r}://"
        )
    name = parts.path.lstrip("/")
    if not name:
        raise ImproperlyConfigured("DATABASE_URL names no database (postgres://user:pw@host/NAME)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(name),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def load_or_create_secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else a key generated once into the data folder."""
    key = env_secret("SECRET_KEY")
    if key:
        return key
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


DATA_DIR = Path(env_str("LISTSYNC_DATA_DIR", str(BASE_DIR / "data"))).resolve()
SECRET_KEY = load_or_create_secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env_str("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
SITE_ROOT = env_str("SITE_ROOT", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_q",
    "listsync",
    "lists",
    "syncing",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise (only /health/ and the login page).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "listsync.urls"
WSGI_APPLICATION = "listsync.wsgi.application"

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
                "listsync.views.navigation",
            ],
        },
    },
]

DATABASE_URL = env_secret("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "listsync.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while a sync writes; IMMEDIATE transactions and
                # a busy timeout make concurrent writers wait instead of failing with "locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
# The cache carries the worker's heartbeat (django-q2 cluster stats) to the web processes: a
# folder in the data directory on one machine, Redis when REDIS_URL is set.
REDIS_URL = env_secret("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TZ", "UTC") or "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token travels in hx-headers
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One line per event (logfmt) on stdout, each with its sync run; warnings and errors of
# ListSync's own code (and of the job worker) also go to the database for the log page.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"run": {"()": "listsync.logs.RunFilter"}},
    "formatters": {"line": {"()": "listsync.logs.LineFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["run"]},
        "database": {"()": "listsync.logs.DatabaseHandler", "filters": ["run"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        name: {"handlers": ["console", "database"], "level": LOG_LEVEL, "propagate": False}
        for name in ("listsync", "lists", "syncing", "providers", "django-q")
    },
}

# django-q2: the ORM broker needs nothing else installed; REDIS_URL switches to Redis.
Q_CLUSTER: dict[str, object] = {
    "name": "listsync",
    "workers": env_int("LISTSYNC_WORKERS", 1, minimum=1),
    "timeout": 6 * 3600,
    "retry": 6 * 3600 + 60,
    "max_attempts": 1,
    "catch_up": False,
    "label": "Jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# The request server. These only seed the connection stored in the database on first use;
# after that the stored connection (editable in the UI) is what counts.
LISTSYNC_SERVER_URL = env_str("LISTSYNC_SERVER_URL")
LISTSYNC_SERVER_API_KEY = env_secret("LISTSYNC_SERVER_API_KEY")
LISTSYNC_SERVER_USER = env_int("LISTSYNC_SERVER_USER", 0, minimum=0) or None

LISTSYNC_ADMIN_USER = env_str("LISTSYNC_ADMIN_USER", "admin")
LISTSYNC_ADMIN_PASSWORD = env_secret("LISTSYNC_ADMIN_PASSWORD")

# /metrics answers Prometheus when it sends `Authorization: Bearer <this>` (or a logged-in user).
LISTSYNC_METRICS_TOKEN = env_secret("LISTSYNC_METRICS_TOKEN")

# Sync behaviour. The interval only seeds the stored setting (editable in the UI).
LISTSYNC_SYNC_INTERVAL_MINUTES = env_int(
    "LISTSYNC_SYNC_INTERVAL_MINUTES", 360, minimum=30, maximum=7 * 24 * 60
)
LISTSYNC_CONCURRENCY = env_int("LISTSYNC_CONCURRENCY", 4, minimum=1)
LISTSYNC_REFRESH_HOURS = env_float("LISTSYNC_REFRESH_HOURS", 24.0)
LISTSYNC_STALE_RUN_SECONDS = env_int("LISTSYNC_STALE_RUN_SECONDS", 120, minimum=10)

# Outgoing HTTP.
LISTSYNC_HTTP_TIMEOUT = env_float("LISTSYNC_HTTP_TIMEOUT", 20.0)
LISTSYNC_HTTP_RETRIES = env_int("LISTSYNC_HTTP_RETRIES", 3, minimum=0)
LISTSYNC_HTTP_BACKOFF = env_float("LISTSYNC_HTTP_BACKOFF", 0.5)
LISTSYNC_HTTP_MAX_WAIT = env_float("LISTSYNC_HTTP_MAX_WAIT", 60.0)

# List sources. Each base URL can point at a mirror or a local test server: the URL a person
# pastes keeps its real host, only the fetch goes here.
LISTSYNC_STEVENLU_URL = env_str(
    "LISTSYNC_STEVENLU_URL", "https://s3.amazonaws.com/popular-movies/movies.json"
)
LISTSYNC_IMDB_BASE_URL = env_str("LISTSYNC_IMDB_BASE_URL", "https://www.imdb.com")
LISTSYNC_IMDB_GRAPHQL_URL = env_str("LISTSYNC_IMDB_GRAPHQL_URL", "https://api.graphql.imdb.com/")
LISTSYNC_TRAKT_BASE_URL = env_str("LISTSYNC_TRAKT_BASE_URL", "https://trakt.tv")
LISTSYNC_TRAKT_API_URL = env_str("LISTSYNC_TRAKT_API_URL", "https://api.trakt.tv")
LISTSYNC_TRAKT_CLIENT_ID = env_secret("LISTSYNC_TRAKT_CLIENT_ID")
LISTSYNC_LETTERBOXD_BASE_URL = env_str("LISTSYNC_LETTERBOXD_BASE_URL", "https://letterboxd.com")
LISTSYNC_MDBLIST_BASE_URL = env_str("LISTSYNC_MDBLIST_BASE_URL", "https://mdblist.com")
LISTSYNC_MDBLIST_API_URL = env_str("LISTSYNC_MDBLIST_API_URL", "https://api.mdblist.com")
LISTSYNC_MDBLIST_API_KEY = env_secret("LISTSYNC_MDBLIST_API_KEY")
# Notifications: the only host a Discord webhook URL may point at (a test server can stand in).
LISTSYNC_DISCORD_BASE_URL = env_str("LISTSYNC_DISCORD_BASE_URL", "https://discord.com")
LISTSYNC_CHROMIUM_PATH = env_str("LISTSYNC_CHROMIUM_PATH", "/usr/bin/chromium")
