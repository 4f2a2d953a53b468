"""The search page: a GET form with facets and pages that works without JavaScript."""

import re

import pytest
from django.urls import reverse

from exhibit.models import Block, Status
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_repository,
    make_section,
)

URL = reverse("exhibit:search")


@pytest.fixture
def content(db):
    exhibit = make_exhibit(title="Wings over the Don", slug="wings")
    section = make_section(exhibit, title="The flight school", slug="school")
    place = make_entity(name="Lipetsk", alternative_names="Lipezk\nЛипецк")
    make_block(section, text="German pilots trained at Lipetsk from 1925.", entities=[place])
    image = make_image(
        title="Tourists at Lipetsk",
        caption="Pilots <in> civilian clothes.",
        date="1926",
        archival_reference=make_reference(repository=make_repository()),
    )
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    essay = make_essay(title="Secret wings", body="The aerodrome at Lipetsk was a secret.")
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    draft = make_section(exhibit, title="Lipetsk draft", slug="draft", status=Status.DRAFT)
    make_block(draft, text="Lipetsk unpublished words.")
    return {"exhibit": exhibit, "section": section, "image": image, "essay": essay}


def result_titles(response):
    return re.findall(r'<h2 class="result__title"><a href="[^"]*">([^<]*)</a>', response.text)


@pytest.mark.django_db
def test_search_page_without_a_query_explains_what_is_searched(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Search the published exhibits" in response.text
    assert 'name="robots"' not in response.text
    assert 'class="results"' not in response.text


def test_results_are_listed_with_marked_snippets_and_links(client, content):
    response = client.get(URL, {"q": "lipezk"})
    assert response.status_code == 200
    assert set(result_titles(response)) == {
        "The flight school",
        "Lipetsk",
        "Tourists at Lipetsk",
        "Secret wings",
    }
    assert "Lipetsk draft" not in response.text
    assert "unpublished" not in response.text
    assert '<meta name="robots" content="noindex">' in response.text
    assert f'href="{content["essay"].get_absolute_url()}"' in response.text
    assert "aerodrome at <mark>Lipetsk</mark>" in response.text
    assert "Pilots &lt;in&gt; civilian" in response.text
    assert "4 results for" in response.text


def test_facets_are_checkboxes_with_counts_and_narrow_the_results(client, content):
    response = client.get(URL, {"q": "lipetsk"})
    assert re.search(
        r'name="type" value="image"> <span class="facet__label">Image</span>', response.text
    )
    assert 'name="exhibit" value="wings"' in response.text
    assert 'name="repository" value="GALO"' in response.text
    assert 'name="kind" value="place"' in response.text
    assert ">1920s</a>" in response.text

    narrowed = client.get(URL, {"q": "lipetsk", "type": "image"})
    assert result_titles(narrowed) == ["Tourists at Lipetsk"]
    assert 'name="type" value="image" checked' in narrowed.text
    assert "Clear filters" in narrowed.text

    dated = client.get(URL, {"q": "lipetsk", "from": "1920", "to": "1929"})
    assert result_titles(dated) == ["Tourists at Lipetsk"]
    assert client.get(URL, {"q": "lipetsk", "from": "1930"}).status_code == 200
    assert result_titles(client.get(URL, {"q": "lipetsk", "from": "1929", "to": "1921"})) == [
        "Tourists at Lipetsk"
    ]  # reversed years are read the right way round


def test_a_selected_filter_with_no_results_can_still_be_unticked(client, content):
    response = client.get(URL, {"q": "aerodrome", "repository": "GALO"})
    assert result_titles(response) == []
    assert 'name="repository" value="GALO" checked' in response.text
    assert "Search again without the filters" in response.text


def test_no_results_page_offers_help(client, content):
    response = client.get(URL, {"q": "zeppelin"})
    assert response.status_code == 200
    assert "Nothing found for" in response.text
    assert "Use fewer words" in response.text


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"unbalanced (quote'},
        {"q": "lipetsk AND -kazan OR *"},
        {"q": "x" * 10_000},
        {"q": "lipetsk", "page": "-1"},
        {"q": "lipetsk", "page": "abc"},
        {"q": "lipetsk", "page": "99999999999999999999"},
        {"q": "lipetsk", "from": "soon", "to": "1e9"},
        {"q": "lipetsk", "type": "user", "kind": "<script>"},
        {"q": "lipetsk", "exhibit": "x" * 1000, "repository": "y" * 1000},
        {"q": "\x00"},
    ],
)
def test_bad_input_never_fails(client, content, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_bad_years_are_explained(client, content):
    response = client.get(URL, {"q": "lipetsk", "from": "soon"})
    assert "is not a year" in response.text
    assert len(result_titles(response)) == 4


def test_results_are_paginated(client, content):
    for n in range(25):
        essay = make_essay(title=f"Report {n:02d}", body="A report from Lipetsk.")
        make_block(content["section"], kind=Block.Kind.ESSAY, essay=essay)
    first = client.get(URL, {"q": "report"})
    assert len(result_titles(first)) == 20
    assert "Page 1 of 2" in first.text
    assert 'href="?q=report&amp;page=2"' in first.text
    second = client.get(URL, {"q": "report", "page": 2})
    assert len(result_titles(second)) == 5
    assert "21–25 shown" in second.text


def test_every_page_has_the_search_box_in_its_header(client, content):
    response = client.get(content["exhibit"].get_absolute_url())
    assert f'action="{URL}"' in response.text
    assert 'id="site-search-q" name="q"' in response.text
