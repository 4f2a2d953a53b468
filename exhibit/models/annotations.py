"""Annotations on essay passages and image regions (W3C Web Annotation in shape)."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from exhibit.services.rendering import render_markdown

from .base import TimeStamped, Versioned, Visible, VisibleQuerySet, revision_history

XYWH = re.compile(r"^(\d+),(\d+),(\d+),(\d+)$")


class EssayRevisionManager(models.Manager):
    def get_by_natural_key(self, essay_slug, number):
        return self.get(essay__slug=essay_slug, number=number)


class EssayRevision(models.Model):
    """One saved state of an essay's text. Annotations point at the revision they fit."""

    essay = models.ForeignKey(
        "exhibit.Essay", on_delete=models.CASCADE, related_name="revisions", verbose_name="essay"
    )
    number = models.PositiveIntegerField("revision")
    body = models.TextField("text (Markdown)")
    text = models.TextField("plain text", help_text="The projection annotations count in.")
    created = models.DateTimeField("saved", auto_now_add=True)
    public_from = models.DateTimeField(
        "public from",
        null=True,
        blank=True,
        editable=False,
        help_text="When visitors could first read this text: stamped when the essay's "
        "visibility moment passes while this revision is current (empty: never public).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saved by",
    )

    objects = EssayRevisionManager()

    class Meta:
        ordering = ["essay", "number"]
        verbose_name = "essay revision"
        constraints = [
            models.UniqueConstraint(fields=["essay", "number"], name="essayrevision_unique")
        ]

    def __str__(self):
        return f"{self.essay} — revision {self.number}"

    def natural_key(self):
        return (*self.essay.natural_key(), self.number)

    natural_key.dependencies = ["exhibit.essay"]


class AnnotationQuerySet(VisibleQuerySet):
    def with_related(self):
        return self.select_related("essay", "image", "creator").prefetch_related(
            "entities", "references__repository"
        )


class AnnotationManager(models.Manager.from_queryset(AnnotationQuerySet)):
    def get_by_natural_key(self, uuid):
        return self.get(uuid=uuid)


class Annotation(Visible, Versioned, TimeStamped):
    class Motivation(models.TextChoices):
        COMMENTING = "commenting", "Commenting"
        IDENTIFYING = "identifying", "Identifying"
        DESCRIBING = "describing", "Describing"
        LINKING = "linking", "Linking"
        TAGGING = "tagging", "Tagging"
        QUESTIONING = "questioning", "Questioning"

    class Anchoring(models.TextChoices):
        EXACT = "exact", "Exact"
        SHIFTED = "shifted", "Shifted"
        FUZZY = "fuzzy", "Fuzzy: check it"
        ORPHANED = "orphaned", "Orphaned: re-attach or retire"

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    # Deleting an essay or an image never takes its curators' notes with it.
    essay = models.ForeignKey(
        "exhibit.Essay",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annotations",
        verbose_name="essay",
    )
    image = models.ForeignKey(
        "exhibit.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annotations",
        verbose_name="image",
    )
    # Text target: TextQuoteSelector + TextPositionSelector over the revision's projection.
    revision = models.ForeignKey(
        EssayRevision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annotations",
        verbose_name="anchored in revision",
    )
    exact = models.TextField("quoted passage", blank=True)
    prefix = models.CharField("text before", max_length=64, blank=True)
    suffix = models.CharField("text after", max_length=64, blank=True)
    start = models.PositiveIntegerField("start", null=True, blank=True)
    end = models.PositiveIntegerField("end", null=True, blank=True)
    anchoring = models.CharField(
        "anchoring", max_length=10, choices=Anchoring.choices, default=Anchoring.EXACT
    )
    anchoring_score = models.FloatField("match confidence", null=True, blank=True)
    previous_exact = models.TextField(
        "passage before the last edit",
        blank=True,
        help_text="What the note quoted before the essay changed, for review.",
    )
    # Image target: a media fragment in pixels of the original, plus an optional outline.
    xywh = models.CharField(
        "region (x,y,w,h)",
        max_length=64,
        blank=True,
        help_text="In pixels of the original image, e.g. 749,1054,338,460.",
    )
    polygon = models.JSONField(
        "outline", null=True, blank=True, help_text="Optional: a list of [x, y] points."
    )
    body = models.TextField("note (Markdown)", blank=True)
    body_html = models.TextField(blank=True, editable=False)
    motivation = models.CharField(
        "motivation", max_length=12, choices=Motivation.choices, default=Motivation.COMMENTING
    )
    entities = models.ManyToManyField(
        "exhibit.Entity", blank=True, related_name="annotations", verbose_name="linked entities"
    )
    references = models.ManyToManyField(
        "exhibit.ArchivalReference",
        blank=True,
        related_name="annotations",
        verbose_name="cited sources",
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annotations",
        verbose_name="creator",
    )
    retired = models.BooleanField(
        "retired", default=False, help_text="Kept for the record, never shown to visitors."
    )

    objects = AnnotationManager()
    history = revision_history(m2m_fields=["entities", "references"])

    class Meta:
        ordering = ["essay", "start", "image", "pk"]
        verbose_name = "annotation"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(essay__isnull=False, image__isnull=True)
                | models.Q(essay__isnull=True, image__isnull=False),
                name="annotation_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    motivation__in=[
                        "commenting",
                        "identifying",
                        "describing",
                        "linking",
                        "tagging",
                        "questioning",
                    ]
                ),
                name="annotation_motivation_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(anchoring__in=["exact", "shifted", "fuzzy", "orphaned"]),
                name="annotation_anchoring_valid",
            ),
        ]

    def __str__(self):
        if self.essay_id:
            quote = self.exact if len(self.exact) <= 60 else f"{self.exact[:57]}…"
            return f"“{quote}”"
        return f"Region {self.xywh}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body, doc_id=f"a{self.uuid.hex[:8]}").html
        super().save(*args, **kwargs)

    def natural_key(self):
        return (str(self.uuid),)

    def get_absolute_url(self):
        return reverse("exhibit:annotation_detail", kwargs={"uuid": self.uuid})

    def clean(self):
        super().clean()
        if bool(self.essay_id) == bool(self.image_id):
            raise ValidationError(
                "An annotation targets either an essay passage or an image region."
            )
        if self.essay_id and not self.exact:
            raise ValidationError({"exact": "Select the passage this note is about."})
        if self.image_id:
            self.clean_region()

    def clean_region(self):
        match = XYWH.match(self.xywh or "")
        if not match:
            raise ValidationError(
                {"xywh": "Give the region as x,y,w,h in whole pixels, e.g. 749,1054,338,460."}
            )
        x, y, w, h = map(int, match.groups())
        if w == 0 or h == 0:
            raise ValidationError({"xywh": "The region needs a width and a height."})
        image = self.image
        if image.width and (x + w > image.width or y + h > image.height):
            raise ValidationError(
                {"xywh": f"The region runs outside the image ({image.width} × {image.height})."}
            )
        if self.polygon is not None:
            points = self.polygon
            if not (
                isinstance(points, list)
                and len(points) >= 3
                and all(
                    isinstance(p, list)
                    and len(p) == 2
                    and all(isinstance(v, int | float) for v in p)
                    for p in points
                )
            ):
                raise ValidationError({"polygon": "An outline is a list of at least three [x, y]."})

    @property
    def region(self):
        """``(x, y, w, h)`` of an image annotation, or None."""
        match = XYWH.match(self.xywh or "")
        return tuple(map(int, match.groups())) if match else None
