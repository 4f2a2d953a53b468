from django.contrib import admin

from exhibit.models import Annotation, Essay, EssayAuthor

from .base import PublishableAdmin
from .history import HistoryAdmin
from .redirects import OldAddressesAdminMixin


class EssayAuthorInline(admin.TabularInline):
    model = EssayAuthor
    extra = 1
    autocomplete_fields = ("contributor",)
    fields = ("order", "contributor")
    ordering = ("order",)


@admin.register(Essay)
class EssayAdmin(OldAddressesAdminMixin, HistoryAdmin, PublishableAdmin):
    publish_permission = "exhibit.publish_essay"
    list_display = ("title", "status_badge", "word_count", "modified", "preview_link")
    list_filter = ("status",)
    search_fields = ("title", "subtitle", "abstract", "body")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("word_count", "created", "modified")
    inlines = [EssayAuthorInline]
    fieldsets = (
        (None, {"fields": ("title", "subtitle", "slug", "abstract", "body")}),
        ("Original publication", {"fields": ("original_venue", "original_date", "original_url")}),
        ("Publishing", {"fields": ("status", "published_at")}),
        ("Advanced", {"classes": ("collapse",), "fields": ("word_count", "created", "modified")}),
    )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A saved essay's page carries the panel for annotating its text (see annotations.py).
        annotations = self.admin_site._registry.get(Annotation)
        if obj is not None and annotations and annotations.has_view_permission(request):
            panel = annotations.text_panel(request, obj)
            context["annotate"] = panel
            context["media"] = context["media"] + panel["form"].media
        return super().render_change_form(request, context, add, change, form_url, obj)
