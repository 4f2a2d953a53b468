"""Every public page type passes axe-core's WCAG 2.0 and 2.1 A and AA rules, at desktop and phone
widths and in the dark colour scheme (every page at desktop width, the reading pages on a
phone), as do the admin's annotation panels (our own widgets inside Django's admin).

axe-core is a test tool: npm installs it from package-lock.json (a devDependency) and the test
injects it from node_modules; it is never copied into static files. Each page is loaded once
per viewport and scheme, in its finished state (the deep-zoom viewer drawn, the map's markers
placed, an essay's note open), and audited whole.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exhibit.models import Entity, Essay, Exhibit, Image, Repository, ReviewLink, Status
from tests.browser.test_admin_annotate import pick_entity, select_words
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what public-sector accessibility law asks for (EN 301 549).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# What a reader reads, as against finds their way through.
READING_PAGES = {"exhibit", "section", "essay", "image", "person", "place", "review copy"}

RUN_AXE = """async ([context, tags]) => {
    const results = await axe.run(context, {runOnly: {type: "tag", values: tags}});
    return results.violations.map(violation => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.map(node => ({
            target: node.target.join(" "),
            // The check that failed says why, e.g. the two colours and their contrast ratio.
            why: [...node.any, ...node.all, ...node.none].map(check => check.message)[0] || "",
        })),
    }));
}"""


@pytest.fixture(scope="module")
def axe_path():
    if not AXE.exists():
        message = f"{AXE} is missing: run `make assets` (npm ci installs axe-core)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{message}, and REQUIRE_BROWSER is set (as in CI)")
        pytest.skip(message)
    return str(AXE)


@pytest.fixture
def audit(axe_path):
    """``audit(page, include=None, exclude=None)``: axe's WCAG A/AA violations on the page as
    it is now, one readable line per failing element."""

    def audit(page, include=None, exclude=None):
        if not page.evaluate("'axe' in window"):
            page.add_script_tag(path=axe_path)
        context = {"include": include or [["html"]], "exclude": exclude or []}
        found = page.evaluate(RUN_AXE, [context, WCAG_TAGS])
        url = urlsplit(page.url)
        path = f"{url.path}?{url.query}" if url.query else url.path
        lines = []
        for violation in found:
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
            lines.extend(f"    {node['target']}  — {node['why']}" for node in violation["nodes"])
        return [f"{path}\n  " + "\n  ".join(lines)] if lines else []

    return audit


def report(failures):
    return "axe found WCAG A/AA violations:\n" + "\n".join(failures)


@pytest.fixture
def site(published_exhibit, live_server):
    """The demo's page of every public type, and a session for a curator's preview."""
    section = max(
        published_exhibit.sections.all(),
        key=lambda section: section.blocks.values("kind").distinct().count(),
    )
    essay = Essay.objects.published().filter(annotations__isnull=False).first()
    image = (
        Image.objects.published()
        .filter(processing_state=Image.Processing.READY, annotations__isnull=False)
        .first()
    )
    entities = Entity.objects.published()
    repository = (
        Repository.objects.published()
        .annotate(cited=Count("references"))
        .order_by("-cited")
        .first()
    )
    draft = Exhibit.objects.filter(status=Status.DRAFT).first()
    review = ReviewLink.objects.create(
        exhibit=draft, recipient="Dr. A. Ivanova", expires_at=timezone.now() + timedelta(days=14)
    )
    curator = Client()
    curator.force_login(make_user("curator", group="Curator"))
    return {
        "pages": {
            "home": reverse("exhibit:home"),
            "exhibit list": reverse("exhibit:exhibit_list"),
            "exhibit": published_exhibit.get_absolute_url(),
            "section": section.get_absolute_url(),
            "essay": essay.get_absolute_url(),
            "image": image.get_absolute_url(),
            "entities": reverse("exhibit:entity_list"),
            "people A–Z": reverse("exhibit:person_list"),
            "person": entities.filter(kind=Entity.Kind.PERSON).first().get_absolute_url(),
            "place": entities.filter(kind=Entity.Kind.PLACE).first().get_absolute_url(),
            "repositories": reverse("exhibit:repository_list"),
            "repository": repository.get_absolute_url(),
            "timeline": reverse("exhibit:timeline"),
            "map": reverse("exhibit:map"),
            "search": reverse("exhibit:search") + "?q=Lipetsk",
            "search, faceted": reverse("exhibit:search") + "?q=Lipetsk&type=image",
            "search, nothing found": reverse("exhibit:search") + "?q=Zeppelin",
            "404": "/exhibits/no-such-exhibit/",
            "review copy": review.get_absolute_url(),
            "preview": draft.get_preview_url(),
        },
        "session": {
            "name": "sessionid",
            "value": curator.cookies["sessionid"].value,
            "url": live_server.url,
        },
    }


def settle(page, kind):
    """Bring a page to the state a reader sees once its scripts have run."""
    if kind == "essay":
        # The first note, opened once: the page's script places it as a dialog.
        page.locator("mark[role=button]").first.click()
        page.get_by_role("dialog").wait_for()
    elif kind == "image":
        page.locator(".openseadragon-canvas canvas").first.wait_for()
    elif kind == "map":
        page.wait_for_selector("[data-map-ready]")
    elif kind.startswith("search"):
        # Each search page is the state it names.
        found = page.locator(".result").count()
        assert (found == 0) if kind == "search, nothing found" else (found > 0), kind
    page.wait_for_load_state("networkidle")


def audit_site(site, open_page, audit, viewport, color_scheme, kinds=None):
    # add_script_tag() inserts axe inline, which the site's policy rightly refuses; the policy
    # itself is tested in test_content_security_policy.py.
    page = open_page(viewport, color_scheme=color_scheme, bypass_csp=True)
    page.context.add_cookies([site["session"]])
    failures = []
    for kind, url in site["pages"].items():
        if kinds and kind not in kinds:
            continue
        response = page.goto(url)
        assert response.status == (404 if kind == "404" else 200), url
        settle(page, kind)
        failures += [f"[{kind}, {viewport}, {color_scheme}] {line}" for line in audit(page)]
    return failures


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_public_page_type_passes_wcag_a_and_aa(site, open_page, audit, viewport):
    failures = audit_site(site, open_page, audit, viewport, "light")
    assert not failures, report(failures)


def test_every_public_page_type_passes_wcag_a_and_aa_in_the_dark_scheme(site, open_page, audit):
    failures = audit_site(site, open_page, audit, "desktop", "dark")
    assert not failures, report(failures)


def test_reading_pages_pass_wcag_a_and_aa_in_the_dark_scheme_on_a_phone(site, open_page, audit):
    failures = audit_site(site, open_page, audit, "phone", "dark", kinds=READING_PAGES)
    assert not failures, report(failures)


def test_the_audit_reports_what_it_finds(published_exhibit, open_page, audit):
    """The audit is not vacuous: a picture without alt text and grey-on-grey text are named."""
    page = open_page("desktop", bypass_csp=True)
    page.goto(reverse("exhibit:home"))
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img src="/no.png" class="probe-image">' +
            '<p class="probe-text" style="color: #999; background: #aaa">faint</p>')"""
    )
    [failure] = audit(page, include=[[".probe-image"], [".probe-text"]])
    assert "image-alt (critical)" in failure
    assert ".probe-image" in failure
    assert "color-contrast (serious)" in failure
    assert "insufficient color contrast" in failure


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_admin_annotation_panels_pass_wcag_a_and_aa(
    published_exhibit, open_page, audit, live_server, screenshot, color_scheme
):
    """Our widgets only (``#annotate``): the rest of the page is Django's admin, not ours."""
    client = Client()
    client.force_login(make_user("curator", group="Curator"))
    page = open_page("desktop", color_scheme=color_scheme, bypass_csp=True)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    panel = [["#annotate"]]
    failures = []

    essay = Essay.objects.get(slug="training-grounds")
    page.goto(reverse("admin:exhibit_essay_change", args=[essay.pk]))
    failures += audit(page, include=panel)
    # A selection, and the note form open beside it.
    select_words(page, "German pilots dressed as tourists")
    page.get_by_role("button", name="Annotate selection").click()
    failures += audit(page, include=panel)
    # An entity picked in the autocomplete. Django's admin ships Select2 4.0.13, which puts its
    # "clear all" button, a <span>, straight into its <ul> of choices (axe's `list` rule): its
    # markup, not ours, and the same on every admin page. That list is left out of this audit;
    # the one above, before anything is picked, covers its search box.
    pick_entity(page, "Lipetsk (place)")
    failures += audit(page, include=panel, exclude=[[".select2-selection__rendered"]])
    page.locator("#annotate").scroll_into_view_if_needed()
    screenshot(page, f"a11y-admin-essay-{color_scheme}")

    image = Image.objects.get(slug="galo-german-pilots-as-tourists")
    page.goto(reverse("admin:exhibit_image_change", args=[image.pk]))
    page.locator(".annotate-stage img").evaluate("img => img.decode()")
    failures += audit(page, include=panel)
    page.get_by_role("button", name="Add a region by numbers").click()
    failures += audit(page, include=panel)
    screenshot(page, f"a11y-admin-image-{color_scheme}")

    assert not failures, report(failures)
