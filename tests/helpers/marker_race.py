"""One of two processes changing markers at the same time (the concurrency test).

    python marker_race.py DB NAME OWN_FIELD N GO_FILE

Waits for GO_FILE to appear (so both start together), then makes N changes. Both processes walk
the same papers in the same order at about the same pace, so they collide on purpose:

- even steps set OWN_FIELD (read for one process, starred for the other) on paper q<i/2>; each
  q-paper gets this field from this process exactly once and the other field from the other one,
  so a change that undid another (say, by writing back a stale copy of the whole row) shows;
- odd steps set the note, a field both processes write: on a q-paper (every other one), or on
  one of the papers p0..p39 that both processes overwrite again and again.

``change(name, own_field, i)`` gives each change, so the test can compute what must be stored.
"""

import os
import sys
import time

from paperterm.state import MarkerStore

PAPERS = 40


def change(name: str, own_field: str, i: int) -> tuple[str, str, object]:
    """(paper id, field, value) of change ``i`` of process ``name``."""
    if i % 2 == 0:
        return f"q{i // 2}", own_field, True
    if i % 4 == 1:
        return f"p{(i // 4) % PAPERS}", "note", f"{name} {i}"
    return f"q{i // 2}", "note", f"{name} {i}"


def main(db: str, name: str, own_field: str, n: int, go: str) -> None:
    store = MarkerStore(db)
    deadline = time.monotonic() + 30
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            raise SystemExit("GO file never appeared")
        time.sleep(0.001)
    for i in range(n):
        paper, field, value = change(name, own_field, i)
        title = f"Title of {paper}"
        if field == "read":
            store.set_read(paper, title, value)
        elif field == "starred":
            store.set_starred(paper, title, value)
        else:
            store.set_note(paper, title, value)
    store.close()
    print("done")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
