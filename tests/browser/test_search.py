"""Searching in a browser: the header box, results, a facet, and the screenshots to look at."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_visitor_searches_from_the_header_and_narrows_by_type(
    published_exhibit, open_page, screenshot, viewport
):
    page = open_page(viewport)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    page.fill("#site-search-q", "Lipetsk")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search/?q=Lipetsk")
    assert page.locator(".result").count() > 3
    assert page.locator(".result__snippet mark").count() > 0
    screenshot(page, f"{viewport}-search-lipetsk")

    page.check("input[name=type][value=image]")
    with page.expect_navigation():
        page.click("text=Update results")
    page.wait_for_url("**type=image**")
    kinds = page.locator(".result__kind").all_inner_texts()
    assert kinds and {kind.strip().lower() for kind in kinds} == {"image"}
    screenshot(page, f"{viewport}-search-lipetsk-images")

    page.goto("/search/?q=%D0%A2%D1%83%D1%85%D0%B0%D1%87%D0%B5%D0%B2%D1%81%D0%BA%D0%B8%D0%B9")
    assert "Tukhachevsky" in page.locator(".results").inner_text()
    assert not errors
