"""The image pipeline: colour, orientation, odd pixel formats, and interruption."""

import io
import os
import time

import pytest
import pyvips
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image as PILImage

from exhibit.models import Image
from exhibit.services import imaging
from tests.factories import image_bytes, make_image


def vips_bytes(image, suffix=".jpg[Q=95]"):
    return image.write_to_buffer(suffix)


def solid_red(width=64, height=64):
    red = pyvips.Image.black(width, height, bands=3) + [255, 0, 0]  # noqa: RUF005 (adds pixels)
    return red.cast("uchar").copy(interpretation="srgb")


def rendition_pixel(image, extension="jpg"):
    path = imaging.derivative_dir(image.checksum) / f"{image.renditions[0]['width']}.{extension}"
    with PILImage.open(path) as picture:
        return picture.convert("RGB").getpixel((5, 5)), picture.info


def near(pixel, expected, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.mark.django_db
def test_embedded_icc_profile_is_converted_to_srgb():
    # Pure sRGB red written in Display P3 numbers (about 234, 51, 35) with the P3 profile.
    p3 = solid_red().icc_transform("p3", input_profile="srgb", embedded=False)
    image = make_image(original=ContentFile(vips_bytes(p3), name="p3.jpg"))
    pixel, info = rendition_pixel(image)
    assert near(pixel, (255, 0, 0)), pixel
    assert "icc_profile" not in info


@pytest.mark.django_db
def test_cmyk_scan_becomes_srgb():
    cmyk = pyvips.Image.new_from_buffer(
        vips_bytes(solid_red().icc_transform("cmyk", input_profile="srgb", embedded=False)), ""
    )
    # Pure red does not survive a trip through CMYK; compare with libvips' own conversion.
    reference = cmyk.icc_transform("srgb", embedded=True, intent="perceptual").getpoint(5, 5)
    image = make_image(original=ContentFile(vips_bytes(cmyk), name="cmyk.jpg"))
    pixel, _ = rendition_pixel(image)
    assert near(pixel, reference, tolerance=6), (pixel, reference)
    assert not near(pixel, (0, 255, 255), tolerance=60)  # not CMYK numbers read as RGB


@pytest.mark.django_db
def test_sixteen_bit_tiff_and_transparent_png_are_processed():
    deep = pyvips.Image.black(300, 200, bands=3) + [40000, 20000, 0]  # noqa: RUF005
    deep = deep.cast("ushort")
    deep = deep.copy(interpretation="rgb16")
    tiff = make_image(original=ContentFile(vips_bytes(deep, ".tif"), name="deep.tif"))
    assert tiff.processing_state == Image.Processing.READY
    assert tiff.format == "TIFF"
    buffer = io.BytesIO()
    PILImage.new("RGBA", (300, 200), (0, 0, 0, 0)).save(buffer, "PNG")
    png = make_image(original=ContentFile(buffer.getvalue(), name="clear.png"))
    pixel, _ = rendition_pixel(png)
    assert pixel == (255, 255, 255)  # transparency flattened onto white, not black


@pytest.mark.django_db
def test_small_originals_are_never_upscaled():
    buffer = io.BytesIO()
    PILImage.new("RGB", (250, 100), (10, 20, 30)).save(buffer, "PNG")
    image = make_image(original=ContentFile(buffer.getvalue(), name="small.png"))
    assert image.renditions == [{"width": 250, "height": 100}]


def work_left_behind():
    """Temporary folders of image processing still on disk (tiles, renditions, libvips')."""
    roots = [imaging.derivatives_root(), imaging.tiles_root()]
    return [p for root in roots if root.exists() for p in root.glob("**/.tmp-*")] + [
        p for root in roots if root.exists() for p in root.glob("**/.vips-*")
    ]


def damage_original(image):
    """Overwrite the stored original with something that is not an image any more."""
    with open(image.original.path, "wb") as handle:
        handle.write(b"Overwritten by a disk error.\n" * 100)


def noisy_jpeg(size=(640, 480)):
    import os

    buffer = io.BytesIO()
    PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_failure_is_recorded_for_curators_not_raised():
    image = make_image(original=ContentFile(noisy_jpeg(), name="scan.jpg"))
    damage_original(image)
    assert not imaging.process_image(image, force=True)
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.FAILED
    assert image.processing_error == (
        "scan.jpg is damaged: part of its image data cannot be decoded. Check the file in an "
        "image viewer, and upload a good copy."
    )
    assert not work_left_behind()


@pytest.mark.django_db
def test_processing_past_its_time_limit_is_stopped_and_recorded(settings):
    image = make_image()
    settings.IMAGE_PROCESS_TIMEOUT = 0.001  # no child process starts that fast
    assert not imaging.process_image(image, force=True)
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.FAILED
    assert image.processing_error.startswith(
        "Making the zoomable tiles took longer than the 0.001 seconds allowed, so it was stopped."
    )
    assert not work_left_behind()
    assert imaging.is_complete(image)  # the files of the last good run are still served


@pytest.mark.django_db
def test_processing_beyond_its_memory_limit_is_stopped_and_recorded(settings):
    image = make_image()
    settings.IMAGE_PROCESS_MEMORY = 1  # every allocation libvips makes fails
    assert not imaging.process_image(image, force=True)
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.FAILED
    assert "more than the 1\xa0byte of memory allowed" in image.processing_error
    assert not work_left_behind()


@pytest.mark.django_db
def test_a_missing_original_is_said_plainly():
    image = make_image()
    image.original.storage.delete(image.original.name)
    assert not imaging.process_image(image, force=True)
    assert image.processing_error == (
        "The original file is missing from storage, so nothing could be made from it. Upload "
        "the file again."
    )


@pytest.mark.django_db
def test_an_unexpected_error_is_logged_not_shown(monkeypatch, caplog):
    image = make_image()

    def disk_error(*args, **kwargs):
        raise RuntimeError("simulated internal failure")

    monkeypatch.setattr(imaging, "build_image_files", disk_error)
    assert not imaging.process_image(image, force=True)
    assert "simulated" not in image.processing_error
    assert "failed unexpectedly (the details are in the server log)" in image.processing_error
    assert "simulated internal failure" in caplog.text
    assert not work_left_behind()


@pytest.mark.django_db
def test_interrupted_rebuild_keeps_the_old_files_and_a_rerun_completes(monkeypatch, capsys):
    image = make_image()
    info = imaging.tile_dir(image.checksum) / "info.json"
    before = info.read_text()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(imaging, "build_image_files", interrupted)
    with pytest.raises(KeyboardInterrupt):
        imaging.process_image(image, force=True)
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.PROCESSING
    assert info.read_text() == before  # the complete old set is still in place
    assert not work_left_behind()
    # What a killed worker leaves: nothing could remove its folder.
    killed = imaging.tile_dir(image.checksum).parent / f".tmp-{image.checksum}-killed"
    (killed / "tiles").mkdir(parents=True)

    monkeypatch.undo()
    call_command("rebuild_images")
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.READY
    assert imaging.is_complete(image)
    assert not work_left_behind()
    assert "Removed 1 folder(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_processing_removes_only_work_folders_older_than_any_run(settings):
    image = make_image()
    parent = imaging.tile_dir(image.checksum).parent
    abandoned, running = (parent / f".tmp-{image.checksum}-{n}" for n in ("old", "new"))
    for folder in (abandoned, running):
        (folder / "tiles").mkdir(parents=True)
    long_ago = time.time() - settings.IMAGE_PROCESS_TIMEOUT - imaging.STARTUP_ALLOWANCE - 1
    os.utime(abandoned, (long_ago, long_ago))
    assert imaging.process_image(image, force=True)
    assert not abandoned.exists()
    assert running.exists()  # may be another worker's run of the same image, still going


@pytest.mark.django_db
def test_rebuild_skips_complete_images_unless_forced(capsys):
    make_image()
    call_command("rebuild_images")
    assert "Rebuilt 0 image(s); 1 already complete; 0 failed." in capsys.readouterr().out
    call_command("rebuild_images", "--force")
    assert "Rebuilt 1 image(s); 0 already complete; 0 failed." in capsys.readouterr().out


@pytest.mark.django_db
def test_rebuild_restores_deleted_tiles(capsys):
    image = make_image()
    imaging.remove_files_for(image.checksum)
    call_command("rebuild_images", "--dry-run")
    assert f"Would rebuild {image.slug}" in capsys.readouterr().out
    call_command("rebuild_images")
    assert imaging.is_complete(image)


# Migration image_upright_size ---------------------------------------------------------------


def turned_jpeg(size=(800, 400), orientation=6, fmt="JPEG"):
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (90, 80, 70)).save(buffer, fmt, exif=exif)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_turned_photographs_their_upright_size_and_keeps_notes_in_place(
    settings,
):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph  # by name: migrations are renumbered when branches merge
    target = next(
        k for k in graph.nodes if k[0] == "exhibit" and k[1].endswith("_image_upright_size")
    )
    before = [p.key for p in graph.node_map[target].parents if p.key[0] == "exhibit"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldImage = old.get_model("exhibit", "Image")
    originals = {
        "turned": turned_jpeg(),  # stored as its header reads: 800 × 400, sideways
        "tiff": turned_jpeg(fmt="TIFF"),  # Pillow turned TIFFs itself: 400 × 800, right
        "plain": image_bytes(size=(800, 400)),
    }
    images = {}
    for n, (label, content) in enumerate(originals.items()):
        name = f"originals/{n:02d}/{label}/{label}.jpg"
        path = settings.PRIVATE_ROOT / name
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        size = (400, 800) if label == "tiff" else (800, 400)
        images[label] = OldImage.objects.create(
            title=label, slug=label, original=name, checksum=f"{n:064d}", format="JPEG",
            width=size[0], height=size[1], alt_text=label, processing_state="ready",
        )  # fmt: skip
    images["missing"] = OldImage.objects.create(
        title="missing", slug="missing", original="originals/gone/gone.jpg", checksum="9" * 64,
        width=800, height=400, alt_text="missing",
    )  # fmt: skip
    now = timezone.now()
    for image in images.values():
        old.get_model("exhibit", "HistoricalImage").objects.create(
            id=image.pk, title=image.title, slug=image.slug, original=image.original.name,
            checksum=image.checksum, width=image.width, height=image.height, alt_text="x",
            rights=image.rights, history_date=now, history_type="+", created=now,
            modified=now,
        )  # fmt: skip
    Note = old.get_model("exhibit", "Annotation")
    # Drawn on the upright panel, recorded in pixels of the sideways size: a quarter in from
    # the left and from the top, half as wide and half as high as the picture.
    drawn = {"xywh": "200,100,400,200", "polygon": [[200, 100], [600, 100], [400, 300]]}
    turned_note = Note.objects.create(image=images["turned"], **drawn)
    plain_note = Note.objects.create(image=images["plain"], **drawn)
    old.get_model("exhibit", "HistoricalAnnotation").objects.create(
        id=turned_note.pk, uuid=turned_note.uuid, image_id=images["turned"].pk,
        history_date=now, history_type="+", created=now, modified=now, **drawn,
    )  # fmt: skip

    executor.loader.build_graph()
    executor.migrate([target])
    new = executor.loader.project_state([target]).apps
    sizes = dict(new.get_model("exhibit", "Image").objects.values_list("slug", "width"))
    heights = dict(new.get_model("exhibit", "Image").objects.values_list("slug", "height"))
    assert {slug: (sizes[slug], heights[slug]) for slug in sizes} == {
        "turned": (400, 800),
        "tiff": (400, 800),
        "plain": (800, 400),
        "missing": (800, 400),  # no original to read: left as it was
    }
    versions = new.get_model("exhibit", "HistoricalImage").objects
    assert (versions.get(slug="turned").width, versions.get(slug="turned").height) == (400, 800)
    upright = {"xywh": "100,200,200,400", "polygon": [[100, 200], [300, 200], [200, 600]]}
    for model in ("Annotation", "HistoricalAnnotation"):
        note = new.get_model("exhibit", model).objects.get(image_id=images["turned"].pk)
        assert {"xywh": note.xywh, "polygon": note.polygon} == upright
    plain = new.get_model("exhibit", "Annotation").objects.get(pk=plain_note.pk)
    assert {"xywh": plain.xywh, "polygon": plain.polygon} == drawn

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
