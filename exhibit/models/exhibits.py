"""Exhibits, their ordered sections, and the ordered blocks a section is made of."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from exhibit.services.rendering import render_markdown

from .base import (
    ObservedQuerySet,
    Publishable,
    PublishableQuerySet,
    TimeStamped,
    Versioned,
    Visible,
    VisibleQuerySet,
    register_revision_history,
    revision_history,
    status_constraint,
)


class ExhibitQuerySet(PublishableQuerySet):
    def with_related(self):
        return self.select_related("cover_image").prefetch_related("curators")


class ExhibitManager(models.Manager.from_queryset(ExhibitQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Exhibit(Publishable, Versioned, TimeStamped):
    title = models.CharField("title", max_length=255)
    slug = models.SlugField("slug", max_length=255, unique=True, help_text="Part of its URL.")
    subtitle = models.CharField("subtitle", max_length=255, blank=True)
    summary = models.TextField(
        "summary",
        max_length=600,
        help_text="Plain text, one or two sentences: shown in lists, search results and as the "
        "page description for search engines.",
    )
    introduction = models.TextField("introduction (Markdown)", blank=True)
    introduction_html = models.TextField(blank=True, editable=False)
    cover_image = models.ForeignKey(
        "exhibit.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cover_of",
        verbose_name="cover image",
    )
    curators = models.ManyToManyField(
        "exhibit.Contributor", blank=True, related_name="exhibits", verbose_name="curators"
    )
    credits = models.TextField(
        "credits (Markdown)", blank=True, help_text="Acknowledgements, lenders, translators."
    )
    credits_html = models.TextField(blank=True, editable=False)
    featured = models.BooleanField("featured on the home page", default=False)
    order = models.IntegerField("order", default=0, help_text="Lower numbers are listed first.")

    objects = ExhibitManager()
    history = revision_history(m2m_fields=["curators"])

    class Meta:
        ordering = ["order", "-published_at", "title"]
        verbose_name = "exhibit"
        permissions = [("publish_exhibit", "Can publish and unpublish exhibits")]
        constraints = [status_constraint("exhibit")]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("exhibit:exhibit_detail", kwargs={"slug": self.slug})

    def get_preview_url(self):
        return reverse("exhibit:preview_exhibit", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        self.introduction_html = render_markdown(self.introduction, doc_id=f"x{self.slug}").html
        self.credits_html = render_markdown(self.credits, doc_id=f"c{self.slug}").html
        super().save(*args, **kwargs)


class SectionQuerySet(PublishableQuerySet):
    pass


class SectionManager(models.Manager.from_queryset(SectionQuerySet)):
    def get_by_natural_key(self, exhibit_slug, slug):
        return self.get(exhibit__slug=exhibit_slug, slug=slug)


class Section(Publishable, Versioned, TimeStamped):
    exhibit = models.ForeignKey(
        Exhibit, on_delete=models.CASCADE, related_name="sections", verbose_name="exhibit"
    )
    title = models.CharField("title", max_length=255)
    slug = models.SlugField("slug", max_length=255, help_text="Unique within the exhibit.")
    summary = models.TextField(
        "summary", blank=True, max_length=600, help_text="Plain text: the page description."
    )
    order = models.PositiveIntegerField("order", default=0)

    objects = SectionManager()
    history = revision_history()

    class Meta:
        ordering = ["exhibit", "order", "pk"]
        verbose_name = "section"
        permissions = [("publish_section", "Can publish and unpublish sections")]
        constraints = [
            status_constraint("section"),
            models.UniqueConstraint(fields=["exhibit", "slug"], name="section_slug_unique"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.exhibit.natural_key(), self.slug)

    natural_key.dependencies = ["exhibit.exhibit"]

    def get_absolute_url(self):
        return reverse(
            "exhibit:section_detail", kwargs={"exhibit": self.exhibit.slug, "slug": self.slug}
        )

    def get_preview_url(self):
        return reverse(
            "exhibit:preview_section", kwargs={"exhibit": self.exhibit.slug, "slug": self.slug}
        )


class BlockQuerySet(VisibleQuerySet):
    def with_related(self):
        from .essays import Essay, EssayAuthor

        return self.select_related(
            "image__archival_reference__repository",
            "quote_reference__repository",
        ).prefetch_related(
            models.Prefetch(
                "galleryitem_set",
                queryset=GalleryItem.objects.select_related(
                    "image__archival_reference__repository"
                ),
            ),
            models.Prefetch(
                "essay",
                queryset=Essay.objects.prefetch_related(
                    models.Prefetch(
                        "essayauthor_set",
                        queryset=EssayAuthor.objects.select_related("contributor"),
                    )
                ),
            ),
            "entities",
        )


class Block(Visible, Versioned, TimeStamped):
    """One ordered piece of a section. Which fields matter depends on its kind."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        IMAGE = "image", "Image"
        GALLERY = "gallery", "Gallery"
        QUOTATION = "quotation", "Quotation"
        ESSAY = "essay", "Essay"
        ENTITIES = "entities", "Entity cards"

    class EssayDisplay(models.TextChoices):
        LINK = "link", "Link with abstract"
        EMBED = "embed", "Full text embedded"

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="blocks", verbose_name="section"
    )
    order = models.PositiveIntegerField("order", default=0)
    kind = models.CharField("kind", max_length=16, choices=Kind.choices, default=Kind.TEXT)
    heading = models.CharField("heading", max_length=255, blank=True)
    text = models.TextField(
        "text (Markdown)", blank=True, help_text="Text blocks; for other kinds, an introduction."
    )
    text_html = models.TextField(blank=True, editable=False)
    image = models.ForeignKey(
        "exhibit.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="blocks",
        verbose_name="image",
        help_text="Image blocks.",
    )
    gallery = models.ManyToManyField(
        "exhibit.Image",
        through="GalleryItem",
        related_name="gallery_blocks",
        blank=True,
        verbose_name="gallery images",
    )
    quote = models.TextField("quotation", blank=True, help_text="Quotation blocks.")
    quote_html = models.TextField(blank=True, editable=False)
    quote_attribution = models.CharField(
        "attribution", max_length=255, blank=True, help_text="Who said or wrote it."
    )
    quote_source = models.CharField(
        "source", max_length=500, blank=True, help_text="Where it was said or written, and when."
    )
    quote_reference = models.ForeignKey(
        "exhibit.ArchivalReference",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotations",
        verbose_name="archival reference",
    )
    essay = models.ForeignKey(
        "exhibit.Essay",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="blocks",
        verbose_name="essay",
    )
    essay_display = models.CharField(
        "show the essay as",
        max_length=8,
        choices=EssayDisplay.choices,
        default=EssayDisplay.LINK,
    )
    entities = models.ManyToManyField(
        "exhibit.Entity", blank=True, related_name="blocks", verbose_name="entities"
    )

    objects = BlockQuerySet.as_manager()
    # history: registered below, once GalleryItem (its gallery's through model) exists.

    class Meta:
        ordering = ["section", "order", "pk"]
        verbose_name = "block"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["text", "image", "gallery", "quotation", "essay", "entities"]
                ),
                name="block_kind_valid",
            ),
        ]

    def __str__(self):
        label = self.heading or self.get_kind_display()
        return f"{self.order}. {label}"

    def clean(self):
        super().clean()
        checks = {
            self.Kind.TEXT: ("text", self.text.strip(), "Write the text of this block."),
            self.Kind.IMAGE: ("image", self.image_id, "Choose the image this block shows."),
            self.Kind.QUOTATION: ("quote", self.quote.strip(), "Enter the quotation."),
            self.Kind.ESSAY: ("essay", self.essay_id, "Choose the essay to link or embed."),
        }
        if self.kind in checks:
            field, present, message = checks[self.kind]
            if not present:
                raise ValidationError({field: message})

    def save(self, *args, **kwargs):
        doc_id = f"b{self.section_id}-{self.order}"
        self.text_html = render_markdown(self.text, doc_id=doc_id).html
        self.quote_html = render_markdown(self.quote).html
        super().save(*args, **kwargs)

    @property
    def gallery_items(self):
        return self.galleryitem_set.all()


class GalleryItem(models.Model):
    block = models.ForeignKey(Block, on_delete=models.CASCADE)
    image = models.ForeignKey("exhibit.Image", on_delete=models.PROTECT, verbose_name="image")
    order = models.PositiveIntegerField("order", default=0)
    caption = models.CharField(
        "caption here", max_length=500, blank=True, help_text="Replaces the image's own caption."
    )

    objects = ObservedQuerySet.as_manager()
    history = revision_history(versioned=False)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "gallery image"

    def __str__(self):
        return str(self.image)


# A gallery block's versions hold its images with their order and captions, and its entities.
register_revision_history(Block, m2m_fields=["gallery", "entities"])
