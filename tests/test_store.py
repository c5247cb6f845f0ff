"""The marker store: durable, field by field, never deleting a database it cannot use."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import shutil
from pathlib import Path

import pytest

from paperterm import locations
from paperterm.state import SCHEMA_VERSION, MarkerStore, StoreError, export_json

HELPERS = Path(__file__).parent / "helpers"
sys.path.insert(0, str(HELPERS))
from store_check import integrity_check  # noqa: E402

BACKUP_NAME = re.compile(r"state\.sqlite3\.corrupt-\d{8}-\d{6}(-\d+)?")


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "data" / "state.sqlite3"


def open_raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


# -- basics --------------------------------------------------------------------------------------

def test_default_location_is_the_data_dir(isolated_dirs):
    with MarkerStore() as store:
        assert store.path == locations.state_path() == isolated_dirs / "data" / "state.sqlite3"
        store.set_read("abc", "T", True)
    assert (isolated_dirs / "data" / "state.sqlite3").is_file()


def test_empty_store(db):
    with MarkerStore(db) as store:
        assert store.all() == {}
        assert store.get("nope") is None
        assert store.recovered_from is None
        assert integrity_check(store.path) == "ok"


def test_set_and_get_each_field(db):
    with MarkerStore(db) as store:
        m = store.set_read("p1", "Paper one", True)
        assert (m.paper_id, m.title, m.read, m.starred, m.note) == ("p1", "Paper one", True, False, None)
        assert m.read_at is not None and m.starred_at is None and m.note_at is None
        m = store.set_starred("p1", "Paper one", True)
        assert m.read and m.starred
        m = store.set_note("p1", "Paper one", "  a note\nwith lines ")
        assert m.note == "  a note\nwith lines "  # kept exactly
        assert store.set_note("p1", "Paper one", "   ").note is None  # blank removes
        store.set_note("p1", "Paper one", "again")
        assert store.set_note("p1", "Paper one", None).note is None
        m = store.set_read("p1", "Paper one", False)
        assert (m.read, m.starred) == (False, True)
        assert set(store.all()) == {"p1"}


def test_survives_restart(db):
    with MarkerStore(db) as store:
        store.set_read("p1", "One", True)
        store.set_starred("p2", "Two", True)
        store.set_note("p3", "Three", "remember this — ünïcödé ✓")
        store.set_setting("last_query", "grok year:>=2023")
        before = store.all()
    with MarkerStore(db) as store:
        assert store.all() == before
        assert store.get("p3").note == "remember this — ünïcödé ✓"
        assert store.get_setting("last_query") == "grok year:>=2023"
        assert store.get_setting("missing", "default") == "default"
        assert store.recovered_from is None


def test_only_the_changed_field_is_touched(db):
    with MarkerStore(db) as store:
        first = store.set_read("p", "Title", True)
        store.set_note("p", "Title", "n")
        after_note = store.get("p")
        second = store.set_starred("p", "", True)  # empty title: keep the stored one
    assert second.title == "Title"
    assert second.read_at == first.read_at == after_note.read_at
    assert second.note_at == after_note.note_at and second.note == "n"
    assert second.updated >= after_note.updated >= first.updated
    # at the SQL level, too: a write names one field and its timestamp only
    with MarkerStore(db) as store:
        store._db.execute("UPDATE markers SET read = 0 WHERE paper_id = 'p'")  # another writer
        store.set_starred("p", "New title", False)
        marker = store.get("p")
    assert (marker.read, marker.starred, marker.note, marker.title) == (False, False, "n", "New title")


def test_two_connections_at_once(db):
    a = MarkerStore(db)
    b = MarkerStore(db)
    try:
        a.set_read("p", "T", True)
        b.set_starred("p", "T", True)
        a.set_note("q", "Q", "from a")
        b.set_note("q", "Q", "from b")
        for store in (a, b):
            m = store.get("p")
            assert (m.read, m.starred) == (True, True)
            assert store.get("q").note == "from b"
        # interleaved writes to the same and to different fields, many times
        for i in range(50):
            a.set_read(f"x{i % 5}", "", i % 2 == 0)
            b.set_starred(f"x{i % 5}", "", i % 3 == 0)
        for i in range(45, 50):
            m = a.get(f"x{i % 5}")
            assert m.read == (i % 2 == 0) and m.starred == (i % 3 == 0)
        assert a.all() == b.all()
    finally:
        a.close()
        b.close()


def test_settings_overwrite(db):
    with MarkerStore(db) as store:
        store.set_setting("k", "1")
        store.set_setting("k", "2")
        assert store.get_setting("k") == "2"


# -- schema --------------------------------------------------------------------------------------

def test_schema_version_and_journal(db):
    MarkerStore(db).close()
    raw = open_raw(db)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = {row[1] for row in raw.execute("PRAGMA table_info(markers)")}
        assert {"paper_id", "title", "read", "read_at", "starred", "starred_at", "note",
                "note_at", "updated", "tags", "tags_at"} <= columns
    finally:
        raw.close()


def test_newer_schema_is_a_clear_error_and_the_file_is_left_alone(db):
    with MarkerStore(db) as store:
        store.set_read("p", "T", True)
    raw = open_raw(db)
    raw.execute("PRAGMA user_version = 3")
    raw.close()
    before = db.read_bytes()
    with pytest.raises(StoreError) as err:
        MarkerStore(db)
    message = str(err.value)
    assert message == (f"{db}: written by a newer paperterm (schema 3, this one knows 2); "
                       "upgrade paperterm")
    assert db.read_bytes() == before
    assert [p.name for p in db.parent.iterdir() if "corrupt" in p.name] == []


# -- damaged databases ---------------------------------------------------------------------------

def backups(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.iterdir() if BACKUP_NAME.fullmatch(p.name))


@pytest.mark.parametrize("garbage", [
    b"this is not a database at all\n" * 100,
    bytes(range(256)) * 64,
    b"SQLite format 3\x00" + b"\xff" * 4000,
])
def test_garbage_database_is_moved_aside_never_deleted(db, garbage):
    db.parent.mkdir(parents=True)
    db.write_bytes(garbage)
    with MarkerStore(db) as store:
        assert store.recovered_from is not None
        assert BACKUP_NAME.fullmatch(store.recovered_from.name)
        assert store.recovered_from.parent == db.parent
        assert store.recovered_from.read_bytes() == garbage
        assert store.all() == {}
        store.set_note("p", "T", "fresh start works")
    with MarkerStore(db) as store:
        assert store.recovered_from is None
        assert store.get("p").note == "fresh start works"
        assert integrity_check(store.path) == "ok"
    assert len(backups(db)) == 1


@pytest.mark.parametrize("keep", [0.5, 0.25, 100 / 643072, 4096 / 643072])
def test_truncated_database_is_moved_aside(db, keep):
    with MarkerStore(db) as store:
        store._db.execute("BEGIN")  # one transaction: 3,000 commits would each wait for the disk
        for i in range(3000):
            store.set_note(f"p{i}", f"Title {i} " * 5, "note " * 20)
        store._db.execute("COMMIT")
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = db.read_bytes()
    assert len(full) > 100_000
    cut = full[:max(1, int(len(full) * keep))]
    db.write_bytes(cut)
    with MarkerStore(db) as store:
        assert store.recovered_from is not None
        assert store.recovered_from.read_bytes() == cut
        assert store.all() == {}
        store.set_read("p", "T", True)
        assert integrity_check(store.path) == "ok"


def test_wal_and_shm_files_move_with_the_database(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 1000)
    Path(f"{db}-wal").write_bytes(b"wal garbage")
    Path(f"{db}-shm").write_bytes(b"shm garbage")
    with MarkerStore(db) as store:
        backup = store.recovered_from
    assert Path(f"{backup}-wal").read_bytes() == b"wal garbage"
    assert Path(f"{backup}-shm").read_bytes() == b"shm garbage"


def test_repeated_corruption_never_overwrites_an_earlier_backup(db):
    db.parent.mkdir(parents=True)
    seen = []
    for n in range(3):
        db.write_bytes(f"garbage number {n}".encode() * 100)
        with MarkerStore(db) as store:
            seen.append(store.recovered_from)
    assert len(set(seen)) == 3
    assert [p.read_bytes()[:16] for p in seen] == [f"garbage number {n}".encode()[:16]
                                                    for n in range(3)]


def test_empty_database_file_is_simply_a_new_store(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    with MarkerStore(db) as store:
        assert store.recovered_from is None
        store.set_read("p", "T", True)


# -- directories and files the store may not use ---------------------------------------------------

def test_data_dir_under_a_regular_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StoreError) as err:
        MarkerStore(blocker / "data" / "state.sqlite3")
    assert str(err.value) == f"{blocker / 'data'}: cannot create data directory (Not a directory)"


def test_database_path_is_a_directory(db):
    db.mkdir(parents=True)
    with pytest.raises(StoreError) as err:
        MarkerStore(db)
    assert str(err.value).startswith(f"{db}: ") and "\n" not in str(err.value)
    assert db.is_dir()


def run_store_helper(*args: str, as_nobody: bool, simulate) -> dict:
    """Open the store in a child process (as "nobody" when the tests run as root). Where the
    child may not give up root, ``simulate(monkeypatch-like context)`` denies access in this
    process instead and the same report is made here."""
    prefix = ["--as-uid", "65534"] if as_nobody else []
    proc = subprocess.run([sys.executable, str(HELPERS / "open_store.py"), *prefix, *args],
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    result = json.loads(proc.stdout)
    if "cannot_drop_root" not in result:
        return result
    sys.path.insert(0, str(HELPERS))
    from open_store import report

    with pytest.MonkeyPatch.context() as mp:
        simulate(mp)
        return report(list(args))


def deny(mp, denied: dict[Path, int]) -> None:
    """Make ``os.access`` say no for these paths and modes, as it would for a normal user."""
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & denied.get(Path(path), 0):
            return False
        return real_access(path, mode, *args, **kwargs)

    mp.setattr(os, "access", access)


@pytest.fixture
def shared_tmp():
    """A directory every user can enter (pytest's own tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="paperterm-store-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_read_only_data_dir_is_a_clear_error(shared_tmp):
    """A data directory the user may not write. As root (who may write anywhere) the store is
    opened by a child process that gives up root first."""
    data = shared_tmp / "data"
    data.mkdir()
    with MarkerStore(data / "state.sqlite3") as store:
        store.set_note("p", "T", "precious")
    data.chmod(0o555)
    (data / "state.sqlite3").chmod(0o444)
    try:
        as_nobody = os.geteuid() == 0
        if as_nobody:
            # make "nobody" the owner of the file, so only the directory stands in the way
            os.chown(data / "state.sqlite3", 65534, 65534)
            (data / "state.sqlite3").chmod(0o644)
        report = run_store_helper(str(data / "state.sqlite3"), as_nobody=as_nobody,
                                  simulate=lambda mp: deny(mp, {data: os.W_OK}))
        assert report["error"] == f"{data}: data directory is read-only"

        def no_mkdir(mp):
            def mkdir(self, *args, **kwargs):
                raise PermissionError(13, "Permission denied", str(self))
            mp.setattr(Path, "mkdir", mkdir)

        report = run_store_helper(str(data / "new" / "state.sqlite3"), as_nobody=as_nobody,
                                  simulate=no_mkdir)
        assert report["error"] == f"{data / 'new'}: cannot create data directory (Permission denied)"
    finally:
        data.chmod(0o755)
    with MarkerStore(data / "state.sqlite3") as store:
        assert store.get("p").note == "precious"


def test_read_only_database_file_is_a_clear_error_and_kept(shared_tmp):
    data = shared_tmp / "data"
    data.mkdir()
    with MarkerStore(data / "state.sqlite3") as store:
        store.set_note("p", "T", "precious")
    (data / "state.sqlite3").chmod(0o444)
    if os.geteuid() == 0:
        os.chown(data, 65534, 65534)
    report = run_store_helper(str(data / "state.sqlite3"), as_nobody=os.geteuid() == 0,
                              simulate=lambda mp: deny(mp, {data / "state.sqlite3": os.W_OK}))
    assert report["error"] == (f"{data / 'state.sqlite3'}: marker store is read-only; make it "
                               "writable (chmod u+w) to save markers")
    assert [p.name for p in data.iterdir()] == ["state.sqlite3"]


def test_unreadable_database_is_moved_aside_and_a_fresh_one_started(shared_tmp):
    data = shared_tmp / "data"
    data.mkdir()
    with MarkerStore(data / "state.sqlite3") as store:
        store.set_note("p", "T", "precious")
    original = (data / "state.sqlite3").read_bytes()
    (data / "state.sqlite3").chmod(0)
    as_nobody = os.geteuid() == 0
    if as_nobody:
        os.chown(data, 65534, 65534)  # the user owns the directory but cannot read the file
    report = run_store_helper(str(data / "state.sqlite3"), "set-note", "q", "new note",
                              as_nobody=as_nobody,
                              simulate=lambda mp: deny(mp, {data / "state.sqlite3": os.R_OK}))
    assert report["error"] is None
    backup = Path(report["recovered_from"])
    assert BACKUP_NAME.fullmatch(backup.name) and backup.parent == data
    assert report["markers"] == {"q": "new note"}
    assert backup.read_bytes() == original  # kept, byte for byte


# -- moving markers between machines -------------------------------------------------------------

def test_export_import_round_trip(tmp_path):
    with MarkerStore(tmp_path / "a.sqlite3") as a:
        a.set_read("0000000000a1", "One", True)
        a.set_starred("0000000000a1", "One", True)
        a.set_note("0000000000a2", "Two", "line one\nline two — ✓")
        a.set_starred("0000000000a3", "Three", True)
        a.set_starred("0000000000a3", "Three", False)  # an explicit "not starred" travels too
        text = export_json(a)
        exported = a.all()
    data = json.loads(text)
    assert data["format"] == "paperterm-markers" and data["version"] == SCHEMA_VERSION == 2
    assert [m["id"] for m in data["markers"]] == ["0000000000a1", "0000000000a2", "0000000000a3"]
    with MarkerStore(tmp_path / "b.sqlite3") as b:
        assert b.import_data(data) == 4
        imported = b.all()
        assert b.import_data(data) == 0  # importing again changes nothing
    for pid, marker in exported.items():
        mine = imported[pid]
        for field in ("title", "read", "starred", "note", "read_at", "starred_at", "note_at"):
            assert getattr(mine, field) == getattr(marker, field), (pid, field)


def test_import_merges_newest_change_per_field(tmp_path):
    with MarkerStore(tmp_path / "local.sqlite3") as local:
        local._set("note", "00000000000b", "T", "local note (old)", at=100.0)
        local._set("read", "00000000000b", "T", 1, at=300.0)
        local._set("starred", "00000000000b", "T", 1, at=200.0)
        local._set("note", "0000000000c1", "L", "keep me", at=50.0)
        data = {"format": "paperterm-markers", "version": 1, "markers": [
            {"id": "00000000000b", "title": "T", "read": False, "read_at": 250.0,     # older: ignored
             "starred": False, "starred_at": 200.0,                       # same age: kept local
             "note": "remote note (new)", "note_at": 150.0},              # newer: wins
            {"id": "0000000000c2", "title": "R", "read": True, "read_at": 10.0,
             "starred": False, "starred_at": None, "note": None, "note_at": None},
        ]}
        assert local.import_data(data) == 2
        p = local.get("00000000000b")
        assert (p.read, p.read_at) == (True, 300.0)
        assert (p.starred, p.starred_at) == (True, 200.0)
        assert (p.note, p.note_at) == ("remote note (new)", 150.0)
        assert local.get("0000000000c1").note == "keep me"
        remote = local.get("0000000000c2")
        assert (remote.title, remote.read, remote.starred, remote.note) == ("R", True, False, None)
        # a newer removal of a note removes it
        local.import_data({"format": "paperterm-markers", "markers": [
            {"id": "0000000000c1", "note": None, "note_at": 60.0}]})
        assert local.get("0000000000c1").note is None


@pytest.mark.parametrize("data,problem", [
    ([], "not a paperterm marker export"),
    ({"markers": []}, "not a paperterm marker export"),
    ({"format": "paperterm-markers", "version": 3, "markers": []}, "newer than this paperterm"),
    ({"format": "paperterm-markers", "markers": {}}, '"markers" must be a list'),
    ({"format": "paperterm-markers", "markers": [{"title": "x"}]}, 'marker 0: needs a string "id"'),
    ({"format": "paperterm-markers", "markers": [{"id": "00000000000f", "read_at": "yesterday"}]},
     'marker 0: "read_at" must be a number'),
    ({"format": "paperterm-markers", "markers": [{"id": "00000000000f", "read_at": float("nan")}]},
     'marker 0: "read_at" must be a number'),
    ({"format": "paperterm-markers", "markers": [{"id": "00000000000f", "read": "no", "read_at": 1}]},
     'marker 0: "read" must be true or false'),
    ({"format": "paperterm-markers", "markers": [{"id": "00000000000f", "note": 5, "note_at": 1}]},
     'marker 0: "note" must be text or null'),
])
def test_bad_import_is_refused_whole(db, data, problem):
    with MarkerStore(db) as store:
        store.set_note("00000000000e", "K", "untouched")
        before = store.all()
        good = {"id": "00000000000d", "read": True, "read_at": 5.0}
        if isinstance(data, dict) and isinstance(data.get("markers"), list):
            data = {**data, "markers": [good, *data["markers"]]}
            problem = problem.replace("marker 0", "marker 1")
        with pytest.raises(ValueError) as err:
            store.import_data(data)
        assert problem in str(err.value) and "\n" not in str(err.value)
        assert store.all() == before  # nothing half-imported


# -- what the command line makes of it -----------------------------------------------------------

PRINCIPLES_ID = "00a8c78865f3"  # "The Principles of Deep Learning Theory", in every seed


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAPERTERM_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "paperterm", *args], capture_output=True,
                          text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_cli_moves_a_corrupt_store_aside_says_where_and_carries_on(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    garbage = bytes(range(256)) * 20
    (data / "state.sqlite3").write_bytes(garbage)
    proc = run_cli("mark", PRINCIPLES_ID[:7], "--star", data_dir=data)
    assert proc.returncode == 0, proc.stderr
    (backup,) = backups(data / "state.sqlite3")
    assert backup.read_bytes() == garbage
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"paperterm: warning: {data / 'state.sqlite3'}: ")
    assert str(backup) in line
    with MarkerStore(data / "state.sqlite3") as store:
        assert store.get(PRINCIPLES_ID).starred


def test_cli_unusable_data_dir_is_one_line_and_exit_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("mark", PRINCIPLES_ID, "--read", data_dir=blocker / "data")
    assert proc.returncode == 1
    assert proc.stderr == f"paperterm: {blocker / 'data'}: cannot create data directory (Not a directory)\n"


def test_cli_newer_schema_is_one_line_and_exit_1(tmp_path):
    data = tmp_path / "data"
    with MarkerStore(data / "state.sqlite3") as store:
        store.set_note(PRINCIPLES_ID, "T", "kept")
    raw = open_raw(data / "state.sqlite3")
    raw.execute("PRAGMA user_version = 7")
    raw.close()
    proc = run_cli("mark", PRINCIPLES_ID, "--read", data_dir=data)
    assert proc.returncode == 1
    assert proc.stderr == (f"paperterm: {data / 'state.sqlite3'}: written by a newer paperterm "
                           "(schema 7, this one knows 2); upgrade paperterm\n")
    assert backups(data / "state.sqlite3") == []
