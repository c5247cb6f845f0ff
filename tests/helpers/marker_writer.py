"""Write markers in a loop, reporting each change on stdout once ``set_*`` has returned.

The crash test SIGKILLs this process at random moments; a change printed here was reported done,
so it must survive. It imports nothing but the store, so it starts quickly.

    python marker_writer.py DB RUN
    -> "ready", then per step "U <run>:<i> <field>" (a marker on a paper of its own) and
       "S <run>:<i>" (the note of the one paper every run overwrites)
"""

import sys
import time

from paperterm.state import MarkerStore

FIELDS = ("read", "starred", "note")


def main(db: str, run: str) -> None:
    out = sys.stdout
    store = MarkerStore(db)
    out.write("ready\n")
    out.flush()
    deadline = time.monotonic() + 30  # never outlive a test that failed to kill it
    i = 0
    while time.monotonic() < deadline:
        key = f"{run}:{i}"
        field = FIELDS[i % 3]
        paper = f"u-{key}"
        if field == "read":
            store.set_read(paper, f"Paper {key}", True)
        elif field == "starred":
            store.set_starred(paper, f"Paper {key}", True)
        else:
            store.set_note(paper, f"Paper {key}", f"note {key}")
        out.write(f"U {key} {field}\n")
        out.flush()
        store.set_note("shared", "The shared paper", key)
        out.write(f"S {key}\n")
        out.flush()
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
