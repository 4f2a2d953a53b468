from django.urls import path, register_converter

from . import views
from .feeds import NewExhibitsFeed
from .models import Essay, Exhibit, Image
from .models.entities import KIND_PATHS
from .params import ChecksumConverter, RenditionFormatConverter, WholeNumberConverter
from .sitemaps import sitemap_index, sitemap_section
from .views import (
    annotations,
    discovery,
    downloads,
    health,
    iiif,
    indexes,
    manifests,
    renditions,
    review,
    search,
)
from .views.moved import follow_old_slug

# Machine endpoints answer an old slug with a 301 to the current one, like the pages do.
old_image_slugs, old_essay_slugs = follow_old_slug(Image), follow_old_slug(Essay)
old_exhibit_slugs = follow_old_slug(Exhibit)

app_name = "exhibit"
# Numbers in paths: ASCII digits of bounded length (exhibit/params.py), never Django's
# unbounded <int:>.
register_converter(WholeNumberConverter, "number")
register_converter(ChecksumConverter, "checksum")
register_converter(RenditionFormatConverter, "rendition_format")
RENDITION = "<checksum:checksum>/<number:width>.<rendition_format:extension>"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Load balancers and monitors: no auth, never cached, exempt from the HTTPS redirect.
    path("healthz", health.healthz, name="healthz"),
    path("exhibits/", views.ExhibitListView.as_view(), name="exhibit_list"),
    path("exhibits/<slug:slug>/", views.ExhibitDetailView.as_view(), name="exhibit_detail"),
    path(
        "exhibits/<slug:exhibit>/<slug:slug>/",
        views.SectionDetailView.as_view(),
        name="section_detail",
    ),
    path("essays/<slug:slug>/", views.EssayDetailView.as_view(), name="essay_detail"),
    path("images/<slug:slug>/", views.ImageDetailView.as_view(), name="image_detail"),
    path("entities/", views.EntityListView.as_view(), name="entity_list"),
    # One kind, A to Z; before the entity pages, whose slugs may not take these names.
    *(
        path(f"entities/{segment}/", views.EntityListView.as_view(kind=kind), name=f"{kind}_list")
        for segment, kind in KIND_PATHS.items()
    ),
    path("entities/<slug:slug>/", views.EntityDetailView.as_view(), name="entity_detail"),
    # Discovery: crawlers, feed readers.
    path("robots.txt", discovery.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap_section"),
    path("feeds/exhibits.atom", NewExhibitsFeed(), name="exhibit_feed"),
    path("repositories/", indexes.RepositoryListView.as_view(), name="repository_list"),
    path(
        "repositories/<slug:slug>/",
        indexes.RepositoryDetailView.as_view(),
        name="repository_detail",
    ),
    path("timeline/", indexes.TimelineView.as_view(), name="timeline"),
    path("map/", indexes.MapView.as_view(), name="map"),
    path("map/places.geojson", indexes.map_places, name="map_places"),
    path("search/", search.SearchView.as_view(), name="search"),
    # IIIF Image API 3.0, level 0: {id}/{region}/{size}/{rotation}/{quality}.{format}
    path("iiif/images/<slug:slug>", old_image_slugs(iiif.image_base), name="iiif_image_base"),
    path(
        "iiif/images/<slug:slug>/info.json",
        old_image_slugs(iiif.image_info),
        name="iiif_image_info",
    ),
    path(
        "iiif/images/<slug:slug>/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:extension>",
        old_image_slugs(iiif.image_file),
        name="iiif_image_file",
    ),
    # IIIF Presentation API 3.0 manifests
    path(
        "iiif/manifests/images/<slug:slug>.json",
        old_image_slugs(manifests.image_manifest),
        name="image_manifest",
    ),
    path(
        "iiif/manifests/exhibits/<slug:slug>.json",
        old_exhibit_slugs(manifests.exhibit_manifest),
        name="exhibit_manifest",
    ),
    path(
        "images/<slug:slug>/original",
        old_image_slugs(downloads.image_original),
        name="image_original",
    ),
    # W3C Web Annotation Protocol (read-only): annotations, their containers, and the essay
    # revision texts that text annotations' positions count in.
    path(
        "annotations/<uuid:uuid>/",
        annotations.AnnotationDetailView.as_view(),
        name="annotation_detail",
    ),
    path(
        "essays/<slug:slug>/annotations/",
        old_essay_slugs(annotations.EssayAnnotationsView.as_view()),
        name="essay_annotations",
    ),
    path(
        "images/<slug:slug>/annotations/",
        old_image_slugs(annotations.ImageAnnotationsView.as_view()),
        name="image_annotations",
    ),
    path(
        "essays/<slug:slug>/revisions/<number:number>.txt",
        old_essay_slugs(annotations.EssayRevisionTextView.as_view()),
        name="essay_revision_text",
    ),
    # Image renditions, each after the check of the pages that show it (views/renditions.py).
    path(f"renditions/{RENDITION}", renditions.public_rendition, name="rendition"),
    path(f"preview/renditions/{RENDITION}", renditions.preview_rendition, name="preview_rendition"),
    path(
        f"review/<str:token>/renditions/{RENDITION}",
        renditions.review_rendition,
        name="review_rendition",
    ),
    # Where nginx served renditions from media storage before: a 301 to the checked URL.
    path(
        "media/derivatives/<str:shard>/" + RENDITION,
        renditions.moved_rendition,
        name="moved_rendition",
    ),
    # Staff previews of unpublished content: same pages, marked, never cached, noindex.
    path(
        "preview/exhibits/<slug:slug>/",
        views.ExhibitDetailView.as_view(preview=True),
        name="preview_exhibit",
    ),
    path(
        "preview/exhibits/<slug:exhibit>/<slug:slug>/",
        views.SectionDetailView.as_view(preview=True),
        name="preview_section",
    ),
    path(
        "preview/essays/<slug:slug>/",
        views.EssayDetailView.as_view(preview=True),
        name="preview_essay",
    ),
    path(
        "preview/images/<slug:slug>/",
        views.ImageDetailView.as_view(preview=True),
        name="preview_image",
    ),
    # Review copies of a draft exhibit for outside readers, through a signed, expiring link.
    path("review/<str:token>/", review.ReviewExhibitView.as_view(), name="review_exhibit"),
    path(
        "review/<str:token>/essays/<slug:slug>/",
        review.ReviewEssayView.as_view(),
        name="review_essay",
    ),
    path(
        "review/<str:token>/images/<slug:slug>/",
        review.ReviewImageView.as_view(),
        name="review_image",
    ),
    path(
        "review/<str:token>/<slug:slug>/", review.ReviewSectionView.as_view(), name="review_section"
    ),
]
