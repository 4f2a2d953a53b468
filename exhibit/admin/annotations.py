"""Annotations in the admin: the review list, and the JSON views the annotating widgets call.

Notes are made where their words and pictures are: on an essay's change page (select words,
``admin-annotate-text.js``) and on an image's (drag a rectangle, ``admin-annotate-image.js``).
Both widgets post JSON to the views here, which resolve the selection on the server with the
services in ``exhibit.services.annotating``. Annotations have no status of their own: a note is
public when its essay or image is, so nothing here publishes anything.
"""

import json
import re
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import modelform_factory
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from exhibit.models import Annotation, Essay, Image
from exhibit.params import whole_number
from exhibit.services.anchoring import THRESHOLD, codepoints_to_utf16
from exhibit.services.annotating import (
    AnnotatingError,
    annotate_passage,
    annotate_region,
    confirm_match,
    reattach_passage,
    retire,
    update_note,
)
from exhibit.services.projection import plain_text

from .base import ModelAdmin
from .history import HistoryAdmin

NOTE_FIELDS = ["motivation", "body", "entities", "references"]
_ID = re.compile(r'(\sid=")')
_FRAGMENT = re.compile(r'(\shref="#)')


class NoteForm(forms.ModelForm):
    """What a curator writes in a note; its target and selectors come from the widget."""

    class Meta:
        model = Annotation
        fields = NOTE_FIELDS

    def _post_clean(self):
        # No instance is built here: the services check the whole note with its target.
        pass


def annotation_admin_url(annotation):
    return reverse("admin:exhibit_annotation_change", args=[annotation.pk])


def reattach_url(annotation):
    """The essay's annotating panel, with ``annotation`` waiting for its new words."""
    essay_url = reverse("admin:exhibit_essay_change", args=[annotation.essay_id])
    return f"{essay_url}?reattach={annotation.pk}#annotate"


def _context(text):
    """Context beside a quote, on one line: a block break shows as a pilcrow."""
    return text.replace("\n\n", " ¶ ")


def _json_error(message, status=400, field=None):
    return JsonResponse({"error": message, "field": field}, status=status)


def _payload(request):
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise AnnotatingError("The request did not carry JSON.") from error
    if not isinstance(data, dict):
        raise AnnotatingError("The request did not carry a JSON object.")
    return data


def _form_error(form):
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    message = " ".join(errors)
    return _json_error(f"{label.capitalize()}: {message}" if label else message, field=field)


