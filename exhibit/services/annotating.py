"""Making and keeping annotations: what a curator does to them, shared by the admin's views.

Selections arrive from a browser, which counts in UTF-16 code units over its own copy of the
essay's plain-text projection (``exhibit.services.projection``). Nothing trusts those offsets
blindly: the quote and its context are located again in the text of the essay's latest
revision, with the browser's offset (converted to code points) only as the hint that tells
two equal passages apart. Every function takes plain arguments and raises
``AnnotatingError`` with a message a curator can act on.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from exhibit.services.anchoring import (
    EXACT,
    FUZZY,
    Selector,
    locate,
    selector_for,
    utf16_to_codepoints,
)
from exhibit.services.projection import plain_text
from exhibit.services.revisions import record_revision

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_FOOTNOTES = re.compile(r'<section class="footnotes">(.*?)</section>', re.DOTALL)


class AnnotatingError(ValueError):
    """A request the curator has to change; ``field`` names the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_quote(text: str) -> str:
    """A selection's text as the projection has it: blocks apart by one blank line, and in a
    block every run of white space one space."""
    blocks = (" ".join(block.split()) for block in _BLANK_LINE.split(text or ""))
    return "\n\n".join(block for block in blocks if block)


def current_revision(essay):
    """The essay's latest revision, recorded now if the essay has none yet."""
    revision = essay.revisions.order_by("-number").first()
    if revision is None:
        revision, _ = record_revision(essay)
    return revision


def _footnote_text(essay) -> str:
    match = _FOOTNOTES.search(essay.body_html or "")
    return plain_text(match.group(1)) if match else ""


def resolve_passage(
    text: str,
    *,
    exact: str,
    prefix: str = "",
    suffix: str = "",
    utf16_start: int | None = None,
) -> Selector:
    """The selectors of the passage a browser selected in ``text``.

    ``exact``, ``prefix`` and ``suffix`` are what the browser read around the selection;
    ``utf16_start`` is where it began, in UTF-16 code units. Raises ``AnnotatingError`` when
    those words are not in ``text``.
    """
    exact, prefix, suffix = normalise_quote(exact), prefix or "", suffix or ""
    if not exact:
        raise AnnotatingError("Select the words the note is about first.")
    hint = utf16_to_codepoints(text, utf16_start) if utf16_start is not None else None
    selector = Selector(exact, prefix, suffix)
    anchor = locate(text, selector, hint)
    if anchor.start is None or text[anchor.start : anchor.end] != exact:
        # The hint was wrong, or the passage lies beyond the window searched around it:
        # try each place the words stand, and keep the one whose context fits best.
        anchor = None
        found = text.find(exact)
        while found != -1:
            candidate = locate(text, selector, found)
            if (
                candidate.start is not None
                and text[candidate.start : candidate.end] == exact
                and (anchor is None or candidate.score > anchor.score)
            ):
                anchor = candidate
            found = text.find(exact, found + 1)
        if anchor is None:
            raise AnnotatingError(
                "These words are not in the saved text of the essay. If you changed the text, "
                "save the essay and reload this page, then select them again.",
                field="exact",
            )
    return selector_for(text, anchor.start, anchor.end)


def _passage_for(essay, revision, selection: dict) -> Selector:
    if selection.get("footnote"):
        raise AnnotatingError(_FOOTNOTE_MESSAGE, field="exact")
    try:
        return resolve_passage(
            revision.text,
            exact=selection.get("exact", ""),
            prefix=selection.get("prefix", ""),
            suffix=selection.get("suffix", ""),
            utf16_start=selection.get("start"),
        )
    except AnnotatingError as error:
        quote = normalise_quote(selection.get("exact", ""))
        if quote and quote in _footnote_text(essay):
            raise AnnotatingError(_FOOTNOTE_MESSAGE, field="exact") from error
        raise


_FOOTNOTE_MESSAGE = (
    "The selection reaches into the footnotes, which are not annotated. Select words of the "
    "essay's text; a note can cite the footnote's source under “cited sources”."
)


