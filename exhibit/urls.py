from django.urls import path

from . import views

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
]
