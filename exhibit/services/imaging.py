"""Validating uploaded images, and making their derivatives and IIIF level-0 tiles.

Validation reads only the header before deciding: the format must be one of an explicit list,
and the declared size within limits on pixels (``IMAGE_MAX_PIXELS``), on each side
(``IMAGE_MAX_SIDE``), on the ratio of the sides (``IMAGE_MAX_ASPECT_RATIO``) and on the zoom
tiles it would make (``IMAGE_MAX_TILES``), so a decompression bomb, or a thin strip that would
make a hundred thousand tiles, is refused before a single pixel is decoded. Only then is the
file decoded once, streaming, to catch truncated or corrupt data.

Decoding is done by libvips in a child process (``exhibit.services.pixels``) with a time limit
(``IMAGE_CHECK_TIMEOUT`` for the check, ``IMAGE_PROCESS_TIMEOUT`` for derivatives and tiles)
and a memory limit (``IMAGE_PROCESS_MEMORY``), so that no file can hold a web or task worker
beyond them. Each failure is told to curators in a sentence; the libvips detail is logged.

An image's ``width`` and ``height`` are its upright size, after its EXIF orientation: the size
libvips reads and rotates to, which is also that of its tiles, ``info.json`` and renditions.

Each image's files are built in a temporary folder and moved into place in one rename, so an
interrupted run leaves either the old complete set or the new one, never half of each; the
folder, and anything libvips left in it, is removed whatever the outcome.

Tiles always live under ``PRIVATE_ROOT``. Renditions are public media: with local media they
are swapped in by rename like the tiles; with remote media (S3) they are built in a local
temporary folder and uploaded through the storage API, each file replacing its predecessor.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from exhibit.services import pixels
from exhibit.storage import (
    derivatives_root,
    local_path,
    media_is_local,
    rendition_name,
    tiles_root,
)

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Time for the child process to start, and for a killed run's folders to be recognised as such.
STARTUP_ALLOWANCE = 60


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


# Decoding in a child process --------------------------------------------------------------


class PixelWorkError(Exception):
    """The child process failed: ``kind`` is timeout, memory, crashed or error."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind, self.detail = kind, detail


MEMORY_SIGNS = ("out of memory", "memoryerror", "failed to allocate", "error creating thread")


def _run_pixels(
    arguments: list[str], *, timeout: float, data: bytes | None = None, temporary=None
) -> dict:
    """Run ``python -m exhibit.services.pixels`` with ``arguments``; its JSON answer.

    The child may allocate ``IMAGE_PROCESS_MEMORY`` bytes and run ``timeout`` seconds, after
    which it is killed; libvips' own temporary files go to ``temporary``.
    """
    cpu_seconds = int(timeout * (os.cpu_count() or 1)) + STARTUP_ALLOWANCE
    command = [
        sys.executable, "-m", "exhibit.services.pixels",
        "--memory", str(settings.IMAGE_PROCESS_MEMORY), "--cpu-seconds", str(cpu_seconds),
        *arguments,
    ]  # fmt: skip
    # The project on the path, wherever the worker was started from.
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": path}
    if temporary is not None:
        environment["TMPDIR"] = str(temporary)
    try:
        completed = subprocess.run(  # noqa: S603 (our own module, arguments we made)
            command, input=data, capture_output=True, timeout=timeout, env=environment
        )
    except subprocess.TimeoutExpired as error:  # run() has killed the child
        raise PixelWorkError("timeout") from error
    stderr = completed.stderr.decode(errors="replace").strip()
    try:
        answer = json.loads(completed.stdout or b"null")
    except ValueError:
        answer = None
    if completed.returncode == 0 and isinstance(answer, dict):
        return answer
    if isinstance(answer, dict) and "error" in answer:
        detail = f"{answer['error']}\n{stderr[-2000:]}".strip()
    else:
        detail = f"exit status {completed.returncode}\n{stderr[-2000:]}".strip()
    if any(sign in detail.lower() for sign in MEMORY_SIGNS):
        raise PixelWorkError("memory", detail)
    # Killed by a signal, or a traceback: a decoder that crashed, often for want of memory.
    raise PixelWorkError("error" if isinstance(answer, dict) else "crashed", detail)


