"""The image page's deep-zoom viewer: OpenSeadragon over the image's IIIF level-0 tiles.

A level-0 service serves only the tiles its info.json describes and the sizes it lists; a viewer
that asks for anything else gets a 404 and shows a hole. These tests zoom in and check every
request the viewer made against what info.json promises.
"""

import math
import re

import pytest
from django.contrib.staticfiles import finders

from exhibit.models import Image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR_SCRIPT = "vendor/openseadragon/openseadragon.min.js"
IIIF_FILE = re.compile(r"/iiif/images/[^/]+/(?P<region>[^/]+)/(?P<size>[^/]+)/0/default\.jpg$")
VIEWER = "window.exhibitViewers && window.exhibitViewers[0]"
# Screen pixels per image pixel.
IMAGE_ZOOM = f"{VIEWER}.viewport.viewportToImageZoom({VIEWER}.viewport.getZoom())"
SETTLED = f"""() => {{
    const viewer = {VIEWER};
    const item = viewer && viewer.world.getItemAt(0);
    return Boolean(item) && item.getFullyLoaded()
        && Math.abs(viewer.viewport.getZoom(true) - viewer.viewport.getZoom()) < 1e-9;
}}"""


@pytest.fixture
def vendor_built():
    if not finders.find(VENDOR_SCRIPT):
        pytest.fail(
            f"exhibit/static/{VENDOR_SCRIPT} is missing, so the page has no viewer: build the "
            "front-end assets with `make assets` (npm ci, then npm run build)."
        )


@pytest.fixture
def image(published_exhibit):
    image = (
        Image.objects.published()
        .filter(processing_state=Image.Processing.READY)
        .order_by("pk")
        .first()
    )
    assert image is not None, "the demo exhibit should publish a processed image"
    return image


def level0_files(info):
    """Every ``{region}/{size}`` a level-0 service with this info.json must answer.

    The arithmetic of the Image API 3.0 implementation notes: tiles of ``width * scaleFactor``
    image pixels, the last in each row and column cut short, sizes rounded up; plus the whole
    image at each listed size, and at ``max``.
    """
    width, height = info["width"], info["height"]
    files = {"full/max"} | {f"full/{s['width']},{s['height']}" for s in info.get("sizes", [])}
    for tiles in info.get("tiles", []):
        tile_w, tile_h = tiles["width"], tiles.get("height", tiles["width"])
        for factor in tiles["scaleFactors"]:
            for y in range(0, height, tile_h * factor):
                for x in range(0, width, tile_w * factor):
                    w, h = min(tile_w * factor, width - x), min(tile_h * factor, height - y)
                    region = "full" if (w, h) == (width, height) else f"{x},{y},{w},{h}"
                    files.add(f"{region}/{math.ceil(w / factor)},{math.ceil(h / factor)}")
    return files


def scale_factor(region, size, width):
    """How many image pixels one pixel of this tile (or whole-image size) stands for."""
    if size == "max":
        return 1
    region_w = width if region == "full" else int(region.split(",")[2])
    return region_w / int(size.split(",")[0])


