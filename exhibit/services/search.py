"""Full-text search over published exhibits, sections, essays, images, notes and entities.

One API for both databases:

- ``search(query, filters, page)`` returns a ``SearchResults`` (plain results with escaped,
  ``<mark>``-highlighted snippets, facet counts and paging), in a fixed number of queries;
- ``index_object(obj)``, ``remove_object(obj)`` and ``rebuild()`` keep the index
  (``SearchEntry``) up to date; ``exhibit.signals`` schedules them on save, delete and link
  changes, and copies new visibility moments (``copy_moments``).

Folding happens here, in Python, on both the indexed text and the query: case, diacritics
(NFKD, combining marks dropped) and Cyrillic (transliterated), so "LIPEŽK", "Липецк" and
"Lipetsk" fold alike and neither database needs an extension. The folded text is stored as
plain word tokens joined by spaces, so PostgreSQL's parser (``simple`` configuration, no
stemming) and SQLite's FTS5 tokenizer see the same words. An entity's name and alternative
names are one synonym set: a query naming any of them ("Lipezk", "Tuchatschewski") also finds
content that uses another ("Lipetsk", "Tukhachevsky").

Visibility is copied into the index: each row and placement holds its object's stored
``visible_from`` (``exhibit.visibility``), updated in place by ``moments_changed`` (no
re-rendering), and a search keeps the rows whose moment has passed, reading the index alone.
Documents hold only what the public page shows (a section leaves out an essay block whose
essay is not visible). User input never reaches MATCH or to_tsquery as written: the query is
rebuilt from word tokens.
"""

from __future__ import annotations

import datetime
import functools
import html
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear
from django.dispatch import Signal
from django.utils import timezone

from exhibit.services.projection import plain_text

# Sent inside the writing transaction when index rows were written or removed. ``objects`` is
# a list of ``(model, pk)`` whose rows changed, or None after a full rebuild. Search pages show
# the index, whose writes send no model signals: the page cache listens to this.
index_changed = Signal()

PAGE_SIZE = 20
# A search: name variants; kinds, kinds of entity, decades and the total (one GROUP BY);
# exhibits and archives (one UNION of two GROUP BYs); the page of results.
QUERIES = 4
# Objects re-indexed within the request when a change reaches many others (an entity renamed,
# an archive renamed); the rest are handed to the ``reindex_search`` background task.
INLINE_LIMIT = 200
CHUNK = 500  # primary keys per IN (...) list
# The searchable models (exhibit app model names), which are also the index's kinds.
SEARCHABLE = ("exhibit", "section", "essay", "image", "annotation", "entity")
MAX_QUERY_LENGTH = 200  # characters of user input considered
MAX_TERMS = 12
MAX_TERM_LENGTH = 64
SNIPPET_WORDS = 30
FTS_TABLE = "exhibit_searchentry_fts"
RANK_SQL = (
    'SELECT -bm25({fts}, 10.0, 1.0) FROM {fts} WHERE {fts} MATCH %s AND rowid = "{table}"."id"'
)

# Ranking: relevance times a weight per kind, so the exhibit, section, essay or entity that is
# about a thing comes before the many short notes that mention it.
KIND_WEIGHTS = {
    "exhibit": 1.6,
    "entity": 1.6,
    "section": 1.4,
    "essay": 1.4,
    "image": 1.2,
    "annotation": 0.7,
}

WORD = re.compile(r"[^\W_]+")
CONNECTORS = {"AND", "OR", "NOT", "NEAR"}

CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip
# Endings that English-language transliteration writes as "y": Тухачевский -> Tukhachevsky.
CYRILLIC_ENDINGS = re.compile(r"(?:ий|ый)\b")


