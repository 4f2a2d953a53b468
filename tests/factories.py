"""Small builders for the objects tests need often. Each takes overrides as keywords."""

import datetime as dt
import io
import itertools

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from exhibit.models import (
    ArchivalReference,
    Block,
    Contributor,
    Entity,
    Essay,
    EssayAuthor,
    Exhibit,
    GalleryItem,
    Image,
    Repository,
    Section,
    Status,
)

_counter = itertools.count(1)
PAST = timezone.make_aware(dt.datetime(2025, 1, 1, 12, 0))


def image_bytes(size=(640, 480), fmt="JPEG", color=(120, 100, 80)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def make_repository(**kwargs):
    defaults = {
        "abbreviation": "GALO",
        "name": "State Archive of Lipetsk Oblast",
        "name_original": "Государственный архив Липецкой области",
        "place": "Lipetsk",
    }
    defaults.update(kwargs)
    repository, _ = Repository.objects.get_or_create(
        abbreviation=defaults.pop("abbreviation"), defaults=defaults
    )
    return repository


def make_reference(**kwargs):
    kwargs.setdefault("repository", make_repository())
    kwargs.setdefault("fond", "2176")
    kwargs.setdefault("opis", "1")
    kwargs.setdefault("delo", "1")
    return ArchivalReference.objects.create(**kwargs)


def make_image(**kwargs):
    n = next(_counter)
    color = kwargs.pop("color", (n * 37 % 255, n * 11 % 255, n * 5 % 255))
    kwargs.setdefault("title", f"Photograph {n}")
    kwargs.setdefault("slug", f"photograph-{n}")
    kwargs.setdefault("alt_text", f"A test photograph number {n}")
    kwargs.setdefault("caption", "German pilots on their way to the Lipetsk aerodrome.")
    kwargs.setdefault("original", ContentFile(image_bytes(color=color), name=f"photo-{n}.jpg"))
    entities = kwargs.pop("entities", [])
    image = Image.objects.create(**kwargs)
    image.entities.set(entities)
    return image


def make_entity(**kwargs):
    n = next(_counter)
    kwargs.setdefault("kind", Entity.Kind.PLACE)
    kwargs.setdefault("name", f"Lipetsk {n}")
    kwargs.setdefault("slug", f"lipetsk-{n}")
    if kwargs["kind"] == Entity.Kind.PLACE:
        kwargs.setdefault("latitude", "52.6031")
        kwargs.setdefault("longitude", "39.5708")
    return Entity.objects.create(**kwargs)


def make_exhibit(**kwargs):
    n = next(_counter)
    kwargs.setdefault("title", f"Exhibit {n}")
    kwargs.setdefault("slug", f"exhibit-{n}")
    kwargs.setdefault("summary", "Secret cooperation between two armies, 1922–1933.")
    kwargs.setdefault("status", Status.PUBLISHED)
    if kwargs["status"] == Status.PUBLISHED:
        kwargs.setdefault("published_at", PAST)
    return Exhibit.objects.create(**kwargs)


def make_section(exhibit, **kwargs):
    n = next(_counter)
    kwargs.setdefault("title", f"Section {n}")
    kwargs.setdefault("slug", f"section-{n}")
    kwargs.setdefault("order", n)
    kwargs.setdefault("status", Status.PUBLISHED)
    if kwargs["status"] == Status.PUBLISHED:
        kwargs.setdefault("published_at", PAST)
    return Section.objects.create(exhibit=exhibit, **kwargs)


def make_essay(**kwargs):
    n = next(_counter)
    authors = kwargs.pop("authors", None)
    kwargs.setdefault("title", f"Essay {n}")
    kwargs.setdefault("slug", f"essay-{n}")
    kwargs.setdefault("body", "## Lipetsk\n\nThe school opened in 1925.[^1]\n\n[^1]: GALO.")
    kwargs.setdefault("status", Status.PUBLISHED)
    if kwargs["status"] == Status.PUBLISHED:
        kwargs.setdefault("published_at", PAST)
    essay = Essay.objects.create(**kwargs)
    if authors is None:
        authors = [Contributor.objects.create(name=f"Anna Author {n}", slug=f"author-{n}")]
    for order, author in enumerate(authors):
        EssayAuthor.objects.create(essay=essay, contributor=author, order=order)
    return essay


def make_block(section, **kwargs):
    entities = kwargs.pop("entities", [])
    gallery = kwargs.pop("gallery", [])
    kwargs.setdefault("kind", Block.Kind.TEXT)
    if kwargs["kind"] == Block.Kind.TEXT:
        kwargs.setdefault("text", "Some *text* about the Kama tank school.")
    block = Block.objects.create(section=section, **kwargs)
    block.entities.set(entities)
    for order, image in enumerate(gallery):
        GalleryItem.objects.create(block=block, image=image, order=order)
    return block


def make_full_exhibit(scale=1, **kwargs):
    """A published exhibit with every kind of block; ``scale`` multiplies its content."""
    exhibit = make_exhibit(cover_image=make_image(), **kwargs)
    exhibit.curators.add(
        Contributor.objects.create(name=f"Curator {exhibit.pk}", slug=f"cur-{exhibit.pk}")
    )
    reference = make_reference()
    for _ in range(2 * scale):
        section = make_section(exhibit)
        for _ in range(scale):
            place = make_entity()
            person = make_entity(kind=Entity.Kind.PERSON, latitude=None, longitude=None)
            make_block(section, entities=[place])
            make_block(
                section,
                kind=Block.Kind.IMAGE,
                image=make_image(archival_reference=reference, entities=[person]),
            )
            make_block(section, kind=Block.Kind.GALLERY, gallery=[make_image(), make_image()])
            make_block(
                section,
                kind=Block.Kind.QUOTATION,
                quote="We must learn from them.",
                quote_attribution="A Red Army officer",
                quote_reference=reference,
            )
            make_block(section, kind=Block.Kind.ESSAY, essay=make_essay())
            make_block(section, kind=Block.Kind.ENTITIES, entities=[place, person])
    return exhibit


def make_user(username, group=None, **kwargs):
    kwargs.setdefault("is_staff", True)
    user = User.objects.create_user(username=username, password="a-Long-pass-phrase-1", **kwargs)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user
