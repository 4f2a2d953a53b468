"""Old addresses on change pages: a curator sees the URLs an object had, which still redirect
to it, each in full, and removes one by ticking it and saving, as with any other change."""

import re

import pytest
from django.urls import reverse

from exhibit.models import Block, SlugRedirect
from tests.admin.test_history import change_url, form_data
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_section,
)

pytestmark = pytest.mark.django_db


def published(kind):
    """A published object of ``kind``, shown by a published section (so it has a page)."""
    exhibit = make_exhibit(slug="kama")
    section = make_section(exhibit, slug="tanks")
    if kind == "exhibit":
        return exhibit
    if kind == "section":
        return section
    if kind == "essay":
        essay = make_essay(slug="kama-letters")
        make_block(section, kind=Block.Kind.ESSAY, essay=essay)
        return essay
    if kind == "image":
        image = make_image(slug="kama-yard")
        make_block(section, kind=Block.Kind.IMAGE, image=image)
        return image
    entity = make_entity(name="Kazan", slug="kama-town")
    make_block(section, entities=[entity])
    return entity


def renamed(obj, *slugs):
    """``obj`` after curators gave it each slug in turn; returns its old public paths."""
    paths = []
    for slug in slugs:
        paths.append(obj.get_absolute_url())
        obj.slug = slug
        obj.save()
    return paths


@pytest.mark.parametrize("kind", ["exhibit", "section", "essay", "image", "entity"])
def test_curator_sees_each_old_address_in_full_and_removes_one(curator_client, kind):
    obj = published(kind)
    first, second = renamed(obj, f"{obj.slug}-2", f"{obj.slug}-3")
    for path in (first, second):
        assert curator_client.get(path).status_code == 301

    page = curator_client.get(change_url(obj))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Old addresses" in html
    for path in (first, second):
        assert f'<a href="http://testserver{path}">http://testserver{path}</a>' in html
    records = {r.old_slug: r.pk for r in SlugRedirect.objects.all()}
    assert len(records) == 2

    data = form_data(page)
    data["old_addresses"] = [str(records[first.rstrip("/").rsplit("/", 1)[1]])]
    response = curator_client.post(change_url(obj), data)

    errors = re.findall(r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode())
    assert response.status_code == 302, errors
    assert curator_client.get(first).status_code == 404
    assert curator_client.get(second).status_code == 301
    after = curator_client.get(change_url(obj)).content.decode()
    assert f"http://testserver{first}" not in after and f"http://testserver{second}" in after


def test_an_object_without_old_addresses_shows_no_such_group(curator_client):
    essay = published("essay")
    assert "Old addresses" not in curator_client.get(change_url(essay)).content.decode()


def test_removing_an_address_already_gone_says_so_and_keeps_the_other_changes(curator_client):
    essay = published("essay")
    renamed(essay, "kama-letters-2")
    page = curator_client.get(change_url(essay))
    data = form_data(page)
    record = SlugRedirect.objects.get()
    data["old_addresses"] = [str(record.pk)]
    data["title"] = ["Letters from the Kama school"]
    record.delete()  # someone else removed it meanwhile

    response = curator_client.post(change_url(essay), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "That old address has already been removed" in html
    assert 'value="Letters from the Kama school"' in html
    essay.refresh_from_db()
    assert essay.title != "Letters from the Kama school"


def test_the_full_address_follows_site_url(curator_client, settings):
    settings.SITE_URL = "https://exhibit.example.org"
    section = published("section")
    (old,) = renamed(section, "tank-school")
    html = curator_client.get(change_url(section)).content.decode()
    assert f">https://exhibit.example.org{old}</a>" in html
    assert old == reverse("exhibit:section_detail", kwargs={"exhibit": "kama", "slug": "tanks"})
