"""Each public page runs a fixed number of queries, however much content it shows."""

import pytest
from django.urls import reverse

from exhibit.models import Block, Entity
from tests.factories import make_full_exhibit

# page -> queries (pinned; a change here is a performance decision, not a test fix)
EXPECTED = {
    "home": 2,
    "exhibit list": 2,
    "exhibit": 3,
    "section": 7,
    "essay": 3,
    "image": 3,
    "entity list": 1,
    "entity": 3,
}


def page_urls(exhibit):
    section = exhibit.sections.first()
    essay = Block.objects.filter(section=section, kind="essay").first().essay
    image = Block.objects.filter(section=section, kind="image").first().image
    entity = Entity.objects.published().first()
    return {
        "home": reverse("exhibit:home"),
        "exhibit list": reverse("exhibit:exhibit_list"),
        "exhibit": exhibit.get_absolute_url(),
        "section": section.get_absolute_url(),
        "essay": essay.get_absolute_url(),
        "image": image.get_absolute_url(),
        "entity list": reverse("exhibit:entity_list"),
        "entity": entity.get_absolute_url(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("scale", [1, 3])
@pytest.mark.parametrize("page", EXPECTED)
def test_public_page_query_count_is_fixed(client, django_assert_num_queries, page, scale):
    exhibit = make_full_exhibit(scale=scale)
    for _ in range(scale - 1):
        make_full_exhibit()
    url = page_urls(exhibit)[page]
    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)
    assert response.status_code == 200
