#!/usr/bin/env python
"""Load test: gunicorn with production settings on loopback against PostgreSQL, with one
PostgreSQL restart in the middle.

What it does, in order:

1. Creates a scratch PostgreSQL database (``--database-url``, default
   ``postgres://postgres@127.0.0.1:5432/bench_load``; dropped again at the end), migrates it,
   loads the demo exhibit and collects static files into a temporary folder, all with
   production settings: DEBUG off, a generated SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, no HTTPS
   redirect, JSON logs to a file, CONN_MAX_AGE=60 with connection health checks.
2. Starts gunicorn from this checkout's environment as a deployment would (``--workers``
   gthread workers with ``--threads`` each, no max-requests so memory growth shows) on a free
   loopback port, and checks every URL answers 200 once.
3. Drives it with wrk (Debian's package, installed if missing) for ``--duration`` seconds over
   ``--connections`` connections, round-robin across the home page, exhibit list, an exhibit,
   a section, an essay, an image page, the image and exhibit IIIF manifests, a ``info.json``,
   an annotation collection and search (if ``exhibit:search`` resolves). A Lua script counts
   responses by status for every second.
4. Restarts PostgreSQL (``pg_ctlcluster --skip-systemctl-redirect <ver> main restart``) at the
   middle of the run, and samples the gunicorn workers' RSS (``/proc``) every second.
5. After the main run, a recovery check: ``--recovery-seconds`` more of the same load, where
   any error at all (non-2xx or socket error) fails the run.

It reports requests/s, p50/p99 latency, errors before, during and after the restart window,
the recovery phase's errors, and the workers' RSS at start, middle and end. Exit status 1 when
any request failed after recovery, or memory grew without bound: the workers' summed RSS grew
by more than ``--max-growth`` (default 10%, and at least 16 MB) between the middle and the end
of the main run. Growth while caches and connection pools warm up belongs in the first half;
a leak keeps growing in the second.

Usage: .venv/bin/python bench/load.py [--duration 60] [--connections 50] [--workers 3]
                                      [--no-restart] [--env NAME=VALUE]...
Needs root or the postgres account's rights for pg_ctlcluster; it restarts the local cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_load"
# The restart window runs from the restart command's start to this long after it returns:
# the time gunicorn's threads need to notice the new server and reconnect.
RECOVERY_GRACE = 2.0

WRK_SCRIPT = """
-- Round-robin over the URL list; count responses by "second:status". (wrk copies a thread's
-- flat table of numbers back to done(); nested tables crash wrk 4.1.)
local paths = {%(paths)s}
local counter = 0
counts = {}

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

function response(status, headers, body)
  local key = os.time() .. ":" .. status
  counts[key] = (counts[key] or 0) + 1
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do
      merged[key] = (merged[key] or 0) + n
    end
  end
  local parts = {}
  for key, n in pairs(merged) do
    table.insert(parts, string.format('"%%s": %%d', key, n))
  end
  local e = summary.errors
  io.write("BENCH-JSON ", string.format(
    '{"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"socket_errors": {"connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d}, ' ..
    '"latency_us": {"p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}, ' ..
    '"counts": {%%s}}',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ", ")), "\\n")
end
"""

# Run inside Django (production settings) to find one published object of each kind.
URL_DISCOVERY = """
import json
from django.urls import NoReverseMatch, reverse
from exhibit.models import Essay, Exhibit, Image, Section

exhibit = Exhibit.objects.published().order_by("pk").first()
section = Section.objects.published().filter(exhibit=exhibit).order_by("pk").first()
essay = Essay.objects.published().order_by("pk").first()
image = Image.objects.published().filter(processing_state="ready").order_by("pk").first()
urls = {
    "home": reverse("exhibit:home"),
    "exhibit list": reverse("exhibit:exhibit_list"),
    "exhibit": exhibit.get_absolute_url(),
    "section": section.get_absolute_url(),
    "essay": essay.get_absolute_url(),
    "image": image.get_absolute_url(),
    "image manifest": reverse("exhibit:image_manifest", kwargs={"slug": image.slug}),
    "exhibit manifest": reverse("exhibit:exhibit_manifest", kwargs={"slug": exhibit.slug}),
    "info.json": reverse("exhibit:iiif_image_info", kwargs={"slug": image.slug}),
    "annotations": reverse("exhibit:essay_annotations", kwargs={"slug": essay.slug}),
}
try:
    urls["search"] = reverse("exhibit:search") + "?q=Lipetsk"
