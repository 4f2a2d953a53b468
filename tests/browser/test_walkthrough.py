"""A visitor walks the published exhibit by following links, on a phone and on a desktop."""

from urllib.parse import urlparse

import pytest
from django.urls import resolve

from exhibit.models import Entity, Essay, Exhibit, Image, Section, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_object(page):
    """The model object the page's URL names, resolved the way Django resolves it."""
    match = resolve(urlparse(page.url).path)
    kwargs = match.kwargs
    if match.url_name == "exhibit_detail":
        return Exhibit.objects.get(slug=kwargs["slug"])
    if match.url_name == "section_detail":
        return Section.objects.get(exhibit__slug=kwargs["exhibit"], slug=kwargs["slug"])
    if match.url_name == "essay_detail":
        return Essay.objects.get(slug=kwargs["slug"])
    if match.url_name == "image_detail":
        return Image.objects.get(slug=kwargs["slug"])
    if match.url_name == "entity_detail":
        return Entity.objects.get(slug=kwargs["slug"])
    raise AssertionError(f"unexpected page {page.url}")


def heading(page):
    return page.locator("main h1").inner_text().strip()


def assert_page_basics(page):
    """Every page: one h1, a title naming the site, a skip link, a canonical URL."""
    assert page.locator("h1").count() == 1
    assert " — " in page.title()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("a.skip-link[href='#main']").count() == 1
    assert page.locator("link[rel=canonical]").get_attribute("href").startswith("http")
    assert page.locator("meta[name=description]").get_attribute("content").strip()


def assert_images_load(page):
    """Every image has alt text and dimensions, and actually loads (lazy ones once scrolled to)."""
    images = page.locator("img:not(.deep-zoom img)")  # the viewer's button icons are not content
    for index in range(images.count()):
        image = images.nth(index)
        alt = image.get_attribute("alt")
        assert alt and alt.strip(), f"image without alt text: {image.get_attribute('src')}"
        assert image.get_attribute("width") and image.get_attribute("height")
        if image.is_visible():  # the deep-zoom viewer hides the picture it stands in for
            image.scroll_into_view_if_needed()
        image.evaluate(
            "img => img.complete && img.naturalWidth > 0 ? true : new Promise((ok, fail) => {"
            " img.addEventListener('load', () => ok(true));"
            " img.addEventListener('error', () => fail(new Error('failed: ' + img.src))); })"
        )
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0, (
            image.get_attribute("src")
        )
    page.evaluate("window.scrollTo(0, 0)")


def follow(page, link):
    """Click ``link`` and wait for the next page; fails if the link is missing."""
    assert link.count() > 0, "expected a link to follow"
    with page.expect_navigation():
        link.first.click()
    assert page.url.startswith("http"), page.url


def arrive(page, screenshot, name, expected_heading=None):
    """Check the page just reached, its heading and images, and photograph it."""
    assert_page_basics(page)
    if expected_heading is not None:
        assert heading(page) == expected_heading
    assert_images_load(page)
    screenshot(page, name)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_visitor_walks_from_home_to_an_entity(published_exhibit, open_page, screenshot, viewport):
    page = open_page(viewport)

    page.goto("/")
    arrive(page, screenshot, f"{viewport}-1-home")
    assert published_exhibit.title in page.locator("main").inner_text()

    follow(page, page.locator("main a.card__link", has_text=published_exhibit.title))
    exhibit = current_object(page)
    assert exhibit == published_exhibit
    arrive(page, screenshot, f"{viewport}-2-exhibit", exhibit.title)

    follow(page, page.locator("main a.exhibit-toc__link"))
    section = current_object(page)
    assert isinstance(section, Section)
    arrive(page, screenshot, f"{viewport}-3-section", section.title)

    # Walk on through the sections until one shows an image.
    image_link = page.locator("main .figure__link")
    while image_link.count() == 0:
        follow(page, page.locator("main a[rel=next]"))
    follow(page, image_link)
    image = current_object(page)
    assert isinstance(image, Image)
    arrive(page, screenshot, f"{viewport}-4-image", image.title)
    if image.is_placeholder:
        assert page.locator("main .badge--placeholder").first.is_visible()

    entity_link = page.locator("main a.chip")
    if entity_link.count() == 0:  # an image tagged with nobody: take the index instead
        follow(
            page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Entities")
        )
        follow(page, page.locator("main .az-nav a"))  # a kind's first letter
        entity_link = page.locator("main .entity-index a")  # a name, or a see-reference
    follow(page, entity_link)
    entity = current_object(page)
    assert isinstance(entity, Entity)
    arrive(page, screenshot, f"{viewport}-5-entity", entity.name)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_visitor_reads_an_essay_and_the_index(published_exhibit, open_page, screenshot, viewport):
    page = open_page(viewport)
    page.goto(published_exhibit.get_absolute_url())
    follow(page, page.locator("main a.exhibit-toc__link"))

    essay_link = page.locator("main .essay-card a, main .embedded-essay__more a")
    while essay_link.count() == 0:
        follow(page, page.locator("main a[rel=next]"))
    follow(page, essay_link)
    essay = current_object(page)
    assert isinstance(essay, Essay)
    arrive(page, screenshot, f"{viewport}-6-essay", essay.title)
    if page.locator("main .footnote-ref a").count():
        follow_note = page.locator("main .footnote-ref a").first
        target = follow_note.get_attribute("href")
        follow_note.click()
        assert page.locator(target).is_visible()

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Entities"))
    arrive(page, screenshot, f"{viewport}-7-entities", "People, places, organisations and events")

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Exhibits"))
    arrive(page, screenshot, f"{viewport}-8-exhibits", "Exhibits")


def test_draft_exhibit_url_shows_the_404_page(published_exhibit, open_page, screenshot):
    draft = Exhibit.objects.create(
        title="An unfinished exhibit",
        slug="unfinished",
        summary="Not ready for visitors.",
        status=Status.DRAFT,
    )
    page = open_page("desktop")
    response = page.goto(draft.get_absolute_url())
    assert response.status == 404
    assert heading(page) == "Page not found"
    assert "An unfinished exhibit" not in page.content()
    assert page.title().startswith("Page not found — ")
    screenshot(page, "desktop-9-not-found")
