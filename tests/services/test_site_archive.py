"""export_site / import_site: a whole site survives the round trip; bad archives are refused."""

import hashlib
import io
import json
import re
import shutil
import zipfile

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection

from exhibit.models import Annotation, AuditEvent, Block, EssayRevision, Exhibit, Image
from exhibit.services import site_archive
from exhibit.services.site_archive import ArchiveError, export_site, import_site, verify_archive
from tests.conftest import media_files, restore_migration_data
from tests.crawl import crawl
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


def empty_instance():
    """What a new instance is after ``migrate``: no content, no accounts but the migrations'
    ``script`` user and the Curator and Editor groups, fresh content types, no files."""
    if connection.vendor == "postgresql":
        # Inside the test's transaction: settle deferred foreign-key checks so TRUNCATE may run.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()  # flushing made new content types, with new ids
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    # Flushing removed what the data migrations made (roles, the script user): make it again.
    restore_migration_data()
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_ROOT):
        shutil.rmtree(root, ignore_errors=True)
    settings.MEDIA_ROOT.mkdir(parents=True)
    cache.clear()


def database_state():
    return {
        model._meta.label: model._default_manager.count()
        for model in site_archive.exported_models()
    }


def file_state():
    root = settings.MEDIA_ROOT.parent
    return {name: (root / name).read_bytes() for name in media_files(root)}


@pytest.fixture(autouse=True)
def fresh_content_type_cache():
    """The test's rollback brings back the content types a flush replaced: forget the others."""
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def demo(media_root, reuse_built_images):
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def small_site(media_root):
    """Enough of every kind of content to exercise the archive, quicker to build than the demo."""
    exhibit = make_exhibit(cover_image=make_image())
    section = make_section(exhibit)
    make_block(section, kind=Block.Kind.IMAGE, image=make_image())
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay())
    alice = make_user("alice", group="Curator")
    LogEntry.objects.create(
        user=alice,
        content_type=ContentType.objects.get_for_model(Exhibit),
        object_id=str(exhibit.pk),
        object_repr=str(exhibit),
        action_flag=ADDITION,
    )
    return exhibit


@pytest.fixture
def archive(small_site, tmp_path):
    path = tmp_path / "site.zip"
    export_site(path)
    return path


def test_round_trip_keeps_every_public_page_identical(demo, tmp_path):
    essay_revision = EssayRevision.objects.get()
    before = crawl()
    annotations = {
        str(a.uuid): (a.start, a.end, a.anchoring, a.revision_id, a.modified)
        for a in Annotation.objects.all()
    }
    exhibits = {e.slug: (e.created, e.modified) for e in Exhibit.objects.all()}
    # A page of every kind was reached, including the machine-readable ones.
    kinds = {re.sub(r"/[^/]+/?$", "/…", path) for path in before}
    assert len(before) > 150, sorted(kinds)
    for expected in ("/exhibits/", "/essays/", "/images/", "/entities/", "/annotations/"):
        assert any(path.startswith(expected) for path in before), expected
    assert any(path.endswith("/info.json") for path in before)
    assert any(path.startswith("/iiif/manifests/exhibits/") for path in before)
    assert any("/revisions/" in path for path in before)
    assert any(path.startswith("/renditions/") for path in before)
    assert any(path.endswith("/default.jpg") for path in before)
    assert all(status < 400 for status, _, _ in before.values()), [
        path for path, (status, _, _) in before.items() if status >= 400
    ]

    path = tmp_path / "site.zip"
    export_site(path)
    empty_instance()
    assert not Exhibit.objects.exists() and not Image.objects.exists()
    assert crawl()["/"][2] != before["/"][2]

    result = import_site(path)

    assert not result.images_failed
    after = crawl()
    assert sorted(after) == sorted(before)
    for page, (status, kind, body) in before.items():
        assert after[page] == (status, kind, body), page
    # Anchoring state and timestamps came through verbatim, not recomputed by save().
    assert {
        str(a.uuid): (a.start, a.end, a.anchoring, a.revision_id, a.modified)
        for a in Annotation.objects.all()
    } == annotations
    assert {e.slug: (e.created, e.modified) for e in Exhibit.objects.all()} == exhibits
    restored = EssayRevision.objects.get()
    assert (restored.body, restored.created) == (essay_revision.body, essay_revision.created)
    # Accounts by natural key: the migrations' script user was updated, not duplicated.
    assert User.objects.filter(username="script").count() == 1
    assert LogEntry.objects.filter(user__username="script").count() > 100
    assert set(Group.objects.values_list("name", flat=True)) == {"Curator", "Editor"}


