"""Highlighted passages and their notes on the essay page, and the highlighter beneath them.

The highlighter (``exhibit.services.highlighting``) and the plain-text projection
(``exhibit.services.projection``) share one walk of the HTML; the properties here check that a
highlight covers exactly ``plain_text(html)[start:end]`` for random essays and passages, and
that the walk's projection is still the one annotations were stored against.
"""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from exhibit.models import Annotation, Essay, Status
from exhibit.services.anchoring import selector_for
from exhibit.services.highlighting import (
    Passage,
    add_block_ids,
    highlight,
    highlight_cached,
    paragraph_id,
)
from exhibit.services.projection import plain_text
from exhibit.services.rendering import render_markdown
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_reference,
    make_section,
)
from tests.html_checks import assert_inert

# ------------------------------------------------------------------ the walk before the change


class _ReferenceProjector(HTMLParser):
    """The projection as first written (commit fbb21d9), kept to prove the walk unchanged."""

    BLOCKS = {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "pre", "dt",
        "dd",
    }  # fmt: skip
    VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.current, self.stack = [], None, []

    @property
    def skipping(self):
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if tag == "br" and self.current is not None and not self.skipping:
                self.current.append(" ")
            return
        classes = (dict(attrs).get("class") or "").split()
        skip = (tag == "sup" and "footnote-ref" in classes) or (
            tag == "section" and "footnotes" in classes
        )
        self.stack.append((tag, skip))
        if tag in self.BLOCKS and not self.skipping:
            if self.current is not None:
                self._flush()
            self.current = []

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag in self.BLOCKS and self.current is not None and not self.skipping:
            self._flush()

    def handle_data(self, data):
        if self.current is not None and not self.skipping:
            self.current.append(data)

    def _flush(self):
        text = " ".join("".join(self.current or []).split())
        if text:
            self.blocks.append(text)
        self.current = None


def reference_plain_text(html):
    projector = _ReferenceProjector()
    projector.feed(html)
    projector.close()
    if projector.current is not None:
        projector._flush()
    return "\n\n".join(projector.blocks)


# ------------------------------------------------------------------ random essays

WORDS = st.sampled_from(
    [
        "Lipetsk", "Kama", "TEKO", "&", "R&D", "<tank>", "a", "the", "1926", "Seeckt’s",
        "Липецк", "Тухачевский", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀", "x²", "naïve", "—", "“quoted”", "AT&amp;T",
        "e\u0301", "\u00a0", "…",
    ]
)  # fmt: skip
SPACES = st.sampled_from([" ", " ", " ", "  ", "\n", " \t ", "\u00a0", "  \n"])


@st.composite
def inline(draw):
    words = draw(st.lists(WORDS, min_size=1, max_size=8))
    text = ""
    for word in words:
        text += word + draw(SPACES)
    text = text.strip() or "word"
    kind = draw(st.sampled_from(["plain", "plain", "em", "strong", "link", "code", "note"]))
    if kind == "em":
        return f"*{text}*"
    if kind == "strong":
        return f"**{text}**"
    if kind == "link":
        return f"[{text}](https://example.org/{draw(st.integers(0, 9))})"
    if kind == "code":
        return f"`{text}`"
    if kind == "note":
        return f"{text}[^{draw(st.integers(1, 3))}]"
    return text


@st.composite
def paragraph(draw):
    pieces = draw(st.lists(inline(), min_size=1, max_size=5))
    joiners = draw(st.lists(st.sampled_from([" ", "", "  \n", "\n", ", "]), min_size=len(pieces)))
    return "".join(p + j for p, j in zip(pieces, joiners, strict=False)).strip()


