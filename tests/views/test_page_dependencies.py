"""A save re-renders exactly the cached pages that show what it changed (exhibit/pagecache.py).

Every public page of two exhibits is cached; then one write, then every page asked again: the
pages not served from the cache are the ones that write retired. (Search and the annotation
containers show notes too; ``LISTS`` says which lists each index depends on.)
"""

import pytest
from django.test import Client
from django.urls import reverse

from exhibit import pagecache
from exhibit.models import Block, Entity, Essay, Exhibit, Image, Repository, Section, Status
from exhibit.services import search
from tests.config.test_shared_cache import redis_cache  # noqa: F401  (a fixture)
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_full_exhibit,
    make_section,
)
from tests.views.test_annotations_jsonld import annotate_passage

pytestmark = pytest.mark.django_db


def label(obj):
    return f"{obj._meta.model_name} {obj.slug}"


def public_pages():
    """``{label: url}`` of every public page of the collection."""
    pages = {
        "home": reverse("exhibit:home"),
        "exhibit list": reverse("exhibit:exhibit_list"),
        "feed": reverse("exhibit:exhibit_feed"),
        "entity list": reverse("exhibit:entity_list"),
        "place list": reverse("exhibit:place_list"),
        "person list": reverse("exhibit:person_list"),
        "repository list": reverse("exhibit:repository_list"),
        "timeline": reverse("exhibit:timeline"),
        "map": reverse("exhibit:map"),
        "search": f"{reverse('exhibit:search')}?q=lipetsk",
    }
    for model in (Exhibit, Section, Essay, Image, Entity, Repository):
        for obj in model.objects.published():
            pages[label(obj)] = obj.get_absolute_url()
    for essay in Essay.objects.published():
        pages[f"notes of {essay.slug}"] = reverse("exhibit:essay_annotations", args=[essay.slug])
    return pages


def warm(client, pages):
    for url in pages.values():
        client.get(url)
        assert client.get(url).get("X-Page-Cache") == "hit", url


def rendered_anew(client, pages):
    """The labels of the pages not served from the cache (and cache them again)."""
    found = set()
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        if response.get("X-Page-Cache") != "hit":
            found.add(name)
    return found


@pytest.fixture
def collection(django_capture_on_commit_callbacks):
    """Two exhibits; the first one's essay also embedded in a section of the second, and
    annotated with a note linked to one place."""
    with django_capture_on_commit_callbacks(execute=True):
        first, second = make_full_exhibit(), make_full_exhibit()
        essay = Block.objects.filter(section__exhibit=first, kind="essay").first().essay
        other_section = second.sections.order_by("order").first()
        make_block(other_section, kind=Block.Kind.ESSAY, essay=essay)
        place = make_entity(name="Lipetsk aerodrome")
        note = annotate_passage(essay, "school", body="The flying school.", entities=[place])
        draft = make_essay(title="Draft on Kama", status=Status.DRAFT, published_at=None)
    search.flush()
    return {"essay": essay, "note": note, "place": place, "draft": draft, "first": first}


@pytest.fixture
def visitor():
    return Client()


def sections_embedding(essay):
    return {label(block.section) for block in Block.objects.filter(essay=essay)}


@pytest.fixture(params=["locmem", "redis"])
def cache_kind(request):
    """The per-process cache (stamps in the process and the journal), then Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return request.param


def test_saving_a_note_re_renders_the_pages_that_show_it(
    cache_kind, visitor, collection, django_capture_on_commit_callbacks
):
    essay, note = collection["essay"], collection["note"]
    pages = public_pages()
    warm(visitor, pages)
    with django_capture_on_commit_callbacks(execute=True):
        note.body = "The flying school, opened in 1925."
        note.save()
    assert len(sections_embedding(essay)) == 2
    assert rendered_anew(visitor, pages) == {
        label(essay),
        f"notes of {essay.slug}",
        label(collection["place"]),
        *sections_embedding(essay),
        "search",
    }
    assert rendered_anew(visitor, pages) == set()  # and then they are cached again


def test_saving_a_draft_re_renders_nothing(visitor, collection, django_capture_on_commit_callbacks):
    draft = collection["draft"]
    pages = public_pages()
    warm(visitor, pages)
    with django_capture_on_commit_callbacks(execute=True):
        draft.title = "Draft on Kama, revised"
        draft.body = "Kama was a tank school near Kazan."
        draft.save()
    assert rendered_anew(visitor, pages) == set()


def test_publishing_an_exhibit_re_renders_the_lists_of_exhibits(
    visitor, collection, django_capture_on_commit_callbacks
):
    new = make_exhibit(title="Tomka", status=Status.DRAFT, published_at=None)
    make_section(new, title="Gas trials")
    pages = public_pages()
    warm(visitor, pages)
    with django_capture_on_commit_callbacks(execute=True):
        new.status = Status.PUBLISHED
        new.published_at = collection["first"].published_at
        new.save()
    assert rendered_anew(visitor, pages) == {
        "home",
        "exhibit list",
        "feed",
        "search",
    }


def test_renaming_a_place_re_renders_the_pages_that_show_it_and_its_lists(
    visitor, collection, django_capture_on_commit_callbacks
):
    place = collection["place"]
    pages = public_pages()
    warm(visitor, pages)
    with django_capture_on_commit_callbacks(execute=True):
        place.name = "Lipetsk air base"
        place.save()
    renamed = rendered_anew(visitor, pages)
    assert {label(place), label(collection["essay"]), "entity list", "place list", "map"} <= renamed
    assert "home" not in renamed and label(collection["first"]) not in renamed


def test_an_unknown_url_name_depends_on_everything():
    assert pagecache.dependencies("some_new_index", {"essay:1"}) == {
        pagecache.ALL,
        pagecache.ANY,
        "essay:1",
    }
    assert pagecache.ANY not in pagecache.dependencies("essay_detail", {"essay:1"})
