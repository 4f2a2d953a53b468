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
"""

from __future__ import annotations

from html.parser import HTMLParser

BLOCKS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "pre", "dt", "dd",
}  # fmt: skip
VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source"}


def _skipped(tag: str, attrs: dict) -> bool:
    classes = (attrs.get("class") or "").split()
    return (tag == "sup" and "footnote-ref" in classes) or (
        tag == "section" and "footnotes" in classes
    )


class _Projector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] | None = None
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping)
        self.depth = 0  # nesting of block elements

    @property
    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            if tag == "br" and self.current is not None and not self.skipping:
                self.current.append(" ")
            return
        skip = _skipped(tag, dict(attrs))
        self.stack.append((tag, skip))
        if tag in BLOCKS and not self.skipping:
            if self.current is not None:  # a block inside a block (li > p): close the outer
                self._flush()
            self.current = []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in BLOCKS and self.current is not None and not self.skipping:
            self._flush()

    def handle_data(self, data):
        if self.current is not None and not self.skipping:
            self.current.append(data)

    def _flush(self):
        text = " ".join("".join(self.current or []).split())
        if text:
            self.blocks.append(text)
        self.current = None


def plain_text(html: str) -> str:
    """The projection of rendered essay HTML (see the module docstring)."""
    projector = _Projector()
    projector.feed(html or "")
    projector.close()
    if projector.current is not None:
        projector._flush()
    return "\n\n".join(projector.blocks)
