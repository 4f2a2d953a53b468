"""Response headers Django's own middleware does not set, request size, and the admin lockout.

The Content-Security-Policy comes from django-csp, HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy from Django's ``SecurityMiddleware``; settings hold every value.
"""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string


class SecurityHeadersMiddleware:
    """Permissions-Policy and Cross-Origin-Resource-Policy on every response, and a 413 for a
    request body over ``REQUEST_MAX_BYTES`` before any of it is read.

    A response that allows every origin with CORS (IIIF, manifests, annotations) is marked
    ``Cross-Origin-Resource-Policy: cross-origin``, so other sites may embed it; a view may
    also set the header itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        too_large = self._too_large(request)
        response = too_large or self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if response.get("Access-Control-Allow-Origin") == "*":
            response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        elif settings.CROSS_ORIGIN_RESOURCE_POLICY:
            response.headers.setdefault(
                "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
            )
        return response

    @staticmethod
    def _too_large(request):
        limit = settings.REQUEST_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("Content-Length is not a number.", status=400)
        if limit and length > limit:
            return HttpResponse(
                f"This request is {filesizeformat(length)}; the limit is "
                f"{filesizeformat(limit)}. Upload fewer or smaller files at once.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return None


def client_ip(request):
    """The client's address for django-axes.

    Behind ``TRUSTED_PROXY_COUNT`` proxies that each append the address they saw to
    X-Forwarded-For, the client is the entry the outermost proxy appended: that many entries
    from the right. Entries further left were sent by the client and prove nothing.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets: 429, how long to wait, and a Retry-After header."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {
        **admin.site.each_context(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": minutes,
        "title": "Too many failed logins",
    }
    response = HttpResponse(
        render_to_string("admin/locked_out.html", context, request=request), status=429
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
