"""Downloads of originals, byte for byte, when the image is public and its rights allow.

Always as an attachment, with the content type of the format the content was found to be
(never guessed from the name) and ``nosniff``, so no original is ever rendered on our origin.

Anything else is a 404, never a 403: a visitor learns nothing about images they may not have.
"""

import logging

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from exhibit.models import Image
from exhibit.services.imaging import CONTENT_TYPES

logger = logging.getLogger(__name__)


@require_safe
def image_original(request, slug):
    image = get_object_or_404(Image.objects.published(), slug=slug)
    if not image.downloadable:
        raise Http404("No download here.")
    try:
        handle = image.original.open("rb")
    except FileNotFoundError as error:
        logger.error("The original of image %s (%s) is missing", image.pk, image.original.name)
        raise Http404("No download here.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=image.original_filename,
        content_type=CONTENT_TYPES.get(image.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
