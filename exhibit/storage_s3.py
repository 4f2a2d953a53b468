"""Public media in an S3-compatible bucket (``MEDIA_STORAGE=s3``).

A module of its own so django-storages and boto3 load only when the setting asks for them.
"""

from storages.backends.s3 import S3Storage

from exhibit.storage import safe_media_headers


class PublicMediaS3Storage(S3Storage):
    """Every object gets a ``Content-Type`` from a short allowlist, never the uploader's.

    django-storages would guess the type from the name or take the one the browser sent; here
    anything outside the allowlist is stored as ``application/octet-stream`` with
    ``Content-Disposition: attachment``, so the bucket never serves HTML or script.
    """

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), **safe_media_headers(name)}
