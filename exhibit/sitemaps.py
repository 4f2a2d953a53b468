"""``sitemap.xml``: every published page, with its last modification (django.contrib.sitemaps).

Each section lists the ``published()`` queryset of its model: drafts, pages scheduled for
later, and essays, images and entities that no published page shows never appear.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from exhibit.models import Entity, Essay, Exhibit, Image, Repository, Section
from exhibit.models.entities import KIND_PATHS


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


class RepositorySitemap(PublicSitemap):
    model = Repository
    priority = 0.3


class IndexSitemap(PublicSitemap):
    """The pages that list and lead into the content: they change with it, so no lastmod."""

    priority = 0.6

    def items(self):
        kinds = [f"exhibit:{kind}_list" for kind in KIND_PATHS.values()]
        return [
            "exhibit:home",
            "exhibit:exhibit_list",
            "exhibit:entity_list",
            *kinds,
            "exhibit:repository_list",
            "exhibit:timeline",
            "exhibit:map",
        ]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return None


SITEMAPS = {
    "pages": IndexSitemap,
    "exhibits": ExhibitSitemap,
    "sections": SectionSitemap,
    "essays": EssaySitemap,
    "images": ImageSitemap,
    "entities": EntitySitemap,
    "repositories": RepositorySitemap,
}
