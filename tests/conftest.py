import hashlib
import importlib
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.factories import make_user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes files into its own folder: ``media/`` (public) and ``private/``."""
    root = tmp_path / "files"
    settings.MEDIA_ROOT = root / "media"
    settings.PRIVATE_ROOT = root / "private"
    settings.MEDIA_ROOT.mkdir(parents=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    yield root
    shutil.rmtree(root, ignore_errors=True)


# The rows data migrations make (roles and their permissions, the script user), in order.
MIGRATION_DATA = [
    ("exhibit.migrations.0002_roles", "create_roles"),
    ("exhibit.migrations.0004_annotation_roles", "grant"),
    ("exhibit.migrations.0010_history_baseline", "grant_audit_view"),
    ("exhibit.migrations.0012_site", "grant"),
]


def restore_migration_data():
    from django.apps import apps

    # The migrations' functions expect migration state, whose apps have no models module, and
    # set it to None after creating permissions: keep the real registry's as they were.
    modules = {config.label: config.models_module for config in apps.get_app_configs()}
    try:
        for module, function in MIGRATION_DATA:
            getattr(importlib.import_module(module), function)(apps, None)
    finally:
        for config in apps.get_app_configs():
            config.models_module = modules[config.label]


@pytest.fixture(autouse=True)
def migration_data(request):
    """Put back what the data migrations made, if a transactional test flushed it.

    A transactional test (browser, live server) empties the database when it ends. Run alone,
    pytest-django orders those tests last; spread over several workers (pytest-xdist) others
    follow them, and would miss the roles and the script user.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or names & {"db", "django_db_reset_sequences"}:
        request.getfixturevalue("db")
    else:
        yield
        return
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="script").exists():
        restore_migration_data()
    yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (the IIIF views remember visibility)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def curator(db):
    return make_user("curator", group="Curator")


@pytest.fixture
def editor(db):
    return make_user("editor", group="Editor")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def media_files(root):
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    )


@pytest.fixture(scope="session")
def built_images(tmp_path_factory):
    """Tiles and renditions already made in this test run, by the original's SHA-256."""
    return tmp_path_factory.mktemp("built-images")


@pytest.fixture
def reuse_built_images(monkeypatch, built_images):
    """Each demo image is tiled once per test worker, not once per test that loads the demo.

    The files depend only on the original's bytes (``info.json`` carries a placeholder id), so
    a copy of the first build is what a second build would write; image processing itself is
    tested without this shortcut.
    """
    from exhibit.services import imaging

    build = imaging.build_image_files

    def build_once(path, renditions_dir, tiles_dir):
        cached = built_images / hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if not (cached / "renditions.json").exists():
            shutil.rmtree(cached, ignore_errors=True)
            (cached / "renditions").mkdir(parents=True)
            renditions = build(path, cached / "renditions", cached / "tiles")
            (cached / "renditions.json").write_text(json.dumps(renditions))
        shutil.copytree(cached / "renditions", renditions_dir, dirs_exist_ok=True)
        shutil.copytree(cached / "tiles", tiles_dir)
        return json.loads((cached / "renditions.json").read_text())

    monkeypatch.setattr(imaging, "build_image_files", build_once)
