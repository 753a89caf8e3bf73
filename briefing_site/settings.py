"""Settings for Briefing: one module, read from the environment.

The embedded defaults (SQLite, eager Celery, in-process events) need no
configuration at all; production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1 or 0.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105


def is_weak_secret_key(key: str) -> bool:
    """Django's own deploy check (security.W009), plus the development key:
    a key anyone can guess lets them sign sessions and password-reset links."""
    return (
        key == DEVELOPMENT_SECRET_KEY
        or len(key) < 50
        or len(set(key)) < 5
        or key.startswith("django-insecure")
    )


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and is_weak_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG=0: use at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

SITE_NAME = os.environ.get("SITE_NAME", "Briefing")
# Where readers reach the site: every absolute link (emails, feeds, sitemap, canonical
# links) is made from it (briefing_site.site_address). `make run` and `make serve` pass
# HOST and PORT, so the default follows wherever they serve.
SITE_URL = os.environ.get("SITE_URL") or (
    f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "django_ratelimit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "treebeard",
    "briefing_site",
    "articles",
    "polls",
    "comments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which answers for static files itself (with its own .gz copies).
    "briefing_site.compression.CompressPages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Reads a user's permissions in one query for the two below; it checks no password.
    "briefing_site.auth_backends.PermissionsInOneQuery",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ROOT_URLCONF = "briefing_site.urls"
ASGI_APPLICATION = "briefing_site.asgi.application"
WSGI_APPLICATION = "briefing_site.wsgi.application"

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
                "briefing_site.context_processors.site",
            ],
        },
    },
]

# Database: SQLite file by default, anything dj-database-url reads otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
    # Under ASGI every concurrent request runs in its own thread with its own
    # connection; a pool per process caps them (requests wait their turn
    # instead of exhausting the server's max_connections).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Django's backend, whose pool drops all its dead connections at once after
    # a PostgreSQL restart (briefing_site/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "briefing_site.postgresql"
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 1,
            "max_size": env_int("DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("DB_POOL_TIMEOUT", 20),
        },
        # Parameters sent apart from the SQL, and a statement prepared the fifth time a
        # connection runs it (Django prepares nothing unless asked): PostgreSQL then
        # parses a page's queries once per pooled connection, and plans most of them
        # once too (it keeps planning afresh those whose plan depends on the values,
        # such as LIKE on a prefix).
        "server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", True),
        "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5) or None,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE takes the write
    # lock at BEGIN so concurrent writers wait instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Development serves static files straight from the apps, without collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Redis: when unset, Celery runs tasks eagerly in the request and live events
# stay in this process (the embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    # Redis answers in a millisecond when it is well; a second is already an
    # outage (and after one, briefing_site/cache.py leaves Redis alone a while).
    _REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    CACHES = {
        # allauth's throttles and the newcomers' page copy: with Redis down they
        # carry on in each process's memory (briefing_site/cache.py says why).
        "default": {
            "BACKEND": "briefing_site.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _REDIS_CACHE_OPTIONS,
        },
        # django-ratelimit's counters: with Redis down they let requests
        # through (RATELIMIT_FAIL_OPEN below) instead of raising.
        "ratelimit": {
            "BACKEND": "briefing_site.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _REDIS_CACHE_OPTIONS,
        },
    }
    RATELIMIT_USE_CACHE = "ratelimit"
else:
    # Room for a few discussions' stored lines (comments/fragments.py) beside the throttles.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or os.environ.get("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A hung broker (no answer, connection still open) must not hold a request that
# queues a task: the task waits for its sweeper instead (briefing_site/tasks.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TIMEZONE = TIME_ZONE
# Task modules outside the apps' tasks.py.
CELERY_IMPORTS = ["briefing_site.digests"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# HTTPS: on by default in production. SECURE_HTTPS=0 runs production mode over
# plain HTTP on localhost (benchmarks, integration tests). With HTTPS the app
# redirects plain HTTP itself (the proxy's X-Forwarded-Proto says which it was);
# SECURE_SSL_REDIRECT=0 leaves that to a proxy that already does it. /healthz
# answers over plain HTTP either way, for probes that do not speak TLS.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp), enforced in development too so that a
# page that needs more shows up at once. Scripts and styles come only from our
# own static files: no inline <script>, no on*= attributes, no style=""
# attributes, no eval (htmx runs with allowEval off and without its injected
# indicator styles; see templates/base.html). JSON for scripts travels in
# <script type="application/json">, which is data and never executed.
# connect-src covers the live event stream and htmx's requests; form-action
# keeps every form (allauth's included) on this site. CSP_REPORT_ONLY=1 sends the
# same policy as Content-Security-Policy-Report-Only instead (for trying a
# change on a live site), and CSP_REPORT_URI adds a report-uri. With DEBUG on,
# Django's debug pages for 404 and 500 go out without the policy (django-csp),
# but one that answers an htmx request (django-htmx's debug handler swaps it in)
# shows without its styles and scripts: open its URL directly.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if os.environ.get("CSP_REPORT_URI"):
    _CSP["DIRECTIVES"]["report-uri"] = [os.environ["CSP_REPORT_URI"]]
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
# For the file backend (the browser tests read the messages it writes).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Briefing <newsroom@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Readers' writes are rate-limited per voter (account or voter cookie) and per
# client address (django-ratelimit on the default cache).
POLL_RATE_PER_VOTER = os.environ.get("POLL_RATE_PER_VOTER", "20/m")
POLL_RATE_PER_IP = os.environ.get("POLL_RATE_PER_IP", "300/m")
# Behind a proxy, the header that carries the reader's address (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
SILENCED_SYSTEM_CHECKS = [
    # The embedded default is one process, where the local-memory cache is
    # shared by every request; Django's Redis cache increments atomically.
    "django_ratelimit.E003",
    "django_ratelimit.W001",
]

# A minute of votes is a surge when it has at least POLL_SURGE_MIN_VOTES and is
# POLL_SURGE_FACTOR times the poll's usual rate, or mostly from new voters.
POLL_SURGE_MIN_VOTES = env_int("POLL_SURGE_MIN_VOTES", 30)
POLL_SURGE_FACTOR = env_int("POLL_SURGE_FACTOR", 5)
POLL_SURGE_NEW_VOTER_SHARE = 0.8
# Readers' proposed answers wait for a moderator (the automatic pass only rejects)
# unless POLL_PROPOSALS_AUTO_APPROVE; a question takes no new proposal while
# POLL_MAX_PENDING_PROPOSALS wait, or once it has POLL_MAX_CHOICES answers.
POLL_PROPOSALS_AUTO_APPROVE = env_bool("POLL_PROPOSALS_AUTO_APPROVE", False)
POLL_MAX_PENDING_PROPOSALS = env_int("POLL_MAX_PENDING_PROPOSALS", 10)
POLL_MAX_CHOICES = env_int("POLL_MAX_CHOICES", 30)
# Live event streams one client address may hold open in each server process
# (past it, 429): each holds a connection for minutes.
LIVE_STREAMS_PER_ADDRESS = env_int("LIVE_STREAMS_PER_ADDRESS", 32)

# Comments. COMMENTS_AUTO_APPROVE skips the moderation pipeline and approves
# a new comment when its transaction commits (a switch for development only).
COMMENT_CLASSIFIER = os.environ.get(
    "COMMENT_CLASSIFIER", "comments.classifiers.ProfanityCheckClassifier"
)
COMMENT_CLASSIFIER_URL = os.environ.get("COMMENT_CLASSIFIER_URL", "")
COMMENT_CLASSIFIER_TIMEOUT = env_int("COMMENT_CLASSIFIER_TIMEOUT", 2)
COMMENTS_AUTO_APPROVE = env_bool("COMMENTS_AUTO_APPROVE", False)
COMMENT_RATE_PER_READER = os.environ.get("COMMENT_RATE_PER_READER", "5/m")
COMMENT_PREVIEW_RATE_PER_READER = os.environ.get("COMMENT_PREVIEW_RATE_PER_READER", "30/m")
COMMENT_EDIT_WINDOW_MINUTES = env_int("COMMENT_EDIT_WINDOW_MINUTES", 15)
# Each edit goes back through moderation and out to every live reader: edits are
# limited per reader, and a comment keeps at most COMMENT_MAX_VERSIONS versions.
COMMENT_EDIT_RATE_PER_READER = os.environ.get("COMMENT_EDIT_RATE_PER_READER", "10/m")
COMMENT_MAX_VERSIONS = env_int("COMMENT_MAX_VERSIONS", 10)
REPORT_RATE_PER_READER = os.environ.get("REPORT_RATE_PER_READER", "10/m")
# Readers who asked for replies and mentions by email get at most one email this often.
REPLY_DIGEST_MINUTES = int(os.environ.get("REPLY_DIGEST_MINUTES", "15"))
# Muting and unmuting other readers.
MUTE_RATE_PER_READER = os.environ.get("MUTE_RATE_PER_READER", "30/m")
# Readers with no session, vote or message share one copy of an article page
# for this long (0 turns it off); live readers are replayed what is newer.
ARTICLE_PAGE_CACHE_SECONDS = env_int("ARTICLE_PAGE_CACHE_SECONDS", 5)
# The sweeper re-queues comments still pending after this long.
COMMENT_SWEEP_AFTER_SECONDS = env_int("COMMENT_SWEEP_AFTER_SECONDS", 120)
# ...and a comment it queued is not queued again for this long (its task may be
# waiting behind a backlog).
COMMENT_SWEEP_REQUEUE_SECONDS = env_int("COMMENT_SWEEP_REQUEUE_SECONDS", 600)
# A moderation task that fails is retried after this long, then twice as long each time
# (at most a minute apart), before its item is held for a moderator.
MODERATION_RETRY_MILLISECONDS = env_int("MODERATION_RETRY_MILLISECONDS", 1000)
# With Redis down, rate limits let requests through rather than failing them.
RATELIMIT_FAIL_OPEN = True

# Accounts (django-allauth)
# Readers log in with their email; the username is their public display name,
# chosen at sign-up (rules in briefing_site/accounts.py). "Ada" keeps its case
# and makes "ada" taken: usernames are compared case-insensitively.
ACCOUNT_ADAPTER = "briefing_site.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "briefing_site.accounts.SignupForm",
    "login": "briefing_site.accounts.LoginForm",
    "reset_password": "briefing_site.accounts.ResetPasswordForm",
    "reset_password_from_key": "briefing_site.accounts.ResetPasswordKeyForm",
    "change_password": "briefing_site.accounts.ChangePasswordForm",
    "add_email": "briefing_site.accounts.AddEmailForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_USERNAME_VALIDATORS = "briefing_site.accounts.DISPLAY_NAME_VALIDATORS"
ACCOUNT_USERNAME_BLACKLIST = [
    "admin",
    "administrator",
    "briefing",
    "editor",
    "moderator",
    "newsroom",
    "staff",
    "support",
]

# mandatory: no log-in until the address is confirmed; optional; none.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory").strip()
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION={ACCOUNT_EMAIL_VERIFICATION!r}: "
        "use mandatory, optional or none."
    )
# Confirming the address in the browser that signed up logs the reader in and
# takes them back to where they started (the sign-up's ?next=).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # mail scanners follow links; confirming takes a POST
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SECURE_HTTPS else "http"

# allauth's throttles count in the default cache: shared by all processes on
# Redis, per process on the embedded LocMem cache. Failed log-ins: 10 a minute
# and 30 an hour from one address; for one account 5 in 5 minutes, 20 an hour,
# 50 a day, counted apart for each browser the reader has logged in from
# (briefing_site/accounts.py), so guessing from elsewhere cannot lock them out.
# Password-reset mails: 3 an hour to one address, whoever asks. The other
# actions keep allauth's defaults.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,30/h/ip,5/5m/key,20/h/key,50/d/key",
    "reset_password": "20/m/ip,60/h/ip,3/h/key",
}
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with
# recovery codes, set up at /accounts/2fa/. STAFF_REQUIRE_MFA sends members of
# the Editors and Moderators groups there before they can use the admin.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", not DEBUG)
# Behind a proxy, the throttles use the same client-address header as the
# polls' (RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP is the header X-Real-IP).
if RATELIMIT_IP_META_KEY.startswith("HTTP_"):
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER = RATELIMIT_IP_META_KEY.removeprefix("HTTP_").replace("_", "-")

# Outgoing mail (SMTP when DEBUG=0; the console in development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A stuck mail server must not hold a sign-up request forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
