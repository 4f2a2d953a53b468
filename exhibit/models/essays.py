"""Long-form essays by named authors."""

from django.db import models
from django.urls import reverse

from exhibit.services.highlighting import add_block_ids
from exhibit.services.rendering import render_markdown

from .base import (
    Publishable,
    PublishableQuerySet,
    TimeStamped,
    Versioned,
    register_revision_history,
    status_constraint,
)


class EssayQuerySet(PublishableQuerySet):
    def with_related(self):
        return self.prefetch_related(
            models.Prefetch(
                "essayauthor_set",
                queryset=EssayAuthor.objects.select_related("contributor").order_by("order"),
            )
        )


class EssayManager(models.Manager.from_queryset(EssayQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Essay(Publishable, Versioned, TimeStamped):
    title = models.CharField("title", max_length=255)
    slug = models.SlugField("slug", max_length=255, unique=True)
    subtitle = models.CharField("subtitle", max_length=255, blank=True)
    abstract = models.TextField(
        "abstract", blank=True, help_text="Two or three sentences; shown in lists and citations."
    )
    body = models.TextField(
        "text (Markdown)",
        help_text="Markdown: ## for headings, [^1] for a footnote mark and “[^1]: …” for its text.",
    )
    body_html = models.TextField("rendered text", blank=True, editable=False)
    headings = models.JSONField("table of contents", default=list, blank=True, editable=False)
    word_count = models.PositiveIntegerField("word count", default=0, editable=False)
    authors = models.ManyToManyField(
        "exhibit.Contributor", through="EssayAuthor", related_name="essays", blank=True
    )
    original_venue = models.CharField(
        "originally published in",
        max_length=255,
        blank=True,
        help_text="Journal, book or site of first publication, if any.",
    )
    original_date = models.DateField("original publication date", null=True, blank=True)
    original_url = models.URLField("original publication URL", blank=True)
    references = models.ManyToManyField(
        "exhibit.ArchivalReference",
        blank=True,
        related_name="essays",
        verbose_name="archival sources cited",
        help_text="Sources the essay cites or shows in figures.",
    )

    objects = EssayManager()
    # Every version of the text is also an EssayRevision (annotations anchor in those); the
    # history (registered below, once EssayAuthor exists) adds the other fields and the links
    # (authors in order, sources), who changed them, compare, restore and recovery.

    class Meta:
        ordering = ["title"]
        verbose_name = "essay"
        permissions = [("publish_essay", "Can publish and unpublish essays")]
        constraints = [status_constraint("essay")]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("exhibit:essay_detail", kwargs={"slug": self.slug})

    def get_preview_url(self):
        return reverse("exhibit:preview_essay", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        rendered = render_markdown(self.body, heading_anchors=True, doc_id=self.slug)
        self.body_html = add_block_ids(rendered.html)  # stable ids for paragraph permalinks
        self.headings = rendered.headings
        self.word_count = rendered.word_count
        # Every saved change of the text then becomes a revision (``apps.connect_revisions``).
        super().save(*args, **kwargs)

    @property
    def author_list(self):
        """Authors in credit order (uses the ``with_related`` prefetch)."""
        return [link.contributor for link in self.essayauthor_set.all()]


class EssayAuthor(models.Model):
    essay = models.ForeignKey(Essay, on_delete=models.CASCADE)
    contributor = models.ForeignKey(
        "exhibit.Contributor", on_delete=models.PROTECT, verbose_name="author"
    )
    order = models.PositiveSmallIntegerField("order", default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "author"
        constraints = [
            models.UniqueConstraint(fields=["essay", "contributor"], name="essayauthor_unique")
        ]

    def __str__(self):
        return f"{self.contributor} — {self.essay}"


register_revision_history(Essay, m2m_fields=["authors", "references"])
