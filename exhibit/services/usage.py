"""Where an object is used: what a curator must know before deleting it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.urls import NoReverseMatch, reverse

SHOWN = 50  # per group; the rest are counted


@dataclass
class Use:
    text: str
    url: str | None


@dataclass
class UseGroup:
    title: str  # "Blocks showing it as their image"
    effect: str  # "protected" (blocks the deletion), "deleted" (goes with it), "unlinked"
    uses: list[Use] = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.uses)


def admin_url(obj):
    from exhibit.models import GalleryItem

    if isinstance(obj, GalleryItem):
        obj = obj.block  # edited on its block's page
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def describe(obj) -> str:
    """``obj`` with where it sits: "Exhibit › Section › 3. Image" for a block."""
    from exhibit.models import Block, GalleryItem, Section

    if isinstance(obj, GalleryItem):
        return f"{describe(obj.block)} (gallery)"
    if isinstance(obj, Block):
        return f"{obj.section.exhibit} › {obj.section} › block {obj}"
    if isinstance(obj, Section):
        return f"{obj.exhibit} › {obj}"
    return str(obj)


def _queryset(rel, obj):
    return rel.related_model._default_manager.filter(**{rel.field.name: obj})


def _effect(rel):
    if rel.many_to_many:
        return "unlinked"
    if rel.on_delete in (models.PROTECT, models.RESTRICT):
        return "protected"
    if rel.on_delete is models.CASCADE:
        return "deleted"
    return "unlinked"  # SET_NULL and the like: the other object stays, without this


def _select(model):
    from exhibit.models import Block, GalleryItem, Section

    if model is GalleryItem:
        return ["block__section__exhibit"]
    if model is Block:
        return ["section__exhibit"]
    if model is Section:
        return ["exhibit"]
    return []


def where_used(obj) -> list[UseGroup]:
    """Everything that points at ``obj``, grouped by relation, with admin links.

    Only curated content counts: history rows and the log are not uses.
    """
    groups = []
    for rel in obj._meta.related_objects:
        model = rel.related_model
        if model._meta.app_label != "exhibit" or model._meta.model_name in (
            "auditevent",
            "essayrevision",
        ):
            continue
        if rel.many_to_many and not rel.through._meta.auto_created:
            continue  # through rows of their own (gallery items) are listed as themselves
        queryset = _queryset(rel, obj).select_related(*_select(model)).order_by("pk")
        total = queryset.count()
        if not total:
            continue
        title = f"{model._meta.verbose_name_plural.capitalize()} ({rel.field.verbose_name})"
        group = UseGroup(title=title, effect=_effect(rel), total=total)
        group.uses = [Use(describe(other), admin_url(other)) for other in queryset[:SHOWN]]
        groups.append(group)
    order = {"protected": 0, "deleted": 1, "unlinked": 2}
    return sorted(groups, key=lambda g: order[g.effect])
