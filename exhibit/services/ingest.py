"""Adding images in bulk: many files, one set of shared metadata, each file on its own.

Each file is checked exactly as a single upload is (``inspect_image``), compared by checksum
with the collection, and saved in its own savepoint, so one bad or duplicate file never stops
the others and never leaves anything behind. Titles and slugs come from the file names; the
alt text is marked provisional (``PROVISIONAL_ALT_TEXT_PREFIX``) for the curator to replace.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify

from exhibit.services.imaging import inspect_image

logger = logging.getLogger(__name__)

PROVISIONAL_ALT_TEXT_PREFIX = "Alt text needed: "
SLUG_MAX_LENGTH = 255
TITLE_MAX_LENGTH = 255


@dataclass
class IngestResult:
    """What became of one uploaded file: an ``image``, a ``duplicate_of`` one, or an ``error``."""

    filename: str
    image: object | None = None
    duplicate_of: object | None = None
    error: str = ""

    @property
    def created(self) -> bool:
        return self.image is not None


def title_from_filename(filename: str) -> str:
    """A readable title from a file name: ``lipetsk_aerodrome-1926.jpg`` → "Lipetsk aerodrome 1926".

    Underscores and hyphens between words become spaces; hyphens between digits stay, so an
    archival number such as ``2176-1-1`` survives. Existing capitals are kept.
    """
    text = PurePath(filename).stem.replace("_", " ")
    text = re.sub(r"(?<!\d)-|-(?!\d)", " ", text)
    text = " ".join(text.split())
    if not text:
        return "Untitled image"
    return (text[0].upper() + text[1:])[:TITLE_MAX_LENGTH]


def provisional_alt_text(title: str) -> str:
    return f"{PROVISIONAL_ALT_TEXT_PREFIX}{title}"


def has_provisional_alt_text(image) -> bool:
    return image.alt_text.startswith(PROVISIONAL_ALT_TEXT_PREFIX)


def unique_slug(title: str, fallback: str = "image") -> str:
    """A slug for ``title`` that no image has yet: ``title``, ``title-2``, ``title-3``…"""
    from exhibit.models import Image

    base = slugify(title)[: SLUG_MAX_LENGTH - 8].strip("-") or fallback
    taken = set(
        Image.objects.filter(slug__startswith=base).values_list("slug", flat=True).iterator()
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def find_duplicate(checksum: str, exclude_pk=None):
    """An image already holding a file with this SHA-256, or None."""
    from exhibit.models import Image

    images = Image.objects.filter(checksum=checksum)
    if exclude_pk is not None:
        images = images.exclude(pk=exclude_pk)
    return images.order_by("pk").first()


def ingest_images(files, **shared) -> list[IngestResult]:
    """Create one image per uploaded file, with the ``shared`` field values.

    ``shared`` holds model field values common to the batch (rights, credit_line, creator,
    archival_reference, is_placeholder, date…). Returns one result per file, in order.
    """
    return [ingest_image(file, **shared) for file in files]


def ingest_image(file, **shared) -> IngestResult:
    """Validate and save one uploaded file as a new image; never raises for a bad file."""
    from exhibit.models import Image

    filename = PurePath(getattr(file, "name", "") or "the file").name
    result = IngestResult(filename)
    if not getattr(file, "size", 0):
        result.error = f"{filename} is empty."
        return result
    try:
        info = inspect_image(file)
    except ValidationError as error:
        result.error = " ".join(error.messages)
        return result

    duplicate = find_duplicate(info.checksum)
    if duplicate is not None:
        result.duplicate_of = duplicate
        return result

    title = title_from_filename(filename)
    image = Image(
        title=title,
        slug=unique_slug(title, fallback=f"image-{info.checksum[:8]}"),
        alt_text=provisional_alt_text(title),
        original=file,
        **shared,
    )
    image.original._image_info = info  # save() reuses the inspection instead of decoding again
    try:
        # The file is checked above; this checks the rest (date, lengths, unique slug).
        image.full_clean(exclude=["original"])
    except ValidationError as error:
        result.error = f"{filename}: {' '.join(error.messages)}"
        return result
    try:
        with transaction.atomic():
            image.save()
    except (DatabaseError, OSError) as error:
        logger.exception("Saving the upload %s failed", filename)
        _remove_stored_original(image)
        result.error = f"{filename} could not be saved ({error}). Try it again."
        return result
    result.image = image
    return result


def _remove_stored_original(image) -> None:
    """The storage write is not part of the rolled-back transaction: undo it by hand."""
    if image.original and image.original._committed and image.original.name:
        image.original.storage.delete(image.original.name)
