"""Write the demo content (``content.py``) into the database, idempotently and audibly.

Every object is found by its natural key (a slug, a repository abbreviation, a reference's
numbers, a section's order) and only saved when a field differs, so a second run changes
nothing. Each created or changed object gets an admin ``LogEntry`` as the ``script`` user, in
the same JSON shape the admin writes, so the admin's history pages read it.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils.text import capfirst

from exhibit import visibility
from exhibit.models import (
    Annotation,
    ArchivalReference,
    Block,
    Contributor,
    Entity,
    Essay,
    EssayAuthor,
    Exhibit,
    GalleryItem,
    Image,
    Repository,
    Section,
    Status,
)
from exhibit.services import search
from exhibit.services.anchoring import selector_for
from exhibit.services.audit import SCRIPT_USERNAME, ScriptUserMissing, acting_as, script_user
from exhibit.services.imaging import remove_files_for

from . import annotations as demo_annotations
from . import content
from .placeholders import render_placeholder

# The order the summary lists models in: the order they are loaded.
MODELS = [
    Contributor,
    Repository,
    ArchivalReference,
    Entity,
    Image,
    Essay,
    EssayAuthor,
    Exhibit,
    Section,
    Block,
    GalleryItem,
    Annotation,
]

Progress = Callable[[int, int, str], None]


class DemoLoadError(Exception):
    """The demo cannot be loaded; the message says what to do."""


@dataclass
class Report:
    """What a run did (or, for a dry run, would have done)."""

    dry_run: bool = False
    counts: dict[type[models.Model], Counter] = field(default_factory=dict)
    log_entries: int = 0
    files_written: list[str] = field(default_factory=list)
    # Derivatives and tiles are made per original, keyed by its checksum.
    checksums_written: list[str] = field(default_factory=list)

    def count(self, model: type[models.Model], outcome: str) -> None:
        self.counts.setdefault(model, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        if self.dry_run:
            lines = ["Dry run: nothing was saved. A real run would make these changes:"]
        else:
            lines = ["Demo content loaded:"]
        for model in MODELS:
            tally = self.counts.get(model, Counter())
            lines.append(
                f"  {capfirst(model._meta.verbose_name_plural)}: {tally['created']} created, "
                f"{tally['updated']} updated, {tally['unchanged']} unchanged"
            )
        lines.append(f"  Admin log entries (user “{SCRIPT_USERNAME}”): {self.log_entries}")
        lines.append(f"  Files written to media storage: {len(self.files_written)}")
        if not self.changed:
            lines.append("Nothing to change: the demo content is already up to date.")
        return lines


@dataclass
class Change:
    """One object the loader touched, and what changed, for the report and the admin log."""

    obj: models.Model
    created: bool
    fields: list[str]
    inlines: list[dict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.fields) or bool(self.inlines)

    def add_inline(self, child: Change) -> None:
        """Record a through-model row the way the admin records an inline."""
        name = str(child.obj._meta.verbose_name)
        if child.created:
            self.inlines.append({"added": {"name": name, "object": str(child.obj)}})
        elif child.fields:
            self.inlines.append(
                {"changed": {"name": name, "object": str(child.obj), "fields": child.labels}}
            )

    @property
    def labels(self) -> list[str]:
        meta = self.obj._meta
        return [capfirst(str(meta.get_field(name).verbose_name)) for name in self.fields]

    @property
    def message(self) -> list[dict]:
        if self.created:
            return [{"added": {}}, *self.inlines]
        head = [{"changed": {"fields": self.labels}}] if self.fields else []
        return [*head, *self.inlines]


def _computed_fields(model: type[models.Model]) -> list[str]:
    """Fields the model fills in itself (checksums, rendered HTML, timestamps)."""
    return [f.name for f in model._meta.concrete_fields if not f.editable]


def _normalise(obj: models.Model, name: str, value):
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return value
    return model_field.to_python(value)


def _differs(obj: models.Model, name: str, value) -> bool:
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != model_field.to_python(value)


# Demo annotations get the same UUIDs on every machine, so reloading updates them in place.
DEMO_NAMESPACE = uuid.UUID("6f1d2a8e-3c4b-5d6e-8f90-a1b2c3d4e5f6")


class DemoLoader:
    def __init__(self, *, user, report: Report, progress: Progress | None = None):
        self.user = user
        self.report = report
        self.dry_run = report.dry_run
        self.progress = progress
        self.contributors: dict[str, Contributor] = {}
        self.repositories: dict[str, Repository] = {}
        self.references: dict[str, ArchivalReference] = {}
        self.entities: dict[str, Entity] = {}
        self.images: dict[str, Image] = {}
        self.essays: dict[str, Essay] = {}

    # The generic steps.

    def upsert(self, model, lookup: dict, values: dict, m2m: dict | None = None) -> Change:
        """Find ``model`` by ``lookup``; create it, or update the fields of ``values`` that
        differ; then set its many-to-many fields. Logs nothing: see ``finish()``."""
        obj = model._default_manager.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**lookup)
            changed = list(values)
        else:
            changed = [name for name, value in values.items() if _differs(obj, name, value)]
        for name in changed:
            setattr(obj, name, _normalise(obj, name, values[name]))
        if changed:
            obj.full_clean(exclude=_computed_fields(model))
            obj.save()
        change = Change(obj, created, [] if created else changed)
        self.set_m2m(change, m2m or {})
        return change

    def set_m2m(self, change: Change, m2m: dict) -> None:
        for name, related in m2m.items():
            manager = getattr(change.obj, name)
            wanted = {item.pk for item in related}
            current = set() if change.created else set(manager.values_list("pk", flat=True))
            if wanted != current:
                manager.set(related)
                if not change.created:
                    change.fields.append(name)

    def finish(self, change: Change, *, log: bool = True) -> Change:
        """Count the change and, for a top-level object, write its admin log entry."""
        model = type(change.obj)
        outcome = "created" if change.created else "updated" if change.changed else "unchanged"
        self.report.count(model, outcome)
        if log and change.changed:
            LogEntry.objects.log_actions(
                user_id=self.user.pk,
                queryset=[change.obj],
                action_flag=ADDITION if change.created else CHANGE,
                change_message=change.message,
                single_object=True,
            )
            self.report.log_entries += 1
        return change

    # The content, in dependency order.

    def run(self) -> None:
        self.load_contributors()
        self.load_repositories()
        self.load_references()
        self.load_entities()
        self.load_images()
        self.load_essays()
        self.load_exhibits()
        self.load_annotations()

    def load_contributors(self) -> None:
        for spec in content.CONTRIBUTORS:
            values = {key: value for key, value in spec.items() if key != "slug"}
            change = self.upsert(Contributor, {"slug": spec["slug"]}, values)
            self.contributors[spec["slug"]] = self.finish(change).obj

    def load_repositories(self) -> None:
        for spec in content.REPOSITORIES:
            values = {key: value for key, value in spec.items() if key != "abbreviation"}
            change = self.upsert(Repository, {"abbreviation": spec["abbreviation"]}, values)
            self.repositories[spec["abbreviation"]] = self.finish(change).obj

    def load_references(self) -> None:
        numbers = {
            "system": ArchivalReference.System.FOND,
            "fond": "",
            "opis": "",
            "delo": "",
            "file_unit": ArchivalReference.FileUnit.DELO,
            "leaf_start": "",
            "leaf_start_verso": False,
            "leaf_end": "",
            "leaf_end_verso": False,
            "collection": "",
            "box": "",
            "folder": "",
            "item": "",
        }
        for key, spec in content.REFERENCES.items():
            lookup = {"repository": self.repositories[spec["repository"]]}
            lookup.update({name: spec.get(name, default) for name, default in numbers.items()})
            values = {
                name: spec.get(name, "")
                for name in ("title", "date", "notes", "previous_reference")
            }
            change = self.upsert(ArchivalReference, lookup, values)
            self.references[key] = self.finish(change).obj

    def load_entities(self) -> None:
        for spec in content.ENTITIES:
            values = {
                "kind": spec["kind"],
                "name": spec["name"],
                "sort_name": spec.get("sort_name", ""),
                "alternative_names": spec.get("alternative_names", ""),
                "description": spec.get("description", ""),
                "date": spec.get("date", ""),
                "latitude": spec.get("latitude"),
                "longitude": spec.get("longitude"),
                "wikidata": spec.get("wikidata", ""),
                "viaf": spec.get("viaf", ""),
                "geonames": spec.get("geonames", ""),
            }
            change = self.upsert(Entity, {"slug": spec["slug"]}, values)
            self.entities[spec["slug"]] = self.finish(change).obj

    def load_images(self) -> None:
        total = len(content.IMAGES)
        for done, spec in enumerate(content.IMAGES, start=1):
            self.images[spec["slug"]] = self.finish(self.load_image(spec)).obj
            if self.progress:
                self.progress(done, total, spec["slug"])

    def load_image(self, spec: dict) -> Change:
        """Create or update one placeholder image, regenerating its file only when the
        drawn card would differ from the stored one (or the stored file is gone)."""
        reference = self.references[spec["reference"]] if spec["reference"] else None
        if reference:
            source_line = f"{reference.short_citation} ({reference.long_form})"
        else:
            source_line = spec["source_line"]
        data = render_placeholder(
            title=spec["title"], reference=source_line, motif=spec["motif"], seed=spec["slug"]
        )
        checksum = hashlib.sha256(data).hexdigest()
        creator = spec.get("creator")
        values = {
            "title": spec["title"],
            "alt_text": spec["alt_text"],
            "caption": spec["caption"],
            "credit_line": spec["credit_line"],
            "date": spec["date"],
            "rights": spec["rights"],
            "archival_reference": reference,
            "creator": self.contributors[creator] if creator else None,
            "is_placeholder": True,
        }
        entities = [self.entities[slug] for slug in spec["entities"]]
        obj = Image.objects.filter(slug=spec["slug"]).first()
        created = obj is None
        if created:
            obj = Image(slug=spec["slug"])
            changed = list(values)
        else:
            changed = [name for name, value in values.items() if _differs(obj, name, value)]
        for name in changed:
            setattr(obj, name, values[name])

        stale = not created and (obj.checksum != checksum or not _exists(obj.original))
        if stale:
            changed.append("original")
        # A dry run still creates new images, because blocks need them (their files are
        # removed after the rollback), but never replaces the files of an existing one.
        write_file = created or (stale and not self.dry_run)
        old_name = None if created else obj.original.name
        if write_file:
            obj.original = ContentFile(data, name=f"{spec['slug']}.jpg")
        if changed:
            obj.full_clean(exclude=_computed_fields(Image))
            obj.save()  # checksums the original and writes the derivatives
        if write_file:
            self.report.files_written.append(obj.original.name)
            self.report.checksums_written.append(obj.checksum)
            if old_name and old_name != obj.original.name:
                storage = obj.original.storage
                transaction.on_commit(lambda: _delete_file(storage, old_name))
        change = Change(obj, created, [] if created else changed)
        self.set_m2m(change, {"entities": entities})
        return change

    def load_essays(self) -> None:
        for spec in content.ESSAYS:
            body = resources.files(__package__).joinpath(spec["body_file"])
            published = spec["status"] == Status.PUBLISHED
            values = {
                "title": spec["title"],
                "subtitle": spec["subtitle"],
                "abstract": spec["abstract"],
                "body": body.read_text(encoding="utf-8"),
                "status": spec["status"],
                "published_at": content.PUBLISHED_AT if published else None,
                "original_venue": "",
                "original_date": None,
                "original_url": "",
            }
            change = self.upsert(Essay, {"slug": spec["slug"]}, values)
            for order, slug in enumerate(spec["authors"]):
                author = self.upsert(
                    EssayAuthor,
                    {"essay": change.obj, "contributor": self.contributors[slug]},
                    {"order": order},
                )
                change.add_inline(self.finish(author, log=False))
            self.essays[spec["slug"]] = self.finish(change).obj

    def load_annotations(self) -> None:
        """Notes on the essay's passages and on image regions, keyed by stable UUIDs."""
        essay = self.essays[demo_annotations.ESSAY]
        revision = essay.revisions.order_by("-number").first()
        for quote, occurrence, motivation, entities, note in demo_annotations.TEXT:
            start = -1
            for _ in range(occurrence):
                start = revision.text.find(quote, start + 1)
            if start < 0:
                raise DemoLoadError(f"The demo essay no longer contains “{quote}”.")
            selector = selector_for(revision.text, start, start + len(quote))
            key = f"{essay.slug}:{quote}:{occurrence}"
            values = {
                "essay": essay,
                "revision": revision,
                "exact": selector.exact,
                "prefix": selector.prefix,
                "suffix": selector.suffix,
                "start": selector.start,
                "end": selector.end,
                "anchoring": Annotation.Anchoring.EXACT,
                "motivation": motivation,
                "body": note,
                "creator": self.user,
            }
            self.load_annotation(key, values, entities)
        for slug, x, y, w, h, motivation, entities, note in demo_annotations.REGIONS:
            values = {
                "image": self.images[slug],
                "xywh": f"{x},{y},{w},{h}",
                "motivation": motivation,
                "body": note,
                "creator": self.user,
            }
            self.load_annotation(f"{slug}:{x},{y},{w},{h}", values, entities)

    def load_annotation(self, key: str, values: dict, entities: list[str]) -> None:
        lookup = {"uuid": uuid.uuid5(DEMO_NAMESPACE, key)}
        m2m = {"entities": [self.entities[slug] for slug in entities]}
        self.finish(self.upsert(Annotation, lookup, values, m2m))

    def load_exhibits(self) -> None:
        for spec in content.EXHIBITS:
            published = spec["status"] == Status.PUBLISHED
            values = {
                "title": spec["title"],
                "subtitle": spec["subtitle"],
                "summary": spec["summary"],
                "introduction": spec["introduction"],
                "credits": spec["credits"],
                "cover_image": self.images[spec["cover_image"]] if spec["cover_image"] else None,
                "featured": spec["featured"],
                "order": spec["order"],
                "status": spec["status"],
                "published_at": content.PUBLISHED_AT if published else None,
            }
            curators = [self.contributors[slug] for slug in spec["curators"]]
            change = self.upsert(
                Exhibit, {"slug": spec["slug"]}, values, m2m={"curators": curators}
            )
            exhibit = self.finish(change).obj
            for order, section in enumerate(spec["sections"], start=1):
                self.load_section(exhibit, order, section, spec["status"])

    def load_section(self, exhibit: Exhibit, order: int, spec: dict, status: str) -> None:
        status = spec.get("status", status)
        values = {
            "title": spec["title"],
            "summary": spec["summary"],
            "order": order,
            "status": status,
            "published_at": content.PUBLISHED_AT if status == Status.PUBLISHED else None,
        }
        change = self.upsert(Section, {"exhibit": exhibit, "slug": spec["slug"]}, values)
        section = self.finish(change).obj
        for block_order, block in enumerate(spec["blocks"], start=1):
            self.load_block(section, block_order, block)

    def load_block(self, section: Section, order: int, spec: dict) -> None:
        reference = spec.get("quote_reference")
        values = {
            "kind": spec["kind"],
            "heading": spec.get("heading", ""),
            "text": spec.get("text", ""),
            "image": self.images[spec["image"]] if spec.get("image") else None,
            "quote": spec.get("quote", ""),
            "quote_attribution": spec.get("quote_attribution", ""),
            "quote_source": spec.get("quote_source", ""),
            "quote_reference": self.references[reference] if reference else None,
            "essay": self.essays[spec["essay"]] if spec.get("essay") else None,
            "essay_display": spec.get("essay_display", Block.EssayDisplay.LINK),
        }
        entities = [self.entities[slug] for slug in spec.get("entities", [])]
        change = self.upsert(
            Block, {"section": section, "order": order}, values, m2m={"entities": entities}
        )
        for item_order, (slug, caption) in enumerate(spec.get("gallery", []), start=1):
            item = self.upsert(
                GalleryItem,
                {"block": change.obj, "order": item_order},
                {"image": self.images[slug], "caption": caption},
            )
            change.add_inline(self.finish(item, log=False))
        self.finish(change)


