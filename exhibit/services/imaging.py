"""Validating uploaded images, and making their derivatives and IIIF level-0 tiles.

Validation reads only the header before deciding: the format must be one of an explicit list
and the declared pixel count within ``IMAGE_MAX_PIXELS``, so a decompression bomb is refused
before a single pixel is decoded. Only then is the file decoded once, streaming through libvips
in bounded memory, to catch truncated or corrupt data.

Derivatives and tiles are made with libvips (pyvips), which streams large scans through small
buffers; Pillow is kept for validation and metadata. Each image's files are built in a
temporary folder and moved into place in one rename, so an interrupted run leaves either the
old complete set or the new one, never half of each.

Tiles always live under ``PRIVATE_ROOT``. Renditions are public media: with local media they
are swapped in by rename like the tiles; with remote media (S3) they are built in a local
temporary folder and uploaded through the storage API, each file replacing its predecessor.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import re
import shutil
import tempfile
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from exhibit.storage import (
    derivatives_root,
    local_path,
    media_is_local,
    rendition_name,
    tiles_root,
)

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")
RENDITION_WIDTHS = (400, 800, 1600, 2400)
TILE_SIZE = 512
# The largest full-image size a level-0 client may ask for; bigger views are built from tiles.
MAX_SIZE = 2400
JPEG_OPTIONS = {"Q": 85, "keep": "none", "optimize_coding": True, "interlace": True}
# Effort 4 takes three times as long for files about 7% smaller.
WEBP_OPTIONS = {"Q": 80, "keep": "none", "effort": 2}
INFO_ID_PLACEHOLDER = "https://iiif.invalid/placeholder"


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


def _decode_fully(file) -> None:
    """Decode every pixel once, streaming, so truncated or corrupt data is found now."""
    import pyvips

    file.seek(0)
    temporary_path = getattr(file, "temporary_file_path", None)
    try:
        if temporary_path:
            image = pyvips.Image.new_from_file(temporary_path(), access="sequential", fail=True)
        else:
            image = pyvips.Image.new_from_buffer(file.read(), "", access="sequential", fail=True)
        image.avg()
    finally:
        file.seek(0)


def inspect_image(file) -> ImageInfo:
    """Check an uploaded file and describe it, or raise ``ValidationError`` saying why not."""
    import pyvips

    name = (getattr(file, "name", None) or "the file").rsplit("/", 1)[-1]
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
            # Opening parses only the header; pixels are not decoded.
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
    try:
        _decode_fully(file)
    except pyvips.Error as error:
        detail = str(error).strip().splitlines()[-1] if str(error).strip() else "unreadable data"
        raise ValidationError(
            f"{name} is truncated or corrupt ({detail}). Upload the complete file again.",
            code="corrupt",
        ) from error
    checksum = _sha256(file)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(0)
    info = ImageInfo(image_format, width, height, size, checksum)
    file._image_info = info  # save() reuses it instead of decoding the file a second time
    return info


# The extensions each accepted format may carry; the first is the one given when it has none.
EXTENSIONS = {
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "PNG": (".png",),
    "TIFF": (".tif", ".tiff"),
    "WEBP": (".webp",),
}
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
}
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^\w .()\[\]+,-]+")


def safe_original_name(name: str, image_format: str) -> str:
    """The uploaded file name, made safe to store and to send in ``Content-Disposition``.

    Folders, control characters, quotes and markup go; the extension is the one of the format
    the content was found to be (``letter.html`` holding a JPEG becomes ``letter_html.jpg``), so
    no tool that trusts names ever takes an original for something else.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    allowed = EXTENSIONS[image_format]
    if suffix not in allowed:
        stem, suffix = f"{stem}_{suffix[1:]}" if suffix else stem, allowed[0]
    stem = UNSAFE_FILENAME_CHARACTERS.sub("_", stem).strip(" ._") or "original"
    return f"{stem[: 200 - len(suffix)]}{suffix}"


def validate_image_file(file):
    """Field validator: the same checks as ``inspect_image``, for new uploads."""
    if getattr(file, "_committed", True) and not hasattr(file, "content_type"):
        return  # an already stored original, checked when it was uploaded
    inspect_image(file)


# Building ---------------------------------------------------------------------------------


def _to_srgb(image):
    """``image`` as 8-bit sRGB (or grey), upright, without alpha: what visitors see."""
    import pyvips

    image = image.autorot()
    if image.get_typeof("icc-profile-data"):
        try:
            image = image.icc_transform("srgb", embedded=True, intent="perceptual")
        except pyvips.Error:
            logger.warning("Ignoring an unusable ICC profile")
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
        target = "b-w" if image.bands == 1 else "srgb"
        image = image.colourspace(target)
        if image.format != "uchar":
            image = image.cast("uchar")
    return image


def _load_srgb(path: str):
    """The whole original, streamed top to bottom (rotating needs random access instead)."""
    import pyvips

    header = pyvips.Image.new_from_file(path)  # reads the header only
    orientation = header.get("orientation") if header.get_typeof("orientation") else 1
    access = "sequential" if orientation in (0, 1) else "random"
    return _to_srgb(pyvips.Image.new_from_file(path, access=access))