# --- folding ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case, diacritics and script folded.

    ``fold("Липецк Łódź Straße") == "lipetsk lodz strasse"``
    """
    text = CYRILLIC_ENDINGS.sub("y", text.lower())
    text = "".join(CYRILLIC.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    # Letters NFKD does not decompose.
    stripped = stripped.translate(str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i"}))
    return stripped.casefold()


def fold_tokens(text: str) -> list[str]:
    """The folded word tokens of ``text``, as both backends index them."""
    return [token for word in WORD.findall(text or "") for token in WORD.findall(fold(word))]


@functools.lru_cache(maxsize=50_000)
def _word_tokens(word: str) -> tuple[str, ...]:
    """``fold_tokens`` of one word, remembered: snippets fold the same words again and again."""
    return tuple(fold_tokens(word))


def folded(text: str) -> str:
    return " ".join(fold_tokens(text))


# --- the query -------------------------------------------------------------------------------


@dataclass
class Group:
    """One required part of a query: any of its alternatives (each a phrase of tokens)."""

    alternatives: list[tuple[str, ...]]
    prefix: bool = False  # the last, single-token group of a query also matches word starts


@dataclass
class ParsedQuery:
    groups: list[Group]

    def __bool__(self):
        return bool(self.groups)

    def terms(self) -> set[str]:
        return {token for group in self.groups for alt in group.alternatives for token in alt}

    def prefixes(self) -> set[str]:
        return {g.alternatives[0][0] for g in self.groups if g.prefix}


def parse_query(raw: str) -> list[str]:
    """Word tokens of what a visitor typed, folded; operators and punctuation are dropped."""
    raw = (raw or "")[:MAX_QUERY_LENGTH]
    words = [word for word in WORD.findall(raw) if word not in CONNECTORS]
    tokens = [token[:MAX_TERM_LENGTH] for word in words for token in fold_tokens(word)]
    return tokens[:MAX_TERMS]


def expand(tokens: list[str], variant_sets: Iterable[list[str]], prefix: bool) -> ParsedQuery:
    """Groups for ``tokens``: a run of tokens naming an entity matches any of its names."""
    phrases = {}
    for variants in variant_sets:
        alternatives = [tuple(v.split()) for v in variants if v.split()]
        for alternative in alternatives:
            phrases.setdefault(alternative, set()).update(alternatives)
    groups, i = [], 0
    while i < len(tokens):
        for length in range(min(len(tokens) - i, 6), 0, -1):
            phrase = tuple(tokens[i : i + length])
            if phrase in phrases:
                alternatives = sorted(phrases[phrase], key=lambda alt: (alt != phrase, alt))
                groups.append(Group(alternatives))
                i += length
                break
        else:
            groups.append(Group([(tokens[i],)]))
            i += 1
    last = groups[-1] if groups else None
    if prefix and last and len(last.alternatives) == 1 and len(last.alternatives[0]) == 1:
        last.prefix = len(last.alternatives[0][0]) >= 2
    return ParsedQuery(groups)


def _fts5_query(parsed: ParsedQuery, *, any_group: bool = False) -> str:
    # Tokens are [^\W_]+ only, so double quotes around them can never be broken out of.
    parts = []
    for group in parsed.groups:
        alts = [f'"{" ".join(alt)}"' for alt in group.alternatives]
        if group.prefix:
            alts = [f"{alts[0]}*"]
        parts.append(alts[0] if len(alts) == 1 else f"({' OR '.join(alts)})")
    return (" OR " if any_group else " AND ").join(parts)


def _tsquery(parsed: ParsedQuery, *, any_group: bool = False) -> str:
    parts = []
    for group in parsed.groups:
        alts = [" <-> ".join(f"'{token}'" for token in alt) for alt in group.alternatives]
        if group.prefix:
            alts = [f"{alts[0]}:*"]
        parts.append(alts[0] if len(alts) == 1 else f"({' | '.join(alts)})")
    return (" | " if any_group else " & ").join(parts)


# --- backends --------------------------------------------------------------------------------


class SQLiteBackend:
    """FTS5 over the folded columns (migration 0006 creates the table and its triggers)."""

    def matching(self, queryset, parsed, *, any_group=False):
        match = _fts5_query(parsed, any_group=any_group)
        return queryset.filter(
            # The MATCH string is a parameter, built from word tokens only (see _fts5_query).
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])  # noqa: S608, S611
        )

    def ranked(self, queryset, parsed):
        match = _fts5_query(parsed)
        table = queryset.model._meta.db_table
        # bm25 is lower for better matches; the title counts ten times the text.
        rank = RawSQL(  # noqa: S611 (constant SQL; the MATCH string is a parameter)
            RANK_SQL.format(fts=FTS_TABLE, table=table),
            [match],
            output_field=models.FloatField(),
        )
        return queryset.annotate(rank=rank)

    def title_hit(self, parsed):
        match = f"search_title : ({_fts5_query(parsed)})"
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
        return models.Q(pk__in=RawSQL(sql, [match]))  # noqa: S611 (the query is a parameter)

    def after_write(self, pks):
        pass  # the triggers have done it


class PostgresBackend:
    """A stored tsvector (title weight A, text weight B) behind a GIN index."""

    def _query(self, parsed, any_group=False):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(
            _tsquery(parsed, any_group=any_group), config="simple", search_type="raw"
        )

    def matching(self, queryset, parsed, *, any_group=False):
        return queryset.filter(vector=self._query(parsed, any_group))

    def ranked(self, queryset, parsed):
        from django.contrib.postgres.search import SearchRank

        return queryset.annotate(rank=SearchRank(models.F("vector"), self._query(parsed)))

    def title_hit(self, parsed):
        from django.contrib.postgres.search import SearchVector

        # Only evaluated on rows that already matched, so it needs no index of its own.
        return models.Q(
            pk__in=queryset_for_title(SearchVector("search_title", config="simple"))
            .filter(title_vector=self._query(parsed))
            .values("pk")
        )

    def after_write(self, pks):
        from django.contrib.postgres.search import SearchVector

        from exhibit.models import SearchEntry

        vector = SearchVector("search_title", weight="A", config="simple") + SearchVector(
            "search_text", weight="B", config="simple"
        )
        SearchEntry.objects.filter(pk__in=pks).update(vector=vector)


def queryset_for_title(vector):
    from exhibit.models import SearchEntry

    return SearchEntry.objects.annotate(title_vector=vector)


def backend():
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()


# --- visibility ------------------------------------------------------------------------------


def visible_entries():
    """Index rows whose object visitors may see now: the stored moment has passed.

    Each row carries a copy of its object's ``visible_from`` (kept by ``copy_moments``), so
    this is one indexed comparison on the index itself, with no join to the content tables.
    """
    from exhibit.models import SearchEntry

    return SearchEntry.objects.filter(visible_from__lte=timezone.now())


def copy_moments(registry=global_apps, changes=None) -> list[tuple[type, int]]:
    """Copy stored ``visible_from`` moments onto index rows and placements; return the
    ``(model, pk)`` of the rows updated.

    ``changes`` is what ``exhibit.visibility.moments_changed`` sends (``{model name: {pk:
    (old, new)}}``), or None to copy every moment (a few ``UPDATE … SET = (SELECT …)``
    queries; the migration that added the columns uses it with its ``apps``). Only queryset
    updates: a pure change of visibility re-renders no document.
    """
    entries = registry.get_model("exhibit", "SearchEntry")
    placements = registry.get_model("exhibit", "SearchPlacement")
    models_by_kind = {kind: registry.get_model("exhibit", kind) for kind in SEARCHABLE}
    touched = []
    if changes is None:
        for kind, model in models_by_kind.items():
            moment = model.objects.filter(pk=OuterRef("object_id")).values("visible_from")
            entries.objects.filter(kind=kind).update(visible_from=Subquery(moment[:1]))
        for column, kind in (("section_id", "section"), ("exhibit_id", "exhibit")):
            model = models_by_kind[kind]
            moment = model.objects.filter(pk=OuterRef(column)).values("visible_from")
            rows = placements.objects.all()
            rows = rows.exclude(section=None) if kind == "section" else rows.filter(section=None)
            rows.update(visible_from=Subquery(moment[:1]))
        return touched
    for kind, moments in changes.items():
        if kind not in models_by_kind:
            continue
        by_moment = {}
        for pk, (_old, new) in moments.items():
            by_moment.setdefault(new, []).append(pk)
        for new, pks in by_moment.items():
            for start in range(0, len(pks), CHUNK):
                batch = pks[start : start + CHUNK]
                rows = entries.objects.filter(kind=kind, object_id__in=batch)
                if rows.update(visible_from=new):
                    touched += [(models_by_kind[kind], pk) for pk in batch]
                if kind == "section":
                    placements.objects.filter(section__in=batch).update(visible_from=new)
                elif kind == "exhibit":
                    placements.objects.filter(section=None, exhibit__in=batch).update(
                        visible_from=new
                    )
    return touched


# --- searching -------------------------------------------------------------------------------


@dataclass
class Filters:
    """What the facets narrow to; every value is optional."""

    kinds: list[str] = field(default_factory=list)
    exhibits: list[str] = field(default_factory=list)  # slugs
    entity_kinds: list[str] = field(default_factory=list)
    repositories: list[str] = field(default_factory=list)  # abbreviations
    year_from: int | None = None
    year_to: int | None = None

    def q(self, skip=""):
        """The filters as one condition on index rows, leaving out the facet ``skip``."""
        from exhibit.models import SearchEntry, SearchPlacement

        condition = Q()
        if self.kinds and skip != "kind":
            condition &= Q(kind__in=self.kinds)
        if self.exhibits and skip != "exhibit":
            condition &= Q(
                pk__in=SearchPlacement.objects.visible()
                .filter(exhibit__slug__in=self.exhibits)
                .values("entry_id")
            )
        if self.entity_kinds and skip != "entity_kind":
            condition &= Q(entity_kind__in=self.entity_kinds)
        if self.repositories and skip != "repository":
            condition &= Q(
                pk__in=SearchEntry.repositories.through.objects.filter(
                    repository__abbreviation__in=self.repositories
                ).values("searchentry_id")
            )
        if skip != "date":
            if self.year_from is not None:
                condition &= Q(date_latest__gte=datetime.date(self.year_from, 1, 1))
            if self.year_to is not None:
                condition &= Q(date_earliest__lte=datetime.date(self.year_to, 12, 31))
        return condition

    def apply(self, queryset, skip=""):
        condition = self.q(skip)
        return queryset.filter(condition) if condition else queryset


@dataclass
class Result:
    kind: str
    kind_label: str
    title: str
    url: str
    snippet: str  # safe HTML: escaped text with <mark> around matched words
    entity_kind: str
    date_earliest: datetime.date | None
    date_latest: datetime.date | None

    @property
    def years(self):
        """``1928`` or ``1925–1933``, or empty when undated."""
        if not self.date_earliest:
            return ""
        first, last = self.date_earliest.year, (self.date_latest or self.date_earliest).year
        return str(first) if first == last else f"{first}–{last}"


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    page: object  # a django Page of Result
    total: int
    facets: dict[str, list[FacetValue]]
    years: list[FacetValue]  # decades, for the date range

    @property
    def results(self):
        return list(self.page.object_list)


class _Hits:
    """A lazy sequence for ``Paginator``: its length is known, a slice runs one query."""

    def __init__(self, total, fetch):
        self.total, self.fetch = total, fetch

    def __len__(self):
        return self.total

    def count(self):
        return self.total

    def __getitem__(self, bounds):
        return self.fetch(bounds.start or 0, bounds.stop)


def _variant_sets(tokens):
    """Name variants of visible entities that any query token names (one query)."""
    from exhibit.models import SearchEntry

    if not tokens:
        return []
    probe = ParsedQuery([Group([(token,)]) for token in tokens])
    entities = backend().matching(
        visible_entries().filter(kind=SearchEntry.Kind.ENTITY), probe, any_group=True
    )
    return [row.splitlines() for row in entities.values_list("variants", flat=True)[:50]]


def search(query: str, filters: Filters | None = None, page: int | str = 1) -> SearchResults:
    """Published objects matching ``query``, best first, with facets: a fixed number of queries."""
    from exhibit.models import Entity, SearchEntry

    flush()  # this thread's own unsaved index work first (no queries when there is none)
    filters = filters or Filters()
    query = query or ""
    # "kaz" also finds Kazan while it is being typed; "kaz " is a finished word.
    ends_in_word = bool(query) and query[-1].isalnum()
    query = query.strip()
    tokens = parse_query(query)
    parsed = expand(tokens, _variant_sets(tokens), prefix=ends_in_word)
    engine = backend()
    matched = engine.matching(visible_entries(), parsed) if parsed else SearchEntry.objects.none()

    now = timezone.now()
    kind_labels = dict(SearchEntry.Kind.choices)
    entity_kind_labels = dict(Entity.Kind.choices)

    # Kinds, kinds of entity, decades and the total in one GROUP BY over the matching rows:
    # each facet counts the rows that pass every filter but its own.
    def counted(skip):
        condition = filters.q(skip=skip)
        return Count("pk", filter=condition) if condition else Count("pk")

    column_rows = (
        matched.annotate(year=ExtractYear("date_earliest"))
        .values("kind", "entity_kind", "year")
        .annotate(
            n=counted(None),
            n_kind=counted("kind"),
            n_entity_kind=counted("entity_kind"),
            n_date=counted("date"),
        )
        .order_by()
    )
    kind_counts, entity_kind_counts, decades, total = {}, {}, {}, 0
    for row in column_rows:
        total += row["n"]
        if row["n_kind"]:
            kind_counts[row["kind"]] = kind_counts.get(row["kind"], 0) + row["n_kind"]
        if row["entity_kind"] and row["n_entity_kind"]:
            value = row["entity_kind"]
            entity_kind_counts[value] = entity_kind_counts.get(value, 0) + row["n_entity_kind"]
        if row["year"] is not None and row["n_date"]:
            decade = row["year"] // 10 * 10
            decades[decade] = decades.get(decade, 0) + row["n_date"]
    kinds = [
        FacetValue(kind, kind_labels[kind], kind_counts[kind], kind in filters.kinds)
        for kind in kind_labels
        if kind in kind_counts
    ]
    entity_kinds = [
        FacetValue(value, entity_kind_labels.get(value, value), n, value in filters.entity_kinds)
        for value, n in sorted(entity_kind_counts.items())
    ]
    years = [
        FacetValue(str(decade), f"{decade}s", n, False) for decade, n in sorted(decades.items())
    ]

    # Exhibits (only placements visitors can see now: an essay shown by a draft or scheduled
    # section of another exhibit is not yet in that exhibit) and archives, in one UNION.
    text = models.CharField()
    exhibit_rows = (
        filters.apply(matched, skip="exhibit")
        .filter(placements__visible_from__lte=now)
        .annotate(
            facet=models.Value("exhibit", output_field=text),
            key=models.F("placements__exhibit__slug"),
            label=models.F("placements__exhibit__title"),
        )
        .values("facet", "key", "label")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    repository_rows = (
        filters.apply(matched, skip="repository")
        .filter(repositories__isnull=False)
        .annotate(
            facet=models.Value("repository", output_field=text),
            key=models.F("repositories__abbreviation"),
            label=models.F("repositories__name"),
        )
        .values("facet", "key", "label")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    joined = {"exhibit": [], "repository": []}
    for row in exhibit_rows.union(repository_rows, all=True):
        joined[row["facet"]].append(row)
    exhibits = [
        FacetValue(r["key"], r["label"], r["n"], r["key"] in filters.exhibits)
        for r in sorted(joined["exhibit"], key=lambda r: (-r["n"], r["label"]))
    ]
    repositories = [
        FacetValue(r["key"], f"{r['key']} — {r['label']}", r["n"], r["key"] in filters.repositories)
        for r in sorted(joined["repository"], key=lambda r: (-r["n"], r["key"]))
    ]

    results_qs = filters.apply(matched)
    if parsed:
        weight = models.Case(
            *(models.When(kind=kind, then=models.Value(w)) for kind, w in KIND_WEIGHTS.items()),
            default=models.Value(1.0),
            output_field=models.FloatField(),
        )
        # Results whose title has every word come first; then relevance weighted by kind.
        title_hit = models.Case(
            models.When(engine.title_hit(parsed), then=models.Value(1)),
            default=models.Value(0),
            output_field=models.IntegerField(),
        )
        results_qs = (
            engine.ranked(results_qs, parsed)
            .annotate(title_hit=title_hit, score=models.F("rank") * weight)
            .order_by("-title_hit", "-score", "title", "pk")
        )
    terms, prefixes = parsed.terms(), parsed.prefixes()

    def fetch(start, stop):
        rows = results_qs.only(
            "kind", "title", "url", "text", "entity_kind", "date_earliest", "date_latest"
        )[start:stop]
        return [
            Result(
                kind=row.kind,
                kind_label=kind_labels.get(row.kind, row.kind),
                title=row.title,
                url=row.url,
                snippet=snippet(row.text, terms, prefixes),
                entity_kind=row.entity_kind,
                date_earliest=row.date_earliest,
                date_latest=row.date_latest,
            )
            for row in rows
        ]

    paginator = Paginator(_Hits(total, fetch), PAGE_SIZE)
    try:
        page_obj = paginator.page(page)
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    return SearchResults(
        query=query,
        terms=sorted(terms),
        page=page_obj,
        total=total,
        facets={
            "kind": kinds,
            "exhibit": exhibits,
            "entity_kind": entity_kinds,
            "repository": repositories,
        },
        years=years,
    )


def snippet(text: str, terms: set[str], prefixes: set[str] = frozenset(), words=SNIPPET_WORDS):
    """About ``words`` words of ``text`` around its first match, escaped, matches in <mark>."""

    def matches(span):
        tokens = _word_tokens(text[span[0] : span[1]])
        return any(token in terms or any(token.startswith(p) for p in prefixes) for token in tokens)

    # Words are folded only up to the first match, then within the window shown.
    spans = [(m.start(), m.end()) for m in WORD.finditer(text or "")]
    if not spans:
        return ""
    first = next((i for i, span in enumerate(spans) if matches(span)), 0)
    begin = max(0, first - words // 3)
    end = min(len(spans), begin + words)
    begin = max(0, min(begin, end - words))
    hit_set = {i for i in range(begin, end) if matches(spans[i])}
    out, cursor = [], spans[begin][0] if begin else 0
    if begin > 0:
        out.append("… ")
    for i in range(begin, end):
        start, stop = spans[i]
        out.append(html.escape(text[cursor:start]))
        word = html.escape(text[start:stop])
        out.append(f"<mark>{word}</mark>" if i in hit_set else word)
        cursor = stop
    if end < len(spans):
        out.append(" …")
    else:
        out.append(html.escape(text[cursor:]))
    return re.sub(r"\s+", " ", "".join(out)).strip()


# --- indexing --------------------------------------------------------------------------------


@dataclass
class Document:
    title: str
    text: str
    url: str
    extra: str = ""  # indexed but not shown (citations forms, names of linked entities)
    index_title: bool = True  # False: the title is indexed as text, not weighted as a title
    variants: list[str] = field(default_factory=list)
    entity_kind: str = ""
    date_earliest: datetime.date | None = None
    date_latest: datetime.date | None = None
    # (exhibit id, section id or None) -> that section's (or exhibit's) visible_from: where
    # the object appears, visible or not; the search keeps only the placements visitors can
    # see at query time.
    placements: dict[tuple[int, int | None], datetime.datetime | None] = field(default_factory=dict)
    repository_ids: set[int] = field(default_factory=set)
    # When the document must be made again because something it leaves out (an essay block
    # whose essay is not yet visible) becomes visible.
    recheck_at: datetime.datetime | None = None


def _join(*parts):
    return "\n".join(part for part in parts if part)


def _sentences(*parts):
    """Parts as shown in a snippet: each ends with a full stop unless it has punctuation."""
    parts = [part.strip() for part in parts if part and part.strip()]
    return "\n".join(part if part[-1] in ".!?…”\"')" else f"{part}." for part in parts)


def _html_text(rendered):
    return plain_text(rendered) if rendered else ""


def _reference_words(reference):
    if reference is None:
        return ""
    repository = reference.repository
    return _join(
        reference.short_citation,
        reference.long_form,
        reference.title,
        reference.previous_reference,
        repository.name,
        repository.name_original,
        repository.former_names,
    )


def _placements_of_blocks(blocks):
    rows = blocks.values_list("section__exhibit_id", "section_id", "section__visible_from")
    return {(exhibit_id, section_id): moment for exhibit_id, section_id, moment in rows}


def _image_placements(image_ids):
    """``image_ids``: a list or a ``values("pk")``-like subquery."""
    from exhibit.models import Block, Exhibit

    blocks = Block.objects.filter(Q(image__in=image_ids) | Q(gallery__in=image_ids))
    covers = Exhibit.objects.filter(cover_image__in=image_ids).values_list("pk", "visible_from")
    return _placements_of_blocks(blocks) | {(pk, None): moment for pk, moment in covers}


def _essay_placements(essay_ids):
    from exhibit.models import Block

    return _placements_of_blocks(Block.objects.filter(essay__in=essay_ids))


def document_for(obj) -> Document:
    """What the index holds for ``obj`` (any searchable model)."""
    from exhibit.models import Annotation, Entity, Essay, Exhibit, Image, Section

    if isinstance(obj, Exhibit):
        return Document(
            title=obj.title,
            text=_sentences(obj.subtitle, obj.summary, _html_text(obj.introduction_html)),
            extra=_html_text(obj.credits_html),
            url=obj.get_absolute_url(),
            placements={(obj.pk, None): obj.visible_from},
        )
    if isinstance(obj, Section):
        blocks, recheck_at = _shown_blocks(obj)
        texts = [obj.summary]
        for block in blocks:
            texts += [block.heading, _html_text(block.text_html), _html_text(block.quote_html)]
            texts += [block.quote_attribution, block.quote_source]
        return Document(
            title=obj.title,
            text=_sentences(*texts),
            extra=_join(*(_reference_words(b.quote_reference) for b in blocks)),
            url=obj.get_absolute_url(),
            placements={(obj.exhibit_id, obj.pk): obj.visible_from},
            repository_ids={b.quote_reference.repository_id for b in blocks if b.quote_reference},
            recheck_at=recheck_at,
        )
    if isinstance(obj, Essay):
        references = list(obj.references.select_related("repository"))
        authors = obj.authors.values_list("name", flat=True)
        date = obj.original_date
        return Document(
            title=_join(obj.title, obj.subtitle).replace("\n", ": "),
            text=_join(obj.abstract, _html_text(obj.body_html)),
            extra=_join(*authors, obj.original_venue, *map(_reference_words, references)),
            url=obj.get_absolute_url(),
            date_earliest=date,
            date_latest=date,
            placements=_essay_placements([obj.pk]),
            repository_ids={r.repository_id for r in references},
        )
    if isinstance(obj, Image):
        reference = obj.archival_reference
        citation = reference.full_citation if reference else ""
        entities = obj.entities.values_list("name", "alternative_names")
        return Document(
            title=obj.title,
            text=_sentences(obj.caption, obj.credit_line, citation),
            extra=_join(
                obj.alt_text,
                obj.date_display,
                _reference_words(reference),
                *(_join(*e) for e in entities),
            ),
            url=obj.get_absolute_url(),
            date_earliest=obj.date_earliest,
            date_latest=obj.date_latest,
            placements=_image_placements([obj.pk]),
            repository_ids={reference.repository_id} if reference else set(),
        )
    if isinstance(obj, Annotation):
        target = obj.essay or obj.image
        references = list(obj.references.select_related("repository"))
        entities = obj.entities.values_list("name", "alternative_names")
        if obj.essay_id:
            placements = _essay_placements([obj.essay_id])
        else:
            placements = _image_placements([obj.image_id])
        return Document(
            title=f"Note on “{target.title}”",
            # The target's title is the note's context, not its subject: not ranked as a title.
            index_title=False,
            text=_sentences(
                f"“{obj.exact}”" if obj.exact else "",
                _html_text(obj.body_html),
                "; ".join(r.short_citation for r in references),
            ),
            extra=_join(
                target.title,
                *(_join(*e) for e in entities),
                *map(_reference_words, references),
            ),
            url=f"{target.get_absolute_url()}#n-{obj.uuid}",
            placements=placements,
            repository_ids={r.repository_id for r in references},
        )
    if isinstance(obj, Entity):
        names = [obj.name, *obj.alternative_names_list]
        return Document(
            title=obj.name,
            text=_sentences(
                obj.description,
                f"Also: {', '.join(obj.alternative_names_list)}"
                if obj.alternative_names_list
                else "",
            ),
            extra=_join(obj.get_kind_display(), obj.date_display),
            url=obj.get_absolute_url(),
            variants=sorted({folded(name) for name in names} - {""}),
            entity_kind=obj.kind,
            date_earliest=obj.date_earliest,
            date_latest=obj.date_latest,
            placements=_entity_placements(obj),
        )
    raise TypeError(f"{type(obj).__name__} is not searchable")


def _entity_placements(entity):
    from exhibit.models import Annotation, Block

    # Subqueries, not lists: a hub entity is linked to thousands of notes.
    found = _placements_of_blocks(Block.objects.filter(entities=entity))
    found |= _image_placements(entity.images.values("pk"))
    notes = Annotation.objects.filter(entities=entity)
    found |= _essay_placements(notes.exclude(essay=None).values("essay_id"))
    found |= _image_placements(notes.exclude(image=None).values("image_id"))
    return found


def _shown_blocks(section):
    """The blocks a visitor sees on ``section``'s page, and when to look again.

    The page leaves out an essay block whose essay is not visible, so its document does too.
    While the section is itself scheduled, an essay visible by the section's moment counts as
    shown (the row is hidden until then anyway); an essay visible only later is left out and
    ``recheck_at`` says when the section must be indexed again.
    """
    from exhibit.models import Block

    blocks = list(section.blocks.select_related("quote_reference__repository", "essay"))
    horizon = max(timezone.now(), section.visible_from or timezone.now())
    shown, recheck_at = [], None
    for block in blocks:
        if block.kind == Block.Kind.ESSAY:
            moment = block.essay.visible_from if block.essay else None
            if moment is None:
                continue
            if moment > horizon:
                recheck_at = min(recheck_at or moment, moment)
                continue
        shown.append(block)
    return shown, recheck_at


def _kinds():
    from exhibit.models import Annotation, Entity, Essay, Exhibit, Image, SearchEntry, Section

    return {
        Exhibit: SearchEntry.Kind.EXHIBIT,
        Section: SearchEntry.Kind.SECTION,
        Essay: SearchEntry.Kind.ESSAY,
        Image: SearchEntry.Kind.IMAGE,
        Annotation: SearchEntry.Kind.ANNOTATION,
        Entity: SearchEntry.Kind.ENTITY,
    }


class _Kinds(dict):
    """Searchable model -> index kind, filled on first use (models load after this module)."""

    def get(self, model, default=None):
        if not self:
            self.update(_kinds())
        return super().get(model, default)


KINDS = _Kinds()


def _kind_of(obj):
    return KINDS.get(type(obj))


def index_object(obj) -> bool:
    """Write (or rewrite) the index row of one searchable object.

    Returns whether what other objects' rows copy from it (its address, title or names)
    changed, or the row is new: then ``dependents(obj)`` need indexing again. A row whose
    document did not change is not written at all.
    """
    written, _ = _index(obj)
    return written


def _index(obj):
    """``(dependents must follow, row written)`` for ``obj``."""
    from exhibit.models import SearchEntry

    kind = _kind_of(obj)
    if kind is None or obj.pk is None:
        return False, False
    doc = document_for(obj)
    values = {
        "url": doc.url[:500],
        "title": doc.title[:500],
        "text": doc.text,
        "search_title": folded(doc.title) if doc.index_title else "",
        "search_text": folded(_join(doc.text, doc.extra)),
        "variants": "\n".join(doc.variants),
        "entity_kind": doc.entity_kind,
        "date_earliest": doc.date_earliest,
        "date_latest": doc.date_latest,
        "visible_from": obj.visible_from,
    }
    with transaction.atomic(savepoint=False):
        entry = SearchEntry.objects.filter(kind=kind, object_id=obj.pk).first()
        if entry is None:
            entry = SearchEntry.objects.create(kind=kind, object_id=obj.pk, **values)
            changed, follow = list(values), True
        else:
            changed = [name for name, value in values.items() if getattr(entry, name) != value]
            follow = any(name in changed for name in ("url", "title", "variants"))
            for name in changed:
                setattr(entry, name, values[name])
            if changed:
                entry.save(update_fields=[*changed, "indexed"])
        moved = _set_placements(entry, doc.placements)
        stored = set(entry.repositories.values_list("pk", flat=True))
        if stored != doc.repository_ids:
            entry.repositories.set(doc.repository_ids)
        if {"search_title", "search_text"} & set(changed):
            backend().after_write([entry.pk])
    if doc.recheck_at:
        _recheck_later([(type(obj), obj.pk)], doc.recheck_at)
    return follow, bool(changed or moved or stored != doc.repository_ids)


def _set_placements(entry, placements):
    """Make ``entry``'s placements those of ``placements``; return whether any changed."""
    from exhibit.models import SearchPlacement

    stored = {(p.exhibit_id, p.section_id): p for p in entry.placements.all()}
    gone = [p.pk for key, p in stored.items() if key not in placements]
    if gone:
        SearchPlacement.objects.filter(pk__in=gone).delete()
    moved = [
        p for key, p in stored.items() if key in placements and p.visible_from != placements[key]
    ]
    for placement in moved:
        placement.visible_from = placements[(placement.exhibit_id, placement.section_id)]
    if moved:
        SearchPlacement.objects.bulk_update(moved, ["visible_from"])
    new = [
        SearchPlacement(entry=entry, exhibit_id=exhibit_id, section_id=section_id, visible_from=m)
        for (exhibit_id, section_id), m in sorted(placements.items(), key=lambda kv: str(kv[0]))
        if (exhibit_id, section_id) not in stored
    ]
    if new:
        SearchPlacement.objects.bulk_create(new)
    return bool(gone or moved or new)


