"""W3C Web Annotation JSON-LD for published annotations, built as plain dicts.

The views serve it (``exhibit.views.annotations``); the IIIF manifests embed the region
annotations' bodies and targets (``exhibit.services.manifests.commentary_pages``). Every URL is
absolute: callers pass ``absolute``, which turns a site path into an absolute URL.

What an annotation says (STANDARDS.md §1), with only terms of ``anno.jsonld``:

- ``motivation`` is the curator's, one of the W3C motivations; ``created``/``modified`` are
  xsd:dateTime in UTC with ``Z``; ``generator`` is this site; ``creator`` is the curator as a
  Person with a name (full name, else username) and no ``id`` or e-mail: curators have no
  public page, and an id we might have to change later would break ``canonical`` copies.
- ``body`` is a list:

  - the note: a TextualBody (HTML, English) whose ``purpose`` follows the motivation
    (``NOTE_PURPOSE``);
  - each linked entity: a SpecificResource whose ``source`` is the entity's public page on
    this site (which carries its Wikidata, VIAF and GeoNames links); an entity without a
    public page falls back to its Wikidata, VIAF or GeoNames IRI, and one without any is left
    out. Its ``purpose`` is ``identifying`` or ``linking`` when that is the annotation's
    motivation, else ``tagging`` (a semantic tag: the passage is about this entity). There is
    no ``sameAs`` in the context, so the page is the one IRI we give;
  - each cited archival source: a TextualBody in plain text with the conventional citation
    (``GALO, f. 2176, op. 1, d. 1``, then title and date), purpose ``linking``: archival
    documents have no IRI of their own to link.

- ``target`` of a passage: a SpecificResource on the essay's public page, with a TimeState
  (``sourceDate`` = when the revision was saved, ``cached`` = that revision's plain text at
  ``/essays/<slug>/revisions/<n>.txt``) and two alternative selectors over that text: a
  TextQuoteSelector and a TextPositionSelector counting code points. Positions are over the
  plain-text projection (``exhibit.services.projection``), not the page's HTML, which is why
  the cached text is given: ``text[start:end] == exact`` holds there.
- ``target`` of an image region: a SpecificResource on the Canvas of the image's own IIIF
  manifest, with a FragmentSelector (``xywh=`` in pixels of the original) and an SvgSelector
  holding one ``<path>`` (Mirador draws paths but not polygons), ``scope`` = the image page.

Collections (one per essay, one per image) are Annotation Protocol containers: an
AnnotationCollection that is also an LDP BasicContainer, paged in ``PAGE_SIZE`` AnnotationPages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from exhibit.models import Annotation, Entity
from exhibit.services.audit import SCRIPT_USERNAME

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
PAGE_SIZE = 100
NOTE_LANGUAGE = "en"  # notes are written in English; the model has no language of its own

# The purpose of the note's TextualBody for each motivation. A note beside an identification
# describes what is identified; beside a tag or a link it is a comment on the passage.
NOTE_PURPOSE = {
    Annotation.Motivation.COMMENTING: "commenting",
    Annotation.Motivation.DESCRIBING: "describing",
    Annotation.Motivation.QUESTIONING: "questioning",
    Annotation.Motivation.IDENTIFYING: "describing",
    Annotation.Motivation.TAGGING: "commenting",
    Annotation.Motivation.LINKING: "commenting",
}
# The purpose of a linked entity's body: the motivation where that is about entities.
ENTITY_PURPOSE = {
    Annotation.Motivation.IDENTIFYING: "identifying",
    Annotation.Motivation.LINKING: "linking",
}

# Parts of the related rows a serialisation never reads: an essay's text and an essay
# revision's would otherwise be fetched once per annotation.
_UNUSED = ("essay__body", "essay__body_html", "essay__headings", "revision__body", "revision__text")


Absolute = Callable[[str], str]


# Queries ------------------------------------------------------------------------------------


def published_annotations():
    """Visible annotations with everything a serialisation reads: four queries per list
    (annotations with essay, image, creator and revision; entities; references; repositories),
    plus ``public_entity_ids()``."""
    return Annotation.objects.published().with_related().select_related("revision").defer(*_UNUSED)


def public_entity_ids(annotations: Iterable[Annotation]) -> set[int]:
    """Which of the annotations' linked entities have a public page (one query, or none)."""
    linked = {entity.pk for annotation in annotations for entity in annotation.entities.all()}
    if not linked:
        return set()
    return set(Entity.objects.published().filter(pk__in=linked).values_list("pk", flat=True))


