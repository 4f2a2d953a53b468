import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from exhibit.models import Image
from exhibit.storage import rendition_name
from tests.conftest import media_files
from tests.factories import image_bytes

ADD_URL = reverse("admin:exhibit_image_add")


def post_image(client, content, name, content_type="image/jpeg", **fields):
    data = {
        "title": "German pilots disguised as tourists",
        "slug": "german-pilots",
        "alt_text": "Men in civilian coats on a railway platform",
        "rights": "http://rightsstatements.org/vocab/CNE/1.0/",
        "original": SimpleUploadedFile(name, content, content_type=content_type),
        **fields,
    }
    return client.post(ADD_URL, data)


def png_header_only(width, height):
    """A PNG that declares huge dimensions in its header and carries almost no data."""

    def chunk(kind, payload):
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def noisy_jpeg():
    import os

    img = PILImage.frombytes("RGB", (320, 240), os.urandom(320 * 240 * 3))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


HOSTILE_UPLOADS = {
    "text renamed .jpg": (b"This is not an image at all.\n" * 20, "scan.jpg", "not a JPEG, PNG"),
    "truncated JPEG": (noisy_jpeg()[:4000], "scan.jpg", "the file is truncated"),
    "truncated PNG": (image_bytes(fmt="PNG")[:-400], "scan.png", "the file is truncated"),
    "30,000 × 30,000 PNG bomb": (
        png_header_only(30_000, 30_000),
        "bomb.png",
        "more pixels than allowed",
    ),
    "SVG": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10"/></svg>',
        "drawing.svg",
        "not a JPEG, PNG",
    ),
    "GIF": (image_bytes(fmt="GIF"), "scan.gif", "not a JPEG, PNG"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", HOSTILE_UPLOADS, ids=list(HOSTILE_UPLOADS))
def test_hostile_upload_is_refused_with_a_message_and_nothing_stored(
    case, curator_client, media_root
):
    content, name, message = HOSTILE_UPLOADS[case]
    response = post_image(curator_client, content, name)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["original"]
    assert message in " ".join(errors)
    assert name in " ".join(errors)
    assert Image.objects.count() == 0
    assert media_files(media_root) == []


@pytest.mark.django_db
def test_pixel_limit_is_a_setting_checked_from_the_header(curator_client, settings, media_root):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    response = post_image(curator_client, png_header_only(2000, 1000), "big.png", "image/png")
    errors = " ".join(response.context["adminform"].form.errors["original"])
    assert "2,000 × 1,000 pixels" in errors
    assert "limit is 1 megapixels" in errors
    assert Image.objects.count() == 0


@pytest.mark.django_db
def test_byte_limit_is_a_setting(curator_client, settings):
    settings.IMAGE_MAX_BYTES = 1000
    response = post_image(curator_client, image_bytes(size=(800, 800)), "scan.jpg")
    assert "the limit is 1000" in " ".join(response.context["adminform"].form.errors["original"])


@pytest.mark.django_db
def test_valid_upload_keeps_original_byte_for_byte_and_makes_derivatives(curator_client):
    content = image_bytes(size=(2400, 1600), fmt="PNG")
    response = post_image(curator_client, content, "galo-2176.png", "image/png")
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = Image.objects.get()
    with image.original.open("rb") as handle:
        assert handle.read() == content
    assert image.checksum == hashlib.sha256(content).hexdigest()
    assert (image.width, image.height, image.format) == (2400, 1600, "PNG")
    assert image.original_filename == "galo-2176.png"
    assert image.processing_state == Image.Processing.READY
    assert [r["width"] for r in image.renditions] == [400, 800, 1600, 2400]
    assert image.srcset.endswith("2400w")
    assert image.srcset_webp.split(", ")[0].endswith(".webp 400w")


@pytest.mark.django_db
def test_derivatives_apply_exif_orientation_and_drop_gps(curator_client, media_root):
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x8825] = {2: (52.0, 36.0, 11.0), 1: "N"}  # GPS block
    exif[0x013B] = "A. Photographer"  # Artist
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 400), (90, 80, 70)).save(buffer, "JPEG", exif=exif)
    response = post_image(curator_client, buffer.getvalue(), "rotated.jpg")
    assert response.status_code == 302
    image = Image.objects.get()
    for extension in ("jpg", "webp"):
        path = media_root / "media" / rendition_name(image.checksum, 400, extension)
        with PILImage.open(path) as display:
            assert display.size == (400, 800)  # portrait after orientation
            assert not display.getexif()
            assert "exif" not in display.info


@pytest.mark.django_db
def test_refused_replacement_keeps_the_saved_image(curator_client, media_root):
    post_image(curator_client, image_bytes(), "first.jpg")
    image = Image.objects.get()
    before = media_files(media_root)
    url = reverse("admin:exhibit_image_change", args=[image.pk])
    response = curator_client.post(
        url,
        {
            "title": "Changed title",
            "slug": image.slug,
            "alt_text": image.alt_text,
            "rights": image.rights,
            "original": SimpleUploadedFile("evil.svg", b"<svg/>", content_type="image/svg+xml"),
        },
    )
    assert response.status_code == 200
    image.refresh_from_db()
    assert image.title == "German pilots disguised as tourists"
    assert media_files(media_root) == before


