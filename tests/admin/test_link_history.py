"""Versions hold their links: restoring or recovering brings back entities, sources, authors,
curators and a gallery's images in order, through the admin as editors use it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from exhibit.models import (
    Annotation,
    AuditEvent,
    Block,
    Contributor,
    Essay,
    EssayAuthor,
    Exhibit,
    GalleryItem,
    Image,
    Status,
)
from exhibit.services.history import restore_version
from tests.admin.test_history import BODY, PASSAGE, change_url, form_data, note_on
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_section,
)

pytestmark = pytest.mark.django_db


def revert(client, obj, record):
    """Open the page of ``record`` from the object's history and post it as shown."""
    url = reverse(
        f"admin:exhibit_{obj._meta.model_name}_simple_history", args=[obj.pk, record.history_id]
    )
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_data(page))
    assert response.status_code == 302, response.content.decode()[:2000]
    return page, response


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_reverting_a_note_brings_back_its_entities_and_sources(editor_client, editor):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    lipetsk, seeckt = make_entity(name="Lipetsk"), make_entity(name="Hans von Seeckt")
    galo, rgva = make_reference(), make_reference(fond="33987")
    note = note_on(essay, PASSAGE, entities=[lipetsk], references=[galo, rgva])
    first = note.history.latest()
    assert note.history.count() == 1  # the links went into the version that made the note

    # A curator relinks the note on its change page: one new version, with its links.
    data = form_data(editor_client.get(change_url(note)))
    data["entities"] = [str(seeckt.pk)]
    data["references"] = [str(rgva.pk)]
    assert editor_client.post(change_url(note), data).status_code == 302
    assert note.history.count() == 2
    assert list(note.history.latest().entities.values_list("entity_id", flat=True)) == [seeckt.pk]

    page, _ = revert(editor_client, note, first)

    assert f'<option value="{lipetsk.pk}" selected>' in page.content.decode()
    assert set(note.entities.all()) == {lipetsk}
    assert set(note.references.all()) == {galo, rgva}
    restored = note.history.latest()
    assert set(restored.references.values_list("archivalreference_id", flat=True)) == {
        galo.pk,
        rgva.pk,
    }
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESTORED)
    assert event.detail["links"] == "restored"


def test_a_link_to_something_deleted_since_is_left_out_and_said(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    kept, gone = make_entity(name="Lipetsk"), make_entity(name="Kazan")
    note = note_on(essay, PASSAGE, entities=[kept, gone])
    first = note.history.latest()
    note = Annotation.objects.get(pk=note.pk)
    note.entities.clear()
    gone_pk = gone.pk
    gone.delete()

    _, response = revert(editor_client, note, first)

    assert set(note.entities.all()) == {kept}
    assert f"Not restored: linked entities: entity no. {gone_pk} no longer exists." in said(
        response
    )


def test_a_version_from_before_link_history_leaves_the_links_alone_and_says_so(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT, abstract="First abstract.")
    source = make_reference()
    essay.references.set([source])
    # As migration link_history leaves the versions saved before it: no links recorded.
    Essay.history.update(links_recorded=False)
    old = essay.history.earliest()
    essay = Essay.objects.get(pk=essay.pk)
    essay.abstract = "Second abstract."
    essay.save()

    page, response = revert(editor_client, essay, old)

    assert "saved before links were kept in history" in page.content.decode()
    essay.refresh_from_db()
    assert essay.abstract == "First abstract."
    assert list(essay.references.all()) == [source]  # not wiped
    assert list(essay.authors.all())  # nor the authors
    assert any("left as they are now" in m for m in said(response))
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESTORED)
    assert event.detail["links"] == "not recorded, left as they were"


def gallery_items(block):
    return list(
        GalleryItem.objects.filter(block=block).values_list("image__title", "order", "caption")
    )


def test_reverting_a_gallery_block_brings_back_its_images_and_their_order(editor_client):
    section = make_section(make_exhibit())
    images = [make_image(title=title) for title in ("Hangar", "Junkers F 13", "Barracks")]
    block = make_block(section, kind=Block.Kind.GALLERY, gallery=images, heading="Lipetsk")
    url = change_url(block)
    # Saved once on its page as it stands: the version holds the three images.
    data = form_data(editor_client.get(url))
    data["galleryitem_set-0-caption"] = ["The hangar, 1926."]
    assert editor_client.post(url, data).status_code == 302
    first = block.history.latest()
    before = gallery_items(block)
    assert [title for title, *_ in before] == ["Hangar", "Junkers F 13", "Barracks"]

    # Reordered, one removed, the heading changed: one version.
    versions = block.history.count()
    data = form_data(editor_client.get(url))
    data["heading"] = ["Lipetsk, 1928"]
    data["galleryitem_set-0-DELETE"] = ["on"]
    data["galleryitem_set-1-order"] = ["5"]
    data["galleryitem_set-2-order"] = ["1"]
    assert editor_client.post(url, data).status_code == 302
    assert block.history.count() == versions + 1
    assert [title for title, *_ in gallery_items(block)] == ["Barracks", "Junkers F 13"]

    revert(editor_client, block, first)

    block.refresh_from_db()
    assert block.heading == "Lipetsk"
    assert gallery_items(block) == before
    # The page shows them in that order again.
    assert [item.image.title for item in block.gallery_items] == [t for t, *_ in before]


