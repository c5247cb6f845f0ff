"""A database a read-only connection cannot open (e.g. a WAL left by a killed writer, whose
recovery needs write access) is not damage: it must open normally, keep every marker, and not be
moved aside. Real damage reported by that check still moves the database aside."""

from __future__ import annotations

import sqlite3

from paperterm import state
from paperterm.state import MarkerStore


def fail_read_only_connections(monkeypatch, message: str) -> None:
    """Make every read-only (``mode=ro``) connection fail with ``OperationalError(message)``."""
    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):
        if kwargs.get("uri") and "mode=ro" in str(target):
            raise sqlite3.OperationalError(message)
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(state.sqlite3, "connect", connect)


def test_read_only_check_that_cannot_run_falls_back_to_read_write(tmp_path, monkeypatch):
    db = tmp_path / "state.sqlite3"
    with MarkerStore(db) as store:
        store.set_starred("p1", "Paper one", True)
        store.set_note("p1", "Paper one", "keep")
    fail_read_only_connections(monkeypatch, "attempt to write a readonly database")
    with MarkerStore(db) as store:
        assert store.recovered_from is None
        marker = store.get("p1")
        assert marker is not None and marker.starred and marker.note == "keep"
        store.set_read("p1", "Paper one", True)
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_corruption_reported_by_the_read_only_check_still_moves_aside(tmp_path, monkeypatch):
    db = tmp_path / "state.sqlite3"
    with MarkerStore(db) as store:
        store.set_read("p1", "Paper one", True)
    fail_read_only_connections(monkeypatch, "database disk image is malformed")
    with MarkerStore(db) as store:
        assert store.recovered_from is not None and store.recovered_from.exists()
