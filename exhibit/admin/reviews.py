"""Review links on the exhibit's admin page: create one for an outside reader, copy, withdraw."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from exhibit.models import ReviewLink, Status

VALID_FOR = [(1, "1 day"), (7, "1 week"), (14, "2 weeks"), (30, "30 days"), (90, "90 days")]


class ReviewLinkForm(forms.ModelForm):
    valid_for = forms.TypedChoiceField(
        label="valid for",
        choices=VALID_FOR,
        coerce=int,
        initial=14,
        required=False,
        help_text="New links only: how long the link opens the draft.",
    )
    withdraw = forms.BooleanField(
        label="withdraw", required=False, help_text="The link stops working at once."
    )

    class Meta:
        model = ReviewLink
        fields = ("recipient",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a link's expiry is fixed once made: the token carries it
            self.fields["valid_for"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        exhibit = self.instance.exhibit if self.instance.exhibit_id else None
        if not self.instance.pk and exhibit is not None and exhibit.status == Status.PUBLISHED:
            raise ValidationError(
                "This exhibit is published: share its public page instead of a review link."
            )
        return cleaned

    def save(self, commit=True):
        link = super().save(commit=False)
        now = timezone.now()
        if not link.pk:
            link.expires_at = now + timedelta(days=self.cleaned_data.get("valid_for") or 14)
        if self.cleaned_data.get("withdraw") and link.revoked_at is None:
            link.revoked_at = now
        if commit:
            link.save()
        return link


class ReviewLinkInline(admin.TabularInline):
    """Editors share a draft with a reader who has no account. Links are withdrawn, never
    deleted, so the exhibit keeps a record of who could read it and until when."""

    model = ReviewLink
    form = ReviewLinkForm
    extra = 0
    fields = ("recipient", "valid_for", "review_url", "state_label", "expires_at", "created_info",
              "withdraw")  # fmt: skip
    readonly_fields = ("review_url", "state_label", "expires_at", "created_info")
    verbose_name = "review link for an outside reader"
    verbose_name_plural = "review links for outside readers"
    ordering = ("-created", "-pk")

    def get_formset(self, request, obj=None, **kwargs):
        self.request = request  # an inline instance serves one request
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exhibit", "created_by")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="link to send")
    def review_url(self, link):
        if not link.pk:
            return "Made when you save."
        if link.state != "active":
            return "—"
        path = link.get_absolute_url()
        url = (
            f"{settings.SITE_URL}{path}"
            if settings.SITE_URL
            else self.request.build_absolute_uri(path)
        )
        return format_html(
            '<input type="text" class="review-link-url" size="40" readonly value="{}" '
            'aria-label="Review link for {}"> '
            '<a href="{}" target="_blank" rel="noreferrer">Open</a>',
            url,
            link.recipient,
            path,
        )

    @admin.display(description="state")
    def state_label(self, link):
        return link.state if link.pk else "—"

    @admin.display(description="created")
    def created_info(self, link):
        if not link.pk:
            return "—"
        who = link.created_by.get_username() if link.created_by else "unknown"
        return f"{timezone.localtime(link.created):%Y-%m-%d %H:%M} by {who}"
