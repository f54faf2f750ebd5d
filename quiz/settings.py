"""Notebank settings: one module, configured by environment variables.

SQLite by default so a fresh checkout just runs; `DATABASE_URL` selects PostgreSQL.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# A development key is fine while DEBUG is on; production must bring its own.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "quiz",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "quiz.middleware.request_log",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# In production whitenoise serves static files from the app processes (runserver does it in
# development).
if not DEBUG:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "quiz.urls"
WSGI_APPLICATION = "quiz.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Kept connections in production: connecting costs more than an answer's statements
        # (docs/deployment.md). 0 to connect per request, behind a transaction-mode pooler.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0" if DEBUG else "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Django's SQLite backend, converting each statement's placeholders once (quiz.backends).
    DATABASES["default"]["ENGINE"] = "quiz.backends.sqlite3"
    # Write-ahead log: readers do not block the writer, and a commit does not wait for fsync
    # (durable at the next checkpoint). Without it every study answer waits ~10-20 ms for the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in rate limiting on every path that authenticates, the admin's included (django-axes; the
# policy and its reasons are in quiz/login_limits.py). axes' backend only checks and records;
# Django's ModelBackend still checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "quiz.login_limits.LoginLimitHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5  # quiz.login_limits.MAX_PER_USERNAME; the address limit is scaled onto it
AXES_COOLOFF_TIME = timedelta(minutes=15)  # quiz.login_limits.WINDOW
AXES_RESET_ON_SUCCESS = True
# A refused attempt is not counted, so a lock-out ends 15 minutes after the failures that caused
# it however long a guesser keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "quiz.login_limits.normalise_username"
AXES_CLIENT_IP_CALLABLE = "quiz.login_limits.client_ip"
AXES_LOCKOUT_CALLABLE = "quiz.login_limits.lockout_response"
# Successful log-ins are already in the request log; a table of them would only grow.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Where the project's own notes live; `manage.py start` imports them on first run.
CONTENT_DIR = BASE_DIR / "content"
# Notes uploaded in the admin are kept here, one file per name: the file is the deck's identity,
# so uploading the same name again updates the same deck. Not in git; back it up with the DB.
NOTES_UPLOAD_DIR = Path(os.environ.get("NOTES_UPLOAD_DIR", BASE_DIR / "notes-uploads"))

# Sessions live in the database, so any app process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Static files: whitenoise serves them from the app processes. In production (DEBUG off) they
# are compressed and get content-hashed names, so browsers may cache them for ever; that needs
# `collectstatic` first, as the deployment steps in the README do.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers and cookies. The production values apply whenever DEBUG is off; each can
# be turned down by its environment variable (e.g. behind a proxy that already redirects).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (nginx, a load balancer).
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append to X-Forwarded-For (0: clients connect directly).
# Log-in rate limiting counts failures per client address and takes it from that header only
# when the deployment says the proxies set it; otherwise any client could forge its address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# /healthz answers plain HTTP probes from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Background work (big admin uploads, the FSRS optimizer): django-tasks' database backend, no
# broker; the worker is `manage.py db_worker`, started beside the web processes.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per request comes from quiz.middleware; Django's own would say it twice.
        "django.server": {"level": "WARNING"},
        # Failed log-ins and lock-outs are warnings; axes' routine notes are not worth a line.
        "axes": {"level": "WARNING"},
        "notebank.requests": {
            "level": os.environ.get("REQUEST_LOG_LEVEL", "INFO"),
            "propagate": True,
        },
    },
}
