from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from exhibit.models import Block, Exhibit, GalleryItem, ReviewLink, Section

from .base import ModelAdmin, PublishableAdmin, PublishingInlineMixin, thumbnail_html
from .history import HistoryAdmin
from .redirects import OldAddressesAdminMixin
from .reviews import ReviewLinkInline

TIMESTAMPS = ("created", "modified")


class SectionInline(PublishingInlineMixin, admin.TabularInline):
    model = Section
    publish_permission = "exhibit.publish_section"
    fields = ("order", "title", "slug", "status", "published_at")
    prepopulated_fields = {"slug": ("title",)}
    extra = 0
    show_change_link = True
    ordering = ("order",)


@admin.register(Exhibit)
class ExhibitAdmin(OldAddressesAdminMixin, HistoryAdmin, PublishableAdmin):
    publish_permission = "exhibit.publish_exhibit"
    list_display = (
        "cover_thumbnail", "title", "status_badge", "published_at", "featured",
        "section_count", "preview_link",
    )  # fmt: skip
    list_display_links = ("cover_thumbnail", "title")
    list_filter = ("status", "featured")
    search_fields = ("title", "subtitle", "summary", "slug")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("cover_image", "curators")
    readonly_fields = TIMESTAMPS
    date_hierarchy = "published_at"
    inlines = [SectionInline, ReviewLinkInline]
    fieldsets = (
        (None, {"fields": ("title", "subtitle", "slug", "summary", "cover_image")}),
        ("Text", {"fields": ("introduction", "curators", "credits")}),
        ("Publishing", {"fields": ("status", "published_at", "featured", "order")}),
        ("Advanced", {"classes": ("collapse",), "fields": TIMESTAMPS}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("cover_image")
            .annotate(section_total=Count("sections"))
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is ReviewLink:
            for link in formset.save(commit=False):
                if not link.pk:
                    link.created_by = request.user
                link.save()
            return
        super().save_formset(request, form, formset, change)

    @admin.display(description="cover")
    def cover_thumbnail(self, obj):
        return thumbnail_html(obj.cover_image, width=60)

    @admin.display(description="sections", ordering="section_total")
    def section_count(self, obj):
        return obj.section_total


class BlockInline(admin.StackedInline):
    model = Block

    class Media:
        # Shows only the fields the chosen kind of block uses; without script, all are shown.
        js = ["exhibit/js/admin-blocks.js"]

    extra = 0
    ordering = ("order",)
    show_change_link = True
    autocomplete_fields = ("image", "essay", "entities", "quote_reference")
    fieldsets = (
        (None, {"fields": (("order", "kind"), "heading", "text")}),
        ("Image", {"classes": ("block-kind", "block-kind-image"), "fields": ("image",)}),
        ("Gallery", {"classes": ("block-kind", "block-kind-gallery"), "fields": (),
                     "description": "Save the section, then follow “Change” on this block "
                                    "to choose and order the gallery's images."}),
        ("Quotation", {"classes": ("block-kind", "block-kind-quotation"),
                       "fields": ("quote", "quote_attribution", "quote_source",
                                  "quote_reference")}),
        ("Essay", {"classes": ("block-kind", "block-kind-essay"),
                   "fields": ("essay", "essay_display")}),
        ("Entity cards", {"classes": ("block-kind", "block-kind-entities"),
                          "fields": ("entities",)}),
    )  # fmt: skip


@admin.register(Section)
class SectionAdmin(OldAddressesAdminMixin, HistoryAdmin, PublishableAdmin):
    publish_permission = "exhibit.publish_section"
    list_display = ("title", "exhibit", "order", "status_badge", "block_count", "preview_link")
    list_filter = ("status", "exhibit")
    list_select_related = ("exhibit",)
    search_fields = ("title", "summary", "exhibit__title")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("exhibit",)
    readonly_fields = TIMESTAMPS
    inlines = [BlockInline]
    fieldsets = (
        (None, {"fields": ("exhibit", "title", "slug", "summary", "order")}),
        ("Publishing", {"fields": ("status", "published_at")}),
        ("Advanced", {"classes": ("collapse",), "fields": TIMESTAMPS}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(block_total=Count("blocks"))

    @admin.display(description="blocks", ordering="block_total")
    def block_count(self, obj):
        return obj.block_total


class GalleryItemInline(admin.TabularInline):
    model = GalleryItem
    extra = 1
    autocomplete_fields = ("image",)
    fields = ("order", "image", "caption")
    ordering = ("order",)


@admin.register(Block)
class BlockAdmin(HistoryAdmin, ModelAdmin):
    """Blocks are arranged on their section's page; this page edits one, with its gallery."""

    list_display = ("__str__", "kind", "section_link")
    list_filter = ("kind", "section__exhibit")
    list_select_related = ("section__exhibit",)
    search_fields = ("heading", "text", "quote", "section__title")
    autocomplete_fields = ("section", "image", "essay", "entities", "quote_reference")
    inlines = [GalleryItemInline]
    fieldsets = ((None, {"fields": ("section",)}), *BlockInline.fieldsets)

    class Media:
        js = BlockInline.Media.js

    @admin.display(description="section", ordering="section__title")
    def section_link(self, obj):
        url = reverse("admin:exhibit_section_change", args=[obj.section_id])
        return format_html('<a href="{}">{} — {}</a>', url, obj.section.exhibit, obj.section)