def _exists(file) -> bool:
    return bool(file) and file.storage.exists(file.name)


def _delete_file(storage: Storage, name: str) -> None:
    """Delete a stored file and, on a local disk, the folders it leaves empty."""
    if not name:
        return
    storage.delete(name)
    try:
        root = os.path.realpath(storage.path(""))
        folder = os.path.dirname(os.path.realpath(storage.path(name)))
    except NotImplementedError:
        return  # remote storage: no folders to tidy
    while folder.startswith(root + os.sep) and folder != root:
        try:
            os.rmdir(folder)  # only succeeds when empty
        except OSError:
            break
        folder = os.path.dirname(folder)


class _RollBack(Exception):
    pass


def load_demo(*, dry_run: bool = False, progress: Progress | None = None) -> Report:
    """Create or update the demo exhibits; return what changed.

    Runs in one transaction. A dry run rolls it back and removes the files it wrote, so it
    leaves neither rows nor files behind. On an error, the files written so far are removed
    too (replaced derivatives of existing images cannot be restored: re-run the command).
    """
    report = Report(dry_run=dry_run)
    storage = Image._meta.get_field("original").storage
    try:
        with transaction.atomic():
            try:
                user = script_user()
            except ScriptUserMissing as error:
                raise DemoLoadError(str(error)) from error
            loader = DemoLoader(user=user, report=report, progress=progress)
            with acting_as(user), visibility.deferred():  # one recompute for the whole load
                loader.run()
            search.flush()  # index what changed in this transaction (a dry run rolls it back)
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    except BaseException:
        _remove_written(storage, report)
        raise
    if dry_run:
        _remove_written(storage, report)
    return report


def _remove_written(storage: Storage, report: Report) -> None:
    for name in report.files_written:
        _delete_file(storage, name)
    for checksum in report.checksums_written:
        remove_files_for(checksum)
