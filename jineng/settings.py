"""Settings for jineng, driven by the environment (one module for every deployment)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JINENG_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """Read a string from NAME, or from the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no flag from the environment."""
    value = env_str(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer from the environment."""
    value = env_str(name, "")
    return int(value) if value else default


def env_secret(name: str, dev_file: str) -> str:
    """Read a secret from NAME/NAME_FILE; in development keep a generated one under var/."""
    value = env_str(name, "")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} (or {name}_FILE, the path of a file holding it) must be set: the server "
            "runs in production mode unless JINENG_DEBUG=true, and production needs its own "
            "keys. Development (`make run`, the test suite) sets JINENG_DEBUG=true, and then "
            "keys are generated under var/."
        )
    path = VAR_DIR / dev_file
    if not path.exists():
        import base64
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(), "utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


# Production unless told otherwise: `make run` and the test suite set JINENG_DEBUG=true.
# See docs/adr/0009-production-defaults.md.
DEBUG = env_bool("JINENG_DEBUG", default=False)
SECRET_KEY = env_secret("JINENG_SECRET_KEY", "secret_key")
# Master key for personal data (ID and phone numbers); see docs/adr/0003-personal-data.md.
PII_KEY = env_secret("JINENG_PII_KEY", "pii_key")
# Keys of the audit trail, kept outside the database (docs/adr/0002-audit-chain.md): the HMAC
# key of every event's hash, and the Ed25519 seed (base64 of 32 bytes) that signs the
# published checkpoints. Earlier keys stay listed (comma-separated) so older rows still verify.
AUDIT_KEY = env_secret("JINENG_AUDIT_KEY", "audit_key")
AUDIT_PREVIOUS_KEYS = [k for k in env_str("JINENG_AUDIT_PREVIOUS_KEYS", "").split(",") if k]
AUDIT_SIGNING_KEY = env_secret("JINENG_AUDIT_SIGNING_KEY", "audit_signing_key")
AUDIT_PREVIOUS_PUBLIC_KEYS = [
    k for k in env_str("JINENG_AUDIT_PREVIOUS_PUBLIC_KEYS", "").split(",") if k
]
# Accounts of no organisation (workers, the bureau) write to this many city streams, by account.
AUDIT_CITY_STREAMS = max(1, env_int("JINENG_AUDIT_CITY_STREAMS", 16))
# `jineng audit verify` fails when events this old are covered by no published checkpoint,
# or the newest checkpoint is this old: the daily checkpoints stopped or were removed.
AUDIT_CHECKPOINT_MAX_AGE_HOURS = env_int("JINENG_AUDIT_CHECKPOINT_MAX_AGE_HOURS", 50)
AUDIT_CHECKPOINT_DIR = Path(
    env_str("JINENG_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints"))
)
ALLOWED_HOSTS = [h for h in env_str("JINENG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("JINENG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    # Background tasks (django-tasks, the API Django 6 adopts) stored in the database and
    # run by `jineng db_worker`: imports of large files.
    "django_tasks",
    "django_tasks_db",
    # django-ninja's templates and static files: the self-hosted API docs page (no CDN).
    "ninja",
    "jineng.core",
    "jineng.accounts",
    "jineng.regions",
    "jineng.occupations",
    "jineng.organizations",
    "jineng.people",
    "jineng.records",
    "jineng.accreditations",
    "jineng.catalogs",
    "jineng.training",
    "jineng.attendance",
    "jineng.learning",
    "jineng.certificates",
    "jineng.experts",
    "jineng.assessment",
    "jineng.talent",
    "jineng.funds",
    "jineng.subsidies",
    "jineng.fraud",
    "jineng.notifications",
    "jineng.registration",
    "jineng.workspace",
    "jineng.stats",
    "jineng.api",
    # The composition root: the API's assembly and the commands that drive several apps.
    "jineng.composition",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jineng.core.middleware.RequestIdMiddleware",
    "jineng.core.middleware.BusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jineng.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages, so that the login page can say why the session ended.
    "jineng.accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jineng.urls"
WSGI_APPLICATION = "jineng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jineng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jineng.core.context_processors.site",
            ],
        },
    },
]

# Every lock wait is bounded (docs/adr/0006-locking.md): a row or advisory lock, or SQLite's
# write lock, still taken after this many milliseconds answers "busy, try again" (503).
JINENG_LOCK_TIMEOUT_MS = env_int("JINENG_LOCK_TIMEOUT_MS", 3000)

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # A connection per request unless configured (see "Serving" below).
            conn_max_age=env_int("JINENG_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options["options"] = " ".join(
            filter(None, [_pg_options.get("options"), f"-c lock_timeout={JINENG_LOCK_TIMEOUT_MS}"])
        )
    elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = JINENG_LOCK_TIMEOUT_MS / 1000
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("JINENG_SQLITE_PATH", str(VAR_DIR / "jineng.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": JINENG_LOCK_TIMEOUT_MS / 1000,
                "init_command": (
                    f"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={JINENG_LOCK_TIMEOUT_MS};"
                ),
            },
        }
    }

