"""Running a search on every keystroke: which results are still wanted, the worker's body, and
holding the screen's paint until the results arrive.

- ``SearchRuns`` numbers the searches: each new query (or a marker change that can change a
  marker filter's results) takes the next generation, and results that come back under an older
  one are dropped -- a newer keystroke has already asked for something else. O(1) per keystroke.
- ``search_positions`` is what the worker thread runs: the index's ranking as plain positions
  (``SearchIndex.search_positions``: no result object per paper; its cost is the index's, see
  ``paperterm.search``), with the cyclic garbage collector paused meanwhile (a search allocates
  a list of up to 100,000 entries; a collection in the middle costs tens of milliseconds for
  nothing).
- ``PaintHold``: Textual paints at most one frame per 1/60 s; a keystroke would otherwise paint
  its echo at once and its results (ready a few milliseconds later) a whole frame after that. So
  the screen holds its paint until the results arrive -- for at most ``PAINT_HOLD`` seconds, so
  typing never looks stuck even if a search is slow.

No Textual here: the screen hands ``PaintHold`` its app's ``batch_update`` and ``set_timer``, so
the rules are tested without a terminal (``tests/test_tui_logic.py``).
"""

from __future__ import annotations

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
