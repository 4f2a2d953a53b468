"""No public URL answers 5xx, whatever a visitor sends: a property test over every pattern.

Every URL pattern of ``exhibit.urls`` is read from the resolver, so one added tomorrow is
covered the day it is added (and must name real values for its parameters in ``site``). Each
request starts from real values, so the views get past their lookups on a small published
site, and replaces one path parameter, or the query string, with what an attacker sends:
arbitrary Unicode, lone surrogates and invalid UTF-8 as percent-encoded bytes, NUL, digits of
other scripts ("²", "٣", "①"), thousands of digits, signs and floats, alone or in place of a
number inside a real value ("0,0,512,480" becoming "0,0,<300 digits>,480"). A fixed corpus of
such values is sent to every parameter and every query name on every run; Hypothesis adds
random requests on top.

Any answer of 500 or more fails, and so does any exception a view raises (the test client
re-raises it), with the request Hypothesis shrank it to. It runs on SQLite and PostgreSQL
alike: PostgreSQL refuses NUL in text and integers beyond bigint, SQLite does not.
"""

import itertools
import re
from datetime import timedelta
from urllib.parse import quote, quote_from_bytes

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exhibit import urls as exhibit_urls
from exhibit.models import Annotation, Block, Entity, ReviewLink, Status
from exhibit.services import search
from exhibit.services.anchoring import selector_for
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_reference,
    make_repository,
    make_section,
)

# Random requests per URL pattern, on top of the corpus: the file stays well within a minute.
EXAMPLES_PER_PATTERN = 10
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
DIGITS = re.compile(r"[0-9]+")
# Query parameters the views read, and a few they might one day.
QUERY_NAMES = ["page", "p", "from", "to", "q", "type", "exhibit", "kind", "repository", "iris"]
QUERY_NAMES += ["format", "lang", "id", "letter", "decade"]
# The Image API's qualities and formats (§4.4, §4.5).
QUALITIES = ["default", "color", "gray", "bitonal"]
FORMATS = ["jpg", "tif", "png", "gif", "jp2", "pdf", "webp"]


# What an attacker sends ----------------------------------------------------------------------

CORPUS = [
    "9" * 300,  # a number that makes a file name too long
    "9" * 5000,  # beyond the 4,300 digits int() reads
    "9223372036854775808",  # one beyond PostgreSQL's bigint
    "²",  # str.isdigit() says yes, int() says no
    "-1",
    "1\x00",  # PostgreSQL refuses NUL in text
    "\ud800",  # a lone surrogate
]
CORPUS_BYTES = [value.encode("utf-8", "surrogatepass") for value in CORPUS]
CORPUS_BYTES.append(b"\xff\xfe")  # not UTF-8

OTHER_DIGITS = "²³¹⁰₁٣٤۵०१௫๓၅໒༣①⑳ⅫＶ１𝟘𝟡"
huge = st.integers(19, 6000).map(lambda n: "9" * n)
number_like = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    huge,
    st.text(alphabet=OTHER_DIGITS, min_size=1, max_size=4),
    st.text(alphabet=OTHER_DIGITS + "0123456789", min_size=1, max_size=12),
    st.floats().map(str),
    st.sampled_from(["", "0", "-0", "+1", " 1", "1 ", "0x10", "1_000", "1e3", "1.0", "\x00"]),
)
# Any code point, lone surrogates included (sent as the bytes "surrogatepass" makes of them).
any_text = st.text(st.characters(exclude_categories=()), max_size=80)
long_text = st.integers(256, 5000).map(lambda n: "x" * n)


def encoded(strategy):
    return strategy.map(lambda text: text.encode("utf-8", "surrogatepass"))


raw = st.one_of(encoded(number_like), encoded(any_text), encoded(long_text), st.binary(max_size=40))


def iiif_numbers(count):
    number = st.one_of(st.integers(0, 2000).map(str), huge, number_like)
    return st.lists(number, min_size=count, max_size=count).map(",".join)


# Values in the shape a parameter takes, by name (IIIF) or else by converter.
SHAPED = {
    "region": st.one_of(
        st.sampled_from(["full", "square"]),
        iiif_numbers(4),
        iiif_numbers(4).map("pct:".__add__),
    ),
    "size": st.tuples(
        st.sampled_from(["", "!", "^", "^!", "pct:", "^pct:"]),
        st.one_of(
            st.just("max"), iiif_numbers(2), iiif_numbers(1), iiif_numbers(1).map(",".__add__)
        ),
    ).map("".join),
    "rotation": st.tuples(st.sampled_from(["", "!"]), number_like).map("".join),
    "quality": st.sampled_from([*QUALITIES, "Default", ""]),
    "extension": st.sampled_from([*FORMATS, "JPG", "jpeg", ""]),
    "slug": st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True),
    "uuid": st.uuids().map(str),
    "number": number_like,
    "int": number_like,
    # A rendition's image file: its SHA-256, or near misses of one.
    "checksum": st.one_of(
        st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
        st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=70),
    ),
    "rendition_format": st.sampled_from(["jpg", "webp", "png", "JPG", "jpeg", ""]),
    "shard": st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=3),
}


