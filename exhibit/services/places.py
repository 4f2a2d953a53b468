"""Indexes over entities, dates and places: A-Z letters, timeline entries, map settings.

Plain inputs (loaded objects), plain outputs (lists and small dataclasses): no queries here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings

from exhibit.collation import OTHER, letter_order, script, sort_name
from exhibit.models.entities import KIND_PATHS
from exhibit.services.rendering import sanitize_html

__all__ = [
    "INDEX_ENTITY_FIELDS",
    "INDEX_PAGE_SIZE",
    "KIND_PATHS",
    "IndexLine",
    "KindIndex",
    "LetterLink",
    "index_entries",
    "index_lines",
    "letter_bar",
    "map_settings",
    "script_lang",
    "sort_name",
    "timeline",
]


# Lines on one page of an A-Z index, within a letter.
INDEX_PAGE_SIZE = 100
# What an index line shows of its entity.
INDEX_ENTITY_FIELDS = (
    "kind", "name", "sort_name", "slug", "date", "alternative_names", "latitude", "longitude",
)  # fmt: skip


@dataclass(frozen=True)
class LetterLink:
    """A letter of an index's letter bar, with how many lines (names and cross-references)
    and how many entities file under it."""

    letter: str
    lines: int
    entities: int
    opens_script: str = ""  # "Cyrillic" on the first letter of a script after Latin A-Z

    @property
    def anchor(self):
        return "letter-other" if self.letter == OTHER else f"letter-{self.letter}"


@dataclass(frozen=True)
class KindIndex:
    kind: str
    letters: list

    @property
    def count(self):
        return sum(letter.entities for letter in self.letters)


def letter_bar(rows) -> list[LetterLink]:
    """The letters that have entries, in index order (Latin A-Z, then other scripts in their
    own order, then ``#``), from rows of ``{"letter", "lines", "entities"}``. The first letter
    of each script after Latin is marked, since Latin K and Cyrillic К look alike."""
    rows = sorted(rows, key=lambda row: letter_order(row["letter"]))
    letters, current = [], "Latin"
    for row in rows:
        name = script(row["letter"])
        opens = name if name and name != current else ""
        current = name or current
        letters.append(LetterLink(row["letter"], row["lines"], row["entities"], opens))
    return letters


@dataclass(frozen=True)
class IndexLine:
    """One line of an A-Z index: an entity under its index form, or one of its other names
    filed in its own alphabetical place as a cross-reference ("Lipezk, see Lipetsk")."""

    name: str
    entity: object
    see: bool = False


def index_entries(entity) -> list[tuple[str, bool]]:
    """The lines an entity has in its A-Z index, as ``(name, see)``: its index form, and each
    of its other names that files elsewhere, as a cross-reference (``see``) to it."""
    entries = [(entity.index_name, False)]
    own = {sort_name(entity.index_name), sort_name(entity.name)}
    seen = set()
    for other in entity.alternative_names_list:
        key = sort_name(other)
        if key not in own and key not in seen:
            seen.add(key)
            entries.append((other, True))
    return entries


def index_lines(entities) -> list[IndexLine]:
    """Each entity under its index form, and each of its other names that files elsewhere as a
    cross-reference to it, sorted as an index sorts (a main entry before a reference that files
    at the same place)."""
    lines = [
        IndexLine(name, entity, see) for entity in entities for name, see in index_entries(entity)
    ]
    return sorted(lines, key=lambda line: (sort_name(line.name), line.see, line.name))


_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_GREEK = re.compile(r"[\u0370-\u03ff]")


def script_lang(text: str) -> str:
    """A ``lang`` for a name in a non-Latin script, so screen readers and fonts treat it
    right: Cyrillic is taken as Russian (this platform's archives are Soviet), Greek as Greek.
    Latin-script spellings get none: "Lipezk" could be German or Polish."""
    if _CYRILLIC.search(text):
        return "ru"
    if _GREEK.search(text):
        return "el"
    return ""


@dataclass(frozen=True)
class MapSettings:
    tile_url: str
    attribution: str


def map_settings() -> MapSettings:
    """The tile server and its credit, from settings. The attribution may hold links; it goes
    through the same allowlist as curator HTML before a page carries it."""
    return MapSettings(
        tile_url=settings.MAP_TILE_URL,
        attribution=sanitize_html(settings.MAP_TILE_ATTRIBUTION),
    )


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "event" or "image"
    title: str
    url: str
    date: object  # the ApproximateDate
    obj: object

    @property
    def sort_key(self):
        return (self.date.sort_date, self.date.latest, sort_name(self.title))


@dataclass
class Decade:
    start: int
    entries: list

    @property
    def label(self):
        return f"{self.start}s"

    @property
    def anchor(self):
        return f"decade-{self.start}"


def timeline(events, images) -> list[Decade]:
    """Events and images with a readable date, in order of when they happened, by decade.

    A date is placed at its earliest day, or one with no known beginning ("before 1930") at
    its latest; among those placed on the same day the more precise (shorter) comes first.
    Objects whose date does not parse are left out: they cannot be placed.
    """
    entries = []
    for kind, objects, title in (("event", events, "name"), ("image", images, "title")):
        for obj in objects:
            parsed = obj.parsed_date
            if parsed is None:
                continue
            entries.append(
                TimelineEntry(kind, getattr(obj, title), obj.get_absolute_url(), parsed, obj)
            )
    entries.sort(key=lambda entry: entry.sort_key)
    return [
        Decade(start, list(group))
        for start, group in groupby(entries, key=lambda e: e.date.sort_date.year // 10 * 10)
    ]
