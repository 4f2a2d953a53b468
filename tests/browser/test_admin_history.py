"""In the browser: the history with its compare, the edit-conflict refusal, and the delete
confirmation that says where an image is used."""

import pytest
from django.urls import reverse

from exhibit.models import Block, Status
from tests.factories import make_block, make_exhibit, make_image, make_section, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-pass-phrase-1"  # what make_user gives every user


@pytest.fixture
def editor_page(roles, open_page):
    """``editor_page(username, path)``: a page logged in through the admin's login form."""

    def editor_page(username, path):
        make_user(username, group="Editor")
        page = open_page()
        page.goto(f"{reverse('admin:login')}?next={path}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        assert page.url.endswith(path), page.url
        return page

    return editor_page


def test_two_editors_save_the_same_exhibit_and_the_second_is_refused(editor_page, screenshot):
    exhibit = make_exhibit(title="Rapallo", status=Status.DRAFT)
    path = reverse("admin:exhibit_exhibit_change", args=[exhibit.pk])
    anna, boris = editor_page("anna", path), editor_page("boris", path)

    anna.get_by_label("Title:", exact=True).fill("The Treaty of Rapallo")
    with anna.expect_navigation():
        anna.get_by_role("button", name="Save", exact=True).click()
    boris.get_by_label("Subtitle:").fill("April 1922")
    with boris.expect_navigation():
        boris.get_by_role("button", name="Save", exact=True).click()

    error = boris.locator(".errorlist.nonfield")
    assert "exhibit “The Treaty of Rapallo” was changed by anna" in error.inner_text()
    assert boris.get_by_label("Subtitle:").input_value() == "April 1922"
    screenshot(boris, "admin-edit-conflict")

    with boris.expect_navigation():
        error.get_by_role("link", name="See their change in the history").click()
    assert "Rapallo" in boris.locator("#change-history").inner_text()
    assert "The Treaty of Rapallo" in boris.locator("#change-history").inner_text()
    screenshot(boris, "admin-history-compare")


def test_deleting_an_image_used_in_three_exhibits_says_where(editor_page, screenshot):
    image = make_image(title="Hangars at Lipetsk")
    make_exhibit(title="Lipetsk", cover_image=image)
    kama = make_exhibit(title="Kama")
    make_block(make_section(kama, title="Tanks"), kind=Block.Kind.IMAGE, image=image)
    tomka = make_exhibit(title="Tomka")
    make_block(make_section(tomka, title="Gas"), kind=Block.Kind.GALLERY, gallery=[image])

    page = editor_page("anna", reverse("admin:exhibit_image_delete", args=[image.pk]))

    usage = page.locator(".usage-list")
    assert "Lipetsk" in usage.inner_text() and "Kama › Tanks" in usage.inner_text()
    assert "cannot be deleted" in page.locator(".errornote").inner_text()
    assert page.get_by_role("button", name="Yes, I’m sure").count() == 0
    screenshot(page, "admin-delete-protected")


def test_reverting_a_gallery_block_shows_and_restores_its_links(editor_page, screenshot):
    from exhibit.models import Entity, GalleryItem

    section = make_section(make_exhibit(title="Lipetsk"), title="The school")
    images = [make_image(title=title) for title in ("Hangar", "Junkers F 13", "Barracks")]
    lipetsk = Entity.objects.create(name="Lipetsk", slug="lipetsk", kind="place")
    seeckt = Entity.objects.create(name="Hans von Seeckt", slug="seeckt", kind="person")
    block = make_block(
        section, kind=Block.Kind.GALLERY, gallery=images, heading="Lipetsk", entities=[lipetsk]
    )
    Block.objects.get(pk=block.pk).save()  # a version holding the three images and Lipetsk
    first = block.history.latest()
    block = Block.objects.get(pk=block.pk)
    block.entities.set([seeckt])
    GalleryItem.objects.filter(block=block).order_by("order").first().delete()

    path = reverse("admin:exhibit_block_simple_history", args=[block.pk, first.history_id])
    page = editor_page("anna", path)
    assert "Lipetsk" in page.locator(".field-entities").inner_text()
    assert (
        "gallery images, in this order: Hangar, Junkers F 13, Barracks."
        in page.locator(".messagelist").inner_text()
    )
    screenshot(page, "admin-revert-block-with-links")
    with page.expect_navigation():
        page.get_by_role("button", name="Revert").click()

    assert [e.name for e in block.entities.all()] == ["Lipetsk"]
    titles = GalleryItem.objects.filter(block=block).values_list("image__title", flat=True)
    assert list(titles) == ["Hangar", "Junkers F 13", "Barracks"]
    history = reverse("admin:exhibit_block_history", args=[block.pk])
    page.goto(page.url.split("/admin/")[0] + history)
    assert "Hans von Seeckt" in page.locator("#change-history").inner_text()
    screenshot(page, "admin-history-links-compare")
