"""The search service: folding, ranking, snippets, facets, names, visibility, upkeep.

Runs unchanged on SQLite (FTS5) and PostgreSQL (tsvector): the service hides the difference.
"""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from exhibit.models import Annotation, Block, Entity, Essay, SearchEntry, Section, Status
from exhibit.services import search as search_service
from exhibit.services.anchoring import selector_for
from exhibit.services.search import Filters, fold, fold_tokens, search, snippet
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


def titles(results):
    return [result.title for result in results.results]


def kinds(results):
    return {result.kind for result in results.results}


@pytest.fixture
def section(db):
    return make_section(make_exhibit(title="Wings over the Don"))


def essay_in(section, **kwargs):
    essay = make_essay(**kwargs)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    return essay


def note_on(essay, word, body):
    revision = essay.revisions.order_by("-number").first()
    start = revision.text.index(word)
    selector = selector_for(revision.text, start, start + len(word))
    return Annotation.objects.create(
        essay=essay,
        revision=revision,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
        body=body,
    )


# --- folding ---------------------------------------------------------------------------------


def test_fold_removes_case_diacritics_and_transliterates_cyrillic():
    assert fold("Łódź Straße ÉCOLE") == "lodz strasse ecole"
    assert fold("Липецк") == "lipetsk"
    assert fold("Тухачевский") == "tukhachevsky"
    assert fold_tokens("GALO, f. 2176, op. 1") == ["galo", "f", "2176", "op", "1"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_query_parses_to_safe_word_tokens(raw):
    tokens = search_service.parse_query(raw)
    assert len(tokens) <= search_service.MAX_TERMS
    for token in tokens:
        assert search_service.WORD.fullmatch(token)
    parsed = search_service.expand(tokens, [], prefix=True)
    query = search_service._fts5_query(parsed)
    assert query.count('"') % 2 == 0


# --- finding and ranking ---------------------------------------------------------------------


@pytest.mark.django_db
def test_essay_full_text_is_found_with_highlighted_snippet(section):
    essay_in(
        section,
        title="Pilots in disguise",
        body="German pilots travelled as tourists to the aerodrome at Lipetsk in 1925.",
    )
    results = search("tourists")
    assert titles(results) == ["Pilots in disguise"]
    assert "as <mark>tourists</mark> to the aerodrome" in results.results[0].snippet


@pytest.mark.django_db
def test_title_match_ranks_above_a_mention_in_the_text(section):
    essay_in(section, title="Notes on training", body="Among other places, Kazan. " * 3)
    essay_in(section, title="Kazan", body="The tank school opened in 1929.")
    assert titles(search("kazan"))[:2] == ["Kazan", "Notes on training"]


@pytest.mark.django_db
def test_what_a_thing_is_about_ranks_above_notes_that_mention_it(section):
    place = make_entity(name="Tomka")
    make_block(section, entities=[place])
    essay = essay_in(section, title="Gas", body="Tomka was a test site.")
    note = note_on(essay, "Tomka", "Tomka, near Samara.")
    note.entities.add(place)
    found = search("tomka").results
    assert [r.kind for r in found] == ["entity", "essay", "annotation"]
    assert found[2].title == "Note on “Gas”"
    assert titles(search("gas", Filters(kinds=["annotation"]))) == ["Note on “Gas”"]


@pytest.mark.django_db
def test_all_words_must_match_and_the_last_may_be_a_prefix(section):
    essay_in(section, title="The tank school", body="Kama near Kazan trained officers.")
    essay_in(section, title="The flight school", body="Lipetsk trained pilots.")
    assert titles(search("school kaz")) == ["The tank school"]
    assert titles(search("school kaz ")) == []  # a finished word is not a prefix
    assert titles(search("trained")) == ["The flight school", "The tank school"]


@pytest.mark.django_db
def test_snippet_escapes_everything_but_the_marks():
    text = "A <script>alert(1)</script> & Lipetsk"
    html = snippet(text, {"lipetsk"})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; <mark>Lipetsk</mark>" in html


def test_snippet_shows_a_window_around_a_late_match():
    text = " ".join(["filler"] * 200) + " Tomka " + " ".join(["after"] * 200)
    html = snippet(text, {"tomka"})
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>Tomka</mark>" in html
    assert len(html.split()) < 40


@pytest.mark.django_db
def test_diacritics_and_case_are_folded_both_ways(section):
    essay_in(section, title="Łódź and Kraków", body="Notes on Polish archives.")
    essay_in(section, title="Plain spelling", body="From Lodz to Krakow by train.")
    assert titles(search("LODZ")) == ["Łódź and Kraków", "Plain spelling"]
    assert titles(search("Kraków")) == ["Łódź and Kraków", "Plain spelling"]
    result = search("lodz").results[1]
    assert "<mark>Lodz</mark>" in result.snippet


# --- names and transliterations --------------------------------------------------------------


@pytest.mark.django_db
def test_alternative_names_and_transliterations_find_the_entity(section):
    lipetsk = make_entity(name="Lipetsk", alternative_names="Lipezk\nЛипецк\nLipeck")
    person = make_entity(
        kind=Entity.Kind.PERSON,
        name="Mikhail Tukhachevsky",
        alternative_names="Michail Tuchatschewski\nМихаил Тухачевский",
        latitude=None,
        longitude=None,
    )
    make_block(section, entities=[lipetsk, person])
    for query in ["Lipetsk", "Lipezk", "Липецк", "lipeck", "LIPEZK"]:
        assert "Lipetsk" in titles(search(query)), query
    for query in ["Tukhachevsky", "Tuchatschewski", "Тухачевский", "Michail Tuchatschewski"]:
        assert "Mikhail Tukhachevsky" in titles(search(query)), query


@pytest.mark.django_db
def test_any_name_of_an_entity_finds_content_using_another(section):
    lipetsk = make_entity(name="Lipetsk", alternative_names="Lipezk\nЛипецк")
    make_block(section, entities=[lipetsk])
    essay_in(section, title="Die Fliegerschule", body="Die Schule in Lipezk war geheim.")
    essay_in(section, title="The flight school", body="The school at Lipetsk was secret.")
    found = titles(search("Липецк"))
    assert {"Die Fliegerschule", "The flight school", "Lipetsk"} <= set(found)
    essay = search("lipetsk", Filters(kinds=["essay"]))
    assert "<mark>Lipezk</mark>" in essay.results[0].snippet + essay.results[1].snippet


# --- facets ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_facets_count_by_type_exhibit_kind_repository_and_decade(section):
    other = make_section(make_exhibit(title="Tanks at Kazan"))
    rgva = make_repository(abbreviation="RGVA", name="Russian State Military Archive")
    image = make_image(
        title="Hangar at Lipetsk",
        caption="The hangar, winter.",
        date="1928",
        archival_reference=make_reference(repository=rgva, fond="33987"),
    )
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    place = make_entity(name="Lipetsk")
    make_block(other, entities=[place])
    essay_in(other, title="Lipetsk and Kazan", body="Two schools.")

    results = search("lipetsk")
    counts = {f.value: f.count for f in results.facets["kind"]}
    assert counts == {"essay": 1, "image": 1, "entity": 1}
    assert results.total == 3
    exhibits = {f.label: f.count for f in results.facets["exhibit"]}
    assert exhibits == {"Wings over the Don": 1, "Tanks at Kazan": 2}
    assert {f.value: f.count for f in results.facets["entity_kind"]} == {"place": 1}
    assert {f.value: f.count for f in results.facets["repository"]} == {"RGVA": 1}
    assert [(f.label, f.count) for f in results.years] == [("1920s", 1)]

    narrowed = search("lipetsk", Filters(exhibits=[other.exhibit.slug]))
    assert set(titles(narrowed)) == {"Lipetsk", "Lipetsk and Kazan"}
    # A facet's own counts ignore its own selection, so other choices stay visible.
    assert {f.value: f.count for f in narrowed.facets["exhibit"]}[section.exhibit.slug] == 1
    assert titles(search("lipetsk", Filters(repositories=["RGVA"]))) == ["Hangar at Lipetsk"]
    assert titles(search("lipetsk", Filters(kinds=["entity"]))) == ["Lipetsk"]
    assert titles(search("lipetsk", Filters(entity_kinds=["place"]))) == ["Lipetsk"]
    assert titles(search("lipetsk", Filters(year_from=1922, year_to=1933))) == ["Hangar at Lipetsk"]
    assert titles(search("lipetsk", Filters(year_from=1934))) == []


@pytest.mark.django_db
def test_image_is_found_by_caption_credit_and_archival_reference(section):
    galo = make_repository()
    image = make_image(
        title="Tourists",
        caption="Pilots in civilian clothes.",
        credit_line="Courtesy of the regional archive",
        archival_reference=make_reference(repository=galo, fond="2176", opis="1", delo="1"),
    )
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    for query in ["civilian", "courtesy", "GALO", "Fond 2176", "2176", "Липецкой", "lipetskoy"]:
        assert titles(search(query)) == ["Tourists"], query


@pytest.mark.django_db
def test_pagination_pages_through_all_results(section):
    for n in range(25):
        essay_in(section, title=f"Report {n:02d}", body="Kama tank school report.")
    first, second = search("report", page=1), search("report", page=2)
    assert first.total == 25 and first.page.paginator.num_pages == 2
    assert len(first.results) == 20 and len(second.results) == 5
    assert not set(titles(first)) & set(titles(second))
    assert titles(search("report", page="999")) == titles(second)
    assert titles(search("report", page="x")) == titles(first)


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "lipetsk*",
        "* OR *",
        "NOT lipetsk",
        "-lipetsk",
        "(lipetsk",
        "lipetsk)",
        "title:lipetsk",
        "NEAR(lipetsk kazan)",
        "lip' & !|:*",
        "a" * 5000,
        "lipetsk " * 500,
        "\x00\ufffd",
        "'); DROP TABLE exhibit_searchentry; --",
    ],
)
def test_hostile_queries_never_fail(section, query):
    essay_in(section, title="Lipetsk", body="The flight school.")
    results = search(query)
    assert results.total == len(results.results)
    assert SearchEntry.objects.exists()


