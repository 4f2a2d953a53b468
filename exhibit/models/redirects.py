"""Old slugs of public objects, so that a changed URL keeps answering (with a 301)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models


class SlugRedirect(models.Model):
    """A slug an exhibit, section, essay, image or entity had before a curator changed it.

    Recorded on save (see ``record_slug_change``). Views consult it only when no object owns
    the requested slug now, and only among the objects the visitor may see, so an old slug of
    an unpublished object answers 404 like any other. When an object takes a slug that
    another object once had, that old record is deleted: the new owner keeps its URL.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name="kind of object"
    )
    object_id = models.PositiveBigIntegerField("object id")
    old_slug = models.SlugField("old slug", max_length=255)
    created = models.DateTimeField("changed", auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "old URL"
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "old_slug"], name="slugredirect_unique"
            )
        ]
        indexes = [models.Index(fields=["content_type", "old_slug"], name="slugredirect_lookup")]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id}: {self.old_slug}"


def _scope(instance):
    """Objects whose slugs share one namespace with ``instance``'s (a section's: its exhibit's)."""
    model = type(instance)
    if model._meta.model_name == "section":
        return model.objects.filter(exhibit_id=instance.exhibit_id)
    return model.objects.all()


def remember_old_slug(sender, instance, **kwargs):
    """pre_save: note the slug the object had in the database, if any."""
    if instance.pk is None:
        instance._old_slug = None
        return
    instance._old_slug = (
        type(instance).objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    )


def record_slug_change(sender, instance, created, raw=False, **kwargs):
    """post_save: keep the old slug as a redirect; free the new one from older records."""
    if raw:
        return
    content_type = ContentType.objects.get_for_model(type(instance))
    in_scope = _scope(instance).values("pk")
    # Whoever owns a slug now keeps it: drop records that would send it elsewhere (or to
    # itself, when an object takes back a slug it had before).
    SlugRedirect.objects.filter(
        content_type=content_type, old_slug=instance.slug, object_id__in=in_scope
    ).delete()
    old = getattr(instance, "_old_slug", None)
    if old and old != instance.slug:
        SlugRedirect.objects.get_or_create(
            content_type=content_type, object_id=instance.pk, old_slug=old
        )


def forget_slugs(sender, instance, **kwargs):
    """post_delete: a deleted object's old slugs lead nowhere any more."""
    SlugRedirect.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)), object_id=instance.pk
    ).delete()


def find_redirect(queryset, slug):
    """The object of ``queryset`` that once had ``slug`` (the latest such), or None.

    ``queryset`` decides what may be found: pass the visitor's visible objects (or, for a
    section, those of one exhibit).
    """
    content_type = ContentType.objects.get_for_model(queryset.model)
    ids = SlugRedirect.objects.filter(content_type=content_type, old_slug=slug).values("object_id")
    return queryset.filter(pk__in=ids).order_by().first()
