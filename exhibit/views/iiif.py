"""IIIF Image API 3.0 level 0: static files, served after a visibility check.

Tiles and ``info.json`` are plain files under ``PRIVATE_ROOT/iiif``. This view checks that the
image is published (remembered briefly in the cache, since a viewer asks for many tiles at
once), then streams the file, or, with ``IIIF_ACCEL_REDIRECT`` set, hands it to nginx with
``X-Accel-Redirect`` so no Python process sends the bytes.
"""

import json
import re

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from exhibit.models import Image
from exhibit.services.imaging import tile_dir

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
INFO_CONTENT_TYPE = f'application/ld+json;profile="{IMAGE_CONTEXT}"'
VISIBILITY_SECONDS = 60

REGION = re.compile(r"^(full|\d+,\d+,\d+,\d+)$")
SIZE = re.compile(r"^(max|\d+,\d+)$")


def _published_image(slug):
    """``(checksum, width, height)`` of a published, processed image; else 404."""
    key = f"iiif:visible:{slug}"
    found = cache.get(key)
    if found is None:
        row = (
            Image.objects.published()
            .filter(slug=slug, processing_state=Image.Processing.READY)
            .values_list("checksum", "width", "height")
            .first()
        )
        found = list(row) if row else []
        cache.set(key, found, VISIBILITY_SECONDS)
    if not found:
        raise Http404("No published image here.")
    return found


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
    if not (REGION.match(region) and SIZE.match(size)):
        raise Http404("Not a canonical level-0 request.")
    if rotation != "0" or quality != "default" or extension != "jpg":
        raise Http404("Level 0 serves rotation 0, default quality, jpg only.")
    checksum, width, height = _published_image(slug)
    if region == f"0,0,{width},{height}":
        region = "full"  # the canonical name of the whole image (Image API 3.0 §4.7)
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
