"""Where the user left off: the view, the sort, the split between the panes and the paper under the
cursor, kept in the marker store's settings for the next start.

View, sort and split are saved when they change (rare). The paper is not saved on every cursor step: a
settings write waits for the disk (fsync), so ``moved`` only notes the paper (O(1), no I/O) and
``save_if_rested``, called by the screen's timer every ``SAVE_POSITION_EVERY`` seconds, writes it
once the cursor has rested ``POSITION_REST`` seconds; ``save_now`` writes it at once (on quit).
A write that would store the value already there is skipped (one indexed read instead).

No Textual here: the screen passes the store and, for tests, a clock (``tests/test_tui_logic.py``).
The paper is kept by id, so it survives the library being re-opened (after a fetch).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from paperterm.state import MarkerStore, StoreError

#: Settings keys in the marker store.
VIEW_SETTING = "tui.view"
SORT_SETTING = "tui.sort"
PAPER_SETTING = "tui.paper"
#: The list's share of the width in percent (``<`` / ``>``), and whether it is shown alone (``z``).
SPLIT_SETTING = "tui.split"
LIST_ALONE_SETTING = "tui.list_alone"
#: How often (seconds) the paper under the cursor is saved if it changed, once the cursor has
#: rested for ``POSITION_REST`` seconds (and always on quit).
SAVE_POSITION_EVERY = 1.0
POSITION_REST = 3.0


def saved_choice(store: MarkerStore, key: str, allowed: Sequence[str] | None,
                 default: str) -> str:
    """The saved setting ``key`` if it is one of ``allowed`` (``None``: any value, for the caller
    to check), else ``default`` (also when the store cannot be read: a start never fails over a
    remembered view)."""
    try:
        value = store.get_setting(key, default)
    except Exception:
        return default
    return value if allowed is None or value in allowed else default


class LeftOff:
    """The paper under the cursor, saved once the cursor rests; view and sort saved at once."""

    def __init__(self, store: MarkerStore, *, rest: float = POSITION_REST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.rest = rest
        self.clock = clock
        #: The id of the paper under the cursor, once it moved; ``None`` before.
        self.paper_id: str | None = None
        self.dirty = False
        self.moved_at = 0.0

    def saved_paper_id(self) -> str | None:
        """The paper the last session ended on (``None`` if none or unreadable)."""
        try:
            return self.store.get_setting(PAPER_SETTING, "") or None
        except Exception:
            return None

    def moved(self, paper_id: str) -> None:
        """The cursor is on ``paper_id`` now (called on every cursor step: no I/O)."""
        self.paper_id = paper_id
        self.dirty = True
        self.moved_at = self.clock()

    def save_if_rested(self) -> None:
        """Save the paper if it changed and the cursor has rested long enough."""
        if self.dirty and self.clock() - self.moved_at >= self.rest:
            self.save_now()

    def save_now(self) -> None:
        """Save the paper under the cursor now (on quit). ``StoreError`` as ``save``."""
        self.dirty = False
        if self.paper_id is not None:
            self.save(PAPER_SETTING, self.paper_id)

    def save(self, key: str, value: str) -> None:
        """Store setting ``key`` unless it already holds ``value``. ``StoreError`` if the store
        refuses or is closed (the screen says so); any other failure is ignored."""
        try:
            if self.store.get_setting(key) != value:
                self.store.set_setting(key, value)
        except StoreError:
            raise
        except Exception:
            pass
