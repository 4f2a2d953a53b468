"""Machine-readable descriptions of public pages: Highwire Press, Dublin Core, OpenGraph and
schema.org JSON-LD, built from an object whose relations the view has already loaded.

The functions return plain lists and dicts; ``exhibit/templates/exhibit/includes/meta/``
renders them. None of them queries the database, given the view's prefetches.

What Zotero makes of a page (STANDARDS.md §4; Zotero's "Embedded Metadata" translator, read in
its source): a Highwire container tag decides outright (``citation_journal_title`` →
journal article, ``citation_book_title``/``citation_inbook_title`` → book section,
``citation_dissertation_institution`` → thesis, ``citation_technical_report_institution`` →
report, ``citation_conference_title`` → conference paper). Without one, and with prefixed
meta tags (``og:``, ``DCTERMS.``) present, the RDF translator decides in this order: Zotero
type, bib, PRISM, eprints, **og:type**, DC type, schema type; only then the default, which
``citation_title`` alone makes "journal article" (``og:type=article`` and
``DCTERMS.type=Text`` are mere guesses of the same and lose to any decided type).

We want every page to arrive as a **Web Page** of the site (website title = ``SITE_NAME`` from
``og:site_name``), because that is what it is and what our "Cite this page" block says
(Chicago and MLA web-page forms): an essay here is an online essay of the exhibit site, not an
article in a journal, not a chapter of a book. So every page says ``og:type`` = ``website``
(decided type "webpage") and none carries a container tag (``citation_journal_title``,
``citation_book_title``, ``citation_inbook_title``, ``citation_conference_title``,
``citation_dissertation_institution``, ``citation_technical_report_institution``,
``citation_isbn``, ``citation_series_title``) nor ``DCTERMS.source`` (which Zotero would take as
the publication title). Tests pin the presence and absence of these tags.

Google Scholar wants one scholarly article per page, with title, authors and a publication
date. Essays get the full set; exhibit, section and image pages get ``citation_title`` (and a
date where there is one) but no ``citation_author``, so Scholar does not index them as
articles; their curators or photographer reach Zotero as ``DCTERMS.creator`` instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from exhibit.services.rendering import safe_url

SCHEMA = "https://schema.org"
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")

# JSON inside <script> must not contain "</script>", "<!--" or anything an HTML parser acts
# on: the same escapes as Django's json_script.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@dataclass
class PageMetadata:
    highwire: list[tuple[str, str]] = field(default_factory=list)
    dublin_core: list[tuple[str, str]] = field(default_factory=list)
    opengraph: list[tuple[str, str]] = field(default_factory=list)
    jsonld: dict | None = None

    @property
    def jsonld_script(self):
        return jsonld_script(self.jsonld) if self.jsonld else ""

    @property
    def has_image(self):
        return any(name == "og:image" for name, _ in self.opengraph)


def jsonld_script(data) -> str:
    """``data`` as a ``<script type="application/ld+json">`` element, safe in HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def site_base_url(request=None) -> str:
    """The public origin for absolute URLs: ``SITE_URL`` when set, else the request's."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute(base: str, path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{base}{path}"


def highwire_date(moment) -> str:
    """Scholar's date form, on the site's calendar (as the cite block): ``2025/01/01``."""
    return local_day(moment).strftime("%Y/%m/%d")


def local_day(moment):
    return timezone.localdate(moment)


def iso_parts(text: str) -> list[str]:
    """An EDTF-like curator date split into ISO dates (``1866-04-22/1936`` → two), or []."""
    parts = [part.strip() for part in (text or "").split("/")]
    return parts if parts and all(_ISO_DATE.match(part) for part in parts) else []


def full_title(obj) -> str:
    subtitle = getattr(obj, "subtitle", "")
    return f"{obj.title}: {subtitle}" if subtitle else obj.title


# --- schema.org nodes ---------------------------------------------------------------------


def website_node(base):
    return {"@type": "WebSite", "name": settings.SITE_NAME, "url": f"{base}/"}


def publisher_node(base):
    return {"@type": "Organization", "name": settings.SITE_NAME, "url": f"{base}/"}


def person_node(contributor):
    node = {"@type": "Person", "name": contributor.name}
    if url := safe_url(contributor.url):
        node["url"] = url
    return node


def archive_component(reference):
    """An archival reference as schema.org ArchiveComponent held by an ArchiveOrganization."""
    repository = reference.repository
    archive = {"@type": "ArchiveOrganization", "name": repository.name}
    alternate = [name for name in (repository.abbreviation, repository.name_original) if name]
    if alternate:
        archive["alternateName"] = alternate
    if url := safe_url(repository.url):
        archive["url"] = url
    if repository.place:
        archive["location"] = {"@type": "Place", "name": repository.place}
    node = {
        "@type": "ArchiveComponent",
        "name": reference.title or reference.short_citation,
        "identifier": reference.short_citation,
        "holdingArchive": archive,
    }
    if reference.title:
        node["description"] = reference.full_citation
    return node


def image_node(image, base, *, full=False):
    """An ImageObject for every place an image appears (Google asks for each occurrence).

    ``full`` adds what only the image's own page loads: its creator and the places shown.
    """
    page = absolute(base, image.get_absolute_url())
    node = {"@type": "ImageObject", "@id": f"{page}#image", "name": image.title, "url": page}
    display = image.display
    if display:
        node["contentUrl"] = absolute(base, display["url"])
        node["width"] = display["width"]
        node["height"] = display["height"]
    if image.thumbnail:
        node["thumbnailUrl"] = absolute(base, image.thumbnail["url"])
    if image.caption:
        node["caption"] = image.caption
    if image.alt_text:
        node["description"] = image.alt_text
    if image.credit_line:
        node["creditText"] = image.credit_line
    elif image.archival_reference_id:
        node["creditText"] = image.archival_reference.repository.name
    node["license"] = image.rights
    node["acquireLicensePage"] = page
    if iso_parts(image.date):
        node["dateCreated"] = image.date
    if image.archival_reference_id:
        node["isBasedOn"] = archive_component(image.archival_reference)
    if full:
        if image.creator_id:
            node["creator"] = person_node(image.creator)
        places = [entity_node(e, base) for e in image.entities.all() if e.kind == "place"]
        if places:
            node["contentLocation"] = places[0] if len(places) == 1 else places
    return node


ENTITY_TYPES = {
    "person": "Person",
    "place": "Place",
    "organisation": "Organization",
    "event": "Event",
}
# What the two ends of an entity's date interval mean, by kind.
ENTITY_DATES = {
    "person": ("birthDate", "deathDate"),
    "organisation": ("foundingDate", "dissolutionDate"),
    "event": ("startDate", "endDate"),
}


def entity_node(entity, base):
    node = {
        "@type": ENTITY_TYPES.get(entity.kind, "Thing"),
        "name": entity.name,
        "url": absolute(base, entity.get_absolute_url()),
    }
    names = entity.alternative_names_list
    if names:
        node["alternateName"] = names
    if entity.description:
        node["description"] = entity.description
    same_as = [url for _, _, url in entity.identifier_links]
    if same_as:
        node["sameAs"] = same_as
    if entity.latitude is not None and entity.longitude is not None:
        node["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(entity.latitude),
            "longitude": float(entity.longitude),
        }
    parts = iso_parts(entity.date)
    if parts and entity.kind in ENTITY_DATES:
        start, end = ENTITY_DATES[entity.kind]
        node[start] = parts[0]
        if len(parts) > 1:
            node[end] = parts[1]
        elif entity.kind == "event":
            node[end] = parts[0]
    return node


# --- pages ----------------------------------------------------------------------------------


def _opengraph(base, obj_url, title, description, image=None):
    tags = [
        ("og:type", "website"),  # decides Zotero's item type: a web page (see module doc)
        ("og:site_name", settings.SITE_NAME),
        ("og:title", title),
        ("og:url", obj_url),
        ("og:locale", settings.LANGUAGE_CODE.replace("-", "_")),
    ]
    if description:
        tags.append(("og:description", description))
    if image is not None and image.display:
        tags += [
            ("og:image", absolute(base, image.display["url"])),
            ("og:image:width", str(image.display["width"])),
            ("og:image:height", str(image.display["height"])),
            ("og:image:alt", image.alt_text),
        ]
    return tags


def _short(text, length=300):
    text = " ".join(str(text or "").split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def essay_metadata(essay, base, *, exhibits=()) -> PageMetadata:
    """An essay: the one scholarly article of its page. ``exhibits`` it appears in (loaded)."""
    url = absolute(base, essay.get_absolute_url())
    title = full_title(essay)
    authors = essay.author_list
    cover = next((e.cover_image for e in exhibits if e.cover_image_id), None)
    highwire = [("citation_title", title)]
    highwire += [("citation_author", author.sort_name or author.name) for author in authors]
    if essay.published_at:
        highwire.append(("citation_publication_date", highwire_date(essay.published_at)))
    if essay.abstract:
        highwire.append(("citation_abstract", _short(essay.abstract, 2000)))
    highwire += [("citation_language", settings.LANGUAGE_CODE), ("citation_public_url", url)]

    dublin_core = [("title", title)]
    dublin_core += [("creator", author.sort_name or author.name) for author in authors]
    if essay.published_at:
        dublin_core.append(("issued", local_day(essay.published_at).isoformat()))
    if essay.modified:
        dublin_core.append(("modified", local_day(essay.modified).isoformat()))
    if essay.abstract:
        dublin_core.append(("abstract", _short(essay.abstract, 2000)))
    dublin_core += [
        ("type", "Text"),
        ("language", settings.LANGUAGE_CODE),
        ("publisher", settings.SITE_NAME),
        ("identifier", url),
    ]

    article = {
        "@context": SCHEMA,
        "@type": "ScholarlyArticle",
        "@id": f"{url}#article",
        "headline": essay.title[:110],
        "name": essay.title,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": settings.LANGUAGE_CODE,
        "wordCount": essay.word_count,
        "publisher": publisher_node(base),
        "isPartOf": [website_node(base)]
        + [
            {"@type": "WebPage", "name": e.title, "url": absolute(base, e.get_absolute_url())}
            for e in exhibits
        ],
    }
    if essay.subtitle:
        article["alternativeHeadline"] = essay.subtitle
    if authors:
        article["author"] = [person_node(author) for author in authors]
    if essay.published_at:
        article["datePublished"] = essay.published_at.isoformat()
    if essay.modified:
        article["dateModified"] = essay.modified.isoformat()
    if essay.abstract:
        article["abstract"] = essay.abstract
    if cover is not None:
        article["image"] = image_node(cover, base)
    if essay.original_venue or essay.original_url:
        original = {"@type": "CreativeWork", "name": essay.original_venue or essay.title}
        if url := safe_url(essay.original_url):
            original["url"] = url
        if essay.original_date:
            original["datePublished"] = essay.original_date.isoformat()
        article["isBasedOn"] = original
    description = _short(essay.abstract) if essay.abstract else ""
    return PageMetadata(
        highwire, dublin_core, _opengraph(base, url, title, description, cover), article
    )


def exhibit_metadata(exhibit, base, *, sections=()) -> PageMetadata:
    """An exhibit: an online exhibition (schema.org ExhibitionEvent), cited as a web page."""
    url = absolute(base, exhibit.get_absolute_url())
    title = full_title(exhibit)
    curators = list(exhibit.curators.all())
    highwire = [("citation_title", title)]
    if exhibit.published_at:
        highwire.append(("citation_publication_date", highwire_date(exhibit.published_at)))
    dublin_core = [("title", title)]
    dublin_core += [("creator", c.sort_name or c.name) for c in curators]
    if exhibit.published_at:
        dublin_core.append(("issued", local_day(exhibit.published_at).isoformat()))
    dublin_core += [
        ("modified", local_day(exhibit.modified).isoformat()),
        ("description", exhibit.summary),
        ("type", "Collection"),
        ("publisher", settings.SITE_NAME),
        ("identifier", url),
    ]
    event = {
        "@context": SCHEMA,
        "@type": "ExhibitionEvent",
        "@id": f"{url}#exhibition",
        "name": title,
        "description": exhibit.summary,
        "url": url,
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
        "location": {"@type": "VirtualLocation", "url": url},
        "organizer": publisher_node(base),
    }
    if exhibit.published_at:
        event["startDate"] = exhibit.published_at.isoformat()
    if curators:
        event["contributor"] = [person_node(c) for c in curators]
    if exhibit.cover_image_id:
        event["image"] = image_node(exhibit.cover_image, base)
    if sections:
        event["workFeatured"] = [
            {"@type": "WebPage", "name": s.title, "url": absolute(base, s.get_absolute_url())}
            for s in sections
        ]
    return PageMetadata(
        highwire,
        dublin_core,
        _opengraph(base, url, title, _short(exhibit.summary), exhibit.cover_image),
        event,
    )


def section_images(blocks):
    """The images a section's blocks show, in order, each once (from the loaded blocks)."""
    seen, images = set(), []
    for block in blocks:
        candidates = [block.image] if block.image_id else []
        if block.kind == "gallery":
            candidates += [item.image for item in block.gallery_items]
        for image in candidates:
            if image.pk not in seen:
                seen.add(image.pk)
                images.append(image)
    return images


