"""``sitemap.xml``: every published page, with its last modification (django.contrib.sitemaps).

``/sitemap.xml`` is a sitemap index (the protocol allows 50,000 URLs per file, and a grown
collection passes that): it names one sitemap per section below, ``/sitemap-<section>.xml``,
and each further page of a section that holds more than ``PublicSitemap.limit`` URLs as
``/sitemap-<section>.xml?p=N``. The index costs one query per section (count and latest
modification in one aggregate); a section's page two (its count, its page of items).
``?p=`` is read strictly (``exhibit/params.py``): ``?p=0``, ``?p=x`` or ``?p=١`` is a 404, never
a server error or a silent first page.

Each section lists the ``published()`` queryset of its model: drafts, pages scheduled for
later, and essays, images and entities that no published page shows never appear.
"""

from math import ceil
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import Count, Max
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from exhibit.models import Entity, Essay, Exhibit, Image, Repository, Section
from exhibit.models.entities import KIND_PATHS
from exhibit.params import whole_number
from exhibit.services.metadata import site_base_url


class PublicSitemap(Sitemap):
    """Absolute URLs on ``SITE_URL`` when it is set, else on the request's host."""

    model = None
    fields = ("slug", "modified")
    # URLs per sitemap file: well under the protocol's 50,000 (and 50 MB), so a page stays
    # quick to build; a bigger section is split into pages the index names.
    limit = 10_000

    def items(self):
        return self.model.objects.published().only(*self.fields).order_by("pk")

    def summary(self):
        """(number of pages, latest modification) in one query, for the index."""
        found = self.items().order_by().aggregate(count=Count("pk"), latest=Max("modified"))
        return max(1, ceil(found["count"] / self.limit)), found["latest"]

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

    def summary(self):
        return 1, None


SITEMAPS = {
    "pages": IndexSitemap,
    "exhibits": ExhibitSitemap,
    "sections": SectionSitemap,
    "essays": EssaySitemap,
    "images": ImageSitemap,
    "entities": EntitySitemap,
    "repositories": RepositorySitemap,
}


def page_number(request):
    """``?p=`` read strictly: 1 when absent, else a whole number from 1 up; anything else 404."""
    if "p" not in request.GET:
        return 1
    page = whole_number(request.GET["p"])
    if not page:
        raise Http404("Not a page number")
    return page


@require_GET
def sitemap_index(request):
    """``/sitemap.xml``: the sitemap index, naming each section's sitemap and its pages.

    Django's ``index`` view would build absolute URLs on the request's host and find the latest
    modification by loading every item; this one uses ``SITE_URL`` and one aggregate query per
    section, with Django's ``sitemap_index.xml`` template."""
    if page_number(request) != 1:
        raise Http404("The sitemap index has one page")
    base = site_base_url(request)
    entries, latest = [], []
    for section, sitemap_class in SITEMAPS.items():
        pages, lastmod = sitemap_class().summary()
        location = base + reverse("exhibit:sitemap_section", kwargs={"section": section})
        entries.append(SitemapIndexItem(location, lastmod))
        entries.extend(SitemapIndexItem(f"{location}?p={n}", lastmod) for n in range(2, pages + 1))
        latest.append(lastmod)
    headers = None
    if latest and all(latest):
        headers = {"Last-Modified": http_date(max(latest).timestamp())}
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": entries},
        content_type="application/xml",
        headers=headers,
    )


@require_GET
def sitemap_section(request, section):
    """``/sitemap-<section>.xml?p=N``: one page of one section (Django's ``sitemap`` view,
    after the page number has been read strictly)."""
    page = page_number(request)
    if section not in SITEMAPS:
        raise Http404("No such sitemap")
    request.GET = request.GET.copy()
    request.GET["p"] = str(page)
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS, section=section)
