from django.apps import AppConfig


class ExhibitConfig(AppConfig):
    name = "exhibit"
    verbose_name = "Exhibits"
    default_auto_field = "django.db.models.BigAutoField"
