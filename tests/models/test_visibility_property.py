"""The stored visibility against the former rules, over long random sequences of edits.

Hypothesis drives a state machine through what curators and imports do to the chain (publish,
schedule, unpublish, add, move and delete sections and blocks of every kind, link and unlink
essays, images, gallery items, entities, sources and covers, anchor, orphan, retire and delete
notes, ``queryset.update()``, history restores and recoveries) while the clock moves, and
after every step checks that every model's ``published()`` selects what the former nested
rule (``tests.reference_visibility``) selects, now and once everything scheduled is due.

``VISIBILITY_EXAMPLES`` (default 60) sets the number of sequences per database; raise it for a
deep local run, e.g. ``VISIBILITY_EXAMPLES=2000``.
"""

import datetime as dt
import itertools
import os
from unittest import mock

import pytest
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

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
    SearchEntry,
    SearchPlacement,
    Section,
    Status,
)
from exhibit.services import history
from tests import reference_visibility as reference

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
FAR = T0 + 1000 * HOUR  # when everything scheduled is due

EXAMPLES = int(os.environ.get("VISIBILITY_EXAMPLES", "60"))
STEPS = int(os.environ.get("VISIBILITY_STEPS", "40"))

statuses = st.sampled_from([Status.PUBLISHED, Status.PUBLISHED, Status.DRAFT, Status.REVIEW])
# Publish times around the start, in hours; None lets publishing set "now".
offsets = st.one_of(st.none(), st.integers(-3, 6))
picks = st.integers(0, 10_000)  # an index into a list of existing rows, modulo its length
_names = itertools.count(1)


def _name(prefix):
    return f"{prefix}-{next(_names)}"


def _pick(model, n, **filters):
    pks = list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))
    return model.objects.get(pk=pks[n % len(pks)]) if pks else None


def _publish_fields(status, offset):
    return {
        "status": status,
        "published_at": None if offset is None else T0 + offset * HOUR,
    }


class VisibilityMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clock = T0
        self._clock = mock.patch("django.utils.timezone.now", side_effect=lambda: self.clock)
        self._clock.start()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        repository = Repository.objects.create(name="Archive", abbreviation=_name("A"))
        for _ in range(2):
            ArchivalReference.objects.create(repository=repository, fond="1", opis="1", delo="1")
        Repository.objects.create(name="Other archive", abbreviation=_name("B"))

    @initialize(
        publishing=st.lists(st.tuples(statuses, offsets), min_size=9, max_size=9),
        cover=st.booleans(),
    )
    def seed(self, publishing, cover):
        """A small collection with every kind of link, published in random ways, so that the
        rules below have something to change from the first step."""
        publish = iter(publishing)
        refs = list(ArchivalReference.objects.all())
        entities = [
            Entity.objects.create(kind=Entity.Kind.PLACE, name=n, slug=n)
            for n in (_name("place") for _ in range(3))
        ]
        images = []
        for i in range(4):
            name = _name("image")
            image = Image.objects.create(
                title=name, slug=name, alt_text="a", archival_reference=refs[0] if i < 2 else None
            )
            image.entities.add(entities[i % 3])
            images.append(image)
        essays = []
        for _ in range(2):
            name = _name("essay")
            essay = Essay.objects.create(
                title=name, slug=name, body="Kama.", **_publish_fields(*next(publish))
            )
            essay.references.add(refs[1])
            note = Annotation.objects.create(essay=essay, exact="Kama", start=0, end=4, body="n")
            note.entities.add(entities[2])
            note.references.add(refs[0])
            essays.append(essay)
        note = Annotation.objects.create(image=images[3], xywh="0,0,1,1", body="n")
        note.entities.add(entities[1])
        for e in range(2):
            name = _name("exhibit")
            exhibit = Exhibit.objects.create(
                title=name,
                slug=name,
                summary="s",
                cover_image=images[e] if cover else None,
                **_publish_fields(*next(publish)),
            )
            for k in range(2):
                name = _name("section")
                section = Section.objects.create(
                    exhibit=exhibit, title=name, slug=name, **_publish_fields(*next(publish))
                )
                text = Block.objects.create(section=section, kind=Block.Kind.TEXT, text="t")
                text.entities.add(entities[(e + k) % 3])
                Block.objects.create(section=section, kind=Block.Kind.IMAGE, image=images[k])
                gallery = Block.objects.create(section=section, kind=Block.Kind.GALLERY)
                GalleryItem.objects.create(block=gallery, image=images[2 + e])
                Block.objects.create(section=section, kind=Block.Kind.ESSAY, essay=essays[k])
                Block.objects.create(
                    section=section, kind=Block.Kind.QUOTATION, quote="q", quote_reference=refs[1]
                )

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._clock.stop()

    # The clock -----------------------------------------------------------------------------

    @rule(hours=st.integers(0, 3))
    def advance(self, hours):
        self.clock += hours * HOUR

    # Exhibits and sections -----------------------------------------------------------------

    @rule(status=statuses, offset=offsets, cover=st.one_of(st.none(), picks))
    def create_exhibit(self, status, offset, cover):
        name = _name("exhibit")
        Exhibit.objects.create(
            title=name,
            slug=name,
            summary="s",
            cover_image=_pick(Image, cover) if cover is not None else None,
            **_publish_fields(status, offset),
        )

    @rule(n=picks, status=statuses, offset=offsets)
    def publish_exhibit(self, n, status, offset):
        if exhibit := _pick(Exhibit, n):
            for name, value in _publish_fields(status, offset).items():
                setattr(exhibit, name, value)
            exhibit.save()

    @rule(n=picks, cover=st.one_of(st.none(), picks))
    def set_cover(self, n, cover):
        if exhibit := _pick(Exhibit, n):
            exhibit.cover_image = _pick(Image, cover) if cover is not None else None
            exhibit.save()

    @rule(n=picks, cover=picks)
    def update_cover(self, n, cover):
        Exhibit.objects.filter(pk__in=[n % 7, n % 5]).update(cover_image=_pick(Image, cover))

    @rule(
        model=st.sampled_from([Exhibit, Section, Essay]),
        n=picks,
        status=statuses,
        offset=offsets,
    )
    def update_status(self, model, n, status, offset):
        # queryset.update() bypasses save(): published_at may stay empty while "published".
        fields = {"status": status}
        if offset is not None:
            fields["published_at"] = T0 + offset * HOUR
        model.objects.filter(pk__gte=n % 5).update(**fields)

    @rule(n=picks, status=statuses, offset=offsets)
    def create_section(self, n, status, offset):
        if exhibit := _pick(Exhibit, n):
            name = _name("section")
            Section.objects.create(
                exhibit=exhibit, title=name, slug=name, **_publish_fields(status, offset)
            )

    @rule(n=picks, status=statuses, offset=offsets)
    def publish_section(self, n, status, offset):
        if section := _pick(Section, n):
            for name, value in _publish_fields(status, offset).items():
                setattr(section, name, value)
            section.save()

    @rule(n=picks, to=picks, bulk=st.booleans())
    def move_section(self, n, to, bulk):
        section, exhibit = _pick(Section, n), _pick(Exhibit, to)
        if section and exhibit:
            if bulk:
                Section.objects.filter(pk=section.pk).update(exhibit=exhibit)
            else:
                section.exhibit = exhibit
                section.save()

    @rule(model=st.sampled_from([Exhibit, Section, Block, Essay, Image]), n=picks)
    def delete(self, model, n):
        if obj := _pick(model, n):
            try:
                with transaction.atomic():
                    history.delete_with_record(obj, None)
            except (ProtectedError, RestrictedError):
                pass

    @rule(model=st.sampled_from([Exhibit, Section, Block, Essay, Annotation]), n=picks)
    def recover(self, model, n):
        records = list(model.history.filter(history_type="-").order_by("history_id"))
        if records:
            record = records[n % len(records)]
            pk = getattr(record, model._meta.pk.attname)
            if not model.objects.filter(pk=pk).exists():
                try:
                    with transaction.atomic():
                        history.recover(record, None)
                except history.RecoveryError:
                    pass

    @rule(model=st.sampled_from([Exhibit, Section, Block, Essay, Annotation]), n=picks, k=picks)
    def restore(self, model, n, k):
        if obj := _pick(model, n):
            records = list(obj.history.order_by("history_id"))
            try:
                with transaction.atomic():
                    history.restore_version(records[k % len(records)], None)
            except (history.RecoveryError, ProtectedError):
                pass

    # Blocks --------------------------------------------------------------------------------

    @rule(
        n=picks,
        kind=st.sampled_from(Block.Kind.values),
        image=st.one_of(st.none(), picks),
        essay=st.one_of(st.none(), picks),
        reference=st.one_of(st.none(), picks),
        bulk=st.booleans(),
    )
    def create_block(self, n, kind, image, essay, reference, bulk):
        if section := _pick(Section, n):
            create = (lambda **f: Block.objects.bulk_create([Block(**f)])) if bulk else None
            (create or Block.objects.create)(
                section=section,
                kind=kind,
                text="t",
                image=_pick(Image, image) if image is not None else None,
                essay=_pick(Essay, essay) if essay is not None else None,
                quote_reference=_pick(ArchivalReference, reference)
                if reference is not None
                else None,
            )

    @rule(n=picks, to=picks, bulk=st.booleans())
    def move_block(self, n, to, bulk):
        block, section = _pick(Block, n), _pick(Section, to)
        if block and section:
            if bulk:
                Block.objects.filter(pk=block.pk).update(section=section)
            else:
                block.section = section
                block.save()

    @rule(
        n=picks,
        field=st.sampled_from(["image", "essay", "quote_reference"]),
        to=st.one_of(st.none(), picks),
        bulk=st.booleans(),
    )
    def relink_block(self, n, field, to, bulk):
        model = Block._meta.get_field(field).related_model
        if block := _pick(Block, n):
            value = _pick(model, to) if to is not None else None
            if bulk:
                Block.objects.filter(section=block.section).update(**{field: value})
            else:
                setattr(block, field, value)
                block.save()

    @rule(n=picks, image=picks, how=st.sampled_from(["item", "add", "remove", "clear", "move"]))
    def gallery(self, n, image, how):
        block, picture = _pick(Block, n), _pick(Image, image)
        if not (block and picture):
            return
        if how == "item":
            GalleryItem.objects.create(block=block, image=picture)
        elif how == "add":
            block.gallery.add(picture, through_defaults={"order": 1})
        elif how == "remove":
            block.gallery.remove(picture)
        elif how == "clear":
            picture.gallery_blocks.clear() if n % 2 else block.gallery.clear()
        elif item := _pick(GalleryItem, n):
            if n % 3 == 0:
                item.delete()
            else:
                item.image = picture
                item.save()

    # Essays, images, notes, entities, sources ------------------------------------------------

    @rule(status=statuses, offset=offsets)
    def create_essay(self, status, offset):
        name = _name("essay")
        Essay.objects.create(title=name, slug=name, body="Kama.", **_publish_fields(status, offset))

    @rule(n=picks, status=statuses, offset=offsets)
    def publish_essay(self, n, status, offset):
        if essay := _pick(Essay, n):
            for name, value in _publish_fields(status, offset).items():
                setattr(essay, name, value)
            essay.save()

    @rule(reference=st.one_of(st.none(), picks))
    def create_image(self, reference):
        name = _name("image")
        Image.objects.create(
            title=name,
            slug=name,
            alt_text="a",
            archival_reference=_pick(ArchivalReference, reference)
            if reference is not None
            else None,
        )

    @rule(n=picks, reference=st.one_of(st.none(), picks), bulk=st.booleans())
    def set_image_reference(self, n, reference, bulk):
        if image := _pick(Image, n):
            value = _pick(ArchivalReference, reference) if reference is not None else None
            if bulk:
                Image.objects.filter(pk__lte=image.pk).update(archival_reference=value)
            else:
                image.archival_reference = value
                image.save()

    @rule(n=picks, on_essay=st.booleans())
    def create_note(self, n, on_essay):
        target = _pick(Essay, n) if on_essay else _pick(Image, n)
        if target:
            kind = "essay" if on_essay else "image"
            Annotation.objects.create(
                **{kind: target},
                exact="Kama" if on_essay else "",
                start=0 if on_essay else None,
                end=4 if on_essay else None,
                xywh="" if on_essay else "0,0,1,1",
                body="n",
            )

    @rule(
        n=picks,
        change=st.sampled_from(["retire", "restore", "orphan", "anchor", "delete", "bulk"]),
    )
    def change_note(self, n, change):
        if not (note := _pick(Annotation, n)):
            return
        if change == "delete":
            note.delete()
        elif change == "bulk":
            Annotation.objects.filter(pk__lte=note.pk).update(retired=n % 2 == 0)
        else:
            note.retired = {"retire": True, "restore": False}.get(change, note.retired)
            if change in ("orphan", "anchor"):
                note.anchoring = (
                    Annotation.Anchoring.ORPHANED
                    if change == "orphan"
                    else Annotation.Anchoring.FUZZY
                )
                note.save(update_fields=["anchoring"])
            else:
                note.save()

    @rule()
    def create_entity(self):
        name = _name("entity")
        Entity.objects.create(kind=Entity.Kind.PERSON, name=name, slug=name)

    @rule(
        source=st.sampled_from(["block", "image", "annotation"]),
        n=picks,
        e=picks,
        how=st.sampled_from(["add", "remove", "clear", "reverse-add", "reverse-clear"]),
    )
    def link_entity(self, source, n, e, how):
        model = {"block": Block, "image": Image, "annotation": Annotation}[source]
        obj, entity = _pick(model, n), _pick(Entity, e)
        if not (obj and entity):
            return
        reverse = getattr(entity, {"block": "blocks", "image": "images"}.get(source, "annotations"))
        if how == "add":
            obj.entities.add(entity)
        elif how == "remove":
            obj.entities.remove(entity)
        elif how == "clear":
            obj.entities.clear()
        elif how == "reverse-add":
            reverse.add(obj)
        else:
            reverse.clear()

    @rule(
        source=st.sampled_from(["essay", "annotation"]),
        n=picks,
        r=picks,
        how=st.sampled_from(["add", "remove", "clear", "reverse-add", "reverse-clear"]),
    )
    def cite(self, source, n, r, how):
        model = Essay if source == "essay" else Annotation
        obj, ref = _pick(model, n), _pick(ArchivalReference, r)
        if not (obj and ref):
            return
        reverse = ref.essays if source == "essay" else ref.annotations
        if how == "add":
            obj.references.add(ref)
        elif how == "remove":
            obj.references.remove(ref)
        elif how == "clear":
            obj.references.clear()
        elif how == "reverse-add":
            reverse.add(obj)
        else:
            reverse.clear()

    @rule(n=picks, to=picks)
    def move_reference(self, n, to):
        ref, repository = _pick(ArchivalReference, n), _pick(Repository, to)
        if ref and repository:
            ref.repository = repository
            ref.save()

    @precondition(lambda self: Exhibit.objects.exists())
    @rule(n=picks, with_section=st.booleans())
    def place_in_search(self, n, with_section):
        exhibit = _pick(Exhibit, n)
        section = _pick(Section, n) if with_section else None
        entry = SearchEntry.objects.create(kind="image", object_id=next(_names), url="/", title="t")
        # The index copies the moment of what it is placed in; moments_changed keeps it.
        holder = section or exhibit
        moment = type(holder).objects.values_list("visible_from", flat=True).get(pk=holder.pk)
        SearchPlacement.objects.create(
            entry=entry, exhibit=exhibit, section=section, visible_from=moment
        )

    # The check -----------------------------------------------------------------------------

    @invariant()
    def stored_matches_reference(self):
        for moment in (self.clock, FAR):
            self.clock, now = moment, self.clock
            try:
                assert_matches_reference(moment)
            finally:
                self.clock = now


def assert_matches_reference(now):
    """``published()`` of every model (read at ``now``) selects what the former rule did."""
    for model in reference.RULES:
        stored = set(model.objects.published().values_list("pk", flat=True))
        expected = reference.reference_pks(model, now)
        assert stored == expected, (model.__name__, now, stored ^ expected)
    visible = set(SearchPlacement.objects.visible().values_list("pk", flat=True))
    assert visible == reference.reference_pks(SearchPlacement, now)


@pytest.mark.django_db
def test_stored_visibility_matches_the_former_rules():
    run_state_machine_as_test(
        VisibilityMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
