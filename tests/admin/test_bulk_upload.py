"""Uploading several images at once in the admin, as a curator does."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exhibit.models import Contributor, Image, Rights
from exhibit.services.ingest import title_from_filename
from tests.admin.test_image_uploads import noisy_jpeg
from tests.conftest import media_files
from tests.factories import image_bytes, make_image, make_reference, make_user

BULK_URL = reverse("admin:exhibit_image_bulk_upload")
CHANGELIST_URL = reverse("admin:exhibit_image_changelist")


def upload(name, content=None, content_type="image/jpeg", color=(10, 20, 30)):
    if content is None:
        content = image_bytes(color=color)
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_bulk(client, files, follow=False, **fields):
    data = {
        "rights": Rights.CC_BY,
        "credit_line": "Courtesy of GALO, Lipetsk",
        "files": files,
        **fields,
    }
    return client.post(BULK_URL, data, follow=follow)


def messages_of(response):
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def change_url(image):
    return reverse("admin:exhibit_image_change", args=[image.pk])


def originals(media_root):
    return [f for f in media_files(media_root) if f.startswith("private/originals/")]


@pytest.mark.django_db
def test_changelist_offers_bulk_upload_to_curators(curator_client):
    response = curator_client.get(CHANGELIST_URL)
    assert f'href="{BULK_URL}"' in response.content.decode()
    assert "Upload several images" in response.content.decode()


@pytest.mark.django_db
def test_bulk_upload_page_has_a_multiple_file_input_and_the_shared_fields(curator_client):
    response = curator_client.get(BULK_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="files"' in html
    assert "multiple" in html.split('name="files"')[1].split(">")[0]
    for field in ("rights", "credit_line", "creator", "archival_reference", "is_placeholder"):
        assert f'name="{field}"' in html
    assert "admin-autocomplete" in html  # creator and reference are searched, not listed


@pytest.mark.django_db
def test_one_bad_file_is_named_and_the_good_ones_are_created_and_processed(
    curator_client, media_root
):
    creator = Contributor.objects.create(name="Unknown photographer", slug="unknown")
    reference = make_reference()
    files = [
        upload("lipetsk_aerodrome-1926.jpg", color=(200, 10, 10)),
        upload("scan-truncated.jpg", noisy_jpeg()[:4000]),
        upload("GALO_2176-1-1.png", image_bytes(fmt="PNG", color=(10, 200, 10)), "image/png"),
    ]
    response = post_bulk(
        curator_client,
        files,
        creator=creator.pk,
        archival_reference=reference.pk,
        date="1926",
        is_placeholder="on",
    )

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST_URL}?alt=needed"
    images = {image.original_filename: image for image in Image.objects.all()}
    assert sorted(images) == ["GALO_2176-1-1.png", "lipetsk_aerodrome-1926.jpg"]
    first = images["lipetsk_aerodrome-1926.jpg"]
    assert first.title == "Lipetsk aerodrome 1926"
    assert first.slug == "lipetsk-aerodrome-1926"
    assert first.alt_text == "Alt text needed: Lipetsk aerodrome 1926"
    assert images["GALO_2176-1-1.png"].title == "GALO 2176-1-1"
    for image in images.values():
        assert image.processing_state == Image.Processing.READY
        assert image.renditions
        assert (image.rights, image.credit_line) == (Rights.CC_BY, "Courtesy of GALO, Lipetsk")
        assert (image.creator, image.archival_reference) == (creator, reference)
        assert (image.date, image.is_placeholder) == ("1926", True)

    messages = messages_of(response)
    errors = [text for level, text in messages if level == "error"]
    assert len(errors) == 1
    assert "scan-truncated.jpg" in errors[0]
    assert "the file is truncated" in errors[0]
    successes = [text for level, text in messages if level == "success"]
    assert len(successes) == 2
    for image in images.values():
        assert any(change_url(image) in text and image.title in text for text in successes)
    reminder = messages[-1][1]
    assert "Alt text needed" in reminder
    assert all(change_url(image) in reminder for image in images.values())

    assert sorted(originals(media_root)) == sorted(
        f"private/{image.original.name}" for image in images.values()
    )
    assert not any("truncated" in f for f in media_files(media_root))
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 2


@pytest.mark.django_db
def test_the_changelist_after_a_bulk_upload_lists_images_still_needing_alt_text(curator_client):
    written = make_image(title="Written", alt_text="Pilots on a platform")
    response = post_bulk(curator_client, [upload("new-scan.jpg")], follow=True)
    listed = list(response.context["cl"].result_list)
    assert [image.title for image in listed] == ["New scan"]
    assert written not in listed


@pytest.mark.django_db
def test_every_file_bad_creates_nothing(curator_client, media_root):
    response = post_bulk(
        curator_client,
        [upload("notes.jpg", b"not an image\n" * 10), upload("empty.jpg", b"")],
    )
    assert response["Location"] == CHANGELIST_URL
    errors = [text for level, text in messages_of(response) if level == "error"]
    assert any("notes.jpg is not a JPEG, PNG" in text for text in errors)
    assert any("empty.jpg is empty" in text for text in errors)
    assert Image.objects.count() == 0
    assert media_files(media_root) == []


@pytest.mark.django_db
def test_same_names_get_unique_slugs(curator_client):
    make_image(title="Kama", slug="kama")
    post_bulk(
        curator_client,
        [upload("kama.jpg", color=(1, 1, 1)), upload("Kama.png", image_bytes(fmt="PNG"))],
    )
    assert sorted(Image.objects.values_list("slug", flat=True)) == ["kama", "kama-2", "kama-3"]


@pytest.mark.django_db
def test_a_name_without_latin_letters_keeps_its_title_and_gets_a_slug(curator_client):
    post_bulk(curator_client, [upload("Липецк_1926.jpg")])
    image = Image.objects.get()
    assert image.title == "Липецк 1926"
    assert image.slug == "1926"


@pytest.mark.parametrize(
    ("filename", "title"),
    [
        ("lipetsk_aerodrome-1926.jpg", "Lipetsk aerodrome 1926"),
        ("RGVA f33987 op3 d295.tif", "RGVA f33987 op3 d295"),
        ("kama--tank__school.jpeg", "Kama tank school"),
        ("1926-12-03_junkers.png", "1926-12-03 junkers"),
        ("___.jpg", "Untitled image"),
    ],
)
def test_titles_are_readable_file_names(filename, title):
    assert title_from_filename(filename) == title


@pytest.mark.django_db
def test_bulk_skips_a_file_already_in_the_collection_and_links_to_it(curator_client):
    content = image_bytes(color=(5, 6, 7))
    existing = make_image(original=SimpleUploadedFile("kept.jpg", content))
    response = post_bulk(
        curator_client,
        [upload("again.jpg", content), upload("new.jpg", color=(99, 98, 97))],
    )
    assert Image.objects.count() == 2
    assert Image.objects.filter(original_filename="new.jpg").exists()
    warnings = [text for level, text in messages_of(response) if level == "warning"]
    skipped = [text for text in warnings if "again.jpg" in text]
    assert len(skipped) == 1
    assert "already in the collection" in skipped[0]
    assert change_url(existing) in skipped[0]


@pytest.mark.django_db
def test_the_same_file_twice_in_one_batch_is_added_once(curator_client):
    content = image_bytes(color=(50, 60, 70))
    response = post_bulk(curator_client, [upload("a.jpg", content), upload("b.jpg", content)])
    image = Image.objects.get()
    assert image.original_filename == "a.jpg"
    assert any(
        "b.jpg" in text and change_url(image) in text
        for level, text in messages_of(response)
        if level == "warning"
    )


@pytest.mark.django_db
def test_no_file_chosen_is_a_form_error(curator_client):
    response = post_bulk(curator_client, [])
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["files"] == ["This field is required."]


@pytest.mark.django_db
def test_shared_fields_are_validated_before_any_file_is_stored(curator_client, media_root):
    response = post_bulk(curator_client, [upload("a.jpg")], date="sometime in the twenties")
    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert Image.objects.count() == 0
    assert media_files(media_root) == []


@pytest.mark.django_db
def test_editors_may_bulk_upload(editor_client):
    response = post_bulk(editor_client, [upload("a.jpg")])
    assert response.status_code == 302
    assert Image.objects.count() == 1


@pytest.mark.django_db
def test_bulk_upload_needs_the_add_permission(client):
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(viewer)
    assert client.get(BULK_URL).status_code == 403
    assert post_bulk(client, [upload("a.jpg")]).status_code == 403
    assert Image.objects.count() == 0
    assert f'href="{BULK_URL}"' not in client.get(CHANGELIST_URL).content.decode()


@pytest.mark.django_db
def test_bulk_refuses_markup_and_polyglots_by_content_and_names_them(curator_client, media_root):
    files = [
        upload("letter.jpg", b"<!doctype html><script>alert(1)</script>", "image/jpeg"),
        upload("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
        upload("pixel.jpg", b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00<html><script>x()</script>"),
        upload("real scan.html", content_type="text/html"),
    ]
    response = post_bulk(curator_client, files, follow=True)
    page = response.content.decode()
    for name in ("letter.jpg", "map.svg", "pixel.jpg"):
        assert f"{name} is not a JPEG, PNG, TIFF or WebP image" in page
    image = Image.objects.get()
    assert image.format == "JPEG"
    assert image.original_filename == "real scan_html.jpg"
