#!/usr/bin/env python
"""Scale benchmark: every public page, publishing and linking, at 1× and N× the demo, on
PostgreSQL, in process.

What it does, in order:

1. **1×**: a scratch database ``<name>_1x`` (``--database-url`` names ``<name>``; default
   ``postgres://postgres@127.0.0.1:5432/bench_scale``) with the demo loaded as
   ``bench/load.py`` and ``bench/pages.py`` load it (their helpers, production settings).
2. **N×**: a copy of it (``CREATE DATABASE … TEMPLATE``), ``<name>_<N>x``, grown by N-1 more
   copies of the demo collection, each written by the demo loader itself (so every derived row
   is what real saves leave: rendered text, essay revisions, anchored notes, history, admin
   log), all published, with new slugs and titles, their own archival references and entities
   — except the hub entities (Lipetsk, Moscow, the Reichswehr, the Red Army), which every copy
   links to, so they are linked from N times as many notes, images and blocks. The copies'
   images are one tiny file (the demo's placeholder at 480 × 320, notes' regions scaled to it),
   processed once; the other images get that processing's result, as the pipeline would give
   them. The search index is written once at the end (every object, as ``rebuild`` does), not
   after every copy. Copies and index are written by ``--jobs`` processes at once (2).
3. For each database (and each ``--jit`` setting: PostgreSQL's ``jit`` for the application's
   connections, through ``options`` in ``DATABASE_URL``), in a fresh process with the page cache
   off: every public page through Django's test client (the pages ``bench/pages.py`` times,
   plus the exhibit list, the entity index and each kind's, a person, repositories and one
   repository, sitemap, feed, annotation containers and one annotation, the exhibit manifest
   and an ``info.json``), ``--requests`` warm requests each (fewer, at least 3, once a page has
   taken ``--budget`` seconds): median, p95 and queries per request.
4. At 1× and N×: unpublishing and publishing the demo exhibit with all its sections through the
   admin's actions (POSTs to the changelists, as an editor), and linking one of the demo
   essay's notes to the most-linked entity (and unlinking it) through the admin's note view, as
   the annotating panel does; medians of three rounds. Statuses and publish times are put back.

It prints a table per ``--jit`` setting with the N×/1× ratio of each page's median and its query
counts, and the operations, each marked against the targets of issue 12 (page median ≤ 1.5× its
1× median with the same queries; publishing or unpublishing ≤ 2 s; linking ≤ 200 ms). Figures
depend on the machine's load: compare within one run.

``--keep`` keeps both databases and their media (under ``~/.cache/exhibit-bench/``) for a later
``--reuse``, which uses them when they are complete and builds (and keeps) them otherwise, so
a developer measures a change without generating again. Without either, both are dropped.

Usage: .venv/bin/python bench/scale.py [--scale 100] [--requests 10] [--budget 20]
           [--jit on|off|both] [--database-url URL] [--json FILE] [--keep | --reuse]
           [--jobs 2] [--cold] [--env NAME=VALUE]...
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # bench/ is not a package: found through sys.path
    ROOT,
    admin_url,
    log,
    manage,
    production_env,
    recreate_database,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_scale"
# Entities every copy links to instead of having its own: the most linked ones of the demo.
HUBS = ("lipetsk", "moscow", "reichswehr", "red-army")
# The copies' images: the demo's placeholder (2400 × 1600) at a fifth of its size.
REGION_SCALE = 5
TARGET_PAGE_RATIO, TARGET_PUBLISH_MS, TARGET_LINK_MS = 1.5, 2000, 200
OPERATION_ROUNDS = 3
MARKER = "exhibit bench/scale"


# --- the parent: databases, children, the report -----------------------------------------------


def database_url(base: str, name: str, jit: str | None = None) -> str:
    """``base`` with another database name and, if given, ``-c jit=…`` in its options."""
    parts = urlsplit(base)
    query = dict(parse_qsl(parts.query))
    if jit:
        query["options"] = f"{query.get('options', '')} -c jit={jit}".strip()
    return urlunsplit(parts._replace(path=f"/{name}", query=urlencode(query)))


def marker_of(url: str) -> dict | None:
    """What a complete database of ours says about itself (its comment), or None."""
    import psycopg

    maintenance, name = admin_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if not row or not row[0] or not row[0].startswith(MARKER):
        return None
    return json.loads(row[0].removeprefix(MARKER))


def set_marker(url: str, **facts) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = admin_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(MARKER + json.dumps(facts))
            )
        )


def clone_database(template_url: str, url: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance, template = admin_url(template_url)
    name = admin_url(url)[1]
    recreate_database(url, drop_only=True)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def run_child(mode: str, env: dict, **params) -> dict:
    """Run ``mode`` in a fresh Python process with ``env``; return what it reports."""
    return run_children(mode, env, [params])[0]


def run_children(mode: str, env: dict, params: list[dict]) -> list[dict]:
    """Run ``mode`` in one fresh Python process per item of ``params``, all at once."""
    outs, processes = [], []
    try:
        for item in params:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                outs.append(Path(handle.name))
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        mode,
                        json.dumps({**item, "out": str(outs[-1])}),
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
        failed = [process.wait() for process in processes]
        if any(failed):
            sys.exit(f"The {mode} step failed (exit {max(failed)}); see above.")
        return [json.loads(out.read_text()) for out in outs]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        for out in outs:
            out.unlink(missing_ok=True)


def generate(scale: int, jobs: int, env: dict) -> dict:
    """Copies 2 … ``scale`` of the demo, in ``jobs`` processes at once (they write disjoint
    rows), then the copies' images, then the search index, again in ``jobs`` shares."""
    started = time.monotonic()
    copies = list(range(2, scale + 1))
    shares = [copies[job::jobs] for job in range(jobs) if copies[job::jobs]]
    run_children(
        "generate",
        {**env, "TASKS_BACKEND": DUMMY_TASKS},
        [{"numbers": share, "job": job} for job, share in enumerate(shares, start=1)],
    )
    load_s = time.monotonic() - started
    started = time.monotonic()
    run_children("index", env, [{"job": job, "jobs": jobs} for job in range(jobs)])
    index_s = time.monotonic() - started
    started = time.monotonic()
    counts = run_child("images", env)["counts"]
    return {
        "load_s": round(load_s, 1),
        "images_s": round(time.monotonic() - started, 1),
        "index_s": round(index_s, 1),
        "counts": counts,
    }


