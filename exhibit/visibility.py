"""When visitors may see each public object: the rule, and the upkeep of its stored result.

The rule
--------
Something is public when a path of published content leads to it from a published exhibit
whose publish times have all passed. Every such chain comes down to one moment, stored in the
object's ``visible_from`` column (empty: not public, however long one waits):

- **Exhibit**: its publish time, if its status is "published".
- **Section**: the later of its own publish time (if published) and its exhibit's moment.
- **Block**: its section's moment (blocks have no status of their own).
- **Essay**: the later of its own publish time (if published) and the earliest moment of the
  blocks that link or embed it.
- **Image**: the earliest moment of the blocks that show it (as their image or in their
  gallery) and of the exhibits that have it as their cover.
- **Annotation**: empty if retired or orphaned, else its essay's or its image's moment.
- **Entity**: the earliest moment of the blocks, images and annotations that link it.
- **ArchivalReference**: the earliest moment of the images held under it, the blocks quoting
  it, and the annotations and essays citing it.
- **Repository**: the earliest moment of its archival references.

"Later" is empty if either side is; "earliest" skips the empty ones. A block's kind does not
matter: whatever its fields point at counts, as the rule always had it. ``published()`` on every
model is then ``visible_from <= now``: one indexed column, so a scheduled publish needs no cron.
The tests keep the former nested rules (``tests/reference_visibility.py``) and check, over
random sequences of edits, that the stored moments select exactly what those rules select.

Upkeep
------
Receivers registered by ``connect()`` (from ``apps.py``) recompute, in the same transaction and
before the save returns, the object that changed and then, level by level in the order of
``LEVELS``, only those downstream objects whose inputs changed: each level is a few grouped
``MIN`` queries over the affected primary keys, and only rows whose moment changed are
written. That covers saves, deletes (with their cascades), link changes (``m2m_changed``), and
``queryset.update()`` (models' ``ObservedQuerySet`` sends ``queryset_updating``). Raw saves
(``loaddata``, ``import_site``) are skipped: the importer calls ``recompute_all()`` after.
Bulk work can wrap itself in ``deferred()`` to recompute once at the end.
``manage.py rebuild_visibility`` recomputes everything; ``--check`` reports drift.

Adding a model
--------------
Give it the ``Visible`` base and a ``VisibleQuerySet`` (``exhibit.models.base``), then add a
``Level`` to ``LEVELS`` after every level it depends on: its ``sources`` (the lookups from it
to the objects whose moments it takes the earliest of), ``own`` if it has a status of its own,
and ``relevant`` (its fields that change the result; foreign keys named in ``links`` are the
ones pointing *down* the chain, whose old target must be recomputed when they change). Add a
reference rule to the tests and the new operations to the property test, and a migration that
adds the column and calls ``recompute_all``.
"""

import contextlib
import threading
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import models, transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

PUBLISHED = "published"
ORPHANED = "orphaned"
CHUNK = 500  # primary keys per IN (...) list, well below SQLite's variable limit

# Sent, inside the writing transaction, after stored moments were rewritten. ``changes`` is
# ``{model name: {pk: (old moment, new moment)}}``, or None when everything was recomputed
# (``recompute_all``). Caches, the search index and revision stamps listen to it; this module
# imports none of them.
moments_changed = Signal()


@dataclass(frozen=True)
class Level:
    model: str  # model_name in the exhibit app
    sources: tuple = ()  # lookups to the objects whose moments it takes the earliest of
    own: str = ""  # "status": its own publish time; "note": retired or orphaned hide it
    relevant: frozenset = frozenset()  # fields whose change may change its moment
    links: dict = field(default_factory=dict)  # foreign keys down the chain: field → level


