"""Every kind of response carries the full set of security headers, and a strict policy."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from exhibit.models import Annotation, Block, ReviewLink, Status
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_section,
)

HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}  # as nginx says it; SecurityMiddleware trusts it


def parse_csp(value):
    directives = {}
    for part in value.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = sources
    return directives


@pytest.fixture
def site(db):
    """One published exhibit with a section, an essay, an image with tiles, an entity and
    annotations on the essay and the image."""
    image = make_image(title="Tourists", slug="tourists", archival_reference=make_reference())
    essay = make_essay(title="Lipetsk", slug="lipetsk")
    entity = make_entity(name="Lipetsk", slug="lipetsk-place")
    exhibit = make_exhibit(title="Rapallo", slug="rapallo")
    section = make_section(exhibit, title="Lipetsk", slug="lipetsk")
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    make_block(section, kind=Block.Kind.ENTITIES, entities=[entity])
    annotation = Annotation.objects.create(image=image, xywh="10,10,50,50", body="A hangar.")
    image.refresh_from_db()
    draft = make_exhibit(title="Kazan", slug="kazan", status=Status.DRAFT)
    review = ReviewLink.objects.create(
        exhibit=draft, recipient="A reader", expires_at=timezone.now() + dt.timedelta(days=7)
    )
    return {
        "review": review,
        "exhibit": exhibit,
        "section": section,
        "essay": essay,
        "image": image,
        "entity": entity,
        "annotation": annotation,
    }


def page_urls(site):
    image = site["image"]
    return {
        "home": reverse("exhibit:home"),
        "exhibit list": reverse("exhibit:exhibit_list"),
        "exhibit": site["exhibit"].get_absolute_url(),
        "section": site["section"].get_absolute_url(),
        "essay": site["essay"].get_absolute_url(),
        "image": image.get_absolute_url(),
        "entity list": reverse("exhibit:entity_list"),
        "entity": site["entity"].get_absolute_url(),
        "place list": reverse("exhibit:place_list"),
        "repository list": reverse("exhibit:repository_list"),
        "repository": image.archival_reference.repository.get_absolute_url(),
        "timeline": reverse("exhibit:timeline"),
        "map": reverse("exhibit:map"),
        "search": reverse("exhibit:search") + "?q=lipetsk",
        "review copy": site["review"].get_absolute_url(),
        "sitemap": reverse("exhibit:sitemap"),
        "feed": reverse("exhibit:exhibit_feed"),
        "robots.txt": reverse("exhibit:robots_txt"),
        "health": reverse("exhibit:healthz"),
        "admin login": reverse("admin:login"),
        "404": "/no-such-page/",
    }


def cors_urls(site):
    image = site["image"]
    info = reverse("exhibit:iiif_image_info", kwargs={"slug": image.slug})
    return {
        "IIIF info.json": info,
        "IIIF tile": info.replace("info.json", "full/max/0/default.jpg"),
        "image manifest": reverse("exhibit:image_manifest", kwargs={"slug": image.slug}),
        "exhibit manifest": reverse(
            "exhibit:exhibit_manifest", kwargs={"slug": site["exhibit"].slug}
        ),
        "annotation": reverse(
            "exhibit:annotation_detail", kwargs={"uuid": site["annotation"].uuid}
        ),
        "image annotations": reverse("exhibit:image_annotations", kwargs={"slug": image.slug}),
        "essay annotations": reverse(
            "exhibit:essay_annotations", kwargs={"slug": site["essay"].slug}
        ),
    }


def assert_security_headers(response, where):
    assert response["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains; preload"
    ), where
    assert response["X-Content-Type-Options"] == "nosniff", where
    # The review copy sends no referrer at all, so its secret URL never leaves in one.
    expected = "no-referrer" if where == "review copy" else "strict-origin-when-cross-origin"
    assert response["Referrer-Policy"] == expected, where
    assert response["X-Frame-Options"] == "DENY", where
    assert "geolocation=()" in response["Permissions-Policy"], where
    assert "camera=()" in response["Permissions-Policy"], where
    csp = parse_csp(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"], where
    assert csp["script-src"] == ["'self'"], where
    assert csp["style-src"] == ["'self'"], where
    assert csp["object-src"] == ["'none'"], where
    assert csp["base-uri"] == ["'none'"], where
    assert csp["form-action"] == ["'self'"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    for sources in csp.values():
        assert not any(s.startswith(("'unsafe", "'nonce-", "http:")) for s in sources), where


@pytest.mark.django_db
def test_every_page_type_has_the_full_header_set_and_no_nonce(client, site):
    for name, url in page_urls(site).items():
        response = client.get(url, **HTTPS)
        assert response.status_code == (404 if name == "404" else 200), name
        assert_security_headers(response, name)
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", name
        # Public pages are cacheable whole: no per-response nonce anywhere in them.
        assert b"nonce" not in response.content, name


@pytest.mark.django_db
def test_cors_endpoints_have_the_header_set_and_may_be_embedded_elsewhere(client, site):
    for name, url in cors_urls(site).items():
        response = client.get(url, **HTTPS)
        assert response.status_code == 200, name
        assert_security_headers(response, name)
        assert response["Access-Control-Allow-Origin"] == "*", name
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin", name


@pytest.mark.django_db
def test_admin_pages_have_the_policy_too(client, site, editor_client):
    for url in (reverse("admin:index"), reverse("admin:exhibit_essay_changelist")):
        response = editor_client.get(url, **HTTPS)
        assert response.status_code == 200, url
        assert_security_headers(response, url)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, settings, site):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(site["essay"].get_absolute_url())
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_map_tile_server_is_allowed_for_images_only():
    from config.settings import _origin

    assert _origin("https://tile.example.org/{z}/{x}/{y}.png") == "https://tile.example.org"
    assert _origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert _origin("/static/") is None
    assert _origin("") is None


@pytest.mark.django_db
def test_a_request_body_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = client.post(
        reverse("admin:login"), data="x" * 2000, content_type="text/plain", **HTTPS
    )
    assert response.status_code == 413
    assert "the limit is 1000" in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"