def watch_iiif(page):
    """Record the viewer's IIIF requests (URL and status) and any page errors."""
    log = {"responses": [], "failed": [], "errors": []}
    page.on(
        "response",
        lambda r: "/iiif/" in r.url and log["responses"].append((r.url, r.status)),
    )
    page.on(
        "requestfailed",
        lambda r: "/iiif/" in r.url and log["failed"].append((r.url, r.failure)),
    )
    page.on("pageerror", lambda error: log["errors"].append(str(error)))
    return log


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_viewer_zooms_into_level0_tiles_without_a_404(
    vendor_built, image, open_page, screenshot, viewport
):
    page = open_page(viewport)
    log = watch_iiif(page)
    page.goto(image.get_absolute_url())

    container = page.locator(".deep-zoom")
    page.wait_for_selector(".deep-zoom[data-state=open]")
    page.wait_for_function(SETTLED)
    # The viewer has taken the picture's place.
    assert container.is_visible()
    assert not page.locator("img.image-stage__image").is_visible()
    assert page.evaluate(f"{VIEWER}.world.getItemAt(0).source.sizes.length") > 0
    if image.is_placeholder:  # the label stays on top of the image in the viewer
        assert page.locator(".deep-zoom .image-stage__badge").evaluate(
            "badge => { const box = badge.getBoundingClientRect();"
            " return badge.contains(document.elementFromPoint(box.x + 5, box.y + 5)); }"
        )
    screenshot(page, f"{viewport}-deep-zoom-1-home")
    opened = len(log["responses"])

    # Keyboard: the canvas is focusable, named by the alt text, and zooms with "+".
    canvas = container.get_by_role("application")
    assert canvas.get_attribute("role") == "application"
    assert canvas.get_attribute("aria-label") == image.alt_text
    help_id = canvas.get_attribute("aria-describedby")
    assert "arrow keys" in page.locator(f"#{help_id}").inner_text()
    canvas.focus()
    home_zoom = page.evaluate(f"{VIEWER}.viewport.getZoom()")
    # Zoom until one image pixel fills a screen pixel: the full-resolution tiles are needed.
    for _ in range(60):
        page.keyboard.press("+")
        if page.evaluate(IMAGE_ZOOM) >= 1:
            break
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(SETTLED)
    assert page.evaluate(f"{VIEWER}.viewport.getZoom()") > home_zoom * 2
    screenshot(page, f"{viewport}-deep-zoom-2-zoomed")

    assert not log["errors"], log["errors"]
    assert not log["failed"], log["failed"]
    statuses = {url: status for url, status in log["responses"]}
    assert all(status == 200 for status in statuses.values()), [
        (url, status) for url, status in statuses.items() if status != 200
    ]
    info_url = container.get_attribute("data-info-url")
    info = page.evaluate(f"fetch('{info_url}').then(r => r.json())")
    allowed = level0_files(info)
    requested = {}
    for url, _ in log["responses"]:
        match = IIIF_FILE.search(url)
        if match:
            requested[url] = (match["region"], match["size"])
    unlisted = [
        url for url, (region, size) in requested.items() if f"{region}/{size}" not in allowed
    ]
    assert not unlisted, f"requests outside what info.json lists: {unlisted}"

    # Zooming in fetched a deeper level than the whole-image view needed: full-resolution tiles.
    def deepest(responses):
        files = [requested[url] for url, _ in responses if url in requested]
        return min(scale_factor(region, size, info["width"]) for region, size in files)

    assert deepest(log["responses"][:opened]) > 1
    assert deepest(log["responses"][opened:]) == 1


def test_zoom_buttons_work_from_the_keyboard(vendor_built, image, open_page, screenshot):
    page = open_page("desktop")
    page.goto(image.get_absolute_url())
    page.wait_for_selector(".deep-zoom[data-state=open]")
    page.wait_for_function(SETTLED)
    zoom_in = page.get_by_role("button", name="Zoom in")
    assert zoom_in.get_attribute("tabindex") == "0"
    # Tab from the canvas passes the region notes drawn over the image (focusable links to
    # their notes), then reaches the buttons; Enter and Space both press them.
    regions = page.locator(".deep-zoom__region").count()
    assert regions == image.annotations.filter(retired=False).count()
    page.get_by_role("application").focus()
    labels = []
    for _ in range(regions + 1):
        page.keyboard.press("Tab")
        labels.append(page.evaluate("document.activeElement.getAttribute('aria-label')"))
    assert all(label.startswith("Note ") for label in labels[:regions]), labels
    assert labels[-1] == "Zoom in"
    home_zoom = page.evaluate(f"{VIEWER}.viewport.getZoom()")
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    page.wait_for_function(SETTLED)
    assert page.evaluate(f"{VIEWER}.viewport.getZoom()") > home_zoom * 1.5
    screenshot(page, "desktop-deep-zoom-3-button-focus")


def test_without_javascript_the_plain_picture_shows(
    image, chromium, live_server, browser_urls, screenshot
):
    context = chromium.new_context(
        viewport={"width": 1366, "height": 900}, base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(image.get_absolute_url())
        picture = page.locator("img.image-stage__image")
        assert picture.is_visible()
        assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        assert picture.get_attribute("alt") == image.alt_text
        assert not page.locator(".deep-zoom").is_visible()
        screenshot(page, "desktop-deep-zoom-4-no-javascript")
    finally:
        context.close()


@pytest.mark.parametrize(
    "missing", [VENDOR_SCRIPT, "info.json"], ids=["library-not-built", "tiles-unavailable"]
)
def test_without_the_library_or_the_tiles_the_plain_picture_stays(image, open_page, missing):
    page = open_page("desktop")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(f"**/{missing}", lambda route: route.fulfill(status=404, body="missing"))
    page.goto(image.get_absolute_url())
    if missing == "info.json":
        page.wait_for_selector(".deep-zoom[data-state=failed]", state="attached")
    page.wait_for_load_state("load")
    assert page.locator("img.image-stage__image").is_visible()
    assert not page.locator(".deep-zoom").is_visible()
    assert page.locator(".js-deep-zoom").count() == 0
    if image.is_placeholder:
        assert page.locator(".image-stage__badge").is_visible()
    assert not errors, errors
