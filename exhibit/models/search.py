"""The search index: one denormalised row per searchable object.

Rows are written by ``exhibit.services.search`` whenever an object or something its text or
facets depend on is saved. Each row and each placement carries a copy of the stored moment
its object (or the section or exhibit it is placed in) becomes visible (``visible_from``, see
``exhibit.visibility``), kept exact by a receiver of ``moments_changed``: a search compares it
with the clock on the index rows alone, with no join to the content tables, so scheduled
publishing needs no re-indexing either. PostgreSQL searches ``vector`` (a stored ``tsvector``
with a GIN index); SQLite searches an FTS5 table kept in step with this one by triggers
(migration 0006).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        EXHIBIT = "exhibit", "Exhibit"
        SECTION = "section", "Section"
        ESSAY = "essay", "Essay"
        IMAGE = "image", "Image"
        ANNOTATION = "annotation", "Note"
        ENTITY = "entity", "Person, place or event"

    kind = models.CharField("kind", max_length=16, choices=Kind.choices)
    object_id = models.PositiveIntegerField("object id")
    url = models.CharField("address", max_length=500)
    title = models.CharField("title", max_length=500)
    text = models.TextField("text", blank=True, help_text="As written, for result snippets.")
    # Folded (case, diacritics, Cyrillic transliterated) word tokens joined by spaces: what both
    # database backends actually match against.
    search_title = models.TextField("folded title", blank=True)
    search_text = models.TextField("folded text", blank=True)
    variants = models.TextField(
        "name variants", blank=True, help_text="Entities: folded name and alternative names."
    )
    entity_kind = models.CharField("entity kind", max_length=16, blank=True)
    date_earliest = models.DateField("earliest date", null=True, blank=True)
    date_latest = models.DateField("latest date", null=True, blank=True)
    repositories = models.ManyToManyField(
        "exhibit.Repository", blank=True, related_name="+", verbose_name="repositories"
    )
    vector = SearchVectorField(null=True, editable=False)  # PostgreSQL only
    # The object's own visible_from: the row is shown once this moment has passed.
    visible_from = models.DateTimeField("visible from", null=True, blank=True, db_index=True)
    indexed = models.DateTimeField("indexed", auto_now=True)

    class Meta:
        ordering = ["kind", "object_id"]
        verbose_name = "search index entry"
        verbose_name_plural = "search index entries"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="searchentry_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["exhibit", "section", "essay", "image", "annotation", "entity"]
                ),
                name="searchentry_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"


class SearchPlacementQuerySet(models.QuerySet):
    def visible(self):
        """Placements visitors can see now: in a published section of a published exhibit, or
        on a published exhibit itself (the exhibit's own row, its cover image)."""
        return self.filter(visible_from__lte=timezone.now())


class SearchPlacement(models.Model):
    """Where an indexed object appears: an exhibit, and the section that shows it.

    ``visible_from`` is the section's moment (the exhibit's, for a placement on the exhibit
    itself), so that the exhibit facet and filter follow the section's visibility at query
    time: an essay shown only by a draft or scheduled section is not yet "in" its exhibit.
    """

    entry = models.ForeignKey(
        SearchEntry, on_delete=models.CASCADE, related_name="placements", verbose_name="entry"
    )
    exhibit = models.ForeignKey(
        "exhibit.Exhibit", on_delete=models.CASCADE, related_name="+", verbose_name="exhibit"
    )
    section = models.ForeignKey(
        "exhibit.Section",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="section",
        help_text="Empty for the exhibit itself and its cover image.",
    )
    visible_from = models.DateTimeField("visible from", null=True, blank=True, db_index=True)

    objects = SearchPlacementQuerySet.as_manager()

    class Meta:
        verbose_name = "search index placement"
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "exhibit", "section"], name="searchplacement_unique"
            ),
        ]

    def __str__(self):
        return f"{self.entry} in exhibit {self.exhibit_id}, section {self.section_id}"
