"""Keep the search index in step with the content (``exhibit.services.search``).

Saving or deleting anything a search row is built from re-indexes that row: the object itself
and its dependents (an image when its archival reference or a linked entity changes, a note
when its essay is renamed, an essay's exhibits when a block starts linking it). Visibility is
applied at query time, so publishing needs no re-indexing.
"""

import threading
from contextlib import contextmanager

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from exhibit import models
from exhibit.services import search

_state = threading.local()

WATCHED = (
    models.Exhibit,
    models.Section,
    models.Block,
    models.GalleryItem,
    models.Essay,
    models.EssayAuthor,
    models.Image,
    models.Annotation,
    models.Entity,
    models.ArchivalReference,
    models.Repository,
    models.Contributor,
)
M2M = (
    models.Block.entities.through,
    models.Image.entities.through,
    models.Annotation.entities.through,
    models.Annotation.references.through,
    models.Essay.references.through,
)


@contextmanager
def indexing_paused():
    """Skip index upkeep inside (bulk loads that call ``search.rebuild()`` afterwards)."""
    previous = getattr(_state, "paused", False)
    _state.paused = True
    try:
        yield
    finally:
        _state.paused = previous


def _active(raw=False):
    return not raw and not getattr(_state, "paused", False)


def _subject(instance):
    # An author link or a gallery item stands for its essay or block.
    if isinstance(instance, models.EssayAuthor):
        return models.Essay.objects.filter(pk=instance.essay_id).first()
    return instance


def saved(sender, instance, raw=False, **kwargs):
    if _active(raw):
        subject = _subject(instance)
        if subject is not None:
            search.reindex(subject)


def deleting(sender, instance, **kwargs):
    if _active():
        if isinstance(instance, models.EssayAuthor):
            instance._search_dependents = [models.Essay(pk=instance.essay_id)]
        else:
            instance._search_dependents = search.dependents(instance)


def deleted(sender, instance, **kwargs):
    if not _active():
        return
    search.remove_object(instance)
    for item in getattr(instance, "_search_dependents", []):
        fresh = type(item).objects.filter(pk=item.pk).first()  # it may have gone with it
        if fresh is not None:
            search.index_object(fresh)


def m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if not _active():
        return
    if action == "pre_clear":
        instance._search_cleared = list(model.objects.filter(pk__in=_related_pks(sender, instance)))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    others = list(model.objects.filter(pk__in=pk_set or ()))
    others += getattr(instance, "_search_cleared", [])
    search.reindex(instance)
    for other in others:
        search.reindex(other)


def _related_pks(through, instance):
    fields = [f for f in through._meta.fields if f.is_relation and f.related_model is not None]
    own = next(f for f in fields if isinstance(instance, f.related_model))
    other = next(f for f in fields if f is not own)
    return through.objects.filter(**{own.name: instance}).values(other.attname)


def connect():
    for model in WATCHED:
        post_save.connect(saved, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        pre_delete.connect(deleting, sender=model, dispatch_uid=f"search-pre-{model.__name__}")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"search-del-{model.__name__}")
    for through in M2M:
        m2m_changed.connect(m2m, sender=through, dispatch_uid=f"search-m2m-{through.__name__}")
