"""Nothing lost: history with compare and restore, edit conflicts, careful deletes, recovery.

``HistoryAdmin`` goes first in the bases of every admin of a model with revision history.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from exhibit.models import AuditEvent, Publishable
from exhibit.params import whole_number
from exhibit.services.audit import record_status_change
from exhibit.services.history import (
    KEPT_ON_RESTORE,
    RecoveryError,
    delete_with_record,
    deleted_records,
    deletion_detail,
    finish_restore,
    label,
    linked_fields,
    links_recorded,
    record_deletion,
    record_links,
    recover,
    version_links,
)
from exhibit.services.usage import where_used

EDIT_STATE = "edit_state"


# Edit conflicts ------------------------------------------------------------------------------


def edit_state(obj, children=()):
    """``obj``'s version and its inline children's, as the change form loaded them.

    ``children`` are ``(model, fk_name)`` pairs: the rows edited on the same page. A change to
    any of them, or one added or removed elsewhere, makes the page out of date.
    """
    locking = connection.in_atomic_block and connection.features.has_select_for_update
    rows = type(obj)._default_manager.filter(pk=obj.pk).order_by()  # no joins to lock
    if locking:
        rows = rows.select_for_update()
    version = rows.values_list("version", flat=True).first()
    parts = [f"{label(type(obj))}:{obj.pk}={version}"]
    for model, fk_name in children:
        versions = model._default_manager.filter(**{fk_name: obj.pk}).order_by("pk")
        parts += [f"{label(model)}:{pk}={v}" for pk, v in versions.values_list("pk", "version")]
    return ";".join(parts)


def _parse(state):
    return dict(part.split("=", 1) for part in state.split(";") if "=" in part)


def _first_difference(loaded, current):
    before, after = _parse(loaded), _parse(current)
    for key in [*after, *before]:
        if before.get(key) != after.get(key):
            model_label, pk = key.split(":", 1)
            return model_label, pk, key in before, key in after
    return None


def conflict_message(obj, loaded, current):
    """Who changed what, and when, since the form was loaded; with where to see it."""
    from django.apps import apps

    difference = _first_difference(loaded, current)
    if difference is None:
        return "This page is out of date."
    model_label, pk, was, _ = difference
    model = apps.get_model(model_label)
    other = model._default_manager.filter(pk=pk).first()
    history = getattr(model, "history", None)
    record = (
        history.filter(**{model._meta.pk.attname: pk}).order_by("-history_date").first()
        if history is not None
        else None
    )
    who = record.history_user.get_username() if record and record.history_user else "someone"
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M:%S") if record else ""
    noun = model._meta.verbose_name
    if other is not None and was:
        what = format_html("{} “{}” was changed", noun, other)
    elif other is not None:
        what = format_html("{} “{}” was added", noun, other)
    else:
        what = format_html("a {} was deleted", noun)
    link = ""
    target = other if other is not None else obj
    try:
        url = reverse(
            f"admin:{target._meta.app_label}_{target._meta.model_name}_history", args=[target.pk]
        )
        link = format_html(' <a href="{}">See their change in the history</a>.', url)
    except Exception:
        link = ""
    return format_html(
        "Not saved: {} by {}{} after you opened this page.{} Your changes are still in the form "
        "below. Compare, then save again to replace their version with yours, or reload the "
        "page to start from theirs.",
        what,
        who,
        format_html(" at {}", when) if when else "",
        link,
    )


class EditConflictMixin:
    """Refuses to save over a change made since the form was loaded.

    The form carries the object's (and its inline rows') versions in a hidden field. On save
    the stored versions are read under a row lock; if they moved on, the form is refused with
    who changed what and when, the curator's input is redisplayed, and the hidden field takes
    the new versions, so saving again is a deliberate choice, never a silent overwrite.
    """

    edit_children = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[EDIT_STATE] = forms.CharField(
                widget=forms.HiddenInput,
                required=False,
                initial=edit_state(self.instance, self.edit_children),
            )

    def clean(self):
        cleaned = super().clean()
        loaded = self.data.get(self.add_prefix(EDIT_STATE)) if self.is_bound else None
        if self.instance.pk is None or not loaded:
            return cleaned
        current = edit_state(self.instance, self.edit_children)
        if current != loaded:
            self.data = self.data.copy()
            self.data[self.add_prefix(EDIT_STATE)] = current
            raise ValidationError(
                conflict_message(self.instance, loaded, current), code="edit_conflict"
            )
        return cleaned


# The admin -----------------------------------------------------------------------------------


class VersionLinksMixin:
    """On the page that reverts to a version, the link fields show the version's links.

    Posting the page then restores them (the form saves its links after the object). A
    version saved before links were versioned shows the current ones, which stay.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = getattr(self.instance, "_history", None)  # set by django-simple-history
        if record is None or not links_recorded(record):
            return
        for m2m in linked_fields(type(self.instance)):
            if m2m.name in self.fields and m2m.remote_field.through._meta.auto_created:
                rows, _ = version_links(record, m2m)
                target = m2m.remote_field.through._meta.get_field(m2m.m2m_reverse_field_name())
                self.initial[m2m.name] = [getattr(row, target.attname) for row in rows]


