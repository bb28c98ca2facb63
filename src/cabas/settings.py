"""Cabas settings, read from environment variables.

DATABASE_URL   SQLite under ./var/ by default; postgres://user@host:port/name in production.
SECRET_KEY     required when DEBUG is off.
DEBUG          "1"/"true" to turn on; off by default.
ALLOWED_HOSTS  comma-separated; defaults to localhost names.
EMAIL_URL-like settings: EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
               EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL.
CABAS_SECURE   "1" behind HTTPS: secure cookies, HSTS and redirect (what `check --deploy` asks).
CABAS_TASKS    the task queue (django-tasks): "database" (default: the tasks are rows of the database,
               SQLite or PostgreSQL, run by `cabas worker`) or "redis" (RQ on REDIS_URL, run by `cabas worker`).
REDIS_URL      redis://127.0.0.1:6379/0 by default; read only when CABAS_TASKS=redis.
CABAS_DEADLINE_REMINDER_HOURS  how long before a cycle's deadline members who have not ordered are reminded (24).
CABAS_BACKUP_DIR  where `cabas backup` writes (default: var/backups under CABAS_HOME).
deploy/cabas.env.example lists every variable read here.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("CABAS_HOME", Path.cwd())).resolve()
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        # A key everyone can read in this file would let anyone forge sessions and password links.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (e.g. the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set DEBUG=1 for development."
        )
    # Development only (DEBUG on): a fixed key whose "django-insecure-" prefix `cabas check --deploy` flags.
    SECRET_KEY = "django-insecure-cabas-development-key-change-me"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "cabas.core.admin_site.OperatorsAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # login throttling (cabas.members.throttling)
    "ninja",  # serves the API docs' own static files (no CDN: an instance may be offline)
    "django_tasks",
    "django_tasks_db",  # the tasks' results (and, with the database backend, the queue itself)
    "cabas.core",
    "cabas.members",
    "cabas.catalog",
    "cabas.ordering",
    "cabas.news",
    "cabas.contracts",
    "cabas.participation",
    "cabas.finance",
    "cabas.distribution",
    "cabas.logistics",
    "cabas.volunteering",
    "cabas.notifications",
    "cabas.api",
    "cabas.web",
    "cabas.commands",
    "cabas.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, answered before anything below runs
    # Pages compressed (gzip) on their way out: after WhiteNoise, whose files are compressed in advance, and above
    # every middleware that reads or changes a page's body. Safe with the CSRF token in pages: docs/deploy.md.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cabas.core.middleware.ChosenLanguageMiddleware",  # after authentication: a person's language is on their account
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers 429 to a login refused by the throttling
]

ROOT_URLCONF = "cabas.urls"
WSGI_APPLICATION = "cabas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cabas.web.context_processors.navigation",
                "cabas.web.context_processors.vocabulary",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cabas.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# PostgreSQL: the statements every request and every save run (cabas.core.rows) are prepared once per connection.
# Set CABAS_PREPARED_STATEMENTS=0 behind a pooler sharing server connections transaction by transaction
# (PgBouncer in transaction mode before 1.21).
CABAS_PREPARED_STATEMENTS = env_bool("CABAS_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = ["cabas.members.backends.ThrottledBackend", "cabas.members.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Database sessions (Django's table and rules), read with one plain statement: every logged-in request reads one.
SESSION_ENGINE = "cabas.core.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# `cabas backup` writes its files here unless told otherwise (docs/deploy.md).
BACKUP_DIR = Path(os.environ.get("CABAS_BACKUP_DIR") or VAR_DIR / "backups")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by `cabas collectstatic` in production
# collectstatic gives each file a name with a hash of its content (cabas.3f1c….css, listed in staticfiles.json)
# and writes a gzip and a Brotli copy beside it; WhiteNoise sends the smallest one the browser accepts. Pages
# name the hashed files when DEBUG is off, so production needs `cabas collectstatic` after each install or
# upgrade (docs/deploy.md); with DEBUG on (`make demo`) they name the files as they are, served from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def static_cache_headers(headers, path, url):
    """A hashed file never changes under its name: browsers keep it a year without asking again (WhiteNoise's
    own choice is ten years); other static files are asked again after a minute."""
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "max-age=31536000, public, immutable"


WHITENOISE_ADD_HEADERS_FUNCTION = static_cache_headers

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cabas@localhost")
# The address members reach Cabas at, for links in e-mails (welcome, password).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

SECURE = env_bool("CABAS_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_403": {"()": "cabas.core.logging.PermissionDeniedWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's default configuration gives "django" its own console handler (in DEBUG) on top of the
        # root's: each message was written twice. One handler, the root's.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["quiet_403"]},
    },
}

# Quantities above this are refused on an order line (a typo guard, per unit).
CABAS_MAX_LINE_QUANTITY = 10_000

# The order pages poll the pooled totals of a cycle (packs filling, thresholds): a value this many seconds old
# is shared by every member polling, through Django's cache (per process by default; set CACHES to share it
# between processes).
CABAS_PROGRESS_SECONDS = int(os.environ.get("CABAS_PROGRESS_SECONDS", "5"))

# Login throttling (django-axes, cabas.members.throttling): an (account, address) pair is refused after 10
# failures in 15 minutes, an address alone after CABAS_LOGIN_ADDRESS_LIMIT; the refusal is a 429 page in French.
# Behind a reverse proxy, AXES_IPWARE_PROXY_COUNT says how many proxies add X-Forwarded-For.
AXES_ENABLED = env_bool("CABAS_LOGIN_THROTTLING", True)
AXES_HANDLER = "cabas.members.throttling.LoginThrottle"
AXES_USERNAME_CALLABLE = "cabas.members.throttling.login_name"
AXES_FAILURE_LIMIT = 10
CABAS_LOGIN_ADDRESS_LIMIT = int(os.environ.get("CABAS_LOGIN_ADDRESS_LIMIT", "50"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_USE_ATTEMPT_EXPIRATION = True  # each failure counts for 15 minutes: a sliding window
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/members/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # the attempts are in members.admin, for superusers only
AXES_IPWARE_PROXY_COUNT = int(os.environ["AXES_IPWARE_PROXY_COUNT"]) if os.environ.get("AXES_IPWARE_PROXY_COUNT") else None

# The task queue (django-tasks, the backport of Django 6's django.tasks): slow or outward work (transport
# planning, e-mails, closing due cycles one by one) runs in `cabas worker`, after the request's transaction
# commits (cabas.core.tasks.enqueue_on_commit). The database backend needs no other server; RQ (Redis) is
# for installations that outgrow one machine.
CABAS_TASKS = os.environ.get("CABAS_TASKS", "database").strip().lower() or "database"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if CABAS_TASKS == "redis":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900}}
    # django-rq's admin dashboard link is left out: operators read the queue with `cabas rqstats`
    RQ_SHOW_ADMIN_LINK = False
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif CABAS_TASKS == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ImproperlyConfigured(f'CABAS_TASKS is "database" or "redis", not "{CABAS_TASKS}".')

# Notifications (cabas.notifications): members who have not ordered are reminded this many hours before a
# cycle's deadline (by `cabas send-reminders`, run from cron every 15 minutes or so).
CABAS_DEADLINE_REMINDER_HOURS = int(os.environ.get("CABAS_DEADLINE_REMINDER_HOURS", "24"))

# Volunteering (cabas.volunteering): a member may withdraw from a shift until this many hours before it starts
# (later, they propose a swap or tell a coordinator); members are reminded the day before their shift, and
# coordinators told two days before a shift that no one has signed up for.
CABAS_SHIFT_WITHDRAW_HOURS = int(os.environ.get("CABAS_SHIFT_WITHDRAW_HOURS", "48"))

# Households (cabas.members.households): a member invites a person into their household by e-mail; a household
# has at most this many people (invitations waiting included), and an invitation's link works this many days.
CABAS_HOUSEHOLD_MAX_MEMBERS = int(os.environ.get("CABAS_HOUSEHOLD_MAX_MEMBERS", "6"))
CABAS_INVITATION_DAYS = int(os.environ.get("CABAS_INVITATION_DAYS", "7"))