def section_metadata(section, base, *, images=()) -> PageMetadata:
    """``images``: what its blocks show (``section_images``)."""
    exhibit = section.exhibit
    url = absolute(base, section.get_absolute_url())
    exhibit_url = absolute(base, exhibit.get_absolute_url())
    curators = list(exhibit.curators.all())
    highwire = [("citation_title", section.title)]
    if section.published_at:
        highwire.append(("citation_publication_date", highwire_date(section.published_at)))
    dublin_core = [("title", section.title)]
    dublin_core += [("creator", c.sort_name or c.name) for c in curators]
    if section.published_at:
        dublin_core.append(("issued", local_day(section.published_at).isoformat()))
    dublin_core += [
        ("modified", local_day(section.modified).isoformat()),
        ("publisher", settings.SITE_NAME),
        ("identifier", url),
    ]
    if section.summary:
        dublin_core.append(("description", section.summary))
    page = {
        "@context": SCHEMA,
        "@type": "WebPage",
        "@id": url,
        "name": section.title,
        "url": url,
        "isPartOf": {
            "@type": "WebPage",
            "@id": exhibit_url,
            "name": exhibit.title,
            "url": exhibit_url,
            "isPartOf": website_node(base),
        },
        "publisher": publisher_node(base),
    }
    if section.summary:
        page["description"] = section.summary
    if section.published_at:
        page["datePublished"] = section.published_at.isoformat()
    if curators:
        page["contributor"] = [person_node(c) for c in curators]
    if images:
        page["image"] = [image_node(image, base) for image in images]
    description = _short(section.summary or exhibit.summary)
    og_image = images[0] if images and images[0].display else exhibit.cover_image
    return PageMetadata(
        highwire, dublin_core, _opengraph(base, url, section.title, description, og_image), page
    )


