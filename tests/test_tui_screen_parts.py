"""The main screen's Textual-free parts, without a terminal: the status line's text and how it
fits (status_line), where the user left off (left_off), and the search bookkeeping: generations,
the worker's body, the paint hold (search_runs)."""

from __future__ import annotations

import gc
from contextlib import contextmanager

import pytest

from paperterm.search import parse_query
from paperterm.state import MarkerStore, StoreError
from paperterm.tui.left_off import PAPER_SETTING, SORT_SETTING, LeftOff, saved_choice
from paperterm.tui.ordering import FOR_YOU, Counts
from paperterm.tui.search_runs import PaintHold, SearchRuns, ranks, search_positions, uses_markers
from paperterm.tui.status_line import empty_message, status_text

COUNTS = Counts(all=120, unread=100, starred=7, noted=3, showing=100)


# -- status line -----------------------------------------------------------------------------------

def test_status_line_wide_shows_counts_view_and_full_sort_label():
    text = status_text(COUNTS, "unread", "date", 160)
    plain = text.plain
    assert plain.startswith(" All 120 · unread 100 · starred 7 · noted 3 · showing 100")
    assert plain.rstrip().endswith("sorted by date (newest first)")
    assert text.cell_len == 160
    current = [span for span in text.spans if "reverse" in str(span.style)]
    assert [plain[s.start:s.end] for s in current] == ["unread 100"]


def test_status_line_narrows_the_sort_label_then_drops_it():
    wide = status_text(COUNTS, "all", "date", 160).plain
    medium = status_text(COUNTS, "all", "date", 90).plain
    narrow = status_text(COUNTS, "all", "date", 72).plain
    tiny = status_text(COUNTS, "all", "date", 64).plain
    assert "sorted by date (newest first)" in wide
    assert "sort: date" in medium and "sorted by" not in medium
    assert narrow.rstrip().endswith("sort: date") and "All papers" not in narrow
    assert "sort" not in tiny
    for width, plain in ((160, wide), (90, medium), (72, narrow), (64, tiny)):
        assert len(plain) == width


def test_status_line_day_fetch_and_for_you():
    day = status_text(COUNTS, "all", "date", 160, day=("2025-06-30", 2, 5)).plain
    assert "day 2025-06-30 (2/5) · " in day
    assert status_text(COUNTS, "all", "date", 76, day=("2025-06-30", 2, 5)).plain.rstrip() \
        .endswith("day 2025-06-30")
    fetching = status_text(COUNTS, "all", "date", 160, fetch_status="Fetching 3/9 days…").plain
    assert fetching.rstrip().endswith("Fetching 3/9 days…")
    waiting = status_text(COUNTS, "all", FOR_YOU, 160, for_you_waiting="star a few papers").plain
    assert waiting.rstrip().endswith("for you: star a few papers")
    ready = status_text(COUNTS, "all", FOR_YOU, 160).plain
    assert "for you:" not in ready


def test_status_line_sync_outcome_fits_and_a_problem_wins_over_the_sort():
    ok = status_text(COUNTS, "all", "date", 160, sync_status=("synced 2 min ago", False))
    assert "synced 2 min ago · " in ok.plain and ok.cell_len == 160
    problem = status_text(COUNTS, "all", "date", 90,
                          sync_status=("sync: the folder is not writable", True))
    assert "sync: the folder is not writ…" in problem.plain  # cut to fit, the sort label gone
    assert "sort" not in problem.plain and problem.cell_len == 90
    red = [s for s in problem.spans if "red" in str(s.style)]
    assert red
    cut = status_text(COUNTS, "all", "date", 110, sync_status=("x" * 40, False)).plain
    assert "x" * 11 + "… · All · sorted by date" in cut and len(cut) == 110
    dropped = status_text(COUNTS, "all", "date", 100, sync_status=("x" * 40, False)).plain
    assert "x" not in dropped and "sorted by date" in dropped


def test_empty_list_messages():
    assert empty_message("unread") == "No unread papers: all caught up."
    assert empty_message("starred") == "No starred papers yet (s stars one)."
    assert empty_message("noted", searching=True) == "No papers match this search."
    assert empty_message("all", day="2025-06-30") == \
        "No papers listed on 2025-06-30; ] steps to the next day."
    assert empty_message("noted", day="2025-06-30") == \
        "No papers listed on 2025-06-30 have a note; ] steps to the next day."
    assert empty_message("all", searching=True, day="2025-06-30") == \
        "No papers listed on 2025-06-30 match this search; ] steps to the next day."


# -- where the user left off -----------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    s = MarkerStore(tmp_path / "state.sqlite3")
    yield s
    s.close()


def test_left_off_saves_the_paper_only_once_the_cursor_rests(store):
    clock = Clock()
    keeper = LeftOff(store, rest=3.0, clock=clock)
    assert keeper.saved_paper_id() is None
    keeper.moved("p1")
    keeper.save_if_rested()
    assert store.get_setting(PAPER_SETTING) is None    # still moving: no write
    clock.now += 2
    keeper.moved("p2")
    clock.now += 2.9
    keeper.save_if_rested()
    assert store.get_setting(PAPER_SETTING) is None
    clock.now += 0.2
    keeper.save_if_rested()
    assert store.get_setting(PAPER_SETTING) == "p2"
    assert not keeper.dirty
    assert LeftOff(store).saved_paper_id() == "p2"


