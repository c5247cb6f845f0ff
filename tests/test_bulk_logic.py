"""Selection and bulk changes without a terminal: the store's one-transaction batch write, the
bulk rules of ``Triage`` (star all unless all are starred), one undo step restoring each paper's
own previous value, and the ``Selection`` bookkeeping (hidden count, remap, order)."""

from __future__ import annotations

import pytest
from tui_helpers import stored, synthetic_library

from paperterm.state import NoteError
from paperterm.tui.selection import Selection
from paperterm.tui.triage import Triage
from paperterm.tui.undo import BulkChange, Change, UndoStack


def commits(store) -> list[str]:
    """Record the statements ``store`` runs from now on (``COMMIT`` counts transactions)."""
    seen: list[str] = []
    store._db.set_trace_callback(seen.append)
    return seen


def test_set_many_is_one_transaction_and_touches_only_its_field():
    lib = synthetic_library(50)
    ids = [p.id for p in lib.papers]
    with stored() as store:
        store.set_note(ids[3], "t3", "keep me")
        store.set_starred(ids[4], "t4", True)
        log = commits(store)
        at = store.set_many("read", [(pid, f"t{i}", i % 2 == 0) for i, pid in enumerate(ids)])
        store._db.set_trace_callback(None)
        assert sum(s.strip().upper() == "COMMIT" for s in log) == 1
        assert store.get(ids[0]).read_at == at
    with stored() as other:                       # on disk, as another paperterm sees it
        got = other.markers_for(ids)
        assert [got[pid].read for pid in ids] == [i % 2 == 0 for i in range(50)]
        assert got[ids[3]].note == "keep me" and got[ids[4]].starred
        assert got[ids[0]].read_at is not None and got[ids[0]].starred_at is None


def test_set_many_is_all_or_nothing():
    lib = synthetic_library(3)
    ids = [p.id for p in lib.papers]
    with stored() as store:
        with pytest.raises(NoteError):
            store.set_many("note", [(ids[0], "", "fine"), (ids[1], "", "bad\x00note")])
        assert store.markers_for(ids) == {}
        with pytest.raises(ValueError):
            store.set_many("title", [(ids[0], "", "x")])
        store.set_many("starred", [])
        assert store.count() == 0


def test_bulk_star_stars_all_unless_all_are_starred():
    lib = synthetic_library(6)
    with stored() as store:
        t = Triage(lib.papers, store)
        t.toggle_star(1)
        bulk = t.toggle_many([1, 2, 3], "starred")       # mixed: star all
        assert isinstance(bulk, BulkChange)
        assert t.marks.starred == {1, 2, 3}
        assert [c.paper_id for c in bulk.changes] == [lib.papers[2].id, lib.papers[3].id]
        assert bulk.describe() == "starred 2 papers"
        bulk = t.toggle_many([1, 2, 3], "starred")       # all starred: unstar all
        assert t.marks.starred == set() and bulk.describe() == "unstarred 3 papers"
        assert t.set_many([0, 5], "read", True).describe() == "marked 2 papers read"
        assert t.set_many([0, 5], "read", True) is None   # nothing changes, nothing recorded
        assert t.toggle_many([0, 4], "read").describe() == "marked 1 paper read"
    with stored() as other:
        assert {pid for pid, m in other.all().items() if m.read} == {
            lib.papers[p].id for p in (0, 4, 5)}


def test_one_undo_restores_each_papers_previous_value():
    lib = synthetic_library(8)
    with stored() as store:
        t = Triage(lib.papers, store)
        t.toggle_star(2)                   # starred before the bulk change
        t.set_read(5, True)
        t.set_note(2, "note stays")
        t.toggle_many(range(8), "starred")  # stars 0,1,3..7 (2 already was)
        t.set_many(range(8), "read", True)
        assert t.marks.read == set(range(8))
        undone = t.undo()                  # the whole bulk read, in one step
        assert isinstance(undone, BulkChange) and len(undone.changes) == 7
        assert t.marks.read == {5}         # 5 was read before: still read (not a flip)
        assert t.undo().describe() == "starred 7 papers"
        assert t.marks.starred == {2}      # 2 stays starred: restored, not toggled
        assert t.note(2) == "note stays"
    with stored() as other:
        markers = other.markers_for([p.id for p in lib.papers])
        assert {pid for pid, m in markers.items() if m.starred} == {lib.papers[2].id}
        assert {pid for pid, m in markers.items() if m.read} == {lib.papers[5].id}
        assert markers[lib.papers[2].id].note == "note stays"
        assert t.markers == markers   # the in-memory mirror is exactly what the store holds


