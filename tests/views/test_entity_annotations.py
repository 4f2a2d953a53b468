"""Notes seen from an entity's page, and notes on image regions seen on the image's page."""

import re

import pytest

from exhibit.models import Annotation, Entity, Status
from exhibit.views.pages import NOTES_PAGE_SIZE
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_section,
)
from tests.views.test_essay_annotations import annotate, published_essay


def linked_entity(**kwargs):
    """An entity with a page: published content links to it."""
    entity = make_entity(**kwargs)
    make_block(make_section(make_exhibit()), entities=[entity])
    return entity


def published_image(**kwargs):
    image = make_image(**kwargs)
    make_block(make_section(make_exhibit()), kind="image", image=image)
    image.refresh_from_db()
    return image


def region(image, xywh, **kwargs):
    entities = kwargs.pop("entities", [])
    kwargs.setdefault("body", f"A note on the region {xywh}.")
    note = Annotation.objects.create(image=image, xywh=xywh, **kwargs)
    note.entities.set(entities)
    return note


# ------------------------------------------------------------------ entity pages


@pytest.mark.django_db
def test_entity_page_quotes_each_noted_passage_grouped_by_essay(client):
    kama = linked_entity(kind=Entity.Kind.PLACE, name="Kama", slug="kama")
    first = published_essay(title="A first essay")
    second = published_essay(title="B second essay", body="Kama lay near Kazan. Kama again.")
    tank = annotate(first, "The tank school Kama", entities=[kama])
    pilots = annotate(first, "German pilots", entities=[kama])
    near = annotate(second, "Kama lay near Kazan", entities=[kama])
    annotate(first, "in secret")  # not linked to this entity

    html = client.get(kama.get_absolute_url()).content.decode()

    section = html[html.index("In the essays") :]
    assert section.index("A first essay") < section.index("B second essay")
    # Within an essay, in reading order; each quoted in context, linking to its highlight.
    assert section.index(str(pilots.uuid)) < section.index(str(tank.uuid))
    assert section.index(str(tank.uuid)) < section.index(str(near.uuid))
    for note in (pilots, tank, near):
        assert f'href="{note.essay.get_absolute_url()}#a-{note.uuid}"' in section
    assert '<mark class="entity-note__exact">The tank school Kama</mark> followed in 1929.' in (
        section
    )
    assert "…trained there in secret." not in section  # the context stays in its block
    assert html.count('class="entity-note"') == 3


@pytest.mark.django_db
def test_entity_page_leaves_out_notes_visitors_may_not_see(client):
    kama = linked_entity(name="Kama", slug="kama")
    essay = published_essay()
    draft = make_essay(body="The tank school Kama in a draft.", status=Status.DRAFT)
    hidden = [
        annotate(essay, "German pilots", entities=[kama], retired=True),
        annotate(essay, "in secret", entities=[kama], anchoring=Annotation.Anchoring.ORPHANED),
        annotate(draft, "The tank school Kama", entities=[kama]),
        region(make_image(), "1,1,10,10", entities=[kama]),  # an image nobody publishes
    ]
    shown = annotate(essay, "The tank school Kama", entities=[kama])

    html = client.get(kama.get_absolute_url()).content.decode()

    assert str(shown.uuid) in html
    for note in hidden:
        assert str(note.uuid) not in html
    assert "Noted in images" not in html


@pytest.mark.django_db
def test_entity_page_lists_region_notes_with_links_to_the_image_page(client):
    kama = linked_entity(name="Kama", slug="kama")
    image = published_image(title="Tank on the range")
    note = region(image, "10,20,100,50", entities=[kama], body="The *prototype* turret.")

    html = client.get(kama.get_absolute_url()).content.decode()

    section = html[html.index("Noted in images") :]
    assert "Tank on the range" in section
    assert "The <em>prototype</em> turret." in section
    assert f'href="{image.get_absolute_url()}#n-{note.uuid}"' in section


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
def test_entity_page_query_count_stays_fixed_as_notes_grow(
    client, django_assert_num_queries, count
):
    kama = linked_entity(name="Kama", slug="kama")
    for n in range(count):
        essay = published_essay(body=f"Essay {n} on the tank school Kama.")
        annotate(essay, "the tank school Kama", entities=[kama])
        region(published_image(), "0,0,10,10", entities=[kama])
    # entity, images, the notes' count (they are paged), a page of notes, blocks, sources
    with django_assert_num_queries(6):
        response = client.get(kama.get_absolute_url())
    shown = min(2 * count, NOTES_PAGE_SIZE)  # 80 notes: the first page of them
    assert response.content.decode().count('class="entity-note"') == shown


# ------------------------------------------------------------------ image pages


@pytest.mark.django_db
def test_image_page_outlines_regions_over_the_picture_and_lists_their_notes(client):
    image = published_image()
    assert (image.width, image.height) == (640, 480)
    kazan = linked_entity(name="Kazan", slug="kazan")
    lower = region(image, "320,240,160,120", entities=[kazan])
    upper = region(image, "64,48,320,96", polygon=[[64, 48], [384, 48], [200, 144]])
    make_reference()
    retired = region(image, "0,0,5,5", retired=True)

    html = client.get(image.get_absolute_url()).content.decode()

    start = html.index('<svg class="region-overlay"')
    overlay = html[start : html.index("</figure>", start)]
    # Numbered top to bottom; each region a link to its note, the note linking back.
    assert overlay.index(f'id="a-{upper.uuid}"') < overlay.index(f'id="a-{lower.uuid}"')
    assert f'<a class="region" id="a-{lower.uuid}" href="#n-{lower.uuid}"' in overlay
    assert (
        '<rect class="region__shape" x="50.0000%" y="50.0000%" width="25.0000%" '
        'height="25.0000%"' in overlay
    )
    assert 'viewBox="0 0 640 480"' in overlay
    assert 'points="64,48 384,48 200,144"' in overlay
    assert "<title>Note 2: A note on the region 320,240,160,120.</title>" in overlay
    notes = html[html.index('id="image-notes"') :]
    assert f'id="n-{lower.uuid}" data-note="n-{lower.uuid}" data-number="2" ' in notes
    assert f'data-xywh="{lower.xywh}"' in notes
    assert f'href="#a-{lower.uuid}">Show the region on the image' in notes
    assert f'href="{kazan.get_absolute_url()}"' in notes
    assert str(retired.uuid) not in html
    assert " style=" not in html


@pytest.mark.django_db
def test_image_page_without_region_notes_has_no_overlay(client):
    image = published_image()
    essay = published_essay()
    annotate(essay, "Kama")  # a text note: not about this image
    html = client.get(image.get_absolute_url()).content.decode()
    assert "region-overlay" not in html
    assert 'id="image-notes"' not in html


@pytest.mark.django_db
def test_region_notes_keep_the_image_page_query_count_fixed(client, django_assert_num_queries):
    image = published_image()
    kazan = linked_entity(name="Kazan", slug="kazan")
    reference = make_reference()
    for n in range(30):
        note = region(image, f"{n},{n},10,10", entities=[kazan])
        note.references.set([reference])
    # the image and its entities, appearances; the notes, their entities, their sources
    with django_assert_num_queries(6):
        response = client.get(image.get_absolute_url())
    assert len(re.findall(r'<a class="region" ', response.content.decode())) == 30