@admin.register(Annotation)
class AnnotationAdmin(HistoryAdmin, ModelAdmin):
    list_display = (
        "passage", "target", "motivation", "anchoring_badge", "retired", "modified",
    )  # fmt: skip
    list_display_links = ("passage",)
    list_filter = (
        "anchoring", "motivation", "retired", ("essay", admin.RelatedOnlyFieldListFilter),
        ("image", admin.RelatedOnlyFieldListFilter),
    )  # fmt: skip
    list_select_related = ("essay", "image")
    search_fields = ("exact", "body")
    autocomplete_fields = ["entities", "references"]
    readonly_fields = (
        "target", "passage", "anchoring_badge", "confidence", "revision", "previous_exact",
        "exact", "prefix", "suffix", "start", "end", "xywh", "polygon", "uuid", "creator",
        "created", "modified",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("target", "passage", "motivation", "body", "entities",
                           "references", "retired")}),
        ("Anchoring", {"fields": ("anchoring_badge", "confidence", "revision",
                                  "previous_exact")}),
        ("Selectors", {"classes": ("collapse",), "fields": (
            "exact", "prefix", "suffix", "start", "end", "xywh", "polygon", "uuid", "creator",
            "created", "modified")}),
    )  # fmt: skip
    actions = ["confirm_matches", "retire_notes"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("essay", "image", "revision")

    def has_add_permission(self, request):
        # A note needs its words or region, so it is made on its essay's or image's page.
        return False

    def has_annotate_permission(self, request):
        return request.user.has_perm("exhibit.add_annotation")

    def has_recover_permission(self, request):
        # No add form (notes are made on their essay's or image's page), but whoever may
        # annotate may bring a deleted note back.
        return self.has_annotate_permission(request) and self.has_change_permission(request)

    # Columns --------------------------------------------------------------------------------

    @admin.display(description="passage or region")
    def passage(self, obj):
        if obj.essay_id:
            quote = obj.exact if len(obj.exact) <= 80 else f"{obj.exact[:77]}…"
            return format_html("<q>{}</q>", quote)
        return f"Region {obj.xywh}"

    @admin.display(description="on", ordering="essay__title")
    def target(self, obj):
        target = obj.essay or obj.image
        kind = "essay" if obj.essay_id else "image"
        url = reverse(f"admin:exhibit_{kind}_change", args=[target.pk])
        return format_html('{} <a href="{}">{}</a>', kind.capitalize(), url, target)

    @admin.display(description="anchoring", ordering="anchoring")
    def anchoring_badge(self, obj):
        return format_html(
            '<span class="anchoring-badge anchoring-{}">{}</span>',
            obj.anchoring,
            obj.get_anchoring_display(),
        )

    @admin.display(description="match confidence")
    def confidence(self, obj):
        if obj.anchoring_score is None:
            return "—"
        return (
            f"{obj.anchoring_score:.2f} (1 is identical; below {THRESHOLD:.2f} a note is orphaned)"
        )

    # Review ---------------------------------------------------------------------------------

    def review(self, request, obj):
        """What the change page shows of a fuzzy or orphaned note beside its old words."""
        if obj is None or not obj.essay_id or obj.anchoring not in ("fuzzy", "orphaned"):
            return None
        latest = obj.essay.revisions.order_by("-number").first()
        fuzzy = obj.anchoring == "fuzzy"
        # A fuzzy note's selectors already quote the new passage, with its new context; an
        # orphan's still quote the old one, in the revision it was last found in.
        passage = {
            "prefix": _context(obj.prefix),
            "exact": obj.exact,
            "suffix": _context(obj.suffix),
        }
        return {
            "state": obj.anchoring,
            "before": {"exact": obj.previous_exact} if fuzzy else passage,
            "before_revision": None if fuzzy else obj.revision,
            "now": passage if fuzzy else None,
            "latest": latest,
            "score": obj.anchoring_score,
            "can_change": self.has_change_permission(request, obj),
            "action_url": reverse("admin:exhibit_annotation_review", args=[obj.pk]),
            "reattach_url": reattach_url(obj),
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["review"] = self.review(request, obj)
        if obj is not None:
            context["annotate_panel_url"] = (
                reverse("admin:exhibit_essay_change", args=[obj.essay_id])
                if obj.essay_id
                else reverse("admin:exhibit_image_change", args=[obj.image_id])
            ) + "#annotate"
        return super().render_change_form(request, context, add, change, form_url, obj)

    def review_view(self, request, annotation_id):
        """The change page's buttons: confirm a fuzzy match, or retire the note."""
        annotation = get_object_or_404(Annotation, pk=annotation_id)
        if request.method != "POST" or not self.has_change_permission(request, annotation):
            raise PermissionDenied
        decision = request.POST.get("decision")
        if decision == "confirm":
            if confirm_match(annotation):
                self.log_change(request, annotation, "Confirmed the matched passage.")
                self.message_user(
                    request, "The note now stands on the matched passage.", messages.SUCCESS
                )
            else:
                self.message_user(request, "Only a fuzzy match can be confirmed.", messages.ERROR)
        elif decision == "retire":
            if retire(annotation):
                self.log_change(request, annotation, "Retired.")
            self.message_user(
                request, "The note is retired: kept here, never shown on the site.",
                messages.SUCCESS,
            )  # fmt: skip
        return HttpResponseRedirect(annotation_admin_url(annotation))

    # Actions --------------------------------------------------------------------------------

    @admin.action(description="Confirm the matched passage of selected fuzzy notes",
                  permissions=["change"])  # fmt: skip
    def confirm_matches(self, request, queryset):
        count = 0
        for annotation in queryset:
            if confirm_match(annotation):
                self.log_change(request, annotation, "Confirmed the matched passage.")
                count += 1
        skipped = queryset.count() - count
        message = f"Confirmed {count} note(s)."
        if skipped:
            message += f" {skipped} were not fuzzy matches and were left as they were."
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Retire selected notes (kept, never shown)", permissions=["change"])
    def retire_notes(self, request, queryset):
        count = 0
        for annotation in queryset:
            if retire(annotation):
                self.log_change(request, annotation, "Retired.")
                count += 1
        self.message_user(request, f"Retired {count} note(s).", messages.SUCCESS)

    # The annotating widgets -----------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "annotate/essay/<int:essay_id>/",
                view(self.annotate_essay_view),
                name="exhibit_annotation_annotate_essay",
            ),
            path(
                "annotate/image/<int:image_id>/",
                view(self.annotate_image_view),
                name="exhibit_annotation_annotate_image",
            ),
            path(
                "<int:annotation_id>/note/",
                view(self.update_view),
                name="exhibit_annotation_update_note",
            ),
            path(
                "<int:annotation_id>/review/",
                view(self.review_view),
                name="exhibit_annotation_review",
            ),
            *super().get_urls(),
        ]

    def note_form(self, request, **kwargs):
        """The note form with the admin's widgets: select2 autocompletes for the links."""

        def formfield(db_field, **options):
            if db_field.many_to_many:
                field = self.formfield_for_manytomany(db_field, request, **options)
                field.widget.attrs["data-width"] = "100%"
                return field
            return self.formfield_for_dbfield(db_field, request, **options)

        form_class = modelform_factory(
            Annotation, form=NoteForm, fields=NOTE_FIELDS, formfield_callback=formfield
        )
        return form_class(**kwargs)

    def _note_arguments(self, request, data):
        form = self.note_form(request, data={name: data.get(name) for name in NOTE_FIELDS})
        if not form.is_valid():
            return None, _form_error(form)
        return form.cleaned_data, None

    def annotate_essay_view(self, request, essay_id):
        """Create a note on the passage a curator selected in the essay's panel."""
        essay = get_object_or_404(Essay, pk=essay_id)
        return self._create(request, essay, partial(annotate_passage, essay), "selection")

    def annotate_image_view(self, request, image_id):
        """Create a note on the region a curator drew on the image's panel."""
        image = get_object_or_404(Image, pk=image_id)
        return self._create(request, image, partial(annotate_region, image), "xywh")

    def _create(self, request, target, service, where):
        if request.method != "POST":
            return _json_error("Send the note with POST.", status=405)
        target_admin = self.admin_site._registry[type(target)]
        if not (
            self.has_annotate_permission(request)
            and target_admin.has_view_permission(request, target)
        ):
            return _json_error("You may not add annotations.", status=403)
        try:
            data = _payload(request)
            arguments, error = self._note_arguments(request, data)
            if error:
                return error
            default = {} if where == "selection" else ""
            annotation = service(data.get(where) or default, creator=request.user, **arguments)
        except AnnotatingError as error:
            return _json_error(error.message, field=error.field)
        self.log_addition(request, annotation, [{"added": {}}])
        return JsonResponse({"annotation": note_data(annotation)}, status=201)

    @transaction.atomic  # the version is compared under a row lock, then the note saved
    def update_view(self, request, annotation_id):
        """Change a note from a panel; a ``selection`` re-attaches it, an ``xywh`` moves it."""
        if request.method != "POST":
            return _json_error("Send the note with POST.", status=405)
        annotation = get_object_or_404(Annotation, pk=annotation_id)
        if not self.has_change_permission(request, annotation):
            return _json_error("You may not change annotations.", status=403)
        try:
            data = _payload(request)
            conflict = self._edit_conflict(annotation, data.get("version"))
            if conflict:
                return _json_error(conflict, status=409)
            arguments, error = self._note_arguments(request, data)
            if error:
                return error
            changes = ["note"]
            if data.get("selection"):
                reattach_passage(annotation, data["selection"])
                changes.append(f"re-attached to “{annotation.exact}”")
            update_note(annotation, xywh=data.get("xywh") or None, **arguments)
        except AnnotatingError as error:
            return _json_error(error.message, field=error.field)
        self.log_change(request, annotation, "Changed from the panel: " + ", ".join(changes))
        return JsonResponse({"annotation": note_data(annotation)})

    def _edit_conflict(self, annotation, loaded):
        """Why a panel's save is refused: the note changed since the panel loaded it."""
        if loaded is None:
            return None  # an older page without versions: nothing to compare
        current = Annotation.objects.filter(pk=annotation.pk).order_by().select_for_update()
        stored = current.values_list("version", flat=True).first()
        if str(stored) == str(loaded):
            return None
        record = annotation.history.order_by("-history_date").first()
        who = record.history_user.get_username() if record and record.history_user else "someone"
        when = timezone.localtime(record.history_date).strftime("%H:%M:%S") if record else ""
        return (
            f"Not saved: {who} changed this note at {when}, after this page loaded it. Reload "
            "the page to see their version (its history is on the note's admin page), then "
            "make your change again."
        )

    # Panels on the essay and image pages ----------------------------------------------------

    def text_panel(self, request, essay):
        """Context for the essay page's annotating panel (``annotate`` in the template)."""
        latest = essay.revisions.order_by("-number").first()
        text = latest.text if latest else plain_text(essay.body_html)
        notes = (
            essay.annotations.filter(retired=False)
            .select_related("revision")
            .prefetch_related("entities", "references__repository")
            .order_by("start", "pk")
        )
        data = [note_data(note, text, latest) for note in notes]
        reattach = request.GET.get("reattach", "")
        return self._panel(
            request,
            notes=notes,
            data={
                "notes": data,
                "reattach": whole_number(reattach),
            },
            # Sanitised on save; prefixing ids keeps the essay's apart from the admin's.
            html=mark_safe(_FRAGMENT.sub(r"\1annotate-", _ID.sub(r"\1annotate-", essay.body_html))),
            create_url=reverse("admin:exhibit_annotation_annotate_essay", args=[essay.pk]),
            orphans=[note for note in notes if note.anchoring == "orphaned"],
        )

    def region_panel(self, request, image):
        """Context for the image page's region panel (``annotate`` in the template)."""
        notes = (
            image.annotations.filter(retired=False)
            .prefetch_related("entities", "references__repository")
            .order_by("pk")
        )
        return self._panel(
            request,
            notes=notes,
            data={"notes": [note_data(note) for note in notes]},
            display=image.rendition_urls(preview=True).display,
            create_url=reverse("admin:exhibit_annotation_annotate_image", args=[image.pk]),
        )

    def _panel(self, request, **context):
        return {
            **context,
            "form": self.note_form(request, auto_id="annotate-%s"),
            "update_url": reverse("admin:exhibit_annotation_update_note", args=[0]),
            "can_add": self.has_annotate_permission(request),
            "can_change": self.has_change_permission(request),
        }


