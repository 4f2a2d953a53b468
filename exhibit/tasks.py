"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django_tasks import task


@task()
def process_image(image_id: int, force: bool = False) -> str:
    """Make one image's derivatives and IIIF tiles; return the resulting processing state."""
    from exhibit.models import Image
    from exhibit.services.imaging import process_image as build

    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return "missing"
    build(image, force=force)
    return image.processing_state


@task()
def reindex_search(items: list) -> int:
    """Index again the objects ``items`` (``[model label, pk]`` pairs): the part of a large
    re-indexing (an entity renamed that hundreds of notes name) left out of the request."""
    from exhibit.services.search import reindex

    return reindex([(label, pk) for label, pk in items])
