"""Archival photographs and scans, with their derivatives and rights."""

from django.db import models, transaction
from django.urls import reverse

from exhibit.services.imaging import validate_image_file

from .base import Dated, TimeStamped


class Rights(models.TextChoices):
    """Rights statements a curator picks from: RightsStatements.org and Creative Commons URIs."""

    IN_COPYRIGHT = "http://rightsstatements.org/vocab/InC/1.0/", "In Copyright"
    IN_COPYRIGHT_EDU = (
        "http://rightsstatements.org/vocab/InC-EDU/1.0/",
        "In Copyright – Educational Use Permitted",
    )
    IN_COPYRIGHT_NC = (
        "http://rightsstatements.org/vocab/InC-NC/1.0/",
        "In Copyright – Non-Commercial Use Permitted",
    )
    NO_COPYRIGHT_US = (
        "http://rightsstatements.org/vocab/NoC-US/1.0/",
        "No Copyright – United States",
    )
    NO_COPYRIGHT_NC = (
        "http://rightsstatements.org/vocab/NoC-NC/1.0/",
        "No Copyright – Non-Commercial Use Only",
    )
    NO_COPYRIGHT_RESTRICTIONS = (
        "http://rightsstatements.org/vocab/NoC-OKLR/1.0/",
        "No Copyright – Other Known Legal Restrictions",
    )
    NO_KNOWN_COPYRIGHT = "http://rightsstatements.org/vocab/NKC/1.0/", "No Known Copyright"
    NOT_EVALUATED = "http://rightsstatements.org/vocab/CNE/1.0/", "Copyright Not Evaluated"
    UNDETERMINED = "http://rightsstatements.org/vocab/UND/1.0/", "Copyright Undetermined"
    PUBLIC_DOMAIN_MARK = (
        "http://creativecommons.org/publicdomain/mark/1.0/",
        "Public Domain Mark 1.0",
    )
    CC0 = "http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 Universal"
    CC_BY = "http://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0"
    CC_BY_SA = (
        "http://creativecommons.org/licenses/by-sa/4.0/",
        "Creative Commons Attribution-ShareAlike 4.0",
    )
    CC_BY_NC = (
        "http://creativecommons.org/licenses/by-nc/4.0/",
        "Creative Commons Attribution-NonCommercial 4.0",
    )


class ImageQuerySet(models.QuerySet):
    def published(self):
        """Images used by published content: in a block, a gallery, or as an exhibit's cover."""
        from .exhibits import Block, Exhibit

        image = models.OuterRef("pk")
        return self.filter(
            models.Exists(Block.objects.published().filter(image=image))
            | models.Exists(Block.objects.published().filter(gallery=image))
            | models.Exists(Exhibit.objects.published().filter(cover_image=image))
        )

    def with_related(self):
        return self.select_related("creator", "archival_reference__repository").prefetch_related(
            "entities"
        )


class ImageManager(models.Manager.from_queryset(ImageQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


def original_path(instance, filename):
    return f"originals/{instance.checksum[:2]}/{instance.checksum}/{filename}"


class Image(Dated, TimeStamped):
    title = models.CharField("title", max_length=255)
    slug = models.SlugField("slug", max_length=255, unique=True)
    original = models.FileField(
        "original file",
        upload_to=original_path,
        max_length=255,
        validators=[validate_image_file],
        help_text="JPEG, PNG, TIFF or WebP. Kept byte for byte; visitors see derivatives.",
    )
    original_filename = models.CharField("uploaded file name", max_length=255, editable=False)
    checksum = models.CharField("SHA-256", max_length=64, editable=False, db_index=True)
    file_size = models.PositiveBigIntegerField("file size (bytes)", editable=False, default=0)
    format = models.CharField("format", max_length=8, editable=False)
    width = models.PositiveIntegerField("width (px)", editable=False, default=0)
    height = models.PositiveIntegerField("height (px)", editable=False, default=0)
    display = models.ImageField(
        "display derivative", upload_to="derivatives/", blank=True, editable=False,
        width_field="display_width", height_field="display_height",
    )  # fmt: skip
    display_width = models.PositiveIntegerField(editable=False, null=True)
    display_height = models.PositiveIntegerField(editable=False, null=True)
    thumbnail = models.ImageField(
        "thumbnail", upload_to="derivatives/", blank=True, editable=False,
        width_field="thumbnail_width", height_field="thumbnail_height",
    )  # fmt: skip
    thumbnail_width = models.PositiveIntegerField(editable=False, null=True)
    thumbnail_height = models.PositiveIntegerField(editable=False, null=True)

    alt_text = models.CharField(
        "alt text",
        max_length=500,
        help_text="What the picture shows, for people who cannot see it. Not the caption.",
    )
    caption = models.TextField("caption", blank=True)
    credit_line = models.CharField(
        "credit line",
        max_length=500,
        blank=True,
        help_text="As the holder asks to be credited, e.g. “Courtesy of GALO, Lipetsk”.",
    )
    creator = models.ForeignKey(
        "exhibit.Contributor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="images",
        verbose_name="creator",
        help_text="The photographer or maker, if known.",
    )
    archival_reference = models.ForeignKey(
        "exhibit.ArchivalReference",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="images",
        verbose_name="archival reference",
    )
    rights = models.CharField(
        "rights statement",
        max_length=100,
        choices=Rights.choices,
        default=Rights.NOT_EVALUATED,
    )
    is_placeholder = models.BooleanField(
        "placeholder",
        default=False,
        help_text="A generated stand-in for a scan we do not have; labelled as such on pages.",
    )
    entities = models.ManyToManyField(
        "exhibit.Entity",
        blank=True,
        related_name="images",
        verbose_name="people, places and events shown",
    )

    objects = ImageManager()

    class Meta:
        ordering = ["title"]
        verbose_name = "image"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rights__in=Rights.values), name="image_rights_valid"
            )
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("exhibit:image_detail", kwargs={"slug": self.slug})

    def get_preview_url(self):
        return reverse("exhibit:preview_image", kwargs={"slug": self.slug})

    @property
    def rights_label(self):
        return Rights(self.rights).label if self.rights in Rights.values else self.rights

    @property
    def srcset(self):
        candidates = []
        if self.thumbnail:
            candidates.append(f"{self.thumbnail.url} {self.thumbnail_width}w")
        if self.display:
            candidates.append(f"{self.display.url} {self.display_width}w")
        return ", ".join(candidates)

    def save(self, *args, **kwargs):
        from exhibit.services.imaging import inspect_image, make_derivatives

        new_file = bool(self.original) and not self.original._committed
        replaced = None
        if new_file and self.pk:
            replaced = (
                type(self).objects.filter(pk=self.pk).values_list("original", flat=True).first()
            )
        if new_file:
            info = getattr(self.original, "_image_info", None) or inspect_image(self.original)
            self.checksum = info.checksum
            self.width, self.height = info.width, info.height
            self.format = info.format
            self.file_size = info.size
            self.original_filename = self.original.name.rsplit("/", 1)[-1][:255]
        super().save(*args, **kwargs)
        if new_file or not self.display:
            make_derivatives(self)
        if replaced and replaced != self.original.name:
            # The old original goes once the new one is safely recorded, never before.
            storage, name = self.original.storage, replaced
            transaction.on_commit(lambda: storage.delete(name))
