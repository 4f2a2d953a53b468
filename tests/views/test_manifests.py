"""IIIF Presentation API 3.0 manifests of published images and exhibits."""

import copy
import io
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from iiif_prezi3 import AnnotationPage, Manifest
from iiif_prezi3.base import Base
from PIL import Image as PILImage
from pydantic import ValidationError

from exhibit.models import Annotation, Block, Contributor, Image, Rights, Status
from tests.factories import (
    image_bytes,
    make_block,
    make_essay,
    make_exhibit,
    make_full_exhibit,
    make_image,
    make_reference,
    make_section,
)

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
CONTENT_TYPE = f'application/ld+json;profile="{CONTEXT}"'
HTML_PROPERTIES = ("summary",)  # and metadata/requiredStatement values
# Commentary: the W3C motivations (IIIF adds painting and supplementing for content).
COMMENTARY_MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging",
}  # fmt: skip
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
SVG = "{http://www.w3.org/2000/svg}"


# Validation --------------------------------------------------------------------------------


def _model_classes(cls=Base):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _model_classes(subclass)


@contextmanager
def _prezi3_defaults_off():
    """iiif-prezi3 fills in whatever is missing whenever a model is built: a plain string
    becomes a language map, a lone object a list, a missing id an example.org one. Validating
    with those on would repair a wrong manifest instead of failing it."""
    saved = {
        cls: cls.__dict__["_defaulters"]
        for cls in _model_classes()
        if "_defaulters" in cls.__dict__
    }
    for cls in saved:
        cls._defaulters = []
    try:
        yield
    finally:
        for cls, defaulters in saved.items():
            cls._defaulters = defaulters


def _check_language_map(value, where, html_allowed=False):
    assert isinstance(value, dict) and value, f"{where}: not a language map: {value!r}"
    for language, strings in value.items():
        assert isinstance(strings, list) and strings, f"{where}[{language}]: not a list of strings"
        for string in strings:
            assert isinstance(string, str) and string.strip(), f"{where}[{language}]: empty"
            if not html_allowed:
                assert not (string.startswith("<") and string.endswith(">")), where