def test_bulk_undo_of_papers_gone_after_a_reload_still_writes_the_store():
    lib = synthetic_library(4)
    with stored() as store:
        t = Triage(lib.papers, store)
        t.toggle_many([0, 1], "starred")
        smaller = Triage(lib.papers[2:], store)   # the library re-opened without them
        smaller.undo_stack = t.undo_stack
        assert smaller.undo().describe() == "starred 2 papers"
        assert not store.get(lib.papers[0].id).starred


def test_selection_counts_hidden_and_follows_papers():
    lib = synthetic_library(10)
    sel = Selection()
    assert not sel and sel.shown([1, 2], "g1", 10) == 0
    assert sel.toggle(3) and sel.toggle(7) and sel.toggle(1)
    assert not sel.toggle(1) and len(sel) == 2 and 3 in sel
    assert sel.shown(range(10), "all", 10) == 2
    assert sel.status(2) == "2 selected"
    assert sel.shown([3, 4, 5], "g2", 10) == 1
    assert sel.status(1) == "2 selected (1 hidden)"
    sel.toggle(5)                                   # the cache follows the selection
    assert sel.shown([3, 4, 5], "g2", 10) == 2
    assert sel.ordered([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]) == [7, 5, 3]
    reopened = list(reversed(lib.papers[1:]))       # paper 0 gone, the rest renumbered
    sel.remap(lib.papers, {p.id: i for i, p in enumerate(reopened)})
    assert {reopened[p].id for p in sel.positions} == {lib.papers[p].id for p in (3, 5, 7)}
    positions = sel.positions
    assert sel.clear() == 3 and not sel and positions is sel.positions  # cleared in place


def test_undo_keeps_few_huge_bulk_steps_but_always_the_newest():
    def bulk(n: int) -> BulkChange:
        return BulkChange("read", tuple(Change(f"{i:012x}", "", "read", False, True)
                                        for i in range(n)))

    stack = UndoStack(limit=4, max_papers=10)
    single = Change("0" * 12, "", "starred", False, True)
    stack.push(single)
    first, second = bulk(6), bulk(6)
    stack.push(first)
    stack.push(second)                    # 13 paper changes: the oldest steps go
    assert len(stack) == 1 and stack.pop() is second
    stack.push(bulk(50))                  # larger than the cap alone: still kept
    assert len(stack) == 1
    stack.pop()
    for _ in range(6):
        stack.push(single)                # the step limit still holds
    assert len(stack) == 4


def test_bulk_changes_keep_tags_and_set_many_writes_whole_tag_sets():
    lib = synthetic_library(4)
    ids = [p.id for p in lib.papers]
    with stored() as store:
        store.set_tags(ids[1], "", ["ml", "to-read"])
        t = Triage(lib.papers, store)
        t.toggle_many([0, 1, 2], "starred")
        assert t.markers[ids[1]].tags == ("ml", "to-read")
        assert t.markers == store.markers_for(ids)       # the mirror keeps every field
        store.set_many("tags", [(ids[0], "", ("b", "a")), (ids[1], "", ())])
        got = store.markers_for(ids)
        assert got[ids[0]].tags == ("a", "b") and got[ids[1]].tags == ()
        assert got[ids[1]].starred


def test_bulk_tags_toggle_rule_one_transaction_and_delta_undo():
    lib = synthetic_library(4)
    ids = [p.id for p in lib.papers]
    with stored() as store:
        store.set_tags(ids[0], "", ["llm"])
        t = Triage(lib.papers, store)
        log = commits(store)
        bulk = t.change_tags_many([0, 1, 2], toggle=["llm"], add=["to-read"])  # not all: add
        store._db.set_trace_callback(None)
        assert sum(s.strip().upper() == "COMMIT" for s in log) == 1
        assert [t.tags(p) for p in range(4)] == [("llm", "to-read")] * 3 + [()]
        assert bulk.describe() == "tagged 3 papers #llm #to-read"
        assert t.change_tags_many([0, 1, 2], toggle=["llm"]).describe() == \
            "untagged 3 papers #llm"                                  # all had it: removed
        with stored() as other:                                       # another window adds one
            other.change_tags(ids[1], "", add=["mine"])
        t.undo()                                                      # llm back on all three
        t.undo()                                                      # the first step's delta
        got = store.markers_for(ids)
        assert got[ids[0]].tags == ("llm",)                           # its own tags again
        assert got[ids[1]].tags == ("mine",)                          # the other window's stays
        assert got[ids[2]].tags == ()
        assert t.change_tags_many([3], remove=["nothing"]) is None
