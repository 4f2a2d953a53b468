"""Numbers in public URLs: what is not a number we can use is a 400 or 404, never a 500.

``str.isdigit()`` accepts digits ``int()`` refuses (``"²"``), and a path built from a number of
any length can be too long for the file system; PostgreSQL refuses integers beyond bigint and
strings holding NUL. Each case here failed with a server error before the numbers in URLs were
read by one strict parser (``exhibit.params``).
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_block, make_essay, make_exhibit, make_image, make_section

HUGE = "9" * 300


@pytest.fixture
def client():
    # An exception in a view is the answer a visitor gets: a 500, not an error in the test.
    return Client(raise_request_exception=False)


def published(**blocks):
    section = make_section(make_exhibit())
    for kind, target in blocks.items():
        make_block(section, kind=kind, **{kind: target})
    return section


@pytest.fixture
def image(db):
    image = make_image(slug="hangar")
    published(image=image)
    return image


@pytest.fixture
def essay(db):
    essay = make_essay(slug="tank-school")
    published(essay=essay)
    return essay


# IIIF Image API: {region}/{size}/{rotation}/{quality}.{format} --------------------------------

HUGE_REGIONS = [
    f"{HUGE},0,1,1",
    f"0,{HUGE},1,1",
    f"0,0,{HUGE},1",
    f"0,0,1,{HUGE}",
    f"pct:{HUGE},0,1,1",
    f"pct:0,0,1,{HUGE}",
]
HUGE_SIZES = [
    f"{HUGE},",
    f",{HUGE}",
    f"{HUGE},1",
    f"1,{HUGE}",
    f"!{HUGE},1",
    f"!1,{HUGE}",
    f"^{HUGE},",
    f"^,{HUGE}",
    f"^{HUGE},1",
    f"^1,{HUGE}",
    f"^!{HUGE},1",
    f"pct:{HUGE}",
    f"^pct:{HUGE}",
]


# Each test makes one image (its tiles take a while) and asks every case of it.


def test_iiif_numbers_no_image_could_have_are_bad_requests(client, image):
    paths = (
        [f"{region}/max/0/default.jpg" for region in HUGE_REGIONS]
        + [f"full/{size}/0/default.jpg" for size in HUGE_SIZES]
        + [f"{HUGE},0,1,1/{HUGE},1/0/default.jpg", f"full/max/{HUGE}/default.jpg"]
    )
    for path in paths:
        response = client.get(f"/iiif/images/{image.slug}/{path}")
        assert response.status_code == 400, path
        assert response["Access-Control-Allow-Origin"] == "*"


def test_iiif_requests_outside_the_syntax_are_bad_requests(client, image):
    for path in [
        "²,0,1,1/max/0/default.jpg",
        "0,0,٣,1/max/0/default.jpg",
        "full/①,1/0/default.jpg",
        "full/1,²/0/default.jpg",
        "abc/max/0/default.jpg",
        "0,0,1/max/0/default.jpg",
        "-1,0,1,1/max/0/default.jpg",
        "0,0,0,1/max/0/default.jpg",
        "full/0,1/0/default.jpg",
        "full/!1,/0/default.jpg",
        "full/,/0/default.jpg",
        "full/pct:0/0/default.jpg",
        "full/pct:101/0/default.jpg",
        "full/1.5,1/0/default.jpg",
        "full/max/361/default.jpg",
        "full/max/²/default.jpg",
        "full/max/0/fancy.jpg",
        "full/max/0/default.exe",
    ]:
        assert client.get(f"/iiif/images/{image.slug}/{path}").status_code == 400, path


def test_iiif_requests_level_0_does_not_serve_stay_404(client, image):
    for path in [
        "square/max/0/default.jpg",
        "pct:0,0,50,50/max/0/default.jpg",
        "full/^max/0/default.jpg",
        "full/150,/0/default.jpg",
        "full/,100/0/default.jpg",
        "full/!150,100/0/default.jpg",
        "full/pct:50/0/default.jpg",
        "full/max/!0/default.jpg",
        "full/max/90.5/default.jpg",
        "full/max/0/gray.png",
        "0,0,999999999,1/max/0/default.jpg",
        "full/999999999,999999999/0/default.jpg",
    ]:
        assert client.get(f"/iiif/images/{image.slug}/{path}").status_code == 404, path
    assert client.get(f"/iiif/images/{image.slug}/full/max/0/default.jpg").status_code == 200


def test_iiif_bad_request_says_so_whatever_the_image(client, db):
    # The syntax is checked first: the answer tells nothing about which images exist.
    assert client.get(f"/iiif/images/no-such-image/full/{HUGE},1/0/default.jpg").status_code == 400
    assert client.get("/iiif/images/no-such-image/full/max/0/default.jpg").status_code == 404


# W3C annotation containers: ?page=N ----------------------------------------------------------


def test_annotation_container_pages_that_are_not_numbers_are_404(client, essay, image):
    for url in (
        reverse("exhibit:essay_annotations", kwargs={"slug": essay.slug}),
        reverse("exhibit:image_annotations", kwargs={"slug": image.slug}),
    ):
        for page in ["²", "٣", "①", "0²", HUGE, "1" * 5000, "\x00", "0x1", "+1", " 0"]:
            assert client.get(url, {"page": page}).status_code == 404, (url, page)


# Essay revision texts: /essays/<slug>/revisions/<number>.txt ---------------------------------


@pytest.mark.parametrize("number", [HUGE[:30], "9223372036854775808", HUGE, "1" * 5000])
def test_revision_numbers_beyond_any_revision_are_404(client, essay, number):
    url = f"/essays/{essay.slug}/revisions/{number}.txt"
    assert client.get(url).status_code == 404
    assert client.get(f"/essays/{essay.slug}/revisions/1.txt").status_code == 200


# Search: ?from=&to=&page= and the facets -------------------------------------------------------


@pytest.mark.parametrize("year", ["²", "١٩٢٢", "①", "1922²", HUGE, "1" * 5000, "-1922", "\x00"])
def test_search_years_that_are_not_numbers_are_explained(client, db, year):
    for param in ("from", "to"):
        response = client.get(reverse("exhibit:search"), {"q": "lipetsk", param: year})
        assert response.status_code == 200, (param, year)
        assert "is not a year" in response.text


@pytest.mark.parametrize("page", ["²", "٣", HUGE, "1" * 5000, "-1", "\x00"])
def test_search_pages_that_are_not_numbers_show_the_first(client, db, page):
    response = client.get(reverse("exhibit:search"), {"q": "lipetsk", "page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("param", ["exhibit", "repository", "type", "kind", "q"])
def test_search_facets_holding_nul_find_nothing_rather_than_fail(client, essay, param):
    # PostgreSQL's text cannot hold NUL, and psycopg refuses it in a query parameter.
    response = client.get(reverse("exhibit:search"), {"q": "lipetsk", param: "exhibit\x00"})
    assert response.status_code == 200


# Paged lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["²", "١", "①", HUGE, "1" * 5000, "-1", "\x00"])
def test_exhibit_list_pages_that_are_not_numbers_are_404(client, db, page):
    make_exhibit()
    assert client.get(reverse("exhibit:exhibit_list"), {"page": page}).status_code == 404
    assert client.get(reverse("exhibit:exhibit_list"), {"page": "1"}).status_code == 200


@pytest.mark.parametrize("page", ["²", HUGE, "1" * 5000, "-1", "\x00"])
def test_sitemap_pages_that_are_not_numbers_are_404(client, essay, page):
    assert client.get(reverse("exhibit:sitemap"), {"p": page}).status_code == 404
