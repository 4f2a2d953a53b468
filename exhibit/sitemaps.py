"""``sitemap.xml``: every published page, with its last modification (django.contrib.sitemaps).

Each section lists the ``published()`` queryset of its model: drafts, pages scheduled for
later, and essays, images and entities that no published page shows never appear.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from exhibit.models import Entity, Essay, Exhibit, Image, Section


class PublicSitemap(Sitemap):
    """Absolute URLs on ``SITE_URL`` when it is set, else on the request's host."""

    model = None
    fields = ("slug", "modified")

    def items(self):
        return self.model.objects.published().only(*self.fields).order_by("pk")

    def lastmod(self, item):
        return item.modified

    def get_protocol(self, protocol=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).netloc
        return super().get_domain(site)


class ExhibitSitemap(PublicSitemap):
    model = Exhibit
    priority = 0.9


class SectionSitemap(PublicSitemap):
    model = Section

    def items(self):
        return (
            Section.objects.published()
            .select_related("exhibit")
            .only("slug", "modified", "exhibit__slug")
            .order_by("pk")
        )


class EssaySitemap(PublicSitemap):
    model = Essay
    priority = 0.8


class ImageSitemap(PublicSitemap):
    model = Image


class EntitySitemap(PublicSitemap):
    model = Entity
    priority = 0.4


SITEMAPS = {
    "exhibits": ExhibitSitemap,
    "sections": SectionSitemap,
    "essays": EssaySitemap,
    "images": ImageSitemap,
    "entities": EntitySitemap,
}
