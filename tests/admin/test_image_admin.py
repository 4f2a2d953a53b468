"""The image admin beyond uploading: duplicates, processing state, replacement, downloads."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from exhibit.admin.forms import image_admin_link
from exhibit.admin.images import region_annotations_to_review
from exhibit.models import Image, Rights
from tests.admin.test_image_uploads import post_image
from tests.factories import image_bytes, make_image, make_user

CHANGELIST_URL = reverse("admin:exhibit_image_changelist")


def change_url(image):
    return reverse("admin:exhibit_image_change", args=[image.pk])


def messages_of(response):
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def post_change(client, image, **fields):
    data = {
        "title": image.title,
        "slug": image.slug,
        "alt_text": image.alt_text,
        "rights": image.rights,
        **fields,
    }
    return client.post(change_url(image), data)


# Duplicates -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_already_in_the_collection_is_refused_with_a_link_to_it(curator_client):
    content = image_bytes(color=(11, 22, 33))
    existing = make_image(title="Pilots at Lipetsk", original=SimpleUploadedFile("a.jpg", content))
    response = post_image(curator_client, content, "copy.jpg", slug="copy")
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["original"])
    assert "already in the collection" in errors
    assert f'<a href="{change_url(existing)}">Pilots at Lipetsk</a>' in errors
    assert f'<a href="{change_url(existing)}">Pilots at Lipetsk</a>' in response.content.decode()
    assert "Upload anyway as a separate record" in response.content.decode()
    assert Image.objects.count() == 1


@pytest.mark.django_db
def test_upload_anyway_keeps_a_second_record_of_the_same_file(curator_client, media_root):
    content = image_bytes(color=(11, 22, 33))
    existing = make_image(original=SimpleUploadedFile("a.jpg", content))
    response = post_image(curator_client, content, "a.jpg", slug="copy", upload_anyway="on")
    assert response.status_code == 302
    copy = Image.objects.get(slug="copy")
    assert copy.checksum == existing.checksum
    assert copy.original.name != existing.original.name
    for image in (existing, copy):
        with image.original.open("rb") as handle:
            assert handle.read() == content


@pytest.mark.django_db
def test_replacing_with_another_images_file_is_refused(curator_client):
    content = image_bytes(color=(44, 55, 66))
    other = make_image(original=SimpleUploadedFile("other.jpg", content))
    image = make_image()
    response = post_change(
        curator_client, image, original=SimpleUploadedFile("other.jpg", content, "image/jpeg")
    )
    assert response.status_code == 200
    assert change_url(other) in " ".join(response.context["adminform"].form.errors["original"])
    image.refresh_from_db()
    assert image.checksum != other.checksum


@pytest.mark.django_db
def test_uploading_an_images_own_file_again_is_not_a_duplicate(curator_client):
    content = image_bytes(color=(70, 80, 90))
    image = make_image(original=SimpleUploadedFile("same.jpg", content))
    response = post_change(
        curator_client, image, original=SimpleUploadedFile("same.jpg", content, "image/jpeg")
    )
    assert response.status_code == 302


# Processing state -------------------------------------------------------------------------


@pytest.mark.django_db
def test_changelist_shows_and_filters_the_processing_state(curator_client):
    ready = make_image(title="Ready one")
    failed = make_image(title="Failed one")
    Image.objects.filter(pk=failed.pk).update(
        processing_state=Image.Processing.FAILED, processing_error="vips: out of memory"
    )
    response = curator_client.get(CHANGELIST_URL)
    html = response.content.decode()
    assert 'title="vips: out of memory">Failed</span>' in html
    assert '<td class="field-processing">Ready</td>' in html
    filtered = curator_client.get(CHANGELIST_URL, {"processing_state__exact": "failed"})
    assert list(filtered.context["cl"].result_list) == [failed]
    assert ready not in filtered.context["cl"].result_list


@pytest.mark.django_db
def test_change_page_shows_the_error_of_a_failed_image_read_only(curator_client):
    image = make_image()
    Image.objects.filter(pk=image.pk).update(
        processing_state=Image.Processing.FAILED, processing_error="vips: out of memory"
    )
    response = curator_client.get(change_url(image))
    html = response.content.decode()
    assert '<div class="readonly">Failed</div>' in html
    assert "vips: out of memory" in html
    assert 'name="processing_error"' not in html


@pytest.mark.django_db
def test_change_page_of_a_ready_image_shows_no_error_row(curator_client):
    image = make_image()
    html = curator_client.get(change_url(image)).content.decode()
    assert '<div class="readonly">Ready</div>' in html
    assert "field-processing_error" not in html


@pytest.mark.django_db
def test_reprocess_action_rebuilds_derivatives_of_selected_images(curator_client, media_root):
    image = make_image()
    Image.objects.filter(pk=image.pk).update(
        processing_state=Image.Processing.FAILED, processing_error="interrupted", renditions=[]
    )
    response = curator_client.post(
        CHANGELIST_URL, {"action": "reprocess", "_selected_action": [image.pk]}
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.READY
    assert image.processing_error == ""
    assert image.renditions
    assert ("success", "Reprocessed 1 image(s).") in messages_of(response)


@pytest.mark.django_db
def test_reprocess_action_reports_a_failure(curator_client):
    image = make_image()
    image.original.storage.delete(image.original.name)  # the original has gone missing
    response = curator_client.post(
        CHANGELIST_URL, {"action": "reprocess", "_selected_action": [image.pk]}
    )
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.FAILED
    assert image.processing_error
    assert any(level == "error" and "failed for 1" in text for level, text in messages_of(response))
    page = curator_client.get(change_url(image)).content.decode()
    assert escape(image.processing_error) in page


@pytest.mark.django_db
def test_reprocess_action_is_offered_only_to_those_who_may_change_images(client, curator_client):
    make_image()
    actions = curator_client.get(CHANGELIST_URL).context["action_form"].fields["action"]
    assert "reprocess" in dict(actions.choices)
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(viewer)
    response = client.get(CHANGELIST_URL)
    assert response.context["action_form"] is None or "reprocess" not in dict(
        response.context["action_form"].fields["action"].choices
    )


def process_url(image):
    return reverse("admin:exhibit_image_process", args=[image.pk])


@pytest.mark.django_db
def test_a_failed_upload_is_saved_with_a_message_and_processed_again_from_its_page(
    curator_client, settings
):
    settings.IMAGE_PROCESS_TIMEOUT = 0.001  # the tiles cannot be made in time
    response = post_image(curator_client, image_bytes(), "scan.jpg")
    assert response.status_code == 302  # a form answer, whatever processing does
    image = Image.objects.get()
    assert image.processing_state == Image.Processing.FAILED
    reason = (
        "Making the zoomable tiles took longer than the 0.001 seconds allowed, so it was "
        "stopped. The image may be too large or slow to decode: process it again when the "
        "server is less busy, or upload a smaller copy."
    )
    assert image.processing_error == reason
    assert any(
        level == "error" and "is saved, but making its derivatives and zoom tiles failed" in text
        and reason in text
        for level, text in messages_of(response)
    )  # fmt: skip
    page = curator_client.get(change_url(image)).content.decode()
    assert f"Processing failed: {reason}" in page
    assert f'<form method="post" action="{process_url(image)}">' in page

    settings.IMAGE_PROCESS_TIMEOUT = 300
    retried = curator_client.post(process_url(image))
    assert retried.status_code == 302
    assert retried["Location"] == change_url(image)
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.READY
    assert image.processing_error == ""
    assert image.renditions
    assert ("success", f"Processed {image_admin_link(image)} again: its derivatives and zoom "
            "tiles are ready.") in messages_of(retried)  # fmt: skip
    assert "Process again" not in curator_client.get(change_url(image)).content.decode()


@pytest.mark.django_db
def test_processing_again_needs_a_post_and_the_change_permission(client, curator_client):
    image = make_image()
    Image.objects.filter(pk=image.pk).update(
        processing_state=Image.Processing.FAILED, processing_error="The original is missing."
    )
    assert curator_client.get(process_url(image)).status_code == 405
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(viewer)
    page = client.get(change_url(image)).content.decode()
    assert "Processing failed: The original is missing." in page
    assert process_url(image) not in page
    assert client.post(process_url(image)).status_code == 403
    image.refresh_from_db()
    assert image.processing_state == Image.Processing.FAILED


@pytest.mark.django_db
def test_processing_interrupted_by_a_killed_worker_is_shown_and_can_be_retried(
    curator_client, settings
):
    from datetime import timedelta

    from django.utils import timezone

    running, stuck = make_image(title="Running"), make_image(title="Stuck")
    now = timezone.now()
    Image.objects.filter(pk=running.pk).update(
        processing_state=Image.Processing.PROCESSING, processing_started=now
    )
    Image.objects.filter(pk=stuck.pk).update(
        processing_state=Image.Processing.PROCESSING,
        processing_started=now - timedelta(seconds=settings.IMAGE_PROCESS_TIMEOUT + 61),
    )
    listing = curator_client.get(CHANGELIST_URL).content.decode()
    assert listing.count(">Interrupted</span>") == 1
    assert '<td class="field-processing">Processing</td>' in listing
    assert "Process again" not in curator_client.get(change_url(running)).content.decode()
    page = curator_client.get(change_url(stuck)).content.decode()
    assert "Processing was interrupted: Processing began but never finished" in page
    assert process_url(stuck) in page
    curator_client.post(process_url(stuck))
    stuck.refresh_from_db()
    assert stuck.processing_state == Image.Processing.READY


# Replacement ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_replacing_with_other_dimensions_warns_about_region_annotations(curator_client):
    image = make_image()  # 640 × 480
    response = post_change(
        curator_client,
        image,
        original=SimpleUploadedFile("wider.png", image_bytes(size=(800, 600), fmt="PNG")),
    )
    assert response.status_code == 302
    assert (
        "warning",
        "The new file is 800×600 (was 640×480). Region annotations on this image may now be "
        "misplaced: review them.",
    ) in messages_of(response)


@pytest.mark.django_db
def test_replacing_with_the_same_dimensions_or_editing_text_does_not_warn(curator_client):
    image = make_image()
    replaced = post_change(
        curator_client,
        image,
        original=SimpleUploadedFile("same-size.png", image_bytes(fmt="PNG"), "image/png"),
    )
    edited = post_change(curator_client, image, caption="A new caption")
    for response in (replaced, edited):
        assert response.status_code == 302
        assert not any("The new file is" in text for _, text in messages_of(response))


def test_no_region_annotations_to_review_until_annotations_exist():
    assert region_annotations_to_review(Image(title="x")) == []


@pytest.mark.django_db
def test_saving_an_image_with_provisional_alt_text_reminds_the_curator(curator_client):
    image = make_image(alt_text="Alt text needed: Kama")
    response = post_change(curator_client, image, caption="Tank school")
    assert any("still provisional" in text for level, text in messages_of(response))
    curator_client.get(CHANGELIST_URL)  # shows, and so clears, the messages so far
    written = post_change(curator_client, image, alt_text="Two tanks in a field")
    assert not any("still provisional" in text for level, text in messages_of(written))


# Download setting -------------------------------------------------------------------------


@pytest.mark.django_db
def test_download_setting_is_a_three_way_choice(curator_client):
    image = make_image()
    html = curator_client.get(change_url(image)).content.decode()
    select = html.split('name="allow_download"')[1].split("</select>")[0]
    assert '<option value="unknown" selected>Follow the rights statement</option>' in select
    assert '<option value="true">Yes</option>' in select
    assert '<option value="false">No</option>' in select


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rights", "choice", "stored", "downloadable"),
    [
        (Rights.CC0, "unknown", None, True),
        (Rights.IN_COPYRIGHT, "unknown", None, False),
        (Rights.IN_COPYRIGHT, "true", True, True),
        (Rights.CC0, "false", False, False),
    ],
)
def test_download_choice_is_saved(curator_client, rights, choice, stored, downloadable):
    image = make_image(allow_download=not downloadable)
    response = post_change(curator_client, image, rights=rights, allow_download=choice)
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.allow_download is stored
    assert image.downloadable is downloadable