def note_data(annotation, text=None, latest=None):
    """A note as the widgets read it. Text positions count UTF-16 code units, as browsers do,
    and only for a note anchored in ``latest`` (the revision the panel shows)."""
    data = {
        "id": annotation.pk,
        "label": str(annotation),
        "motivation": annotation.motivation,
        "motivation_label": annotation.get_motivation_display(),
        "body": annotation.body,
        "entities": [{"id": e.pk, "text": str(e)} for e in annotation.entities.all()],
        "references": [{"id": r.pk, "text": str(r)} for r in annotation.references.all()],
        "anchoring": annotation.anchoring,
        "anchoring_label": annotation.get_anchoring_display(),
        "admin_url": annotation_admin_url(annotation),
        "version": annotation.version,
    }
    if annotation.essay_id:
        data["exact"] = annotation.exact
        if text is None and annotation.revision is not None:
            text, latest = annotation.revision.text, annotation.revision
        anchored = (
            annotation.anchoring != "orphaned"
            and annotation.start is not None
            and latest is not None
            and annotation.revision_id == latest.pk
        )
        if anchored:
            data["start"] = codepoints_to_utf16(text, annotation.start)
            data["end"] = codepoints_to_utf16(text, annotation.end)
    else:
        data["xywh"] = list(annotation.region or ())
    return data
