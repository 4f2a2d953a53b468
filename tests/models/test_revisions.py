"""Saving an essay records a revision and carries its annotations along."""

import pytest

from exhibit.models import Annotation, Block, EssayRevision
from exhibit.services.anchoring import selector_for
from tests.factories import make_block, make_essay, make_exhibit, make_section

BODY = (
    "## Lipetsk\n\nThe flight school at Lipetsk opened in 1925. German pilots trained there "
    "in secret.\n\n## Kazan\n\nThe tank school Kama followed in 1929. Kama lay near Kazan."
)


def annotate(essay, quote, occurrence=1):
    text = essay.revisions.get().text
    start = -1
    for _ in range(occurrence):
        start = text.index(quote, start + 1)
    selector = selector_for(text, start, start + len(quote))
    return Annotation.objects.create(
        essay=essay,
        revision=essay.revisions.get(),
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
        body="A note.",
    )


def edit(essay, body):
    essay.body = body
    essay.save()
    return essay


@pytest.mark.django_db
def test_first_save_records_revision_one_with_its_plain_text():
    essay = make_essay(body=BODY)
    revision = essay.revisions.get()
    assert revision.number == 1
    assert revision.text.startswith("Lipetsk\n\nThe flight school at Lipetsk opened in 1925.")


@pytest.mark.django_db
def test_saving_unchanged_text_makes_no_new_revision():
    essay = make_essay(body=BODY)
    essay.title = "New title"
    essay.save()
    assert EssayRevision.objects.filter(essay=essay).count() == 1


@pytest.mark.django_db
def test_inserted_paragraph_before_shifts_annotations_to_the_new_revision():
    essay = make_essay(body=BODY)
    note = annotate(essay, "German pilots trained there")
    edit(essay, "An introduction.\n\n" + BODY)
    note.refresh_from_db()
    revision = essay.revisions.order_by("-number").first()
    assert revision.number == 2
    assert note.anchoring == Annotation.Anchoring.SHIFTED
    assert note.revision == revision
    assert revision.text[note.start : note.end] == "German pilots trained there"
    assert essay.reanchored == {"shifted": 1}


@pytest.mark.django_db
def test_typo_fixed_inside_is_fuzzy_with_the_old_quote_kept_for_review():
    essay = make_essay(body=BODY.replace("trained there", "trianed there"))
    note = annotate(essay, "German pilots trianed there")
    edit(essay, BODY)
    note.refresh_from_db()
    assert note.anchoring == Annotation.Anchoring.FUZZY
    assert note.exact == "German pilots trained there"
    assert note.previous_exact == "German pilots trianed there"


@pytest.mark.django_db
def test_deleted_sentence_orphans_its_annotation_without_losing_it():
    essay = make_essay(body=BODY)
    note = annotate(essay, "German pilots trained there in secret")
    old_revision = note.revision
    edit(essay, BODY.replace(" German pilots trained there in secret.", ""))
    note.refresh_from_db()
    assert note.anchoring == Annotation.Anchoring.ORPHANED
    assert note.exact == "German pilots trained there in secret"
    assert note.revision == old_revision


@pytest.mark.django_db
def test_same_phrase_twice_keeps_the_annotated_occurrence():
    essay = make_essay(body=BODY)
    note = annotate(essay, "Kama", occurrence=2)
    edit(essay, BODY.replace("The tank school Kama", "The secret tank school Kama"))
    note.refresh_from_db()
    text = essay.revisions.order_by("-number").first().text
    assert note.anchoring == Annotation.Anchoring.SHIFTED
    assert note.start == text.rindex("Kama")


@pytest.mark.django_db
def test_orphaned_and_retired_annotations_are_not_public():
    section = make_section(make_exhibit())
    essay = make_essay(body=BODY)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    live = annotate(essay, "Lipetsk", occurrence=2)
    retired = annotate(essay, "Kazan", occurrence=2)
    retired.retired = True
    retired.save()
    orphan = annotate(essay, "in secret")
    edit(essay, BODY.replace(" in secret", ""))
    assert list(Annotation.objects.published()) == [live]
    assert Annotation.objects.get(pk=orphan.pk).anchoring == Annotation.Anchoring.ORPHANED


@pytest.mark.django_db
def test_entity_linked_only_by_a_published_note_is_public():
    from exhibit.models import Entity
    from tests.factories import make_entity

    section = make_section(make_exhibit())
    essay = make_essay(body=BODY)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    tomka = make_entity(name="Tomka", slug="tomka")
    note = annotate(essay, "Kazan", occurrence=2)
    assert tomka not in Entity.objects.published()
    note.entities.add(tomka)
    assert tomka in Entity.objects.published()
    note.retired = True
    note.save()
    assert tomka not in Entity.objects.published()
