from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from exhibit.models import Image

from .base import ModelAdmin, thumbnail_html


@admin.register(Image)
class ImageAdmin(ModelAdmin):
    list_display = ("list_thumbnail", "title", "date", "reference", "rights", "is_placeholder")
    list_display_links = ("list_thumbnail", "title")
    list_filter = ("rights", "is_placeholder", "archival_reference__repository")
    list_select_related = ("archival_reference__repository",)
    search_fields = (
        "title", "caption", "alt_text", "credit_line", "original_filename", "checksum",
        "archival_reference__fond", "archival_reference__repository__abbreviation",
    )  # fmt: skip
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("creator", "archival_reference", "entities")
    readonly_fields = (
        "large_thumbnail", "dimensions", "format", "size", "checksum", "original_filename",
        "created", "modified",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("original", "large_thumbnail", "title", "slug", "alt_text", "caption")}),
        ("Source", {"fields": ("date", "creator", "archival_reference", "credit_line",
                               "rights", "is_placeholder")}),
        ("Links", {"fields": ("entities",)}),
        ("File", {"classes": ("collapse",), "fields": (
            "dimensions", "format", "size", "checksum", "original_filename", "created",
            "modified")}),
    )  # fmt: skip

    @admin.display(description="image")
    def list_thumbnail(self, obj):
        return thumbnail_html(obj, width=80)

    @admin.display(description="current image")
    def large_thumbnail(self, obj):
        return thumbnail_html(obj, width=320)

    @admin.display(description="archival reference", ordering="archival_reference__fond")
    def reference(self, obj):
        return obj.archival_reference.short_citation if obj.archival_reference else "—"

    @admin.display(description="dimensions")
    def dimensions(self, obj):
        return f"{obj.width:,} × {obj.height:,} px" if obj.width else "—"

    @admin.display(description="file size")
    def size(self, obj):
        return filesizeformat(obj.file_size) if obj.file_size else "—"

    def get_urls(self):
        urls = [
            path(
                "original/<path:name>",
                self.admin_site.admin_view(self.original_view),
                name="exhibit_image_original",
            )
        ]
        return urls + super().get_urls()

    def original_view(self, request, name):
        """Download an original from private storage, for staff who may view images."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = Image.objects.filter(original=name).first()
        if image is None:
            raise Http404("No such original.")
        return FileResponse(
            image.original.open("rb"), as_attachment=True, filename=image.original_filename
        )

    def view_on_site(self, obj):
        return reverse("exhibit:preview_image", kwargs={"slug": obj.slug})

    @admin.display(description="view")
    def preview_link(self, obj):
        return format_html('<a href="{}">Preview</a>', self.view_on_site(obj))
