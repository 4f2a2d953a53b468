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


def connect_review_links():
    """Publishing an exhibit ends its review links for good (``ReviewLink.ended_at``)."""
    from django.db.models.signals import post_save

    from .models import Exhibit, ReviewLink, Status

    def exhibit_saved(sender, instance, raw=False, **kwargs):
        if not raw and instance.status == Status.PUBLISHED:
            ReviewLink.objects.end_for(instance)

    post_save.connect(exhibit_saved, sender=Exhibit, weak=False, dispatch_uid="review-links-end")


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
