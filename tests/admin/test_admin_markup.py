"""Every admin page a curator or editor opens runs under the Content-Security-Policy as served:
no `style` attribute, no `on…` handler and no inline script in its HTML (the policy allows
none, so each would be a blocked style or a dead control)."""

import contextlib
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db

# <script> blocks that hold data, which browsers never execute and the policy does not govern.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={attrs[name]!r}>")
        if tag == "script" and not attrs.get("src") and attrs.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append("<script> without src")


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def admin_urls(model, obj):
    """The pages of one model's admin that a user walks through, with its first object."""
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [reverse(f"{info}_changelist")]
    with contextlib.suppress(NoReverseMatch):
        urls.append(reverse(f"{info}_add"))
    if obj is None:
        return urls
    for view in ("change", "history", "delete"):
        with contextlib.suppress(NoReverseMatch):
            urls.append(reverse(f"{info}_{view}", args=[obj.pk]))
    history = getattr(model, "history", None)
    if history is not None:
        record = history.filter(**{model._meta.pk.attname: obj.pk}).first()
        if record is not None:
            urls.append(reverse(f"{info}_simple_history", args=[obj.pk, record.history_id]))
    return urls


def test_no_admin_page_carries_inline_styles_handlers_or_scripts(
    client, django_user_model, reuse_built_images
):
    call_command("load_demo", verbosity=0)
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "x"))
    # Two changes, so each history page lists more than one version.
    from exhibit.models import Essay

    essay = Essay.objects.first()
    essay.subtitle = f"{essay.subtitle} (revised)"
    essay.save()

    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        pages += admin_urls(model, model._default_manager.order_by("pk").last())
    found = {}
    for url in pages:
        response = client.get(url)
        if response.status_code == 403:
            continue  # a read-only admin (the audit log) has no add or delete page
        assert response.status_code == 200, url
        problems = inline_code(response.content.decode())
        if problems:
            found[url] = problems
    assert found == {}