def _preview_from_tiles(tiles_dir: Path, width: int, height: int):
    """A copy at least ``min(width, MAX_SIZE)`` wide, assembled from one level of the pyramid.

    The pyramid already holds every power-of-two reduction of the original, so the preview
    for renditions and listed sizes costs a few small JPEG decodes, not a second pass over
    a 300-megapixel scan.
    """
    import pyvips

    target = min(width, MAX_SIZE)
    factor = 1
    while math.ceil(width / (factor * 2)) >= target:
        factor *= 2
    level_w, level_h = math.ceil(width / factor), math.ceil(height / factor)
    span = TILE_SIZE * factor
    canvas = None
    for y in range(0, height, span):
        for x in range(0, width, span):
            region_w, region_h = min(span, width - x), min(span, height - y)
            whole = (x, y, region_w, region_h) == (0, 0, width, height)
            region = "full" if whole else f"{x},{y},{region_w},{region_h}"
            size = f"{math.ceil(region_w / factor)},{math.ceil(region_h / factor)}"
            tile = pyvips.Image.new_from_file(str(tiles_dir / region / size / "0" / "default.jpg"))
            if canvas is None:
                canvas = pyvips.Image.black(level_w, level_h, bands=tile.bands).copy(
                    interpretation=tile.interpretation
                )
            canvas = canvas.insert(tile, x // factor, y // factor)
    return canvas.cast("uchar").copy_memory()


def rendition_widths(width: int) -> list[int]:
    """Widths to make for ``srcset``: the standard ones the original can fill, else itself."""
    widths = [w for w in RENDITION_WIDTHS if w <= width]
    return widths or [width]


def _build_renditions(largest, out_dir: Path) -> list[dict]:
    """JPEG and WebP renditions at each width, without any metadata, from the preview."""
    widths = rendition_widths(largest.width)
    renditions = []
    for width in reversed(widths):
        scaled = largest
        if width != largest.width:
            scaled = largest.thumbnail_image(width, height=10_000_000)
        scaled.jpegsave(str(out_dir / f"{width}.jpg"), **JPEG_OPTIONS)
        scaled.webpsave(str(out_dir / f"{width}.webp"), **WEBP_OPTIONS)
        renditions.append({"width": scaled.width, "height": scaled.height})
    return sorted(renditions, key=lambda r: r["width"])


def _scale_factors(width: int, height: int) -> list[int]:
    factors, factor = [1], 1
    while math.ceil(width / factor) > TILE_SIZE or math.ceil(height / factor) > TILE_SIZE:
        factor *= 2
        factors.append(factor)
    return factors


def _build_tiles(image, out_dir: Path):
    """IIIF Image API 3.0 level-0 files: tiles, listed sizes and ``info.json``.

    ``image`` is the whole original, streamed once into the tile pyramid; the listed sizes
    are made from a preview assembled from the pyramid, which is also returned.
    """
    image.dzsave(
        str(out_dir),
        layout="iiif3",
        tile_size=TILE_SIZE,
        overlap=0,
        depth="onetile",
        suffix=".jpg[Q=85,keep=none]",
        id=INFO_ID_PLACEHOLDER,
        keep="none",
    )
    # dzsave also leaves vips-properties.xml beside the folder; the caller's work folder
    # holds both, and only the tile folder is moved into place.
    width, height = image.width, image.height
    factors = _scale_factors(width, height)
    sizes = []
    for factor in factors:
        w, h = math.ceil(width / factor), math.ceil(height / factor)
        if w <= MAX_SIZE and h <= MAX_SIZE:
            sizes.append({"width": w, "height": h})
    sizes.sort(key=lambda s: s["width"])
    preview = _preview_from_tiles(out_dir, width, height)
    for size in sizes:
        w, h = size["width"], size["height"]
        scaled = preview.resize(w / preview.width, vscale=h / preview.height)
        folder = out_dir / "full" / f"{w},{h}" / "0"
        folder.mkdir(parents=True, exist_ok=True)
        scaled.jpegsave(str(folder / "default.jpg"), Q=85, keep="none")
    max_folder = out_dir / "full" / "max" / "0"
    max_folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        out_dir / "full" / f"{sizes[-1]['width']},{sizes[-1]['height']}" / "0" / "default.jpg",
        max_folder / "default.jpg",
    )
    info = {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": INFO_ID_PLACEHOLDER,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": width,
        "height": height,
        "maxWidth": sizes[-1]["width"],
        "maxHeight": sizes[-1]["height"],
        "sizes": sizes,
        "tiles": [{"width": TILE_SIZE, "height": TILE_SIZE, "scaleFactors": factors}],
        "preferredFormats": ["jpg"],
    }
    (out_dir / "info.json").write_text(json.dumps(info, indent=1))
    return preview


