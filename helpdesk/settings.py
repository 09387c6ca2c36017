"""Settings for the helpdesk.

Every deploy-time knob comes from the environment (or a `.env` file next to
`manage.py`). The defaults run the demo on a fresh machine: SQLite, the
embedded memory engine and the offline reply composer. Each variable listed
in the README switches one part to a real service.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from helpdesk.environment import env_bool, env_float, env_int, secret_key_is_weak

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _env_secret(name: str, default: str = "") -> str:
    """Read a secret from NAME or from the file named by NAME_FILE."""
    value = env.str(name, default="")
    if value:
        return value
    path = env.str(f"{name}_FILE", default="")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {error}") from error
    return default


def _throttle_rate(name: str, default: str) -> str | None:
    """An API rate such as `600/min` (per `s`, `min`, `hour` or `day`), or None for `off`."""
    value = env.str(name, default=default).strip().lower()
    if value in {"off", "none", ""}:
        return None
    count, _, period = value.partition("/")
    if not count.isdigit() or period not in {"s", "sec", "second", "min", "minute", "hour", "day"}:
        raise ImproperlyConfigured(f"{name}={value!r}: use a rate such as 600/min, or off.")
    return value


def _demo_secret_key() -> str:
    """A key generated on first start and kept in var/ (never committed)."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


# PRODUCTION=true: the site is served over HTTPS to the world. It needs a real
# SECRET_KEY from the environment and turns on secure cookies, HTTPS redirects
# and HSTS (each can still be set on its own below).
PRODUCTION = env_bool("PRODUCTION", default=False)
DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when PRODUCTION is on.")

SECRET_KEY = _env_secret("SECRET_KEY")
if PRODUCTION and not SECRET_KEY:
    raise ImproperlyConfigured(
        "PRODUCTION needs SECRET_KEY (or SECRET_KEY_FILE): the key generated into var/ "
        "is for the demo, one per machine, and is lost with the machine."
    )
if PRODUCTION and secret_key_is_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for PRODUCTION: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
SECRET_KEY = SECRET_KEY or _demo_secret_key()
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "taggit",
    "corsheaders",
    "csp",
    "axes",
    "helpdesk",
    "customers",
    "tickets",
    "helpdesk.memory",
    "helpdesk.channels",
    "helpdesk.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Leaves the trusted-browser cookie on a successful login (helpdesk.lockout).
    "helpdesk.lockout.TrustedDeviceMiddleware",
    # Last: turns a login refused by the lockout into the "locked out" page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

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
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Connections are kept between requests: opening one costs a PostgreSQL backend and, for
# SQLite, reading the schema again (about as much CPU as the rest of a message POST).
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", default=60))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process when it points at Redis (API throttle counters, reused
# drafts); the default keeps one cache per process.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tickets:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# With STATIC_MANIFEST on, `collectstatic` writes hashed, compressed files to
# STATIC_ROOT and whitenoise serves them (make run, production). Off (tests, a
# bare runserver), files are served straight from the apps' static folders.
# Only an explicit STATIC_MANIFEST=true turns it on: a manifest left in STATIC_ROOT
# by an earlier `make run` changes nothing (it would make the test server, which
# finds files by their plain names, answer 404 for the hashed ones).
_HAS_MANIFEST = env_bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _HAS_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _HAS_MANIFEST

# Uploaded files (e-mail attachments) are stored here through Django's storage API; they are
# never served as static files: agents download them through the API, which checks who asks.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# E-mail out (docs/channels.md): EMAIL_URL names the server, django-environ's form:
# smtp://user:password@host:25, smtp+tls://...:587 (STARTTLS), smtp+ssl://...:465, or
# consolemail:// (the demo's default: mail printed on the console). EMAIL_BACKEND, if set,
# still picks the backend (e.g. a provider's through django-anymail), with EMAIL_URL's host.
_EMAIL = env.email_url_config(env.str("EMAIL_URL", default="consolemail://"))
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_EMAIL["EMAIL_BACKEND"])
EMAIL_HOST = _EMAIL.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _EMAIL.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_EMAIL.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_EMAIL.get("EMAIL_USE_SSL", False))
EMAIL_FILE_PATH = _EMAIL.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
# A server that stops answering must not hold a worker: each SMTP call gives up after this.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=30)
# An outgoing mail is tried this many times (backing off up to 15 minutes between tries:
# about 1.5 hours of outage with the default) before it is failed, visible on the ticket.
OUTGOING_MAIL_MAX_ATTEMPTS = env_int("OUTGOING_MAIL_MAX_ATTEMPTS", default=12)
# How long a worker holds a mail it claimed; a worker that died is taken over after it.
OUTGOING_MAIL_LEASE_SECONDS = env_int("OUTGOING_MAIL_LEASE_SECONDS", default=120)
if OUTGOING_MAIL_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("OUTGOING_MAIL_MAX_ATTEMPTS must be at least 1.")
if OUTGOING_MAIL_LEASE_SECONDS <= 2 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "OUTGOING_MAIL_LEASE_SECONDS must be over twice EMAIL_TIMEOUT (connect, then send)."
    )