def test_import_moves_the_database_sequences_past_the_restored_keys(archive):
    empty_instance()
    import_site(archive, rebuild_images=False)
    highest = Exhibit.objects.order_by("-pk").first().pk
    created = Exhibit.objects.create(title="After the restore", slug="after", summary="New.")
    assert created.pk > highest


def test_manifest_lists_checksums_schema_version_and_counts(archive):
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "exhibit-site-archive"
        assert manifest["format_version"] == 1
        assert manifest["schema_version"]["exhibit"] == site_archive.schema_version()
        assert manifest["counts"]["exhibit.image"] == Image.objects.count()
        originals = [name for name in manifest["files"] if name.startswith("files/private/")]
        assert len(originals) == Image.objects.count()
        for name, entry in manifest["files"].items():
            data = zf.read(name)
            assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        data = json.loads(zf.read("data.json"))
        # Natural keys: users by name, content types by app and model, exhibits by slug.
        section = next(o for o in data if o["model"] == "exhibit.section")
        assert isinstance(section["fields"]["exhibit"], list)
        log = next(o for o in data if o["model"] == "admin.logentry")
        assert log["fields"]["user"] == ["alice"]
        assert log["fields"]["content_type"] == ["exhibit", "exhibit"]
        alice = next(
            o for o in data if o["model"] == "auth.user" and o["fields"]["username"] == "alice"
        )
        assert alice["fields"]["groups"] == [["Curator"]]
        assert not any(name.startswith("files/private/iiif") for name in zf.namelist())
        # The search index is derived, rows and placements alike: rebuilt after an import.
        assert not {"exhibit.searchentry", "exhibit.searchplacement"} & {o["model"] for o in data}


# ------------------------------------------------------------------- refused, nothing written


