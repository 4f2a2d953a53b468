"""Who sees what: visitors see only published content whose whole exhibit chain is published."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from exhibit.models import Block, Entity, Status
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_full_exhibit,
    make_image,
    make_section,
    make_user,
)


@pytest.fixture
def world(db):
    """A published exhibit, and every way for something to be unpublished."""
    live = make_full_exhibit(title="Rapallo and after", slug="rapallo")
    live_section = live.sections.first()

    hidden = {}
    # A published section of a draft exhibit, with an image, essay and entity used only there.
    draft = make_exhibit(title="Secret draft exhibit", slug="draft", status=Status.DRAFT)
    draft_section = make_section(draft, title="Published section of a draft", slug="orphan")
    only_in_draft_image = make_image(title="Only in the draft", slug="only-in-draft")
    only_in_draft_essay = make_essay(title="Essay only in the draft", slug="draft-essay")
    only_in_draft_entity = make_entity(name="Tomka", slug="tomka")
    make_block(draft_section, kind=Block.Kind.IMAGE, image=only_in_draft_image)
    make_block(draft_section, kind=Block.Kind.ESSAY, essay=only_in_draft_essay)
    make_block(draft_section, kind=Block.Kind.ENTITIES, entities=[only_in_draft_entity])
    hidden["draft exhibit"] = draft.get_absolute_url()
    hidden["published section of draft exhibit"] = draft_section.get_absolute_url()
    hidden["image used only in a draft"] = only_in_draft_image.get_absolute_url()
    hidden["essay used only in a draft"] = only_in_draft_essay.get_absolute_url()
    hidden["entity linked only from a draft"] = only_in_draft_entity.get_absolute_url()

    review = make_exhibit(title="Exhibit in review", slug="in-review", status=Status.REVIEW)
    hidden["exhibit in review"] = review.get_absolute_url()
    future = make_exhibit(
        title="Scheduled exhibit",
        slug="scheduled",
        published_at=timezone.now() + dt.timedelta(days=1),
    )
    future_section = make_section(future, slug="soon")
    hidden["scheduled exhibit"] = future.get_absolute_url()
    hidden["section of scheduled exhibit"] = future_section.get_absolute_url()

    draft_section_of_live = make_section(
        live, title="Unfinished", slug="unfinished", status=Status.DRAFT
    )
    hidden["draft section of a published exhibit"] = draft_section_of_live.get_absolute_url()

    draft_essay = make_essay(
        title="Draft essay in a live block", slug="draft-in-live", status=Status.DRAFT
    )
    make_block(live_section, kind=Block.Kind.ESSAY, essay=draft_essay, heading="Hidden essay block")
    hidden["draft essay linked from a published section"] = draft_essay.get_absolute_url()

    visible = {
        "home": reverse("exhibit:home"),
        "exhibit list": reverse("exhibit:exhibit_list"),
        "entity list": reverse("exhibit:entity_list"),
        "exhibit": live.get_absolute_url(),
        "section": live_section.get_absolute_url(),
        "essay": live_section.blocks.filter(kind="essay").first().essay.get_absolute_url(),
        "image": live_section.blocks.filter(kind="image").first().image.get_absolute_url(),
        "gallery image": live_section.blocks.filter(kind="gallery")
        .first()
        .gallery.first()
        .get_absolute_url(),
        "cover image": live.cover_image.get_absolute_url(),
        "entity": Entity.objects.published().first().get_absolute_url(),
    }
    return {"visible": visible, "hidden": hidden, "draft": draft, "live_section": live_section}


def _clients(client, kind):
    if kind == "curator":
        client.force_login(make_user("c", group="Curator"))
    elif kind == "editor":
        client.force_login(make_user("e", group="Editor"))
    return client


@pytest.mark.parametrize("who", ["visitor", "curator", "editor"])
def test_published_pages_are_visible_to_everyone(world, client, who):
    client = _clients(client, who)
    for name, url in world["visible"].items():
        assert client.get(url).status_code == 200, name


@pytest.mark.parametrize("who", ["visitor", "curator", "editor"])
def test_unpublished_pages_are_404_on_public_urls_even_for_staff(world, client, who):
    client = _clients(client, who)
    for name, url in world["hidden"].items():
        assert client.get(url).status_code == 404, name


def test_lists_never_mention_unpublished_content(world, client):
    for url in (reverse("exhibit:home"), reverse("exhibit:exhibit_list")):
        html = client.get(url).content.decode()
        assert "Rapallo and after" in html
        for title in ("Secret draft exhibit", "Exhibit in review", "Scheduled exhibit"):
            assert title not in html
    assert "Tomka" not in client.get(reverse("exhibit:entity_list")).content.decode()


def test_section_page_hides_blocks_linking_unpublished_essays(world, client):
    html = client.get(world["live_section"].get_absolute_url()).content.decode()
    assert "Hidden essay block" not in html
    assert "Draft essay in a live block" not in html


def test_unknown_urls_are_404(world, client):
    assert client.get("/exhibits/no-such-exhibit/").status_code == 404
    assert client.get("/exhibits/rapallo/no-such-section/").status_code == 404
    assert client.get("/images/nothing/").status_code == 404


def test_preview_requires_login(world, client):
    url = world["draft"].get_preview_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_preview_is_refused_to_staff_without_permission(world, client):
    client.force_login(make_user("nobody"))
    assert client.get(world["draft"].get_preview_url()).status_code == 403


@pytest.mark.parametrize("who", ["curator", "editor"])
def test_staff_preview_of_a_draft_is_marked_uncached_and_noindex(world, client, who):
    client = _clients(client, who)
    draft = world["draft"]
    urls = [
        draft.get_preview_url(),
        draft.sections.get().get_preview_url(),
        reverse("exhibit:preview_image", kwargs={"slug": "only-in-draft"}),
        reverse("exhibit:preview_essay", kwargs={"slug": "draft-essay"}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Preview" in html
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_public_pages_are_cacheable_and_carry_no_preview_marks(world, client):
    response = client.get(world["visible"]["exhibit"])
    assert "public" in response["Cache-Control"]
    assert "noindex" not in response.content.decode()