def remove_object(obj) -> None:
    """Drop the index row of ``obj`` (deleted)."""
    from exhibit.models import SearchEntry

    kind = _kind_of(obj)
    if kind is not None:
        SearchEntry.objects.filter(kind=kind, object_id=obj.pk).delete()


def searchable_querysets():
    """Every searchable object, per model, in a stable order."""
    from exhibit.models import Annotation, Entity, Essay, Exhibit, Image, Section

    return [
        Exhibit.objects.order_by("pk"),
        Section.objects.select_related("exhibit").order_by("pk"),
        Essay.objects.order_by("pk"),
        Image.objects.select_related("archival_reference__repository").order_by("pk"),
        Annotation.objects.select_related("essay", "image").order_by("pk"),
        Entity.objects.order_by("pk"),
    ]


def rebuild(progress=None) -> dict[str, int]:
    """Index every searchable object afresh and drop rows of objects that are gone.

    ``progress(done, total, label)`` is called after each object. Returns rows per kind.
    """
    from exhibit.models import SearchEntry

    querysets = searchable_querysets()
    total = sum(qs.count() for qs in querysets)
    counts, done = {}, 0
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        for queryset in querysets:
            for obj in queryset.iterator(chunk_size=200):
                index_object(obj)
                done += 1
                kind = _kind_of(obj)
                counts[kind] = counts.get(kind, 0) + 1
                if progress:
                    progress(done, total, str(obj))
        index_changed.send(sender=rebuild, objects=None)
    return counts


