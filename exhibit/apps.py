from django.apps import AppConfig


class ExhibitConfig(AppConfig):
    name = "exhibit"
    verbose_name = "Exhibits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import checks, signals  # noqa: F401  (checks registers the system checks)

        signals.connect()  # search index upkeep

        # Pillow's own bomb guard would refuse a 300 MP archival scan at its default limit
        # (about 179 MP); align it with ours, which is checked from the header first.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
