from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.SITE_NAME} — curators' admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Exhibits, sources and entities"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("exhibit.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