except NoReverseMatch:
    pass
print("BENCH-URLS " + json.dumps(urls))
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("Installing Debian's wrk ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (["update", "-qq"], ["install", "-y", "-qq", "wrk"]):
        subprocess.run(["apt-get", *lock, *command], check=True, env=env)  # noqa: S603, S607
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def postgres_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])
    if not versions:
        sys.exit("No PostgreSQL cluster under /etc/postgresql: this benchmark needs a local one.")
    return versions[-1]


def admin_url(database_url: str) -> tuple[str, str]:
    """The maintenance database's URL (``postgres``) and the scratch database's name."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"--database-url must be a postgres:// URL with a database name: {database_url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(database_url: str, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = admin_url(database_url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def production_env(scratch: Path, database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production run against ``database_url``, with files in ``scratch``:
    DEBUG off, a generated SECRET_KEY, no HTTPS redirect, JSON logs, pooled connections."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(scratch)),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "MEDIA_ROOT": str(scratch / "media"),
        "PRIVATE_ROOT": str(scratch / "private"),
        "STATIC_ROOT": str(scratch / "static"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        **overrides,
    }


def prepare_site(env: dict) -> None:
    """Migrate the (empty) database in ``env``, load the demo and collect static files."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fetch(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_ready(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited while starting; see its log above.")
        try:
            if fetch(f"{base}/healthz", timeout=2) == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz with 200 in time.")


