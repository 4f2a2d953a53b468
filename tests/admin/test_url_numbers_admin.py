"""Numbers in admin URLs: what is not a number is not read as one (no 500 for a curator)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_essay


@pytest.fixture
def staff_client(curator):
    client = Client(raise_request_exception=False)
    client.force_login(curator)
    return client


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, "-1", "\x00"])
def test_essay_page_ignores_a_reattach_that_is_not_a_number(staff_client, value):
    essay = make_essay()
    url = reverse("admin:exhibit_essay_change", args=[essay.pk])
    assert staff_client.get(url, {"reattach": value}).status_code == 200


@pytest.mark.parametrize("version", ["²", "9" * 30])
def test_a_version_that_is_not_a_number_is_not_found(staff_client, version):
    essay = make_essay()
    url = reverse("admin:exhibit_essay_change", args=[essay.pk])
    assert staff_client.get(f"{url.removesuffix('change/')}history/{version}/").status_code == 404
