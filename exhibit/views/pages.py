"""Public pages. Each asks a queryset's ``published()`` (or, in staff preview, everything)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.generic import DetailView, ListView, TemplateView

from exhibit import pagecache
from exhibit.collation import code_point_order
from exhibit.models import (
    Annotation,
    ArchivalReference,
    Block,
    Entity,
    Essay,
    Exhibit,
    Image,
    IndexName,
    Section,
)
from exhibit.models.redirects import find_redirect
from exhibit.params import whole_number
from exhibit.services.anchoring import CONTEXT
from exhibit.services.highlighting import Passage, highlight_cached
from exhibit.services.metadata import section_images
from exhibit.services.places import (
    INDEX_ENTITY_FIELDS,
    INDEX_PAGE_SIZE,
    KIND_PATHS,
    IndexLine,
    KindIndex,
    letter_bar,
    map_settings,
)
from exhibit.templatetags.exhibit_tags import absolute_url

from .annotations import CONTENT_TYPE as ANNOTATION_CONTENT_TYPE


def with_note_details(annotations):
    """What a note shows beside its text: the linked entities that have a page, and the cited
    sources. Two queries however many notes (none when there are no notes)."""
    return annotations.prefetch_related(
        Prefetch("entities", queryset=Entity.objects.published().order_by("name")),
        Prefetch("references", queryset=ArchivalReference.objects.select_related("repository")),
    )


def passage_context(note):
    """The words either side of a quoted passage, from its selector's prefix and suffix: within
    its block, whole words only, with an ellipsis where the context was cut."""
    before, cut_before = note.prefix, len(note.prefix) >= CONTEXT
    if "\n\n" in before:
        before, cut_before = before.rsplit("\n\n", 1)[1], False
    elif cut_before:
        before = before.split(" ", 1)[1] if " " in before else ""
    after, cut_after = note.suffix, len(note.suffix) >= CONTEXT
    if "\n\n" in after:
        after, cut_after = after.split("\n\n", 1)[0], False
    elif cut_after:
        after = after.rsplit(" ", 1)[0] if " " in after else ""
    return ("…" if cut_before else "") + before, after + ("…" if cut_after else "")


def region_geometry(image, note):
    """Where an image note's region lies, in percent of the picture, for the SVG overlay."""
    if not (image.width and image.height and note.region):
        return None
    x, y, w, h = note.region

    def percent(value, whole):
        return f"{100 * value / whole:.4f}%"

    points = ""
    if note.polygon:
        points = " ".join(f"{px:g},{py:g}" for px, py in note.polygon)
    return {
        "x": percent(x, image.width),
        "y": percent(y, image.height),
        "width": percent(w, image.width),
        "height": percent(h, image.height),
        "points": points,
    }


class PreviewMixin(LoginRequiredMixin):
    """``preview=True`` views show unpublished content to staff who may view it in the admin.

    Public views never require a login; preview responses are marked, ``noindex`` and never
    cached, so a draft cannot leak through a shared cache.
    """

    preview = False
    preview_permission = ""
    login_url = "admin:login"

    def dispatch(self, request, *args, **kwargs):
        if not self.preview:
            response = super(LoginRequiredMixin, self).dispatch(request, *args, **kwargs)
            if response.status_code == 200:
                patch_cache_control(response, public=True, max_age=300)
            return response
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (request.user.is_staff and request.user.has_perm(self.preview_permission)):
            raise PermissionDenied("You may not preview unpublished content.")
        response = super(LoginRequiredMixin, self).dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def visible(self, queryset):
        return queryset if self.preview else queryset.published()

    def visible_blocks(self):
        """The blocks whose sections a page may name (where an essay or image appears)."""
        return Block.objects.all() if self.preview else Block.objects.published()

    def visible_annotations(self, **target):
        """Published notes on ``target``; in preview, the notes visitors will see once the
        essay or image is published (``published()`` also asks that the target be)."""
        annotations = Annotation.objects.filter(**target)
        if self.preview:
            return annotations.filter(retired=False).exclude(
                anchoring=Annotation.Anchoring.ORPHANED
            )
        return annotations.published()

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.preview, **kwargs)


