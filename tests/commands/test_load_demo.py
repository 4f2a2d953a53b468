"""``manage.py load_demo``: the demo exhibit, loaded idempotently, auditably and honestly."""

import io
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from exhibit import pagecache
from exhibit.demo import content
from exhibit.demo.placeholders import render_placeholder
from exhibit.models import (
    Annotation,
    ArchivalReference,
    Block,
    Contributor,
    Entity,
    Essay,
    EssayAuthor,
    Exhibit,
    GalleryItem,
    Image,
    Repository,
    Rights,
    Section,
    Status,
)

CONTENT_MODELS = [
    Contributor,
    Repository,
    ArchivalReference,
    Entity,
    Image,
    Essay,
    EssayAuthor,
    Exhibit,
    Section,
    Block,
    GalleryItem,
    Annotation,
]
# Through-model rows are logged inside their parent's entry, as the admin logs inlines.
LOGGED_MODELS = [model for model in CONTENT_MODELS if model not in (EssayAuthor, GalleryItem)]

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_media(media_root, reuse_built_images):
    """The test's own file folders (public media and private), never the project's."""
    return media_root


def load_demo(*args):
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def row_counts():
    return {model.__name__: model.objects.count() for model in CONTENT_MODELS}


def media_files(root):
    """The files under ``root``: originals, renditions and tiles (not the page cache's token)."""
    if not root.exists():
        return []
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and path.name != pagecache.JOURNAL_FILE
    )


def test_load_demo_builds_a_published_featured_exhibit(demo_media):
    load_demo()

    exhibit = Exhibit.objects.published().get(slug="secret-partners")
    assert exhibit.featured
    assert exhibit.published_at == content.PUBLISHED_AT
    assert exhibit.cover_image is not None
    assert exhibit.curators.count() == 2
    sections = list(Section.objects.published().filter(exhibit=exhibit))
    assert len(sections) >= 5
    for section in sections:
        assert section.published_at == content.PUBLISHED_AT
        assert section.blocks.count() >= 3
        assert len({block.kind for block in section.blocks.all()}) >= 3
    kinds = set(Block.objects.filter(section__exhibit=exhibit).values_list("kind", flat=True))
    assert kinds == set(Block.Kind.values)


def test_quotations_are_attributed_paraphrases_with_archival_references(demo_media):
    load_demo()

    quotations = Block.objects.filter(kind=Block.Kind.QUOTATION)
    assert quotations.count() >= 5
    for block in quotations:
        assert "paraphrase" in block.quote_attribution
        assert "not a verbatim quotation" in block.quote_source
        assert block.quote_reference is not None


def test_the_essay_is_about_1500_words_with_headings_and_archival_footnotes(demo_media):
    load_demo()

    essay = Essay.objects.published().get(slug="training-grounds")
    assert essay.published_at == content.PUBLISHED_AT
    assert 1300 <= essay.word_count <= 1900
    assert len(essay.headings) >= 6
    assert [author.slug for author in essay.author_list] == [
        "demo-ivan-ivanov",
        "demo-erika-mustermann",
    ]
    assert (essay.original_venue, essay.original_date, essay.original_url) == ("", None, "")
    footnotes = re.findall(r"^\[\^\d+\]: (.+)$", essay.body, flags=re.MULTILINE)
    assert len(footnotes) >= 6
    # Each note cites a reference the demo loads, in the form the platform itself renders.
    citations = [ref.short_citation for ref in ArchivalReference.objects.all()]
    cited = [note for note in footnotes if any(citation in note for citation in citations)]
    assert len(cited) >= 6


def test_images_are_labelled_generated_placeholders_with_full_metadata(demo_media):
    load_demo()

    images = Image.objects.all()
    assert images.count() >= 8
    for image in images:
        assert image.is_placeholder
        assert image.alt_text.startswith("Placeholder card")
        assert image.caption and image.credit_line and image.title
        assert image.rights in Rights.values
        assert image.parsed_date is not None, image.date
        assert (image.width, image.height, image.format) == (2400, 1600, "JPEG")
        assert image.display and image.thumbnail
        assert image.entities.exists()
        with image.original.open("rb") as handle, PILImage.open(handle) as picture:
            assert picture.size == (2400, 1600)
    assert images.exclude(archival_reference=None).count() >= 8