def prepare(args, work: Path, one_url: str, big_url: str) -> dict:
    """Both databases, built or (with --reuse) found complete; returns how long building took."""
    env = production_env(work, one_url, ALLOWED_HOSTS="testserver", LOG_LEVEL="WARNING")
    media = str(work)
    timings = {}
    one = marker_of(one_url) if args.reuse else None
    big = marker_of(big_url) if args.reuse else None
    if one is None or one.get("media") != media or not work.is_dir():
        log(f"Creating {admin_url(one_url)[1]} and loading the demo ...")
        started = time.monotonic()
        recreate_database(one_url)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        set_marker(one_url, scale=1, media=media)
        timings["build_1x_s"] = round(time.monotonic() - started, 1)
        big = None  # it grew from the 1× database, whose files may be gone
    else:
        log(f"Reusing {admin_url(one_url)[1]}")
        manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    if big is None or big.get("scale") != args.scale or big.get("media") != media:
        log(f"Creating {admin_url(big_url)[1]}: the demo × {args.scale} ...")
        started = time.monotonic()
        clone_database(one_url, big_url)
        generated = generate(args.scale, args.jobs, {**env, "DATABASE_URL": big_url})
        set_marker(big_url, scale=args.scale, media=media)
        timings["build_nx_s"] = round(time.monotonic() - started, 1)
        timings["generation"] = generated
        log(f"  built in {timings['build_nx_s']} s: {generated['counts']}")
    else:
        log(f"Reusing {admin_url(big_url)[1]}")
        manage({**env, "DATABASE_URL": big_url}, "migrate", "--noinput")
    return timings