def dependents(obj) -> list:
    """Objects whose index rows include something of ``obj``, besides ``obj`` itself."""
    from exhibit.models import (
        ArchivalReference,
        Block,
        Contributor,
        Entity,
        Essay,
        Exhibit,
        GalleryItem,
        Image,
        Repository,
        Section,
    )

    if isinstance(obj, Exhibit):
        return list(obj.sections.all())  # their addresses carry the exhibit's slug
    if isinstance(obj, Section):
        return [obj.exhibit]
    if isinstance(obj, Block):
        return _block_dependents(obj)
    if isinstance(obj, GalleryItem):
        return [*_block_dependents(obj.block), obj.image]
    if isinstance(obj, Essay | Image):
        return list(obj.annotations.all())  # their titles and addresses name the target
    if isinstance(obj, Entity):
        # Names of linked entities are indexed with images and notes.
        return [*obj.images.all(), *obj.annotations.all()]
    if isinstance(obj, ArchivalReference):
        return _reference_dependents(ArchivalReference.objects.filter(pk=obj.pk))
    if isinstance(obj, Repository):
        return _reference_dependents(obj.references.all())
    if isinstance(obj, Contributor):
        return list(obj.essays.all())
    return []


def _block_dependents(block):
    from exhibit.models import Block, Section

    try:
        section = Section.objects.get(pk=block.section_id)
    except Section.DoesNotExist:
        return []
    related = [section]
    # Which exhibits an essay, image or entity belongs to follows from the blocks.
    block = Block.objects.filter(pk=block.pk).first()
    if block is None:
        return related
    if block.essay_id:
        related += [block.essay, *block.essay.annotations.all()]
    images = [block.image] if block.image_id else []
    images += list(block.gallery.all())
    for image in images:
        related += [image, *image.annotations.all(), *image.entities.all()]
    related += list(block.entities.all())
    return related


