"""The main screen: search bar, paper list, detail pane, status line -- and every triage key.

Data flows one way through it: the search bar's text becomes a parsed query; a worker thread ranks
the library with it (a newer keystroke cancels the running worker, and a generation counter drops
any result that arrives late); the hits, the view and the sort become the list's rows
(``ordering``); the row under the cursor fills the detail pane. Marker keys go through ``Triage``,
which writes the store first, then the screen repaints what changed.

The Textual-free parts live beside it: ``status_line`` (the status line's text),
``left_off`` (where the user left off: view and sort when they change, the current paper a moment
after the cursor settles and again on quit), ``search_runs`` (search generations, the worker's
body, the paint hold), ``ordering``, ``triage`` and ``undo``.

Each start is a new session (``MarkerStore.begin_session``): the papers first seen since the
previous one are the "new" view, where the reader opens when there are any (the view chosen last
is kept for the next start: the new view is never remembered). Papers a fetch (``F``) adds join
the new ones of this session.

With a selection (``x``, see ``selection``), star, read, tag and export act on the selected papers
instead of the one under the cursor: one store transaction and one undo step (``BulkChange``).
``A`` marks every paper shown read after a yes/no question that says how many.

Another paperterm may change the same store: every ``WATCH_STORE_EVERY`` seconds, and whenever the
terminal regains focus (the app's ``on_app_focus``), ``Triage.reload_if_changed_elsewhere`` asks
the store whether another connection committed anything (``PRAGMA data_version``, one tiny
query) and, if so, re-reads the markers; the screen then repaints.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from paperterm.gc_pause import IdleCollector
from paperterm.library import Library
from paperterm.links import paper_links
from paperterm.loader import IndexHandle, RestOfLibrary
from paperterm.search import QueryError, highlight_spans, parse_query
from paperterm.state import MarkerStore, Session, StoreError
from paperterm.tui.days import ListingDays
from paperterm.tui.detail import PaperDetail
from paperterm.tui.fetching import BackgroundFetch, result_text
from paperterm.tui.footer import KeysFooter
from paperterm.tui.keys import MAIN_BINDINGS
from paperterm.tui.left_off import (LIST_ALONE_SETTING, SAVE_POSITION_EVERY, SORT_SETTING,
                                    SPLIT_SETTING, VIEW_SETTING, LeftOff, saved_choice)
from paperterm.tui.ordering import (FOR_YOU, RELEVANCE, REMEMBERED_VIEWS, SORTS, VIEWS, Ordering,
                                    next_sort)
from paperterm.tui.recommending import (BackgroundSimilarity, building_text, reason_text,
                                        similar_rows)
from paperterm.tui.paper_list import PaperList
from paperterm.tui.screens.confirm import ConfirmDialog
from paperterm.tui.screens.export_dialog import ExportDialog
from paperterm.tui.screens.help import HelpScreen
from paperterm.tui.screens.link_menu import LinkMenu
from paperterm.tui.screens.note_editor import NoteEditor
from paperterm.tui.screens.similar_papers import SimilarPapers, SimilarRow
from paperterm.tui import split
from paperterm.tui.screens.tag_dialog import TagDialog
from paperterm.tui.search_bar import SearchBar, SearchInput
from paperterm.tui.search_runs import (PAINT_HOLD, PaintHold, Searcher, SearchRuns, ranks,
                                       search_positions, uses_markers)
from paperterm.tui.status_line import empty_message, loading_text, status_text
from paperterm.tui.selection import Selection
from paperterm.tui.triage import Triage
from paperterm.tui.undo import BulkChange, Change
from paperterm.wording import plural

#: Below this width the footer drops the keys below (and the command palette hint) to fit.
WIDE_FOOTER = 110
#: Below this width one pane is shown at a time (the list, or the details: tab switches), so
#: neither is squeezed into a column too narrow to read.
SINGLE_PANE_BELOW = 72
FOOTER_OPTIONAL = {"paperterm.view_all", "paperterm.view_unread", "paperterm.view_starred",
                   "paperterm.view_noted", "paperterm.view_new", "paperterm.sort"}
#: After a marker change, the for-you model is trained again once changes pause this long (s).
RETRAIN_AFTER = 1.5
#: How often (seconds) the screen checks whether another process changed the markers.
WATCH_STORE_EVERY = 1.0


def can_open_browser() -> bool:
    """Whether ``webbrowser`` would open a graphical browser rather than take over this terminal
    with a text one (which it does on a machine without a display)."""
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def next_unread(rows: Sequence[int], start: int, read: set[int]) -> int | None:
    """The first row at or after ``start`` (wrapping to the top) whose paper is unread."""
    n = len(rows)
    for index in (*range(start, n), *range(0, min(start, n))):
        if rows[index] not in read:
            return index
    return None


class MainScreen(Screen):
    """The reader itself."""

    BINDINGS = MAIN_BINDINGS

    class _Searched(Message, bubble=False):
        """A search's results, from the search thread (``Searcher``)."""

        def __init__(self, generation: int, query, positions: list[int], cursor: str) -> None:
            super().__init__()
            self.generation, self.query, self.positions, self.cursor = (
                generation, query, positions, cursor)

    class _SearchFailed(Message, bubble=False):
        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

    def __init__(self, library: Library, store: MarkerStore, index: IndexHandle,
                 rest: RestOfLibrary | None = None) -> None:
        super().__init__(id="main")
        #: The rest of a first start's library while it loads (``loader.open_for_reader``):
        #: until it is here, ``library`` holds the newest listings only.
        self.rest = rest
        self.library = library
        self.papers = library.papers
        self.store = store
        self.index = index
        self.pos_of = library.positions()
        self.triage = Triage(self.papers, store, self.pos_of)
        self.ordering = Ordering(self.papers, self._index_date_order)
        self.listing_days = ListingDays(self.papers)
        #: The listing day the list is narrowed to (``[``/``]``), or ``None`` for every day.
        self.day: str | None = None
        self.session, self._session_problem = _begin_session(store, self.pos_of)
        self.new_ids: frozenset[str] = self.session.new_ids if self.session else frozenset()
        self.triage.marks.set_new(self.pos_of[pid] for pid in self.new_ids if pid in self.pos_of)
        self.view = "new" if self.triage.marks.new else \
            saved_choice(store, VIEW_SETTING, REMEMBERED_VIEWS, "all")
        self.base_sort = saved_choice(store, SORT_SETTING, SORTS, SORTS[0])
        self.sort = self.base_sort
        self.split = split.parse_percent(saved_choice(store, SPLIT_SETTING, None, ""))
        self.list_alone = saved_choice(store, LIST_ALONE_SETTING, ("0", "1"), "0") == "1"
        self.query_text = ""
        self.parsed_query = None
        self.ranked = False
        self.hits: list[int] | None = None
        self.runs = SearchRuns()
        #: The search thread; its results come back as ``_Searched`` messages.
        self.searcher = Searcher(lambda found: self.post_message(self._Searched(*found)),
                                 lambda error: self.post_message(self._SearchFailed(error)))
        self.left_off = LeftOff(store)
        self._narrow = False
        self.paint_hold = PaintHold(lambda: self.app.batch_update(), self.set_timer, PAINT_HOLD)
        #: The cyclic collector runs when the keys pause, not on a keystroke (``gc_pause``).
        self.idle_gc = IdleCollector(self.set_timer)
        self.selection = Selection()
        self.paper_list = PaperList(self.papers, self.triage.marks, id="paper-list")
        self.paper_list.selected = self.selection.positions
        self.paper_list.on_cursor = self._show_detail  # same frame as the list (see PaperList)
        self.detail = PaperDetail(id="detail")
        self.status_line = Static(id="status")
        self.fetch_status: str | None = None  # what a background fetch (F) is doing
        self.load_status: str | None = None   # how far the rest of the library is
        self._start_cursor: int | None = None  # where the cursor was put at the start
        self.similar = BackgroundSimilarity(
            lambda *args: self.app.call_from_thread(*args),
            lambda: (self.papers, self.library.files), self._matrix_ready, self._for_you_ready)
        self.for_you = None            # the trained model, once there
        self.for_you_scores = None     # its score for every paper
        self.for_you_problem: str | None = None
        self._similar_dialog: SimilarPapers | None = None
        self._retrain: Timer | None = None
        self.fetcher = BackgroundFetch(self, lambda: getattr(self.app, "paths", None) or
                                       self.library.files, self._fetch_progress,
                                       self._fetch_finished)
        #: The last sync's one-line outcome and whether it is a problem (set by the app).
        self.sync_status: tuple[str, bool] = ("", False)

    @property
    def generation(self) -> int:
        """The newest search's number: results under an older one are dropped (``SearchRuns``)."""
        return self.runs.generation

    @generation.setter
    def generation(self, value: int) -> None:
        self.runs.generation = value

    def _index_date_order(self) -> list[int] | None:
        """The index's newest-first numbering, if the index is here (a ``PendingIndex`` on a
        first start is not: asking it would wait for the build) and was built from these papers."""
        index = self.index
        if not index.ready or index.papers != self.papers:
            return None  # (the same Paper objects: list equality stops at identity, ~1 ms)
        return index.positions_newest_first()

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SearchBar(id="search-bar")
        with Horizontal(id="panes"):
            # Each pane sits in a box that draws its border, so the pane's own lines need no
            # per-line styling on their way to the screen (see ``direct_lines``).
            with Vertical(id="list-pane", classes="pane"):
                yield self.paper_list
            with Vertical(id="detail-pane", classes="pane"):
                yield self.detail
        yield self.status_line
        yield KeysFooter()

    @property
    def search_input(self) -> SearchInput:
        return self.query_one("#search-input", SearchInput)

    def on_mount(self) -> None:
        rows = self.ordering.rows(self.view, self.sort, self.triage.marks)
        cursor = 0
        saved = self.pos_of.get(self.left_off.saved_paper_id() or "")
        if saved is not None:
            found = _index(rows, saved)
            cursor = found if found is not None else 0
        self.paper_list.set_rows(rows, cursor)
        self.paper_list.focus()
        self._update_status()
        if self._session_problem:
            self.notify(self._session_problem, severity="error", timeout=8)
        self.set_interval(SAVE_POSITION_EVERY, self._save_position_if_moved)
        self.set_interval(WATCH_STORE_EVERY, self.check_outside_changes)
        # Watch the query's value rather than wait for ``Input.Changed``: the watcher runs inside
        # the keystroke's own handling, so the search starts (and the paint is held) before the
        # typed character is painted on its own.
        self.watch(self.search_input, "value", self.set_query, init=False)
        if self.rest is not None:
            self._start_cursor = self.paper_list.cursor_pos
            self.load_status = loading_text(self.rest.first_files, self.rest.files)
            self._update_status()
            self._wait_for_rest(self.rest)
        elif self.sort == FOR_YOU:
            self._train_for_you()

    def on_unmount(self) -> None:
        self.searcher.stop()
        self.idle_gc.stop()
        self.similar.stop()
        self.fetcher.cancel()
        self.save_position()

    # -- rows ----------------------------------------------------------------------------------

    def _highlighter(self):
        if self.parsed_query is None or not self.ranked:
            return None
        return partial(_spans, query=self.parsed_query)

    def refresh_rows(self, cursor: str = "keep") -> None:
        """Recompute the rows for the current view, sort and hits.

        ``cursor``: ``"keep"`` stays on the same paper (or, if it left the view, on the row that
        took its place); ``"top"`` goes to the first row.
        """
        plist = self.paper_list
        current = plist.cursor_pos
        old_index = plist.cursor
        sort = self.sort if (self.ranked or self.sort != RELEVANCE) else self.base_sort
        only = self.listing_days.positions(self.day) if self.day is not None else None
        rows = self.ordering.rows(self.view, sort, self.triage.marks, self.hits, only)
        index = 0
        if cursor == "keep":
            found = _index(rows, current) if current is not None else None
            index = found if found is not None else min(old_index, max(0, len(rows) - 1))
        plist.empty_message = self._empty_message()
        plist.sort = sort
        plist.set_rows(rows, index, self._highlighter())
        self._update_status()

    def _empty_message(self) -> str:
        return empty_message(self.view, searching=bool(self.query_text.strip()), day=self.day)

    def _update_status(self) -> None:
        counts = self.ordering.counts(self.triage.marks, len(self.paper_list.rows))
        sort = self.sort if self.ranked or self.sort != RELEVANCE else self.base_sort
        day = (self.day, *self.listing_days.ordinal(self.day)) if self.day is not None else None
        waiting = None
        if self.for_you_scores is None:
            waiting = self.for_you_problem or "learning from your stars…"
        selected = None
        if self.selection:
            plist = self.paper_list
            selected = self.selection.status(
                self.selection.shown(plist.rows, plist._generation, len(self.papers)))
        text = status_text(counts, self.view, sort, self.size.width, day=day,
                           for_you_waiting=waiting,
                           fetch_status=self.fetch_status or self.load_status,
                           sync_status=self.sync_status, selected=selected)
        self.status_line.update(text, layout=False)  # fixed size: no relayout per keystroke

    def on_resize(self, event) -> None:
        self._update_status()
        self._apply_layout()
        narrow = self.size.width < WIDE_FOOTER
        if narrow != self._narrow:
            self._narrow = narrow
            self.query_one(KeysFooter).show_command_palette = not narrow
            self.refresh_bindings()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """As Textual's, but on a narrow terminal the footer leaves out the keys the status line
        already explains (views, sort) so help, search and triage keys stay visible."""
        bindings = super().active_bindings
        if not self._narrow:
            return bindings
        return {key: active._replace(binding=replace(active.binding, show=False))
                if active.binding.id in FOOTER_OPTIONAL else active
                for key, active in bindings.items()}

    # -- search --------------------------------------------------------------------------------

    def set_query(self, text: str) -> None:
        """Filter and rank by ``text`` (the search bar calls this on every keystroke)."""
        self.idle_gc.busy()
        self.query_text = text
        bar = self.query_one("#search-bar", SearchBar)
        if not text.strip():
            bar.show_error(None)
            self.paint_hold.release()
            self.runs.cancel()
            self.searcher.cancel()
            self.parsed_query = None
            self.hits = None
            self._set_ranked(False)
            self.refresh_rows("keep")
            return
        try:
            query = parse_query(text)
        except QueryError as exc:
            bar.show_error(str(exc))  # keep the last good results on screen
            self.paint_hold.release()
            return
        if self.rest is not None:  # searched again once the whole library is here
            bar.show_error(f"Loading all {self.rest.files:,} listings; results follow as soon "
                           "as they are in.", note=True)
            self.paint_hold.release()
            return
        if self.index.ready:
            bar.show_error(None)
        else:  # a first start on a large library: the index is still being built elsewhere
            bar.show_error(f"Building the search index of {len(self.papers):,} papers; "
                           "results follow as soon as it is ready.", note=True)
        generation = self.runs.start()
        self.paint_hold.hold()  # until the results arrive (see search_runs.PaintHold)
        self._run_search(generation, query, "top")

    def _search_again(self) -> None:
        """Run the current query again (a marker change may change a marker filter's results)."""
        self._run_search(self.runs.start(), self.parsed_query, "keep")

    def _run_search(self, generation: int, query, cursor: str) -> None:
        index, markers, new_ids = self.index, dict(self.triage.markers), self.new_ids

        def search(cancelled):  # on the search thread
            positions = search_positions(index, query, markers, cancelled, new_ids)
            return None if positions is None else (generation, query, positions, cursor)

        self.searcher.submit(search)

    @on(_Searched)
    def _searched(self, event: _Searched) -> None:
        self._search_done(event.generation, event.query, event.positions, event.cursor)

    @on(_SearchFailed)
    def _search_failed(self, event: _SearchFailed) -> None:
        self.paint_hold.release()
        self.notify(f"The search failed: {event.error}", severity="error", timeout=8,
                    markup=False)

    def _search_done(self, generation: int, query, positions: list[int], cursor: str) -> None:
        if not self.runs.is_current(generation):
            return  # a newer keystroke has already asked for something else
        self.parsed_query = query
        self.hits = positions
        self._set_ranked(ranks(query))
        self.refresh_rows(cursor)
        self.query_one("#search-bar", SearchBar).clear_note()
        self.paint_hold.release()

    def _set_ranked(self, ranked: bool) -> None:
        if ranked and not self.ranked:
            self.sort = RELEVANCE
        elif not ranked and self.sort == RELEVANCE:
            self.sort = self.base_sort
        self.ranked = ranked

    @on(SearchInput.Submitted, "#search-input")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.paper_list.focus()

    @on(SearchInput.Cleared)
    def _search_cleared(self, event: SearchInput.Cleared) -> None:
        self.paper_list.focus()

    @on(SearchInput.ListMove)
    def _search_list_move(self, event: SearchInput.ListMove) -> None:
        plist = self.paper_list
        plist.move_cursor(plist.cursor + event.delta)

    # -- the detail pane -----------------------------------------------------------------------

    @on(PaperList.CursorMoved)
    def _cursor_moved(self, event: PaperList.CursorMoved) -> None:
        self._show_detail(event.pos)
        if event.pos is not None:  # saved by the periodic check, not on every step
            self.left_off.moved(self.papers[event.pos].id)

    def _show_detail(self, pos: int | None) -> None:
        self.idle_gc.busy()  # the cursor moved (or the rows changed): keys are coming
        if pos is None:
            self.detail.show(None, None, self.paper_list.empty_message)
            return
        reason = None
        if self.sort == FOR_YOU and self.for_you_scores is not None \
                and self.similar.matrix is not None:
            reason = reason_text(self.for_you, self.similar.matrix, pos,
                                 float(self.for_you_scores[pos]))
        query = self.parsed_query if self.ranked else None  # the words the list highlights
        self.detail.show(self.papers[pos], self.triage.marker(pos), reason=reason, query=query)

    def _save_position_if_moved(self) -> None:
        # A settings write waits for the disk (fsync): never in the middle of moving or typing.
        self._saving(self.left_off.save_if_rested)

    def save_position(self) -> None:
        """Remember the paper under the cursor (for the next start)."""
        self._saving(self.left_off.save_now)

    def _save_setting(self, key: str, value: str) -> None:
        self._saving(self.left_off.save, key, value)

    def _saving(self, save, *args) -> None:
        try:
            save(*args)
        except StoreError as exc:
            self.notify(str(exc), severity="error")

    # -- other processes -----------------------------------------------------------------------

    def check_outside_changes(self) -> bool:
        """Re-read the markers if another process changed the store; ``True`` if it did."""
        try:
            changed = self.triage.reload_if_changed_elsewhere()
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        if changed:
            self.refresh_rows("keep")
            self.paper_list.refresh_markers()
            if uses_markers(self.parsed_query):
                self._search_again()
            self._show_detail(self.paper_list.cursor_pos)
        return changed

    # -- markers -------------------------------------------------------------------------------

    def show_sync_status(self, text: str, problem: bool = False) -> None:
        self.sync_status = (text, problem)
        self._update_status()

    def reload_markers(self, paper_ids) -> None:
        """Show markers another process (a sync) changed in the store: rows, counts, detail."""
        changed = self.triage.reload(paper_ids)
        if not changed:
            return
        self.refresh_rows("keep")
        if uses_markers(self.parsed_query):
            self._search_again()
        pos = self.paper_list.cursor_pos
        if pos is not None and pos in changed:
            self._show_detail(pos)

    def _current(self) -> int | None:
        pos = self.paper_list.cursor_pos
        if pos is None:
            self.notify("The list is empty: no paper under the cursor.", severity="warning")
        return pos

    def _apply(self, fn, *args) -> Change | None:
        """Run a ``Triage`` change, reporting a store failure instead of crashing."""
        try:
            return fn(*args)
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return None

    def _after_change(self, change: Change | None, pos: int | None) -> None:
        """Repaint what a marker change affects: the row, the detail, the counts, the rows."""
        if change is None or pos is None:
            return
        if self.view != "all":
            self.refresh_rows("keep")
        else:
            self.paper_list.refresh_pos(pos)
            self._update_status()
        if uses_markers(self.parsed_query):
            self._search_again()
        if self.paper_list.cursor_pos == pos:
            self._show_detail(pos)
        if FOR_YOU in (self.sort, self.base_sort):
            self._schedule_retrain()

    def action_toggle_read(self) -> None:
        if self.selection:
            self._bulk(self.triage.toggle_many, self._selected(), "read")
            return
        pos = self._current()
        if pos is not None:
            self._after_change(self._apply(self.triage.toggle_read, pos), pos)

    def action_toggle_star(self) -> None:
        if self.selection:
            self._bulk(self.triage.toggle_many, self._selected(), "starred")
            return
        pos = self._current()
        if pos is not None:
            self._after_change(self._apply(self.triage.toggle_star, pos), pos)

    # -- the selection and bulk changes ----------------------------------------------------------

    def _selected(self) -> list[int]:
        """The selected positions, in date order (the order bulk changes and exports use)."""
        return self.selection.ordered(self.ordering.order("date"))

    def action_toggle_select(self) -> None:
        """``x``: select or unselect the paper under the cursor, then move down (as in a mail
        reader, so ``xxx`` selects three papers in a row)."""
        plist = self.paper_list
        pos = self._current()
        if pos is None:
            return
        self.selection.toggle(pos)
        plist.refresh_pos(pos)
        plist.move_cursor(plist.cursor + 1)
        self._update_status()

    def action_clear_selection(self) -> None:
        n = self.selection.clear()
        if not n:
            self.notify("Nothing is selected (x selects the paper under the cursor).")
            return
        self.paper_list.refresh_markers()
        self._update_status()
        self.notify(f"Selection cleared ({_papers(n)}).")

    def _bulk(self, fn, positions: list[int], *args,
              selection: bool = True) -> BulkChange | None:
        """Run a bulk ``Triage`` change on ``positions`` (the selection, unless ``selection`` is
        false), repaint, and say what it did -- and how many of the papers were not shown."""
        hidden = 0
        if selection:  # counted before the change (a view may hide them after it)
            plist = self.paper_list
            hidden = len(positions) - self.selection.shown(plist.rows, plist._generation,
                                                           len(self.papers))
        bulk = self._apply(fn, positions, *args)
        if bulk is None:
            if positions and len(args) == 2:  # set_many(positions, field, value)
                field, value = args
                state = {"read": ("read", "unread"), "starred": ("starred", "unstarred")}[field]
                self.notify(f"Nothing to change: {'all ' if len(positions) > 1 else ''}"
                            f"{_papers(len(positions))} "
                            f"{'are' if len(positions) > 1 else 'is'} "
                            f"{state[0 if value else 1]} already.")
            return None
        self._after_bulk()
        text = bulk.describe()
        if selection:
            if hidden > 0:
                text += f" ({hidden:,} of them not shown: selected, then hidden by the view or " \
                        "search)"
        self.notify(f"{text[0].upper()}{text[1:]}; u undoes.")
        return bulk

    def _after_bulk(self) -> None:
        """Repaint after a change to many papers: rows (a view may drop them), every visible
        row, counts, the detail pane, a marker search, the for-you model."""
        if self.view != "all":
            self.refresh_rows("keep")
        else:
            self._update_status()
        self.paper_list.refresh_markers()
        if uses_markers(self.parsed_query):
            self._search_again()
        self._show_detail(self.paper_list.cursor_pos)
        if FOR_YOU in (self.sort, self.base_sort):
            self._schedule_retrain()

    def action_read_shown(self) -> None:
        """``A``: mark every paper the list shows (view, search, day) read, after a yes/no
        question that says how many. The rows are taken when asked: a search finishing while
        the question is up does not change what is marked."""
        rows = list(self.paper_list.rows)
        read = self.triage.marks.read
        unread = [pos for pos in rows if pos not in read]
        if not rows:
            self.notify("No papers shown.")
            return
        if not unread:
            self.notify(f"All {_papers(len(rows))} shown are read already.")
            return
        detail = (f"{len(rows) - len(unread):,} of the {len(rows):,} shown are read already. "
                  if len(unread) != len(rows) else "")
        detail += "u undoes it in one step."

        def answered(yes: bool | None) -> None:
            if yes:
                self._bulk(self.triage.set_many, unread, "read", True, selection=False)

        self.app.push_screen(ConfirmDialog(f"Mark {_papers(len(unread))} read?",
                                           detail), answered)

    def action_read_next(self) -> None:
        if self.selection:
            self._bulk(self.triage.set_many, self._selected(), "read", True)
            return
        plist = self.paper_list
        pos = self._current()
        if pos is None:
            return
        change = self._apply(self.triage.set_read, pos, True)
        self._after_change(change, pos)
        here = _index(plist.rows, pos)
        start = here + 1 if here is not None else plist.cursor
        target = next_unread(plist.rows, start, self.triage.marks.read)
        if target is None:
            self.notify("No unread papers left in this view.")
            if here is not None:
                plist.move_cursor(here)
        else:
            plist.move_cursor(target)

    def action_edit_note(self) -> None:
        pos = self._current()
        if pos is None:
            return
        paper = self.papers[pos]
        try:
            base = self.triage.stored_note(pos)  # another window may have changed it
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return

        def saved(text: str | None) -> None:
            if text is None:
                return  # cancelled: the stored note is left exactly as it was
            where = self.pos_of.get(paper.id)  # the library may have been re-opened (F) meanwhile
            if where is None:
                return
            result = self._apply(self.triage.save_note, where, text, base)
            if result is None:
                return
            change, conflict = result
            self._after_change(change or Change(paper.id, paper.title, "note", base, base), where)
            if conflict:
                self.notify("This note was changed in another window while you edited it: "
                            + ("both texts are kept, yours first (n to tidy up)."
                               if change is not None and change.after else
                               "its text is kept, not removed."),
                            severity="warning", timeout=10)
            elif change is not None:
                self.notify("Note removed." if change.after is None else "Note saved.")

        self.app.push_screen(NoteEditor(paper.title, base), saved)

    def action_tag(self) -> None:
        if self.selection:
            self._tag_selection()
            return
        pos = self._current()
        if pos is None:
            return
        paper = self.papers[pos]
        try:
            in_use = list(self.triage.store.tags_in_use())  # only the tagged rows: cheap
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return

        def done(edit) -> None:
            if edit is None:
                return
            where = self.pos_of.get(paper.id)  # the library may have been re-opened meanwhile
            if where is None:
                return
            add, remove = edit.against(self.triage.tags(where))
            try:
                change = self.triage.change_tags(where, add, remove)
            except StoreError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            if change is None:
                self.notify("Tags unchanged.")
                return
            self._after_change(change, where)
            title = paper.title if len(paper.title) <= 50 else paper.title[:49] + "…"
            described = change.describe()
            self.notify(f"{described[0].upper()}{described[1:]}: {title}", markup=False)

        self.app.push_screen(TagDialog(paper.title, self.triage.tags(pos), in_use), done)

    def _tag_selection(self) -> None:
        """``t`` with a selection: one line of names for all of them (``+name`` adds to all,
        ``-name`` removes from all, a plain name is removed if all have it, else added to all);
        one store transaction and one undo step."""
        positions = self._selected()
        try:
            in_use = list(self.triage.store.tags_in_use())
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        union = sorted({name for pos in positions for name in self.triage.tags(pos)})

        def done(edit) -> None:
            if edit is None:
                return
            bulk = self._bulk(self.triage.change_tags_many, self._selected(), edit.add,
                              edit.remove, edit.toggle)
            if bulk is None:
                self.notify("Tags unchanged.")

        self.app.push_screen(TagDialog(f"{_papers(len(positions))} selected", union, in_use),
                             done)

    def action_undo(self) -> None:
        try:
            change = self.triage.undo()
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if change is None:
            self.notify("Nothing to undo.")
            return
        if isinstance(change, BulkChange):
            self._after_bulk()
            self.notify(f"Undone ({change.describe()}).")
            return
        pos = self.pos_of.get(change.paper_id)
        self._after_change(change, pos)
        if pos is not None:
            index = self.paper_list.index_of(pos)
            if index is not None:
                self.paper_list.move_cursor(index)
        title = change.title if len(change.title) <= 50 else change.title[:49] + "…"
        self.notify(f"Undone ({change.describe()}): {title}", markup=False)

    # -- views and sorting ---------------------------------------------------------------------

    def action_set_view(self, view: str) -> None:
        if view not in VIEWS:
            return
        self.view = view
        if view in REMEMBERED_VIEWS:
            self._save_setting(VIEW_SETTING, view)
        self.refresh_rows("keep")

    def action_cycle_sort(self) -> None:
        self.sort = next_sort(self.sort, self.ranked)
        if self.sort != RELEVANCE:
            self.base_sort = self.sort
            self._save_setting(SORT_SETTING, self.sort)
        if self.sort == FOR_YOU and self.for_you_scores is None:
            self._train_for_you()
        self.refresh_rows("keep")
        self._show_detail(self.paper_list.cursor_pos)

    # -- similar papers (m) and the for-you order ------------------------------------------------

    def _still_loading(self, what: str) -> bool:
        """Whether the rest of the library is still loading (then say that ``what`` waits)."""
        if self.rest is None:
            return False
        self.notify(f"Still loading all {self.rest.files:,} listings: {what} once they are in "
                    "(a few seconds).", markup=False)
        return True

    def action_similar(self) -> None:
        if self._still_loading("similar papers are found"):
            return
        pos = self._current()
        if pos is None:
            return
        matrix = self.similar.matrix
        if matrix is not None:
            dialog = SimilarPapers(self.papers[pos].title, pos, self._similar_rows(pos))
        else:
            dialog = SimilarPapers(self.papers[pos].title, pos,
                                   message=self.similar.problem or building_text(len(self.papers)))
            self.similar.want_matrix()
        self._similar_dialog = dialog
        self.app.push_screen(dialog, self._similar_chosen)

    def _similar_rows(self, pos: int) -> list[SimilarRow]:
        return [SimilarRow(*row) for row in similar_rows(self.similar.matrix, self.papers, pos)]

    def _matrix_ready(self, matrix, problem: str | None) -> None:
        dialog = self._similar_dialog
        if dialog is None or self.app.screen is not dialog:
            return
        if matrix is None:
            dialog.show_message(f"No similar papers: {problem}")
        else:
            dialog.show_rows(self._similar_rows(dialog.paper_pos))

    def _similar_chosen(self, pos: int | None) -> None:
        """Go to the paper picked in the similar-papers dialog (showing every paper if the
        current view or search hides it)."""
        self._similar_dialog = None
        if pos is None:
            return
        index = self.paper_list.index_of(pos)
        if index is None:
            self.view = "all"
            if self.search_input.value:
                self.search_input.value = ""  # clears the search (the value watcher runs)
            self.refresh_rows("keep")
            index = self.paper_list.index_of(pos)
        if index is not None:
            self.paper_list.move_cursor(index)
            self.paper_list.focus()

    def _train_for_you(self) -> None:
        self.for_you_problem = None
        self.similar.want_model(self.triage.markers)
        self._update_status()

    def _schedule_retrain(self) -> None:
        if self._retrain is not None:
            self._retrain.stop()
        self._retrain = self.set_timer(RETRAIN_AFTER, self._train_for_you)

    def _for_you_ready(self, model, scores, problem: str | None) -> None:
        self.for_you, self.for_you_scores, self.for_you_problem = model, scores, problem
        if scores is None:
            self.ordering.provide(FOR_YOU, None)
        else:
            self.ordering.provide(FOR_YOU, [int(p) for p in (-scores).argsort(kind="stable")])
        if self.sort == FOR_YOU or self.base_sort == FOR_YOU:
            self.refresh_rows("keep")
            self._show_detail(self.paper_list.cursor_pos)
        if problem and self.sort == FOR_YOU:
            self.notify(f"For you: {problem}", severity="warning", markup=False)

    def action_step_day(self, direction: int) -> None:
        """``[`` / ``]``: narrow the list to the previous / next day with a listing; ``]`` past
        the newest day shows every paper again."""
        days = self.listing_days
        if not days.days:
            self.notify("No listing has a capture date.", severity="warning")
            return
        if self.day is None and direction > 0:
            self.notify("Showing every day; [ steps back from the newest listing day.")
            return
        day = days.step(self.day, direction)
        if day == self.day:
            self.notify(f"{day} is the oldest listing day.")
            return
        self.day = day
        self.refresh_rows("top")
        if day is None:
            self.notify("All days: every paper again.")

    # -- focus ---------------------------------------------------------------------------------

    @property
    def single_pane(self) -> bool:
        """Whether one pane shows at a time, the whole width: the terminal is too narrow for
        both, or the list is shown alone (``z``)."""
        return self.has_class("-single")

    @property
    def too_narrow(self) -> bool:
        """Whether the terminal is too narrow for two panes side by side."""
        return self.size.width < SINGLE_PANE_BELOW

    def _apply_layout(self) -> None:
        """Lay the panes out for the terminal's width, the split (``<``/``>``) and ``z``."""
        single = self.too_narrow or self.list_alone
        self.set_class(single, "-single")
        # One pane: the stylesheet gives it the whole width; two: the list takes its share.
        self.query_one("#list-pane").styles.width = (
            None if single else split.list_width(self.size.width, self.split))

    def action_resize_split(self, direction: int) -> None:
        """``<`` (-1) / ``>`` (+1): move the split between the list and the details a step."""
        if self.too_narrow:
            self.notify("Too narrow for two panes: tab switches between them.")
            return
        if self.list_alone:
            if direction > 0:
                self.notify("The list is already alone, the whole width (z brings the details "
                            "back beside it).")
                return
            self.action_toggle_list_alone()  # a narrower list: the details come back
            return
        percent = split.step(self.size.width, self.split, direction)
        if percent is None:
            self.notify(("The details keep at least {} columns (z shows the list alone)."
                         .format(split.MIN_DETAIL)) if direction > 0 else
                        f"The list keeps at least {split.MIN_LIST} columns.")
            return
        self.split = percent
        self._save_setting(SPLIT_SETTING, str(percent))
        self._apply_layout()

    def action_toggle_list_alone(self) -> None:
        """``z``: the list alone, the whole width (tab shows the details), or both panes again."""
        if self.too_narrow and not self.list_alone:
            self.notify("The list is shown alone already at this width; tab switches.")
            return
        self.list_alone = not self.list_alone
        self._save_setting(LIST_ALONE_SETTING, "1" if self.list_alone else "0")
        if self.list_alone:
            self.paper_list.focus()
            self.notify("The list alone: tab shows the details, z brings them back beside it.")
        elif self.too_narrow:
            self.notify(f"The details come back beside the list from {SINGLE_PANE_BELOW} "
                        "columns on.")
        self._apply_layout()

    def action_toggle_focus(self) -> None:
        if self.paper_list.has_focus:
            self.detail.focus()
        else:
            self.paper_list.focus()

    def on_descendant_focus(self, event) -> None:
        # In a narrow terminal only the focused pane shows (the search bar keeps the last one).
        if event.widget is self.detail or event.widget is self.paper_list:
            self.set_class(event.widget is self.detail, "-detail-shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``/`` in the search bar is a slash, not a new search (its binding has priority)."""
        if action == "focus_search" and self.focused is self.search_input:
            return False
        return True

    def action_focus_search(self) -> None:
        # At once, not as ``focus()`` does it (after the messages already queued): keys typed
        # right after ``/`` (fast typing, a paste, tmux send-keys) must reach the search bar,
        # not the list, where ``r`` would mark a paper read and ``o`` change the sort.
        self.set_focus(self.search_input)

    def action_clear_search(self) -> None:
        """``esc`` in the list: clear a search kept with ``enter`` (the list shows every paper of
        the view again, the cursor staying on its paper); nothing without one."""
        if self.search_input.value:
            self.search_input.value = ""  # the value watcher clears the results

    # -- links, clipboard, export, help, quit --------------------------------------------------

    def action_copy(self) -> None:
        pos = self._current()
        if pos is None:
            return
        paper = self.papers[pos]
        self.app.copy_to_clipboard(f"{paper.title}\n{paper.link}")
        self.notify("Copied the title and the paper's link.")

    def action_open_url(self) -> None:
        pos = self._current()
        if pos is None:
            return
        self._open(self.papers[pos].link)

    def action_link_menu(self) -> None:
        pos = self._current()
        if pos is None:
            return
        paper = self.papers[pos]
        links = paper_links(paper)

        def picked(url: str | None) -> None:
            if url is not None:
                self._open(url)

        self.app.push_screen(LinkMenu(paper.title, links), picked)

    def _open(self, url: str) -> None:
        """Open ``url`` in the browser, or copy it where there is no graphical one."""
        if not can_open_browser():
            self.app.copy_to_clipboard(url)
            self.notify(f"No graphical browser here; copied the URL instead: {url}", markup=False)
            return
        self.app.open_url(url)
        self.notify(f"Opening {url}", markup=False)

    def action_export(self) -> None:
        """``e``: export the selected papers when there is a selection, else the starred ones
        (newest first either way)."""
        if self.selection:
            what = "selected"
            papers = [self.papers[p] for p in self._selected()]
        else:
            if self._still_loading("every starred paper can be exported"):
                return
            what = "starred"
            starred = self.triage.marks.starred
            papers = [self.papers[p] for p in self.ordering.order("date") if p in starred]

        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Exported {plural(len(papers), what + ' paper')} to {path}",
                            markup=False, timeout=8)

        self.app.push_screen(ExportDialog(papers, self.triage.markers, what=what), done)

    # -- fetching (F) ----------------------------------------------------------------------------

    def action_fetch(self) -> None:
        if self._still_loading("F fetches"):
            return
        if not self.fetcher.start():
            self.notify("Already fetching; the status line shows how far it got.")
            return
        self._fetch_progress("Fetching from Hugging Face…")

    def _fetch_progress(self, text: str) -> None:
        self.fetch_status = text
        self._update_status()

    def _fetch_finished(self, report, loaded, problem: str | None) -> None:
        self.fetch_status = None
        added = None
        if loaded is not None:
            library, index = loaded
            added = self.replace_library(library, index)
        message, severity = result_text(report, 0 if problem and added is None else added)
        if problem:
            message, severity = f"{message} The new listings could not be loaded: {problem}", \
                "error"
        self._update_status()
        self.notify(message, severity=severity, markup=False,
                    timeout=12 if severity == "error" else 6)

    # -- the rest of a first start's library -----------------------------------------------------

    @work(thread=True, exclusive=True, group="rest-of-library", exit_on_error=False)
    def _wait_for_rest(self, rest: RestOfLibrary) -> None:
        worker = get_current_worker()
        while True:
            try:
                library, index = rest.wait(timeout=0.25)
                break
            except TimeoutError:
                if worker.is_cancelled:  # the reader is closing
                    return
            except Exception as exc:  # noqa: BLE001 - LoadError and the like: say it, keep
                self.app.call_from_thread(self._rest_failed, str(exc))  # what is shown
                return
        self.app.call_from_thread(self._rest_arrived, library, index)

    def _rest_arrived(self, library: Library, index: IndexHandle) -> None:
        """The whole library is here: show it in place of its newest listings (as after a
        fetch), search again, and go to where the user left off if they have not moved yet."""
        self.rest = None
        self.load_status = None
        moved = self.paper_list.cursor_pos != self._start_cursor
        self.replace_library(library, index, whole=True)
        if not moved:  # where a start over the whole library would have put it
            saved = self.pos_of.get(self.left_off.saved_paper_id() or "")
            found = self.paper_list.index_of(saved) if saved is not None else None
            self.paper_list.move_cursor(found or 0)
        if self.query_text.strip() and self.hits is None:
            self.set_query(self.query_text)  # held while loading (``set_query``)
        warm = getattr(self.app, "warm_index", None)
        if warm is not None:
            warm()

    def _rest_failed(self, problem: str) -> None:
        self.rest = None
        self.load_status = None
        self._update_status()
        self.notify(f"Only the newest listings could be loaded: {problem}", severity="error",
                    markup=False, timeout=12)

    def replace_library(self, library: Library, index: IndexHandle, *, whole: bool = False) -> int:
        """Show ``library`` (re-opened after a fetch, or the whole library after its newest
        listings: ``whole``) in place of the current one; returns how many papers it has that
        the old one had not. View, sort, search, the paper under the cursor, markers and the undo
        history all carry over."""
        old_papers = self.papers
        cursor_pos = self.paper_list.cursor_pos
        current = old_papers[cursor_pos].id if cursor_pos is not None else None
        old_ids = self.pos_of
        self.library, self.papers, self.index = library, library.papers, index
        self.pos_of = library.positions()
        self.selection.remap(old_papers, self.pos_of)  # the same set object
        undo = self.triage.undo_stack
        self.triage = Triage(self.papers, self.store, self.pos_of)
        self.triage.undo_stack = undo
        try:  # the papers the fetch brought are new in this session (the rest of a first
            # session's library joins its baseline instead: nothing is new on a first run)
            baseline = whole and self.session is not None and self.session.first
            self.new_ids = self.new_ids | self.store.record_seen(self.pos_of, baseline=baseline)
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
        self.triage.marks.set_new(self.pos_of[pid] for pid in self.new_ids if pid in self.pos_of)
        self.ordering = Ordering(self.papers, self._index_date_order)
        self.listing_days = ListingDays(self.papers)  # the day shown (if any) stays
        self.similar.reset()
        self.for_you = self.for_you_scores = None
        if FOR_YOU in (self.sort, self.base_sort):
            self._train_for_you()
        if self.hits is not None:  # keep the current results until the search has run again
            self.hits = [p for p in (self.pos_of.get(old_papers[h].id) for h in self.hits)
                         if p is not None]
        plist = self.paper_list
        plist.papers, plist.marks = self.papers, self.triage.marks
        plist.forget_papers()
        sort = self.sort if (self.ranked or self.sort != RELEVANCE) else self.base_sort
        only = self.listing_days.positions(self.day) if self.day is not None else None
        rows = self.ordering.rows(self.view, sort, self.triage.marks, self.hits, only)
        here = self.pos_of.get(current) if current is not None else None
        found = _index(rows, here) if here is not None else None
        if found is None:
            found = min(plist.cursor, max(0, len(rows) - 1))
        plist.set_rows(rows, found, self._highlighter())
        self._show_detail(plist.cursor_pos)
        self._update_status()
        app = self.app
        if getattr(app, "library", None) is not None:
            app.library, app.index = library, index
        if self.parsed_query is not None:
            self._search_again()
        gc.freeze()  # as after the first paint: the new library is long-lived
        return sum(1 for pid in self.pos_of if pid not in old_ids)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.save_position()
        self.app.exit()


def _papers(n: int) -> str:
    """``1 paper``, ``1,234 papers``."""
    return f"{n:,} paper" + ("" if n == 1 else "s")


def _begin_session(store: MarkerStore, pos_of: dict[str, int]) -> tuple[Session | None,
                                                                       str | None]:
    """Start this reader session in the store: ``(session, None)``, or ``(None, problem)`` when
    the store cannot record it (nothing is new then; the reader works on)."""
    try:
        return store.begin_session(pos_of), None
    except StoreError as exc:
        return None, f"{exc}; the new view is empty this time"
    except Exception:  # a store that is closed or otherwise unusable: no news, no crash
        return None, None


def _index(rows: Sequence[int], pos: int) -> int | None:
    try:
        return rows.index(pos)  # type: ignore[union-attr]
    except ValueError:
        return None


def _spans(title: str, query) -> list[tuple[int, int]]:
    return highlight_spans(title, query)
