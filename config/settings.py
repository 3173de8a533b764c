"""Settings, all from environment variables (see .env.example); bad values refuse to start."""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from lib.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("NL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-key-set-DJANGO_SECRET_KEY" if DEBUG else None)
# A key copied from .env.example, Django's development keys or a string typed by hand lets anyone
# forge sessions and password-reset links; Django's own deploy check lets most of them through.
_PLACEHOLDER_KEYS = {"change-me-to-a-random-string-of-at-least-50-characters-0000"}
if not DEBUG:
    if len(SECRET_KEY) < 40:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 40 characters in production.")
    _lowered = SECRET_KEY.lower()
    if (
        SECRET_KEY in _PLACEHOLDER_KEYS
        or _lowered.startswith("django-insecure-")
        or "change-me" in _lowered
        or "changeme" in _lowered
    ):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is a placeholder: set it to a random value, for example the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    if len(set(SECRET_KEY)) < 10:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY has too few distinct characters ({len(set(SECRET_KEY))}) to be random."
        )
# The container health check and `make run` reach the app as localhost.
ALLOWED_HOSTS = [*env_list("DJANGO_ALLOWED_HOSTS", []), "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

PARTY_NAME = env_str("PARTY_NAME", "Missouri Democratic Party")
# Missourians give distances in feet and miles; a party elsewhere may want metres and kilometres.
DISTANCE_UNITS = env_choice("DISTANCE_UNITS", "imperial", ("imperial", "metric"))
SITE_NAME = "Neighborhood Leader"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",  # its widget templates, for the renderer below
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "contacts",
    "leaders",
    "turf",
    "events",
    "candidates",
    "field",
    "dashboard",
    "config",  # its system checks (config/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "leaders.middleware.require_mfa",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leaders.context_processors.navigation",
            ],
        },
    },
]
# Form and widget templates come from the same places as page templates (templates/forms/ too).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: DATABASE_URL, or the embedded PostgreSQL that `make run` / `make test` start.
EMBEDDED_PG_PORT = env_int("EMBEDDED_PG_PORT", 54329, minimum=1)
DATABASE_URL = env_str(
    "DATABASE_URL", f"postgres://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/neighborhood_leader"
)
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL (postgres://...).")


def _database(url: str) -> dict:
    database = dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
    )
    database["OPTIONS"] = {
        "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5, minimum=1),
        "options": f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 30000, minimum=0)}",
    }
    return database


def _sibling_database(url: str, suffix: str) -> str:
    """Return the URL of the database named like url's plus suffix, on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _with_user(url: str, user: str) -> str:
    """Return url with another user and no password (the embedded server trusts local users)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


DATABASES = {"default": _database(DATABASE_URL)}
# Two suites on one server (say, two checkouts) need two test database names.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_neighborhood_leader")}
# The shared ID database (DESIGN.md section 3): only what candidates may see, written by the rollup
# (contacts/rollup.py). By default a second database next to the first; a party that outgrows one
# machine points it at a server or replica of its own. contacts.routers sends the shared models
# there and nothing else.
SHARED_DATABASE_URL = env_str("SHARED_DATABASE_URL", _sibling_database(DATABASE_URL, "_shared"))
# Candidate-facing code reads the shared database as a role that may only SELECT its tables
# (created and granted by the shared migrations, or by hand on a server of your own: README).
SHARED_READER_DATABASE_URL = env_str(
    "SHARED_READER_DATABASE_URL", _with_user(SHARED_DATABASE_URL, "nl_shared_reader")
)
for _name, _url in (
    ("SHARED_DATABASE_URL", SHARED_DATABASE_URL),
    ("SHARED_READER_DATABASE_URL", SHARED_READER_DATABASE_URL),
):
    if not _url.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(f"{_name} must be a PostgreSQL URL (postgres://...).")
DATABASES["shared"] = _database(SHARED_DATABASE_URL)
# The reader may SELECT every table of the shared database: the program's must never be among them.
if all(DATABASES["shared"][key] == DATABASES["default"][key] for key in ("HOST", "PORT", "NAME")):
    raise ImproperlyConfigured("SHARED_DATABASE_URL must name another database than DATABASE_URL.")
