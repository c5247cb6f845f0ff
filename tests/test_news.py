""""New since last time" without a terminal: the new view's rows and counts, ``is:new`` in the
query language and the search index, and ``paperterm list --query is:new``."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli
from tui_helpers import SEEDS, stored, synthetic_library

from paperterm.library import load_library
from paperterm.model import Marker, Paper
from paperterm.search import QueryError, SearchIndex, parse_query
from paperterm.tui.ordering import RELEVANCE, VIEWS, Counts, MarkerSets, Ordering
from paperterm.tui.status_line import new_status, status_text


def _paper(i: int, **kw) -> Paper:
    base = dict(id=f"{i:012x}", title=f"Title {i}", abstract="")
    base.update(kw)
    return Paper(**base)


PAPERS = [
    _paper(0, title="beta", published="2023-01-01"),
    _paper(1, title="Alpha", published="2024-06-01"),
    _paper(2, title="gamma", published=None),
    _paper(3, title="delta", published="2024-06-01"),
]


def marker(read: bool) -> Marker:
    return Marker(paper_id="x", read=read)


# -- the view and its counts ---------------------------------------------------------------------

def test_new_is_the_fifth_view():
    assert VIEWS[4] == "new"


def test_new_view_rows_follow_the_sort_search_and_day():
    o = Ordering(PAPERS)
    marks = MarkerSets(read={1})
    marks.set_new({0, 1, 2})
    assert list(o.rows("new", "date", marks)) == [1, 0, 2]
    assert list(o.rows("new", "title", marks)) == [1, 0, 2]
    assert list(o.rows("new", RELEVANCE, marks, hits=[2, 3, 0])) == [2, 0]
    assert list(o.rows("new", "date", marks, only={0, 3})) == [0]
    assert list(o.rows("new", "date", MarkerSets())) == []


def test_a_library_that_is_all_new_keeps_the_order_without_sorting_it_again():
    papers = synthetic_library(500).papers
    o = Ordering(papers)
    marks = MarkerSets()
    marks.set_new(range(500))
    assert list(o.rows("new", "upvotes", marks)) == o.order("upvotes")
    marks.set_new(range(0, 500, 50))
    assert list(o.rows("new", "upvotes", marks)) == \
        [p for p in o.order("upvotes") if p % 50 == 0]


def test_left_counts_the_new_papers_not_read_as_markers_change():
    marks = MarkerSets(read={0, 5})
    marks.set_new({0, 1, 2})
    assert (len(marks.new), marks.new_left) == (3, 2)
    marks.update(1, marker(True))
    marks.update(1, marker(True))  # again: no change
    assert marks.new_left == 1
    marks.update(0, None)  # unread again
    assert marks.new_left == 2
    marks.update(5, None)  # not a new paper: does not count
    marks.update(7, marker(True))
    assert marks.new_left == 2
    counts = Ordering(PAPERS).counts(marks, showing=3)
    assert (counts.new, counts.new_left) == (3, 2)


def test_status_text_for_the_new_papers():
    counts = Counts(all=100, unread=90, starred=0, noted=0, showing=50, new=50, new_left=12)
    assert new_status(counts, in_view=True) == "new: 12 of 50 left"
    assert new_status(counts, in_view=False) == "new 50"
    nothing = Counts(all=100, unread=90, starred=0, noted=0, showing=0)
    assert new_status(nothing, in_view=False) is None
    assert new_status(nothing, in_view=True) == "new: 0 of 0 left"
    line = status_text(counts, "new", "date", 140)
    assert "noted 0 · new: 12 of 50 left · showing 50" in line.plain
    assert "New since last time · sorted by date" in line.plain
    highlighted = [line.plain[s.start:s.end] for s in line.spans if "reverse" in str(s.style)]
    assert highlighted == ["new: 12 of 50 left"]
    assert "new 50 · showing" in status_text(counts, "all", "date", 140).plain
    assert " new" not in status_text(nothing, "all", "date", 140).plain.replace("newest", "")


# -- is:new --------------------------------------------------------------------------------------

def test_is_new_parses_and_is_not_a_marker_filter():
    q = parse_query("grok is:new")
    (f,) = q.filters
    assert (f.field, f.want, f.negated, f.is_marker) == ("new", True, False, False)
    assert q.uses_new and not parse_query("grok is:read").uses_new
    assert parse_query("-is:new").filters[0].negated
    with pytest.raises(QueryError, match="is:new"):
        parse_query("is:nwe")  # the known values are listed


def test_index_filters_by_the_new_ids_given():
    index = SearchIndex(PAPERS)
    new = frozenset({PAPERS[0].id, PAPERS[3].id, "0000000000ff"})  # an id not in the library
    assert sorted(h.pos for h in index.search("is:new", new_ids=new)) == [0, 3]
    assert sorted(h.pos for h in index.search("-is:new", new_ids=new)) == [1, 2]
    assert [h.pos for h in index.search("delta is:new", new_ids=new)] == [3]
    assert index.search("is:new") == []  # no ids given: nothing is new
    # The same object again reuses its bits; another object is looked at afresh.
    assert sorted(h.pos for h in index.search("is:new", new_ids=new)) == [0, 3]
    assert [h.pos for h in index.search("is:new", new_ids=frozenset({PAPERS[1].id}))] == [1]
    read = {PAPERS[0].id: Marker(paper_id=PAPERS[0].id, read=True)}
    assert [h.pos for h in index.search("is:new is:unread", markers=read, new_ids=new)] == [3]


def test_cli_is_new_lists_what_the_reader_counts_new(tmp_path):
    seeds = load_library([SEEDS]).papers
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "extra.txt").write_text("A Fresh Paper On Sparse Attention\n\nAbout attention.\n",
                                     encoding="utf-8")

    def new_titles(*paths: str) -> list[str]:
        proc = run_cli("list", *paths, "--query", "is:new", "--json")
        assert proc.returncode == 0, proc.stderr
        return [r["title"] for r in json.loads(proc.stdout)]

    assert new_titles(str(SEEDS)) == []  # no reader session yet: nothing is new
    with stored() as store:
        store.begin_session(p.id for p in seeds)  # the first run of the reader
    # Fetched since (not yet seen by the reader): new, as the next reader start will say.
    assert new_titles(str(SEEDS), str(extra)) == ["A Fresh Paper On Sparse Attention"]
    both = [*seeds, *load_library([extra]).papers]
    with stored() as store:  # the reader starts on both: the fetched paper is new in its session
        assert len(store.begin_session(p.id for p in both).new_ids) == 1
    assert new_titles(str(SEEDS), str(extra)) == ["A Fresh Paper On Sparse Attention"]
    with stored() as store:  # and the start after that: nothing is new any more
        store.begin_session(p.id for p in both)
    assert new_titles(str(SEEDS), str(extra)) == []
    proc = run_cli("search", "-is:new", str(SEEDS), "--json")
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == len(seeds)
    proc = run_cli("list", "--query", "is:nwe")
    assert proc.returncode == 2 and "is:new" in proc.stderr
