"""Whole public pages, cached for visitors, never stale and never showing embargoed content.

A page is stored under its scheme, host, path and query string, today's date (the cite block's
access date) and the negotiated headers, together with the *dependencies* it was rendered from.

Dependencies
------------
While an anonymous request renders, every instance of the app's public models that is loaded
records a tag, ``"essay:12"`` (a ``post_init`` receiver writes into a per-request collector).
Pages that list things also depend on a *list tag* per model (``"essay:list"``), declared by URL
name in ``LISTS``; a URL name missing from ``LISTS`` depends on everything (``ANY``), so a page
someone adds later is never stale, only cached less well until it is declared. A view that reads
values without loading instances declares what it read with ``depends_on("image:3")``.

Every tag has a *stamp*, a number from a clock that moves on every retirement. A stored page
keeps the stamps its tags had, and is served only while they are all unchanged (one
``get_many``). *Retiring* a tag gives it a new stamp; it happens at once and again when the
transaction commits (the first, so no page rendered from now on is stored under the old stamps;
the second, so none rendered before the commit could see the change is served afterwards; a
page whose tags moved while it rendered is not stored at all). What retires what:

- saving or deleting anything visitors could see: its tag, its model's list tag, and the tags of
  the objects it points at (a new note retires its essay, a new block its section); saving
  something that was not public (``visible_from`` empty: a draft, a retired note) retires
  nothing;
- ``visibility.moments_changed`` (something became public or stopped being so): the changed
  objects' tags and list tags, and those of every object linked to them either way;
- a many-to-many link change: both ends (unless the object holding the link is not public);
- ``search.index_changed``: the search pages (``SEARCH``);
- ``migrate``, a settings change, ``recompute_all``: every page (``ALL``, which all depend on).

Visibility also changes without any write: a scheduled moment passes. A stored page remembers
when it was rendered, and is served only while no ``visible_from`` lies between that moment and
now (one query, the first time a stored page is served; the answer is then kept with the page
and, until the next retirement, for the pages rendered after it).

Only anonymous, unconditional GET and HEAD requests without a session cookie, to public pages
(never ``/admin/``, previews, review copies, ``/healthz``, originals or tiles) are served from
or stored in the cache, and only 200 responses that set no cookie, vary on nothing but the
negotiated ``Accept`` and ``Prefer`` (whose values are part of every key), may be cached by
shared caches and whose request touched neither session, CSRF token nor messages.
The middleware sits inside the security middlewares, so every response served from the cache
gets their headers (CSP, HSTS, Permissions-Policy …) as a fresh one does.

Fragments (``fragment()``) are the same mechanism for the HTML that costs most to draw (an
essay's highlighted text and notes, a section's blocks): kept with their dependencies and
served to everyone who sees the public site, whole-page cache or not, signed in or not.

``PAGE_CACHE_SECONDS`` bounds how long a page is kept (0 turns the cache off). Each app server
process has its own ``locmem`` cache unless ``CACHE_URL`` names a shared one (Redis). With Redis
the clock and the stamps live in Redis. With ``locmem`` they live in the process, and every
retirement committed is also written to a small journal (SQLite, under ``PRIVATE_ROOT``) that
each process reads before answering, so a write in one process retires the pages every process
on the machine stored. See README, "Page cache".
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
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
JOURNAL_FILE = "page-cache-journal.sqlite3"
CLOCK_KEY = "pagecache:clock"
MAX_PATH = 2000  # longer paths and query strings are served, never stored
# URL names in the app's namespace that are never cached: staff previews, review copies
# (their own never-cache headers say so too), health, and files streamed or handed to nginx.
# Renditions too: their X-Accel-Redirect answers must follow a fresh visibility check.
NEVER = (
    "preview_",
    "review_",
    "healthz",
    "iiif_image_file",
    "image_original",
    "rendition",
    "moved_rendition",
)
# Request headers a cached response may vary on (content negotiation of the W3C annotation
# views): they are part of every key. A response varying on any other header is not stored.
NEGOTIATED = ("Accept", "Prefer")

ALL = "all"  # every page depends on it: migrate, settings, recompute_all retire it
ANY = "any"  # retired by every retirement: pages whose URL name ``LISTS`` does not know
SEARCH = "search"  # the search pages: retired when the index is written

# What each public URL name lists, beyond the instances it loads: model names whose list tag it
# depends on (any save of a public object of that model, or a change of which are public), or
# plain tags. Pages showing one object need nothing here (``()``): they depend on what they
# load, and a save retires the objects it points at. A URL name not listed depends on ``ANY``.
LISTS = {
    "home": ("exhibit",),
    "exhibit_list": ("exhibit",),
    "exhibit_feed": ("exhibit",),
    "exhibit_detail": (),
    "section_detail": (),
    "essay_detail": (),
    "image_detail": (),
    "entity_detail": (),
    "entity_list": ("entity",),
    **{f"{kind}_list": ("entity",) for kind in ("person", "organisation", "place", "event")},
    "sitemap": ("exhibit", "section", "essay", "image", "entity", "repository"),
    "sitemap_section": ("exhibit", "section", "essay", "image", "entity", "repository"),
    "robots_txt": (),
    "repository_list": ("repository", "archivalreference"),
    "repository_detail": (),
    "timeline": ("entity", "image"),
    "map": ("entity",),
    "map_places": ("entity",),
    # Search applies visibility when it reads: what is public in each searched model counts.
    "search": (
        SEARCH,
        "exhibit",
        "section",
        "essay",
        "image",
        "annotation",
        "entity",
        "archivalreference",
        "repository",
    ),
    "iiif_image_info": (),
    "image_manifest": (),
    "exhibit_manifest": (),
    "annotation_detail": (),
    "essay_annotations": (),
    "image_annotations": (),
}
# Models whose instances are never shown on public pages (or that announce their own writes).
UNSHOWN = {
    "auditevent",
    "searchentry",
    "searchplacement",
    "reviewlink",
    "slugredirect",
    "indexname",  # follows its entity, whose own save retires the lists
}

_collector: contextvars.ContextVar[set | None] = contextvars.ContextVar(
    "pagecache_collector", default=None
)


def tag(model, pk) -> str:
    """The tag of one object: ``"essay:12"`` (``model`` a model class, instance or name)."""
    name = model if isinstance(model, str) else model._meta.model_name
    return f"{name}:{pk}"


def list_tag(model) -> str:
    """The tag of a model's lists: ``"essay:list"``."""
    name = model if isinstance(model, str) else model._meta.model_name
    return f"{name}:list"


