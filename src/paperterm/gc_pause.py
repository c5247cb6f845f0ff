"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles.

Building or walking 100,000 papers' worth of objects (a cache load, an index build, a search's
result list) would trigger dozens of collector passes that each re-scan the growing heap and free
nothing: reference counting frees all of it. Pausing the collector for the duration saves up to a
third of such work. The one helper here restores the collector as it found it, so pauses nest.
"""

from __future__ import annotations

import gc
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
