"""Upkeep of the A–Z indexes' lines (``IndexName``): each entity's rows follow the entity.

An entity's lines are rewritten when it is saved (any save: admin, import, shell; raw saves
too, so ``import_site`` and ``loaddata`` leave them right), when ``Entity.objects...update()``
changes a name or kind, and on ``bulk_create()``; they go with it when it is deleted (the
foreign key cascades). ``rebuild_all()`` rewrites every line, for data changed outside
Django; the migration that created the table ran it once. Visibility is not copied here: a
page joins to ``Entity.objects.published()``, so scheduling and unpublishing need no upkeep.
"""

from django.db import transaction
from django.db.models.signals import post_save

from exhibit.collation import initial, sort_name
from exhibit.models.base import queryset_created, queryset_updating
from exhibit.services.places import index_entries

SORT_KEY_LENGTH = 1024


def lines_for(entity, model):
    return [
        model(
            entity_id=entity.pk,
            kind=entity.kind,
            name=name[:255],
            sort_key=sort_name(name)[:SORT_KEY_LENGTH],
            letter=initial(name),
            see=see,
        )
        for name, see in index_entries(entity)
    ]


def refresh(entity, using=None):
    """Rewrite ``entity``'s index lines."""
    from exhibit.models import IndexName

    with transaction.atomic(using=using):
        IndexName.objects.using(using).filter(entity_id=entity.pk).delete()
        IndexName.objects.using(using).bulk_create(lines_for(entity, IndexName))


def rebuild_all(entity_model=None, index_model=None, using="default", batch=1000):
    """Rewrite every entity's index lines (the models may be a migration's historical ones)."""
    from exhibit.models import Entity, IndexName

    entity_model, index_model = entity_model or Entity, index_model or IndexName
    with transaction.atomic(using=using):
        index_model.objects.using(using).all().delete()
        rows = []
        fields = ("kind", "name", "sort_name", "alternative_names")
        for entity in entity_model.objects.using(using).only(*fields).iterator():
            if not hasattr(entity, "index_name"):  # a historical model has no properties
                entity.index_name = entity.sort_name or entity.name
                entity.alternative_names_list = [
                    line.strip() for line in entity.alternative_names.splitlines() if line.strip()
                ]
            rows += lines_for(entity, index_model)
            if len(rows) >= batch:
                index_model.objects.using(using).bulk_create(rows)
                rows = []
        index_model.objects.using(using).bulk_create(rows)


def entity_saved(sender, instance, using=None, **kwargs):
    refresh(instance, using=using)


# What an entity's index lines are made of.
FIELDS = {"kind", "name", "sort_name", "alternative_names"}


def refresh_many(pks, using=None):
    from exhibit.models import Entity, IndexName

    entities = list(Entity.objects.using(using).filter(pk__in=pks))
    with transaction.atomic(using=using):
        IndexName.objects.using(using).filter(entity_id__in=pks).delete()
        rows = [line for entity in entities for line in lines_for(entity, IndexName)]
        IndexName.objects.using(using).bulk_create(rows)


def entities_updating(sender, queryset, fields, **kwargs):
    """``Entity.objects...update()`` of a name or kind: rewrite those entities' lines after."""
    if not fields & FIELDS:
        return None
    pks = set(queryset.values_list("pk", flat=True))
    return lambda: refresh_many(pks, using=queryset.db)


def entities_created(sender, objs, **kwargs):
    refresh_many([obj.pk for obj in objs if obj.pk is not None])


def connect():
    from exhibit.models import Entity

    post_save.connect(entity_saved, sender=Entity, dispatch_uid="index-names")
    queryset_updating.connect(entities_updating, sender=Entity, dispatch_uid="index-names")
    queryset_created.connect(entities_created, sender=Entity, dispatch_uid="index-names")