def _reference_dependents(references):
    from exhibit.models import Annotation, Essay, Image, Section

    return [
        *Image.objects.filter(archival_reference__in=references),
        *Essay.objects.filter(references__in=references).distinct(),
        *Annotation.objects.filter(references__in=references).distinct(),
        *Section.objects.filter(blocks__quote_reference__in=references).distinct(),
    ]


# --- deferred upkeep ----------------------------------------------------------------------------
#
# Saves only note what changed; the rows are rewritten once per object when the transaction
# commits (an admin save or a demo load touches the same section dozens of times), and before
# any search in the same thread, so a writer always reads its own writes. Work left by a rolled
# back transaction is harmless: every row is rebuilt from what the database holds at flush time.
#
# The work is proportional to what changed: a link between a note and an entity re-indexes
# those two (``follow=False``); a saved object's dependents are re-indexed only when what they
# copy from it changed (an entity's names, an essay's title, an exhibit's address), the first
# ``INLINE_LIMIT`` of them at once and the rest by the ``reindex_search`` background task.

_queue = threading.local()


def _pending():
    if not hasattr(_queue, "changed"):
        _queue.changed, _queue.gone = {}, {}
    return _queue


def schedule(obj, *, dependents_of_deleted: Iterable = (), follow: bool = True) -> None:
    """Re-index ``obj`` (and, if ``follow`` and its document changed in what they copy, its
    dependents) when the transaction commits, or before a search.

    For a deleted object, pass what depended on it (``dependents(obj)`` taken before the delete).
    """
    queue = _pending()
    key = (type(obj), obj.pk)
    queue.changed[key] = queue.changed.get(key, False) or follow
    for item in dependents_of_deleted:
        queue.gone[(type(item), item.pk)] = None
    transaction.on_commit(flush)


