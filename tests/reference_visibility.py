"""The visibility rules as they were written before visibility was stored: the reference.

Each public model's ``published()`` was a chain of correlated EXISTS subqueries, evaluated on
every read. They are kept here unchanged (but for one ``now`` shared by the whole chain) so the
tests can hold the stored ``visible_from`` (``exhibit.visibility``) against them.
"""

import datetime as dt

from django.db import connection, models
from django.utils import timezone

from exhibit.models import (
    Annotation,
    ArchivalReference,
    Block,
    Entity,
    Essay,
    Exhibit,
    Image,
    Repository,
    SearchPlacement,
    Section,
    Status,
)


def published_q(prefix="", now=None):
    """The visibility rule for one publishable object, reachable through ``prefix``."""
    now = now or timezone.now()
    return models.Q(**{f"{prefix}status": Status.PUBLISHED, f"{prefix}published_at__lte": now})


def exhibits(now):
    return Exhibit.objects.filter(published_q(now=now))


def sections(now):
    return Section.objects.filter(published_q(now=now), published_q("exhibit__", now))


def blocks(now):
    return Block.objects.filter(
        published_q("section__", now), published_q("section__exhibit__", now)
    )


def essays(now):
    return Essay.objects.filter(published_q(now=now)).filter(
        models.Exists(blocks(now).filter(essay=models.OuterRef("pk")))
    )


def images(now):
    image = models.OuterRef("pk")
    return Image.objects.filter(
        models.Exists(blocks(now).filter(image=image))
        | models.Exists(blocks(now).filter(gallery=image))
        | models.Exists(exhibits(now).filter(cover_image=image))
    )


def annotations(now):
    return (
        Annotation.objects.filter(retired=False)
        .exclude(anchoring=Annotation.Anchoring.ORPHANED)
        .filter(
            models.Exists(essays(now).filter(pk=models.OuterRef("essay_id")))
            | models.Exists(images(now).filter(pk=models.OuterRef("image_id")))
        )
    )


def entities(now):
    entity = models.OuterRef("pk")
    return Entity.objects.filter(
        models.Exists(blocks(now).filter(entities=entity))
        | models.Exists(images(now).filter(entities=entity))
        | models.Exists(annotations(now).filter(entities=entity))
    )


def references(now):
    reference = models.OuterRef("pk")
    return ArchivalReference.objects.filter(
        models.Exists(images(now).filter(archival_reference=reference))
        | models.Exists(blocks(now).filter(quote_reference=reference))
        | models.Exists(annotations(now).filter(references=reference))
        | models.Exists(essays(now).filter(references=reference))
    )


def repositories(now):
    return Repository.objects.filter(
        models.Exists(references(now).filter(repository=models.OuterRef("pk")))
    )


def placements(now):
    return SearchPlacement.objects.filter(
        models.Q(section=None) & published_q("exhibit__", now)
        | published_q("section__", now) & published_q("section__exhibit__", now)
    )


RULES = {
    Exhibit: exhibits,
    Section: sections,
    Block: blocks,
    Essay: essays,
    Image: images,
    Annotation: annotations,
    Entity: entities,
    ArchivalReference: references,
    Repository: repositories,
}


def reference_published(model, now=None):
    """What the former ``model.objects.published()`` selected at ``now``."""
    return RULES[model](now or timezone.now())


def mismatches(now=None):
    """``{model name: (only stored, only reference)}`` for every model where the stored
    visibility and the reference disagree at ``now``; empty when they agree."""
    now = now or timezone.now()
    wrong = {}
    for model, rule in RULES.items():
        stored = set(model.objects.filter(visible_from__lte=now).values_list("pk", flat=True))
        reference = set(rule(now).values_list("pk", flat=True))
        if stored != reference:
            wrong[model.__name__] = (stored - reference, reference - stored)
    return wrong


_SENTINEL = dt.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
_compiled = {}


def reference_pks(model, now):
    """The primary keys ``reference_published(model, now)`` selects, without building its SQL
    again: the nested rules cost far more to compile than to run, and the property test asks
    for them thousands of times. The SQL is compiled once with a stand-in time."""
    key = (connection.alias, connection.vendor, model)
    if key not in _compiled:
        rule = RULES.get(model, placements)
        query = rule(_SENTINEL).values_list("pk", flat=True).order_by().query
        sql, params = query.get_compiler(connection=connection).as_sql()
        stand_ins = {_SENTINEL, connection.ops.adapt_datetimefield_value(_SENTINEL)}
        _compiled[key] = (sql, [None if p in stand_ins else p for p in params], params)
    sql, template, original = _compiled[key]
    adapted = now if connection.vendor == "postgresql" else None
    if adapted is None:
        adapted = connection.ops.adapt_datetimefield_value(now)
    params = [
        adapted if t is None and o is not None else t
        for t, o in zip(template, original, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
