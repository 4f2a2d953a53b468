"""bench/scale.py's generator: one more copy of the demo is a whole published copy, linked to
the shared hub entities, anchored and indexed as real saves leave it, and every public page the
benchmark times answers."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from exhibit.demo import annotations as demo_annotations
from exhibit.models import Annotation, Entity, Essay, Exhibit, Image, SearchEntry, Status
from exhibit.services.search import Filters, search

BENCH = Path(__file__).resolve().parents[1] / "bench"

pytestmark = pytest.mark.django_db


@pytest.fixture
def scale(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))  # bench/ is scripts, not a package
    import scale

    return scale


def test_a_second_copy_of_the_demo_is_published_linked_and_indexed(
    scale, reuse_built_images, client
):
    call_command("load_demo", stdout=io.StringIO())
    demo_rows = SearchEntry.objects.count()
    lipetsk = Entity.objects.get(slug="lipetsk")
    demo_links = lipetsk.annotations.count()

    scale.child_generate([2], job=1)
    scale.child_images()
    scale.child_index(0, 1)

    copy = Exhibit.objects.get(slug="secret-partners-x2")
    assert copy.is_live and all(section.is_live for section in copy.sections.all())
    assert Exhibit.objects.get(slug="road-to-1939-x2").status == Status.PUBLISHED
    essay = Essay.objects.get(slug=f"{demo_annotations.ESSAY}-x2")
    notes = essay.annotations.all()
    assert notes.count() == len(demo_annotations.TEXT)
    assert {note.revision for note in notes} == {essay.revisions.get()}
    assert {note.anchoring for note in notes} == {Annotation.Anchoring.EXACT}
    # The hubs are shared, every other entity is the copy's own.
    assert lipetsk.annotations.count() == 2 * demo_links
    assert Entity.objects.filter(slug="lipetsk-flying-school-x2").exists()
    assert not Image.objects.exclude(processing_state=Image.Processing.READY).exists()
    assert SearchEntry.objects.count() == 2 * demo_rows - len(scale.HUBS)
    found = {result.url for result in search("Lipetsk", Filters(kinds=["essay"])).results}
    assert essay.get_absolute_url() in found

    for label, url in scale.public_urls().items():
        assert client.get(url).status_code == 200, label
    for obj in (copy, essay, Image.objects.get(slug="lipetsk-aerodrome-hangars-x2")):
        assert client.get(obj.get_absolute_url()).status_code == 200