# Outgoing webhooks: a subscriber that does not answer gives up each network step (connect,
# send, read) after this many seconds; 5xx, 408, 429 and timeouts are retried (backoff with
# jitter up to 15 minutes) until WEBHOOK_MAX_ATTEMPTS tries, then failed (admin, health).
WEBHOOK_TIMEOUT = env_float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", default=12)
# How long a worker holds the deliveries it claimed; a worker that died is taken over after it.
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", default=120)
# Every new ticket and message asks which subscriptions want it: the answer is cached this
# long (dropped at once wherever the cache is shared, CACHE_URL, when a subscription changes);
# 0 asks the database every time.
WEBHOOK_SUBSCRIPTIONS_CACHE_SECONDS = env_int("WEBHOOK_SUBSCRIPTIONS_CACHE_SECONDS", default=30)
if WEBHOOK_TIMEOUT <= 0:
    raise ImproperlyConfigured("WEBHOOK_TIMEOUT must be more than 0.")
if WEBHOOK_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("WEBHOOK_MAX_ATTEMPTS must be at least 1.")
if WEBHOOK_LEASE_SECONDS <= 3 * WEBHOOK_TIMEOUT:
    raise ImproperlyConfigured(
        "WEBHOOK_LEASE_SECONDS must be over three times WEBHOOK_TIMEOUT (connect, send, read)."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")

# E-mail in (docs/channels.md): the helpdesk's own addresses (mail from them, or that names
# them in X-Loop, is a loop and ignored), the largest raw mail taken (413 above it) and the
# largest attachment kept (a larger one is named in the message, not stored).
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default=DEFAULT_FROM_EMAIL)
SUPPORT_EMAIL_ADDRESSES = [SUPPORT_EMAIL, *env.list("SUPPORT_EMAIL_ALIASES", default=[])]
INBOUND_EMAIL_MAX_BYTES = env_int("INBOUND_EMAIL_MAX_BYTES", default=25_000_000)
INBOUND_EMAIL_ATTACHMENT_MAX_BYTES = env_int(
    "INBOUND_EMAIL_ATTACHMENT_MAX_BYTES", default=10_000_000
)
# Mail bombs: past this many mails taken in from one address within an hour, more mail from
# it is ignored as a flood (202 {"ignored": "flood"}); 0: no limit.
INBOUND_EMAIL_SENDER_HOURLY_LIMIT = env_int("INBOUND_EMAIL_SENDER_HOURLY_LIMIT", default=60)
if INBOUND_EMAIL_SENDER_HOURLY_LIMIT < 0:
    raise ImproperlyConfigured("INBOUND_EMAIL_SENDER_HOURLY_LIMIT must not be negative.")
if INBOUND_EMAIL_MAX_BYTES < 1 or INBOUND_EMAIL_ATTACHMENT_MAX_BYTES < 0:
    raise ImproperlyConfigured(
        "INBOUND_EMAIL_MAX_BYTES must be positive and INBOUND_EMAIL_ATTACHMENT_MAX_BYTES "
        "not negative."
    )
# Tags match whatever their case: "Billing" and "billing" are one tag.
TAGGIT_CASE_INSENSITIVE = True
TICKET_TAGS_MAX = 20
TICKET_TAG_MAX_LENGTH = 50

