"""Running a search on every keystroke: which results are still wanted, the search thread, and
holding the screen's paint until the results arrive.

- ``SearchRuns`` numbers the searches: each new query (or a marker change that can change a
  marker filter's results) takes the next generation, and results that come back under an older
  one are dropped -- a newer keystroke has already asked for something else. O(1) per keystroke.
- ``search_positions`` is what the search thread runs: the index's ranking as plain positions
  (``SearchIndex.search_positions``: no result object per paper; its cost is the index's, see
  ``paperterm.search``), with the cyclic garbage collector paused meanwhile (a search allocates
  a list of up to 100,000 entries; a collection in the middle costs tens of milliseconds for
  nothing).
- ``Searcher``: the one thread searches run on, for the screen's life. It takes the newest
  search asked for (one not started yet is replaced by a newer one; one running is told it is
  stale through ``cancelled()``) and hands each result to ``deliver``, on its own thread (the
  screen posts it as a message, which Textual allows from any thread). A Textual thread worker per
  keystroke cost a new thread and three state-change messages through the UI's queue, about
  1.2 ms of every keystroke, and a thread per keystroke.
- ``PaintHold``: Textual paints at most one frame per 1/60 s; a keystroke would otherwise paint
  its echo at once and its results (ready a few milliseconds later) a whole frame after that. So
  the screen holds its paint until the results arrive -- for at most ``PAINT_HOLD`` seconds, so
  typing never looks stuck even if a search is slow.

No Textual here: the screen hands ``PaintHold`` its app's ``batch_update`` and ``set_timer``, so
the rules are tested without a terminal (``tests/test_tui_logic.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any, Protocol

from paperterm.gc_pause import gc_paused

#: The longest (seconds) the screen waits for a keystroke's results before painting without them.
PAINT_HOLD = 0.05


class SearchRuns:
    """The generation counter: only the newest search's results are shown."""

    def __init__(self) -> None:
        self.generation = 0

    def start(self) -> int:
        """A new search: its generation (any older search's results are now stale)."""
        self.generation += 1
        return self.generation

    def cancel(self) -> None:
        """No search is wanted (the query was cleared): every running one is stale."""
        self.generation += 1

    def is_current(self, generation: int) -> bool:
        return generation == self.generation


def ranks(query) -> bool:
    """Whether ``query`` ranks (has words or phrases) rather than only filtering."""
    return bool(query is not None and query.has_terms)


def uses_markers(query) -> bool:
    """Whether ``query`` filters on markers (``is:read``, ``has:note``...), so a marker change
    can change its results."""
    return query is not None and any(f.is_marker for f in query.filters)


def search_positions(index, query, markers: dict,
                     cancelled: Callable[[], bool] = lambda: False,
                     new_ids: frozenset[str] = frozenset()) -> list[int] | None:
    """The positions of the papers matching ``query``, best first (``None`` if ``cancelled()``
    by the time the index answered); ``new_ids`` are the papers ``is:new`` finds. The collector
    is paused only once the index is built: a search on a ``PendingIndex`` waits for it, and the
    collector should not be off that long."""
    with gc_paused(index.ready):
        positions = index.search_positions(query, markers=markers, new_ids=new_ids)
        if cancelled():
            return None
    return positions


#: A search: given ``cancelled()``, its result, or ``None`` when it gave up as stale.
Job = Callable[[Callable[[], bool]], Any]


class Searcher:
    """Runs the newest search on one thread, for as long as the screen lives.

    ``submit(job)`` asks for a search; the thread runs ``job(cancelled)`` and, unless the result
    is ``None`` or the job became stale meanwhile (a newer one was submitted, or ``stop``), calls
    ``deliver(result)`` -- on the search thread: ``deliver`` must be thread-safe. An exception in
    a job goes to ``failed(exception)``, the same way, and the thread carries on."""

    def __init__(self, deliver: Callable[[Any], None],
                 failed: Callable[[BaseException], None]) -> None:
        self._deliver = deliver
        self._failed = failed
        self._changed = threading.Condition()
        self._job: Job | None = None  # asked for, not started yet
        self._ticket = 0  # the newest job's number
        self._running = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    @property
    def idle(self) -> bool:
        """No search waiting or running (a finished one's result was already delivered)."""
        with self._changed:
            return self._job is None and not self._running

    def submit(self, job: Job) -> None:
        with self._changed:
            if self._stopped:
                return
            self._job = job
            self._ticket += 1
            self._changed.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="paperterm-search",
                                            daemon=True)
            self._thread.start()

    def cancel(self) -> None:
        """Whatever was asked for is stale: drop it, and tell a running job so."""
        with self._changed:
            self._job = None
            self._ticket += 1

    def stop(self) -> None:
        """No more searches: the thread ends once a running job returns."""
        with self._changed:
            self._stopped = True
            self._job = None
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._job is None and not self._stopped:
                    self._changed.wait()
                if self._stopped:
                    return
                job, ticket = self._job, self._ticket
                self._job = None
                self._running = True

            def cancelled() -> bool:
                return self._stopped or self._ticket != ticket

            try:
                result = job(cancelled)
                if result is not None and not cancelled():
                    self._deliver(result)
            except BaseException as exc:  # noqa: BLE001 -- reported, and the thread goes on
                if not cancelled():
                    self._failed(exc)
            finally:
                with self._changed:
                    self._running = False
                    self._changed.notify_all()


class _Stoppable(Protocol):
    def stop(self) -> Any: ...


class PaintHold:
    """Hold the paint (``batch()``, e.g. ``App.batch_update``) until ``release`` or ``limit``
    seconds (``set_timer(delay, callback)``, e.g. ``Screen.set_timer``), whichever comes first."""

    def __init__(self, batch: Callable[[], AbstractContextManager[Any]],
                 set_timer: Callable[[float, Callable[[], None]], _Stoppable],
                 limit: float = PAINT_HOLD) -> None:
        self._batch = batch
        self._set_timer = set_timer
        self.limit = limit
        self._held = ExitStack()
        self._timer: _Stoppable | None = None

    @property
    def held(self) -> bool:
        return self._timer is not None

    def hold(self) -> None:
        """Hold the paint (again: nothing if it is held already)."""
        if self._timer is None:
            self._held.enter_context(self._batch())
            self._timer = self._set_timer(self.limit, self.release)

    def release(self) -> None:
        """Paint again (nothing if not held)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self._held.close()
