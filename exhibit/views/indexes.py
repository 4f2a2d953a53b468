"""Public index pages across exhibits: repositories, the timeline, the map of places."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, F, IntegerField, OuterRef, Subquery, When
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from exhibit.models import Annotation, ArchivalReference, Block, Entity, Essay, Image, Repository
from exhibit.params import whole_number
from exhibit.services.places import map_settings, timeline
from exhibit.views.pages import NumberedPagesMixin


def published_reference_count():
    """How many published references a repository holds, as an annotation (one subquery)."""
    counts = (
        ArchivalReference.objects.published()
        .filter(repository=OuterRef("pk"))
        .order_by()
        .values("repository")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class RepositoryListView(ListView):
    template_name = "exhibit/repository_list.html"
    context_object_name = "repositories"

    def get_queryset(self):
        return Repository.objects.published().annotate(reference_count=published_reference_count())


class RepositoryDetailView(DetailView):
    """A repository's published holdings: each reference with the images held under it and
    where the exhibits cite it (essays, notes, quotations)."""

    template_name = "exhibit/repository_detail.html"
    context_object_name = "repository"

    def get_queryset(self):
        return Repository.objects.published()

    def get_context_data(self, **kwargs):
        repository = self.object
        references = list(
            ArchivalReference.objects.published()
            .filter(repository=repository)
            .order_by("fond", "opis", "delo", "collection", "box", "folder", "item", "pk")
        )
        images = Image.objects.published().filter(archival_reference__repository=repository)
        essays = (
            Essay.references.through.objects.filter(
                archivalreference__repository=repository,
                essay__in=Essay.objects.published(),
            )
            .select_related("essay")
            .defer("essay__body", "essay__body_html", "essay__headings", "essay__abstract")
            .order_by("essay__title")
        )
        notes = (
            Annotation.references.through.objects.filter(
                archivalreference__repository=repository,
                annotation__in=Annotation.objects.published(),
            )
            .select_related("annotation__essay", "annotation__image")
            .defer(
                "annotation__essay__body",
                "annotation__essay__body_html",
                "annotation__essay__headings",
                "annotation__essay__abstract",
            )
            .order_by("annotation__essay__title", "annotation__start", "annotation__pk")
        )
        quotations = (
            Block.objects.published()
            .filter(quote_reference__repository=repository)
            .select_related("section__exhibit")
            .order_by("section__exhibit__title", "section__order", "order")
        )
        by_pk = {reference.pk: reference for reference in references}
        for reference in references:
            reference.repository = repository  # spare a query per citation
            reference.held_images, reference.cited_in_essays = [], []
            reference.cited_in_notes, reference.quoted_in = [], []
        for image in images:
            by_pk[image.archival_reference_id].held_images.append(image)
        for link in essays:
            by_pk[link.archivalreference_id].cited_in_essays.append(link.essay)
        for link in notes:
            by_pk[link.archivalreference_id].cited_in_notes.append(link.annotation)
        for block in quotations:
            by_pk[block.quote_reference_id].quoted_in.append(block)
        for reference in references:
            reference.held_images.sort(key=lambda image: image.title)
        return super().get_context_data(references=references, **kwargs)


def timeline_day():
    """The day a dated object is placed at on the timeline, as the database computes it: its
    earliest day, or, for a date with no known beginning ("before 1930", stored from
    ``date.min``), its latest (``ApproximateDate.sort_date``)."""
    return Case(
        When(date_earliest=dt.date.min, then=F("date_latest")),
        default=F("date_earliest"),
        output_field=DateField(),
    )


def dated(queryset):
    return queryset.filter(date_earliest__isnull=False).annotate(timeline_day=timeline_day())


@dataclass(frozen=True)
class DecadeLink:
    start: int
    count: int

    @property
    def label(self):
        return f"{self.start}s"


class TimelineView(TemplateView):
    """Published events and dated published images in the order they happened, one decade at
    a time (``?decade=1920``; by default the first with entries). A bar names every decade
    with its count. Three queries whatever the collection holds: the decades (one grouped
    query over events and images), the decade's events, its images."""

    template_name = "exhibit/timeline.html"

    def decades(self):
        # Integer division on both databases (PostgreSQL's EXTRACT answers a numeric).
        decade = Cast(ExtractYear("timeline_day"), IntegerField()) / 10 * 10
        events = (
            dated(Entity.objects.published().filter(kind=Entity.Kind.EVENT))
            .annotate(decade=decade)
            .order_by()
            .values("decade")
            .annotate(count=Count("pk"))
        )
        images = (
            dated(Image.objects.published())
            .annotate(decade=decade)
            .order_by()
            .values("decade")
            .annotate(count=Count("pk"))
        )
        counts = {}
        for row in events.union(images, all=True):
            counts[row["decade"]] = counts.get(row["decade"], 0) + row["count"]
        return [DecadeLink(start, count) for start, count in sorted(counts.items())]

    def get_context_data(self, **kwargs):
        decades = self.decades()
        asked = self.request.GET.get("decade")
        if asked is None:
            current = decades[0] if decades else None
        else:
            year = whole_number(asked)
            current = next((d for d in decades if d.start == year), None)
            if current is None:
                raise Http404("No such decade on the timeline")
        entries = []
        if current:
            days = (dt.date(current.start, 1, 1), dt.date(current.start + 9, 12, 31))
            events = (
                dated(Entity.objects.published().filter(kind=Entity.Kind.EVENT))
                .filter(timeline_day__range=days)
                .only("kind", "name", "slug", "date", "description")
            )
            images = dated(Image.objects.published()).filter(timeline_day__range=days)
            entries = [e for found in timeline(list(events), list(images)) for e in found.entries]
        position = decades.index(current) if current else 0
        return super().get_context_data(
            decades=decades,
            decade=current,
            entries=entries,
            previous=decades[position - 1] if current and position > 0 else None,
            next=decades[position + 1] if current and position + 1 < len(decades) else None,
            asked=asked is not None,
            count=sum(decade.count for decade in decades),
            **kwargs,
        )


def mapped_places():
    return Entity.objects.published().filter(
        kind=Entity.Kind.PLACE, latitude__isnull=False, longitude__isnull=False
    )


class MapView(NumberedPagesMixin, ListView):
    """The map of places: a script draws every published place with coordinates, fetched as
    GeoJSON (``map_places``) and clustered; below it, the places as a list that works
    without the script, ``paginate_by`` a page (``?page=``). Two queries: the count, the page."""

    template_name = "exhibit/map.html"
    context_object_name = "places"
    paginate_by = 100

    def get_queryset(self):
        return (
            mapped_places()
            .only("kind", "name", "slug", "description", "latitude", "longitude")
            .order_by("name", "pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(map_settings=map_settings(), **kwargs)


# A visitor's browser and shared caches may keep the places a few minutes.
PLACES_MAX_AGE = 300


@require_GET
@cache_control(public=True, max_age=PLACES_MAX_AGE)
def map_places(request):
    """``/map/places.geojson``: every published place with coordinates, as a GeoJSON
    FeatureCollection (RFC 7946: longitude first) with each place's name and page. One query;
    names are data, which the map's script shows as text."""
    rows = mapped_places().order_by("pk").values_list("name", "slug", "latitude", "longitude")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(longitude), float(latitude)]},
            "properties": {
                "name": name,
                "url": reverse("exhibit:entity_detail", kwargs={"slug": slug}),
            },
        }
        for name, slug, latitude, longitude in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