# The chat widget (docs/channels.md): how long a visitor's token is good for, and the
# longest message a visitor may send.
WIDGET_TOKEN_MAX_AGE = env_int("WIDGET_TOKEN_MAX_AGE", default=90 * 24 * 3600)
WIDGET_MESSAGE_MAX_CHARS = env_int("WIDGET_MESSAGE_MAX_CHARS", default=4_000)
# Cross-origin calls only to the widget's API, and only from the origins the chat widget
# sites registered in the admin (helpdesk.channels.signals answers django-cors-headers).
CORS_URLS_REGEX = r"^/api/widget/"
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_PREFLIGHT_MAX_AGE = 600
# The support mailbox `manage.py fetch_mail` reads (empty: none), e.g.
# imaps://support%40example.com:password@imap.example.com/INBOX?done=Helpdesk/Done&failed=Helpdesk/Failed
IMAP_URL = env.str("IMAP_URL", default="")
IMAP_POLL_SECONDS = env_float("IMAP_POLL_SECONDS", default=60.0)
IMAP_TIMEOUT = env_float("IMAP_TIMEOUT", default=30.0)
IMAP_CA_FILE = env.str("IMAP_CA_FILE", default="")  # a private CA's certificates, if any
# A mail provider's inbound webhook (django-anymail), served only when a secret is set: every
# ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"] (WEBHOOK_SECRET "user:password", and the
# provider's own keys, e.g. MAILGUN_WEBHOOK_SIGNING_KEY).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}
INBOUND_EMAIL_WEBHOOKS = bool(ANYMAIL.get("WEBHOOK_SECRET"))
if INBOUND_EMAIL_WEBHOOKS and ":" not in ANYMAIL["WEBHOOK_SECRET"]:
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET must be user:password (basic auth).")
if IMAP_POLL_SECONDS <= 0 or IMAP_TIMEOUT <= 0:
    raise ImproperlyConfigured("IMAP_POLL_SECONDS and IMAP_TIMEOUT must be positive.")

