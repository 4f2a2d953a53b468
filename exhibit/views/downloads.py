"""Downloads of originals (being written)."""

from django.http import Http404


def image_original(request, slug):
    raise Http404
