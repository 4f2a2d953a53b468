"""The audit log: who published, unpublished, deleted and restored what, exported and
imported the site, and when."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEvent(models.Model):
    """One editorial act. Written by ``exhibit.services.audit``; never edited afterwards."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Scheduled"
        UNPUBLISHED = "unpublished", "Unpublished"
        DELETED = "deleted", "Deleted"
        RESTORED = "restored", "Restored an earlier version"
        RECOVERED = "recovered", "Recovered after deletion"
        EXPORTED = "exported", "Exported the site"
        IMPORTED = "imported", "Imported a site archive"

    when = models.DateTimeField("when", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="by",
    )
    action = models.CharField("action", max_length=12, choices=Action.choices, db_index=True)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="type",
        help_text="Empty for acts on the whole site (an export or import).",
    )
    object_id = models.CharField("object id", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("object", max_length=255)
    detail = models.JSONField(
        "detail",
        default=dict,
        blank=True,
        help_text="What else was recorded: the publish time, the version restored, the links "
        "a deletion removed, an archive's file name, checksum and counts.",
    )

    class Meta:
        ordering = ["-when", "-pk"]
        verbose_name = "audit event"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=[
                        "published", "scheduled", "unpublished", "deleted", "restored",
                        "recovered", "exported", "imported",
                    ]
                ),
                name="auditevent_action_valid",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr}"
