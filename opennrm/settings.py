"""Django settings for OpenNRM.

Every setting that differs between installations comes from an environment variable with a safe default,
so that `make run` works on a fresh machine and production is configured without editing code
(see docs/admin-guide.md).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("OPENNRM_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key from the environment, else the one stored in the data directory, else a new stored one."""
    if key := os.environ.get("OPENNRM_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    # Created with owner-only permissions before the key is written, so it is never world-readable.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("OPENNRM_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("OPENNRM_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("OPENNRM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# The jurisdiction this installation serves: the pack code whose published version is "the model".
OPENNRM_PACK = os.environ.get("OPENNRM_PACK", "lv")
OPENNRM_PACKS_DIR = Path(os.environ.get("OPENNRM_PACKS_DIR", BASE_DIR / "packs"))
# Demo accounts have published passwords: refused on a production system (one with OPENNRM_ALLOWED_HOSTS set)
# unless explicitly allowed for a test installation.
OPENNRM_ALLOW_DEMO = _env_bool("OPENNRM_ALLOW_DEMO", "OPENNRM_ALLOWED_HOSTS" not in os.environ)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    # Listed so that the API documentation page serves Swagger UI from this server, never from a CDN.
    "ninja",
    "opennrm.core",
    "opennrm.audit",
    "opennrm.jurisdiction",
    "opennrm.directory",
    "opennrm.accounts",
    "opennrm.api",
    "opennrm.screening",
    "opennrm.cases",
    "opennrm.stats",
    "opennrm.coordination",
    "opennrm.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "opennrm.accounts.middleware.SignInPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "opennrm.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opennrm.urls"
WSGI_APPLICATION = "opennrm.wsgi.application"
ASGI_APPLICATION = "opennrm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "opennrm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opennrm.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'opennrm.sqlite3'}"),
        conn_max_age=int(os.environ.get("OPENNRM_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Idle timeout: the session cookie is renewed on every request and expires after this many idle seconds.
SESSION_COOKIE_AGE = int(os.environ.get("OPENNRM_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = _env_bool("OPENNRM_SECURE_COOKIES", not DEBUG and "OPENNRM_ALLOWED_HOSTS" in os.environ)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a TLS-terminating proxy (the production set-up in docs/admin-guide.md): HSTS, and trust the proxy's
# X-Forwarded-Proto so that Django knows the request was secure.
SECURE_HSTS_SECONDS = int(os.environ.get("OPENNRM_HSTS_SECONDS", "31536000" if SECURE_COOKIES else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_SSL_REDIRECT = _env_bool("OPENNRM_SSL_REDIRECT", False)
if _env_bool("OPENNRM_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Scripts only from this server (htmx, the API documentation); inline styles are allowed for the pathway
# diagram's embedded SVG stylesheet. Set OPENNRM_CSP to "" to leave the header to the proxy.
CONTENT_SECURITY_POLICY = os.environ.get(
    "OPENNRM_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Lockout after repeated failed sign-ins (django-axes): per user name and address, so an attacker
# cannot lock a whole office out, and a guessed user name does not unlock from another address.
AXES_FAILURE_LIMIT = int(os.environ.get("OPENNRM_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("OPENNRM_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts its cool-off from the failure that caused it; more tries meanwhile do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = os.environ.get("OPENNRM_TOTP_ISSUER", "OpenNRM")

LANGUAGE_CODE = os.environ.get("OPENNRM_DEFAULT_LANGUAGE", "lv")
LANGUAGES = [("lv", _("Latvian")), ("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "opennrm" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("OPENNRM_TIME_ZONE", "Europe/Riga")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it, even before the first collectstatic
STATICFILES_DIRS = [BASE_DIR / "opennrm" / "static"]
# htmx is installed from the npm registry by `make install`; it is never fetched from a CDN at run time.
if (BASE_DIR / "node_modules" / "htmx.org" / "dist").exists():
    STATICFILES_DIRS.append(("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPENNRM_LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Error reports never carry what a form posted: on case pages that is a person's name, a consent or a note.
DEFAULT_EXCEPTION_REPORTER_FILTER = "opennrm.core.errors_reporting.NoPostDataReporterFilter"

# E-mail notifications (sent by `opennrm tick`): printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get(
    "OPENNRM_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("OPENNRM_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("OPENNRM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("OPENNRM_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("OPENNRM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("OPENNRM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("OPENNRM_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("OPENNRM_EMAIL_FROM", "OpenNRM <no-reply@example.lv>")
# Links in e-mails point here.
OPENNRM_BASE_URL = os.environ.get("OPENNRM_BASE_URL", "http://127.0.0.1:8000")

# Documents attached to cases: at most this size (they are encrypted in memory before they are stored).
OPENNRM_DOCUMENT_MAX_BYTES = int(os.environ.get("OPENNRM_DOCUMENT_MAX_MB", "10")) * 1024 * 1024
# Publication files of the public site (PDF, DOCX, XLSX): where they are stored, the largest accepted, and an
# optional virus scanner (docs/editor-guide.md, docs/admin-guide.md). Without a scanner files are only type-checked.
OPENNRM_PORTAL_FILES_DIR = Path(os.environ.get("OPENNRM_PORTAL_FILES_DIR", DATA_DIR / "portal-files"))
OPENNRM_PORTAL_UPLOAD_MAX_BYTES = int(os.environ.get("OPENNRM_PORTAL_UPLOAD_MAX_MB", "20")) * 1024 * 1024
# A dotted path to a callable `scan(*, content: bytes, filename: str) -> str | None` (None = clean, else the reason),
# or a command that reads the file on standard input and exits 0 when clean, 1 when infected (e.g. ClamAV:
# "clamdscan --no-summary -"). Anything else (error, timeout) refuses the file.
OPENNRM_PORTAL_VIRUS_SCANNER = os.environ.get("OPENNRM_PORTAL_VIRUS_SCANNER", "")
OPENNRM_PORTAL_VIRUS_SCAN_COMMAND = os.environ.get("OPENNRM_PORTAL_VIRUS_SCAN_COMMAND", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = OPENNRM_DOCUMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = OPENNRM_DOCUMENT_MAX_BYTES + 1024 * 1024