def image_metadata(image, base) -> PageMetadata:
    url = absolute(base, image.get_absolute_url())
    highwire = [("citation_title", image.title)]
    dublin_core = [("title", image.title)]
    if image.creator_id:
        dublin_core.append(("creator", image.creator.sort_name or image.creator.name))
    if image.date:
        dublin_core.append(("created", image.date))
    dublin_core += [("type", "StillImage"), ("rights", image.rights)]
    if image.caption:
        dublin_core.append(("description", image.caption))
    if image.archival_reference_id:
        # Where the original is held: not DCTERMS.source, which Zotero reads as the title of
        # the publication and would put in place of the site's name.
        dublin_core.append(("provenance", image.archival_reference.full_citation))
    dublin_core += [("publisher", settings.SITE_NAME), ("identifier", url)]
    node = {"@context": SCHEMA, **image_node(image, base, full=True)}
    description = _short(image.caption or image.alt_text)
    return PageMetadata(
        highwire, dublin_core, _opengraph(base, url, image.title, description, image), node
    )


def entity_metadata(entity, base) -> PageMetadata:
    url = absolute(base, entity.get_absolute_url())
    node = {"@context": SCHEMA, **entity_node(entity, base)}
    node["mainEntityOfPage"] = url
    return PageMetadata(
        opengraph=_opengraph(base, url, entity.name, _short(entity.description)), jsonld=node
    )