def start_gunicorn(
    env: dict, log_path: Path, workers: int, threads: int = 1
) -> tuple[subprocess.Popen, str]:
    """gunicorn from this checkout's environment as a deployment runs it, on a free loopback
    port, logging to ``log_path``: gthread workers with ``threads`` each, or sync workers for
    ``threads`` 1. Returns the process and its base URL once it answers /healthz."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *workers_class,
         "--timeout", "30", "--graceful-timeout", "10"],
        cwd=ROOT, env={**env, "EXHIBIT_SERVING": "true"},
        stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_ready(base, process)
    except BaseException:
        stop_gunicorn(process)
        raise
    return process, base


def stop_gunicorn(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except FileNotFoundError:
        return []
    return sorted(int(pid) for pid in children)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Every second: each gunicorn worker's RSS, and which workers there were."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master = master
        self.samples: list[tuple[float, dict[int, int]]] = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.samples.append(
                (time.time(), {pid: rss_kib(pid) for pid in worker_pids(self.master)})
            )
            self.stopping.wait(1.0)

    def stop(self):
        self.stopping.set()
        self.join()

    def at(self, moment: float) -> dict[int, int]:
        """The sample nearest ``moment``."""
        return min(self.samples, key=lambda sample: abs(sample[0] - moment))[1]


def run_wrk(wrk, base, script, seconds, connections, threads, timeout) -> dict:
    result = subprocess.run(  # noqa: S603
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout}s",
         "-s", str(script), base],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            figures = json.loads(line.removeprefix("BENCH-JSON "))
            per_second: dict[int, dict[int, int]] = {}
            for key, n in figures.pop("counts").items():
                second, status = (int(part) for part in key.split(":"))
                per_second.setdefault(second, {})[status] = n
            figures["per_second"] = per_second
            return figures
    sys.exit(f"wrk gave no result (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")


def count(per_second: dict, start: float = float("-inf"), end: float = float("inf")) -> dict:
    ok = failed = 0
    for second, statuses in per_second.items():
        if start <= int(second) < end:
            for status, n in statuses.items():
                if 200 <= int(status) < 300:
                    ok += n
                else:
                    failed += n
    return {"ok": ok, "non_2xx": failed}


def server_times(log_path: Path) -> dict[str, dict]:
    """Per path: count, median and p99 of ``duration_ms`` from the JSON request log."""
    durations: dict[str, list[float]] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # gunicorn's own lines are not JSON
        if isinstance(entry, dict) and entry.get("logger") == "exhibit.request":
            durations.setdefault(entry["path"], []).append(entry["duration_ms"])
    times = {}
    for path, values in durations.items():
        values.sort()
        times[path] = {
            "n": len(values),
            "p50_ms": values[len(values) // 2],
            "p99_ms": values[min(len(values) - 1, int(len(values) * 0.99))],
        }
    return times


def error_seconds(per_second: dict, started: float) -> list[str]:
    """The seconds of the run (from its start) that had non-2xx answers, with how many."""
    return [
        f"{second - int(started)}s:{sum(n for status, n in statuses.items() if status >= 300)}"
        for second, statuses in sorted(per_second.items())
        if any(status >= 300 for status in statuses)
    ]


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of the main run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument(
        "--worker-threads", type=int, default=4, help="threads per worker (1: sync workers)"
    )
    parser.add_argument("--recovery-seconds", type=int, default=15)
    parser.add_argument(
        "--timeout", type=int, default=30, help="seconds before wrk counts a request as failed"
    )
    parser.add_argument("--max-growth", type=float, default=0.10, help="fraction, mid to end")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-restart", action="store_true", help="skip the PostgreSQL restart")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another setting, e.g. CACHE_URL=redis://127.0.0.1:6379/1 or PAGE_CACHE_SECONDS=0",
    )
    args = parser.parse_args()

    wrk = ensure_wrk()
    pg_version = postgres_version()
    scratch = Path(tempfile.mkdtemp(prefix="exhibit-load-"))
    env = production_env(
        scratch, args.database_url, **dict(setting.split("=", 1) for setting in args.env)
    )
    gunicorn = None
    try:
        log(f"Creating database {admin_url(args.database_url)[1]} and loading the demo ...")
        recreate_database(args.database_url)
        prepare_site(env)
        urls = json.loads(
            manage(env, "shell", "--no-imports", "-c", URL_DISCOVERY)
            .split("BENCH-URLS ", 1)[1]
            .strip()
        )

        log_path = scratch / "gunicorn.log"
        gunicorn, base = start_gunicorn(env, log_path, args.workers, args.worker_threads)
        log(f"gunicorn {gunicorn.pid} on {base}: {args.workers} workers × {args.worker_threads}")
        for label, path in urls.items():
            status = fetch(base + path)
            log(f"  {status} {label:<17} {path}")
            if status != 200:
                sys.exit(f"{label} ({path}) answered {status}, not 200: fix the URL list first.")

        script = scratch / "bench.lua"
        script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in urls.values())})
        sampler = MemorySampler(gunicorn.pid)
        sampler.start()
        started = time.time()
        restart = {}

        def restart_postgres():
            time.sleep(args.duration / 2)
            restart["start"] = time.time()
            log(f"Restarting PostgreSQL {pg_version} ...")
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version, "main", "restart"],  # noqa: S607
                check=True,
                capture_output=True,
            )
            restart["end"] = time.time()
            log(f"PostgreSQL back after {restart['end'] - restart['start']:.1f} s")

        restarter = threading.Thread(target=restart_postgres, daemon=True)
        if not args.no_restart:
            restarter.start()
        log(f"wrk: {args.connections} connections for {args.duration} s ...")
        main_run = run_wrk(
            wrk, base, script, args.duration, args.connections, args.threads, args.timeout
        )
        ended = time.time()
        if not args.no_restart:
            restarter.join()
        log(f"Recovery check: {args.recovery_seconds} s more ...")
        recovery = run_wrk(
            wrk, base, script, args.recovery_seconds, args.connections, args.threads, args.timeout
        )
        sampler.stop()
    finally:
        stop_gunicorn(gunicorn)
        try:
            recreate_database(args.database_url, drop_only=True)
        except Exception as error:  # the report matters more than the cleanup
            log(f"Could not drop the scratch database: {error}")

    per_second = main_run["per_second"]
    if restart:
        window = (int(restart["start"]), restart["end"] + RECOVERY_GRACE)
        before = count(per_second, end=window[0])
        during = count(per_second, window[0], window[1])
        after = count(per_second, window[1])
    else:
        before, during, after = count(per_second), {"ok": 0, "non_2xx": 0}, {"ok": 0, "non_2xx": 0}
    recovery_errors = count(recovery["per_second"])["non_2xx"] + sum(
        recovery["socket_errors"].values()
    )
    main_socket_errors = sum(main_run["socket_errors"].values())

    warm = sampler.at(started + args.duration * 0.1)
    middle = sampler.at(started + args.duration / 2)
    end = sampler.at(ended)
    growth = sum(end.values()) - sum(middle.values())
    growth_limit = max(args.max_growth * sum(middle.values()), 16 * 1024)
    replaced_workers = set(warm) != set(end)

    seconds = main_run["duration_us"] / 1e6
    figures = {
        "urls": urls,
        "connections": args.connections,
        "duration_s": round(seconds, 1),
        "workers": args.workers,
        "worker_threads": args.worker_threads,
        "requests": main_run["requests"],
        "requests_per_s": round(main_run["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 1) for k, v in main_run["latency_us"].items()},
        "restart": {k: round(v - started, 1) for k, v in restart.items()},
        "before_restart": before,
        "during_restart": during,
        "after_restart": after,
        "socket_errors": main_run["socket_errors"],
        "recovery_phase": {
            "seconds": args.recovery_seconds,
            "requests": recovery["requests"],
            "requests_per_s": round(recovery["requests"] / (recovery["duration_us"] / 1e6), 1),
            "latency_ms": {k: round(v / 1000, 1) for k, v in recovery["latency_us"].items()},
            "errors": recovery_errors,
        },
        "rss_kib": {"start": warm, "middle": middle, "end": end},
        "rss_growth_mid_to_end_kib": growth,
        "rss_growth_limit_kib": round(growth_limit),
        "workers_replaced": replaced_workers,
        "error_seconds": error_seconds(per_second, started),
        "server_ms_by_path": server_times(log_path),
        "gunicorn_log": str(log_path),
    }

    print()
    print(f"Load: {args.connections} connections, {seconds:.0f} s, {len(urls)} URLs, "
          f"gunicorn {args.workers} workers × {args.worker_threads} threads")  # fmt: skip
    print(f"  requests        {main_run['requests']:,} ({figures['requests_per_s']:,} req/s)")
    lat = figures["latency_ms"]
    print(f"  latency         p50 {lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms, "
          f"max {lat['max']} ms")  # fmt: skip
    if restart:
        print(f"  PG restart      at {figures['restart']['start']} s, back at "
              f"{figures['restart']['end']} s (window: +{RECOVERY_GRACE:.0f} s)")  # fmt: skip
    print(f"  before restart  {before['ok']:,} ok, {before['non_2xx']} non-2xx")
    print(f"  during restart  {during['ok']:,} ok, {during['non_2xx']} non-2xx")
    print(f"  after restart   {after['ok']:,} ok, {after['non_2xx']} non-2xx")
    print(f"  socket errors   {main_socket_errors} {main_run['socket_errors']}")
    print(f"  non-2xx by second of the run: {', '.join(figures['error_seconds']) or 'none'}")
    rec = figures["recovery_phase"]
    print(f"  recovery phase  {rec['requests']:,} requests ({rec['requests_per_s']:,} req/s), "
          f"p50 {rec['latency_ms']['p50']} ms, p99 {rec['latency_ms']['p99']} ms, "
          f"{recovery_errors} errors")  # fmt: skip
    print(f"  worker RSS      start {mib(sum(warm.values()))}, middle {mib(sum(middle.values()))},"
          f" end {mib(sum(end.values()))} (growth mid→end {mib(growth)}, "
          f"limit {mib(int(growth_limit))})")  # fmt: skip
    print(f"                  per worker at end: {', '.join(mib(v) for v in end.values())}")
    print("  server time per path (from the JSON request log, whole run), p50 / p99 ms:")
    for path, times in sorted(figures["server_ms_by_path"].items()):
        print(f"    {times['p50_ms']:8.1f} {times['p99_ms']:8.1f}  {times['n']:5d}  {path}")
    if replaced_workers:
        print("  WARNING: gunicorn replaced a worker during the run (see the log)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))

    failures = []
    if after["non_2xx"] or recovery_errors:
        failures.append(f"{after['non_2xx'] + recovery_errors} errors after recovery")
    if growth > growth_limit:
        failures.append(f"worker memory grew {mib(growth)} in the second half")
    if replaced_workers:
        failures.append("a worker died and was replaced")
    shutil.rmtree(scratch / "media", ignore_errors=True)
    shutil.rmtree(scratch / "private", ignore_errors=True)
    shutil.rmtree(scratch / "static", ignore_errors=True)
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print("PASS: no errors after recovery, memory bounded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
