from django.apps import AppConfig


class ExhibitConfig(AppConfig):
    name = "exhibit"
    verbose_name = "Exhibits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import checks, pagecache, signals, visibility  # noqa: F401  (checks registers)

        visibility.connect()  # each object's visible_from follows what it depends on

        signals.connect()  # search index upkeep
        pagecache.connect()  # a write retires the cached public pages

        # Pillow's own bomb guard would refuse a 300 MP archival scan at its default limit
        # (about 179 MP); align it with ours, which is checked from the header first.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

        connect_slug_history()
        connect_review_links()
        connect_revision_stamps()


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
