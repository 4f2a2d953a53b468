"""Restoring earlier versions, deleting with a record of what went, and recovering it.

Revision history is django-simple-history's: every tracked model has a historical table, one
row per save or delete, migrated with the model. What is restored:

- **Fields** of the object, as they were in the chosen version. An image keeps its current
  file (and what was measured from it): history never copies or swaps files.
- **Links** (an annotation's entities and sources, a block's entities and its gallery's images
  in order, an image's entities, an essay's authors and sources, an exhibit's curators) are in
  every version (``RevisionHistory``'s ``m2m_fields``) and restored with it; a link to an
  object deleted since is left out and said. Versions saved before links were versioned hold
  none: restoring one leaves the current links alone, and says so. Deleting through
  ``delete_with_record`` also writes down every link the deletion cut from the other end (an
  entity's notes), and recovering puts those back.
- **Essays** are saved through ``Essay.save()``, so a restored text is a new ``EssayRevision``
  and its annotations are re-anchored; notes orphaned by the edit being undone come back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.admin.utils import NestedObjects
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import models, router, transaction

from exhibit.services.audit import record_event

# Measured from the file itself: restoring a version keeps the current file and these with it.
KEPT_ON_RESTORE = {
    "exhibit.image": ("original", "original_filename", "checksum", "file_size", "format",
                      "width", "height"),
}  # fmt: skip
# Rows without history of their own that a deletion takes along and recovery brings back.
# An essay's revisions come back with their numbers and keys, so revision URLs and the
# revisions that notes are anchored in mean what they meant before the deletion.
RECOVERABLE_UNTRACKED = ("exhibit.essayauthor", "exhibit.essayrevision")


class RecoveryError(Exception):
    """The object cannot be brought back as asked; the message says why and what to do."""


@dataclass
class LinkRestore:
    """What restoring a version did to the object's links."""

    recorded: bool = True  # False: the version predates link history; links were left alone
    dropped: list = field(default_factory=list)  # links to objects deleted since

    def messages(self, obj) -> list[str]:
        said = []
        if not self.recorded:
            said.append(
                f"This version of “{obj}” was saved before links were kept in history: its "
                "links (entities, sources, authors, curators, gallery images) are left as they "
                "are now."
            )
        said += [f"Not restored: {dropped}." for dropped in self.dropped]
        return said


@dataclass
class Recovery:
    obj: models.Model
    recovered: list = field(default_factory=list)  # everything brought back, obj first
    links: int = 0  # many-to-many links put back
    dropped: list = field(default_factory=list)  # what could not come back, said for curators


def is_tracked(model) -> bool:
    return hasattr(model, "history") and hasattr(model.history, "model")


def label(model) -> str:
    return model._meta.label_lower


def _current(model, pk):
    return model._default_manager.filter(pk=pk).first()


# Restoring a version ----------------------------------------------------------------------


def linked_fields(model) -> list:
    """The many-to-many fields whose links every version of ``model`` holds."""
    history = getattr(model, "history", None)
    return list(getattr(getattr(history, "model", None), "_history_m2m_fields", ()))


def links_recorded(record) -> bool:
    return bool(linked_fields(record.instance_type)) and getattr(record, "links_recorded", False)


def version_links(record, field) -> tuple[list, list]:
    """The through rows ``record`` holds for ``field`` whose other end still exists, and a
    description of each that does not."""
    through = field.remote_field.through
    target = through._meta.get_field(field.m2m_reverse_field_name())
    rows = list(getattr(record, field.name).order_by("m2m_history_id"))
    wanted = [getattr(row, target.attname) for row in rows]
    present = set(
        field.related_model._default_manager.filter(pk__in=wanted).values_list("pk", flat=True)
    )
    kept = [row for row in rows if getattr(row, target.attname) in present]
    gone = [
        f"{field.verbose_name}: {field.related_model._meta.verbose_name} no. {pk} no longer exists"
        for pk in wanted
        if pk not in present
    ]
    return kept, gone


def record_links(instance) -> None:
    """Write ``instance``'s current links into the version its last save made."""
    records = getattr(type(instance), "_revision_history", None)
    if records is not None:
        records.record_links(instance)


