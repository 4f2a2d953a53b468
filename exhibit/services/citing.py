"""“Cite this page”: Chicago, MLA 9 and BibTeX for a page of the site, from plain fields.

Every page is cited as a web page of the site (the same item type Zotero is steered to, see
``exhibit/services/metadata.py``), so the block and a Zotero capture agree:

- Chicago (17th ed., bibliography, web page): Author. “Title.” [In *Exhibit*.] Site.
  Month D, YYYY. Accessed Month D, YYYY. URL.
- MLA 9 (web page): Author. “Title.” [*Exhibit*,] *Site*, D Mon. YYYY, URL. Accessed D Mon.
  YYYY. (Website in italics; URL without ``https://``; “et al.” from three authors.)
- BibTeX ``@misc`` with ``howpublished``, ``url`` and ``urldate``; special characters escaped.

Authors are ``(family, given)`` pairs, from a contributor's “Family, Given” sort name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MLA_MONTHS = [
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June",
    "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
]  # fmt: skip
BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))
_STOPWORDS = {"a", "an", "the", "of", "and", "on", "in", "at", "to", "for", "from", "with"}


@dataclass(frozen=True)
class CitedPage:
    title: str
    url: str
    site_name: str
    accessed: dt.date
    authors: tuple[tuple[str, str], ...] = ()
    published: dt.date | None = None
    container: str = ""  # the exhibit a section belongs to
    identifier: str = ""  # last resort for the BibTeX key, e.g. "section12"


@dataclass
class Citation:
    chicago: str
    chicago_html: str
    mla: str
    mla_html: str
    bibtex: str
    key: str = field(default="")


def author_from_sort_name(sort_name: str, name: str = "") -> tuple[str, str]:
    """``"Author, Anna"`` → ``("Author", "Anna")``; a name without a comma is all family."""
    text = (sort_name or name).strip()
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return family, given
    return text, ""


class _Parts:
    """Text pieces, some in italics: rendered as plain text and as escaped HTML."""

    def __init__(self):
        self.items: list[tuple[str, bool]] = []

    def add(self, text, italic=False):
        if text:
            self.items.append((text, italic))
        return self

    @property
    def text(self):
        return "".join(text for text, _ in self.items)

    @property
    def html(self):
        return "".join(
            f"<i>{escape(text)}</i>" if italic else str(escape(text)) for text, italic in self.items
        )


def _ends_sentence(text):
    return text.rstrip().endswith((".", "?", "!"))


def _quoted_title(title):
    """“Title.”, or “Why?” when the title ends its own sentence."""
    title = title.strip()
    return f"“{title}”" if _ends_sentence(title) else f"“{title}.”"


def _given_family(author):
    family, given = author
    return f"{given} {family}".strip()


def _inverted(author):
    family, given = author
    return f"{family}, {given}" if given else family


def _sentence(text):
    return text if _ends_sentence(text) else f"{text}."


def chicago_names(authors):
    names = [_inverted(authors[0])] + [_given_family(a) for a in authors[1:]]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", and " + names[-1]


def mla_names(authors):
    if len(authors) >= 3:
        return f"{_inverted(authors[0])}, et al"
    if len(authors) == 2:
        return f"{_inverted(authors[0])}, and {_given_family(authors[1])}"
    return _inverted(authors[0])


def chicago_date(day):
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def mla_date(day):
    return f"{day.day} {MLA_MONTHS[day.month - 1]} {day.year}"


def chicago(page: CitedPage) -> _Parts:
    parts = _Parts()
    if page.authors:
        parts.add(_sentence(chicago_names(page.authors)) + " ")
    parts.add(_quoted_title(page.title) + " ")
    if page.container:
        parts.add("In ").add(page.container, italic=True).add(
            "" if _ends_sentence(page.container) else "."
        ).add(" ")
    parts.add(_sentence(page.site_name) + " ")
    if page.published:
        parts.add(chicago_date(page.published) + ". ")
    parts.add(f"Accessed {chicago_date(page.accessed)}. ")
    parts.add(f"{page.url}.")
    return parts


def mla(page: CitedPage) -> _Parts:
    parts = _Parts()
    if page.authors:
        parts.add(_sentence(mla_names(page.authors)) + " ")
    parts.add(_quoted_title(page.title) + " ")
    if page.container:
        parts.add(page.container, italic=True).add(", ")
    parts.add(page.site_name, italic=True).add(", ")
    if page.published:
        parts.add(mla_date(page.published) + ", ")
    parts.add(re.sub(r"^https?://", "", page.url) + ". ")
    parts.add(f"Accessed {mla_date(page.accessed)}.")
    return parts


def bibtex_escape(text: str) -> str:
    """Text for a BibTeX field: ``{ } % & # _ $ ~ ^ \\`` made literal."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], text)


