"""Public pages. Each asks a queryset's ``published()`` (or, in staff preview, everything)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.generic import DetailView, ListView, TemplateView

from exhibit.models import Block, Entity, Essay, Exhibit, Image, Section


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

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.preview, **kwargs)


class HomeView(TemplateView):
    template_name = "exhibit/home.html"

    def get_context_data(self, **kwargs):
        published = Exhibit.objects.published().select_related("cover_image")
        return super().get_context_data(
            featured=list(published.filter(featured=True)[:3]),
            recent=list(published.order_by("-published_at")[:6]),
            **kwargs,
        )


class ExhibitListView(ListView):
    template_name = "exhibit/exhibit_list.html"
    context_object_name = "exhibits"
    paginate_by = 20

    def get_queryset(self):
        return Exhibit.objects.published().select_related("cover_image")


class ExhibitDetailView(PreviewMixin, DetailView):
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


class SectionDetailView(PreviewMixin, DetailView):
    template_name = "exhibit/section_detail.html"
    context_object_name = "section"
    preview_permission = "exhibit.view_exhibit"

    def get_object(self, queryset=None):
        sections = self.visible(Section.objects.select_related("exhibit__cover_image"))
        return get_object_or_404(
            sections, exhibit__slug=self.kwargs["exhibit"], slug=self.kwargs["slug"]
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
        blocks = list(section.blocks.with_related())
        if not self.preview:
            blocks = [b for b in blocks if b.kind != Block.Kind.ESSAY or b.essay.is_live]
        return super().get_context_data(
            exhibit=section.exhibit,
            sections=siblings,
            blocks=blocks,
            previous_section=siblings[index - 1] if index > 0 else None,
            next_section=siblings[index + 1] if index + 1 < len(siblings) else None,
            **kwargs,
        )


class EssayDetailView(PreviewMixin, DetailView):
    template_name = "exhibit/essay_detail.html"
    context_object_name = "essay"
    preview_permission = "exhibit.view_essay"

    def get_queryset(self):
        return self.visible(Essay.objects.with_related())

    def get_context_data(self, **kwargs):
        appearances = (
            self.visible_blocks().filter(essay=self.object).select_related("section__exhibit")
        )
        return super().get_context_data(appearances=list(appearances), **kwargs)

    def visible_blocks(self):
        return Block.objects.all() if self.preview else Block.objects.published()


class ImageDetailView(PreviewMixin, DetailView):
    template_name = "exhibit/image_detail.html"
    context_object_name = "image"
    preview_permission = "exhibit.view_image"

    def get_queryset(self):
        return self.visible(Image.objects.with_related())

    def get_context_data(self, **kwargs):
        blocks = Block.objects.all() if self.preview else Block.objects.published()
        appearances = (
            blocks.filter(Q(image=self.object) | Q(gallery=self.object))
            .select_related("section__exhibit")
            .distinct()
        )
        return super().get_context_data(appearances=list(appearances), **kwargs)


class EntityListView(ListView):
    template_name = "exhibit/entity_list.html"
    context_object_name = "entities"

    def get_queryset(self):
        return Entity.objects.published().order_by("kind", "name")


class EntityDetailView(DetailView):
    template_name = "exhibit/entity_detail.html"
    context_object_name = "entity"

    def get_queryset(self):
        return Entity.objects.published()

    def get_context_data(self, **kwargs):
        entity = self.object
        images = Image.objects.published().filter(entities=entity)
        blocks = (
            Block.objects.published()
            .filter(entities=entity)
            .select_related("section__exhibit")
            .order_by("section__exhibit__title", "section__order")
        )
        return super().get_context_data(images=list(images), appearances=list(blocks), **kwargs)
