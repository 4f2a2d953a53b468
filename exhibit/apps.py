from django.apps import AppConfig


class ExhibitConfig(AppConfig):
    name = "exhibit"
    verbose_name = "Exhibits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import checks, pagecache, signals, visibility  # noqa: F401  (checks registers)
        from .services import index_names

        visibility.connect()  # each object's visible_from follows what it depends on

        signals.connect()  # search index upkeep
        index_names.connect()  # the A-Z indexes' lines follow their entities
        pagecache.connect()  # a write retires the cached public pages

        # Pillow's own bomb guard would refuse a 300 MP archival scan at its default limit
        # (about 179 MP); align it with ours, which is checked from the header first.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

        connect_slug_history()
        connect_review_links()
        connect_image_processing()
        connect_revision_stamps()  # a revision's public_from follows its essay's moment
        connect_revisions()  # last: a revision is recorded once every other receiver has run


def connect_revisions():
    """Every saved change of an essay's text is a revision; its annotations move with it.
    (``instance.reanchored`` then says which moved; recovery sets ``skip_revision``, as it
    puts the deleted revisions back first: ``services.history``.)"""
    from django.db.models.signals import post_save

    from .models import Essay
    from .services.revisions import record_revision

    def essay_saved(sender, instance, raw=False, **kwargs):
        if raw or getattr(instance, "skip_revision", False):
            return
        user = getattr(instance, "revision_user", None)
        _, instance.reanchored = record_revision(instance, user=user)

    post_save.connect(essay_saved, sender=Essay, weak=False, dispatch_uid="essay-revisions")


def connect_image_processing():
    """A new original is inspected before its image is saved (checksum, size, a clean file
    name), its renditions and tiles are queued after, and a replaced original's files go
    once the transaction commits."""
    from django.db import transaction
    from django.db.models.signals import post_save, pre_save

    from .models import Image
    from .models.images import PROCESSING_FIELDS
    from .services.imaging import inspect_image, remove_files_for, safe_original_name
    from .tasks import process_image

    def before_save(sender, instance, raw=False, **kwargs):
        instance._new_original = False
        if raw:
            return
        original = instance.original
        instance._new_original = new_file = bool(original) and not original._committed
        instance._replaced_original = None
        if not new_file:
            return
        if instance.pk:
            instance._replaced_original = (
                Image.objects.filter(pk=instance.pk).values("original", "checksum").first()
            )
        info = getattr(original, "_image_info", None) or inspect_image(original)
        instance.checksum = info.checksum
        instance.width, instance.height = info.width, info.height
        instance.format = info.format
        instance.file_size = info.size
        # Stored and offered for download under a clean name with the content's extension.
        original.name = safe_original_name(original.name, info.format)
        instance.original_filename = original.name
        instance.renditions = []
        instance.processing_state = Image.Processing.PENDING
        instance.processing_error = ""

    def saved(sender, instance, raw=False, **kwargs):
        if raw or not getattr(instance, "_new_original", False):
            return
        instance._new_original = False
        replaced, instance._replaced_original = instance._replaced_original, None
        # The database backend stores the task in this transaction, so its worker sees it
        # only once the image is committed; the immediate backend runs it right here.
        process_image.enqueue(instance.pk)
        # With the immediate backend the work is done: show its outcome on this instance.
        instance.refresh_from_db(fields=[*PROCESSING_FIELDS, "renditions", "width", "height"])
        if replaced and replaced["original"] != instance.original.name:
            # The old files go once the new original is safely recorded, never before.
            storage, checksum = instance.original.storage, instance.checksum

            def remove_old():
                storage.delete(replaced["original"])
                if replaced["checksum"] != checksum:
                    remove_files_for(replaced["checksum"])

            transaction.on_commit(remove_old)

    pre_save.connect(before_save, sender=Image, weak=False, dispatch_uid="image-processing")
    post_save.connect(saved, sender=Image, weak=False, dispatch_uid="image-processing")


def connect_review_links():
    """Publishing an exhibit ends its review links for good (``ReviewLink.ended_at``): through
    ``save()``, through ``queryset.update()`` and ``bulk_update()`` (which set ``status`` with an
    update), and after ``recompute_all`` (imports), so unpublishing later revives none."""
    from django.db.models.signals import post_save
    from django.utils import timezone

    from . import visibility
    from .models import Exhibit, ReviewLink, Status
    from .models.base import queryset_updating

    def end_links(exhibits):
        ReviewLink.objects.filter(
            exhibit__in=exhibits.filter(status=Status.PUBLISHED), ended_at__isnull=True
        ).update(ended_at=timezone.now())

    def exhibit_saved(sender, instance, raw=False, **kwargs):
        if not raw and instance.status == Status.PUBLISHED:
            ReviewLink.objects.end_for(instance)

    def exhibits_updating(sender, queryset, fields, **kwargs):
        if "status" not in fields:
            return None
        pks = list(queryset.values_list("pk", flat=True))
        return lambda: end_links(Exhibit.objects.filter(pk__in=pks))

    def moments_changed(sender, changes=None, **kwargs):
        if changes is None:  # everything recomputed (an import): any published exhibit
            end_links(Exhibit.objects.all())

    post_save.connect(exhibit_saved, sender=Exhibit, weak=False, dispatch_uid="review-links-end")
    queryset_updating.connect(
        exhibits_updating, sender=Exhibit, weak=False, dispatch_uid="review-links-end-update"
    )
    visibility.moments_changed.connect(
        moments_changed, weak=False, dispatch_uid="review-links-end-recompute"
    )


def connect_revision_stamps():
    """An essay revision is public from when its essay's stored visibility moment passes while
    it is current (``EssayRevision.public_from``; ``services.revisions``)."""
    from . import visibility

    def moments_changed(sender, changes=None, **kwargs):
        from .services.revisions import stamp_public_revisions

        if changes is None:
            stamp_public_revisions()
        elif changes.get("essay"):
            stamp_public_revisions(list(changes["essay"]))

    visibility.moments_changed.connect(
        moments_changed, weak=False, dispatch_uid="essay-revisions-public-from"
    )


def connect_slug_history():
    """Record old slugs of the public objects, so their old URLs answer with a 301."""
    from django.db.models.signals import post_delete, post_save, pre_save

    from .models import Entity, Essay, Exhibit, Image, Section
    from .models.redirects import forget_slugs, record_slug_change, remember_old_slug

    for model in (Exhibit, Section, Essay, Image, Entity):
        uid = f"slug-history-{model._meta.model_name}"
        pre_save.connect(remember_old_slug, sender=model, dispatch_uid=uid)
        post_save.connect(record_slug_change, sender=model, dispatch_uid=uid)
        post_delete.connect(forget_slugs, sender=model, dispatch_uid=uid)