def _ascii_word(text):
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def bibtex_key(page: CitedPage) -> str:
    """Deterministic: first author's family name, year, first significant word of the title
    (ASCII-folded). The same page cites the same way on every visit."""
    family = _ascii_word(page.authors[0][0]) if page.authors else ""
    year = str(page.published.year) if page.published else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-–—/]+", page.title)]
    word = next((w for w in words if len(w) > 2 and w not in _STOPWORDS), "")
    if not (family or word):
        return page.identifier or "page"
    return f"{family or 'page'}{year}{word}"


def _bibtex_name(author):
    family, given = author
    if given:
        return f"{bibtex_escape(family)}, {bibtex_escape(given)}"
    # A single or corporate name: braced so BibTeX does not split it.
    return "{" + bibtex_escape(family) + "}"


def bibtex(page: CitedPage) -> str:
    fields = []
    if page.authors:
        fields.append(("author", " and ".join(_bibtex_name(a) for a in page.authors)))
    fields.append(("title", "{" + bibtex_escape(page.title) + "}"))
    how = f"{page.container}, {page.site_name}" if page.container else page.site_name
    fields.append(("howpublished", bibtex_escape(how)))
    if page.published:
        fields.append(("year", str(page.published.year)))
    lines = [f"@misc{{{bibtex_key(page)},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields]
    if page.published:
        lines.append(f"  month = {BIBTEX_MONTHS[page.published.month - 1]},")
    # URLs are taken verbatim by the url package: only braces would need care, and our slugs
    # have none.
    lines.append(f"  url = {{{page.url}}},")
    lines.append(f"  urldate = {{{page.accessed.isoformat()}}},")
    lines.append(f"  note = {{Accessed {page.accessed.day} {MONTHS[page.accessed.month - 1]} "
                 f"{page.accessed.year}}},")  # fmt: skip
    lines.append("}")
    return "\n".join(lines)


def cite_page(page: CitedPage) -> Citation:
    """All three formats of one page."""
    chicago_parts, mla_parts = chicago(page), mla(page)
    return Citation(
        chicago=chicago_parts.text,
        chicago_html=chicago_parts.html,
        mla=mla_parts.text,
        mla_html=mla_parts.html,
        bibtex=bibtex(page),
        key=bibtex_key(page),
    )


def _day(moment):
    from django.utils import timezone

    return timezone.localdate(moment) if moment else None


def cited_page(obj, base: str, accessed: dt.date, site_name: str) -> CitedPage:
    """The fields to cite a public page by, read from its loaded object (no queries, given
    the views' prefetches): essays by their authors, exhibits and sections by the exhibit's
    curators, images by title alone (the page is the site's, not the photographer's)."""
    kind = obj._meta.model_name
    url = f"{base}{obj.get_absolute_url()}"
    authors: list = []
    published = None
    container = ""
    title = obj.title
    if kind == "essay":
        authors = obj.author_list
        published = _day(obj.published_at)
        title = f"{obj.title}: {obj.subtitle}" if obj.subtitle else obj.title
    elif kind == "exhibit":
        authors = list(obj.curators.all())
        published = _day(obj.published_at)
        title = f"{obj.title}: {obj.subtitle}" if obj.subtitle else obj.title
    elif kind == "section":
        exhibit = obj.exhibit
        authors = list(exhibit.curators.all())
        dates = [d for d in (obj.published_at, exhibit.published_at) if d]
        published = _day(max(dates)) if dates else None
        container = exhibit.title
    return CitedPage(
        title=title,
        url=url,
        site_name=site_name,
        accessed=accessed,
        authors=tuple(author_from_sort_name(a.sort_name, a.name) for a in authors),
        published=published,
        container=container,
        identifier=f"{kind}{obj.pk}",
    )
