"""People, places, organisations and events that content links to."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from .base import Dated, TimeStamped, Versioned, Visible, VisibleQuerySet, revision_history

wikidata_validator = RegexValidator(
    r"^Q[1-9]\d*$", "A Wikidata identifier is Q followed by digits, e.g. Q62293."
)
viaf_validator = RegexValidator(
    r"^[1-9]\d{0,21}$", "A VIAF identifier is a number of up to 22 digits, e.g. 9847974."
)
geonames_validator = RegexValidator(
    r"^[1-9]\d{0,9}$", "A GeoNames identifier is a number, e.g. 535121."
)


# The URL segment of each kind's A-Z index: /entities/people/ lists the persons. Entity pages
# live at /entities/<slug>/ too, so no entity may take one of these as its slug.
KIND_PATHS = {
    "people": "person",
    "places": "place",
    "organisations": "organisation",
    "events": "event",
}
RESERVED_SLUGS = set(KIND_PATHS)


class EntityQuerySet(VisibleQuerySet):
    """Entities have no status of their own: published content that links them shows them."""


class EntityManager(models.Manager.from_queryset(EntityQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Entity(Visible, Dated, Versioned, TimeStamped):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        PLACE = "place", "Place"
        ORGANISATION = "organisation", "Organisation"
        EVENT = "event", "Event"

    kind = models.CharField("kind", max_length=16, choices=Kind.choices)
    name = models.CharField("name", max_length=255)
    slug = models.SlugField("slug", max_length=255, unique=True)
    sort_name = models.CharField(
        "index form",
        max_length=255,
        blank=True,
        help_text="How the A–Z index files and shows it, surname first: “Seeckt, Hans von”. "
        "Left empty, the name.",
    )
    alternative_names = models.TextField(
        "alternative names",
        blank=True,
        help_text="One per line: other spellings, transliterations, names in other scripts "
        "(Lipezk, Липецк).",
    )
    description = models.TextField("short description", blank=True)
    latitude = models.DecimalField(
        "latitude",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="Places only: decimal degrees, north positive (Lipetsk: 52.6031).",
    )
    longitude = models.DecimalField(
        "longitude",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="Places only: decimal degrees, east positive (Lipetsk: 39.5708).",
    )
    wikidata = models.CharField(
        "Wikidata ID", max_length=16, blank=True, validators=[wikidata_validator]
    )
    viaf = models.CharField("VIAF ID", max_length=22, blank=True, validators=[viaf_validator])
    geonames = models.CharField(
        "GeoNames ID", max_length=10, blank=True, validators=[geonames_validator]
    )

    objects = EntityManager()
    history = revision_history()

    class Meta:
        ordering = ["name"]
        verbose_name = "entity"
        verbose_name_plural = "entities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["person", "place", "organisation", "event"]),
                name="entity_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="entity_coordinates_paired",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display().lower()})"

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("exhibit:entity_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError("Give both latitude and longitude, or neither.")
        if self.latitude is not None and self.kind != self.Kind.PLACE:
            raise ValidationError({"latitude": "Only places have coordinates."})
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": f"“{self.slug}” is the address of an index page; choose another slug."}
            )

    @property
    def index_name(self):
        return self.sort_name or self.name

    @property
    def alternative_names_list(self):
        return [line.strip() for line in self.alternative_names.splitlines() if line.strip()]

    @property
    def identifier_links(self):
        links = []
        if self.wikidata:
            links.append(
                ("Wikidata", self.wikidata, f"https://www.wikidata.org/wiki/{self.wikidata}")
            )
        if self.viaf:
            links.append(("VIAF", self.viaf, f"https://viaf.org/viaf/{self.viaf}/"))
        if self.geonames:
            links.append(("GeoNames", self.geonames, f"https://www.geonames.org/{self.geonames}/"))
        return links


class IndexName(models.Model):
    """One line of an A–Z index, kept so that a letter bar and a page of a letter are one
    query each, in the database's order, however big the collection: an entity under its
    index form, or one of its other names filed in its own place as a cross-reference
    (``see``). Derived from the entity (``exhibit.services.index_names`` rewrites an entity's
    lines whenever it is saved), never edited; ``sort_key`` and ``letter`` come from
    ``exhibit.collation``."""

    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="index_names", editable=False
    )
    kind = models.CharField("kind", max_length=16, choices=Entity.Kind.choices, editable=False)
    name = models.CharField("name", max_length=255, editable=False)
    sort_key = models.CharField("sort key", max_length=1024, editable=False)
    letter = models.CharField("letter", max_length=4, editable=False)
    see = models.BooleanField("cross-reference", default=False, editable=False)

    class Meta:
        verbose_name = "index name"
        indexes = [
            models.Index(fields=["kind", "letter", "sort_key"], name="indexname_letter_page"),
        ]

    def __str__(self):
        return self.name
