"""Every endpoint family answers as the reference rule says, over random sequences of edits.

The state machine of ``tests/models/test_visibility_property.py`` (publish, schedule, move,
link, delete, restore, ``queryset.update()``, with the clock moving), plus essay edits, review
links and image files; after every step each family is asked for every object and must answer
200 exactly when the former nested rule (``tests.reference_visibility``) says the object is
public: pages, the sitemap, the feed, IIIF ``info.json``, tiles and manifests, annotations and
their containers, revision texts, renditions, originals, review pages (with their renditions)
and search.

Search is asked as its page asks it (``search.search``), once its index has been written (it
is written at commit, which a test never reaches): for each kind, the words every object of
that kind carries in its name, and every public object must be found, and nothing else.
The page cache and the IIIF visibility cache are cleared before each check (they are checked by
their own tests; here they would only hide what the views decide).

``ENDPOINT_EXAMPLES`` (default 4) and ``ENDPOINT_STEPS`` (default 8) size the run; raise them
for a deep local run. Kept small for CI: every check makes about a hundred requests.
"""

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from exhibit.models import (
    Annotation,
    Block,
    Entity,
    Essay,
    EssayRevision,
    Exhibit,
    Image,
    Repository,
    ReviewLink,
    Rights,
    Section,
    Status,
)
from exhibit.services import search as search_service
from exhibit.services.imaging import tile_dir
from exhibit.storage import rendition_name
from tests import reference_visibility as reference
from tests.models.test_visibility_property import FAR, VisibilityMachine, _pick, picks

EXAMPLES = int(os.environ.get("ENDPOINT_EXAMPLES", "4"))
STEPS = int(os.environ.get("ENDPOINT_STEPS", "8"))
WIDTH, HEIGHT = 40, 30
TILE = f"full/{WIDTH},{HEIGHT}/0/default.jpg"
LOC = re.compile(r"<loc>([^<]+)</loc>")
ATOM_LINK = re.compile(r'<link href="([^"]+)" rel="alternate"')


def _ok(response):
    return response.status_code == 200


def _path(url):
    return re.sub(r"^https?://[^/]+", "", url)


def _give_files(image):
    """Renditions, tiles and a downloadable original for ``image``, written directly (the
    image pipeline is tested elsewhere; here only who may fetch them matters)."""
    checksum = hashlib.sha256(image.slug.encode()).hexdigest()
    media = Path(django_settings.MEDIA_ROOT)
    for extension in ("jpg", "webp"):
        path = media / rendition_name(checksum, WIDTH, extension)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"rendition")
    tiles = tile_dir(checksum)
    (tiles / "full" / f"{WIDTH},{HEIGHT}" / "0").mkdir(parents=True, exist_ok=True)
    (tiles / TILE).write_bytes(b"tile")
    (tiles / "info.json").write_text(
        json.dumps(
            {
                "@context": "http://iiif.io/api/image/3/context.json",
                "id": "x",
                "type": "ImageService3",
                "protocol": "http://iiif.io/api/image",
                "profile": "level0",
                "width": WIDTH,
                "height": HEIGHT,
                "sizes": [{"width": WIDTH, "height": HEIGHT}],
            }
        )
    )
    name = f"originals/{checksum[:2]}/{checksum}/scan.jpg"
    original = Path(django_settings.PRIVATE_ROOT) / name
    original.parent.mkdir(parents=True, exist_ok=True)
    original.write_bytes(b"original")
    Image.objects.filter(pk=image.pk).update(
        checksum=checksum,
        processing_state=Image.Processing.READY,
        renditions=[{"width": WIDTH, "height": HEIGHT}],
        width=WIDTH,
        height=HEIGHT,
        original=name,
        original_filename="scan.jpg",
        format="JPEG",
        rights=Rights.CC0,
    )


def _search_urls(words, kind):
    """The addresses of every result of searching ``words`` among one kind, all pages."""
    urls, number = set(), 1
    while True:
        results = search_service.search(words, search_service.Filters(kinds=[kind]), number)
        urls |= {result.url for result in results.results}
        if not results.page.has_next():
            return urls
        number += 1


