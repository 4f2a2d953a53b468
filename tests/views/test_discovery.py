"""sitemap.xml, robots.txt and the Atom feed: published content only, absolute URLs, and a
fixed number of queries."""

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from exhibit.models import Block, Contributor, Status
from exhibit.sitemaps import EntitySitemap
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_full_exhibit,
    make_image,
    make_reference,
    make_repository,
    make_section,
)

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
FUTURE = timezone.now() + dt.timedelta(days=30)


@pytest.fixture
def site(db, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    settings.SITE_NAME = "Rapallo Archive"
    live = make_exhibit(title="Secret Cooperation", slug="live")
    live.curators.add(Contributor.objects.create(name="Carla Curator", slug="carla"))
    section = make_section(live, slug="lipetsk")
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay(slug="live-essay"))
    live_image = make_image(slug="live-image", archival_reference=make_reference())
    make_block(section, kind=Block.Kind.IMAGE, image=live_image)
    make_block(section, kind=Block.Kind.ENTITIES, entities=[make_entity(slug="live-entity")])
    # Unpublished in every way: a draft section and essay of the live exhibit, a draft
    # exhibit, and a scheduled (future) exhibit, each with content used nowhere else.
    make_section(live, slug="draft-section", status=Status.DRAFT)
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay(slug="draft-essay",
               status=Status.DRAFT))  # fmt: skip
    for slug, extra in (
        ("draft", {"status": Status.DRAFT}),
        ("scheduled", {"published_at": FUTURE}),
    ):
        hidden = make_exhibit(slug=f"{slug}-exhibit", title=f"Hidden {slug}", **extra)
        hidden_section = make_section(hidden, slug=f"{slug}-section")
        make_block(hidden_section, kind=Block.Kind.ESSAY, essay=make_essay(slug=f"{slug}-e"))
        hidden_source = make_reference(repository=make_repository(abbreviation=f"HIDDEN-{slug}"))
        hidden_image = make_image(slug=f"{slug}-i", archival_reference=hidden_source)
        make_block(hidden_section, kind=Block.Kind.IMAGE, image=hidden_image)
        make_block(hidden_section, kind=Block.Kind.ENTITIES,
                   entities=[make_entity(slug=f"{slug}-n")])  # fmt: skip
    return live


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314  (our own response)


def sitemap_files(client):
    """The sitemaps the index at /sitemap.xml names (absolute URLs)."""
    root = xml(client, "/sitemap.xml")
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    return [entry.find("s:loc", SITEMAP_NS).text for entry in root.findall("s:sitemap", SITEMAP_NS)]


def sitemap_urls(client):
    """Every URL of every sitemap the index names, with its lastmod."""
    urls = {}
    for location in sitemap_files(client):
        parts = urlsplit(location)
        root = xml(client, f"{parts.path}?{parts.query}" if parts.query else parts.path)
        for url in root.findall("s:url", SITEMAP_NS):
            lastmod = url.find("s:lastmod", SITEMAP_NS)
            urls[url.find("s:loc", SITEMAP_NS).text] = getattr(lastmod, "text", None)
    return urls


def test_sitemap_lists_published_pages_only_with_lastmod(client, site):
    urls = sitemap_urls(client)
    base = "https://exhibit.example.org"
    index_pages = {
        "/", "/exhibits/", "/entities/", "/entities/people/", "/entities/places/",
        "/entities/organisations/", "/entities/events/", "/repositories/", "/timeline/", "/map/",
    }  # fmt: skip
    assert {url for url, lastmod in urls.items() if lastmod is None} == {
        f"{base}{path}" for path in index_pages
    }
    assert set(urls) - {f"{base}{path}" for path in index_pages} == {
        f"{base}/exhibits/live/",
        f"{base}/exhibits/live/lipetsk/",
        f"{base}/essays/live-essay/",
        f"{base}/images/live-image/",
        f"{base}/entities/live-entity/",
        f"{base}/repositories/galo/",
    }
    assert urls[f"{base}/exhibits/live/"] == site.modified.date().isoformat()


def test_sitemap_uses_the_request_host_without_site_url(client, site, settings):
    settings.SITE_URL = ""
    assert "http://testserver/sitemap-pages.xml" in sitemap_files(client)
    urls = sitemap_urls(client)
    assert "http://testserver/exhibits/live/" in urls


