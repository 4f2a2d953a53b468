"""Template helpers for the public pages: absolute and preview-aware URLs, small labels.

None of these touch the database: they read fields already loaded by the views.
"""

import math

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()

# Objects without a get_preview_url() of their own, previewed through these URL names.
_PREVIEW_URL_NAMES = {"essay": "exhibit:preview_essay", "image": "exhibit:preview_image"}

WORDS_PER_MINUTE = 230

KIND_PLURALS = {
    "person": "People",
    "place": "Places",
    "organisation": "Organisations",
    "event": "Events",
}


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """``path`` as an absolute URL: on ``SITE_URL`` when set, else on the request's host."""
    if settings.SITE_URL:
        return f"{settings.SITE_URL}{path}"
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


@register.simple_tag(takes_context=True)
def canonical_url(context, obj):
    """The public, absolute URL of ``obj``: also what a preview page names as canonical."""
    return absolute_url(context, obj.get_absolute_url())


@register.simple_tag(takes_context=True)
def object_url(context, obj):
    """Where a link to ``obj`` goes: its preview page while previewing, else its public page.

    Entities have no preview of their own, so they always link to their public page.
    """
    if context.get("preview"):
        if hasattr(obj, "get_preview_url"):
            return obj.get_preview_url()
        name = _PREVIEW_URL_NAMES.get(obj._meta.model_name)
        if name:
            return reverse(name, kwargs={"slug": obj.slug})
    return obj.get_absolute_url()


@register.simple_tag
def site_name():
    """The site's name without a request context (the 500 page has none)."""
    return settings.SITE_NAME


@register.filter
def reading_time(word_count):
    """Minutes to read ``word_count`` words at an unhurried pace, at least one."""
    try:
        words = int(word_count)
    except (TypeError, ValueError):
        return 0
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


@register.filter
def kind_plural(kind):
    """The heading for a group of entities of one kind: ``person`` → ``People``."""
    return KIND_PLURALS.get(kind, str(kind).capitalize())