def build_image_files(path: str, renditions_dir: Path, tiles_dir: Path) -> list[dict]:
    """The tile tree into ``tiles_dir``, then renditions into ``renditions_dir``.

    One streaming pass over the original makes the tile pyramid; renditions and listed sizes
    come from the pyramid, so memory stays bounded and the scan is read once.
    """
    preview = _build_tiles(_load_srgb(path), tiles_dir)
    return _build_renditions(preview, renditions_dir)


def _swap_in(built: Path, final: Path) -> None:
    """Replace ``final`` by ``built`` so that readers see the old set or the new, never a mix."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        trash = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        final.rename(trash)
        built.rename(final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        built.rename(final)


def _work_dir(root: Path, checksum: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return root / f".tmp-{checksum}-{uuid.uuid4().hex[:8]}"


def clean_interrupted_work() -> int:
    """Remove temporary folders left by an interrupted run; return how many."""
    removed = 0
    roots = [derivatives_root(), tiles_root()] if media_is_local() else [tiles_root()]
    for root in roots:
        if not root.exists():
            continue
        for leftover in [*root.glob(".tmp-*"), *root.glob("*/.tmp-*"), *root.glob("*/.old-*")]:
            shutil.rmtree(leftover, ignore_errors=True)
            removed += 1
    return removed


def derivative_dir(checksum: str) -> Path:
    return derivatives_root() / checksum[:2] / checksum


def tile_dir(checksum: str) -> Path:
    return tiles_root() / checksum[:2] / checksum


def is_complete(image) -> bool:
    if not image.renditions or not (tile_dir(image.checksum) / "info.json").exists():
        return False
    if media_is_local():
        folder = derivative_dir(image.checksum)
        return all((folder / f"{r['width']}.jpg").exists() for r in image.renditions)
    return all(
        default_storage.exists(rendition_name(image.checksum, r["width"], "jpg"))
        for r in image.renditions
    )


def _upload_renditions(built: Path, checksum: str) -> None:
    """Copy the files in ``built`` to remote media, each replacing the one of the same name.

    Names depend only on the original's checksum and width, so a visitor meanwhile sees the
    old file or the new one, both made from the same original.
    """
    for path in sorted(built.iterdir()):
        width, extension = path.stem, path.suffix.lstrip(".")
        name = rendition_name(checksum, width, extension)
        if default_storage.exists(name):
            default_storage.delete(name)
        with path.open("rb") as handle:
            stored = default_storage.save(name, File(handle, name=path.name))
        if stored != name:  # the storage renamed it: a concurrent run won the race
            default_storage.delete(stored)


def _remove_remote_renditions(checksum: str) -> None:
    folder = f"derivatives/{checksum[:2]}/{checksum}"
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


def process_image(image, *, force: bool = False) -> bool:
    """Make ``image``'s renditions and tiles; record the outcome on the image.

    Returns True when the image is ready. Errors are recorded for curators, not raised.
    """
    from exhibit.models import Image
    from exhibit.pagecache import content_changed

    if not force and image.processing_state == Image.Processing.READY and is_complete(image):
        return True
    # Updates skip save()'s signals: each says itself that the image page has changed.
    Image.objects.filter(pk=image.pk).update(processing_state=Image.Processing.PROCESSING)
    content_changed()
    checksum = image.checksum
    local_media = media_is_local()
    if local_media:
        renditions_work = _work_dir(derivative_dir(checksum).parent, checksum)
    else:
        renditions_work = Path(tempfile.gettempdir()) / f"exhibit-renditions-{uuid.uuid4().hex}"
    tiles_work = _work_dir(tile_dir(checksum).parent, checksum)
    try:
        renditions_work.mkdir()
        tiles_work.mkdir()
        with local_path(image.original) as path:
            renditions = build_image_files(path, renditions_work, tiles_work / "tiles")
        if local_media:
            _swap_in(renditions_work, derivative_dir(checksum))
        else:
            _upload_renditions(renditions_work, checksum)
            shutil.rmtree(renditions_work, ignore_errors=True)
        _swap_in(tiles_work / "tiles", tile_dir(checksum))
        shutil.rmtree(tiles_work, ignore_errors=True)
    except Exception as error:
        logger.exception("Processing image %s failed", image.pk)
        shutil.rmtree(renditions_work, ignore_errors=True)
        shutil.rmtree(tiles_work, ignore_errors=True)
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        Image.objects.filter(pk=image.pk).update(
            processing_state=Image.Processing.FAILED, processing_error=message[:2000]
        )
        content_changed()
        image.processing_state, image.processing_error = Image.Processing.FAILED, message
        return False
    fields = {
        "renditions": renditions,
        "processing_state": Image.Processing.READY,
        "processing_error": "",
        "processed_at": timezone.now(),
    }
    Image.objects.filter(pk=image.pk).update(**fields)
    content_changed()
    for name, value in fields.items():
        setattr(image, name, value)
    return True


def remove_files_for(checksum: str) -> None:
    """Delete the derivatives and tiles made from one original (after it is replaced)."""
    if media_is_local():
        shutil.rmtree(derivative_dir(checksum), ignore_errors=True)
    else:
        _remove_remote_renditions(checksum)
    shutil.rmtree(tile_dir(checksum), ignore_errors=True)