def test_sitemap_is_an_index_of_sections_split_into_pages(client, site, monkeypatch):
    base = "https://exhibit.example.org"
    sections = ["pages", "exhibits", "sections", "essays", "images", "entities", "repositories"]
    assert sitemap_files(client) == [f"{base}/sitemap-{name}.xml" for name in sections]
    # A section bigger than a file's limit is split, each page named in the index.
    for n in range(4):
        make_block(site.sections.get(slug="lipetsk"), kind=Block.Kind.ENTITIES,
                   entities=[make_entity(slug=f"more-{n}")])  # fmt: skip
    monkeypatch.setattr(EntitySitemap, "limit", 2)
    files = sitemap_files(client)
    entities = [f for f in files if "/sitemap-entities.xml" in f]
    assert entities == [f"{base}/sitemap-entities.xml"] + [
        f"{base}/sitemap-entities.xml?p={n}" for n in (2, 3)
    ]
    pages = [xml(client, f"/sitemap-entities.xml?p={n}") for n in (1, 2, 3)]
    assert [len(page.findall("s:url", SITEMAP_NS)) for page in pages] == [2, 2, 1]
    assert client.get("/sitemap-entities.xml?p=4").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


@pytest.mark.parametrize("page", ["0", "x", "١", "²", "-1", "", "1.0", " 1"])
@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-entities.xml"])
def test_sitemap_pages_are_read_strictly(client, site, url, page):
    assert client.get(url, {"p": page}).status_code == 404


@pytest.mark.parametrize("scale", [1, 3])
def test_sitemap_query_count_is_fixed(client, site, django_assert_num_queries, scale):
    for _ in range(scale):
        make_full_exhibit(scale=scale)
    # The index: one aggregate (count, latest change) per model; the index pages need none.
    with django_assert_num_queries(6):
        response = client.get("/sitemap.xml")
    assert response.status_code == 200
    # A section's page: the paginator's count and the page of items.
    for section in ("exhibits", "sections", "essays", "images", "entities", "repositories"):
        with django_assert_num_queries(2):
            response = client.get(f"/sitemap-{section}.xml")
        assert response.status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/sitemap-pages.xml").status_code == 200


def test_robots_txt(client, site):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /preview/\n"
        "\n"
        "Sitemap: https://exhibit.example.org/sitemap.xml\n"
    )


def feed_entries(client):
    response = client.get("/feeds/exhibits.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314  (our own response)


def test_atom_feed_lists_newly_published_exhibits(client, site):
    older = make_exhibit(title="Older", slug="older",
                         published_at=timezone.make_aware(dt.datetime(2024, 5, 1)))  # fmt: skip
    feed = feed_entries(client)
    assert feed.find("a:title", ATOM_NS).text == "Rapallo Archive: new exhibits"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", ATOM_NS)}
    assert links == {
        "alternate": "https://exhibit.example.org/exhibits/",
        "self": "https://exhibit.example.org/feeds/exhibits.atom",
    }
    entries = feed.findall("a:entry", ATOM_NS)
    assert [e.find("a:title", ATOM_NS).text for e in entries] == ["Secret Cooperation", "Older"]
    first = entries[0]
    base = "exhibit.example.org"
    assert first.find("a:link", ATOM_NS).get("href") == f"https://{base}/exhibits/live/"
    assert first.find("a:id", ATOM_NS).text == f"tag:{base},2025-01-01:exhibit:{site.pk}"
    assert first.find("a:author/a:name", ATOM_NS).text == "Carla Curator"
    assert first.find("a:published", ATOM_NS).text.startswith("2025-01-01")
    assert first.find("a:summary", ATOM_NS).text == site.summary
    assert older.pk != site.pk


def test_atom_feed_entry_keeps_its_id_when_the_slug_changes(client, site):
    before = feed_entries(client).find("a:entry/a:id", ATOM_NS).text
    site.slug = "renamed"
    site.save()
    entry = feed_entries(client).find("a:entry", ATOM_NS)
    assert entry.find("a:id", ATOM_NS).text == before
    assert entry.find("a:link", ATOM_NS).get("href").endswith("/exhibits/renamed/")


def test_atom_feed_leaves_out_drafts_and_scheduled_exhibits(client, site):
    text = ET.tostring(feed_entries(client), encoding="unicode")
    assert "Hidden" not in text
    assert "draft-exhibit" not in text and "scheduled-exhibit" not in text


@pytest.mark.parametrize("count", [1, 25])
def test_atom_feed_query_count_is_fixed(client, db, django_assert_num_queries, count):
    for n in range(count):
        exhibit = make_exhibit()
        exhibit.curators.add(Contributor.objects.create(name=f"C {n}", slug=f"c-{n}"))
    with django_assert_num_queries(2):  # the exhibits (with covers), their curators
        feed = feed_entries(client)
    assert len(feed.findall("a:entry", ATOM_NS)) == min(count, 20)
