"""Nothing lost: history and restore, recovering deleted objects, edit conflicts, careful
deletes and the audit log, all through the admin as curators and editors use it."""

import json
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from exhibit.models import (
    Annotation,
    AuditEvent,
    Block,
    Entity,
    Essay,
    GalleryItem,
    Image,
    Section,
    Status,
)
from exhibit.services.annotating import annotate_passage
from exhibit.services.audit import acting_as, script_user
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_section,
    make_user,
)

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """The values a browser would post from the admin's change form (``id="…_form"``)."""

    def __init__(self):
        super().__init__()
        self.data, self.inside, self.select, self.textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self.inside = True
        if not self.inside or (tag != "option" and not attrs.get("name")):
            return
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(attrs.get("value") or default)
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = [""]
        elif tag == "select":
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data


def form_data(response):
    reader = FormReader()
    reader.feed(response.content.decode())
    data = {}
    for name, values in reader.data.items():
        if not values:
            continue
        # The admin puts a newline after <textarea>; browsers drop it.
        data[name] = [v[1:] if v.startswith("\n") else v for v in values]
    return data


def note_on(essay, exact, **kwargs):
    """A note on the first ``exact`` in the essay's text, selected as a browser would."""
    text = essay.revisions.order_by("-number").first().text
    start = text.index(exact)
    selection = {
        "exact": exact,
        "prefix": text[max(0, start - 32) : start],
        "suffix": text[start + len(exact) : start + len(exact) + 32],
    }
    kwargs.setdefault("motivation", "commenting")
    return annotate_passage(essay, selection, **kwargs)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(obj):
    return reverse(f"admin:exhibit_{obj._meta.model_name}_change", args=[obj.pk])


# History, compare and restore -----------------------------------------------------------------


def test_history_lists_each_version_with_what_changed_and_who(editor_client, editor):
    exhibit = make_exhibit(title="Lipetsk", status=Status.DRAFT)
    page = editor_client.get(change_url(exhibit))
    data = form_data(page)
    data["title"] = ["Lipetsk flight school"]
    assert editor_client.post(change_url(exhibit), data).status_code == 302

    history = editor_client.get(reverse("admin:exhibit_exhibit_history", args=[exhibit.pk]))

    html = history.content.decode()
    assert history.status_code == 200
    assert "Lipetsk flight school" in html
    assert "editor" in html  # who
    assert "title" in html and "Lipetsk" in html  # the compare: the field, before and after


def test_reverting_to_an_earlier_version_restores_it_and_is_logged(editor_client, editor):
    exhibit = make_exhibit(title="Kama", summary="First summary.", status=Status.DRAFT)
    first = exhibit.history.earliest()
    exhibit.summary = "A worse summary."
    exhibit.save()

    url = reverse("admin:exhibit_exhibit_simple_history", args=[exhibit.pk, first.history_id])
    page = editor_client.get(url)
    assert page.status_code == 200
    response = editor_client.post(url, form_data(page))

    assert response.status_code == 302
    exhibit.refresh_from_db()
    assert exhibit.summary == "First summary."
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESTORED)
    assert event.actor == editor and event.object_id == str(exhibit.pk)
    assert exhibit.history.latest().history_user == editor


PASSAGE = "German pilots trained in secret at Lipetsk from 1925."
BODY = f"## Lipetsk\n\n{PASSAGE}\n\nThe school closed in 1933.\n"


def test_restoring_an_essay_reanchors_a_note_orphaned_by_the_edit(editor_client, editor):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    note = note_on(essay, "trained in secret", body="Disguised as tourists.")
    first = essay.history.earliest()
    essay.body = "## Lipetsk\n\nThe school closed in 1933.\n"  # the passage is gone
    essay.save()
    note.refresh_from_db()
    assert note.anchoring == Annotation.Anchoring.ORPHANED

    url = reverse("admin:exhibit_essay_simple_history", args=[essay.pk, first.history_id])
    response = editor_client.post(url, form_data(editor_client.get(url)))

    assert response.status_code == 302
    essay.refresh_from_db()
    assert PASSAGE in essay.body
    latest = essay.revisions.order_by("-number").first()
    assert latest.number == 3 and latest.created_by == editor  # restoring is a new revision
    note.refresh_from_db()
    assert note.anchoring != Annotation.Anchoring.ORPHANED
    assert note.revision == latest
    assert latest.text[note.start : note.end] == "trained in secret"
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESTORED)
    assert event.detail["annotations"]["reattached"] == 1


