"""Images hold their upright size; processing records when it started.

Until now an image's ``width`` and ``height`` were read by Pillow from the header, before
the EXIF orientation: a photograph with orientation 5 to 8 (turned a quarter) was recorded as,
say, 1200 × 600 while its tiles, ``info.json`` and renditions, rotated by libvips, are
600 × 1200. Those images get the upright size, read again from the original's header by
libvips, the library that rotates the pixels; versions in the history of the same original
are corrected with them. An original that is missing or unreadable is left as it is (its
image is reprocessed, or replaced, by hand), and so is every image whose size is already
upright (TIFFs were: Pillow turns their size itself).

Region notes on those images. The admin's region panel shows the upright rendition and turns
a pointer position into pixels by scaling by the *recorded* size over the shown size, and the
page's outline is drawn in percent of the recorded size: a note's ``xywh`` was therefore a
fraction of the wrong size, drawn where the curator drew it on the panel and the page, but in
the wrong place in the deep-zoom viewer and the IIIF manifest, which place it in pixels of
the tiles (and it was validated against the wrong bounds). Each note keeps its fractions:
``x`` and ``w`` are scaled by upright width over recorded width, ``y`` and ``h`` by upright
height over recorded height, the outline's points likewise, and its previous versions too
(a version made against an earlier original was already flagged for review when the file
was replaced). It then stays where its curator put it, and the viewer and manifest agree.
"""

import logging
import re
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

logger = logging.getLogger(__name__)

QUARTER_TURNS = (5, 6, 7, 8)
XYWH = re.compile(r"^(\d+),(\d+),(\d+),(\d+)$")


def header_size(name):
    """``(raw width, raw height, upright width, upright height)`` of a stored original, or None."""
    import pyvips

    path = Path(settings.PRIVATE_ROOT) / name
    if not name or not path.is_file():
        return None
    try:
        header = pyvips.Image.new_from_file(str(path))  # reads the header only
    except pyvips.Error:
        logger.warning("Cannot read the header of %s; its recorded size is kept", name)
        return None
    orientation = header.get("orientation") if header.get_typeof("orientation") else 1
    if orientation in QUARTER_TURNS:
        return header.width, header.height, header.height, header.width
    return header.width, header.height, header.width, header.height


def _scaled_span(start, length, factor, limit):
    first = min(round(start * factor), limit - 1)
    last = min(round((start + length) * factor), limit)
    return first, max(last - first, 1)


def upright_region(xywh, polygon, recorded, upright):
    """``xywh`` and ``polygon`` from fractions of the ``recorded`` size to the same fractions
    of the ``upright`` size."""
    kx, ky = upright[0] / recorded[0], upright[1] / recorded[1]
    match = XYWH.match(xywh or "")
    if match:
        x, y, w, h = map(int, match.groups())
        x, w = _scaled_span(x, w, kx, upright[0])
        y, h = _scaled_span(y, h, ky, upright[1])
        xywh = f"{x},{y},{w},{h}"
    if isinstance(polygon, list):
        polygon = [
            [_number(p[0] * kx), _number(p[1] * ky)]
            if isinstance(p, list) and len(p) == 2 and all(isinstance(v, int | float) for v in p)
            else p
            for p in polygon
        ]
    return xywh, polygon


def _number(value):
    value = round(value, 2)
    return int(value) if value == int(value) else value


def _rescale_notes(notes, recorded, upright, done):
    for note in notes.exclude(xywh="").exclude(pk__in=done):
        xywh, polygon = upright_region(note.xywh, note.polygon, recorded, upright)
        # A queryset update: saving would render the body again and write a version.
        notes.model.objects.filter(pk=note.pk).update(xywh=xywh, polygon=polygon)
        done.add(note.pk)


def upright_sizes(apps, schema_editor):
    Image = apps.get_model("exhibit", "Image")
    HistoricalImage = apps.get_model("exhibit", "HistoricalImage")
    Annotation = apps.get_model("exhibit", "Annotation")
    HistoricalAnnotation = apps.get_model("exhibit", "HistoricalAnnotation")
    names = set(Image.objects.exclude(original="").values_list("original", flat=True))
    names |= set(HistoricalImage.objects.exclude(original="").values_list("original", flat=True))
    existing = set(Image.objects.values_list("pk", flat=True))
    versions_done = set()  # an image replaced by another rotated original comes up twice
    for name in sorted(names):
        size = header_size(name)
        if size is None:
            continue
        raw_w, raw_h, up_w, up_h = size
        if (raw_w, raw_h) == (up_w, up_h):
            continue
        # Only rows holding the raw size: one already upright (reprocessed) is left alone.
        stale = {"original": name, "width": raw_w, "height": raw_h}
        live = set(Image.objects.filter(**stale).values_list("pk", flat=True))
        deleted = set(HistoricalImage.objects.filter(**stale).values_list("id", flat=True))
        deleted -= existing
        recorded, upright = (raw_w, raw_h), (up_w, up_h)
        _rescale_notes(Annotation.objects.filter(image_id__in=live), recorded, upright, set())
        _rescale_notes(
            HistoricalAnnotation.objects.filter(image_id__in=live | deleted),
            recorded, upright, versions_done,
        )  # fmt: skip
        Image.objects.filter(**stale).update(width=up_w, height=up_h)
        HistoricalImage.objects.filter(**stale).update(width=up_w, height=up_h)


class Migration(migrations.Migration):
    dependencies = [
        ("exhibit", "0015_link_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="processing_started",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="processing started"
            ),
        ),
        migrations.RunPython(upright_sizes, migrations.RunPython.noop, elidable=True),
    ]
