"""Export a whole site to one archive file, and restore it into an empty instance.

The archive is a zip file holding:

- ``manifest.json``: the format name and version, the schema version (the applied migrations of
  the ``exhibit`` app), when it was made, how many objects of each model it holds, and the
  SHA-256 checksum and size of every other file in the archive;
- ``data.json``: the content, the user accounts and groups and the admin history, serialised by
  Django with natural keys (users, groups, permissions and content types by name; content
  objects keep their primary keys, which public pages show as anchors such as ``#block-12``);
- ``files/private/…``: the original of every image, byte for byte.

Renditions and IIIF tiles are derived from the originals, so they are not stored; an import
makes them again with the image pipeline.

An import verifies the whole archive before it writes anything: the zip is intact, the manifest
parses and matches this format, every file's checksum and size match the manifest, the schema
version equals this instance's, the data parses, and the target holds no content. Only then does
it write the database rows and the original files, in one transaction; if anything fails, the
rows are rolled back and the files written so far are removed.

Both write an audit event (``exported``, ``imported``) naming who ran them (commands act as
the ``script`` user), the archive's file name, its SHA-256 and size, and the object counts.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.files import File
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from exhibit import visibility

FORMAT_NAME = "exhibit-site-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_PREFIX = "files/private/"
CHUNK = 1024 * 1024

# Accounts that the migrations create in every instance: an import updates them in place.
MIGRATION_USERS = {"script"}

Progress = Callable[[int, int, str], None]


class ArchiveError(Exception):
    """The archive cannot be exported or imported; the message says why, for a person."""


@dataclass
class ExportResult:
    path: Path
    counts: dict[str, int]
    files: int
    size: int


@dataclass
class ImportResult:
    counts: dict[str, int]
    files: int
    images_ready: int = 0
    images_failed: list[str] = field(default_factory=list)


def schema_version(using=DEFAULT_DB_ALIAS) -> list[str]:
    """The applied migrations of the ``exhibit`` app, in name order."""
    recorder = MigrationRecorder(connections[using])
    return sorted(name for app, name in recorder.applied_migrations() if app == "exhibit")


def content_models():
    """The models whose rows make up the site's content: everything in the ``exhibit`` app but
    the search index (its rows and their placements), which is derived and rebuilt after an
    import, and the A-Z indexes' lines, which follow each entity as it is saved."""
    from exhibit.models import IndexName, SearchEntry, SearchPlacement

    derived = (SearchEntry, SearchPlacement, IndexName)
    return [model for model in apps.get_app_config("exhibit").get_models() if model not in derived]


