""""New since last time" in the marker store: sessions and the papers first seen in each."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from paperterm.state import SEEN_DIGEST, MarkerStore, StoreError


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "data" / "state.sqlite3"


def ids(*numbers: int) -> list[str]:
    return [f"{n:012x}" for n in numbers]


def test_the_first_session_records_everything_as_seen_and_has_nothing_new(db):
    with MarkerStore(db) as store:
        assert store.new_ids(ids(1, 2)) == frozenset()  # no session yet: nothing is new
        first = store.begin_session(ids(1, 2, 3))
        assert first.first and first.number == 1 and first.new_ids == frozenset()
        assert store.new_ids(ids(1, 2, 3)) == frozenset()


def test_papers_first_seen_since_the_previous_session_are_new(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1, 2, 3))
    with MarkerStore(db) as store:  # the next start, after a fetch added 4 and 5
        second = store.begin_session(ids(1, 2, 3, 4, 5))
        assert not second.first and second.number == 2
        assert second.new_ids == frozenset(ids(4, 5))
        assert store.new_ids(ids(1, 2, 3, 4, 5)) == frozenset(ids(4, 5))
    with MarkerStore(db) as store:  # and the start after that: they are no longer new
        third = store.begin_session(ids(1, 2, 3, 4, 5))
        assert third.number == 3 and third.new_ids == frozenset()


def test_a_paper_that_left_the_library_and_came_back_is_not_new(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1, 2))
        store.begin_session(ids(1))
        assert store.begin_session(ids(1, 2)).new_ids == frozenset()


def test_an_unchanged_library_skips_the_comparison(db, monkeypatch):
    with MarkerStore(db) as store:
        store.begin_session(ids(1, 2))
        store.begin_session(ids(1, 2, 3))
        reads = []
        real = MarkerStore._unseen

        def counting(self, paper_ids, digest):
            found = real(self, paper_ids, digest)
            reads.append(found)
            return found

        monkeypatch.setattr(MarkerStore, "_unseen", counting)
        assert store.begin_session(ids(1, 2, 3)).new_ids == frozenset()
        assert reads == [[]]
        # The digest is that of the library last recorded: any change compares ids again.
        assert store.get_setting(SEEN_DIGEST)
        assert store.begin_session(ids(1, 2, 3, 9)).new_ids == frozenset(ids(9))


def test_papers_fetched_during_a_session_are_new_in_it(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1))
        session = store.begin_session(ids(1, 2))
        assert session.new_ids == frozenset(ids(2))
        assert store.record_seen(ids(1, 2, 3, 4)) == frozenset(ids(3, 4))
        assert store.record_seen(ids(1, 2, 3, 4)) == frozenset()  # recorded once
        assert store.new_ids(ids(1, 2, 3, 4)) == frozenset(ids(2, 3, 4))
        assert store.begin_session(ids(1, 2, 3, 4)).new_ids == frozenset()


def test_the_rest_of_a_first_sessions_library_joins_its_baseline(db):
    """A first start over many listings begins its session with the newest ones; the rest,
    recorded as ``baseline``, is not new (nothing is, on a first run), now or next time."""
    with MarkerStore(db) as store:
        first = store.begin_session(ids(1, 2))
        assert first.first and first.new_ids == frozenset()
        assert store.record_seen(ids(1, 2, 3, 4), baseline=True) == frozenset()
        assert store.new_ids(ids(1, 2, 3, 4)) == frozenset()
        assert store.begin_session(ids(1, 2, 3, 4, 5)).new_ids == frozenset(ids(5))


def test_record_seen_without_a_session_records_the_baseline(db):
    with MarkerStore(db) as store:
        assert store.record_seen(ids(1, 2)) == frozenset()
        assert store.begin_session(ids(1, 2, 3)).new_ids == frozenset(ids(3))


def test_new_ids_counts_papers_never_seen_as_new_and_writes_nothing(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1))
        store.begin_session(ids(1, 2))
        # `paperterm fetch` brought 3 since: the next session will count it new, so it is new now.
        assert store.new_ids(ids(1, 2, 3)) == frozenset(ids(2, 3))
        assert store.new_ids(ids(1)) == frozenset()
        assert store.begin_session(ids(1, 2, 3)).new_ids == frozenset(ids(3))


def test_duplicate_and_unstorable_ids_are_harmless(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1))
        session = store.begin_session([*ids(2, 2, 1), "bad\nid", ""])
        assert session.new_ids == frozenset(ids(2))


def test_empty_sessions_are_forgotten_and_numbers_keep_growing(db):
    with MarkerStore(db) as store:
        numbers = [store.begin_session(ids(1)).number for _ in range(5)]
        assert numbers == [1, 2, 3, 4, 5]
        store.begin_session(ids(1, 2))
        store.begin_session(ids(1, 2))
    raw = sqlite3.connect(db)
    rows = raw.execute("SELECT n, ids FROM sessions ORDER BY n").fetchall()
    raw.close()
    # The baseline, the session that saw 2, and the latest.
    assert rows == [(0, ids(1)[0]), (6, ids(2)[0]), (7, "")]


def test_a_hundred_thousand_papers_are_one_row(db):
    many = ids(*range(100_000))
    with MarkerStore(db) as store:
        store.begin_session(many)
        assert store.begin_session(many + ids(10**9)).new_ids == frozenset(ids(10**9))
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2
    raw.close()


def test_two_readers_starting_at_once_never_both_count_a_paper_new(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1))
    results: list[frozenset[str]] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        with MarkerStore(db) as store:
            barrier.wait()
            results.append(store.begin_session(ids(1, 2, 3)).new_ids)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(sorted, results)) == [[], [], [], ids(2, 3)]


def test_a_failed_write_is_a_store_error_and_records_nothing(db):
    with MarkerStore(db) as store:
        store.begin_session(ids(1))
        blocker = sqlite3.connect(db, timeout=0)
        blocker.execute("BEGIN IMMEDIATE")
        store._db.execute("PRAGMA busy_timeout = 50")
        try:
            with pytest.raises(StoreError, match="cannot record the papers seen"):
                store.begin_session(ids(1, 2))
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert not store._db.in_transaction
        assert store.begin_session(ids(1, 2)).new_ids == frozenset(ids(2))


def test_a_store_from_before_sessions_gets_them_on_open(db):
    raw = sqlite3.connect(db.parent.mkdir(parents=True) or db)
    raw.executescript("""
        CREATE TABLE markers (paper_id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '',
            read INTEGER NOT NULL DEFAULT 0, read_at REAL, starred INTEGER NOT NULL DEFAULT 0,
            starred_at REAL, note TEXT, note_at REAL, updated REAL NOT NULL);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO markers (paper_id, title, read, read_at, updated)
            VALUES ('000000000001', 'One', 1, 5.0, 5.0);
        PRAGMA user_version = 1;
    """)
    raw.close()
    with MarkerStore(db) as store:
        assert store.get(ids(1)[0]).read
        # An upgrade is a first run for "new": everything already there is the baseline.
        assert store.begin_session(ids(1, 2)).first
        assert store.begin_session(ids(1, 2, 3)).new_ids == frozenset(ids(3))