DATABASES["shared"]["TEST"] = {"NAME": DATABASES["default"]["TEST"]["NAME"] + "_shared"}
DATABASES["shared_reader"] = _database(SHARED_READER_DATABASE_URL)
# In tests the reader connects, as its own role, to the shared test database.
DATABASES["shared_reader"]["TEST"] = {"MIRROR": "shared"}
DATABASE_ROUTERS = ["contacts.routers.SharedRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login failures, TOTP replay guards and rate limits must be shared by every worker and must not
# depend on the broker: the database cache is both.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
        # Past MAX_ENTRIES Django culls a third of the rows, live ones too: the default 300 would
        # let a busy evening of sign-ins evict TOTP replay guards and find-me counters.
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    }
}

# Broker: REDIS_URL, or the embedded broker that `make run` starts.
EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 56379, minimum=1)
REDIS_URL = env_str("REDIS_URL", f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0")
if not REDIS_URL.startswith(("redis://", "rediss://", "redis+socket://")):
    raise ImproperlyConfigured("REDIS_URL must be a Redis URL (redis://...).")

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=60)
# A task running past the visibility timeout is handed to a second worker: stop it well before.
CELERY_TASK_TIME_LIMIT = CELERY_BROKER_VISIBILITY_TIMEOUT - 600
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE: dict = {}

# Accounts
AUTH_USER_MODEL = "leaders.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Admin permissions follow the role, as is_staff does: no superuser flag needed for staff.
    "leaders.backends.StaffRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "leaders.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A new email address receives password resets and sign-in codes: adding or changing one asks for
# the password again, so a session someone else got hold of cannot move the account to them.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Leaders join by invitation; open sign-up makes prospects who see no voter data until approved.
ACCOUNT_ALLOW_SIGNUPS = env_bool("ACCOUNT_ALLOW_SIGNUPS", False)
ACCOUNT_FORMS = {"signup": "leaders.forms.SignupForm"}
INVITATION_DAYS = env_int("INVITATION_DAYS", 14, minimum=1)
# A training room of volunteers behind one NAT logs in at once: the per-IP limits are generous.
# Failures are counted per account and address ("key" in login_failed, see leaders.adapters), so a
# stranger elsewhere cannot lock the owner out; login_failed_account caps guesses at one account
# from every address together, except from addresses where its owner has signed in.
# A leader locked out by a stranger's guesses (see the limits below), or who forgot the password,
# signs in with a code mailed to them; privileged users still give their TOTP code after it.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "100/m/ip,5/5m/key",
    "login_failed_account": "20/h/key",
    "signup": "100/m/ip",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# No tolerance for a code from the period before or after (allauth's default): allauth remembers a
# used code for one period only, so a wider window would let a watched code be used a second time.
MFA_TOTP_TOLERANCE = 0
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_ADAPTER = "leaders.adapters.MFAAdapter"
# TOTP secrets and recovery-code seeds are stored encrypted with this Fernet key (leaders.adapters).
# A development key is derived from SECRET_KEY; production needs its own, so that a leaked database
# dump or an admin screen does not hand over everyone's second factor. To rotate, move the old key to
# MFA_ENCRYPTION_KEY_FALLBACKS, set a new one and run `manage.py reencrypt_mfa_secrets`.
MFA_ENCRYPTION_KEY = env_str(
    "MFA_ENCRYPTION_KEY",
    base64.urlsafe_b64encode(hashlib.sha256(f"mfa-encryption:{SECRET_KEY}".encode()).digest()).decode()
    if DEBUG
    else None,
)
MFA_ENCRYPTION_KEY_FALLBACKS = env_list("MFA_ENCRYPTION_KEY_FALLBACKS", [])
for _name, _key in [("MFA_ENCRYPTION_KEY", MFA_ENCRYPTION_KEY)] + [
    ("MFA_ENCRYPTION_KEY_FALLBACKS", key) for key in MFA_ENCRYPTION_KEY_FALLBACKS
]:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"{_name} is not a Fernet key (32 url-safe base64-encoded bytes); make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        ) from None

