"""The site's URLs plus views that fail on purpose, to render the error pages through Django."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from config.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise BadRequest("malformed")


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("deliberate failure for the 500 page")


@csrf_protect
def form(request):
    """GET: a form posting here without a token, as a page left open past its session."""
    if request.method == "GET":
        return HttpResponse('<form method="post"><button>Send</button></form>')
    return HttpResponse("accepted")


urlpatterns = [
    path("fail/400/", bad_request),
    path("fail/403/", forbidden),
    path("fail/500/", broken),
    path("fail/csrf/", form),
    *site_urlpatterns,
]
