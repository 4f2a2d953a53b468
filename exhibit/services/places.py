"""Indexes over entities, dates and places: A-Z letters, timeline entries, map settings.

Plain inputs (loaded objects), plain outputs (lists and small dataclasses): no queries here.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings

from exhibit.models.entities import KIND_PATHS
from exhibit.services.rendering import sanitize_html

__all__ = [
    "KIND_PATHS",
    "IndexLine",
    "alphabet",
    "index_lines",
    "map_settings",
    "script_lang",
    "sort_name",
    "timeline",
]

OTHER = "#"


def sort_name(name: str) -> str:
    """A name as an index sorts it: without accents or case (Ébert files under E).

    Cyrillic sorts in Russian alphabetical order, which code points give except for two letters:
    Ё files with Е, as Russian indexes file it, and Й stays a letter of its own (after И) rather
    than losing its breve.
    """
    name = name.replace("й", "\0").replace("Й", "\0")
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return kept.replace("\0", "й")


def initial(name: str) -> str:
    """The letter a name files under: A-Z, another alphabet's own letter, or ``#``."""
    for char in sort_name(name):
        if char.isalpha():
            return char.upper()
        if char.isdigit():
            return OTHER
    return OTHER


@dataclass
class Letter:
    letter: str
    items: list = field(default_factory=list)
    opens_script: str = ""  # "Cyrillic" on the first letter of a script after Latin A-Z

    @property
    def anchor(self):
        return "letter-other" if self.letter == OTHER else f"letter-{self.letter}"


@dataclass(frozen=True)
class IndexLine:
    """One line of an A-Z index: an entity under its index form, or one of its other names
    filed in its own alphabetical place as a cross-reference ("Lipezk, see Lipetsk")."""

    name: str
    entity: object
    see: bool = False


def index_lines(entities) -> list[IndexLine]:
    """Each entity under its index form, and each of its other names that files elsewhere as a
    cross-reference to it, sorted as an index sorts (a main entry before a reference that files
    at the same place)."""
    lines = []
    for entity in entities:
        lines.append(IndexLine(entity.index_name, entity))
        own = {sort_name(entity.index_name), sort_name(entity.name)}
        seen = set()
        for other in entity.alternative_names_list:
            key = sort_name(other)
            if key not in own and key not in seen:
                seen.add(key)
                lines.append(IndexLine(other, entity, see=True))
    return sorted(lines, key=lambda line: (sort_name(line.name), line.see, line.name))


def alphabet(items, name=lambda item: item.name) -> list[Letter]:
    """Every letter A-Z (empty ones too, for a steady jump list), then any other initials
    (Cyrillic, digits as ``#``) that occur, each with its items in the order given."""
    letters = {letter: Letter(letter) for letter in string.ascii_uppercase}
    for item in items:
        key = initial(name(item))
        letters.setdefault(key, Letter(key)).items.append(item)
    extra = sorted(
        (k for k in letters if k not in string.ascii_uppercase and k != OTHER), key=sort_name
    )
    script = "Latin"
    for key in extra:
        # "CYRILLIC CAPITAL LETTER EL" -> Cyrillic: a jump list labels where each script begins,
        # since Latin K and Cyrillic К look alike.
        name = unicodedata.name(key, "").split(" ")[0].capitalize()
        if name and name != script:
            letters[key].opens_script = script = name
    order = list(string.ascii_uppercase) + extra + ([OTHER] if OTHER in letters else [])
    return [letters[key] for key in order]


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