# Volunteers on shared phones stay signed in for a month; privileged roles for 12 hours at most.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", int(timedelta(days=30).total_seconds()), minimum=60)
PRIVILEGED_SESSION_AGE = min(
    env_int("PRIVILEGED_SESSION_AGE", int(timedelta(hours=12).total_seconds()), minimum=60),
    int(timedelta(hours=12).total_seconds()),
)

# Bearer tokens for the sync API stop working this many days after they are issued.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1)

# Email: files under var/mail/ in development (the web server and the Celery worker both write
# there, one file per process and run), SMTP in production.
EMAIL_BACKEND_NAME = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAIL_DIR = Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail")))
if EMAIL_BACKEND_NAME.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
        "timeout": 10,
    }
elif EMAIL_BACKEND_NAME.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": str(MAIL_DIR)}
else:
    _mail_options = {}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_NAME, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Neighborhood Leader <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where links in emails point: emails sent by Celery have no request to take the address from.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Time: stored in UTC, shown in the party's time zone.
USE_TZ = True
TIME_ZONE = env_str("PARTY_TIME_ZONE", "America/Chicago")
LANGUAGE_CODE = "en-us"
USE_I18N = True

# Static files are vendored; whitenoise serves them in production.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Uploads go to disk past 2.5 MB; the voter file cap is separate and large.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760

# Security headers. The admin's scripts carry no nonce, so 'self' scripts stay allowed.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Turf (turf app) and likely party (contacts/party.py) -------------------------------------
# List sizes are targets: a door list fills whole households, so it may pass its size by one door.
TURF_CALL_LIST_SIZE = env_int("TURF_CALL_LIST_SIZE", 50, minimum=1)
TURF_DOOR_LIST_SIZE = env_int("TURF_DOOR_LIST_SIZE", 100, minimum=1)
# Rural leaders get what is nearest even kilometres away, but never another region's voters.
TURF_MAX_DISTANCE_KM = env_int("TURF_MAX_DISTANCE_KM", 40, minimum=1)
# Cut together, a leader must not end up with a median distance worse than a neighbour's by more
# than this factor; staff see turf past it flagged for a recut.
TURF_FAIRNESS_FACTOR = env_float("TURF_FAIRNESS_FACTOR", 1.5)
# An ID's weight halves every this many days: for one half-life it outranks the declared party on
# the voter file, for two the model score, for three a leader's "I know them" mark.
PARTY_ID_HALF_LIFE_DAYS = env_int("PARTY_ID_HALF_LIFE_DAYS", 730, minimum=1)
PARTY_SCORE_DEM_MIN = env_int("PARTY_SCORE_DEM_MIN", 65, minimum=0)
PARTY_SCORE_REP_MAX = env_int("PARTY_SCORE_REP_MAX", 35, minimum=0)
if not PARTY_SCORE_REP_MAX < PARTY_SCORE_DEM_MIN <= 100:
    raise ImproperlyConfigured("Need PARTY_SCORE_REP_MAX < PARTY_SCORE_DEM_MIN <= 100.")