def test_galo_photograph_is_cited_in_the_conventional_forms(demo_media):
    load_demo()

    reference = ArchivalReference.objects.get(repository__abbreviation="GALO")
    assert reference.short_citation == "GALO, f. 2176, op. 1, d. 1"
    assert reference.long_form == "Fond 2176/Opis 1/Delo 1"
    assert reference.repository.name == "State Archive of Lipetsk Oblast"
    assert reference.repository.name_original == "Государственный архив Липецкой области"
    image = Image.objects.get(archival_reference=reference)
    assert "disguised as tourists" in image.title
    assert "Lipetsk aerodrome" in image.title
    assert Image.objects.published().filter(pk=image.pk).exists()


def test_repositories_and_references_cover_russian_and_western_archives(demo_media):
    load_demo()

    assert set(Repository.objects.values_list("abbreviation", flat=True)) == {
        "RGVA",
        "GALO",
        "HA Krupp",
        "MAN Archive",
        "MBCA",
        "NARA",
    }
    rgva = Repository.objects.get(abbreviation="RGVA")
    assert "TsGASA" in rgva.former_names
    assert rgva.place == "Moscow"
    assert ArchivalReference.objects.count() >= 8
    assert ArchivalReference.objects.filter(system="box", repository__abbreviation="NARA").exists()
    assert "RGVA, f. 33987, op. 3, d. 505, ll. 22–24ob." in {
        ref.short_citation for ref in ArchivalReference.objects.all()
    }
    assert ArchivalReference.objects.filter(leaf_start_verso=True, leaf_end="").exists()


def test_entities_carry_dates_coordinates_and_names_in_other_scripts(demo_media):
    load_demo()

    assert Entity.objects.count() >= 15
    kinds = dict.fromkeys(Entity.Kind.values, 0)
    for kind in Entity.objects.values_list("kind", flat=True):
        kinds[kind] += 1
    assert kinds["person"] >= 11 and kinds["place"] >= 7
    assert kinds["organisation"] >= 6 and kinds["event"] >= 4

    seeckt = Entity.objects.get(slug="hans-von-seeckt")
    assert seeckt.date == "1866-04-22/1936-12-27"
    assert seeckt.parsed_date.earliest.year == 1866
    assert "Тухачевский" in Entity.objects.get(slug="mikhail-tukhachevsky").alternative_names_list
    lipetsk = Entity.objects.get(slug="lipetsk")
    assert {"Lipezk", "Липецк"} <= set(lipetsk.alternative_names_list)
    assert lipetsk.latitude is not None and lipetsk.longitude is not None
    moscow = Entity.objects.get(slug="moscow")
    assert (moscow.wikidata, moscow.geonames) == ("Q649", "524901")
    assert Entity.objects.get(slug="molotov-ribbentrop-pact").date == "1939-08-23"
    for entity in Entity.objects.filter(kind__in=["person", "event"]):
        assert entity.parsed_date is not None, entity.slug
    for entity in Entity.objects.all():
        entity.full_clean()  # identifiers and coordinates pass the model's validators


def test_running_twice_changes_nothing(demo_media):
    load_demo()
    counts = row_counts()
    files = media_files(demo_media)
    modified = {
        model.__name__: sorted(model.objects.values_list("pk", "modified"))
        for model in LOGGED_MODELS
    }
    log_entries = LogEntry.objects.count()

    output = load_demo()

    assert "Nothing to change" in output
    assert row_counts() == counts
    assert media_files(demo_media) == files
    originals = [f for f in files if f.startswith("private/originals/")]
    assert len(originals) == counts["Image"]  # no duplicates
    assert {
        model.__name__: sorted(model.objects.values_list("pk", "modified"))
        for model in LOGGED_MODELS
    } == modified
    assert LogEntry.objects.count() == log_entries


