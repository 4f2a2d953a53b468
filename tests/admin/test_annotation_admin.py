"""Annotating in the admin: the widgets' JSON views, the review of moved notes, the actions."""

import json

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exhibit.admin.images import region_annotations_to_review
from exhibit.models import Annotation, Essay, EssayRevision, Status
from exhibit.services.anchoring import (
    CONTEXT,
    Selector,
    codepoints_to_utf16,
    locate,
)
from tests.factories import image_bytes, make_entity, make_essay, make_image, make_reference

FRAKTUR = "𝔊" * 40  # outside the BMP: two UTF-16 code units each, one code point
SENTENCE = "The tank school Kama stood near Kazan and trained crews. "
BODY = (
    f"## Kama\n\n{FRAKTUR} is how a German type-setter wrote a capital G.\n\n"
    + SENTENCE * 4
    + "[^1]\n\n[^1]: RGVA f. 33987, op. 3, d. 295, l. 12."
)


def essay_url(essay):
    return reverse("admin:exhibit_annotation_annotate_essay", args=[essay.pk])


def image_url(image):
    return reverse("admin:exhibit_annotation_annotate_image", args=[image.pk])


def note_url(annotation):
    return reverse("admin:exhibit_annotation_update_note", args=[annotation.pk])


def change_url(annotation):
    return reverse("admin:exhibit_annotation_change", args=[annotation.pk])


