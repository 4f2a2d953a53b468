"""What crawlers read first: ``robots.txt``."""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from exhibit.services.metadata import site_base_url


@require_GET
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    """Crawlers keep out of the admin and staff previews; the sitemap lists the rest."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "Disallow: /preview/",
        "",
        f"Sitemap: {site_base_url(request)}{reverse('exhibit:sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