def _check_resource(resource, where):
    for key, value in resource.items():
        here = f"{where}.{key}"
        if key == "@context":
            assert where == "manifest", f"@context below the top level, at {where}"
        elif key in ("label", "summary"):
            _check_language_map(value, here, html_allowed=key in HTML_PROPERTIES)
        elif key == "metadata" or key == "requiredStatement":
            for entry in value if key == "metadata" else [value]:
                assert set(entry) == {"label", "value"}, here
                _check_language_map(entry["label"], f"{here}.label")
                _check_language_map(entry["value"], f"{here}.value", html_allowed=True)
        elif key == "homepage":
            for page in value:
                assert {"id", "type", "label"} <= set(page), f"{here}: id, type, label required"
                _check_resource(page, here)
        elif isinstance(value, dict):
            _check_resource(value, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _check_resource(item, f"{here}[{index}]")


def _check_region_target(target, canvas, where):
    """A commentary target: the Canvas, or a SpecificResource on it whose selectors are a
    media fragment inside it and an SVG of ``<path>``s (what Mirador draws) inside it."""
    if isinstance(target, str):
        assert target == canvas["id"], f"{where}: targets another Canvas"
        return
    assert target["type"] == "SpecificResource", where
    source = target["source"]
    assert (source if isinstance(source, str) else source["id"]) == canvas["id"], (
        f"{where}: targets another Canvas"
    )
    selectors = target.get("selector", [])
    for selector in selectors if isinstance(selectors, list) else [selectors]:
        if selector["type"] == "FragmentSelector":
            assert selector.get("conformsTo") == MEDIA_FRAGMENTS, where
            match = re.fullmatch(r"xywh=(\d+),(\d+),(\d+),(\d+)", selector["value"])
            assert match, f"{where}: not xywh in pixels"
            x, y, w, h = map(int, match.groups())
            assert w and h, f"{where}: an empty region"
            assert x + w <= canvas["width"] and y + h <= canvas["height"], f"{where}: outside"
        elif selector["type"] == "SvgSelector":
            root = ET.fromstring(selector["value"])  # noqa: S314 (our own output)
            assert root.tag == f"{SVG}svg", where
            for element in root.iter():
                assert element.tag in (f"{SVG}svg", f"{SVG}path"), f"{where}: Mirador draws paths"
                assert not any(
                    name == "style" or name.startswith("on") for name in element.attrib
                ), f"{where}: no styles or scripts in an SvgSelector"
            for path in root.iter(f"{SVG}path"):
                numbers = [float(n) for n in re.findall(r"-?[\d.]+", path.attrib["d"])]
                assert all(0 <= x <= canvas["width"] for x in numbers[0::2]), where
                assert all(0 <= y <= canvas["height"] for y in numbers[1::2]), where
        else:
            raise AssertionError(f"{where}: unexpected selector {selector['type']}")


def _check_commentary(canvas, where):
    """Each AnnotationPage in a Canvas's ``annotations``: commentary on that Canvas.

    The Manifest model accepts anything in ``annotations`` as a reference to a page (with
    extra keys allowed), so each page is validated here as an AnnotationPage in its own right.
    """
    for index, page in enumerate(canvas.get("annotations", [])):
        here = f"{where}.annotations[{index}]"
        assert page["type"] == "AnnotationPage" and page["items"], f"{here}: needs items"
        with _prezi3_defaults_off():
            model = AnnotationPage.model_validate(page, strict=True)
        dumped = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        assert dumped == page, f"{here}: unknown keys, or values the model had to coerce"
        for annotation in page["items"]:
            assert annotation["motivation"] in COMMENTARY_MOTIVATIONS, (
                f"{here}: painting belongs in the Canvas's items"
            )
            _check_region_target(annotation["target"], canvas, here)
            bodies = annotation.get("body", [])
            for body in bodies if isinstance(bodies, list) else [bodies]:
                if body["type"] == "TextualBody":
                    value = body.get("value")
                    assert isinstance(value, str) and value.strip(), f"{here}: no text"
                    assert body.get("format") in ("text/plain", "text/html"), here


def _ids_of_annotations_and_pages(data):
    for canvas in data["items"]:
        for page in canvas["items"] + canvas.get("annotations", []):
            yield page["id"]
            for annotation in page["items"]:
                yield annotation["id"]


def assert_valid_manifest(data):
    """Fail unless ``data`` is a IIIF Presentation 3.0 Manifest.

    iiif-prezi3's pydantic models check shapes and types; validated strictly, with its
    helpers' defaults off, and dumped back, they must give exactly ``data`` again (the models
    ignore unknown or misspelt keys and coerce some values, so a difference means a fault).
    Then the rules the models do not encode: at least one Canvas, Canvas ids unique and without
    fragments, Ranges of this Manifest's Canvases, language maps with text in them, homepage
    labels, ``@context`` only at the top; commentary (region annotations) on its own Canvas,
    within it, with W3C motivations and SVG that Mirador draws; annotation and page ids unique.
    """
    with _prezi3_defaults_off():
        model = Manifest.model_validate(data, strict=True)
    dumped = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped == data, "unknown keys, or values the model had to coerce"
    assert data["@context"] == CONTEXT
    assert data["items"], "a Manifest must have at least one Canvas"
    canvas_ids = [canvas["id"] for canvas in data["items"]]
    assert len(set(canvas_ids)) == len(canvas_ids), "Canvas ids must be unique"
    assert not any("#" in canvas_id for canvas_id in canvas_ids), "Canvas ids have no fragment"
    for canvas in data["items"]:
        assert ("width" in canvas) == ("height" in canvas)
        for page in canvas["items"]:
            for annotation in page["items"]:
                assert annotation["target"] == canvas["id"]
    for index, canvas in enumerate(data["items"]):
        _check_commentary(canvas, f"items[{index}]")
    ids = list(_ids_of_annotations_and_pages(data))
    assert len(set(ids)) == len(ids), "annotation and AnnotationPage ids must be unique"
    for range_ in data.get("structures", []):
        assert range_["items"], "a Range must have items"
        assert {item["id"] for item in range_["items"]} <= set(canvas_ids)
    _check_resource(data, "manifest")


# Helpers and fixtures ----------------------------------------------------------------------


def publish(image, **exhibit):
    section = make_section(make_exhibit(**exhibit))
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    return image


def big_image(**kwargs):
    """3000 × 2000: larger than the biggest size the image service delivers whole (2400)."""
    original = ContentFile(image_bytes(size=(3000, 2000)), name="big.jpg")
    return make_image(original=original, **kwargs)


def path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def image_manifest_url(image):
    return reverse("exhibit:image_manifest", kwargs={"slug": image.slug})


def exhibit_manifest_url(exhibit):
    return reverse("exhibit:exhibit_manifest", kwargs={"slug": exhibit.slug})


def metadata_dict(resource):
    return {entry["label"]["en"][0]: entry["value"] for entry in resource.get("metadata", [])}


@pytest.fixture
def photo(db):
    """A published photograph with everything a manifest can say about it."""
    creator = Contributor.objects.create(name="Unknown German pilot", slug="pilot")
    return publish(
        big_image(
            title="Pilots on the way to Lipetsk",
            caption="German pilots disguised as tourists.",
            date="1926-12-03",
            creator=creator,
            archival_reference=make_reference(),
            credit_line="Courtesy of GALO, Lipetsk",
            rights=Rights.IN_COPYRIGHT_EDU,
        )
    )


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.json()


# The image manifest ------------------------------------------------------------------------


def test_image_manifest_is_valid_presentation_3(client, photo):
    manifest = get_json(client, image_manifest_url(photo))
    assert_valid_manifest(manifest)
    assert manifest["id"] == f"http://testserver{image_manifest_url(photo)}"
    assert manifest["type"] == "Manifest"
    assert len(manifest["items"]) == 1


def test_image_manifest_is_json_ld_open_to_every_origin_and_briefly_cacheable(client, photo):
    response = client.get(image_manifest_url(photo))
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Access-Control-Allow-Origin"] == "*"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "max-age=300" in cache_control


def test_image_manifest_describes_the_image_in_language_maps(client, photo):
    manifest = get_json(client, image_manifest_url(photo))
    assert manifest["label"] == {"en": ["Pilots on the way to Lipetsk"]}
    assert manifest["summary"] == {"en": ["German pilots disguised as tourists."]}
    assert metadata_dict(manifest) == {
        "Date": {"en": ["3 December 1926"]},
        "Creator": {"none": ["Unknown German pilot"]},
        "Archival reference": {"none": ["GALO, f. 2176, op. 1, d. 1"]},
        "Repository": {"en": ["State Archive of Lipetsk Oblast (GALO)"]},
    }
    assert manifest["requiredStatement"] == {
        "label": {"en": ["Attribution"]},
        "value": {"en": ["Courtesy of GALO, Lipetsk"]},
    }
    assert manifest["rights"] == "http://rightsstatements.org/vocab/InC-EDU/1.0/"
    assert manifest["items"][0]["label"] == {"en": ["Pilots on the way to Lipetsk"]}


def test_image_manifest_leaves_out_what_the_image_lacks(client, db):
    image = publish(make_image(caption="", rights=Rights.CC0))
    manifest = get_json(client, image_manifest_url(image))
    assert_valid_manifest(manifest)
    assert "summary" not in manifest
    assert "metadata" not in manifest
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_attribution_falls_back_to_the_repository_then_the_site(client, db, settings):
    settings.SITE_NAME = "Rapallo and After"
    held = publish(make_image(archival_reference=make_reference()))
    unheld = publish(make_image())
    assert get_json(client, image_manifest_url(held))["requiredStatement"]["value"] == {
        "en": ["State Archive of Lipetsk Oblast (GALO)"]
    }
    assert get_json(client, image_manifest_url(unheld))["requiredStatement"]["value"] == {
        "en": ["Rapallo and After"]
    }


def test_placeholder_images_say_so(client, db):
    image = publish(make_image(is_placeholder=True))
    manifest = get_json(client, image_manifest_url(image))
    assert "Placeholder" in metadata_dict(manifest)


def test_text_that_looks_like_html_stays_text(client, db):
    image = publish(make_image(caption="<illegible>"))
    manifest = get_json(client, image_manifest_url(image))
    assert_valid_manifest(manifest)
    assert manifest["summary"] == {"en": ["<p>&lt;illegible&gt;</p>"]}


def test_image_manifest_homepage_is_the_public_image_page(client, photo):
    manifest = get_json(client, image_manifest_url(photo))
    assert manifest["homepage"] == [
        {
            "id": f"http://testserver{photo.get_absolute_url()}",
            "type": "Text",
            "label": {"en": ["Pilots on the way to Lipetsk"]},
            "format": "text/html",
        }
    ]
    assert client.get(path_of(manifest["homepage"][0]["id"])).status_code == 200


@pytest.mark.urls("tests.browser.urls")  # the site plus media files, which DEBUG off won't serve
def test_thumbnail_is_the_smallest_rendition_and_resolves(client, photo):
    manifest = get_json(client, image_manifest_url(photo))
    (thumbnail,) = manifest["thumbnail"]
    assert thumbnail["type"] == "Image"
    assert thumbnail["format"] == "image/jpeg"
    assert thumbnail["id"].startswith("http://testserver/")
    assert (thumbnail["width"], thumbnail["height"]) == (400, 267)
    assert thumbnail["service"] == [
        {
            "id": f"http://testserver/iiif/images/{photo.slug}",
            "type": "ImageService3",
            "profile": "level0",
        }
    ]
    response = client.get(path_of(thumbnail["id"]))
    assert response.status_code == 200
    with PILImage.open(io.BytesIO(b"".join(response.streaming_content))) as jpeg:
        assert jpeg.format == "JPEG"
        assert jpeg.size == (thumbnail["width"], thumbnail["height"])


def test_canvas_is_the_original_size_painted_by_the_largest_size_the_service_gives(client, photo):
    manifest = get_json(client, image_manifest_url(photo))
    (canvas,) = manifest["items"]
    assert canvas["id"] == f"http://testserver/iiif/manifests/images/{photo.slug}/canvas/1"
    assert (canvas["width"], canvas["height"]) == (3000, 2000)
    (page,) = canvas["items"]
    (annotation,) = page["items"]
    assert annotation["motivation"] == "painting"
    assert annotation["target"] == canvas["id"]
    body = annotation["body"]
    service_id = f"http://testserver/iiif/images/{photo.slug}"
    assert body["id"] == f"{service_id}/full/max/0/default.jpg"
    assert body["service"] == [{"id": service_id, "type": "ImageService3", "profile": "level0"}]

    info = get_json(client, path_of(f"{body['service'][0]['id']}/info.json"))
    assert info["id"] == service_id
    assert (info["width"], info["height"]) == (canvas["width"], canvas["height"])
    assert (body["width"], body["height"]) == (info["maxWidth"], info["maxHeight"])
    assert (body["width"], body["height"]) == (1500, 1000)  # not the original's 3000 × 2000

    response = client.get(path_of(body["id"]))
    assert response.status_code == 200
    with PILImage.open(io.BytesIO(b"".join(response.streaming_content))) as jpeg:
        assert jpeg.size == (body["width"], body["height"])


def test_manifest_urls_use_site_url_when_set(client, photo, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    manifest = get_json(client, image_manifest_url(photo))
    assert_valid_manifest(manifest)
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    for url in (
        manifest["id"],
        manifest["homepage"][0]["id"],
        manifest["thumbnail"][0]["id"],
        manifest["items"][0]["id"],
        body["id"],
        body["service"][0]["id"],
    ):
        assert url.startswith("https://exhibit.example.org/"), url


def test_image_manifest_runs_two_queries(client, annotated, django_assert_num_queries):
    # The image, then its published region annotations.
    with django_assert_num_queries(2):
        assert client.get(image_manifest_url(annotated)).status_code == 200


# Visibility --------------------------------------------------------------------------------


def test_unpublished_image_has_no_manifest(client, db):
    assert client.get(image_manifest_url(make_image())).status_code == 404


def test_image_used_only_in_a_draft_has_no_manifest(client, db):
    image = publish(make_image(), status=Status.DRAFT)
    assert client.get(image_manifest_url(image)).status_code == 404


def test_unprocessed_image_has_no_manifest(client, db):
    image = publish(make_image())
    Image.objects.filter(pk=image.pk).update(processing_state=Image.Processing.PENDING)
    assert client.get(image_manifest_url(image)).status_code == 404


def test_draft_exhibit_has_no_manifest(client, db):
    exhibit = make_exhibit(status=Status.DRAFT)
    make_block(make_section(exhibit), kind=Block.Kind.IMAGE, image=make_image())
    assert client.get(exhibit_manifest_url(exhibit)).status_code == 404


def test_exhibit_without_images_has_no_manifest(client, db):
    # A Manifest must have at least one Canvas.
    exhibit = make_exhibit()
    make_block(make_section(exhibit))
    assert client.get(exhibit_manifest_url(exhibit)).status_code == 404


# The exhibit manifest ----------------------------------------------------------------------


@pytest.fixture
def arranged(db):
    """An exhibit whose reading order differs from the order things were made in."""
    a, b, c, d = (make_image(title=f"Image {name}", slug=f"image-{name}") for name in "abcd")
    unprocessed = make_image(slug="unprocessed")
    Image.objects.filter(pk=unprocessed.pk).update(processing_state=Image.Processing.PENDING)
    only_in_draft = make_image(slug="only-in-draft")
    cover = make_image(slug="cover")
    exhibit = make_exhibit(
        title="Rapallo and after",
        slug="rapallo",
        subtitle="Soviet-German military cooperation, 1922–1933",
        summary="Secret cooperation between two armies.",
        cover_image=cover,
    )
    exhibit.curators.add(
        Contributor.objects.create(name="Anna Curator", slug="anna"),
        Contributor.objects.create(name="Boris Curator", slug="boris"),
    )
    kama = make_section(exhibit, title="Kama", slug="kama", order=2)
    lipetsk = make_section(exhibit, title="Lipetsk", slug="lipetsk", order=1)
    words = make_section(exhibit, title="Only words", slug="words", order=3)
    draft = make_section(exhibit, title="Unfinished", slug="draft", order=4, status=Status.DRAFT)
    make_block(kama, kind=Block.Kind.GALLERY, gallery=[a, d], order=2)
    make_block(kama, kind=Block.Kind.IMAGE, image=d, order=1)
    make_block(lipetsk, kind=Block.Kind.GALLERY, gallery=[b, unprocessed, c], order=2)
    make_block(lipetsk, kind=Block.Kind.IMAGE, image=a, order=1)
    make_block(lipetsk, order=0)
    make_block(words)
    make_block(draft, kind=Block.Kind.IMAGE, image=only_in_draft)
    return exhibit


def test_exhibit_manifest_is_valid_presentation_3(client, arranged):
    response = client.get(exhibit_manifest_url(arranged))
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    assert_valid_manifest(manifest)
    assert manifest["id"] == "http://testserver/iiif/manifests/exhibits/rapallo.json"


def test_exhibit_canvases_follow_sections_then_blocks_once_each(client, arranged):
    manifest = get_json(client, exhibit_manifest_url(arranged))
    base = "http://testserver/iiif/manifests/exhibits/rapallo/canvas"
    assert [canvas["id"] for canvas in manifest["items"]] == [
        f"{base}/image-a",
        f"{base}/image-b",
        f"{base}/image-c",
        f"{base}/image-d",
    ]
    assert [canvas["label"] for canvas in manifest["items"]] == [
        {"en": [f"Image {name}"]} for name in "abcd"
    ]


def test_exhibit_ranges_match_sections_with_images(client, arranged):
    manifest = get_json(client, exhibit_manifest_url(arranged))
    base = "http://testserver/iiif/manifests/exhibits/rapallo"
    ranges = [
        (range_["label"], [item["id"].rsplit("/", 1)[1] for item in range_["items"]])
        for range_ in manifest["structures"]
    ]
    assert ranges == [
        ({"en": ["Lipetsk"]}, ["image-a", "image-b", "image-c"]),
        ({"en": ["Kama"]}, ["image-d", "image-a"]),
    ]
    assert manifest["structures"][0]["id"] == f"{base}/range/lipetsk"
    assert all(item["type"] == "Canvas" for r in manifest["structures"] for item in r["items"])


def test_exhibit_manifest_describes_the_exhibit(client, arranged, settings):
    settings.SITE_NAME = "Rapallo and After"
    manifest = get_json(client, exhibit_manifest_url(arranged))
    assert manifest["label"] == {"en": ["Rapallo and after"]}
    assert manifest["summary"] == {"en": ["Secret cooperation between two armies."]}
    assert metadata_dict(manifest) == {
        "Subtitle": {"en": ["Soviet-German military cooperation, 1922–1933"]},
        "Curated by": {"none": ["Anna Curator", "Boris Curator"]},
    }
    assert manifest["requiredStatement"] == {
        "label": {"en": ["Attribution"]},
        "value": {"en": ["Curated by Anna Curator and Boris Curator for Rapallo and After."]},
    }
    assert manifest["homepage"][0]["id"] == "http://testserver/exhibits/rapallo/"
    assert client.get(path_of(manifest["homepage"][0]["id"])).status_code == 200
    cover = arranged.cover_image
    assert manifest["thumbnail"][0]["id"] == f"http://testserver{cover.thumbnail['url']}"
    assert manifest["thumbnail"][0]["service"][0]["id"].endswith(f"/iiif/images/{cover.slug}")


def test_each_exhibit_canvas_carries_its_image_description(client, db):
    exhibit = make_exhibit()
    image = big_image(
        date="1928", credit_line="Courtesy of RGVA", archival_reference=make_reference()
    )
    make_block(make_section(exhibit), kind=Block.Kind.IMAGE, image=image)
    manifest = get_json(client, exhibit_manifest_url(exhibit))
    (canvas,) = manifest["items"]
    assert canvas["summary"] == {"en": [image.caption]}
    assert metadata_dict(canvas)["Date"] == {"en": ["1928"]}
    assert canvas["requiredStatement"]["value"] == {"en": ["Courtesy of RGVA"]}
    assert canvas["rights"] == image.rights
    assert canvas["homepage"][0]["id"] == f"http://testserver{image.get_absolute_url()}"
    body = canvas["items"][0]["items"][0]["body"]
    assert (canvas["width"], canvas["height"]) == (3000, 2000)
    assert (body["width"], body["height"]) == (1500, 1000)


def test_exhibit_rights_only_when_one_statement_covers_every_image(client, db):
    shared, mixed = make_exhibit(), make_exhibit()
    for exhibit, rights in (
        (shared, [Rights.CC_BY, Rights.CC_BY]),
        (mixed, [Rights.CC_BY, Rights.CC0]),
    ):
        section = make_section(exhibit)
        for statement in rights:
            make_block(section, kind=Block.Kind.IMAGE, image=make_image(rights=statement))
    shared_manifest = get_json(client, exhibit_manifest_url(shared))
    mixed_manifest = get_json(client, exhibit_manifest_url(mixed))
    assert_valid_manifest(mixed_manifest)
    assert shared_manifest["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert "rights" not in mixed_manifest
    assert [canvas["rights"] for canvas in mixed_manifest["items"]] == [
        "http://creativecommons.org/licenses/by/4.0/",
        "http://creativecommons.org/publicdomain/zero/1.0/",
    ]


@pytest.mark.parametrize("scale", [1, 3])
def test_exhibit_manifest_query_count_is_fixed(client, db, django_assert_num_queries, scale):
    exhibit = make_full_exhibit(scale=scale)
    for image in Image.objects.all():
        annotate_region(image, xywh="1,2,30,40")
    # Exhibit, curators, sections, blocks, gallery items; the images' region annotations.
    with django_assert_num_queries(6):
        response = client.get(exhibit_manifest_url(exhibit))
    assert response.status_code == 200
    manifest = response.json()
    assert len(manifest["items"]) == 2 * scale * scale * 3  # sections × rows × (1 + 2 gallery)
    assert all(len(canvas["annotations"][0]["items"]) == 1 for canvas in manifest["items"])
    assert_valid_manifest(manifest)


# Region annotations ------------------------------------------------------------------------


def annotate_region(image, xywh="749,1054,338,460", **kwargs):
    kwargs.setdefault("body", "The hangar of the *aerodrome*.")
    return Annotation.objects.create(image=image, xywh=xywh, **kwargs)


@pytest.fixture
def annotated(photo):
    """The photograph with two published region notes and some that are not to be shown."""
    annotate_region(photo, motivation="describing")
    annotate_region(
        photo, xywh="100,200,300,400", motivation="identifying",
        polygon=[[100, 200], [400, 250], [250.5, 600]],
    )  # fmt: skip
    annotate_region(photo, xywh="0,0,10,10", retired=True)
    return photo


def commentary(canvas):
    (page,) = canvas["annotations"]
    return page


def test_region_annotations_are_the_canvas_commentary(client, annotated):
    manifest = get_json(client, image_manifest_url(annotated))
    assert_valid_manifest(manifest)
    (canvas,) = manifest["items"]
    page = commentary(canvas)
    assert page["id"] == f"{canvas['id']}/page/commentary"
    assert page["type"] == "AnnotationPage"
    notes = Annotation.objects.filter(image=annotated, retired=False).order_by("pk")
    assert [item["id"] for item in page["items"]] == [
        f"http://testserver{note.get_absolute_url()}" for note in notes
    ]
    first, second = page["items"]
    assert first["motivation"] == "describing"
    assert second["motivation"] == "identifying"
    assert first["body"] == {
        "type": "TextualBody",
        "purpose": "describing",
        "value": "<p>The hangar of the <em>aerodrome</em>.</p>",
        "format": "text/html",
        "language": "en",
    }
    assert first["target"] == {
        "type": "SpecificResource",
        "source": canvas["id"],
        "selector": [
            {
                "type": "FragmentSelector",
                "conformsTo": "http://www.w3.org/TR/media-frags/",
                "value": "xywh=749,1054,338,460",
            },
            {
                "type": "SvgSelector",
                "value": '<svg xmlns="http://www.w3.org/2000/svg">'
                '<path d="M749,1054 L1087,1054 L1087,1514 L749,1514 Z"/></svg>',
            },
        ],
    }
    assert second["target"]["selector"][1]["value"] == (
        '<svg xmlns="http://www.w3.org/2000/svg"><path d="M100,200 L400,250 L250.5,600 Z"/></svg>'
    )


def test_a_manifests_annotations_are_the_published_w3c_annotations(client, annotated):
    manifest = get_json(client, image_manifest_url(annotated))
    for item in commentary(manifest["items"][0])["items"]:
        w3c = get_json(client, path_of(item["id"]))
        assert w3c["type"] == "Annotation"
        assert w3c["motivation"] == item["motivation"]
        assert w3c["body"][0] == item["body"]
        assert {k: v for k, v in w3c["target"].items() if k != "scope"} == item["target"]


def test_exhibit_canvases_carry_their_images_annotations_under_their_own_ids(client, annotated):
    exhibit = annotated.blocks.get().section.exhibit
    manifest = get_json(client, exhibit_manifest_url(exhibit))
    assert_valid_manifest(manifest)
    (canvas,) = manifest["items"]
    items = commentary(canvas)["items"]
    notes = Annotation.objects.filter(image=annotated, retired=False).order_by("pk")
    assert [item["id"] for item in items] == [
        f"{canvas['id']}/annotation/{note.uuid}" for note in notes
    ]
    assert all(item["target"]["source"] == canvas["id"] for item in items)


def test_unpublished_annotations_stay_out_of_manifests(client, photo):
    annotate_region(photo, retired=True)
    essay = make_essay()
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=essay)
    Annotation.objects.create(essay=essay, exact="school", body="A note on the text.")
    manifest = get_json(client, image_manifest_url(photo))
    assert_valid_manifest(manifest)
    assert "annotations" not in manifest["items"][0]


def test_a_region_without_a_note_is_still_shown(client, photo):
    annotate_region(photo, body="", motivation="identifying")
    manifest = get_json(client, image_manifest_url(photo))
    assert_valid_manifest(manifest)
    (item,) = commentary(manifest["items"][0])["items"]
    assert "body" not in item
    assert item["motivation"] == "identifying"


# The validation itself ---------------------------------------------------------------------


def _body(manifest):
    return manifest["items"][0]["items"][0]["items"][0]["body"]


BREAKAGES = {
    "label as a plain string": lambda m: m.update(label="Pilots"),
    "label without a list": lambda m: m.update(label={"en": "Pilots"}),
    "empty language map": lambda m: m.update(label={"en": []}),
    "metadata value without a language": lambda m: m["metadata"][0].update(value=["1926"]),
    "misspelt property": lambda m: m.update(requiredStatment=m.pop("requiredStatement")),
    "rights not a URI": lambda m: m.update(rights="In Copyright"),
    "no canvases": lambda m: m.update(items=[]),
    "canvas width as text": lambda m: m["items"][0].update(width="3000"),
    "canvas id with a fragment": lambda m: m["items"][0].update(id=m["items"][0]["id"] + "#1"),
    "@context on a canvas": lambda m: m["items"][0].update({"@context": CONTEXT}),
    "service as an object": lambda m: _body(m).update(service=_body(m)["service"][0]),
    "annotation without a target": lambda m: m["items"][0]["items"][0]["items"][0].pop("target"),
    "homepage without a label": lambda m: m["homepage"][0].pop("label"),
    "thumbnail not a list": lambda m: m.update(thumbnail=m["thumbnail"][0]),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_validation_catches_a_broken_manifest(client, photo, breakage):
    manifest = get_json(client, image_manifest_url(photo))
    assert_valid_manifest(copy.deepcopy(manifest))
    broken = copy.deepcopy(manifest)
    BREAKAGES[breakage](broken)
    with pytest.raises((AssertionError, ValidationError)):
        assert_valid_manifest(broken)


def _commentary_item(manifest, index=0):
    return manifest["items"][0]["annotations"][0]["items"][index]


def _selector(manifest, kind):
    selectors = _commentary_item(manifest)["target"]["selector"]
    return next(selector for selector in selectors if selector["type"] == kind)


ANNOTATION_BREAKAGES = {
    "painting among the commentary": lambda m: _commentary_item(m).update(motivation="painting"),
    "target on another canvas": lambda m: _commentary_item(m)["target"].update(
        source="https://elsewhere.example.org/canvas/1"
    ),
    "region outside the canvas": lambda m: _selector(m, "FragmentSelector").update(
        value="xywh=2900,1900,200,200"
    ),
    "region in percent": lambda m: _selector(m, "FragmentSelector").update(
        value="xywh=percent:10,10,20,20"
    ),
    "misspelt conformsTo": lambda m: _selector(m, "FragmentSelector").update(
        comformsTo=_selector(m, "FragmentSelector").pop("conformsTo")
    ),
    "polygon in the svg": lambda m: _selector(m, "SvgSelector").update(
        value='<svg xmlns="http://www.w3.org/2000/svg"><polygon points="1,1 9,1 5,9"/></svg>'
    ),
    "style in the svg": lambda m: _selector(m, "SvgSelector").update(
        value='<svg xmlns="http://www.w3.org/2000/svg"><path style="fill:red" d="M1,1 L9,9 Z"/>'
        "</svg>"
    ),
    "svg not well formed": lambda m: _selector(m, "SvgSelector").update(value="<svg><path>"),
    "selector type misspelt": lambda m: _selector(m, "SvgSelector").update(type="SVGSelector"),
    "@context on an annotation": lambda m: _commentary_item(m).update({"@context": CONTEXT}),
    "annotation label as a plain string": lambda m: _commentary_item(m).update(label="Hangar"),
    "body without a value": lambda m: _commentary_item(m)["body"].pop("value"),
    "empty commentary page": lambda m: m["items"][0]["annotations"][0].update(items=[]),
    "annotation ids repeated": lambda m: _commentary_item(m, 1).update(
        id=_commentary_item(m)["id"]
    ),
}


@pytest.mark.parametrize("breakage", ANNOTATION_BREAKAGES)
def test_validation_catches_broken_commentary(client, annotated, breakage):
    manifest = get_json(client, image_manifest_url(annotated))
    assert_valid_manifest(copy.deepcopy(manifest))
    broken = copy.deepcopy(manifest)
    ANNOTATION_BREAKAGES[breakage](broken)
    with pytest.raises((AssertionError, ValidationError, ET.ParseError)):
        assert_valid_manifest(broken)


def test_validation_leaves_iiif_prezi3_as_it_found_it(client, photo):
    manifest = get_json(client, image_manifest_url(photo))
    assert_valid_manifest(manifest)
    # The library's own conveniences still work afterwards (a string label becomes a map).
    assert Manifest(id=manifest["id"], label="Pilots").label == {"none": ["Pilots"]}


# Links on the pages ------------------------------------------------------------------------


def test_image_page_links_its_manifest_for_drag_and_drop(client, photo):
    manifest_url = f"http://testserver{image_manifest_url(photo)}"
    page = client.get(photo.get_absolute_url()).content.decode()
    assert f'href="{manifest_url}?manifest={manifest_url}"' in page
    assert client.get(path_of(f"{manifest_url}?manifest={manifest_url}")).status_code == 200


def test_exhibit_page_links_its_manifest_for_drag_and_drop(client, arranged):
    manifest_url = f"http://testserver{exhibit_manifest_url(arranged)}"
    page = client.get(arranged.get_absolute_url()).content.decode()
    assert f'href="{manifest_url}?manifest={manifest_url}"' in page


def test_previews_of_unpublished_objects_do_not_link_a_manifest(editor_client, db):
    exhibit = make_exhibit(status=Status.DRAFT)
    image = make_image()
    make_block(make_section(exhibit), kind=Block.Kind.IMAGE, image=image)
    for url in (exhibit.get_preview_url(), image.get_preview_url()):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert "/iiif/manifests/" not in response.content.decode(), url