# Security headers and cookies. In production the proxy speaks HTTPS to the
# world and plain HTTP to gunicorn: SECURE_PROXY_SSL_HEADER names the header it
# sets (e.g. HTTP_X_FORWARDED_PROTO,https), so that Django knows a request was
# secure. Never set it when clients can reach gunicorn directly.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# Load balancers probe the health endpoint over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None
# Reverse proxies in front of gunicorn that append the client to X-Forwarded-For
# (nginx: 1). The login lockout and the API throttles count per client address.
NUM_PROXIES = env_int("NUM_PROXIES", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Preloading commits the whole registered domain to HTTPS and is only possible
# from the apex domain, so it stays opt-in (SECURE_HSTS_PRELOAD) and
# `check --deploy` does not ask for it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# The portal runs only its own files: no inline scripts or styles, no eval.
# The API's HTML pages (browsable API, Swagger UI) also get inline styles
# (helpdesk/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login lockout (django-axes, portal and admin logins; the rules are helpdesk.lockout's):
# LOGIN_FAILURE_LIMIT failed logins for one username from one address lock that pair for
# LOGIN_COOLOFF_MINUTES after the last failure; LOGIN_ADDRESS_FAILURE_LIMIT from one
# address, whatever the usernames, lock the address. After a lock each further failure
# locks again, twice as long every limit's worth, up to LOGIN_COOLOFF_MAX_MINUTES (failures
# are remembered twice that). A success forgets the pair's failures. A browser that
# logged in as a user is exempt for LOGIN_TRUSTED_DEVICE_DAYS (0: no such exemption) until
# it fails the limit itself. Attempts are listed (and can be deleted) in the admin.
AXES_ENABLED = env_bool("LOGIN_LOCKOUT", default=True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", default=15))
LOGIN_COOLOFF_MAX = timedelta(minutes=env_int("LOGIN_COOLOFF_MAX_MINUTES", default=24 * 60))
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_TRUSTED_DEVICE_DAYS = env_int("LOGIN_TRUSTED_DEVICE_DAYS", default=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "helpdesk.lockout.LoginLockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "helpdesk.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "helpdesk.security.client_ip"

# Largest message body accepted anywhere (portal, API, admin).
MESSAGE_BODY_MAX_LENGTH = 20_000
# Messages in one POST /api/messages/batch/ (413 above it); the body also stays within
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB unless set), as every request's does.
MESSAGE_BATCH_MAX_ITEMS = 500
# Rows per page in the portal and the API.
PAGE_SIZE = env_int("PAGE_SIZE", default=25)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["helpdesk.api.permissions.IsHelpdeskStaff"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "helpdesk.api.schema.ErrorDocumentingAutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Per token or session user, and per address for anonymous calls; `off` lifts a limit.
    "DEFAULT_THROTTLE_CLASSES": [
        "helpdesk.api.throttles.AnonymousRateThrottle",
        "helpdesk.api.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("API_THROTTLE_ANON", default="30/min"),
        "user": _throttle_rate("API_THROTTLE_USER", default="600/min"),
        "widget_address": _throttle_rate("WIDGET_THROTTLE_ADDRESS", default="120/min"),
        "widget_visitor": _throttle_rate("WIDGET_THROTTLE_VISITOR", default="20/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Customers, tickets, messages and memory-derived context for integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    # One name per choice set used by more than one field (a ticket's status and priority,
    # and what a macro sets them to).
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.TicketStatus",
        "TicketPriorityEnum": "tickets.models.TicketPriority",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Integration settings that later parts of the product read; listed here so
# that every variable the README documents has one home.
MEMORY_BACKEND = env.str("MEMORY_BACKEND", default="embedded")
if MEMORY_BACKEND not in {"embedded", "evermemos"}:
    raise ImproperlyConfigured("MEMORY_BACKEND must be 'embedded' or 'evermemos'.")
# The embedded engine ranks with keywords and, when this is on and the packaged
# e5 model is installed, with dense vectors too (computed by the mirror worker).
MEMORY_EMBEDDINGS = env_bool("MEMORY_EMBEDDINGS", default=True)
# An open ticket with no message for this long has its memories extracted as
# if it had closed (0: only on closing).
MEMORY_QUIET_MINUTES = env_int("MEMORY_QUIET_MINUTES", default=240)
# Customers with more indexed messages than this have their history bounded for each
# query (the newest tickets plus full-text candidates) instead of read whole.
MEMORY_FULL_HISTORY_DOCUMENTS = env_int("MEMORY_FULL_HISTORY_DOCUMENTS", default=2_000)
if MEMORY_FULL_HISTORY_DOCUMENTS < 0:
    raise ImproperlyConfigured("MEMORY_FULL_HISTORY_DOCUMENTS must be 0 or more.")
EVERMEMOS_BASE_URL = env.str("EVERMEMOS_BASE_URL", default="")
EVERMEMOS_API_KEY = _env_secret("EVERMEMOS_API_KEY")
# The wire format the server speaks: v1 (EverMemOS `main`, EverOS) or v0 (the frozen
# `agent_memory` branch). The path prefix defaults to the version's (/api/v1, /api/v0).
EVERMEMOS_API_VERSION = env.str("EVERMEMOS_API_VERSION", default="v1").strip().lower()
if EVERMEMOS_API_VERSION not in {"v0", "v1"}:
    raise ImproperlyConfigured(
        f"EVERMEMOS_API_VERSION must be 'v1' (the default) or 'v0', not {EVERMEMOS_API_VERSION!r}."
    )
EVERMEMOS_PATH_PREFIX = env.str("EVERMEMOS_PATH_PREFIX", default="")
EVERMEMOS_TIMEOUT = env_float("EVERMEMOS_TIMEOUT", default=60.0)
EVERMEMOS_CONNECT_TIMEOUT = env_float("EVERMEMOS_CONNECT_TIMEOUT", default=5.0)
EVERMEMOS_READ_TIMEOUT = env_float("EVERMEMOS_READ_TIMEOUT", default=10.0)
# The search methods each EverMemOS API version accepts: v1 answers 422 to `rrf`.
EVERMEMOS_SEARCH_METHODS = {
    "v0": ("keyword", "vector", "hybrid", "rrf", "agentic"),
    "v1": ("keyword", "vector", "hybrid", "agentic"),
}


def _evermemos_search_method(name: str, default: str) -> str:
    method = env.str(name, default=default).strip().lower()
    accepted = EVERMEMOS_SEARCH_METHODS[EVERMEMOS_API_VERSION]
    if method not in accepted:
        raise ImproperlyConfigured(
            f"{name}={method!r} is not a search method of EverMemOS {EVERMEMOS_API_VERSION}: "
            f"use {', '.join(accepted)} (v0 also takes rrf; v1 does not)."
        )
    return method


EVERMEMOS_CONTEXT_METHOD = _evermemos_search_method("EVERMEMOS_CONTEXT_METHOD", "hybrid")
EVERMEMOS_RECURRING_METHOD = _evermemos_search_method("EVERMEMOS_RECURRING_METHOD", "agentic")
EVERMEMOS_AGENTIC_TIMEOUT = env_float("EVERMEMOS_AGENTIC_TIMEOUT", default=20.0)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# The memory mirror: tries per entry before it is marked failed (with backoff
# capped at 15 minutes, 20 tries outlast an outage of at least 80 minutes), how
# long a worker holds a claimed entry, whether web processes start the
# in-process worker (off when Celery delivers, or in tests), and how old the
# oldest undelivered entry may get before /api/health/ says "degraded".
MIRROR_MAX_ATTEMPTS = env_int("MIRROR_MAX_ATTEMPTS", default=20)
MIRROR_LEASE_SECONDS = env_int("MIRROR_LEASE_SECONDS", default=300)
MIRROR_WORKER_AUTOSTART = env_bool("MIRROR_WORKER_AUTOSTART", default=not CELERY_BROKER_URL)
MIRROR_BACKLOG_ALERT_SECONDS = env_int("MIRROR_BACKLOG_ALERT_SECONDS", default=300)
# After a pass that did not fill its batch, the in-process worker waits this long before the
# next one, so that entries written meanwhile go out together (0: at once).
MIRROR_WORKER_GATHER_SECONDS = env_float("MIRROR_WORKER_GATHER_SECONDS", default=0.05)
if MIRROR_WORKER_GATHER_SECONDS < 0:
    raise ImproperlyConfigured("MIRROR_WORKER_GATHER_SECONDS must not be negative.")
if MIRROR_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("MIRROR_MAX_ATTEMPTS must be at least 1.")
if MIRROR_LEASE_SECONDS <= EVERMEMOS_TIMEOUT:
    raise ImproperlyConfigured(
        "MIRROR_LEASE_SECONDS must be longer than EVERMEMOS_TIMEOUT: a worker must be able to "
        "finish a send before its claim on the entry runs out."
    )

# Celery (only with CELERY_BROKER_URL): `celery -A helpdesk worker` delivers the
# mirror, and one `celery -A helpdesk beat` sends the sweep, every
# MIRROR_SWEEP_SECONDS, that picks up retries that fell due and entries whose
# worker died (and once a minute, quiet tickets). A task is acknowledged only once
# it has run, so a worker lost mid-task has it redelivered; Redis redelivers an
# unacknowledged task after the visibility timeout, which is longer than a task
# can run (MIRROR_TASK_SECONDS plus one send) and than the lease its entries were
# claimed with, so the redelivered task finds them free.
MIRROR_SWEEP_SECONDS = env_float("MIRROR_SWEEP_SECONDS", default=10.0)
if MIRROR_SWEEP_SECONDS <= 0:
    raise ImproperlyConfigured("MIRROR_SWEEP_SECONDS must be positive.")
MIRROR_TASK_SECONDS = 10
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": MIRROR_LEASE_SECONDS + MIRROR_TASK_SECONDS + int(EVERMEMOS_TIMEOUT),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "deliver-memory-mirror": {
        "task": "helpdesk.deliver_mirror",
        "schedule": MIRROR_SWEEP_SECONDS,
        "options": {"expires": MIRROR_SWEEP_SECONDS},
    },
    "queue-quiet-tickets": {
        "task": "helpdesk.enqueue_quiet_tickets",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}
if IMAP_URL:
    CELERY_BEAT_SCHEDULE["fetch-mail"] = {
        "task": "helpdesk.fetch_mail",
        "schedule": IMAP_POLL_SECONDS,
        "options": {"expires": IMAP_POLL_SECONDS},
    }
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_API_KEY = _env_secret("OPENAI_API_KEY")
LLM_MODEL = env.str("LLM_MODEL", default="")
# Drafts wait for the model at most this long (per try) before the offline composer answers.
LLM_TIMEOUT = env_float("LLM_TIMEOUT", default=20.0)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", default=1)
# Secrets (cards, IBANs, national ids, keys) never reach the memory backend; contact
# details (names, emails, phones, addresses) only when this is off.
MEMORY_MASK_CONTACTS = env_bool("MEMORY_MASK_CONTACTS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per HTTP call to the memory service is noise; failures are logged by the mirror.
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "bm25s": {"level": "WARNING"},
    },
}
