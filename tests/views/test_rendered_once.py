"""Expensive HTML is rendered once and kept until what it shows changes (``pagecache.fragment``):
an essay's highlighted text and notes, an image's regions and notes, what an entity's page lists
and a section's blocks. With the page cache off, and for signed-in curators, a second request
skips their queries; any change to what they show, a scheduled moment passing, or a draft
(never shown) behaves as the whole-page cache does. Previews never use them."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exhibit.models import Block, Status
from tests.factories import make_block, make_entity, make_essay, make_image, make_section
from tests.views.test_entity_annotations import linked_entity, published_image, region
from tests.views.test_essay_annotations import annotate, published_essay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Whole pages off, as for a signed-in curator: only fragments are kept."""
    settings.PAGE_CACHE_SECONDS = 0


def queries(client, url):
    """The response to ``url`` and how many queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(captured)


def test_a_second_essay_request_skips_the_notes_and_shows_the_same_page(client):
    essay = published_essay()
    kama = linked_entity(name="Kama")
    annotate(essay, "The tank school Kama", entities=[kama])
    annotate(essay, "German pilots")
    url = essay.get_absolute_url()
    first, cold = queries(client, url)
    # The first hit asks once when the next scheduled publication is; later ones do not.
    queries(client, url)
    third, warm = queries(client, url)
    assert warm == cold - 3  # the notes, their entities, their sources
    assert third.content == first.content
    assert third.content.decode().count('class="annotation-note"') == 2


def test_a_new_note_a_renamed_entity_or_a_removed_link_shows_at_once(client):
    essay = published_essay()
    kama = linked_entity(name="Kama")
    annotate(essay, "The tank school Kama", entities=[kama])
    url = essay.get_absolute_url()
    client.get(url)

    annotate(essay, "German pilots", body="Trained in secret.")
    html = client.get(url).content.decode()
    assert "Trained in secret." in html and html.count('class="annotation-note"') == 2

    kama.name = "Kama tank school"
    kama.save()
    assert ">Kama tank school<" in client.get(url).content.decode()

    note = essay.annotations.get(exact="The tank school Kama")
    note.entities.remove(kama)
    assert "Kama tank school" not in client.get(url).content.decode()


def test_a_draft_saved_elsewhere_keeps_the_kept_html(client):
    essay = published_essay()
    annotate(essay, "German pilots")
    url = essay.get_absolute_url()
    queries(client, url)
    queries(client, url)
    _, warm = queries(client, url)
    make_essay(status=Status.DRAFT, title="Not yet")
    _, after = queries(client, url)
    assert after == warm


def test_an_image_page_keeps_its_regions_until_a_note_changes(client):
    image = published_image()
    note = region(image, "10,10,100,80", body="The hangar doors.")
    url = image.get_absolute_url()
    first, cold = queries(client, url)
    queries(client, url)
    third, warm = queries(client, url)
    assert warm < cold and third.content == first.content
    assert '<svg class="region-overlay"' in first.content.decode()

    note.body = "The hangar doors, painted over."
    note.save()
    assert "painted over" in client.get(url).content.decode()
    note.retired = True
    note.save()
    assert "painted over" not in client.get(url).content.decode()


def test_an_entity_page_follows_its_notes_images_and_their_essays(client):
    kama = linked_entity(name="Kama", slug="kama")
    essay = published_essay(title="The tank school")
    annotate(essay, "The tank school Kama", entities=[kama])
    url = kama.get_absolute_url()
    first, cold = queries(client, url)
    queries(client, url)
    third, warm = queries(client, url)
    assert warm < cold and third.content == first.content

    essay.title = "The tank school at Kazan"
    essay.save()
    assert "The tank school at Kazan" in client.get(url).content.decode()

    image = published_image(title="Tanks on the Kama range")
    image.entities.add(kama)
    assert "Tanks on the Kama range" in client.get(url).content.decode()


def test_entity_pages_of_notes_are_kept_apart_and_keep_the_query_string(client):
    kama = linked_entity(name="Kama", slug="kama")
    for n in range(51):
        image = published_image()
        region(image, "0,0,10,10", entities=[kama], body=f"Region {n}.")
    url = kama.get_absolute_url()
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2, "lang": "en"}).content.decode()
    assert first.count('class="entity-note"') == 50 and second.count('class="entity-note"') == 1
    assert "lang=en" in second  # the pagination's links are drawn for this request
    assert client.get(url, {"page": 3}).status_code == 404


def test_a_section_shows_an_essay_block_once_its_scheduled_essay_is_public(client):
    section = make_section(published_essay().blocks.get().section.exhibit, title="Tomka")
    later = timezone.now() + timedelta(minutes=5)
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay(title="Gas", published_at=later))
    url = section.get_absolute_url()
    assert ">Gas<" not in client.get(url).content.decode()
    assert ">Gas<" not in client.get(url).content.decode()
    with mock.patch("django.utils.timezone.now", return_value=later + timedelta(seconds=1)):
        assert ">Gas<" in client.get(url).content.decode()


def test_a_section_follows_its_blocks_images(client):
    section = published_essay().blocks.get().section
    image = make_image(caption="Hangars at Lipetsk.")
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    url = section.get_absolute_url()
    first, cold = queries(client, url)
    queries(client, url)
    third, warm = queries(client, url)
    assert warm < cold and third.content == first.content
    image.caption = "Hangars at Lipetsk, 1926."
    image.save()
    assert "Hangars at Lipetsk, 1926." in client.get(url).content.decode()


def test_previews_never_get_the_visitors_html(curator_client, client):
    section = published_essay().blocks.get().section
    draft = make_essay(title="A draft essay", status=Status.DRAFT)
    make_block(section, kind=Block.Kind.ESSAY, essay=draft)
    assert "A draft essay" not in client.get(section.get_absolute_url()).content.decode()
    preview = curator_client.get(section.get_preview_url())
    assert preview.status_code == 200 and "A draft essay" in preview.content.decode()
    # and the preview's rendering is not kept for visitors
    assert "A draft essay" not in Client().get(section.get_absolute_url()).content.decode()


def test_render_cache_seconds_zero_renders_every_time(client, settings):
    settings.RENDER_CACHE_SECONDS = 0
    essay = published_essay()
    annotate(essay, "German pilots", entities=[make_entity()])
    url = essay.get_absolute_url()
    _, cold = queries(client, url)
    _, again = queries(client, url)
    assert again == cold


@pytest.mark.parametrize("url", ["/entities/", "/entities/places/"])
def test_letter_bars_are_counted_once_until_an_entity_changes(client, url):
    kama = linked_entity(name="Kama")
    first, cold = queries(client, url)
    queries(client, url)
    third, warm = queries(client, url)
    assert warm < cold and third.content == first.content
    assert "letter=Z" not in first.content.decode()
    kama.name = "Zavod"
    kama.save()
    assert "letter=Z" in client.get(url).content.decode()
    linked_entity(name="Wünsdorf")
    assert "letter=W" in client.get(url).content.decode()
