"""Keep the search index in step with the content (``exhibit.services.search``).

Saving or deleting anything a search row is built from schedules that row and its dependents
(an image when its archival reference or a linked entity is renamed, a note when its essay is
renamed, an essay's exhibits when a block starts linking it) for re-indexing when the
transaction commits. A link (note ↔ entity, image ↔ entity, …) re-indexes its two ends only.
Publishing re-renders nothing: ``exhibit.visibility.moments_changed`` copies the new moments
onto the index rows, and re-indexes the sections that show an essay whose visibility changed.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from exhibit import models, visibility
from exhibit.services import search

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


def _subject(instance):
    # An author link stands for its essay.
    if isinstance(instance, models.EssayAuthor):
        return models.Essay(pk=instance.essay_id)
    return instance


def saved(sender, instance, raw=False, **kwargs):
    if not raw:
        search.schedule(_subject(instance))


def deleting(sender, instance, **kwargs):
    # What depended on it must be found while it still exists.
    if isinstance(instance, models.EssayAuthor):
        instance._search_dependents = [models.Essay(pk=instance.essay_id)]
    else:
        instance._search_dependents = search.dependents(instance)


def deleted(sender, instance, **kwargs):
    search.schedule(instance, dependents_of_deleted=getattr(instance, "_search_dependents", []))


def m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":
        instance._search_cleared = list(_related_pks(sender, instance))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # Only the two ends: the documents of the others linked to either do not change.
    search.schedule(instance, follow=False)
    others = set(pk_set or ()) | set(getattr(instance, "_search_cleared", []))
    for pk in others:
        search.schedule(model(pk=pk), follow=False)


def _related_pks(through, instance):
    fields = [f for f in through._meta.fields if f.is_relation]
    own = next(f for f in fields if isinstance(instance, f.related_model))
    other = next(f for f in fields if f is not own)
    return through.objects.filter(**{own.name: instance}).values_list(other.attname, flat=True)


def moments_changed(sender, changes=None, **kwargs):
    search.moments_changed(changes)


def connect():
    visibility.moments_changed.connect(moments_changed, dispatch_uid="search-moments")
    for model in WATCHED:
        name = model.__name__
        post_save.connect(saved, sender=model, dispatch_uid=f"search-save-{name}")
        pre_delete.connect(deleting, sender=model, dispatch_uid=f"search-pre-delete-{name}")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"search-delete-{name}")
    for through in M2M:
        m2m_changed.connect(m2m, sender=through, dispatch_uid=f"search-m2m-{through.__name__}")
