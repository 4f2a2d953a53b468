"""Entity pages and indexes across exhibits: A-Z by kind, repositories, timeline, map."""

import re
from urllib.parse import quote, unquote

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from exhibit.models import Annotation, Entity, IndexName, Repository, Status
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
from tests.views.test_entity_annotations import linked_entity, published_image
from tests.views.test_essay_annotations import annotate, published_essay

pytestmark = pytest.mark.django_db


def draft_section():
    return make_section(make_exhibit(status=Status.DRAFT))


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# Entity pages


def test_entity_page_groups_notes_images_exhibits_and_sources(client):
    place = make_entity(name="Lipetsk", alternative_names="Lipezk\nЛипецк")
    essay = published_essay()
    note = annotate(essay, "Lipetsk", entities=[place])
    cited = make_reference(fond="33987", title="Report on the school")
    note.references.set([cited])
    held = make_reference(
        repository=make_repository(abbreviation="RGVA", name="Russian State Military Archive"),
        fond="29",
    )
    image = published_image(title="Hangars", entities=[place], archival_reference=held)
    quoted = make_reference(fond="4")
    section = make_section(make_exhibit(title="Secret partners"), title="The flying school")
    make_block(section, kind="quotation", quote="We fly.", quote_reference=quoted, entities=[place])

    html = page(client, place.get_absolute_url())

    assert "In the essays" in html and f"#a-{note.uuid}" in html
    assert '<mark class="entity-note__exact">Lipetsk</mark>' in html
    assert image.get_absolute_url() in html
    assert "Secret partners" in html and "The flying school" in html
    sources = html[html.index("Archival sources") :]
    for reference in (cited, held, quoted):
        assert reference.short_citation in sources
        assert f"{reference.repository.get_absolute_url()}#ref-{reference.pk}" in sources
    # Grouped by repository (GALO before RGVA), the image held under a reference named.
    assert sources.index("State Archive of Lipetsk Oblast") < sources.index("Russian State")
    assert re.search(r"Image: <a href=\"/images/[^\"]+\">Hangars</a>", sources)
    # Other names are shown; the Cyrillic one is marked as Russian.
    assert '<span class="entity__aka-name">Lipezk</span>' in html
    assert '<span class="entity__aka-name" lang="ru">Липецк</span>' in html


def test_entity_page_pages_its_notes(client, monkeypatch):
    monkeypatch.setattr("exhibit.views.pages.NOTES_PAGE_SIZE", 2)
    place = make_entity(name="Lipetsk")
    essay = published_essay()
    notes = [annotate(essay, "Lipetsk", entities=[place]) for _ in range(3)]
    image = published_image(title="Hangars", entities=[place])
    region = Annotation.objects.create(image=image, xywh="1,1,10,10", body="Hangar roofs.")
    region.entities.set([place])

    html = page(client, place.get_absolute_url())
    assert html.count('class="entity-note"') == 2 and "Page 1 of 2" in html
    assert "Noted in images" not in html
    html = page(client, f"{place.get_absolute_url()}?page=2")
    assert html.count('class="entity-note"') == 2 and "Noted in images" in html
    assert f"#a-{notes[0].uuid}" not in html  # essay notes come first, in reading order
    assert '<nav class="pagination" aria-label="Pages of notes">' in html
    assert (
        f'<link rel="canonical" href="http://testserver{place.get_absolute_url()}?page=2">' in html
    )
    for number in ("3", "0", "x", "١"):
        assert client.get(place.get_absolute_url(), {"page": number}).status_code == 404


