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


class IdleCollector:
    """Keeps the cyclic collector off while the user presses keys, and runs it at their pause.

    Every keystroke of a search draws some eighty lines, and Textual's line objects refer to
    themselves: each frame leaves garbage that only the cyclic collector frees. Its passes land
    on whatever keystroke crosses a threshold -- every keystroke pays a few young-generation
    passes, and every ten or so a full one, 35-45 ms at 100,000 papers -- and set the slowest
    keystrokes. While keys come (``busy``) the collector is off; once there has been no key for
    ``idle`` seconds it is back on and one full pass runs, while nobody waits. Keys coming
    without such a pause get a young-generation pass (the garbage of the last ``longest``
    seconds, not the whole heap) every ``longest`` seconds, so memory never grows unchecked.
    ``set_timer(delay, callback)`` is the UI's timer (calling back on the UI thread).
    """

    def __init__(self, set_timer, *, idle: float = 0.5, longest: float = 0.5,
                 clock=time.monotonic) -> None:
        self._set_timer = set_timer
        self.idle = idle
        self.longest = longest
        self._clock = clock
        self._timer = None
        self._since: float | None = None  # when the collector was turned off (or last ran)
        self._last = 0.0  # when the last key came

    @property
    def holding(self) -> bool:
        return self._since is not None

    def busy(self) -> None:
        """A key came: keep the collector off until the next pause. (Cheap: one clock read; a
        timer is made only when none is pending, not on every key.)"""
        now = self._clock()
        self._last = now
        if self._since is None:
            if not gc.isenabled():
                return  # someone else has it off (``gc_paused``): theirs to turn back on
            gc.disable()
            self._since = now
        elif now - self._since > self.longest:
            gc.collect(1)
            self._since = now
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
        """Turn the collector back on (if this turned it off); forget the pending pause."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._since is not None:
            self._since = None
            gc.enable()
