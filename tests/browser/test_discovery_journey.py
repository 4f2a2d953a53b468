"""A visitor's way in: search for a place, open its page, follow a quoted passage to the essay."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_search_lipetsk_then_entity_then_quoted_passage_lands_on_its_highlight(
    published_exhibit, open_page, screenshot, viewport
):
    page = open_page(viewport)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    page.fill("#site-search-q", "Lipetsk")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search/?q=Lipetsk")

    # The place itself is among the results, and its result leads to its page.
    entity_result = page.locator('.result a[href="/entities/lipetsk/"]').first
    assert entity_result.count() == 1
    with page.expect_navigation():
        entity_result.click()
    assert page.locator("main h1").inner_text() == "Lipetsk"

    # The entity page quotes passages that mention it, each linking to its highlight.
    quote = page.locator(".entity-note").first
    exact = quote.locator(".entity-note__exact").inner_text()
    link = quote.locator(".entity-note__link a")
    href = link.get_attribute("href")
    assert "#a-" in href
    screenshot(page, f"{viewport}-journey-entity")
    with page.expect_navigation():
        link.click()

    anchor = href.split("#", 1)[1]
    assert page.evaluate("location.hash") == f"#{anchor}"
    target = page.locator("mark.annotation:target")
    assert target.count() == 1
    # The highlight is the passage the entity page quoted, and the browser scrolled to it.
    assert " ".join(exact.split()) in " ".join(target.inner_text().split())
    assert target.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.bottom > 0 && r.top < window.innerHeight; }"
    )
    screenshot(page, f"{viewport}-journey-essay")
    assert not errors
