from django.contrib import admin

from exhibit.models import Essay, EssayAuthor

from .base import PublishableAdmin


class EssayAuthorInline(admin.TabularInline):
    model = EssayAuthor
    extra = 1
    autocomplete_fields = ("contributor",)
    fields = ("order", "contributor")
    ordering = ("order",)


@admin.register(Essay)
class EssayAdmin(PublishableAdmin):
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
