from django.contrib import admin

from exhibit.models import Entity

from .base import ModelAdmin
from .history import HistoryAdmin
from .redirects import OldAddressesAdminMixin


@admin.register(Entity)
class EntityAdmin(OldAddressesAdminMixin, HistoryAdmin, ModelAdmin):
    list_display = ("name", "kind", "date", "wikidata", "coordinates")
    list_filter = ("kind",)
    search_fields = ("name", "alternative_names", "description", "wikidata", "viaf", "geonames")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("kind", "name", "slug", "sort_name", "alternative_names",
                           "description", "date")}),
        ("Place", {"fields": (("latitude", "longitude"),)}),
        ("Authority identifiers", {"fields": ("wikidata", "viaf", "geonames")}),
    )  # fmt: skip

    @admin.display(description="coordinates")
    def coordinates(self, obj):
        if obj.latitude is None:
            return "—"
        return f"{obj.latitude:.4f}, {obj.longitude:.4f}"
