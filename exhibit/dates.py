"""Approximate historical dates: parse what curators type into a sortable range.

Curators write dates the way archivists do: ``1928``, ``1926-12``, ``1926-12-03``, ``c. 1928``,
``1928?``, ``1920s``, ``1925/1933`` (an interval, EDTF level 0), ``1866-04-22/1936-12-27``.
The parser also reads the EDTF level 1 forms an archivist meets: the qualifiers ``~``
(approximate), ``?`` (uncertain) and ``%`` (both), an unspecified last digit (``192X``), and
intervals with an open end (``1925/..``, ``../1933``) or an unknown one (``1925/``, ``/1933``);
and the words its own labels use, so that every label it writes reads back to the same range:
``December 1926``, ``3 December 1926``, ``between 1925 and 1933``, ``before 1930``,
``after 1925``, ``from 1925 onwards``, ``until 1933``.

``parse_date`` turns any of these into the earliest and latest day it can mean, plus flags for
"circa", "uncertain" and open or unknown ends, so lists sort by date and pages say honestly what
is known. An open or unknown end stretches the range to the first or last day a Python date
can hold; ``sort_date`` is the day to place such a date at on a timeline.

We keep this parser rather than depend on an EDTF library: the forms curators type
(``c. 1928``, ``1920s``, ``before 1930``) are not EDTF, and the EDTF we need is the small part
above. ``tests/models/test_dates.py`` holds its cases and properties.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_CIRCA = re.compile(r"^(?:c\.|ca\.|circa|approx\.?|about)\s*", re.IGNORECASE)
_POINT = re.compile(
    r"^(?P<year>\d{3,4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<flag>[~?%]?)$"
)
_DECADE = re.compile(r"^(?P<decade>\d{2,3})(?:0s|X)(?P<flag>[~?%]?)$", re.IGNORECASE)
_WORDS = re.compile(
    r"^(?:(?P<day>\d{1,2})\s+)?(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{3,4})(?P<flag>[~?%]?)$",
    re.IGNORECASE,
)
# Forms of a whole date around one or two points; the order matters (first match wins).
_FORMS = [
    ("between", re.compile(r"^between\s+(?P<start>.+?)\s+and\s+(?P<end>.+)$", re.IGNORECASE)),
    ("before", re.compile(r"^before\s+(?P<end>.+)$", re.IGNORECASE)),
    ("after", re.compile(r"^after\s+(?P<start>.+)$", re.IGNORECASE)),
    ("from_unknown", re.compile(r"^from\s+(?P<start>.+?),\s*end unknown$", re.IGNORECASE)),
    ("from_open", re.compile(r"^from\s+(?P<start>.+?)\s+onwards$", re.IGNORECASE)),
    ("until_unknown", re.compile(r"^until\s+(?P<end>.+?),\s*start unknown$", re.IGNORECASE)),
    ("until_open", re.compile(r"^until\s+(?P<end>.+)$", re.IGNORECASE)),
]

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): n for n, name in enumerate(MONTHS, 1)
}
# "Sept" is common enough in archival finding aids to accept.
_MONTH_NUMBERS["sept"] = 9

OPEN = ".."
EN_DASH = "–"

HELP = (
    "Write a year (1928), a month (1926-12), a day (1926-12-03), “c. 1928”, “1928?”, a decade "
    "(1920s), an interval (1925/1933), an open interval (1925/.. or ../1933), “before 1930” "
    "or “after 1925”."
)


class DateParseError(ValueError):
    """The text is not a date this parser understands; the message says what would be."""


@dataclass(frozen=True)
class ApproximateDate:
    earliest: dt.date
    latest: dt.date
    circa: bool = False
    uncertain: bool = False
    display: str = ""
    short: str = ""
    # An open end goes on ("1925/..": from 1925 onwards); an unknown one is simply not known
    # ("1925/": from 1925, end unknown). Either way the range reaches date.min or date.max.
    open_start: bool = False
    open_end: bool = False

    def __str__(self):
        return self.display

    @property
    def sort_date(self) -> dt.date:
        """Where the date belongs in a chronology: its earliest day, or for a date with no
        known beginning ("before 1930", "../1933") its latest."""
        return self.latest if self.open_start else self.earliest


@dataclass(frozen=True)
class _Point:
    earliest: dt.date
    latest: dt.date
    label: str
    circa: bool
    uncertain: bool

    @property
    def text(self):
        label = f"c. {self.label}" if self.circa else self.label
        return f"{label}?" if self.uncertain else label


def _not_a_date(text):
    return DateParseError(f"“{text}” is not a date. {HELP}")


def _flags(flag: str) -> tuple[bool, bool]:
    return flag in ("~", "%"), flag in ("?", "%")


def _day(year: int, month: int, day: int, text: str) -> dt.date:
    if year < 1:
        raise DateParseError("Year 0 does not exist; write a year from 1 onwards.")
    if not 1 <= month <= 12:
        raise DateParseError(f"Month {month:02d} does not exist in “{text}”.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateParseError(f"{MONTHS[month - 1]} {year} has no day {day}.")
    return dt.date(year, month, day)


def _calendar_point(year, month, day, flag, text, circa) -> _Point:
    approximate, uncertain = _flags(flag)
    circa = circa or approximate
    if month is None:
        start = _day(year, 1, 1, text)
        return _Point(start, dt.date(year, 12, 31), str(year), circa, uncertain)
    start = _day(year, month, 1, text)
    if day is None:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return _Point(start, last, f"{MONTHS[month - 1]} {year}", circa, uncertain)
    exact = _day(year, month, day, text)
    return _Point(exact, exact, f"{day} {MONTHS[month - 1]} {year}", circa, uncertain)


def _point(text: str) -> _Point:
    """One date, as precise as it is: a day, a month, a year or a decade."""
    circa = False
    match = _CIRCA.match(text)
    if match:
        circa = True
        text = text[match.end() :]
    text = text.strip()
    decade = _DECADE.match(text)
    if decade:
        start = int(decade["decade"]) * 10
        if start < 1:
            raise DateParseError("The first decade starts in year 1; write the years instead.")
        approximate, uncertain = _flags(decade["flag"])
        return _Point(
            dt.date(start, 1, 1),
            dt.date(start + 9, 12, 31),
            f"{start}s",
            circa or approximate,
            uncertain,
        )
    match = _POINT.match(text)
    if match:
        month = int(match["month"]) if match["month"] else None
        day = int(match["day"]) if match["day"] else None
        return _calendar_point(int(match["year"]), month, day, match["flag"], text, circa)
    match = _WORDS.match(text)
    if match and match["month"].lower() in _MONTH_NUMBERS:
        month = _MONTH_NUMBERS[match["month"].lower()]
        day = int(match["day"]) if match["day"] else None
        return _calendar_point(int(match["year"]), month, day, match["flag"], text, circa)
    raise _not_a_date(text)


def _interval(start: _Point | None, end: _Point | None, **ends) -> ApproximateDate:
    """A range from ``start`` to ``end``; a missing one is open or unknown, as ``ends`` say."""
    points = [point for point in (start, end) if point]
    return ApproximateDate(
        earliest=start.earliest if start else dt.date.min,
        latest=end.latest if end else dt.date.max,
        circa=any(point.circa for point in points),
        uncertain=any(point.uncertain for point in points),
        open_start=start is None,
        open_end=end is None,
        **ends,
    )


def _bounded(start: _Point, end: _Point, text: str) -> ApproximateDate:
    if end.latest < start.earliest:
        raise DateParseError(f"The interval “{text}” ends before it begins.")
    return _interval(
        start,
        end,
        display=f"between {start.text} and {end.text}",
        short=f"{start.text} {EN_DASH} {end.text}",
    )


def _from(start: _Point, unknown: bool) -> ApproximateDate:
    if unknown:
        display, short = f"from {start.text}, end unknown", f"{start.text} {EN_DASH} ?"
    else:
        display, short = f"from {start.text} onwards", f"{start.text} {EN_DASH}"
    return _interval(start, None, display=display, short=short)


def _until(end: _Point, unknown: bool) -> ApproximateDate:
    if unknown:
        display, short = f"until {end.text}, start unknown", f"? {EN_DASH} {end.text}"
    else:
        display, short = f"until {end.text}", f"{EN_DASH} {end.text}"
    return _interval(None, end, display=display, short=short)


def _before(end: _Point) -> ApproximateDate:
    if end.earliest == dt.date.min:
        raise DateParseError("Nothing can be dated before 1 January of year 1.")
    latest = end.earliest - dt.timedelta(days=1)
    label = f"before {end.text}"
    return ApproximateDate(
        dt.date.min, latest, end.circa, end.uncertain, label, label, open_start=True
    )


def _after(start: _Point) -> ApproximateDate:
    if start.latest == dt.date.max:
        raise DateParseError("Nothing can be dated after the year 9999.")
    earliest = start.latest + dt.timedelta(days=1)
    label = f"after {start.text}"
    return ApproximateDate(
        earliest, dt.date.max, start.circa, start.uncertain, label, label, open_end=True
    )


def _two_sided(text: str) -> ApproximateDate | None:
    """An interval written with ``/`` (EDTF) or an en dash (as the short labels are)."""
    if "/" in text:
        first, _, second = (part.strip() for part in text.partition("/"))
    elif EN_DASH in text:
        first, _, second = (part.strip() for part in text.partition(EN_DASH))
        # The short labels write an unknown end as "?" and an open one as nothing.
        first = {"?": "", "": OPEN}.get(first, first)
        second = {"?": "", "": OPEN}.get(second, second)
    else:
        return None
    if first in ("", OPEN) and second in ("", OPEN):
        raise DateParseError(f"The interval “{text}” has neither a beginning nor an end.")
    if first in ("", OPEN):
        return _until(_point(second), unknown=first == "")
    if second in ("", OPEN):
        return _from(_point(first), unknown=second == "")
    return _bounded(_point(first), _point(second), text)


def parse_date(text: str) -> ApproximateDate:
    """Parse an approximate date or interval; raise ``DateParseError`` with advice if unreadable."""
    text = " ".join((text or "").split())
    if not text:
        raise DateParseError("The date is empty.")
    for form, pattern in _FORMS:
        match = pattern.match(text)
        if not match:
            continue
        if form == "between":
            return _bounded(_point(match["start"]), _point(match["end"]), text)
        if form == "before":
            return _before(_point(match["end"]))
        if form == "after":
            return _after(_point(match["start"]))
        if form.startswith("from"):
            return _from(_point(match["start"]), unknown=form == "from_unknown")
        return _until(_point(match["end"]), unknown=form == "until_unknown")
    interval = _two_sided(text)
    if interval:
        return interval
    point = _point(text)
    label = point.text
    return ApproximateDate(point.earliest, point.latest, point.circa, point.uncertain, label, label)
