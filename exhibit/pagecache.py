"""Whole public pages, cached for visitors, never stale and never showing embargoed content.

A page is stored under its scheme, host, path and query string, today's date (the cite block's
access date) and the site's *content generation*: a token replaced whenever anything visitors
could see changes. ``content_changed()`` replaces it; signals call it on every save, delete and
many-to-many change of the app's models (``connect()``), as do the few places that change content
without signals (queryset ``update()`` in image processing, search index writes) and
``migrate``. A new generation makes every stored page unreachable at once; the cache evicts them.

Visibility also changes without any write: a scheduled publish time passes. A stored page
remembers when it was rendered, and is served only while no publish time lies between that
moment and now (one query, the first time a stored page is served; the answer is then kept with
the page and, per generation, for the pages rendered after it).

Only anonymous, unconditional GET and HEAD requests without a session cookie, to public pages
(never ``/admin/``, previews, review copies, ``/healthz``, originals or tiles) are served from
or stored in the cache, and only 200 responses that set no cookie, vary on nothing but the
negotiated ``Accept`` and ``Prefer`` (whose values are part of every key), may be cached by
shared caches and whose request touched neither session, CSRF token nor messages.
The middleware sits inside the security middlewares, so every response served from the cache
gets their headers (CSP, HSTS, Permissions-Policy …) as a fresh one does.

``PAGE_CACHE_SECONDS`` bounds how long a page is kept (0 turns the cache off). Each app server
process has its own ``locmem`` cache unless ``CACHE_URL`` names a shared one (Redis); with
``locmem`` the generation also lives in a file under ``PRIVATE_ROOT``, so a write in one
process retires the pages every process on the machine stored. See README, "Page cache".
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import cc_delim_re

logger = logging.getLogger(__name__)
GENERATION_KEY = "pagecache:generation"
GENERATION_FILE = "page-cache-generation"
MAX_PATH = 2000  # longer paths and query strings are served, never stored
# URL names in the app's namespace that are never cached: staff previews, review copies
# (their own never-cache headers say so too), health, and files streamed or handed to nginx.
NEVER = ("preview_", "review_", "healthz", "iiif_image_file", "image_original")
# Request headers a cached response may vary on (content negotiation of the W3C annotation
# views): they are part of every key. A response varying on any other header is not stored.
NEGOTIATED = ("Accept", "Prefer")


def _process_local() -> bool:
    """Whether the cache is this process's alone (Django's local-memory cache, the default)."""
    return isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache)


def _generation_file() -> Path:
    return Path(settings.PRIVATE_ROOT) / GENERATION_FILE


def generation() -> str:
    """The current content generation (made on first use, or after the cache lost it).

    With a per-process cache, other processes (gunicorn's other workers, ``db_worker``) cannot
    replace the token in this one's cache, so the generation also includes a token in a small
    file under ``PRIVATE_ROOT`` that every process on the machine reads: one ``read()``.
    """
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        token = cache.get(GENERATION_KEY) or "unset"
    if _process_local():
        try:
            token += ":" + _generation_file().read_text()[:64]
        except FileNotFoundError:
            token += ":0"
    return token


def _new_generation(*, shared=True, **kwargs):
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    if shared and _process_local():
        path = _generation_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
            partial.write_text(uuid.uuid4().hex)
            partial.replace(path)  # atomic: readers see the old token or the new one
        except OSError:
            logger.exception("Could not write %s: other processes may serve old pages", path)


def _settings_changed(**kwargs):
    # Tests change settings between requests (SITE_URL, MAP_TILE_URL): pages show them. This
    # process's token is enough, and PRIVATE_ROOT itself may be what changed.
    _new_generation(shared=False)


def content_changed(**kwargs) -> None:
    """Make every stored page unreachable: now, and again when the transaction commits.

    The first, so no page rendered from now on is stored under the old generation; the second,
    so no page rendered between now and the commit (which could not yet see the change) is
    served afterwards. Accepts and ignores signal arguments.
    """
    _new_generation(shared=False)  # other processes cannot see the change before the commit
    transaction.on_commit(_new_generation)


def next_publication(after: datetime) -> datetime | None:
    """The earliest publish time later than ``after`` of anything published: one query."""
    from exhibit.models import Essay, Exhibit, Section, Status

    moments = [
        model.objects.filter(status=Status.PUBLISHED, published_at__gt=after)
        .order_by()
        .values_list("published_at", flat=True)
        for model in (Exhibit, Section, Essay)
    ]
    first = moments[0].union(*moments[1:], all=True).order_by("published_at")[:1]
    return next(iter(first), None)


@dataclass
class Stored:
    """A stored page: the response, when it was rendered, and (once known) until when it is
    good: the first publish time after its rendering (``None`` when there is none)."""

    response: object
    rendered_at: datetime
    good_until: datetime | None = None
    checked: bool = False


def _key(request, day, gen) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    # The negotiated headers' values are part of the key, so a page that varies on them (an
    # annotation container answers ``Prefer``) is stored once per variant asked for.
    negotiated = "\n".join(request.META.get(f"HTTP_{name.upper()}", "") for name in NEGOTIATED)
    digest = hashlib.sha256(f"{address}\n{negotiated}".encode()).hexdigest()
    return f"pagecache:page:{gen}:{day.isoformat()}:{digest}"


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_SECONDS:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False  # a signed-in curator, or anyone with a session: never cached
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return False  # the view answers those itself (304 for an unchanged ETag)
    if request.path_info.startswith(("/preview/", "/review/")):
        return False
    if len(request.get_full_path()) > MAX_PATH:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.namespace == "exhibit" and not (match.url_name or "").startswith(NEVER)


def _cacheable_response(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("X-Robots-Tag"):
        return False
    varies = {field.strip().lower() for field in cc_delim_re.split(response.get("Vary", ""))}
    if varies - {"", *(name.lower() for name in NEGOTIATED)}:
        return False
    directives = {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if directives & {"private", "no-store", "no-cache"}:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False  # the page may depend on who is asking
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page carries a CSRF token
    messages = getattr(request, "_messages", None)
    return not (messages is not None and (messages.used or messages.added_new))


def _known_until(stored: Stored, known) -> tuple[bool, datetime | None]:
    """``(True, until)`` when the generation's known answer covers ``stored``'s moment."""
    if known is not None:
        since, until = known
        if since <= stored.rendered_at and (until is None or stored.rendered_at < until):
            return True, until
    return False, None


def _good_until(stored: Stored, gen: str) -> datetime | None:
    """The first publish time after ``stored`` was rendered; per generation, a known answer
    for an earlier moment serves every page rendered between it and that publish time."""
    known_key = f"pagecache:publication:{gen}"
    known = cache.get(known_key)
    found, until = _known_until(stored, known)
    if found:
        return until
    until = next_publication(stored.rendered_at)
    if known is None:
        cache.set(known_key, (stored.rendered_at, until), settings.PAGE_CACHE_SECONDS)
    return until


class PageCacheMiddleware:
    """Serve and store whole public pages for anonymous visitors (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        now = timezone.now()
        gen = generation()
        key = _key(request, timezone.localdate(now), gen)
        stored = cache.get(key)
        if stored is not None:
            if not stored.checked:
                stored.good_until = _good_until(stored, gen)
                stored.checked = True
                if stored.good_until is None or now < stored.good_until:
                    self._store(key, stored, now)
            if stored.good_until is None or now < stored.good_until:
                response = stored.response
                response["X-Page-Cache"] = "hit"
                return response
        response = self.get_response(request)
        if request.method == "GET" and _cacheable_response(request, response):
            stored = Stored(response, now)
            # Known already (no query): when the next publish time after this moment is.
            stored.checked, stored.good_until = _known_until(
                stored, cache.get(f"pagecache:publication:{gen}")
            )
            self._store(key, stored, now)
        return response

    @staticmethod
    def _store(key, stored, now):
        # Storing again on the first hit must not lengthen the page's life.
        lived = (now - stored.rendered_at).total_seconds()
        timeout = int(settings.PAGE_CACHE_SECONDS - lived)
        if stored.good_until is not None:
            timeout = min(timeout, int((stored.good_until - now).total_seconds()))
        if timeout >= 1:
            cache.set(key, stored, timeout)


def connect():
    """Replace the generation on every write to the app's models that visitors could see."""
    from django.apps import apps
    from django.core.signals import setting_changed
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

    from exhibit.services.search import index_changed

    skipped = {"AuditEvent", "SearchEntry"}  # not shown; search writes send index_changed
    for model in apps.get_app_config("exhibit").get_models():
        name = model.__name__
        if name in skipped or name.startswith("Historical"):
            continue
        uid = f"pagecache-{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(content_changed, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                content_changed, sender=through, dispatch_uid=f"pagecache-{through._meta.label}"
            )
    index_changed.connect(content_changed, dispatch_uid="pagecache-search-index")
    # After an upgrade's migrate, pages rendered by the old code are not served again.
    post_migrate.connect(_new_generation, dispatch_uid="pagecache-migrate")
    setting_changed.connect(_settings_changed, dispatch_uid="pagecache-settings")