# Small shapes -------------------------------------------------------------------------------


def xsd_datetime(value: dt.datetime) -> str:
    """xsd:dateTime in UTC with ``Z``, to the second, as the model asks for timestamps."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generator(absolute: Absolute) -> dict:
    root = absolute("/")
    return {"type": "Software", "name": settings.SITE_NAME, "homepage": root}


def creator(user) -> dict | None:
    """The curator as a Person with a name, never an e-mail address; None for scripts."""
    if user is None or user.username == SCRIPT_USERNAME:
        return None
    name = user.get_full_name().strip() or user.username
    if "@" in name:  # a username that is an e-mail address stays private
        return None
    return {"type": "Person", "name": name}


def textual_body(annotation: Annotation) -> dict | None:
    """The note as a TextualBody with exactly one value, or None when there is no note."""
    html = (annotation.body_html or "").strip()
    if not html:
        return None
    return {
        "type": "TextualBody",
        "purpose": NOTE_PURPOSE.get(annotation.motivation, "commenting"),
        "value": html,
        "format": "text/html",
        "language": NOTE_LANGUAGE,
    }


def authority_iri(entity: Entity) -> str | None:
    """The entity's first authority identifier as an IRI for the thing itself."""
    if entity.wikidata:
        return f"http://www.wikidata.org/entity/{entity.wikidata}"
    if entity.viaf:
        return f"http://viaf.org/viaf/{entity.viaf}"
    if entity.geonames:
        return f"https://sws.geonames.org/{entity.geonames}/"
    return None


def entity_bodies(annotation: Annotation, absolute: Absolute, public: set[int]) -> list[dict]:
    purpose = ENTITY_PURPOSE.get(annotation.motivation, "tagging")
    bodies = []
    for entity in annotation.entities.all():
        if entity.pk in public:
            source = absolute(entity.get_absolute_url())
        else:
            source = authority_iri(entity)
        if source:
            bodies.append({"type": "SpecificResource", "purpose": purpose, "source": source})
    return bodies


def citation(reference) -> str:
    parts = [reference.short_citation, reference.title, reference.date_display]
    return ", ".join(part for part in parts if part)


def reference_bodies(annotation: Annotation) -> list[dict]:
    return [
        {
            "type": "TextualBody",
            "purpose": "linking",
            "value": citation(reference),
            "format": "text/plain",
        }
        for reference in annotation.references.all()
    ]


def _number(value) -> str:
    """An SVG coordinate: integers as they are, other numbers to two decimals."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _outline(annotation: Annotation) -> list[tuple] | None:
    """The curator's outline if it is a usable polygon, else None."""
    points = annotation.polygon
    if not isinstance(points, list) or len(points) < 3:
        return None
    for point in points:
        if not (
            isinstance(point, list | tuple)
            and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ):
            return None
    return [tuple(point) for point in points]


def svg_path(annotation: Annotation) -> str | None:
    """The region as one SVG ``<path>``: the outline if there is one, else the rectangle.

    Absolute moves and lines only, closed, no style and no script (STANDARDS.md §1, §3).
    """
    points = _outline(annotation)
    if points is None:
        region = annotation.region
        if region is None:
            return None
        x, y, w, h = region
        points = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    moves = " ".join(
        f"{'M' if index == 0 else 'L'}{_number(px)},{_number(py)}"
        for index, (px, py) in enumerate(points)
    )
    return f'<svg xmlns="{SVG_NAMESPACE}"><path d="{moves} Z"/></svg>'


