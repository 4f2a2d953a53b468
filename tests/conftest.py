import os
import shutil

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
