"""System checks for settings that only make sense for this project."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

TEMPORARY_KEY = (
    "SECRET_KEY is not set, so this command runs with a temporary one. "
    "Set SECRET_KEY (or DEBUG=true for development) before serving."
)


@register()
def temporary_secret_key(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_IS_TEMPORARY", False):
        return [Warning(TEMPORARY_KEY, id="exhibit.W001")]
    return []


@register(Tags.security, deploy=True)
def secret_key_for_deployment(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_IS_TEMPORARY", False):
        return [Error(TEMPORARY_KEY, id="exhibit.E001")]
    return []
