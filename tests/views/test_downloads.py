"""Visitors download an original only when it is published and its rights allow."""

import io

import pytest
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from PIL import Image as PILImage

from exhibit.models import Rights, Status
from tests.factories import image_bytes, make_exhibit, make_image


def download_url(image):
    return reverse("exhibit:image_original", kwargs={"slug": image.slug})


def published_image(**kwargs):
    image = make_image(**kwargs)
    make_exhibit(cover_image=image)
    return image


def webp_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 200), (30, 60, 90)).save(buffer, "WEBP")
    return buffer.getvalue()


FORMATS = {
    "JPEG": (lambda: image_bytes(fmt="JPEG"), "scan.jpg", "image/jpeg"),
    "PNG": (lambda: image_bytes(fmt="PNG"), "GALO 2176-1-1.png", "image/png"),
    "TIFF": (lambda: image_bytes(fmt="TIFF"), "rgva_33987.tif", "image/tiff"),
    "WEBP": (webp_bytes, "scan.webp", "image/webp"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_downloadable_published_original_is_served_byte_for_byte(client, fmt):
    make_content, filename, content_type = FORMATS[fmt]
    content = make_content()
    image = published_image(rights=Rights.CC0, original=ContentFile(content, name=filename))
    response = client.get(download_url(image))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Content-Length"] == str(len(content))
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_non_ascii_file_name_is_encoded_for_the_header(client):
    image = published_image(
        allow_download=True, original=ContentFile(image_bytes(), name="Липецк.jpg")
    )
    response = client.get(download_url(image))
    assert response.status_code == 200
    assert "filename*=utf-8''%D0%9B%D0%B8%D0%BF" in response["Content-Disposition"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rights", "allow_download"),
    [(Rights.IN_COPYRIGHT, None), (Rights.NOT_EVALUATED, None), (Rights.CC0, False)],
    ids=["in copyright", "not evaluated", "open rights but refused"],
)
def test_an_original_that_may_not_be_downloaded_is_404(client, rights, allow_download):
    image = published_image(rights=rights, allow_download=allow_download)
    assert client.get(download_url(image)).status_code == 404


@pytest.mark.django_db
def test_allowing_the_download_overrides_closed_rights(client):
    image = published_image(rights=Rights.IN_COPYRIGHT, allow_download=True)
    assert client.get(download_url(image)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW])
def test_an_unpublished_original_is_404_even_if_downloadable(client, status):
    image = make_image(rights=Rights.CC0, allow_download=True)
    make_exhibit(cover_image=image, status=status)
    assert client.get(download_url(image)).status_code == 404


@pytest.mark.django_db
def test_an_unknown_slug_is_404(client):
    assert client.get("/images/no-such-image/original").status_code == 404


@pytest.mark.django_db
def test_a_missing_file_is_404_not_a_server_error(client):
    image = published_image(rights=Rights.CC0)
    image.original.storage.delete(image.original.name)
    assert client.get(download_url(image)).status_code == 404


@pytest.mark.django_db
def test_only_get_and_head_are_allowed(client):
    image = published_image(rights=Rights.CC0)
    assert client.head(download_url(image)).status_code == 200
    assert client.post(download_url(image)).status_code == 405


@pytest.mark.django_db
def test_image_page_links_the_download_with_size_and_format(client):
    content = image_bytes(size=(1200, 800), fmt="PNG")
    image = published_image(rights=Rights.CC0, original=ContentFile(content, name="a.png"))
    html = client.get(image.get_absolute_url()).content.decode()
    assert f'href="{download_url(image)}"' in html
    assert "Download original (1200 × 800 px, PNG, " in html


@pytest.mark.django_db
def test_image_page_has_no_download_link_when_not_downloadable(client):
    image = published_image(rights=Rights.IN_COPYRIGHT)
    html = client.get(image.get_absolute_url()).content.decode()
    assert download_url(image) not in html
    assert "Download original" not in html


@pytest.mark.django_db
def test_staff_preview_links_the_original_through_the_admin(curator_client):
    image = make_image(rights=Rights.CC0)
    html = curator_client.get(image.get_preview_url()).content.decode()
    assert f'href="{image.original.url}"' in html
    assert curator_client.get(image.original.url).status_code == 200


@pytest.mark.django_db
def test_a_jpeg_carrying_markup_is_downloaded_as_an_inert_jpeg(client):
    """A valid JPEG with a page appended stays byte for byte, but never renders as HTML."""
    content = image_bytes() + b"<html><script>alert(document.cookie)</script></html>"
    image = published_image(rights=Rights.CC0, original=ContentFile(content, name="page.html"))
    response = client.get(download_url(image))
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="page_html.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"


# With DOWNLOAD_ACCEL_REDIRECT: Django checks, nginx sends the bytes ----------------------------


@pytest.mark.django_db
def test_with_accel_redirect_nginx_sends_the_file_with_django_s_headers(client, settings):
    settings.DOWNLOAD_ACCEL_REDIRECT = "/_originals/"
    content = image_bytes(fmt="PNG")
    image = published_image(
        rights=Rights.CC0, original=ContentFile(content, name="GALO 2176-1-1 Липецк.png")
    )
    response = client.get(download_url(image))
    assert response.status_code == 200
    assert not response.streaming
    assert response.content == b""  # nginx sends the body
    relative = image.original.name.removeprefix("originals/")
    assert response["X-Accel-Redirect"] == "/_originals/" + (
        relative.replace(" ", "%20").replace("Липецк", "%D0%9B%D0%B8%D0%BF%D0%B5%D1%86%D0%BA")
    )
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''GALO%202176-1-1%20%D0%9B%D0%B8%D0%BF%D0%B5%D1%86%D0%BA.png"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response and "Referrer-Policy" in response


@pytest.mark.django_db
def test_with_accel_redirect_the_checks_still_come_first(client, settings):
    settings.DOWNLOAD_ACCEL_REDIRECT = "/_originals/"
    closed = published_image(rights=Rights.IN_COPYRIGHT)
    draft = make_image(rights=Rights.CC0)
    make_exhibit(cover_image=draft, status=Status.DRAFT)
    missing = published_image(rights=Rights.CC0)
    missing.original.storage.delete(missing.original.name)
    for image in (closed, draft, missing):
        response = client.get(download_url(image))
        assert response.status_code == 404
        assert "X-Accel-Redirect" not in response


@pytest.mark.django_db
def test_an_original_without_a_local_path_is_streamed_even_with_accel_redirect(
    client, settings, monkeypatch
):
    """A storage without paths (a bucket) keeps streaming through Django, as before."""
    settings.DOWNLOAD_ACCEL_REDIRECT = "/_originals/"
    content = image_bytes()
    image = published_image(rights=Rights.CC0, original=ContentFile(content, name="scan.jpg"))

    def no_path(field_file):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    monkeypatch.setattr(FieldFile, "path", property(no_path))
    response = client.get(download_url(image))
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="scan.jpg"'