def restore_links(instance, record, user=None) -> LinkRestore:
    """Make ``instance``'s links those historical ``record`` holds (see the module docstring)."""
    result = LinkRestore()
    fields = linked_fields(type(instance))
    if not fields:
        return result
    if not links_recorded(record):
        result.recorded = False
        return result
    for m2m in fields:
        rows, gone = version_links(record, m2m)
        result.dropped += gone
        through = m2m.remote_field.through
        target = through._meta.get_field(m2m.m2m_reverse_field_name())
        if through._meta.auto_created:
            getattr(instance, m2m.name).set([getattr(row, target.attname) for row in rows])
            continue
        # A through model with fields of its own (a gallery's order and captions, authors'
        # order): its rows are made to match, keeping their ids where they are free.
        source = through._meta.get_field(m2m.m2m_field_name())
        columns = [f.attname for f in through._meta.concrete_fields if not f.primary_key]
        wanted = {}
        for row in rows:
            values = {c: getattr(row, c) for c in columns}
            values[source.attname] = instance.pk
            wanted[row.id] = values
        current = {
            obj.pk: obj for obj in through._default_manager.filter(**{source.name: instance})
        }
        unchanged = {
            pk
            for pk, obj in current.items()
            if pk in wanted and all(getattr(obj, c) == v for c, v in wanted[pk].items())
        }
        for pk, obj in current.items():
            if pk not in unchanged:
                obj._history_user = user
                obj.delete()
        for pk, values in wanted.items():
            if pk in unchanged:
                continue
            row = through(**values)
            if not through._default_manager.filter(pk=pk).exists():
                row.pk = pk
            row._history_user = user
            row.save(force_insert=True)
    record_links(instance)
    return result


def version_instance(record):
    """The object as it was in historical ``record``, ready to save over the current one."""
    instance = record.instance
    current = _current(type(instance), instance.pk)
    if current is not None:
        for name in KEPT_ON_RESTORE.get(label(type(instance)), ()):
            setattr(instance, name, getattr(current, name))
        instance.version = current.version
    return instance


@transaction.atomic
def restore_version(record, user):
    """Bring an existing object back to historical ``record``; return the saved object."""
    instance = version_instance(record)
    if _current(type(instance), instance.pk) is None:
        raise RecoveryError("It has been deleted since: recover it from the deleted list.")
    instance._history_user = user
    instance.revision_user = user
    instance.save()
    finish_restore(instance, user, record)
    return instance


def finish_restore(instance, user, record) -> LinkRestore:
    """What follows a restore however it was saved: the version's links, re-anchoring, and
    the audit event. Returns what became of the links, for the curator."""
    from exhibit.models import AuditEvent, Essay
    from exhibit.services.revisions import reattach_orphans

    links = restore_links(instance, record, user)
    detail = {"version": record.history_id, "of": record.history_date.isoformat()}
    if linked_fields(type(instance)):
        detail["links"] = "restored" if links.recorded else "not recorded, left as they were"
        if links.dropped:
            detail["links_dropped"] = links.dropped
    if isinstance(instance, Essay):
        revision = instance.revisions.order_by("-number").first()
        counts = reattach_orphans(instance, revision)
        reanchored = getattr(instance, "reanchored", None) or {}
        detail["annotations"] = {**dict(reanchored), "reattached": sum(
            n for state, n in counts.items() if state != "orphaned"
        )}  # fmt: skip
    record_event(user, AuditEvent.Action.RESTORED, instance, detail)
    return links


# Deleting with a record ------------------------------------------------------------------


def _collect(obj):
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    return collector


def cut_links(objects) -> list[dict]:
    """Every many-to-many link of ``objects`` (both directions), as plain data."""
    links = []
    for obj in objects:
        opts = obj._meta
        for m2m in opts.many_to_many:
            if not m2m.remote_field.through._meta.auto_created:
                continue  # a through model with its own rows (gallery items, authors)
            pks = list(getattr(obj, m2m.name).values_list("pk", flat=True))
            if pks:
                links.append({"model": label(type(obj)), "pk": obj.pk, "field": m2m.name,
                              "pks": pks})  # fmt: skip
        for rel in opts.related_objects:
            if not rel.many_to_many or not rel.through._meta.auto_created:
                continue
            accessor = rel.get_accessor_name()
            for other in getattr(obj, accessor).values_list("pk", flat=True):
                links.append({"model": label(rel.related_model), "pk": other,
                              "field": rel.field.name, "pks": [obj.pk]})  # fmt: skip
    return links


def deletion_detail(obj) -> dict:
    """What deleting ``obj`` would take along and cut, as plain data for the audit event.

    Raises ``ProtectedError`` when something protects it.
    """
    collector = _collect(obj)
    if collector.protected:
        raise models.ProtectedError("Protected", collector.protected)
    everything = [o for objs in collector.data.values() for o in objs]
    cascaded = [o for o in everything if o is not obj and not o._meta.auto_created]
    untracked = [o for o in cascaded if label(type(o)) in RECOVERABLE_UNTRACKED]
    return {
        "links": cut_links([o for o in everything if not o._meta.auto_created]),
        "cascaded": [[label(type(o)), o.pk] for o in cascaded if is_tracked(type(o))],
        "rows": json.loads(serializers.serialize("json", untracked)),
    }


def record_deletion(obj, user, detail):
    """Log the deletion of ``obj`` (already deleted; ``detail`` from ``deletion_detail``)."""
    from exhibit.models import AuditEvent

    record_event(user, AuditEvent.Action.DELETED, obj, detail)


@transaction.atomic
def delete_with_record(obj, user):
    """Delete ``obj`` (and what cascades with it), logging what went so it can be recovered.

    Raises ``ProtectedError`` untouched when something protects it.
    """
    detail = deletion_detail(obj)
    pk = obj.pk
    obj._history_user = user
    obj.delete()
    obj.pk = pk  # the event names it
    record_deletion(obj, user, detail)