def has_pending() -> bool:
    queue = _pending()
    return bool(queue.changed or queue.gone)


def flush() -> int:
    """Do the scheduled re-indexing now; return how many rows were written or dropped."""
    queue = _pending()
    if not (queue.changed or queue.gone):
        return 0
    changed, gone = queue.changed, dict(queue.gone)
    queue.changed, queue.gone = {}, {}
    written = []
    with transaction.atomic(savepoint=False):
        todo = {}
        for (model, pk), follow in changed.items():
            obj = model._base_manager.filter(pk=pk).first()
            if obj is None:
                todo[(model, pk)] = None
                continue
            gone.pop((model, pk), None)
            if KINDS.get(model) is None:
                follows = follow  # not searchable itself: its dependents show it
            else:
                follows, wrote = _index(obj)
                follows = follows and follow
                if wrote:
                    written.append((model, pk))
            if follows:
                for item in dependents(obj):
                    todo.setdefault((type(item), item.pk), item)
        for key in gone:
            todo.setdefault(key, None)
        for key in changed:
            if KINDS.get(key[0]) is not None and key in todo and todo[key] is not None:
                del todo[key]  # indexed above
        inline = dict(list(todo.items())[:INLINE_LIMIT])
        later = [key for key in todo if key not in inline]
        written += _write(inline)
        if later:
            _reindex_later(later)
    if written:
        index_changed.send(sender=flush, objects=written)
    return len(written)


