"""What an adversarial pass found (issue 17): hostile imports, unbounded inputs, files others could
read, a full disk. Each failure is one line and exit 1, and never changes a stored marker."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from cli_helpers import run_cli
from paperterm import cli, keymap, limits, locations, private
from paperterm.state import MarkerStore, NoteError, StoreError, _disk_full

PRINCIPLES_ID = "00a8c78865f3"  # "The Principles of Deep Learning Theory", in every seed
A, B, C = "0000000000a1", "0000000000b2", "0000000000c3"


def export_doc(*markers: dict) -> dict:
    return {"format": "paperterm-markers", "version": 1, "markers": list(markers)}


def seeded_store() -> dict:
    """A store holding one starred, noted paper; returns its markers as they are."""
    with MarkerStore() as store:
        store.set_starred(A, "Kept", True)
        store.set_note(A, "Kept", "untouched")
        return store.all()


def stored_markers() -> dict:
    with MarkerStore() as store:
        return store.all()


def one_line_error(proc, *needles: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith("paperterm: ") and proc.stderr.count("\n") == 1, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


# -- hostile imports -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "[" * 100_000,
    '{"a":' * 100_000,
    '{"format": "paperterm-markers", "markers": [' + "[" * 100_000 + "]" * 100_000 + "]}",
], ids=["arrays", "objects", "inside-markers"])
def test_deeply_nested_import_is_one_line_and_changes_nothing(tmp_path, text):
    before = seeded_store()
    hostile = tmp_path / "deep.json"
    hostile.write_text(text)
    proc = run_cli("state", "import", str(hostile))
    one_line_error(proc, str(hostile))
    assert "nested too deeply" in proc.stderr or "not a paperterm marker export" in proc.stderr \
        or "marker 0" in proc.stderr
    assert stored_markers() == before


def test_huge_integer_in_import_is_one_line(tmp_path):
    bad = tmp_path / "int.json"
    bad.write_text('{"format": "paperterm-markers", "markers": [{"id": "%s", "read_at": %s}]}'
                   % (A, "9" * 5000))
    one_line_error(run_cli("state", "import", str(bad)), str(bad), "not JSON")


def test_import_failing_half_way_changes_no_marker(tmp_path):
    """Entries 0..2 are valid and would change markers; entry 3 is not: nothing is written."""
    before = seeded_store()
    doc = export_doc(
        {"id": A, "title": "Kept", "starred": False, "starred_at": 9e9, "note": None, "note_at": 9e9},
        {"id": B, "read": True, "read_at": 9e9},
        {"id": C, "note": "new", "note_at": 9e9},
        {"id": PRINCIPLES_ID, "read": "maybe", "read_at": 1.0},
    )
    bad = tmp_path / "half.json"
    bad.write_text(json.dumps(doc))
    one_line_error(run_cli("state", "import", str(bad)), str(bad), 'marker 3: "read"')
    assert stored_markers() == before


def test_import_that_fills_the_disk_half_way_changes_no_marker(tmp_path):
    """A write failing in the middle of the merge (here SQLITE_FULL) rolls the whole import back."""
    with MarkerStore(tmp_path / "s.sqlite3") as store:
        store.set_note(A, "Kept", "untouched")
        before = store.all()
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages + 3}")
        doc = export_doc(*[{"id": f"{i:012x}", "title": "T" * 200, "note": f"note {i} " * 50,
                            "note_at": 1.0} for i in range(0x1000, 0x1000 + 399)])
        with pytest.raises(StoreError) as err:
            store.import_data(doc)
        message = str(err.value)
        assert "disk full" in message and "nothing was" in message and "\n" not in message
        assert store.all() == before
        store._db.execute("PRAGMA max_page_count = 1073741823")
        assert store.import_data(doc) == 399  # and once there is room, it all goes in


@pytest.mark.parametrize("bad_id", ["zz../../etc", "../../etc/passwd", "0000000000A1", "00a8c788",
                                    "0000000000a1\n", "0000000000a1 ", ""])
def test_import_refuses_ids_that_are_not_paperterm_ids(tmp_path, bad_id):
    before = seeded_store()
    doc = export_doc({"id": B, "read": True, "read_at": 5.0},
                     {"id": bad_id, "read": True, "read_at": 5.0})
    path = tmp_path / "ids.json"
    path.write_text(json.dumps(doc))
    proc = run_cli("state", "import", str(path))
    one_line_error(proc, str(path), "marker 1:", "is not a paperterm id")
    assert stored_markers() == before


@pytest.mark.parametrize("entry,problem", [
    ({"id": A, "note": "a\x00b", "note_at": 1.0}, 'marker 0: "note" contains a NUL byte'),
    ({"id": A, "note": "x" * (limits.MAX_NOTE_BYTES + 1), "note_at": 1.0},
     '"note" is 1 MiB; the limit is 1 MiB'),
    ({"id": A, "note": "\ud800", "note_at": 1.0}, 'marker 0: "note" is not valid text'),
    ({"id": A, "title": "\ud800", "read": True, "read_at": 1.0}, '"title" is not valid text'),
    ({"id": A, "title": ["x"], "read": True, "read_at": 1.0}, 'marker 0: "title" must be text'),
    ({"id": A, "title": "t\x00", "read": True, "read_at": 1.0}, '"title" contains a NUL byte'),
], ids=["nul-note", "huge-note", "surrogate-note", "surrogate-title", "list-title", "nul-title"])
def test_import_refuses_notes_and_titles_the_store_would_not_keep(entry, problem):
    with MarkerStore() as store:
        with pytest.raises(ValueError) as err:
            store.import_data(export_doc(entry))
        assert problem in str(err.value) and "\n" not in str(err.value)
        assert store.all() == {}


def test_import_larger_than_the_limit_is_refused_without_reading_it_all(monkeypatch, capsys):
    seeded_store()
    monkeypatch.setattr(cli, "MAX_IMPORT_BYTES", 4096)
    assert cli.main(["state", "import", "/dev/zero"]) == 1
    err = capsys.readouterr().err
    assert err == "paperterm: /dev/zero: marker export is larger than 4 KiB, the limit\n"


def test_import_limit_is_256_mib():
    assert limits.MAX_IMPORT_BYTES == 256 << 20 and cli.MAX_IMPORT_BYTES == limits.MAX_IMPORT_BYTES


# -- notes ---------------------------------------------------------------------------------------

def test_note_file_dev_zero_is_refused_quickly():
    proc = run_cli("mark", PRINCIPLES_ID, "--note-file", "/dev/zero")
    one_line_error(proc, "/dev/zero: note is larger than 1 MiB, the limit")
    assert stored_markers() == {}


def test_note_of_exactly_the_limit_is_kept_one_byte_more_is_refused(tmp_path):
    exact = tmp_path / "exact.txt"
    exact.write_text("é" * (limits.MAX_NOTE_BYTES // 2), encoding="utf-8")
    assert run_cli("mark", PRINCIPLES_ID, "--note-file", str(exact)).returncode == 0
    assert stored_markers()[PRINCIPLES_ID].note == exact.read_text(encoding="utf-8")
    over = tmp_path / "over.txt"
    over.write_text("x" * (limits.MAX_NOTE_BYTES + 1))
    one_line_error(run_cli("mark", PRINCIPLES_ID, "--note-file", str(over)),
                   f"{over}: note is larger than 1 MiB")
    assert stored_markers()[PRINCIPLES_ID].note == exact.read_text(encoding="utf-8")


def test_note_from_stdin_is_bounded_too():
    proc = run_cli("mark", PRINCIPLES_ID, "--note-file", "-",
                   input="y" * (limits.MAX_NOTE_BYTES + 10))
    one_line_error(proc, "-: note is larger than 1 MiB")


def test_nul_byte_in_a_note_is_refused(tmp_path):
    """Decision: a note is text; a NUL byte means a binary file was given, so it is refused
    (everywhere: the CLI, the store API the reader uses, and imports)."""
    binary = tmp_path / "note.bin"
    binary.write_bytes(b"looks like text\x00then not")
    one_line_error(run_cli("mark", PRINCIPLES_ID, "--note-file", str(binary)),
                   f"{binary}: note contains a NUL byte")
    with MarkerStore() as store:
        with pytest.raises(NoteError, match="NUL byte"):
            store.set_note(A, "T", "a\x00b")
        with pytest.raises(NoteError, match="not valid text"):
            store.set_note(A, "T", "lone \udc80 surrogate")
        with pytest.raises(NoteError, match="the limit is 1 MiB"):
            store.set_note(A, "T", "z" * (limits.MAX_NOTE_BYTES + 1))
        assert store.all() == {}
        assert isinstance(NoteError("x"), StoreError)  # reported wherever store errors are


# -- keymap --------------------------------------------------------------------------------------

def test_keymap_larger_than_its_limit_is_one_line():
    path = keymap.keymap_path()
    private.ensure_private_dir(path.parent)
    path.write_text('"paperterm.star" = "x"\n' + "#" * limits.MAX_KEYMAP_BYTES)
    with pytest.raises(keymap.KeymapError) as err:
        keymap.load_keymap()
    assert str(err.value) == f"{path}: keymap file is larger than 64 KiB, the limit"
    proc = run_cli("--version")  # the CLI reports it as one line before the reader starts
    assert proc.returncode == 0


def test_keymap_nested_too_deeply_is_one_line(tmp_path):
    path = tmp_path / "keymap.toml"
    path.write_text("a = " + "[" * 30_000)
    with pytest.raises(keymap.KeymapError) as err:
        keymap.load_keymap(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)


def test_keymap_from_dev_zero_is_refused(tmp_path):
    with pytest.raises(keymap.KeymapError, match="larger than 64 KiB"):
        keymap.load_keymap(Path("/dev/zero"))


# -- private files -------------------------------------------------------------------------------

def all_under(root: Path) -> tuple[list[Path], list[Path]]:
    dirs, files = [root], []
    for path in root.rglob("*"):
        (dirs if path.is_dir() else files).append(path)
    return dirs, files


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_data_and_cache_files_are_private(isolated_dirs, umask_022):
    assert run_cli("mark", PRINCIPLES_ID, "--star", "--note", "secret").returncode == 0
    assert run_cli("search", "deep learning").returncode == 0  # writes the cache
    sync_dir = isolated_dirs / "shared-sync"
    proc = run_cli("sync", str(sync_dir))  # creates the sync folder, a log and sync.toml
    assert proc.returncode == 0, proc.stderr
    data, cache = locations.data_dir(), locations.cache_dir()
    assert mode(data) == 0o700 and mode(locations.state_path()) == 0o600
    for root in (data, cache, locations.config_dir(), sync_dir):
        dirs, files = all_under(root)
        assert files, root
        assert {p: mode(p) for p in dirs} == {p: 0o700 for p in dirs}
        assert {p: mode(p) for p in files} == {p: 0o600 for p in files}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_wal_and_shm_files_are_private_while_open(tmp_path, umask_022):
    os.chmod(tmp_path, 0o755)
    path = tmp_path / "new" / "deeper" / "state.sqlite3"
    with MarkerStore(path) as store:
        store.set_note(A, "T", "secret")
        files = sorted(p.name for p in path.parent.iterdir())
        assert files == ["state.sqlite3", "state.sqlite3-shm", "state.sqlite3-wal"]
        assert {n: mode(path.parent / n) for n in files} == {n: 0o600 for n in files}
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == 0o755  # folders that already existed are left alone


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_store_made_readable_by_an_older_version_is_tightened(tmp_path, umask_022):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "state.sqlite3"
    with MarkerStore(path) as store:
        store.set_note(A, "T", "secret")
    os.chmod(path, 0o644)
    with MarkerStore(path) as store:
        assert store.get(A).note == "secret"
        assert mode(path) == 0o600
    assert mode(folder) == 0o755  # an existing folder is the user's choice


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_private_helpers(tmp_path, umask_022):
    made = private.ensure_private_dir(tmp_path / "a" / "b")
    assert mode(made) == 0o700 and mode(made.parent) == 0o700
    assert private.create_private_file(made / "f") and mode(made / "f") == 0o600
    assert not private.create_private_file(made / "f")
    assert private.is_private(made / "f")
    os.chmod(made, 0o777)
    assert not private.is_private(made / "f")  # others could have put it there
    os.chmod(made, 0o700)
    os.chmod(made / "f", 0o666)
    assert not private.is_private(made / "f")
    os.symlink(made / "f", made / "link")
    assert not private.is_private(made / "link")
    os.chmod(made / "f", 0o600)
    fd = os.open(made / "f", os.O_RDONLY | os.O_NOFOLLOW)
    try:
        assert private.is_private_fd(fd, made)
        os.chmod(made, 0o770)  # a folder others may write to: they could have swapped the file
        assert not private.is_private_fd(fd, made)
        os.chmod(made, 0o700)
        os.chmod(made / "f", 0o620)
        assert not private.is_private_fd(fd, made)
    finally:
        os.close(fd)


# -- a million markers cost nothing when six papers are shown -----------------------------------

def test_markers_for_reads_only_the_papers_asked_for(tmp_path):
    with MarkerStore(tmp_path / "s.sqlite3") as store:
        for i in range(50):
            store.set_read(f"{i:012x}", f"T{i}", True)
        got = store.markers_for([f"{i:012x}" for i in (3, 7, 49)] + ["ffffffffffff", "x'); --"])
        assert sorted(got) == ["000000000003", "000000000007", "000000000031"]
        assert got["000000000007"] == store.get("000000000007")
        assert store.markers_for([]) == {}
        # few ids in a larger store: looked up; many ids: one scan. The same answer either way.
        many = [f"{i:012x}" for i in range(0, 200, 3)] + ["x'); --"]
        assert sorted(store.markers_for(many)) == [f"{i:012x}" for i in range(0, 50, 3)]
        assert store.markers_for({"000000000003": 0}) == {"000000000003": store.get("000000000003")}
        assert store.count() == 50
        assert [m.paper_id for m in store.with_prefix("00000000003")] == \
            ["000000000030", "000000000031"]
        assert [m.paper_id for m in store.with_prefix("000000000031")] == ["000000000031"]
        assert store.with_prefix("1") == [] and store.with_prefix("") == []


def test_list_shows_markers_when_the_store_holds_many_others(tmp_path):
    with MarkerStore() as store:
        store.set_starred(PRINCIPLES_ID, "The Principles of Deep Learning Theory", True)
        store._db.execute("BEGIN")
        store._db.executemany("INSERT INTO markers (paper_id, read, read_at, updated) "
                              "VALUES (?, 1, 1.0, 1.0)",
                              ((f"{i:012x}",) for i in range(1, 20_000)))
        store._db.execute("COMMIT")
    proc = run_cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert [r["id"] for r in records if r["starred"]] == [PRINCIPLES_ID]
    assert not any(r["read"] for r in records)
    proc = run_cli("list", "--json", "-q", "is:starred")
    assert [r["id"] for r in json.loads(proc.stdout)] == [PRINCIPLES_ID]


# -- a full disk ---------------------------------------------------------------------------------

def test_sqlite_full_is_reported_as_disk_full(tmp_path):
    with MarkerStore(tmp_path / "s.sqlite3") as store:
        store.set_read(A, "T", True)
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError) as err:
            store.set_note(B, "T", "n" * 200_000)
        assert str(err.value) == (f"{tmp_path / 's.sqlite3'}: cannot save marker "
                                  "(disk full; free some space and try again)")
        assert store.get(A).read and store.get(B) is None


def test_io_error_on_a_full_disk_is_reported_as_disk_full(tmp_path, monkeypatch):
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = 10 | (3 << 8)  # SQLITE_IOERR_WRITE
    assert not _disk_full(exc, tmp_path)

    class Full:
        f_bavail = 0

    monkeypatch.setattr(os, "statvfs", lambda path: Full())
    assert _disk_full(exc, tmp_path)
    other = sqlite3.OperationalError("database is locked")
    other.sqlite_errorcode = 5
    assert not _disk_full(other, tmp_path)


# -- opening a large store costs the same at any size ---------------------------------------------

@pytest.fixture
def structural_check_only(monkeypatch):
    """Every store counts as large: the open-time check is the structural one, not quick_check."""
    from paperterm import state

    monkeypatch.setattr(state, "FULL_CHECK_BYTES", 0)


def filled_store(path: Path, n: int = 3000) -> bytes:
    with MarkerStore(path) as store:
        store._db.execute("BEGIN")
        for i in range(n):
            store.set_note(f"{i:012x}", f"Title {i} " * 5, "note " * 20)
        store._db.execute("COMMIT")
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


@pytest.mark.parametrize("garbage", [
    b"this is not a database at all\n" * 100,
    b"SQLite format 3\x00" + b"\xff" * 4000,
    b"SQLite format 3\x00" + b"\x10\x00" + b"\x00" * 4000,
], ids=["text", "bad-page-size", "empty-header"])
def test_large_store_with_a_damaged_header_is_moved_aside(tmp_path, structural_check_only, garbage):
    db = tmp_path / "state.sqlite3"
    db.write_bytes(garbage)
    with MarkerStore(db) as store:
        assert store.recovered_from is not None and store.recovered_from.read_bytes() == garbage
        store.set_read(A, "T", True)
    with MarkerStore(db) as store:
        assert store.recovered_from is None and store.get(A).read


@pytest.mark.parametrize("keep", [0.5, 0.9, 4096 / 643072])
def test_large_truncated_store_is_moved_aside(tmp_path, structural_check_only, keep):
    db = tmp_path / "state.sqlite3"
    full = filled_store(db)
    cut = full[:max(1, int(len(full) * keep))]
    db.write_bytes(cut)
    with MarkerStore(db) as store:
        assert store.recovered_from is not None and store.recovered_from.read_bytes() == cut
        assert store.all() == {}


def test_large_store_damaged_inside_fails_as_one_line_and_keeps_the_file(
        tmp_path, structural_check_only, monkeypatch):
    db = tmp_path / "state.sqlite3"
    full = bytearray(filled_store(db))
    page = int.from_bytes(full[16:18], "big")
    middle = (len(full) // page // 2) * page
    full[middle:middle + page] = b"\xa5" * page  # one page in the middle of the marker table
    db.write_bytes(bytes(full))
    with MarkerStore(db) as store:  # the open-time check does not read every page
        assert store.recovered_from is None
        with pytest.raises(StoreError) as err:
            store.all()
        assert "\n" not in str(err.value) and str(db) in str(err.value)
        assert "malformed" in str(err.value) or "corrupt" in str(err.value)
    assert db.read_bytes() == bytes(full)  # nothing deleted or rewritten
    from paperterm import state

    monkeypatch.setattr(state, "FULL_CHECK_BYTES", 1 << 40)  # a full check at the next open finds it and moves it aside
    with MarkerStore(db) as store:
        assert store.recovered_from is not None and store.recovered_from.read_bytes() == full


def test_large_store_is_opened_without_reading_every_page(tmp_path, monkeypatch):
    """The real threshold: a store above it is not quick_checked at open."""
    from paperterm import state

    db = tmp_path / "state.sqlite3"
    filled_store(db, 200)
    statements: list[str] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(state, "FULL_CHECK_BYTES", db.stat().st_size - 1)
    MarkerStore(db).close()
    assert not any("quick_check" in s for s in statements), statements
    monkeypatch.setattr(state, "FULL_CHECK_BYTES", db.stat().st_size)
    statements.clear()
    MarkerStore(db).close()
    assert any("quick_check" in s for s in statements)


# -- the reader's note editor --------------------------------------------------------------------

@pytest.mark.parametrize("bad,problem", [
    ("x" * 11, "the note is 11 bytes; the limit is 10 bytes"),
    ("a\x00b", "the note contains a NUL byte"),
], ids=["too-large", "nul"])
async def test_note_editor_keeps_a_note_the_store_would_refuse_open(monkeypatch, bad, problem):
    from textual.widgets import TextArea

    from paperterm.tui.app import create_app
    from paperterm.tui.screens import note_editor
    from paperterm.tui.screens.note_editor import NoteEditor

    monkeypatch.setattr(note_editor, "MAX_NOTE_BYTES", 10)
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        paper = app.library.papers[app.main_screen.paper_list.cursor_pos]
        await pilot.press("n")
        area = app.screen.query_one("#note-text", TextArea)
        area.text = bad
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor) and area.text == bad  # nothing lost
        assert any(problem in str(n.message) for n in app._notifications)
        assert stored_markers() == {}
        area.text = "short"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        assert stored_markers()[paper.id].note == "short"


# -- sync logs and settings (read from a shared folder: as hostile as an import) -----------------

def test_sync_log_nested_too_deeply_is_a_problem_not_a_traceback(tmp_path):
    from paperterm import sync

    deep_header = tmp_path / "deep-header.log"
    deep_header.write_text("[" * 100_000 + "\n")
    assert "not a paperterm sync log" in sync.read_log(deep_header).problem
    huge_int = tmp_path / "huge-int.log"
    huge_int.write_text('{"format": %s}\n' % ("9" * 5000))
    assert "not a paperterm sync log" in sync.read_log(huge_int).problem
    assert sync.parse_clock("[" * 100_000) is None
    with pytest.raises(ValueError, match="nested too deeply"):
        sync.parse_change("[" * 100_000, "machine-1")


def test_sync_settings_file_bounded_and_not_too_deep():
    from paperterm import sync

    path = sync.config_path()
    private.ensure_private_dir(path.parent)
    path.write_text("dir = " + "[" * 30_000)
    with pytest.raises(sync.SyncError, match="nested too deeply|not valid TOML"):
        sync.remembered_dir()
    path.write_text('dir = "/x"\n' + "#" * limits.MAX_CONFIG_BYTES)
    with pytest.raises(sync.SyncError, match="larger than 64 KiB"):
        sync.remembered_dir()
