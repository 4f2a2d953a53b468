"""Where files live: public media (derivatives) and private files (originals, IIIF tiles).

Public media goes through Django's default storage: a local folder, or an S3-compatible bucket
(``MEDIA_STORAGE=s3``, ``exhibit.storage_s3``) that several app servers share. Private files
stay on the local filesystem under ``PRIVATE_ROOT``.
"""

import os
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

# What public media may be served as. Anything else is sent as a download of bytes, so no file
# in the media store can ever become a page or a script for a browser.
SAFE_MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


def safe_media_headers(name: str) -> dict:
    """``Content-Type`` (and ``Content-Disposition`` when not an image) for a public file."""
    suffix = PurePosixPath(name).suffix.lower()
    content_type = SAFE_MEDIA_TYPES.get(suffix)
    if content_type is None:
        return {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"}
    headers = {"ContentType": content_type}
    if not content_type.startswith("image/"):
        headers["ContentDisposition"] = "attachment"
    return headers


def media_is_local() -> bool:
    """Whether public media has filesystem paths (FileSystemStorage) or lives remotely."""
    try:
        default_storage.path("")
    except NotImplementedError:
        return False
    return True


def rendition_name(checksum: str, width: int, extension: str) -> str:
    return f"derivatives/{checksum[:2]}/{checksum}/{width}.{extension}"


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
    """The local derivatives folder; only for local media (see ``media_is_local``)."""
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