class HistoryAdmin(SimpleHistoryAdmin):
    """History and compare, restore, edit-conflict checks, usage before delete, recovery."""

    delete_confirmation_template = "admin/exhibit/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/exhibit/delete_selected_confirmation.html"
    object_history_list_template = "admin/exhibit/object_history_list.html"

    def edit_children(self):
        children = []
        for inline in self.inlines:
            model = inline.model
            if any(f.name == "version" for f in model._meta.concrete_fields):
                fk = next(
                    f
                    for f in model._meta.concrete_fields
                    if f.is_relation and f.related_model is self.model
                )
                children.append((model, fk.name))
        return tuple(children)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if linked_fields(self.model):
            form = type(form.__name__, (VersionLinksMixin, form), {})
        if not any(f.name == "version" for f in self.model._meta.concrete_fields):
            return form  # kept in history, but not versioned for edit conflicts
        return type(
            form.__name__, (EditConflictMixin, form), {"edit_children": self.edit_children()}
        )

    # Saving: who, restores and publication events.

    def _restoring(self, request):
        match = request.resolver_match
        return match is not None and match.url_name.endswith("_simple_history")

    def save_model(self, request, obj, form, change):
        obj.revision_user = request.user  # an essay's text revision names its author
        before = None
        if change and isinstance(obj, Publishable):
            before = (
                type(obj)
                ._default_manager.filter(pk=obj.pk)
                .values("status", "published_at")
                .first()
            )
        restoring = change and self._restoring(request)
        if restoring:
            current = type(obj)._default_manager.get(pk=obj.pk)
            for name in KEPT_ON_RESTORE.get(label(type(obj)), ()):
                setattr(obj, name, getattr(current, name))
        super().save_model(request, obj, form, change)
        if restoring:
            version_id = request.resolver_match.args[1]
            record = self.model.history.get(history_id=unquote(version_id))
            links = finish_restore(obj, request.user, record)
            for message in links.messages(obj):
                self.message_user(request, message, messages.WARNING)
        if isinstance(obj, Publishable):
            if before is None:
                record_status_change(request.user, obj, None, None)
            else:
                record_status_change(request.user, obj, before["status"], before["published_at"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inline rows (a gallery's images, an essay's authors) are saved after the object: the
        # version its save made gets the links as they are now.
        record_links(form.instance)

    def _say_version_rows(self, request, record):
        """Rows edited on their own page (a gallery's images, authors) are not in this form:
        say which ones reverting brings back."""
        for m2m in linked_fields(self.model):
            through = m2m.remote_field.through
            if through._meta.auto_created:
                continue
            rows, _ = version_links(record, m2m)
            if any(f.name == "order" for f in through._meta.fields):
                rows.sort(key=lambda row: (row.order, row.id))
            target = through._meta.get_field(m2m.m2m_reverse_field_name())
            objects = m2m.related_model._default_manager.in_bulk(
                [getattr(row, target.attname) for row in rows]
            )
            names = [str(objects[getattr(row, target.attname)]) for row in rows]
            self.message_user(
                request,
                f"Reverting also restores this version's {m2m.verbose_name}, in this order: "
                + (", ".join(names) if names else "none")
                + ".",
                messages.INFO,
            )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Versions are numbered; django-simple-history would pass anything else to a query.
        version = whole_number(str(version_id))
        if version is None:
            raise Http404("No version with that number.")
        if request.method == "GET" and linked_fields(self.model):
            record = self.model.history.filter(history_id=version).first()
            if record is not None and links_recorded(record):
                self._say_version_rows(request, record)
            if record is not None and not links_recorded(record):
                self.message_user(
                    request,
                    "This version was saved before links were kept in history: reverting to "
                    "it leaves its links (entities, sources, authors, curators, gallery "
                    "images) as they are now.",
                    messages.WARNING,
                )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Changes between neighbouring versions; links only where both versions hold them."""
        previous = None
        for current in historical_records:
            if previous is not None:
                excluded = []
                if not (links_recorded(previous) and links_recorded(current)):
                    excluded = [m2m.name for m2m in linked_fields(self.model)]
                delta = previous.diff_against(
                    current, excluded_fields=excluded, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def save_formset(self, request, form, formset, change):
        # Inline rows published on their parent's page (sections of an exhibit) are logged too.
        befores = {}
        if issubclass(formset.model, Publishable):
            pks = [f.instance.pk for f in formset.forms if f.instance.pk]
            befores = {
                row["pk"]: row
                for row in formset.model._default_manager.filter(pk__in=pks).values(
                    "pk", "status", "published_at"
                )
            }
        # Rows deleted inline (a block on its section's page) are logged for recovery too.
        deletions = [
            (row.instance, row.instance.pk, deletion_detail(row.instance))
            for row in formset.deleted_forms
            if row.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        for obj, pk, detail in deletions:
            obj.pk = pk  # Django clears it on delete; the event names it
            record_deletion(obj, request.user, detail)
        for saved in getattr(formset, "new_objects", []) + [
            obj for obj, _ in getattr(formset, "changed_objects", [])
        ]:
            if isinstance(saved, Publishable):
                before = befores.get(saved.pk, {})
                record_status_change(
                    request.user, saved, before.get("status"), before.get("published_at")
                )

    # Deleting: where it is used, what protects it, and a record for recovery.

    def delete_model(self, request, obj):
        delete_with_record(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            delete_with_record(obj, request.user)

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None:
            context["usage"] = where_used(obj)
            context["blocked"] = any(g.effect == "protected" for g in context["usage"])
        return super().render_delete_form(request, context)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        if isinstance(objs, models.QuerySet) or len(objs) > 1:
            request.exhibit_usage = [(obj, where_used(obj)) for obj in objs]
        return deleted, counts, perms, protected

    # Recovering deleted objects.

    def get_urls(self):
        prefix = self.url_prefix()
        view = self.admin_site.admin_view
        return [
            path("deleted/", view(self.deleted_view), name=f"{prefix}_deleted"),
            path(
                "deleted/<int:history_id>/recover/",
                view(self.recover_view),
                name=f"{prefix}_recover",
            ),
            *super().get_urls(),
        ]

    def url_prefix(self):
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}"

    def has_recover_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_recover_permission(request):
            prefix = self.url_prefix()
            extra_context["recover_url"] = reverse(f"admin:{prefix}_deleted")
        return super().changelist_view(request, extra_context)

    def deleted_view(self, request):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        records = deleted_records(self.model)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Deleted {opts.verbose_name_plural}",
            "subtitle": None,
            "opts": opts,
            "records": records[:200],
            "total": records.count(),
        }
        return TemplateResponse(request, "admin/exhibit/deleted_list.html", context)

    def recover_view(self, request, history_id):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        record = deleted_records(self.model).filter(history_id=history_id).first()
        opts = self.model._meta
        prefix = self.url_prefix()
        if record is None:
            raise Http404(f"No deleted {opts.verbose_name} with that history number.")
        if request.method == "POST":
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    result = recover(record, request.user)
            except RecoveryError as error:
                self.message_user(request, f"Not recovered: {error}", messages.ERROR)
                return HttpResponseRedirect(reverse(f"admin:{prefix}_deleted"))
            extra = len(result.recovered) - 1
            message = format_html(
                "Recovered {} “{}”{}{}.",
                opts.verbose_name,
                result.obj,
                f", with {extra} item(s) deleted along with it" if extra else "",
                f" and {result.links} link(s)" if result.links else "",
            )
            self.message_user(request, message, messages.SUCCESS)
            for dropped in result.dropped:
                self.message_user(request, f"Not recovered: {dropped}.", messages.WARNING)
            return HttpResponseRedirect(reverse(f"admin:{prefix}_change", args=[result.obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Recover {opts.verbose_name} “{record.instance}”",
            "subtitle": None,
            "opts": opts,
            "record": record,
        }
        return TemplateResponse(request, "admin/exhibit/recover_confirmation.html", context)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: read-only for everyone, superusers included."""

    list_display = ("when", "actor", "action", "content_type", "object_link", "summary")
    list_filter = ("action", "content_type", "actor")
    search_fields = ("object_repr", "actor__username")
    date_hierarchy = "when"
    list_select_related = ("actor", "content_type")
    readonly_fields = (
        "when", "actor", "action", "content_type", "object_id", "object_repr", "detail",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="object", ordering="object_repr")
    def object_link(self, event):
        if event.content_type is None:  # the whole site: the archive's file name
            return event.object_repr
        model = event.content_type.model_class()
        if model is not None and model._default_manager.filter(pk=event.object_id).exists():
            url = reverse(
                f"admin:{event.content_type.app_label}_{event.content_type.model}_change",
                args=[event.object_id],
            )
            return format_html('<a href="{}">{}</a>', url, event.object_repr)
        return event.object_repr

    @admin.display(description="detail")
    def summary(self, event):
        detail = event.detail or {}
        if event.action in ("published", "scheduled") and detail.get("published_at"):
            return f"visible from {detail['published_at'][:16].replace('T', ' ')}"
        if event.action == AuditEvent.Action.DELETED:
            return (
                f"{len(detail.get('cascaded', []))} item(s) deleted with it, "
                f"{len(detail.get('links', []))} link(s) removed"
            )
        if event.action == AuditEvent.Action.RESTORED:
            return f"to the version of {detail.get('of', '')[:16].replace('T', ' ')}"
        if event.action == AuditEvent.Action.RECOVERED:
            return f"{len(detail.get('with', []))} item(s) and {detail.get('links', 0)} link(s)"
        if event.action in (AuditEvent.Action.EXPORTED, AuditEvent.Action.IMPORTED):
            return (
                f"{detail.get('objects', 0)} object(s), {detail.get('originals', 0)} original(s); "
                f"SHA-256 {detail.get('sha256', '')}"
            )
        return ""
