"""Citation and sharing metadata in the <head> of public pages, and the “Cite this page” block.

Zotero's Embedded Metadata translator decides the item type from a few tags (see
exhibit/services/metadata.py); these tests pin those tags, present and absent.
"""

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from exhibit.models import Block, Contributor, Entity, Rights
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_repository,
    make_section,
)

# Tags that make Zotero file a page as something other than a web page.
ZOTERO_CONTAINER_TAGS = {
    "citation_journal_title",
    "citation_book_title",
    "citation_inbook_title",
    "citation_conference_title",
    "citation_conference",
    "citation_dissertation_institution",
    "citation_technical_report_institution",
    "citation_isbn",
    "citation_series_title",
    "DCTERMS.source",
}


class Head(HTMLParser):
    """The <meta> tags (by name or property) and JSON-LD blocks of a page."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.jsonld, self.links = [], [], []
        self._in_jsonld = False
        self._script = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta.append((attrs.get("name") or attrs.get("property"), attrs["content"]))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld, self._script = True, []

    def handle_data(self, data):
        if self._in_jsonld:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_jsonld:
            self._in_jsonld = False
            self.jsonld.append(json.loads("".join(self._script)))

    def values(self, name):
        return [content for key, content in self.meta if key == name]

    def names(self):
        return {key for key, _ in self.meta}


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return Head(response.content.decode()), response.content.decode()


@pytest.fixture
def essay_world(db, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    settings.SITE_NAME = "Rapallo Archive"
    anna = Contributor.objects.create(name="Anna Author", slug="anna")
    boris = Contributor.objects.create(name="Boris Petrov", slug="boris", url="https://b.example")
    essay = make_essay(
        title="The Flight School at Lipetsk",
        slug="lipetsk-school",
        abstract="German pilots trained in secret at Lipetsk from 1925.",
        authors=[anna, boris],
    )
    cover = make_image(title="Aerodrome", slug="aerodrome")
    exhibit = make_exhibit(title="Secret Cooperation", slug="secret", cover_image=cover)
    exhibit.curators.add(Contributor.objects.create(name="Carla Curator", slug="carla"))
    section = make_section(exhibit, title="Lipetsk", slug="lipetsk")
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    return essay, exhibit, section


def test_essay_page_is_one_scholarly_article_for_scholar(client, essay_world):
    essay, _, _ = essay_world
    head, _ = head_of(client, essay.get_absolute_url())
    assert head.values("citation_title") == ["The Flight School at Lipetsk"]
    assert head.values("citation_author") == ["Author, Anna", "Petrov, Boris"]
    assert head.values("citation_publication_date") == ["2025/01/01"]
    assert head.values("citation_abstract") == [essay.abstract]
    assert head.values("citation_public_url") == [
        "https://exhibit.example.org/essays/lipetsk-school/"
    ]


def test_essay_page_comes_into_zotero_as_a_web_page_of_the_site(client, essay_world):
    """og:type=website decides "webpage" in Zotero's translator; no container tag may
    override it, or citation_title alone would make Zotero guess "journal article"."""
    essay, _, _ = essay_world
    head, _ = head_of(client, essay.get_absolute_url())
    assert head.values("og:type") == ["website"]
    assert head.values("og:site_name") == ["Rapallo Archive"]
    assert not head.names() & ZOTERO_CONTAINER_TAGS
    assert {"rel": "schema.DCTERMS", "href": "http://purl.org/dc/terms/"} in head.links
    assert head.values("DCTERMS.creator") == ["Author, Anna", "Petrov, Boris"]
    assert head.values("DCTERMS.issued") == ["2025-01-01"]


def test_essay_page_shares_its_exhibit_cover_and_describes_an_article(client, essay_world):
    essay, exhibit, _ = essay_world
    head, _ = head_of(client, essay.get_absolute_url())
    image = exhibit.cover_image
    assert head.values("og:image") == [f"https://exhibit.example.org{image.display['url']}"]
    assert head.values("og:image:alt") == [image.alt_text]
    assert head.values("twitter:card") == ["summary_large_image"]
    (article,) = head.jsonld
    assert article["@context"] == "https://schema.org"
    assert article["@type"] == "ScholarlyArticle"
    assert [a["name"] for a in article["author"]] == ["Anna Author", "Boris Petrov"]
    assert article["author"][1]["url"] == "https://b.example"
    assert article["datePublished"].startswith("2025-01-01")
    exhibit_page = {"@type": "WebPage", "name": "Secret Cooperation",
                    "url": "https://exhibit.example.org/exhibits/secret/"}  # fmt: skip
    assert exhibit_page in article["isPartOf"]
    assert article["image"]["@type"] == "ImageObject"


def test_exhibit_and_section_pages_are_not_articles(client, essay_world):
    """Scholar indexes pages with authors as articles: exhibits and sections name their
    curators as DC creators only, and are web pages in Zotero too."""
    _, exhibit, section = essay_world
    for url in (exhibit.get_absolute_url(), section.get_absolute_url()):
        head, _ = head_of(client, url)
        assert head.values("citation_title")
        assert head.values("citation_publication_date") == ["2025/01/01"]
        assert not head.values("citation_author")
        assert head.values("DCTERMS.creator") == ["Curator, Carla"]
        assert head.values("og:type") == ["website"]
        assert not head.names() & ZOTERO_CONTAINER_TAGS

    head, _ = head_of(client, exhibit.get_absolute_url())
    (event,) = head.jsonld
    assert event["@type"] == "ExhibitionEvent"
    assert event["location"] == {"@type": "VirtualLocation", "url": event["url"]}
    assert event["workFeatured"] == [
        {"@type": "WebPage", "name": "Lipetsk",
         "url": "https://exhibit.example.org/exhibits/secret/lipetsk/"}
    ]  # fmt: skip
    assert head.values("og:image")

    head, _ = head_of(client, section.get_absolute_url())
    (page,) = head.jsonld
    assert page["@type"] == "WebPage"
    assert page["isPartOf"]["url"] == "https://exhibit.example.org/exhibits/secret/"


def test_hostile_title_cannot_break_out_of_json_ld(client, essay_world):
    essay, _, _ = essay_world
    essay.title = '</script><script>alert("x")</script><!-- & "quotes"'
    essay.save()
    head, html = head_of(client, essay.get_absolute_url())
    assert "<script>alert" not in html
    assert html.count("</script>") == html.count("<script")
    (article,) = head.jsonld
    assert article["name"] == essay.title
    assert head.values("citation_title") == [essay.title]


@pytest.fixture
def archival_image(db, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    repository = make_repository(
        abbreviation="RGVA", name="Russian State Military Archive", place="Moscow",
        url="https://rusarchives.ru/federal/rgva", name_original="РГВА",
    )  # fmt: skip
    reference = make_reference(
        repository=repository, fond="33987", opis="3", delo="295", leaf_start="12"
    )
    photographer = Contributor.objects.create(name="Unknown Photographer", slug="unknown")
    kazan = make_entity(name="Kazan", slug="kazan", latitude="55.79", longitude="49.12",
                        geonames="551487", wikidata="Q900")  # fmt: skip
    image = make_image(
        title="Field kitchen, 1919",
        slug="field-kitchen",
        date="1919",
        credit_line="RGVA, Moscow",
        rights=Rights.IN_COPYRIGHT_EDU,
        creator=photographer,
        archival_reference=reference,
        entities=[kazan],
    )
    section = make_section(make_exhibit())
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    return image


def test_image_page_describes_an_image_object_with_credit_license_and_archive(
    client, archival_image
):
    head, _ = head_of(client, archival_image.get_absolute_url())
    (node,) = head.jsonld
    assert node["@type"] == "ImageObject"
    assert node["contentUrl"] == f"https://exhibit.example.org{archival_image.display['url']}"
    assert node["creditText"] == "RGVA, Moscow"
    assert node["license"] == "http://rightsstatements.org/vocab/InC-EDU/1.0/"
    assert node["acquireLicensePage"] == "https://exhibit.example.org/images/field-kitchen/"
    assert node["creator"] == {"@type": "Person", "name": "Unknown Photographer"}
    assert node["dateCreated"] == "1919"
    assert node["isBasedOn"] == {
        "@type": "ArchiveComponent",
        "name": "RGVA, f. 33987, op. 3, d. 295, l. 12",
        "identifier": "RGVA, f. 33987, op. 3, d. 295, l. 12",
        "holdingArchive": {
            "@type": "ArchiveOrganization",
            "name": "Russian State Military Archive",
            "alternateName": ["RGVA", "РГВА"],
            "url": "https://rusarchives.ru/federal/rgva",
            "location": {"@type": "Place", "name": "Moscow"},
        },
    }
    place = node["contentLocation"]
    assert place["@type"] == "Place" and place["name"] == "Kazan"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 55.79, "longitude": 49.12}
    assert head.values("DCTERMS.rights") == ["http://rightsstatements.org/vocab/InC-EDU/1.0/"]
    assert head.values("DCTERMS.type") == ["StillImage"]
    assert head.values("og:type") == ["website"]
    assert not head.values("citation_author")
    assert not head.names() & ZOTERO_CONTAINER_TAGS


def test_section_page_marks_up_every_image_it_shows(client, archival_image):
    section = Block.objects.get(image=archival_image).section
    other = make_image(title="Second", slug="second")
    make_block(section, kind=Block.Kind.GALLERY, gallery=[other, archival_image])
    head, _ = head_of(client, section.get_absolute_url())
    (page,) = head.jsonld
    names = [image["name"] for image in page["image"]]
    assert names == ["Field kitchen, 1919", "Second"]
    assert all(image["license"] for image in page["image"])


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("person", {"date": "1866-04-22/1936-12-27", "viaf": "9847974", "wikidata": "Q57288"},
         {"@type": "Person", "birthDate": "1866-04-22", "deathDate": "1936-12-27",
          "sameAs": ["https://www.wikidata.org/wiki/Q57288", "https://viaf.org/viaf/9847974/"]}),
        ("place", {"geonames": "535121"},
         {"@type": "Place", "sameAs": ["https://www.geonames.org/535121/"],
          "geo": {"@type": "GeoCoordinates", "latitude": 52.6031, "longitude": 39.5708}}),
        ("organisation", {"date": "1895/1969"},
         {"@type": "Organization", "foundingDate": "1895", "dissolutionDate": "1969"}),
        ("event", {"date": "1926-12-03"},
         {"@type": "Event", "startDate": "1926-12-03", "endDate": "1926-12-03"}),
    ],
)  # fmt: skip
def test_entity_pages_describe_the_entity(client, db, settings, kind, extra, expected):
    settings.SITE_URL = "https://exhibit.example.org"
    coordinates = {} if kind == "place" else {"latitude": None, "longitude": None}
    entity = make_entity(kind=kind, name="Seeckt", slug="seeckt", **coordinates, **extra)
    make_block(make_section(make_exhibit()), kind=Block.Kind.ENTITIES, entities=[entity])
    head, _ = head_of(client, entity.get_absolute_url())
    (node,) = head.jsonld
    assert node["name"] == "Seeckt"
    assert node["url"] == "https://exhibit.example.org/entities/seeckt/"
    for key, value in expected.items():
        assert node[key] == value
    assert head.values("og:title") == ["Seeckt"]
    assert not head.values("citation_title")


def test_pages_advertise_the_atom_feed(client, db):
    head, _ = head_of(client, "/")
    feeds = [link for link in head.links if link.get("type") == "application/atom+xml"]
    assert feeds == [
        {"rel": "alternate", "type": "application/atom+xml",
         "title": "Exhibit: new exhibits", "href": "/feeds/exhibits.atom"}
    ]  # fmt: skip


def test_cite_block_on_essay_exhibit_section_and_image_pages(client, essay_world, settings):
    essay, exhibit, section = essay_world
    image = exhibit.cover_image
    for url in (essay.get_absolute_url(), exhibit.get_absolute_url(),
                section.get_absolute_url(), image.get_absolute_url()):  # fmt: skip
        html = client.get(url).content.decode()
        assert "Cite this page" in html
        assert 'id="cite-chicago"' in html and 'id="cite-mla"' in html
        assert "@misc{" in html
        assert "Accessed " in html
    html = client.get(essay.get_absolute_url()).content.decode()
    chicago = re.search(r'id="cite-chicago">(.*?)</p>', html).group(1)
    assert chicago.startswith(
        "Author, Anna, and Boris Petrov. “The Flight School at Lipetsk.” Rapallo Archive. "
        "January 1, 2025. Accessed "
    )
    assert chicago.endswith("https://exhibit.example.org/essays/lipetsk-school/.")
    html = client.get(section.get_absolute_url()).content.decode()
    mla = re.search(r'id="cite-mla">(.*?)</p>', html).group(1)
    assert mla.startswith(
        "Curator, Carla. “Lipetsk.” <i>Secret Cooperation</i>, <i>Rapallo Archive</i>, "
        "1 Jan. 2025, exhibit.example.org/exhibits/secret/lipetsk/. Accessed "
    )


def test_without_site_url_metadata_uses_the_request_host(client, essay_world, settings):
    settings.SITE_URL = ""
    essay, _, _ = essay_world
    head, _ = head_of(client, essay.get_absolute_url())
    assert head.values("og:url") == ["http://testserver/essays/lipetsk-school/"]


def test_entity_kinds_cover_the_model():
    from exhibit.services.metadata import ENTITY_TYPES

    assert set(ENTITY_TYPES) == set(Entity.Kind.values)


def test_dates_are_days_on_the_site_calendar_everywhere(client, essay_world, settings):
    """Late on 1 January in UTC is 2 January in Berlin: metadata and the cite block agree."""
    settings.TIME_ZONE = "Europe/Berlin"
    essay, _, _ = essay_world
    essay.published_at = dt.datetime(2025, 1, 1, 23, 30, tzinfo=dt.UTC)
    essay.save()
    head, html = head_of(client, essay.get_absolute_url())
    assert head.values("citation_publication_date") == ["2025/01/02"]
    assert head.values("DCTERMS.issued") == ["2025-01-02"]
    assert "January 2, 2025. Accessed" in html
