"""Two marker stores on one database in one process (the reader and its background sync).

SQLite's locks are POSIX record locks, which belong to the process: closing *any* descriptor of
the database file drops all of them. A second store's pre-check used to open and close the file,
silently unlocking the first store's connection; the next paperterm process to close then thought
it was the last user, checkpointed and deleted the ``-wal`` file under the first store, whose later
changes were lost (found by QA with a sync folder set)."""

from __future__ import annotations

import subprocess
import sys

from paperterm.state import MarkerStore

A, B = "aaaaaaaaaaaa", "bbbbbbbbbbbb"


def other_process_sees(pid: str) -> bool:
    code = ("from paperterm.state import MarkerStore\n"
            f"s = MarkerStore(); m = s.get({pid!r}); s.close()\n"
            "print(bool(m and m.starred))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip() == "True"


def test_a_second_store_in_the_same_process_keeps_the_first_ones_changes():
    first = MarkerStore()
    try:
        first.set_starred(A, "first paper", True)
        second = MarkerStore()       # the background sync's own connection
        second.close()
        assert other_process_sees(A)  # another paperterm opens and closes the store
        first.set_starred(B, "second paper", True)
        assert other_process_sees(B)
    finally:
        first.close()
    with MarkerStore() as store:
        assert store.get(A).starred and store.get(B).starred