def test_restoring_an_essay_brings_back_its_authors_in_order_and_its_sources(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    first_author = essay.authors.get()
    second = Contributor.objects.create(name="Boris Borisov", slug="borisov")
    EssayAuthor.objects.create(essay=essay, contributor=second, order=1)
    source = make_reference()
    essay.references.set([source])  # as import_essay links the sources it finds
    url = change_url(essay)  # the authors are saved on the essay's page
    assert editor_client.post(url, form_data(editor_client.get(url))).status_code == 302
    first = essay.history.latest()

    essay = Essay.objects.get(pk=essay.pk)
    EssayAuthor.objects.filter(essay=essay).delete()
    EssayAuthor.objects.create(essay=essay, contributor=second, order=0)
    essay.references.clear()

    restore_version(first, None)

    essay = Essay.objects.with_related().get(pk=essay.pk)
    assert essay.author_list == [first_author, second]
    assert list(essay.references.all()) == [source]


def test_reverting_an_exhibit_brings_back_its_curators(editor_client):
    exhibit = make_exhibit(status=Status.DRAFT)
    anna = Contributor.objects.create(name="Anna", slug="anna")
    boris = Contributor.objects.create(name="Boris", slug="boris")
    exhibit.curators.set([anna])
    first = exhibit.history.latest()
    exhibit = Exhibit.objects.get(pk=exhibit.pk)
    exhibit.curators.set([boris])

    revert(editor_client, exhibit, first)

    assert list(exhibit.curators.all()) == [anna]


# Recovering ----------------------------------------------------------------------------------


def test_a_note_deleted_outside_the_admin_comes_back_with_its_links(editor_client):
    """No audit event to read: the deletion's version holds the links it cut."""
    essay = make_essay(body=BODY, status=Status.DRAFT)
    place, source = make_entity(name="Lipetsk"), make_reference()
    note = note_on(essay, PASSAGE, entities=[place], references=[source])
    Annotation.objects.get(pk=note.pk).delete()
    assert not AuditEvent.objects.exists()
    record = Annotation.history.get(id=note.pk, history_type="-")
    assert list(record.entities.values_list("entity_id", flat=True)) == [place.pk]

    url = reverse("admin:exhibit_annotation_recover", args=[record.history_id])
    assert editor_client.post(url).status_code == 302

    note = Annotation.objects.get(pk=note.pk)
    assert list(note.entities.all()) == [place]
    assert list(note.references.all()) == [source]


def test_a_recovered_gallery_block_has_its_images_order_and_captions(editor_client):
    section = make_section(make_exhibit())
    images = [make_image(title=title) for title in ("Hangar", "Junkers F 13")]
    block = make_block(section, kind=Block.Kind.GALLERY, gallery=images)
    GalleryItem.objects.filter(block=block, order=1).update(caption="A Junkers F 13.")
    before = gallery_items(block)
    delete = reverse("admin:exhibit_block_delete", args=[block.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 302

    record = Block.history.get(id=block.pk, history_type="-")
    url = reverse("admin:exhibit_block_recover", args=[record.history_id])
    assert editor_client.post(url).status_code == 302

    assert gallery_items(Block.objects.get(pk=block.pk)) == before
    assert Image.objects.count() == 2


def test_an_image_deleted_and_recovered_keeps_its_entities(editor_client):
    image = make_image()
    place = make_entity(name="Lipetsk")
    image.entities.set([place])
    Image.objects.get(pk=image.pk).delete()  # not through the admin: no audit event
    record = Image.history.get(id=image.pk, history_type="-")

    url = reverse("admin:exhibit_image_recover", args=[record.history_id])
    assert editor_client.post(url).status_code == 302

    assert list(Image.objects.get(pk=image.pk).entities.all()) == [place]


# Migration link_history ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_older_versions_and_records_the_links_as_they_stand():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph  # by name: migrations are renumbered when branches merge
    target = next(k for k in graph.nodes if k[0] == "exhibit" and k[1].endswith("_link_history"))
    before = [p.key for p in graph.node_map[target].parents if p.key[0] == "exhibit"]
    after = [target]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    exhibit = old.get_model("exhibit", "Exhibit").objects.create(
        title="Lipetsk", slug="lipetsk", summary="The flight school."
    )
    curator = old.get_model("exhibit", "Contributor").objects.create(name="Anna", slug="anna")
    exhibit.curators.add(curator)
    old.get_model("exhibit", "HistoricalExhibit").objects.create(
        id=exhibit.pk, title="Lipetsk", slug="lipetsk", summary="The flight school.",
        history_date=exhibit.created, history_type="+", order=0, status="draft",
        created=exhibit.created, modified=exhibit.modified, featured=False,
    )  # fmt: skip
    executor.loader.build_graph()
    executor.migrate(after)

    new = executor.loader.project_state(after).apps
    versions = new.get_model("exhibit", "HistoricalExhibit").objects.order_by("history_id")
    first, baseline = versions
    assert not first.links_recorded and baseline.links_recorded
    assert baseline.history_type == "~" and baseline.title == "Lipetsk"
    links = new.get_model("exhibit", "HistoricalExhibit_curators").objects.filter(
        history_id=baseline.history_id
    )
    assert list(links.values_list("contributor_id", flat=True)) == [curator.pk]
    assert not new.get_model("exhibit", "HistoricalExhibit_curators").objects.filter(
        history_id=first.history_id
    )
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
