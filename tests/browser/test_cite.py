"""The “Cite this page” block on the demo essay: visible, selectable, and fits a phone."""

import pytest

from exhibit.models import Essay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_essay_page_shows_the_cite_block(published_exhibit, open_page, screenshot, viewport):
    essay = Essay.objects.published().first()
    page = open_page(viewport)
    page.goto(essay.get_absolute_url())
    block = page.locator("section.cite")
    block.scroll_into_view_if_needed()
    assert block.is_visible()
    chicago = page.locator("#cite-chicago").inner_text()
    assert f"“{essay.title}" in chicago and "Accessed " in chicago
    assert page.locator("#cite-bibtex").inner_text().startswith("@misc{")
    # Nothing in the block is wider than the page (long URLs wrap).
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    screenshot(page, f"cite-essay-{viewport}")


def test_copy_button_copies_a_citation(published_exhibit, open_page, live_server):
    essay = Essay.objects.published().first()
    page = open_page("desktop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(essay.get_absolute_url())
    button = page.get_by_role("button", name="Copy the BibTeX citation")
    button.click()
    page.get_by_role("button", name="Copy the BibTeX citation").filter(has_text="Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#cite-bibtex").inner_text().strip()
    assert copied.startswith("@misc{")