# Mail lists a candidacy may download per day (in the party's time zone), each one audited.
MAIL_EXPORTS_PER_DAY = env_int("MAIL_EXPORTS_PER_DAY", 5, minimum=1)
# "Find yourself" attempts: enough for typos, too few to test a list of guesses. Per account and
# per address a day (a training room shares one address), and for everyone together an hour.
FIND_ME_DAILY_LIMIT = env_int("FIND_ME_DAILY_LIMIT", 10, minimum=1)
FIND_ME_IP_DAILY_LIMIT = env_int("FIND_ME_IP_DAILY_LIMIT", 50, minimum=1)
FIND_ME_HOURLY_TOTAL = env_int("FIND_ME_HOURLY_TOTAL", 500, minimum=1)
# Requests a minute per API token (or per browser session's user) to the sync API. A phone's outbox
# sends batches of 20, back to back only while it catches up: 120 a minute is 2,400 attempts.
SYNC_RATE_LIMIT_PER_MINUTE = env_int("SYNC_RATE_LIMIT_PER_MINUTE", 120, minimum=1)
# A speaker booked into a gathering is busy this long before and after it: driving across the state.
SPEAKER_TRAVEL_MINUTES = env_int("SPEAKER_TRAVEL_MINUTES", 60, minimum=0)
# Map tiles: any {z}/{x}/{y} URL; "none" shows the points on a plain background. The tile host is
# added to the CSP's img-src so the browser may load tiles from it.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
if MAP_TILE_URL.lower() == "none":
    MAP_TILE_URL = ""
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
if MAP_TILE_URL:
    # "{s}" subdomains ({s}.tile.example) become a CSP wildcard (*.tile.example).
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
    if _tiles.scheme not in ("https", "http") or not _tiles.netloc:
        raise ImproperlyConfigured("MAP_TILE_URL must be an http(s) URL with {z}/{x}/{y}.")
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], f"{_tiles.scheme}://{_tiles.netloc}"]

# --- The staff dashboard (dashboard app) -----------------------------------------------------------
# A county with fewer registered voters per square mile of its (vendored Census) shape is rural,
# unless staff classed it otherwise on the coverage page. 50 is about 70 residents per square mile.
RURAL_VOTERS_PER_SQ_MILE = env_float("RURAL_VOTERS_PER_SQ_MILE", 50.0)
# Follow-up: a leader with turf and no call or knock for this many days has stalled; an invited
# prospect who has not signed up this many days after their newest link needs a nudge.
STALLED_AFTER_DAYS = env_int("STALLED_AFTER_DAYS", 14, minimum=1)
INVITE_NUDGE_DAYS = env_int("INVITE_NUDGE_DAYS", 7, minimum=1)

# --- Data imports (contacts: voter file, geocodes, phones, scores) ----------------------------
# Uploaded files are kept here, outside MEDIA_ROOT: voter data is never served as a static file.
IMPORT_DIR = Path(env_str("NL_IMPORT_DIR", str(VAR_DIR / "imports")))
# The statewide PSR file is about 1.7 GB; uploads stream to disk and stop past this size.
VOTER_FILE_MAX_UPLOAD_BYTES = env_int("VOTER_FILE_MAX_UPLOAD_BYTES", 3 * 1024**3, minimum=1)
# A new edition drops a percent or two of a county's voters. A file that leaves out more of a county
# looks like a partial extract of it: its voters stay registered unless staff name it a full edition.
VOTER_FILE_UNREGISTER_WARN_PERCENT = env_float("VOTER_FILE_UNREGISTER_WARN_PERCENT", 2.0)
if not 0 <= VOTER_FILE_UNREGISTER_WARN_PERCENT <= 100:
    raise ImproperlyConfigured("VOTER_FILE_UNREGISTER_WARN_PERCENT must be between 0 and 100.")
