"""Error pages look like the site on a phone and a desktop, with their styles loaded."""

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "400": ("/fail/400/", 400, "Bad request"),
    "403": ("/fail/403/", 403, "Not allowed"),
    "404": ("/no/such/page/", 404, "Page not found"),
    "500": ("/fail/500/", 500, "Something went wrong"),
}


@pytest.fixture
def error_urls(settings, browser_urls):
    settings.ROOT_URLCONF = "tests.browser.error_urls"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("name", PAGES)
def test_error_page_is_styled_and_fits(open_page, error_urls, screenshot, name, viewport):
    path, status, heading = PAGES[name]
    page = open_page(viewport)
    response = page.goto(path)
    assert response.status == status
    assert page.locator("h1").inner_text() == heading
    # The stylesheet applied: the header is laid out as the site's, not as bare HTML.
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"error-{name}-{viewport}")


@pytest.mark.django_db(transaction=True)
def test_csrf_failure_page(open_page, error_urls, screenshot):
    page = open_page("desktop")
    page.goto("/fail/csrf/")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert page.locator("h1").inner_text() == "This form could not be accepted"
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    screenshot(page, "error-csrf-desktop")
