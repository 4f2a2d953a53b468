"""IIIF Image API 3.0 level 0: static files, served after a visibility check.

Tiles and ``info.json`` are plain files under ``PRIVATE_ROOT/iiif``. This view checks that the
image is published (one indexed query on the stored ``visible_from``, not remembered: an image
that stops being public answers 404 at once), then streams the file, or, with
``IIIF_ACCEL_REDIRECT`` set, hands it to nginx with ``X-Accel-Redirect`` so no Python process
sends the bytes.

A request is read as the Image API's status codes ask (§7): what is not a region, size,
rotation, quality or format in its syntax, or asks for no pixels, is a 400 (checked before the
image, so the answer says nothing about which images exist); a well-formed request this level-0
service does not serve (``pct:``, ``w,``, ``!w,h``, ``^``, another rotation, quality or format,
a region or size the image does not list) is a 404. Numbers are read by ``params``: ASCII digits,
nine at most, so no path built from them is longer than the file system allows.
"""

import json

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.views.decorators.http import require_safe

from exhibit import pagecache
from exhibit.models import Image
from exhibit.params import decimal_number, whole_number
from exhibit.services.imaging import tile_dir

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
INFO_CONTENT_TYPE = f'application/ld+json;profile="{IMAGE_CONTEXT}"'

QUALITIES = ("default", "color", "gray", "bitonal")
FORMATS = ("jpg", "tif", "png", "gif", "jp2", "pdf", "webp")
UNSERVED = "unserved"  # a well-formed region or size that level 0 does not serve


class BadImageRequest(ValueError):
    """Not a request in the Image API's syntax, or one for no pixels at all (a 400)."""


def _numbers(text, count, parse):
    parts = text.split(",")
    numbers = [parse(part) for part in parts] if len(parts) == count else [None]
    if None in numbers:
        raise BadImageRequest
    return numbers


def parse_region(region):
    """``"full"``, ``(x, y, w, h)`` in pixels, or ``UNSERVED`` (``square``, ``pct:``)."""
    if region == "full":
        return region
    if region == "square":
        return UNSERVED
    if region.startswith("pct:"):
        x, y, w, h = _numbers(region.removeprefix("pct:"), 4, decimal_number)
        if w == 0 or h == 0 or x >= 100 or y >= 100:
            raise BadImageRequest
        return UNSERVED
    x, y, w, h = _numbers(region, 4, whole_number)
    if w == 0 or h == 0:
        raise BadImageRequest
    return (x, y, w, h)


def parse_size(size):
    """``"max"``, ``(w, h)``, or ``UNSERVED`` (``^``, ``pct:``, ``w,``, ``,h``, ``!w,h``)."""
    upscaled = size.startswith("^")
    body = size.removeprefix("^")
    if body == "max":
        return UNSERVED if upscaled else body
    if body.startswith("pct:"):
        percent = decimal_number(body.removeprefix("pct:"))
        if not percent or (percent > 100 and not upscaled):
            raise BadImageRequest
        return UNSERVED
    confined = body.startswith("!")
    width, comma, height = body.removeprefix("!").partition(",")
    given = [part for part in (width, height) if part]
    if not comma or not given or (confined and len(given) < 2):
        raise BadImageRequest
    if not all(whole_number(part) for part in given):  # not a number, or no pixels
        raise BadImageRequest
    if upscaled or confined or len(given) < 2:
        return UNSERVED
    return (whole_number(width), whole_number(height))


def parse_rotation(rotation):
    """The angle in degrees; mirrored (``!``) or not, 0 to 360."""
    degrees = decimal_number(rotation.removeprefix("!"), maximum=360)
    if degrees is None:
        raise BadImageRequest
    return degrees


def _published_image(slug):
    """``(checksum, width, height)`` of a published, processed image; else 404."""
    if len(slug) > Image._meta.get_field("slug").max_length:
        # No image has it, and a key this long is refused by some caches (memcached).
        raise Http404("No published image here.")
    found = (
        Image.objects.published()
        .filter(slug=slug, processing_state=Image.Processing.READY)
        .values_list("pk", "checksum", "width", "height")
        .first()
    )
    if not found:
        raise Http404("No published image here.")
    pagecache.depends_on(pagecache.tag(Image, found[0]))  # read without loading the image
    return found[1:]


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    return response


def service_url(request, slug):
    """The absolute IIIF Image service id of an image."""
    path = reverse("exhibit:iiif_image_base", kwargs={"slug": slug})
    if settings.SITE_URL:
        return f"{settings.SITE_URL}{path}"
    return request.build_absolute_uri(path)


@require_safe
def image_base(request, slug):
    """The service's base URI redirects to its description, as the Image API asks (§2.2)."""
    _published_image(slug)
    return _cors(HttpResponseRedirect(reverse("exhibit:iiif_image_info", kwargs={"slug": slug})))


@require_safe
def image_info(request, slug):
    checksum, _, _ = _published_image(slug)
    path = tile_dir(checksum) / "info.json"
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise Http404("Tiles are not ready.") from error
    info["id"] = service_url(request, slug)
    response = JsonResponse(info, content_type=INFO_CONTENT_TYPE, json_dumps_params={"indent": 1})
    response["Cache-Control"] = "public, max-age=3600"
    return _cors(response)


@require_safe
def image_file(request, slug, region, size, rotation, quality, extension):
    try:
        wanted_region, wanted_size = parse_region(region), parse_size(size)
        parse_rotation(rotation)
        if quality not in QUALITIES or extension not in FORMATS:
            raise BadImageRequest
    except BadImageRequest:
        return _cors(
            HttpResponseBadRequest(
                "Not an IIIF Image API request: {region}/{size}/{rotation}/{quality}.{format}",
                content_type="text/plain; charset=utf-8",
            )
        )
    if UNSERVED in (wanted_region, wanted_size):
        raise Http404("Not a canonical level-0 request.")
    if rotation != "0" or quality != "default" or extension != "jpg":
        raise Http404("Level 0 serves rotation 0, default quality, jpg only.")
    checksum, width, height = _published_image(slug)
    if wanted_region == (0, 0, width, height):
        region = "full"  # the canonical name of the whole image (Image API 3.0 §4.7)
    # Both are checked above: ASCII digits and commas, or a keyword; no longer than 39 characters.
    relative = f"{checksum[:2]}/{checksum}/{region}/{size}/0/default.jpg"
    path = tile_dir(checksum) / region / size / "0" / "default.jpg"
    if not path.is_file():
        raise Http404("This size or region is not among those the image lists.")
    if settings.IIIF_ACCEL_REDIRECT:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = f"{settings.IIIF_ACCEL_REDIRECT.rstrip('/')}/{relative}"
    else:
        response = FileResponse(path.open("rb"), content_type="image/jpeg")
    # Tile paths include nothing that changes when the original is replaced, so keep it short.
    response["Cache-Control"] = "public, max-age=86400"
    return _cors(response)
