"""Roles: curators arrange and preview; only editors publish, in forms, inlines and actions."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exhibit.models import Block, Exhibit, Image, Section, Status
from tests.factories import image_bytes, make_exhibit, make_section


def exhibit_form(**overrides):
    data = {
        "title": "The Kama tank school",
        "subtitle": "Kazan, 1929–1933",
        "slug": "kama",
        "summary": "German and Soviet officers trained together on tanks near Kazan.",
        "introduction": "An *introduction*.",
        "credits": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "order": "0",
        "sections-TOTAL_FORMS": "0",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "review_links-TOTAL_FORMS": "0",
        "review_links-INITIAL_FORMS": "0",
        "review_links-MIN_NUM_FORMS": "0",
        "review_links-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def section_row(index, **fields):
    return {f"sections-{index}-{name}": value for name, value in fields.items()}


def section_form(section, blocks=(), **overrides):
    data = {
        "exhibit": section.exhibit_id,
        "title": section.title,
        "slug": section.slug,
        "summary": "",
        "order": section.order,
        "status": section.status,
        "published_at_0": "",
        "published_at_1": "",
        "blocks-TOTAL_FORMS": str(len(blocks)),
        "blocks-INITIAL_FORMS": "0",
        "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "1000",
    }
    for index, block in enumerate(blocks):
        row = {"essay_display": "link", "order": str(index), **block}
        data.update({f"blocks-{index}-{name}": value for name, value in row.items()})
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_curator_creates_arranges_and_previews_an_exhibit(curator_client, client):
    # Upload an archival photograph.
    response = curator_client.post(
        reverse("admin:exhibit_image_add"),
        {
            "title": "Pilots at the Lipetsk aerodrome",
            "slug": "pilots-lipetsk",
            "alt_text": "Pilots in leather coats beside a biplane",
            "caption": "German pilots at Lipetsk.",
            "date": "c. 1928",
            "rights": "http://rightsstatements.org/vocab/CNE/1.0/",
            "original": SimpleUploadedFile("lipetsk.jpg", image_bytes(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    image = Image.objects.get()

    # Create the exhibit with two sections, in order.
    response = curator_client.post(
        reverse("admin:exhibit_exhibit_add"),
        exhibit_form(
            cover_image=image.pk,
            **{"sections-TOTAL_FORMS": "2"},
            **section_row(0, order=2, title="Kazan", slug="kazan", status="draft"),
            **section_row(1, order=1, title="Origins", slug="origins", status="draft"),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    exhibit = Exhibit.objects.get(slug="kama")
    assert [s.slug for s in exhibit.sections.order_by("order")] == ["origins", "kazan"]

    # Arrange blocks in a section: text, then the image.
    section = exhibit.sections.get(slug="origins")
    response = curator_client.post(
        reverse("admin:exhibit_section_change", args=[section.pk]),
        section_form(
            section,
            blocks=[
                {"kind": "text", "text": "Training began in **1929**."},
                {"kind": "image", "image": str(image.pk)},
            ],
        ),
    )
    assert response.status_code == 302
    assert list(section.blocks.values_list("kind", flat=True)) == ["text", "image"]

    # A block missing what its kind needs is refused with a message saying what to fix.
    response = curator_client.post(
        reverse("admin:exhibit_section_change", args=[section.pk]),
        section_form(section, blocks=[{"kind": "image"}]),
    )
    assert response.status_code == 200
    assert "Choose the image this block shows." in response.content.decode()

    # Preview shows the draft; the public URL does not.
    preview = curator_client.get(section.get_preview_url())
    assert preview.status_code == 200
    assert "Training began in <strong>1929</strong>." in preview.content.decode()
    assert client.get(section.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_curator_post_that_tries_to_publish_is_refused(curator_client):
    exhibit = make_exhibit(slug="kama", status=Status.DRAFT)
    response = curator_client.post(
        reverse("admin:exhibit_exhibit_change", args=[exhibit.pk]),
        exhibit_form(status="published"),
    )
    assert response.status_code == 200
    assert "Curators cannot publish" in response.content.decode()
    exhibit.refresh_from_db()
    assert exhibit.status == Status.DRAFT


@pytest.mark.django_db
def test_curator_may_send_to_review(curator_client):
    exhibit = make_exhibit(slug="kama", status=Status.DRAFT)
    response = curator_client.post(
        reverse("admin:exhibit_exhibit_change", args=[exhibit.pk]), exhibit_form(status="review")
    )
    assert response.status_code == 302
    exhibit.refresh_from_db()
    assert exhibit.status == Status.REVIEW


@pytest.mark.django_db
def test_curator_cannot_publish_a_section_through_the_inline(curator_client):
    exhibit = make_exhibit(slug="kama", status=Status.DRAFT)
    response = curator_client.post(
        reverse("admin:exhibit_exhibit_change", args=[exhibit.pk]),
        exhibit_form(
            **{"sections-TOTAL_FORMS": "1"},
            **section_row(0, order=1, title="Kazan", slug="kazan", status="published"),
        ),
    )
    assert response.status_code == 200
    assert "Curators cannot publish" in response.content.decode()
    assert not Section.objects.exists()


@pytest.mark.django_db
def test_curator_cannot_unpublish(curator_client):
    exhibit = make_exhibit(slug="kama")
    response = curator_client.post(
        reverse("admin:exhibit_exhibit_change", args=[exhibit.pk]), exhibit_form(status="draft")
    )
    assert response.status_code == 200
    exhibit.refresh_from_db()
    assert exhibit.status == Status.PUBLISHED


@pytest.mark.django_db
def test_publish_action_is_not_offered_to_curators_and_refused_if_posted(curator_client):
    exhibit = make_exhibit(slug="kama", status=Status.REVIEW)
    changelist = reverse("admin:exhibit_exhibit_changelist")
    assert 'value="publish"' not in curator_client.get(changelist).content.decode()
    curator_client.post(
        changelist, {"action": "publish", "_selected_action": [exhibit.pk], "index": "0"}
    )
    exhibit.refresh_from_db()
    assert exhibit.status == Status.REVIEW


@pytest.mark.django_db
def test_editor_publishes_with_the_bulk_action_and_visitors_see_it(editor_client, client, editor):
    exhibit = make_exhibit(slug="kama", status=Status.REVIEW)
    section = make_section(exhibit, slug="kazan", status=Status.REVIEW)
    Block.objects.create(section=section, kind="text", text="Tanks.")
    for model, obj in (("exhibit", exhibit), ("section", section)):
        response = editor_client.post(
            reverse(f"admin:exhibit_{model}_changelist"),
            {"action": "publish", "_selected_action": [obj.pk], "index": "0"},
        )
        assert response.status_code == 302
    exhibit.refresh_from_db()
    assert exhibit.status == Status.PUBLISHED and exhibit.published_at is not None
    assert client.get(exhibit.get_absolute_url()).status_code == 200
    assert client.get(section.get_absolute_url()).status_code == 200
    assert LogEntry.objects.filter(user=editor, object_id=str(exhibit.pk)).exists()


@pytest.mark.django_db
def test_editor_unpublishes_and_the_page_disappears(editor_client, client):
    exhibit = make_exhibit(slug="kama")
    editor_client.post(
        reverse("admin:exhibit_exhibit_changelist"),
        {"action": "unpublish", "_selected_action": [exhibit.pk], "index": "0"},
    )
    assert client.get(exhibit.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_editor_may_publish_in_the_form(editor_client):
    exhibit = make_exhibit(slug="kama", status=Status.REVIEW)
    response = editor_client.post(
        reverse("admin:exhibit_exhibit_change", args=[exhibit.pk]),
        exhibit_form(status="published"),
    )
    assert response.status_code == 302
    exhibit.refresh_from_db()
    assert exhibit.is_live


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    ["exhibit", "section", "block", "essay", "image", "entity", "repository",
     "archivalreference", "contributor"],
)  # fmt: skip
def test_admin_pages_load_for_curators(curator_client, model):
    make_section(make_exhibit(slug="kama"))
    assert curator_client.get(reverse(f"admin:exhibit_{model}_changelist")).status_code == 200
    assert curator_client.get(reverse(f"admin:exhibit_{model}_add")).status_code == 200