DUMMY_TASKS = "django_tasks.backends.dummy.DummyBackend"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100, help="copies of the demo (N)")
    parser.add_argument("--requests", type=int, default=10, help="requests per page")
    parser.add_argument(
        "--budget", type=float, default=20, help="seconds per page before stopping early"
    )
    parser.add_argument("--jit", choices=["on", "off", "both"], default="both")
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes generating the copies at once"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--cold", action="store_true", help="also time cold requests")
    keeping = parser.add_mutually_exclusive_group()
    keeping.add_argument("--keep", action="store_true", help="keep both databases for --reuse")
    keeping.add_argument(
        "--reuse", action="store_true", help="use kept databases if complete (and keep them)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another setting for the timed processes, e.g. PAGE_CACHE_SECONDS=600",
    )
    args = parser.parse_args()
    if args.scale < 2:
        parser.error("--scale must be at least 2")

    name = admin_url(args.database_url)[1]
    one_url = database_url(args.database_url, f"{name}_1x")
    big_url = database_url(args.database_url, f"{name}_{args.scale}x")
    keep = args.keep or args.reuse
    if keep:
        work = Path.home() / ".cache" / "exhibit-bench" / f"scale-{name}"
        if not args.reuse:
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="exhibit-scale-"))
    overrides = dict(setting.split("=", 1) for setting in args.env)
    jits = ["on", "off"] if args.jit == "both" else [args.jit]
    figures = {"scale": args.scale, "requests": args.requests, "budget_s": args.budget}
    try:
        figures.update(prepare(args, work, one_url, big_url))
        pages, operations = {}, {}
        for label, url in (("1x", one_url), (f"{args.scale}x", big_url)):
            for jit in jits:
                log(f"Timing the pages at {label}, jit {jit} ...")
                env = production_env(
                    work,
                    database_url(url, admin_url(url)[1], jit),
                    ALLOWED_HOSTS="testserver",
                    LOG_LEVEL="WARNING",
                    PAGE_CACHE_SECONDS="0",
                    # The URL's jit option decides; the settings would otherwise add jit=off.
                    POSTGRES_JIT="true",
                    **overrides,
                )
                pages[(label, jit)] = run_child(
                    "pages", env, requests=args.requests, budget=args.budget, cold=args.cold
                )
            log(f"Timing publishing and linking at {label} ...")
            env = production_env(
                work, url, ALLOWED_HOSTS="testserver", LOG_LEVEL="WARNING", **overrides
            )
            operations[label] = run_child("operations", env)
    finally:
        if not keep:
            for url in (one_url, big_url):
                try:
                    recreate_database(url, drop_only=True)
                except Exception as error:  # the report matters more than the cleanup
                    log(f"Could not drop {admin_url(url)[1]}: {error}")
            shutil.rmtree(work, ignore_errors=True)

    figures["pages"] = {f"{label} jit {jit}": result for (label, jit), result in pages.items()}
    figures["operations"] = operations
    report(args, jits, pages, operations, figures)
    if keep:
        print(f"\nKept {admin_url(one_url)[1]}, {admin_url(big_url)[1]} and {work}: "
              "--reuse uses them; drop them with DROP DATABASE when done.")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    return 0


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(args, jits, pages, operations, figures) -> None:
    big = f"{args.scale}x"
    if "generation" in figures:
        generation = figures["generation"]
        print(f"\nGenerated the demo × {args.scale} in {figures['build_nx_s']} s "
              f"(loader {generation['load_s']} s in {args.jobs} processes, "
              f"images {generation['images_s']} s, "
              f"search index {generation['index_s']} s): {generation['counts']}")  # fmt: skip
    for jit in jits:
        one, many = pages[("1x", jit)], pages[(big, jit)]
        print(f"\nPages in process, page cache off, warm, PostgreSQL jit {jit}: median and p95 "
              f"in ms, queries per request; ratio = {big} median / 1x median")  # fmt: skip
        print(f"{'page':<20} {'1x p50':>8} {'p95':>8} {'q':>4} {big + ' p50':>9} {'p95':>8} "
              f"{'q':>4} {'ratio':>6}  target")  # fmt: skip
        for label, small in one.items():
            large = many[label]
            a, b = small["warm"], large["warm"]
            ratio = b["median_ms"] / a["median_ms"] if a["median_ms"] else float("inf")
            ok = ratio <= TARGET_PAGE_RATIO and b["queries"] == a["queries"]
            fewer = "" if b["requests"] == args.requests else f" ({b['requests']} requests)"
            print(f"{label:<20} {a['median_ms']:>8} {a['p95_ms']:>8} {a['queries']:>4} "
                  f"{b['median_ms']:>9} {b['p95_ms']:>8} {b['queries']:>4} {ratio:>6.2f}  "
                  f"{verdict(ok)}{fewer}")  # fmt: skip
            large["ratio"] = round(ratio, 2)
        if args.cold:
            print(f"cold (cache cleared before each request): 1x / {big} median ms, queries")
            for label, small in one.items():
                a, b = small["cold"], many[label]["cold"]
                print(f"  {label:<20} {a['median_ms']:>8} {a['queries']:>4} "
                      f"{b['median_ms']:>9} {b['queries']:>4}")  # fmt: skip
    print("\nCurator operations (median of "
          f"{OPERATION_ROUNDS} rounds, ms, queries), through the admin")  # fmt: skip
    for label, ops in operations.items():
        publish = ops["publish"]
        link = ops["link"]
        slowest = max(publish["unpublish_ms"], publish["publish_ms"])
        print(f"  {label}: exhibit “{publish['exhibit']}” with {publish['sections']} sections: "
              f"unpublish {publish['unpublish_ms']} ms ({publish['unpublish_queries']} q), "
              f"publish {publish['publish_ms']} ms ({publish['publish_queries']} q)  "
              f"{verdict(slowest <= TARGET_PUBLISH_MS)}")  # fmt: skip
        print(f"  {label}: a note linked to “{link['entity']}” (linked from {link['links']} "
              f"notes): link {link['link_ms']} ms ({link['link_queries']} q), unlink "
              f"{link['unlink_ms']} ms ({link['unlink_queries']} q)  "
              f"{verdict(link['link_ms'] <= TARGET_LINK_MS)}")  # fmt: skip


