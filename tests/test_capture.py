"""The capture-date rule (``sources.capture``): file name, then page date with the listing's years or
the file's modification date, then the modification date; yearless dates placed on or before it."""

from __future__ import annotations

import datetime as dt

import pytest

from paperterm.sources.capture import (
    FROM_MTIME,
    FROM_NAME,
    FROM_PAGE_MTIME,
    FROM_PAGE_YEARS,
    Capture,
    capture_date,
    date_in_name,
    modified_date,
    place_yearless,
)

from conftest import SEEDS

D = dt.date


@pytest.mark.parametrize("name", [
    "2024-05-27.txt", "20240527.txt", "2024_05_27.txt", "hf-2024-05-27.txt", "2024.05.27.json",
    "hf_daily_20240527.txt", "listings/hf-daily/2024-05-27.json", "papers 2024-05-27 (1).txt",
    "2024-05-27", "C:\\saved\\2024-05-27.txt", "2024-05-27-2.txt",  # paperterm add: a 2nd page
])
def test_date_in_every_listed_file_name_form(name):
    assert date_in_name(name) == D(2024, 5, 27)


@pytest.mark.parametrize("name", [
    *(p.name for p in SEEDS.glob("*.txt")),    # 000_dac3a4fc63ae358e.txt: no date
    "2024-13-01.txt", "2023-02-29.txt",         # no such day
    "2024-05_27.txt", "2024_0527.txt",          # separators must match
    "120240527.txt", "x20240527.txt", "20240527a.txt",  # part of a longer word or number
    "1890-01-01.txt", "2200-01-01.txt",         # implausible years
    "notes.txt", "",
])
def test_names_without_a_date(name):
    assert date_in_name(name) is None


def test_seed_names_carry_no_date():
    assert sorted(SEEDS.glob("*.txt")) and all(date_in_name(p.name) is None
                                                for p in SEEDS.glob("*.txt"))


def test_first_valid_date_in_the_name_wins():
    assert date_in_name("2023-02-30_2024-01-02.txt") == D(2024, 1, 2)
    assert date_in_name("2024-01-02_2024-01-03.txt") == D(2024, 1, 2)


def test_place_yearless_on_or_before_the_capture_date():
    assert place_yearless(12, 30, D(2025, 1, 2)) == D(2024, 12, 30)   # year rollover
    assert place_yearless(1, 2, D(2025, 1, 2)) == D(2025, 1, 2)       # the day itself
    assert place_yearless(1, 3, D(2025, 1, 2)) == D(2024, 1, 3)
    assert place_yearless(2, 28, D(2025, 3, 1)) == D(2025, 2, 28)     # month rollover
    assert place_yearless(3, 2, D(2025, 3, 1)) == D(2024, 3, 2)
    assert place_yearless(2, 29, D(2024, 3, 1)) == D(2024, 2, 29)     # leap year
    assert place_yearless(2, 29, D(2025, 3, 1)) is None               # no Feb 29 in 2025


def test_rule_order():
    page = (12, 9)
    # 1. a date in the name beats everything
    assert capture_date("2024-05-27.txt", page_date=page, explicit_years=[2019],
                        modified=D(2026, 1, 1)) == Capture(D(2024, 5, 27), FROM_NAME)
    # 2a. page date, year one past the newest explicit year (the modification date is not used)
    assert capture_date("x.txt", page_date=page, explicit_years=[2021, 2024, 2023],
                        modified=D(2027, 8, 1)) == Capture(D(2025, 12, 9), FROM_PAGE_YEARS)
    # 2b. no explicit year: the latest page date on or before the modification date
    assert capture_date("x.txt", page_date=page, modified=D(2026, 1, 5)) \
        == Capture(D(2025, 12, 9), FROM_PAGE_MTIME)
    assert capture_date("x.txt", page_date=page, modified=D(2026, 12, 9)) \
        == Capture(D(2026, 12, 9), FROM_PAGE_MTIME)
    # 3. no page date: the modification date
    assert capture_date("x.txt", explicit_years=[2024], modified=D(2026, 1, 5)) \
        == Capture(D(2026, 1, 5), FROM_MTIME)
    # nothing to go on
    assert capture_date("x.txt", page_date=page) is None
    assert capture_date("x.txt", explicit_years=[2024]) is None


def test_page_feb_29_in_a_year_without_one_falls_through():
    assert capture_date("x.txt", page_date=(2, 29), explicit_years=[2024],
                        modified=D(2025, 3, 3)) == Capture(D(2025, 3, 3), FROM_MTIME)
    assert capture_date("x.txt", page_date=(2, 29), explicit_years=[2023]) \
        == Capture(D(2024, 2, 29), FROM_PAGE_YEARS)
    assert capture_date("x.txt", page_date=(1, 1), explicit_years=[9999]) is None


def test_modified_date_is_local_and_never_raises():
    assert modified_date(0) == dt.datetime.fromtimestamp(0).date()
    assert modified_date(1e20) is None
