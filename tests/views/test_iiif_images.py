"""IIIF Image API 3.0 level 0: every size and tile info.json lists resolves, nothing else leaks."""

import io
import math

import pytest
from django.urls import reverse
from PIL import Image as PILImage

from exhibit.models import Block, Status
from tests.factories import make_block, make_exhibit, make_image, make_section


def publish(image):
    make_block(make_section(make_exhibit()), kind=Block.Kind.IMAGE, image=image)
    return image


def listed_urls(info):
    """Every URL a level-0 client may derive from info.json (Image API 3.0 implementation notes)."""
    base, width, height = info["id"], info["width"], info["height"]
    urls = {f"{base}/full/max/0/default.jpg": (info["maxWidth"], info["maxHeight"])}
    for size in info["sizes"]:
        urls[f"{base}/full/{size['width']},{size['height']}/0/default.jpg"] = (
            size["width"],
            size["height"],
        )
    for tile in info["tiles"]:
        tile_w, tile_h = tile["width"], tile.get("height", tile["width"])
        for factor in tile["scaleFactors"]:
            for y in range(0, height, tile_h * factor):
                for x in range(0, width, tile_w * factor):
                    region_w = min(tile_w * factor, width - x)
                    region_h = min(tile_h * factor, height - y)
                    size_w, size_h = math.ceil(region_w / factor), math.ceil(region_h / factor)
                    whole = (x, y, region_w, region_h) == (0, 0, width, height)
                    region = "full" if whole else f"{x},{y},{region_w},{region_h}"
                    urls[f"{base}/{region}/{size_w},{size_h}/0/default.jpg"] = (size_w, size_h)
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("size", [(1300, 900), (1025, 513), (300, 200)])
def test_every_listed_size_and_tile_resolves_with_the_right_dimensions(client, size):
    image = publish(_image_of(size))
    response = client.get(reverse("exhibit:iiif_image_info", kwargs={"slug": image.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    info = response.json()
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["type"] == "ImageService3"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"] == "level0"
    assert (info["width"], info["height"]) == size
    assert info["id"] == f"http://testserver/iiif/images/{image.slug}"
    assert info["sizes"] == sorted(info["sizes"], key=lambda s: s["width"])
    assert info["tiles"][0]["scaleFactors"][0] == 1
    urls = listed_urls(info)
    for url, (width, height) in urls.items():
        tile = client.get(url.removeprefix("http://testserver"))
        assert tile.status_code == 200, url
        assert tile["Content-Type"] == "image/jpeg"
        assert tile["Access-Control-Allow-Origin"] == "*"
        with PILImage.open(io.BytesIO(b"".join(tile.streaming_content))) as picture:
            assert picture.size == (width, height), url


def _image_of(size):
    buffer = io.BytesIO()
    PILImage.radial_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG")
    from django.core.files.base import ContentFile

    return make_image(original=ContentFile(buffer.getvalue(), name="scan.jpg"))


@pytest.mark.django_db
def test_smallest_level_fits_one_tile(client):
    image = publish(_image_of((1300, 900)))
    info = client.get(f"/iiif/images/{image.slug}/info.json").json()
    factor = info["tiles"][0]["scaleFactors"][-1]
    assert math.ceil(1300 / factor) <= 512 and math.ceil(900 / factor) <= 512


@pytest.mark.django_db
def test_base_uri_redirects_to_info_json(client):
    image = publish(make_image())
    response = client.get(f"/iiif/images/{image.slug}")
    assert response.status_code == 302
    assert response["Location"] == f"/iiif/images/{image.slug}/info.json"


@pytest.mark.django_db
def test_whole_image_region_in_pixels_is_served_as_full(client):
    image = publish(_image_of((300, 200)))
    response = client.get(f"/iiif/images/{image.slug}/0,0,300,200/300,200/0/default.jpg")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "full/max/90/default.jpg",
        "full/max/0/gray.jpg",
        "full/max/0/default.png",
        "full/123,77/0/default.jpg",
        "full/150,/0/default.jpg",
        "pct:0,0,50,50/max/0/default.jpg",
        "..%2F..%2F..%2Fetc/max/0/default.jpg",
        "0,0,64,64/64,64/0/default.jpg",
    ],
)
def test_unlisted_requests_are_404(client, path):
    image = publish(_image_of((1300, 900)))
    assert client.get(f"/iiif/images/{image.slug}/{path}").status_code == 404


@pytest.mark.django_db
def test_tiles_and_info_are_404_for_unpublished_images(client):
    draft = make_exhibit(status=Status.DRAFT)
    image = make_image()
    make_block(make_section(draft), kind=Block.Kind.IMAGE, image=image)
    unused = make_image()
    for slug in (image.slug, unused.slug, "no-such-image"):
        assert client.get(f"/iiif/images/{slug}/info.json").status_code == 404
        assert client.get(f"/iiif/images/{slug}/full/max/0/default.jpg").status_code == 404
        assert client.get(f"/iiif/images/{slug}").status_code == 404


@pytest.mark.django_db
def test_accel_redirect_hands_tiles_to_nginx(client, settings):
    settings.IIIF_ACCEL_REDIRECT = "/_iiif/"
    image = publish(make_image())
    response = client.get(f"/iiif/images/{image.slug}/full/max/0/default.jpg")
    assert response.status_code == 200
    checksum = image.checksum
    assert response["X-Accel-Redirect"] == (
        f"/_iiif/{checksum[:2]}/{checksum}/full/max/0/default.jpg"
    )
    assert response.content == b""


@pytest.mark.django_db
def test_info_json_answers_404_at_once_when_the_images_only_block_is_deleted(client, settings):
    """It kept answering 200 for minutes: the page cache stored a response computed from a
    60-second visibility cache."""
    assert settings.PAGE_CACHE_SECONDS  # the page cache is on
    image = publish(_image_of((300, 200)))
    url = reverse("exhibit:iiif_image_info", kwargs={"slug": image.slug})
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "hit"
    Block.objects.get(image=image).delete()
    assert client.get(url).status_code == 404
