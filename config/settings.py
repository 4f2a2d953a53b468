"""Settings for the exhibit platform, read from the environment (and an optional ``.env``).

Every variable is documented in ``.env.example``. There is one settings module: tests override
values in ``pyproject.toml`` and fixtures, never by importing and rebinding this module.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
# Serving (config.wsgi, config.asgi) without a key is refused. A management command (migrate,
# makemigrations --check, createsuperuser) may run with a temporary key: nothing it signs
# outlives it, and `check` warns (`check --deploy` fails) so it is never mistaken for a setup.
SECRET_KEY_IS_TEMPORARY = False
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-DEBUG-mode"  # noqa: S105
    elif env.bool("EXHIBIT_SERVING", default=False):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    else:
        import secrets

        SECRET_KEY = secrets.token_urlsafe(50)
        SECRET_KEY_IS_TEMPORARY = True

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",  # the sitemap.xml template
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    # Security (see the block "Security headers, login throttling, request limits").
    "csp",
    "axes",
    "simple_history",
    "exhibit",
]

MIDDLEWARE = [
    # First, so every request (redirects and errors included) gets an id and a log line.
    "exhibit.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "exhibit.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Whole public pages for anonymous visitors (exhibit/pagecache.py): inside the security
    # middlewares, so pages served from the cache get their headers too, and outside the rest,
    # so a page served from the cache costs no more than a static file. A stored page keeps
    # the headers the inner ones gave it (CSP, X-Frame-Options), which depend on no request;
    # one that touched the session, CSRF token or messages is never stored.
    "exhibit.pagecache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records the signed-in curator as the author of each historical version.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "exhibit.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT (on by default since 11) compiles any query whose estimated cost crosses its
# thresholds; the public pages' queries cross them on a large collection and then spend most of
# their time compiling (bench/scale.py at 100x the demo: search 5.6 s with JIT, 1.2 s without).
# The app's connections turn it off unless POSTGRES_JIT=true; the server's setting is untouched.
if "postgresql" in DATABASES["default"]["ENGINE"] and not env.bool("POSTGRES_JIT", default=False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# How long a public page may stay in the cache (exhibit/pagecache.py); 0: no page cache. Any
# change of content, and any scheduled publish time passing, retires cached pages sooner.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# How long HTML rendered once (an essay's highlighted text and notes) may be kept; the same
# dependencies retire it as soon as what it shows changes. 0: rendered on every request.
RENDER_CACHE_SECONDS = env.int("RENDER_CACHE_SECONDS", default=86400)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = env.str("STATIC_URL", default="/static/")
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Originals and IIIF tiles live outside MEDIA_ROOT: the web server must not serve them
# directly. Django serves tiles after checking visibility (or hands them to nginx with
# X-Accel-Redirect, see IIIF_ACCEL_REDIRECT), and originals only where rights allow.
PRIVATE_ROOT = env.path("PRIVATE_ROOT", default=BASE_DIR / "private")
IIIF_ACCEL_REDIRECT = env.str("IIIF_ACCEL_REDIRECT", default="")
# The same for downloadable originals (PRIVATE_ROOT/originals/): nginx's internal location.
DOWNLOAD_ACCEL_REDIRECT = env.str("DOWNLOAD_ACCEL_REDIRECT", default="")
# Image renditions (MEDIA_ROOT/derivatives/) are served after a visibility check too
# (exhibit/views/renditions.py); with local media, nginx's internal location sends the bytes.
RENDITION_ACCEL_REDIRECT = env.str("RENDITION_ACCEL_REDIRECT", default="")
# How long browsers and shared caches may keep a public rendition: also how long one may still
# be seen there after its image is unpublished (the site itself answers 404 at once).
RENDITION_CACHE_SECONDS = env.int("RENDITION_CACHE_SECONDS", default=3600)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # see MEDIA_STORAGE
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Serve from the finders when no collectstatic has run (development, tests).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_MANIFEST_STRICT = False

# Uploads: refuse oversized requests before they reach the image validator.
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=1024 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=400_000_000)
# Shapes that cannot be worth decoding, refused from the header too (README, Security). A side
# of 65,000 px covers any JPEG (whose format stops at 65,535) and bounds the strip libvips holds
# while tiling (512 rows across the width); 50:1 admits scrolls and panoramas; the largest
# image these allow makes about 2,300 tiles, while an 8 × 40,000,000 px strip would make 156,000.
IMAGE_MAX_SIDE = env.int("IMAGE_MAX_SIDE", default=65_000)
IMAGE_MAX_ASPECT_RATIO = env.float("IMAGE_MAX_ASPECT_RATIO", default=50)
IMAGE_MAX_TILES = env.int("IMAGE_MAX_TILES", default=10_000)
# Budgets of the child process that decodes an image: the check of an upload runs in the
# request, under gunicorn's 120-second timeout; making renditions and tiles runs in the task
# worker, or in the request with the immediate backend. A 400-megapixel scan, EXIF-rotated,
# took 12 s and under 300 MB to tile on two cores; thread stacks count too, hence the margin.
IMAGE_CHECK_TIMEOUT = env.int("IMAGE_CHECK_TIMEOUT", default=30)
IMAGE_PROCESS_MEMORY = env.int("IMAGE_PROCESS_MEMORY", default=2 * 1024**3)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o644

# Background work (image derivatives and tiles). The immediate backend runs tasks in the
# request (development, tests); production uses the database queue and `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
# Seconds allowed to make one image's renditions and tiles; in the request (immediate backend)
# it must end well within gunicorn's timeout, together with the check.
IMAGE_PROCESS_TIMEOUT = env.int(
    "IMAGE_PROCESS_TIMEOUT",
    default=60 if TASKS["default"]["BACKEND"].endswith(".ImmediateBackend") else 300,
)

# Public site identity, used in titles, canonical URLs and citations.
SITE_NAME = env.str("SITE_NAME", default="Exhibit")
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# Map pages: a slippy-map tile server ({z}/{x}/{y} URL template) and its credit line (HTML
# links allowed). Empty: no tiles are fetched; places still show as markers and as a list.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

# Security. Defaults are production-safe; `make run` turns DEBUG on for local work.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("USE_X_FORWARDED_PROTO", default=True) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Security headers, login throttling, request limits -------------------------------------
# Content-Security-Policy (django-csp). default-src 'none', then each kind of resource only
# where the pages use it. Scripts are external files from 'self' and no policy carries a nonce,
# so a public page is cacheable whole. Styles are files too: no style attribute in any template
# (scripts set element.style, which a policy does not block).


def _origin(url):
    """``https://host`` of an absolute URL (``{s}`` tile subdomains become ``*``), else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.split("@")[-1]
    if "{" in host:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