@pytest.mark.django_db(transaction=True)
def test_replacing_the_file_keeps_metadata_and_removes_the_old_original(curator_client, media_root):
    post_image(curator_client, image_bytes(color=(1, 2, 3)), "first.jpg", caption="Kept")
    image = Image.objects.get()
    old_original = image.original.name
    response = curator_client.post(
        reverse("admin:exhibit_image_change", args=[image.pk]),
        {
            "title": image.title,
            "slug": image.slug,
            "alt_text": image.alt_text,
            "caption": "Kept",
            "rights": image.rights,
            "original": SimpleUploadedFile("second.png", image_bytes(fmt="PNG"), "image/png"),
        },
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.caption == "Kept"
    assert image.original_filename == "second.png"
    files = media_files(media_root)
    assert f"private/{old_original}" not in files
    assert f"private/{image.original.name}" in files
    renditions = [f for f in files if f.startswith("media/derivatives/")]
    assert len(renditions) == 2 * len(image.renditions)
    assert all(image.checksum in f for f in renditions)


@pytest.mark.django_db
def test_default_limits_admit_a_300_megapixel_scan(curator_client):
    # Header only: the size checks pass, so the refusal is for the missing data.
    response = post_image(curator_client, png_header_only(20_000, 15_000), "scan.png", "image/png")
    errors = " ".join(response.context["adminform"].form.errors["original"])
    assert "scan.png is damaged: part of its image data cannot be decoded." in errors
    assert "pixels" not in errors


@pytest.mark.django_db
def test_a_truncated_jpeg_is_described_in_a_sentence(curator_client, caplog):
    response = post_image(curator_client, noisy_jpeg()[:4000], "letter.jpg")
    assert response.context["adminform"].form.errors["original"] == [
        "letter.jpg ends before its image data does: the file is truncated, probably by an "
        "interrupted download or copy. Upload the complete file again."
    ]
    assert "VipsJpeg: premature end of JPEG image" in caplog.text  # for whoever investigates


def long_strip_png(width, height):
    """A valid greyscale PNG of ``width`` × ``height`` black pixels, written row by row: an
    8 × 40,000,000 strip deflates to 350 KB without ever being whole in memory."""

    def chunk(kind, payload):
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    compressor = zlib.compressobj(9)
    rows = b"\x00" * ((width + 1) * 1_000_000)  # filter byte and pixels, a million rows
    data = bytearray()
    for start in range(0, height, 1_000_000):
        count = min(1_000_000, height - start)
        data += compressor.compress(rows[: (width + 1) * count])
    data += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", bytes(data))
        + chunk(b"IEND", b"")
    )


@pytest.mark.django_db
def test_a_long_strip_is_refused_from_its_header_before_decoding(
    curator_client, media_root, monkeypatch
):
    from exhibit.services import imaging

    def decoding(*args, **kwargs):
        raise AssertionError("the strip was decoded")

    monkeypatch.setattr(imaging, "_run_pixels", decoding)
    content = long_strip_png(8, 40_000_000)
    with PILImage.open(io.BytesIO(content)) as strip:  # a real PNG, under the pixel limit
        assert strip.size == (8, 40_000_000)
    response = post_image(curator_client, content, "strip.png", "image/png")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["original"] == [
        "strip.png is 8 × 40,000,000 pixels: the limit for each side is 65,000 pixels; one "
        "side is 5,000,000 times the other, and the limit is 50:1. Upload a smaller copy "
        "(scaled down, or cropped or cut into parts)."
    ]
    assert Image.objects.count() == 0
    assert media_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "value", "size", "message"),
    [
        ("IMAGE_MAX_SIDE", 1500, (2000, 1000), "the limit for each side is 1,500 pixels"),
        (
            "IMAGE_MAX_ASPECT_RATIO",
            1.5,
            (2000, 1000),
            "one side is 2 times the other, and the limit is 1.5:1",
        ),
        ("IMAGE_MAX_TILES", 10, (2000, 1000), "it would make 11 zoom tiles, and the limit is 10"),
    ],
)
def test_size_limits_are_settings_checked_from_the_header(
    curator_client, settings, setting, value, size, message
):
    setattr(settings, setting, value)
    response = post_image(curator_client, png_header_only(*size), "wide.png", "image/png")
    errors = " ".join(response.context["adminform"].form.errors["original"])
    assert errors.startswith("wide.png is 2,000 × 1,000 pixels: ")
    assert message in errors
    assert Image.objects.count() == 0


@pytest.mark.django_db
def test_a_file_slow_to_check_is_refused_within_the_time_limit(curator_client, settings):
    settings.IMAGE_CHECK_TIMEOUT = 0.001  # no child process starts that fast
    response = post_image(curator_client, image_bytes(), "slow.jpg")
    assert response.context["adminform"].form.errors["original"] == [
        "slow.jpg took longer than the 0.001 seconds allowed to check, so it was refused: it "
        "is unusually slow to decode. Save it again as a JPEG or an uncompressed TIFF and "
        "upload that copy."
    ]
    assert Image.objects.count() == 0