def test_entity_page_shows_no_source_cited_only_by_unpublished_content(client):
    place = linked_entity()
    draft_essay = make_essay(status=Status.DRAFT)
    make_block(draft_section(), kind="essay", essay=draft_essay)
    hidden = make_reference(fond="777")
    annotate(draft_essay, "Lipetsk", entities=[place]).references.set([hidden])
    make_block(
        draft_section(),
        kind="quotation",
        quote_reference=make_reference(fond="778"),
        entities=[place],
    )
    unused_image = make_image(entities=[place], archival_reference=make_reference(fond="779"))

    html = page(client, place.get_absolute_url())

    assert "Archival sources" not in html
    assert "f. 777" not in html and "f. 778" not in html and "f. 779" not in html
    assert unused_image.get_absolute_url() not in html


def test_place_page_has_a_small_map_over_its_coordinates(client):
    place = linked_entity(name="Kazan", latitude="55.796400", longitude="49.108900")
    html = page(client, place.get_absolute_url())
    assert "55.7964° N, 49.1089° E" in html
    assert 'data-lat="55.796400" data-lng="49.108900" data-name="Kazan"' in html
    assert 'data-map data-map-places="entity-place"' in html
    assert "vendor/leaflet/leaflet.js" in html and "exhibit/js/map.js" in html
    assert "<script>" not in html  # external scripts only


def test_people_show_life_dates_and_events_honest_dates(client):
    person = linked_entity(
        kind="person",
        name="Hans von Seeckt",
        latitude=None,
        longitude=None,
        date="1866-04-22/1936-12-27",
    )
    event = linked_entity(
        kind="event", name="Kama", latitude=None, longitude=None, date="c. 1929/1933"
    )
    html = page(client, person.get_absolute_url())
    assert "Life dates</span> 22 April 1866 – 27 December 1936" in html
    assert "vendor/leaflet" not in html
    html = page(client, event.get_absolute_url())
    assert "Date</span> between c. 1929 and 1933" in html


# Per-kind A-Z indexes


def letter_bar(html):
    bar = re.search(r'<nav class="az-nav" aria-label="Letters">.*?</nav>', html, re.S)[0]
    return [unquote(letter) for letter in re.findall(r'href="\?letter=([^"]+)"', bar)]


def whole_index(client, url):
    """Every letter's page of an A-Z index, one after another, and its letter bar."""
    letters = letter_bar(page(client, url))
    return "".join(page(client, f"{url}?letter={quote(letter)}") for letter in letters), letters


def test_kind_index_lists_one_kind_from_a_to_z_with_other_names(client):
    linked_entity(
        kind="person",
        name="Mikhail Tukhachevsky",
        slug="tukhachevsky",
        alternative_names="Tuchatschewski\nТухачевский",
        latitude=None,
        longitude=None,
    )
    linked_entity(kind="person", name="Ernst Volckheim", latitude=None, longitude=None)
    linked_entity(kind="person", name="Émile Unseen", latitude=None, longitude=None)
    make_entity(kind="person", name="Anna Unlinked", latitude=None, longitude=None)
    linked_entity(
        kind="person",
        name="Hans von Seeckt",
        sort_name="Seeckt, Hans von",
        latitude=None,
        longitude=None,
    )
    linked_entity(name="Lipetsk")

    # With no letter asked for, the first letter that has entries.
    html = page(client, reverse("exhibit:person_list"))
    assert html.index("Émile Unseen") < html.index("Ernst Volckheim")
    assert "Mikhail" not in html
    assert '<a href="?letter=E" aria-current="page">E</a>' in html
    assert '<link rel="canonical" href="http://testserver/entities/people/">' in html
    # Only letters with entries; filed surname first when the curator gives an index form.
    assert letter_bar(html) == ["E", "M", "S", "T", "Т"]
    assert "4 in the exhibits" in html

    html, _ = whole_index(client, reverse("exhibit:person_list"))
    assert "Lipetsk" not in html and "Anna Unlinked" not in html
    assert html.index("Émile Unseen") < html.index("Ernst Volckheim") < html.index("Mikhail")
    assert html.index("Mikhail") < html.index(">Seeckt, Hans von</a>")
    assert '<span lang="ru">Тухачевский</span>' in html and "Tuchatschewski" in html
    assert 'href="/entities/people/" aria-current="page"' in html
    html = page(client, reverse("exhibit:person_list") + "?letter=S")
    assert '<link rel="canonical" href="http://testserver/entities/people/?letter=S">' in html