class AnnotationCollectionLinkMixin:
    """Links a published essay's or image's page to its W3C annotation collection, in the
    HTML ``<head>`` (``annotation_collection``) and in an HTTP ``Link`` header.

    As ``rel="alternate"`` with the annotation media type, not the Protocol's
    ``oa#annotationService``: that relation names the container where annotations on the
    page SHOULD be created, and ours are read-only (POST is a 405). Previews link nothing: the
    collection of an unpublished essay or image is a 404.
    """

    annotations_route = ""
    annotations_title = ""

    def annotation_collection(self):
        if self.preview:
            return None
        path = reverse(self.annotations_route, kwargs={"slug": self.object.slug})
        return {
            "url": absolute_url({"request": self.request}, path),
            "type": ANNOTATION_CONTENT_TYPE,
            "title": f"{self.annotations_title} (W3C Web Annotations)",
        }

    def get_context_data(self, **kwargs):
        kwargs.setdefault("annotation_collection", self.annotation_collection())
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        link = context.get("annotation_collection")
        if link:
            media_type = link["type"].replace('"', '\\"')
            response["Link"] = (
                f'<{link["url"]}>; rel="alternate"; type="{media_type}"; title="{link["title"]}"'
            )
        return response


class SlugRedirectMixin:
    """A slug a curator has since changed answers 301 to the object's current URL.

    Only when nothing answers the slug now, and only to an object the visitor may see (its
    preview page in staff preview): an unpublished object's old URL stays a 404.
    """

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            moved = self.moved_object()
            if moved is None:
                raise
            preview = getattr(self, "preview", False)
            return HttpResponsePermanentRedirect(
                moved.get_preview_url() if preview else moved.get_absolute_url()
            )

    def moved_object(self):
        return find_redirect(self.get_queryset().order_by(), self.kwargs["slug"])


class HomeView(TemplateView):
    template_name = "exhibit/home.html"

    def get_context_data(self, **kwargs):
        published = Exhibit.objects.published().select_related("cover_image")
        return super().get_context_data(
            featured=list(published.filter(featured=True)[:3]),
            recent=list(published.order_by("-published_at")[:6]),
            **kwargs,
        )


class NumberedPagesMixin:
    """``?page=`` of a paginated list read as every number in a URL is (``params``): a page
    Django's paginator would take (``"٣"``) but that is not ASCII digits is a 404 too."""

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get(self.page_kwarg)
        if page and page != "last" and whole_number(page) is None:
            raise Http404("Pages are numbered 1, 2, 3 …")
        return super().paginate_queryset(queryset, page_size)


class ExhibitListView(NumberedPagesMixin, ListView):
    template_name = "exhibit/exhibit_list.html"
    context_object_name = "exhibits"
    paginate_by = 20

    def get_queryset(self):
        return Exhibit.objects.published().select_related("cover_image")


class ExhibitDetailView(SlugRedirectMixin, PreviewMixin, DetailView):
    template_name = "exhibit/exhibit_detail.html"
    context_object_name = "exhibit"
    preview_permission = "exhibit.view_exhibit"

    def get_queryset(self):
        sections = self.visible(Section.objects.all()).only(
            "exhibit_id", "title", "slug", "summary", "order", "status", "published_at"
        )
        return self.visible(Exhibit.objects.with_related()).prefetch_related(
            Prefetch("sections", queryset=sections, to_attr="visible_sections")
        )