@st.composite
def essay_source(draw):
    blocks = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["p", "p", "p", "h2", "ul", "ol", "quote"]))
        text = draw(paragraph()).replace("\n", " ")
        if kind == "h2":
            blocks.append(f"## {text}")
        elif kind in ("ul", "ol"):
            items = [draw(paragraph()).replace("\n", " ") for _ in range(draw(st.integers(1, 3)))]
            marker = "-" if kind == "ul" else "1."
            blocks.append("\n".join(f"{marker} {item}" for item in items))
        elif kind == "quote":
            blocks.append(f"> {text}")
        else:
            blocks.append(draw(paragraph()))
    notes = [f"[^{n}]: Note {n} on *RGVA* &amp; GALO." for n in (1, 2, 3)]
    return "\n\n".join(blocks + notes)


def rendered(source):
    return add_block_ids(render_markdown(source, heading_anchors=True, doc_id="t").html)


# ------------------------------------------------------------------ reading highlighted HTML

ADDED = re.compile(
    r'<mark class="annotation"[^>]*>|</mark>|<a class="(?:annotation-ref|permalink)"[^>]*></a>'
)


class _MarkReader(HTMLParser):
    """Collects the text inside each note's marks, and checks that tags nest properly."""

    VOID = {"br", "hr", "img", "wbr"}

    def __init__(self, only_marks=False):
        super().__init__(convert_charrefs=True)
        self.only_marks = only_marks  # for markup whose other tags need not balance
        self.stack, self.texts, self.ids, self.problems = [], {}, {}, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID or (self.only_marks and tag != "mark"):
            return
        attrs = dict(attrs)
        self.stack.append((tag, attrs.get("data-note") if tag == "mark" else None))
        if tag == "mark" and attrs.get("id"):
            self.ids[attrs["data-note"]] = self.ids.get(attrs["data-note"], 0) + 1

    def handle_endtag(self, tag):
        if tag in self.VOID or (self.only_marks and tag != "mark"):
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        for note in {note for _, note in self.stack if note}:
            self.texts[note] = self.texts.get(note, "") + data


def read_marks(html, only_marks=False):
    reader = _MarkReader(only_marks)
    reader.feed(html)
    reader.close()
    return reader


def squeeze(text):
    return "".join(text.split())


def passages_strategy(text):
    spans = st.tuples(st.integers(0, len(text) - 1), st.integers(1, 60)).map(
        lambda pair: (pair[0], min(len(text), pair[0] + pair[1]))
    )
    return st.lists(spans, min_size=1, max_size=5)


# ------------------------------------------------------------------ projection


@settings(max_examples=150, deadline=None)
@given(essay_source())
def test_plain_text_is_the_projection_annotations_were_stored_against(source):
    html = rendered(source)
    assert plain_text(html) == reference_plain_text(html)


