"""IIIF Presentation API 3.0 manifests of published images and exhibits.

The JSON is built by ``exhibit.services.manifests``; these views find the published object,
make its URLs absolute and answer as the specification asks: JSON-LD with the Presentation 3
profile, open to every origin (CORS), cacheable for a short while.
"""

from functools import partial

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from exhibit.models import Exhibit, Image
from exhibit.services import manifests
from exhibit.templatetags.exhibit_tags import absolute_url
from exhibit.views.iiif import service_url

CONTENT_TYPE = f'application/ld+json;profile="{manifests.PRESENTATION_CONTEXT}"'
CACHE_SECONDS = 300


def _urls(request):
    # The same SITE_URL-or-request rule as the pages' canonical URLs and the image services.
    return manifests.ManifestUrls(
        absolute=partial(absolute_url, {"request": request}),
        image_service=partial(service_url, request),
    )


def _respond(manifest):
    response = JsonResponse(
        manifest,
        content_type=CONTENT_TYPE,
        json_dumps_params={"indent": 1, "ensure_ascii": False},
    )
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def image_manifest(request, slug):
    try:
        image = manifests.published_image_for_manifest(slug)
    except Image.DoesNotExist as error:
        raise Http404("No published image here.") from error
    urls = _urls(request)
    manifest_id = urls.absolute(reverse("exhibit:image_manifest", kwargs={"slug": slug}))
    try:
        manifest = manifests.image_manifest(image, manifest_id=manifest_id, urls=urls)
    except manifests.ManifestUnavailable as error:
        raise Http404("This image's tiles are not ready.") from error
    return _respond(manifest)


@require_safe
def exhibit_manifest(request, slug):
    try:
        exhibit = manifests.published_exhibit_for_manifest(slug)
    except Exhibit.DoesNotExist as error:
        raise Http404("No published exhibit here.") from error
    urls = _urls(request)
    manifest_id = urls.absolute(reverse("exhibit:exhibit_manifest", kwargs={"slug": slug}))
    try:
        manifest = manifests.exhibit_manifest(exhibit, manifest_id=manifest_id, urls=urls)
    except manifests.ManifestUnavailable as error:
        raise Http404("This exhibit shows no images yet.") from error
    return _respond(manifest)
