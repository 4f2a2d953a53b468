#!/usr/bin/env python
"""Time each kind of public page, in process, against the demo exhibit on PostgreSQL.

What it does, in order:

1. Creates a scratch PostgreSQL database (``--database-url``, default
   ``postgres://postgres@127.0.0.1:5432/bench_pages``; dropped again at the end), migrates it,
   loads the demo exhibit and collects static files, with the production settings
   ``bench/load.py`` uses (its helpers: ``production_env``, ``prepare_site``,
   ``recreate_database``).
2. Sets Django up in this process with the same settings and asks Django's test client (the
   whole middleware stack, no network, no template instrumentation) for home, an exhibit, a
   section, an essay, an image, an entity, search for “Lipetsk”, the timeline, the map and the
   image manifest.
3. For each page: ``--requests`` cold requests (the cache cleared before each, so nothing any
   earlier request left behind is used: rendered highlights, cached pages) and as many warm
   ones (the same URL again, after one unmeasured request), and prints the median and p95 in
   milliseconds and the queries per request.

With ``--profile PAGE`` (``search``, ``essay`` …) it also runs cProfile (the standard
library's; no profiler to install) over that page's warm requests and prints the costliest calls.

Usage: .venv/bin/python bench/pages.py [--requests 20] [--database-url URL] [--json FILE]
                                       [--profile PAGE] [--env NAME=VALUE]...
The figures are one process on an otherwise idle machine; ``bench/load.py`` measures the same
pages under concurrent load through gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # bench/ is not a package: found through sys.path
    ROOT,
    admin_url,
    log,
    prepare_site,
    production_env,
    recreate_database,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_pages"


def page_urls() -> dict[str, str]:
    """One published object of each kind, as bench/load.py chooses them."""
    from django.urls import reverse

    from exhibit.models import Entity, Essay, Exhibit, Image, Section

    exhibit = Exhibit.objects.published().order_by("pk").first()
    section = Section.objects.published().filter(exhibit=exhibit).order_by("pk").first()
    essay = Essay.objects.published().order_by("pk").first()
    image = Image.objects.published().filter(processing_state="ready").order_by("pk").first()
    entity = Entity.objects.published().filter(kind="place", name__icontains="Lipetsk").first()
    return {
        "home": reverse("exhibit:home"),
        "exhibit": exhibit.get_absolute_url(),
        "section": section.get_absolute_url(),
        "essay": essay.get_absolute_url(),
        "image": image.get_absolute_url(),
        "entity": (entity or Entity.objects.published().first()).get_absolute_url(),
        "search": reverse("exhibit:search") + "?q=Lipetsk",
        "timeline": reverse("exhibit:timeline"),
        "map": reverse("exhibit:map"),
        "manifest": reverse("exhibit:image_manifest", kwargs={"slug": image.slug}),
    }


def measure(client, url: str, requests: int, cold: bool, budget: float | None = None) -> dict:
    """Median and p95 of ``requests`` requests of ``url``, and the most queries one made; with
    a ``budget`` (seconds), fewer (but at least 3) once that much time is spent."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if not cold:
        client.get(url)  # fills what a first visitor fills
    times, queries = [], []
    deadline = time.perf_counter() + budget if budget else None
    for _ in range(requests):
        if deadline and len(times) >= 3 and time.perf_counter() > deadline:
            break
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}, not 200")
        queries.append(len(captured.captured_queries))
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
        "queries": max(queries),
        "requests": len(times),
    }


def profile(client, url: str, requests: int) -> None:
    """Where warm requests of ``url`` spend their time: the 25 costliest calls, cumulative."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(
        os.environ.get("BENCH_SORT", "cumulative")
    ).print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="requests per page and state")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another setting, e.g. PAGE_CACHE_SECONDS=0 for the figures without the page cache",
    )
    parser.add_argument(
        "--profile", metavar="PAGE", help="also profile warm requests of PAGE (cProfile)"
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="exhibit-pages-"))
    # testserver: the test client's host. WARNING: one log line per request would be noise.
    env = production_env(
        scratch,
        args.database_url,
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
        **dict(setting.split("=", 1) for setting in args.env),
    )
    try:
        log(f"Creating database {admin_url(args.database_url)[1]} and loading the demo ...")
        recreate_database(args.database_url)
        prepare_site(env)
        os.environ.update(env)
        os.chdir(ROOT)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        client = Client()
        results = {}
        for label, url in page_urls().items():
            results[label] = {
                "url": url,
                "cold": measure(client, url, args.requests, cold=True),
                "warm": measure(client, url, args.requests, cold=False),
            }
            log(f"  {label}: {results[label]['cold']} / {results[label]['warm']}")
            if label == args.profile:
                profile(client, url, args.requests)
        connection.close()
    finally:
        try:
            recreate_database(args.database_url, drop_only=True)
        except Exception as error:  # the report matters more than the cleanup
            log(f"Could not drop the scratch database: {error}")
        shutil.rmtree(scratch, ignore_errors=True)

    print()
    print(f"{args.requests} requests per page and state, in process, PostgreSQL; ms and queries")
    print(f"{'page':<10} {'cold p50':>9} {'cold p95':>9} {'queries':>8}"
          f" {'warm p50':>9} {'warm p95':>9} {'queries':>8}")  # fmt: skip
    for label, figures in results.items():
        cold, warm = figures["cold"], figures["warm"]
        print(f"{label:<10} {cold['median_ms']:>9} {cold['p95_ms']:>9} {cold['queries']:>8}"
              f" {warm['median_ms']:>9} {warm['p95_ms']:>9} {warm['queries']:>8}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
