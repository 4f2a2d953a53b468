"""Designed error pages: 400, 403, CSRF failure, 404 and 500, in the site's look."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = [pytest.mark.urls("tests.views.error_urls"), pytest.mark.django_db]


def assert_designed(response, status, heading):
    html = response.content.decode()
    assert response.status_code == status
    assert f"Error {status}" in html
    assert heading in html
    assert 'class="site-header"' in html
    assert "site.css" in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/"' in html or "Home page" in html
    return html


def test_404_page(client):
    html = assert_designed(client.get("/no/such/page/"), 404, "Page not found")
    assert "All exhibits" in html


def test_403_page(client):
    html = assert_designed(client.get("/fail/403/"), 403, "Not allowed")
    assert "ask an editor" in html


def test_400_page(client):
    assert_designed(client.get("/fail/400/"), 400, "Bad request")


def test_a_disallowed_host_gets_the_designed_400_page(client):
    response = client.get("/", headers={"host": "evil.example"})
    assert_designed(response, 400, "Bad request")


def test_csrf_failure_page_explains_what_to_do():
    client = Client(enforce_csrf_checks=True)
    html = assert_designed(client.post("/fail/csrf/"), 403, "This form could not be accepted")
    assert "nothing was saved" in html
    assert "cookies" in html


def test_500_page_is_rendered_without_queries():
    client = Client(raise_request_exception=False)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/fail/500/")
    assert_designed(response, 500, "Something went wrong")
    assert len(queries) == 0


def test_500_template_renders_with_no_context_at_all(settings):
    settings.SITE_NAME = "Rapallo archive"
    html = render_to_string("500.html")
    assert "Rapallo archive" in html
    assert "Something went wrong" in html


@pytest.mark.parametrize("template", ["400.html", "403_csrf.html", "500.html"])
def test_standalone_error_pages_need_no_database(template, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string(template)
    assert "<script" not in html