# Static files and media may live on another origin (a CDN, an S3 bucket).
_ASSET_ORIGINS = [o for o in map(_origin, (STATIC_URL, MEDIA_URL)) if o]
# The map block's tile server (MAP_TILE_URL, e.g. https://tile.example.org/{z}/{x}/{y}.png).
_MAP_TILE_ORIGIN = _origin(env.str("MAP_TILE_URL", default=""))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, *_ASSET_ORIGINS],
        "style-src": [SELF, *_ASSET_ORIGINS],
        "img-src": [SELF, *_ASSET_ORIGINS, *filter(None, [_MAP_TILE_ORIGIN])],
        "font-src": [SELF, *_ASSET_ORIGINS],
        # The deep-zoom viewer fetches info.json; the admin's widgets fetch JSON.
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", "") else {}),
    },
}
# Browser features no page uses are switched off; the viewer's full-page button needs fullscreen.
_DISABLED_FEATURES = """accelerometer autoplay browsing-topics camera display-capture
    encrypted-media geolocation gyroscope hid idle-detection magnetometer microphone midi payment
    picture-in-picture publickey-credentials-get screen-wake-lock serial usb xr-spatial-tracking"""
PERMISSIONS_POLICY = ", ".join(
    [*(f"{f}=()" for f in _DISABLED_FEATURES.split()), "fullscreen=(self)"]
)
# Pages and scripts are for this site alone; responses that already allow every origin with
# CORS (IIIF, manifests, annotations) are marked cross-origin instead, so other sites' viewers
# can load them.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES, even with the right
# password. Locking the pair, not the address alone, keeps one person's typos from locking out a
# whole office behind one address, and keeps strangers from locking out a curator's account.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "exhibit.security.lockout_response"
# The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT proxies that each append to
# X-Forwarded-For (nginx: $proxy_add_x_forwarded_for), the entry the outermost one added. Set it
# to 1 behind the deploy/ nginx; leave it 0 without a proxy, or clients could pick an address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "exhibit.security.client_ip"

# Request limits. A request body may hold one image of IMAGE_MAX_BYTES (or a bulk batch of that
# total) plus the form's fields; nginx's client_max_body_size in deploy/ is the same number.
REQUEST_MAX_BYTES = env.int(
    "REQUEST_MAX_BYTES", default=IMAGE_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
)
# Uploaded files above this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# The admin's exhibit form posts every block of every section inline: room for a large exhibit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=5000)
# Files in one bulk upload.
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=100)
# --- end of security headers, login throttling, request limits ------------------------------

# --- Operations: logging, health, media storage (issue 6) ---------------------------------

# One JSON object per line (LOG_FORMAT=json, the default with DEBUG off) for the log
# collector, or readable text (the default with DEBUG on). Every line written during a request
# carries its request_id; exhibit.request logs one line per request (method, path, status,
# duration_ms).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "exhibit.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "exhibit.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Our middleware logs every request; Django's own lines for 4xx/5xx would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # libvips reports every operation at INFO.
        "pyvips": {"level": "WARNING"},
        # django-tasks logs every task's start and end at INFO.
        "django_tasks": {"level": "WARNING"},
        # django-axes logs its configuration at INFO on every start, commands included.
        "axes": {"level": "WARNING"},
    },
}

# A load balancer may probe /healthz over plain HTTP; it must not be redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Public media (image renditions): a local folder (MEDIA_ROOT, served by nginx) or an
# S3-compatible bucket shared by several app servers. Originals and IIIF tiles stay under
# PRIVATE_ROOT either way (README, "Several app servers").
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {"BACKEND": "exhibit.storage_s3.PublicMediaS3Storage"}
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    # Empty: AWS itself. Set for MinIO, Ceph, Garage, a cloud provider's S3 endpoint.
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    # Empty: boto3 finds credentials itself (instance role, ~/.aws, its own variables).
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    # A CDN or bucket host name for public URLs, e.g. media.exhibit.example.org.
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
    AWS_LOCATION = env.str("AWS_LOCATION", default="")
    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
    # Renditions are public: plain, cacheable URLs without signatures.
    AWS_QUERYSTRING_AUTH = False
    AWS_DEFAULT_ACL = env.str("AWS_DEFAULT_ACL", default="") or None
    # A name that exists gets a new one; replacing renditions deletes first (imaging).
    AWS_S3_FILE_OVERWRITE = False
    # Content-Type is set per file from its name by the storage; these apply to every object.
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=86400"}
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}.")