def _review_images(exhibit):
    """The images a review copy of ``exhibit`` shows, found without the view's query."""
    shown = {exhibit.cover_image_id} - {None}
    for block in Block.objects.filter(section__exhibit=exhibit).prefetch_related("gallery"):
        shown |= {block.image_id} - {None}
        shown |= {image.pk for image in block.gallery.all()}
    return shown


class EndpointMachine(VisibilityMachine):
    """The visibility machine, checked through every endpoint family instead of querysets."""

    def __init__(self):
        super().__init__()
        self.client = Client()
        self.seen_revisions = set()  # (essay pk, number) of texts visitors could read
        self.ended = set()  # exhibits whose review links died at publication
        self.links = {}  # exhibit pk → its review link's token

    @rule(n=picks)
    def edit_essay(self, n):
        if essay := _pick(Essay, n):
            essay.body = f"Kama, edited {n}."
            essay.save()

    @rule(n=picks)
    def make_review_link(self, n):
        if (exhibit := _pick(Exhibit, n)) and exhibit.pk not in self.links:
            link = ReviewLink.objects.create(exhibit=exhibit, recipient="r", expires_at=FAR)
            self.links[exhibit.pk] = link.token
            if exhibit.status == Status.PUBLISHED:
                self.ended.add(exhibit.pk)

    @invariant()
    def stored_matches_reference(self):
        """Replaced: the endpoints below read the stored visibility (checked there)."""

    @invariant()
    def endpoints_match_reference(self):
        now = self.clock
        cache.clear()
        for image in Image.objects.exclude(processing_state=Image.Processing.READY):
            _give_files(image)
        public = {model: reference.reference_pks(model, now) for model in reference.RULES}
        self.ended |= set(
            Exhibit.objects.filter(status=Status.PUBLISHED).values_list("pk", flat=True)
        )
        for essay in Essay.objects.filter(pk__in=public[Essay]):
            current = essay.revisions.order_by("-number").first()
            if current is not None:
                self.seen_revisions.add((essay.pk, current.number))
        self.check_pages(public)
        self.check_lists(public)
        self.check_iiif(public)
        self.check_annotations(public)
        self.check_revisions(public)
        self.check_reviews()
        self.check_search(public)

    def expect(self, url, visible, family):
        response = self.client.get(url)
        assert _ok(response) == visible, (family, url, response.status_code, self.clock)
        if response.status_code != 200:
            assert response.status_code in (404, 410), (family, url, response.status_code)
        return response

    def check_pages(self, public):
        for model in (Exhibit, Section, Essay, Image, Entity, Repository):
            for obj in model.objects.all():
                self.expect(obj.get_absolute_url(), obj.pk in public[model], "page")

    def check_lists(self, public):
        locs = set()
        queue = [reverse("exhibit:sitemap")]
        while queue:  # a sitemap index names its parts
            body = self.client.get(queue.pop()).content.decode()
            found = {_path(loc) for loc in LOC.findall(body)}
            if "<sitemapindex" in body:
                queue.extend(found)
            else:
                locs |= found
        for model in (Exhibit, Section, Essay, Image, Entity, Repository):
            for obj in model.objects.all():
                listed = obj.get_absolute_url() in locs
                assert listed == (obj.pk in public[model]), ("sitemap", obj, self.clock)
        feed = self.client.get(reverse("exhibit:exhibit_feed")).content.decode()
        entries = {_path(url) for url in ATOM_LINK.findall(feed)}
        for exhibit in Exhibit.objects.all():
            listed = exhibit.get_absolute_url() in entries
            assert listed == (exhibit.pk in public[Exhibit]), ("feed", exhibit, self.clock)

    def check_iiif(self, public):
        for exhibit in Exhibit.objects.all():
            # A manifest needs a Canvas: an image or gallery block in a public section.
            url = reverse("exhibit:exhibit_manifest", kwargs={"slug": exhibit.slug})
            blocks = Block.objects.filter(section__exhibit=exhibit, section__in=public[Section])
            painted = blocks.filter(kind=Block.Kind.IMAGE, image__isnull=False).exists() or (
                blocks.filter(kind=Block.Kind.GALLERY, gallery__isnull=False).exists()
            )
            self.expect(url, exhibit.pk in public[Exhibit] and painted, "exhibit manifest")
        for image in Image.objects.all():
            visible = image.pk in public[Image]
            slug = {"slug": image.slug}
            self.expect(reverse("exhibit:iiif_image_info", kwargs=slug), visible, "info.json")
            self.expect(f"/iiif/images/{image.slug}/{TILE}", visible, "tile")
            self.expect(reverse("exhibit:image_manifest", kwargs=slug), visible, "manifest")
            self.expect(reverse("exhibit:image_original", kwargs=slug), visible, "original")
            for extension in ("jpg", "webp"):
                url = image.rendition_urls().url(WIDTH, extension)
                self.expect(url, visible, "rendition")

    def check_annotations(self, public):
        for annotation in Annotation.objects.all():
            visible = annotation.pk in public[Annotation]
            self.expect(annotation.get_absolute_url(), visible, "annotation")
        for essay in Essay.objects.all():
            url = reverse("exhibit:essay_annotations", kwargs={"slug": essay.slug})
            self.expect(url, essay.pk in public[Essay], "essay annotations")
        for image in Image.objects.all():
            url = reverse("exhibit:image_annotations", kwargs={"slug": image.slug})
            self.expect(url, image.pk in public[Image], "image annotations")

    def check_revisions(self, public):
        for revision in EssayRevision.objects.select_related("essay"):
            essay = revision.essay
            visible = (
                essay.pk in public[Essay] and (essay.pk, revision.number) in self.seen_revisions
            )
            url = reverse(
                "exhibit:essay_revision_text",
                kwargs={"slug": essay.slug, "number": revision.number},
            )
            self.expect(url, visible, "revision text")

    def check_search(self, public):
        search_service.flush()
        # Every object's name holds the word of its kind (tests.models.test_visibility_property
        # names them "exhibit-12", "place-3"), and every essay and note quotes "Kama".
        asked = [
            ("exhibit", "exhibit", Exhibit),
            ("section", "section", Section),
            ("essay", "essay", Essay),
            ("image", "image", Image),
            ("entity", "place", Entity),
            ("entity", "entity", Entity),
        ]
        for kind, words, model in asked:
            found = _search_urls(words, kind)
            for obj in model.objects.all():
                if words not in (getattr(obj, "title", "") or obj.name):
                    continue
                listed = obj.get_absolute_url() in found
                assert listed == (obj.pk in public[model]), ("search", kind, obj, self.clock)
        found = _search_urls("Kama", "annotation")
        for note in Annotation.objects.exclude(exact=""):
            listed = note.get_absolute_url() in found or any(
                url.endswith(f"#a-{note.uuid}") or url.endswith(f"#n-{note.uuid}") for url in found
            )
            visible = note.pk in public[Annotation]
            assert listed == visible, ("search", "annotation", note, self.clock)

    def check_reviews(self):
        for exhibit_pk, token in self.links.items():
            exhibit = Exhibit.objects.filter(pk=exhibit_pk).first()
            live = exhibit is not None and exhibit_pk not in self.ended
            self.expect(reverse("exhibit:review_exhibit", kwargs={"token": token}), live, "review")
            if exhibit is None:
                continue
            shown = _review_images(exhibit)
            for image in Image.objects.all():
                url = image.rendition_urls(review_token=token).url(WIDTH)
                self.expect(url, live and image.pk in shown, "review rendition")


@pytest.mark.django_db
def test_every_endpoint_family_follows_the_reference_rule():
    with override_settings(PAGE_CACHE_SECONDS=0):
        run_state_machine_as_test(
            EndpointMachine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