def region_selectors(annotation: Annotation) -> list[dict]:
    """FragmentSelector ``xywh=`` and its SvgSelector, alternatives for the same region."""
    region = annotation.region
    if region is None:
        return []
    selectors = [
        {
            "type": "FragmentSelector",
            "conformsTo": MEDIA_FRAGMENTS,
            "value": "xywh={},{},{},{}".format(*region),
        }
    ]
    path = svg_path(annotation)
    if path:
        selectors.append({"type": "SvgSelector", "value": path})
    return selectors


def region_target(annotation: Annotation, canvas_id: str) -> dict:
    """A SpecificResource on ``canvas_id`` selecting the region (the whole Canvas if none)."""
    target = {"type": "SpecificResource", "source": canvas_id}
    selectors = region_selectors(annotation)
    if selectors:
        target["selector"] = selectors
    return target


def revision_text_url(essay_slug: str, number: int) -> str:
    return reverse("exhibit:essay_revision_text", kwargs={"slug": essay_slug, "number": number})


def passage_target(annotation: Annotation, absolute: Absolute) -> dict:
    essay = annotation.essay
    target = {"type": "SpecificResource", "source": absolute(essay.get_absolute_url())}
    revision = annotation.revision
    if revision is not None:
        target["state"] = {
            "type": "TimeState",
            "sourceDate": xsd_datetime(revision.created),
            "cached": absolute(revision_text_url(essay.slug, revision.number)),
        }
    selectors = [
        {
            "type": "TextQuoteSelector",
            "exact": annotation.exact,
            "prefix": annotation.prefix,
            "suffix": annotation.suffix,
        }
    ]
    if revision is not None and annotation.start is not None and annotation.end is not None:
        selectors.append(
            {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end}
        )
    target["selector"] = selectors
    return target


def image_target(annotation: Annotation, absolute: Absolute) -> dict:
    from exhibit.services.manifests import image_canvas_id, image_manifest_id

    image = annotation.image
    canvas_id = image_canvas_id(image_manifest_id(image.slug, absolute))
    target = region_target(annotation, canvas_id)
    target["scope"] = absolute(image.get_absolute_url())
    return target


# An annotation ------------------------------------------------------------------------------


def annotation_json(
    annotation: Annotation, absolute: Absolute, public: set[int], *, context: bool = True
) -> dict:
    """The W3C JSON-LD of one annotation from ``published_annotations()``.

    ``public`` is ``public_entity_ids()`` of the annotations serialised together. An
    annotation embedded in a page leaves out ``@context`` (``context=False``).
    """
    data = {"@context": ANNO_CONTEXT} if context else {}
    data.update(
        id=absolute(annotation.get_absolute_url()),
        type="Annotation",
        motivation=annotation.motivation,
    )
    agent = creator(annotation.creator)
    if agent:
        data["creator"] = agent
    data["created"] = xsd_datetime(annotation.created)
    data["modified"] = xsd_datetime(annotation.modified)
    data["generator"] = generator(absolute)
    note = textual_body(annotation)
    bodies = ([note] if note else []) + entity_bodies(annotation, absolute, public)
    bodies += reference_bodies(annotation)
    if bodies:
        data["body"] = bodies
    if annotation.essay_id:
        data["target"] = passage_target(annotation, absolute)
    else:
        data["target"] = image_target(annotation, absolute)
    return data


# Collections and pages ----------------------------------------------------------------------


INCLUDE_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
INCLUDE_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
MINIMAL_CONTAINER = "http://www.w3.org/ns/ldp#PreferMinimalContainer"