# Serving (deploy/gunicorn.conf.py reads the same variables): web worker processes, threads
# in each, and background task workers (`jineng db_worker`). Each thread holds at most one
# database connection, so together they may hold workers × threads + task workers + the
# spare connections for commands; the system check jineng.E102 refuses a set-up where that
# exceeds JINENG_DB_MAX_CONNECTIONS, and jineng.E103 (`jineng check --database default`,
# run by migrate) one that exceeds the PostgreSQL server's own max_connections.
JINENG_WEB_WORKERS = env_int("JINENG_WEB_WORKERS", 3)
JINENG_WEB_THREADS = env_int("JINENG_WEB_THREADS", 1)
JINENG_TASK_WORKERS = env_int("JINENG_TASK_WORKERS", 1)
JINENG_DB_SPARE_CONNECTIONS = env_int("JINENG_DB_SPARE_CONNECTIONS", 2)
JINENG_DB_MAX_CONNECTIONS = env_int("JINENG_DB_MAX_CONNECTIONS", 0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A self-registered worker logs in with the confirmed mobile number (jineng.accounts.backends).
    "jineng.accounts.backends.PhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("JINENG_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout (django-axes): lock a (username, address) pair after repeated failures, so
# one address cannot lock an account's owner out. The cool-off doubles with each further
# failure, up to the ceiling (jineng.accounts.lockout); the bureau can unlock a pair.
AXES_FAILURE_LIMIT = env_int("JINENG_LOGIN_FAILURE_LIMIT", 5)
JINENG_LOGIN_COOLOFF_MINUTES = env_int("JINENG_LOGIN_COOLOFF_MINUTES", 30)
JINENG_LOGIN_COOLOFF_MAX_HOURS = env_int("JINENG_LOGIN_COOLOFF_MAX_HOURS", 24)
AXES_COOLOFF_TIME = "jineng.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a reverse proxy: the header in which it names the client (e.g. X-Real-IP).
JINENG_CLIENT_IP_HEADER = env_str("JINENG_CLIENT_IP_HEADER", "")
AXES_CLIENT_IP_CALLABLE = "jineng.accounts.lockout.client_ip_address"
# Every spelling of a mobile number counts as one name, kept masked with a keyed hash.
AXES_USERNAME_CALLABLE = "jineng.accounts.lockout.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("JINENG_LOGIN_LOCKOUT", default=True)

# How long after a session ends staff may still record a manual check-in (attendance app).
JINENG_MANUAL_CHECKIN_GRACE_HOURS = env_int("JINENG_MANUAL_CHECKIN_GRACE_HOURS", 48)

# The account homePage that names this site's people in xAPI statements (learning app).
JINENG_XAPI_ACCOUNT_HOMEPAGE = env_str("JINENG_XAPI_ACCOUNT_HOMEPAGE", "https://jineng.local")

# The address the public reaches this site at (scheme and host, no path): the host of the
# certificates' did:web issuer, of /.well-known/jwks.json and of the verification links that
# certificates print as QR codes (certificates app, docs/adr/0021).
JINENG_PUBLIC_BASE_URL = env_str("JINENG_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The name the certificates' issuer profile shows (Open Badges issuer.name).
JINENG_CERTIFICATE_ISSUER_NAME = env_str(
    "JINENG_CERTIFICATE_ISSUER_NAME", "梅河口市人力资源和社会保障局"
)

OTP_TOTP_ISSUER = env_str("JINENG_OTP_ISSUER", "jineng")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "jineng" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from the npm registry at set-up (package.json), never a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "jineng" / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/pico", NODE_MODULES / "@picocss" / "pico" / "css"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Development reads static files from their folders on each request; production serves
# what collectstatic gathered. Fixed here, at start, so that a test run (DEBUG forced off
# by the test runner) does not look for a STATIC_ROOT that was never collected.
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
# Uploads larger than this are refused with a clear message.
JINENG_MAX_UPLOAD_BYTES = env_int("JINENG_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
# Counts of people below this are shown as "<N" in statistics (ADR 0013).
JINENG_STATS_MIN_CELL = env_int("JINENG_STATS_MIN_CELL", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks: queued in the database and run by `jineng db_worker` in production (and
# by `make run`, which starts a worker); run at once, inside the request, in development
# without a worker and in the test suite. See docs/adr/0008-background-tasks.md.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "JINENG_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if DEBUG
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("JINENG_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session lasts two weeks (Django's default), but staff accounts (everyone but workers)
# are signed out after this many minutes without a request (accounts.middleware).
JINENG_STAFF_IDLE_MINUTES = env_int("JINENG_STAFF_IDLE_MINUTES", 30)

# HTTPS: production redirects plain HTTP and tells browsers to stay on HTTPS (HSTS). Behind
# a proxy that ends TLS, name the header it sets (JINENG_PROXY_SSL_HEADER=X-Forwarded-Proto),
# or every request looks insecure and is redirected in a loop. Probes stay reachable on HTTP.
SECURE_SSL_REDIRECT = env_bool("JINENG_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz)/?$"]
SECURE_HSTS_SECONDS = env_int("JINENG_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("JINENG_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("JINENG_HSTS_PRELOAD", default=False)
_PROXY_SSL_HEADER = env_str("JINENG_PROXY_SSL_HEADER", "")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")

# Content-Security-Policy (django-csp): scripts, styles, fonts and frames from this site
# only, no inline script or style, no plugins; images may also be data: URIs (the CSS
# framework's icons, the API docs). See docs/adr/0009-production-defaults.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the check-in page may ask for the
# location; nothing may use the camera, microphone, payment or other device features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "geolocation": ["self"],
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

# The city this deployment serves: its region code and name are data, never code.
JINENG_CITY_REGION_CODE = env_str("JINENG_CITY_REGION_CODE", "220581")
# How long a shared lifelong-record link stays valid unless the worker chooses otherwise.
JINENG_SHARE_LINK_DAYS = env_int("JINENG_SHARE_LINK_DAYS", 7)
# How many people one account may look up by full ID or phone, or reveal in full, per hour
# and per day (core.throttle); each lookup and reveal is audited with its purpose.
JINENG_IDENTITY_LOOKUPS_PER_HOUR = env_int("JINENG_IDENTITY_LOOKUPS_PER_HOUR", 30)
JINENG_IDENTITY_LOOKUPS_PER_DAY = env_int("JINENG_IDENTITY_LOOKUPS_PER_DAY", 200)
# How many citizen IDs one account may give, per hour and per day, that match no registered
# person under the name given (enrolling, registering or importing by ID card); each such
# miss is audited. Past it, the account's further ID-card checks wait.
JINENG_IDENTITY_MISSES_PER_HOUR = env_int("JINENG_IDENTITY_MISSES_PER_HOUR", 10)
JINENG_IDENTITY_MISSES_PER_DAY = env_int("JINENG_IDENTITY_MISSES_PER_DAY", 30)
# How many people one organisation's staff may register or import in 24 hours (the bureau
# is not limited): enough for a term's intake, too few to try every ID a mask leaves open.
JINENG_REGISTRATIONS_PER_DAY = env_int("JINENG_REGISTRATIONS_PER_DAY", 3000)
# The text-message gateway (jineng.core.sms): a dotted path to a backend class. Development
# keeps messages in the outbox table; production refuses until a real gateway is named.
JINENG_SMS_BACKEND = env_str(
    "JINENG_SMS_BACKEND",
    "jineng.core.sms.OutboxBackend" if DEBUG else "jineng.core.sms.UnconfiguredBackend",
)
# Whether the outbox page shows one-time codes (development only; a deploy check refuses
# the outbox in production, jineng.E104).
JINENG_SMS_OUTBOX_SHOWS_CODES = DEBUG
# One-time codes (jineng.accounts.otp): how many may be sent per hour to one number and from
# one client address, and how many self-registrations per day one number or address may have
# refused because the name did not match the citizen ID (docs/adr/0018-self-registration.md).
JINENG_OTP_PER_PHONE_PER_HOUR = env_int("JINENG_OTP_PER_PHONE_PER_HOUR", 5)
JINENG_OTP_PER_ADDRESS_PER_HOUR = env_int("JINENG_OTP_PER_ADDRESS_PER_HOUR", 20)
# Per number and day, whatever the address: codes sent, and wrong tries at its codes.
JINENG_OTP_PER_PHONE_PER_DAY = env_int("JINENG_OTP_PER_PHONE_PER_DAY", 10)
JINENG_OTP_WRONG_TRIES_PER_PHONE_PER_DAY = env_int("JINENG_OTP_WRONG_TRIES_PER_PHONE_PER_DAY", 20)
# A password-reset request takes at least this long, message sent or not (and at least the
# gateway's recent answer time), so its timing does not tell whether the number has an account.
JINENG_SMS_MIN_MILLISECONDS = env_int("JINENG_SMS_MIN_MILLISECONDS", 0 if DEBUG else 800)
JINENG_REGISTRATION_MISSES_PER_DAY = env_int("JINENG_REGISTRATION_MISSES_PER_DAY", 3)
# Identity providers offered on the registration page (jineng.registration.providers):
# dotted paths, comma-separated, e.g. a city's 电子社保卡 or OIDC login. None by default.
JINENG_IDENTITY_PROVIDERS = [
    p for p in env_str("JINENG_IDENTITY_PROVIDERS", "").split(",") if p.strip()
]

# Every handler masks ID- and phone-like numbers (jineng.core.logging). Django's own
# handlers for "django" and "django.server" (the development server's request lines) are
# replaced by these, so no record reaches a handler without the filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "jineng.core.logging.MaskPersonalData"},
        "request_ids": {"()": "jineng.core.logging.RequestIds"},
    },
    "formatters": {
        # The server's request id, and beside it the id the caller sent (or "-").
        "console": {
            "format": "%(levelname)s %(name)s "
            "[request %(request_id)s client %(client_request_id)s] %(message)s"
        },
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "console",
            "filters": ["request_ids", "personal_data"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("JINENG_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
