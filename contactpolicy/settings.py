"""Settings for the contact policy product, driven entirely by the environment.

Every value that differs between a laptop and production comes from an environment
variable; there is one settings module and production behaviour is switched on by
``DJANGO_ENV=production``. See the README's "Configuration" section.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, *, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")

if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG must be off in production: debug pages show settings and records."
    )

SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_MIN_LENGTH = 50
if not SECRET_KEY:
    if PRODUCTION or not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(for example in production)."
        )
    SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105
if PRODUCTION and len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} random characters in "
        f"production, not {len(SECRET_KEY)}: it signs sessions and password-reset links."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default="" if PRODUCTION else "127.0.0.1,localhost")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The project's apps come first so that their templates (for example the
    # sign-in pages) take precedence over those of the libraries.
    "contactpolicy",
    "directory",
    "schoolcalendar",
    "identity",
    "onboarding",
    "mis",
    "policies",
    "declarations",
    "approvals",
    "registers",
    "oversight",
    "directory.apps.ContactAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_tasks_db",
]
if not PRODUCTION:
    # The demo with its local identity provider and Wonde, the scale seeder and the
    # benchmark: development only, not in the Docker image.
    INSTALLED_APPS += ["demo", "bench"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # The sign-in pages' forms lead on to the identity providers (#18).
    "identity.middleware.SignInFormActionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "identity.sessions.IdleTimeoutMiddleware",
    # After allauth's and htmx's: someone who must use a second factor reaches only the
    # pages that set it up until they have (R37, #18).
    "identity.second_factor.SecondFactorRequiredMiddleware",
    "policies.middleware.AcknowledgeFirstMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "contactpolicy.middleware.NoStoreForSignedInMiddleware",
    # A record someone may not open: a 404 to them, a refusal on the audit trail (#21).
    "contactpolicy.middleware.RefusalAuditMiddleware",
]

ROOT_URLCONF = "contactpolicy.urls"
WSGI_APPLICATION = "contactpolicy.wsgi.application"

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
                "directory.context_processors.access",
                "identity.context_processors.second_factor",
                "policies.context_processors.policy",
            ],
        },
    },
]

# Database: an embedded SQLite file by default, PostgreSQL 15+ in production.
_database_url = os.environ.get("DATABASE_URL")
if PRODUCTION and not _database_url:
    # Never an empty SQLite file beside the code: the records would seem to vanish.
    raise ImproperlyConfigured(
        "DATABASE_URL must point at the PostgreSQL database in production "
        "(postgres://user:password@host:5432/name)."
    )
if not _database_url:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database_url = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
except (ValueError, KeyError) as error:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL this app understands ({error}). "
        "Use postgres://user:password@host:5432/name or sqlite:///path/to/file.sqlite3."
    ) from error
if _database.get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL (postgres://...) or SQLite (sqlite:///...)."
    )
# PostgreSQL's JIT compiler spends tens of milliseconds compiling a query whose
# estimated cost is high (the audit trail's scope is one) to save a few: a loss for the
# short queries of web pages (#10). Reports are counted rarely and cached. A connection
# pooler that refuses startup options (PgBouncer) needs DATABASE_JIT_OFF=false and
# `ALTER DATABASE ... SET jit = off` instead.
if _database["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_JIT_OFF", default=True
):
    _options = _database.setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0
    # Two people saving at once take turns, as on PostgreSQL: each transaction takes the
    # write lock as it begins (IMMEDIATE) and waits for it up to ``timeout`` seconds, so
    # the second sees what the first wrote (a decision already made) and is told so,
    # rather than failing with "database is locked". WAL lets pages be read meanwhile.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; "
        "PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (the database) so that sign-in rate limits hold across every
# gunicorn worker: nothing is kept in one process's memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
        # Django's default of 300 entries would cull sign-in counters at random once a
        # stranger had tried a few hundred addresses, wiping their own lockout.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
    # The governors' summaries, in a table of their own: a full cache drops entries,
    # and the sign-in limits above must never be what it drops (#10).
    "summaries": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_summary_cache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_USER_MODEL = "directory.Person"
AUTHENTICATION_BACKENDS = ["identity.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email and password, no self sign-up, reset by email.
ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Staff contact register] "
ACCOUNT_CHANGE_EMAIL = False
# No "unknown account" email to an address nobody holds (it invites a sign-up that does
# not exist); a notice to the person when their password is changed or reset.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS = {"login": "identity.forms.SignInForm"}

# Single sign-on (R36, #18): allauth's social accounts, never a sign-up. Microsoft Entra ID
# and Google Workspace through its OpenID Connect provider, whose class is replaced by
# one that checks the nonce and always the token's signature (identity/oidc.py);
# SAML 2.0 apps are built from each organisation's settings in the directory
# (identity/saml.py). Who may sign in is decided in identity/rules.py.
SOCIALACCOUNT_ADAPTER = "identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# In development and tests the local identity provider (`manage.py run_identity_provider`,
# started by `make run`) stands in for Microsoft and Google; production has no default.
LOCAL_IDENTITY_PROVIDER_URL = os.environ.get("LOCAL_IDENTITY_PROVIDER_URL", "http://127.0.0.1:8001")
_oidc_apps = []
for _key, _name, _default_issuer in (
    ("MICROSOFT", "Microsoft", "https://login.microsoftonline.com/organizations/v2.0"),
    ("GOOGLE", "Google", "https://accounts.google.com"),
):
    _client_id = os.environ.get(
        f"SSO_{_key}_CLIENT_ID", "" if PRODUCTION else f"local-{_key.lower()}-client"
    )
    if not _client_id:
        continue
    _oidc_apps.append(
        {
            "provider_id": _key.lower(),
            "name": _name,
            "client_id": _client_id,
            "secret": os.environ.get(
                f"SSO_{_key}_CLIENT_SECRET", "" if PRODUCTION else "local-secret"
            ),
            "settings": {
                "server_url": os.environ.get(
                    f"SSO_{_key}_ISSUER",
                    _default_issuer
                    if PRODUCTION
                    else f"{LOCAL_IDENTITY_PROVIDER_URL}/{_key.lower()}",
                ),
                # Everything the checks read comes from the signed ID token.
                "fetch_userinfo": False,
                "oauth_pkce_enabled": True,
                "token_auth_method": "client_secret_post",
            },
        }
    )
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "identity.oidc.SchoolOpenIDConnectProvider",
        "APPS": _oidc_apps,
    },
    "saml": {"provider_class": "identity.saml.SchoolSAMLProvider"},
}

# Wrong passwords are counted per account *and* address (identity/adapters.py): three
# in a minute and the next waits a minute; five in fifteen minutes lock that address out
# of that account for fifteen minutes, so a stranger elsewhere cannot keep its owner
# out. One address may fail sixty times a minute over all accounts. Sign-ins that
# succeed are limited far above what one school's network sends at the start of a day.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "60/m/ip,3/m/key,5/15m/key",
    "login": "600/m/ip",
    "reset_password": "30/m/ip,3/m/key",
    "reset_password_from_key": "30/m/ip",
}

# The client's address: behind TRUSTED_PROXY_COUNT reverse proxies, the one that many
# places from the right of X-Forwarded-For (each proxy appends the address it was
# reached from); with none, the connection's own. allauth's rate limits and the audit
# trail both read it (contactpolicy.clients.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Before the most sensitive steps (an export, the audit CSV, granting a role, publishing
# a policy) a person confirms it is them again unless they have in the last 15 minutes,
# signing in included (R37, identity/mfa.py).
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(timedelta(minutes=15).total_seconds())

# Multi-factor authentication (allauth.mfa): an authenticator app, a passkey or security
# key, and recovery codes. Who must use it is set per organisation (Organisation.mfa_roles).
MFA_ADAPTER = "identity.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Staff contact register"
# A passkey is a second step after the password, never a way in on its own.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_TRUST_ENABLED = False  # no "trust this browser": every sign-in asks
MFA_WEBAUTHN_USER_VERIFICATION = "preferred"
# Browsers allow WebAuthn on http://localhost only; production is served over HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

SESSION_COOKIE_AGE = int(timedelta(hours=8).total_seconds())  # one working day
# Signed out after this long without use (identity/sessions.py): the roles that see
# children's records or run the register, and everybody else.
SESSION_IDLE_MINUTES_SENIOR = int(os.environ.get("SESSION_IDLE_MINUTES_SENIOR", "30"))
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Permissions-Policy (django-permissions-policy): no page of the product uses the camera,
# the microphone, the location or payments; security keys and passkeys (WebAuthn) only
# on the product's own pages.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}

# Content Security Policy (Django's own): nothing inline except by nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CSP["upgrade-insecure-requests"] = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the npm registry (package.json / package-lock.json).
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
# Outside production, WhiteNoise serves straight from the apps and node_modules.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = None
# Attachments on declarations: 10 MB unless the environment says otherwise.
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
# The largest spreadsheet an administrator may import (R38): a 90-school trust's
# 100,000 family members are about 10 MB of CSV.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 40 * 1024 * 1024))
# Up to this many rows are written at once while the administrator waits; more go to
# the background worker, batch by batch, with the progress on the page.
IMPORT_AT_ONCE_ROWS = int(os.environ.get("IMPORT_AT_ONCE_ROWS", 2000))
IMPORT_BATCH_ROWS = 1000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640  # attachments are served only through permission-checked views
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

# Email (Django 6.1 mailers): the console in development, SMTP from the environment
# in production. EMAIL_BACKEND may name another backend, for example the file one.
_email_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
_email_options = {}
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    _email_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "timeout": 30,
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Staff contact register <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Links in emails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Background jobs: run at once in development and tests; the database queue and its
# worker (`manage.py run_worker`) in production, or wherever TASKS_BACKEND says.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend"
            if PRODUCTION
            else "django.tasks.backends.immediate.ImmediateBackend",
        )
    }
}
# An email that could not be sent is tried again after each of these numbers of minutes
# in turn; after the last try the administrators are told (contactpolicy/tasks.py).
EMAIL_RETRY_MINUTES = [
    int(minutes) for minutes in os.environ.get("EMAIL_RETRY_MINUTES", "1,5,30,120,480").split(",")
]
# Work a worker started this many minutes ago and never finished (the worker was killed)
# is queued again. Longer than any task takes: an email gives up on SMTP after 30 s.
TASK_RUNNING_TIMEOUT_MINUTES = int(os.environ.get("TASK_RUNNING_TIMEOUT_MINUTES", "15"))

# Going live (#20, R36): a link to set a password, in the invitation an administrator
# sends, works once and for this many days; "send to everyone not yet invited" leaves
# out whoever was sent one in that time.
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))
# The administrator's to-do list (#20) counts an organisation whose policy
# acknowledgements or safeguarding training are below these percentages of its people.
ACKNOWLEDGEMENT_TARGET_PERCENT = int(os.environ.get("ACKNOWLEDGEMENT_TARGET_PERCENT", "100"))
TRAINING_TARGET_PERCENT = int(os.environ.get("TRAINING_TARGET_PERCENT", "100"))

# The school's MIS through Wonde (R38, #20; mis/wonde.py). Each
# organisation's Wonde access token is kept in the database, encrypted with MIS_TOKEN_KEY
# (a Fernet key: `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`; several, comma-separated, to rotate: the first
# encrypts, any decrypts). Production refuses to start without it (mis/checks.py);
# development and tests derive one from SECRET_KEY. WONDE_API_URL is Wonde's address
# (another region's, or in development the local test server that
# `manage.py run_wonde_test_server` starts); it is not something an administrator types,
# so a school's token is only ever sent to Wonde.
MIS_TOKEN_KEY = os.environ.get("MIS_TOKEN_KEY", "")
WONDE_API_URL = os.environ.get(
    "WONDE_API_URL",
    "https://api.wonde.com/v1.0" if PRODUCTION else "http://127.0.0.1:8002/v1.0",
)
WONDE_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("WONDE_CONNECT_TIMEOUT_SECONDS", "10"))
WONDE_READ_TIMEOUT_SECONDS = float(os.environ.get("WONDE_READ_TIMEOUT_SECONDS", "60"))
WONDE_PER_PAGE = int(os.environ.get("WONDE_PER_PAGE", "200"))  # Wonde's largest page

# Approvals: how many school days a decider has, unless planned contact is sooner (R24).
DECISION_DUE_SCHOOL_DAYS = int(os.environ.get("DECISION_DUE_SCHOOL_DAYS", "5"))
# How long a governors' summary, once worked out, is shown from the shared cache (#10):
# a whole trust's year takes seconds to count. Saved summaries are always counted afresh.
SUMMARY_CACHE_SECONDS = int(os.environ.get("SUMMARY_CACHE_SECONDS", "300"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# History is for reading; a change is made forwards, never by reverting to an old version.
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.tasks": {"level": "WARNING"}},
}