def replace_a_number(value, index, replacement):
    """``value`` with its ``index``-th run of ASCII digits (counted round) replaced."""
    runs = list(DIGITS.finditer(value))
    run = runs[index % len(runs)]
    return value[: run.start()] + replacement + value[run.end() :]


def attack(reals, converter, name):
    """Bytes for one path parameter in place of its real values."""
    shaped = SHAPED.get(name, SHAPED.get(converter, any_text))
    choices = [encoded(shaped), raw]
    numbered = [value for value in reals if DIGITS.search(value)]
    if numbered:
        mutated = st.builds(
            replace_a_number, st.sampled_from(numbered), st.integers(0, 3), number_like
        )
        choices.insert(0, encoded(mutated))
    return st.one_of(*choices)


def query_pairs(names, values, min_size=0, max_size=4):
    return st.lists(st.tuples(names, values), min_size=min_size, max_size=max_size)


latin1 = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=120)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Accept": st.one_of(st.sampled_from(["application/ld+json", "text/html", "*/*"]), latin1),
        "Prefer": st.one_of(
            st.just('return=representation; include="http://www.w3.org/ns/oa#PreferContainedIRIs"'),
            st.just(
                'return=representation; include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'
            ),
            latin1,
        ),
        "If-None-Match": st.one_of(st.just("*"), latin1),
    },
)
methods = st.sampled_from(["GET", "GET", "GET", "HEAD", "OPTIONS", "POST"])


# The public URL patterns ---------------------------------------------------------------------


def public_patterns():
    """``(name, route)`` of every pattern in ``exhibit.urls``: all of them are public (staff
    previews and review copies answer anyone, with a login redirect or a dead-link page)."""
    return [(pattern.name, str(pattern.pattern)) for pattern in exhibit_urls.urlpatterns]


def parameters(route):
    """``(converter, name)`` of each parameter of ``route``, in order."""
    return [(m["converter"] or "str", m["name"]) for m in PARAMETER.finditer(route)]


def url(route, segments, pairs):
    """The path of ``route`` with ``segments`` (bytes) in its parameters, and the query."""
    texts = PARAMETER.sub("\x00", route).split("\x00")
    path = quote(texts[0])
    for value, text in zip(segments, texts[1:], strict=True):
        path += quote_from_bytes(value, safe="") + quote(text)
    query = "&".join(
        f"{quote_from_bytes(name, safe='')}={quote_from_bytes(value, safe='')}"
        for name, value in pairs
    )
    return f"/{path}?{query}" if query else f"/{path}"


def test_every_pattern_is_named_and_its_parameters_have_strategies():
    patterns = public_patterns()
    assert len({name for name, _ in patterns}) == len(patterns)
    for name, route in patterns:
        assert name, route
        for converter, parameter in parameters(route):
            assert converter in SHAPED or converter == "str", (name, route)
            if converter == "str":  # any text: a strategy of its own, or arbitrary text
                assert parameter in {*SHAPED, "token"}, (name, route)


# A small published site ----------------------------------------------------------------------


def rename(obj, slug):
    old = obj.slug
    obj.slug = slug
    obj.save()
    return old


@pytest.fixture
def site(db):
    """Real values for every parameter name, and for query strings."""
    place = make_entity(name="Lipetsk", alternative_names="Lipezk\nЛипецк", date="1925")
    person = make_entity(kind=Entity.Kind.PERSON, latitude=None, longitude=None)
    event = make_entity(kind=Entity.Kind.EVENT, latitude=None, longitude=None, date="1926")
    reference = make_reference(repository=make_repository())
    image = make_image(
        slug="hangar", allow_download=True, archival_reference=reference, entities=[place]
    )
    essay = make_essay(body="## Lipetsk\n\nGerman pilots trained at Lipetsk from 1925.")
    exhibit = make_exhibit(cover_image=image)
    section = make_section(exhibit)
    make_block(section, kind=Block.Kind.IMAGE, image=image)
    make_block(section, kind=Block.Kind.ESSAY, essay=essay)
    make_block(section, entities=[place, person, event])
    make_block(section, kind=Block.Kind.QUOTATION, quote="Lipetsk.", quote_reference=reference)
    revision = essay.revisions.order_by("-number").first()
    start = revision.text.index("pilots")
    selector = selector_for(revision.text, start, start + len("pilots"))
    note = Annotation.objects.create(
        essay=essay,
        revision=revision,
        body="Trained in secret.",
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
    )
    note.entities.set([place])
    Annotation.objects.create(image=image, xywh="10,10,50,40", body="The hangar.")
    old_slugs = [rename(obj, f"{obj.slug}-now") for obj in (exhibit, section, essay)]
    draft = make_exhibit(status=Status.DRAFT)
    draft_section = make_section(draft, status=Status.DRAFT)
    make_block(draft_section, kind=Block.Kind.ESSAY, essay=essay)
    make_block(draft_section, kind=Block.Kind.IMAGE, image=image)
    link = ReviewLink.objects.create(
        exhibit=draft, recipient="A reader", expires_at=timezone.now() + timedelta(days=7)
    )
    search.flush()
    image.refresh_from_db()
    slugs = [exhibit.slug, section.slug, essay.slug, image.slug, place.slug, person.slug]
    slugs += [event.slug, reference.repository.slug, draft.slug, draft_section.slug, *old_slugs]
    return {
        "path": {
            "slug": slugs,
            "exhibit": [exhibit.slug, old_slugs[0], draft.slug],
            "section": ["entities", "pages", "images"],  # sitemap sections
            "uuid": [str(note.uuid)],
            "number": [str(revision.number), "2"],
            "token": [link.token, link.token[:-1]],
            "region": ["full", "0,0,512,480", "0,0,640,480"],
            "size": ["max", "640,480", "320,240"],
            "rotation": ["0"],
            "quality": ["default"],
            "extension": ["jpg", "webp"],
            "checksum": [image.checksum],
            "shard": [image.checksum[:2]],
            "width": [str(rendition["width"]) for rendition in image.renditions],
        },
        "query": [
            *("lipetsk", "image", "place", "GALO", exhibit.slug, "1920", "1929", "0", "1"),
            *("L", "Л", "#"),  # letters of an index
        ],
    }


# The property --------------------------------------------------------------------------------


def working_values(client, site, name, route):
    """Real values for ``route``'s parameters that it answers with a page (or a redirect)."""
    reals = [site["path"][parameter] for _, parameter in parameters(route)]
    for values in itertools.islice(itertools.product(*reals), 500):
        segments = tuple(value.encode() for value in values)
        if client.get(url(route, segments, [])).status_code < 400:
            return segments
    raise AssertionError(f"{name}: no real values in site() answer {route}; add some")


def requests(site, route, base):
    """``(method, segments, query pairs, headers)``: real values, with one part attacked."""
    params = parameters(route)
    reals = [site["path"][name] for _, name in params]
    # Mostly the values that work together, so the attacked part is what the view reads.
    real_segments = [
        st.one_of(st.just(working), st.sampled_from(values).map(str.encode))
        for working, values in zip(base, reals, strict=True)
    ]
    attacks = [attack(values, *param) for values, param in zip(reals, params, strict=True)]
    names = st.sampled_from(QUERY_NAMES).map(str.encode)
    real_query = query_pairs(names, st.sampled_from(site["query"]).map(str.encode), max_size=2)
    attacked_query = query_pairs(
        st.one_of(names, encoded(any_text)),
        st.one_of(encoded(number_like), raw, st.sampled_from(CORPUS_BYTES)),
        min_size=1,
    )

    @st.composite
    def request(draw):
        target = draw(st.integers(-1, len(params) - 1))  # -1: the query string
        segments = tuple(
            draw(attacks[i] if i == target else real_segments[i]) for i in range(len(params))
        )
        pairs = draw(attacked_query if target == -1 else real_query)
        return draw(methods), segments, pairs, draw(headers)

    return request()


def corpus(site, route, base):
    """The corpus in every query name at once, and in each parameter: alone, and in place of
    the first number of a real value that has one ("0,0,512,480")."""
    for value in CORPUS_BYTES:
        yield "GET", base, [(name.encode(), value) for name in QUERY_NAMES], {}
    for i, (_, name) in enumerate(parameters(route)):
        numbered = next((real for real in site["path"][name] if DIGITS.search(real)), None)
        for value in CORPUS_BYTES:
            yield "GET", (*base[:i], value, *base[i + 1 :]), [], {}
            if numbered:  # ASCII: its characters are its bytes
                run = DIGITS.search(numbered)
                segment = numbered[: run.start()].encode() + value + numbered[run.end() :].encode()
                yield "GET", (*base[:i], segment, *base[i + 1 :]), [], {}


def assert_no_server_error(client, site, name, route):
    base = working_values(client, site, name, route)

    @settings(
        max_examples=EXAMPLES_PER_PATTERN,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(site, route, base))
    def answers_without_server_error(request):
        method, segments, pairs, request_headers = request
        address = url(route, segments, pairs)
        # A savepoint per request: a database error fails this example, not every later one.
        with transaction.atomic():
            response = client.generic(method, address, headers=request_headers)
        assert response.status_code < 500, f"{name}: {method} {address} → {response.status_code}"

    for request in corpus(site, route, base):
        answers_without_server_error = example(request)(answers_without_server_error)
    answers_without_server_error()


# Answered only to signed-in staff: to anyone else a 404, whatever the path holds.
STAFF_ONLY = {"preview_rendition"}


def test_no_public_url_answers_a_server_error(site, curator):
    # raise_request_exception (the default): a view's exception fails here with its traceback.
    client = Client()
    staff = Client()
    staff.force_login(curator)
    for name, route in public_patterns():
        assert_no_server_error(staff if name in STAFF_ONLY else client, site, name, route)