def _rewrite(source, target, change):
    """Copy the archive, letting ``change(name, data)`` return new bytes or None to drop."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def _assert_refused(path, match):
    state, files = database_state(), file_state()
    with pytest.raises(ArchiveError, match=match):
        import_site(path)
    assert database_state() == state
    assert file_state() == files


@pytest.fixture
def empty_target(archive):
    empty_instance()
    return archive


def test_truncated_archive_is_refused(empty_target, tmp_path):
    truncated = tmp_path / "truncated.zip"
    data = empty_target.read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    _assert_refused(truncated, "damaged or truncated")


def test_flipped_byte_in_an_image_is_refused(empty_target, tmp_path):
    with zipfile.ZipFile(empty_target) as zf:
        member = next(n for n in zf.namelist() if n.startswith("files/"))
        info = zf.getinfo(member)
    data = bytearray(empty_target.read_bytes())
    # A byte in the middle of the stored (uncompressed) image data.
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 500
    data[offset] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    _assert_refused(damaged, "damaged")


def test_altered_image_with_a_valid_zip_is_refused_by_its_checksum(empty_target, tmp_path):
    def change(name, data):
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("files/") else data

    _assert_refused(_rewrite(empty_target, tmp_path / "a.zip", change), "SHA-256")


def test_archive_without_manifest_is_refused(empty_target, tmp_path):
    def change(name, data):
        return None if name == "manifest.json" else data

    _assert_refused(_rewrite(empty_target, tmp_path / "m.zip", change), "no manifest")


def test_archive_with_a_missing_original_is_refused(empty_target, tmp_path):
    def change(name, data):
        return None if name.startswith("files/") else data

    path = _rewrite(empty_target, tmp_path / "o.zip", change)
    _assert_refused(path, "missing")


def test_other_schema_version_is_refused(empty_target, tmp_path):
    def change(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["schema_version"]["exhibit"].append("0099_from_the_future")
        return json.dumps(manifest).encode()

    _assert_refused(
        _rewrite(empty_target, tmp_path / "s.zip", change), "schema version.*0099_from_the_future"
    )


def test_unparseable_data_is_refused(empty_target, tmp_path):
    def change(name, data):
        if name == "data.json":
            return b"[{"
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"]["data.json"] = {
                "sha256": hashlib.sha256(b"[{").hexdigest(),
                "size": 2,
            }
            return json.dumps(manifest).encode()
        return data

    _assert_refused(_rewrite(empty_target, tmp_path / "d.zip", change), "does not parse")


def test_non_empty_target_is_refused(archive):
    # The demo is still loaded here.
    _assert_refused(archive, "already holds content")


def test_existing_account_of_the_same_name_is_refused(archive):
    empty_instance()
    # The migrations' own account is not a clash: it is updated in place.
    verify_archive(archive)
    User.objects.create_user("alice")
    _assert_refused(archive, "already has the account 'alice'")


def test_failure_while_writing_leaves_nothing_behind(empty_target, monkeypatch):
    state, files = database_state(), file_state()
    from exhibit.storage import private_storage

    real_save, calls = private_storage.save, []

    def failing_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(private_storage, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        import_site(empty_target)
    assert database_state() == state
    assert file_state() == files


# ------------------------------------------------------------------------------- the commands


def test_commands_report_what_they_did(small_site, tmp_path):
    out = io.StringIO()
    call_command("export_site", str(tmp_path / "s.zip"), stdout=out)
    assert "Exported" in out.getvalue() and "exhibit.image: 2" in out.getvalue()
    empty_instance()
    out = io.StringIO()
    call_command("import_site", str(tmp_path / "s.zip"), "--dry-run", stdout=out)
    assert "would be imported. Nothing was written." in out.getvalue()
    assert not Exhibit.objects.exists()
    out = io.StringIO()
    call_command("import_site", str(tmp_path / "s.zip"), stdout=out)
    assert "Made renditions and tiles for 2 image(s)." in out.getvalue()
    with pytest.raises(CommandError, match=r"Refused: .*already holds content"):
        call_command("import_site", str(tmp_path / "s.zip"), stdout=io.StringIO())


def test_export_and_import_are_in_the_audit_log_as_the_script_user(small_site, tmp_path):
    path = tmp_path / "site-2026-11-26.zip"
    call_command("export_site", str(path), stdout=io.StringIO())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    exported = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert exported.actor.username == "script"
    assert exported.content_type is None and exported.object_repr == "site-2026-11-26.zip"
    assert exported.detail["file"] == "site-2026-11-26.zip"
    assert exported.detail["sha256"] == digest
    assert exported.detail["size"] == path.stat().st_size
    assert exported.detail["counts"]["exhibit.image"] == 2
    assert exported.detail["originals"] == 2
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert exported.detail["objects"] == sum(manifest["counts"].values())

    empty_instance()
    call_command("import_site", str(path), "--dry-run", stdout=io.StringIO())
    assert not AuditEvent.objects.exists()  # a dry run writes nothing, not even the log
    call_command("import_site", str(path), "--skip-images", stdout=io.StringIO())
    imported = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED)
    assert imported.actor.username == "script"
    assert imported.object_repr == "site-2026-11-26.zip"
    assert imported.detail["sha256"] == digest
    assert imported.detail["counts"] == {k: v for k, v in manifest["counts"].items() if v}
    assert imported.detail["originals"] == 2
    assert imported.detail["created"] == manifest["created"]


def test_a_refused_import_writes_no_audit_event(archive):
    with pytest.raises(CommandError, match="already holds content"):
        call_command("import_site", str(archive), stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED).exists()


def test_the_audit_log_lists_site_events_without_an_object(small_site, tmp_path, admin_client):
    call_command("export_site", str(tmp_path / "s.zip"), stdout=io.StringIO())
    response = admin_client.get("/admin/exhibit/auditevent/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Exported the site" in html and "s.zip" in html and "SHA-256 " in html


def test_history_naming_objects_deleted_since_survives_the_round_trip(media_root, tmp_path):
    """A version may link an entity, or show a cover image, deleted since: no natural key."""
    entity, cover = make_entity(name="Kazan"), make_image()
    image = make_image()
    image.entities.set([entity])
    exhibit = make_exhibit(cover_image=cover)
    exhibit.cover_image = None
    exhibit.save()
    entity_pk, cover_pk = entity.pk, cover.pk
    entity.delete()
    cover.delete()
    path = tmp_path / "site.zip"
    export_site(path)
    empty_instance()
    import_site(path, rebuild_images=False)
    version = Image.history.get(id=image.pk, history_type="+")
    assert list(version.entities.values_list("entity_id", flat=True)) == [entity_pk]
    assert Exhibit.history.filter(id=exhibit.pk, cover_image_id=cover_pk).exists()