# --- the children: Django set up in this process ------------------------------------------------


def setup_django() -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def tiny_original() -> bytes:
    """The demo's first placeholder card at a fifth of its size: the copies' image file."""
    from PIL import Image as PILImage

    from exhibit.demo import content
    from exhibit.demo.placeholders import HEIGHT, WIDTH, render_placeholder

    spec = content.IMAGES[0]
    card = render_placeholder(title=spec["title"], reference="", motif=spec["motif"], seed="x")
    out = io.BytesIO()
    with PILImage.open(io.BytesIO(card)) as image:
        small = image.resize((WIDTH // REGION_SCALE, HEIGHT // REGION_SCALE))
        small.save(out, "JPEG", quality=85)
    return out.getvalue()


def demo_copy(number: int):
    """The demo's content and notes as copy ``number`` of them: new slugs, titles and
    references; the hub entities shared; everything published."""
    from types import SimpleNamespace

    from exhibit.demo import annotations, content
    from exhibit.models import Status

    def slug(value):
        return f"{value}-x{number}"

    def entity(value):
        return value if value in HUBS else slug(value)

    def named(value):
        return f"{value} ({number})" if value else value

    entities = []
    for spec in content.ENTITIES:
        if spec["slug"] not in HUBS:
            spec = {
                **spec,
                "slug": slug(spec["slug"]),
                "name": named(spec["name"]),
                "sort_name": named(spec.get("sort_name", "")),
                "alternative_names": "\n".join(
                    named(name) for name in spec.get("alternative_names", "").splitlines()
                ),
            }
        entities.append(spec)
    references = {}
    for key, spec in content.REFERENCES.items():
        unit = "box" if spec.get("system") == "box" else "delo"
        references[key] = {**spec, unit: f"{spec[unit]}-{number}"}
    images = [
        {
            **spec,
            "slug": slug(spec["slug"]),
            "title": named(spec["title"]),
            "entities": [entity(value) for value in spec["entities"]],
        }
        for spec in content.IMAGES
    ]
    essays = [
        {**spec, "slug": slug(spec["slug"]), "title": named(spec["title"]),
         "status": Status.PUBLISHED}
        for spec in content.ESSAYS
    ]  # fmt: skip
    exhibits = []
    for spec in content.EXHIBITS:
        sections = []
        for section in spec["sections"]:
            blocks = []
            for block in section["blocks"]:
                block = copy.deepcopy(block)
                if block.get("image"):
                    block["image"] = slug(block["image"])
                if block.get("essay"):
                    block["essay"] = slug(block["essay"])
                if block.get("gallery"):
                    block["gallery"] = [
                        (slug(image), caption) for image, caption in block["gallery"]
                    ]
                if block.get("entities"):
                    block["entities"] = [entity(value) for value in block["entities"]]
                blocks.append(block)
            section = {**section, "blocks": blocks}
            section.pop("status", None)  # the exhibit's: published
            sections.append(section)
        exhibits.append(
            {
                **spec,
                "slug": slug(spec["slug"]),
                "title": named(spec["title"]),
                "cover_image": slug(spec["cover_image"]) if spec["cover_image"] else None,
                "featured": False,  # a site features a few exhibits, not every one
                "status": Status.PUBLISHED,
                "sections": sections,
            }
        )
    demo = SimpleNamespace(
        CONTRIBUTORS=content.CONTRIBUTORS,
        REPOSITORIES=content.REPOSITORIES,
        REFERENCES=references,
        ENTITIES=entities,
        IMAGES=images,
        ESSAYS=essays,
        EXHIBITS=exhibits,
        # Later copies are newer, so lists and the feed order them as a growing site would.
        PUBLISHED_AT=content.PUBLISHED_AT + dt.timedelta(hours=number),
    )
    notes = SimpleNamespace(
        ESSAY=slug(annotations.ESSAY),
        TEXT=[
            (quote, occurrence, motivation, [entity(value) for value in linked], note)
            for quote, occurrence, motivation, linked, note in annotations.TEXT
        ],
        REGIONS=[
            (slug(image), x // REGION_SCALE, y // REGION_SCALE, max(1, w // REGION_SCALE),
             max(1, h // REGION_SCALE), motivation, [entity(value) for value in linked], note)
            for image, x, y, w, h, motivation, linked, note in annotations.REGIONS
        ],
    )  # fmt: skip
    return demo, notes


def child_generate(numbers: list[int], job: int) -> dict:
    """Copies ``numbers`` of the demo, each in a transaction, by the demo loader."""
    from unittest import mock

    from django.db import transaction

    from exhibit.demo import loader
    from exhibit.services import search
    from exhibit.services.audit import acting_as, script_user

    tiny = tiny_original()
    user = script_user()
    started = time.monotonic()
    # The index is written once at the end: per copy, re-indexing every note of a hub entity
    # would make generation quadratic. Image processing waits too (TASKS_BACKEND is the dummy).
    with (
        mock.patch.object(search, "schedule", lambda *args, **kwargs: None),
        mock.patch.object(loader, "render_placeholder", lambda **kwargs: tiny),
    ):
        for done, number in enumerate(numbers, start=1):
            demo, notes = demo_copy(number)
            with (
                mock.patch.object(loader, "content", demo),
                mock.patch.object(loader, "demo_annotations", notes),
                transaction.atomic(),
                acting_as(user),
            ):
                loader.DemoLoader(user=user, report=loader.Report()).run()
            if done % 10 == 0 or done == len(numbers):
                elapsed = time.monotonic() - started
                left = elapsed / done * (len(numbers) - done)
                log(f"  job {job}: {done}/{len(numbers)} copies in {elapsed:.0f} s, "
                    f"about {left:.0f} s to go")  # fmt: skip
    return {"copies": len(numbers)}


def child_images() -> dict:
    """Process the copies' image file once; every image of it gets that result."""
    from django.utils import timezone

    from exhibit.models import Annotation, Entity, Essay, Exhibit, Image, SearchEntry, Section
    from exhibit.services import imaging

    pending = Image.objects.filter(processing_state=Image.Processing.PENDING).order_by("pk")
    first = pending.first()  # None when the tasks backend processed them already (tests)
    if first is not None:
        if not imaging.process_image(first):
            sys.exit("The copies' image could not be processed; see the log.")
        # The same file makes the same renditions and tiles (stored by checksum): what
        # processing each image would record, it records.
        pending.filter(checksum=first.checksum).update(
            renditions=first.renditions,
            processing_state=Image.Processing.READY,
            processing_error="",
            processed_at=timezone.now(),
        )
    if pending.exists():
        sys.exit(f"{pending.count()} images of the copies are not ready.")
    return {
        "counts": {
            "exhibits": Exhibit.objects.count(),
            "sections": Section.objects.count(),
            "essays": Essay.objects.count(),
            "notes": Annotation.objects.count(),
            "entities": Entity.objects.count(),
            "images": Image.objects.count(),
            "search rows": SearchEntry.objects.count(),
        }
    }


def child_index(job: int, jobs: int) -> dict:
    """Share ``job`` of ``jobs`` of what ``search.rebuild()`` does: every searchable object
    (re)indexed. Nothing was deleted, so no row is left to drop."""
    from django.db import transaction
    from django.db.models import Value
    from django.db.models.functions import Mod

    from exhibit.services import search

    with transaction.atomic():
        for queryset in search.searchable_querysets():
            share = queryset.annotate(share=Mod("pk", Value(jobs))).filter(share=job)
            for obj in share.iterator(chunk_size=200):
                search.index_object(obj)
    return {}


def public_urls() -> dict[str, str]:
    """The pages bench/pages.py times, and every other kind of public page."""
    from django.db.models import Count
    from django.urls import reverse
    from pages import page_urls

    from exhibit.models import Annotation, Entity, Essay, Exhibit, Image, Repository
    from exhibit.models.entities import KIND_PATHS

    urls = page_urls()
    exhibit = Exhibit.objects.published().order_by("pk").first()
    essay = Essay.objects.published().order_by("pk").first()
    image = Image.objects.published().filter(processing_state="ready").order_by("pk").first()
    noted = Image.objects.published().filter(annotations__isnull=False).order_by("pk").first()
    person = Entity.objects.published().filter(kind="person").order_by("pk").first()
    repository = (
        Repository.objects.published()
        .annotate(held=Count("references"))
        .order_by("-held", "pk")
        .first()
    )
    note = Annotation.objects.published().filter(essay=essay).order_by("pk").first()
    urls.update(
        {
            "exhibit list": reverse("exhibit:exhibit_list"),
            "entity index": reverse("exhibit:entity_list"),
            **{segment: reverse(f"exhibit:{kind}_list") for segment, kind in KIND_PATHS.items()},
            "person": person.get_absolute_url(),
            "repositories": reverse("exhibit:repository_list"),
            "repository": repository.get_absolute_url(),
            "sitemap": reverse("exhibit:sitemap"),
            "feed": reverse("exhibit:exhibit_feed"),
            "essay notes": reverse("exhibit:essay_annotations", kwargs={"slug": essay.slug}),
            "image notes": reverse("exhibit:image_annotations", kwargs={"slug": noted.slug}),
            "annotation": note.get_absolute_url(),
            "exhibit manifest": reverse("exhibit:exhibit_manifest", kwargs={"slug": exhibit.slug}),
            "info.json": reverse("exhibit:iiif_image_info", kwargs={"slug": image.slug}),
        }
    )
    return urls


def child_pages(requests: int, budget: float, cold: bool) -> dict:
    from django.db import connection
    from django.test import Client
    from pages import measure

    client = Client()
    results = {}
    for label, url in public_urls().items():
        results[label] = {"url": url, "warm": measure(client, url, requests, False, budget)}
        if cold:
            results[label]["cold"] = measure(client, url, requests, True, budget)
        log(f"  {label}: {results[label]['warm']}")
    connection.close()
    return results


def timed_post(client, url: str, data, expect: int, **kwargs) -> tuple[float, int, object]:
    """Milliseconds and statements of one POST (BEGIN and COMMIT not counted). Counted, not
    captured: a slow curator action can make more than Django's query log keeps (9,000)."""
    from django.db import connection

    queries = 0

    def counted(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        response = client.post(url, data, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        sys.exit(f"POST {url} answered {response.status_code}: {response.content[:500]!r}")
    return elapsed, queries, response


def child_operations() -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from exhibit.demo import annotations, content
    from exhibit.models import Annotation, Entity, Exhibit, Status

    editor = get_user_model().objects.filter(username="bench-editor").first()
    if editor is None:
        editor = get_user_model().objects.create_superuser("bench-editor", "", None)
    client = Client()
    client.force_login(editor)

    exhibit = Exhibit.objects.get(slug=content.EXHIBITS[0]["slug"])
    sections = list(exhibit.sections.order_by("pk"))
    before = [(type(obj), obj.pk, obj.status, obj.published_at) for obj in [exhibit, *sections]]
    exhibits_url = reverse("admin:exhibit_exhibit_changelist")
    sections_url = reverse("admin:exhibit_section_changelist")

    def action(url, name, pks):
        data = {"action": name, "index": 0, "_selected_action": pks}
        return timed_post(client, url, data, expect=302)

    section_pks = [section.pk for section in sections]
    unpublish, publish = [], []
    for _ in range(OPERATION_ROUNDS):
        # Unpublishing takes the exhibit off first; publishing makes its sections ready first.
        a = action(exhibits_url, "unpublish", [exhibit.pk])
        b = action(sections_url, "unpublish", section_pks)
        unpublish.append((a[0] + b[0], a[1] + b[1]))
        if exhibit.sections.filter(status=Status.PUBLISHED).exists():
            sys.exit("The unpublish action left sections published.")
        a = action(sections_url, "publish", section_pks)
        b = action(exhibits_url, "publish", [exhibit.pk])
        publish.append((a[0] + b[0], a[1] + b[1]))
        if not Exhibit.objects.published().filter(pk=exhibit.pk).exists():
            sys.exit("The publish action did not publish the exhibit.")
    # As it was, so a reused database stays the same between runs.
    for model, pk, status, published_at in before:
        model.objects.filter(pk=pk).update(status=status, published_at=published_at)

    hub = Entity.objects.annotate(links=Count("annotations")).order_by("-links", "pk").first()
    note = (
        Annotation.objects.filter(essay__slug=annotations.ESSAY)
        .exclude(entities=hub)
        .order_by("pk")
        .first()
    )
    url = reverse("admin:exhibit_annotation_update_note", args=[note.pk])

    def save_note(entities):
        note.refresh_from_db()
        payload = {
            "motivation": note.motivation,
            "body": note.body,
            "entities": entities,
            "references": list(note.references.values_list("pk", flat=True)),
            "version": note.version,
        }
        data = json.dumps(payload)
        return timed_post(client, url, data, expect=200, content_type="application/json")

    own = list(note.entities.values_list("pk", flat=True))
    link, unlink = [], []
    for _ in range(OPERATION_ROUNDS):
        link.append(save_note([*own, hub.pk])[:2])
        if not note.entities.filter(pk=hub.pk).exists():
            sys.exit("Linking the note did not link it.")
        unlink.append(save_note(own)[:2])

    def median(pairs, index):
        return round(statistics.median(pair[index] for pair in pairs), 1)

    return {
        "publish": {
            "exhibit": exhibit.title,
            "sections": len(sections),
            "unpublish_ms": median(unpublish, 0),
            "unpublish_queries": int(median(unpublish, 1)),
            "publish_ms": median(publish, 0),
            "publish_queries": int(median(publish, 1)),
        },
        "link": {
            "entity": hub.name,
            "links": hub.links,
            "note": str(note),
            "link_ms": median(link, 0),
            "link_queries": int(median(link, 1)),
            "unlink_ms": median(unlink, 0),
            "unlink_queries": int(median(unlink, 1)),
        },
    }


def child(mode: str, params: dict) -> None:
    setup_django()
    if mode == "generate":
        result = child_generate(params["numbers"], params["job"])
    elif mode == "images":
        result = child_images()
    elif mode == "index":
        result = child_index(params["job"], params["jobs"])
    elif mode == "pages":
        result = child_pages(params["requests"], params["budget"], params["cold"])
    else:
        result = child_operations()
    Path(params["out"]).write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
    else:
        sys.exit(main())
