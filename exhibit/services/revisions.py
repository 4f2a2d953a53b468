"""Essay revisions, and carrying annotations from one revision to the next."""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from exhibit.services.anchoring import ORPHANED, Selector, reanchor, selector_for
from exhibit.services.projection import plain_text


@transaction.atomic
def record_revision(essay, user=None):
    """Save the essay's current text as a new revision if it changed, re-anchoring its notes.

    Returns ``(revision, counts)``: the revision annotations now point at, and how many
    annotations ended in each anchoring state (empty when the text did not change).
    """
    from exhibit.models import EssayRevision

    latest = essay.revisions.order_by("-number").first()
    if latest is not None and latest.body == essay.body:
        return latest, Counter()
    revision = EssayRevision.objects.create(
        essay=essay,
        number=latest.number + 1 if latest else 1,
        body=essay.body,
        text=plain_text(essay.body_html),
        created_by=user,
    )
    counts = Counter()
    if latest is not None:
        counts = reanchor_annotations(essay, latest.text, revision)
    return revision, counts


def reanchor_annotations(essay, old_text: str, revision) -> Counter:
    """Move every live text annotation of ``essay`` from ``old_text`` to ``revision``."""
    annotations = list(essay.annotations.filter(retired=False).exclude(anchoring=ORPHANED))
    selectors = [Selector(a.exact, a.prefix, a.suffix, a.start, a.end) for a in annotations]
    anchors = reanchor(old_text, revision.text, selectors)
    counts = Counter()
    for annotation, anchor in zip(annotations, anchors, strict=True):
        counts[anchor.state] += 1
        annotation.anchoring = anchor.state
        annotation.anchoring_score = anchor.score
        if anchor.state == ORPHANED:
            # Keep the old selectors and revision: they say what the note was about.
            annotation.previous_exact = annotation.exact
        else:
            new = selector_for(revision.text, anchor.start, anchor.end)
            if new.exact != annotation.exact:
                annotation.previous_exact = annotation.exact
            annotation.exact, annotation.prefix, annotation.suffix = (
                new.exact,
                new.prefix,
                new.suffix,
            )
            annotation.start, annotation.end = new.start, new.end
            annotation.revision = revision
        annotation.save(
            update_fields=[
                "anchoring", "anchoring_score", "previous_exact", "exact", "prefix", "suffix",
                "start", "end", "revision", "modified", "version",
            ]
        )  # fmt: skip
    return counts


def reattach_orphans(essay, revision) -> Counter:
    """Try each orphaned note of ``essay`` again, from the text it was anchored in to ``revision``.

    Re-anchoring leaves an orphaned note's selectors as they were, in the revision it fitted.
    When that passage comes back (a curator restores an earlier version of the essay), the
    same rules as any re-anchoring carry it over; what still cannot be found stays orphaned.
    """
    orphans = list(
        essay.annotations.filter(retired=False, anchoring=ORPHANED, revision__isnull=False)
        .exclude(revision=revision)
        .select_related("revision")
    )
    counts = Counter()
    for annotation in orphans:
        selector = Selector(
            annotation.exact, annotation.prefix, annotation.suffix, annotation.start, annotation.end
        )
        (anchor,) = reanchor(annotation.revision.text, revision.text, [selector])
        if anchor.state == ORPHANED:
            counts[ORPHANED] += 1
            continue
        counts[anchor.state] += 1
        new = selector_for(revision.text, anchor.start, anchor.end)
        annotation.exact, annotation.prefix, annotation.suffix = new.exact, new.prefix, new.suffix
        annotation.start, annotation.end = new.start, new.end
        annotation.anchoring, annotation.anchoring_score = anchor.state, anchor.score
        annotation.revision = revision
        annotation.save(
            update_fields=[
                "anchoring", "anchoring_score", "exact", "prefix", "suffix", "start", "end",
                "revision", "modified", "version",
            ]
        )  # fmt: skip
    return counts
