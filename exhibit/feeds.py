"""Atom feed of newly published exhibits (django.contrib.syndication)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from exhibit.models import Exhibit
from exhibit.services.metadata import site_base_url

FEED_LENGTH = 20


class NewExhibitsFeed(Feed):
    feed_type = Atom1Feed
    author_name = settings.SITE_NAME

    def get_object(self, request, *args, **kwargs):
        # The "object" of this feed is the site's origin: the feed instance is shared by
        # every request, so nothing request-specific may be stored on it.
        return site_base_url(request)

    def title(self, base):
        return f"{settings.SITE_NAME}: new exhibits"

    def subtitle(self, base):
        return f"Exhibits as they are published on {settings.SITE_NAME}."

    def link(self, base):
        return f"{base}{reverse('exhibit:exhibit_list')}"

    def feed_url(self, base):
        return f"{base}{reverse('exhibit:exhibit_feed')}"

    def items(self, base):
        exhibits = list(
            Exhibit.objects.published()
            .with_related()
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )
        for exhibit in exhibits:
            exhibit.feed_base = base
        return exhibits

    def item_title(self, exhibit):
        return f"{exhibit.title}: {exhibit.subtitle}" if exhibit.subtitle else exhibit.title

    def item_description(self, exhibit):
        return exhibit.summary

    def item_link(self, exhibit):
        return f"{exhibit.feed_base}{exhibit.get_absolute_url()}"

    def item_guid(self, exhibit):
        # A tag URI from the primary key: an entry keeps its identity when the slug changes.
        host = exhibit.feed_base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return f"tag:{host},{exhibit.published_at:%Y-%m-%d}:exhibit:{exhibit.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, exhibit):
        return exhibit.published_at

    def item_updateddate(self, exhibit):
        return max(exhibit.modified, exhibit.published_at)

    def item_author_name(self, exhibit):
        return ", ".join(curator.name for curator in exhibit.curators.all()) or None
