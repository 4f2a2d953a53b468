"""Review links: an outside reader opens a draft exhibit without an account, until the link
expires, is withdrawn, or the exhibit is published."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from exhibit.models import Block, ReviewLink, Status
from exhibit.models.reviews import TOKEN_SALT
from tests.factories import (
    make_block,
    make_essay,
    make_exhibit,
    make_full_exhibit,
    make_image,
    make_section,
)
from tests.views.test_query_counts import EXPECTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor):
    exhibit = make_exhibit(title="The Kama tank school", status=Status.DRAFT)
    section = make_section(exhibit, title="Kazan, 1929", status=Status.DRAFT)
    essay = make_essay(title="Tanks on the Kama", status=Status.DRAFT)
    image = make_image(title="Trial vehicle")
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    return exhibit


def make_link(exhibit, days=7, **kwargs):
    return ReviewLink.objects.create(
        exhibit=exhibit,
        recipient="Dr. A. Ivanova",
        expires_at=timezone.now() + timedelta(days=days),
        **kwargs,
    )


def assert_private(response):
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert "public" not in cache_control
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"


def links_in(response):
    return re.findall(r'(?:href|src|action)="([^"]+)"', response.content.decode())


def test_reviewer_without_account_reads_the_draft_and_its_sections(client, draft):
    link = make_link(draft)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Review copy — not published" in page
    assert "shared with Dr. A. Ivanova" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert_private(response)
    # Every link to the exhibit's own pages stays under the token; it can be followed.
    token = link.token
    inner = [url for url in links_in(response) if url.startswith("/review/")]
    assert inner and all(url.startswith(f"/review/{token}/") for url in inner)
    section = draft.sections.get()
    section_url = reverse("exhibit:review_section", kwargs={"token": token, "slug": section.slug})
    assert section_url in inner
    response = client.get(section_url)
    assert response.status_code == 200
    assert_private(response)
    followed = [url for url in links_in(response) if url.startswith(f"/review/{token}/")]
    essay_urls = [url for url in followed if "/essays/" in url]
    image_urls = [url for url in followed if "/images/" in url]
    assert essay_urls and image_urls
    for url in {essay_urls[0], image_urls[0].split("#")[0]}:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Review copy" in response.content.decode()
        assert_private(response)


def test_review_pages_never_link_into_the_admin_or_to_preview(client, draft):
    link = make_link(draft)
    pages = [link.get_absolute_url()]
    token = link.token
    section = draft.sections.get()
    pages.append(reverse("exhibit:review_section", kwargs={"token": token, "slug": section.slug}))
    block_essay = Block.objects.get(kind="essay").essay
    block_image = Block.objects.get(kind="image").image
    block_image.allow_download = True
    block_image.save()
    pages.append(reverse("exhibit:review_essay", kwargs={"token": token, "slug": block_essay.slug}))
    pages.append(reverse("exhibit:review_image", kwargs={"token": token, "slug": block_image.slug}))
    for page in pages:
        for url in links_in(client.get(page)):
            assert "/admin/" not in url and "/preview/" not in url, (page, url)


def test_review_link_reaches_only_its_own_exhibit(client, draft):
    other = make_exhibit(status=Status.DRAFT)
    other_section = make_section(other, status=Status.DRAFT)
    secret = make_essay(title="Another draft", status=Status.DRAFT)
    make_block(other_section, kind=Block.Kind.ESSAY, essay=secret)
    token = make_link(draft).token
    for url in (
        reverse("exhibit:review_section", kwargs={"token": token, "slug": other_section.slug}),
        reverse("exhibit:review_essay", kwargs={"token": token, "slug": secret.slug}),
    ):
        assert client.get(url).status_code == 404
    # An essay both exhibits show lists only this exhibit's sections where it appears.
    shared = Block.objects.get(section__exhibit=draft, kind="essay").essay
    make_block(other_section, kind=Block.Kind.ESSAY, essay=shared)
    response = client.get(
        reverse("exhibit:review_essay", kwargs={"token": token, "slug": shared.slug})
    )
    assert other_section.title not in response.content.decode()


def test_expired_link_is_gone(client, draft, monkeypatch):
    link = make_link(draft, days=2)
    url = link.get_absolute_url()
    assert client.get(url).status_code == 200
    later = timezone.now() + timedelta(days=2, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(url)
    assert response.status_code == 410
    assert "This review link has expired." in response.content.decode()
    assert "Kazan, 1929" not in response.content.decode()
    assert_private(response)


def test_link_made_already_expired_is_gone(client, draft):
    link = make_link(draft, days=-1)
    assert client.get(link.get_absolute_url()).status_code == 410


def test_withdrawn_link_is_gone_at_once(client, draft):
    link = make_link(draft)
    url = link.get_absolute_url()
    assert client.get(url).status_code == 200
    link.revoke()
    response = client.get(url)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    section = draft.sections.get()
    token = url.split("/")[2]
    section_url = reverse("exhibit:review_section", kwargs={"token": token, "slug": section.slug})
    assert client.get(section_url).status_code == 410


def test_publishing_the_exhibit_ends_its_review_links(client, draft):
    link = make_link(draft)
    url = link.get_absolute_url()
    draft.status = Status.PUBLISHED
    draft.save()
    response = client.get(url)
    assert response.status_code == 410
    assert "has been published" in response.content.decode()
    # Visitors are pointed at the public page once it is live.
    assert draft.get_absolute_url() in response.content.decode()


def test_a_link_ended_by_publication_stays_dead_after_unpublishing(client, draft):
    link = make_link(draft)
    url = link.get_absolute_url()
    draft.status = Status.PUBLISHED
    draft.save()
    draft.status = Status.DRAFT
    draft.save()
    response = client.get(url)
    assert response.status_code == 410
    assert "has been published" in response.content.decode()
    link.refresh_from_db()
    assert link.state == "ended: exhibit published"
    # A link made for the new draft works.
    assert client.get(make_link(draft).get_absolute_url()).status_code == 200


def test_a_link_opened_while_published_stays_dead_after_unpublishing(client, draft):
    """Even where publishing bypassed save() (a raw import), the first reader who meets the
    published exhibit ends the link."""
    link = make_link(draft)
    type(draft).objects.filter(pk=draft.pk).update(status=Status.PUBLISHED)
    assert client.get(link.get_absolute_url()).status_code == 410
    type(draft).objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    assert client.get(link.get_absolute_url()).status_code == 410


@pytest.mark.parametrize("how", ["update", "bulk_update", "update_published_at"])
def test_a_link_ended_by_a_queryset_publish_stays_dead_after_unpublishing(client, draft, how):
    """Publishing through ``queryset.update()`` (or ``bulk_update()``) ends the links too, even
    when nobody opened them while the exhibit was published."""
    link = make_link(draft)
    exhibits = type(draft).objects.filter(pk=draft.pk)
    if how == "update":
        exhibits.update(status=Status.PUBLISHED)
    elif how == "bulk_update":
        draft.status = Status.PUBLISHED
        type(draft).objects.bulk_update([draft], ["status"])
    else:
        exhibits.update(status=Status.PUBLISHED, published_at=timezone.now())
    exhibits.update(status=Status.DRAFT, published_at=None)
    link.refresh_from_db()
    assert link.ended_at is not None
    assert client.get(link.get_absolute_url()).status_code == 410


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "tampered",  # a real token with its id changed, re-encoded without the key
        "other-salt",  # signed with the site key but for something else
        "other-expiry",  # the right id with an expiry the link was not made with
    ],
)
def test_tampered_token_is_not_found(client, draft, token):
    link = make_link(draft)
    other = make_link(make_exhibit(status=Status.DRAFT))
    if token == "tampered":
        signature = link.token.rsplit(":", 1)[1]
        forged = signing.Signer(key="not-the-site-key", salt=TOKEN_SALT).sign_object(
            {"l": other.pk, "e": int(other.expires_at.timestamp())}
        )
        token = f"{forged.rsplit(':', 1)[0]}:{signature}"
    elif token == "other-salt":
        token = signing.Signer().sign_object({"l": link.pk, "e": int(link.expires_at.timestamp())})
    elif token == "other-expiry":
        token = signing.Signer(salt=TOKEN_SALT).sign_object(
            {"l": link.pk, "e": int(link.expires_at.timestamp()) + 86400 * 30}
        )
    response = client.get(reverse("exhibit:review_exhibit", kwargs={"token": token}))
    assert response.status_code == 404
    assert "This review link is not valid." in response.content.decode()
    assert_private(response)


def test_shortening_the_expiry_in_the_database_ends_the_old_token(client, draft):
    link = make_link(draft, days=30)
    url = link.get_absolute_url()
    ReviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert client.get(url).status_code == 404


# -------------------------------------------------------------------------- query counts


REVIEW_EXPECTED = {
    "exhibit": EXPECTED["exhibit"] + 1,  # + the link (with its exhibit)
    "section": EXPECTED["section"] + 1,
}


@pytest.mark.parametrize("scale", [1, 3])
@pytest.mark.parametrize("page", REVIEW_EXPECTED)
def test_review_page_query_count_is_fixed(client, django_assert_num_queries, page, scale):
    exhibit = make_full_exhibit(scale=scale, status=Status.DRAFT)
    token = make_link(exhibit).token
    section = exhibit.sections.first()
    url = {
        "exhibit": reverse("exhibit:review_exhibit", kwargs={"token": token}),
        "section": reverse("exhibit:review_section", kwargs={"token": token, "slug": section.slug}),
    }[page]
    with django_assert_num_queries(REVIEW_EXPECTED[page]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_ends_the_links_of_exhibits_published_before_it():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph  # by name: migrations are renumbered when branches merge
    target = next(
        k for k in graph.nodes if k[0] == "exhibit" and k[1].endswith("_reviewlink_ended_at")
    )
    before = [p.key for p in graph.node_map[target].parents if p.key[0] == "exhibit"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Exhibit, Link = old.get_model("exhibit", "Exhibit"), old.get_model("exhibit", "ReviewLink")
    expires = timezone.now() + timedelta(days=7)
    published = Exhibit.objects.create(title="Kama", slug="kama", status="published", order=0)
    draft = Exhibit.objects.create(title="Tomka", slug="tomka", status="draft", order=1)
    Link.objects.create(exhibit=published, recipient="A", expires_at=expires)
    Link.objects.create(exhibit=draft, recipient="B", expires_at=expires)
    executor.loader.build_graph()
    executor.migrate([target])

    new = executor.loader.project_state([target]).apps.get_model("exhibit", "ReviewLink")
    assert {link.recipient: link.ended_at is not None for link in new.objects.all()} == {
        "A": True,
        "B": False,
    }
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