# What went wrong, in sentences for curators. The first group whose words appear in the
# decoder's message decides; anything else is "damaged".
TRUNCATED_SIGNS = (
    "premature end", "truncated", "unexpected end", "end of file", "end of stream", "eof",
    "short read", "not enough data", "image file is truncated",
)  # fmt: skip
UNSUPPORTED_SIGNS = ("not supported", "unsupported", "cannot handle", "not implemented")


def _ends_early(file, image_format: str) -> bool:
    """Whether a file visibly stops short: a PNG without its end chunk, a WebP shorter than
    its RIFF header says. (libpng and libwebp report these only as read or parse errors.)"""
    size = file_size(file)
    file.seek(0)
    head = file.read(12)
    file.seek(max(size - 32, 0))
    tail = file.read()
    file.seek(0)
    if image_format == "PNG":
        return b"IEND" not in tail
    if image_format == "WEBP" and head[:4] == b"RIFF":
        return int.from_bytes(head[4:8], "little") + 8 > size
    return False


def decode_error_sentence(name: str, detail: str, *, truncated: bool = False) -> str:
    """A curator's sentence for a decoder's error message about the file ``name``."""
    text = detail.lower()
    if truncated or any(sign in text for sign in TRUNCATED_SIGNS):
        return (
            f"{name} ends before its image data does: the file is truncated, probably by an "
            "interrupted download or copy. Upload the complete file again."
        )
    if any(sign in text for sign in UNSUPPORTED_SIGNS):
        return (
            f"{name} uses a feature of its format that cannot be decoded here, such as an "
            "unusual compression. Save it again as a JPEG, PNG or uncompressed TIFF and upload "
            "that copy."
        )
    return (
        f"{name} is damaged: part of its image data cannot be decoded. Check the file in an "
        "image viewer, and upload a good copy."
    )


def _memory_label() -> str:
    return filesizeformat(settings.IMAGE_PROCESS_MEMORY)


def _seconds(value: float) -> str:
    return f"{value:,g} second{'s' if value != 1 else ''}"


# Checking an upload -----------------------------------------------------------------------


def check_size_limits(name: str, width: int, height: int) -> None:
    """Refuse, from the header's size alone, an image that cannot be worth decoding.

    Every limit is a setting. A 400-megapixel scan passes them all; a strip 8 pixels by 40
    million (350 KB as a PNG) would take minutes and gigabytes to tile, and is stopped here.
    """
    problems = []
    if width * height > settings.IMAGE_MAX_PIXELS:
        problems.append(
            f"that is {width * height / 1e6:,.0f} megapixels, and the limit is "
            f"{settings.IMAGE_MAX_PIXELS / 1e6:,.0f} megapixels"
        )
    longer, shorter = max(width, height), max(min(width, height), 1)
    if longer > settings.IMAGE_MAX_SIDE:
        problems.append(f"the limit for each side is {settings.IMAGE_MAX_SIDE:,} pixels")
    if longer / shorter > settings.IMAGE_MAX_ASPECT_RATIO:
        problems.append(
            f"one side is {longer / shorter:,.0f} times the other, and the limit is "
            f"{settings.IMAGE_MAX_ASPECT_RATIO:g}:1"
        )
    tiles = pixels.tile_count(width, height)
    if not problems and tiles > settings.IMAGE_MAX_TILES:
        problems.append(
            f"it would make {tiles:,} zoom tiles, and the limit is {settings.IMAGE_MAX_TILES:,}"
        )
    if problems:
        raise ValidationError(
            f"{name} is {width:,} × {height:,} pixels: {'; '.join(problems)}. Upload a smaller "
            "copy (scaled down, or cropped or cut into parts).",
            code="too_many_pixels",
        )


