"""Each public page runs a fixed number of queries, however much content it shows."""

import re

import pytest
from django.urls import reverse

from exhibit.models import Annotation, Block, Entity, Repository
from exhibit.services import search
from exhibit.services.anchoring import selector_for
from tests.factories import (
    make_block,
    make_entity,
    make_full_exhibit,
    make_image,
    make_reference,
)

# page -> queries (pinned; a change here is a performance decision, not a test fix)
EXPECTED = {
    "home": 2,
    "exhibit list": 2,
    "exhibit": 3,
    "section": 8,  # + the exhibit's curators, whom its citation names
    "essay": 4,  # + the essay's notes (their details are prefetched only when there are any)
    "image": 4,  # + the image's region notes (likewise)
    "entity list": 1,  # each kind's letters with counts (one grouped query)
    "entity": 6,  # images, blocks, notes (count, page: with essay or image), archival sources
    "place list": 2,  # its letter bar (one grouped query), the page of the first letter
    "repository list": 1,
    "repository": 6,  # its references, their images, essays, notes and quotations citing them
    "timeline": 3,  # decades (events and images: one grouped query), the decade's events, images
    "map": 2,  # the count of places, the page of the list (the map fetches "map places")
    "map places": 1,
    "search": 4,  # name variants, column facets, exhibit and archive facets, the results
    "search, filtered": 4,
}


def page_urls(exhibit):
    section = exhibit.sections.first()
    essay = Block.objects.filter(section=section, kind="essay").first().essay
    image = Block.objects.filter(section=section, kind="image").first().image
    entity = Entity.objects.published().first()
    return {
        "home": reverse("exhibit:home"),
        "exhibit list": reverse("exhibit:exhibit_list"),
        "exhibit": exhibit.get_absolute_url(),
        "section": section.get_absolute_url(),
        "essay": essay.get_absolute_url(),
        "image": image.get_absolute_url(),
        "entity list": reverse("exhibit:entity_list"),
        "entity": entity.get_absolute_url(),
        "place list": reverse("exhibit:place_list"),
        "repository list": reverse("exhibit:repository_list"),
        "repository": Repository.objects.published().first().get_absolute_url(),
        "timeline": reverse("exhibit:timeline"),
        "map": reverse("exhibit:map"),
        "map places": reverse("exhibit:map_places"),
        "search": f"{reverse('exhibit:search')}?q=lipetsk",
        "search, filtered": f"{reverse('exhibit:search')}?q=lipetsk+aerodrome&type=image"
        f"&exhibit={exhibit.slug}&repository=GALO",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("scale", [1, 3])
@pytest.mark.parametrize("page", EXPECTED)
def test_public_page_query_count_is_fixed(client, django_assert_num_queries, page, scale):
    exhibit = make_full_exhibit(scale=scale)
    for _ in range(scale - 1):
        make_full_exhibit()
    urls = page_urls(exhibit)
    if page in ("timeline", "entity"):  # events, dated images, notes on a place
        urls["entity"] = add_dated_content(exhibit, scale).get_absolute_url()
    if page.startswith("search"):
        search.flush()  # the search index is written on commit, which a test never reaches
    url = urls[page]
    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 100])
