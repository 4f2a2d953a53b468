"""Under the site's Content-Security-Policy, no page breaks: public pages, the deep-zoom viewer,
the admin and its annotation widgets raise no policy violation and no console error."""

import pytest
from django.urls import reverse

from exhibit.models import Annotation, Entity, Essay, Image
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-pass-phrase-1"  # what make_user gives every user

# Registered before any page script runs, so every violation of the page's life is kept.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", event => {
    window.__violations.push(
        `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
        `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def record_console(problems, message):
    # A failed load is recorded with its URL by record_failure.
    if message.type in ("error", "warning") and not message.text.startswith("Failed to load"):
        problems.append(f"console {message.type}: {message.text}")


def record_failure(problems, response):
    # The admin pages link no icon, so the browser asks for /favicon.ico, which is not there.
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        problems.append(f"{response.status} {response.url}")


@pytest.fixture
def watched_page(open_page):
    """``watched_page()``: a page whose CSP violations and console errors are collected;
    ``problems(page)`` lists them."""
    errors = {}

    def watched_page(viewport="desktop"):
        page = open_page(viewport)
        page.add_init_script(RECORD_VIOLATIONS)
        errors[page] = []
        page.on("console", lambda message: record_console(errors[page], message))
        page.on("response", lambda response: record_failure(errors[page], response))
        page.on("pageerror", lambda error: errors[page].append(f"uncaught: {error}"))
        return page

    def problems(page):
        return [*page.evaluate("window.__violations || []"), *errors[page]]

    watched_page.problems = problems
    return watched_page


def visit(page, watched_page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert watched_page.problems(page) == [], url


def test_public_pages_and_the_deep_zoom_viewer_run_under_the_policy(
    published_exhibit, watched_page, screenshot
):
    page = watched_page()
    section = published_exhibit.sections.first()
    essay = Essay.objects.published().filter(annotations__isnull=False).first()
    image = (
        Image.objects.published()
        .filter(processing_state=Image.Processing.READY, annotations__isnull=False)
        .first()
    )
    entity = Entity.objects.published().first()
    for url in (
        reverse("exhibit:home"),
        reverse("exhibit:exhibit_list"),
        published_exhibit.get_absolute_url(),
        section.get_absolute_url(),
        reverse("exhibit:entity_list"),
        entity.get_absolute_url(),
    ):
        visit(page, watched_page, url)

    # The essay's notes open as a panel the script places.
    visit(page, watched_page, essay.get_absolute_url())
    page.locator("mark[role=button]").first.click()
    page.get_by_role("dialog").wait_for()
    assert watched_page.problems(page) == []

    # The viewer loads info.json and tiles, draws region notes, zooms.
    visit(page, watched_page, image.get_absolute_url())
    page.locator(".openseadragon-canvas canvas").first.wait_for()
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")
    assert watched_page.problems(page) == []
    screenshot(page, "csp-image-viewer")

    # The watch itself works: an inline style the policy refuses is seen.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert any("style-src" in problem for problem in watched_page.problems(page))


def test_admin_and_its_annotation_widgets_run_under_the_policy(
    published_exhibit, watched_page, screenshot
):
    make_user("editor", group="Editor")
    page = watched_page()
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert watched_page.problems(page) == []

    essay = Essay.objects.filter(annotations__isnull=False).first()
    image = Image.objects.filter(annotations__isnull=False).first()
    annotation = Annotation.objects.first()
    for url in (
        reverse("admin:index"),
        reverse("admin:exhibit_exhibit_change", args=[published_exhibit.pk]),
        reverse("admin:exhibit_section_change", args=[published_exhibit.sections.first().pk]),
        reverse("admin:exhibit_essay_change", args=[essay.pk]),
        reverse("admin:exhibit_image_change", args=[image.pk]),
        reverse("admin:exhibit_image_changelist"),
        reverse("admin:exhibit_image_add"),
        reverse("admin:exhibit_annotation_change", args=[annotation.pk]),
        reverse("admin:exhibit_entity_add"),
    ):
        visit(page, watched_page, url)
    visit(page, watched_page, reverse("admin:exhibit_essay_history", args=[essay.pk]))
    screenshot(page, "admin-essay-history")

    # The essay's passage widget: select words, the note form opens beside them.
    page.goto(reverse("admin:exhibit_essay_change", args=[essay.pk]))
    page.locator(".annotate-text").wait_for()
    page.evaluate(
        """() => {
            const panel = document.querySelector(".annotate-text");
            const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
            let node = walker.nextNode();
            while (node && node.data.trim().length < 20) node = walker.nextNode();
            const range = document.createRange();
            range.setStart(node, 0);
            range.setEnd(node, 12);
            document.getSelection().removeAllRanges();
            document.getSelection().addRange(range);
            panel.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }"""
    )
    page.wait_for_timeout(300)
    assert watched_page.problems(page) == []
    screenshot(page, "csp-admin-essay")

    # The image's region widget draws the existing regions over the picture.
    page.goto(reverse("admin:exhibit_image_change", args=[image.pk]))
    page.wait_for_load_state("networkidle")
    box = page.locator(".annotate-stage").first.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 90, steps=5)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert watched_page.problems(page) == []
    screenshot(page, "csp-admin-image")

    # Select2 autocompletes (entities) open and search under the policy.
    page.goto(reverse("admin:exhibit_annotation_change", args=[annotation.pk]))
    select = page.locator(".select2-container").first
    if select.count():
        select.click()
        page.keyboard.type("Lip")
        page.wait_for_timeout(800)
    assert watched_page.problems(page) == []


def test_the_lockout_page_runs_under_the_policy(roles, watched_page, settings, screenshot):
    make_user("curator", group="Curator")
    page = watched_page()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.goto(reverse("admin:login"))
        page.get_by_label("Username").fill("curator")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="Too many failed logins").is_visible()
    # The lockout page itself is a 429; nothing else may fail.
    assert [p for p in watched_page.problems(page) if not p.startswith("429 ")] == []
    screenshot(page, "admin-lockout")
