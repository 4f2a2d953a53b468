"""A corpus of XSS payloads through every curator-entered text field, onto every page.

Every text field a curator fills in (Markdown and plain alike, found by introspection so a new
field is covered the day it is added) receives each payload in turn; then every public page, the
review copy, the staff preview and the admin change pages are crawled, and nothing executable
may survive on any of them.
"""

import dataclasses
import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from exhibit.models import (
    Annotation,
    ArchivalReference,
    Block,
    Contributor,
    Entity,
    Exhibit,
    Image,
    Repository,
    ReviewLink,
    Status,
)
from exhibit.services.anchoring import selector_for
from exhibit.services.rendering import render_inline, render_markdown, sanitize_html
from tests.crawl import crawl
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_section,
    make_user,
)
from tests.html_checks import assert_inert

pytestmark = pytest.mark.django_db

CORPUS = [
    # script elements, plain and disguised
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script\x20type="text/javascript">alert(1)</script>',
    "<<script>alert(1);//<</script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    "<input autofocus onfocus=alert(1)>",
    '<details open ontoggle="alert(1)">',
    '<a href="#" onclick="alert(1)">click</a>',
    "<video><source onerror=alert(1)></video>",
    # javascript: and data: URLs, plain and entity-encoded
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">tab</a>',
    '<a href=" javascript:alert(1)">space</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    # a bare script URL, where a field holds a link (the original publication's URL)
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    # SVG and MathML tricks
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<math href="javascript:alert(1)">click</math>',
    # style, frames, objects, base, meta
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    # unclosed and malformed markup
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)',
    "<p title='</p><script>alert(1)</script>'>",
    "<!--<script>alert(1)</script>-->",
    # attribute breakouts (where text lands in title=, alt=, aria-label=, value=)
    '" onmouseover="alert(1)',
    "' autofocus onfocus='alert(1)",
    '"><script>alert(1)</script>',
    '"/><img src=x onerror=alert(1)>',
    # Markdown
    "[click](javascript:alert(1))",
    '[click](JAVASCRIPT:alert(1) "title")',
    "![pic](javascript:alert(1))",
    '![pic](x" onerror="alert(1))',
    '[a](https://example.org "title\\" onmouseover=\\"alert(1)")',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "Raw HTML in Markdown: <span onclick=alert(1)>x</span> and <script>alert(1)</script>",
    "```\n</code><script>alert(1)</script>\n```",
    "Footnote[^x].\n\n[^x]: <img src=x onerror=alert(1)>",
]

# Fields that are not text a curator writes, or that name the object in URLs.
SKIP = {
    "slug",
    "original",
    "original_filename",
    "checksum",
    "format",
    "processing_error",
    "xywh",
    "status",
    "kind",
    "role",
    "rights",
    "motivation",
    "anchoring",
    "system",
    "file_unit",
    "essay_display",
    "processing_state",
}
# Fields whose stored form is derived from the Markdown source on save.
DERIVED = {"introduction_html", "credits_html", "text_html", "quote_html", "body_html"}


def curator_text_fields():
    """Every editable text field of every content model: ``{model: [field names]}``."""
    found = {}
    for model in apps.get_app_config("exhibit").get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and field.editable
            and not field.choices
            and field.name not in SKIP | DERIVED
            and not field.name.startswith("historical")
        ]
        if names:
            found[model] = names
    return found


def test_the_corpus_reaches_every_rich_text_field():
    fields = curator_text_fields()
    assert "body" in fields[Annotation] and "description" in fields[Entity]
    assert {"introduction", "credits", "summary"} <= set(fields[Exhibit])
    assert {"text", "quote", "quote_attribution", "quote_source"} <= set(fields[Block])
    assert {"caption", "credit_line", "alt_text"} <= set(fields[Image])
    assert "bio" in fields[Contributor] and "notes" in fields[ArchivalReference]
    assert "url" in fields[Repository] and "recipient" in fields[ReviewLink]


