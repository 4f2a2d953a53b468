"""Keeping text annotations on their words when an essay changes.

Positions count Unicode code points in the essay's plain-text projection
(``exhibit.services.projection``), as W3C TextPositionSelector asks. When the text changes,
each annotation is carried through the character diff between the old and the new revision
first: that is deterministic, and tells apart an edit outside the span (the span shifts) from
one inside it (the change is measured). Only where that fails is the quote searched for near
its old place. A candidate is accepted only when

    score = 0.5 × quote + 0.25 × prefix + 0.25 × suffix ≥ 0.8, and quote ≥ 0.7,

where each term is a normalised Levenshtein similarity (1 is identical) and prefix and suffix
are the up-to-32 characters stored beside the quote. A word-aligned quote must also land on
word boundaries, so "Kama" never matches inside "Kamaz". Anything else is orphaned: nothing is
dropped or moved to other words silently. This is how other tools fail (STANDARDS.md §2): an
exact match anywhere beats the context there, so a corrected word jumps to another occurrence
of the old one; here an exact quote with the wrong context scores below the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

CONTEXT = 32
THRESHOLD = 0.8
QUOTE_MINIMUM = 0.7
WINDOW = 4000  # characters either side of the expected place to search

EXACT, SHIFTED, FUZZY, ORPHANED = "exact", "shifted", "fuzzy", "orphaned"


@dataclass(frozen=True)
class Selector:
    """TextQuoteSelector and TextPositionSelector together."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Anchor:
    state: str
    start: int | None = None
    end: int | None = None
    score: float = 0.0

    def selector(self, text: str) -> Selector | None:
        if self.start is None:
            return None
        return selector_for(text, self.start, self.end)


def selector_for(text: str, start: int, end: int) -> Selector:
    """The selectors for ``text[start:end]``, with 32 characters of context each side."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"{start}–{end} is not a passage of a text {len(text)} long")
    return Selector(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def utf16_to_codepoints(text: str, offset: int) -> int:
    """A browser's UTF-16 offset into ``text`` as a code-point offset (what we store)."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def codepoints_to_utf16(text: str, offset: int) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text[:offset])


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return Levenshtein.normalized_similarity(a, b)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _boundaries(before: str, first: str, last: str, after: str) -> tuple[bool, bool]:
    left = not (_is_word(before) and _is_word(first))
    right = not (_is_word(last) and _is_word(after))
    return left, right


def _required_boundaries(selector: Selector) -> tuple[bool, bool]:
    exact = selector.exact
    return _boundaries(selector.prefix[-1:], exact[:1], exact[-1:], selector.suffix[:1])


def _boundaries_hold(text: str, start: int, end: int, required: tuple[bool, bool]) -> bool:
    found = _boundaries(text[start - 1 : start], text[start : start + 1], text[end - 1 : end],
                        text[end : end + 1])  # fmt: skip
    return all(found[i] or not required[i] for i in (0, 1))


def score(text: str, start: int, end: int, selector: Selector) -> tuple[float, float]:
    """``(score, quote similarity)`` of ``text[start:end]`` as a match for ``selector``."""
    quote = _similarity(text[start:end], selector.exact)
    # Whole context windows on both sides: a quote stored at the very start of the text has
    # an empty prefix, which a candidate elsewhere (with words before it) must not match.
    prefix = _similarity(text[max(0, start - CONTEXT) : start], selector.prefix)
    suffix = _similarity(text[end : end + CONTEXT], selector.suffix)
    return 0.5 * quote + 0.25 * prefix + 0.25 * suffix, quote


class Diff:
    """The character diff from one text to another, for mapping positions through it."""

    def __init__(self, old: str, new: str):
        engine = diff_match_patch()
        engine.Diff_Timeout = 5
        ops = engine.diff_main(old, new, checklines=False)
        # Slide each edit to word boundaries where that is equivalent, so that a deletion
        # beside an annotated word is not read as taking its first letter with it.
        engine.diff_cleanupSemanticLossless(ops)
        self.ops = ops

    def map(self, position: int, *, end: bool) -> int:
        """Where ``position`` of the old text lands in the new one.

        Text inserted exactly at a span's start goes before it, and at its end after it, so
        an edit outside a span never enters it. A position inside deleted text lands where
        the deletion was.
        """
        old = new = 0
        for op, chunk in self.ops:
            size = len(chunk)
            if op == 0:  # equal
                if position < old + size or (position == old + size and end):
                    return new + position - old
                old, new = old + size, new + size
            elif op == -1:  # deleted
                if position < old + size:
                    return new
                old += size
            else:  # inserted
                if position == old and end:
                    return new
                new += size
        return new + position - old

    def survives(self, start: int, end: int) -> bool:
        """Whether any character of the old span ``[start, end)`` is still in the new text."""
        old = 0
        for op, chunk in self.ops:
            if op == 1:
                continue
            size = len(chunk)
            if op == 0 and old < end and old + size > start:
                return True
            old += size
        return False