# Recovering a deleted object -------------------------------------------------------------


def deleted_records(model):
    """The last historical record of each deleted ``model`` object that is still gone."""
    history = model.history
    pk_name = model._meta.pk.attname
    existing = model._default_manager.values("pk")
    last = (
        history.filter(**{pk_name: models.OuterRef(pk_name)})
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return (
        history.filter(history_type="-")
        .exclude(**{f"{pk_name}__in": existing})
        .filter(history_id=models.Subquery(last))
        .select_related("history_user")
        .order_by("-history_date")
    )


def _last_deletion(model, pk):
    from exhibit.models import AuditEvent

    return (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.DELETED,
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            object_id=str(pk),
        )
        .order_by("-when", "-pk")
        .first()
    )


def _bring_back(record, user, result):
    instance = record.instance
    model = type(instance)
    for fk in instance._meta.concrete_fields:
        if not fk.is_relation or getattr(instance, fk.attname) is None:
            continue
        if fk.related_model._default_manager.filter(pk=getattr(instance, fk.attname)).exists():
            continue
        if not fk.null:
            raise RecoveryError(
                f"Its {fk.verbose_name} (no. {getattr(instance, fk.attname)}) is deleted too: "
                f"recover that first."
            )
        setattr(instance, fk.attname, None)
        result.dropped.append(f"{instance}: its {fk.verbose_name} no longer exists")
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except ValidationError as error:
        raise RecoveryError(
            f"“{instance}” cannot come back as it was: " + " ".join(error.messages)
        ) from error
    instance._history_user = user
    instance.revision_user = user
    # An essay's revisions come back from the deletion's record below; a revision made now
    # would restart their numbering at 1.
    instance.skip_revision = True
    instance.save(force_insert=True)
    del instance.skip_revision
    if links_recorded(record):  # the links the object had when it was deleted
        result.dropped += restore_links(instance, record, user).dropped
    if label(model) == "exhibit.image":
        from exhibit.tasks import process_image

        process_image.enqueue(instance.pk)  # its derivatives are made again
    result.recovered.append(instance)
    return instance


@transaction.atomic
def recover(record, user) -> Recovery:
    """Recreate the object deleted in ``record``, with what its deletion took along and cut."""
    from exhibit.models import AuditEvent

    model = record.instance_type
    pk = getattr(record, model._meta.pk.attname)
    if record.history_type != "-":
        raise RecoveryError("That version is not a deletion.")
    if _current(model, pk) is not None:
        raise RecoveryError("It exists: open it and restore a version from its history instead.")
    result = Recovery(obj=None)
    result.obj = _bring_back(record, user, result)
    deletion = _last_deletion(model, pk)
    detail = deletion.detail if deletion else {}
    pending = [(apps.get_model(name), child) for name, child in detail.get("cascaded", [])]
    while pending:  # parents before children, whatever order the deletion listed them in
        waiting = []
        for child_model, child_pk in pending:
            child = (
                deleted_records(child_model)
                .filter(**{child_model._meta.pk.attname: child_pk})
                .first()
            )
            if child is None:
                continue  # already back, or its history is gone
            try:
                with transaction.atomic():
                    _bring_back(child, user, result)
            except RecoveryError:
                waiting.append((child_model, child_pk))
        if len(waiting) == len(pending):
            result.dropped += [f"{m._meta.verbose_name} no. {p}" for m, p in waiting]
            break
        pending = waiting
    for row in detail.get("rows", []):
        for restored in serializers.deserialize("json", json.dumps([row])):
            try:
                with transaction.atomic():
                    restored.save()
            except Exception:
                result.dropped.append(f"{restored.object._meta.verbose_name} {restored.object}")
    from exhibit.models import Essay
    from exhibit.services.revisions import record_revision

    for essay in [o for o in result.recovered if isinstance(o, Essay)]:
        # Numbering goes on from the revisions that came back; a text that differs from the
        # last of them (or an essay whose revisions were not recorded) gets a new one.
        record_revision(essay, user=user)
    for link in detail.get("links", []):
        owner_model = apps.get_model(link["model"])
        owner = _current(owner_model, link["pk"])
        if owner is None:
            continue
        manager = getattr(owner, link["field"])
        present = manager.model._default_manager.filter(pk__in=link["pks"])
        linked = set(manager.filter(pk__in=link["pks"]).values_list("pk", flat=True))
        targets = [pk for pk in present.values_list("pk", flat=True) if pk not in linked]
        if targets:
            manager.add(*targets)
            result.links += len(targets)
    record_event(
        user,
        AuditEvent.Action.RECOVERED,
        result.obj,
        {
            "deleted": record.history_date.isoformat(),
            "with": [[label(type(o)), o.pk] for o in result.recovered[1:]],
            "links": result.links,
            "dropped": result.dropped,
        },
    )
    return result
