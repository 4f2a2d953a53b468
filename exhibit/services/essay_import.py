"""Turning a plain-text or Markdown file into an Essay (``manage.py import_essay``).

Paragraphs are separated by blank lines. A paragraph set off in quotation marks (or, in
plain text, indented) becomes a block quotation. A one-line paragraph that ends with an
archival citation in parentheses, such as "… (State Archive of Lipetsk Oblast [GALO], Fond
2176/Opis 1/Delo 1)", is a figure caption: it becomes a figure placeholder (``::: figure``)
and its citation an ArchivalReference linked to the essay. Re-importing updates the essay
in place; saving it records a revision and re-anchors its annotations.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from exhibit.services.citations import ParsedReference, find_reference

QUOTE_MARKS = {"“": "”", '"': '"', "«": "»", "„": "“", "‘": "’"}
_TRAILING_CITATION = re.compile(r"^(?P<caption>.+?)\s*\((?P<citation>[^()]+)\)\s*\.?\s*$")
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([#>+\-*]|\d+[.)])(\s)")
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|])")


class EssayImportError(ValueError):
    """The file cannot be imported; the message says why."""


@dataclass
class Converted:
    title: str
    body: str
    figures: list[ParsedReference] = field(default_factory=list)


def _escape_plain(line: str) -> str:
    line = _MARKDOWN_INLINE.sub(r"\\\1", line)
    return _MARKDOWN_LINE_START.sub(r"\1\\\2\3", line)


def _is_quotation(paragraph: str, *, markdown: bool) -> bool:
    """Set off in quotation marks, alone or with a dash and attribution after it."""
    text = paragraph.strip()
    if text[:1] in QUOTE_MARKS and len(text) > 2:
        closing = QUOTE_MARKS[text[0]]
        end = text.rfind(closing)
        after = text[end + 1 :].strip() if end > 0 else None
        if after is not None and (after in ("", ".", ",", ";") or after[:1] in "—–-"):
            return True
    if not markdown:
        lines = [line for line in paragraph.splitlines() if line.strip()]
        return bool(lines) and all(line.startswith(("    ", "\t")) for line in lines)
    return False


def convert(source: str, *, markdown: bool, title: str | None = None) -> Converted:
    """Split ``source`` into the essay's title and Markdown body, collecting figures."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    if not paragraphs:
        raise EssayImportError("The file is empty.")
    if title is None:
        first, _, rest = paragraphs[0].strip().partition("\n")
        title = first.lstrip("#").strip()
        paragraphs[0] = rest
        paragraphs = [p for p in paragraphs if p.strip()]
    if not title:
        raise EssayImportError("The first line, which gives the title, is empty; or use --title.")
    blocks, figures = [], []
    for paragraph in paragraphs:
        stripped = paragraph.strip()
        single_line = "\n" not in stripped
        caption = _TRAILING_CITATION.match(stripped) if single_line else None
        reference = find_reference(caption["citation"]) if caption else None
        if reference is not None:
            figures.append(reference)
            words = stripped if markdown else _escape_plain(stripped)
            blocks.append(f"::: figure\n{words}\n:::")
        elif _is_quotation(paragraph, markdown=markdown):
            lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
            if not markdown:
                lines = [_escape_plain(line) for line in lines]
            blocks.append("\n".join(f"> {line}" for line in lines))
        elif markdown:
            blocks.append(paragraph.strip("\n"))
        else:
            blocks.append("\n".join(_escape_plain(line.strip()) for line in paragraph.splitlines()))
    return Converted(title=title, body="\n\n".join(blocks) + "\n", figures=figures)


@dataclass
class ImportResult:
    essay: object
    created: bool
    changed: bool
    references: list = field(default_factory=list)
    reanchored: Counter = field(default_factory=Counter)
    section: object | None = None


def _reference_for(parsed: ParsedReference):
    from exhibit.models import ArchivalReference, Repository

    repository, _ = Repository.objects.get_or_create(
        abbreviation=parsed.abbreviation,
        defaults={"name": parsed.repository_name or parsed.abbreviation},
    )
    reference, _ = ArchivalReference.objects.get_or_create(
        repository=repository,
        system=ArchivalReference.System.FOND,
        fond=parsed.fond,
        opis=parsed.opis,
        delo=parsed.delo,
        file_unit=parsed.file_unit,
        leaf_start=parsed.leaf_start,
        leaf_start_verso=parsed.leaf_start_verso,
        leaf_end=parsed.leaf_end,
        leaf_end_verso=parsed.leaf_end_verso,
    )
    return reference


@transaction.atomic
def import_essay(
    source: str,
    *,
    markdown: bool,
    title: str | None = None,
    slug: str | None = None,
    authors: list[str] | None = None,
    date=None,
    source_url: str = "",
    exhibit_slug: str | None = None,
    user=None,
) -> ImportResult:
    """Create or update an essay from ``source``; see the module docstring."""
    from exhibit.models import Block, Contributor, Essay, EssayAuthor, Exhibit, Section

    converted = convert(source, markdown=markdown, title=title)
    slug = slug or slugify(converted.title)[:255]
    if not slug:
        raise EssayImportError("No slug can be made from the title; give one with --slug.")
    exhibit = None
    if exhibit_slug:
        exhibit = Exhibit.objects.filter(slug=exhibit_slug).first()
        if exhibit is None:
            raise EssayImportError(f"There is no exhibit with the slug “{exhibit_slug}”.")
    essay = Essay.objects.filter(slug=slug).first()
    created = essay is None
    if created:
        essay = Essay(slug=slug)
    values = {"title": converted.title, "body": converted.body}
    if date is not None:
        values["original_date"] = date
    if source_url:
        values["original_url"] = source_url
    changed = created or any(getattr(essay, k) != v for k, v in values.items())
    for name, value in values.items():
        setattr(essay, name, value)
    essay.revision_user = user
    if changed:
        essay.full_clean(exclude=["body_html", "headings", "word_count"])
        essay.save()
    result = ImportResult(
        essay, created, changed, reanchored=getattr(essay, "reanchored", Counter())
    )
    if authors:
        contributors = []
        for name in authors:
            contributor, _ = Contributor.objects.get_or_create(
                slug=slugify(name)[:200] or "author", defaults={"name": name}
            )
            contributors.append(contributor)
        if [a.pk for a in essay.authors.order_by("essayauthor__order")] != [
            c.pk for c in contributors
        ]:
            EssayAuthor.objects.filter(essay=essay).delete()
            for order, contributor in enumerate(contributors):
                EssayAuthor.objects.create(essay=essay, contributor=contributor, order=order)
            result.changed = True
    result.references = [_reference_for(parsed) for parsed in converted.figures]
    essay.references.add(*result.references)
    if (
        exhibit is not None
        and not Block.objects.filter(section__exhibit=exhibit, essay=essay).exists()
    ):
        order = (
            exhibit.sections.order_by("-order").values_list("order", flat=True).first() or 0
        ) + 1
        section_slug, n = slugify(essay.title)[:240] or "essay", 1
        while exhibit.sections.filter(slug=section_slug).exists():
            n += 1
            section_slug = f"{slugify(essay.title)[:236]}-{n}"
        result.section = Section.objects.create(
            exhibit=exhibit, title=essay.title, slug=section_slug, order=order
        )
        Block.objects.create(section=result.section, kind=Block.Kind.ESSAY, essay=essay)
    return result
