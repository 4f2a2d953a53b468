import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exhibit.dates import DateParseError, parse_date
from tests.factories import make_image


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "display"),
    [
        ("1928", "1928-01-01", "1928-12-31", "1928"),
        ("1926-12", "1926-12-01", "1926-12-31", "December 1926"),
        ("1926-12-03", "1926-12-03", "1926-12-03", "3 December 1926"),
        ("c. 1928", "1928-01-01", "1928-12-31", "c. 1928"),
        ("circa 1928", "1928-01-01", "1928-12-31", "c. 1928"),
        ("1928~", "1928-01-01", "1928-12-31", "c. 1928"),
        ("1928?", "1928-01-01", "1928-12-31", "1928?"),
        ("1920s", "1920-01-01", "1929-12-31", "1920s"),
        ("1925/1933", "1925-01-01", "1933-12-31", "between 1925 and 1933"),
        ("1924-02/1924-03", "1924-02-01", "1924-03-31", "between February 1924 and March 1924"),
        ("1900-02", "1900-02-01", "1900-02-28", "February 1900"),
        # EDTF level 1 qualifiers and an unspecified last digit
        ("1928%", "1928-01-01", "1928-12-31", "c. 1928?"),
        ("1926-12-03~", "1926-12-03", "1926-12-03", "c. 3 December 1926"),
        ("192X", "1920-01-01", "1929-12-31", "1920s"),
        ("1920s?", "1920-01-01", "1929-12-31", "1920s?"),
        # open and unknown ends
        ("1925/..", "1925-01-01", "9999-12-31", "from 1925 onwards"),
        ("../1933", "0001-01-01", "1933-12-31", "until 1933"),
        ("1925/", "1925-01-01", "9999-12-31", "from 1925, end unknown"),
        ("/1933", "0001-01-01", "1933-12-31", "until 1933, start unknown"),
        ("before 1930", "0001-01-01", "1929-12-31", "before 1930"),
        ("after 1925", "1926-01-01", "9999-12-31", "after 1925"),
        ("before c. 1926-12", "0001-01-01", "1926-11-30", "before c. December 1926"),
        # the words of the labels read back
        ("December 1926", "1926-12-01", "1926-12-31", "December 1926"),
        ("3 Dec. 1926", "1926-12-03", "1926-12-03", "3 December 1926"),
        ("between c. 1925 and 1933?", "1925-01-01", "1933-12-31", "between c. 1925 and 1933?"),
        ("1925 – 1933", "1925-01-01", "1933-12-31", "between 1925 and 1933"),
        ("1941-06-22", "1941-06-22", "1941-06-22", "22 June 1941"),
    ],
)
def test_approximate_dates_parse_to_ranges(text, earliest, latest, display):
    parsed = parse_date(text)
    assert parsed.earliest == dt.date.fromisoformat(earliest)
    assert parsed.latest == dt.date.fromisoformat(latest)
    assert parsed.display == display


def test_life_dates_have_a_short_form():
    assert parse_date("1866-04-22/1936-12-27").short == "22 April 1866 – 27 December 1936"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sometime in the twenties", "is not a date"),
        ("1926-13", "Month 13 does not exist"),
        ("1926-02-30", "has no day 30"),
        ("1933/1925", "ends before it begins"),
        ("", "empty"),
        ("../..", "neither a beginning nor an end"),
        ("before 1928/1930", "is not a date"),
        ("Smarch 1926", "is not a date"),
        ("0000", "Year 0 does not exist"),
        ("before 0001-01-01", "before 1 January of year 1"),
        ("after 9999", "after the year 9999"),
    ],
)
def test_malformed_dates_explain_what_to_write(text, message):
    with pytest.raises(DateParseError, match=message):
        parse_date(text)


def test_honest_flags_and_sort_dates():
    assert parse_date("c. 1928").circa and not parse_date("c. 1928").uncertain
    assert parse_date("1928?").uncertain and not parse_date("1928?").circa
    assert parse_date("1925/..").open_end and not parse_date("1925/..").open_start
    # A date without a known beginning is placed at its end on a timeline.
    assert parse_date("before 1930").sort_date == dt.date(1929, 12, 31)
    assert parse_date("1925/1933").sort_date == dt.date(1925, 1, 1)


