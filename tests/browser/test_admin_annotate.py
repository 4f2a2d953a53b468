"""A curator annotates the demo essay's words and a demo photograph's region in the admin."""

import re

import pytest
from django.urls import reverse

from exhibit.models import Annotation, Entity, Essay, Image
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-pass-phrase-1"  # what make_user gives every user


@pytest.fixture
def curator_page(published_exhibit, open_page):
    """``curator_page(path)``: a page logged in through the admin's own login form."""
    make_user("curator", group="Curator")

    def curator_page(path, color_scheme="light", viewport="desktop"):
        page = open_page(viewport)
        page.emulate_media(color_scheme=color_scheme)
        page.goto(f"{reverse('admin:login')}?next={path}")
        page.get_by_label("Username").fill("curator")
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        assert page.url.endswith(path), page.url
        return page

    return curator_page


# Finds ``words`` in the essay panel's text nodes (highlights split them) as a DOM Range.
FIND_WORDS = """words => {
    const panel = document.querySelector(".annotate-text");
    const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = "";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        nodes.push([node, text.length]);
        text += node.data;
    }
    const at = text.indexOf(words);
    if (at === -1) throw new Error("not in the panel: " + words);
    const point = offset => {
        const [node, base] = nodes.filter(([, base]) => base <= offset).pop();
        return [node, offset - base];
    };
    const range = document.createRange();
    range.setStart(...point(at));
    range.setEnd(...point(at + words.length));
    range.startContainer.parentElement.scrollIntoView({block: "center"});
    return range;
}"""


def select_words(page, words):
    """Select ``words`` in the essay panel as a mouse does: a DOM range made the document's
    selection (which fires ``selectionchange``), then a mouseup."""
    page.evaluate(
        f"""words => {{
            const range = ({FIND_WORDS})(words);
            const selection = document.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.querySelector(".annotate-text").dispatchEvent(
                new MouseEvent("mouseup", {{bubbles: true}}));
        }}""",
        words,
    )


def place_caret(page, words):
    """Put the text caret just before ``words``, in the focused essay panel."""
    page.evaluate(
        f"""words => {{
            document.querySelector(".annotate-text").focus();
            const range = ({FIND_WORDS})(words);
            document.getSelection().collapse(range.startContainer, range.startOffset);
        }}""",
        words,
    )