def test_essay_page_query_count_is_fixed_however_many_notes(
    client, django_assert_num_queries, count
):
    """The essay page with notes: + their linked entities and their cited sources."""
    exhibit = make_full_exhibit()
    essay = Block.objects.filter(section__exhibit=exhibit, kind="essay").first().essay
    essay.body = "\n\n".join(
        f"Paragraph {n}: the school at Lipetsk opened, *Kama* followed." for n in range(100)
    )
    essay.save()
    revision = essay.revisions.order_by("-number").first()
    entities = [make_entity() for _ in range(3)]
    Block.objects.filter(section__exhibit=exhibit, kind="text").first().entities.add(*entities)
    reference = make_reference()
    start = -1
    for n in range(count):
        start = revision.text.index("Lipetsk", start + 1)
        selector = selector_for(revision.text, start, start + len("Lipetsk opened, Kama"))
        note = Annotation.objects.create(
            essay=essay,
            revision=revision,
            exact=selector.exact,
            prefix=selector.prefix,
            suffix=selector.suffix,
            start=selector.start,
            end=selector.end,
            body=f"Note {n}.",
        )
        note.entities.set(entities[: n % 3 + 1])
        note.references.set([reference])
    with django_assert_num_queries(EXPECTED["essay"] + 2):
        response = client.get(essay.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="annotation-note"') == count


def add_dated_content(exhibit, scale):
    """Events, dated images and notes citing sources, ``scale`` of each per exhibit section,
    all linked to one place: what the timeline and the place's page grow with."""
    place = Entity.objects.published().filter(kind=Entity.Kind.PLACE).first()
    section = exhibit.sections.first()
    essay = Block.objects.filter(section=section, kind="essay").first().essay
    revision = essay.revisions.order_by("-number").first()
    start = revision.text.index("school")
    selector = selector_for(revision.text, start, start + len("school"))
    for n in range(scale):
        event = make_entity(kind=Entity.Kind.EVENT, date=f"{1922 + n}-04-16", name=f"Event {n}")
        image = make_image(
            date=f"c. {1925 + n}", entities=[place], archival_reference=make_reference(fond=str(n))
        )
        make_block(section, kind=Block.Kind.IMAGE, image=image, entities=[event, place])
        note = Annotation.objects.create(
            essay=essay,
            revision=revision,
            exact=selector.exact,
            prefix=selector.prefix,
            suffix=selector.suffix,
            start=selector.start,
            end=selector.end,
            body=f"Note {n}.",
        )
        note.entities.set([place, event])
        note.references.set([make_reference(fond=f"9{n}")])
    return place


@pytest.mark.django_db
@pytest.mark.parametrize("scale", [1, 6])
@pytest.mark.parametrize("page", ["entity", "timeline", "repository"])
def test_dated_and_sourced_pages_keep_their_query_count_as_content_grows(
    client, django_assert_num_queries, page, scale
):
    exhibit = make_full_exhibit()
    place = add_dated_content(exhibit, scale)
    url = {
        "entity": place.get_absolute_url(),
        "timeline": reverse("exhibit:timeline"),
        "repository": Repository.objects.published().first().get_absolute_url(),
    }[page]
    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    if page == "timeline":
        counts = re.findall(r'<span class="jump-nav__count">(\d+)</span>', html)
        assert sum(map(int, counts)) == 2 * scale
        assert html.count('class="timeline__entry') == int(counts[0])
    if page == "entity":
        assert html.count('class="source-list__item"') == 2 * scale


@pytest.mark.django_db
@pytest.mark.parametrize("scale", [4, 12])
def test_entity_page_of_notes_keeps_its_query_count_as_notes_grow(
    client, django_assert_num_queries, monkeypatch, scale
):
    """A hub entity's notes come a page at a time: the second page costs what the first does,
    with three times as many notes."""
    monkeypatch.setattr("exhibit.views.pages.NOTES_PAGE_SIZE", 2)
    place = add_dated_content(make_full_exhibit(), scale)
    with django_assert_num_queries(EXPECTED["entity"]):
        response = client.get(f"{place.get_absolute_url()}?page=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="entity-note"') == 2
    assert f"Page 2 of {scale // 2}" in html


@pytest.mark.django_db
@pytest.mark.parametrize("scale", [1, 3])
def test_a_letter_page_of_an_index_keeps_its_query_count_as_names_grow(
    client, django_assert_num_queries, monkeypatch, scale
):
    """The second page of a letter costs what the first page of the index does, with three
    times as many names under that letter and in the collection."""
    monkeypatch.setattr("exhibit.views.pages.INDEX_PAGE_SIZE", 2)
    exhibit = make_full_exhibit(scale=scale)
    section = exhibit.sections.first()
    places = [
        make_entity(name=f"Kama {n}", alternative_names=f"Кама {n}") for n in range(4 * scale)
    ]
    make_block(section, entities=places)
    with django_assert_num_queries(EXPECTED["place list"]):
        response = client.get(reverse("exhibit:place_list"), {"letter": "K", "page": "2"})
    assert response.status_code == 200
    assert response.content.decode().count('class="entity-index__item') == 2
