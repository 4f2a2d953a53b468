"""Shared vocabulary of the models: timestamps, publication status and approximate dates."""

from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from simple_history.models import HistoricalRecords

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


class LinkSnapshot(models.Model):
    """Base of the historical rows of models whose links are versioned too.

    Rows written before links were versioned hold no snapshot of them (migration
    ``link_history`` marks them); restoring such a version leaves the current links alone.
    """

    links_recorded = models.BooleanField(
        "links recorded", default=True, editable=False, help_text="False before link history."
    )

    class Meta:
        abstract = True


class RevisionHistory(HistoricalRecords):
    """django-simple-history's records, whose versions also hold their many-to-many links.

    ``m2m_fields`` is the library's own snapshot of the through rows (entities, sources, a
    gallery's images with their order and captions) in every version. Three additions:

    - **One version per save.** The library writes a version on save and another on every
      link change after it. Links changed on the object just saved (the admin's form saves
      them after the object; a service sets them after creating it) are written into the
      version that save made instead, so a version is what the curator saved.
      ``record_links()`` does the same for through rows saved directly (inline gallery images).
    - **Deletion records** keep the links as they were before the deletion cut them.
    - **Changes from the other end** (``entity.annotations.add(note)``) are versions of the
      notes, not an error.
    """

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            sender._revision_history = self  # for record_links() from services and the admin

    def get_history_model_name(self, model):
        name = super().get_history_model_name(model)
        owner = self.cls._meta.object_name
        if model is not self.cls and not model._meta.object_name.startswith(owner):
            # A through model with history of its own (GalleryItem): another name than its own.
            name = f"Historical{owner}{model._meta.object_name}"
        return name

    def create_historical_record_m2ms(self, history_instance, instance):
        instance._latest_version = history_instance
        before = getattr(instance, "_links_before_delete", None)
        if history_instance.history_type == "-" and before is not None:
            for field, rows in before.items():
                version_model = self.m2m_models[field]
                version_model.objects.bulk_create(
                    version_model(
                        history=history_instance,
                        **{f.attname: getattr(row, f.attname) for f in row._meta.fields},
                    )
                    for row in rows
                )
            return
        super().create_historical_record_m2ms(history_instance, instance)

    def pre_delete(self, instance, **kwargs):
        super().pre_delete(instance, **kwargs)
        instance._links_before_delete = {
            field: list(
                field.remote_field.through._default_manager.filter(
                    **{field.m2m_field_name(): instance.pk}
                )
            )
            for field in self.get_m2m_fields_from_model(type(instance))
        }

    def record_links(self, instance):
        """Rewrite the links of the version ``instance``'s last save made, as they are now."""
        version = getattr(instance, "_latest_version", None)
        if version is None or hasattr(instance, "skip_history_when_saving"):
            return False
        for field in version._history_m2m_fields:
            self.m2m_models[field].objects.filter(history=version).delete()
        super().create_historical_record_m2ms(version, instance)
        return True

    def m2m_changed(self, instance, action, attr, pk_set, reverse, model=None, **kwargs):
        if hasattr(instance, "skip_history_when_saving"):
            return
        if reverse:  # ``instance`` is the other end; the objects with history are in pk_set
            field = self.cls._meta.get_field(attr)
            if action == "pre_clear":
                instance._linked_before_clear = list(
                    field.remote_field.through._default_manager.filter(
                        **{field.m2m_reverse_field_name(): instance.pk}
                    ).values_list(field.m2m_field_name() + "_id", flat=True)
                )
                return
            if action in ("post_add", "post_remove", "post_clear"):
                pks = pk_set if action != "post_clear" else instance._linked_before_clear
                for obj in self.cls._default_manager.filter(pk__in=pks or ()):
                    self.create_historical_record(obj, "~")
            return
        if action in ("post_add", "post_remove", "post_clear") and self.record_links(instance):
            return
        super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)


def _history_options(versioned=True, m2m_fields=(), **kwargs):
    # The moment a version became visible is derived, not edited: restoring sets it anew.
    excluded = [
        "visible_from",
        *(["version"] if versioned else []),
        *kwargs.pop("excluded_fields", []),
    ]
    if m2m_fields:
        kwargs["m2m_fields"] = list(m2m_fields)
        kwargs["bases"] = [LinkSnapshot]
    return {"excluded_fields": excluded, **kwargs}


def revision_history(*, versioned=True, m2m_fields=(), **kwargs):
    """Revision history for a model: who changed what, when, for compare, restore and recovery.

    The edit counter of a ``Versioned`` model is left out: a restored version takes the
    current one, so restoring is never mistaken for an edit conflict. ``m2m_fields`` are the
    links each version holds too (``RevisionHistory``).
    """
    return RevisionHistory(**_history_options(versioned, m2m_fields, **kwargs))


def register_revision_history(model, *, versioned=True, m2m_fields=(), **kwargs):
    """``revision_history`` for a model whose versioned links go through a model defined after
    it (a gallery's items): call it once that model exists."""
    from simple_history import register

    register(
        model,
        records_class=RevisionHistory,
        **_history_options(versioned, m2m_fields, **kwargs),
    )


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


# Sent by ``ObservedQuerySet.update()`` before the rows change, with the queryset and the names
# of the fields it sets. A receiver may return a callable: it runs once the rows have changed.
# (``exhibit.visibility`` keeps the stored visibility exact through ``queryset.update()``.)
queryset_updating = Signal()
# Sent by ``ObservedQuerySet.bulk_create()`` with the objects it inserted (which have their
# primary keys on PostgreSQL and SQLite, unless conflicts were ignored).
queryset_created = Signal()


class ObservedQuerySet(models.QuerySet):
    """A queryset whose ``update()`` and ``bulk_create()`` tell receivers, as a save does."""

    def update(self, **kwargs):
        responses = queryset_updating.send(sender=self.model, queryset=self, fields=set(kwargs))
        after = [response for _, response in responses if callable(response)]
        rows = super().update(**kwargs)
        for callback in after:
            callback()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        queryset_created.send(sender=self.model, objs=created)
        return created


class VisibleQuerySet(ObservedQuerySet):
    def published(self):
        """What visitors may see now: the time stored in ``visible_from`` has come.

        ``exhibit.visibility`` writes that time whenever anything it depends on changes, so
        this reads one indexed column and never walks the chain of parents.
        """
        return self.filter(visible_from__lte=timezone.now())


class Visible(models.Model):
    """A public object: visitors see it from ``visible_from`` on (never while it is empty).

    Derived from the object's own status and the content that shows it, and written by
    ``exhibit.visibility`` only; see that module for the rule.
    """

    visible_from = models.DateTimeField(
        "visible from", null=True, blank=True, db_index=True, editable=False
    )

    class Meta:
        abstract = True

    @property
    def is_visible(self):
        """Whether visitors may see it now: ``published()``'s rule for one loaded object."""
        return self.visible_from is not None and self.visible_from <= timezone.now()


class PublishableQuerySet(VisibleQuerySet):
    pass


class Publishable(Visible):
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
