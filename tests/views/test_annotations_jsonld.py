"""W3C Web Annotation JSON-LD and the read-only Annotation Protocol (STANDARDS.md §1)."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exhibit.models import Annotation, Block, Status
from exhibit.services import webannotation
from exhibit.services.anchoring import codepoints_to_utf16, selector_for
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_section,
    make_user,
)

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
ALLOW = "GET, HEAD, OPTIONS"
# The W3C motivations (Web Annotation Vocabulary §3.3.5), for motivation and purpose.
MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging",
}  # fmt: skip
# The terms http://www.w3.org/ns/anno.jsonld defines: keys, and the classes ``type`` names.
ANNO_KEYS = {
    "id", "type", "body", "target", "source", "selector", "state", "scope", "refinedBy",
    "startSelector", "endSelector", "renderedVia", "creator", "generator", "rights",
    "homepage", "via", "canonical", "stylesheet", "cached", "conformsTo", "items", "partOf",
    "first", "last", "next", "prev", "audience", "motivation", "purpose", "textDirection",
    "accessibility", "bodyValue", "format", "language", "processingLanguage", "value", "exact",
    "prefix", "suffix", "styleClass", "name", "email", "email_sha1", "nickname", "label",
    "created", "modified", "generated", "sourceDate", "sourceDateStart", "sourceDateEnd",
    "start", "end", "total", "startIndex",
}  # fmt: skip
ANNO_CLASSES = {
    "Annotation", "Dataset", "Image", "Video", "Audio", "Text", "TextualBody",
    "ResourceSelection", "SpecificResource", "FragmentSelector", "CssSelector",
    "XPathSelector", "TextQuoteSelector", "TextPositionSelector", "DataPositionSelector",
    "SvgSelector", "RangeSelector", "TimeState", "HttpRequestState", "CssStylesheet", "Choice",
    "Person", "Software", "Organization", "AnnotationCollection", "AnnotationPage", "Audience",
}  # fmt: skip
LDP_CLASSES = {"BasicContainer"}  # what the container takes from http://www.w3.org/ns/ldp.jsonld
UTC_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
XYWH = re.compile(r"^xywh=(\d+),(\d+),(\d+),(\d+)$")
SVG = "{http://www.w3.org/2000/svg}"

# Our own words, with letters outside the Basic Multilingual Plane before the passage, so a
# count in UTF-16 code units (what a browser counts) differs from one in code points.
BODY = (
    "## Kazan\n\n"
    "In the Soviet files the school is 𝐓𝐄𝐊𝐎 🛡 and in German ones Kama. "
    "Engineers from Krupp and Daimler-Benz tested tanks there from 1929.\n\n"
    "## Lipetsk\n\n"
    "The flight school opened in 1925. German pilots trained there in secret."
)


# Checking the shapes ------------------------------------------------------------------------


def assert_iri(value, where="id"):
    assert isinstance(value, str), where
    parts = urlsplit(value)
    assert parts.scheme in ("http", "https") and parts.netloc, f"{where}: not an IRI: {value}"
    assert not re.search(r"\s", value), where


def assert_context_terms(data, *, extra_classes=frozenset()):
    """Every key a term of anno.jsonld; every type, motivation and purpose one of its terms.

    A misspelt key or class would silently become a relative IRI in JSON-LD processing."""
    if isinstance(data, list):
        for item in data:
            assert_context_terms(item, extra_classes=extra_classes)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key == "@context":
            continue
        assert key in ANNO_KEYS, f"{key} is not defined in anno.jsonld"
        if key == "type":
            for name in value if isinstance(value, list) else [value]:
                assert name in ANNO_CLASSES | extra_classes, f"type {name} is not in the context"
        elif key in ("motivation", "purpose"):
            assert value in MOTIVATIONS, f"{key} {value} is not a W3C motivation"
        else:
            assert_context_terms(value, extra_classes=extra_classes)


def assert_svg_path(value):
    root = ET.fromstring(value)  # noqa: S314 (our own output) well-formed, or this raises
    assert root.tag == f"{SVG}svg"
    (path,) = list(root)
    assert path.tag == f"{SVG}path", "Mirador draws paths, not polygons"
    assert set(path.attrib) == {"d"}, "no style or script in the SVG"
    assert re.fullmatch(r"M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+ Z", path.attrib["d"])
    return [
        tuple(float(v) for v in point.split(","))
        for point in re.findall(r"[\d.]+,[\d.]+", path.attrib["d"])
    ]


def assert_selector(selector):
    kind = selector["type"]
    if kind == "TextQuoteSelector":
        assert set(selector) <= {"type", "exact", "prefix", "suffix"}
        assert isinstance(selector["exact"], str) and selector["exact"]
        for key in ("prefix", "suffix"):
            assert isinstance(selector.get(key, ""), str)
    elif kind == "TextPositionSelector":
        assert set(selector) == {"type", "start", "end"}
        assert all(isinstance(selector[k], int) for k in ("start", "end"))
        assert 0 <= selector["start"] < selector["end"]
    elif kind == "FragmentSelector":
        assert set(selector) == {"type", "conformsTo", "value"}
        assert selector["conformsTo"] == "http://www.w3.org/TR/media-frags/"
        assert XYWH.match(selector["value"])
    elif kind == "SvgSelector":
        assert set(selector) == {"type", "value"}
        assert_svg_path(selector["value"])
    else:
        pytest.fail(f"unexpected selector {kind}")


def assert_body(body):
    assert body["purpose"] in MOTIVATIONS
    if body["type"] == "TextualBody":
        # Exactly one value: one key, one string.
        assert set(body) <= {"type", "purpose", "value", "format", "language"}
        assert isinstance(body["value"], str) and body["value"]
        assert body["format"] in ("text/html", "text/plain")
    else:
        assert body["type"] == "SpecificResource"
        assert set(body) == {"type", "purpose", "source"}
        assert_iri(body["source"], "body source")


def assert_annotation(data, *, embedded=False):
    """The rules of STANDARDS.md §1 for one annotation."""
    if embedded:
        assert "@context" not in data, "an embedded annotation repeats no @context"
    else:
        assert data["@context"] == ANNO_CONTEXT, "the only context, so a plain string"
    assert_iri(data["id"])
    assert data["type"] == "Annotation"
    assert isinstance(data["motivation"], str) and data["motivation"] in MOTIVATIONS
    for key in ("created", "modified"):
        assert UTC_DATETIME.match(data[key]), f"{key} {data[key]} is not UTC with Z"
    if "creator" in data:
        assert data["creator"]["type"] == "Person"
        assert set(data["creator"]) == {"type", "name"}
    generator = data["generator"]
    assert generator["type"] == "Software"
    assert_iri(generator["homepage"], "generator homepage")
    assert not ("body" in data and "bodyValue" in data)
    for body in data.get("body", []):
        assert_body(body)
    target = data["target"]
    assert target["type"] == "SpecificResource"
    assert_iri(target["source"], "target source")
    for selector in target.get("selector", []):
        assert_selector(selector)
    if "state" in target:
        state = target["state"]
        assert state["type"] == "TimeState"
        assert set(state) == {"type", "sourceDate", "cached"}
        assert UTC_DATETIME.match(state["sourceDate"])
        assert_iri(state["cached"], "cached")
    assert_context_terms(data)


# Helpers and fixtures ------------------------------------------------------------------------


def path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def get_json(client, url, **headers):
    response = client.get(path_of(url), headers=headers)
    assert response.status_code == 200, url
    assert response["Content-Type"] == CONTENT_TYPE
    return response.json()


def latest_revision(essay):
    return essay.revisions.order_by("-number").first()


def annotate_passage(essay, quote, occurrence=1, **kwargs):
    revision = latest_revision(essay)
    start = -1
    for _ in range(occurrence):
        start = revision.text.index(quote, start + 1)
    selector = selector_for(revision.text, start, start + len(quote))
    kwargs.setdefault("body", "Kama is the *tank school*.")
    entities = kwargs.pop("entities", [])
    references = kwargs.pop("references", [])
    annotation = Annotation.objects.create(
        essay=essay,
        revision=revision,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
        **kwargs,
    )
    annotation.entities.set(entities)
    annotation.references.set(references)
    return annotation


def annotate_region(image, xywh="100,50,200,120", **kwargs):
    kwargs.setdefault("body", "The aerodrome's hangar.")
    entities = kwargs.pop("entities", [])
    references = kwargs.pop("references", [])
    annotation = Annotation.objects.create(image=image, xywh=xywh, **kwargs)
    annotation.entities.set(entities)
    annotation.references.set(references)
    return annotation


def published_essay(**kwargs):
    kwargs.setdefault("body", BODY)
    essay = make_essay(**kwargs)
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=essay)
    return essay


def published_image(**kwargs):
    image = make_image(**kwargs)
    make_block(make_section(make_exhibit()), kind=Block.Kind.IMAGE, image=image)
    return image


def annotation_url(annotation):
    return reverse("exhibit:annotation_detail", kwargs={"uuid": annotation.uuid})


def essay_annotations_url(essay):
    return reverse("exhibit:essay_annotations", kwargs={"slug": essay.slug})


def image_annotations_url(image):
    return reverse("exhibit:image_annotations", kwargs={"slug": image.slug})


def revision_url(essay, number):
    return reverse("exhibit:essay_revision_text", kwargs={"slug": essay.slug, "number": number})


@pytest.fixture
def curator_user(db):
    return make_user(
        "anna", first_name="Anna", last_name="Curator", email="anna.curator@example.org"
    )


@pytest.fixture
def essay(db):
    return published_essay(title="The tank school", slug="tank-school")


@pytest.fixture
def note(essay, curator_user):
    return annotate_passage(essay, "Kama", creator=curator_user)


@pytest.fixture
def image(db):
    return published_image(title="Lipetsk aerodrome", slug="lipetsk-aerodrome")


@pytest.fixture
def region(image, curator_user):
    return annotate_region(image, creator=curator_user, motivation="describing")


# One text annotation -----------------------------------------------------------------------


def test_text_annotation_is_a_w3c_annotation(client, note):
    data = get_json(client, annotation_url(note))
    assert_annotation(data)
    assert data["id"] == f"http://testserver/annotations/{note.uuid}/"
    assert data["motivation"] == "commenting"
    assert data["creator"] == {"type": "Person", "name": "Anna Curator"}
    assert data["generator"] == {
        "type": "Software",
        "name": "Exhibit",
        "homepage": "http://testserver/",
    }
    assert data["body"] == [
        {
            "type": "TextualBody",
            "purpose": "commenting",
            "value": "<p>Kama is the <em>tank school</em>.</p>",
            "format": "text/html",
            "language": "en",
        }
    ]


def test_text_annotation_targets_the_essay_at_its_revision(client, essay, note):
    target = get_json(client, annotation_url(note))["target"]
    revision = latest_revision(essay)
    assert target["source"] == "http://testserver/essays/tank-school/"
    assert target["state"] == {
        "type": "TimeState",
        "sourceDate": revision.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cached": f"http://testserver/essays/tank-school/revisions/{revision.number}.txt",
    }
    quote, position = target["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": "Kama",
        "prefix": note.prefix,
        "suffix": note.suffix,
    }
    assert position == {"type": "TextPositionSelector", "start": note.start, "end": note.end}
    assert client.get(path_of(target["source"])).status_code == 200


def test_positions_count_code_points_in_the_text_served_at_cached(client, note):
    target = get_json(client, annotation_url(note))["target"]
    quote, position = target["selector"]
    response = client.get(path_of(target["state"]["cached"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode("utf-8")
    start, end = position["start"], position["end"]
    assert text[start:end] == quote["exact"]
    assert text[:start].endswith(quote["prefix"])
    assert text[end:].startswith(quote["suffix"])
    # The astral letters before it: a count in UTF-16 code units would be off.
    assert "𝐓𝐄𝐊𝐎 🛡" in text[:start]
    assert codepoints_to_utf16(text, start) != start


def test_linked_entities_and_cited_sources_are_bodies(client, essay, curator_user):
    on_a_page = make_entity(name="Kazan", slug="kazan", wikidata="Q900")
    make_block(make_section(make_exhibit()), entities=[on_a_page])
    only_wikidata = make_entity(name="Kama", slug="kama", wikidata="Q4216940")
    nothing_public = make_entity(name="Nowhere", slug="nowhere")
    reference = make_reference(fond="33987", opis="3", delo="295", leaf_start="12")
    annotation = annotate_passage(
        essay,
        "Kama",
        creator=curator_user,
        entities=[on_a_page, only_wikidata, nothing_public],
        references=[reference],
    )
    data = get_json(client, annotation_url(annotation))
    assert_annotation(data)
    assert data["body"][1:] == [
        # Entities in name order; linked by a published note, each has a public page.
        {
            "type": "SpecificResource",
            "purpose": "tagging",
            "source": "http://testserver/entities/kama/",
        },
        {
            "type": "SpecificResource",
            "purpose": "tagging",
            "source": "http://testserver/entities/kazan/",
        },
        {
            "type": "SpecificResource",
            "purpose": "tagging",
            "source": "http://testserver/entities/nowhere/",
        },
        {
            "type": "TextualBody",
            "purpose": "linking",
            "value": "GALO, f. 33987, op. 3, d. 295, l. 12",
            "format": "text/plain",
        },
    ]
    assert client.get("/entities/kazan/").status_code == 200


def test_an_identifying_annotation_identifies_its_entities(client, essay):
    place = make_entity(name="Kazan", slug="kazan")
    make_block(make_section(make_exhibit()), entities=[place])
    annotation = annotate_passage(essay, "Kazan", motivation="identifying", entities=[place])
    data = get_json(client, annotation_url(annotation))
    assert_annotation(data)
    assert data["motivation"] == "identifying"
    assert [body["purpose"] for body in data["body"]] == ["describing", "identifying"]


def test_an_annotation_without_a_note_has_only_its_links(client, essay):
    place = make_entity(name="Kazan", slug="kazan", wikidata="Q900")
    annotation = annotate_passage(
        essay, "Kazan", body="", motivation="identifying", entities=[place]
    )
    data = get_json(client, annotation_url(annotation))
    assert_annotation(data)
    assert data["body"] == [
        {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": "http://testserver/entities/kazan/",
        }
    ]


def test_curators_email_addresses_never_appear(client, essay, curator_user):
    by_email = make_user("boris@example.org", email="boris@example.org")
    annotated = [
        annotate_passage(essay, "Kama", creator=curator_user),
        annotate_passage(essay, "Kazan", creator=by_email),
    ]
    for annotation in annotated:
        content = client.get(annotation_url(annotation)).content.decode()
        assert "@example.org" not in content
    assert "creator" not in get_json(client, annotation_url(annotated[1]))


def test_usernames_stand_in_for_missing_names_and_scripts_are_no_person(client, essay):
    plain = annotate_passage(essay, "Kama", creator=make_user("boris"))
    scripted = annotate_passage(essay, "Krupp", creator=User.objects.get(username="script"))
    anonymous = annotate_passage(essay, "Kazan")
    assert get_json(client, annotation_url(plain))["creator"] == {"type": "Person", "name": "boris"}
    for annotation in (scripted, anonymous):
        data = get_json(client, annotation_url(annotation))
        assert_annotation(data)
        assert "creator" not in data


def test_annotation_urls_use_site_url_when_set(client, note, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    data = get_json(client, annotation_url(note))
    for url in (
        data["id"],
        data["generator"]["homepage"],
        data["target"]["source"],
        data["target"]["state"]["cached"],
    ):
        assert url.startswith("https://exhibit.example.org/"), url


def test_model_links_to_its_annotation(note):
    assert note.get_absolute_url() == f"/annotations/{note.uuid}/"


# One image annotation ----------------------------------------------------------------------


def test_image_annotation_targets_a_region_of_the_images_canvas(client, image, region):
    data = get_json(client, annotation_url(region))
    assert_annotation(data)
    assert data["motivation"] == "describing"
    assert data["body"][0]["purpose"] == "describing"
    target = data["target"]
    manifest = get_json_manifest(client, image)
    assert target["source"] == manifest["items"][0]["id"]
    assert target["scope"] == "http://testserver/images/lipetsk-aerodrome/"
    fragment, svg = target["selector"]
    assert fragment == {
        "type": "FragmentSelector",
        "conformsTo": "http://www.w3.org/TR/media-frags/",
        "value": "xywh=100,50,200,120",
    }
    assert assert_svg_path(svg["value"]) == [(100, 50), (300, 50), (300, 170), (100, 170)]


def get_json_manifest(client, image):
    response = client.get(reverse("exhibit:image_manifest", kwargs={"slug": image.slug}))
    assert response.status_code == 200
    return response.json()


def test_an_outline_becomes_the_svg_path(client, image):
    annotation = annotate_region(
        image, xywh="10,10,100,100", polygon=[[10, 10], [110, 20], [60.5, 110]]
    )
    selectors = get_json(client, annotation_url(annotation))["target"]["selector"]
    assert selectors[0]["value"] == "xywh=10,10,100,100"
    assert assert_svg_path(selectors[1]["value"]) == [(10, 10), (110, 20), (60.5, 110)]


# Collections and pages ---------------------------------------------------------------------


def test_essay_collection_embeds_its_first_page(client, essay):
    notes = [annotate_passage(essay, quote) for quote in ("secret", "Kama", "Krupp")]
    url = f"http://testserver{essay_annotations_url(essay)}"
    data = get_json(client, url)
    assert data["@context"] == [ANNO_CONTEXT, LDP_CONTEXT]
    assert data["id"] == url
    assert data["type"] == ["BasicContainer", "AnnotationCollection"]
    assert data["label"] == "Annotations on “The tank school”"
    assert data["total"] == 3
    assert data["last"] == f"{url}?page=0"
    first = data["first"]
    assert "@context" not in first, "an embedded page repeats no @context"
    assert first["id"] == f"{url}?page=0"
    assert first["type"] == "AnnotationPage"
    assert first["partOf"] == url
    assert first["startIndex"] == 0
    assert "next" not in first and "prev" not in first
    # In reading order.
    assert [item["id"] for item in first["items"]] == [
        f"http://testserver{annotation_url(n)}" for n in sorted(notes, key=lambda n: n.start)
    ]
    for item in first["items"]:
        assert_annotation(item, embedded=True)
    assert_context_terms(data, extra_classes=LDP_CLASSES)


def test_image_collection_lists_the_region_annotations(client, image, region):
    url = f"http://testserver{image_annotations_url(image)}"
    data = get_json(client, url)
    assert data["label"] == "Annotations on “Lipetsk aerodrome”"
    assert data["total"] == 1
    (item,) = data["first"]["items"]
    assert item == {
        key: value
        for key, value in get_json(client, annotation_url(region)).items()
        if key != "@context"
    }


def test_empty_collection_has_no_pages(client, essay):
    data = get_json(client, essay_annotations_url(essay))
    assert data["total"] == 0
    assert "first" not in data and "last" not in data
    assert client.get(f"{essay_annotations_url(essay)}?page=0").status_code == 404


def test_pages_link_each_other_and_their_collection(client, essay, monkeypatch):
    monkeypatch.setattr(webannotation, "PAGE_SIZE", 2)
    quotes = ("Soviet", "school", "German", "Kama", "Engineers")
    notes = sorted((annotate_passage(essay, q) for q in quotes), key=lambda n: n.start)
    url = f"http://testserver{essay_annotations_url(essay)}"
    collection = get_json(client, url)
    assert collection["total"] == 5
    assert collection["last"] == f"{url}?page=2"

    pages, page_url = [], collection["first"]["id"]
    while page_url:
        page = get_json(client, page_url)
        assert page["@context"] == ANNO_CONTEXT
        assert page["type"] == "AnnotationPage"
        assert page["partOf"] == {
            "id": url,
            "type": "AnnotationCollection",
            "label": collection["label"],
            "total": 5,
        }
        assert page["startIndex"] == 2 * len(pages)
        if pages:
            assert page["prev"] == pages[-1]["id"]
        else:
            assert "prev" not in page
        for item in page["items"]:
            assert_annotation(item, embedded=True)
        assert_context_terms(page)
        pages.append(page)
        page_url = page.get("next")
    assert [page["id"] for page in pages] == [f"{url}?page={n}" for n in range(3)]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert pages[-1]["id"] == collection["last"]
    assert [item["id"] for page in pages for item in page["items"]] == [
        f"http://testserver{annotation_url(n)}" for n in notes
    ]
    for beyond in ("3", "-1", "x", "1.0"):
        assert client.get(f"{url}?page={beyond}").status_code == 404


def test_prefer_minimal_container_links_its_first_page(client, essay):
    annotate_passage(essay, "Kama")
    url = f"http://testserver{essay_annotations_url(essay)}"
    prefer = 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'
    response = client.get(essay_annotations_url(essay), headers={"Prefer": prefer})
    data = response.json()
    assert data["first"] == f"{url}?page=0"
    assert data["total"] == 1
    assert response["Preference-Applied"] == "return=representation"
    assert "Prefer" in response["Vary"]


def test_prefer_contained_iris_lists_iris(client, essay):
    note = annotate_passage(essay, "Kama")
    url = f"http://testserver{essay_annotations_url(essay)}"
    prefer = 'return=representation; include="http://www.w3.org/ns/oa#PreferContainedIRIs"'
    response = client.get(essay_annotations_url(essay), headers={"Prefer": prefer})
    data = response.json()
    assert data["id"] == f"{url}?iris=1"
    assert response["Content-Location"] == f"{url}?iris=1"
    assert data["first"]["items"] == [f"http://testserver{annotation_url(note)}"]
    assert data["first"]["id"] == f"{url}?iris=1&page=0"
    page = get_json(client, data["first"]["id"])
    assert page["items"] == data["first"]["items"]


# Protocol headers --------------------------------------------------------------------------


@pytest.fixture
def urls(essay, note, image, region):
    """One of each kind of resource: annotations, containers, a page."""
    return {
        "annotation": annotation_url(note),
        "region annotation": annotation_url(region),
        "essay container": essay_annotations_url(essay),
        "image container": image_annotations_url(image),
        "page": f"{essay_annotations_url(essay)}?page=0",
    }


def links(response):
    return {value.strip() for value in response["Link"].split(",")} if "Link" in response else set()


RESOURCE_LINKS = {
    '<http://www.w3.org/ns/ldp#Resource>; rel="type"',
    '<http://www.w3.org/ns/oa#Annotation>; rel="type"',
}
CONTAINER_LINKS = {
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"',
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"',
}


@pytest.mark.parametrize("method", ["get", "head"])
def test_protocol_headers_on_every_get_and_head(client, urls, method):
    for kind, url in urls.items():
        response = getattr(client, method)(url)
        assert response.status_code == 200, kind
        assert response["Content-Type"] == CONTENT_TYPE, kind
        assert re.fullmatch(r'"[0-9a-f]{40}"', response["ETag"]), "a strong ETag"
        assert response["Allow"] == ALLOW
        assert "Accept" in response["Vary"]
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response["Access-Control-Expose-Headers"]
        if kind.endswith("annotation"):
            assert links(response) == RESOURCE_LINKS
        elif kind.endswith("container"):
            assert links(response) == CONTAINER_LINKS
        else:
            assert links(response) == set(), "a page is not a container"
        if method == "head":
            assert response.content == b""


def test_head_sends_the_same_etag_as_get(client, urls):
    for url in urls.values():
        assert client.head(url)["ETag"] == client.get(url)["ETag"]


def test_conditional_get_answers_304(client, urls):
    for kind, url in urls.items():
        etag = client.get(url)["ETag"]
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304, kind
        assert response["ETag"] == etag
        assert response.content == b""
        assert response["Access-Control-Allow-Origin"] == "*"
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_etag_changes_with_the_annotation(client, note):
    before = client.get(annotation_url(note))["ETag"]
    note.body = "Another note."
    note.save()
    after = client.get(annotation_url(note), headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after["ETag"] != before


def test_options_answers_cors_preflight(client, urls):
    for url in urls.values():
        response = client.options(
            url,
            headers={
                "Origin": "https://viewer.example.net",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "prefer",
            },
        )
        assert response.status_code == 200
        assert response["Allow"] == ALLOW
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Allow-Methods"] == ALLOW
        assert "Prefer" in response["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_not_allowed(db, urls, method, essay):
    client = Client(enforce_csrf_checks=True)  # a 405 says why, where a CSRF 403 would not
    everything = {**urls, "revision text": revision_url(essay, 1)}
    for kind, url in everything.items():
        response = getattr(client, method)(url, data="{}", content_type="application/ld+json")
        assert response.status_code == 405, kind
        assert response["Allow"] == ALLOW


# Revision texts ----------------------------------------------------------------------------


def test_revision_text_is_utf8_plain_text_with_an_etag(client, essay):
    revision = latest_revision(essay)
    response = client.get(revision_url(essay, revision.number))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode("utf-8") == revision.text
    assert response["Access-Control-Allow-Origin"] == "*"
    again = client.get(revision_url(essay, 1), headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_older_revisions_stay_readable_after_an_edit(client, essay, note):
    cached = get_json(client, annotation_url(note))["target"]["state"]["cached"]
    essay.body = "An introduction.\n\n" + BODY
    essay.save()
    note.refresh_from_db()
    assert note.revision.number == 2
    old = client.get(path_of(cached))
    assert old.status_code == 200
    assert "An introduction." not in old.content.decode()
    target = get_json(client, annotation_url(note))["target"]
    new_text = client.get(path_of(target["state"]["cached"])).content.decode()
    start, end = target["selector"][1]["start"], target["selector"][1]["end"]
    assert new_text[start:end] == "Kama"


def test_revisions_saved_while_a_draft_stay_private(client, db):
    essay = make_essay(body="A first draft.", status=Status.DRAFT)
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=essay)
    essay.body = "The text as published."
    essay.save()
    essay.status, essay.published_at = Status.PUBLISHED, timezone.now()
    essay.save()
    essay.body = "The text as corrected after publication."
    essay.save()
    assert client.get(revision_url(essay, 1)).status_code == 404
    assert client.get(revision_url(essay, 2)).content.decode() == "The text as published."
    assert client.get(revision_url(essay, 3)).status_code == 200
    assert client.get(revision_url(essay, 4)).status_code == 404


def test_a_draft_edited_after_unpublishing_stays_private_after_republishing(client, db):
    """Set back to draft, edited, republished: the text saved as a draft was never public."""
    essay = published_essay(body="The text as first published.")
    essay.status = Status.DRAFT
    essay.save()
    essay.body = "A curator's draft, never shown."
    essay.save()
    essay.body = "The text as republished."
    essay.save()
    essay.status = Status.PUBLISHED
    essay.save()
    texts = {n: client.get(revision_url(essay, n)) for n in (1, 2, 3)}
    assert texts[1].content.decode() == "The text as first published."
    assert texts[2].status_code == 404
    assert texts[3].content.decode() == "The text as republished."


def test_an_essay_published_before_any_section_shows_it_exposes_no_earlier_text(client, db):
    essay = make_essay(body="Written while no section showed it.")  # published, unplaced
    essay.body = "The text when a section first shows it."
    essay.save()
    section = make_section(make_exhibit())
    assert client.get(revision_url(essay, 2)).status_code == 404
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    assert client.get(revision_url(essay, 1)).status_code == 404
    assert client.get(revision_url(essay, 2)).status_code == 200


def test_a_scheduled_revision_is_public_from_its_moment_and_a_superseded_one_never(client, db):
    later = timezone.now() + dt.timedelta(hours=2)
    essay = published_essay(body="Scheduled text.", published_at=later)
    essay.body = "Scheduled text, corrected before the moment."
    essay.save()
    assert client.get(revision_url(essay, 2)).status_code == 404
    with mock.patch("django.utils.timezone.now", return_value=later + dt.timedelta(minutes=1)):
        assert client.get(revision_url(essay, 1)).status_code == 404
        assert client.get(revision_url(essay, 2)).status_code == 200
    essay.status = Status.DRAFT  # withdrawn before the moment: nothing becomes public
    essay.save()
    essay.status, essay.published_at = Status.PUBLISHED, later + dt.timedelta(hours=5)
    essay.save()
    assert essay.revisions.get(number=2).public_from == later + dt.timedelta(hours=5)


# Visibility --------------------------------------------------------------------------------


def test_retired_and_orphaned_annotations_are_404(client, essay, image):
    retired = annotate_passage(essay, "Kama", retired=True)
    orphan = annotate_passage(essay, "Krupp", anchoring=Annotation.Anchoring.ORPHANED)
    retired_region = annotate_region(image, retired=True)
    for annotation in (retired, orphan, retired_region):
        assert client.get(annotation_url(annotation)).status_code == 404
    assert get_json(client, essay_annotations_url(essay))["total"] == 0
    assert get_json(client, image_annotations_url(image))["total"] == 0


def test_an_annotation_orphaned_by_an_edit_leaves_the_collection(client, essay, note):
    essay.body = BODY.replace(" and in German ones Kama", "")
    essay.save()
    note.refresh_from_db()
    assert note.anchoring == Annotation.Anchoring.ORPHANED
    assert client.get(annotation_url(note)).status_code == 404
    assert get_json(client, essay_annotations_url(essay))["total"] == 0


def test_unpublished_essays_and_images_hide_everything(client, db):
    draft = make_essay(body=BODY, status=Status.DRAFT)
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=draft)
    unplaced = make_essay(body=BODY)  # published, but no published section shows it
    in_draft_exhibit = make_essay(body=BODY)
    make_block(
        make_section(make_exhibit(status=Status.DRAFT)), kind=Block.Kind.ESSAY,
        essay=in_draft_exhibit,
    )  # fmt: skip
    unused_image = make_image()
    for essay in (draft, unplaced, in_draft_exhibit):
        note = annotate_passage(essay, "Kama")
        assert client.get(annotation_url(note)).status_code == 404
        assert client.get(essay_annotations_url(essay)).status_code == 404
        assert client.get(f"{essay_annotations_url(essay)}?page=0").status_code == 404
        assert client.get(revision_url(essay, 1)).status_code == 404
    region = annotate_region(unused_image)
    assert client.get(annotation_url(region)).status_code == 404
    assert client.get(image_annotations_url(unused_image)).status_code == 404


def test_unknown_annotation_is_404(client, db):
    assert client.get("/annotations/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/annotations/not-a-uuid/").status_code == 404


# Query counts ------------------------------------------------------------------------------


def _annotated_essay(count):
    essay = published_essay()
    reference = make_reference()
    place = make_entity()
    make_block(make_section(make_exhibit()), entities=[place])
    words = ["Soviet", "school", "German", "Kama", "Engineers", "Krupp", "tanks", "flight"]
    for index in range(count):
        annotate_passage(
            essay,
            words[index % len(words)],
            occurrence=1,
            entities=[place, make_entity(wikidata="Q900")],
            references=[reference],
            creator=make_user(f"curator-{index}"),
        )
    return essay


@pytest.mark.parametrize("count", [3, 12])
def test_collection_query_count_is_fixed(client, db, django_assert_num_queries, count):
    essay = _annotated_essay(count)
    # essay; count; the page of annotations (with essay, creator, revision); entities;
    # references; repositories; which entities have public pages
    with django_assert_num_queries(7):
        response = client.get(essay_annotations_url(essay))
    assert response.json()["total"] == count
    with django_assert_num_queries(7):
        assert client.get(f"{essay_annotations_url(essay)}?page=0").status_code == 200


@pytest.mark.parametrize("count", [3, 12])
def test_image_collection_query_count_is_fixed(client, db, django_assert_num_queries, count):
    image = published_image()
    reference = make_reference()
    place = make_entity()
    make_block(make_section(make_exhibit()), entities=[place])
    for index in range(count):
        annotate_region(
            image,
            xywh=f"{index},{index},10,10",
            entities=[place, make_entity(wikidata="Q900")],
            references=[reference],
            creator=make_user(f"curator-{index}"),
        )
    with django_assert_num_queries(7):  # as for an essay
        response = client.get(image_annotations_url(image))
    assert response.json()["total"] == count


def test_annotation_query_count_is_fixed(client, db, django_assert_num_queries):
    annotation = Annotation.objects.filter(essay=_annotated_essay(1)).get()
    with django_assert_num_queries(5):
        assert client.get(annotation_url(annotation)).status_code == 200


def test_entities_are_not_asked_about_when_there_are_none(client, note, django_assert_num_queries):
    with django_assert_num_queries(3):  # annotation, entities, references
        assert client.get(annotation_url(note)).status_code == 200


# Discovery ---------------------------------------------------------------------------------
#
# The Protocol's discovery relation, oa:annotationService, names the container in which
# annotations on a resource "SHOULD be created" (§4.6); ours are read-only (POST is a 405, so
# they send no Accept-Post), so pages link their collection as an alternate, typed
# representation of their notes instead.

ALTERNATE = f'rel="alternate"; type="{CONTENT_TYPE.replace(chr(34), chr(92) + chr(34))}"'


def test_essay_and_image_pages_link_their_annotation_collections(client, essay, image):
    for page_url, collection_url, title in [
        (essay.get_absolute_url(), essay_annotations_url(essay), "Notes on this essay"),
        (image.get_absolute_url(), image_annotations_url(image), "Notes on this image"),
    ]:
        response = client.get(page_url)
        absolute = f"http://testserver{collection_url}"
        html = response.content.decode()
        assert (
            f'<link rel="alternate" type="application/ld+json; profile=&quot;{ANNO_CONTEXT}'
            f'&quot;" href="{absolute}" title="{title} (W3C Web Annotations)">'
        ) in html
        assert response["Link"] == (
            f'<{absolute}>; {ALTERNATE}; title="{title} (W3C Web Annotations)"'
        )
        assert "annotationService" not in html + response["Link"]
        # What the link names is a protocol container, read-only: it offers no POST.
        collection = client.get(collection_url)
        assert collection.status_code == 200
        assert collection["Content-Type"] == CONTENT_TYPE
        assert "ldp#BasicContainer" in collection["Link"]
        assert "POST" not in collection["Allow"] and not collection.has_header("Accept-Post")


def test_the_link_follows_site_url(client, essay, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    response = client.get(essay.get_absolute_url())
    assert response["Link"].startswith(
        f"<https://exhibit.example.org{essay_annotations_url(essay)}>;"
    )


def test_previews_link_no_collection(curator_client, db):
    draft = published_essay(status=Status.DRAFT)
    response = curator_client.get(draft.get_preview_url())
    assert response.status_code == 200
    assert not response.has_header("Link")
    assert essay_annotations_url(draft) not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_stamps_the_revisions_the_former_rule_served():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph  # by name: migrations are renumbered when branches merge
    target = next(
        k for k in graph.nodes if k[0] == "exhibit" and k[1].endswith("_essayrevision_public_from")
    )
    before = [p.key for p in graph.node_map[target].parents if p.key[0] == "exhibit"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Essay, Revision = old.get_model("exhibit", "Essay"), old.get_model("exhibit", "EssayRevision")
    moment = timezone.now() - dt.timedelta(days=1)
    public = Essay.objects.create(title="Kama", slug="kama", status="published", body="b")
    Essay.objects.filter(pk=public.pk).update(visible_from=moment)
    hidden = Essay.objects.create(title="Tomka", slug="tomka", status="draft", body="b")
    for essay in (public, hidden):
        for number, age in ((1, 3), (2, 2), (3, 0)):  # days before now
            revision = Revision.objects.create(essay=essay, number=number, body="b", text="t")
            created = timezone.now() - dt.timedelta(days=age)
            Revision.objects.filter(pk=revision.pk).update(created=created)
    executor.loader.build_graph()
    executor.migrate([target])

    new = executor.loader.project_state([target]).apps.get_model("exhibit", "EssayRevision")
    stamps = {(r.essay.slug, r.number): r.public_from for r in new.objects.all()}
    assert stamps[("kama", 1)] is None  # superseded before the essay was visible
    assert stamps[("kama", 2)] == moment  # current when it became visible
    assert stamps[("kama", 3)] > moment  # public from its saving
    assert [stamps[("tomka", n)] for n in (1, 2, 3)] == [None, None, None]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
