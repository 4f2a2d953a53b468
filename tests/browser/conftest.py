"""Playwright against the live server, driving Debian's Chromium (no browser is downloaded)."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module; each test opens its own context.

    Playwright's sync API keeps an event loop running in this thread, which Django takes for
    an async context; the ORM calls in these tests are synchronous and safe, so its guard is
    lifted while the browser runs, and restored for the rest of the suite.
    """
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is not installed, and REQUIRE_BROWSER is set (as in CI)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # launch() refuses --user-data-dir in args; it makes its own throwaway profile.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_urls(settings):
    """Serve media and static files from the live server (DEBUG is off in tests)."""
    settings.ROOT_URLCONF = "tests.browser.urls"


@pytest.fixture
def open_page(chromium, live_server, browser_urls):
    """``open_page(viewport)`` gives a fresh page at that viewport, closed after the test.

    Other keywords are Playwright's context options, e.g. ``color_scheme="dark"``.
    """
    contexts = []

    def open_page(viewport="desktop", **options):
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport],
            is_mobile=viewport == "phone",
            has_touch=viewport == "phone",
            device_scale_factor=1,
            base_url=live_server.url,
            java_script_enabled=True,
            **options,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG under screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name):
        # Headless Chromium's first full-page capture after the page was scrolled can miss
        # image tiles it has not rastered at the new size yet; the second one has them.
        page.screenshot(full_page=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def roles(transactional_db):
    """The roles and the script user the data migrations made (tests/conftest.py puts them back
    after a flush)."""
    from tests.conftest import restore_migration_data

    restore_migration_data()


@pytest.fixture
def published_exhibit(roles, reuse_built_images):
    """The demo exhibit (``load_demo``): published, featured, with every kind of block."""
    from exhibit.models import Exhibit

    call_command("load_demo", verbosity=0)
    return Exhibit.objects.published().order_by("-featured", "order").first()