# Uploaded files and import reports hold raw voter lines: they are deleted this long after their
# import finished (the imports stay listed with their counts).
IMPORT_RETENTION_DAYS = env_int("IMPORT_RETENTION_DAYS", 30, minimum=1)
CELERY_BEAT_SCHEDULE["contacts-delete-expired-imports"] = {
    "task": "contacts.tasks.delete_expired_import_files",
    "schedule": timedelta(days=1),
}
# The ID rollup (contacts/rollup.py) brings the shared database up to date every minute, soon
# after each sync without ever being on its request, and recomputes it whole at night.
ROLLUP_MAX_LAG_MINUTES = env_int("ROLLUP_MAX_LAG_MINUTES", 30, minimum=1)
CELERY_BEAT_SCHEDULE["contacts-rollup-ids"] = {
    "task": "contacts.tasks.rollup_ids_task",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["contacts-rollup-ids-full"] = {
    "task": "contacts.tasks.rollup_ids_task",
    "schedule": timedelta(days=1),
    "kwargs": {"full": True},
}
# Plausibility (contacts/plausibility.py): contacts that look made up are flagged for the county's
# coordinator. A sweep each minute reads what arrived since its watermark, off the sync request.
PLAUSIBILITY_MAX_SPEED = env_float("PLAUSIBILITY_MAX_SPEED", 45.0)  # DISTANCE_UNITS per hour
PLAUSIBILITY_MIN_FAST_HOPS = env_int("PLAUSIBILITY_MIN_FAST_HOPS", 3, minimum=1)
PLAUSIBILITY_MAX_CONTACT_RATE = env_int("PLAUSIBILITY_MAX_CONTACT_RATE", 90, minimum=1)  # percent
PLAUSIBILITY_MIN_KNOCKS = env_int("PLAUSIBILITY_MIN_KNOCKS", 20, minimum=1)
PLAUSIBILITY_CLOCK_AHEAD_MINUTES = env_int("PLAUSIBILITY_CLOCK_AHEAD_MINUTES", 10, minimum=1)
PLAUSIBILITY_CLOCK_BEHIND_HOURS = env_int("PLAUSIBILITY_CLOCK_BEHIND_HOURS", 72, minimum=1)
PLAUSIBILITY_FAR_KNOCK = env_float("PLAUSIBILITY_FAR_KNOCK", 0.5)  # DISTANCE_UNITS (miles or km)
PLAUSIBILITY_MIN_FAR_KNOCKS = env_int("PLAUSIBILITY_MIN_FAR_KNOCKS", 2, minimum=1)
CELERY_BEAT_SCHEDULE["contacts-flag-implausible"] = {
    "task": "contacts.tasks.flag_implausible_task",
    "schedule": timedelta(minutes=1),
}
# The dashboard's and coverage page's county counts (dashboard/summary.py), off the request.
CELERY_BEAT_SCHEDULE["dashboard-summarize-counties"] = {
    "task": "dashboard.tasks.summarize_counties_task",
    "schedule": timedelta(minutes=5),
}
# Voters who became eligible since the last full cut (a new voter-file edition) join the pool nightly.
CELERY_BEAT_SCHEDULE["turf-refresh-free-pool"] = {
    "task": "turf.tasks.refresh_free_pool",
    "schedule": timedelta(days=1),
}

# --- Gatherings (events: reminders, the invitee's link) ---------------------------------------
# Reminders go this many minutes before a gathering starts to each invitee who said yes or maybe.
_leads = env_list("GATHERING_REMINDER_MINUTES", ["2880", "180"])
if (
    not _leads
    or not all(lead.isdigit() and int(lead) > 0 for lead in _leads)
    or len(set(_leads)) < len(_leads)
):
    raise ImproperlyConfigured("GATHERING_REMINDER_MINUTES must be distinct whole minutes, like 2880,180.")
GATHERING_REMINDER_MINUTES = sorted((int(lead) for lead in _leads), reverse=True)
# A claimed email whose worker went silent this long is sent again by the next dispatch. Longer than
# a batch of sends can take (MAILING_BATCH x the SMTP timeout), so a live worker is never overtaken.
MAILING_BATCH = 50
MAILING_CLAIM_TIMEOUT_MINUTES = env_int("MAILING_CLAIM_TIMEOUT_MINUTES", 30, minimum=15)
# Invitee answers and refused invitee links (no account) per client address per minute.
RSVP_RATE_LIMIT_PER_MINUTE = env_int("RSVP_RATE_LIMIT_PER_MINUTE", 30, minimum=1)
# At most this many walk-ins per gathering, taken only while it is on: bounds what a host can type in.
DOOR_WALK_INS_PER_GATHERING = env_int("DOOR_WALK_INS_PER_GATHERING", 60, minimum=1)
CELERY_BEAT_SCHEDULE["events-send-mailings"] = {
    "task": "events.tasks.send_mailings",
    "schedule": timedelta(minutes=5),
}
