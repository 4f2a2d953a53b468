"""Review copies in the browser: a reader without an account, and the editor's admin inline."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from exhibit.models import Exhibit, ReviewLink, Status
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def review_link(published_exhibit):
    draft = Exhibit.objects.filter(status=Status.DRAFT).first()
    return ReviewLink.objects.create(
        exhibit=draft,
        recipient="Dr. A. Ivanova, Kazan Federal University",
        expires_at=timezone.now() + timedelta(days=14),
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_reader_sees_a_marked_review_copy(open_page, screenshot, review_link, viewport):
    page = open_page(viewport)
    response = page.goto(review_link.get_absolute_url())
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    banner = page.get_by_role("region", name="Review copy notice")
    assert "review copy — not published" in banner.inner_text().lower()
    screenshot(page, f"review-copy-{viewport}")
    # Following the first section stays inside the review copy.
    with page.expect_navigation():
        page.locator(".exhibit-toc__link").first.click()
    assert f"/review/{review_link.token}/" in page.url
    assert page.get_by_role("region", name="Review copy notice").is_visible()
    screenshot(page, f"review-copy-section-{viewport}")
    review_link.revoke()
    response = page.goto(review_link.get_absolute_url())
    assert response.status == 410
    assert "withdrawn" in page.locator("h1").inner_text()
    screenshot(page, f"review-link-withdrawn-{viewport}")


def test_editor_creates_and_copies_a_review_link(open_page, screenshot, review_link, live_server):
    editor = make_user("editor", group="Editor")
    client = Client()
    client.force_login(editor)
    page = open_page("desktop")
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"/admin/exhibit/exhibit/{review_link.exhibit_id}/change/")
    page.locator("#review_links-group .add-row a").click()
    page.locator('input[name="review_links-1-recipient"]').fill("Prof. B. Müller, Freiburg")
    page.locator('select[name="review_links-1-valid_for"]').select_option("7")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()
    assert ReviewLink.objects.filter(recipient="Prof. B. Müller, Freiburg").exists()
    urls = page.locator("input.review-link-url")
    assert urls.count() == 2
    screenshot(page, "admin-review-links")
