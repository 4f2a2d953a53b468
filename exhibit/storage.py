"""Where files live: public media (derivatives) and private files (originals, IIIF tiles)."""

import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_ROOT``: never given a URL, served only through checking views.

    The location is read from settings on every use, so tests and deployments can move it.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        """Staff-only: the admin serves private originals to those who may view images."""
        from django.urls import reverse

        return reverse("admin:exhibit_image_original", kwargs={"name": name})


private_storage = PrivateStorage()


def get_private_storage():
    return private_storage


def tiles_root() -> Path:
    return Path(settings.PRIVATE_ROOT) / "iiif"


def derivatives_root() -> Path:
    return Path(default_storage.path("derivatives"))


@contextmanager
def local_path(field_file):
    """A filesystem path for a stored file (a real one for FileSystemStorage)."""
    try:
        yield field_file.path
    except NotImplementedError:  # a remote storage: copy it down first
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=Path(field_file.name).suffix) as handle:
            with field_file.open("rb") as source:
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    handle.write(chunk)
            handle.flush()
            yield handle.name