def _occurrences(text: str, quote: str, low: int, high: int) -> list[tuple[int, int]]:
    """Every place ``quote`` stands whole within ``text[low:high]``."""
    found = []
    index = text.find(quote, low, high)
    while index != -1:
        found.append((index, index + len(quote)))
        index = text.find(quote, index + 1, high)
    return found


def _candidates(text: str, selector: Selector, around: int) -> list[tuple[int, int]]:
    low, high = max(0, around - WINDOW), min(len(text), around + WINDOW)
    exact = selector.exact
    found = _occurrences(text, exact, low, high + len(exact))
    if not found and exact:
        window = text[low : high + len(exact)]
        alignment = fuzz.partial_ratio_alignment(exact, window)
        if alignment is not None and alignment.dest_end > alignment.dest_start:
            found.append((low + alignment.dest_start, low + alignment.dest_end))
    return found


def _best(text: str, selector: Selector, candidates, expected: int):
    required = _required_boundaries(selector)
    best = None
    for start, end in candidates:
        if end <= start or not _boundaries_hold(text, start, end, required):
            continue
        total, quote = score(text, start, end, selector)
        key = (round(total, 6), -abs(start - expected))
        if best is None or key > best[0]:
            best = (key, start, end, total, quote)
    return best


def locate(text: str, selector: Selector, hint: int | None = None) -> Anchor:
    """Find ``selector`` in ``text`` by its quote and context, near ``hint`` if given."""
    expected = hint if hint is not None else (selector.start or 0)
    found = _best(text, selector, _candidates(text, selector, expected), expected)
    return _verdict(found)


def _verdict(found) -> Anchor:
    if found is None:
        return Anchor(ORPHANED)
    _, start, end, total, quote = found
    if total < THRESHOLD or quote < QUOTE_MINIMUM:
        return Anchor(ORPHANED, score=total)
    return Anchor(SHIFTED if total == 1.0 else FUZZY, start, end, total)


def reanchor(old: str, new: str, selectors: list[Selector]) -> list[Anchor]:
    """Carry each selector from ``old`` to ``new``; see the module docstring for the rules."""
    if old == new:
        return [
            Anchor(EXACT, s.start, s.end, 1.0)
            if s.start is not None and new[s.start : s.end] == s.exact
            else locate(new, s)
            for s in selectors
        ]
    diff = Diff(old, new)
    anchors = []
    for selector in selectors:
        if selector.start is None or old[selector.start : selector.end] != selector.exact:
            anchors.append(locate(new, selector))
            continue
        start = diff.map(selector.start, end=False)
        end = diff.map(selector.end, end=True)
        # Unchanged words: the quote stands, whole, over where the diff carried the span.
        # (In repetitive text a diff may slide an edit beside a span into it, so the quote
        # is looked for around the carried span, but it must overlap it.)
        size = len(selector.exact)
        unchanged = _best(
            new,
            selector,
            [
                (found_start, found_end)
                for found_start, found_end in _occurrences(
                    new, selector.exact, max(0, start - size), end + size
                )
                if found_start < max(end, start + 1) and found_end > start
            ],
            start,
        )
        if unchanged is not None:
            _, found_start, found_end, total, _ = unchanged
            unmoved = (found_start, found_end) == (selector.start, selector.end)
            anchors.append(Anchor(EXACT if unmoved else SHIFTED, found_start, found_end, total))
            continue
        if diff.survives(selector.start, selector.end):
            # The passage is still there but its words changed: measure it where it stands.
            # Looking elsewhere would move the note to other words (hypothesis/h#2798).
            candidates = [(start, end)] if end > start else []
            window = new[start:end]
            alignment = fuzz.partial_ratio_alignment(selector.exact, window) if window else None
            if alignment is not None and alignment.dest_end > alignment.dest_start:
                candidates.append((start + alignment.dest_start, start + alignment.dest_end))
        else:
            # The passage was deleted here: it may have been moved, so search by its quote.
            candidates = _candidates(new, selector, start)
        anchors.append(_verdict(_best(new, selector, candidates, start)))
    return anchors