def test_kind_index_files_each_other_name_in_its_place_as_a_cross_reference(client):
    lipetsk = linked_entity(name="Lipetsk", alternative_names="Lipezk\nLIPETSK\nЛипецк")
    linked_entity(name="Kazan", alternative_names="Казань\nQazan")
    linked_entity(name="Moscow", alternative_names="Москва\nЙошкар-Ола\nЁлкино\nMoskau")

    html, letters = whole_index(client, reverse("exhibit:place_list"))

    see = f'<span class="entity-index__see">see</span> <a href="{lipetsk.get_absolute_url()}">'
    assert f'<span class="entity-index__cross">Lipezk</span>, {see}Lipetsk</a>' in html
    assert f'<span class="entity-index__cross" lang="ru">Липецк</span>, {see}Lipetsk</a>' in html
    # A spelling that files exactly where the name does is no cross-reference.
    assert html.count(">LIPETSK<") == 1  # in the list of other names only
    # Cross-references file by their own letter, in order among the names.
    assert letters == ["K", "L", "M", "Q", "Е", "Й", "К", "Л", "М"]
    headings = re.findall(r'<h2 class="entity-group__heading" id="letter-(.+?)-heading"', html)
    assert headings == letters
    assert '<h2 class="entity-group__heading" id="letter-Л-heading" lang="ru">Л</h2>' in html
    # The letter bar says where Cyrillic begins: Latin K and Cyrillic К look alike.
    assert re.search(
        r'<li class="az-nav__script">Cyrillic:</li>\s*<li><a href="\?letter=%D0%95"', html
    )
    order = [
        html.index(f'>{name}</span>, <span class="entity-index__see">')
        if name not in ("Kazan", "Lipetsk", "Moscow")
        else html.index(f">{name}</a>")
        for name in [
            *("Kazan", "Lipetsk", "Lipezk", "Moscow", "Moskau", "Qazan"),
            *("Ёлкино", "Йошкар-Ола", "Казань", "Липецк", "Москва"),
        ]
    ]
    # Cyrillic follows Latin, in Russian alphabetical order: Ё with Е, Й a letter of its own.
    assert order == sorted(order)
    # The count in the lede is of places, not of index lines.
    assert "3 in the exhibits" in html


def test_kind_index_files_digits_under_hash_and_pages_a_long_letter(client, monkeypatch):
    monkeypatch.setattr("exhibit.views.pages.INDEX_PAGE_SIZE", 2)
    for name in ("1st Air Squadron", "«Krasny Voenlet»", "Kama", "kamenka", "Kasan", "Kazan"):
        linked_entity(name=name, latitude=None, longitude=None)
    url = reverse("exhibit:place_list")

    html = page(client, url)
    assert letter_bar(html) == ["K", "#"]  # «Krasny» files under K; a digit under #
    assert ">Kama</a>" in html and ">kamenka</a>" in html and "Kasan" not in html
    assert 'rel="next" href="?page=2"' in html and "Page 1 of 3" in html
    html = page(client, f"{url}?letter=K&page=3")
    assert ">Krasny" not in html and "Voenlet»</a>" in html and ">Kazan</a>" not in html
    canonical = "http://testserver/entities/places/?letter=K&amp;page=3"
    assert f'<link rel="canonical" href="{canonical}">' in html
    html = page(client, f"{url}?letter=%23")
    assert ">1st Air Squadron</a>" in html

    for query in ("letter=Z", "letter=k", "letter=KK", "letter=", "page=4", "page=0",
                  "page=x", "page=١", "letter=K&page=9"):  # fmt: skip
        assert client.get(f"{url}?{query}").status_code == 404, query


