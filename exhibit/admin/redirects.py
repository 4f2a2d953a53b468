"""Old addresses on a change page: the slugs an object had, which still answer with a 301.

Shown to whoever may change the object, each as its full URL, with a box to tick to remove it
when the page is saved (with the rest of the form, so nothing typed is lost). A removed old
address answers 404 from then on.
"""

import copy

from django import forms
from django.conf import settings
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.html import format_html

from exhibit.models import SlugRedirect

FIELD = "old_addresses"


def old_url(request, obj, old_slug):
    """The full URL ``obj`` had under ``old_slug`` (a section's under its exhibit's slug now)."""
    then = copy.copy(obj)
    then.slug = old_slug
    path = then.get_absolute_url()
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else request.build_absolute_uri(path)


class OldAddressesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple
    request = None
    obj = None

    def label_from_instance(self, redirect):
        url = old_url(self.request, self.obj, redirect.old_slug)
        until = f"{timezone.localtime(redirect.created):%Y-%m-%d}"
        return format_html('Remove <a href="{}">{}</a> (its address until {})', url, url, until)


class OldAddressesFormMixin(forms.ModelForm):
    old_addresses = OldAddressesField(
        queryset=SlugRedirect.objects.none(),
        required=False,
        label="Old addresses",
        help_text="These addresses still lead here (a permanent redirect, once this is "
        "published). Tick one and save to remove it: it will then answer “not found”.",
        error_messages={
            "invalid_choice": "That old address has already been removed. Reload the page "
            "to see the ones that remain; your other changes are kept below.",
        },
    )

    class Media:
        css = {"all": ("exhibit/css/admin-old-addresses.css",)}

    def save(self, commit=True):
        obj = super().save(commit=commit)
        removed = [r.pk for r in self.cleaned_data.get(FIELD) or ()]
        if removed:
            SlugRedirect.objects.filter(pk__in=removed).delete()
        return obj


def old_addresses(obj):
    return SlugRedirect.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    )


class OldAddressesAdminMixin:
    """Adds the "Old addresses" group to the change page of a model that keeps old slugs."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if (
            obj is not None
            and self.has_change_permission(request, obj)
            # Also when the form asked to remove one that is gone, to say so where it was.
            and (old_addresses(obj).exists() or request.POST.get(FIELD))
            and FIELD not in flatten_fieldsets(fieldsets)
        ):
            fieldsets.append(("Old addresses", {"fields": (FIELD,)}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = kwargs.pop("form", self.form)
        with_old = type(base.__name__, (OldAddressesFormMixin, base), {})
        form = super().get_form(request, obj, change=change, form=with_old, **kwargs)

        class BoundToObject(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                field = self.fields.get(FIELD)
                if field is not None and self.instance.pk is not None:
                    field.queryset = old_addresses(self.instance).order_by("old_slug")
                    field.request, field.obj = request, self.instance

        BoundToObject.__name__ = form.__name__
        return form if obj is None else BoundToObject
