from .annotations import Annotation, EssayRevision
from .archives import ArchivalReference, Repository
from .audit import AuditEvent
from .base import Publishable, Status
from .entities import Entity, IndexName
from .essays import Essay, EssayAuthor
from .exhibits import Block, Exhibit, GalleryItem, Section
from .images import Image, Rights
from .people import Contributor
from .redirects import SlugRedirect
from .reviews import DeadLink, ReviewLink
from .search import SearchEntry, SearchPlacement

__all__ = [
    "Annotation",
    "ArchivalReference",
    "AuditEvent",
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
    "IndexName",
    "Publishable",
    "Repository",
    "ReviewLink",
    "Rights",
    "SearchEntry",
    "SearchPlacement",
    "Section",
    "SlugRedirect",
    "Status",
]
