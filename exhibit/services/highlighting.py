"""Anchors for permalinks and highlights of annotated passages, in rendered essay HTML.

Both work on the same walk of the HTML as the plain-text projection annotations count in
(``exhibit.services.projection.project``), so a highlight covers exactly the characters
``plain_text(html)[start:end]`` that the annotation's TextPositionSelector names.

Paragraph ids (``add_block_ids``, when an essay is rendered): ``p-`` and the first eight hex
digits of the SHA-1 of the paragraph's own text as the projection has it (white space
collapsed, entities decoded, footnote marks left out), Unicode-normalised (NFC) and
case-folded. The id depends on nothing but the paragraph's words, so it survives edits
anywhere else in the essay: paragraphs inserted, removed or moved around it, headings renamed,
footnotes rewritten. A second paragraph with the same text (or one whose digest collides)
takes the next free ``-2``, ``-3``… suffix, in document order. Headings keep the slug ids
markdown-it's anchors plugin gives them; the footnotes keep theirs.

Highlights (``highlight``, per page view, cached): each passage becomes ``<mark
class="annotation" data-note="n-<uuid>">`` elements, the first with ``id="a-<uuid>"``. Marks
never cross an element boundary: a passage that runs into an ``<em>``, a link or the next
paragraph is split into several marks with the same ``data-note``; footnote marks and white
space between blocks stay outside. Overlapping passages nest where one lies inside the other;
where two cross, the inner one is closed and reopened around the outer one's end, so every
passage stays one run of marks and the HTML stays well formed. After a passage's last mark
comes an empty link to its note (``a.annotation-ref``, its number drawn by CSS from
``data-number``, named by ``aria-label``) — after the enclosing link if the passage ends inside
one, since links do not nest. Empty permalink anchors (``a.permalink``) end each paragraph and
heading that has an id. Nothing is added that has text of its own, so the projection of the
highlighted HTML is the projection of the original, and removing the added elements gives the
original HTML back.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache

from exhibit.services.projection import DATA, START, Projection, project

ANCHORED_BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6"}
CACHE_VERSION = 1
CACHE_SECONDS = 60 * 60 * 24 * 7

# html.unescape's own pattern: each match is one character reference, decoded on its own.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


# ---------------------------------------------------------------------------- paragraph ids


def paragraph_id(text: str) -> str:
    """The id a paragraph with this (projected) text gets, before any duplicate suffix."""
    normal = unicodedata.normalize("NFC", " ".join(text.split())).casefold()
    return "p-" + hashlib.sha1(normal.encode(), usedforsecurity=False).hexdigest()[:8]


def add_block_ids(html: str) -> str:
    """Give every paragraph of the essay outside the footnotes a stable id (module docstring)."""
    projection = project(html)
    tokens = projection.tokens
    taken = {token.attrs["id"] for token in tokens if token.attrs.get("id")}
    out, position = [], 0
    for index, text in sorted(projection.block_texts.items()):
        token = tokens[index]
        if token.tag != "p" or token.attrs.get("id") or token.kind != START:
            continue
        base = paragraph_id(text)
        anchor, number = base, 1
        while anchor in taken:
            number += 1
            anchor = f"{base}-{number}"
        taken.add(anchor)
        markup = html[token.start : token.end]
        out += [html[position : token.start], f'{markup[:2]} id="{anchor}"{markup[2:]}']
        position = token.end
    out.append(html[position:])
    return "".join(out)


# ---------------------------------------------------------------------------- highlights


@dataclass(frozen=True)
class Passage:
    """What to highlight: an annotation's key (its uuid) and TextPositionSelector, with the
    quote it expects there, so a stale position highlights nothing rather than other words."""

    key: str
    start: int
    end: int
    exact: str


@dataclass
class Highlighted:
    html: str
    # Note numbers of the passages found where they said, in reading order.
    numbers: dict[str, int] = field(default_factory=dict)


def _raw_offsets(markup: str, data: str) -> list[int | None] | None:
    """For each index 0…len(data) of a text token's decoded ``data``, where it starts in the
    token's ``markup``; None inside a reference that decodes to several characters, and None
    overall if the markup does not decode to ``data``."""
    offsets: list[int | None] = []
    decoded: list[str] = []
    position = 0
    for match in _CHARREF.finditer(markup):
        offsets.extend(range(position, match.start()))
        decoded += [markup[position : match.start()], htmllib.unescape(match.group())]
        if decoded[-1]:  # some references decode to nothing ("&#1;")
            offsets.extend([match.start()] + [None] * (len(decoded[-1]) - 1))
        position = match.end()
    offsets.extend(range(position, len(markup) + 1))
    decoded.append(markup[position:])
    if "".join(decoded) != data or len(offsets) != len(data) + 1:
        return None
    return offsets


class _Marks:
    """The marks of one text token, opened and closed so that they nest."""

    def __init__(self, highlighter, token, markup):
        self.highlighter = highlighter
        self.token = token
        self.markup = markup
        self.offsets = _raw_offsets(markup, token.data)
        self.opens = defaultdict(list)
        self.closes = defaultdict(set)
        self.refs = defaultdict(list)

    def add(self, number, key, first, last):
        self.opens[first].append((number, key, last))
        self.closes[last].add(key)

    def render(self) -> str:
        data = self.token.data
        points = sorted({*self.opens, *self.closes, *self.refs})
        if self.offsets is None or any(self.offsets[p] is None for p in points):
            # A reference the marks would cut through: write this one text out afresh.
            pieces = [htmllib.escape(char, quote=False) for char in data]
            markup, offsets = "".join(pieces), [0]
            for piece in pieces:
                offsets.append(offsets[-1] + len(piece))
        else:
            offsets, markup = self.offsets, self.markup
        out, cursor, stack = [], 0, []  # stack: open (number, key, last), outermost first
        for point in points:
            out.append(markup[cursor : offsets[point]])
            cursor = offsets[point]
            ending = self.closes.get(point, set())
            reopen = []
            while any(key in ending for _, key, _ in stack):
                entry = stack.pop()
                out.append("</mark>")
                if entry[1] not in ending:
                    reopen.append(entry)
            out.extend(self.refs.get(point, []))  # between the marks, not in a reopened one
            for entry in reversed(reopen):
                out.append(self.highlighter.open_mark(entry[1]))
                stack.append(entry)
            # Longer passages open first, so the shorter ones inside them close first.
            for entry in sorted(self.opens.get(point, []), key=lambda e: (-e[2], e[0])):
                out.append(self.highlighter.open_mark(entry[1]))
                stack.append(entry)
        out.append(markup[cursor:])
        return "".join(out)


class _Highlighter:
    def __init__(self, source: str, projection: Projection):
        self.source = source
        self.projection = projection
        self.marked: set[str] = set()

    def open_mark(self, key: str) -> str:
        note = f'data-note="n-{key}"'
        if key in self.marked:
            return f'<mark class="annotation" {note}>'
        self.marked.add(key)
        return f'<mark class="annotation" id="a-{key}" {note}>'

    def render(self, passages: list[Passage], permalinks: bool) -> Highlighted:
        projection, tokens = self.projection, self.projection.tokens
        text = projection.text
        marks: dict[int, _Marks] = {}
        after: dict[int, list[str]] = defaultdict(list)  # token -> what follows its markup
        numbers: dict[str, int] = {}
        ordered = sorted(passages, key=lambda p: (p.start, -p.end, p.key))
        for passage in ordered:
            if not (0 <= passage.start < passage.end <= len(text)):
                continue
            if text[passage.start : passage.end] != passage.exact:
                continue
            pieces = []  # (token, first, last) in the token's data, end exclusive
            for run in projection.runs_between(passage.start, passage.end):
                if tokens[run.token].kind != DATA:
                    continue  # a <br>'s space: no text of its own to mark
                first = run.index + max(passage.start - run.offset, 0)
                last = run.index + min(passage.end - run.offset, run.length)
                if pieces and pieces[-1][0] == run.token:
                    pieces[-1] = (run.token, pieces[-1][1], last)
                else:
                    pieces.append((run.token, first, last))
            if not pieces:
                continue
            number = numbers[passage.key] = len(numbers) + 1
            for token_index, first, last in pieces:
                if token_index not in marks:
                    markup = self.source[tokens[token_index].start : tokens[token_index].end]
                    marks[token_index] = _Marks(self, tokens[token_index], markup)
                marks[token_index].add(number, passage.key, first, last)
            token_index, _, last = pieces[-1]
            ref = (
                f'<a class="annotation-ref" href="#n-{passage.key}" data-number="{number}" '
                f'aria-label="Note {number}"></a>'
            )
            link = projection.in_link.get(token_index)
            if link is not None and link in projection.closing:
                after[projection.closing[link]].append(ref)
            else:
                marks[token_index].refs[last].append(ref)

        before: dict[int, str] = {}  # token -> what precedes its markup
        if permalinks:
            for index in projection.block_texts:
                token = tokens[index]
                anchor = token.attrs.get("id")
                if token.tag in ANCHORED_BLOCKS and anchor and index in projection.closing:
                    label = "this paragraph" if token.tag == "p" else "this section"
                    before[projection.closing[index]] = (
                        f'<a class="permalink" href="#{htmllib.escape(anchor)}" '
                        f'aria-label="Link to {label}"></a>'
                    )

        out = []
        for index, token in enumerate(tokens):
            out.append(before.get(index, ""))
            if index in marks:
                out.append(marks[index].render())
            else:
                out.append(self.source[token.start : token.end])
            out.extend(after.get(index, []))
        if not tokens:
            out.append(self.source)
        return Highlighted(html="".join(out), numbers=numbers)


def highlight(html: str, passages: list[Passage], *, permalinks: bool = True) -> Highlighted:
    """``html`` with each passage marked and linked to its note (see the module docstring).

    Passages whose quote is not at their position, or that hold no text, are left out of the
    result (and of ``numbers``). Notes are numbered in reading order of their passages.
    """
    html = html or ""
    return _Highlighter(html, project(html)).render(list(passages), permalinks)


def highlight_cached(html: str, passages: list[Passage], *, permalinks: bool = True):
    """``highlight()``, remembered in the cache under a digest of everything it depends on.

    The key is the rendered HTML and each passage's key, position and quote, all of which the
    caller already has: nothing goes stale (an edit makes a new key) and no query is needed
    to tell whether the cached copy is still good.
    """
    digest = hashlib.sha256(f"{CACHE_VERSION}:{permalinks}:".encode())
    digest.update((html or "").encode())
    for passage in sorted(passages, key=lambda p: p.key):
        digest.update(f"\0{passage.key}\0{passage.start}\0{passage.end}\0".encode())
        digest.update(passage.exact.encode())
    key = f"exhibit:highlight:{digest.hexdigest()}"
    result = cache.get(key)
    if result is None:
        result = highlight(html, passages, permalinks=permalinks)
        cache.set(key, result, CACHE_SECONDS)
    return result
