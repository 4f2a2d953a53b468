"""``/healthz``: whether this app server can reach what it needs, for load balancers and monitors.

Three checks, each ``ok`` or ``fail`` with a short reason: the database answers ``SELECT 1``;
the cache stores and returns a value; media storage accepts, returns and deletes a probe file
and ``PRIVATE_ROOT`` (originals, tiles) is writable. HTTP 200 when all pass, 503 otherwise.
Reasons name the kind of failure (the exception's class), never a host, path or credential:
the endpoint is public. Details go to the log.
"""

import logging
import os
import tempfile
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

PROBE_DIR = "healthz"


REASONS = {
    "database": "SELECT 1 failed",
    "cache": "set/get round trip failed",
    "storage": "media or private storage is not writable",
}


def _failure(check, error):
    logger.error("Health check %s failed: %s", check, error, exc_info=error)
    return {"status": "fail", "reason": f"{REASONS[check]} ({type(error).__name__})"}


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned something else")


def check_cache():
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 30)
    try:
        if cache.get(key) != value:
            raise RuntimeError("value written was not read back")
    finally:
        cache.delete(key)


def check_storage():
    token = uuid.uuid4().hex
    name = default_storage.save(f"{PROBE_DIR}/{token}.txt", ContentFile(token.encode()))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != token.encode():
                raise RuntimeError("media probe read back differently")
    finally:
        default_storage.delete(name)
    os.makedirs(settings.PRIVATE_ROOT, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.PRIVATE_ROOT, prefix=".healthz-"):
        pass


CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage}


@never_cache
@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            results[name] = _failure(name, error)
        else:
            results[name] = {"status": "ok"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(result["status"] == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results},
        status=200 if healthy else 503,
    )
