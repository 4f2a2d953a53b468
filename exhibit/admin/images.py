from collections import Counter
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.forms import modelform_factory
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from django_tasks.base import TaskResultStatus

from exhibit.models import Annotation, Image
from exhibit.services.imaging import CONTENT_TYPES, processing_interrupted
from exhibit.services.ingest import (
    PROVISIONAL_ALT_TEXT_PREFIX,
    has_provisional_alt_text,
    ingest_images,
)
from exhibit.tasks import process_image

from .base import ModelAdmin, thumbnail_html
from .forms import BulkUploadForm, ImageForm, image_admin_link
from .history import HistoryAdmin
from .redirects import OldAddressesAdminMixin


class AltTextFilter(admin.SimpleListFilter):
    """Images whose alt text is still the provisional one a bulk upload gave them."""

    title = "alt text"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("needed", "Still to be written")]

    def queryset(self, request, queryset):
        if self.value() == "needed":
            return queryset.filter(alt_text__startswith=PROVISIONAL_ALT_TEXT_PREFIX)
        return queryset


INTERRUPTED = (
    "Processing began but never finished: the worker was stopped before it was done. "
    "Process the image again."
)


def region_annotations_to_review(image):
    """Region annotations of ``image`` whose pixel coordinates a new file may have shifted.

    Retired notes are left out: they are never shown, so nothing of theirs can look wrong.
    """
    if image.pk is None:
        return []
    return list(image.annotations.filter(retired=False).exclude(xywh="").order_by("pk"))


