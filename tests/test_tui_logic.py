"""The TUI's pure bookkeeping, without a terminal: views and sorts (ordering), marker changes with
undo (triage), and the key tables the help screen and command palette are generated from."""

from __future__ import annotations

import pytest
from tui_helpers import stored, synthetic_library

from paperterm.model import Paper
from paperterm.tui import keys
from paperterm.tui.days import ListingDays
from paperterm.tui.main_screen import next_unread
from paperterm.tui.ordering import RELEVANCE, SORTS, MarkerSets, Ordering, next_sort
from paperterm.tui.triage import Triage


def _paper(i: int, **kw) -> Paper:
    base = dict(id=f"p{i}", title=f"Title {i}", abstract="")
    base.update(kw)
    return Paper(**base)


PAPERS = [
    _paper(0, title="beta", published="2023-01-01", upvotes=5, sources=("a",)),
    _paper(1, title="Alpha", published="2024-06-01", upvotes=None, sources=("a", "b", "c")),
    _paper(2, title="gamma", published=None, upvotes=50, sources=("a", "b")),
    _paper(3, title="delta", published="2024-06-01", upvotes=5, sources=("a",)),
]


def test_sort_orders():
    o = Ordering(PAPERS)
    assert o.order("date") == [1, 3, 0, 2]          # newest first, ties keep library order, no date last
    assert o.order("upvotes") == [2, 3, 0, 1]       # most first, ties newest first, none last
    assert o.order("title") == [1, 0, 3, 2]         # case-insensitive
    assert o.order("seen") == [1, 2, 3, 0]          # most listings first
    assert o.rank("date") == [2, 0, 3, 1]
    with pytest.raises(ValueError):
        o.order("nonsense")


def test_views_filter_by_markers_and_keep_sort():
    o = Ordering(PAPERS)
    marks = MarkerSets(read={1, 2}, starred={0, 3}, noted={2})
    assert list(o.rows("all", "date", marks)) == [1, 3, 0, 2]
    assert list(o.rows("unread", "date", marks)) == [3, 0]
    assert list(o.rows("starred", "date", marks)) == [3, 0]
    assert list(o.rows("starred", "title", marks)) == [0, 3]
    assert list(o.rows("noted", "date", marks)) == [2]


def test_rows_from_hits_relevance_or_sorted():
    o = Ordering(PAPERS)
    marks = MarkerSets(read={2})
    hits = [2, 0, 1]
    assert list(o.rows("all", RELEVANCE, marks, hits)) == [2, 0, 1]
    assert list(o.rows("all", "date", marks, hits)) == [1, 0, 2]
    assert list(o.rows("unread", RELEVANCE, marks, hits)) == [0, 1]
    # Many hits take the mask path; the result is the same.
    big = synthetic_library(400).papers
    ob = Ordering(big)
    many = list(range(0, 400, 1))[::-1]
    assert list(ob.rows("all", "title", MarkerSets(), many)) == ob.order("title")
    few = [5, 300, 17]
    assert list(ob.rows("all", "title", MarkerSets(), few)) == sorted(few, key=ob.rank("title").__getitem__)


def test_counts_and_sort_cycle():
    o = Ordering(PAPERS)
    counts = o.counts(MarkerSets(read={0}, starred={1, 2}, noted=set()), showing=3)
    assert (counts.all, counts.unread, counts.starred, counts.noted, counts.showing) == (4, 3, 2, 0, 3)
    assert [next_sort(s, False) for s in SORTS] == ["day", "upvotes", "title", "seen", "comments",
                                                    "stars", "for-you", "date"]
    assert next_sort("for-you", True) == RELEVANCE
    assert next_sort(RELEVANCE, True) == "date"
    assert next_sort(RELEVANCE, False) == "date"


DAY_PAPERS = [
    _paper(0, title="a", published="2024-05-01", days=("2024-05-24",)),
    _paper(1, title="b", published="2024-05-20", days=("2024-05-20", "2024-05-27")),
    _paper(2, title="c", published=None, days=()),
    _paper(3, title="d", published="2024-05-26", days=("2024-05-27",)),
    _paper(4, title="e", published="2024-05-02", days=("2024-05-24",)),
]


def test_sort_by_day_listed():
    # newest listing day first; ties by date, newest first; never listed last
    assert Ordering(DAY_PAPERS).order("day") == [3, 1, 4, 0, 2]


def test_rows_of_one_day_in_every_view_and_with_hits():
    o = Ordering(DAY_PAPERS)
    days = ListingDays(DAY_PAPERS)
    marks = MarkerSets(read={4}, starred={0})
    may24 = days.positions("2024-05-24")
    assert may24 == {0, 4}
    assert list(o.rows("all", "date", marks, only=may24)) == [4, 0]
    assert list(o.rows("all", "title", marks, only=may24)) == [0, 4]
    assert list(o.rows("unread", "date", marks, only=may24)) == [0]
    assert list(o.rows("starred", "date", marks, only=may24)) == [0]
    assert list(o.rows("noted", "date", marks, only=may24)) == []
    # with a search: its hits, narrowed to the day, in relevance or the chosen sort
    assert list(o.rows("all", RELEVANCE, marks, [4, 2, 1, 0], only=may24)) == [4, 0]
    assert list(o.rows("all", "title", marks, [4, 2, 1, 0], only=may24)) == [0, 4]