class SectionDetailView(SlugRedirectMixin, PreviewMixin, DetailView):
    template_name = "exhibit/section_detail.html"
    context_object_name = "section"
    preview_permission = "exhibit.view_exhibit"

    def get_object(self, queryset=None):
        # The exhibit's curators are the authors its citation and metadata name.
        sections = self.visible(
            Section.objects.select_related("exhibit__cover_image").prefetch_related(
                "exhibit__curators"
            )
        )
        return get_object_or_404(
            sections, exhibit__slug=self.kwargs["exhibit"], slug=self.kwargs["slug"]
        )

    def moved_object(self):
        """The section under its exhibit's current slug and its own (either may be old)."""
        exhibits = self.visible(Exhibit.objects.all())
        exhibit_slug = self.kwargs["exhibit"]
        exhibit = exhibits.filter(slug=exhibit_slug).first() or find_redirect(
            exhibits, exhibit_slug
        )
        if exhibit is None:
            return None
        sections = self.visible(Section.objects.filter(exhibit=exhibit)).select_related("exhibit")
        return sections.filter(slug=self.kwargs["slug"]).first() or find_redirect(
            sections, self.kwargs["slug"]
        )

    def get_context_data(self, **kwargs):
        section = self.object
        siblings = list(
            self.visible(Section.objects.filter(exhibit_id=section.exhibit_id)).only(
                "exhibit_id", "title", "slug", "order"
            )
        )
        index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
        for sibling in siblings:
            sibling.exhibit = section.exhibit  # spare a query per link
        if self.preview:
            # Drawn by the page's own template, whose context holds the preview or review link.
            blocks = list(section.blocks.with_related())
            content = {"blocks": blocks, "section_images": section_images(blocks)}
        else:
            # Rendered once, until the section or anything a block shows changes.
            content = pagecache.fragment(
                "section-blocks",
                section.pk,
                lambda: self.blocks(section),
                tags=[pagecache.tag(section, section.pk)],
            )
        return super().get_context_data(
            exhibit=section.exhibit,
            sections=siblings,
            **content,
            previous_section=siblings[index - 1] if index > 0 else None,
            next_section=siblings[index + 1] if index + 1 < len(siblings) else None,
            **kwargs,
        )

    @staticmethod
    def blocks(section):
        """Visitors' view of the blocks: ``blocks_html``, and the images they show
        (``section_images``, for the page's metadata). An essay block shows only while its
        essay is visible."""
        blocks = [
            block
            for block in section.blocks.with_related()
            if block.kind != Block.Kind.ESSAY or block.essay.is_visible
        ]
        blocks_html = render_to_string(
            "exhibit/includes/section_blocks.html",
            {"blocks": blocks, "section": section, "exhibit": section.exhibit},
        )
        return {"blocks_html": blocks_html, "section_images": section_images(blocks)}


class EssayDetailView(SlugRedirectMixin, AnnotationCollectionLinkMixin, PreviewMixin, DetailView):
    template_name = "exhibit/essay_detail.html"
    context_object_name = "essay"
    preview_permission = "exhibit.view_essay"
    annotations_route = "exhibit:essay_annotations"
    annotations_title = "Notes on this essay"

    def get_queryset(self):
        return self.visible(Essay.objects.with_related())

    def get_context_data(self, **kwargs):
        essay = self.object
        appearances = (
            self.visible_blocks()
            .filter(essay=essay)
            .select_related("section__exhibit__cover_image")  # the page's share image
        )
        if self.preview:
            article = self.article(essay)
        else:
            # Rendered once, until the essay, one of its notes or what a note shows changes.
            article = pagecache.fragment(
                "essay-article",
                essay.pk,
                lambda: self.article(essay),
                tags=[pagecache.tag(essay, essay.pk)],
            )
        return super().get_context_data(appearances=list(appearances), **article, **kwargs)

    def article(self, essay):
        """The text with its notes' passages highlighted, and the notes: ``body_html``,
        ``notes_html`` and ``note_count``."""
        notes = list(with_note_details(self.visible_annotations(essay=essay)))
        # Built from the stored body and the notes' positions, and cached under a digest of
        # both: no query beyond the notes themselves, and an edit to either makes a new entry.
        highlighted = highlight_cached(
            essay.body_html,
            [
                Passage(str(note.uuid), note.start, note.end, note.exact)
                for note in notes
                if note.start is not None and note.end is not None
            ],
        )
        # A note whose quote is no longer at its position is not shown rather than shown on
        # other words; re-anchoring on save normally keeps the two together.
        shown = [note for note in notes if str(note.uuid) in highlighted.numbers]
        for note in shown:
            note.number = highlighted.numbers[str(note.uuid)]
        shown.sort(key=lambda note: note.number)
        notes_html = render_to_string(
            "exhibit/includes/annotation_notes.html", {"notes": shown, "target": "passage"}
        )
        return {"body_html": highlighted.html, "notes_html": notes_html, "note_count": len(shown)}


