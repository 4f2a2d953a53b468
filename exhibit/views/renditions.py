"""Image renditions (the ``srcset`` JPEGs and WebPs), served after a visibility check.

Renditions are files in media storage (``derivatives/…`` under ``MEDIA_ROOT``, or a bucket), but
nobody reaches them there: a page names them under one of three prefixes, each answering only
to those who may see the page that shows them:

- ``/renditions/<sha256>/<width>.<jpg|webp>``: visitors, while an image with that original is
  published (``Image.objects.published()``, read on every request, so unpublishing an image
  makes every one of its URLs a 404 at once);
- ``/review/<token>/renditions/…``: the readers of a review link, while the link is live and
  the image is shown by the link's exhibit (its sections' blocks and galleries, its cover);
- ``/preview/renditions/…``: staff who may view images in the admin.

With ``RENDITION_ACCEL_REDIRECT`` set (``/_renditions/``) and local media, Django makes the
check and hands the file to nginx with ``X-Accel-Redirect`` (deploy/nginx/exhibit.conf; review
and preview answers to ``/_renditions-private/``, whose headers keep them out of search engines
and referrers);
otherwise (``make run``, a bucket) the file is streamed from storage. Public answers may be kept
by browsers and shared caches for ``RENDITION_CACHE_SECONDS``; review and preview answers are
never stored. Anything else is a 404, which says nothing about which images exist.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe

from exhibit.models import Block, DeadLink, Image, ReviewLink
from exhibit.storage import media_is_local, rendition_name

CONTENT_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}
PRIVATE = "-private"  # after RENDITION_ACCEL_REDIRECT: nginx's location for review and preview


def review_images(exhibit):
    """The images a review link's pages show: its sections' image and gallery blocks, and its
    cover (``ReviewImageView`` opens the same ones)."""
    blocks = Block.objects.filter(section__exhibit=exhibit)
    return Image.objects.filter(
        Q(pk__in=blocks.values("image_id"))
        | Q(pk__in=blocks.values("gallery__id"))
        | Q(pk=exhibit.cover_image_id or 0)
    )


def _check(images, checksum, width):
    """404 unless one of ``images`` is a processed image with that original and width."""
    found = images.filter(checksum=checksum, processing_state=Image.Processing.READY)
    for renditions in found.values_list("renditions", flat=True):
        if any(r.get("width") == width for r in renditions or ()):
            return
    raise Http404("No rendition here.")


def _serve(checksum, width, extension, *, public):
    name = rendition_name(checksum, width, extension)
    if settings.RENDITION_ACCEL_REDIRECT and media_is_local():
        response = HttpResponse(content_type=CONTENT_TYPES[extension])
        # Review and preview answers go through a location of their own, whose headers say
        # "noindex" and "no-referrer" (nginx's add_header replaces what Django set).
        prefix = settings.RENDITION_ACCEL_REDIRECT.rstrip("/") + ("" if public else PRIVATE)
        response["X-Accel-Redirect"] = f"{prefix}/{name.removeprefix('derivatives/')}"
    else:
        try:
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404("No rendition here.") from error
        response = FileResponse(handle, content_type=CONTENT_TYPES[extension])
    response["X-Content-Type-Options"] = "nosniff"
    if public:
        patch_cache_control(response, public=True, max_age=settings.RENDITION_CACHE_SECONDS)
        # Other sites may show the photographs (the IIIF manifests point at them).
        response["Access-Control-Allow-Origin"] = "*"
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
    else:
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def public_rendition(request, checksum, width, extension):
    _check(Image.objects.published(), checksum, width)
    return _serve(checksum, width, extension, public=True)


@require_safe
def review_rendition(request, token, checksum, width, extension):
    try:
        link = ReviewLink.objects.resolve(token)
    except DeadLink as dead:
        raise Http404("No rendition here.") from dead
    _check(review_images(link.exhibit), checksum, width)
    return _serve(checksum, width, extension, public=False)


@require_safe
def preview_rendition(request, checksum, width, extension):
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("exhibit.view_image")):
        raise Http404("No rendition here.")
    _check(Image.objects.all(), checksum, width)
    return _serve(checksum, width, extension, public=False)


@require_safe
def moved_rendition(request, shard, checksum, width, extension):
    """An old ``/media/derivatives/…`` URL: to its checked ``/renditions/`` URL."""
    if shard != checksum[:2]:
        raise Http404("No rendition here.")
    return HttpResponsePermanentRedirect(
        reverse(
            "exhibit:rendition",
            kwargs={"checksum": checksum, "width": width, "extension": extension},
        )
    )