def test_restoring_an_image_version_keeps_its_current_file(editor_client):
    image = make_image(caption="First caption.")
    first = image.history.earliest()
    image.caption = "Second caption."
    image.save()
    original = image.original.name

    url = reverse("admin:exhibit_image_simple_history", args=[image.pk, first.history_id])
    response = editor_client.post(url, form_data(editor_client.get(url)))

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.caption == "First caption."
    assert image.original.name == original


# Recovering deleted objects -------------------------------------------------------------------


def test_recovering_a_deleted_section_brings_back_its_blocks_and_links(editor_client, editor):
    exhibit = make_exhibit()
    section = make_section(exhibit, title="Kama")
    place = make_entity(name="Kazan")
    text = make_block(section, entities=[place])
    gallery = make_block(section, kind=Block.Kind.GALLERY, gallery=[make_image(), make_image()])
    delete_url = reverse("admin:exhibit_section_delete", args=[section.pk])
    assert editor_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Section.objects.filter(pk=section.pk).exists()
    assert not Block.objects.filter(section_id=section.pk).exists()

    listing = editor_client.get(reverse("admin:exhibit_section_deleted"))
    assert "Kama" in listing.content.decode()
    record = Section.history.filter(id=section.pk, history_type="-").get()
    recover_url = reverse("admin:exhibit_section_recover", args=[record.history_id])
    assert editor_client.get(recover_url).status_code == 200
    response = editor_client.post(recover_url)

    assert response.status_code == 302
    section = Section.objects.get(pk=section.pk)
    assert section.title == "Kama" and section.exhibit == exhibit
    assert set(section.blocks.values_list("pk", flat=True)) == {text.pk, gallery.pk}
    assert list(Block.objects.get(pk=text.pk).entities.all()) == [place]
    assert GalleryItem.objects.filter(block_id=gallery.pk).count() == 2
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["deleted", "recovered"]
    assert Section.history.latest().history_user == editor
    # Gone from the deleted list once it is back.
    assert (
        recover_url
        not in editor_client.get(reverse("admin:exhibit_section_deleted")).content.decode()
    )


