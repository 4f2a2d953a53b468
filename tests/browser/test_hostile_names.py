"""Hostile names stay text: a curator (or whoever took over a curator's account) can name a
place, an image, an exhibit or an archive with markup, and every page that shows the name, and
every script that puts it into a tooltip, popup, overlay or note, shows it as written.

Each payload would, if parsed as HTML, run script, open a dialog, or navigate to the evil host.
The tests watch for all three, and look for the payload's elements in the DOM, which catches
markup the Content-Security-Policy would have stopped from running (an ``onerror`` handler)
and a ``<meta http-equiv="refresh">``, which it does not stop.
"""

import copy
import io
import json
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image as PILImage

from exhibit.models import Annotation, Block, Entity, IndexName
from exhibit.services.anchoring import selector_for
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_repository,
    make_section,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-pass-phrase-1"  # what make_user gives every user
EVIL_HOST = "evil.example"
TILE_HOST = "https://tiles.invalid"

SCRIPT = "<script>window.pwned=1</script>"
IMG = "<img src=x onerror=alert(2)>"
META = f'<meta http-equiv="refresh" content="0;url=https://{EVIL_HOST}/phish">'
SVG = "<svg onload=window.pwned=4>"
LINK = '<a href="javascript:alert(5)">Read more</a>'
JAVASCRIPT = "javascript:alert(6)//"
HOSTILE = [SCRIPT, IMG, META, SVG, LINK, JAVASCRIPT]
# Markdown fields show quotes typographically, so their literal check uses the quote-free ones.
QUOTELESS = [SCRIPT, IMG, SVG, JAVASCRIPT]

# Registered before any page script runs: policy violations (an inline handler or script the
# policy stopped) are kept, so markup that was parsed but did not run is caught too.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", event => {
    window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""

# What a payload leaves behind if it was parsed as markup.
INJECTED = """() => {
    const found = [];
    const add = (selector, what) => document.querySelectorAll(selector).forEach(
        element => found.push(`${what}: ${element.outerHTML.slice(0, 120)}`));
    add("meta[http-equiv]", "meta http-equiv");
    add("img[src='x'], [onerror]", "onerror");
    add("[onload]", "onload");
    add("[href^='javascript:' i], [src^='javascript:' i], [href^='data:' i]", "script URL");
    // Data blocks (JSON-LD, json_script) are not run; a script of any other type would be.
    document.querySelectorAll("script:not([src])").forEach(script => {
        if (!/json$/.test(script.type)) found.push(`inline script: ${script.text}`);
    });
    return found;
}"""


def blank_tile():
    buffer = io.BytesIO()
    PILImage.new("RGB", (256, 256), (226, 232, 220)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def hostile_site(settings, roles, reuse_built_images):
    """Published content whose every visitor-visible name carries a payload."""
    if not finders.find("vendor/leaflet/leaflet.js"):
        pytest.fail("exhibit/static/vendor/leaflet/ is missing: run `make assets`.")
    settings.MAP_TILE_URL = TILE_HOST + "/{z}/{x}/{y}.png"
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], TILE_HOST]
    settings.CONTENT_SECURITY_POLICY = policy
    # The operator's credit is HTML by design (a link); the server sanitises it.
    settings.MAP_TILE_ATTRIBUTION = f'{IMG} <a href="javascript:alert(7)">Hostile tiles</a>'

    exhibit = make_exhibit(title=META, summary=IMG)
    section = make_section(exhibit, title=SVG, summary=SCRIPT)
    # One place per payload, spread out so that each marker can be hovered on its own.
    places = [
        make_entity(
            name=name,
            latitude=f"{50 + 2 * (n % 3)}.0",
            longitude=f"{30 + 6 * n}.0",
            description=META,
            alternative_names=JAVASCRIPT,
        )
        for n, name in enumerate(HOSTILE)
    ]
    event = make_entity(kind=Entity.Kind.EVENT, name=LINK, date="1928", description=SVG)
    make_block(section, kind=Block.Kind.ENTITIES, heading=IMG, entities=[*places, event])

    repository = make_repository(abbreviation="EVIL", name=META, name_original=SCRIPT, place=IMG)
    image = make_image(
        title=SCRIPT,
        alt_text=IMG,
        caption=META,
        credit_line=SVG,
        date="c. 1928",
        archival_reference=make_reference(repository=repository),
        entities=places[:2],
    )
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    region = Annotation.objects.create(image=image, xywh="100,80,200,150", body=" ".join(HOSTILE))
    region.entities.set(places)

    essay = make_essay(
        title=LINK,
        body=f"The order was signed in 1925.\n\nIts margin reads {SCRIPT} in pencil.",
    )
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    revision = essay.revisions.order_by("-number").first()
    start = revision.text.index(SCRIPT)
    selector = selector_for(revision.text, start, start + len(SCRIPT))
    note = Annotation.objects.create(
        essay=essay,
        revision=revision,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
        body=" ".join(HOSTILE),
    )
    note.entities.set(places)
    return {
        "exhibit": exhibit,
        "section": section,
        "places": places,
        "event": event,
        "repository": repository,
        "image": image,
        "essay": essay,
    }