def _write(todo):
    """Index or drop each ``(model, pk) -> object or None``; return the rows written."""
    from exhibit.models import SearchEntry

    written = []
    for (model, pk), item in todo.items():
        kind = KINDS.get(model)
        if kind is None:
            continue
        if item is None:  # gone, or captured before a delete: read it again
            item = model._base_manager.filter(pk=pk).first()
        if item is None:
            if SearchEntry.objects.filter(kind=kind, object_id=pk).delete()[0]:
                written.append((model, pk))
        elif _index(item)[1]:
            written.append((model, pk))
    return written


def reindex(items) -> int:
    """Index again the objects ``items`` (``(model label, pk)`` pairs), not their dependents:
    the work of the ``reindex_search`` task. Returns the rows written."""
    from django.apps import apps

    todo = {}
    for label, pk in items:
        model = apps.get_model(label)
        todo[(model, pk)] = None
    with transaction.atomic():
        written = _write(todo)
        if written:
            index_changed.send(sender=reindex, objects=written)
    return len(written)


def _labels(keys):
    return [[model._meta.label_lower, pk] for model, pk in keys]


def _reindex_later(keys):
    """Hand ``keys`` to the background task once this transaction has committed."""
    from exhibit.tasks import reindex_search

    items = _labels(keys)
    transaction.on_commit(lambda: reindex_search.enqueue(items))


