"""Admin login throttling (django-axes): repeated failures lock a user name out from an address."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user

PASSWORD = "a-Long-pass-phrase-1"  # what make_user gives every user
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


def log_in(client, password, username="curator", **meta):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        **HTTPS,
        **meta,
    )


@pytest.fixture
def curator_user(db):
    return make_user("curator", group="Curator")


def test_the_right_password_logs_in(client, curator_user):
    response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_repeated_failures_lock_out_even_the_right_password(client, settings, curator_user):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
        assert "Please enter the correct username and password" in response.content.decode()
    locked = log_in(client, "wrong-last")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert f"failed {settings.AXES_FAILURE_LIMIT} times" in page
    assert "Try again in 15 minutes" in page
    assert locked["Retry-After"] == str(15 * 60)
    assert "Content-Security-Policy" in locked

    right = log_in(client, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_after_the_cool_off_the_right_password_works_again(client, settings, curator_user):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong-{attempt}")
    assert log_in(client, PASSWORD).status_code == 429
    # The cool-off passes.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(curator_user.pk)


def test_a_lockout_is_for_that_user_name_from_that_address(client, settings, curator_user):
    make_user("editor", group="Editor")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong-{attempt}", REMOTE_ADDR="203.0.113.7")
    assert log_in(client, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    # A colleague behind the same address, and the curator from elsewhere, are not locked out.
    assert log_in(client, PASSWORD, username="editor", REMOTE_ADDR="203.0.113.7").status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302


def test_behind_a_proxy_the_address_it_saw_counts_not_what_the_client_claims(
    client, settings, curator_user
):
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx appends the address it saw; a client may send any X-Forwarded-For before that.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(
            client,
            f"wrong-{attempt}",
            REMOTE_ADDR="",  # gunicorn on a unix socket
            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}, 203.0.113.7",
        )
    attempt = AccessAttempt.objects.get()
    assert attempt.ip_address == "203.0.113.7"
    spoofed = log_in(
        client, PASSWORD, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7"
    )
    assert spoofed.status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, settings, curator_user):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong-{attempt}", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
    assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_force_login_used_by_the_test_suite_is_not_throttled(curator_client):
    assert curator_client.get(reverse("admin:index"), **HTTPS).status_code == 200