def test_draft_exhibit_and_its_only_image_stay_hidden(demo_media):
    load_demo()

    draft = Exhibit.objects.get(slug="road-to-1939")
    assert draft.status == Status.DRAFT
    assert draft.sections.exists()
    assert not Exhibit.objects.published().filter(pk=draft.pk).exists()
    assert not Section.objects.published().filter(exhibit=draft).exists()

    draft_only = Image.objects.get(slug="secret-protocol-filmed-copy")
    assert Block.objects.filter(image=draft_only, section__exhibit=draft).exists()
    assert not Image.objects.published().filter(pk=draft_only.pk).exists()
    assert set(Image.objects.published()) == set(Image.objects.exclude(pk=draft_only.pk))


def test_dry_run_leaves_no_rows_and_no_files(demo_media):
    output = load_demo("--dry-run")

    assert "Dry run" in output
    assert "Images: 11 created" in output
    assert all(count == 0 for count in row_counts().values())
    assert not LogEntry.objects.exists()
    assert media_files(demo_media) == []


def test_dry_run_after_a_load_reports_nothing_to_change(demo_media):
    load_demo()
    counts, files = row_counts(), media_files(demo_media)

    output = load_demo("--dry-run")

    assert "Nothing to change" in output
    assert row_counts() == counts
    assert media_files(demo_media) == files


def test_changes_are_logged_as_the_script_user(demo_media):
    load_demo()

    entries = LogEntry.objects.filter(user__username="script")
    created = sum(model.objects.count() for model in LOGGED_MODELS)
    assert entries.filter(action_flag=ADDITION).count() == created
    assert entries.count() == LogEntry.objects.count()
    essay = Essay.objects.get()
    entry = entries.get(object_id=str(essay.pk), content_type__model="essay")
    assert "Added author" in entry.get_change_message()


def test_an_edited_placeholder_is_regenerated_once_and_logged_as_a_change(
    demo_media, monkeypatch, django_capture_on_commit_callbacks
):
    load_demo()
    image = Image.objects.get(slug="lipetsk-aerodrome-hangars")
    old_checksum, file_count = image.checksum, len(media_files(demo_media))
    monkeypatch.setitem(content.IMAGES[1], "title", "Hangars at Lipetsk (revised)")

    with django_capture_on_commit_callbacks(execute=True):
        output = load_demo()

    assert "Images: 0 created, 1 updated, 10 unchanged" in output
    image.refresh_from_db()
    assert image.title == "Hangars at Lipetsk (revised)"
    assert image.checksum != old_checksum
    assert len(media_files(demo_media)) == file_count  # the old files are gone
    entry = LogEntry.objects.filter(action_flag=CHANGE, object_id=str(image.pk)).get()
    assert entry.user.username == "script"
    assert "Title" in entry.get_change_message()


def test_missing_script_user_is_a_clear_error(demo_media, django_user_model):
    django_user_model.objects.filter(username="script").delete()

    with pytest.raises(CommandError, match="migrate"):
        load_demo()
    assert all(count == 0 for count in row_counts().values())


def test_placeholder_bytes_are_deterministic_and_labelled():
    first = render_placeholder(title="A title", reference="GALO, f. 2176", motif="document")
    again = render_placeholder(title="A title", reference="GALO, f. 2176", motif="document")
    other = render_placeholder(title="Another title", reference="GALO, f. 2176", motif="document")

    assert first == again
    assert first != other
    with PILImage.open(io.BytesIO(first)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (2400, 1600))


def test_demo_annotates_the_essay_and_the_photographs(demo_media):
    load_demo()
    text_notes = Annotation.objects.published().filter(essay__slug="training-grounds")
    region_notes = Annotation.objects.published().filter(image__isnull=False)
    assert text_notes.count() >= 40
    assert region_notes.count() >= 6
    assert all(note.entities.exists() for note in text_notes if note.motivation == "identifying")
    revision_text = text_notes.first().revision.text
    for note in text_notes:
        assert revision_text[note.start : note.end] == note.exact
    galo = region_notes.filter(image__slug="galo-german-pilots-as-tourists")
    assert galo.count() >= 2
