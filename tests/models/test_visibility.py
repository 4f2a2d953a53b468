"""The stored visibility (``visible_from``) through the paths that change it, one by one.

The property test (``test_visibility_property``) runs random sequences of these; the cases
here are the ones worth reading, and the sequences it found wrong, pinned.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import QuerySet
from django.utils import timezone

from exhibit import visibility
from exhibit.models import (
    Annotation,
    ArchivalReference,
    Block,
    Entity,
    Essay,
    Exhibit,
    GalleryItem,
    Image,
    Repository,
    Section,
    Status,
)
from exhibit.services import history
from tests import reference_visibility as reference
from tests.factories import (
    PAST,
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_full_exhibit,
    make_reference,
    make_section,
)

pytestmark = pytest.mark.django_db


def bare_image(**kwargs):
    n = Image.objects.count() + 1
    return Image.objects.create(title=f"I{n}", slug=f"i-{n}-{id(kwargs)}", alt_text="a", **kwargs)


def assert_agrees(now=None):
    assert reference.mismatches(now) == {}
    assert visibility.drift() == []


def test_the_moment_is_the_latest_publish_time_along_the_chain():
    exhibit = make_exhibit(published_at=PAST)
    later = PAST + dt.timedelta(days=3)
    section = make_section(exhibit, published_at=later)
    essay = make_essay(published_at=PAST)
    block = make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    for obj in (exhibit, section, block, essay):
        obj.refresh_from_db()
    assert exhibit.visible_from == PAST
    assert section.visible_from == block.visible_from == essay.visible_from == later
    assert_agrees()


def test_scheduled_publishing_needs_nothing_but_the_clock():
    soon = timezone.now() + dt.timedelta(hours=1)
    exhibit = make_exhibit(published_at=soon)
    section = make_section(exhibit)
    assert not Section.objects.published().exists()
    later = soon + dt.timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert list(Section.objects.published()) == [section]
        assert_agrees(later)


def test_unpublishing_an_exhibit_hides_everything_only_it_shows():
    exhibit = make_full_exhibit()
    assert Entity.objects.published().exists()
    exhibit.status = Status.DRAFT
    exhibit.save()
    for model in reference.RULES:
        assert not model.objects.published().exists(), model
    assert_agrees()


def test_queryset_update_keeps_it_exact():
    exhibit = make_full_exhibit()
    Exhibit.objects.filter(pk=exhibit.pk).update(status=Status.DRAFT)
    assert not Image.objects.published().exists()
    Exhibit.objects.filter(pk=exhibit.pk).update(status=Status.PUBLISHED)
    assert Image.objects.published().exists()
    assert_agrees()


def test_deleting_an_exhibit_cascades_to_what_it_showed():
    exhibit = make_full_exhibit()
    other = make_exhibit()
    shared = Image.objects.filter(blocks__section__exhibit=exhibit).first()
    make_block(make_section(other), kind=Block.Kind.IMAGE, image=shared)
    exhibit.delete()
    assert list(Image.objects.published()) == [shared]
    assert_agrees()


def test_moving_a_block_or_a_section_updates_both_sides():
    live, draft = make_exhibit(), make_exhibit(status=Status.DRAFT)
    section = make_section(live)
    entity = make_entity()
    block = make_block(section, entities=[entity])
    block.section = make_section(draft)
    block.save()
    assert not Entity.objects.published().exists()
    block.section = section
    block.save()
    assert list(Entity.objects.published()) == [entity]
    section.exhibit = draft
    section.save()
    assert not Entity.objects.published().exists()
    assert_agrees()


def test_links_from_either_end_and_their_clearing():
    section = make_section(make_exhibit())
    block = make_block(section, kind=Block.Kind.GALLERY)
    image, entity, source = bare_image(), make_entity(), make_reference()
    block.gallery.add(image, through_defaults={"order": 0})
    image.entities.add(entity)
    image.archival_reference = source
    image.save()
    assert {Image, Entity, ArchivalReference, Repository} <= {
        m for m in reference.RULES if m.objects.published().exists()
    }
    image.gallery_blocks.clear()
    assert not Image.objects.published().exists()
    assert not Repository.objects.published().exists()
    entity.images.clear()
    GalleryItem.objects.create(block=block, image=image)
    assert list(ArchivalReference.objects.published()) == [source]
    assert not Entity.objects.published().exists()
    assert_agrees()


def test_notes_follow_their_target_unless_retired_or_orphaned():
    essay = make_essay()
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=essay)
    note = Annotation.objects.create(essay=essay, exact="Lipetsk", start=3, end=10)
    entity = make_entity()
    note.entities.add(entity)
    assert list(Entity.objects.published()) == [entity]
    note.anchoring = Annotation.Anchoring.ORPHANED
    note.save(update_fields=["anchoring"])
    assert not Entity.objects.published().exists()
    Annotation.objects.filter(pk=note.pk).update(anchoring=Annotation.Anchoring.FUZZY)
    assert list(Annotation.objects.published()) == [note]
    note.delete()
    assert not Entity.objects.published().exists()
    assert_agrees()


def test_restoring_a_block_version_with_another_image_hides_the_old_one():
    """Found by the property test: a restored version is a new instance of an existing row,
    so the image it replaced was never recomputed and stayed public."""
    section = make_section(make_exhibit())
    first, second = bare_image(), bare_image()
    block = make_block(section, kind=Block.Kind.IMAGE, image=first)
    version = block.history.latest()
    block.image = second
    block.save()
    assert list(Image.objects.published()) == [second]
    history.restore_version(version, None)
    assert list(Image.objects.published()) == [first]
    assert_agrees()


def test_recovering_a_deleted_section_brings_back_what_it_showed():
    section = make_section(make_exhibit())
    essay = make_essay()
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    history.delete_with_record(section, None)
    assert not Essay.objects.published().exists()
    record = Section.history.filter(history_type="-").latest("history_id")
    history.recover(record, None)
    assert list(Essay.objects.published()) == [essay]
    assert_agrees()


def test_deferred_recomputes_once_at_the_end():
    exhibit = make_exhibit(status=Status.DRAFT)
    section = make_section(exhibit)
    with visibility.deferred():
        exhibit.status = Status.PUBLISHED
        exhibit.save()
        assert not Section.objects.published().exists()
    assert list(Section.objects.published()) == [section]
    assert_agrees()


def test_rebuild_visibility_reports_and_repairs_drift():
    make_full_exhibit()
    # As a raw import leaves it: a plain queryset's update() tells no receiver.
    QuerySet(model=Block).update(visible_from=None)
    out = StringIO()
    with pytest.raises(CommandError, match="out of step"):
        call_command("rebuild_visibility", "--check", stdout=out)
    assert "block" in out.getvalue()
    call_command("rebuild_visibility", stdout=StringIO())
    assert_agrees()
    out = StringIO()
    call_command("rebuild_visibility", "--check", stdout=out)
    assert "in step" in out.getvalue()


def test_bulk_created_rows_are_derived_with_what_they_lead_to():
    section = make_section(make_exhibit())
    image = bare_image()
    copied_moment = PAST  # carried over from elsewhere: right for the block, not its image
    (block,) = Block.objects.bulk_create(
        [Block(section=section, kind=Block.Kind.IMAGE, image=image, visible_from=copied_moment)]
    )
    assert list(Image.objects.published()) == [image]
    GalleryItem.objects.bulk_create([GalleryItem(block=block, image=bare_image())])
    assert Image.objects.published().count() == 2
    assert_agrees()
