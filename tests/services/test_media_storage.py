"""Public media on S3-compatible storage: uploads and renditions through the storage API.

moto stands in for the bucket in this process, so no network is used; the code path is the
one production takes with ``MEDIA_STORAGE=s3``.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from exhibit.services import imaging
from exhibit.storage import media_is_local, safe_media_headers
from tests.factories import image_bytes, make_exhibit, make_image

moto = pytest.importorskip("moto")
BUCKET = "exhibit-media-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.AWS_STORAGE_BUCKET_NAME = BUCKET
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.AWS_QUERYSTRING_AUTH = False
        settings.AWS_S3_FILE_OVERWRITE = False
        settings.AWS_S3_CUSTOM_DOMAIN = "media.exhibit.example.org"
        settings.AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=86400"}
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "exhibit.storage_s3.PublicMediaS3Storage"},
        }
        yield client


def keys(client):
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.mark.django_db
def test_renditions_are_uploaded_to_the_bucket_with_image_types(s3, media_root):
    assert not media_is_local()
    image = make_image(original=ContentFile(image_bytes(size=(900, 600)), name="scan.jpg"))
    assert image.is_ready, image.processing_error
    checksum = image.checksum
    assert keys(s3) == [
        f"derivatives/{checksum[:2]}/{checksum}/{width}.{ext}"
        for width in (400, 800)
        for ext in ("jpg", "webp")
    ]
    head = s3.head_object(Bucket=BUCKET, Key=f"derivatives/{checksum[:2]}/{checksum}/800.webp")
    assert head["ContentType"] == "image/webp"
    assert "ContentDisposition" not in head
    assert head["CacheControl"] == "public, max-age=86400"
    # Nothing public was written locally; tiles stay under PRIVATE_ROOT.
    assert not (media_root / "media" / "derivatives").exists()
    assert (imaging.tile_dir(checksum) / "info.json").exists()
    assert imaging.is_complete(image)


@pytest.mark.django_db
def test_pages_link_checked_renditions_streamed_from_the_bucket(s3, client, settings):
    """Pages never name the bucket: renditions come through Django's visibility check, which
    streams them from the bucket (so the bucket itself may stay private)."""
    settings.RENDITION_ACCEL_REDIRECT = "/_renditions/"  # only for local media: ignored here
    image = make_image(original=ContentFile(image_bytes(size=(900, 600)), name="scan.jpg"))
    exhibit = make_exhibit(cover_image=image)
    url = image.thumbnail["url"]
    assert url.startswith("/renditions/")
    html = client.get(image.get_absolute_url()).content.decode()
    assert url in html and "media.exhibit.example.org" not in html
    response = client.get(url)
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    key = f"derivatives/{image.checksum[:2]}/{image.checksum}/400.jpg"
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert b"".join(response.streaming_content) == stored
    exhibit.delete()
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_replacing_or_rebuilding_replaces_files_in_place(s3):
    image = make_image(original=ContentFile(image_bytes(size=(900, 600)), name="scan.jpg"))
    before = keys(s3)
    assert imaging.process_image(image, force=True)
    assert keys(s3) == before  # same names, no "_abc1234" copies beside them
    imaging.remove_files_for(image.checksum)
    assert keys(s3) == []
    assert not imaging.is_complete(image)


@pytest.mark.django_db
def test_the_bucket_never_serves_markup(s3):
    name = default_storage.save("uploads/page.html", ContentFile(b"<script>alert(1)</script>"))
    head = s3.head_object(Bucket=BUCKET, Key=name)
    assert head["ContentType"] == "application/octet-stream"
    assert head["ContentDisposition"] == "attachment"
    svg = default_storage.save("uploads/logo.svg", ContentFile(b"<svg onload='x()'/>"))
    assert s3.head_object(Bucket=BUCKET, Key=svg)["ContentType"] == "application/octet-stream"


@pytest.mark.django_db
def test_healthz_probes_the_bucket(s3, client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"]["status"] == "ok"
    assert keys(s3) == []


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("a/400.jpg", {"ContentType": "image/jpeg"}),
        ("a/400.WEBP", {"ContentType": "image/webp"}),
        (
            "a/x.svg",
            {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"},
        ),
        (
            "a/x.html",
            {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"},
        ),
        (
            "a/x.txt",
            {"ContentType": "text/plain; charset=utf-8", "ContentDisposition": "attachment"},
        ),
        (
            "a/noext",
            {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"},
        ),
    ],
)
def test_safe_media_headers(name, headers):
    assert safe_media_headers(name) == headers