def depends_on(*tags) -> None:
    """Declare that the page being rendered shows these tags (for values read without
    loading instances). Does nothing outside a cached request."""
    found = _collector.get()
    if found is not None:
        found.update(tags)


def _loaded(sender, instance, **kwargs):
    found = _collector.get()
    if found is not None and instance.pk is not None:
        found.add(tag(sender, instance.pk))


# Stamps ---------------------------------------------------------------------------------------


class SharedStamps:
    """Clock and stamps in the shared cache (Redis): every process sees every retirement."""

    @staticmethod
    def _key(name):
        return f"pagecache:stamp:{name}"

    def clock(self) -> int:
        value = cache.get(CLOCK_KEY)
        return int(value) if value is not None else 0

    def get(self, tags) -> dict:
        keys = {self._key(name): name for name in tags}
        return {keys[key]: value for key, value in cache.get_many(list(keys)).items()}

    def ensure(self, tags, at: int) -> dict:
        found = self.get(tags)
        missing = set(tags) - set(found)
        for name in missing:
            cache.add(self._key(name), at, None)  # never retired, or forgotten by the cache
        if missing:
            found.update(self.get(missing))
        return found

    def retire(self, tags, *, shared=True) -> None:
        try:
            now = cache.incr(CLOCK_KEY)
        except ValueError:
            # A clock the cache lost restarts above any value it gave before.
            cache.add(CLOCK_KEY, time.time_ns() // 1000, None)
            now = cache.incr(CLOCK_KEY)
        cache.set_many({self._key(name): now for name in tags}, None)


class LocalStamps:
    """Clock and stamps in this process (beside its ``locmem`` cache), and a journal file of
    committed retirements that every process on the machine reads before answering."""

    PRUNE_EVERY = 500  # appends between prunings of rows older than any stored page

    def __init__(self):
        self.lock = threading.Lock()
        self.stamps: dict[str, int] = {}
        self.now = 0
        self.seen: dict[str, int] = {}  # journal path → last sequence number applied
        self.local = threading.local()
        self.appended = 0

    def _bump(self, tags):
        self.now += 1
        for name in tags:
            self.stamps[name] = self.now

    def _journal(self):
        path = Path(settings.PRIVATE_ROOT) / JOURNAL_FILE
        connections = getattr(self.local, "connections", None)
        if connections is None:
            connections = self.local.connections = {}
        connection = connections.get(str(path))
        if connection is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=10, isolation_level=None)
            connection.execute(
                "CREATE TABLE IF NOT EXISTS retired"
                " (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, tag TEXT NOT NULL)"
            )
            connections[str(path)] = connection
        return str(path), connection

    def sync(self):
        """Apply the retirements other processes committed since the last look."""
        try:
            path, connection = self._journal()
            with self.lock:
                last = self.seen.get(path)
            if last is None:
                # This process stored nothing under this journal yet: nothing to retire.
                (top,) = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM retired").fetchone()
                with self.lock:
                    self.seen.setdefault(path, top)
                return
            rows = connection.execute(
                "SELECT seq, tag FROM retired WHERE seq > ? ORDER BY seq", (last,)
            ).fetchall()
        except (OSError, sqlite3.Error):
            logger.exception("Could not read the page cache journal: retiring every page")
            with self.lock:
                self._bump([ALL, ANY])
            return
        if not rows:
            return
        with self.lock:
            if rows[0][0] > last + 1:  # rows this process never saw were pruned
                self._bump([ALL, ANY])
            self._bump([name for _, name in rows])
            self.seen[path] = max(self.seen.get(path, 0), rows[-1][0])

    def clock(self) -> int:
        self.sync()
        return self.now

    def get(self, tags) -> dict:
        stamps = self.stamps
        return {name: stamps[name] for name in tags if name in stamps}

    def ensure(self, tags, at: int) -> dict:
        with self.lock:
            for name in tags:
                self.stamps.setdefault(name, at)
            return self.get(tags)

    def retire(self, tags, *, shared=True) -> None:
        with self.lock:
            self._bump(tags)
        if not shared:
            return
        try:
            _, connection = self._journal()
            now = time.time()
            connection.executemany(
                "INSERT INTO retired (at, tag) VALUES (?, ?)", [(now, name) for name in tags]
            )
            self.appended += 1
            if self.appended % self.PRUNE_EVERY == 0:
                keep = 2 * max(settings.PAGE_CACHE_SECONDS, 60)
                connection.execute("DELETE FROM retired WHERE at < ?", (now - keep,))
        except (OSError, sqlite3.Error):
            logger.exception(
                "Could not write the page cache journal: other processes may serve old pages"
            )