# --- visibility ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_unpublished_object_is_ever_found(section):
    word = "Podosinki"
    exhibit = section.exhibit
    make_block(section, text=f"{word} in a published section.")
    draft_exhibit = make_exhibit(title=f"{word} draft", status=Status.DRAFT)
    draft_section = make_section(exhibit, title=f"{word} draft section", status=Status.REVIEW)
    make_block(draft_section, text=f"{word} in a draft section.")
    hidden_section = make_section(draft_exhibit, title=f"{word} in a draft exhibit")
    make_essay(title=f"{word} unlinked essay")  # published but shown nowhere
    draft_essay = essay_in(section, title=f"{word} draft essay", status=Status.DRAFT)
    essay_in(hidden_section, title=f"{word} essay of a draft exhibit")
    essay_in(draft_section, title=f"{word} essay of a draft section")
    make_image(title=f"{word} unused image")
    hidden_image = make_image(title=f"{word} image of a draft section")
    make_block(draft_section, kind=Block.Kind.IMAGE, image=hidden_image)
    make_entity(name=f"{word} unlinked place")
    entity = make_entity(name=f"{word} place in a draft section")
    make_block(draft_section, entities=[entity])
    note_on(draft_essay, "Lipetsk", f"{word} note on a draft essay")
    visible_essay = essay_in(section, title="Seen")
    retired = note_on(visible_essay, "Lipetsk", f"{word} retired note")
    retired.retired = True
    retired.save()
    scheduled = timezone.now() + dt.timedelta(days=1)
    make_section(exhibit, title=f"{word} scheduled", published_at=scheduled)

    found = search(word)
    assert titles(found) == [section.title]
    assert {f.value for f in found.facets["exhibit"]} == {exhibit.slug}