def test_index_lines_follow_their_entity(client):
    section = make_section(make_exhibit())
    kazan = make_entity(name="Kazan", alternative_names="Казань")
    make_block(section, entities=[kazan])
    assert sorted(kazan.index_names.values_list("letter", "name", "see")) == [
        ("K", "Kazan", False), ("К", "Казань", True)
    ]  # fmt: skip
    kazan.name, kazan.alternative_names = "Qazan", ""
    kazan.save()
    assert list(kazan.index_names.values_list("letter", "name", "see")) == [("Q", "Qazan", False)]
    assert letter_bar(page(client, reverse("exhibit:place_list"))) == ["Q"]
    # queryset.update() and bulk_create() keep them too.
    Entity.objects.filter(pk=kazan.pk).update(sort_name="Zazan", alternative_names="Qasan")
    assert sorted(kazan.index_names.values_list("letter", "see")) == [("Q", True), ("Z", False)]
    (bulk,) = Entity.objects.bulk_create([Entity(kind="place", name="Yelets", slug="yelets")])
    assert list(bulk.index_names.values_list("letter", flat=True)) == ["Y"]
    kazan.delete()
    bulk.delete()
    assert not IndexName.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_index_name_migration_fills_existing_entities():
    executor = MigrationExecutor(connection)
    before = [("exhibit", "0019_search_visible_from")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("exhibit", "Entity")
    old.objects.create(kind="place", name="Lipetsk", slug="lipetsk", alternative_names="Липецк")
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert sorted(IndexName.objects.values_list("letter", "see")) == [("L", False), ("Л", True)]


def test_all_entities_index_gives_each_kind_its_count_and_letters(client):
    linked_entity(name="Lipetsk")
    linked_entity(name="Kazan", alternative_names="Казань")
    linked_entity(kind="event", name="Junkers scandal", latitude=None, longitude=None)
    html = page(client, reverse("exhibit:entity_list"))
    assert "Lipetsk" not in html  # counts and letters, not every name
    places, events = reverse("exhibit:place_list"), reverse("exhibit:event_list")
    assert f'<a href="{places}">Places</a> <span class="entity-group__count">2</span>' in html
    assert f'<a href="{events}">Events</a> <span class="entity-group__count">1</span>' in html
    assert f'href="{places}?letter=K"' in html and f'href="{places}?letter=%D0%9A"' in html
    assert f'href="{events}?letter=J"' in html


def test_an_entity_may_not_take_an_index_page_slug():
    entity = Entity(kind="person", name="People", slug="people")
    with pytest.raises(ValidationError) as error:
        entity.full_clean()
    assert "slug" in error.value.message_dict


# Repositories


def test_repository_pages_list_only_published_holdings(client):
    galo = make_repository()
    shown = make_reference(fond="2176", title="German pilots as tourists")
    image = published_image(title="Pilots", archival_reference=shown)
    essay = published_essay()
    essay.references.add(make_reference(fond="10"))
    note = annotate(essay, "Lipetsk")
    note.references.set([make_reference(fond="11")])
    make_reference(fond="999")  # cited by nothing
    make_image(archival_reference=make_reference(fond="998"))  # an image nothing publishes
    hidden = make_repository(abbreviation="TsGASA", name="Hidden archive")
    make_reference(repository=hidden, fond="1")

    listing = page(client, reverse("exhibit:repository_list"))
    assert galo.get_absolute_url() in listing and "3 sources" in listing
    assert "Hidden archive" not in listing
    assert client.get(hidden.get_absolute_url()).status_code == 404

    html = page(client, galo.get_absolute_url())
    assert "GALO, f. 2176, op. 1, d. 1" in html and "German pilots as tourists" in html
    assert f'id="ref-{shown.pk}"' in html and image.get_absolute_url() in html
    assert f'Cited in the essay <a href="{essay.get_absolute_url()}">' in html
    assert f"{essay.get_absolute_url()}#a-{note.uuid}" in html
    assert "f. 999" not in html and "f. 998" not in html


def test_image_page_links_its_repository(client):
    reference = make_reference()
    image = published_image(archival_reference=reference)
    html = page(client, image.get_absolute_url())
    assert f'href="/repositories/galo/#ref-{reference.pk}"' in html


def test_repository_slug_comes_from_the_abbreviation_and_stays_unique():
    assert make_repository(abbreviation="HA Krupp", name="Krupp").slug == "ha-krupp"
    assert make_repository(abbreviation="HA-Krupp", name="Krupp again").slug == "ha-krupp-2"
    assert make_repository(abbreviation="ГАЛО", name="Lipetsk archive").slug == "lipetsk-archive"
    assert Repository.objects.get_by_natural_key("HA Krupp").slug == "ha-krupp"


@pytest.mark.django_db(transaction=True)
def test_slug_migration_fills_existing_repositories():
    executor = MigrationExecutor(connection)
    before = [("exhibit", "0006_slug_redirects")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("exhibit", "Repository")
    old.objects.create(abbreviation="RGVA", name="Russian State Military Archive")
    old.objects.create(abbreviation="rgva ", name="Duplicate by slug")
    old.objects.create(abbreviation="ГАЛО", name="")
    executor.loader.build_graph()
    executor.migrate([("exhibit", "0007_places_repository_slug")])
    new = executor.loader.project_state([("exhibit", "0007_places_repository_slug")]).apps
    slugs = dict(new.get_model("exhibit", "Repository").objects.values_list("name", "slug"))
    assert slugs == {
        "Russian State Military Archive": "rgva",
        "Duplicate by slug": "rgva-2",
        "": "repository",
    }
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# Timeline


def test_timeline_orders_events_and_dated_images_with_honest_labels(client):
    linked_entity(
        kind="event", name="Junkers scandal", date="1926-12-03", latitude=None, longitude=None
    )
    linked_entity(
        kind="event", name="Treaty of Rapallo", date="1922-04-16", latitude=None, longitude=None
    )
    linked_entity(kind="event", name="Undated", latitude=None, longitude=None)
    linked_entity(kind="person", name="Seeckt", date="1866/1936", latitude=None, longitude=None)
    published_image(title="Hangars", date="c. 1928")
    published_image(title="Pilots", date="1925/1933")
    published_image(title="Earlier flights", date="before 1930")
    make_image(title="Unpublished photograph", date="1927")
    make_entity(kind="event", name="Unlinked event", date="1927")

    html = page(client, reverse("exhibit:timeline"))

    order = ["Treaty of Rapallo", "Pilots", "Junkers scandal", "Hangars", "Earlier flights"]
    positions = [html.index(f">{title}</a>") for title in order]
    assert positions == sorted(positions)
    for label in ("16 April 1922", "between 1925 and 1933", "c. 1928", "before 1930"):
        assert f'<p class="timeline__date">{label}</p>' in html
    assert (
        '<a href="?decade=1920" aria-current="page">1920s '
        '<span class="jump-nav__count">5</span></a>' in html
    )
    for absent in ("Undated", "Seeckt", "Unpublished photograph", "Unlinked event"):
        assert absent not in html


def test_timeline_shows_one_decade_at_a_time(client):
    for name, date in (("Armistice", "1918-11-11"), ("Rapallo", "1922-04-16"),
                       ("Pact", "1939-08-23"), ("Far back", "before 1920")):  # fmt: skip
        linked_entity(kind="event", name=name, date=date, latitude=None, longitude=None)
    published_image(title="Hangars", date="c. 1928")

    # By default the first decade with entries; "before 1920" is placed at its latest day.
    html = page(client, reverse("exhibit:timeline"))
    assert ">Armistice</a>" in html and ">Far back</a>" in html
    assert ">Rapallo</a>" not in html and ">Pact</a>" not in html
    bar = re.search(r'<nav class="jump-nav decade-nav".*?</nav>', html, re.S)[0]
    assert re.findall(r'href="\?decade=(\d+)"', bar) == ["1910", "1920", "1930"]
    assert '<a class="pagination__link" rel="next" href="?decade=1920">' in html

    html = page(client, reverse("exhibit:timeline") + "?decade=1920")
    assert ">Rapallo</a>" in html and ">Hangars</a>" in html and ">Pact</a>" not in html
    assert '<link rel="canonical" href="http://testserver/timeline/?decade=1920">' in html
    assert 'rel="prev" href="?decade=1910"' in html and 'rel="next" href="?decade=1930"' in html

    for decade in ("1940", "1925", "x", "١٩٢٠", "0", ""):
        assert client.get(reverse("exhibit:timeline"), {"decade": decade}).status_code == 404


# Map


def test_map_lists_published_places_with_coordinates(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = '© <a href="https://example.org/">Maps</a><script>x</script>'
    kazan = linked_entity(name="Kazan", slug="kazan", latitude="55.796400", longitude="49.108900")
    linked_entity(name="Somewhere", latitude=None, longitude=None)
    make_entity(name="Unpublished place")
    linked_entity(kind="person", name="Seeckt", latitude=None, longitude=None)

    html = page(client, reverse("exhibit:map"))

    assert '<li class="place-list__item" id="place-kazan">' in html
    assert f'<a class="place-list__name" href="{kazan.get_absolute_url()}">Kazan</a>' in html
    assert 'data-map-source="/map/places.geojson"' in html
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert "55.7964° N, 49.1089° E" in html
    for absent in ("Somewhere", "Unpublished place", "Seeckt"):
        assert absent not in html
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert "&lt;script&gt;" not in html and "<script>x" not in html
    assert "© &lt;a href=&quot;https://example.org/&quot;" in html


def test_map_without_places_or_tiles_says_so(client, settings):
    settings.MAP_TILE_URL = ""
    html = page(client, reverse("exhibit:map"))
    assert "No places with coordinates yet" in html
    assert "leaflet" not in html


def test_map_places_are_geojson_of_published_places_only(client):
    kazan = linked_entity(name="Kazan", slug="kazan", latitude="55.796400", longitude="49.108900")
    linked_entity(name="<b>Lipetsk</b>", slug="lipetsk", latitude="52.6031", longitude="39.5708")
    linked_entity(name="Somewhere", latitude=None, longitude=None)
    make_entity(name="Unpublished place", latitude="50.0", longitude="30.0")

    response = client.get(reverse("exhibit:map_places"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Cache-Control"] == "public, max-age=300"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert sorted(data["features"], key=lambda f: f["properties"]["name"]) == [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [39.5708, 52.6031]},
            "properties": {"name": "<b>Lipetsk</b>", "url": "/entities/lipetsk/"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [49.1089, 55.7964]},
            "properties": {"name": "Kazan", "url": kazan.get_absolute_url()},
        },
    ]
    assert client.post(reverse("exhibit:map_places")).status_code == 405


def test_map_lists_places_a_page_at_a_time(client, monkeypatch):
    monkeypatch.setattr("exhibit.views.indexes.MapView.paginate_by", 2)
    for name in ("Kazan", "Lipetsk", "Moscow"):
        linked_entity(name=name, latitude="55.0", longitude="40.0")
    html = page(client, reverse("exhibit:map"))
    assert ">Kazan</a>" in html and ">Lipetsk</a>" in html and ">Moscow</a>" not in html
    assert "Places (3)" in html and 'rel="next" href="?page=2"' in html
    html = page(client, reverse("exhibit:map") + "?page=2")
    assert ">Moscow</a>" in html and ">Kazan</a>" not in html
    assert '<link rel="canonical" href="http://testserver/map/?page=2">' in html
    for number in ("3", "0", "x", "١"):
        assert client.get(reverse("exhibit:map"), {"page": number}).status_code == 404