_local_stamps = LocalStamps()
_shared_stamps = SharedStamps()


def _process_local() -> bool:
    """Whether the cache is this process's alone (Django's local-memory cache, the default)."""
    return isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache)


def stamps():
    """Where the stamps are kept for the configured cache."""
    return _local_stamps if _process_local() else _shared_stamps


# Retiring -------------------------------------------------------------------------------------


def retire(*tags, shared=True) -> None:
    """Retire these tags (and ``ANY``): now in this process, and everywhere once the
    transaction commits (at once outside one). Every stored page showing them goes."""
    if not tags:
        return
    names = {*tags, ANY}
    if shared:
        stamps().retire(names, shared=False)  # others cannot see the change before the commit
        transaction.on_commit(lambda: stamps().retire(names))
    else:
        stamps().retire(names, shared=False)


def retire_everything(**kwargs) -> None:
    """Every stored page goes (after ``migrate``: pages rendered by the old code)."""
    stamps().retire({ALL, ANY})


def _settings_changed(**kwargs):
    # Tests change settings between requests (SITE_URL, MAP_TILE_URL): pages show them. This
    # process's stamps are enough, and PRIVATE_ROOT itself may be what changed.
    retire(ALL, shared=False)


def _public_models():
    from django.apps import apps

    return [model for model in apps.get_app_config("exhibit").get_models() if _shows(model)]


def _has_moment(model) -> bool:
    return any(f.name == "visible_from" for f in model._meta.concrete_fields)


def _pointed_at(instance) -> list[str]:
    """Tags of the objects ``instance``'s foreign keys point at (shown models only)."""
    found = []
    for f in instance._meta.concrete_fields:
        if f.is_relation and (f.many_to_one or f.one_to_one) and _shows(f.related_model):
            value = getattr(instance, f.attname)
            if value is not None:
                found.append(tag(f.related_model, value))
    return found


def _shows(model) -> bool:
    """Whether instances of ``model`` may be shown on public pages."""
    meta = model._meta
    return (
        meta.app_label == "exhibit"
        and meta.model_name not in UNSHOWN
        and not meta.auto_created
        and not meta.model_name.startswith("historical")
    )


