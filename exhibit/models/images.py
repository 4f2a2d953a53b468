"""Archival photographs and scans, with their derivatives and rights."""

import functools

from django.db import models
from django.urls import reverse

from exhibit.services.imaging import validate_image_file
from exhibit.storage import get_private_storage

from .base import Dated, TimeStamped, Versioned, Visible, VisibleQuerySet, revision_history


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


OPEN_RIGHTS = {
    Rights.NO_COPYRIGHT_US,
    Rights.NO_KNOWN_COPYRIGHT,
    Rights.PUBLIC_DOMAIN_MARK,
    Rights.CC0,
    Rights.CC_BY,
    Rights.CC_BY_SA,
    Rights.CC_BY_NC,
    Rights.NO_COPYRIGHT_NC,
}


@functools.lru_cache(maxsize=64)
def _rendition_prefix(script_prefix, review_token, preview):
    """The URL path before ``<checksum>/<width>.<format>`` for one audience (reversed once:
    a gallery page asks for hundreds of rendition URLs)."""
    checksum = "0" * 64
    if review_token:
        name, kwargs = "exhibit:review_rendition", {"token": review_token}
    else:
        name, kwargs = ("exhibit:preview_rendition" if preview else "exhibit:rendition"), {}
    url = reverse(name, kwargs={**kwargs, "checksum": checksum, "width": 1, "extension": "jpg"})
    return url.removesuffix(f"{checksum}/1.jpg")


class RenditionUrls:
    """URLs of an image's JPEG and WebP renditions, for visitors, a review link or staff.

    Renditions are served by ``exhibit.views.renditions`` after the same check as the page
    that shows them, never straight from media storage.
    """

    def __init__(self, image, review_token=None, preview=False):
        from django.urls import get_script_prefix

        self.image = image
        self.prefix = _rendition_prefix(get_script_prefix(), review_token or None, bool(preview))

    def url(self, width, extension="jpg"):
        return f"{self.prefix}{self.image.checksum}/{width}.{extension}"

    def _srcset(self, extension):
        return ", ".join(
            f"{self.url(r['width'], extension)} {r['width']}w" for r in self.image.renditions
        )

    @property
    def srcset(self):
        return self._srcset("jpg")

    @property
    def srcset_webp(self):
        return self._srcset("webp")

    @property
    def thumbnail(self):
        if not self.image.renditions:
            return None
        smallest = self.image.renditions[0]
        return {**smallest, "url": self.url(smallest["width"])}

    @property
    def display(self):
        if not self.image.renditions:
            return None
        fitting = [r for r in self.image.renditions if r["width"] <= 1600]
        chosen = (fitting or self.image.renditions[:1])[-1]
        return {**chosen, "url": self.url(chosen["width"])}


class ImageQuerySet(VisibleQuerySet):
    def with_related(self):
        return self.select_related("creator", "archival_reference__repository").prefetch_related(
            "entities"
        )


class ImageManager(models.Manager.from_queryset(ImageQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


# What processing records about itself: neither a curator's edit nor part of the history.
PROCESSING_FIELDS = ["processing_state", "processing_error", "processed_at", "processing_started"]


def original_path(instance, filename):
    return f"originals/{instance.checksum[:2]}/{instance.checksum}/{filename}"


class Image(Visible, Dated, Versioned, TimeStamped):
    class Processing(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    title = models.CharField("title", max_length=255)
    slug = models.SlugField("slug", max_length=255, unique=True)
    original = models.FileField(
        "original file",
        upload_to=original_path,
        max_length=255,
        validators=[validate_image_file],
        storage=get_private_storage,
        help_text="JPEG, PNG, TIFF or WebP. Kept byte for byte, privately; visitors see "
        "derivatives and zoom tiles.",
    )
    original_filename = models.CharField("uploaded file name", max_length=255, editable=False)
    checksum = models.CharField("SHA-256", max_length=64, editable=False, db_index=True)
    file_size = models.PositiveBigIntegerField("file size (bytes)", editable=False, default=0)
    format = models.CharField("format", max_length=8, editable=False)
    width = models.PositiveIntegerField("width (px)", editable=False, default=0)
    height = models.PositiveIntegerField("height (px)", editable=False, default=0)
    renditions = models.JSONField(
        "renditions", default=list, blank=True, editable=False,
        help_text="Widths and heights of the JPEG and WebP derivatives made for srcset.",
    )  # fmt: skip
    processing_state = models.CharField(
        "processing", max_length=12, choices=Processing.choices, default=Processing.PENDING,
        editable=False,
    )  # fmt: skip
    processing_error = models.TextField("processing error", blank=True, editable=False)
    processed_at = models.DateTimeField("processed", null=True, blank=True, editable=False)
    processing_started = models.DateTimeField(
        "processing started", null=True, blank=True, editable=False
    )
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
    allow_download = models.BooleanField(
        "visitors may download the original",
        null=True,
        blank=True,
        help_text="Unknown (empty) follows the rights statement: open licences and public "
        "domain allow it, anything else does not.",
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
    # Metadata only: the file is referred to by name, never copied, and what processing
    # derives from it is made again when a deleted image is recovered.
    history = revision_history(
        excluded_fields=[*PROCESSING_FIELDS, "renditions"],
        m2m_fields=["entities"],
    )

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
    def downloadable(self):
        """Whether visitors may download the original: the setting, else the rights."""
        if self.allow_download is not None:
            return self.allow_download
        return self.rights in OPEN_RIGHTS

    @property
    def is_ready(self):
        return self.processing_state == self.Processing.READY and bool(self.renditions)

    def rendition_url(self, width, extension="jpg"):
        """The public URL of one rendition (it answers only while the image is published)."""
        return self.rendition_urls().url(width, extension)

    def rendition_urls(self, review_token=None, preview=False):
        """This image's rendition URLs for one audience: visitors, the readers of one review
        link (``review_token``), or staff (``preview``). Each is served after its own check."""
        return RenditionUrls(self, review_token=review_token, preview=preview)

    @property
    def srcset(self):
        return self.rendition_urls().srcset

    @property
    def srcset_webp(self):
        return self.rendition_urls().srcset_webp

    @property
    def thumbnail(self):
        """The smallest rendition: ``{"width", "height", "url"}``, or None before processing."""
        return self.rendition_urls().thumbnail

    @property
    def display(self):
        """The rendition for a page-wide view (1600 px, or the largest there is)."""
        return self.rendition_urls().display

    # A new original is inspected before the save and processed after it (a queued task):
    # ``apps.connect_image_processing``, so that models know nothing of tasks and files.
