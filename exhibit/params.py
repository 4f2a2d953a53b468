"""Values read from URLs, parsed strictly: what is not plainly a number is not a number.

``str.isdigit()`` and ``int()`` accept more than a URL should carry: ``"²".isdigit()`` is true
but ``int("²")`` fails, ``int("٣")`` is 3, ``int()`` refuses 5,000 digits, and a number of 30
digits builds a file path too long for the file system or overflows a database column. Every
number a view takes from a path or a query string goes through ``whole_number()`` (or
``decimal_number()``): ASCII digits only, of bounded length and value. They answer None for
anything else, and the caller decides whether that is a 400, a 404 or a default.
"""

import re

# Nine digits: more than any page, year, revision or pixel count here, and within every
# integer column of both databases.
MAX_NUMBER = 999_999_999
MAX_DECIMALS = 10

_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def whole_number(value, maximum: int = MAX_NUMBER) -> int | None:
    """``value`` as an int if it is ASCII digits (no sign, no space) no greater than ``maximum``.

    ``whole_number("12") == 12``; ``"²"``, ``"٣"``, ``"-1"``, ``"1.0"``, ``" 1"``, ``""``,
    None and 9 followed by many digits are all None.
    """
    if not isinstance(value, str) or not 0 < len(value) <= len(str(maximum)):
        return None
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= maximum else None


def decimal_number(value, maximum: int = MAX_NUMBER) -> float | None:
    """``value`` as a float if it is ASCII digits with an optional fraction (``"12.5"``), with
    at most ``MAX_DECIMALS`` digits after the point, no greater than ``maximum``; else None."""
    if not isinstance(value, str):
        return None
    match = _DECIMAL.fullmatch(value)
    if not match or len(match[2] or "") > MAX_DECIMALS:
        return None
    whole = whole_number(match[1], maximum)
    if whole is None:
        return None
    number = float(value)
    return number if number <= maximum else None


def text_value(value, max_length: int) -> str | None:
    """``value`` cut to ``max_length`` characters, or None if it holds NUL, which no stored text
    can (PostgreSQL refuses it even in a query), so it can match nothing."""
    if not isinstance(value, str) or "\x00" in value:
        return None
    return value[:max_length]


class WholeNumberConverter:
    """``<number:name>`` in URL patterns: a ``whole_number()``. Django's ``<int:>`` takes any
    run of digits, so a path could pass a number beyond every column to a query."""

    regex = f"[0-9]{{1,{len(str(MAX_NUMBER))}}}"

    def to_python(self, value):
        number = whole_number(value)
        if number is None:
            raise ValueError(value)  # the pattern does not match: a 404
        return number

    def to_url(self, value):
        return str(value)


class ChecksumConverter:
    """``<checksum:name>``: a SHA-256 in lowercase hex, as image files are named by."""

    regex = "[0-9a-f]{64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class RenditionFormatConverter:
    """``<rendition_format:name>``: the formats renditions are made in."""

    regex = "jpg|webp"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