def _shown(instance) -> bool:
    """Whether ``instance`` was public (or scheduled) before this write: ``visible_from`` as
    stored (the visibility receivers put it back before the save). Objects without one count
    as shown unless every public object they belong to, as loaded, is not."""
    if _has_moment(type(instance)):
        return instance.visible_from is not None
    owners = [
        f.get_cached_value(instance)
        for f in instance._meta.concrete_fields
        if f.is_relation
        and f.many_to_one
        and f.is_cached(instance)
        and _has_moment(f.related_model)
    ]
    owners = [owner for owner in owners if owner is not None]
    return not owners or any(owner.visible_from is not None for owner in owners)


def _written(sender, instance, **kwargs):
    if _shown(instance):
        retire(tag(sender, instance.pk), list_tag(sender), *_pointed_at(instance))


def _updating(sender, queryset, fields, **kwargs):
    """``queryset.update()`` (image processing records its outcome so): the rows it changes,
    as their saves would."""
    rows = queryset.order_by()
    if _has_moment(sender):
        rows = rows.filter(visible_from__isnull=False)
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return None
    tags = {list_tag(sender), *(tag(sender, pk) for pk in pks)}
    for f in sender._meta.concrete_fields:
        if f.is_relation and (f.many_to_one or f.one_to_one) and _shows(f.related_model):
            targets = rows.filter(**{f"{f.name}__isnull": False}).values_list(f.attname, flat=True)
            tags.update(tag(f.related_model, pk) for pk in targets)

    def after():
        retire(*tags)

    return after


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":
        own = next(
            f for f in sender._meta.fields if f.is_relation and f.related_model is type(instance)
        )
        other = next(
            f for f in sender._meta.fields
            if f.is_relation and f.related_model is model and f is not own
        )  # fmt: skip
        instance._pagecache_cleared = set(
            sender.objects.filter(**{own.name: instance}).values_list(other.attname, flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse and not _shown(instance):
        return  # a draft's links: no public page shows them
    pks = pk_set if action != "post_clear" else getattr(instance, "_pagecache_cleared", set())
    retire(
        tag(instance, instance.pk),
        list_tag(instance),
        list_tag(model),
        *(tag(model, pk) for pk in pks or ()),
    )


def _neighbours(model, pks) -> set[str]:
    """Tags of everything linked to these objects, either way (foreign keys, many-to-many)."""
    found = set()
    pks = list(pks)
    for f in model._meta.get_fields():
        related = f.related_model if f.is_relation else None
        if related is None or isinstance(related, str) or not _shows(related):
            continue
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            if f.concrete:  # a foreign key or many-to-many field of ``model``: what it points at
                column = f.attname if not f.many_to_many else f.name
                values = model._base_manager.filter(pk__in=chunk).values_list(column, flat=True)
            else:  # a relation from ``related`` to ``model``: the objects pointing here
                values = related._base_manager.filter(**{f"{f.field.name}__in": chunk})
                values = values.values_list("pk", flat=True)
            found.update(tag(related, pk) for pk in values.order_by() if pk is not None)
    return found


def _moments_changed(sender, changes=None, **kwargs):
    if changes is None:
        retire(ALL)
        return
    from django.apps import apps

    tags = set()
    for name, moments in changes.items():
        model = apps.get_model("exhibit", name)
        tags.add(list_tag(name))
        tags.update(tag(name, pk) for pk in moments)
        tags |= _neighbours(model, moments)
    retire(*tags)


def _any_shown(model, pks) -> bool:
    if not _has_moment(model):
        return True
    pks = list(pks)
    return any(
        model._base_manager.filter(
            pk__in=pks[start : start + 500], visible_from__isnull=False
        ).exists()
        for start in range(0, len(pks), 500)
    )


def _index_changed(objects=None, **kwargs):
    """Index rows were written: the search pages go, unless every object written is not
    public (a draft's row is never shown)."""
    if objects is not None:
        by_model = {}
        for model, pk in objects:
            by_model.setdefault(model, set()).add(pk)
        if not any(_any_shown(model, pks) for model, pks in by_model.items()):
            return
    retire(SEARCH)


# Serving --------------------------------------------------------------------------------------


def next_publication(after: datetime) -> datetime | None:
    """The earliest moment later than ``after`` at which something becomes public: one query.
    (Every derived moment is one of the exhibits', sections' or essays'.)"""
    from exhibit.models import Essay, Exhibit, Section

    moments = [
        model.objects.filter(visible_from__gt=after)
        .order_by()
        .values_list("visible_from", flat=True)
        for model in (Exhibit, Section, Essay)
    ]
    first = moments[0].union(*moments[1:], all=True).order_by("visible_from")[:1]
    return next(iter(first), None)


@dataclass
class Stored:
    """A stored page: the response, when it was rendered, the stamps of what it shows, and
    (once known) until when it is good: the first moment after its rendering at which
    something becomes public (``None`` when there is none)."""

    response: object
    rendered_at: datetime
    stamps: dict = field(default_factory=dict)
    good_until: datetime | None = None
    checked: bool = False
    recheck: bool = False


def _key(request, day) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    # The negotiated headers' values are part of the key, so a page that varies on them (an
    # annotation container answers ``Prefer``) is stored once per variant asked for.
    negotiated = "\n".join(request.META.get(f"HTTP_{name.upper()}", "") for name in NEGOTIATED)
    digest = hashlib.sha256(f"{address}\n{negotiated}".encode()).hexdigest()
    return f"pagecache:page:{day.isoformat()}:{digest}"


def _url_name(request) -> str | None:
    """The URL name of a cacheable request, else None."""
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_SECONDS:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None  # a signed-in curator, or anyone with a session: never cached
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return None  # the view answers those itself (304 for an unchanged ETag)
    if request.path_info.startswith(("/preview/", "/review/")):
        return None
    if len(request.get_full_path()) > MAX_PATH:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    name = match.url_name or ""
    if match.namespace != "exhibit" or name.startswith(NEVER):
        return None
    return name


def _cacheable_request(request) -> bool:
    return _url_name(request) is not None


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
    """``(True, until)`` when the known answer covers ``stored``'s moment."""
    if known is not None:
        since, until = known
        if since <= stored.rendered_at and (until is None or stored.rendered_at < until):
            return True, until
    return False, None


def _publication_key(any_stamp) -> str:
    # Any write that could move a scheduled moment retires ANY: the answer is kept per stamp.
    return f"pagecache:publication:{any_stamp}"


def _good_until(stored: Stored, any_stamp) -> datetime | None:
    """The first moment something becomes public after ``stored`` was rendered; until the
    next retirement, a known answer for an earlier moment serves every page rendered between
    it and that moment."""
    known_key = _publication_key(any_stamp)
    known = cache.get(known_key)
    found, until = _known_until(stored, known)
    if found:
        return until
    until = next_publication(stored.rendered_at)
    if known is None:
        keep = max(settings.PAGE_CACHE_SECONDS, settings.RENDER_CACHE_SECONDS)
        cache.set(known_key, (stored.rendered_at, until), keep)
    return until


def _still_good(stored: Stored, kept, now) -> bool:
    """Whether ``stored`` may be served: every stamp it keeps unchanged, and no scheduled
    moment passed since it was rendered (asked once, then remembered with it)."""
    current = kept.get({*stored.stamps, ANY})
    if not all(current.get(name) == value for name, value in stored.stamps.items()):
        return False
    if not stored.checked:
        stored.good_until = _good_until(stored, current.get(ANY))
        stored.checked = True
        stored.recheck = True  # worth storing again, with the answer
    return stored.good_until is None or now < stored.good_until


def _keep(key, stored, now, seconds):
    # Storing again on the first hit must not lengthen the entry's life.
    lived = (now - stored.rendered_at).total_seconds()
    timeout = int(seconds - lived)
    if stored.good_until is not None:
        timeout = min(timeout, int((stored.good_until - now).total_seconds()))
    if timeout >= 1:
        cache.set(key, stored, timeout)


def _storable(kept, tags, clock, now) -> Stored | None:
    """A new entry for what was rendered from ``tags`` since ``clock``, or None when one of
    them was retired meanwhile (what was rendered may predate the change)."""
    seen = kept.ensure(tags | {ANY}, clock)
    if not all(seen.get(name, clock + 1) <= clock for name in tags):
        return None
    stored = Stored(None, now, {name: seen[name] for name in tags})
    # Known already (no query): when the next publish time after this moment is.
    stored.checked, stored.good_until = _known_until(
        stored, cache.get(_publication_key(seen.get(ANY)))
    )
    return stored


# Rendered once --------------------------------------------------------------------------------


def fragment(name: str, key, render, *, tags=()):
    """``render()``'s value (HTML, or anything the cache can keep), rendered once and kept
    until what it shows changes: the same dependencies and stamps as whole pages, so a save
    retires exactly the fragments that show the saved object, and a scheduled moment passing
    retires them too. ``key`` tells apart the fragments of one ``name`` (an essay's id);
    ``tags`` adds what ``render`` shows without loading it (the essay whose notes it lists,
    loaded before). Whatever the fragment shows becomes a dependency of the page around it.

    Unlike whole pages, fragments serve everyone who sees the public site, signed in or not
    (never previews or review copies: their callers do not ask). ``RENDER_CACHE_SECONDS``
    bounds a fragment's life; 0 renders on every request. A deploy's ``migrate`` retires all.
    """
    seconds = settings.RENDER_CACHE_SECONDS
    if not seconds:
        return render()
    now = timezone.now()
    kept = stamps()
    clock = kept.clock()  # before anything is read: a retirement after it is seen
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    cache_key = f"pagecache:fragment:{name}:{digest}"
    stored = cache.get(cache_key)
    if stored is not None and _still_good(stored, kept, now):
        if stored.recheck:
            stored.recheck = False
            _keep(cache_key, stored, now, seconds)
        depends_on(*stored.stamps)
        return stored.response
    loaded = set(tags)
    token = _collector.set(loaded)
    try:
        value = render()
    finally:
        _collector.reset(token)
    depends_on(*loaded)
    stored = _storable(kept, {ALL, *loaded}, clock, now)
    if stored is not None:
        stored.response = value
        _keep(cache_key, stored, now, seconds)
    return value


def dependencies(url_name: str, loaded: set) -> set[str]:
    """The tags a page of ``url_name`` that loaded ``loaded`` depends on."""
    listed = LISTS.get(url_name)
    if listed is None:
        return {ALL, ANY, *loaded}
    return {ALL, *loaded, *(name if name == SEARCH else list_tag(name) for name in listed)}


class PageCacheMiddleware:
    """Serve and store whole public pages for anonymous visitors (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        url_name = _url_name(request)
        if url_name is None:
            return self.get_response(request)
        now = timezone.now()
        kept = stamps()
        clock = kept.clock()  # before anything is read: a retirement after it is seen
        key = _key(request, timezone.localdate(now))
        stored = cache.get(key)
        if stored is not None and _still_good(stored, kept, now):
            if stored.recheck:
                stored.recheck = False
                _keep(key, stored, now, settings.PAGE_CACHE_SECONDS)
            response = stored.response
            response["X-Page-Cache"] = "hit"
            return response
        loaded = set()
        token = _collector.set(loaded)
        try:
            response = self.get_response(request)
        finally:
            _collector.reset(token)
        if request.method == "GET" and _cacheable_response(request, response):
            stored = _storable(kept, dependencies(url_name, loaded), clock, now)
            if stored is not None:
                stored.response = response
                _keep(key, stored, now, settings.PAGE_CACHE_SECONDS)
        return response


def connect():
    """Record what public pages load, and retire what each write changes (module doc)."""
    from django.core.signals import setting_changed
    from django.db.models.signals import (
        m2m_changed,
        post_delete,
        post_init,
        post_migrate,
        post_save,
    )

    from exhibit.models.base import queryset_updating
    from exhibit.services.search import index_changed
    from exhibit.visibility import moments_changed

    for model in _public_models():
        uid = f"pagecache-{model._meta.label_lower}"
        post_init.connect(_loaded, sender=model, dispatch_uid=uid)
        post_save.connect(_written, sender=model, dispatch_uid=uid)
        post_delete.connect(_written, sender=model, dispatch_uid=uid)
        queryset_updating.connect(_updating, sender=model, dispatch_uid=uid)
        for f in model._meta.local_many_to_many:
            through = f.remote_field.through
            m2m_changed.connect(
                _links_changed, sender=through, dispatch_uid=f"pagecache-{through._meta.label}"
            )
    moments_changed.connect(_moments_changed, dispatch_uid="pagecache-moments")
    index_changed.connect(_index_changed, dispatch_uid="pagecache-search-index")
    # After an upgrade's migrate, pages rendered by the old code are not served again.
    post_migrate.connect(retire_everything, dispatch_uid="pagecache-migrate")
    setting_changed.connect(_settings_changed, dispatch_uid="pagecache-settings")
