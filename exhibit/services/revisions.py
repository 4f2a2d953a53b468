"""Essay revisions, and carrying annotations from one revision to the next."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import OuterRef, Subquery

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
    stamp_public_revisions([essay.pk])  # public at once if the essay already is
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


def stamp_public_revisions(essay_pks=None) -> None:
    """Keep ``EssayRevision.public_from`` in step with the essays' stored visibility.

    A revision is public from the moment its essay's ``visible_from`` passes while it is the
    essay's current text (the latest revision, matching the saved body). That moment may lie
    ahead (a scheduled publish): the revision text view compares it with now, so no cron is
    needed. A stamp still ahead of now belongs to a text nobody has read yet: it is cleared
    whenever the essay's moment or current text changes, so a draft superseded (or an essay
    unpublished) before its scheduled time never becomes public. Stamps already passed are
    kept: those texts were public. ``essay_pks`` None: every essay (after ``recompute_all``).
    """
    from django.utils import timezone

    from exhibit.models import Essay, EssayRevision

    now = timezone.now()
    essays = Essay.objects.all() if essay_pks is None else Essay.objects.filter(pk__in=essay_pks)
    rows = list(essays.values_list("pk", "visible_from", "body"))
    if not rows:
        return
    pks = [pk for pk, _, _ in rows]
    newest = (
        EssayRevision.objects.filter(essay_id=OuterRef("essay_id"))
        .order_by("-number")
        .values("number")[:1]
    )
    latest = {
        revision.essay_id: revision
        for revision in EssayRevision.objects.filter(
            essay_id__in=pks, number=Subquery(newest)
        ).only("pk", "essay_id", "body", "created", "public_from")
    }
    current = {}
    for pk, moment, body in rows:
        revision = latest.get(pk)
        if revision is not None and revision.body == body:
            current[pk] = (revision, moment)
    # Stamps not yet passed, on anything but a current revision that keeps its moment.
    future = EssayRevision.objects.filter(essay_id__in=pks, public_from__gt=now)
    keep = [
        revision.pk
        for revision, moment in current.values()
        if moment is not None and revision.public_from == max(moment, revision.created or moment)
    ]
    future.exclude(pk__in=keep).update(public_from=None)
    for revision, moment in current.values():
        if moment is None:
            continue
        stamp = max(moment, revision.created) if revision.created else moment
        passed = revision.public_from is not None and revision.public_from <= now
        if not passed and revision.public_from != stamp:
            EssayRevision.objects.filter(pk=revision.pk).update(public_from=stamp)
