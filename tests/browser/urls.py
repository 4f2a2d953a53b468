"""The site's URLs plus media and static files, for the live server the browser tests drive.

Tests run with DEBUG off, where ``config.urls`` serves no media; the browser needs the images.
"""

from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import re_path
from django.views.static import serve as serve_media

from config.urls import urlpatterns as site_urlpatterns


def _prefix(url):
    return url.lstrip("/")


urlpatterns = [
    re_path(
        rf"^{_prefix(settings.MEDIA_URL)}(?P<path>.*)$",
        lambda request, path: serve_media(request, path, document_root=settings.MEDIA_ROOT),
    ),
    re_path(
        rf"^{_prefix(settings.STATIC_URL)}(?P<path>.*)$",
        serve_static,
        {"insecure": True},
    ),
    *site_urlpatterns,
]
