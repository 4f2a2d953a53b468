from .pages import (
    EntityDetailView,
    EntityListView,
    EssayDetailView,
    ExhibitDetailView,
    ExhibitListView,
    HomeView,
    ImageDetailView,
    SectionDetailView,
)

__all__ = [
    "EntityDetailView",
    "EntityListView",
    "EssayDetailView",
    "ExhibitDetailView",
    "ExhibitListView",
    "HomeView",
    "ImageDetailView",
    "SectionDetailView",
]
