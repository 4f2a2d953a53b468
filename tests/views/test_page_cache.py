"""Whole public pages are cached for visitors (exhibit/pagecache.py), and never stale.

A second anonymous request is served from the cache; every way content changes (an admin edit,
unpublishing, deleting, the queryset updates and index writes that send no signals, a
scheduled publish time passing, a new day for the cite block) makes the next request show it.
Signed-in curators, previews and review copies never touch the cache.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exhibit import pagecache
from exhibit.models import Block, Essay, Exhibit, Status
from exhibit.services import search
from exhibit.services.imaging import process_image
from tests.admin.test_publishing import exhibit_form
from tests.factories import make_block, make_essay, make_exhibit, make_full_exhibit, make_section
from tests.views.test_query_counts import EXPECTED, page_urls
from tests.views.test_review_links import make_link

pytestmark = pytest.mark.django_db

HIT = "X-Page-Cache"


def hit(response):
    return response.get(HIT) == "hit"


@pytest.fixture
def visitor():
    """An anonymous client beside ``editor_client`` (which signs ``client`` in)."""
    return Client()


@pytest.fixture
def exhibit():
    exhibit = make_full_exhibit()
    search.flush()  # the index is written on commit, which a test never reaches
    return exhibit


@pytest.mark.parametrize("page", EXPECTED)
def test_second_anonymous_request_is_served_from_the_cache(
    client, exhibit, django_assert_num_queries, page
):
    url = page_urls(exhibit)[page]
    first = client.get(url)
    assert first.status_code == 200 and not hit(first)
    # The first page served from the cache asks when the next scheduled publication is.
    with django_assert_num_queries(1):
        second = client.get(url)
    assert hit(second) and second.content == first.content
    with django_assert_num_queries(0):
        third = client.get(url)
    assert hit(third) and third.content == first.content


def test_pages_rendered_after_the_first_check_need_no_query(
    client, exhibit, django_assert_num_queries
):
    urls = page_urls(exhibit)
    client.get(urls["home"])
    client.get(urls["home"])  # asks, once for this generation
    client.get(urls["essay"])
    with django_assert_num_queries(0):
        assert hit(client.get(urls["essay"]))


def test_head_is_answered_from_the_cache(client, exhibit, django_assert_num_queries):
    url = exhibit.get_absolute_url()
    client.get(url)
    client.get(url)
    with django_assert_num_queries(0):
        response = client.head(url)
    assert hit(response) and response.status_code == 200 and response.content == b""


def test_cached_pages_carry_every_security_header(client, exhibit):
    url = exhibit.get_absolute_url()
    fresh = client.get(url, secure=True)
    cached = client.get(url, secure=True)
    assert hit(cached) and not hit(fresh)
    for header in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "Permissions-Policy",
        "Cross-Origin-Resource-Policy",
        "Cross-Origin-Opener-Policy",
        "Referrer-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Cache-Control",
        "X-Request-ID",
    ):
        assert cached.has_header(header), header
        if header != "X-Request-ID":  # each request has its own
            assert cached[header] == fresh[header], header
    assert cached["Cache-Control"] == "public, max-age=300"  # as before the page cache
    assert not cached.cookies


def test_curator_edit_in_the_admin_shows_at_once(visitor, editor_client, exhibit):
    url = reverse("exhibit:home")
    visitor.get(url)
    assert hit(visitor.get(url))
    response = editor_client.post(
        reverse("admin:exhibit_exhibit_change", args=[exhibit.pk]),
        exhibit_form(title="Renamed in the admin", slug=exhibit.slug, status="published"),
    )
    assert response.status_code == 302
    after = visitor.get(url)
    assert not hit(after)
    assert "Renamed in the admin" in after.content.decode()


def test_unpublishing_takes_the_cached_page_away(visitor, editor_client, exhibit):
    url = exhibit.get_absolute_url()
    visitor.get(url)
    assert hit(visitor.get(url))
    editor_client.post(
        reverse("admin:exhibit_exhibit_changelist"),
        {"action": "unpublish", "_selected_action": [exhibit.pk], "index": "0"},
    )
    assert visitor.get(url).status_code == 404


def test_deleting_takes_the_cached_page_away(visitor, editor_client):
    exhibit = make_exhibit(title="Podosinki")
    section = make_section(exhibit, title="Gas trials")
    url = section.get_absolute_url()
    visitor.get(url)
    assert hit(visitor.get(url))
    response = editor_client.post(
        reverse("admin:exhibit_section_delete", args=[section.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert visitor.get(url).status_code == 404
    assert "Gas trials" not in visitor.get(exhibit.get_absolute_url()).content.decode()


def test_image_processing_updates_show_at_once(client, exhibit):
    """process_image() records its outcome with queryset updates, which send no signals."""
    image = Block.objects.filter(section__exhibit=exhibit, kind="image").first().image
    url = image.get_absolute_url()
    client.get(url)
    cached = client.get(url)
    assert hit(cached) and "IIIF manifest" in cached.content.decode()
    failing = mock.patch(
        "exhibit.services.imaging.build_image_files", side_effect=RuntimeError("disk full")
    )
    with failing:
        assert not process_image(image, force=True)
    after = client.get(url)
    assert not hit(after) and "IIIF manifest" not in after.content.decode()


def test_search_index_rebuild_after_a_bulk_update_shows_at_once(client, exhibit):
    """A queryset update sends no signal; rebuild_search_index (README: for bulk SQL
    changes) then writes the index, and search pages show it."""
    essay = Block.objects.filter(section__exhibit=exhibit, kind="essay").first().essay
    url = f"{reverse('exhibit:search')}?q=Rapallo"
    client.get(url)
    assert hit(client.get(url))
    Essay.objects.filter(pk=essay.pk).update(title="After Rapallo")
    call_command("rebuild_search_index", stdout=mock.MagicMock())
    after = client.get(url)
    assert not hit(after) and "After Rapallo" in after.content.decode()


def test_scheduled_publication_shows_when_its_time_comes(client, exhibit):
    later = timezone.now() + timedelta(hours=1)
    make_exhibit(title="The Lipetsk flight school", published_at=later)
    url = reverse("exhibit:exhibit_list")
    assert "Lipetsk flight school" not in client.get(url).content.decode()
    assert hit(client.get(url))
    with mock.patch("django.utils.timezone.now", return_value=later - timedelta(seconds=1)):
        assert hit(client.get(url))  # not yet
    with mock.patch("django.utils.timezone.now", return_value=later):
        after = client.get(url)
    assert not hit(after) and "Lipetsk flight school" in after.content.decode()


def test_scheduled_section_and_essay_count_too(client, exhibit):
    later = timezone.now() + timedelta(minutes=5)
    section = make_section(exhibit, title="Tomka", published_at=later)
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay(published_at=later))
    url = exhibit.get_absolute_url()
    client.get(url)
    assert hit(client.get(url))
    with mock.patch("django.utils.timezone.now", return_value=later + timedelta(seconds=1)):
        after = client.get(url)
    assert not hit(after) and "Tomka" in after.content.decode()


def test_the_cite_block_gives_the_day_of_the_visit(client, exhibit):
    url = exhibit.get_absolute_url()
    client.get(url)
    assert hit(client.get(url))
    tomorrow = timezone.now() + timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        after = client.get(url)
    day = timezone.localdate(tomorrow)
    assert not hit(after)
    assert f"urldate = {{{day.isoformat()}}}" in after.content.decode()


def test_signed_in_curators_never_get_or_fill_cached_pages(client, curator_client):
    exhibit = make_exhibit(title="Kama")
    url = exhibit.get_absolute_url()
    # A curator's visits store nothing: the next visitor's page is rendered afresh.
    curator_client.get(url)
    curator_client.get(url)
    assert not hit(client.get(url))
    # And a page visitors filled is not what a curator gets.
    assert hit(client.get(url))
    assert not hit(curator_client.get(url))


@pytest.fixture
def curator_client(curator):
    """A second client, signed in, beside the anonymous one."""
    other = Client()
    other.force_login(curator)
    return other


def test_previews_are_never_cached(editor_client):
    exhibit = make_exhibit(title="Draft", status=Status.DRAFT)
    url = reverse("exhibit:preview_exhibit", kwargs={"slug": exhibit.slug})
    assert editor_client.get(url).status_code == 200
    assert not hit(editor_client.get(url))


def test_review_copies_are_never_cached(client):
    exhibit = make_exhibit(title="Draft", status=Status.DRAFT)
    url = make_link(exhibit).get_absolute_url()
    assert client.get(url).status_code == 200
    second = client.get(url)
    assert second.status_code == 200 and not hit(second)


def test_not_found_is_not_cached(client):
    exhibit = make_exhibit(title="Kazan", status=Status.DRAFT)
    url = exhibit.get_absolute_url()
    assert client.get(url).status_code == 404
    second = client.get(url)
    assert second.status_code == 404 and not hit(second)


def test_a_session_cookie_bypasses_the_cache(client, exhibit):
    url = exhibit.get_absolute_url()
    client.get(url)
    assert hit(client.get(url))
    client.cookies["sessionid"] = "anything"
    assert not hit(client.get(url))


def journal(settings):
    """The journal of committed retirements every process on the machine reads."""
    import sqlite3

    path = settings.PRIVATE_ROOT / pagecache.JOURNAL_FILE
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS retired"
        " (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, tag TEXT NOT NULL)"
    )
    return connection


def test_a_change_made_in_another_process_retires_this_ones_pages(client, exhibit, settings):
    """With the default per-process cache, a gunicorn worker or db_worker that saves writes
    what it retired to a journal every process reads; this process's pages go with it."""
    url = reverse("exhibit:home")
    client.get(url)
    assert hit(client.get(url))
    # What the other process did: an update this process heard no signal of, and the journal.
    Exhibit.objects.filter(pk=exhibit.pk).update(title="Saved elsewhere")
    journal(settings).execute(
        "INSERT INTO retired (at, tag) VALUES (0, ?)", (pagecache.tag(exhibit, exhibit.pk),)
    )
    after = client.get(url)
    assert not hit(after) and "Saved elsewhere" in after.content.decode()