def exported_models():
    """Accounts, content and the admin history, each model after those its natural keys name."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    ordered = serializers.sort_dependencies(
        [
            (apps.get_app_config("auth"), [Group]),
            (apps.get_app_config(User._meta.app_label), [User]),
            (apps.get_app_config("exhibit"), content_models()),
            (apps.get_app_config("admin"), [LogEntry]),
        ],
        allow_cycles=True,
    )
    return _targets_first(ordered)


def _targets_first(models):
    """Reorder so that every model comes after the models its foreign keys point to (where the
    keys allow it), so rows load in an order the database accepts even when it checks each
    foreign key at once."""
    pending, result = list(models), []
    while pending:
        for model in pending:
            targets = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not model
            }
            if not (targets & set(pending)):
                break
        else:
            model = pending[0]  # a cycle: keep the given order and rely on deferred checks
        pending.remove(model)
        result.append(model)
    return result


def _private_storage():
    from exhibit.storage import private_storage

    return private_storage


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _sha256_of(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# --------------------------------------------------------------------------------------- export


class _ArchiveSerializer(PythonSerializer):
    """Django's "python" serialiser, but a key without a database constraint (revision
    history's) is written as it is: it may name a row deleted since, which has no natural key
    to write, and the import puts it back as it was."""

    def handle_fk_field(self, obj, field):
        if not field.db_constraint:
            self._current[field.name] = self._value_from_field(obj, field)
            return
        super().handle_fk_field(obj, field)


def _serialise() -> tuple[list[dict], Counter]:
    """Every exported row as Django's "python" serialisation, with natural foreign keys.

    Users and groups also get natural primary keys, so an import matches the ones the
    migrations made (the ``script`` user, the Curator and Editor groups) instead of colliding.
    """
    from django.contrib.auth import get_user_model

    natural_pk = {Group, get_user_model()}
    objects, counts = [], Counter()
    for model in exported_models():
        rows = model._default_manager.order_by("pk")
        data = _ArchiveSerializer().serialize(
            rows.iterator(),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=model in natural_pk,
        )
        objects.extend(data)
        counts[model._meta.label_lower] = len(data)
    return objects, counts


def _archive_detail(path: Path, counts, files: int) -> dict:
    """What the audit log keeps of an archive: its name, checksum, size and counts."""
    with open(path, "rb") as handle:
        digest, size = _sha256_of(handle)
    try:
        run_by = getpass.getuser()  # the system account, beside the script user
    except Exception:  # no login name in this environment
        run_by = ""
    return {
        "file": path.name,
        "sha256": digest,
        "size": size,
        "counts": {label: n for label, n in sorted(dict(counts).items()) if n},
        "objects": sum(dict(counts).values()),
        "originals": files,
        "system_user": run_by,
    }


def export_site(path, *, progress: Progress | None = None, actor=None) -> ExportResult:
    """Write the whole site into a zip archive at ``path`` (replaced only once complete).

    An ``exported`` audit event names ``actor`` (commands pass the script user), the file,
    its SHA-256 and the counts; the archive itself does not hold that event.
    """
    from exhibit.models import AuditEvent, Image
    from exhibit.services.audit import record_site_event

    path = Path(path)
    objects, counts = _serialise()
    data = json.dumps(objects, cls=_Encoder, indent=1, ensure_ascii=False).encode()
    storage = _private_storage()
    originals = list(
        Image.objects.exclude(original="").order_by("pk").values_list("slug", "original")
    )
    files = {DATA: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            archive.writestr(DATA, data, compress_type=zipfile.ZIP_DEFLATED)
            for done, (slug, name) in enumerate(originals, start=1):
                if not storage.exists(name):
                    raise ArchiveError(f"The original of image “{slug}” is missing: {name}")
                member = FILES_PREFIX + name
                digest, size = hashlib.sha256(), 0
                # Scans are already compressed: stored, not deflated, and streamed in chunks.
                info = zipfile.ZipInfo(member, date_time=timezone.now().timetuple()[:6])
                info.compress_type = zipfile.ZIP_STORED
                with (
                    storage.open(name, "rb") as source,
                    archive.open(info, "w", force_zip64=True) as target,
                ):
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                files[member] = {"sha256": digest.hexdigest(), "size": size}
                if progress:
                    progress(done, len(originals), slug)
            manifest = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "schema_version": {"exhibit": schema_version()},
                "created": timezone.now().isoformat(),
                "counts": dict(counts),
                "files": files,
            }
            archive.writestr(
                MANIFEST, json.dumps(manifest, indent=1), compress_type=zipfile.ZIP_DEFLATED
            )
        detail = _archive_detail(Path(temporary), counts, len(originals))
        detail["file"] = path.name
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    record_site_event(actor, AuditEvent.Action.EXPORTED, path.name, detail)
    return ExportResult(
        path=path, counts=dict(counts), files=len(originals), size=path.stat().st_size
    )


# --------------------------------------------------------------------------------------- import


@dataclass
class VerifiedArchive:
    manifest: dict
    objects: list[dict]
    originals: dict[str, str]  # storage name -> archive member


def _open_archive(path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError as error:
        raise ArchiveError(f"No such file: {path}") from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise ArchiveError(
            f"{path} is not a readable site archive (damaged or truncated zip: {error})."
        ) from error


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        raw = archive.read(MANIFEST)
    except KeyError as error:
        raise ArchiveError("The archive has no manifest.json: it is not a site archive.") from error
    try:
        manifest = json.loads(raw)
    except ValueError as error:
        raise ArchiveError(f"The archive's manifest.json does not parse: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ArchiveError(f"manifest.json does not describe an {FORMAT_NAME}.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"The archive is format version {manifest.get('format_version')!r}; this instance "
            f"reads version {FORMAT_VERSION}."
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or DATA not in files:
        raise ArchiveError("manifest.json lists no data.json.")
    for name, entry in files.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
        ):
            raise ArchiveError(f"manifest.json has no checksum and size for {name}.")
    return manifest


def _check_schema(manifest: dict) -> None:
    theirs = (manifest.get("schema_version") or {}).get("exhibit")
    ours = schema_version()
    if theirs != ours:
        theirs = theirs or []
        missing = sorted(set(theirs) - set(ours))
        extra = sorted(set(ours) - set(theirs))
        detail = []
        if missing:
            detail.append(f"the archive has migrations this instance lacks: {', '.join(missing)}")
        if extra:
            detail.append(f"this instance has migrations the archive lacks: {', '.join(extra)}")
        raise ArchiveError(
            "The archive's schema version differs from this instance's ("
            + "; ".join(detail or ["different migrations"])
            + "). Import it into an instance at the same version (run the same release), "
            "then upgrade with migrate."
        )


def _safe_storage_name(member: str) -> str:
    name = member[len(FILES_PREFIX) :]
    parts = PurePosixPath(name).parts
    if not name or name.startswith("/") or ".." in parts or "\\" in name:
        raise ArchiveError(f"The archive holds a file with an unsafe name: {member}")
    return name


def _check_files(archive: zipfile.ZipFile, manifest: dict) -> dict[str, str]:
    listed = manifest["files"]
    present = {info.filename for info in archive.infolist() if not info.is_dir()}
    unlisted = sorted(present - set(listed) - {MANIFEST})
    if unlisted:
        raise ArchiveError(f"The archive holds files its manifest does not list: {unlisted[0]}")
    originals = {}
    for member, expected in listed.items():
        if member != DATA:
            if not member.startswith(FILES_PREFIX):
                raise ArchiveError(f"The manifest lists an unexpected file: {member}")
            originals[_safe_storage_name(member)] = member
        if member not in present:
            raise ArchiveError(f"The archive is missing {member}, which its manifest lists.")
        try:
            with archive.open(member) as handle:
                digest, size = _sha256_of(handle)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise ArchiveError(f"{member} in the archive is damaged: {error}") from error
        if size != expected["size"]:
            raise ArchiveError(
                f"{member} is {size} bytes; the manifest says {expected['size']}: the archive "
                "is damaged or truncated."
            )
        if digest != expected["sha256"]:
            raise ArchiveError(
                f"{member} does not match its SHA-256 checksum in the manifest: the archive is "
                "damaged or was altered."
            )
    return originals


def _check_data(archive: zipfile.ZipFile, manifest: dict, originals: dict) -> list[dict]:
    try:
        objects = json.loads(archive.read(DATA))
    except ValueError as error:
        raise ArchiveError(f"data.json does not parse: {error}") from error
    allowed = {model._meta.label_lower for model in exported_models()}
    if not isinstance(objects, list) or not all(
        isinstance(o, dict) and isinstance(o.get("fields"), dict) for o in objects
    ):
        raise ArchiveError("data.json is not a list of serialised objects.")
    counts = Counter(o.get("model") for o in objects)
    unknown = sorted(str(label) for label in counts if label not in allowed)
    if unknown:
        raise ArchiveError(f"data.json holds objects this instance does not know: {unknown[0]}")
    expected = {label: n for label, n in (manifest.get("counts") or {}).items() if n}
    if dict(counts) != expected:
        raise ArchiveError("data.json does not hold the numbers of objects its manifest lists.")
    for obj in objects:
        if obj["model"] != "exhibit.image" or not obj["fields"].get("original"):
            continue
        name = obj["fields"]["original"]
        member = originals.get(name)
        if member is None:
            raise ArchiveError(f"The archive lacks the original of image {obj.get('pk')}: {name}")
        if manifest["files"][member]["sha256"] != obj["fields"].get("checksum"):
            raise ArchiveError(f"The original {name} does not match its image's checksum.")
    return objects


def _check_target_empty(objects: list[dict], originals: dict) -> None:
    for model in content_models():
        if model._default_manager.exists():
            raise ArchiveError(
                f"This instance already holds content ({model._meta.verbose_name_plural} and "
                "perhaps more): import only into an empty instance (a new database, after "
                "migrate)."
            )
    from django.contrib.auth import get_user_model

    User = get_user_model()
    field = User.USERNAME_FIELD
    usernames = {
        o["fields"].get(field) for o in objects if o["model"] == User._meta.label_lower
    } - MIGRATION_USERS
    clashes = sorted(
        User._default_manager.filter(**{f"{field}__in": usernames}).values_list(field, flat=True)
    )
    if clashes:
        raise ArchiveError(
            f"This instance already has the account {clashes[0]!r}, which the archive also "
            "holds: import into a new database and create other accounts afterwards."
        )
    storage = _private_storage()
    for name in originals:
        if storage.exists(name):
            raise ArchiveError(f"The file {name} already exists under PRIVATE_ROOT.")


def verify_archive(path) -> VerifiedArchive:
    """Check everything an import needs, writing nothing; raise ArchiveError if it fails."""
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive)
        _check_schema(manifest)
        originals = _check_files(archive, manifest)
        objects = _check_data(archive, manifest, originals)
    _check_target_empty(objects, originals)
    return VerifiedArchive(manifest=manifest, objects=objects, originals=originals)


def _load_objects(objects: list[dict], using: str) -> Counter:
    """Save every object as ``loaddata`` does: raw, so timestamps and stored HTML stay as they
    were and no model's ``save()`` runs (no new essay revisions, no re-rendering)."""
    counts = Counter()
    deferred = []
    loaded_models = set()
    for item in serializers.deserialize(
        "python", objects, using=using, handle_forward_references=True
    ):
        model = type(item.object)
        if model is LogEntry:
            item.object.pk = None  # history rows get new ids beside any the target has
        # The archive holds the history as it was: setting links writes no new versions.
        item.object.skip_history_when_saving = True
        item.save(using=using)
        if item.deferred_fields:
            deferred.append(item)
        counts[model._meta.label_lower] += 1
        loaded_models.add(model)
    for item in deferred:
        item.save_deferred_fields(using=using)
    # PostgreSQL's sequences must move past the primary keys just written.
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(loaded_models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    return counts


def import_site(
    path,
    *,
    dry_run: bool = False,
    rebuild_images: bool = True,
    progress: Progress | None = None,
    actor=None,
) -> ImportResult:
    """Restore the archive at ``path`` into this (empty) instance.

    With ``dry_run`` the archive is only verified. Renditions and tiles are rebuilt afterwards
    unless ``rebuild_images`` is false (then run ``rebuild_images`` later). An ``imported``
    audit event, written with the rows, names ``actor`` (commands pass the script user), the
    archive's file name, its SHA-256 and the counts.
    """
    from exhibit.models import AuditEvent
    from exhibit.services.audit import record_site_event

    verified = verify_archive(path)
    counts = Counter(o["model"] for o in verified.objects)
    if dry_run:
        return ImportResult(counts=dict(counts), files=len(verified.originals))
    using = DEFAULT_DB_ALIAS
    storage = _private_storage()
    written = []
    try:
        with transaction.atomic(using=using), _open_archive(path) as archive:
            counts = _load_objects(verified.objects, using)
            # Raw saves tell no receiver: derive what visitors may see from the rows loaded.
            visibility.recompute_all()
            for name, member in verified.originals.items():
                with archive.open(member) as source:
                    saved = storage.save(name, File(source, name=name))
                written.append(saved)
                if saved != name:
                    raise ArchiveError(f"Could not write {name} under PRIVATE_ROOT.")
            detail = _archive_detail(Path(path), counts, len(written))
            detail["created"] = verified.manifest.get("created")
            if actor is not None:  # the script user's row was just rewritten from the archive
                actor = type(actor)._default_manager.filter(pk=actor.pk).first()
            record_site_event(actor, AuditEvent.Action.IMPORTED, Path(path).name, detail)
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    result = ImportResult(counts=dict(counts), files=len(written))
    from exhibit.services import search

    search.rebuild()
    if rebuild_images:
        rebuild_derivatives(result, progress=progress)
    return result


def rebuild_derivatives(result: ImportResult, *, progress: Progress | None = None) -> None:
    """Make every imported image's renditions and IIIF tiles with the image pipeline."""
    from exhibit.models import Image
    from exhibit.services.imaging import process_image

    images = list(Image.objects.exclude(original="").order_by("pk"))
    for done, image in enumerate(images, start=1):
        if process_image(image, force=True):
            result.images_ready += 1
        else:
            result.images_failed.append(f"{image.slug}: {image.processing_error}")
        if progress:
            progress(done, len(images), image.slug)
