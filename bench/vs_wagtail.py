#!/usr/bin/env python
"""Side by side: our public pages against a stock Wagtail page holding the demo essay's text.

What it does, in order:

1. Our site as ``bench/load.py`` sets it up (its helpers), but on SQLite in a scratch folder:
   production settings (DEBUG off, a generated SECRET_KEY, JSON logs), the demo loaded,
   static files collected.
2. The peer: the demo essay's text (its title, then the plain text of its latest revision —
   ``essay.md`` as our page shows it: headings, paragraphs, footnotes — as paragraphs
   separated by blank lines) in a temporary file, served by the shared
   ``peer-wagtail.sh PORT ESSAY_FILE`` (a stock Wagtail site, gunicorn with 2 workers, DEBUG
   off, SQLite). Its folder is ``~/.cache/exhibit-bench/peer-wagtail`` (``PEER_DIR``); the
   site in it is made again when the essay's text changes.
3. Two gunicorns of ours as ``bench/load.py`` starts them, with ``--workers`` (2) sync workers
   like the peer's: one with the page cache off (``PAGE_CACHE_SECONDS=0``), one with it on.
   Every URL must answer 200 first; then each is warmed for a second, unmeasured.
4. ``--rounds`` rounds, each measuring, for ``--duration`` seconds over ``--connections``
   connections, alternately: ours uncached (the essay, an image, a section, an entity, search
   for “Lipetsk”) each followed by the peer; then ours cached (the same pages) each followed by
   a static file (``site.css``) through the same server. wrk (Debian's, installed as
   ``bench/load.py`` installs it) drives the load; without it, a small Python client.

It prints, per URL, the median requests/s over the rounds, the median latency and size of a
response, and the median of each round's ratio to the measurement beside it (the peer's, or
the static file's), each marked against the targets of issue 12: uncached, the essay ≥ 1.5×
the peer's requests/s, image, section and entity ≥ 2×, search ≥ 100 requests/s; cached, every
page ≥ 80% of the static file's. Only 2xx answers count; any other answer is reported.
All traffic stays on 127.0.0.1, every measurement is bounded in time, and both servers are
stopped at the end, on failure and on Ctrl-C. Compare within one run: the machine's load moves
absolute figures.

Usage: .venv/bin/python bench/vs_wagtail.py [--rounds 3] [--duration 5] [--connections 20]
                                            [--workers 2] [--json FILE] [--peer-script PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # bench/ is not a package: found through sys.path
    ROOT,
    WRK_SCRIPT,
    count,
    ensure_wrk,
    fetch,
    free_port,
    log,
    manage,
    prepare_site,
    production_env,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
)

PAGES = ("essay", "image", "section", "entity", "search")
# Uncached, as a multiple of the peer's requests/s (search: requests/s of its own).
TARGETS = {"essay": 1.5, "image": 2.0, "section": 2.0, "entity": 2.0}
TARGET_SEARCH_RPS = 100
TARGET_CACHED_SHARE = 0.8
STATIC_FILE = "exhibit/css/site.css"
PEER_DIR = Path.home() / ".cache" / "exhibit-bench" / "peer-wagtail"

# Run inside Django (our settings): the URLs to measure and the essay's text for the peer.
# The text is the essay's projection (its headings and paragraphs as our page shows them, as
# notes count in it) and then its footnotes, as plain paragraphs.
DISCOVERY = """
import json, re, sys
sys.path.insert(0, "bench")
from django.templatetags.static import static
from pages import page_urls
from exhibit.models import Essay
from exhibit.services.projection import plain_text

urls = page_urls()
essay = Essay.objects.published().order_by("pk").first()
notes = re.search(r'<section class="footnotes">(.*?)</section>', essay.body_html, re.S)
print("BENCH-JSON " + json.dumps({
    "urls": {label: urls[label] for label in %(pages)r},
    "static": static(%(static)r),
    "title": essay.title,
    "text": essay.revisions.order_by("-number").first().text,
    "notes": plain_text(notes.group(1)).replace(" \u21a9\ufe0e", "") if notes else "",
}))
"""


def find_peer_script() -> Path | None:
    """``shared/bench/peer-wagtail.sh`` beside this checkout or beside one of its parents."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "bench" / "peer-wagtail.sh"
        if candidate.is_file():
            return candidate
    return None


