"""Reading archival citations out of text (the inverse of ArchivalReference's renderings).

Understood forms, as they stand in essays and captions (STANDARDS.md §5):

- long: ``State Archive of Lipetsk Oblast [GALO], Fond 2176/Opis 1/Delo 1`` (optionally
  ``/List 12`` or ``/Listy 5–7ob.``), the repository's name with its acronym in brackets;
- short: ``RGVA f. 33987, op. 3, d. 295, l. 12`` or ``GARF, f. 1235, op. 1, d. 16, ll. 5–7ob.``
  (``ed. khr.`` for ``d.``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"[0-9A-Za-zА-Яа-я\-]+"
_LEAF = r"\d+(?:[a-z](?!b\.))?"  # 12, 12a; not the "o" of "12ob."
_FOLIOS = (
    rf"(?P<leaf_start>{_LEAF})(?P<start_verso>\s*ob\.)?"
    rf"(?:\s*[–-]\s*(?P<leaf_end>{_LEAF})(?P<end_verso>\s*ob\.)?)?"
)

LONG = re.compile(
    rf"(?:(?P<name>[^\[\]()]+?)\s*\[(?P<abbr>[A-ZА-Я][A-Za-zА-Яа-я]+)\],?\s*)"
    rf"Fond\s+(?P<fond>{_NUMBER})\s*/\s*Opis\s+(?P<opis>{_NUMBER})\s*/\s*"
    rf"(?P<unit>Delo|Ed\.\s*khr\.)\s+(?P<delo>{_NUMBER})"
    rf"(?:\s*/\s*Listy?\s+{_FOLIOS})?",
    re.IGNORECASE,
)
SHORT = re.compile(
    rf"(?P<abbr>[A-ZА-Я][A-ZА-Яa-z]{{1,12}}),?\s+f\.\s*(?P<fond>{_NUMBER}),\s*op\.\s*"
    rf"(?P<opis>{_NUMBER}),\s*(?P<unit>d\.|ed\.\s*khr\.)\s*(?P<delo>{_NUMBER})"
    rf"(?:,\s*ll?\.\s*{_FOLIOS})?"
)


@dataclass(frozen=True)
class ParsedReference:
    abbreviation: str
    repository_name: str
    fond: str
    opis: str
    delo: str
    file_unit: str = "d."
    leaf_start: str = ""
    leaf_start_verso: bool = False
    leaf_end: str = ""
    leaf_end_verso: bool = False
    span: tuple[int, int] = (0, 0)


def _build(match) -> ParsedReference:
    groups = match.groupdict()
    unit = (groups.get("unit") or "d.").lower().replace(" ", "")
    return ParsedReference(
        abbreviation=groups["abbr"],
        repository_name=(groups.get("name") or "").strip(" ,;"),
        fond=groups["fond"],
        opis=groups["opis"],
        delo=groups["delo"],
        file_unit="ed. khr." if unit.startswith("ed") else "d.",
        leaf_start=groups.get("leaf_start") or "",
        leaf_start_verso=bool(groups.get("start_verso")),
        leaf_end=groups.get("leaf_end") or "",
        leaf_end_verso=bool(groups.get("end_verso")),
        span=match.span(),
    )


def find_reference(text: str) -> ParsedReference | None:
    """The first archival citation in ``text``, long form preferred; None if there is none."""
    match = LONG.search(text) or SHORT.search(text)
    return _build(match) if match else None
