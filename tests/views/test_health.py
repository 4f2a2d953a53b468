"""``/healthz``: database, cache and media storage, for load balancers and monitors."""

import json

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse

from exhibit.views import health

URL = "/healthz"


@pytest.mark.django_db
def test_all_checks_pass_with_200_json_never_cached(client):
    assert reverse("exhibit:healthz") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
    }


@pytest.mark.django_db
def test_the_probe_leaves_no_files_behind(client, media_root):
    client.get(URL)
    leftovers = [p for p in media_root.rglob("*") if p.is_file()]
    assert leftovers == []


@pytest.mark.django_db
def test_a_failing_database_is_503_with_a_short_reason_and_no_secrets(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError(
            'connection to server at "10.0.0.5", port 5432 failed: password authentication '
            'failed for user "exhibit"'
        )

    monkeypatch.setattr(health, "check_database", refuse)
    monkeypatch.setitem(health.CHECKS, "database", refuse)
    response = client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "status": "fail",
        "reason": "SELECT 1 failed (OperationalError)",
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["cache"]["status"] == "ok"
    text = json.dumps(body)
    assert "10.0.0.5" not in text and 'exhibit\\"' not in text and "password" not in text


@pytest.mark.django_db
def test_a_failing_cache_is_503(client, monkeypatch):
    class Forgetful:
        def set(self, *args, **kwargs):
            pass

        def get(self, *args, **kwargs):
            return None

        def delete(self, *args, **kwargs):
            pass

    monkeypatch.setattr(health, "cache", Forgetful())
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["reason"].startswith("set/get round trip failed")


@pytest.mark.django_db
def test_an_unwritable_private_root_is_503_without_the_path(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the private folder should be")
    settings.PRIVATE_ROOT = blocker / "private"
    response = client.get(URL)
    assert response.status_code == 503
    check = response.json()["checks"]["storage"]
    assert check["status"] == "fail"
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https_but_pages_are(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(URL).status_code == 200
    assert client.get("/").status_code == 301


def test_healthz_answers_head_and_refuses_post(client, db):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_the_database_check_runs_select_1(db):
    with connection.cursor():
        health.check_database()
