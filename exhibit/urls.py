from django.urls import path

from . import views
from .views import annotations, downloads, iiif, manifests, review

app_name = "exhibit"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
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
    path("entities/<slug:slug>/", views.EntityDetailView.as_view(), name="entity_detail"),
    # IIIF Image API 3.0, level 0: {id}/{region}/{size}/{rotation}/{quality}.{format}
    path("iiif/images/<slug:slug>", iiif.image_base, name="iiif_image_base"),
    path("iiif/images/<slug:slug>/info.json", iiif.image_info, name="iiif_image_info"),
    path(
        "iiif/images/<slug:slug>/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:extension>",
        iiif.image_file,
        name="iiif_image_file",
    ),
    # IIIF Presentation API 3.0 manifests
    path(
        "iiif/manifests/images/<slug:slug>.json",
        manifests.image_manifest,
        name="image_manifest",
    ),
    path(
        "iiif/manifests/exhibits/<slug:slug>.json",
        manifests.exhibit_manifest,
        name="exhibit_manifest",
    ),
    path("images/<slug:slug>/original", downloads.image_original, name="image_original"),
    # W3C Web Annotation Protocol (read-only): annotations, their containers, and the essay
    # revision texts that text annotations' positions count in.
    path(
        "annotations/<uuid:uuid>/",
        annotations.AnnotationDetailView.as_view(),
        name="annotation_detail",
    ),
    path(
        "essays/<slug:slug>/annotations/",
        annotations.EssayAnnotationsView.as_view(),
        name="essay_annotations",
    ),
    path(
        "images/<slug:slug>/annotations/",
        annotations.ImageAnnotationsView.as_view(),
        name="image_annotations",
    ),
    path(
        "essays/<slug:slug>/revisions/<int:number>.txt",
        annotations.EssayRevisionTextView.as_view(),
        name="essay_revision_text",
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
