"""The map of places: Leaflet draws a marker per listed place, and nothing leaves the site.

Tile requests go to a host that does not exist; the browser's router answers them with a blank
tile, so the map renders offline and the test can count them. Every other request must stay on
the live server.
"""

import copy
import io

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from tests.factories import make_block, make_entity, make_exhibit, make_section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE_HOST = "https://tiles.invalid"


def blank_tile():
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 232, 220)).save(buffer, "PNG")
    return buffer.getvalue()


PLACES = {
    "Lipetsk": ("52.603100", "39.570800"),
    "Kazan": ("55.796400", "49.108900"),
    "Moscow": ("55.755800", "37.617300"),
}


@pytest.fixture
def places(settings):
    if not finders.find("vendor/leaflet/leaflet.js"):
        pytest.fail("exhibit/static/vendor/leaflet/ is missing: run `make assets`.")
    settings.MAP_TILE_URL = TILE_HOST + "/{z}/{x}/{y}.png"
    # The policy lets images come from the tile server, as it does when MAP_TILE_URL is set
    # in the environment (config/settings.py).
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], TILE_HOST]
    settings.CONTENT_SECURITY_POLICY = policy
    settings.MAP_TILE_ATTRIBUTION = '© <a href="https://example.org/">Test tiles</a>'
    section = make_section(make_exhibit())
    entities = [
        make_entity(name=name, latitude=lat, longitude=lng) for name, (lat, lng) in PLACES.items()
    ]
    make_block(section, entities=entities)
    return entities


def test_map_page_draws_a_marker_per_place_without_leaving_the_site(
    open_page, live_server, places, screenshot
):
    page = open_page("desktop")
    tiles, external, tile = [], [], blank_tile()

    def route(route):
        url = route.request.url
        if url.startswith(TILE_HOST):
            tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=tile)
        elif url.startswith(live_server.url):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", route)
    page.goto("/map/")
    page.wait_for_selector("[data-map-ready]")

    assert page.locator(".place-map__marker").count() == len(PLACES)
    assert page.get_attribute("[data-map]", "data-map-ready") == str(len(PLACES))
    assert page.locator(".leaflet-control-attribution").inner_text().endswith("Test tiles")
    assert tiles, "the map asked for tiles from the configured server"
    assert external == []
    # The list stays below the map, each place linked.
    assert page.locator(".place-list__item a").count() == len(PLACES)
    # A marker's popup links to the place's page.
    page.locator(".place-map__marker").first.click(force=True)
    assert page.locator(".leaflet-popup-content a").get_attribute("href").startswith("/entities/")
    screenshot(page, "map-places")


def test_every_marker_is_reached_named_and_opened_by_keyboard(
    open_page, live_server, places, screenshot
):
    page = open_page("desktop")
    page.route(
        f"{TILE_HOST}/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=blank_tile()),
    )
    page.goto("/map/")
    page.wait_for_selector("[data-map-ready]")

    # Tab from the map itself reaches every marker in turn, each a button named for its place.
    page.locator("[data-map]").focus()
    reached = []
    for _ in range(len(PLACES) + 6):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const el = document.activeElement; return el.matches('.place-map__marker')"
            " ? [el.getAttribute('role'), el.getAttribute('aria-label')] : null; }"
        )
        if focused:
            reached.append(focused)
        if len(reached) == len(PLACES):
            break
    assert sorted(reached) == sorted(["button", name] for name in PLACES)
    for name in PLACES:
        marker = page.get_by_role("button", name=name, exact=True)
        assert marker.count() == 1
        assert marker.get_attribute("aria-describedby") is None  # the name is not said twice

    # Focus is visible: the focused marker draws an outline.
    marker = page.get_by_role("button", name="Kazan", exact=True)
    marker.focus()
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2
    screenshot(page, "map-marker-focused")

    # Enter opens its popup and moves focus to the link to the place's page.
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content a")
    assert link.inner_text() == "Kazan"
    kazan = next(place for place in places if place.name == "Kazan")
    assert link.get_attribute("href") == kazan.get_absolute_url()
    assert page.evaluate("() => document.activeElement.textContent") == "Kazan"
    screenshot(page, "map-marker-popup")

    # Escape closes it and gives focus back to the marker; Space opens it too.
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Kazan"
    page.keyboard.press(" ")
    page.wait_for_selector(".leaflet-popup-content a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{kazan.get_absolute_url()}")


def test_nearby_places_cluster_and_a_cluster_zooms_in_by_keyboard(
    open_page, live_server, settings, screenshot
):
    """Without a tile server too: the places come as GeoJSON, nearby ones share a cluster (a
    button saying how many it holds), and Enter on it zooms in until they stand apart."""
    settings.MAP_TILE_URL = ""
    section = make_section(make_exhibit())
    near = [
        make_entity(name=f"Hangar {n}", latitude=f"52.60{n}", longitude=f"39.57{n}")
        for n in range(5)
    ]
    far = make_entity(name="Kazan", latitude="55.796400", longitude="49.108900")
    make_block(section, entities=[*near, far])
    page = open_page("desktop")
    page.goto("/map/")
    page.wait_for_selector("[data-map-ready]")

    assert page.get_attribute("[data-map]", "data-map-ready") == "6"
    cluster = page.locator(".place-map__cluster")
    assert cluster.count() == 1
    assert cluster.get_attribute("role") == "button"
    assert cluster.get_attribute("aria-label") == "5 places: zoom in"
    assert cluster.inner_text() == "5"
    assert page.locator(".place-map__marker").count() == 1  # Kazan, on its own
    screenshot(page, "map-cluster")

    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.place-map__marker').length > 1")
    page.wait_for_timeout(500)  # the zoom animation
    screenshot(page, "map-cluster-opened")
