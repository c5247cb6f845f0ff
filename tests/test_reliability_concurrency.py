"""Two paperterm processes changing markers at the same time, 2 x 500 changes to overlapping
papers: every change lands, and none undoes another (different fields never interfere; for the
field both write, the store ends with one of the two last values, never an older one). And any
number of processes may open (or create) the store at the same moment.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from paperterm.state import MarkerStore

HELPERS = Path(__file__).parent / "helpers"
sys.path.insert(0, str(HELPERS))
from store_check import integrity_check  # noqa: E402
from marker_race import PAPERS, change  # noqa: E402

CHANGES = 500


def last_values(name: str, own_field: str) -> dict[tuple[str, str], object]:
    values: dict[tuple[str, str], object] = {}
    for i in range(CHANGES):
        paper, field, value = change(name, own_field, i)
        values[(paper, field)] = value
    return values


@pytest.mark.parametrize("fresh", [True, False], ids=["new-database", "existing-database"])
def test_two_processes_500_changes_each(tmp_path, fresh):
    db = tmp_path / "data" / "state.sqlite3"
    if not fresh:  # old values everywhere, which every change must replace
        with MarkerStore(db) as store:
            for n in range(PAPERS):
                store.set_note(f"p{n}", "", "an old note")
            for n in range(CHANGES // 2):
                store.set_note(f"q{n}", "", "an old note")
                store.set_read(f"q{n}", "", False)
                store.set_starred(f"q{n}", "", False)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, str(HELPERS / "marker_race.py"), str(db), name, field,
                          str(CHANGES), str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name, field in (("A", "read"), ("B", "starred"))
    ]
    time.sleep(0.3)  # both have started and opened (or are creating) the store
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out == b"done\n", err.decode()
        assert err == b""

    a, b = last_values("A", "read"), last_values("B", "starred")
    with MarkerStore(db) as store:
        assert store.recovered_from is None and integrity_check(store.path) == "ok"
        markers = store.all()
    assert len(markers) == PAPERS + CHANGES // 2
    for n in range(CHANGES // 2):
        marker = markers[f"q{n}"]
        # each process set its own field here exactly once: both changes landed
        assert (marker.read, marker.starred) == (True, True), marker
        notes = {a.get((f"q{n}", "note")), b.get((f"q{n}", "note"))} - {None}
        assert marker.note in (notes or {None if fresh else "an old note"}), marker
        assert marker.title == f"Title of q{n}"
    for n in range(PAPERS):
        marker = markers[f"p{n}"]
        assert marker.note in {a[(f"p{n}", "note")], b[(f"p{n}", "note")]}, marker
        assert marker.title == f"Title of p{n}"


def test_many_connections_create_the_store_at_once():
    """SQLite does not wait for the lock that switching a new database to WAL takes; opening must
    retry rather than fail with "database is locked" when several processes start together."""
    failures: list[str] = []
    for _ in range(120):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "state.sqlite3"
            barrier = threading.Barrier(6)

            def open_and_write(n: int) -> None:
                barrier.wait()
                try:
                    with MarkerStore(db) as store:
                        store.set_read(f"p{n}", "T", True)
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    failures.append(f"{type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not failures, failures
            with MarkerStore(db) as store:
                assert len(store.all()) == 6