def test_open_intervals_have_short_forms():
    assert parse_date("1925/..").short == "1925 –"
    assert parse_date("../1933").short == "– 1933"
    assert parse_date("1925/").short == "1925 – ?"
    assert parse_date("/1933").short == "? – 1933"


@st.composite
def point_texts(draw):
    """A single date in any form the parser reads, with or without qualifiers."""
    day = draw(st.dates(min_value=dt.date(100, 1, 1), max_value=dt.date(2099, 12, 31)))
    form = draw(st.sampled_from(["day", "month", "year", "decade", "words", "X"]))
    text = {
        "day": day.isoformat(),
        "month": day.isoformat()[:7],
        "year": str(day.year),
        "decade": f"{day.year // 10}0s",
        "words": f"{day.day} {day:%B} {day.year}",
        "X": f"{day.year // 10}X",
    }[form]
    if form in ("day", "month", "year", "decade", "X"):
        text += draw(st.sampled_from(["", "~", "?", "%"]))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["c. ", "ca. ", "circa ", "about "])) + text
    return text


@st.composite
def date_texts(draw):
    """Any date text: a point, a bounded, open or unknown interval, or before/after."""
    shape = draw(st.sampled_from(["point", "interval", "open", "before", "after"]))
    if shape == "point":
        return draw(point_texts())
    if shape == "before":
        return "before " + draw(point_texts())
    if shape == "after":
        return "after " + draw(point_texts())
    if shape == "open":
        point = draw(point_texts())
        return draw(st.sampled_from([f"{point}/..", f"../{point}", f"{point}/", f"/{point}"]))
    first, second = draw(point_texts()), draw(point_texts())
    a, b = parse_date(first), parse_date(second)
    if b.latest < a.earliest:
        first, second = second, first
    return draw(st.sampled_from([f"{first}/{second}", f"between {first} and {second}"]))


def _meaning(parsed):
    return (
        parsed.earliest,
        parsed.latest,
        parsed.circa,
        parsed.uncertain,
        parsed.open_start,
        parsed.open_end,
    )


@given(date_texts())
def test_every_date_is_a_range_whose_labels_read_back_to_it(text):
    parsed = parse_date(text)
    assert parsed.earliest <= parsed.sort_date <= parsed.latest
    assert _meaning(parse_date(parsed.display)) == _meaning(parsed)
    assert _meaning(parse_date(parsed.short)) == _meaning(parsed)
    # Honest labels: a circa or uncertain date says so.
    assert ("c. " in parsed.display) == parsed.circa
    assert ("?" in parsed.display) == parsed.uncertain


@given(st.dates(min_value=dt.date(1000, 1, 1)), st.sampled_from(["day", "month", "year"]))
def test_any_valid_date_parses_to_a_range_containing_it(day, precision):
    text = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[precision]
    parsed = parse_date(text)
    assert parsed.earliest <= day <= parsed.latest


@given(st.text(max_size=30))
def test_arbitrary_text_either_parses_or_raises_a_clear_error(text):
    try:
        parsed = parse_date(text)
    except DateParseError as error:
        assert str(error)
    else:
        assert parsed.earliest <= parsed.latest


@pytest.mark.django_db
def test_malformed_image_date_is_a_validation_error_naming_the_field():
    image = make_image()
    image.date = "spring-ish 1926"
    with pytest.raises(Exception) as error:
        image.full_clean()
    assert "date" in error.value.message_dict


@pytest.mark.django_db
def test_saved_date_stores_sortable_range():
    image = make_image(date="c. 1928")
    assert (image.date_earliest, image.date_latest) == (dt.date(1928, 1, 1), dt.date(1928, 12, 31))
    assert image.date_display == "c. 1928"


@pytest.mark.django_db
def test_open_ended_dates_store_the_widest_range_the_database_holds():
    image = make_image(date="before 1930")
    image.refresh_from_db()
    assert (image.date_earliest, image.date_latest) == (dt.date.min, dt.date(1929, 12, 31))
    image = make_image(date="1925/..")
    image.refresh_from_db()
    assert (image.date_earliest, image.date_latest) == (dt.date(1925, 1, 1), dt.date.max)
    assert image.date_display == "from 1925 onwards"