def _recheck_later(keys, moment):
    """Index ``keys`` again at ``moment``, if the task backend can wait (a database worker
    can; the immediate backend of development cannot: ``rebuild_search_index`` then)."""
    from django_tasks import default_task_backend

    from exhibit.tasks import reindex_search

    if not default_task_backend.supports_defer:
        return
    items = _labels(keys)
    task = reindex_search.using(run_after=moment)
    transaction.on_commit(lambda: task.enqueue(items))


def moments_changed(changes) -> None:
    """``exhibit.visibility.moments_changed``: copy the new moments onto the index, and index
    again the sections whose documents follow an essay's visibility (an essay block is only
    shown, and searchable, while its essay is visible)."""
    from exhibit.models import Block, Section

    touched = copy_moments(changes=changes)
    blocks = Block.objects.filter(kind=Block.Kind.ESSAY)
    essays = list((changes or {}).get("essay", {}))
    if changes is None or essays:
        found = set()
        for start in range(0, max(len(essays), 1), CHUNK):
            batch = blocks.filter(essay__in=essays[start : start + CHUNK]) if essays else blocks
            found.update(batch.values_list("section_id", flat=True))
        sections = sorted(found)
        for pk in sections[:INLINE_LIMIT]:
            schedule(Section(pk=pk), follow=False)
        if sections[INLINE_LIMIT:]:
            _reindex_later([(Section, pk) for pk in sections[INLINE_LIMIT:]])
    if changes is None:
        index_changed.send(sender=moments_changed, objects=None)
    elif touched:
        index_changed.send(sender=moments_changed, objects=touched)
