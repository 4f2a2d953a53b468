"""Public index pages across exhibits: repositories, the timeline, the map of places."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.views.generic import DetailView, ListView, TemplateView

from exhibit.models import Annotation, ArchivalReference, Block, Entity, Essay, Image, Repository
from exhibit.services.places import map_settings, timeline


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


class TimelineView(TemplateView):
    """Published events and dated published images in the order they happened."""

    template_name = "exhibit/timeline.html"

    def get_context_data(self, **kwargs):
        events = (
            Entity.objects.published()
            .filter(kind=Entity.Kind.EVENT, date_earliest__isnull=False)
            .only("kind", "name", "slug", "date", "description")
        )
        images = Image.objects.published().filter(date_earliest__isnull=False)
        decades = timeline(list(events), list(images))
        return super().get_context_data(
            decades=decades, count=sum(len(decade.entries) for decade in decades), **kwargs
        )


class MapView(TemplateView):
    """Published places with coordinates: a list that a script turns into a map."""

    template_name = "exhibit/map.html"

    def get_context_data(self, **kwargs):
        places = (
            Entity.objects.published()
            .filter(kind=Entity.Kind.PLACE, latitude__isnull=False, longitude__isnull=False)
            .only("kind", "name", "slug", "date", "description", "latitude", "longitude")
            .order_by("name")
        )
        return super().get_context_data(places=list(places), map_settings=map_settings(), **kwargs)
