"""Changing a slug keeps the old URL working: 301 to the new one, for visitors only where
they may see the object."""

import datetime as dt

import pytest
from django.utils import timezone

from exhibit.models import Block, SlugRedirect, Status
from tests.factories import (
    make_block,
    make_entity,
    make_essay,
    make_exhibit,
    make_image,
    make_section,
)


def rename(obj, slug):
    obj.slug = slug
    obj.save()
    return obj


@pytest.fixture
def exhibit(db):
    exhibit = make_exhibit(slug="rapallo")
    section = make_section(exhibit, slug="lipetsk")
    make_block(section, kind=Block.Kind.ESSAY, essay=make_essay(slug="school"))
    make_block(section, kind=Block.Kind.IMAGE, image=make_image(slug="aerodrome"))
    make_block(section, kind=Block.Kind.ENTITIES, entities=[make_entity(slug="lipetsk-city")])
    return exhibit


def assert_moved(client, old, new):
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == new
    assert client.get(new).status_code == 200


def test_old_exhibit_url_redirects_permanently(client, exhibit):
    rename(exhibit, "rapallo-1922")
    assert_moved(client, "/exhibits/rapallo/", "/exhibits/rapallo-1922/")


def test_section_urls_follow_an_exhibit_slug_change_and_their_own(client, exhibit):
    section = exhibit.sections.get()
    rename(exhibit, "rapallo-1922")
    assert_moved(client, "/exhibits/rapallo/lipetsk/", "/exhibits/rapallo-1922/lipetsk/")
    rename(section, "lipetsk-school")
    assert_moved(client, "/exhibits/rapallo/lipetsk/", "/exhibits/rapallo-1922/lipetsk-school/")
    assert_moved(
        client, "/exhibits/rapallo-1922/lipetsk/", "/exhibits/rapallo-1922/lipetsk-school/"
    )


@pytest.mark.parametrize(
    ("model", "old", "prefix"),
    [("essay", "school", "/essays/"), ("image", "aerodrome", "/images/"),
     ("entity", "lipetsk-city", "/entities/")],
)  # fmt: skip
def test_old_essay_image_and_entity_urls_redirect(client, exhibit, model, old, prefix):
    section = exhibit.sections.get()
    block = {
        "essay": lambda: Block.objects.get(section=section, kind="essay").essay,
        "image": lambda: Block.objects.get(section=section, kind="image").image,
        "entity": lambda: Block.objects.get(section=section, kind="entities").entities.get(),
    }
    obj = block[model]()
    rename(obj, f"{old}-renamed")
    assert_moved(client, f"{prefix}{old}/", f"{prefix}{old}-renamed/")


def test_a_chain_of_renames_lands_on_the_current_url(client, exhibit):
    rename(exhibit, "second")
    rename(exhibit, "third")
    assert_moved(client, "/exhibits/rapallo/", "/exhibits/third/")
    assert_moved(client, "/exhibits/second/", "/exhibits/third/")


def test_taking_back_an_old_slug_serves_it_again(client, exhibit):
    rename(exhibit, "second")
    rename(exhibit, "rapallo")
    assert client.get("/exhibits/rapallo/").status_code == 200
    assert_moved(client, "/exhibits/second/", "/exhibits/rapallo/")
    assert not SlugRedirect.objects.filter(old_slug="rapallo").exists()


def test_a_reused_slug_belongs_to_its_new_owner(client, exhibit):
    rename(exhibit, "rapallo-1922")
    newcomer = make_exhibit(slug="rapallo", title="A new exhibit")
    response = client.get("/exhibits/rapallo/")
    assert response.status_code == 200
    assert response.context["exhibit"] == newcomer
    # Even while the new owner is a draft, the old slug no longer leads to the first exhibit.
    newcomer.status = Status.DRAFT
    newcomer.save()
    assert client.get("/exhibits/rapallo/").status_code == 404


def test_a_reused_section_slug_stays_within_its_exhibit(client, exhibit):
    section = exhibit.sections.get()
    rename(section, "lipetsk-1925")
    other = make_exhibit(slug="other")
    make_section(other, slug="lipetsk")  # another exhibit's section may have the old slug
    assert_moved(client, "/exhibits/rapallo/lipetsk/", "/exhibits/rapallo/lipetsk-1925/")
    assert client.get("/exhibits/other/lipetsk/").status_code == 200


@pytest.mark.parametrize("status", ["draft", "future"])
def test_old_slugs_of_unpublished_objects_do_not_leak(client, exhibit, status):
    section = exhibit.sections.get()
    rename(exhibit, "rapallo-1922")
    if status == "draft":
        exhibit.status = Status.DRAFT
    else:
        exhibit.published_at = timezone.now() + dt.timedelta(days=3)
    exhibit.save()
    assert client.get("/exhibits/rapallo/").status_code == 404
    assert client.get("/exhibits/rapallo/lipetsk/").status_code == 404
    rename(section, "renamed")
    assert client.get("/exhibits/rapallo-1922/lipetsk/").status_code == 404


def test_staff_preview_follows_old_slugs_to_the_preview(curator_client, exhibit):
    exhibit.status = Status.DRAFT
    exhibit.save()
    rename(exhibit, "rapallo-draft")
    response = curator_client.get("/preview/exhibits/rapallo/")
    assert response.status_code == 301
    assert response["Location"] == "/preview/exhibits/rapallo-draft/"


def test_unknown_slugs_stay_404(client, exhibit):
    assert client.get("/exhibits/nothing/").status_code == 404
    assert client.get("/exhibits/rapallo/nothing/").status_code == 404
    assert client.get("/essays/nothing/").status_code == 404


def test_saving_without_a_slug_change_records_nothing(exhibit):
    exhibit.title = "Retitled"
    exhibit.save()
    assert not SlugRedirect.objects.exists()


def test_deleting_an_object_forgets_its_old_slugs(exhibit):
    rename(exhibit, "rapallo-1922")
    assert SlugRedirect.objects.count() == 1
    exhibit.delete()
    assert not SlugRedirect.objects.exists()


def test_machine_endpoints_follow_old_slugs_with_cors(client, exhibit):
    section = exhibit.sections.get()
    image = Block.objects.get(section=section, kind="image").image
    essay = Block.objects.get(section=section, kind="essay").essay
    rename(image, "aerodrome-1925")
    rename(essay, "school-1925")
    rename(exhibit, "rapallo-1922")
    moves = {
        "/iiif/images/aerodrome/info.json": "/iiif/images/aerodrome-1925/info.json",
        "/iiif/manifests/images/aerodrome.json": "/iiif/manifests/images/aerodrome-1925.json",
        "/iiif/manifests/exhibits/rapallo.json": "/iiif/manifests/exhibits/rapallo-1922.json",
        "/images/aerodrome/annotations/": "/images/aerodrome-1925/annotations/",
        "/essays/school/annotations/?iris=1": "/essays/school-1925/annotations/?iris=1",
        "/essays/school/revisions/1.txt": "/essays/school-1925/revisions/1.txt",
    }
    for old, new in moves.items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new
        assert response["Access-Control-Allow-Origin"] == "*"
        assert client.get(new).status_code == 200, new


def test_machine_endpoints_keep_their_404s(client, exhibit):
    assert client.get("/iiif/images/nothing/info.json").status_code == 404
    assert client.get("/essays/school/revisions/99.txt").status_code == 404
    exhibit.status = Status.DRAFT
    exhibit.save()
    rename(exhibit, "hidden")
    assert client.get("/iiif/manifests/exhibits/rapallo.json").status_code == 404
