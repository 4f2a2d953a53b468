"""Approximate historical dates: parse what curators type into a sortable range.

Curators write dates the way archivists do: ``1928``, ``1926-12``, ``1926-12-03``, ``c. 1928``,
``1928?``, ``1920s``, ``1925/1933`` (an interval, EDTF level 0), ``1866-04-22/1936-12-27``.
``parse_date`` turns any of these into the earliest and latest day it can mean, plus flags for
"circa" and "uncertain", so lists sort by date and pages say honestly what is known.
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
_DECADE = re.compile(r"^(?P<decade>\d{3})0s$")

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


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

    def __str__(self):
        return self.display


def _point(text: str) -> tuple[dt.date, dt.date, str, bool, bool]:
    circa = False
    match = _CIRCA.match(text)
    if match:
        circa = True
        text = text[match.end() :]
    text = text.strip()
    decade = _DECADE.match(text)
    if decade:
        start = int(decade["decade"]) * 10
        label = f"{start}s"
        return dt.date(start, 1, 1), dt.date(start + 9, 12, 31), label, circa, False
    match = _POINT.match(text)
    if not match:
        raise DateParseError(
            f"“{text}” is not a date. Write a year (1928), a month (1926-12), a day "
            "(1926-12-03), “c. 1928”, “1928?”, a decade (1920s) or an interval (1925/1933)."
        )
    year = int(match["year"])
    flag = match["flag"]
    circa = circa or flag in ("~", "%")
    uncertain = flag in ("?", "%")
    if year < 1:
        raise DateParseError("Year 0 does not exist; write a year from 1 onwards.")
    if match["month"] is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), circa, uncertain
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise DateParseError(f"Month {month:02d} does not exist in “{text}”.")
    last = calendar.monthrange(year, month)[1]
    if match["day"] is None:
        label = f"{MONTHS[month - 1]} {year}"
        return dt.date(year, month, 1), dt.date(year, month, last), label, circa, uncertain
    day = int(match["day"])
    if not 1 <= day <= last:
        raise DateParseError(f"{MONTHS[month - 1]} {year} has no day {day}.")
    label = f"{day} {MONTHS[month - 1]} {year}"
    return dt.date(year, month, day), dt.date(year, month, day), label, circa, uncertain


def _label(label: str, circa: bool, uncertain: bool) -> str:
    if circa:
        label = f"c. {label}"
    if uncertain:
        label = f"{label}?"
    return label


def parse_date(text: str) -> ApproximateDate:
    """Parse an approximate date or interval; raise ``DateParseError`` with advice if unreadable."""
    text = " ".join((text or "").split())
    if not text:
        raise DateParseError("The date is empty.")
    if "/" in text:
        first, _, second = text.partition("/")
        start = _point(first.strip())
        end = _point(second.strip())
        if end[1] < start[0]:
            raise DateParseError(f"The interval “{text}” ends before it begins.")
        first_label, second_label = _label(*start[2:]), _label(*end[2:])
        return ApproximateDate(
            earliest=start[0],
            latest=end[1],
            circa=start[3] or end[3],
            uncertain=start[4] or end[4],
            display=f"between {first_label} and {second_label}",
            short=f"{first_label} – {second_label}",
        )
    earliest, latest, label, circa, uncertain = _point(text)
    label = _label(label, circa, uncertain)
    return ApproximateDate(earliest, latest, circa, uncertain, label, label)
