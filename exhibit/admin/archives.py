from django.contrib import admin

from exhibit.models import ArchivalReference, Contributor, Repository

from .base import ModelAdmin
from .history import HistoryAdmin


@admin.register(Repository)
class RepositoryAdmin(HistoryAdmin, ModelAdmin):
    list_display = ("abbreviation", "name", "name_original", "place")
    search_fields = ("abbreviation", "name", "name_original", "former_names", "place")
    prepopulated_fields = {"slug": ("abbreviation",)}


@admin.register(ArchivalReference)
class ArchivalReferenceAdmin(HistoryAdmin, ModelAdmin):
    list_display = ("short_citation", "title", "date", "repository")
    list_filter = ("repository", "system")
    list_select_related = ("repository",)
    search_fields = (
        "repository__abbreviation", "repository__name", "fond", "opis", "delo", "collection",
        "box", "title", "previous_reference",
    )  # fmt: skip
    autocomplete_fields = ("repository",)
    fieldsets = (
        (None, {"fields": ("repository", "system", "title", "date")}),
        ("Fond / opis / delo", {"fields": ("fond", "opis", ("file_unit", "delo"),
                                           ("leaf_start", "leaf_start_verso"),
                                           ("leaf_end", "leaf_end_verso"))}),
        ("Collection / box / folder", {"fields": ("collection", "box", "folder", "item")}),
        ("Notes", {"classes": ("collapse",), "fields": ("previous_reference", "notes")}),
    )  # fmt: skip

    @admin.display(description="reference", ordering="fond")
    def short_citation(self, obj):
        return obj.short_citation


@admin.register(Contributor)
class ContributorAdmin(ModelAdmin):
    list_display = ("name", "role", "url")
    list_filter = ("role",)
    search_fields = ("name", "sort_name", "bio")
    prepopulated_fields = {"slug": ("name",)}