# Content, not names: nothing uploaded can become HTML or script on our origin. -------------

HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)
# A valid GIF whose comment is a page: a browser sniffing the bytes may render it as HTML.
GIF_HTML_POLYGLOT = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00" + b"<html><script>alert(1)</script>"

MASQUERADES = {
    "HTML renamed .jpg": (HTML_PAGE, "letter.jpg", "image/jpeg"),
    "HTML renamed .png": (HTML_PAGE, "letter.png", "image/png"),
    "SVG with script": (SVG_WITH_SCRIPT, "map.svg", "image/svg+xml"),
    "SVG with script renamed .jpg": (SVG_WITH_SCRIPT, "map.jpg", "image/jpeg"),
    "GIF+HTML polyglot": (GIF_HTML_POLYGLOT, "pixel.gif", "image/gif"),
    "GIF+HTML polyglot renamed .jpg": (GIF_HTML_POLYGLOT, "pixel.jpg", "image/jpeg"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", MASQUERADES, ids=list(MASQUERADES))
def test_markup_and_polyglots_are_refused_whatever_their_name(case, curator_client, media_root):
    content, name, content_type = MASQUERADES[case]
    response = post_image(curator_client, content, name, content_type)
    errors = " ".join(response.context["adminform"].form.errors["original"])
    assert f"{name} is not a JPEG, PNG, TIFF or WebP image" in errors
    assert Image.objects.count() == 0
    assert media_files(media_root) == []


def jpeg_with_html_appended():
    """A real JPEG followed by a page: a valid image, so it is kept, and must stay inert."""
    return image_bytes(size=(300, 200)) + HTML_PAGE


@pytest.mark.django_db
def test_a_jpeg_named_html_is_stored_and_offered_as_jpg(curator_client):
    content = jpeg_with_html_appended()
    response = post_image(curator_client, content, "letter.html", "text/html")
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = Image.objects.get()
    assert image.format == "JPEG"
    assert image.original_filename == "letter_html.jpg"
    assert image.original.name.endswith("/letter_html.jpg")
    with image.original.open("rb") as handle:
        assert handle.read() == content  # kept byte for byte, markup and all

    download = curator_client.get(image.original.url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"] == 'attachment; filename="letter_html.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uploaded", "kept"),
    [
        ('"><img src=x onerror=alert(1)>.jpg', "img src_x onerror_alert(1).jpg"),
        ("scan;.jpg", "scan.jpg"),
        ("SCAN.JPEG", "SCAN.jpeg"),
        ("GALO 2176-1-1.jpg", "GALO 2176-1-1.jpg"),
        ("Липецк, 1926.jpg", "Липецк, 1926.jpg"),
        (".jpg", "original.jpg"),
        ("scan.png", "scan_png.jpg"),
    ],
)
def test_file_names_are_sanitised_and_get_the_contents_extension(curator_client, uploaded, kept):
    response = post_image(curator_client, image_bytes(), uploaded)
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = Image.objects.get()
    assert image.original_filename == kept
    stored = image.original.name.rsplit("/", 1)[-1]
    assert stored.endswith(kept.rsplit(".", 1)[-1])
    assert not set(stored) & set("<>\"';/\\")


# Orientation: one size, the upright one, everywhere. --------------------------------------


def turned(fmt, orientation=6, size=(800, 400)):
    """A picture stored ``size`` with an EXIF orientation that turns it a quarter."""
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (90, 80, 70)).save(buffer, fmt, exif=exif)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "name", "orientation"),
    [("JPEG", "rotated.jpg", 6), ("JPEG", "rotated.jpg", 8), ("PNG", "rotated.png", 6),
     ("WEBP", "rotated.webp", 6), ("TIFF", "rotated.tif", 6)],
)  # fmt: skip
def test_a_turned_photograph_has_its_upright_size_everywhere(
    curator_client, client, fmt, name, orientation
):
    from tests.admin.test_annotation_admin import image_url, note, post_json
    from tests.factories import make_block, make_exhibit, make_section

    response = post_image(curator_client, turned(fmt, orientation), name)
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = Image.objects.get()
    assert (image.width, image.height) == (400, 800)
    make_block(make_section(make_exhibit()), kind="image", image=image)

    info = client.get(reverse("exhibit:iiif_image_info", kwargs={"slug": image.slug})).json()
    assert (info["width"], info["height"]) == (400, 800)
    manifest = client.get(reverse("exhibit:image_manifest", kwargs={"slug": image.slug})).json()
    canvas = manifest["items"][0]
    assert (canvas["width"], canvas["height"]) == (400, 800)

    low = post_json(curator_client, image_url(image), note(xywh="50,600,300,150"))
    assert low.status_code == 201, low.content  # below 400: outside the stored, sideways size
    wide = post_json(curator_client, image_url(image), note(xywh="350,10,100,100"))
    assert wide.status_code == 400
    assert wide.json()["error"] == "The region runs outside the image (400 × 800)."
