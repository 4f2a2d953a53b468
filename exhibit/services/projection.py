"""The plain-text projection of a rendered essay: what annotation positions count in.

Text annotations store W3C TextQuoteSelector and TextPositionSelector values over this text,
in Unicode code points. The projection of an essay's rendered HTML is:

- the text of each block (paragraph, heading, list item, table cell, figure caption,
  preformatted block), in document order, joined by one blank line ("\\n\\n");
- within a block, every run of white space is one space, and the block is stripped;
- HTML entities decoded; tags removed;
- footnote reference marks (``sup.footnote-ref``) and the footnote section
  (``section.footnotes``) left out, so notes on the text survive edits to the notes;
- empty blocks left out.

The browser widget computes the same text for a selection's context, and the server
resolves a selection from its quote, so the two never need to agree on offsets blindly.

``project()`` walks the HTML once and keeps, beside the text, where each character of it came
from in the source (``Projection.runs``). ``plain_text()`` is that walk's text, and the
highlighter (``exhibit.services.highlighting``) places its marks by the same walk, so the
offsets an annotation stores and the words the page highlights can never disagree.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise

BLOCKS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "pre", "dt", "dd",
}  # fmt: skip
VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source"}

# What is not white space. ``\s`` is exactly ``str.isspace()``, so exactly what
# ``str.split()`` splits on: the collapsing below is ``" ".join(text.split())``.
_WORD = re.compile(r"\S+")

START, END, STARTEND, DATA, OTHER = "start", "end", "startend", "data", "other"


def _skipped(tag: str, attrs: dict) -> bool:
    classes = (attrs.get("class") or "").split()
    return (tag == "sup" and "footnote-ref" in classes) or (
        tag == "section" and "footnotes" in classes
    )


@dataclass(slots=True)
class Token:
    """One construct of the source: a tag, a run of text (``data``, entities decoded), or
    anything else (a comment, a declaration). ``source[start:end]`` is exactly its markup."""

    kind: str
    start: int
    end: int = 0
    tag: str = ""
    attrs: dict = field(default_factory=dict)
    data: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    """``length`` characters of the projection from ``offset`` on are characters ``index``… of
    token ``token``'s data. A collapsed run of white space is one run of length 1 that points
    at its first white-space character; a ``<br>`` is a run that points at the tag."""

    offset: int
    token: int
    index: int
    length: int


@dataclass
class Projection:
    text: str
    tokens: list[Token]
    runs: list[Run]
    # For each element that opened a block: its start token -> the block's text (also when
    # empty, which the projection leaves out) and -> its end token, where it has one.
    block_texts: dict[int, str]
    closing: dict[int, int]
    # For text inside a link: data token -> the start token of its outermost <a>.
    in_link: dict[int, int]

    def runs_between(self, start: int, end: int):
        """The runs that carry characters of ``text[start:end]``, in order."""
        offsets = [run.offset for run in self.runs]
        index = max(bisect_right(offsets, start) - 1, 0)
        for run in self.runs[index:]:
            if run.offset >= end:
                break
            if run.offset + run.length > start:
                yield run


class _Tokenizer(HTMLParser):
    """Records every construct the parser reports, with where it starts in the source."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", source)]
        self.tokens: list[Token] = []

    def _add(self, kind, **kwargs):
        line, column = self.getpos()
        self.tokens.append(Token(kind, self.line_starts[line - 1] + column, **kwargs))

    def handle_starttag(self, tag, attrs):
        self._add(START, tag=tag, attrs=dict(attrs))

    def handle_startendtag(self, tag, attrs):
        self._add(STARTEND, tag=tag, attrs=dict(attrs))

    def handle_endtag(self, tag):
        self._add(END, tag=tag)

    def handle_data(self, data):
        self._add(DATA, data=data)

    def handle_comment(self, data):
        self._add(OTHER)

    handle_decl = handle_pi = unknown_decl = handle_comment

    def handle_entityref(self, name):  # only without convert_charrefs; kept for safety
        self._add(OTHER)

    handle_charref = handle_entityref