@dataclass(frozen=True)
class Container:
    """One annotation container: its public path, label and the annotations in it.

    ``iris`` selects the representation whose pages list annotation IRIs instead of
    embedding the annotations (``?iris=1``, the Protocol's recommended query parameter).
    """

    path: str
    label: str
    annotations: QuerySet  # from published_annotations(), in the container's order
    iris: bool = False

    def url(self, absolute: Absolute, page: int | None = None) -> str:
        query = {}
        if self.iris:
            query["iris"] = 1
        if page is not None:
            query["page"] = page
        return absolute(self.path) + (f"?{urlencode(query)}" if query else "")

    @staticmethod
    def last_page(total: int) -> int:
        return max(0, (total - 1) // PAGE_SIZE)


def essay_container(essay, *, iris: bool = False) -> Container:
    return Container(
        path=reverse("exhibit:essay_annotations", kwargs={"slug": essay.slug}),
        label=f"Annotations on “{essay.title}”",
        annotations=published_annotations().filter(essay=essay).order_by("start", "end", "pk"),
        iris=iris,
    )


def image_container(image, *, iris: bool = False) -> Container:
    return Container(
        path=reverse("exhibit:image_annotations", kwargs={"slug": image.slug}),
        label=f"Annotations on “{image.title}”",
        annotations=published_annotations().filter(image=image).order_by("pk"),
        iris=iris,
    )


def _page_items(container: Container, absolute: Absolute, page: int) -> list:
    window = slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)
    if container.iris:
        uuids = container.annotations.values_list("uuid", flat=True)[window]
        return [absolute(reverse("exhibit:annotation_detail", kwargs={"uuid": u})) for u in uuids]
    annotations = list(container.annotations[window])
    public = public_entity_ids(annotations)
    return [annotation_json(a, absolute, public, context=False) for a in annotations]


def page_json(
    container: Container, absolute: Absolute, page: int, total: int, *, embedded: bool = False
) -> dict | None:
    """AnnotationPage ``page`` (0-based), or None if there is no such page.

    Embedded in its collection it has no ``@context`` and names its collection by IRI; alone
    it has the context and describes the collection briefly (id, type, label, total).
    """
    last = container.last_page(total)
    if total == 0 or not 0 <= page <= last:
        return None
    data = {} if embedded else {"@context": ANNO_CONTEXT}
    data.update(id=container.url(absolute, page), type="AnnotationPage")
    if embedded:
        data["partOf"] = container.url(absolute)
    else:
        data["partOf"] = {
            "id": container.url(absolute),
            "type": "AnnotationCollection",
            "label": container.label,
            "total": total,
        }
    data["startIndex"] = page * PAGE_SIZE
    if page > 0:
        data["prev"] = container.url(absolute, page - 1)
    if page < last:
        data["next"] = container.url(absolute, page + 1)
    data["items"] = _page_items(container, absolute, page)
    return data


def collection_json(container: Container, absolute: Absolute, total: int, *, minimal=False):
    """The container: an LDP BasicContainer and AnnotationCollection.

    With annotations, the first page is embedded (the Protocol's default) or, for a client
    that prefers a minimal container, linked; ``last`` is always linked.
    """
    data = {
        # The Protocol's container shape: both contexts, both types (LDP's defines the one
        # term, BasicContainer, that anno.jsonld lacks).
        "@context": [ANNO_CONTEXT, LDP_CONTEXT],
        "id": container.url(absolute),
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": container.label,
        "total": total,
    }
    if total:
        if minimal:
            data["first"] = container.url(absolute, 0)
        else:
            data["first"] = page_json(container, absolute, 0, total, embedded=True)
        data["last"] = container.url(absolute, container.last_page(total))
    return data


def parse_prefer(header: str) -> set[str]:
    """The IRIs a ``Prefer: return=representation; include="…"`` header asks to include."""
    included = set()
    for preference in header.split(","):
        parts = [part.strip() for part in preference.split(";")]
        if not parts or parts[0].replace(" ", "") != "return=representation":
            continue
        for part in parts[1:]:
            name, _, value = part.partition("=")
            if name.strip() == "include":
                included.update(value.strip().strip('"').split())
    return included


def published_essay_revision(slug: str, number: int):
    """A revision of a published essay whose text visitors have been able to read, or None.

    ``public_from`` is stamped when the essay's visibility moment passes while the revision is
    current (``services.revisions.stamp_public_revisions``): drafts saved while the essay was
    not public, or superseded before a scheduled publication, have none. One query.
    """
    from django.utils import timezone

    from exhibit.models import Essay, EssayRevision

    return (
        EssayRevision.objects.filter(
            essay__in=Essay.objects.published(),
            essay__slug=slug,
            number=number,
            public_from__lte=timezone.now(),
        )
        .defer("body")
        .first()
    )
