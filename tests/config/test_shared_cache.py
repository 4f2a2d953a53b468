"""With CACHE_URL naming Redis (as the deploy guide sets it), the page cache is shared."""

import socket

import environ
import pytest
from django.core.cache import caches

from tests.factories import make_full_exhibit

pytestmark = pytest.mark.django_db

REDIS = ("127.0.0.1", 6379)


def redis_is_running():
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_cache(settings, worker_id):
    if not redis_is_running():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    # One Redis database per test worker, emptied before and after.
    database = 10 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    settings.CACHES = {
        "default": environ.Env.cache_url_config(f"redis://127.0.0.1:6379/{database}")
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_the_deploy_guides_cache_url_gives_djangos_redis_backend(redis_cache):
    assert settings_backend() == "django.core.cache.backends.redis.RedisCache"
    redis_cache.set("probe", {"a": 1})
    assert redis_cache.get("probe") == {"a": 1}


def settings_backend():
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"]


def test_pages_are_served_from_redis_and_retired_by_a_change(redis_cache, client):
    exhibit = make_full_exhibit()
    url = exhibit.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    exhibit.title = "The Lipetsk flight school, renamed"
    exhibit.save()
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert "renamed" in response.content.decode()
