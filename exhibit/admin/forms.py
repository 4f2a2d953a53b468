"""Forms of the image admin: the single image form and the bulk upload form."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from exhibit.models import Image
from exhibit.services.ingest import find_duplicate


def image_admin_link(image):
    """``“Title”`` linking to the image's change page, for messages and errors."""
    return format_html(
        '“<a href="{}">{}</a>”', reverse("admin:exhibit_image_change", args=[image.pk]), image
    )


class DownloadChoiceSelect(forms.NullBooleanSelect):
    """The three states of ``Image.allow_download``, said the way a curator decides them."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", "Follow the rights statement"),
            ("true", "Yes"),
            ("false", "No"),
        ]


class ImageForm(forms.ModelForm):
    """The image change form, which refuses a file already in the collection unless told."""

    upload_anyway = forms.BooleanField(
        label="Upload anyway as a separate record",
        required=False,
        help_text="Only for a file that is already in the collection, when you deliberately "
        "want a second, independent record of it.",
    )

    class Meta:
        model = Image
        fields = [
            "original", "title", "slug", "alt_text", "caption", "date", "creator",
            "archival_reference", "credit_line", "rights", "allow_download", "is_placeholder",
            "entities",
        ]  # fmt: skip
        widgets = {"allow_download": DownloadChoiceSelect}

    def _post_clean(self):
        # The model's validator inspects (and checksums) the upload during _post_clean; the
        # duplicate check reuses that result rather than reading a large scan a second time.
        super()._post_clean()
        self.check_duplicate()

    def check_duplicate(self):
        if "original" in self.errors or "original" not in self.changed_data:
            return
        info = getattr(self.instance.original, "_image_info", None)
        if info is None or self.cleaned_data.get("upload_anyway"):
            return
        duplicate = find_duplicate(info.checksum, exclude_pk=self.instance.pk)
        if duplicate is None:
            return
        message = format_html(
            "This file is already in the collection as {}. Open that image instead, or tick "
            "“Upload anyway as a separate record” and choose the file again to keep a second "
            "record of it.",
            image_admin_link(duplicate),
        )
        self.add_error("original", ValidationError(message, code="duplicate"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Many files from one input. Each is checked later, on its own, by the ingest service,
    so that one bad file is reported by name instead of refusing the whole batch."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class BulkUploadForm(forms.ModelForm):
    """Many files, and the metadata they share; titles and alt text come per file."""

    files = MultipleImageField(label="Files")

    class Meta:
        model = Image
        fields = [
            "date", "creator", "archival_reference", "credit_line", "rights", "is_placeholder",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        self.fields["files"].help_text = (
            "JPEG, PNG, TIFF or WebP; choose several at once"
            + (f", up to {limit} per batch" if limit else "")
            + ". Each file becomes its own image, titled from its file name. Files already in "
            "the collection are skipped."
        )

    def shared_fields(self):
        return {name: self.cleaned_data[name] for name in self._meta.fields}
