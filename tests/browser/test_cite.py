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