@pytest.fixture
def watched(open_page, live_server):
    """``watched()``: a page that records dialogs, requests that leave the site, and policy
    violations; ``watched.assert_inert(page, path)`` checks that nothing happened."""
    records = {}

    def watched():
        page = open_page("desktop")
        page.add_init_script(WATCH)
        record = records[page] = {"dialogs": [], "left": []}

        def on_dialog(dialog):
            record["dialogs"].append(dialog.message)
            dialog.dismiss()

        def route(route):
            url = route.request.url
            if url.startswith(TILE_HOST):
                route.fulfill(status=200, content_type="image/png", body=blank_tile())
            elif url.startswith(live_server.url):
                route.continue_()
            else:
                record["left"].append(url)
                route.abort()

        def on_request(request):
            # A navigation the router aborts is still a request: recorded here as well.
            if urlsplit(request.url).hostname == EVIL_HOST:
                record["left"].append(request.url)

        page.on("dialog", on_dialog)
        page.on("request", on_request)
        page.route("**/*", route)
        return page

    def assert_inert(page, path):
        where = urlsplit(page.url)
        assert f"{where.scheme}://{where.netloc}{where.path}" == live_server.url + path
        assert page.evaluate(INJECTED) == [], path
        assert page.evaluate("window.pwned") is None, path
        assert page.evaluate("window.__violations") == [], path
        assert records[page]["dialogs"] == [], path
        assert records[page]["left"] == [], path

    watched.assert_inert = assert_inert
    return watched


# Each open tooltip's text; a tooltip holds one element of text, never markup.
TOOLTIPS = """() => [...document.querySelectorAll(".leaflet-tooltip")].map(tooltip =>
    tooltip.querySelectorAll("*").length <= 1 ? tooltip.textContent : tooltip.innerHTML)"""


def visible_text(page):
    return page.evaluate("document.body.innerText")


def check_tooltip_and_popup(page, marker, linked):
    """The marker's tooltip shows its name as text; Enter opens a popup that does too."""
    name = marker.get_attribute("aria-label")
    page.locator(".leaflet-tooltip").first.wait_for(state="visible")
    assert name in page.evaluate(TOOLTIPS)
    page.keyboard.press("Enter")
    content = page.locator(".leaflet-popup-content")
    content.wait_for(state="visible")
    assert content.text_content() == name
    if linked:
        link = content.locator("a")
        assert link.text_content() == name
        assert link.get_attribute("href").startswith("/entities/")
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached")
    return name


