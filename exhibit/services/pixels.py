"""Everything that decodes pixels: checking an upload, and making renditions and IIIF tiles.

``exhibit.services.imaging`` runs this module as a child process
(``python -m exhibit.services.pixels``) with a wall-clock limit, a cap on the memory it may
allocate and its own temporary folder. A file that is slow or costly to decode, or that makes
libvips crash, then costs one child process, never the web or task worker: on a time-out the
child is killed and the caller's temporary folders are removed with whatever it left. Limits
set inside libvips (progress callbacks, ``set_kill``) would stop only at the points libvips
reports progress, and could not bound memory at all.

The module imports libvips and the standard library only, never Django, so the child starts
in a few hundredths of a second. It prints one JSON object on standard output.

Derivatives and tiles are made with libvips, which streams large scans through small
buffers. One streaming pass over the original makes the tile pyramid; renditions and listed
sizes come from a preview assembled from the pyramid, so the scan is read once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shutil
import signal
import sys
from pathlib import Path

RENDITION_WIDTHS = (400, 800, 1600, 2400)
TILE_SIZE = 512
# The largest full-image size a level-0 client may ask for; bigger views are built from tiles.
MAX_SIZE = 2400
JPEG_OPTIONS = {"Q": 85, "keep": "none", "optimize_coding": True, "interlace": True}
# Effort 4 takes three times as long for files about 7% smaller.
WEBP_OPTIONS = {"Q": 80, "keep": "none", "effort": 2}
INFO_ID_PLACEHOLDER = "https://iiif.invalid/placeholder"
# EXIF orientations that turn the picture by a quarter: its upright width is the stored height.
QUARTER_TURNS = (5, 6, 7, 8)


def upright_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """The size of a picture as it is meant to be seen, from its stored size and orientation.

    This is the size libvips' ``autorot`` gives and so the size of every tile, rendition and
    ``info.json``: the one an image's ``width`` and ``height`` must hold.
    """
    return (height, width) if orientation in QUARTER_TURNS else (width, height)


def orientation_of(image) -> int:
    """The EXIF orientation libvips read from the file's header (1, upright, if none)."""
    return image.get("orientation") if image.get_typeof("orientation") else 1


def tile_count(width: int, height: int) -> int:
    """How many tiles the pyramid of a ``width`` × ``height`` picture holds, over all levels."""
    return sum(
        math.ceil(width / (TILE_SIZE * factor)) * math.ceil(height / (TILE_SIZE * factor))
        for factor in scale_factors(width, height)
    )


def scale_factors(width: int, height: int) -> list[int]:
    factors, factor = [1], 1
    while math.ceil(width / factor) > TILE_SIZE or math.ceil(height / factor) > TILE_SIZE:
        factor *= 2
        factors.append(factor)
    return factors


# Checking ---------------------------------------------------------------------------------


def check(source: str, expected: tuple[int, int] | None = None) -> dict:
    """Decode every pixel once, streaming, so that truncated or corrupt data is found now.

    ``source`` is a path, or ``-`` for the file's bytes on standard input. ``expected`` is
    the size Pillow read from the header: a file libvips reads as another size is refused
    before decoding, since the size limits were checked against Pillow's reading.
    """
    import pyvips

    if source == "-":
        image = pyvips.Image.new_from_buffer(
            sys.stdin.buffer.read(), "", access="sequential", fail=True
        )
    else:
        image = pyvips.Image.new_from_file(source, access="sequential", fail=True)
    if expected is not None and sorted(expected) != sorted((image.width, image.height)):
        raise pyvips.Error(
            f"header size {expected[0]}x{expected[1]} read by Pillow, "
            f"{image.width}x{image.height} by libvips"
        )
    orientation = orientation_of(image)
    image.avg()
    width, height = upright_size(image.width, image.height, orientation)
    return {"width": width, "height": height, "orientation": orientation}


# Building ---------------------------------------------------------------------------------


def _to_srgb(image):
    """``image`` as 8-bit sRGB (or grey), upright, without alpha: what visitors see."""
    import pyvips

    image = image.autorot()
    if image.get_typeof("icc-profile-data"):
        try:
            image = image.icc_transform("srgb", embedded=True, intent="perceptual")
        except pyvips.Error:
            print("Ignoring an unusable ICC profile", file=sys.stderr)
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
    orientation = orientation_of(header)
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
    factors = scale_factors(width, height)
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


def build(path: str, renditions_dir: Path, tiles_dir: Path) -> dict:
    """The tile tree into ``tiles_dir``, then renditions into ``renditions_dir``.

    Returns the renditions made and the upright size of the picture (that of the tiles).
    """
    image = _load_srgb(path)
    preview = _build_tiles(image, Path(tiles_dir))
    renditions = _build_renditions(preview, Path(renditions_dir))
    return {"renditions": renditions, "width": image.width, "height": image.height}


# The child process ------------------------------------------------------------------------


def _limit(memory: int, cpu_seconds: int) -> None:
    """Bound this process: memory it may allocate, processor time, and its parent's life."""
    import ctypes
    import resource

    # Linux: die with the parent (a web worker killed on its own time-out, say).
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    # The service manager stops a worker by signalling its whole group; the parent decides
    # whether the work in hand is finished, and kills us if not.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # RLIMIT_DATA counts the memory a process allocates (heap and private mappings), not the
    # address space merely reserved by thread stacks and malloc arenas, which varies with the
    # number of processors.
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    # A backstop should the parent die without killing us: libvips uses every core, so the
    # processor time of a run may reach its wall time times the number of cores.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exhibit.services.pixels")
    parser.add_argument("--memory", type=int, required=True, help="bytes it may allocate")
    parser.add_argument("--cpu-seconds", type=int, required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check")
    checking.add_argument("source", help="a path, or - for standard input")
    checking.add_argument("--expect", type=int, nargs=2, metavar=("WIDTH", "HEIGHT"))
    building = commands.add_parser("build")
    building.add_argument("path")
    building.add_argument("renditions_dir")
    building.add_argument("tiles_dir")
    args = parser.parse_args(argv)

    import pyvips  # before the memory limit: loading libraries is not the work we bound

    _limit(args.memory, args.cpu_seconds)
    try:
        if args.command == "check":
            result = check(args.source, tuple(args.expect) if args.expect else None)
        else:
            result = build(args.path, args.renditions_dir, args.tiles_dir)
    except MemoryError:
        result, status = {"error": "out of memory"}, 1
    except pyvips.Error as error:
        result, status = {"error": str(error).strip()}, 1
    except Exception as error:  # reported to the parent, which logs it and says what failed
        result, status = {"error": f"{type(error).__name__}: {error}"}, 1
    else:
        status = 0
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