def _apply_selector(annotation, selector: Selector, revision) -> None:
    annotation.revision = revision
    annotation.exact, annotation.prefix, annotation.suffix = (
        selector.exact,
        selector.prefix,
        selector.suffix,
    )
    annotation.start, annotation.end = selector.start, selector.end
    annotation.anchoring = EXACT
    annotation.anchoring_score = 1.0


def _set_links(annotation, entities, references) -> None:
    if entities is not None:
        annotation.entities.set(entities)
    if references is not None:
        annotation.references.set(references)


@transaction.atomic
def annotate_passage(
    essay,
    selection: dict,
    *,
    motivation: str,
    body: str = "",
    entities=(),
    references=(),
    creator=None,
):
    """A new note on the passage ``selection`` names in the essay's latest revision.

    ``selection`` holds ``exact``, ``prefix``, ``suffix`` (the projection's text), ``start``
    (UTF-16 offset into the projection, optional) and ``footnote`` (true when the browser saw
    the selection reach into the footnotes).
    """
    from exhibit.models import Annotation

    revision = current_revision(essay)
    selector = _passage_for(essay, revision, selection)
    annotation = Annotation(essay=essay, motivation=motivation, body=body, creator=creator)
    _apply_selector(annotation, selector, revision)
    annotation.full_clean()
    annotation.save()
    _set_links(annotation, entities, references)
    return annotation


@transaction.atomic
def reattach_passage(annotation, selection: dict):
    """Point a text annotation (typically an orphan) at newly selected words of the latest
    revision; it is exact there again. The words it quoted before are kept for the record."""
    if not annotation.essay_id:
        raise AnnotatingError("Only a note on an essay passage can be re-attached to words.")
    revision = current_revision(annotation.essay)
    selector = _passage_for(annotation.essay, revision, selection)
    if selector.exact != annotation.exact:
        annotation.previous_exact = annotation.exact
    _apply_selector(annotation, selector, revision)
    annotation.save()
    return annotation


def _checked_region(annotation, xywh: str, polygon=None) -> None:
    annotation.xywh = (xywh or "").replace(" ", "")
    annotation.polygon = polygon
    try:
        annotation.clean_region()
    except ValidationError as error:
        messages = getattr(error, "message_dict", {"xywh": error.messages})
        field, texts = next(iter(messages.items()))
        raise AnnotatingError(" ".join(texts), field=field) from error


@transaction.atomic
def annotate_region(
    image, xywh: str, *, motivation: str, body: str = "", entities=(), references=(),
    creator=None,
):  # fmt: skip
    """A new note on the region ``xywh`` ("x,y,w,h" in pixels of the original) of ``image``."""
    from exhibit.models import Annotation

    annotation = Annotation(image=image, motivation=motivation, body=body, creator=creator)
    _checked_region(annotation, xywh)
    annotation.full_clean()
    annotation.save()
    _set_links(annotation, entities, references)
    return annotation


@transaction.atomic
def update_note(
    annotation, *, motivation=None, body=None, entities=None, references=None, xywh=None
):
    """Change what a note says, what it links to, and (for a region) where it is."""
    if motivation is not None:
        annotation.motivation = motivation
    if body is not None:
        annotation.body = body
    if xywh is not None:
        if not annotation.image_id:
            raise AnnotatingError("Only a note on an image has a region.", field="xywh")
        _checked_region(annotation, xywh, annotation.polygon)
    annotation.full_clean()
    annotation.save()
    _set_links(annotation, entities, references)
    return annotation


def confirm_match(annotation) -> bool:
    """Accept the passage a fuzzy re-anchoring found: the note is exact on it from now on.

    Its selectors already describe that passage in the latest revision (re-anchoring moved
    them); confirming records that a curator checked it. The match score and the passage it
    quoted before stay, for the record. Returns whether anything changed.
    """
    if annotation.anchoring != FUZZY or annotation.retired:
        return False
    annotation.anchoring = EXACT
    annotation.save(update_fields=["anchoring", "modified"])
    return True


def retire(annotation) -> bool:
    """Take a note off the site for good, keeping it for the record. Returns whether it changed."""
    if annotation.retired:
        return False
    annotation.retired = True
    annotation.save(update_fields=["retired", "modified"])
    return True