def _decode_fully(file, name: str, image_format: str, width: int, height: int) -> tuple:
    """Decode every pixel once, in a child process, so truncated or corrupt data is found
    now; return the upright ``(width, height)``."""
    file.seek(0)
    temporary_path = getattr(file, "temporary_file_path", None)
    source, data = (temporary_path(), None) if temporary_path else ("-", file.read())
    file.seek(0)
    timeout = settings.IMAGE_CHECK_TIMEOUT
    try:
        with tempfile.TemporaryDirectory(prefix="exhibit-check-") as temporary:
            answer = _run_pixels(
                ["check", source, "--expect", str(width), str(height)],
                timeout=timeout, data=data, temporary=Path(temporary),
            )  # fmt: skip
    except PixelWorkError as error:
        logger.warning("Checking the upload %s failed: %s", name, error)
        if error.kind == "timeout":
            message = (
                f"{name} took longer than the {_seconds(timeout)} allowed to check, so it "
                "was refused: it is unusually slow to decode. Save it again as a JPEG or an "
                "uncompressed TIFF and upload that copy."
            )
        elif error.kind in ("memory", "crashed"):
            message = (
                f"{name} needs more memory to decode than the {_memory_label()} allowed, or "
                "makes the decoder fail, so it was refused. Save it again as a JPEG or an "
                "uncompressed TIFF and upload that copy."
            )
        else:
            truncated = _ends_early(file, image_format)
            message = decode_error_sentence(name, error.detail, truncated=truncated)
        raise ValidationError(message, code="corrupt") from error
    return answer["width"], answer["height"]


def file_size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    return size


def inspect_image(file) -> ImageInfo:
    """Check an uploaded file and describe it, or raise ``ValidationError`` saying why not."""
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
            logger.warning("Reading the header of the upload %s failed: %s", name, error)
            raise ValidationError(
                decode_error_sentence(name, str(error)), code="corrupt"
            ) from error
    check_size_limits(name, width, height)
    width, height = _decode_fully(file, name, image_format, width, height)
    checksum = _sha256(file)
    if size is None:
        size = file_size(file)
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


def build_image_files(path: str, renditions_dir: Path, tiles_dir: Path) -> dict:
    """The tile tree into ``tiles_dir`` and renditions into ``renditions_dir``, made by a child
    process within ``IMAGE_PROCESS_TIMEOUT`` and ``IMAGE_PROCESS_MEMORY``.

    Returns ``{"renditions": [...], "width": …, "height": …}``, the size being that of the
    tiles: the picture upright. Raises ``PixelWorkError`` when the child fails.
    """
    if not Path(path).exists():
        raise FileNotFoundError(path)
    tiles_dir = Path(tiles_dir).resolve()
    # libvips' temporary files (a rotated scan is decoded to disk) go beside the tiles, so
    # they are removed with the work folder even when the child is killed.
    temporary = Path(tempfile.mkdtemp(prefix=".vips-", dir=tiles_dir.parent))
    try:
        return _run_pixels(
            ["build", str(Path(path).resolve()), str(Path(renditions_dir).resolve()),
             str(tiles_dir)],
            timeout=settings.IMAGE_PROCESS_TIMEOUT, temporary=temporary,
        )  # fmt: skip
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def failure_sentence(image, error: BaseException) -> str:
    """Why processing ``image`` failed, said so that a curator knows what to do next."""
    if isinstance(error, PixelWorkError):
        if error.kind == "timeout":
            return (
                "Making the zoomable tiles took longer than the "
                f"{_seconds(settings.IMAGE_PROCESS_TIMEOUT)} allowed, so it was stopped. The "
                "image may be too large or slow to decode: process it again when the server "
                "is less busy, or upload a smaller copy."
            )
        if error.kind == "memory":
            return (
                f"Making the zoomable tiles needed more than the {_memory_label()} of memory "
                "allowed, so it was stopped. Upload a smaller copy of the image."
            )
        if error.kind == "crashed":
            return (
                "The image processor stopped unexpectedly on this file (it may have needed "
                f"more than the {_memory_label()} of memory allowed). Process it again; if it "
                "fails again, upload a new copy of the file."
            )
        return decode_error_sentence(image.original_filename or "The original", error.detail)
    if isinstance(error, FileNotFoundError):
        return (
            "The original file is missing from storage, so nothing could be made from it. "
            "Upload the file again."
        )
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return (
            "The server ran out of disk space while making the tiles. Tell an administrator, "
            "then process the image again."
        )
    return (
        "Making the derivatives and zoomable tiles failed unexpectedly (the details are in "
        "the server log). Process it again; if it fails again, tell an administrator."
    )