def pick_entity(page, name):
    """Choose ``name`` in the admin's own autocomplete (select2) for linked entities."""
    page.locator(".annotate-field-entities .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(name.split()[0])
    page.locator(".select2-results__option", has_text=name).first.click()


def test_a_curator_annotates_a_passage_of_the_demo_essay(curator_page, screenshot):
    essay = Essay.objects.get(slug="training-grounds")
    lipetsk = Entity.objects.get(slug="lipetsk")
    page = curator_page(reverse("admin:exhibit_essay_change", args=[essay.pk]))
    panel = page.locator("#annotate")
    panel.scroll_into_view_if_needed()
    trigger = page.get_by_role("button", name="Annotate selection")
    assert trigger.is_hidden()

    select_words(page, "German pilots dressed as tourists")
    trigger.wait_for(state="visible")
    screenshot(page, "admin-annotate-1-selection")
    trigger.click()

    form = page.locator(".annotate-form")
    assert form.is_visible()
    assert form.locator(".annotate-quote").inner_text() == "German pilots dressed as tourists"
    page.get_by_label("Motivation").select_option("identifying")
    page.get_by_label("Note (Markdown)").fill("The GALO photograph: *tourists* on paper only.")
    pick_entity(page, "Lipetsk (place)")
    screenshot(page, "admin-annotate-2-form")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Saved the note on “German pilots dressed as tourists”.").wait_for()

    annotation = Annotation.objects.get(essay=essay, creator__username="curator")
    assert annotation.exact == "German pilots dressed as tourists"
    text = annotation.revision.text
    assert text[annotation.start : annotation.end] == annotation.exact
    assert annotation.motivation == "identifying"
    assert list(annotation.entities.all()) == [lipetsk]
    assert annotation.creator.username == "curator"
    mark = page.locator(f"mark.annotate-mark[data-annotation='{annotation.pk}']")
    assert mark.inner_text() == "German pilots dressed as tourists"

    # The keyboard: a caret in the text, Shift+arrows to select, Tab to the button.
    place_caret(page, "Heinz Guderian")
    for _ in range(len("Heinz Guderian")):
        page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("document.getSelection().toString() === 'Heinz Guderian'")
    trigger.wait_for(state="visible")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Annotate selection"
    page.keyboard.press("Enter")
    assert form.locator(".annotate-quote").inner_text() == "Heinz Guderian"
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Saved the note on “Heinz Guderian”.").wait_for()
    assert Annotation.objects.filter(
        essay=essay, exact="Heinz Guderian", creator__username="curator"
    ).exists()

    # Clicking a highlight opens its note; a change is saved through the same view.
    mark.click()
    assert page.locator(".annotate-form-heading").inner_text() == "Edit note"
    assert page.get_by_label("Note (Markdown)").input_value().startswith("The GALO photograph")
    page.get_by_label("Motivation").select_option("describing")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Saved the note on “German pilots dressed as tourists”.").wait_for()
    annotation.refresh_from_db()
    assert annotation.motivation == "describing"
    assert list(annotation.entities.all()) == [lipetsk]  # the picker kept its choice
    screenshot(page, "admin-annotate-3-saved")

    dark = curator_page(reverse("admin:exhibit_essay_change", args=[essay.pk]), "dark")
    dark.locator("#annotate").scroll_into_view_if_needed()
    select_words(dark, "Lipetsk")
    dark.get_by_role("button", name="Annotate selection").click()
    screenshot(dark, "admin-annotate-4-dark")


def test_a_selection_in_the_footnotes_is_refused(curator_page):
    essay = Essay.objects.get(slug="training-grounds")
    page = curator_page(reverse("admin:exhibit_essay_change", args=[essay.pk]))
    footnote = page.locator(".annotate-text section.footnotes li p").first.inner_text()
    select_words(page, footnote[:20])
    page.get_by_role("button", name="Annotate selection").click()
    page.get_by_role("button", name="Save note").click()
    error = page.locator(".annotate-form .annotate-error")
    error.wait_for()
    assert "reaches into the footnotes" in error.inner_text()
    assert not Annotation.objects.filter(creator__username="curator").exists()


def test_a_curator_draws_a_region_on_a_demo_photograph(curator_page, screenshot):
    image = Image.objects.get(slug="galo-german-pilots-as-tourists")
    page = curator_page(reverse("admin:exhibit_image_change", args=[image.pk]))
    picture = page.locator(".annotate-stage img")
    picture.scroll_into_view_if_needed()
    picture.evaluate("img => img.decode()")
    box = picture.bounding_box()
    scale = image.width / box["width"]

    start = (round(box["x"] + box["width"] * 0.2), round(box["y"] + box["height"] * 0.3))
    end = (round(box["x"] + box["width"] * 0.55), round(box["y"] + box["height"] * 0.7))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()

    form = page.locator(".annotate-form")
    assert form.is_visible()
    page.get_by_label("Note (Markdown)").fill("Two pilots in civilian coats.")
    pick_entity(page, "Lipetsk (place)")
    screenshot(page, "admin-annotate-5-region-form")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text(re.compile("Saved the note on the region")).wait_for()

    annotation = Annotation.objects.get(image=image, creator__username="curator")
    x, y, w, h = annotation.region
    expected = (
        (start[0] - box["x"]) * scale,
        (start[1] - box["y"]) * scale,
        (end[0] - start[0]) * scale,
        (end[1] - start[1]) * scale,
    )
    for got, want in zip((x, y, w, h), expected, strict=True):
        assert abs(got - want) <= scale + 1, (annotation.region, expected)
    assert x + w <= image.width and y + h <= image.height
    assert page.locator(f".annotate-region[data-annotation='{annotation.pk}']").is_visible()
    screenshot(page, "admin-annotate-6-region-saved")

    # The keyboard alternative: numbers, in pixels of the original; refused when outside.
    page.get_by_role("button", name="Add a region by numbers").click()
    for name, value in zip("xywh", (10, 20, image.width, 50), strict=True):
        page.locator(f".annotate-form input[name={name}]").fill(str(value))
    page.get_by_role("button", name="Save note").click()
    error = page.locator(".annotate-form .annotate-error")
    error.wait_for()
    assert "runs outside the image" in error.inner_text()
    page.locator(".annotate-form input[name=w]").fill("100")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Saved the note on the region 10, 20, 100, 50.").wait_for()
    assert Annotation.objects.filter(image=image, xywh="10,20,100,50").exists()

    dark = curator_page(reverse("admin:exhibit_image_change", args=[image.pk]), "dark")
    dark.locator(".annotate-region").last.click()  # the smallest, drawn on top
    assert dark.locator(".annotate-form-heading").inner_text().startswith("Edit note on region")
    screenshot(dark, "admin-annotate-7-region-dark")


def test_a_curator_reviews_notes_an_edit_moved_or_orphaned(curator_page, screenshot):
    essay = Essay.objects.get(slug="training-grounds")
    moved = Annotation.objects.get(essay=essay, exact="about 500 kilometres south-east of Moscow")
    lost = Annotation.objects.get(essay=essay, exact="Allied inspectors")
    essay.body = essay.body.replace(
        "about 500 kilometres south-east of Moscow", "some 500 kilometres south-east of Moscow"
    ).replace("beyond the reach of Allied inspectors", "abroad, out of sight")
    essay.save()
    moved.refresh_from_db()
    lost.refresh_from_db()
    assert moved.anchoring == Annotation.Anchoring.FUZZY
    assert lost.anchoring == Annotation.Anchoring.ORPHANED

    page = curator_page(reverse("admin:exhibit_annotation_change", args=[moved.pk]))
    review = page.get_by_role("region", name="Check the passage this note was moved to")
    assert "about 500 kilometres south-east of Moscow" in review.inner_text()
    now = review.locator(".annotate-compare-new mark")
    assert now.inner_text() == "some 500 kilometres south-east of Moscow"
    screenshot(page, "admin-annotate-8-review-fuzzy")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the match").click()
    moved.refresh_from_db()
    assert moved.anchoring == Annotation.Anchoring.EXACT

    page = curator_page(reverse("admin:exhibit_annotation_change", args=[lost.pk]), "dark")
    assert page.get_by_role("region", name="This note lost its passage").is_visible()
    screenshot(page, "admin-annotate-9-review-orphan-dark")
    with page.expect_navigation():
        page.get_by_role("link", name="Re-attach to other words").click()
    banner = page.locator(".annotate-reattach")
    assert "Allied inspectors" in banner.inner_text()
    select_words(page, "abroad, out of sight")
    page.get_by_role("button", name="Re-attach to selection").click()
    assert page.locator(".annotate-form-heading").inner_text() == "Re-attach note"
    screenshot(page, "admin-annotate-10-reattach-dark")
    page.get_by_role("button", name="Re-attach and save").click()
    page.get_by_text("Saved the note on “abroad, out of sight”.").wait_for()
    assert banner.is_hidden()
    lost.refresh_from_db()
    assert (lost.anchoring, lost.exact) == (Annotation.Anchoring.EXACT, "abroad, out of sight")
    assert lost.previous_exact == "Allied inspectors"
    assert lost.revision == essay.revisions.order_by("-number").first()


def test_a_region_can_be_drawn_with_a_finger(curator_page, screenshot):
    image = Image.objects.get(slug="galo-german-pilots-as-tourists")
    page = curator_page(reverse("admin:exhibit_image_change", args=[image.pk]), viewport="phone")
    picture = page.locator(".annotate-stage img")
    picture.scroll_into_view_if_needed()
    picture.evaluate("img => img.decode()")
    box = picture.bounding_box()
    scale = image.width / box["width"]
    start = (round(box["x"] + box["width"] * 0.1), round(box["y"] + box["height"] * 0.1))
    end = (round(box["x"] + box["width"] * 0.4), round(box["y"] + box["height"] * 0.5))

    scrolled = page.evaluate("window.scrollY")
    touch = page.context.new_cdp_session(page)  # Playwright has no touch drag of its own
    touch.send(
        "Input.dispatchTouchEvent",
        {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]},
    )
    for step in range(1, 9):
        x = start[0] + (end[0] - start[0]) * step / 8
        y = start[1] + (end[1] - start[1]) * step / 8
        touch.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    assert page.evaluate("window.scrollY") == scrolled  # the finger drew; it did not scroll
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    form = page.locator(".annotate-form")
    form.wait_for()
    page.get_by_role("button", name="Save note").click()
    page.get_by_text(re.compile("Saved the note on the region")).wait_for()
    x, y, w, h = Annotation.objects.get(image=image, creator__username="curator").region
    expected = (
        (start[0] - box["x"]) * scale,
        (start[1] - box["y"]) * scale,
        (end[0] - start[0]) * scale,
        (end[1] - start[1]) * scale,
    )
    for got, want in zip((x, y, w, h), expected, strict=True):
        assert abs(got - want) <= scale + 1, ((x, y, w, h), expected)
    screenshot(page, "admin-annotate-11-region-phone")