@pytest.mark.django_db
def test_only_visible_placements_put_an_entry_under_an_exhibit(section):
    """An essay, image or place shown by a draft or future section of another published
    exhibit is neither counted under that exhibit nor found by filtering on it."""
    shown = section.exhibit
    other = make_exhibit(title="Tanks at Kazan")
    draft_section = make_section(other, title="Draft", status=Status.DRAFT)
    later = make_exhibit(title="Gas at Tomka")
    scheduled = make_section(later, published_at=timezone.now() + dt.timedelta(days=1))
    essay = essay_in(section, title="Lipetsk letters", body="Pilots as tourists.")
    image = make_image(title="Lipetsk hangar", caption="Winter.")
    place = make_entity(name="Lipetsk")
    make_block(section, kind=Block.Kind.IMAGE, image=image, entities=[place])
    for hidden in (draft_section, scheduled):
        make_block(hidden, kind=Block.Kind.ESSAY, essay=essay)
        make_block(hidden, kind=Block.Kind.GALLERY, gallery=[image], entities=[place])
    note_on(essay, "tourists", "Lipetsk: the cover story.")

    found = search("lipetsk")
    assert set(kinds(found)) == {"essay", "image", "entity", "annotation"}
    assert {f.value: f.count for f in found.facets["exhibit"]} == {shown.slug: 4}
    for hidden in (other, later):
        assert search("lipetsk", Filters(exhibits=[hidden.slug])).results == []

    # The scheduled section's time comes: its exhibit counts them, with no re-indexing.
    Section.objects.filter(pk=scheduled.pk).update(published_at=timezone.now())
    found = search("lipetsk")
    assert {f.value: f.count for f in found.facets["exhibit"]} == {shown.slug: 4, later.slug: 4}
    assert len(search("lipetsk", Filters(exhibits=[later.slug])).results) == 4