HTML_SOUP = st.lists(
    st.sampled_from(
        [
            "<p>", "</p>", "<li>", "</li>", "<em>", "</em>", "<a href='#x'>", "</a>", "<br>",
            "<br/>", "<p/>", '<sup class="footnote-ref">', "</sup>",
            '<section class="footnotes">', "</section>", "<!-- c -->", "<", ">", "&amp;",
            "&", "&am", "&ampx", "&#128512;", "&#x1F600;", "&nbsp;", " ", "  ", "\n", "\t",
            "Kama", "😀", "Липецк", "<td>", "</div>", "<pre>", "</pre>", "&#1;", "</ul>",
        ]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(HTML_SOUP)
@example("<p>a &ampx b</p>")
@example("<p>x < y</p><p>&am")
@example("<p>&#1;&am")
def test_plain_text_agrees_with_the_reference_on_any_markup(html):
    assert plain_text(html) == reference_plain_text(html)
    # Even on markup no renderer writes, highlighting the whole text keeps the original.
    text = plain_text(html)
    if text:
        result = highlight(html, [Passage("k", 0, len(text), text)])
        assert ADDED.sub("", result.html) == html


# Soup around a paragraph of text, so that most draws have something to highlight.
SOUP_WITH_TEXT = st.tuples(HTML_SOUP, HTML_SOUP).map(
    lambda pair: f"{pair[0]}<p>Lipetsk &amp; Kama</p>{pair[1]}"
)


@settings(max_examples=300, deadline=None)
@given(st.data(), SOUP_WITH_TEXT)
@example(None, "<p>a &ampx b</p>")
def test_marks_hold_their_passage_on_any_markup(data, html):
    text = plain_text(html)
    assume(text)
    # The explicit example cuts inside "&ampx", which decodes to "&x".
    spans = [(1, 3), (2, 5)] if data is None else data.draw(passages_strategy(text))
    passages = [Passage(f"p{i}", s, e, text[s:e]) for i, (s, e) in enumerate(spans)]
    result = highlight(html, passages)
    assert plain_text(result.html) == text
    marks = read_marks(result.html, only_marks=True)
    assert not marks.problems
    for passage in passages:
        if passage.key in result.numbers:
            assert squeeze(marks.texts[f"n-{passage.key}"]) == squeeze(passage.exact)


# ------------------------------------------------------------------ highlighting


def test_a_passage_across_an_em_becomes_marks_with_one_note():
    html = "<p>The school at <em>Lipetsk</em> opened in 1925.</p>"
    text = plain_text(html)
    start = text.index("at Lip")
    end = text.index(" in 1925")
    result = highlight(html, [Passage("k", start, end, text[start:end])], permalinks=False)
    assert result.html == (
        '<p>The school <mark class="annotation" id="a-k" data-note="n-k">at </mark>'
        '<em><mark class="annotation" data-note="n-k">Lipetsk</mark></em>'
        '<mark class="annotation" data-note="n-k"> opened</mark>'
        '<a class="annotation-ref" href="#n-k" data-number="1" aria-label="Note 1"></a>'
        " in 1925.</p>"
    )
    assert result.numbers == {"k": 1}


def test_entities_non_bmp_characters_and_white_space_runs_count_as_the_projection_does():
    html = "<p>R&amp;D  at\n  𝔘𝔫𝔦 &#128512;&nbsp;Kama</p>"
    text = plain_text(html)
    assert text == "R&D at 𝔘𝔫𝔦 😀 Kama"
    start = text.index("D at")
    end = text.index("Kama") + 2
    result = highlight(html, [Passage("k", start, end, text[start:end])], permalinks=False)
    assert result.html == (
        '<p>R&amp;<mark class="annotation" id="a-k" data-note="n-k">D  at\n  𝔘𝔫𝔦 &#128512;'
        '&nbsp;Ka</mark><a class="annotation-ref" href="#n-k" data-number="1" '
        'aria-label="Note 1"></a>ma</p>'
    )


def test_footnote_marks_and_the_space_between_paragraphs_stay_outside_the_marks():
    html = rendered("Lipetsk opened in 1925.[^1] Pilots came.\n\nKama followed.\n\n[^1]: GALO.")
    text = plain_text(html)
    start, end = text.index("1925."), text.index(" followed")
    result = highlight(html, [Passage("k", start, end, text[start:end])])
    marks = read_marks(result.html)
    assert marks.texts["n-k"] == "1925. Pilots came.Kama"
    assert result.html.count('data-note="n-k"') == 3
    assert '<sup class="footnote-ref"><a href="#fn-t-1" id="fnref-t-1"' in result.html
    assert "footnote-ref" not in "".join(re.findall(r"<mark.*?</mark>", result.html))


def test_crossing_passages_split_so_that_marks_nest_and_each_passage_stays_whole():
    html = "<p>one two three four five</p>"
    text = plain_text(html)
    a = Passage("a", 0, text.index(" four"), "one two three")
    b = Passage("b", text.index("three"), len(text), "three four five")
    inner = Passage("c", text.index("two"), text.index("two") + 3, "two")
    result = highlight(html, [b, a, inner], permalinks=False)
    assert result.html == (
        '<p><mark class="annotation" id="a-a" data-note="n-a">one '
        '<mark class="annotation" id="a-c" data-note="n-c">two</mark>'
        '<a class="annotation-ref" href="#n-c" data-number="2" aria-label="Note 2"></a> '
        '<mark class="annotation" id="a-b" data-note="n-b">three</mark></mark>'
        '<a class="annotation-ref" href="#n-a" data-number="1" aria-label="Note 1"></a>'
        '<mark class="annotation" data-note="n-b"> four five</mark>'
        '<a class="annotation-ref" href="#n-b" data-number="3" aria-label="Note 3"></a></p>'
    )
    assert result.numbers == {"a": 1, "c": 2, "b": 3}


def test_a_passage_ending_inside_a_link_gets_its_number_after_the_link():
    html = '<p>See <a href="https://example.org/">the Kama files</a> now.</p>'
    text = plain_text(html)
    start, end = text.index("the"), text.index(" files")
    result = highlight(html, [Passage("k", start, end, "the Kama")], permalinks=False)
    assert result.html == (
        '<p>See <a href="https://example.org/"><mark class="annotation" id="a-k" '
        'data-note="n-k">the Kama</mark> files</a><a class="annotation-ref" href="#n-k" '
        'data-number="1" aria-label="Note 1"></a> now.</p>'
    )


def test_a_passage_whose_quote_is_not_at_its_position_is_not_highlighted():
    html = "<p>Lipetsk opened in 1925.</p>"
    moved = Passage("k", 0, 7, "Kazan!!")
    outside = Passage("o", 20, 40, "beyond the end of it")
    result = highlight(html, [moved, outside], permalinks=False)
    assert result.html == html
    assert result.numbers == {}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
@given(data=st.data(), source=essay_source())
def test_marks_cover_exactly_the_projection_range_and_strip_back_to_the_original(data, source):
    html = rendered(source)
    text = plain_text(html)
    assume(text)
    spans = data.draw(passages_strategy(text))
    passages = [Passage(f"p{i}", s, e, text[s:e]) for i, (s, e) in enumerate(spans)]
    result = highlight(html, passages)

    assert ADDED.sub("", result.html) == html
    assert plain_text(result.html) == text
    marks = read_marks(result.html)
    assert not marks.problems
    for passage in passages:
        note = f"n-{passage.key}"
        if passage.key in result.numbers:
            assert squeeze(marks.texts[note]) == squeeze(passage.exact)
            assert marks.ids[note] == 1  # one mark carries the id the links point at
            assert f'href="#{note}"' in result.html
        else:
            # Only a passage of nothing but white space (or a line break) goes unmarked.
            assert not squeeze(passage.exact)
            assert note not in marks.texts
    numbers = [result.numbers[p.key] for p in sorted(passages, key=lambda p: (p.start, -p.end))
               if p.key in result.numbers]  # fmt: skip
    assert numbers == list(range(1, len(numbers) + 1))


def test_highlights_are_cached_under_what_they_depend_on(django_assert_num_queries):
    html = "<p>Lipetsk opened in 1925.</p>"
    first = highlight_cached(html, [Passage("k", 0, 7, "Lipetsk")])
    again = highlight_cached(html, [Passage("k", 0, 7, "Lipetsk")])
    other = highlight_cached(html, [Passage("k", 8, 14, "opened")])
    assert first.html == again.html != other.html
    assert 'id="a-k" data-note="n-k">opened</mark>' in other.html


# ------------------------------------------------------------------ paragraph ids


def test_paragraph_ids_hash_the_paragraph_text_and_number_duplicates():
    html = add_block_ids(
        render_markdown(
            "## Lipetsk\n\nThe school opened.[^1]\n\nSame.\n\nSame.\n\n- loose\n\n- list\n\n"
            "[^1]: GALO.",
            heading_anchors=True,
            doc_id="x",
        ).html
    )
    ids = re.findall(r'<(\w+) id="([^"]+)"', html)
    assert ids[0] == ("h2", "lipetsk")
    paragraphs = [anchor for tag, anchor in ids if tag == "p"]
    assert paragraphs[:3] == [
        paragraph_id("The school opened."),  # the footnote mark is not part of it
        paragraph_id("Same."),
        paragraph_id("Same.") + "-2",
    ]
    assert len(paragraphs) == 5  # the loose list's paragraphs too; not the footnote's
    assert '<li id="fn-x-1" class="footnote-item"><p>GALO.' in html


def test_paragraph_ids_survive_edits_elsewhere_in_the_essay():
    before = add_block_ids(render_markdown("First.\n\nSecond paragraph here.").html)
    after = add_block_ids(
        render_markdown(
            "## New heading\n\nInserted.\n\nFirst, edited.\n\nSecond paragraph here."
        ).html
    )
    anchor = paragraph_id("Second paragraph here.")
    assert f'<p id="{anchor}">Second paragraph here.</p>' in before
    assert f'<p id="{anchor}">Second paragraph here.</p>' in after


@pytest.mark.django_db
def test_saving_an_essay_gives_its_paragraphs_ids_without_changing_its_plain_text():
    essay = make_essay(body="Lipetsk opened in 1925.\n\nKama followed.")
    assert f'<p id="{paragraph_id("Kama followed.")}">' in essay.body_html
    assert essay.revisions.get().text == "Lipetsk opened in 1925.\n\nKama followed."


# ------------------------------------------------------------------ the essay page

BODY = (
    "## Lipetsk\n\nThe flight school at *Lipetsk* opened in 1925. German pilots trained there "
    "in secret.[^1]\n\n## Kazan\n\nThe tank school Kama followed in 1929.\n\n[^1]: GALO."
)


def published_essay(**kwargs):
    kwargs.setdefault("body", BODY)
    essay = make_essay(**kwargs)
    make_block(make_section(make_exhibit()), kind="essay", essay=essay)
    return essay


def annotate(essay, quote, **kwargs):
    revision = essay.revisions.order_by("-number").first()
    start = revision.text.index(quote)
    selector = selector_for(revision.text, start, start + len(quote))
    entities = kwargs.pop("entities", [])
    references = kwargs.pop("references", [])
    kwargs.setdefault("body", f"A note on {quote}.")
    annotation = Annotation.objects.create(
        essay=essay,
        revision=revision,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
        **kwargs,
    )
    annotation.entities.set(entities)
    annotation.references.set(references)
    return annotation


def note_ids(html):
    return re.findall(r'<li class="annotation-note" id="n-([0-9a-f-]+)"', html)


@pytest.mark.django_db
def test_essay_page_highlights_passages_and_lists_notes_linked_both_ways(client):
    essay = published_essay()
    seeckt = make_entity(kind="person", name="Hans von Seeckt", latitude=None, longitude=None)
    make_block(make_section(make_exhibit()), entities=[seeckt])  # so it has a page
    reference = make_reference(fond="33987", opis="3", delo="295")
    pilots = annotate(
        essay,
        "German pilots trained there",
        body="Nearly *1,000* Germans over the years.",
        motivation=Annotation.Motivation.DESCRIBING,
        entities=[seeckt],
        references=[reference],
    )
    school = annotate(essay, "flight school at Lipetsk")

    html = client.get(essay.get_absolute_url()).content.decode()

    # Highlights in the text, numbered in reading order, each linking to its note.
    assert f'<mark class="annotation" id="a-{school.uuid}" data-note="n-{school.uuid}">' in html
    assert f'<mark class="annotation" id="a-{pilots.uuid}" data-note="n-{pilots.uuid}">' in html
    assert f'href="#n-{school.uuid}" data-number="1"' in html
    assert f'href="#n-{pilots.uuid}" data-number="2"' in html
    # The notes, after the text, in the same order, each linking back.
    assert note_ids(html) == [str(school.uuid), str(pilots.uuid)]
    assert html.index('id="essay-notes"') > html.index('class="footnotes"')
    note = html[html.index(f'id="n-{pilots.uuid}"') :]
    note = note[: note.index("</li>\n  \n")] if "</li>\n  \n" in note else note
    assert '<span class="annotation-note__motivation">Describing</span>' in note
    assert "<p>German pilots trained there</p>" in note
    assert "Nearly <em>1,000</em> Germans over the years." in note
    assert f'href="{seeckt.get_absolute_url()}"' in note
    assert "GALO, f. 33987, op. 3, d. 295" in note
    assert f'href="#a-{pilots.uuid}"' in note
    # Permalinks for headings and paragraphs; external script only, nothing inline.
    assert '<a class="permalink" href="#lipetsk" aria-label="Link to this section"></a>' in html
    assert 'class="permalink" href="#p-' in html
    assert 'src="/static/exhibit/js/annotations.js"' in html
    assert " style=" not in html
    # JSON-LD is a data block the browser never runs (and CSP does not govern): allowed.
    assert not re.search(r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))', html)
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.django_db
def test_only_published_notes_appear(client):
    essay = published_essay()
    shown = annotate(essay, "The tank school Kama")
    retired = annotate(essay, "German pilots", retired=True)
    orphaned = annotate(essay, "in secret", anchoring=Annotation.Anchoring.ORPHANED)
    other = published_essay(body="German pilots trained there in secret.")
    elsewhere = annotate(other, "German pilots")
    noted = make_entity(name="Noted place")  # linked only by the published note
    hidden = make_entity(name="Unlinked place")  # linked only by the retired note
    shown.entities.set([noted])
    retired.entities.set([hidden])

    html = client.get(essay.get_absolute_url()).content.decode()

    assert note_ids(html) == [str(shown.uuid)]
    for absent in (retired, orphaned, elsewhere):
        assert str(absent.uuid) not in html
    assert "Noted place" in html  # a published note gives its entities a public page
    assert client.get(noted.get_absolute_url()).status_code == 200
    assert "Unlinked place" not in html  # its page would be a 404
    assert client.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_a_note_whose_quote_has_moved_is_not_shown_on_other_words(client):
    essay = published_essay()
    note = annotate(essay, "Kama")
    Annotation.objects.filter(pk=note.pk).update(start=note.start + 1, end=note.end + 1)
    html = client.get(essay.get_absolute_url()).content.decode()
    assert str(note.uuid) not in html
    assert 'id="essay-notes"' not in html
    assert "annotations.js" not in html


@pytest.mark.django_db
def test_notes_follow_the_text_when_the_essay_is_edited(client):
    essay = published_essay()
    note = annotate(essay, "The tank school Kama")
    essay.body = "An opening paragraph.\n\n" + BODY
    essay.save()
    html = client.get(essay.get_absolute_url()).content.decode()
    assert f'data-note="n-{note.uuid}">The tank school Kama</mark>' in html


@pytest.mark.django_db
def test_essay_without_notes_has_no_notes_section_or_script(client):
    essay = published_essay()
    html = client.get(essay.get_absolute_url()).content.decode()
    assert "annotation-note" not in html
    assert "annotations.js" not in html
    assert 'class="permalink"' in html


@pytest.mark.django_db
def test_highlighted_text_is_inert(client):
    essay = published_essay(body="A *passage* with [a link](https://example.org) & more.")
    annotate(essay, "passage with a link")
    html = client.get(essay.get_absolute_url()).content.decode()
    body = html[html.index('<div class="prose prose--essay') : html.index('id="essay-notes"')]
    assert_inert(body)


@pytest.mark.django_db
def test_staff_preview_of_a_draft_essay_shows_its_live_notes(editor_client):
    essay = make_essay(body=BODY, status=Status.DRAFT)
    live = annotate(essay, "The tank school Kama")
    retired = annotate(essay, "German pilots", retired=True)
    html = editor_client.get(reverse("exhibit:preview_essay", args=[essay.slug])).content.decode()
    assert note_ids(html) == [str(live.uuid)]
    assert str(retired.uuid) not in html


@pytest.mark.django_db
def test_annotation_ids_are_uuids_in_the_page(client):
    essay = published_essay()
    note = annotate(essay, "Kama")
    html = client.get(essay.get_absolute_url()).content.decode()
    for found in re.findall(r'id="a-([^"]+)"', html):
        assert uuid.UUID(found) == note.uuid
    assert Essay.objects.get(pk=essay.pk).body_html.count("<mark") == 0  # stored text untouched
