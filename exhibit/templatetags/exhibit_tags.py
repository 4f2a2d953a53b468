"""Template helpers for the public pages: absolute and preview-aware URLs, small labels.

None of these touch the database: they read fields already loaded by the views.
"""

import math
import re

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from exhibit.services.places import script_lang

register = template.Library()

# Objects without a get_preview_url() of their own, previewed through these URL names.
_PREVIEW_URL_NAMES = {"essay": "exhibit:preview_essay", "image": "exhibit:preview_image"}

# Within a review copy (``review_token`` in the context), links stay under the token.
_REVIEW_URL_NAMES = {
    "exhibit": "exhibit:review_exhibit",
    "section": "exhibit:review_section",
    "essay": "exhibit:review_essay",
    "image": "exhibit:review_image",
}

WORDS_PER_MINUTE = 230

DESCRIPTION_LENGTH = 200

# Parts of rendered Markdown that make no sense in a one-line summary.
_NOT_PROSE = re.compile(
    r'<sup class="footnote-ref">.*?</sup>|<section class="footnotes">.*?</section>'
    r"|<h([1-6])[^>]*>.*?</h\1>",
    re.DOTALL,
)

_HEADING_TAG = re.compile(r"<(/?)h([2-5])\b")

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
def rendition_urls(context, image):
    """``image``'s rendition URLs (``srcset``, ``srcset_webp``, ``display``, ``thumbnail``) for
    whoever reads this page: under the review link on a review copy, under ``/preview/`` in
    staff preview, else the public ones. Each is served only after that audience's check."""
    return image.rendition_urls(
        review_token=context.get("review_token"), preview=bool(context.get("preview"))
    )


@register.simple_tag(takes_context=True)
def object_url(context, obj):
    """Where a link to ``obj`` goes: its preview page while previewing, else its public page.

    Entities have no preview of their own, so they always link to their public page. On a
    review copy, the exhibit's own pages link within the review link.
    """
    token = context.get("review_token")
    if token:
        name = _REVIEW_URL_NAMES.get(obj._meta.model_name)
        if name == "exhibit:review_exhibit":
            return reverse(name, kwargs={"token": token})
        if name:
            return reverse(name, kwargs={"token": token, "slug": obj.slug})
    if context.get("preview"):
        if hasattr(obj, "get_preview_url"):
            return obj.get_preview_url()
        name = _PREVIEW_URL_NAMES.get(obj._meta.model_name)
        if name:
            return reverse(name, kwargs={"slug": obj.slug})
    return obj.get_absolute_url()


@register.filter
def safe_url(url):
    """A curator-entered URL for an ``href``: empty unless the sanitiser's allowlist admits it."""
    from exhibit.services.rendering import safe_url as allowed

    return allowed(url or "")


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


def _degrees(value, positive, negative):
    hemisphere = positive if value >= 0 else negative
    return f"{abs(value):.4f}° {hemisphere}"


@register.filter
def coordinates(entity):
    """A place's position in plain words: ``52.6031° N, 39.5708° E``; empty without one."""
    if entity.latitude is None or entity.longitude is None:
        return ""
    return f"{_degrees(entity.latitude, 'N', 'S')}, {_degrees(entity.longitude, 'E', 'W')}"


@register.filter
def name_lang(name):
    """``lang`` for a name in another script (``Липецк`` → ``ru``), else empty."""
    return script_lang(name)


@register.filter
def without(items, others):
    """``items`` minus those also in ``others``, in order (compares loaded objects, no query)."""
    others = list(others or [])
    return [item for item in items or [] if item not in others]


@register.filter
def entity_date(entity):
    """An entity's date as a reader wants it: an event's full date, anyone else's span.

    Events say what is known ("between 1925 and 1933", "3 December 1926"); people, places and
    organisations show a compact span ("1866 – 1936").
    """
    if not entity.date:
        return ""
    return entity.date_display if entity.kind == "event" else entity.date_short


@register.simple_tag
def static_fallback(path):
    """``{% static %}`` that never raises: the 500 page must render even if static files don't.

    A manifest storage raises for a file missing from the manifest; then the plain
    ``STATIC_URL`` path is the best guess left.
    """
    try:
        return static(path)
    except ValueError:
        return f"{settings.STATIC_URL}{path}"


@register.filter
def meta_description(text, length=DESCRIPTION_LENGTH):
    """Plain text or rendered HTML as one line for ``<meta name="description">``.

    Footnote marks, footnotes and headings are dropped, whitespace is collapsed, and the text
    is cut at a word boundary. The result is plain text, still escaped by the template.
    """
    text = str(text or "")
    if "<" in text:
        text = strip_tags(_NOT_PROSE.sub(" ", text))
    text = " ".join(text.split())
    return Truncator(text).chars(int(length))


@register.filter
def demote_headings(html):
    """Sanitised HTML with its h2–h5 one level down, to nest under an h2 of the page.

    Only tag names change, so HTML that was safe (rendered and sanitised on save) stays safe.
    """
    # The input is the stored, sanitised rendering; only tag names change.
    return mark_safe(_HEADING_TAG.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", str(html or "")))
