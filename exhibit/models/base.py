"""Shared vocabulary of the models: timestamps, publication status and approximate dates."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from exhibit.dates import DateParseError, parse_date


class TimeStamped(models.Model):
    created = models.DateTimeField("created", auto_now_add=True, editable=False)
    modified = models.DateTimeField("last modified", auto_now=True, editable=False)

    class Meta:
        abstract = True


class Versioned(models.Model):
    """A counter bumped on every full save, so an edit form can tell it is out of date.

    The admin's forms carry the version they were loaded with and refuse to save over a newer
    one (``exhibit.admin.history``). Saves limited by ``update_fields`` (re-anchoring,
    image processing) leave it alone unless they name it.
    """

    version = models.PositiveIntegerField("version", default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "version" in update_fields:
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)


def revision_history(*, versioned=True, **kwargs):
    """Revision history for a model: who changed what, when, for compare, restore and recovery.

    The edit counter of a ``Versioned`` model is left out: a restored version takes the
    current one, so restoring is never mistaken for an edit conflict.
    """
    from simple_history.models import HistoricalRecords

    excluded = [*(["version"] if versioned else []), *kwargs.pop("excluded_fields", [])]
    return HistoricalRecords(excluded_fields=excluded, **kwargs)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


def published_q(prefix="", now=None):
    """The visibility rule for one publishable object, reachable through ``prefix``."""
    now = now or timezone.now()
    return models.Q(**{f"{prefix}status": Status.PUBLISHED, f"{prefix}published_at__lte": now})


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_q())


class Publishable(models.Model):
    """Draft → in review → published, with a publish time that may lie in the future."""

    status = models.CharField(
        "status", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        db_index=True,
        help_text="When visitors may first see it. Left empty, publishing sets it to now; "
        "a future time schedules it.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_live(self):
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


def status_constraint(model_name):
    return models.CheckConstraint(
        condition=models.Q(status__in=Status.values), name=f"{model_name}_status_valid"
    )


class Dated(models.Model):
    """An approximate date as curators write it, with the range it stands for, for sorting."""

    date = models.CharField(
        "date",
        max_length=64,
        blank=True,
        help_text="As precise as is known: 1928, 1926-12, 1926-12-03, c. 1928, 1928?, 1920s, "
        "an interval such as 1925/1933, an open one (1925/.. or ../1933), before 1930, "
        "after 1925.",
    )
    date_earliest = models.DateField("earliest date", null=True, blank=True, editable=False)
    date_latest = models.DateField("latest date", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        parsed = self.parsed_date
        self.date_earliest = parsed.earliest if parsed else None
        self.date_latest = parsed.latest if parsed else None
        super().save(*args, **kwargs)

    @property
    def parsed_date(self):
        if not self.date:
            return None
        try:
            return parse_date(self.date)
        except DateParseError:
            return None

    @property
    def date_display(self):
        parsed = self.parsed_date
        return parsed.display if parsed else self.date

    @property
    def date_short(self):
        parsed = self.parsed_date
        return parsed.short if parsed else self.date

    def clean(self):
        super().clean()
        if self.date:
            try:
                parse_date(self.date)
            except DateParseError as error:
                raise ValidationError({"date": str(error)}) from error
