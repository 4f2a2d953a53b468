"""Staff preview of unpublished work: unmissably marked, and its links stay inside the preview."""

import pytest
from django.test import Client

from exhibit.models import Block, Exhibit, Section, Status
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(roles, open_page, live_server):
    """``staff_page(viewport)``: a page logged in as an editor, through a real session cookie."""
    user = make_user("editor", group="Editor")
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value

    def staff_page(viewport="desktop"):
        page = open_page(viewport)
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        return page

    return staff_page


@pytest.fixture
def draft_exhibit(published_exhibit):
    """A draft copy of the published exhibit's first section, in a new draft exhibit."""
    draft = Exhibit.objects.create(
        title="Tanks and gas: a draft",
        slug="draft-kama",
        summary="Work in progress on the Kama and Tomka sites.",
        subtitle="Not yet reviewed",
        status=Status.DRAFT,
    )
    source = published_exhibit.sections.order_by("order").first()
    for order, title in enumerate(["Kama, near Kazan", "Tomka, near Samara"], start=1):
        section = Section.objects.create(
            exhibit=draft, title=title, slug=f"part-{order}", order=order, status=Status.DRAFT
        )
        for block in source.blocks.all()[:4]:
            copy = Block.objects.get(pk=block.pk)
            copy.pk = None
            copy.section = section
            copy.save()
            for item in block.galleryitem_set.all():
                copy.galleryitem_set.create(
                    image=item.image, order=item.order, caption=item.caption
                )
            copy.entities.set(block.entities.all())
    return draft


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_preview_of_a_draft_is_bannered_and_stays_in_preview(
    draft_exhibit, staff_page, screenshot, viewport
):
    page = staff_page(viewport)
    page.goto(draft_exhibit.get_preview_url())

    banner = page.get_by_role("region", name="Preview notice")
    assert banner.is_visible()
    assert "Preview — not published" in banner.text_content()
    assert "Draft" in banner.text_content()
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
    canonical = page.locator("link[rel=canonical]").get_attribute("href")
    assert canonical.endswith(draft_exhibit.get_absolute_url())
    screenshot(page, f"{viewport}-preview-1-exhibit")

    with page.expect_navigation():
        page.locator("main a.exhibit-toc__link").first.click()
    assert "/preview/exhibits/draft-kama/" in page.url
    assert page.get_by_role("region", name="Preview notice").is_visible()
    for link in page.locator("main .figure__link").all():
        assert link.get_attribute("href").startswith("/preview/images/")
    screenshot(page, f"{viewport}-preview-2-section")


def test_pages_follow_a_dark_colour_scheme(published_exhibit, open_page, screenshot):
    page = open_page("desktop")
    page.emulate_media(color_scheme="dark")
    page.goto(published_exhibit.get_absolute_url())
    with page.expect_navigation():
        page.locator("main a.exhibit-toc__link").first.click()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(250, 248, 243)", "the dark scheme should change the page colour"
    screenshot(page, "desktop-dark-section")
