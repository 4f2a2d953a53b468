"""``manage.py rebuild_search_index``, and the demo leaving the index complete."""

import io

import pytest
from django.core.management import call_command

from exhibit.models import Block, SearchEntry, Status
from exhibit.services import search
from exhibit.services.search import Filters
from tests.factories import make_block, make_entity, make_essay, make_exhibit, make_section

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    out = io.StringIO()
    call_command("rebuild_search_index", *args, stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def content(db):
    section = make_section(make_exhibit(title="Rapallo"))
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay(title="The treaty"))
    make_block(section, entities=[make_entity(name="Rapallo")])
    make_essay(title="A draft", status=Status.DRAFT)
    search.flush()
    return section


def test_rebuild_indexes_everything_and_reports_counts(content):
    SearchEntry.objects.all().delete()
    SearchEntry.objects.create(kind="essay", object_id=99999, url="/gone/", title="Gone")
    output = run()
    assert "Indexed 5 object(s): exhibit 1, section 1, essay 2, entity 1." in output
    assert not SearchEntry.objects.filter(title="Gone").exists()
    assert [r.title for r in search.search("rapallo").results] == ["Rapallo", "Rapallo"]
    assert [r.kind for r in search.search("rapallo", Filters(kinds=["entity"])).results] == [
        "entity"
    ]
    # Drafts are indexed (so publishing needs no rebuild) but never found.
    assert SearchEntry.objects.filter(title="A draft").exists()
    assert search.search("draft").total == 0


def test_count_changes_nothing(content):
    SearchEntry.objects.all().delete()
    output = run("--count")
    assert "5 object(s) would be indexed." in output
    assert "essays: 2" in output
    assert not SearchEntry.objects.exists()


def test_progress_lines_at_verbosity_2(content):
    output = run(verbosity=2)
    assert "1/5 " in output and "5/5 " in output


def test_the_help_is_the_docstring():
    from exhibit.management.commands.rebuild_search_index import Command

    assert Command.help.startswith("Rebuild the search index")


def test_load_demo_leaves_the_index_complete(media_root, reuse_built_images):
    call_command("load_demo", stdout=io.StringIO())
    assert not search.has_pending()
    indexed = SearchEntry.objects.count()
    counts = search.rebuild()
    assert indexed == sum(counts.values())
    results = search.search("Lipetsk")
    kinds = {result.kind for result in results.results}
    assert {"entity", "image", "essay", "section"} <= kinds
    assert "Lipetsk" in [
        r.title for r in search.search("Липецк", Filters(kinds=["entity"])).results
    ]
    assert search.search("Tuchatschewski").total >= 1


def test_rebuild_rewrites_the_a_to_z_lines_after_a_change_made_in_sql(content, client):
    from django.db import connection

    from exhibit.models import Entity

    rapallo = Entity.objects.get(name="Rapallo")
    with connection.cursor() as cursor:  # outside the app: no signal keeps the lines
        cursor.execute("UPDATE exhibit_entity SET name = %s WHERE id = %s", ["Genoa", rapallo.pk])
    assert "Genoa" not in client.get("/entities/places/?letter=G").content.decode()
    output = run()
    assert "Rewrote 1 line(s) of the A–Z indexes." in output
    page = client.get("/entities/places/?letter=G")
    assert page.status_code == 200 and "Genoa" in page.content.decode()
