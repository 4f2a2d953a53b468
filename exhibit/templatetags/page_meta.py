"""``{% page_meta obj %}`` (citation, Dublin Core, OpenGraph and JSON-LD tags for ``<head>``)
and ``{% cite_block obj %}`` (“Cite this page”). Both read objects the views have loaded."""

from django import template
from django.conf import settings
from django.utils import timezone

from exhibit.services import metadata
from exhibit.services.citing import cite_page, cited_page

register = template.Library()


def _base(context):
    return metadata.site_base_url(context.get("request"))


@register.inclusion_tag("exhibit/includes/meta/head.html", takes_context=True)
def page_meta(context, obj, images=None, appearances=None, sections=None):
    base = _base(context)
    kind = obj._meta.model_name
    if kind == "essay":
        exhibits = []
        for block in appearances or ():
            exhibit = block.section.exhibit
            if exhibit not in exhibits:
                exhibits.append(exhibit)
        meta = metadata.essay_metadata(obj, base, exhibits=exhibits)
    elif kind == "exhibit":
        meta = metadata.exhibit_metadata(obj, base, sections=sections or ())
    elif kind == "section":
        meta = metadata.section_metadata(obj, base, images=images or ())
    elif kind == "image":
        meta = metadata.image_metadata(obj, base)
    elif kind == "entity":
        meta = metadata.entity_metadata(obj, base)
    else:  # pragma: no cover - a template names a model we do not describe
        raise template.TemplateSyntaxError(f"page_meta does not describe {kind} objects")
    return {"meta": meta}


@register.inclusion_tag("exhibit/includes/cite.html", takes_context=True)
def cite_block(context, obj):
    page = cited_page(obj, _base(context), timezone.localdate(), settings.SITE_NAME)
    return {"citation": cite_page(page), "page": page}
