"""Renditions are served after the visibility check of the pages that show them: public while
the image is published, under a review link while the link lives, under /preview/ for staff."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exhibit.models import Block, Image, ReviewLink, Status
from tests.factories import make_block, make_exhibit, make_image, make_section

pytestmark = pytest.mark.django_db


def kwargs_of(image, extension="jpg"):
    return {
        "checksum": image.checksum,
        "width": image.renditions[0]["width"],
        "extension": extension,
    }


def public_url(image, extension="jpg"):
    return reverse("exhibit:rendition", kwargs=kwargs_of(image, extension))


def body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def shown():
    """A published exhibit showing an image in a block."""
    image = make_image()
    exhibit = make_exhibit(status=Status.PUBLISHED)
    section = make_section(exhibit, status=Status.PUBLISHED)
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    image.refresh_from_db()
    return image


@pytest.mark.parametrize("extension", ["jpg", "webp"])
def test_a_published_image_s_rendition_is_served(client, shown, extension):
    response = client.get(public_url(shown, extension))
    assert response.status_code == 200
    assert response["Content-Type"] == f"image/{'jpeg' if extension == 'jpg' else 'webp'}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert body(response)[:3] == (b"\xff\xd8\xff" if extension == "jpg" else b"RIF")


def test_unpublishing_the_image_makes_every_rendition_url_404_at_once(client, shown):
    urls = [
        reverse(
            "exhibit:rendition",
            kwargs={"checksum": shown.checksum, "width": r["width"], "extension": ext},
        )
        for r in shown.renditions
        for ext in ("jpg", "webp")
    ]
    assert all(client.get(url).status_code == 200 for url in urls)
    Block.objects.filter(image=shown).delete()
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)


def test_a_draft_image_or_an_unknown_size_is_a_404(client, shown):
    draft = make_image()
    assert client.get(public_url(draft)).status_code == 404
    unknown = {**kwargs_of(shown), "width": 7}
    assert client.get(reverse("exhibit:rendition", kwargs=unknown)).status_code == 404


def test_pages_name_the_checked_urls_never_media(client, shown):
    page = client.get(shown.get_absolute_url()).content.decode()
    assert "/media/" not in page
    assert public_url(shown) in page


def test_an_old_media_url_moves_to_the_checked_url(client, shown):
    checksum, width = shown.checksum, shown.renditions[0]["width"]
    response = client.get(f"/media/derivatives/{checksum[:2]}/{checksum}/{width}.jpg")
    assert response.status_code == 301
    assert response["Location"] == public_url(shown)
    wrong_shard = f"/media/derivatives/zz/{checksum}/{width}.jpg"
    assert client.get(wrong_shard).status_code == 404


def test_with_accel_redirect_nginx_sends_the_file(client, shown, settings):
    settings.RENDITION_ACCEL_REDIRECT = "/_renditions/"
    checksum, width = shown.checksum, shown.renditions[0]["width"]
    response = client.get(public_url(shown, "webp"))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_renditions/{checksum[:2]}/{checksum}/{width}.webp"
    assert response["Content-Type"] == "image/webp"
    assert response.content == b""
    Block.objects.filter(image=shown).delete()
    assert client.get(public_url(shown, "webp")).status_code == 404


def test_the_page_cache_never_keeps_a_rendition_answer(client, shown, settings):
    # An X-Accel-Redirect answer is an empty 200 the page cache could keep; it must not,
    # since each one has to follow a fresh visibility check.
    settings.RENDITION_ACCEL_REDIRECT = "/_renditions/"
    settings.PAGE_CACHE_SECONDS = 600
    url = public_url(shown, "jpg")
    assert client.get(url).status_code == 200
    again = client.get(url)
    assert again.status_code == 200 and again["X-Accel-Redirect"]
    assert again.get("X-Page-Cache") != "hit"  # the image's visibility was read again


# ---------------------------------------------------------------------------- review links


@pytest.fixture
def review():
    image = make_image()
    exhibit = make_exhibit(status=Status.DRAFT)
    section = make_section(exhibit, status=Status.DRAFT)
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    link = ReviewLink.objects.create(
        exhibit=exhibit, recipient="Reader", expires_at=timezone.now() + timedelta(days=7)
    )
    image.refresh_from_db()
    return link, image


def review_url(link, image):
    return reverse("exhibit:review_rendition", kwargs={"token": link.token, **kwargs_of(image)})


def test_a_review_page_embeds_renditions_under_its_link(client, review):
    link, image = review
    section = link.exhibit.sections.get()
    page = client.get(
        reverse("exhibit:review_section", kwargs={"token": link.token, "slug": section.slug})
    ).content.decode()
    embedded = " ".join(re.findall(r'(?:src|srcset)="([^"]+)"', page))
    assert review_url(link, image) in embedded
    assert "/media/" not in page
    assert "/renditions/" not in embedded.replace(f"/review/{link.token}/renditions/", "")
    response = client.get(review_url(link, image))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # Visitors cannot fetch the draft image's renditions.
    assert client.get(public_url(image)).status_code == 404


@pytest.mark.parametrize("end", ["revoke", "publish", "expire"])
def test_a_review_rendition_dies_with_its_link(client, review, end):
    link, image = review
    assert client.get(review_url(link, image)).status_code == 200
    if end == "revoke":
        link.revoke()
    elif end == "publish":
        link.exhibit.status = Status.PUBLISHED
        link.exhibit.save()
    else:
        ReviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get(review_url(link, image)).status_code == 404


def test_a_review_link_opens_only_its_exhibit_s_images(client, review):
    link, _ = review
    other = make_image()
    assert client.get(review_url(link, other)).status_code == 404
    make_exhibit(status=Status.DRAFT, cover_image=other)
    assert client.get(review_url(link, other)).status_code == 404
    link.exhibit.cover_image = other
    link.exhibit.save()
    assert client.get(review_url(link, other)).status_code == 200


# ---------------------------------------------------------------------------- staff preview


def test_staff_preview_renditions_need_the_view_permission(client, curator):
    image = make_image()
    url = reverse("exhibit:preview_rendition", kwargs=kwargs_of(image))
    assert client.get(url).status_code == 404
    client.force_login(curator)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("exhibit:preview_image", kwargs={"slug": image.slug}))
    assert url in page.content.decode()


def test_the_admin_thumbnail_is_the_preview_url(curator_client):
    image = make_image()
    page = curator_client.get(reverse("admin:exhibit_image_changelist")).content.decode()
    assert reverse("exhibit:preview_rendition", kwargs=kwargs_of(image)) in page
    assert Image.objects.filter(pk=image.pk, visible_from__isnull=True).exists()


def test_with_accel_redirect_review_answers_go_through_the_private_location(
    client, review, settings
):
    # nginx's add_header replaces Django's headers on the file it sends: review and preview
    # answers use a location of their own that says noindex and no-referrer (deploy/nginx).
    settings.RENDITION_ACCEL_REDIRECT = "/_renditions/"
    link, image = review
    checksum, width = image.checksum, image.renditions[0]["width"]
    response = client.get(review_url(link, image))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == (
        f"/_renditions-private/{checksum[:2]}/{checksum}/{width}.jpg"
    )