@pytest.mark.parametrize("payload", CORPUS)
def test_renderers_leave_nothing_executable(payload):
    assert_inert(render_markdown(payload).html)
    assert_inert(render_markdown(payload, heading_anchors=True, doc_id=payload[:20]).html)
    assert_inert(render_inline(payload))
    assert_inert(sanitize_html(payload))


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:,x"]
)
def test_script_url_in_a_link_field_is_not_a_link(client, url):
    essay = make_essay(original_url=url, original_venue="Voenno-istoricheskii zhurnal")
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=essay)
    response = client.get(essay.get_absolute_url())
    assert response.status_code == 200
    assert_page_inert(response.content.decode().split("<body", 1)[1])
    assert "Original publication</a>" not in response.content.decode()


def test_script_urls_of_creators_and_repositories_are_not_links(client):
    reference = make_reference()
    reference.repository.url = "javascript:alert(1)"
    reference.repository.save()
    image = make_image(archival_reference=reference)
    image.creator = Contributor.objects.create(name="X", slug="x", url=" javascript:alert(1)")
    image.save()
    make_block(make_section(make_exhibit()), kind=Block.Kind.IMAGE, image=image)
    response = client.get(image.get_absolute_url())
    assert response.status_code == 200
    assert "javascript:" not in response.content.decode()


def test_web_links_in_a_link_field_stay_links(client):
    essay = make_essay(original_url="https://example.org/article?a=1&b=2")
    make_block(make_section(make_exhibit()), kind=Block.Kind.ESSAY, essay=essay)
    page = client.get(essay.get_absolute_url()).content.decode()
    assert 'href="https://example.org/article?a=1&amp;b=2"' in page


@pytest.fixture
def site(media_root):
    """A published exhibit showing every kind of content, a draft one, and notes on both."""
    repository_ref = make_reference()
    person = make_entity(kind=Entity.Kind.PERSON, latitude=None, longitude=None)
    place = make_entity()
    image = make_image(archival_reference=repository_ref, entities=[person])
    image.creator = Contributor.objects.create(name="Ph. Otographer", slug="photographer")
    image.allow_download = True
    image.save()
    essay = make_essay()
    essay.references.add(repository_ref)
    exhibit = make_exhibit(cover_image=image, title="Lipetsk")
    exhibit.curators.add(Contributor.objects.create(name="Cu Rator", slug="curator-x"))
    section = make_section(exhibit)
    make_block(section, heading="Text", entities=[place])
    make_block(section, kind=Block.Kind.IMAGE, image=image, heading="Image")
    make_block(section, kind=Block.Kind.GALLERY, gallery=[image, make_image()])
    make_block(section, kind=Block.Kind.QUOTATION, quote="Q", quote_reference=repository_ref)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay, essay_display="embed")
    make_block(section, kind=Block.Kind.ESSAY, essay=essay, essay_display="link")
    make_block(section, kind=Block.Kind.ENTITIES, entities=[place, person])
    text = essay.revisions.get().text
    start = text.index("school")
    selector = dataclasses.asdict(selector_for(text, start, start + 6))
    note = Annotation.objects.create(
        essay=essay, revision=essay.revisions.get(), body="A note.", **selector
    )
    note.entities.add(person)
    note.references.add(repository_ref)
    region = Annotation.objects.create(image=image, xywh="10,10,50,50", body="A region.")
    region.entities.add(place)
    draft = make_exhibit(status=Status.DRAFT)
    make_block(make_section(draft, status=Status.DRAFT), kind=Block.Kind.IMAGE, image=image)
    link = ReviewLink.objects.create(
        exhibit=draft, recipient="Reader", expires_at=timezone.now() + timedelta(days=1)
    )
    return {"exhibit": exhibit, "draft": draft, "link": link}