def tokenize(source: str) -> list[Token]:
    """``source`` as consecutive tokens: their markup, joined, is ``source`` again."""
    tokenizer = _Tokenizer(source)
    tokenizer.feed(source)
    tokenizer.close()
    tokens = tokenizer.tokens
    if tokens and tokens[0].start > 0:  # nothing the parser reports; kept verbatim
        tokens.insert(0, Token(OTHER, 0))
    for token, following in pairwise(tokens):
        token.end = following.start
    if tokens:
        tokens[-1].end = len(source)
    return tokens


class _Projector:
    """The projection rules of the module docstring, over ``tokenize()``'s tokens."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.texts: list[str] = []  # the non-empty blocks' texts
        self.runs: list[list[int]] = []  # [offset, token, index, length], see Run
        self.length = 0  # of the projection so far
        self.block_texts: dict[int, str] = {}
        self.closing: dict[int, int] = {}
        self.in_link: dict[int, int] = {}
        self.current: list[tuple[str, int]] | None = None  # (data, token index)
        self.current_start = -1
        self.stack: list[tuple[str, bool, int]] = []  # (tag, skipping, start token)

    @property
    def skipping(self) -> bool:
        return any(skip for _, skip, _ in self.stack)

    def walk(self):
        for index, token in enumerate(self.tokens):
            if token.kind in (START, STARTEND):
                self.start_tag(index, token)
            if token.kind in (END, STARTEND):
                self.end_tag(index, token)
            elif token.kind == DATA:
                self.data(index, token)
        if self.current is not None:
            self.flush()
        return self

    def start_tag(self, index, token):
        tag = token.tag
        if tag in VOID:
            if tag == "br" and self.current is not None and not self.skipping:
                self.current.append((" ", index))
            return
        self.stack.append((tag, _skipped(tag, token.attrs), index))
        if tag in BLOCKS and not self.skipping:
            if self.current is not None:  # a block inside a block (li > p): close the outer
                self.flush()
            self.current = []
            self.current_start = index

    def end_tag(self, index, token):
        tag = token.tag
        if tag in VOID:
            return
        while self.stack:
            open_tag, _, opened = self.stack.pop()
            if open_tag == tag:
                self.closing[opened] = index
                break
        if tag in BLOCKS and self.current is not None and not self.skipping:
            self.flush()

    def data(self, index, token):
        if self.current is not None and not self.skipping:
            self.current.append((token.data, index))
            link = next((opened for tag, _, opened in self.stack if tag == "a"), None)
            if link is not None:
                self.in_link[index] = link

    def flush(self):
        """Collapse the block's white space, remembering where each character came from."""
        base = self.length + (2 if self.texts else 0)  # after the blank line between blocks
        pieces: list[str] = []
        runs = self.runs
        first_run = len(runs)
        length = 0
        space = None  # where the pending run of white space began: (token, index)

        def add(token, index, count):
            offset = base + length
            if len(runs) > first_run:
                last = runs[-1]  # continue the last run where source and text both go on
                if last[1] == token and last[2] + last[3] == index and last[0] + last[3] == offset:
                    last[3] += count
                    return
            runs.append([offset, token, index, count])

        for data, token in self.current or []:
            position = 0
            for match in _WORD.finditer(data):
                start, end = match.span()
                if start > position and space is None:
                    space = (token, position)
                if space is not None and length:
                    add(*space, 1)
                    pieces.append(" ")
                    length += 1
                space = None
                add(token, start, end - start)
                pieces.append(match.group())
                length += end - start
                position = end
            if position < len(data) and space is None:
                space = (token, position)
        text = "".join(pieces)
        self.block_texts[self.current_start] = text
        if text:
            self.texts.append(text)
            self.length = base + length
        self.current = None

    def projection(self) -> Projection:
        return Projection(
            text="\n\n".join(self.texts),
            tokens=self.tokens,
            runs=[Run(*run) for run in self.runs],
            block_texts=self.block_texts,
            closing=self.closing,
            in_link=self.in_link,
        )


def project(html: str) -> Projection:
    """The projection of ``html`` with its map back to the source (see the module docstring)."""
    return _Projector(tokenize(html or "")).walk().projection()


def plain_text(html: str) -> str:
    """The projection of rendered essay HTML (see the module docstring)."""
    return project(html).text
