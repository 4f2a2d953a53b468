"""A visitor reads the notes on an essay's passages: by keyboard, by touch, and without JS."""

import re

import pytest

from exhibit.models import Annotation, Entity, Essay, Image
from exhibit.services.anchoring import selector_for
from tests.browser.conftest import SCREENSHOTS, VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def essay(published_exhibit):
    """The demo essay with its notes, and one more made here that runs from the end of one
    paragraph into the next, which is all in <em>: its highlight is split into several marks."""
    essay = Essay.objects.published().get(slug="training-grounds")
    revision = essay.revisions.order_by("-number").first()
    start = revision.text.index("and it says so on every page.")
    end = revision.text.index("About this essay: it is demonstration text") + 42
    selector = selector_for(revision.text, start, end)
    note = Annotation.objects.create(
        essay=essay,
        revision=revision,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
        motivation=Annotation.Motivation.COMMENTING,
        body="Written for the demo: see the **credits**.",
    )
    note.entities.set(Entity.objects.published().filter(slug="lipetsk"))
    return essay


def view(page, name):
    """Photograph just the viewport (what a reader sees at once), beside the full pages."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_js_page(chromium, live_server, viewport):
    context = chromium.new_context(
        viewport=viewport, base_url=live_server.url, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_keyboard_opens_a_note_beside_its_passage_and_escape_returns(
    essay, open_page, screenshot, viewport
):
    page = open_page(viewport)
    page.goto(essay.get_absolute_url())
    seeckt = Annotation.objects.published().get(essay=essay, exact="Hans von Seeckt")
    mark = page.locator(f"#a-{seeckt.uuid}")
    assert mark.get_attribute("role") == "button"
    assert mark.get_attribute("tabindex") == "0"
    assert mark.get_attribute("aria-expanded") == "false"

    mark.focus()
    page.keyboard.press("Enter")
    popover = page.locator("#annotation-popover")
    popover.wait_for(state="visible")
    assert mark.get_attribute("aria-expanded") == "true"
    assert "Chief of the German army command" in popover.inner_text()
    assert popover.evaluate("el => el.contains(document.activeElement)")
    box, passage = popover.bounding_box(), mark.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"] + 1  # on screen
    if viewport == "desktop":  # beside or under the passage, not far away
        assert abs(box["y"] - passage["y"]) < 120
    view(page, f"{viewport}-notes-1-open")
    page.emulate_media(color_scheme="dark")
    view(page, f"{viewport}-notes-1-open-dark")
    page.emulate_media(color_scheme="light")

    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == f"a-{seeckt.uuid}"
    assert mark.get_attribute("aria-expanded") == "false"

    # Space opens it too; the entity link in the note leads to the entity's page.
    page.keyboard.press(" ")
    popover.wait_for(state="visible")
    with page.expect_navigation():
        popover.get_by_role("link", name=re.compile("Hans von Seeckt")).click()
    assert page.locator("main h1").inner_text() == "Hans von Seeckt"
    # The entity page quotes the passage and links back to its highlight.
    back = page.locator(f'a[href$="#a-{seeckt.uuid}"]')
    assert back.count() == 1
    screenshot(page, f"{viewport}-notes-2-entity")
    with page.expect_navigation():
        back.click()
    assert page.url.endswith(f"#a-{seeckt.uuid}")
    assert page.evaluate("location.hash") == f"#a-{seeckt.uuid}"
    assert page.locator("mark.annotation:target").count() == 1


def test_tap_on_a_phone_shows_the_note_as_a_sheet(essay, open_page, screenshot):
    page = open_page("phone")
    page.goto(essay.get_absolute_url())
    note = Annotation.objects.get(essay=essay, exact__startswith="and it says so")
    piece = page.locator(f'mark[data-note="n-{note.uuid}"]')
    assert piece.count() >= 2  # the passage runs into the <em>: split, one note
    piece.last.tap()
    popover = page.locator("#annotation-popover")
    popover.wait_for(state="visible")
    assert "Written for the demo" in popover.inner_text()
    box = popover.bounding_box()
    assert box["width"] == pytest.approx(page.viewport_size["width"], abs=1)
    assert box["y"] + box["height"] == pytest.approx(page.viewport_size["height"], abs=2)
    view(page, "phone-notes-3-sheet")
    page.locator(".annotation-popover__close").tap()
    popover.wait_for(state="hidden")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_without_javascript_the_notes_are_a_list_linked_both_ways(
    essay, chromium, live_server, browser_urls, screenshot, viewport
):
    context, page = no_js_page(chromium, live_server, VIEWPORTS[viewport])
    try:
        page.goto(essay.get_absolute_url())
        notes = page.locator("#essay-notes li.annotation-note")
        published = Annotation.objects.published().filter(essay=essay).count()
        assert notes.count() == published
        first = Annotation.objects.published().filter(essay=essay).order_by("start").first()
        assert page.locator(f"#a-{first.uuid}").get_attribute("role") is None  # no dead buttons
        ref = page.locator(f'a.annotation-ref[href="#n-{first.uuid}"]')
        ref.click()
        assert page.evaluate("location.hash") == f"#n-{first.uuid}"
        assert page.locator(f"#n-{first.uuid}").is_visible()
        page.locator(f'#n-{first.uuid} a[href="#a-{first.uuid}"]').click()
        assert page.evaluate("location.hash") == f"#a-{first.uuid}"
        screenshot(page, f"{viewport}-notes-4-no-js")
    finally:
        context.close()


def test_image_regions_are_outlined_links_to_their_notes_without_javascript(
    published_exhibit, chromium, live_server, browser_urls, screenshot
):
    image = Image.objects.published().filter(annotations__isnull=False).distinct().first()
    assert image is not None, "the demo should annotate a region of a published image"
    context, page = no_js_page(chromium, live_server, VIEWPORTS["desktop"])
    try:
        page.goto(image.get_absolute_url())
        region = page.locator("svg.region-overlay a.region").first
        picture = page.locator("img.image-stage__image").bounding_box()
        outline = region.locator(".region__shape").bounding_box()
        note = Annotation.objects.published().filter(image=image).order_by("pk")
        x, y, w, h = sorted((n.region for n in note), key=lambda r: (r[1], r[0]))[0]
        scale = picture["width"] / image.width
        assert outline["x"] == pytest.approx(picture["x"] + x * scale, abs=3)
        assert outline["y"] == pytest.approx(picture["y"] + y * scale, abs=3)
        assert outline["width"] == pytest.approx(w * scale, abs=4)
        assert outline["height"] == pytest.approx(h * scale, abs=4)
        screenshot(page, "desktop-notes-5-image-regions")
        page.keyboard.press("Tab")  # keyboard focus, so :focus-visible shows
        region.focus()
        view(page, "desktop-notes-6-region-focus")
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash").startswith("#n-")
        target = page.locator("li.annotation-note:target")
        assert target.get_attribute("data-xywh")
    finally:
        context.close()
