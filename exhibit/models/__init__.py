from .annotations import Annotation, EssayRevision
from .archives import ArchivalReference, Repository
from .base import Publishable, Status
from .entities import Entity
from .essays import Essay, EssayAuthor
from .exhibits import Block, Exhibit, GalleryItem, Section
from .images import Image, Rights
from .people import Contributor
from .reviews import DeadLink, ReviewLink

__all__ = [
    "Annotation",
    "ArchivalReference",
    "Block",
    "Contributor",
    "DeadLink",
    "Entity",
    "Essay",
    "EssayAuthor",
    "EssayRevision",
    "Exhibit",
    "GalleryItem",
    "Image",
    "Publishable",
    "Repository",
    "ReviewLink",
    "Rights",
    "Section",
    "Status",
]