def test_recovering_a_deleted_essay_brings_back_its_text_and_authors(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    authors = list(essay.authors.all())
    editor_client.post(reverse("admin:exhibit_essay_delete", args=[essay.pk]), {"post": "yes"})
    assert not Essay.objects.filter(pk=essay.pk).exists()

    record = Essay.history.filter(id=essay.pk, history_type="-").get()
    editor_client.post(reverse("admin:exhibit_essay_recover", args=[record.history_id]))

    essay = Essay.objects.get(pk=essay.pk)
    assert essay.body == BODY and PASSAGE in essay.body_html
    assert list(essay.authors.all()) == authors
    assert essay.revisions.count() == 1


def test_a_recovered_essay_keeps_its_revisions_and_their_numbers(editor_client):
    """Revisions came back from 1 again; notes anchored in revision 3 then pointed nowhere."""
    essay = make_essay(body=BODY, status=Status.DRAFT)
    for n in (2, 3):
        essay.body = BODY + f"\nAddendum {n}.\n"
        essay.save()
    texts = dict(essay.revisions.values_list("number", "text"))
    note = note_on(essay, PASSAGE)
    assert note.revision.number == 3
    for model, pk in (("annotation", note.pk), ("essay", essay.pk)):
        url = reverse(f"admin:exhibit_{model}_delete", args=[pk])
        assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Essay.objects.filter(pk=essay.pk).exists()

    record = Essay.history.filter(id=essay.pk, history_type="-").get()
    editor_client.post(reverse("admin:exhibit_essay_recover", args=[record.history_id]))
    note_record = Annotation.history.filter(id=note.pk, history_type="-").get()
    recover_note = reverse("admin:exhibit_annotation_recover", args=[note_record.history_id])
    assert editor_client.post(recover_note).status_code == 302

    essay = Essay.objects.get(pk=essay.pk)
    assert dict(essay.revisions.values_list("number", "text")) == texts
    note = Annotation.objects.get(pk=note.pk)
    assert note.revision.number == 3 and note.revision.essay == essay
    assert texts[3][note.start : note.end] == PASSAGE
    # The next edit is revision 4, and the note moves into it.
    essay.body = "Foreword.\n\n" + essay.body
    essay.save()
    assert list(essay.revisions.values_list("number", flat=True)) == [1, 2, 3, 4]
    note.refresh_from_db()
    assert note.revision.number == 4
    assert essay.revisions.get(number=4).text[note.start : note.end] == PASSAGE


def test_a_recovery_that_would_clash_is_refused_with_the_reason(editor_client):
    entity = make_entity(name="Lipetsk", slug="lipetsk")
    editor_client.post(reverse("admin:exhibit_entity_delete", args=[entity.pk]), {"post": "yes"})
    make_entity(name="Lipetsk (new)", slug="lipetsk")
    record = Entity.history.filter(id=entity.pk, history_type="-").get()

    response = editor_client.post(
        reverse("admin:exhibit_entity_recover", args=[record.history_id]), follow=True
    )

    assert "Not recovered" in response.content.decode()
    assert "slug" in response.content.decode().lower()
    assert not Entity.objects.filter(pk=entity.pk).exists()


def test_curators_without_add_permission_cannot_recover(client):
    viewer = make_user("viewer")
    client.force_login(viewer)
    assert client.get(reverse("admin:exhibit_entity_deleted")).status_code == 403


# Edit conflicts -------------------------------------------------------------------------------


def test_second_save_of_the_same_exhibit_is_refused_and_keeps_the_input(editor):
    other = make_user("other", group="Editor")
    exhibit = make_exhibit(title="Rapallo", status=Status.DRAFT)
    first, second = logged_in(other), logged_in(editor)
    first_data = form_data(first.get(change_url(exhibit)))
    second_data = form_data(second.get(change_url(exhibit)))

    first_data["title"] = ["Rapallo, April 1922"]
    assert first.post(change_url(exhibit), first_data).status_code == 302
    second_data["summary"] = ["My unsaved summary."]
    refused = second.post(change_url(exhibit), second_data)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Not saved" in html and "was changed by other" in html
    assert reverse("admin:exhibit_exhibit_history", args=[exhibit.pk]) in html
    assert "My unsaved summary." in html  # the curator's input is still there
    exhibit.refresh_from_db()
    assert exhibit.title == "Rapallo, April 1922"
    assert exhibit.summary != "My unsaved summary."

    # Saving again, having seen the message, is a deliberate choice and goes through.
    again = second.post(change_url(exhibit), form_data(refused))
    assert again.status_code == 302
    exhibit.refresh_from_db()
    assert exhibit.summary == "My unsaved summary."


def test_an_inline_section_changed_elsewhere_refuses_the_exhibit_page(editor):
    exhibit = make_exhibit(status=Status.DRAFT)
    section = make_section(exhibit, title="Lipetsk", status=Status.DRAFT)
    page, elsewhere = logged_in(editor), logged_in(make_user("other", group="Editor"))
    exhibit_data = form_data(page.get(change_url(exhibit)))
    section_data = form_data(elsewhere.get(change_url(section)))

    section_data["title"] = ["Lipetsk aerodrome"]
    assert elsewhere.post(change_url(section), section_data).status_code == 302
    exhibit_data["sections-0-title"] = ["Lipetsk school"]
    refused = page.post(change_url(exhibit), exhibit_data)

    assert refused.status_code == 200
    assert "section “Lipetsk aerodrome” was changed by other" in refused.content.decode()
    section.refresh_from_db()
    assert section.title == "Lipetsk aerodrome"


@pytest.mark.parametrize("model_name", ["essay", "image", "entity", "section", "annotation"])
def test_every_edited_model_refuses_a_stale_form(editor, model_name):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    objects = {
        "essay": lambda: essay,
        "image": make_image,
        "entity": make_entity,
        "section": lambda: make_section(make_exhibit(status=Status.DRAFT), status=Status.DRAFT),
        "annotation": lambda: note_on(essay, "trained in secret", body="A note."),
    }
    obj = objects[model_name]()
    client = logged_in(editor)
    stale = form_data(client.get(change_url(obj)))
    type(obj).objects.get(pk=obj.pk).save()  # someone else saves it meanwhile

    response = client.post(change_url(obj), stale)

    assert response.status_code == 200
    assert "Not saved" in response.content.decode()


# Deleting what is used elsewhere --------------------------------------------------------------


def test_deleting_an_image_used_in_three_exhibits_lists_them_and_deletes_nothing(editor_client):
    image = make_image(title="Hangars at Lipetsk")
    cover = make_exhibit(title="Lipetsk", cover_image=image)
    shown = make_exhibit(title="Kama")
    make_block(make_section(shown, title="Tanks"), kind=Block.Kind.IMAGE, image=image)
    gallery = make_exhibit(title="Tomka")
    make_block(make_section(gallery, title="Gas"), kind=Block.Kind.GALLERY, gallery=[image])
    url = reverse("admin:exhibit_image_delete", args=[image.pk])

    page = editor_client.get(url)

    html = page.content.decode()
    assert "Where “Hangars at Lipetsk” is used" in html
    for exhibit in ("Lipetsk", "Kama › Tanks", "Tomka › Gas"):
        assert exhibit in html
    assert change_url(cover) in html
    assert "cannot be deleted while it is used" in html
    assert "Remove those uses first" in html

    editor_client.post(url, {"post": "yes"})
    assert Image.objects.filter(pk=image.pk).exists()
    assert not AuditEvent.objects.exists()


def test_deleting_an_entity_linked_by_forty_annotations_lists_them_and_asks(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    entity = make_entity(name="Lipetsk")
    notes = [
        note_on(essay, "Lipetsk", motivation="identifying", entities=[entity], body=f"{n}")
        for n in range(40)
    ]
    url = reverse("admin:exhibit_entity_delete", args=[entity.pk])

    page = editor_client.get(url)

    html = page.content.decode()
    assert "Annotations (linked entities): 40" in html
    assert html.count('href="/admin/exhibit/annotation/') >= 40
    assert "their link to it would be removed" in html
    assert 'type="submit"' in html  # not protected: the curator is asked

    editor_client.post(url, {"post": "yes"})
    assert not Entity.objects.filter(pk=entity.pk).exists()
    assert Annotation.objects.filter(pk__in=[n.pk for n in notes]).count() == 40
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETED)
    assert len(event.detail["links"]) == 40

    record = Entity.history.filter(id=entity.pk, history_type="-").get()
    editor_client.post(reverse("admin:exhibit_entity_recover", args=[record.history_id]))
    assert Entity.objects.get(pk=entity.pk).annotations.count() == 40


def test_an_essay_with_annotations_is_protected(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    note_on(essay, "Lipetsk", body="A note.")

    editor_client.post(reverse("admin:exhibit_essay_delete", args=[essay.pk]), {"post": "yes"})

    assert Essay.objects.filter(pk=essay.pk).exists()


def test_bulk_delete_lists_where_each_is_used(editor_client):
    entity = make_entity(name="Kazan")
    make_block(make_section(make_exhibit(title="Kama")), kind="entities", entities=[entity])

    page = editor_client.post(
        reverse("admin:exhibit_entity_changelist"),
        {"action": "delete_selected", "_selected_action": [entity.pk]},
    )

    html = page.content.decode()
    assert f"Where “{entity}” is used" in html and "Kama ›" in html


# The audit log --------------------------------------------------------------------------------


def test_publishing_and_unpublishing_are_logged(editor_client, editor):
    exhibit = make_exhibit(status=Status.DRAFT)
    changelist = reverse("admin:exhibit_exhibit_changelist")

    editor_client.post(changelist, {"action": "publish", "_selected_action": [exhibit.pk]})
    editor_client.post(changelist, {"action": "unpublish", "_selected_action": [exhibit.pk]})
    data = form_data(editor_client.get(change_url(exhibit)))
    data.update({"status": ["published"], "published_at_0": ["2999-01-01"],
                 "published_at_1": ["10:00:00"]})  # fmt: skip
    assert editor_client.post(change_url(exhibit), data).status_code == 302

    events = list(AuditEvent.objects.order_by("pk"))
    assert [e.action for e in events] == ["published", "unpublished", "scheduled"]
    assert all(e.actor == editor and e.object_repr == exhibit.title for e in events)


def test_a_section_published_inline_is_logged(editor_client):
    exhibit = make_exhibit(status=Status.DRAFT)
    section = make_section(exhibit, status=Status.DRAFT)
    data = form_data(editor_client.get(change_url(exhibit)))
    data["sections-0-status"] = ["published"]

    assert editor_client.post(change_url(exhibit), data).status_code == 302

    event = AuditEvent.objects.get()
    assert event.action == "published" and event.object_id == str(section.pk)


def test_the_audit_log_is_read_only_for_everyone(editor_client, editor):
    exhibit = make_exhibit(status=Status.DRAFT)
    editor_client.post(
        reverse("admin:exhibit_exhibit_changelist"),
        {"action": "publish", "_selected_action": [exhibit.pk]},
    )
    event = AuditEvent.objects.get()
    superuser = logged_in(make_user("root", is_superuser=True))

    listing = editor_client.get(
        reverse("admin:exhibit_auditevent_changelist") + "?action=published"
    )
    assert listing.status_code == 200 and exhibit.title in listing.content.decode()
    assert superuser.get(reverse("admin:exhibit_auditevent_add")).status_code == 403
    change = reverse("admin:exhibit_auditevent_change", args=[event.pk])
    assert superuser.post(change, {"action": "deleted"}).status_code == 403
    delete = reverse("admin:exhibit_auditevent_delete", args=[event.pk])
    assert superuser.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get().action == "published"


def test_scripted_changes_are_recorded_as_the_script_user():
    with acting_as(script_user()):
        exhibit = make_exhibit()

    assert exhibit.history.latest().history_user.username == "script"


def test_the_annotation_panel_refuses_a_note_changed_since_it_loaded(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    note = note_on(essay, "trained in secret", body="First.")
    url = reverse("admin:exhibit_annotation_update_note", args=[note.pk])
    loaded = note.version
    Annotation.objects.get(pk=note.pk).save()  # another curator's change

    def post(version):
        payload = {"motivation": "commenting", "body": "Mine.", "version": version}
        return editor_client.post(url, json.dumps(payload), content_type="application/json")

    refused = post(loaded)
    assert refused.status_code == 409
    assert "Not saved" in refused.json()["error"]
    note.refresh_from_db()
    assert note.body == "First."

    accepted = post(note.version)
    assert accepted.status_code == 200
    assert accepted.json()["annotation"]["version"] == note.version + 1


def test_a_block_deleted_on_its_sections_page_is_logged_and_recoverable(editor_client):
    section = make_section(make_exhibit(status=Status.DRAFT), status=Status.DRAFT)
    entity = make_entity(name="Kazan")
    block = make_block(section, kind=Block.Kind.ENTITIES, entities=[entity])
    data = form_data(editor_client.get(change_url(section)))
    data["blocks-0-DELETE"] = ["on"]

    assert editor_client.post(change_url(section), data).status_code == 302
    assert not Block.objects.filter(pk=block.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETED)
    assert event.object_id == str(block.pk)

    record = Block.history.filter(id=block.pk, history_type="-").get()
    editor_client.post(reverse("admin:exhibit_block_recover", args=[record.history_id]))
    assert list(Block.objects.get(pk=block.pk).entities.all()) == [entity]
