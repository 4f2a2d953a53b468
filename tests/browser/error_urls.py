"""The browser tests' URLs (media, static, site) plus the views that fail on purpose."""

from tests.browser.urls import urlpatterns as browser_urlpatterns
from tests.views.error_urls import urlpatterns as error_urlpatterns

# The failing views first (they precede the site's own in error_urls), then media and static.
urlpatterns = [*browser_urlpatterns[:2], *error_urlpatterns]
