"""The ``day:`` filter: papers by the capture dates of the listings they were seen in."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from paperterm.model import Paper, paper_id
from paperterm.search import QueryError, SearchIndex, parse_query
from paperterm.search.filters import DayGroups

TODAY = dt.date(2024, 5, 27)


def make(title: str, *days: str, published: str | None = None) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract="about " + title, days=days,
                 published=published)


PAPERS = [
    make("Monday only", "2024-05-27"),
    make("Friday and Monday", "2024-05-24", "2024-05-27", published="2024-05-20"),
    make("Sunday", "2024-05-26"),
    make("Last week", "2024-05-20"),
    make("April", "2024-04-30", published="2024-04-01"),
    make("New year", "2024-01-01"),
    make("Old year", "2023-12-31"),
    make("Never listed"),
]


@pytest.fixture(scope="module")
def index():
    return SearchIndex(PAPERS)


def found(index, query: str) -> set[str]:
    return {index.papers[h.pos].title for h in index.search(parse_query(query, today=TODAY))}


@pytest.mark.parametrize("query,expected", [
    ("day:2024-05-27", {"Monday only", "Friday and Monday"}),
    ("day:=2024-05-24", {"Friday and Monday"}),
    ("day:>=2024-05-26", {"Monday only", "Friday and Monday", "Sunday"}),
    ("day:>2024-05-26", {"Monday only", "Friday and Monday"}),
    ("day:<2024-01-01", {"Old year"}),
    ("day:<=2024-01-01", {"Old year", "New year"}),
    ("day:2024-05-20..2024-05-24", {"Friday and Monday", "Last week"}),
    ("day:2024-05-25..2024-05-25", set()),
    ("day:..2023-12-31", {"Old year"}),
    ("day:2024-05-26..", {"Monday only", "Friday and Monday", "Sunday"}),
    ("day:today", {"Monday only", "Friday and Monday"}),
    ("day:yesterday", {"Sunday"}),
    ("day:today-7", {"Last week"}),
    ("day:yesterday..today", {"Monday only", "Friday and Monday", "Sunday"}),
    ("day:>=today-7", {"Monday only", "Friday and Monday", "Sunday", "Last week"}),
    ("day:2024-04", {"April"}),
    ("day:2024-4", {"April"}),
    ("day:2023", {"Old year"}),
    ("day:2024-01..2024-04", {"New year", "April"}),
    ("DAY:TODAY", {"Monday only", "Friday and Monday"}),
])
def test_day_filter_forms(index, query, expected):
    assert found(index, query) == expected


def test_negated_day_filter_includes_papers_never_listed(index):
    assert found(index, "-day:2024-05") == {"April", "New year", "Old year", "Never listed"}


def test_day_filter_combines_with_words_and_other_filters(index):
    assert found(index, "day:2024-05 friday") == {"Friday and Monday"}
    assert found(index, "day:>=2024-05-24 year:2024") == {"Friday and Monday"}
    assert found(index, "day:2024-05-27 -monday") == set()


@pytest.mark.parametrize("text,named", [
    ("day:2024-13-01", "'2024-13-01'"),
    ("day:2023-02-29", "'2023-02-29'"),
    ("day:tomorrow", "'tomorrow'"),
    ("day:..", "'..'"),
    ("day:>=", "'>='"),
    ("day:2024-05-27..2024-05-01", "empty range"),
    ("day:0000-01-01", "'0000-01-01'"),
    ("day:24-05-27", "'24-05-27'"),
])
def test_bad_day_values_are_one_line_errors(text, named):
    with pytest.raises(QueryError) as info:
        parse_query(text, today=TODAY)
    assert named in str(info.value) and "\n" not in str(info.value)
    assert "day:" in str(info.value)


def test_today_is_the_local_date_and_follows_midnight():
    today = dt.date.today()
    (f,) = parse_query("day:today").filters
    assert (f.low, f.high) == (today.toordinal(), today.toordinal())
    # the cache is per day: the same text parsed on another day means that day
    (g,) = parse_query("day:today", today=dt.date(2020, 1, 1)).filters
    assert g.low == dt.date(2020, 1, 1).toordinal()
    assert parse_query("day:yesterday", today=dt.date(2024, 3, 1)).filters[0].low \
        == dt.date(2024, 2, 29).toordinal()


def test_day_groups_are_per_day_and_ranges_are_cached():
    groups = DayGroups([("2024-05-27",), ("2024-05-24", "2024-05-27"), (), ("not a day",)], 4)
    assert groups.days == [dt.date(2024, 5, 24).toordinal(), dt.date(2024, 5, 27).toordinal()]
    assert groups.between(None, None) == 0b0011
    assert groups.between(dt.date(2024, 5, 25).toordinal(), None) == 0b0011
    assert groups.between(None, dt.date(2024, 5, 24).toordinal()) == 0b0010
    assert groups.between(dt.date(2024, 5, 28).toordinal(), None) == 0


def test_listing_days_and_a_pickled_index(index):
    assert [dt.date.fromordinal(d).isoformat() for d in index.listing_days()] == [
        "2023-12-31", "2024-01-01", "2024-04-30", "2024-05-20", "2024-05-24", "2024-05-26",
        "2024-05-27"]
    copy = pickle.loads(pickle.dumps(index))
    assert found(copy, "day:2024-05-27") == found(index, "day:2024-05-27")
    index.warm()
    assert found(index, "day:today") == {"Monday only", "Friday and Monday"}