def test_left_off_save_now_and_settings(store):
    keeper = LeftOff(store)
    keeper.save_now()                                  # never moved: nothing to save
    assert store.get_setting(PAPER_SETTING) is None
    keeper.moved("p7")
    keeper.save_now()
    assert store.get_setting(PAPER_SETTING) == "p7"
    keeper.save(SORT_SETTING, "title")
    assert saved_choice(store, SORT_SETTING, ("date", "title"), "date") == "title"
    store.set_setting(SORT_SETTING, "nonsense")
    assert saved_choice(store, SORT_SETTING, ("date", "title"), "date") == "date"


def test_left_off_reports_a_refusing_store_and_ignores_other_failures(store):
    class Refusing:
        def get_setting(self, key, default=None):
            return None

        def set_setting(self, key, value):
            raise StoreError("state.sqlite3: the disk is full")

    class Broken:
        def get_setting(self, key, default=None):
            raise RuntimeError("gone")

    keeper = LeftOff(Refusing())
    keeper.moved("p1")
    with pytest.raises(StoreError):                    # the screen shows it
        keeper.save_now()
    broken = LeftOff(Broken())
    broken.moved("p1")
    broken.save_now()                                  # anything else: ignored
    assert broken.saved_paper_id() is None
    store.close()
    assert LeftOff(store).saved_paper_id() is None     # a start never fails over these
    assert saved_choice(store, SORT_SETTING, ("date",), "date") == "date"


def test_triage_notices_another_connections_changes(tmp_path):
    from tui_helpers import synthetic_library

    from paperterm.tui.triage import Triage

    papers = synthetic_library(3).papers
    mine = MarkerStore(tmp_path / "state.sqlite3")
    other = MarkerStore(tmp_path / "state.sqlite3")
    try:
        triage = Triage(papers, mine)
        assert not triage.reload_if_changed_elsewhere()     # nothing happened
        triage.set_read(0, True)                            # our own change: no re-read needed
        assert not triage.reload_if_changed_elsewhere()
        other.set_starred(papers[1].id, papers[1].title, True)
        assert triage.reload_if_changed_elsewhere()
        assert 1 in triage.marks.starred and 0 in triage.marks.read
        assert not triage.reload_if_changed_elsewhere()     # seen already
        other.set_read(papers[1].id, papers[1].title, True)
        assert triage.reload_if_changed_elsewhere() and 1 in triage.marks.read
        mine.close()
        assert not triage.reload_if_changed_elsewhere()     # a closed store is not watched
    finally:
        other.close()


# -- search bookkeeping ----------------------------------------------------------------------------

def test_search_runs_drop_stale_generations():
    runs = SearchRuns()
    first = runs.start()
    second = runs.start()
    assert not runs.is_current(first) and runs.is_current(second)
    runs.cancel()
    assert not runs.is_current(second)


def test_query_kinds():
    assert ranks(parse_query("grokking")) and not ranks(parse_query("is:starred"))
    assert not ranks(None)
    assert uses_markers(parse_query("is:read grokking")) and not uses_markers(parse_query("grok"))
    assert not uses_markers(None)


class FakeIndex:
    ready = True

    def __init__(self, positions, seen) -> None:
        self.positions, self.seen = positions, seen

    def search_positions(self, query, markers, new_ids=frozenset()):
        self.seen.append(gc.isenabled())
        return list(self.positions)


def test_search_positions_pauses_the_collector_and_honours_cancel():
    seen: list[bool] = []
    assert gc.isenabled()
    assert search_positions(FakeIndex([3, 1, 2], seen), None, {}) == [3, 1, 2]
    assert search_positions(FakeIndex([3], seen), None, {}, cancelled=lambda: True) is None
    assert seen == [False, False] and gc.isenabled()
    pending = FakeIndex([5], seen)
    pending.ready = False                              # still being built: collector stays on
    assert search_positions(pending, None, {}) == [5]
    assert seen[-1] is True


def test_paint_hold_holds_once_and_releases_on_results_or_timeout():
    log: list[str] = []
    timers: list = []

    @contextmanager
    def batch():
        log.append("hold")
        yield
        log.append("paint")

    class Timer:
        def __init__(self, delay, callback):
            self.delay, self.callback, self.stopped = delay, callback, False
            timers.append(self)

        def stop(self):
            self.stopped = True

    hold = PaintHold(batch, Timer, limit=0.05)
    hold.hold()
    hold.hold()                                        # the next keystroke: still one hold
    assert log == ["hold"] and hold.held and len(timers) == 1 and timers[0].delay == 0.05
    hold.release()                                     # the results are in
    assert log == ["hold", "paint"] and timers[0].stopped and not hold.held
    hold.release()
    assert log == ["hold", "paint"]
    hold.hold()
    timers[-1].callback()                              # too slow: paint anyway
    assert log == ["hold", "paint", "hold", "paint"] and not hold.held