@admin.register(Image)
class ImageAdmin(OldAddressesAdminMixin, HistoryAdmin, ModelAdmin):
    form = ImageForm
    list_display = (
        "list_thumbnail", "title", "date", "reference", "rights", "is_placeholder", "processing",
    )  # fmt: skip
    list_display_links = ("list_thumbnail", "title")
    list_filter = (
        "rights", "is_placeholder", "archival_reference__repository", "processing_state",
        AltTextFilter,
    )  # fmt: skip
    list_select_related = ("archival_reference__repository",)
    search_fields = (
        "title", "caption", "alt_text", "credit_line", "original_filename", "checksum",
        "archival_reference__fond", "archival_reference__repository__abbreviation",
    )  # fmt: skip
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("creator", "archival_reference", "entities")
    readonly_fields = (
        "large_thumbnail", "processing_state", "processing_error", "dimensions", "format", "size",
        "checksum", "original_filename", "created", "modified",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("original", "upload_anyway", "large_thumbnail", "title", "slug",
                           "alt_text", "caption")}),
        ("Source", {"fields": ("date", "creator", "archival_reference", "credit_line",
                               "rights", "allow_download", "is_placeholder")}),
        ("Links", {"fields": ("entities",)}),
        ("File", {"classes": ("collapse",), "fields": (
            "dimensions", "format", "size", "checksum", "original_filename", "created",
            "modified")}),
    )  # fmt: skip
    bulk_upload_fieldsets = (
        (None, {
            "fields": ("files",),
            "description": "Each file becomes its own image, titled from its file name. Its alt "
            f"text reads “{PROVISIONAL_ALT_TEXT_PREFIX}…” until you write what it shows.",
        }),
        ("Shared by every file", {"fields": (
            "date", "creator", "archival_reference", "credit_line", "rights", "is_placeholder",
        )}),
    )  # fmt: skip
    actions = ["reprocess"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # A saved image shows how its processing went, and the error when it failed.
        processing = ("processing_state",)
        if obj.processing_state == Image.Processing.FAILED:
            processing += ("processing_error",)
        (name, options), *rest = fieldsets
        fields = list(options["fields"])
        at = fields.index("large_thumbnail") + 1
        fields[at:at] = processing
        return ((name, {**options, "fields": tuple(fields)}), *rest)

    @admin.display(description="image")
    def list_thumbnail(self, obj):
        return thumbnail_html(obj, width=80)

    @admin.display(description="current image")
    def large_thumbnail(self, obj):
        return thumbnail_html(obj, width=320)

    @admin.display(description="archival reference", ordering="archival_reference__fond")
    def reference(self, obj):
        return obj.archival_reference.short_citation if obj.archival_reference else "—"

    @admin.display(description="processing", ordering="processing_state")
    def processing(self, obj):
        label = obj.get_processing_state_display()
        if obj.processing_state == Image.Processing.FAILED and obj.processing_error:
            return format_html(
                '<span class="processing-failed" title="{}">{}</span>', obj.processing_error, label
            )
        if processing_interrupted(obj):
            return format_html(
                '<span class="processing-failed" title="{}">Interrupted</span>', INTERRUPTED
            )
        return label

    @admin.display(description="dimensions")
    def dimensions(self, obj):
        return f"{obj.width:,} × {obj.height:,} px" if obj.width else "—"

    @admin.display(description="file size")
    def size(self, obj):
        return filesizeformat(obj.file_size) if obj.file_size else "—"

    # Saving ---------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        replaced = change and "original" in form.changed_data
        before = (obj.width, obj.height)  # not form fields: still the old file's until saved
        super().save_model(request, obj, form, change)
        if replaced and all(before) and before != (obj.width, obj.height):
            self.warn_dimensions_changed(request, obj, before)
        if obj.processing_state == Image.Processing.FAILED and "original" in form.changed_data:
            messages.error(
                request,
                format_html(
                    "{} is saved, but making its derivatives and zoom tiles failed: {}",
                    image_admin_link(obj),
                    obj.processing_error,
                ),
            )
        if has_provisional_alt_text(obj):
            messages.warning(
                request,
                format_html(
                    "The alt text of {} is still provisional. Replace it with a description of "
                    "what the picture shows.",
                    image_admin_link(obj),
                ),
            )

    def warn_dimensions_changed(self, request, image, before):
        message = format_html(
            "The new file is {}×{} (was {}×{}). Region annotations on this image may now be "
            "misplaced: review them.",
            image.width,
            image.height,
            *before,
        )
        annotations = region_annotations_to_review(image)
        if annotations:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:exhibit_annotation_change", args=[a.pk]), a) for a in annotations),
            )
            message = format_html("{} {}", message, links)
        messages.warning(request, message)

    # Actions --------------------------------------------------------------------------------

    @staticmethod
    def process_again(pks):
        """Queue (or, with the immediate backend, run) processing; count the outcomes."""
        outcomes = Counter()
        for pk in pks:
            result = process_image.enqueue(pk, force=True)
            if not result.is_finished:
                outcomes["queued"] += 1
            elif result.status == TaskResultStatus.SUCCESSFUL:
                outcomes[result.return_value] += 1
            else:
                outcomes[Image.Processing.FAILED] += 1
        return outcomes

    @admin.action(description="Reprocess derivatives and tiles", permissions=["change"])
    def reprocess(self, request, queryset):
        outcomes = self.process_again(queryset.values_list("pk", flat=True))
        if outcomes[Image.Processing.READY]:
            self.message_user(
                request,
                f"Reprocessed {outcomes[Image.Processing.READY]} image(s).",
                messages.SUCCESS,
            )
        if outcomes[Image.Processing.FAILED]:
            self.message_user(
                request,
                f"Processing failed for {outcomes[Image.Processing.FAILED]} image(s); each one's "
                "page shows the error.",
                messages.ERROR,
            )
        if outcomes["queued"]:
            self.message_user(
                request,
                f"Queued {outcomes['queued']} image(s) for reprocessing. The processing column "
                "shows when they are ready.",
                messages.SUCCESS,
            )

    # Extra pages ----------------------------------------------------------------------------

    def get_urls(self):
        urls = [
            path(
                "original/<path:name>",
                self.admin_site.admin_view(self.original_view),
                name="exhibit_image_original",
            ),
            path(
                "bulk-upload/",
                self.admin_site.admin_view(self.bulk_upload_view),
                name="exhibit_image_bulk_upload",
            ),
            path(
                "<path:object_id>/process/",
                self.admin_site.admin_view(self.process_again_view),
                name="exhibit_image_process",
            ),
        ]
        return urls + super().get_urls()

    def original_view(self, request, name):
        """Download an original from private storage, for staff who may view images."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = Image.objects.filter(original=name).first()
        if image is None:
            raise Http404("No such original.")
        # The type of the content found at upload, never one guessed from the name.
        response = FileResponse(
            image.original.open("rb"),
            as_attachment=True,
            filename=image.original_filename,
            content_type=CONTENT_TYPES.get(image.format, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @method_decorator(require_POST)
    def process_again_view(self, request, object_id):
        """Make an image's derivatives and tiles again: the change page's "Process again"."""
        image = self.get_object(request, unquote(object_id))
        if image is None:
            raise Http404("No such image.")
        if not self.has_change_permission(request, image):
            raise PermissionDenied
        outcomes = self.process_again([image.pk])
        self.log_change(request, image, "Processed again.")
        image.refresh_from_db()
        link = image_admin_link(image)
        if outcomes["queued"]:
            self.message_user(
                request,
                format_html("Queued {} for processing; this page shows when it is done.", link),
                messages.SUCCESS,
            )
        elif image.processing_state == Image.Processing.READY:
            self.message_user(
                request,
                format_html("Processed {} again: its derivatives and zoom tiles are ready.", link),
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                format_html("Processing {} failed again: {}", link, image.processing_error),
                messages.ERROR,
            )
        return HttpResponseRedirect(reverse("admin:exhibit_image_change", args=[image.pk]))

    def bulk_upload_view(self, request):
        """Upload several files at once, sharing their source and rights metadata."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form_class = modelform_factory(
            Image,
            form=BulkUploadForm,
            fields=BulkUploadForm._meta.fields,
            formfield_callback=partial(self.formfield_for_dbfield, request=request),
        )
        if request.method == "POST":
            form = form_class(request.POST, request.FILES)
            if form.is_valid():
                results = ingest_images(form.cleaned_data["files"], **form.shared_fields())
                return self.report_bulk_upload(request, results)
        else:
            form = form_class()
        adminform = helpers.AdminForm(form, list(self.bulk_upload_fieldsets), {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload several images",
            "opts": self.opts,
            "adminform": adminform,
            "errors": form.errors,
            "media": self.media + adminform.media,
            "has_view_permission": self.has_view_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/exhibit/image/bulk_upload.html", context)

    def report_bulk_upload(self, request, results):
        """A message per file, then the changelist: filtered to the new images' alt text."""
        created = []
        for result in results:
            if result.created:
                image = result.image
                created.append(image)
                self.log_addition(request, image, [{"added": {}}])
                if image.processing_state == Image.Processing.FAILED:
                    self.message_user(
                        request,
                        format_html(
                            "Added {} from {}, but making its derivatives failed: {}",
                            image_admin_link(image),
                            result.filename,
                            image.processing_error,
                        ),
                        messages.WARNING,
                    )
                else:
                    self.message_user(
                        request,
                        format_html("Added {} from {}.", image_admin_link(image), result.filename),
                        messages.SUCCESS,
                    )
            elif result.duplicate_of is not None:
                self.message_user(
                    request,
                    format_html(
                        "Skipped {}: this file is already in the collection as {}.",
                        result.filename,
                        image_admin_link(result.duplicate_of),
                    ),
                    messages.WARNING,
                )
            else:
                self.message_user(request, f"Not added: {result.error}", messages.ERROR)
        changelist = reverse("admin:exhibit_image_changelist")
        if not created:
            return HttpResponseRedirect(changelist)
        self.message_user(
            request,
            format_html(
                "Write the alt text of the {} new image(s), which for now reads “{}…”: {}. "
                "The list below shows every image still waiting for it.",
                len(created),
                PROVISIONAL_ALT_TEXT_PREFIX,
                format_html_join(", ", "{}", ((image_admin_link(i),) for i in created)),
            ),
            messages.WARNING,
        )
        return HttpResponseRedirect(f"{changelist}?{AltTextFilter.parameter_name}=needed")

    def view_on_site(self, obj):
        return reverse("exhibit:preview_image", kwargs={"slug": obj.slug})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A saved image's page carries the panel for drawing regions (see annotations.py).
        annotations = self.admin_site._registry.get(Annotation)
        if obj is not None and annotations and annotations.has_view_permission(request):
            panel = annotations.region_panel(request, obj)
            context["annotate"] = panel
            context["media"] = context["media"] + panel["form"].media
        if obj is not None and (
            obj.processing_state == Image.Processing.FAILED or processing_interrupted(obj)
        ):
            context["processing_problem"] = {
                "reason": obj.processing_error
                if obj.processing_state == Image.Processing.FAILED
                else INTERRUPTED,
                "url": reverse("admin:exhibit_image_process", args=[obj.pk])
                if self.has_change_permission(request, obj)
                else "",
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="view")
    def preview_link(self, obj):
        return format_html('<a href="{}">Preview</a>', self.view_on_site(obj))