def test_a_write_here_tells_the_other_processes(
    exhibit, settings, django_capture_on_commit_callbacks
):
    def written():
        return {row[0] for row in journal(settings).execute("SELECT tag FROM retired")}

    assert pagecache.tag(exhibit, exhibit.pk) not in written()
    with django_capture_on_commit_callbacks(execute=True):  # once committed, they can see it
        exhibit.title = "Renamed"
        exhibit.save()
    assert pagecache.tag(exhibit, exhibit.pk) in written()


def test_pruned_journal_rows_retire_every_page(client, exhibit, settings):
    """A process that missed rows pruned from the journal cannot tell what they retired."""
    url = reverse("exhibit:home")
    client.get(url)
    assert hit(client.get(url))
    connection = journal(settings)
    connection.executemany("INSERT INTO retired (at, tag) VALUES (0, 'x:1')", [()] * 3)
    connection.execute("DELETE FROM retired WHERE seq < (SELECT MAX(seq) FROM retired)")
    assert not hit(client.get(url))


def test_page_cache_seconds_zero_turns_it_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    url = make_exhibit(title="Kama").get_absolute_url()
    client.get(url)
    second = client.get(url)
    assert second.status_code == 200 and not hit(second)


def test_annotation_containers_are_cached_once_per_negotiated_variant(client, exhibit):
    """A container varies on ``Accept`` and ``Prefer``: each variant is stored apart, and one
    visitor's preference never answers another's."""
    essay = Essay.objects.published().first()
    url = reverse("exhibit:essay_annotations", args=[essay.slug])
    full = client.get(url)
    again = client.get(url)
    assert hit(again) and again.content == full.content and "Prefer" in again["Vary"]

    minimal = 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'
    first_minimal = client.get(url, headers={"Prefer": minimal})
    assert not hit(first_minimal) and "Preference-Applied" not in full
    assert first_minimal["Preference-Applied"] == "return=representation"
    second_minimal = client.get(url, headers={"Prefer": minimal})
    assert hit(second_minimal) and second_minimal.content == first_minimal.content
    assert second_minimal["Preference-Applied"] == "return=representation"

    as_json = client.get(url, headers={"Accept": "application/json"})
    assert not hit(as_json)
    plain = client.get(url)
    assert hit(plain) and "Preference-Applied" not in plain


@pytest.mark.parametrize(("vary", "stored"), [("Accept, Prefer", True), ("Accept-Language", False)])
def test_only_responses_varying_on_negotiated_headers_are_stored(rf, vary, stored):
    from django.http import HttpResponse

    request = rf.get("/")
    response = HttpResponse("page")
    response["Vary"] = vary
    assert pagecache._cacheable_response(request, response) is stored