def test_stepping_through_listing_days():
    days = ListingDays(DAY_PAPERS)
    assert days.days == ["2024-05-20", "2024-05-24", "2024-05-27"]
    assert days.step(None, -1) == "2024-05-27"          # [ from all papers: the newest day
    assert days.step("2024-05-27", -1) == "2024-05-24"
    assert days.step("2024-05-24", -1) == "2024-05-20"
    assert days.step("2024-05-20", -1) == "2024-05-20"  # the oldest day stays
    assert days.step("2024-05-20", 1) == "2024-05-24"
    assert days.step("2024-05-27", 1) is None            # ] past the newest: all papers
    assert days.step(None, 1) is None
    assert days.step("2024-05-25", -1) == "2024-05-24"  # from a day without a listing
    assert days.step("2024-05-25", 1) == "2024-05-27"
    assert days.ordinal("2024-05-27") == (1, 3) and days.ordinal("2024-05-20") == (3, 3)
    assert ListingDays([_paper(0)]).step(None, -1) is None


def test_next_unread_wraps():
    rows = [10, 11, 12, 13]
    assert next_unread(rows, 1, {11}) == 2
    assert next_unread(rows, 3, {13}) == 0
    assert next_unread(rows, 0, {10, 11, 12, 13}) is None
    assert next_unread([], 0, set()) is None


def test_triage_writes_through_and_undoes_every_field():
    lib = synthetic_library(5)
    with stored() as store:
        t = Triage(lib.papers, store)
        assert t.toggle_star(1).after is True
        assert t.set_read(1, True).after is True
        assert t.set_read(1, True) is None                 # no change, nothing recorded
        assert t.set_note(1, "first").after == "first"
        assert t.set_note(1, "second").before == "first"
        assert t.set_note(1, "   ").after is None          # blank removes
        assert t.marks.starred == {1} and t.marks.read == {1} and t.marks.noted == set()
        with stored() as other:                             # every change is already on disk
            m = other.get(lib.papers[1].id)
            assert (m.starred, m.read, m.note) == (True, True, None)
        assert t.undo().describe() == "note removed"
        assert stored().get(lib.papers[1].id).note == "second"
        assert t.undo().field == "note"
        assert stored().get(lib.papers[1].id).note == "first"
        t.undo()
        t.undo()
        t.undo()
        m = stored().get(lib.papers[1].id)
        assert (m.starred, m.read, m.note) == (False, False, None)
        assert t.marks == MarkerSets()
        assert t.undo() is None


def test_triage_starts_from_stored_markers():
    lib = synthetic_library(3)
    with stored() as store:
        store.set_read(lib.papers[2].id, "", True)
        store.set_note(lib.papers[0].id, "", "kept")
        store.set_starred("unknown-paper", "", True)       # not in this library: ignored
    with stored() as store:
        t = Triage(lib.papers, store)
        assert t.marks.read == {2} and t.marks.noted == {0} and t.marks.starred == set()
        assert t.note(0) == "kept"


def test_every_binding_has_an_id_help_text_and_unique_keys():
    tables = [keys.LIST_BINDINGS, keys.DETAIL_BINDINGS, keys.MAIN_BINDINGS, keys.SEARCH_BINDINGS,
              keys.NOTE_BINDINGS, keys.EXPORT_BINDINGS, keys.HELP_BINDINGS]
    ids = []
    for table in tables:
        seen_keys = set()
        for binding, bound in keys.bound_keys(table):
            assert binding.id and binding.id.startswith("paperterm.")
            assert binding.tooltip and binding.description
            assert bound
            assert not seen_keys & set(bound)
            seen_keys |= set(bound)
            ids.append(binding.id)
    assert len(ids) == len(set(ids))


def test_issue_key_table_is_bound():
    list_keys = {k for _, ks in keys.bound_keys(keys.LIST_BINDINGS) for k in ks}
    assert {"j", "down", "k", "up", "g", "home", "G", "end", "pageup", "pagedown"} <= list_keys
    main = {b.action: ks for b, ks in keys.bound_keys(keys.MAIN_BINDINGS)}
    assert main["read_next"] == ["space"] and main["toggle_read"] == ["r"]
    assert main["toggle_star"] == ["s"] and main["edit_note"] == ["n"] and main["undo"] == ["u"]
    assert [main[f"set_view('{v}')"] for v in ("all", "unread", "starred", "noted")] == [
        ["1"], ["2"], ["3"], ["4"]]
    assert main["cycle_sort"] == ["o"] and main["toggle_focus"] == ["tab"]
    assert main["copy"] == ["y"] and main["open_url"] == ["b"] and main["export"] == ["e"]
    assert main["help"] == ["question_mark"] and main["quit"] == ["q"]
    assert main["focus_search"] == ["slash"]


def test_keymap_remaps_by_id():
    entries = {b.id: ks for b, ks in keys.bound_keys(keys.MAIN_BINDINGS, {"paperterm.star": "x"})}
    assert entries["paperterm.star"] == ["x"]
