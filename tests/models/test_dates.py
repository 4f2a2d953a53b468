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
    ],
)
def test_malformed_dates_explain_what_to_write(text, message):
    with pytest.raises(DateParseError, match=message):
        parse_date(text)


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
