import pytest

from exhibit.services.rendering import render_markdown, sanitize_html
from tests.factories import make_essay
from tests.html_checks import assert_inert

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<img src=x onerror="alert(1)">',
    "<a href='javascript:alert(1)'>x</a>",
    "<iframe src='https://evil.example'></iframe>",
    "<svg onload=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](javascript:alert(1))",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_markdown_never_emits_active_content(payload):
    assert_inert(render_markdown(f"Before {payload} after[^1]\n\n[^1]: {payload}").html)


@pytest.mark.parametrize("payload", HOSTILE)
def test_sanitizer_strips_raw_html_attacks(payload):
    assert_inert(sanitize_html(payload))


def test_footnotes_and_heading_anchors_render():
    rendered = render_markdown(
        "## The Kama school\n\nTanks.[^1]\n\n[^1]: RGVA f. 33987, op. 3, d. 295, l. 12.",
        heading_anchors=True,
        doc_id="kama",
    )
    assert '<h2 id="the-kama-school">' in rendered.html
    assert 'class="footnotes"' in rendered.html
    assert "RGVA f. 33987, op. 3, d. 295, l. 12." in rendered.html
    assert rendered.headings == [{"level": 2, "id": "the-kama-school", "text": "The Kama school"}]


@pytest.mark.django_db
def test_essay_html_is_rendered_and_sanitised_on_save():
    essay = make_essay(
        body="Hello <script>alert(1)</script> [x](javascript:alert(1))[^1]\n\n[^1]: n"
    )
    assert_inert(essay.body_html)
    assert "footnote" in essay.body_html
    assert essay.word_count > 0