def test_map_markers_show_hostile_names_as_text(hostile_site, watched):
    page = watched()
    page.goto(reverse("exhibit:map"))
    page.wait_for_selector("[data-map-ready]")
    markers = page.locator(".place-map__marker")
    assert markers.count() == len(HOSTILE)
    watched.assert_inert(page, "/map/")
    # The operator's credit keeps its text and loses the markup the sanitiser refuses.
    credit = page.locator(".leaflet-control-attribution")
    assert "Hostile tiles" in credit.text_content()

    # Pointer: each marker's tooltip on hover.
    hovered = []
    for n in range(markers.count()):
        marker = markers.nth(n)
        marker.hover(force=True)
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for(state="visible")
        hovered.append(tooltip.text_content())
        assert tooltip.text_content() == marker.get_attribute("aria-label")
        watched.assert_inert(page, "/map/")
        page.mouse.move(0, 0)
        tooltip.wait_for(state="detached")
    assert sorted(hovered) == sorted(HOSTILE)

    # Keyboard: Tab reaches each marker, whose tooltip opens on focus, and Enter its popup.
    page.locator("[data-map]").focus()
    reached = []
    for _ in range(len(HOSTILE) + 6):
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.matches('.place-map__marker')"):
            continue
        marker = page.locator(".place-map__marker:focus")
        reached.append(check_tooltip_and_popup(page, marker, linked=True))
        watched.assert_inert(page, "/map/")
        if len(reached) == len(HOSTILE):
            break
    assert sorted(reached) == sorted(HOSTILE)


def test_a_map_popup_links_only_to_web_addresses(hostile_site, watched, live_server):
    """The server writes each place's address; were one ever a script or data URL, its popup
    would name the place without a link."""
    page = watched()
    bad = {"javascript:alert(8)", " JavaScript:alert(9)", "data:text/html,<script>alert(10)"}

    def tamper(route):
        response = route.fetch()
        data = response.json()
        urls = {place.get_absolute_url(): address for address, place in
                zip(sorted(bad), hostile_site["places"], strict=False)}  # fmt: skip
        for feature in data["features"]:
            url = feature["properties"]["url"]
            feature["properties"]["url"] = urls.get(url, url)
        route.fulfill(response=response, body=json.dumps(data))

    # The map fetches its places as GeoJSON: tamper with that.
    page.route(live_server.url + reverse("exhibit:map_places"), tamper)
    page.goto(reverse("exhibit:map"))
    page.wait_for_selector("[data-map-ready]")
    page.locator("[data-map]").focus()
    links = []
    for _ in range(len(HOSTILE) + 6):
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.matches('.place-map__marker')"):
            continue
        page.keyboard.press("Enter")
        content = page.locator(".leaflet-popup-content")
        content.wait_for(state="visible")
        link = content.locator("a")
        links.append(link.get_attribute("href") if link.count() else None)
        watched.assert_inert(page, "/map/")
        page.keyboard.press("Escape")
        page.wait_for_selector(".leaflet-popup", state="detached")
        if len(links) == len(HOSTILE):
            break
    assert links.count(None) == len(bad)
    assert all(href.startswith("/entities/") for href in links if href is not None)


def test_a_place_page_and_its_small_map_show_the_hostile_name_as_text(hostile_site, watched):
    page = watched()
    for place in hostile_site["places"]:
        path = place.get_absolute_url()
        page.goto(path)
        page.wait_for_selector("[data-map-ready]")
        assert page.locator("h1").inner_text() == place.name
        marker = page.locator(".place-map__marker")
        marker.hover(force=True)
        assert page.locator(".leaflet-tooltip").text_content() == place.name
        page.mouse.move(0, 0)
        marker.focus()
        check_tooltip_and_popup(page, marker, linked=False)
        watched.assert_inert(page, path)


def test_essay_notes_show_hostile_names_and_notes_as_text(hostile_site, watched):
    page = watched()
    essay = hostile_site["essay"]
    path = essay.get_absolute_url()
    page.goto(path)
    assert page.locator("h1").inner_text() == LINK
    mark = page.locator("mark.annotation[role=button]").first
    assert mark.inner_text() == SCRIPT
    mark.focus()
    page.keyboard.press("Enter")
    popover = page.locator("#annotation-popover")
    popover.wait_for(state="visible")
    shown = popover.inner_text()
    for text in QUOTELESS:
        assert text in shown
    for place in hostile_site["places"]:
        assert place.name in shown  # the note's linked places, as chips
    watched.assert_inert(page, path)
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    watched.assert_inert(page, path)


