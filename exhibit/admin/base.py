"""What every curator-facing admin shares: the publishing gate and thumbnails."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from exhibit.models import Status
from exhibit.services.audit import record_status_change


class PublishingFormMixin:
    """Refuses a status change to or from "published" by someone who may not publish.

    The admin sets ``can_publish`` on the form class it builds for each request, so the rule
    holds for the change form, for inline rows and for any hand-crafted POST alike.
    """

    can_publish = False

    def clean(self):
        cleaned = super().clean()
        if self.can_publish or "status" not in cleaned:
            return cleaned
        before = self.instance.status if self.instance.pk else None
        after = cleaned["status"]
        if after == Status.PUBLISHED and before != Status.PUBLISHED:
            raise ValidationError(
                {"status": "Curators cannot publish. Set the status to “In review” and an "
                 "editor will publish it."}
            )  # fmt: skip
        if before == Status.PUBLISHED and after != Status.PUBLISHED:
            raise ValidationError(
                {"status": "Only an editor can unpublish something that is published."}
            )
        if before == Status.PUBLISHED and "published_at" in self.changed_data:
            raise ValidationError({"published_at": "Only an editor can change the publish time."})
        return cleaned


class PublishingForm(PublishingFormMixin, forms.ModelForm):
    pass


class PublishingInlineMixin:
    form = PublishingForm
    publish_permission = ""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.can_publish = request.user.has_perm(self.publish_permission)
        return formset


class ModelAdmin(admin.ModelAdmin):
    """The base of every admin here."""

    # Curators paste bare host names; assume HTTPS (Django 6's default) rather than HTTP.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class PublishableAdmin(ModelAdmin):
    """Status, publish time, preview links and publish/unpublish actions gated by permission."""

    form = PublishingForm
    publish_permission = ""  # "exhibit.publish_exhibit"
    actions = ["publish", "unpublish", "send_to_review"]

    def has_publish_permission(self, request):
        return request.user.has_perm(self.publish_permission)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.can_publish = self.has_publish_permission(request)
        return form

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        label = obj.get_status_display()
        if obj.status == Status.PUBLISHED and not obj.is_live:
            label = f"Scheduled {timezone.localtime(obj.published_at):%Y-%m-%d %H:%M}"
        return format_html('<span class="status status-{}">{}</span>', obj.status, label)

    @admin.display(description="view")
    def preview_link(self, obj):
        preview = format_html('<a href="{}">Preview</a>', obj.get_preview_url())
        if obj.is_live:
            return format_html('{} · <a href="{}">On site</a>', preview, obj.get_absolute_url())
        return preview

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_live else obj.get_preview_url()

    @admin.action(
        description="Publish selected (now, or at their scheduled time)", permissions=["publish"]
    )
    def publish(self, request, queryset):
        count = 0
        for obj in queryset:
            if obj.status != Status.PUBLISHED:
                before = obj.status
                obj.status = Status.PUBLISHED
                obj.save()
                record_status_change(request.user, obj, before)
                self.log_change(request, obj, [{"changed": {"fields": ["status"]}}])
                count += 1
        self.message_user(request, f"Published {count} item(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for obj in queryset.filter(status=Status.PUBLISHED):
            obj.status = Status.DRAFT
            obj.published_at = None
            obj.save()
            record_status_change(request.user, obj, Status.PUBLISHED)
            self.log_change(request, obj, [{"changed": {"fields": ["status"]}}])
            count += 1
        self.message_user(request, f"Unpublished {count} item(s).", messages.SUCCESS)

    @admin.action(description="Send selected drafts to review", permissions=["change"])
    def send_to_review(self, request, queryset):
        count = 0
        for obj in queryset.filter(status=Status.DRAFT):
            obj.status = Status.REVIEW
            obj.save()
            self.log_change(request, obj, [{"changed": {"fields": ["status"]}}])
            count += 1
        self.message_user(request, f"Sent {count} item(s) to review.", messages.SUCCESS)


def thumbnail_html(image, width=80):
    # Staff may see drafts: the preview URL, served after the staff check.
    thumbnail = image.rendition_urls(preview=True).thumbnail if image else None
    if not thumbnail:
        return image.get_processing_state_display() if image else "—"
    height = round(width * thumbnail["height"] / thumbnail["width"])
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" class="admin-thumb">',
        thumbnail["url"],
        image.alt_text,
        width,
        height,
    )
