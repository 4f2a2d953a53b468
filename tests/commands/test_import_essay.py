"""import_essay: paragraphs, quotations, figure captions with citations, re-import."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command

from exhibit.models import Annotation, ArchivalReference, Block, Essay
from exhibit.services.anchoring import selector_for
from tests.factories import make_exhibit

TEXT = """The pilots of Lipetsk

German pilots reached the Lipetsk aerodrome in 1925.
They travelled as civilians.

“We were tourists, on paper at least.” — a pilot's recollection, in our paraphrase

“This one is reported speech,” he said, and it stays a paragraph.

German pilots disguised as tourists on their way to the Lipetsk aerodrome \
(State Archive of Lipetsk Oblast [GALO], Fond 2176/Opis 1/Delo 1)

The school closed in 1933. Its files are in RGVA f. 33987, op. 3, d. 505, ll. 22–24ob.
"""


def run(tmp_path, text=TEXT, name="essay.txt", *args):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    call_command("import_essay", str(path), *args)
    return path


@pytest.mark.django_db
def test_plain_text_becomes_paragraphs_quotation_and_figure(tmp_path, capsys):
    run(tmp_path, TEXT, "essay.txt", "--author", "Erika Mustermann", "--date", "2024-05-01")
    essay = Essay.objects.get(slug="the-pilots-of-lipetsk")
    assert essay.title == "The pilots of Lipetsk"
    assert essay.status == "draft"
    html = essay.body_html
    assert re.search(
        r'<p id="p-[0-9a-f]{8}">German pilots reached the Lipetsk aerodrome in 1925.\nThey', html
    )
    assert re.search(
        r"<blockquote>\n<p[^>]*>“We were tourists, on paper at least.” — a pilot", html
    )
    assert re.search(r"<p[^>]*>“This one is reported speech,” he said", html)
    assert '<figure class="figure-placeholder">' in html
    assert "Fond 2176/Opis 1/Delo 1" in html
    reference = essay.references.get()
    assert reference.short_citation == "GALO, f. 2176, op. 1, d. 1"
    assert reference.repository.name == "State Archive of Lipetsk Oblast"
    assert [a.name for a in essay.author_list] == ["Erika Mustermann"]
    assert str(essay.original_date) == "2024-05-01"
    assert "Figure source: GALO, f. 2176, op. 1, d. 1" in capsys.readouterr().out
    assert LogEntry.objects.filter(user__username="script", object_id=str(essay.pk)).exists()


@pytest.mark.django_db
def test_plain_text_markdown_characters_are_kept_literally(tmp_path):
    run(tmp_path, "Title\n\n# not a heading, 2 * 3 and [brackets]\n\n- not a list\n")
    html = Essay.objects.get().body_html
    assert "<h1" not in html and "<ul>" not in html and "<em>" not in html
    assert "# not a heading, 2 * 3 and [brackets]" in html


@pytest.mark.django_db
def test_markdown_file_keeps_its_markdown(tmp_path):
    run(tmp_path, "# Kama\n\n## The school\n\nTanks *near* Kazan.[^1]\n\n[^1]: RGVA.\n", "kama.md")
    essay = Essay.objects.get(slug="kama")
    assert '<h2 id="the-school">' in essay.body_html
    assert "<em>near</em>" in essay.body_html
    assert "footnote" in essay.body_html


@pytest.mark.django_db
def test_reimport_updates_in_place_and_reanchors_annotations(tmp_path, capsys):
    run(tmp_path)
    essay = Essay.objects.get()
    text = essay.revisions.get().text
    start = text.index("The school closed in 1933")
    selector = selector_for(text, start, start + len("The school closed in 1933"))
    note = Annotation.objects.create(
        essay=essay, revision=essay.revisions.get(), exact=selector.exact, prefix=selector.prefix,
        suffix=selector.suffix, start=selector.start, end=selector.end, body="Closure.",
    )  # fmt: skip
    run(tmp_path, TEXT.replace("in 1925.", "in the spring of 1925."))
    assert Essay.objects.count() == 1
    note.refresh_from_db()
    assert note.anchoring == Annotation.Anchoring.SHIFTED
    assert essay.revisions.count() == 2
    out = capsys.readouterr().out
    assert "Updated essay" in out and "1 shifted" in out
    assert ArchivalReference.objects.count() == 1  # the figure's reference is not duplicated


@pytest.mark.django_db
def test_reimport_of_the_same_file_changes_nothing(tmp_path, capsys):
    run(tmp_path)
    run(tmp_path)
    assert "already up to date" in capsys.readouterr().out
    assert Essay.objects.get().revisions.count() == 1


@pytest.mark.django_db
def test_exhibit_option_attaches_the_essay_as_a_draft_section(tmp_path):
    exhibit = make_exhibit(slug="secret-partners")
    run(tmp_path, TEXT, "essay.txt", "--exhibit", "secret-partners")
    block = Block.objects.get(section__exhibit=exhibit)
    assert block.kind == "essay" and block.essay.slug == "the-pilots-of-lipetsk"
    assert block.section.status == "draft"
    run(tmp_path, TEXT, "essay.txt", "--exhibit", "secret-partners")
    assert Block.objects.filter(section__exhibit=exhibit).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "May 2024"], "is not a date"),
        (["--source-url", "not a url"], "is not a URL"),
        (["--exhibit", "nope"], "no exhibit with the slug"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(tmp_path, TEXT, "essay.txt", *args)
    assert not Essay.objects.exists()


@pytest.mark.django_db
def test_missing_and_non_utf8_files_are_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_essay", str(tmp_path / "nothing.txt"))
    path = tmp_path / "latin1.txt"
    path.write_bytes("Über Lipezk\n\nText".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_essay", str(path))


@pytest.mark.django_db
def test_dry_run_saves_nothing(tmp_path, capsys):
    run(tmp_path, TEXT, "essay.txt", "--dry-run")
    assert not Essay.objects.exists()
    assert "Would create essay" in capsys.readouterr().out
