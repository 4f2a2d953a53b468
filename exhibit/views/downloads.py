"""Downloads of originals, byte for byte, when the image is public and its rights allow.

Always as an attachment, with the content type of the format the content was found to be
(never guessed from the name) and ``nosniff``, so no original is ever rendered on our origin.

With ``DOWNLOAD_ACCEL_REDIRECT`` set (``/_originals/``), Django makes the same checks and
then hands the file to nginx with ``X-Accel-Redirect`` instead of streaming it through a
worker; nginx keeps the Content-Type and Content-Disposition set here, and its internal
location adds the security headers (deploy/nginx/exhibit.conf). An original that has no path
under ``PRIVATE_ROOT/originals`` (another storage) is streamed as before.

Anything else is a 404, never a 403: a visitor learns nothing about images they may not have.
"""

import logging
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from exhibit.models import Image
from exhibit.services.imaging import CONTENT_TYPES

logger = logging.getLogger(__name__)


def _accel_path(image):
    """The original's path inside the internal nginx location, or None to stream it."""
    if not settings.DOWNLOAD_ACCEL_REDIRECT:
        return None
    try:
        path = Path(image.original.path).resolve()
    except NotImplementedError:  # a storage without local paths
        return None
    root = (Path(settings.PRIVATE_ROOT) / "originals").resolve()
    if not path.is_relative_to(root):
        return None
    if not path.is_file():
        _missing(image)
    return (
        f"{settings.DOWNLOAD_ACCEL_REDIRECT.rstrip('/')}/{quote(path.relative_to(root).as_posix())}"
    )


def _missing(image, error=None):
    logger.error("The original of image %s (%s) is missing", image.pk, image.original.name)
    raise Http404("No download here.") from error


@require_safe
def image_original(request, slug):
    image = get_object_or_404(Image.objects.published(), slug=slug)
    if not image.downloadable:
        raise Http404("No download here.")
    content_type = CONTENT_TYPES.get(image.format, "application/octet-stream")
    accel = _accel_path(image)
    if accel is not None:
        response = HttpResponse(content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, image.original_filename)
        response["X-Accel-Redirect"] = accel
    else:
        try:
            handle = image.original.open("rb")
        except FileNotFoundError as error:
            _missing(image, error)
        response = FileResponse(
            handle, as_attachment=True, filename=image.original_filename, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    return response