@pytest.mark.django_db
def test_scheduled_content_appears_at_its_time_without_reindexing(section):
    later = timezone.now() + dt.timedelta(hours=1)
    make_section(section.exhibit, title="Tomka opens", published_at=later)
    assert titles(search("tomka")) == []
    # The clock passes the publish time (update() bypasses every save hook).
    Section.objects.filter(title="Tomka opens").update(published_at=timezone.now())
    assert titles(search("tomka")) == ["Tomka opens"]


@pytest.mark.django_db
def test_unpublishing_an_essay_drops_it_and_its_notes(section):
    essay = essay_in(section, title="Kama", body="The tank school at Kazan opened in 1929.")
    note_on(essay, "Kazan", "Krupp engineers worked here.")
    assert kinds(search("krupp")) == {"annotation"}
    result = search("krupp").results[0]
    assert result.url == f"{essay.get_absolute_url()}#n-{Annotation.objects.get().uuid}"
    assert result.title == "Note on “Kama”"
    essay.status = Status.DRAFT
    essay.save()
    assert titles(search("krupp")) == []
    assert titles(search("kama")) == []


# --- index upkeep ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_edits_to_related_objects_reach_the_index(section):
    reference = make_reference(fond="100")
    image = make_image(title="Aerodrome", archival_reference=reference)
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    assert titles(search("Fond 100")) == ["Aerodrome"]
    reference.fond = "2176"
    reference.save()
    assert titles(search("Fond 100")) == []
    assert titles(search("Fond 2176")) == ["Aerodrome"]

    place = make_entity(name="Lipetsk")
    image.entities.add(place)
    place.alternative_names = "Lipezk"
    place.save()
    assert set(titles(search("lipezk"))) == {"Aerodrome", "Lipetsk"}

    essay = essay_in(section, title="First title")
    essay.title = "Second title"
    essay.save()
    assert titles(search("second title")) == ["Second title"]
    assert titles(search("first title")) == []


@pytest.mark.django_db
def test_block_and_membership_changes_reach_the_index(section):
    essay = make_essay(title="Floating essay", body="Junkers at Fili.")
    assert titles(search("junkers")) == []  # published but not shown anywhere
    block = make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    assert titles(search("junkers")) == ["Floating essay"]
    assert [f.value for f in search("junkers").facets["exhibit"]] == [section.exhibit.slug]
    block.delete()
    assert titles(search("junkers")) == []
    text = make_block(section, text="The Junkers concession.")
    assert titles(search("concession")) == [section.title]
    text.text = "The Fili works."
    text.save()
    assert titles(search("concession")) == []
    section.delete()
    search_service.flush()
    assert not SearchEntry.objects.filter(kind="section").exists()


@pytest.mark.django_db
def test_rebuild_restores_a_lost_index(section):
    essay_in(section, title="Rapallo", body="The treaty of April 1922.")
    search_service.flush()
    SearchEntry.objects.all().delete()
    assert titles(search("rapallo")) == []
    counts = search_service.rebuild()
    assert counts["essay"] == 1 and counts["section"] == 1 and counts["exhibit"] == 1
    assert titles(search("rapallo")) == ["Rapallo"]


@pytest.mark.django_db(transaction=True)
def test_index_is_written_when_the_transaction_commits():
    """Outside tests' wrapping transaction: saves schedule the work, the commit does it."""
    from django.db import transaction

    with transaction.atomic():
        section = make_section(make_exhibit())
        essay_in(section, title="Barbarossa", body="22 June 1941.")
        assert not SearchEntry.objects.filter(kind="essay").exists()
    assert not search_service.has_pending()
    assert SearchEntry.objects.filter(kind="essay", title="Barbarossa").exists()


