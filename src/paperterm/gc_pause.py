"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles.

Building or walking 100,000 papers' worth of objects (a cache load, an index build, a search's
result list) would trigger dozens of collector passes that each re-scan the growing heap and free
nothing: reference counting frees all of it. Pausing the collector for the duration saves up to a
third of such work. The one helper here restores the collector as it found it, so pauses nest.
``IdleCollector`` moves the reader's collector passes from keystrokes to the pauses between them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Run the body with the cyclic collector off (if ``pause``), then restore it as it was."""
    collecting = pause and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


#: While keys come, the automatic full pass waits for this many young-generation passes: never.
HELD = 1_000_000_000


class IdleCollector:
    """Holds the collector's full passes back while the user presses keys, and runs one at their
    pause.

    Every keystroke of a search draws some eighty lines, and Textual's line objects refer to
    themselves: each frame leaves garbage that only the cyclic collector frees. The collector's
    passes over the young objects are cheap (a frame's garbage, a millisecond or less) and stay
    on. A full pass walks the whole heap, 35-45 ms at 100,000 papers, and would land on whatever
    keystroke crossed its threshold. So while keys come (``busy``) the automatic full pass is
    held back (its threshold raised out of reach); once there has been no key for ``idle``
    seconds the threshold is restored and one full pass runs, while nobody waits.

    (Turning the collector off altogether while keys come, as this did before, left all of half
    a second's garbage to one forced young pass: 8-58 ms, on the slowest keystrokes.)
    ``set_timer(delay, callback)`` is the UI's timer (calling back on the UI thread).
    """

    def __init__(self, set_timer, *, idle: float = 0.5, clock=time.monotonic) -> None:
        self._set_timer = set_timer
        self.idle = idle
        self._clock = clock
        self._timer = None
        self._saved: tuple[int, int, int] | None = None  # the thresholds while holding
        self._last = 0.0  # when the last key came

    @property
    def holding(self) -> bool:
        return self._saved is not None

    def busy(self) -> None:
        """A key came: hold the full pass back until the next pause. (Cheap: one clock read; a
        timer is made only when none is pending, not on every key.)"""
        self._last = self._clock()
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, HELD)
        if self._timer is None:
            self._timer = self._set_timer(self.idle, self._check_pause)

    def _check_pause(self) -> None:
        """The pause timer: collect if no key came for ``idle`` seconds, else wait the rest."""
        self._timer = None
        quiet = self._clock() - self._last
        if quiet < self.idle:
            self._timer = self._set_timer(self.idle - quiet, self._check_pause)
            return
        self.stop()
        gc.collect()

    def stop(self) -> None:
        """Let full passes run again (if this held them); forget the pending pause."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
