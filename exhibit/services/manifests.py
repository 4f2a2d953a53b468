"""IIIF Presentation API 3.0 manifests for images and exhibits, built as plain dicts.

The views serve them; a command could write them to files. Every URL in a manifest is absolute,
so callers pass a ``ManifestUrls`` that knows the site's root and the image services' ids.

What the manifests promise (STANDARDS.md §3):

- ``@context`` only on the manifest itself; language maps wherever the specification asks for
  them; plain text only (text that a client would take for HTML is escaped, see ``_plain()``).
- Each image is one Canvas the size of the original, painted by the level-0 image service's
  ``full/max`` image. That image is ``maxWidth`` × ``maxHeight`` from the stored ``info.json``
  (large scans are capped), so the body states that size, not the original's.
- Published region annotations go in each Canvas's ``annotations``, one AnnotationPage of
  W3C Annotations (cookbook recipes 0021 and 0266): see ``commentary_pages()``. In an image's
  own manifest they keep their own IRIs (``/annotations/<uuid>/``), whose W3C description
  targets that same Canvas; on an exhibit's Canvas, a different resource, they get ids of
  their own under it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import escape

from exhibit.models import Annotation, Block, Exhibit, GalleryItem, Image, Section
from exhibit.services import webannotation
from exhibit.services.imaging import tile_dir

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_SERVICE_PROFILE = "level0"


class ManifestUnavailable(Exception):
    """The object exists but cannot be described yet (its tiles are missing)."""


@dataclass(frozen=True)
class ManifestUrls:
    """How to make a manifest's URLs absolute.

    ``absolute`` turns a site path into an absolute URL; ``image_service`` gives the IIIF Image
    service id of an image slug.
    """

    absolute: Callable[[str], str]
    image_service: Callable[[str], str]

    def file(self, url: str) -> str:
        """A storage URL made absolute (remote storages already give absolute ones)."""
        return url if urlsplit(url).scheme else self.absolute(url)


# Small shapes -----------------------------------------------------------------------------


def language_map(*values: str, language: str = "en") -> dict:
    """``{"en": ["…"]}``: the language map every label, summary and value must be."""
    return {language: [str(value) for value in values]}


def _plain(text: str) -> str:
    """Plain text for ``summary`` and metadata values, where clients read a value that starts
    with ``<`` and ends with ``>`` as HTML: such text goes out escaped inside ``<p>``."""
    text = str(text)
    if text.startswith("<") and text.endswith(">"):
        return f"<p>{escape(text)}</p>"
    return text


def _text_map(*values: str, language: str = "en") -> dict:
    """A language map for properties that may hold HTML, kept plain text."""
    return language_map(*(_plain(value) for value in values), language=language)


def _entry(label: str, *values: str, language: str = "en") -> dict:
    return {"label": language_map(label), "value": _text_map(*values, language=language)}


def _homepage(url: str, label: str) -> list[dict]:
    return [{"id": url, "type": "Text", "label": language_map(label), "format": "text/html"}]


def _image_service(service_id: str) -> list[dict]:
    return [{"id": service_id, "type": "ImageService3", "profile": IMAGE_SERVICE_PROFILE}]


def _provider(urls: ManifestUrls) -> list[dict]:
    root = urls.absolute("/")
    return [
        {
            "id": root,
            "type": "Agent",
            "label": language_map(settings.SITE_NAME),
            "homepage": _homepage(root, settings.SITE_NAME),
        }
    ]


def _names(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


# One image ---------------------------------------------------------------------------------


def read_image_info(image) -> dict | None:
    """The stored ``info.json`` of a processed image, or None if its tiles are missing."""
    try:
        return json.loads((tile_dir(image.checksum) / "info.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _full_size(info: dict) -> tuple[int, int]:
    """The size ``full/max`` delivers: ``maxWidth``/``maxHeight``, else the largest listed."""
    if "maxWidth" in info and "maxHeight" in info:
        return info["maxWidth"], info["maxHeight"]
    sizes = info.get("sizes") or [{"width": info["width"], "height": info["height"]}]
    largest = max(sizes, key=lambda size: size["width"])
    return largest["width"], largest["height"]


def image_metadata(image) -> list[dict]:
    """Date, creator, archival reference and repository: only those the image has."""
    metadata = []
    if image.date:
        metadata.append(_entry("Date", image.date_display))
    if image.creator_id:
        metadata.append(_entry("Creator", image.creator.name, language="none"))
    reference = image.archival_reference if image.archival_reference_id else None
    if reference:
        repository = reference.repository
        metadata.append(_entry("Archival reference", reference.short_citation, language="none"))
        metadata.append(_entry("Repository", f"{repository.name} ({repository.abbreviation})"))
    if image.is_placeholder:
        metadata.append(
            _entry("Placeholder", "A generated stand-in, not a reproduction of the original.")
        )
    return metadata


def image_attribution(image) -> dict:
    """The credit line; else the holding repository; else the site."""
    if image.credit_line:
        credit = image.credit_line
    elif image.archival_reference_id:
        repository = image.archival_reference.repository
        credit = f"{repository.name} ({repository.abbreviation})"
    else:
        credit = settings.SITE_NAME
    return _entry("Attribution", credit)


def image_thumbnail(image, urls: ManifestUrls) -> list[dict]:
    """The smallest rendition, with the image service for clients that want other sizes."""
    thumbnail = image.thumbnail
    if not thumbnail:
        return []
    return [
        {
            "id": urls.file(thumbnail["url"]),
            "type": "Image",
            "format": "image/jpeg",
            "width": thumbnail["width"],
            "height": thumbnail["height"],
            "service": _image_service(urls.image_service(image.slug)),
        }
    ]


def painting_page(canvas_id: str, image, info: dict, urls: ManifestUrls) -> dict:
    """The Canvas's one AnnotationPage: the image service's ``full/max`` painted on it."""
    service_id = urls.image_service(image.slug)
    width, height = _full_size(info)
    return {
        "id": f"{canvas_id}/page/painting",
        "type": "AnnotationPage",
        "items": [
            {
                "id": f"{canvas_id}/annotation/painting",
                "type": "Annotation",
                "motivation": "painting",
                "body": {
                    "id": f"{service_id}/full/max/0/default.jpg",
                    "type": "Image",
                    "format": "image/jpeg",
                    "width": width,
                    "height": height,
                    "service": _image_service(service_id),
                },
                "target": canvas_id,
            }
        ],
    }


def _annotations_on_canvas():
    return Annotation.objects.published().order_by("pk")


def commentary_pages(canvas_id: str, image, urls: ManifestUrls) -> list[dict]:
    """The Canvas's published region annotations: one AnnotationPage, or none.

    Each is an Annotation with the curator's motivation, the note as a TextualBody (HTML) and
    a SpecificResource target on ``canvas_id`` with a FragmentSelector ``xywh=…`` and an
    SvgSelector ``<path>`` (STANDARDS.md §3). The annotations come from
    ``image.manifest_annotations``, which the callers prefetch to keep the query count
    fixed; without it this asks the database.
    """
    annotations = getattr(image, "manifest_annotations", None)
    if annotations is None:
        annotations = list(_annotations_on_canvas().filter(image=image))
    if not annotations:
        return []
    own_canvas = canvas_id == image_canvas_id(image_manifest_id(image.slug, urls.absolute))
    items = []
    for annotation in annotations:
        if own_canvas:
            annotation_id = urls.absolute(annotation.get_absolute_url())
        else:
            annotation_id = f"{canvas_id}/annotation/{annotation.uuid}"
        item = {"id": annotation_id, "type": "Annotation", "motivation": annotation.motivation}
        body = webannotation.textual_body(annotation)
        if body:
            item["body"] = body
        item["target"] = webannotation.region_target(annotation, canvas_id)
        items.append(item)
    return [{"id": f"{canvas_id}/page/commentary", "type": "AnnotationPage", "items": items}]


def image_canvas(
    canvas_id: str, image, info: dict, urls: ManifestUrls, *, describe: bool = True
) -> dict:
    """One Canvas the size of the original. ``describe`` adds the image's own metadata,
    credit and rights (for canvases among others; a single image's manifest carries them)."""
    canvas = {
        "id": canvas_id,
        "type": "Canvas",
        "label": language_map(image.title),
        "width": image.width,
        "height": image.height,
    }
    if describe:
        if image.caption:
            canvas["summary"] = _text_map(image.caption)
        metadata = image_metadata(image)
        if metadata:
            canvas["metadata"] = metadata
        canvas["requiredStatement"] = image_attribution(image)
        canvas["rights"] = image.rights
        canvas["homepage"] = _homepage(urls.absolute(image.get_absolute_url()), image.title)
    thumbnail = image_thumbnail(image, urls)
    if thumbnail:
        canvas["thumbnail"] = thumbnail
    canvas["items"] = [painting_page(canvas_id, image, info, urls)]
    annotations = commentary_pages(canvas_id, image, urls)
    if annotations:
        canvas["annotations"] = annotations
    return canvas


def _base(manifest_id: str) -> str:
    """Where a manifest's parts are named: its URL without ``.json``."""
    return manifest_id.removesuffix(".json")


def image_manifest_id(slug: str, absolute: Callable[[str], str]) -> str:
    return absolute(reverse("exhibit:image_manifest", kwargs={"slug": slug}))


def image_canvas_id(manifest_id: str) -> str:
    """The one Canvas of an image's own manifest: what its W3C region annotations target."""
    return f"{_base(manifest_id)}/canvas/1"


def published_image_for_manifest(slug: str) -> Image:
    """A published, processed image with what its manifest shows, in two queries: the image,
    then its published region annotations."""
    return (
        Image.objects.published()
        .filter(processing_state=Image.Processing.READY)
        .select_related("creator", "archival_reference__repository")
        .prefetch_related(
            Prefetch(
                "annotations", queryset=_annotations_on_canvas(), to_attr="manifest_annotations"
            )
        )
        .get(slug=slug)
    )


def image_manifest(image, *, manifest_id: str, urls: ManifestUrls) -> dict:
    """The manifest of one image: one Canvas, described at the manifest's level."""
    info = read_image_info(image)
    if info is None:
        raise ManifestUnavailable(f"No tiles for image {image.slug}.")
    page_url = urls.absolute(image.get_absolute_url())
    manifest = {
        "@context": PRESENTATION_CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": language_map(image.title),
    }
    if image.caption:
        manifest["summary"] = _text_map(image.caption)
    metadata = image_metadata(image)
    if metadata:
        manifest["metadata"] = metadata
    manifest["requiredStatement"] = image_attribution(image)
    manifest["rights"] = image.rights
    manifest["provider"] = _provider(urls)
    manifest["homepage"] = _homepage(page_url, image.title)
    thumbnail = image_thumbnail(image, urls)
    if thumbnail:
        manifest["thumbnail"] = thumbnail
    canvas_id = image_canvas_id(manifest_id)
    manifest["items"] = [image_canvas(canvas_id, image, info, urls, describe=False)]
    return manifest


# An exhibit --------------------------------------------------------------------------------


def published_exhibit_for_manifest(slug: str) -> Exhibit:
    """A published exhibit with its published sections and their image and gallery blocks.

    Five queries however large it is: exhibit (with cover), curators, sections, blocks (with
    their images), gallery items (with theirs). ``exhibit_manifest()`` adds a sixth for the
    region annotations of the images it shows.
    """
    image_fields = ("creator", "archival_reference__repository")
    blocks = (
        Block.objects.filter(kind__in=[Block.Kind.IMAGE, Block.Kind.GALLERY])
        .select_related(*(f"image__{field}" for field in image_fields))
        .prefetch_related(
            Prefetch(
                "galleryitem_set",
                queryset=GalleryItem.objects.select_related(
                    "image", *(f"image__{field}" for field in image_fields)
                ),
                to_attr="manifest_gallery",
            )
        )
    )
    sections = Section.objects.published().prefetch_related(
        Prefetch("blocks", queryset=blocks, to_attr="manifest_blocks")
    )
    return (
        Exhibit.objects.published()
        .select_related("cover_image")
        .prefetch_related(
            "curators", Prefetch("sections", queryset=sections, to_attr="manifest_sections")
        )
        .get(slug=slug)
    )


def exhibit_images(exhibit) -> list[tuple[Section, list[Image]]]:
    """``(section, images)`` in reading order: sections, their blocks, a gallery's items.

    Only processed images; each once per section. Needs ``published_exhibit_for_manifest()``.
    """
    result = []
    for section in exhibit.manifest_sections:
        images, seen = [], set()
        for block in section.manifest_blocks:
            if block.kind == Block.Kind.IMAGE:
                candidates = [block.image] if block.image_id else []
            else:
                candidates = [item.image for item in block.manifest_gallery]
            for image in candidates:
                if image.pk not in seen and image.processing_state == image.Processing.READY:
                    seen.add(image.pk)
                    images.append(image)
        result.append((section, images))
    return result


def _attach_annotations(images: list[Image]) -> None:
    """Give each image its published region annotations, in one query for all of them."""
    if not images:
        return
    found = {image.pk: [] for image in images}
    for annotation in _annotations_on_canvas().filter(image__in=list(found)):
        found[annotation.image_id].append(annotation)
    for image in images:
        image.manifest_annotations = found[image.pk]


def exhibit_manifest(exhibit, *, manifest_id: str, urls: ManifestUrls) -> dict:
    """The manifest of an exhibit: its images in reading order, one Range per section.

    An image shown in several places is one Canvas, listed in each of its sections' Ranges.
    ``exhibit`` comes from ``published_exhibit_for_manifest()``.
    """
    base = _base(manifest_id)
    shown, canvas_ids, sections = [], {}, []
    for section, images in exhibit_images(exhibit):
        for image in images:
            if image.pk in canvas_ids:
                continue
            info = read_image_info(image)
            if info is None:
                continue  # processed, but its tiles are gone: nothing to paint
            canvas_ids[image.pk] = f"{base}/canvas/{image.slug}"
            shown.append((image, info))
        sections.append((section, [canvas_ids[i.pk] for i in images if i.pk in canvas_ids]))
    _attach_annotations([image for image, _ in shown])
    canvases = [image_canvas(canvas_ids[image.pk], image, info, urls) for image, info in shown]
    ranges = [
        {
            "id": f"{base}/range/{section.slug}",
            "type": "Range",
            "label": language_map(section.title),
            "items": [{"id": canvas_id, "type": "Canvas"} for canvas_id in members],
        }
        for section, members in sections
        if members
    ]
    if not canvases:
        # A Manifest must have at least one Canvas.
        raise ManifestUnavailable(f"Exhibit {exhibit.slug} shows no processed images.")

    curators = [curator.name for curator in exhibit.curators.all()]
    page_url = urls.absolute(exhibit.get_absolute_url())
    manifest = {
        "@context": PRESENTATION_CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": language_map(exhibit.title),
        "summary": _text_map(exhibit.summary),
    }
    metadata = []
    if exhibit.subtitle:
        metadata.append(_entry("Subtitle", exhibit.subtitle))
    if curators:
        metadata.append(_entry("Curated by", *curators, language="none"))
    if metadata:
        manifest["metadata"] = metadata
    if curators:
        attribution = f"Curated by {_names(curators)} for {settings.SITE_NAME}."
    else:
        attribution = f"Published by {settings.SITE_NAME}."
    manifest["requiredStatement"] = _entry("Attribution", attribution)
    rights = {canvas["rights"] for canvas in canvases}
    if len(rights) == 1:
        # Each Canvas states its own; the Manifest only when one statement covers them all.
        manifest["rights"] = rights.pop()
    manifest["provider"] = _provider(urls)
    manifest["homepage"] = _homepage(page_url, exhibit.title)
    cover = exhibit.cover_image
    if cover and cover.processing_state == cover.Processing.READY and cover.thumbnail:
        manifest["thumbnail"] = image_thumbnail(cover, urls)
    elif "thumbnail" in canvases[0]:
        manifest["thumbnail"] = canvases[0]["thumbnail"]
    manifest["items"] = canvases
    if ranges:
        manifest["structures"] = ranges
    return manifest
