"""Validating uploaded images and making their derivatives.

Validation reads only the header before deciding: the format must be one of an explicit list,
and the declared pixel count must be within ``IMAGE_MAX_PIXELS``, so a decompression bomb is
refused before a single pixel is decoded. Only then is the file decoded once, to catch
truncated or corrupt data.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")
THUMBNAIL_WIDTH = 400
DISPLAY_WIDTH = 1600


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    size: int
    checksum: str


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def inspect_image(file) -> ImageInfo:
    """Check an uploaded file and describe it, or raise ``ValidationError`` saying why not."""
    name = getattr(file, "name", "the file") or "the file"
    name = name.rsplit("/", 1)[-1]
    size = getattr(file, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            f"{name} is {filesizeformat(size)}; the limit is "
            f"{filesizeformat(settings.IMAGE_MAX_BYTES)}.",
            code="too_large",
        )
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            # Opening parses only the header; pixels are not decoded yet.
            with PILImage.open(file, formats=ALLOWED_FORMATS) as img:
                image_format, (width, height) = img.format, img.size
        except UnidentifiedImageError as error:
            raise ValidationError(
                f"{name} is not a JPEG, PNG, TIFF or WebP image (or it is damaged beyond "
                "reading). Upload the scan in one of these formats.",
                code="unsupported",
            ) from error
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
            raise ValidationError(
                f"{name} declares more pixels than allowed and was refused.", code="too_many_pixels"
            ) from error
        except (OSError, SyntaxError, ValueError) as error:
            raise ValidationError(f"{name} could not be read: {error}", code="corrupt") from error
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise ValidationError(
            f"{name} is {width:,} × {height:,} pixels ({width * height / 1e6:,.0f} megapixels); "
            f"the limit is {settings.IMAGE_MAX_PIXELS / 1e6:,.0f} megapixels.",
            code="too_many_pixels",
        )
    file.seek(0)
    try:
        previous_limit = PILImage.MAX_IMAGE_PIXELS
        PILImage.MAX_IMAGE_PIXELS = None  # our own limit was checked above
        with PILImage.open(file, formats=ALLOWED_FORMATS) as img:
            img.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            f"{name} is truncated or corrupt ({error}). Upload the complete file again.",
            code="corrupt",
        ) from error
    finally:
        PILImage.MAX_IMAGE_PIXELS = previous_limit
    checksum = _sha256(file)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(0)
    info = ImageInfo(image_format, width, height, size, checksum)
    file._image_info = info  # save() reuses it instead of decoding the file a second time
    return info


def validate_image_file(file):
    """Field validator: the same checks as ``inspect_image``."""
    if getattr(file, "_committed", True) and not hasattr(file, "content_type"):
        return  # an already stored original, checked when it was uploaded
    inspect_image(file)


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(img: PILImage.Image) -> PILImage.Image:
    icc = img.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGB" if img.mode not in ("RGBA", "LA", "PA") else "RGBA"
            img = ImageCms.profileToProfile(img, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to a plain conversion
    if img.mode in ("RGBA", "LA", "PA", "P"):
        img = img.convert("RGBA")
        background = PILImage.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    if img.mode == "I;16" or img.mode.startswith("I"):
        img = ImageOps.autocontrast(img.convert("I").point(lambda v: v / 256).convert("L"))
    return img.convert("RGB") if img.mode != "L" else img


def _jpeg(img: PILImage.Image, width: int) -> bytes:
    copy = img.copy()
    copy.thumbnail((width, width * 10), PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif= and no icc_profile=: derivatives carry no GPS, serials or author tags.
    copy.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def make_derivatives(image) -> None:
    """Write the display derivative and the thumbnail of ``image`` and save their names."""
    stem = f"{image.slug or image.pk}-{image.checksum[:8]}"
    with image.original.open("rb") as handle, PILImage.open(handle, formats=ALLOWED_FORMATS) as img:
        img.draft("RGB", (DISPLAY_WIDTH, DISPLAY_WIDTH * 10))  # JPEG: decode at reduced scale
        img = ImageOps.exif_transpose(img)
        img = _to_srgb(img)
        for field, width in (("display", DISPLAY_WIDTH), ("thumbnail", THUMBNAIL_WIDTH)):
            current = getattr(image, field)
            if current:
                current.delete(save=False)
            current.save(f"{stem}-{width}.jpg", ContentFile(_jpeg(img, width)), save=False)
    type(image).objects.filter(pk=image.pk).update(
        display=image.display.name,
        display_width=image.display_width,
        display_height=image.display_height,
        thumbnail=image.thumbnail.name,
        thumbnail_width=image.thumbnail_width,
        thumbnail_height=image.thumbnail_height,
    )