def fill_every_field(round_number):
    """Each field gets a payload; over len(CORPUS) rounds every field has had every payload."""
    used = {}
    for offset, (model, names) in enumerate(curator_text_fields().items()):
        for obj in model._default_manager.all():
            for index, name in enumerate(names):
                field = model._meta.get_field(name)
                payload = CORPUS[(round_number + offset + index) % len(CORPUS)]
                if field.max_length:
                    payload = payload[: field.max_length]
                setattr(obj, name, payload)
                used[f"{model._meta.model_name}.{name}"] = payload
            obj.save()  # renders Markdown, re-anchors notes, as the admin's save does
    return used


class _Scripts(HTMLParser):
    """The page's own scripts, meta tags, forms and region SVG only: scripts from static files
    (or JSON data), meta tags that do not redirect, and on public pages only the site's search
    form."""

    def __init__(self, forms=("/search/",)):
        super().__init__()
        self.problems = []
        self.forms = forms

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            src = attrs.get("src") or ""
            if not (
                src.startswith(("/static/", "/admin/jsi18n/"))
                or attrs.get("type") in ("application/json", "application/ld+json")
            ):
                self.problems.append(f"<script {attrs}>")
        if tag == "meta" and "http-equiv" in attrs:
            self.problems.append(f"<meta {attrs}>")
        if tag == "form" and self.forms is not None and attrs.get("action") not in self.forms:
            self.problems.append(f"<form {attrs}>")


def assert_page_inert(html, allowed_tags=("script", "meta", "svg", "form"), forms=("/search/",)):
    """``assert_inert`` for a whole page, which has its own scripts, meta tags and forms."""
    assert_inert(html, allowed_tags=set(allowed_tags))
    scripts = _Scripts(forms=forms)
    scripts.feed(html)
    assert not scripts.problems, scripts.problems


def assert_admin_inert(html):
    assert_page_inert(html, forms=None)


def check_pages(site, editor_client):
    link = site["link"]
    start = ["/", link.get_absolute_url(), site["draft"].get_preview_url()]
    pages = {
        **crawl(files=False),
        **crawl(start=[link.get_absolute_url()], files=False, within="/review/"),
        **crawl(
            start=[site["draft"].get_preview_url()],
            client=editor_client,
            files=False,
            within="/preview/",
        ),
    }
    assert len(pages) > 20 and all(p in pages for p in start)
    for path, (_, kind, body) in pages.items():
        if path.startswith("/admin/"):
            continue
        try:
            if "html" in kind:
                assert_page_inert(body.decode())
            elif "json" in kind:
                for value in _html_values(json.loads(body)):
                    assert_inert(value)
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from error
    return pages


def _html_values(data):
    """The HTML strings inside JSON-LD (annotation bodies, manifest labels, summaries)."""
    if isinstance(data, dict):
        if data.get("format") == "text/html" and isinstance(data.get("value"), str):
            yield data["value"]
        for value in data.values():
            yield from _html_values(value)
    elif isinstance(data, list):
        for item in data:
            yield from _html_values(item)


def test_every_payload_in_every_field_stays_inert_on_every_page(site, editor_client):
    editor_client.force_login(make_user("boss", is_superuser=True))
    for round_number in range(len(CORPUS)):
        fill_every_field(round_number)
        check_pages(site, editor_client)


def test_admin_change_pages_stay_inert(site, client):
    client.force_login(make_user("boss", is_superuser=True))
    for round_number in range(0, len(CORPUS), 4):
        fill_every_field(round_number)
        for model in curator_text_fields():
            info = (model._meta.app_label, model._meta.model_name)
            if not admin.site.is_registered(model):
                continue  # edited inline only: no admin page of its own
            response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
            assert response.status_code == 200
            assert_admin_inert(response.content.decode())
            for obj in model._default_manager.all()[:2]:
                url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
                response = client.get(url)
                assert response.status_code == 200, url
                assert_admin_inert(response.content.decode())