@pytest.mark.django_db
def test_search_runs_a_fixed_number_of_queries(section, django_assert_num_queries):
    for n in range(3):
        essay_in(section, title=f"Lipetsk {n}", body="School.")
    search_service.flush()  # index work waits for the commit, which a test never reaches
    with django_assert_num_queries(search_service.QUERIES):
        results = search("lipetsk")
        list(results.results)
    for n in range(30):
        essay_in(section, title=f"Lipetsk more {n}", body="School.")
        make_block(section, entities=[make_entity()])
    search_service.flush()
    with django_assert_num_queries(search_service.QUERIES):
        results = search("lipetsk", Filters(kinds=["essay"]), page=2)
        list(results.results)


@pytest.mark.django_db(transaction=True)
def test_upgrade_fills_placements_section_by_section():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("exhibit", "0012_site")],
        [("exhibit", "0013_search_placements_with_sections")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    exhibit = old.get_model("exhibit", "Exhibit").objects.create(
        title="Wings", slug="wings", summary="S.", status="published"
    )
    shown, draft = (
        old.get_model("exhibit", "Section").objects.create(exhibit=exhibit, title=t, slug=t)
        for t in ("shown", "draft")
    )
    essay = old.get_model("exhibit", "Essay").objects.create(title="Letters", slug="letters")
    for section in (shown, draft):
        old.get_model("exhibit", "Block").objects.create(section=section, kind="essay", essay=essay)
    entries = old.get_model("exhibit", "SearchEntry").objects
    entries.create(kind="exhibit", object_id=exhibit.pk, url="/", title="Wings")
    entries.create(kind="essay", object_id=essay.pk, url="/", title="Letters")
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    placements = new.get_model("exhibit", "SearchPlacement").objects
    assert set(placements.values_list("entry__kind", "exhibit_id", "section_id")) == {
        ("exhibit", exhibit.pk, None),
        ("essay", exhibit.pk, shown.pk),
        ("essay", exhibit.pk, draft.pk),
    }
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- visibility on the index, proportional writes ---------------------------------------------


@pytest.mark.django_db
def test_a_section_does_not_show_in_search_the_block_of_a_hidden_essay(section):
    """The section page leaves out an essay block whose essay is a draft: its heading and
    text were in the section's search snippet all the same (issue 12, point 7)."""
    essay = make_essay(title="Kept back", status=Status.DRAFT)
    make_block(
        section,
        kind=Block.Kind.ESSAY,
        essay=essay,
        heading="Vorwerk dossier",
        text="Plans of the Fili hangars.",
    )
    assert titles(search("vorwerk")) == []
    assert titles(search("hangars")) == []

    essay.status = Status.PUBLISHED
    essay.published_at = timezone.now() - dt.timedelta(minutes=1)
    essay.save()
    found = search("vorwerk")
    assert titles(found) == [section.title]
    assert "<mark>Vorwerk</mark> dossier" in found.results[0].snippet

    essay.status = Status.DRAFT
    essay.save()
    assert titles(search("vorwerk")) == []


@pytest.mark.django_db
def test_an_essay_scheduled_after_its_section_is_left_out_until_its_time(section):
    later = timezone.now() + dt.timedelta(days=2)
    essay = make_essay(title="Soon", published_at=later)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay, heading="Tomka report")
    search_service.flush()
    doc = search_service.document_for(Section.objects.get(pk=section.pk))
    assert "Tomka" not in doc.text
    assert doc.recheck_at == Essay.objects.get(pk=essay.pk).visible_from
    # A section scheduled for after the essay shows it from its own moment on.
    scheduled = make_section(section.exhibit, published_at=later + dt.timedelta(days=1))
    make_block(scheduled, kind=Block.Kind.ESSAY, essay=essay, heading="Tomka report")
    doc = search_service.document_for(Section.objects.get(pk=scheduled.pk))
    assert "Tomka report" in doc.text and doc.recheck_at is None


@pytest.mark.django_db
def test_publishing_copies_moments_onto_the_index_without_rewriting_documents(section):
    essay = essay_in(section, title="Rapallo", body="The treaty of April 1922.")
    note_on(essay, "treaty", "Signed at Easter.")
    search_service.flush()
    written = {e.pk: e.indexed for e in SearchEntry.objects.all()}
    announced = []

    def listener(sender, objects, **kwargs):
        announced.append(objects)

    search_service.index_changed.connect(listener)
    try:
        exhibit = section.exhibit
        exhibit.status = Status.DRAFT
        exhibit.save()
        search_service.flush()
    finally:
        search_service.index_changed.disconnect(listener)
    assert titles(search("rapallo")) == [] and titles(search("easter")) == []
    assert set(SearchEntry.objects.values_list("visible_from", flat=True)) == {None}
    assert {e.pk: e.indexed for e in SearchEntry.objects.all()} == written
    assert {kind for objects in announced for model, _ in objects for kind in [model]} >= {
        Essay,
        Annotation,
    }


