"""The capture date of a listing (the day its page was saved), and the year of a date shown without one.

One rule for every source, so a paper's day means the same whatever file it came from. A listing's
capture date is found in this order:

1. a date in the file name: ``2024-05-27.txt``, ``20240527.txt``, ``2024_05_27.txt``,
   ``hf-2024-05-27.txt``, ``2024.05.27.json`` (the year, month and day joined by one separator, or
   none; the date must exist, stand apart from other letters and digits, and have a year from
   1991 to 2199, so a hash such as ``000_dac3a4fc63ae358e`` never reads as one);
2. the page's own date line (``Dec 9``, a daily page shows no year) placed in a year:

   - from the explicit years the listing shows: a daily page writes a year only for dates of other
     years, so its own year is one past the newest year it shows (``Dec 9`` on a page showing
     ``Jun 18, 2024`` as its newest explicit year was captured on 2025-12-09);
   - failing that (no explicit year), the latest such day on or before the file's modification
     date;

3. the file's modification date (local time).

A file copied without keeping its modification time gets a later one; rules 1 and 2 come first
because they hold in the file itself. Then every date shown without a year gets the year that puts it
on or before the capture date (``place_yearless``): ``Dec 30`` on a page captured on 2025-01-02 is
2024-12-30. Explicit years are never changed.

Pure: no file system access here; callers pass the name and the modification date they read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

#: The years a date in a file name may have (arXiv opened in 1991).
NAME_YEARS = range(1991, 2200)

# YYYY MM DD with one separator used twice (or none), not touching other letters or digits.
_NAME_DATE = re.compile(
    r"(?<![0-9A-Za-z])(?P<y>[0-9]{4})(?P<sep>[-_.]?)(?P<m>[0-9]{2})(?P=sep)(?P<d>[0-9]{2})"
    r"(?![0-9A-Za-z])"
)

#: How a capture date was found (``Capture.how``), as shown to users.
FROM_NAME = "file name"
FROM_PAGE_YEARS = "page date, year from the listing's explicit years"
FROM_PAGE_MTIME = "page date, year from the file's modification time"
FROM_MTIME = "file modification time"


class Capture(NamedTuple):
    """A listing's capture date and which rule found it."""

    date: dt.date
    how: str


def date_in_name(name: str) -> dt.date | None:
    """The first valid date written in a file name (its base name), or ``None``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for match in _NAME_DATE.finditer(base):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        if year not in NAME_YEARS:
            continue
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def place_yearless(month: int, day: int, captured: dt.date) -> dt.date | None:
    """The date ``month``/``day`` in the year that puts it on or before ``captured``.

    ``None`` when that day does not exist in that year (``Feb 29`` outside a leap year): a page
    would have written the year of an older Feb 29, so guessing one would be wrong.
    """
    year = captured.year if (month, day) <= (captured.month, captured.day) else captured.year - 1
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def capture_date(name: str, *, page_date: tuple[int, int] | None = None,
                 explicit_years: Iterable[int] = (),
                 modified: dt.date | None = None) -> Capture | None:
    """The capture date of the listing called ``name`` (see the module docstring for the rule).

    ``page_date`` is the page's own ``(month, day)``; ``explicit_years`` the years written in the
    listing's dates; ``modified`` the file's modification date. ``None`` only when nothing at all
    gives a date (text parsed without a file).
    """
    named = date_in_name(name)
    if named is not None:
        return Capture(named, FROM_NAME)
    if page_date is not None:
        month, day = page_date
        newest = max(explicit_years, default=None)
        if newest is not None:
            try:
                return Capture(dt.date(newest + 1, month, day), FROM_PAGE_YEARS)
            except ValueError:  # Feb 29 in a year without one, or past year 9999
                pass
        elif modified is not None:
            placed = place_yearless(month, day, modified)
            if placed is not None:
                return Capture(placed, FROM_PAGE_MTIME)
    if modified is not None:
        return Capture(modified, FROM_MTIME)
    return None


def modified_date(mtime: float) -> dt.date | None:
    """The local date of a modification time, or ``None`` if the platform cannot represent it."""
    try:
        return dt.date.fromtimestamp(mtime)
    except (OverflowError, OSError, ValueError):
        return None