class ImageDetailView(SlugRedirectMixin, AnnotationCollectionLinkMixin, PreviewMixin, DetailView):
    template_name = "exhibit/image_detail.html"
    context_object_name = "image"
    preview_permission = "exhibit.view_image"
    annotations_route = "exhibit:image_annotations"
    annotations_title = "Notes on this image"

    def get_queryset(self):
        return self.visible(Image.objects.with_related())

    def get_context_data(self, **kwargs):
        appearances = (
            self.visible_blocks()
            .filter(Q(image=self.object) | Q(gallery=self.object))
            .select_related("section__exhibit")
            .distinct()
        )
        image = self.object
        if self.preview:
            regions = self.regions(image)
        else:
            # Rendered once, until the image, one of its notes or what a note shows changes.
            regions = pagecache.fragment(
                "image-regions",
                image.pk,
                lambda: self.regions(image),
                tags=[pagecache.tag(image, image.pk)],
            )
        return super().get_context_data(appearances=list(appearances), **regions, **kwargs)

    def regions(self, image):
        """The notes on regions of the picture: ``overlay_html`` (their outlines over it),
        ``notes_html`` (the numbered notes) and ``note_count``."""
        notes = [
            note for note in with_note_details(self.visible_annotations(image=image)) if note.region
        ]
        # Numbered in reading order of the picture: top to bottom, then left to right.
        notes.sort(key=lambda note: (note.region[1], note.region[0], note.pk))
        for number, note in enumerate(notes, 1):
            note.number = number
            note.geometry = region_geometry(image, note)
        context = {"notes": notes, "image": image, "target": "region"}
        overlay = notes and image.display
        return {
            "overlay_html": render_to_string("exhibit/includes/region_overlay.html", context)
            if overlay
            else "",
            "notes_html": render_to_string("exhibit/includes/annotation_notes.html", context),
            "note_count": len(notes),
        }


class EntityListView(TemplateView):
    """The A-Z indexes, from the stored index lines (``IndexName``), never the whole collection.

    ``/entities/``: each kind with its count and a bar of its letters (one grouped query).
    ``/entities/<kind>/``: one kind, one letter at a time (``?letter=K``; by default the first
    with entries) and ``INDEX_PAGE_SIZE`` lines a page within it (``?page=``): a bar of the
    letters that have entries, with counts (one grouped query), and the page (one query).
    A letter not in the bar or a page out of range is a 404.
    """

    template_name = "exhibit/entity_list.html"
    kind = None

    def published_lines(self):
        return IndexName.objects.filter(entity__in=Entity.objects.published())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(kind=self.kind, kind_paths=KIND_PATHS, **kwargs)
        if not self.kind:
            kinds = pagecache.fragment(
                "letter-bars", "", self.kinds, tags=[pagecache.list_tag(Entity)]
            )
            return context | {"kinds": kinds}
        # Counted once until an entity is saved or becomes public or not (``entity:list``).
        letters = pagecache.fragment(
            "letter-bar",
            self.kind,
            lambda: letter_bar(
                self.published_lines()
                .filter(kind=self.kind)
                .order_by()
                .values("letter")
                .annotate(lines=Count("pk"), entities=Count("pk", filter=Q(see=False)))
            ),
            tags=[pagecache.list_tag(Entity)],
        )
        asked = self.request.GET.get("letter")
        if asked is None:
            current = letters[0] if letters else None
        else:
            current = next((letter for letter in letters if letter.letter == asked), None)
            if current is None:
                raise Http404("No entries under that letter")
        context |= {
            "letters": letters,
            "letter": current,
            "asked": asked is not None,
            "total": sum(letter.entities for letter in letters),
        }
        if current:
            paginator = Paginator(
                self.published_lines()
                .filter(kind=self.kind, letter=current.letter)
                .select_related("entity")
                .only(*(f"entity__{name}" for name in INDEX_ENTITY_FIELDS), "name", "see")
                .order_by(code_point_order("sort_key"), "see", code_point_order("name"), "pk"),
                INDEX_PAGE_SIZE,
            )
            paginator.count = current.lines  # known from the letter bar: no COUNT query
            page = self.request.GET.get("page", "1")
            number = whole_number(page)
            if not number or number > paginator.num_pages:
                raise Http404("No such page")
            page_obj = paginator.page(number)
            context |= {
                "lines": [IndexLine(row.name, row.entity, row.see) for row in page_obj],
                "page_obj": page_obj,
                "paginator": paginator,
                "is_paginated": paginator.num_pages > 1,
            }
        return context

    def kinds(self):
        """Each kind with entries: its count and its letter bar, in one grouped query."""
        rows = (
            self.published_lines()
            .order_by()
            .values("kind", "letter")
            .annotate(lines=Count("pk"), entities=Count("pk", filter=Q(see=False)))
        )
        by_kind = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row)
        return [
            KindIndex(kind, letter_bar(by_kind[kind]))
            for kind in KIND_PATHS.values()
            if kind in by_kind
        ]