@pytest.mark.django_db
def test_linking_a_note_to_a_hub_costs_what_linking_it_to_a_leaf_costs(
    section, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    essay = essay_in(section, title="Lipetsk letters", body="Lipetsk. " * 60)
    hub, leaf = make_entity(name="Lipetsk"), make_entity(name="Voronezh")
    for n in range(40):
        note_on(essay, "Lipetsk", f"Note {n}.").entities.add(hub)
        make_block(section, kind=Block.Kind.IMAGE, image=make_image(entities=[hub]))
    note_on(essay, "Lipetsk", "A leaf's only note.").entities.add(leaf)
    to_hub, to_leaf = note_on(essay, "Lipetsk", "One more."), note_on(essay, "Lipetsk", "And one.")
    search_service.flush()

    announced = []

    def listener(sender, objects, **kwargs):
        announced.append(objects)

    search_service.index_changed.connect(listener)
    counts = []
    try:
        for note, entity in ((to_hub, hub), (to_leaf, leaf)):
            with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(40):
                note.entities.add(entity)
                search_service.flush()
            counts.append(len(queries))
    finally:
        search_service.index_changed.disconnect(listener)
    assert counts[0] == counts[1], counts
    # Only the note's row changed: the entity's document (names, places) is as it was.
    assert announced == [[(Annotation, to_hub.pk)], [(Annotation, to_leaf.pk)]]
    assert titles(search("one more")) == ["Note on “Lipetsk letters”"]


@pytest.mark.django_db
def test_renaming_a_hub_reindexes_a_bounded_part_now_and_the_rest_in_the_background(
    section, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(search_service, "INLINE_LIMIT", 5)
    essay = essay_in(section, title="Letters", body="Lipetsk. " * 30)
    hub = make_entity(name="Lipetsk")
    for n in range(12):
        note_on(essay, "Lipetsk", f"Note {n}.").entities.add(hub)
    search_service.flush()
    hub.alternative_names = "Lipezk"
    hub.save()
    renamed = SearchEntry.objects.filter(kind="annotation", search_text__contains="lipezk")
    with django_capture_on_commit_callbacks() as callbacks:
        search_service.flush()
    assert renamed.count() == 5
    for callback in callbacks:
        callback()  # the commit: the task runs (the immediate backend of the tests)
    assert renamed.count() == 12


@pytest.mark.django_db(transaction=True)
def test_upgrade_copies_visibility_moments_onto_the_index():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("exhibit", "0018_visible_from")], [("exhibit", "0019_search_visible_from")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    moment = timezone.now() - dt.timedelta(days=1)
    exhibit = old.get_model("exhibit", "Exhibit").objects.create(
        title="Wings", slug="wings", summary="S.", status="published", visible_from=moment
    )
    shown, draft = (
        old.get_model("exhibit", "Section").objects.create(
            exhibit=exhibit, title=t, slug=t, visible_from=m
        )
        for t, m in (("shown", moment), ("draft", None))
    )
    entries = old.get_model("exhibit", "SearchEntry").objects
    placements = old.get_model("exhibit", "SearchPlacement").objects
    for obj in (exhibit, shown, draft):
        kind = obj._meta.model_name
        entry = entries.create(kind=kind, object_id=obj.pk, url="/", title=obj.title)
        section = None if kind == "exhibit" else obj
        placements.create(entry=entry, exhibit=exhibit, section=section)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    entries = new.get_model("exhibit", "SearchEntry").objects
    assert dict(entries.values_list("title", "visible_from")) == {
        "Wings": moment,
        "shown": moment,
        "draft": None,
    }
    placements = new.get_model("exhibit", "SearchPlacement").objects
    assert dict(placements.values_list("entry__title", "visible_from")) == {
        "Wings": moment,
        "shown": moment,
        "draft": None,
    }
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_search_still_finds_new_rows_after_undoing_and_redoing_the_moments_migration():
    """On SQLite, undoing 0019 rebuilds the index table (it drops an indexed column), which
    drops the triggers that keep the FTS5 index in step: it must put them back."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("exhibit", "0018_visible_from")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    exhibit = make_exhibit(title="Wings over Lipetsk")
    search_service.flush()
    found = search("wings", Filters(kinds=["exhibit"])).results
    assert [result.url for result in found] == [exhibit.get_absolute_url()]