def processing_interrupted(image) -> bool:
    """Whether ``image`` is marked as processing long after any run would have been stopped:
    the worker was killed mid-way (a restart, a crash), and nothing will finish it."""
    Image = image._meta.model  # this module imports no model: models use it

    if image.processing_state != Image.Processing.PROCESSING:
        return False
    if image.processing_started is None:  # marked before runs were timed: long gone
        return True
    limit = timedelta(seconds=settings.IMAGE_PROCESS_TIMEOUT + STARTUP_ALLOWANCE)
    return timezone.now() - image.processing_started > limit


def _remove_abandoned_work(checksum: str) -> None:
    """Remove this image's work folders left by a run that was killed.

    A folder older than the time limit cannot belong to a run still going, so this is safe
    while other workers process other images, or this one.
    """
    cutoff = time.time() - settings.IMAGE_PROCESS_TIMEOUT - STARTUP_ALLOWANCE
    parents = [tile_dir(checksum).parent]
    if media_is_local():
        parents.append(derivative_dir(checksum).parent)
    for parent in parents:
        for leftover in parent.glob(f".tmp-{checksum}-*"):
            try:
                abandoned = leftover.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if abandoned:
                shutil.rmtree(leftover, ignore_errors=True)


def process_image(image, *, force: bool = False) -> bool:
    """Make ``image``'s renditions and tiles; record the outcome on the image.

    Returns True when the image is ready. Errors are recorded for curators, not raised; the
    work folders are removed whatever happens, short of this process being killed.
    """
    Image = image._meta.model  # this module imports no model: models use it

    if not force and image.processing_state == Image.Processing.READY and is_complete(image):
        return True
    # Updates skip save()'s signals; the image's queryset announces them (queryset_updating).
    started = timezone.now()
    Image.objects.filter(pk=image.pk).update(
        processing_state=Image.Processing.PROCESSING, processing_started=started
    )
    image.processing_state, image.processing_started = Image.Processing.PROCESSING, started
    checksum = image.checksum
    _remove_abandoned_work(checksum)
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
            built = build_image_files(path, renditions_work, tiles_work / "tiles")
        if local_media:
            _swap_in(renditions_work, derivative_dir(checksum))
        else:
            _upload_renditions(renditions_work, checksum)
        _swap_in(tiles_work / "tiles", tile_dir(checksum))
    except Exception as error:
        if isinstance(error, PixelWorkError):
            logger.error("Processing image %s failed: %s", image.pk, error)
        else:
            logger.exception("Processing image %s failed", image.pk)
        message = failure_sentence(image, error)
        Image.objects.filter(pk=image.pk).update(
            processing_state=Image.Processing.FAILED, processing_error=message
        )
        image.processing_state, image.processing_error = Image.Processing.FAILED, message
        return False
    finally:
        shutil.rmtree(renditions_work, ignore_errors=True)
        shutil.rmtree(tiles_work, ignore_errors=True)
    fields = {
        "renditions": built["renditions"],
        # The size of the tiles just made: the upright picture, whatever the header said.
        "width": built["width"],
        "height": built["height"],
        "processing_state": Image.Processing.READY,
        "processing_error": "",
        "processed_at": timezone.now(),
    }
    Image.objects.filter(pk=image.pk).update(**fields)
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
