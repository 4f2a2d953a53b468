"""W3C Web Annotation Protocol, read-only: published annotations and their containers.

- ``/annotations/<uuid>/``: one annotation (an LDP Resource).
- ``/essays/<slug>/annotations/`` and ``/images/<slug>/annotations/``: containers (LDP Basic
  Containers and AnnotationCollections), paged with ``?page=N`` (0-based); ``?iris=1`` gives
  pages of annotation IRIs instead of embedded annotations.
- ``/essays/<slug>/revisions/<n>.txt``: the plain text of an essay revision, which the
  annotations' TimeState ``cached`` points at and their positions count in.

The JSON-LD is built by ``exhibit.services.webannotation``. Every GET and HEAD answers with the
Protocol's headers: the JSON-LD media type with the anno.jsonld profile, a strong ``ETag`` (a
hash of the body; ``If-None-Match`` gives 304), ``Allow``, ``Vary``, the ``Link`` types, and
CORS for every origin. OPTIONS answers CORS pre-flights. Annotations are written in the admin,
so POST, PUT, PATCH and DELETE are 405 with ``Allow``.

``Prefer`` on a container is honoured as the Protocol describes: ``PreferMinimalContainer``
links the first page instead of embedding it; ``PreferContainedIRIs`` answers with the
``?iris=1`` container (named in ``Content-Location``); ``PreferContainedDescriptions``, or no
preference, embeds the first page of full annotations.
"""

import hashlib
import json
from functools import partial

from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from exhibit.models import Annotation, Essay, Image
from exhibit.params import whole_number
from exhibit.services import webannotation
from exhibit.templatetags.exhibit_tags import absolute_url

CONTENT_TYPE = f'application/ld+json; profile="{webannotation.ANNO_CONTEXT}"'
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
CACHE_SECONDS = 300
RESOURCE_LINKS = (
    '<http://www.w3.org/ns/ldp#Resource>; rel="type"',
    '<http://www.w3.org/ns/oa#Annotation>; rel="type"',
)
CONTAINER_LINKS = (
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"',
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"',
)
# Headers a script on another origin may read (CORS shows only a safelisted few otherwise).
EXPOSED = "ETag, Link, Allow, Content-Location, Preference-Applied"


def _absolute(request):
    # The same SITE_URL-or-request rule as the pages' canonical URLs and the IIIF manifests.
    return partial(absolute_url, {"request": request})


@method_decorator(csrf_exempt, name="dispatch")  # nothing is written: POST is a 405, not a 403
class ReadOnlyResource(View):
    """GET, HEAD and OPTIONS, with the Protocol's headers on every answer."""

    http_method_names = ["get", "head", "options"]
    content_type = CONTENT_TYPE
    links: tuple[str, ...] = ()
    vary: tuple[str, ...] = ("Accept",)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Allow"] = ", ".join(self._allowed_methods())
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED
        if self.links:
            # One header, comma-separated: the same as one Link header per value (RFC 8288).
            response["Link"] = ", ".join(self.links)
        return response

    def options(self, request, *args, **kwargs):
        response = super().options(request, *args, **kwargs)
        response["Access-Control-Allow-Methods"] = ", ".join(self._allowed_methods())
        response["Access-Control-Allow-Headers"] = "Accept, Prefer, If-None-Match"
        response["Access-Control-Max-Age"] = "86400"
        return response

    def respond(self, request, content: bytes) -> HttpResponse:
        """``content`` with a strong ETag of its bytes, or 304 if the client has it."""
        response = HttpResponse(content, content_type=self.content_type)
        response["ETag"] = f'"{hashlib.sha256(content).hexdigest()[:40]}"'
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        if self.vary:
            patch_vary_headers(response, self.vary)
        return get_conditional_response(request, etag=response["ETag"], response=response)

    def respond_json(self, request, data: dict) -> HttpResponse:
        content = json.dumps(data, ensure_ascii=False, indent=1).encode()
        return self.respond(request, content)


class AnnotationDetailView(ReadOnlyResource):
    links = RESOURCE_LINKS

    def get(self, request, uuid):
        try:
            annotation = webannotation.published_annotations().get(uuid=uuid)
        except Annotation.DoesNotExist as error:
            raise Http404("No published annotation here.") from error
        public = webannotation.public_entity_ids([annotation])
        data = webannotation.annotation_json(annotation, _absolute(request), public)
        return self.respond_json(request, data)


class AnnotationContainerView(ReadOnlyResource):
    """The annotations on one published essay or image; subclasses say which."""

    links = CONTAINER_LINKS
    vary = ("Accept", "Prefer")
    model = None

    def make_container(self, obj, *, iris: bool) -> webannotation.Container:
        raise NotImplementedError

    def get(self, request, slug):
        try:
            obj = self.model.objects.published().get(slug=slug)
        except self.model.DoesNotExist as error:
            raise Http404("Nothing published here.") from error
        page = self._page(request)
        iris_parameter = request.GET.get("iris")
        if iris_parameter not in (None, "0", "1"):
            raise Http404("iris is 0 or 1.")
        prefer = webannotation.parse_prefer(request.headers.get("Prefer", ""))
        preferred_iris = (
            page is None
            and iris_parameter is None
            and webannotation.INCLUDE_IRIS in prefer
            and webannotation.INCLUDE_DESCRIPTIONS not in prefer
        )
        container = self.make_container(obj, iris=iris_parameter == "1" or preferred_iris)
        absolute = _absolute(request)
        total = container.annotations.count()
        if page is not None:
            data = webannotation.page_json(container, absolute, page, total)
            if data is None:
                raise Http404("No such page.")
            self.links = ()  # a page is not a container (Protocol §4.4)
            return self.respond_json(request, data)
        minimal = webannotation.MINIMAL_CONTAINER in prefer
        data = webannotation.collection_json(container, absolute, total, minimal=minimal)
        response = self.respond_json(request, data)
        if prefer:
            response["Preference-Applied"] = "return=representation"
        if preferred_iris or iris_parameter == "0":
            response["Content-Location"] = data["id"]
        return response

    @staticmethod
    def _page(request):
        value = request.GET.get("page")
        if value is None:
            return None
        page = whole_number(value)
        if page is None:
            raise Http404("Pages are numbered 0, 1, 2 …")
        return page


class EssayAnnotationsView(AnnotationContainerView):
    model = Essay

    def make_container(self, obj, *, iris):
        return webannotation.essay_container(obj, iris=iris)


class ImageAnnotationsView(AnnotationContainerView):
    model = Image

    def make_container(self, obj, *, iris):
        return webannotation.image_container(obj, iris=iris)


class EssayRevisionTextView(ReadOnlyResource):
    """What TimeState ``cached`` names: the text positions count in, as UTF-8 plain text."""

    content_type = TEXT_CONTENT_TYPE
    vary = ()

    def get(self, request, slug, number):
        revision = webannotation.published_essay_revision(slug, number)
        if revision is None:
            raise Http404("No published revision here.")
        return self.respond(request, revision.text.encode())