def test_image_viewer_and_its_region_overlays_show_hostile_text_as_text(hostile_site, watched):
    if not finders.find("vendor/openseadragon/openseadragon.min.js"):
        pytest.fail("exhibit/static/vendor/openseadragon/ is missing: run `make assets`.")
    page = watched()
    image = hostile_site["image"]
    path = image.get_absolute_url()
    page.goto(path)
    page.wait_for_selector(".deep-zoom[data-state=open]")
    region = page.locator(".deep-zoom__region")
    region.wait_for(state="visible")
    assert page.locator("h1").inner_text() == SCRIPT
    assert page.locator("[role=application]").get_attribute("aria-label") == IMG
    text = visible_text(page)
    for shown in (META, SVG, *QUOTELESS):
        assert shown in text
    region.click()
    assert page.evaluate("location.hash").startswith("#n-")
    watched.assert_inert(page, path)


def test_every_page_that_shows_names_shows_hostile_ones_as_text(hostile_site, watched):
    page = watched()
    site = hostile_site
    pages = {
        reverse("exhibit:home"): [META, IMG],
        reverse("exhibit:exhibit_list"): [META, IMG],
        site["exhibit"].get_absolute_url(): [META, IMG, SVG],
        site["section"].get_absolute_url(): [SVG, IMG, *HOSTILE],
        reverse("exhibit:entity_list"): [],  # kinds, counts and letters
        site["event"].get_absolute_url(): [LINK, SVG],
        reverse("exhibit:repository_list"): [META, SCRIPT],
        site["repository"].get_absolute_url(): [META, SCRIPT, IMG],
        reverse("exhibit:timeline"): [LINK, SCRIPT],
        reverse("exhibit:search") + "?q=refresh": [META],
        reverse("exhibit:search") + "?q=pwned": [SCRIPT, SVG],
    }
    for url, texts in pages.items():
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        shown = visible_text(page)
        for text in texts:
            assert text in shown, (url, text)
        watched.assert_inert(page, urlsplit(url).path)
    # The places index, a letter at a time: every name shown, as text, on its letter's page.
    letters = IndexName.objects.filter(kind="place").values_list("letter", flat=True)
    shown = ""
    for letter in sorted(set(letters)):
        url = f"{reverse('exhibit:place_list')}?letter={quote(letter)}"
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        shown += visible_text(page)
        watched.assert_inert(page, urlsplit(url).path)
    for text in HOSTILE:
        assert text in shown, text


TITLES = "elements => elements.map(element => element.title)"


def test_admin_annotation_panels_show_hostile_notes_and_names_as_text(hostile_site, watched):
    make_user("curator", group="Curator")
    page = watched()
    essay, image = hostile_site["essay"], hostile_site["image"]
    path = reverse("admin:exhibit_essay_change", args=[essay.pk])
    page.goto(f"{reverse('admin:login')}?next={path}")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()

    # The essay's panel: the highlight's title, the list of notes, and the note's form with
    # its linked places in the admin's autocomplete.
    mark = page.locator("mark.annotate-mark")
    assert mark.get_attribute("title").endswith(" ".join(HOSTILE)[:120])
    assert page.locator(".annotate-list-item q").inner_text() == SCRIPT
    page.locator(".annotate-list-item").click()
    chosen = page.locator(".annotate-field-entities .select2-selection__choice")
    chosen.first.wait_for()
    assert sorted(chosen.evaluate_all(TITLES)) == sorted(f"{name} (place)" for name in HOSTILE)
    watched.assert_inert(page, path)

    # The image's panel: each region's outline and its line in the list.
    path = reverse("admin:exhibit_image_change", args=[image.pk])
    page.goto(path)
    outline = page.locator(".annotate-region")
    assert outline.get_attribute("aria-label") == "Region 1: " + " ".join(HOSTILE)[:80]
    assert page.locator(".annotate-list-item").inner_text() == "Region 1: " + " ".join(HOSTILE)[:80]
    outline.click()
    chosen.first.wait_for()
    assert sorted(chosen.evaluate_all(TITLES)) == sorted(f"{name} (place)" for name in HOSTILE)
    watched.assert_inert(page, path)