LEVELS = (
    Level("exhibit", own="status", relevant=frozenset({"status", "published_at", "cover_image"}),
          links={"cover_image": "image"}),
    Level("section", sources=("exhibit",), own="status",
          relevant=frozenset({"status", "published_at", "exhibit"})),
    Level("block", sources=("section",),
          relevant=frozenset({"section", "image", "essay", "quote_reference"}),
          links={"image": "image", "essay": "essay", "quote_reference": "archivalreference"}),
    Level("essay", sources=("blocks",), own="status",
          relevant=frozenset({"status", "published_at"})),
    Level("image", sources=("blocks", "gallery_blocks", "cover_of"),
          relevant=frozenset({"archival_reference"}),
          links={"archival_reference": "archivalreference"}),
    Level("annotation", sources=("essay", "image"), own="note",
          relevant=frozenset({"retired", "anchoring", "essay", "image"})),
    Level("entity", sources=("blocks", "images", "annotations")),
    Level("archivalreference", sources=("images", "quotations", "annotations", "essays"),
          relevant=frozenset({"repository"}), links={"repository": "repository"}),
    Level("repository", sources=("references",)),
)  # fmt: skip
BY_NAME = {level.model: level for level in LEVELS}
# A gallery item links its block to an image: only its image's moment depends on it.
GALLERY_ITEM = Level(
    "galleryitem", relevant=frozenset({"image", "block"}), links={"image": "image"}
)


def _later(a, b):
    return None if a is None or b is None else max(a, b)


