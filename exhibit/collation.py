"""How the A–Z indexes file a name: its sort key, the letter it files under, the order of letters.

Latin and Cyrillic names are both folded: accents and case go (Ébert files under E, as
``ebert``), Cyrillic keeps Russian alphabetical order, which code points give except for two
letters: Ё files with Е, as Russian indexes file it, and Й stays a letter of its own (after И)
rather than losing its breve. A name whose first letter-or-digit is a digit, or which has
neither, files under ``#``.

Sort keys are compared by code point (``code_point_order()``), in Python and in both
databases, so a page of an index read from the database is in the order ``sort_name()`` gives.
Pure functions, no queries; ``exhibit.services.places`` and ``exhibit.indexing`` use them.
"""

from __future__ import annotations

import string
import unicodedata

from django.db.models import Func, TextField

OTHER = "#"


def sort_name(name: str) -> str:
    """A name as an index sorts it: without accents or case (Ébert files under E)."""
    name = name.replace("й", "\0").replace("Й", "\0")
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return kept.replace("\0", "й")


def initial(name: str) -> str:
    """The letter a name files under: A-Z, another alphabet's own letter, or ``#``. Leading
    marks that are neither letters nor digits («, ", <) are passed over."""
    for char in sort_name(name):
        if char.isalpha():
            return char.upper()
        if char.isdigit():
            return OTHER
    return OTHER


def script(letter: str) -> str:
    """The script a letter belongs to, by its Unicode name ("Latin", "Cyrillic"), or ""."""
    if letter == OTHER:
        return ""
    return unicodedata.name(letter, "").split(" ")[0].capitalize()


def letter_order(letter: str) -> tuple:
    """Where a letter stands in a letter bar: Latin A-Z, then other scripts' letters in their
    own order (Cyrillic in Russian order), then ``#``."""
    if letter == OTHER:
        return (2, "")
    if letter in string.ascii_uppercase:
        return (0, letter)
    return (1, sort_name(letter))


class code_point_order(Func):
    """A text column compared by code point, as Python compares strings: SQLite does so by
    default (BINARY); PostgreSQL's database collation (en_US and the like) would skip spaces
    and punctuation, so there it is compared under "C" (UTF-8 byte order is code point order).
    """

    template = "%(expressions)s"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template='%(expressions)s COLLATE "C"', **extra)