def start_peer(script: Path, essay_file: Path) -> str:
    """Start the peer on a free port with ``essay_file``; return its base URL."""
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(essay_file.read_bytes()).hexdigest()
    stamp = PEER_DIR / "essay.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        # The script fills its page only when it makes the site: a new text needs a new site.
        shutil.rmtree(PEER_DIR / "site", ignore_errors=True)
        stamp.unlink(missing_ok=True)
    port = free_port()
    log(f"Starting the peer (first time: installs Wagtail into {PEER_DIR}) ...")
    result = subprocess.run(  # noqa: S603
        ["bash", str(script), str(port), str(essay_file)],  # noqa: S607
        env={**os.environ, "PEER_DIR": str(PEER_DIR)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"The peer did not start:\n{result.stdout}\n{result.stderr}")
    stamp.write_text(digest)
    return f"http://127.0.0.1:{port}"


def stop_peer() -> None:
    pid_file = PEER_DIR / "gunicorn.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)


class Load:
    """One bounded measurement of one URL: wrk, or the Python client without it."""

    def __init__(self, wrk: str | None, scratch: Path, connections: int, timeout: int):
        self.wrk = wrk
        self.scratch = scratch
        self.connections = connections
        self.timeout = timeout

    def run(self, base: str, path: str, seconds: float) -> dict:
        if self.wrk:
            script = self.scratch / "one-url.lua"
            script.write_text(WRK_SCRIPT % {"paths": json.dumps(path)})
            figures = run_wrk(
                self.wrk, base, script, max(1, round(seconds)), self.connections, 2, self.timeout
            )
            counted = count(figures["per_second"])
            return {
                "ok": counted["ok"],
                "failed": counted["non_2xx"] + sum(figures["socket_errors"].values()),
                "seconds": figures["duration_us"] / 1e6,
                "bytes": figures["bytes"],
                "p50_ms": figures["latency_us"]["p50"] / 1000,
            }
        return python_load(base, path, seconds, self.connections, self.timeout)


def python_load(base: str, path: str, seconds: float, connections: int, timeout: int) -> dict:
    """``connections`` keep-alive clients in threads, for ``seconds``. Slower than wrk: past a
    few hundred requests/s it measures itself as much as the server."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    totals = {"ok": 0, "failed": 0, "bytes": 0}
    latencies: list[float] = []

    def client():
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                ok = 200 <= response.status < 300
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
                ok, body = False, b""
            with lock:
                totals["ok" if ok else "failed"] += 1
                totals["bytes"] += len(body)
                latencies.append(time.monotonic() - started)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 5)
    return {
        **totals,
        "seconds": time.monotonic() - started,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
    }


def rate(measurement: dict) -> float:
    return measurement["ok"] / measurement["seconds"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (sync)")
    parser.add_argument("--timeout", type=int, default=10, help="seconds before a request fails")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--peer-script", type=Path, default=find_peer_script())
    parser.add_argument(
        "--python-client", action="store_true", help="use the Python client even if wrk is there"
    )
    args = parser.parse_args()
    if args.peer_script is None or not args.peer_script.is_file():
        parser.error("peer-wagtail.sh not found beside this checkout: give --peer-script")

    # Ctrl-C and a plain kill both end in the finally below, which stops every server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = None
    if not args.python_client:
        try:
            wrk = ensure_wrk()
        except (OSError, subprocess.CalledProcessError, SystemExit) as error:
            log(f"No wrk ({error}): using the Python client.")
    load = Load(wrk, Path(tempfile.mkdtemp(prefix="exhibit-vs-")), args.connections, args.timeout)
    scratch = load.scratch
    env = production_env(scratch, f"sqlite:///{scratch / 'db.sqlite3'}")
    servers: list = []
    try:
        log("Loading the demo into SQLite ...")
        prepare_site(env)
        found = json.loads(
            manage(env, "shell", "--no-imports", "-c",
                   DISCOVERY % {"pages": PAGES, "static": STATIC_FILE})
            .split("BENCH-JSON ", 1)[1]
        )  # fmt: skip
        essay_file = scratch / "essay.txt"
        essay = "\n\n".join(
            part for part in (found["title"], found["text"], found["notes"]) if part
        )
        essay_file.write_text(essay + "\n", encoding="utf-8")

        peer = start_peer(args.peer_script, essay_file)
        bases = []
        for mode, seconds in (("uncached", "0"), ("cached", "600")):
            process, base = start_gunicorn(
                {**env, "PAGE_CACHE_SECONDS": seconds}, scratch / f"{mode}.log", args.workers
            )
            servers.append(process)
            bases.append(base)
        uncached, cached = bases
        log(f"Ours: {uncached} (page cache off), {cached} (on); the peer: {peer}")

        pairs = []  # (label, (server, path), (reference server, path))
        for page in PAGES:
            pairs.append((page, (uncached, found["urls"][page]), (peer, "/")))
        for page in PAGES:
            pairs.append(
                (f"cached {page}", (cached, found["urls"][page]), (cached, found["static"]))
            )
        for label, *targets in pairs:
            for base, path in targets:
                status = fetch(base + path)
                if status != 200:
                    sys.exit(f"{base}{path} ({label}) answered {status}, not 200.")
        for _label, *targets in pairs:
            for base, path in targets:
                load.run(base, path, 1)  # warm-up: caches filled, workers imported

        total = args.rounds * len(pairs) * 2 * args.duration
        log(f"{args.rounds} rounds of {len(pairs) * 2} measurements, {args.duration:g} s each, "
            f"{args.connections} connections: about {total / 60:.0f} min")  # fmt: skip
        results = {label: {"ours": [], "theirs": []} for label, *_ in pairs}
        for round_number in range(1, args.rounds + 1):
            for label, ours, theirs in pairs:
                for side, (base, path) in (("ours", ours), ("theirs", theirs)):
                    results[label][side].append(load.run(base, path, args.duration))
            latest = (
                f"{label} {rate(results[label]['ours'][-1]):.0f}/"
                f"{rate(results[label]['theirs'][-1]):.0f}"
                for label, *_ in pairs
            )
            log(f"  round {round_number} (req/s, ours/theirs): {', '.join(latest)}")
    except BaseException:
        log(f"Stopped; the servers' logs are in {scratch}")
        raise
    finally:
        for process in servers:
            stop_gunicorn(process)
        stop_peer()

    figures = summarise(results, args)
    report(figures, args, wrk is not None)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


def summarise(results: dict, args) -> dict:
    figures = {
        "rounds": args.rounds,
        "duration_s": args.duration,
        "connections": args.connections,
        "workers": args.workers,
        "pages": {},
    }
    for label, sides in results.items():
        ours, theirs = sides["ours"], sides["theirs"]
        ratios = [
            rate(a) / rate(b) if rate(b) else float("inf")
            for a, b in zip(ours, theirs, strict=True)
        ]
        ratio = statistics.median(ratios)
        page = label.removeprefix("cached ")
        if label.startswith("cached "):
            target, ok = f"≥ {TARGET_CACHED_SHARE:.0%} of static", ratio >= TARGET_CACHED_SHARE
        elif page == "search":
            median_rps = statistics.median(rate(m) for m in ours)
            target, ok = f"≥ {TARGET_SEARCH_RPS} req/s", median_rps >= TARGET_SEARCH_RPS
        else:
            target, ok = f"≥ {TARGETS[page]:g}× peer", ratio >= TARGETS[page]
        figures["pages"][label] = {
            "ours_rps": round(statistics.median(rate(m) for m in ours), 1),
            "theirs_rps": round(statistics.median(rate(m) for m in theirs), 1),
            "ratio": round(ratio, 3),
            "round_ratios": [round(r, 3) for r in ratios],
            "ours_p50_ms": round(statistics.median(m["p50_ms"] for m in ours), 1),
            "theirs_p50_ms": round(statistics.median(m["p50_ms"] for m in theirs), 1),
            "ours_kb": round(sum(m["bytes"] for m in ours) / max(1, sum(m["ok"] for m in ours))
                             / 1024, 1),
            "theirs_kb": round(sum(m["bytes"] for m in theirs)
                               / max(1, sum(m["ok"] for m in theirs)) / 1024, 1),
            "failed": sum(m["failed"] for m in ours) + sum(m["failed"] for m in theirs),
            "target": target,
            "meets": ok,
        }  # fmt: skip
    return figures


def report(figures: dict, args, used_wrk: bool) -> None:
    client = "wrk" if used_wrk else "the Python client"
    print(f"\n{args.rounds} rounds × {args.duration:g} s per measurement, {args.connections} "
          f"connections ({client}), gunicorn {args.workers} sync workers each, DEBUG off, "
          "SQLite; req/s medians; ratio = median of the rounds' ours/theirs")  # fmt: skip
    print(f"{'page':<16} {'ours req/s':>10} {'p50 ms':>7} {'KB':>6} {'vs':<7} {'req/s':>8} "
          f"{'p50 ms':>7} {'KB':>6} {'ratio':>6}  target")  # fmt: skip
    for label, row in figures["pages"].items():
        versus = "static" if label.startswith("cached ") else "peer"
        failed = f"  ({row['failed']} failed)" if row["failed"] else ""
        print(f"{label:<16} {row['ours_rps']:>10} {row['ours_p50_ms']:>7} {row['ours_kb']:>6} "
              f"{versus:<7} {row['theirs_rps']:>8} {row['theirs_p50_ms']:>7} "
              f"{row['theirs_kb']:>6} {row['ratio']:>6.2f}  {row['target']}: "
              f"{'meets' if row['meets'] else 'MISSES'}{failed}")  # fmt: skip


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted: both servers are stopped.")