def _earliest(values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _chunks(pks):
    pks = sorted(pks)
    for i in range(0, len(pks), CHUNK):
        yield pks[i : i + CHUNK]


def _model(registry, name):
    return registry.get_model("exhibit", name)


def _plain(model):
    """A queryset whose ``update()`` sends no signal: our own writes must not loop back."""
    return models.QuerySet(model=model)


def _compute(level, pks, registry):
    """``{pk: (stored, derived)}`` for ``pks`` (None: every row) of ``level``."""
    model = _model(registry, level.model)
    batches = [None] if pks is None else list(_chunks(pks))
    result = {}
    for batch in batches:
        rows = _plain(model)
        if batch is not None:
            rows = rows.filter(pk__in=batch)
        own_fields = {"status": ["status", "published_at"], "note": ["retired", "anchoring"]}
        names = own_fields.get(level.own, [])
        current = {row[0]: row for row in rows.order_by().values_list("pk", "visible_from", *names)}
        sources = [
            dict(
                rows.order_by()
                .values("pk")
                .annotate(moment=Min(f"{path}__visible_from"))
                .values_list("pk", "moment")
            )
            for path in level.sources
        ]
        for pk, row in current.items():
            derived = _earliest(source.get(pk) for source in sources)
            if level.own == "status":
                own = row[3] if row[2] == PUBLISHED else None
                derived = _later(own, derived) if level.sources else own
            elif level.own == "note" and (row[2] or row[3] == ORPHANED):
                derived = None
            result[pk] = (row[1], derived)
    return result


def _write(model, changes):
    by_moment = {}
    for pk, moment in changes.items():
        by_moment.setdefault(moment, []).append(pk)
    for moment, pks in by_moment.items():
        for batch in _chunks(pks):
            _plain(model).filter(pk__in=batch).update(visible_from=moment)


def _dependents(level, changed, registry):
    """``{level name: pks}`` of the objects whose moment reads those of ``changed``."""
    found = {}
    for other in LEVELS:
        for path in other.sources:
            target = _model(registry, other.model)._meta.get_field(path).related_model
            if target._meta.model_name != level.model:
                continue
            for batch in _chunks(changed):
                found.setdefault(other.model, set()).update(
                    _plain(_model(registry, other.model))
                    .filter(**{f"{path}__in": batch})
                    .values_list("pk", flat=True)
                )
    return found


def settle(dirty, registry=global_apps):
    """Recompute the objects in ``dirty`` (``{level name: pks}``) and, level by level, those
    whose inputs changed as a result. Returns how many rows were rewritten."""
    dirty = {name: set(pks) for name, pks in dirty.items() if pks}
    written = 0
    announced = {}
    for level in LEVELS:
        pks = dirty.pop(level.model, None)
        if not pks:
            continue
        computed = _compute(level, pks, registry)
        changes = {pk: new for pk, (old, new) in computed.items() if old != new}
        if not changes:
            continue
        _write(_model(registry, level.model), changes)
        written += len(changes)
        announced[level.model] = {pk: (computed[pk][0], new) for pk, new in changes.items()}
        for name, more in _dependents(level, changes, registry).items():
            dirty.setdefault(name, set()).update(more)
    if announced and registry is global_apps:
        moments_changed.send(sender=settle, changes=announced)
    return written


def drift(registry=global_apps):
    """``[(model name, pk, stored, derived)]`` for every row whose stored moment is wrong.

    Recomputes everything in a transaction it rolls back, so each level is checked against
    the right moments of the levels above it, and nothing is written.
    """
    wrong = []
    with transaction.atomic():
        for level in LEVELS:
            computed = _compute(level, None, registry)
            changes = {pk: new for pk, (old, new) in computed.items() if old != new}
            wrong += [
                (level.model, pk, computed[pk][0], new) for pk, new in sorted(changes.items())
            ]
            _write(_model(registry, level.model), changes)
        transaction.set_rollback(True)
    return wrong


def recompute_all(registry=global_apps, levels=LEVELS):
    """Derive every row's moment from scratch, level by level. Returns the rows rewritten.

    A data migration passes its ``apps`` and the levels as they were when it was written.
    """
    written = 0
    for level in levels:
        computed = _compute(level, None, registry)
        changes = {pk: new for pk, (old, new) in computed.items() if old != new}
        _write(_model(registry, level.model), changes)
        written += len(changes)
    if written and registry is global_apps:
        moments_changed.send(sender=recompute_all, changes=None)
    return written


# Upkeep ---------------------------------------------------------------------------------------

_state = threading.local()


def _pending():
    if not hasattr(_state, "depth"):
        _state.depth, _state.dirty = 0, {}
    return _state


def mark(name, pks):
    """Note that the objects ``pks`` of level ``name`` need recomputing: now, or at the end of
    the outermost ``deferred()`` block."""
    pks = {pk for pk in pks if pk is not None}
    if not pks:
        return
    state = _pending()
    if state.depth:
        state.dirty.setdefault(name, set()).update(pks)
    else:
        settle({name: pks})


@contextlib.contextmanager
def deferred():
    """Batch the recomputing of everything changed inside the block into one pass at its end
    (for imports and bulk loads). Reads inside the block may see moments not yet updated."""
    state = _pending()
    state.depth += 1
    try:
        yield
    finally:
        state.depth -= 1
        if not state.depth:
            dirty, state.dirty = state.dirty, {}
            settle(dirty)


def _level_of(instance):
    name = instance._meta.model_name
    return GALLERY_ITEM if name == "galleryitem" else BY_NAME.get(name)


def _field_names(model, names):
    result = set()
    for name in names:
        try:
            result.add(model._meta.get_field(name).name)
        except Exception:  # an attname such as ``image_id``
            result.add(name.removesuffix("_id"))
    return result


def _link_targets(level, rows):
    """``{level name: pks}`` the down-the-chain foreign keys of ``rows`` (dicts) point at."""
    found = {}
    for name, target in level.links.items():
        found.setdefault(target, set()).update(row[f"{name}_id"] for row in rows)
    return found


def _links_now(level, model, pks):
    if not level.links:
        return {}
    columns = [f"{name}_id" for name in level.links]
    rows = []
    for batch in _chunks(pks):
        rows += list(_plain(model).filter(pk__in=batch).values(*columns))
    return _link_targets(level, rows)


def _mark_all(found):
    state = _pending()
    state.depth += 1  # one pass for everything found
    try:
        for name, pks in found.items():
            mark(name, pks)
    finally:
        state.depth -= 1
        if not state.depth:
            dirty, state.dirty = state.dirty, {}
            settle(dirty)


def _relevant(level, instance, update_fields):
    if update_fields is None:
        return True
    return bool(_field_names(type(instance), update_fields) & (level.relevant | {"visible_from"}))


def before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    level = _level_of(instance)
    if raw or level is None or not _relevant(level, instance, update_fields):
        return
    stored = level is not GALLERY_ITEM
    columns = [f"{name}_id" for name in level.links] + (["visible_from"] if stored else [])
    # Not ``_state.adding``: a restored version is a new instance of an existing row.
    row = None
    if instance.pk is not None and columns:
        row = _plain(sender).filter(pk=instance.pk).values(*columns).first()
    if row is None:
        if stored:
            instance.visible_from = None  # derived after the insert, as for any new row
        return
    if stored:
        # The instance may carry a moment read long ago, or a restored version's: the save
        # must not write it, so that the recompute sees what the row held.
        instance.visible_from = row["visible_from"]
    instance._visibility_links_before = _link_targets(level, [row])


def saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    level = _level_of(instance)
    if raw or level is None or not _relevant(level, instance, update_fields):
        return
    found = {}
    if level is not GALLERY_ITEM:
        found[level.model] = {instance.pk}
    before = getattr(instance, "_visibility_links_before", None) or {}
    instance._visibility_links_before = None
    if before or level is GALLERY_ITEM:
        # A link that moved: its old and its new target may change, whatever this object's
        # own moment does. (A new object's links follow its moment, once it has one.)
        now = _link_targets(level, [{f"{n}_id": getattr(instance, f"{n}_id") for n in level.links}])
        for name in set(before) | set(now):
            old, new = before.get(name, set()), now.get(name, set())
            if level is GALLERY_ITEM or old != new:
                found.setdefault(name, set()).update(old | new)
    _mark_all(found)


def deleting(sender, instance, **kwargs):
    level = _level_of(instance)
    if level is None:
        return
    if level is GALLERY_ITEM:
        instance._visibility_after_delete = {"image": {instance.image_id}}
        return
    # Found while it still exists: its cascade removes the links that lead to them.
    instance._visibility_after_delete = _dependents(level, {instance.pk}, global_apps)


def deleted(sender, instance, **kwargs):
    found = getattr(instance, "_visibility_after_delete", None)
    if found:
        _mark_all(found)


def links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear" and not reverse:
        through = sender._meta
        own = next(f for f in through.fields if f.is_relation and f.related_model is type(instance))
        other = next(f for f in through.fields if f.is_relation and f.related_model is model)
        instance._visibility_cleared = set(
            sender.objects.filter(**{own.name: instance}).values_list(other.attname, flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # ``instance`` is the entity, reference or image whose links changed
        mark(instance._meta.model_name, {instance.pk})
    else:
        pks = pk_set if action != "post_clear" else getattr(instance, "_visibility_cleared", ())
        mark(model._meta.model_name, set(pks or ()))


def updating(sender, queryset, fields, **kwargs):
    """``queryset.update()``: recompute the rows it changes, and their old link targets."""
    level = (
        GALLERY_ITEM
        if sender._meta.model_name == "galleryitem"
        else BY_NAME.get(sender._meta.model_name)
    )
    if level is None or not (_field_names(sender, fields) & (level.relevant | {"visible_from"})):
        return None
    pks = set(queryset.values_list("pk", flat=True))
    before = _links_now(level, sender, pks)

    def after():
        found = {} if level is GALLERY_ITEM else {level.model: pks}
        for name, more in [*before.items(), *_links_now(level, sender, pks).items()]:
            found.setdefault(name, set()).update(more)
        _mark_all(found)

    return after


def created_in_bulk(sender, objs, **kwargs):
    """``bulk_create()``: derive the new rows (rows inserted without a primary key, with
    conflicts ignored, need ``rebuild_visibility``)."""
    if sender._meta.model_name == "galleryitem":
        _mark_all({"image": {obj.image_id for obj in objs}})
    elif level := BY_NAME.get(sender._meta.model_name):
        pks = {obj.pk for obj in objs if obj.pk is not None}
        # The rows were inserted with whatever moment the objects carried: recompute what
        # they lead to as well, whether or not their own moment turns out to change.
        _mark_all({level.model: pks, **_dependents(level, pks, global_apps)})


def connect():
    from exhibit import models as m
    from exhibit.models.base import queryset_created, queryset_updating

    watched = [_model(global_apps, level.model) for level in LEVELS] + [m.GalleryItem]
    for model in watched:
        name = model.__name__
        pre_save.connect(before_save, sender=model, dispatch_uid=f"visibility-pre-save-{name}")
        post_save.connect(saved, sender=model, dispatch_uid=f"visibility-save-{name}")
        pre_delete.connect(deleting, sender=model, dispatch_uid=f"visibility-pre-delete-{name}")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"visibility-delete-{name}")
        queryset_updating.connect(updating, sender=model, dispatch_uid=f"visibility-update-{name}")
        queryset_created.connect(
            created_in_bulk, sender=model, dispatch_uid=f"visibility-bulk-create-{name}"
        )
    for through in (
        m.Block.entities.through,
        m.Block.gallery.through,
        m.Image.entities.through,
        m.Annotation.entities.through,
        m.Annotation.references.through,
        m.Essay.references.through,
    ):
        m2m_changed.connect(
            links_changed, sender=through, dispatch_uid=f"visibility-m2m-{through.__name__}"
        )