def post_json(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def latest_text(essay):
    return essay.revisions.order_by("-number").first().text


def browser_selection(text, exact, occurrence=0):
    """What the widget sends for the ``occurrence``-th ``exact`` in the projection ``text``:
    the quote, 32 code points of context each side, and UTF-16 offsets, as the DOM counts."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(exact, start + 1)
    end = start + len(exact)
    return {
        "exact": exact,
        "prefix": text[max(0, start - CONTEXT) : start],
        "suffix": text[end : end + CONTEXT],
        "start": codepoints_to_utf16(text, start),
        "end": codepoints_to_utf16(text, end),
        "block": text[:start].count("\n\n"),
        "footnote": False,
    }


def note(**fields):
    return {"motivation": "commenting", "body": "", "entities": [], "references": [], **fields}


@pytest.fixture
def essay(db):
    return make_essay(body=BODY, slug="kama-essay")


def annotate(client, essay, exact, occurrence=0, **fields):
    selection = browser_selection(latest_text(essay), exact, occurrence)
    return post_json(client, essay_url(essay), note(selection=selection, **fields))


# Text annotations -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_curator_annotates_a_passage_after_non_bmp_characters(curator_client, curator, essay):
    kazan = make_entity(name="Kazan", slug="kazan")
    reference = make_reference(fond="33987", opis="3", delo="295")
    text = latest_text(essay)
    second = text.index("Kama", text.index("Kama", text.index("Kama") + 1) + 1)
    assert text.index("Kama") < text.index(FRAKTUR)  # the heading's "Kama" comes first
    selection = browser_selection(text, "Kama", occurrence=2)
    # The UTF-16 offset runs 40 units ahead of the code points here: read as code points, it
    # would pick the next, identical sentence's "Kama". The test means something only then.
    wrong = locate(text, Selector("Kama", selection["prefix"], selection["suffix"]),
                   selection["start"])  # fmt: skip
    assert wrong.start != second

    response = post_json(
        curator_client,
        essay_url(essay),
        note(
            selection=selection,
            motivation="identifying",
            body="The tank school *Kama*, code name TEKO.",
            entities=[kazan.pk],
            references=[reference.pk],
        ),
    )

    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.end) == (second, second + 4)
    assert annotation.exact == "Kama"
    assert annotation.prefix == text[second - CONTEXT : second]
    assert annotation.suffix == text[second + 4 : second + 4 + CONTEXT]
    assert annotation.revision == essay.revisions.order_by("-number").first()
    assert annotation.anchoring == Annotation.Anchoring.EXACT
    assert annotation.motivation == "identifying"
    assert "<em>Kama</em>" in annotation.body_html
    assert annotation.creator == curator
    assert list(annotation.entities.all()) == [kazan]
    assert list(annotation.references.all()) == [reference]
    data = response.json()["annotation"]
    assert data["start"] == codepoints_to_utf16(text, second)  # the browser's units again
    assert data["entities"] == [{"id": kazan.pk, "text": str(kazan)}]
    assert LogEntry.objects.filter(
        user=curator, object_id=str(annotation.pk), action_flag=ADDITION
    ).exists()


@pytest.mark.django_db
def test_a_passage_across_blocks_and_collapsed_white_space_is_found(curator_client, essay):
    selection = browser_selection(latest_text(essay), "capital G.\n\nThe tank school")
    selection["exact"] = "capital   G.\n\nThe  tank\nschool"  # how a raw DOM string may read
    response = post_json(curator_client, essay_url(essay), note(selection=selection))
    assert response.status_code == 201, response.content
    assert Annotation.objects.get().exact == "capital G.\n\nThe tank school"


@pytest.mark.django_db
def test_an_essay_without_revisions_gets_one_before_its_first_note(curator_client, essay):
    text = latest_text(essay)
    EssayRevision.objects.filter(essay=essay).delete()
    selection = browser_selection(text, "Kazan")
    response = post_json(curator_client, essay_url(essay), note(selection=selection))
    assert response.status_code == 201, response.content
    revision = essay.revisions.get()
    assert revision.number == 1
    assert Annotation.objects.get().revision == revision


@pytest.mark.django_db
def test_words_that_are_not_in_the_saved_text_are_refused(curator_client, essay):
    selection = browser_selection(latest_text(essay), "Kazan")
    selection.update(exact="Lipetsk aerodrome", prefix="", suffix="")
    response = post_json(curator_client, essay_url(essay), note(selection=selection))
    assert response.status_code == 400
    assert "not in the saved text of the essay" in response.json()["error"]
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_an_empty_selection_is_refused(curator_client, essay):
    response = post_json(curator_client, essay_url(essay), note(selection={"exact": "  "}))
    assert response.status_code == 400
    assert "Select the words" in response.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("flagged", [True, False])
def test_a_selection_in_the_footnotes_is_refused_with_a_reason(curator_client, essay, flagged):
    selection = {"exact": "RGVA f. 33987, op. 3", "prefix": "", "suffix": "", "start": 0}
    selection["footnote"] = flagged  # the widget saw it, or only the server does
    response = post_json(curator_client, essay_url(essay), note(selection=selection))
    assert response.status_code == 400
    assert "reaches into the footnotes" in response.json()["error"]
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_an_unknown_motivation_or_entity_is_refused(curator_client, essay):
    selection = browser_selection(latest_text(essay), "Kazan")
    bad_motivation = post_json(
        curator_client, essay_url(essay), note(selection=selection, motivation="publishing")
    )
    assert bad_motivation.status_code == 400
    assert bad_motivation.json()["field"] == "motivation"
    bad_entity = post_json(
        curator_client, essay_url(essay), note(selection=selection, entities=[987654])
    )
    assert bad_entity.status_code == 400
    assert bad_entity.json()["field"] == "entities"
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_annotating_never_changes_the_essays_status(curator_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    selection = browser_selection(latest_text(essay), "Kazan")
    payload = note(selection=selection, status="published", published_at="2025-01-01")
    assert post_json(curator_client, essay_url(essay), payload).status_code == 201
    essay.refresh_from_db()
    assert essay.status == Status.DRAFT
    assert essay.published_at is None


@pytest.mark.django_db
def test_the_views_answer_only_post(curator_client, essay):
    response = curator_client.get(essay_url(essay))
    assert response.status_code == 405


# Region annotations -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_curator_annotates_a_region_in_pixels_of_the_original(curator_client):
    image = make_image()  # 640 × 480
    entity = make_entity()
    response = post_json(
        curator_client,
        image_url(image),
        note(xywh="10,20,300,200", motivation="describing", entities=[entity.pk]),
    )
    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get()
    assert annotation.image == image
    assert annotation.region == (10, 20, 300, 200)
    assert annotation.polygon is None
    assert list(annotation.entities.all()) == [entity]
    assert response.json()["annotation"]["xywh"] == [10, 20, 300, 200]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("xywh", "message"),
    [
        ("600,400,100,100", "The region runs outside the image (640 × 480)."),
        ("10,10,0,50", "The region needs a width and a height."),
        ("ten,10,5,5", "Give the region as x,y,w,h in whole pixels"),
        ("", "Give the region as x,y,w,h in whole pixels"),
    ],
)
def test_a_region_that_does_not_fit_the_image_is_refused(curator_client, xywh, message):
    image = make_image()
    response = post_json(curator_client, image_url(image), note(xywh=xywh))
    assert response.status_code == 400
    assert response.json()["field"] == "xywh"
    assert message in response.json()["error"]
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_a_region_can_be_moved_and_its_note_rewritten(curator_client):
    image = make_image()
    annotation = Annotation.objects.create(image=image, xywh="1,2,3,4", body="Old")
    response = post_json(
        curator_client, note_url(annotation), note(xywh="5,6,70,80", body="Two pilots")
    )
    assert response.status_code == 200, response.content
    annotation.refresh_from_db()
    assert (annotation.region, annotation.body) == ((5, 6, 70, 80), "Two pilots")
    outside = post_json(curator_client, note_url(annotation), note(xywh="5,6,700,80"))
    assert outside.status_code == 400
    annotation.refresh_from_db()
    assert annotation.region == (5, 6, 70, 80)


# Permissions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_without_the_add_annotation_permission_get_403(client, essay):
    from tests.factories import make_user

    client.force_login(make_user("visitor-staff"))
    selection = browser_selection(latest_text(essay), "Kazan")
    response = post_json(client, essay_url(essay), note(selection=selection))
    assert response.status_code == 403
    region = post_json(client, image_url(make_image()), note(xywh="1,1,5,5"))
    assert region.status_code == 403
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_staff_without_the_change_permission_cannot_edit_a_note(client, essay):
    from tests.factories import make_user

    annotation = Annotation.objects.create(image=make_image(), xywh="1,2,3,4")
    client.force_login(make_user("visitor-staff"))
    response = post_json(client, note_url(annotation), note(body="Changed"))
    assert response.status_code == 403
    annotation.refresh_from_db()
    assert annotation.body == ""


@pytest.mark.django_db
def test_anonymous_requests_are_sent_to_the_login_page(client, essay):
    response = post_json(client, essay_url(essay), note(selection={"exact": "Kazan"}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_curators_cannot_delete_notes_or_add_them_without_a_target(curator_client):
    annotation = Annotation.objects.create(image=make_image(), xywh="1,2,3,4")
    assert curator_client.get(reverse("admin:exhibit_annotation_add")).status_code == 403
    delete = reverse("admin:exhibit_annotation_delete", args=[annotation.pk])
    assert curator_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = curator_client.get(reverse("admin:exhibit_annotation_changelist"))
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"confirm_matches", "retire_notes"} <= set(actions)
    assert Annotation.objects.filter(pk=annotation.pk).exists()


# Re-anchoring review: confirm, retire, re-attach -------------------------------------------


def fuzzy_note(essay):
    """A note whose words an edit changed: re-anchoring matched it to a similar passage."""
    text = latest_text(essay)
    start = text.index("trained crews")
    annotation = Annotation.objects.create(
        essay=essay,
        revision=essay.revisions.order_by("-number").first(),
        exact="trained crews",
        prefix=text[start - CONTEXT : start],
        suffix=text[start + 13 : start + 13 + CONTEXT],
        start=start,
        end=start + 13,
        anchoring=Annotation.Anchoring.FUZZY,
        anchoring_score=0.86,
        previous_exact="trained tank crews",
    )
    return annotation


def orphaned_note(essay):
    """A note whose words an edit removed from the essay."""
    annotation = annotate_and_get(essay, "Kazan")
    essay.body = BODY.replace(SENTENCE * 4, "The school closed in 1933. " * 2)
    essay.save()
    annotation.refresh_from_db()
    assert annotation.anchoring == Annotation.Anchoring.ORPHANED
    return annotation


def annotate_and_get(essay, exact):
    text = latest_text(essay)
    start = text.index(exact)
    return Annotation.objects.create(
        essay=essay,
        revision=essay.revisions.order_by("-number").first(),
        exact=exact,
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[start + len(exact) : start + len(exact) + CONTEXT],
        start=start,
        end=start + len(exact),
    )


@pytest.mark.django_db
def test_the_change_page_shows_a_fuzzy_note_beside_its_old_words(curator_client, essay):
    annotation = fuzzy_note(essay)
    html = curator_client.get(change_url(annotation)).content.decode()
    assert "Check the passage this note was moved to" in html
    assert (
        '<blockquote class="annotate-compare-old"><mark>trained tank crews</mark></blockquote>'
        in html
    )
    assert (
        '<span class="annotate-context">…chool Kama stood near Kazan and </span>'
        '<mark>trained crews</mark><span class="annotate-context">. The tank school'
    ) in html
    assert "match 0.86" in html
    assert 'value="confirm"' in html
    assert f"?reattach={annotation.pk}#annotate" in html


@pytest.mark.django_db
def test_the_change_page_shows_an_orphan_with_its_revision(curator_client, essay):
    annotation = orphaned_note(essay)
    html = curator_client.get(change_url(annotation)).content.decode()
    assert "This note lost its passage" in html
    assert "Quoted before (revision 1)" in html
    assert (
        '<blockquote class="annotate-compare-old"><span class="annotate-context">…The tank school'
        ' Kama stood near </span><mark>Kazan</mark><span class="annotate-context"> and trained'
    ) in html
    assert "Now (revision 2)" in html
    assert "No passage of the current text matches." in html
    assert 'value="confirm"' not in html  # nothing to confirm
    assert 'value="retire"' in html


@pytest.mark.django_db
def test_an_exact_note_has_nothing_to_review(curator_client, essay):
    annotation = annotate_and_get(essay, "Kazan")
    html = curator_client.get(change_url(annotation)).content.decode()
    assert "annotate-review" not in html
    assert '<span class="anchoring-badge anchoring-exact">Exact</span>' in html


@pytest.mark.django_db
def test_confirming_a_fuzzy_match_makes_it_exact(curator_client, curator, essay):
    annotation = fuzzy_note(essay)
    review = reverse("admin:exhibit_annotation_review", args=[annotation.pk])
    response = curator_client.post(review, {"decision": "confirm"})
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert annotation.anchoring == Annotation.Anchoring.EXACT
    assert annotation.exact == "trained crews"
    assert annotation.previous_exact == "trained tank crews"  # kept for the record
    assert LogEntry.objects.filter(
        user=curator, object_id=str(annotation.pk), action_flag=CHANGE
    ).exists()


@pytest.mark.django_db
def test_retiring_from_the_change_page_keeps_the_note(curator_client, essay):
    annotation = orphaned_note(essay)
    review = reverse("admin:exhibit_annotation_review", args=[annotation.pk])
    curator_client.post(review, {"decision": "retire"})
    annotation.refresh_from_db()
    assert annotation.retired


@pytest.mark.django_db
def test_the_review_buttons_need_the_change_permission(client, essay):
    from tests.factories import make_user

    annotation = fuzzy_note(essay)
    client.force_login(make_user("visitor-staff"))
    review = reverse("admin:exhibit_annotation_review", args=[annotation.pk])
    assert client.post(review, {"decision": "confirm"}).status_code == 403
    annotation.refresh_from_db()
    assert annotation.anchoring == Annotation.Anchoring.FUZZY


@pytest.mark.django_db
def test_bulk_actions_confirm_fuzzy_notes_and_retire_any(curator_client, essay):
    fuzzy = fuzzy_note(essay)
    exact = annotate_and_get(essay, "Kazan")
    changelist = reverse("admin:exhibit_annotation_changelist")
    response = curator_client.post(
        changelist, {"action": "confirm_matches", "_selected_action": [fuzzy.pk, exact.pk]}
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Confirmed 1 note(s). 1 were not fuzzy matches and were left as they were." in messages
    fuzzy.refresh_from_db()
    assert fuzzy.anchoring == Annotation.Anchoring.EXACT
    curator_client.post(
        changelist, {"action": "retire_notes", "_selected_action": [fuzzy.pk, exact.pk]}
    )
    assert set(Annotation.objects.values_list("retired", flat=True)) == {True}


@pytest.mark.django_db
def test_re_attaching_an_orphan_points_it_at_new_words(curator_client, essay):
    annotation = orphaned_note(essay)
    essay.refresh_from_db()
    latest = essay.revisions.order_by("-number").first()
    selection = browser_selection(latest.text, "closed in 1933", occurrence=1)
    response = post_json(
        curator_client, note_url(annotation), note(selection=selection, body="Moved.")
    )
    assert response.status_code == 200, response.content
    annotation.refresh_from_db()
    start = latest.text.index("closed in 1933", latest.text.index("closed in 1933") + 1)
    assert annotation.anchoring == Annotation.Anchoring.EXACT
    assert annotation.revision == latest
    assert (annotation.exact, annotation.start) == ("closed in 1933", start)
    assert annotation.previous_exact == "Kazan"
    assert annotation.body == "Moved."
    assert response.json()["annotation"]["start"] == codepoints_to_utf16(latest.text, start)


@pytest.mark.django_db
def test_the_changelist_shows_badges_and_filters_by_anchoring(curator_client, essay):
    fuzzy = fuzzy_note(essay)
    annotate_and_get(essay, "Kazan")
    region = Annotation.objects.create(image=make_image(), xywh="1,2,3,4")
    changelist = reverse("admin:exhibit_annotation_changelist")
    html = curator_client.get(changelist).content.decode()
    assert '<span class="anchoring-badge anchoring-fuzzy">Fuzzy: check it</span>' in html
    assert "Region 1,2,3,4" in html
    filtered = curator_client.get(changelist, {"anchoring__exact": "fuzzy"})
    assert list(filtered.context["cl"].result_list) == [fuzzy]
    searched = curator_client.get(changelist, {"q": "trained crews"})
    assert list(searched.context["cl"].result_list) == [fuzzy]
    assert (
        region in curator_client.get(changelist, {"retired__exact": "0"}).context["cl"].result_list
    )


# The panels on the essay's and the image's pages -----------------------------------------


@pytest.mark.django_db
def test_the_essay_page_carries_the_annotating_panel(curator_client, essay):
    annotation = annotate_and_get(essay, "Kazan")
    response = curator_client.get(reverse("admin:exhibit_essay_change", args=[essay.pk]))
    html = response.content.decode()
    assert 'data-annotate="text"' in html
    assert f'data-create-url="{essay_url(essay)}"' in html
    assert "exhibit/js/admin-annotate-text.js" in html
    assert "<script>" not in html.split('id="annotate"')[1]  # no inline script of ours
    assert 'id="annotate-kama"' in html  # the essay's heading ids kept apart from the admin's
    notes = response.context["annotate"]["data"]["notes"]
    text = latest_text(essay)
    assert notes[0]["id"] == annotation.pk
    assert notes[0]["start"] == codepoints_to_utf16(text, text.index("Kazan"))
    assert 'class="admin-autocomplete' in html  # the entity picker is the admin's own


@pytest.mark.django_db
def test_the_image_page_carries_the_region_panel(curator_client):
    image = make_image()
    Annotation.objects.create(image=image, xywh="1,2,3,4", body="Pilots")
    response = curator_client.get(reverse("admin:exhibit_image_change", args=[image.pk]))
    html = response.content.decode()
    assert 'data-annotate="image"' in html
    assert 'data-width="640" data-height="480"' in html
    assert image.display["url"] in html
    assert response.context["annotate"]["data"]["notes"][0]["xywh"] == [1, 2, 3, 4]


# Replaced image files ---------------------------------------------------------------------


@pytest.mark.django_db
def test_region_annotations_to_review_lists_live_regions_only(essay):
    image = make_image()
    live = Annotation.objects.create(image=image, xywh="1,2,3,4")
    Annotation.objects.create(image=image, xywh="5,6,7,8", retired=True)
    Annotation.objects.create(image=make_image(), xywh="1,2,3,4")
    assert region_annotations_to_review(image) == [live]


@pytest.mark.django_db
def test_replacing_with_other_dimensions_lists_the_region_annotations(curator_client):
    image = make_image()  # 640 × 480
    annotation = Annotation.objects.create(image=image, xywh="10,20,30,40")
    response = curator_client.post(
        reverse("admin:exhibit_image_change", args=[image.pk]),
        {
            "title": image.title,
            "slug": image.slug,
            "alt_text": image.alt_text,
            "rights": image.rights,
            "original": SimpleUploadedFile("wide.png", image_bytes(size=(800, 600), fmt="PNG")),
        },
    )
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert (
        "The new file is 800×600 (was 640×480). Region annotations on this image may now be "
        f'misplaced: review them. <a href="{change_url(annotation)}">Region 10,20,30,40</a>'
    ) in warnings


@pytest.mark.django_db
def test_essay_model_is_untouched_by_a_failed_annotation(curator_client, essay):
    before = Essay.objects.values().get(pk=essay.pk)
    post_json(curator_client, essay_url(essay), note(selection={"exact": "nowhere at all"}))
    assert Essay.objects.values().get(pk=essay.pk) == before
