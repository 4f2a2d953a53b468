"""Where sources are held, and the exact place in a holding (STANDARDS.md §5)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from .base import Dated, TimeStamped, Visible, VisibleQuerySet, revision_history


class RepositoryQuerySet(VisibleQuerySet):
    """Public while they hold a source that published content cites or shows."""


class RepositoryManager(models.Manager.from_queryset(RepositoryQuerySet)):
    def get_by_natural_key(self, abbreviation):
        return self.get(abbreviation=abbreviation)


class Repository(Visible, TimeStamped):
    """An archive, library or museum that holds sources."""

    name = models.CharField("name in English", max_length=255)
    name_original = models.CharField(
        "name in the original language",
        max_length=255,
        blank=True,
        help_text="E.g. Государственный архив Липецкой области.",
    )
    abbreviation = models.CharField(
        "abbreviation",
        max_length=32,
        unique=True,
        help_text="The transliterated acronym used in citations, e.g. GALO or RGVA.",
    )
    slug = models.SlugField(
        "slug",
        max_length=64,
        unique=True,
        blank=True,
        help_text="Its address on the site, e.g. galo for /repositories/galo/. Left empty, "
        "it is made from the abbreviation.",
    )
    former_names = models.TextField(
        "former names",
        blank=True,
        help_text="One per line, with the years it was used, e.g. “TsGASA (1941–1992)”.",
    )
    place = models.CharField("city", max_length=120, blank=True)
    url = models.URLField("web site", blank=True)

    objects = RepositoryManager()
    history = revision_history(versioned=False)

    class Meta:
        ordering = ["abbreviation"]
        verbose_name = "repository"
        verbose_name_plural = "repositories"

    def __str__(self):
        return f"{self.abbreviation} — {self.name}"

    def natural_key(self):
        return (self.abbreviation,)

    def get_absolute_url(self):
        return reverse("exhibit:repository_detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_repository_slug(self)
        super().save(*args, **kwargs)

    @property
    def former_names_list(self):
        return [line.strip() for line in self.former_names.splitlines() if line.strip()]


def unique_repository_slug(repository):
    """A free slug from the abbreviation (``HA Krupp`` → ``ha-krupp``), else the name."""
    base = (slugify(repository.abbreviation) or slugify(repository.name) or "repository")[
        :60
    ].strip("-")
    taken = set(
        Repository.objects.filter(slug__startswith=base)
        .exclude(pk=repository.pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


class ArchivalReferenceQuerySet(VisibleQuerySet):
    """References have no status of their own, like entities: published content that cites
    or shows them (a note, an essay, an image held under it, a quotation block) does."""


def _leaf(number, verso):
    return f"{number}ob." if verso else number


class ArchivalReference(Visible, Dated, TimeStamped):
    """The exact place of a document in a repository.

    Russian archives: fond / opis / delo (or ed. khr.) / list(y), with "ob." for a verso.
    Western archives: collection (record group) / box / folder / item. Numbers are text because
    they carry letters ("R-1234", "3a"). The citation is generated from these fields, never stored.
    """

    class System(models.TextChoices):
        FOND = "fond", "Fond / opis / delo (Russian and Soviet archives)"
        BOX = "box", "Collection / box / folder (Western archives)"

    class FileUnit(models.TextChoices):
        DELO = "d.", "delo (d.)"
        ED_KHR = "ed. khr.", "edinitsa khraneniia (ed. khr.)"

    repository = models.ForeignKey(
        Repository, on_delete=models.PROTECT, related_name="references", verbose_name="repository"
    )
    system = models.CharField(
        "numbering system", max_length=8, choices=System.choices, default=System.FOND
    )
    fond = models.CharField("fond", max_length=32, blank=True, help_text="Collection, e.g. 2176.")
    opis = models.CharField("opis", max_length=32, blank=True, help_text="Inventory, e.g. 1.")
    delo = models.CharField("delo", max_length=32, blank=True, help_text="File, e.g. 1.")
    file_unit = models.CharField(
        "file unit", max_length=8, choices=FileUnit.choices, default=FileUnit.DELO
    )
    leaf_start = models.CharField("first folio (list)", max_length=16, blank=True)
    leaf_start_verso = models.BooleanField("first folio is verso (ob.)", default=False)
    leaf_end = models.CharField(
        "last folio", max_length=16, blank=True, help_text="Only for a range of folios."
    )
    leaf_end_verso = models.BooleanField("last folio is verso (ob.)", default=False)
    collection = models.CharField(
        "collection or record group",
        max_length=255,
        blank=True,
        help_text="Western archives: e.g. “RG 242” or “Collection of Foreign Records Seized”.",
    )
    box = models.CharField("box", max_length=32, blank=True)
    folder = models.CharField("folder", max_length=32, blank=True)
    item = models.CharField("item", max_length=32, blank=True)
    title = models.CharField(
        "document title",
        max_length=500,
        blank=True,
        help_text="Give the title and date, not just numbers: archives renumber their files.",
    )
    previous_reference = models.CharField(
        "earlier reference", max_length=255, blank=True, help_text="Numbering before a renumbering."
    )
    notes = models.TextField("notes", blank=True)

    objects = ArchivalReferenceQuerySet.as_manager()
    history = revision_history(versioned=False)

    class Meta:
        ordering = ["repository__abbreviation", "fond", "opis", "delo", "collection", "box"]
        verbose_name = "archival reference"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(system__in=["fond", "box"]), name="archref_system_valid"
            ),
        ]

    def __str__(self):
        return self.short_citation

    def clean(self):
        super().clean()
        if self.system == self.System.FOND and not self.fond:
            raise ValidationError({"fond": "A fond/opis/delo reference needs at least a fond."})
        if self.system == self.System.BOX and not (self.collection or self.box):
            raise ValidationError(
                {"collection": "A Western reference needs a collection or a box number."}
            )
        if self.leaf_end and not self.leaf_start:
            raise ValidationError({"leaf_start": "Give the first folio of the range."})

    @property
    def folios(self):
        if not self.leaf_start:
            return ""
        start = _leaf(self.leaf_start, self.leaf_start_verso)
        if not self.leaf_end:
            return f"l. {start}"
        return f"ll. {start}–{_leaf(self.leaf_end, self.leaf_end_verso)}"

    @property
    def short_citation(self):
        """The conventional form: ``GALO, f. 2176, op. 1, d. 1`` (``ll. 5–7ob.`` when given)."""
        abbreviation = self.repository.abbreviation if self.repository_id else ""
        parts = [abbreviation]
        if self.system == self.System.FOND:
            parts += [
                f"f. {self.fond}" if self.fond else "",
                f"op. {self.opis}" if self.opis else "",
                f"{self.file_unit} {self.delo}" if self.delo else "",
                self.folios,
            ]
        else:
            parts += [
                self.collection,
                f"box {self.box}" if self.box else "",
                f"folder {self.folder}" if self.folder else "",
                f"item {self.item}" if self.item else "",
            ]
        return ", ".join(part for part in parts if part)

    @property
    def long_form(self):
        """The spelled-out form: ``Fond 2176/Opis 1/Delo 1``."""
        if self.system == self.System.FOND:
            unit = "Delo" if self.file_unit == self.FileUnit.DELO else "Ed. khr."
            parts = [("Fond", self.fond), ("Opis", self.opis), (unit, self.delo)]
            if self.leaf_start:
                label = "Listy" if self.leaf_end else "List"
                parts.append((label, self.folios.split(" ", 1)[1]))
        else:
            parts = [
                ("", self.collection),
                ("Box", self.box),
                ("Folder", self.folder),
                ("Item", self.item),
            ]
        return "/".join(f"{label} {value}".strip() for label, value in parts if value)

    @property
    def full_citation(self):
        """Repository name, long form, then title and date: what a caption shows."""
        pieces = [f"{self.repository.name} [{self.repository.abbreviation}], {self.long_form}"]
        if self.title:
            pieces.append(self.title)
        if self.date:
            pieces.append(self.date_display)
        return ", ".join(pieces)
