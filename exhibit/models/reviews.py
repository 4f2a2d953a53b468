"""Review links: a draft exhibit shared with an outside reader who has no account."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .base import Status

TOKEN_SALT = "exhibit.review-link"  # noqa: S105 (a signing salt, not a secret)


class DeadLink(Exception):
    """Why a review token opens nothing: ``reason`` is for the reader, ``status`` for HTTP."""

    def __init__(self, reason: str, status: int = 410, link: ReviewLink | None = None):
        super().__init__(reason)
        self.reason, self.status, self.link = reason, status, link


class ReviewLinkQuerySet(models.QuerySet):
    def resolve(self, token: str) -> ReviewLink:
        """The live link a token names, or ``DeadLink`` saying why there is none.

        The token is signed (so an id cannot be guessed or changed) and carries the expiry it
        was made with; the database decides the rest, so revoking takes effect at once.
        """
        try:
            payload = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
            link_id, expires = int(payload["l"]), int(payload["e"])
        except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
            raise DeadLink("This review link is not valid.", status=404) from error
        link = self.select_related("exhibit").filter(pk=link_id).first()
        if link is None or int(link.expires_at.timestamp()) != expires:
            raise DeadLink("This review link is not valid.", status=404)
        if link.revoked_at is not None:
            raise DeadLink("This review link has been withdrawn.", link=link)
        if link.expires_at <= timezone.now():
            raise DeadLink("This review link has expired.", link=link)
        if link.ended_at is not None or link.exhibit.status == Status.PUBLISHED:
            if link.ended_at is None:
                link.end()
            raise DeadLink("This exhibit has been published; review links to it end.", link=link)
        return link

    def end_for(self, exhibit) -> int:
        """End for good every link to ``exhibit``, which has just been published: a link is for
        a draft, and unpublishing the exhibit later must not bring its links back."""
        return self.filter(exhibit=exhibit, ended_at__isnull=True).update(ended_at=timezone.now())


class ReviewLink(models.Model):
    """A signed, expiring, revocable link to a draft exhibit for an outside reviewer."""

    exhibit = models.ForeignKey(
        "exhibit.Exhibit",
        on_delete=models.CASCADE,
        related_name="review_links",
        verbose_name="exhibit",
    )
    recipient = models.CharField(
        "shared with",
        max_length=255,
        help_text="Who the link is for, e.g. “Dr. A. Ivanova, Kazan Federal University”: for "
        "your records; the reviewer sees it on the page.",
    )
    created = models.DateTimeField("created", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="created by",
    )
    expires_at = models.DateTimeField("expires")
    revoked_at = models.DateTimeField("withdrawn", null=True, blank=True)
    ended_at = models.DateTimeField(
        "ended",
        null=True,
        blank=True,
        editable=False,
        help_text="When the exhibit was published, which ends the link for good.",
    )

    objects = ReviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "review link"

    def __str__(self):
        return f"Review link for {self.recipient}"

    def get_absolute_url(self):
        return reverse("exhibit:review_exhibit", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        """Signed (so the id and expiry cannot be changed), and the same each time it is asked
        for, so the admin shows one stable URL per link."""
        return signing.Signer(salt=TOKEN_SALT).sign_object(
            {"l": self.pk, "e": int(self.expires_at.timestamp())}
        )

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "withdrawn"
        if self.expires_at <= timezone.now():
            return "expired"
        if self.ended_at is not None or self.exhibit.status == Status.PUBLISHED:
            return "ended: exhibit published"
        return "active"

    def end(self):
        if self.ended_at is None:
            self.ended_at = timezone.now()
            self.save(update_fields=["ended_at"])

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