# Notes on an entity's page, a page at a time: a hub such as Lipetsk gathers thousands.
NOTES_PAGE_SIZE = 50


class EntityDetailView(SlugRedirectMixin, DetailView):
    template_name = "exhibit/entity_detail.html"
    context_object_name = "entity"

    def get_queryset(self):
        return Entity.objects.published()

    def get_context_data(self, **kwargs):
        entity = self.object
        number = whole_number(self.request.GET.get("page", "1"))
        if not number:
            raise Http404("No such page of notes")
        # Rendered once a page of notes, until the entity or anything listed changes.
        mentions = pagecache.fragment(
            "entity-mentions",
            (entity.pk, number),
            lambda: self.mentions(entity, number),
            tags=[pagecache.tag(entity, entity.pk)],
        )
        # The notes' pagination is drawn here: its links keep the request's other parameters.
        notes_page = Paginator(range(mentions["note_count"]), NOTES_PAGE_SIZE).page(
            mentions["page"]
        )
        return super().get_context_data(
            mentions=mentions,
            notes_page=notes_page,
            notes_paginated=notes_page.paginator.num_pages > 1,
            map_settings=map_settings(),
            **kwargs,
        )

    def mentions(self, entity, number):
        """The page ``number`` of the notes that link ``entity`` (``notes_html``), then its
        images, the blocks that show it and the sources behind them (``rest_html``), with the
        count of notes and the page shown."""
        images = list(
            Image.objects.published()
            .filter(entities=entity)
            .select_related("archival_reference__repository")
        )
        blocks = (
            Block.objects.published()
            .filter(entities=entity)
            .select_related("section__exhibit")
            .order_by("section__exhibit__title", "section__order")
        )
        # Essay notes grouped by essay (the template regroups them), in reading order within
        # each, then image notes by image: a page of NOTES_PAGE_SIZE at a time (``?page=``).
        notes = (
            Annotation.objects.published()
            .filter(entities=entity)
            .select_related("essay", "image")
            .defer("body", "essay__body", "essay__body_html", "essay__headings", "essay__abstract")
            .order_by(
                Case(When(essay__isnull=False, then=Value(0)), default=Value(1)),
                code_point_order(Coalesce("essay__title", "image__title")),
                Coalesce("essay_id", "image_id"),
                "start",
                "pk",
            )
        )
        paginator = Paginator(notes, NOTES_PAGE_SIZE)
        if number > 1 and number > paginator.num_pages:
            raise Http404("No such page of notes")
        notes_page = paginator.page(min(number, paginator.num_pages))
        essay_notes, image_notes = [], []
        for note in notes_page:
            if note.essay_id:
                note.before, note.after = passage_context(note)
                essay_notes.append(note)
            else:
                image_notes.append(note)
        notes_html = render_to_string(
            "exhibit/includes/entity_notes.html",
            {"essay_notes": essay_notes, "image_notes": image_notes},
        )
        rest_html = render_to_string(
            "exhibit/includes/entity_mentions.html",
            {
                "images": images,
                "appearances": list(blocks),
                "references": entity_references(entity, images),
            },
        )
        return {
            "notes_html": notes_html,
            "rest_html": rest_html,
            "note_count": paginator.count,
            "page": notes_page.number,
        }


def entity_references(entity, images):
    """The archival sources behind what is said or shown of ``entity``: cited by its notes,
    holding its images, quoted or pictured in its blocks. One query; each reference carries
    ``shown_in``, the entity's images held under it (already loaded)."""
    reference = OuterRef("pk")
    blocks = Block.objects.published().filter(entities=entity)
    images_held = Image.objects.published().filter(entities=entity, archival_reference=reference)
    references = (
        ArchivalReference.objects.filter(
            Exists(Annotation.objects.published().filter(entities=entity, references=reference))
            | Exists(images_held)
            | Exists(blocks.filter(quote_reference=reference))
            | Exists(blocks.filter(image__archival_reference=reference))
        )
        .select_related("repository")
        .order_by("repository__abbreviation", "fond", "opis", "delo", "collection", "box", "pk")
    )
    references = list(references)
    for item in references:
        item.shown_in = [image for image in images if image.archival_reference_id == item.pk]
    return references
