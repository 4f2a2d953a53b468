"""Review copies: a draft exhibit read through a signed review link, without an account.

The pages are the staff preview's pages (drafts shown, marked, ``noindex``, never cached), but
access comes from the token instead of a login, and everything is confined to the link's
exhibit: its sections, and the essays and images those sections show. Nothing links into the
admin, and the token does not travel on in a ``Referer`` header.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from exhibit.models import Block, DeadLink, Essay, Image, ReviewLink

from .pages import EssayDetailView, ExhibitDetailView, ImageDetailView, SectionDetailView


def _private(response):
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


class ReviewMixin:
    """Shows the link's exhibit as the preview does, to whoever holds a live token."""

    preview = True

    def dispatch(self, request, *args, token, **kwargs):
        try:
            self.review_link = ReviewLink.objects.resolve(token)
        except DeadLink as dead:
            response = render(
                request,
                "exhibit/review_dead.html",
                {"reason": dead.reason, "link": dead.link, "preview": True},
                status=dead.status,
            )
            return _private(response)
        self.token = token
        self.exhibit = self.review_link.exhibit
        # Skip PreviewMixin's login check: the token is the permission.
        response = super(LoginRequiredMixin, self).dispatch(request, *args, **kwargs)
        return _private(response)

    def visible_blocks(self):
        return Block.objects.filter(section__exhibit=self.exhibit)

    def get_context_data(self, **kwargs):
        return super().get_context_data(review=self.review_link, review_token=self.token, **kwargs)


class ReviewExhibitView(ReviewMixin, ExhibitDetailView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.exhibit.pk)


class ReviewSectionView(ReviewMixin, SectionDetailView):
    def get_object(self, queryset=None):
        self.kwargs["exhibit"] = self.exhibit.slug
        return super().get_object(queryset)


class ReviewEssayView(ReviewMixin, EssayDetailView):
    def get_queryset(self):
        shown = Block.objects.filter(section__exhibit=self.exhibit, essay__isnull=False)
        return Essay.objects.with_related().filter(pk__in=shown.values("essay_id"))


class ReviewImageView(ReviewMixin, ImageDetailView):
    def get_queryset(self):
        blocks = Block.objects.filter(section__exhibit=self.exhibit)
        return Image.objects.with_related().filter(
            Q(pk__in=blocks.values("image_id"))
            | Q(pk__in=blocks.values("gallery__id"))
            | Q(pk=self.exhibit.cover_image_id or 0)
        )
