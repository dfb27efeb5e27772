"""Settings for the intake portal, read from environment variables.

Development defaults work on a fresh machine (SQLite file, console email). Production mode
(`PORTAL_PRODUCTION=1`) refuses to start without a real secret key and hosts, and turns on
every transport-security setting so that `manage.py check --deploy` is clean.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from portal.colour import parse_hex

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Translate a DATABASE_URL into Django's DATABASES entry (PostgreSQL or SQLite)."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Persistent connections: each request otherwise pays a fresh connect.
            "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            # Server-side binding: psycopg sends a query's values apart from its text, so a
            # query run again is the same text, and after five runs on a connection psycopg
            # prepares it and PostgreSQL keeps its plan. Planning each query anew was most of
            # PostgreSQL's CPU on the intake page (bench/README.md, 2026-12-06). A
            # transaction-mode pooler that cannot keep prepared statements (PgBouncer before
            # 1.21) needs DB_PREPARED_STATEMENTS=0.
            "OPTIONS": (
                {"server_side_binding": True, "prepare_threshold": 5}
                if env_bool("DB_PREPARED_STATEMENTS", default=True)
                else {}
            ),
            "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
        }
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else "db.sqlite3"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / path}
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


PRODUCTION = env_bool("PORTAL_PRODUCTION")
DEBUG = env_bool("DEBUG", default=False) and not PRODUCTION

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when PORTAL_PRODUCTION=1")
    SECRET_KEY = "development-only-key-not-for-production-use-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise RuntimeError("ALLOWED_HOSTS must be set when PORTAL_PRODUCTION=1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

PRACTICE_NAME = os.environ.get("PRACTICE_NAME", "Riverside Acupuncture & Pain Clinic")
# Links in emails. Unset, it is the development server's own address: `make run PORT=8080`
# passes PORT on, so the links printed in the terminal open the server that is running.
SITE_URL = (
    os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
).rstrip("/")
# Patients may create their own account from the guide; a clinic that only works by
# invitation turns this off.
SELF_REGISTRATION = env_bool("SELF_REGISTRATION", default=True)

# Where a patient whose answers need care now is sent (README, "Configuration").
# HELP_REGION picks a set of defaults, "uk" or "us"; each value can also be set on its own.
HELP_DEFAULTS: dict[str, dict[str, str]] = {
    "uk": {
        "emergency_number": "999",
        "emergency_department": "A&E (the emergency department)",
        "doctor": "your GP",
        "urgent_advice": "NHS 111",
        "crisis_line_name": "Samaritans",
        "crisis_line_number": "116 123",
    },
    "us": {
        "emergency_number": "911",
        "emergency_department": "the emergency room (ER)",
        "doctor": "your doctor",
        "urgent_advice": "",
        "crisis_line_name": "the 988 Suicide and Crisis Lifeline",
        "crisis_line_number": "988",
    },
}
HELP_REGION = os.environ.get("HELP_REGION", "uk").lower()
if HELP_REGION not in HELP_DEFAULTS:
    raise RuntimeError(f"HELP_REGION must be one of {', '.join(HELP_DEFAULTS)}")
PATIENT_HELP: dict[str, str] = {
    key: os.environ.get(f"HELP_{key.upper()}", default)
    for key, default in HELP_DEFAULTS[HELP_REGION].items()
}
# The clinic's phone and opening hours, written wherever a page says to call the clinic
# (portal/templatetags/clinic.py). The defaults are numbers kept for drama and examples
# (Ofcom's 020 7946 0xxx, North America's 555-01xx): a clinic sets its own.
DEMO_CLINIC_PHONE = {"uk": "020 7946 0321", "us": "(212) 555-0142"}
CLINIC_PHONE = os.environ.get("CLINIC_PHONE", DEMO_CLINIC_PHONE[HELP_REGION]).strip()
CLINIC_HOURS = os.environ.get("CLINIC_HOURS", "Monday to Friday, 9am to 5pm").strip()

# Branding (docs/architecture.md, "The look"): the accent colour, as a hex colour, from
# which portal/clinic.py derives the shades that keep text and controls readable; and an
# optional logo, a path inside the static files (say "brand/logo.svg"), shown before the
# clinic's name.
CLINIC_ACCENT = os.environ.get("CLINIC_ACCENT", "#1f6f68").strip()
try:
    parse_hex(CLINIC_ACCENT)
except ValueError as error:
    raise RuntimeError(f"CLINIC_ACCENT: {error}") from None
CLINIC_LOGO = os.environ.get("CLINIC_LOGO", "").strip().lstrip("/")

# Who hears at once that an intake needs attention (an emergency or urgent answer), besides
# the intake's own practitioner. The message names no patient and no answer (S13).
CLINIC_ALERT_EMAILS = env_list("CLINIC_ALERT_EMAILS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "portal",
    "guide",
    "intake",
    "outbox",
    "appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.clinic.BrandStylesheetMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.AuditDeniedMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.IdleLogoutMiddleware",
    "portal.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.NoStoreMiddleware",
    # Last, so that a lockout is decided after authentication has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
                "intake.urgent_help.context",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
# The backend that checks passwords, named here once: a view that signs in an account it
# has just made, and the benchmark's sessions, name it so that axes is not asked again.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    LOGIN_BACKEND,
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
# Mails that anonymous visitors can have sent (password reset, registration), per address
# and per client address, in each window (docs/security.md S26, portal.throttle).
EMAIL_THROTTLE_WINDOW = timedelta(hours=1)
EMAIL_THROTTLE_PER_ADDRESS = int(os.environ.get("EMAIL_THROTTLE_PER_ADDRESS", "3"))
EMAIL_THROTTLE_PER_CLIENT = int(os.environ.get("EMAIL_THROTTLE_PER_CLIENT", "10"))
# Self-registrations waiting for their link to be opened (two hours each), at most: beyond
# this the form still answers as usual, but no link is sent (and a warning is logged).
PENDING_REGISTRATIONS_MAX = int(os.environ.get("PENDING_REGISTRATIONS_MAX", "2000"))

# Sessions live in the database so that any number of app servers can share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Absolute limit on a signed-in session, whatever the activity (docs/security.md S4), counted
# from the login and enforced by portal.middleware.IdleLogoutMiddleware.
SESSION_ABSOLUTE_LIMIT = timedelta(hours=10)
# The session row must outlive both limits by far. It is the middleware that ends a
# session, and it can only keep what was being sent (docs/security.md S19) if the post
# still arrives tied to its user: a page left open overnight and sent the next morning is
# signed out with its answers parked. Were the row gone (Django dates its expiry from the
# session's last save), the post would arrive anonymous and the answers would be dropped.
# This age is only the backstop for abandoned sessions.
SESSION_COOKIE_AGE = int(timedelta(days=7).total_seconds())
# The cookie itself has no date, so the browser drops it when it closes (S28); the row
# keeps SESSION_COOKIE_AGE all the same, so the page left open overnight still works.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Flash messages live in the (server-side) session: Django's default keeps them in a cookie,
# and "Invitation sent to <patient's email>" would sit in the browser (S27).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Idle logoff, per role (docs/security.md S4).
IDLE_TIMEOUT_STAFF = timedelta(minutes=15)
IDLE_TIMEOUT_PATIENT = timedelta(minutes=30)
# How long before the idle logoff the page warns the patient.
IDLE_WARNING_BEFORE = timedelta(minutes=2)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Browsers accept a __Host- cookie only if it is Secure, for path / and without a
    # Domain, so no other host (a sibling subdomain) can set or widen it (S28).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Brute-force protection (docs/security.md S6): five failures lock the account, from every
# address, and five failures from one address lock that address, for every account;
# for fifteen minutes. Unknown addresses are counted and locked exactly like real ones.
# The address is REMOTE_ADDR only, so a forged X-Forwarded-For changes nothing; behind a
# proxy set AXES_CLIENT_IP_CALLABLE accordingly. Emails are counted in lower case, as the
# login matches them: "PAT@example.com" is not a fresh account to guess at.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portal.auth.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Axes keeps the posted form of every failed check and masks only the field named
# "password"; the password pages post password1/password2 (a double click there checks
# them against the account just made), so those are masked too, with every other
# password-like field the portal posts.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password1",
    "password2",
    "old_password",
    "new_password1",
    "new_password2",
    "token",
]
# A success clears only that account's failures from that address (portal.signals):
# axes' own reset would clear the whole address, a way around the per-account lock.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "portal.auth.client_ip"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = PRACTICE_NAME

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# The anonymous guide's pages (guide.cache). A folder on disk is shared by every worker on
# one machine, so publishing in one worker empties it for all; a clinic running several
# machines points GUIDE_CACHE_DIR at shared storage or swaps in memcached or Redis here.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Parts of pages that are the same for everyone with the same roles (the site header and
    # footer in base.html), kept by each process: they depend on settings and the URL
    # configuration only, never on a record. Cleared when a test changes a setting
    # (portal.apps).
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
    },
    "guide": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("GUIDE_CACHE_DIR", str(BASE_DIR / ".cache" / "guide-pages")),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "intake@clinic.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# With no alert address set, the clinic's own address hears (as for an unassigned intake).
CLINIC_ALERT_EMAILS = CLINIC_ALERT_EMAILS or [DEFAULT_FROM_EMAIL]

# How long a page waits for the mail server. Pages never do (mail goes through the queue),
# but the worker should give up on a hung server and try again later.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))

# Email goes through a task queue (outbox): the row that needs a message and the queued
# task are written in one transaction, and a worker (`manage.py db_worker`) delivers it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Attempts per email, and the wait before each retry (seconds; the last is repeated).
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "8"))
EMAIL_RETRY_DELAYS = [int(s) for s in env_list("EMAIL_RETRY_DELAYS", "30,120,600,1800,3600")]

# Optional: a reviewed intake's FHIR Bundle is POSTed to the clinic's FHIR server through the
# same queue (intake/services/fhir_push.py). Empty means nothing is pushed. The token is a
# secret: set it in the environment only, never in a file under version control.
FHIR_SERVER_URL = os.environ.get("FHIR_SERVER_URL", "").strip()
FHIR_SERVER_TOKEN = os.environ.get("FHIR_SERVER_TOKEN", "").strip()
# Seconds the worker waits for the server to answer before it counts as a network error.
FHIR_PUSH_TIMEOUT = int(os.environ.get("FHIR_PUSH_TIMEOUT", "30"))
# Attempts per push, the wait before each retry (seconds; the last is repeated), and the
# longest wait a server's Retry-After may ask for.
FHIR_PUSH_MAX_ATTEMPTS = int(os.environ.get("FHIR_PUSH_MAX_ATTEMPTS", "6"))
FHIR_PUSH_RETRY_DELAYS = [
    int(s) for s in env_list("FHIR_PUSH_RETRY_DELAYS", "60,300,1800,3600,7200")
]
FHIR_PUSH_MAX_RETRY_AFTER = int(os.environ.get("FHIR_PUSH_MAX_RETRY_AFTER", "3600"))

# Reminders while an intake is unfinished: days before the appointment, sent at
# REMINDER_SEND_AT clinic time (TIME_ZONE), and never outside REMINDER_DAYTIME.
REMINDER_DAYS_BEFORE = [int(d) for d in env_list("REMINDER_DAYS_BEFORE", "3,1")]
REMINDER_SEND_AT = os.environ.get("REMINDER_SEND_AT", "10:00")
REMINDER_DAYTIME = os.environ.get("REMINDER_DAYTIME", "08:00-20:00")
# "Send again" from the dashboard: at most this many per intake per hour.
RESEND_PER_HOUR = int(os.environ.get("RESEND_PER_HOUR", "3"))

# A change in the PEG score from the first visit of at least this many percent is marked as
# clinically meaningful on the pain trend (intake/trends.py), a fall as an improvement and a
# rise as a worsening. IMMPACT (Dworkin et al., J Pain 2008;9:105-121) treats a fall of at
# least 30% in chronic pain intensity as moderately important and 50% as substantial
# (docs/clinical-reference.md, "Pain trends"). Not from the environment: a clinical
# threshold is changed by a reviewed commit, not by a deployment.
PEG_MEANINGFUL_CHANGE_PERCENT = 30

# Logs carry request paths and user ids, never form contents (docs/security.md S13), nor the
# message of an exception, which may quote them (portal.log_privacy).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_static": {"()": "portal.log_filters.QuietStaticFiles"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # Django's own look for the development server's request lines.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default would mail ADMINS a report of every error and suspicious request,
        # with the posted form data: health data. Its records go to the root's console only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Django's request logger would mail or print POST data on errors; keep it terse.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Axes logs every successful sign-in at INFO; the audit trail already records them.
        "axes": {"level": "WARNING"},
        # The PDF renderer reports each layout step and font subset at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # runserver (`make run`) prints a line per request; a page's stylesheets, scripts
        # and images would bury the emails the console backend prints among them.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "filters": ["quiet_static"],
            "propagate": False,
        },
    },
}

# Outside production, serve static files straight from the source folders (no collectstatic
# needed for `make run` or the browser tests).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
