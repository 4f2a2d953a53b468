"""IIIF Presentation API 3.0 manifests (being written)."""

from django.http import Http404


def image_manifest(request, slug):
    raise Http404


def exhibit_manifest(request, slug):
    raise Http404
