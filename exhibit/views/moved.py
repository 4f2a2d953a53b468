"""Old slugs on the machine endpoints (IIIF, manifests, annotations, downloads): 301 to the
same endpoint under the object's current slug, with CORS so viewers can follow it."""

import functools

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse

from exhibit.models.redirects import find_redirect


def follow_old_slug(model):
    """Wrap a view taking ``slug``: where it answers 404 and ``slug`` is an old slug of a
    published ``model`` object, answer 301 to the same URL with the current slug instead."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = None
            if response is not None and response.status_code != 404:
                return response
            moved = find_redirect(model.objects.published(), kwargs["slug"])
            if moved is None:
                if response is None:
                    raise Http404("Nothing published here.")
                return response
            url = reverse(request.resolver_match.view_name, kwargs={**kwargs, "slug": moved.slug})
            if request.GET:
                url = f"{url}?{request.GET.urlencode()}"
            redirect = HttpResponsePermanentRedirect(url)
            redirect["Access-Control-Allow-Origin"] = "*"
            return redirect

        return wrapped

    return decorate
