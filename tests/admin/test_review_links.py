"""Editors create, copy and withdraw review links on the exhibit's admin page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exhibit.models import ReviewLink, Status
from tests.admin.test_publishing import exhibit_form
from tests.factories import make_exhibit

pytestmark = pytest.mark.django_db


def links_form(exhibit, rows=(), initial=0):
    data = exhibit_form(
        title=exhibit.title, slug=exhibit.slug, summary=exhibit.summary, status=exhibit.status
    )
    data.update(
        {
            "review_links-TOTAL_FORMS": str(len(rows)),
            "review_links-INITIAL_FORMS": str(initial),
            "review_links-MIN_NUM_FORMS": "0",
            "review_links-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(rows):
        data.update({f"review_links-{index}-{name}": value for name, value in row.items()})
    return data


def change_url(exhibit):
    return reverse("admin:exhibit_exhibit_change", args=[exhibit.pk])


def test_editor_creates_a_link_and_sees_it_to_copy(editor_client, editor):
    exhibit = make_exhibit(status=Status.DRAFT)
    response = editor_client.post(
        change_url(exhibit),
        links_form(exhibit, [{"recipient": "Dr. A. Ivanova", "valid_for": "7"}]),
    )
    assert response.status_code == 302, response.context["errors"]
    link = ReviewLink.objects.get()
    assert link.created_by == editor
    assert abs((link.expires_at - timezone.now()).total_seconds() - 7 * 86400) < 60
    page = editor_client.get(change_url(exhibit)).content.decode()
    assert f'readonly value="http://testserver{link.get_absolute_url()}"' in page
    assert "active" in page


def test_editor_withdraws_a_link(editor_client):
    exhibit = make_exhibit(status=Status.DRAFT)
    link = ReviewLink.objects.create(
        exhibit=exhibit, recipient="Dr. B", expires_at=timezone.now() + timedelta(days=3)
    )
    row = {"id": str(link.pk), "exhibit": str(exhibit.pk), "recipient": "Dr. B", "withdraw": "on"}
    response = editor_client.post(change_url(exhibit), links_form(exhibit, [row], initial=1))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.state == "withdrawn"


def test_no_review_link_for_a_published_exhibit(editor_client):
    exhibit = make_exhibit(status=Status.PUBLISHED)
    response = editor_client.post(
        change_url(exhibit), links_form(exhibit, [{"recipient": "Dr. C", "valid_for": "7"}])
    )
    assert response.status_code == 200
    assert "share its public page instead" in response.content.decode()
    assert not ReviewLink.objects.exists()


def test_curator_sees_links_but_cannot_create_them(curator_client):
    exhibit = make_exhibit(status=Status.DRAFT)
    ReviewLink.objects.create(
        exhibit=exhibit, recipient="Dr. D", expires_at=timezone.now() + timedelta(days=3)
    )
    page = curator_client.get(change_url(exhibit)).content.decode()
    assert "Dr. D" in page
    assert 'name="review_links-0-withdraw"' not in page
    curator_client.post(
        change_url(exhibit),
        links_form(exhibit, [{"recipient": "Dr. E", "valid_for": "7"}]),
    )
    assert not ReviewLink.objects.filter(recipient="Dr. E").exists()
