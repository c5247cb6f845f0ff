"""``paperterm sync``: the log format, the merge, the folder and the CLI, scenario by scenario
(the random three-machine runs are in test_sync_properties.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from paperterm import cli, sync
from paperterm.state import MarkerStore

T0 = 1_790_000_000.0
YEAR = 365 * 86400.0
PID = "0123456789ab"
OTHER = "abcdef012345"


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "shared"
    path.mkdir()
    return path


@pytest.fixture
def machines(tmp_path):
    stores = {}

    def make(name: str) -> MarkerStore:
        store = MarkerStore(tmp_path / name / "state.sqlite3")
        store.set_setting(sync.MACHINE_SETTING, name)
        stores[name] = store
        return store

    yield make
    for store in stores.values():
        store.close()


def test_two_machines_exchange_every_field(folder, machines):
    a, b = machines("laptop"), machines("desk")
    a._set("read", PID, "A paper", 1, at=T0)
    a._set("starred", PID, "A paper", 1, at=T0 + 1)
    a._set("note", PID, "A paper", "from the laptop", at=T0 + 2)
    sent = sync.sync(a, folder, now=T0 + 3)
    assert (sent.sent, sent.received) == (3, 0)
    got = sync.sync(b, folder, now=T0 + 4)
    assert got.received == 3 and got.changed == [PID]
    marker = b.get(PID)
    assert (marker.read, marker.starred, marker.note, marker.title) == \
        (True, True, "from the laptop", "A paper")
    assert (folder / "laptop.jsonl").exists() and (folder / "desk.jsonl").exists()
    # the desk changes one field; the laptop gets exactly that
    b._set("starred", PID, "A paper", 0, at=T0 + 10)
    sync.sync(b, folder, now=T0 + 11)
    back = sync.sync(a, folder, now=T0 + 12)
    assert back.received == 1
    assert (a.get(PID).read, a.get(PID).starred, a.get(PID).note) == (True, False,
                                                                       "from the laptop")


def test_sync_is_idempotent(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    for _ in range(2):
        sync.sync(a, folder, now=T0)
        sync.sync(b, folder, now=T0)
    lines = (folder / "a.jsonl").read_text().splitlines()
    again_a, again_b = sync.sync(a, folder, now=T0), sync.sync(b, folder, now=T0)
    assert (again_a.sent, again_a.received, again_b.sent, again_b.received) == (0, 0, 0, 0)
    assert (folder / "a.jsonl").read_text().splitlines() == lines
    assert len(lines) == 2  # header + one change


def test_each_machine_writes_only_its_own_log(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("note", PID, "", "x", at=T0)
    sync.sync(a, folder, now=T0)
    before = (folder / "a.jsonl").read_bytes()
    b._set("note", PID, "", "y", at=T0 + 5)
    sync.sync(b, folder, now=T0 + 6)
    assert (folder / "a.jsonl").read_bytes() == before
    header = json.loads((folder / "b.jsonl").read_text().splitlines()[0])
    assert header == {"format": "paperterm-sync", "version": 1, "machine": "b", "snapshot": 0}


def test_newest_change_wins_per_field_with_ties_by_machine_id(folder, machines):
    a, b = machines("aaa"), machines("bbb")
    a._set("read", PID, "", 1, at=T0 + 5)
    b._set("read", PID, "", 0, at=T0 + 1)     # older: loses
    a._set("starred", PID, "", 0, at=T0 + 7)
    b._set("starred", PID, "", 1, at=T0 + 7)  # same time: the greater machine id wins
    for s in (a, b, a):
        sync.sync(s, folder, now=T0 + 10)
    for s in (a, b):
        assert (s.get(PID).read, s.get(PID).starred) == (True, True)


def test_far_future_clock_cannot_freeze_a_field(folder, machines):
    good, bad = machines("good"), machines("bad")
    bad._set("starred", PID, "", 1, at=T0 + YEAR)  # a clock a year ahead
    result = sync.sync(bad, folder, now=T0 + YEAR)
    assert result.warnings == []  # its own clock looks right to itself
    seen = sync.sync(good, folder, now=T0 + 10)
    assert good.get(PID).starred is True
    assert any("ahead of this machine's clock" in w and "bad" in w for w in seen.warnings)
    # a minute later (real time) the good machine unstars: that change is newer, and wins
    good._set("starred", PID, "", 0, at=T0 + 60)
    sync.sync(good, folder, now=T0 + 61)
    sync.sync(bad, folder, now=T0 + YEAR + 62)
    assert bad.get(PID).starred is False and good.get(PID).starred is False
    # and the field is not stuck: the bad machine can star it again, and so on
    bad._set("starred", PID, "", 1, at=T0 + YEAR + 70)
    sync.sync(bad, folder, now=T0 + YEAR + 71)
    sync.sync(good, folder, now=T0 + 72)
    assert good.get(PID).starred is True


def test_a_far_future_time_does_not_spread_to_other_fields(folder, machines):
    good, bad = machines("good"), machines("bad")
    bad._set("starred", PID, "", 1, at=T0 + YEAR)
    sync.sync(bad, folder, now=T0 + YEAR)
    sync.sync(good, folder, now=T0)
    good._set("read", PID, "", 1, at=T0 + 30)
    sync.sync(good, folder, now=T0 + 31)
    line = json.loads((folder / "good.jsonl").read_text().splitlines()[-1])
    assert line["field"] == "read" and line["hlc"] == [int((T0 + 30) * 1000), 0]


def test_concurrent_note_edits_keep_a_conflict_copy(folder, machines):
    a, b = machines("laptop"), machines("desk")
    a._set("note", PID, "", "laptop text", at=T0)
    b._set("note", PID, "", "desk text", at=T0 + 1)
    sync.sync(a, folder, now=T0 + 2)
    result = sync.sync(b, folder, now=T0 + 3)
    sync.sync(a, folder, now=T0 + 4)
    assert result.conflicts == [PID]
    expected = ("desk text\n\n--- conflict copy from laptop, "
                f"{_utc(T0)} UTC ---\nlaptop text")
    assert a.get(PID).note == b.get(PID).note == expected
    # editing the note (the user resolves it) supersedes both: no conflict any more
    a._set("note", PID, "", "merged by hand", at=T0 + 10)
    sync.sync(a, folder, now=T0 + 11)
    again = sync.sync(b, folder, now=T0 + 12)
    assert again.conflicts == []
    assert b.get(PID).note == a.get(PID).note == "merged by hand"


def test_a_note_deleted_on_one_machine_and_edited_on_another_keeps_the_text(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("note", PID, "", "first", at=T0)
    sync.sync(a, folder, now=T0)
    sync.sync(b, folder, now=T0)
    a._set("note", PID, "", "first, edited", at=T0 + 5)
    b._set("note", PID, "", None, at=T0 + 6)  # deleted later, without seeing the edit
    for s in (a, b, a):
        sync.sync(s, folder, now=T0 + 7)
    assert a.get(PID).note == b.get(PID).note
    assert "first, edited" in a.get(PID).note and "conflict copy from a" in a.get(PID).note


def test_a_sequential_note_edit_is_no_conflict(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("note", PID, "", "v1", at=T0)
    sync.sync(a, folder, now=T0)
    sync.sync(b, folder, now=T0)
    b._set("note", PID, "", "v2", at=T0 + 5)
    sync.sync(b, folder, now=T0 + 5)
    result = sync.sync(a, folder, now=T0 + 6)
    assert result.conflicts == [] and a.get(PID).note == "v2"


def test_half_written_last_line_is_ignored_until_complete(folder, machines, tmp_path):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    a._set("note", PID, "", "complete later", at=T0 + 1)
    sync.sync(a, folder, now=T0 + 2)
    full = (folder / "a.jsonl").read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.jsonl").write_bytes(full[:-10])  # cut mid-line by a file-sync tool
    result = sync.sync(b, elsewhere, now=T0 + 3)
    assert result.problems == []
    assert b.get(PID).read is True and b.get(PID).note is None
    (elsewhere / "a.jsonl").write_bytes(full)
    sync.sync(b, elsewhere, now=T0 + 4)
    assert b.get(PID).note == "complete later"


def test_own_log_cut_mid_line_is_repaired_before_appending(folder, machines):
    a = machines("a")
    a._set("read", PID, "", 1, at=T0)
    sync.sync(a, folder, now=T0)
    with open(folder / "a.jsonl", "ab") as fh:
        fh.write(b'{"paper":"x","fie')  # an append interrupted by a crash
    a._set("starred", PID, "", 1, at=T0 + 1)
    sync.sync(a, folder, now=T0 + 1)
    log = sync.read_log(folder / "a.jsonl")
    assert log.problem is None
    assert [(c.field, c.value) for c in log.changes] == [("read", 1), ("starred", 1)]


def test_duplicated_lines_and_conflicted_copies_count_once(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("note", PID, "", "only once", at=T0)
    sync.sync(a, folder, now=T0)
    data = (folder / "a.jsonl").read_text()
    lines = data.splitlines()
    (folder / "a.jsonl").write_text("\n".join(lines + lines[1:]) + "\n")
    (folder / "a.sync-conflict-20261203-000000-ABC.jsonl").write_text(data)
    (folder / "a (conflicted copy).jsonl").write_text(data)
    result = sync.sync(b, folder, now=T0 + 1)
    assert result.conflicts == [] and result.problems == []
    assert b.get(PID).note == "only once"


def test_an_unreadable_log_is_reported_in_one_line_and_the_rest_syncs(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    sync.sync(a, folder, now=T0)
    (folder / "junk.jsonl").write_text("this is not a log\n")
    with open(folder / "a.jsonl", "a") as fh:
        fh.write("{broken json\n")
    result = sync.sync(b, folder, now=T0)
    assert b.get(PID).read is True
    assert len(result.problems) == 2
    assert all("\n" not in p for p in result.problems)
    assert any(str(folder / "junk.jsonl") in p and "not a paperterm sync log" in p
               for p in result.problems)
    assert any("a.jsonl" in p and "line 3" in p for p in result.problems)


def test_a_log_without_read_permission_is_a_problem_not_a_crash(folder, machines, monkeypatch):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    sync.sync(a, folder, now=T0)
    (folder / "a.jsonl").chmod(0)
    if os.geteuid() == 0:  # root reads any file (as CI runs): the refusal is simulated
        real_read = Path.read_bytes

        def refuse(path):
            if path == folder / "a.jsonl":
                raise PermissionError(13, "Permission denied", str(path))
            return real_read(path)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    try:
        result = sync.sync(b, folder, now=T0)
    finally:
        (folder / "a.jsonl").chmod(0o644)
    assert result.problems == [f"{folder / 'a.jsonl'}: unreadable log (Permission denied)"]


def test_a_log_from_a_newer_paperterm_is_skipped(folder, machines):
    b = machines("b")
    (folder / "z.jsonl").write_text(json.dumps({"format": "paperterm-sync", "version": 99,
                                                "machine": "z"}) + "\n")
    result = sync.sync(b, folder, now=T0)
    assert "newer paperterm" in result.problems[0]


def test_fields_this_version_does_not_know_are_skipped_not_fatal(folder, machines):
    b = machines("b")
    header = {"format": "paperterm-sync", "version": 1, "machine": "z"}
    change = {"paper": PID, "field": "future_field", "value": "x", "hlc": [1, 0], "seen": {}}
    read = {"paper": PID, "field": "read", "value": True, "hlc": [2, 0], "seen": {}}
    (folder / "z.jsonl").write_text("\n".join(json.dumps(x) for x in (header, change, read))
                                    + "\n")
    result = sync.sync(b, folder, now=T0)
    assert result.problems == [] and b.get(PID).read is True


def test_missing_folder_is_one_line(tmp_path, machines):
    a = machines("a")
    with pytest.raises(sync.SyncError) as info:
        sync.sync(a, tmp_path / "not-there", now=T0)
    assert str(info.value) == f"{tmp_path / 'not-there'}: sync folder missing"


def test_compaction_keeps_the_newest_change_per_field(folder, machines, monkeypatch):
    monkeypatch.setattr(sync, "COMPACT_MIN_LINES", 10)
    a, b = machines("a"), machines("b")
    for n in range(30):
        a._set("read", PID, "", n % 2, at=T0 + n)
        a._set("note", OTHER, "", f"note {n}", at=T0 + n)
        result = sync.sync(a, folder, now=T0 + n)
    lines = (folder / "a.jsonl").read_text().splitlines()
    assert len(lines) <= 1 + 2 * 2 + 10
    assert json.loads(lines[0])["machine"] == "a"
    assert any(json.loads(lines[0]).get("snapshot") for _ in [0]) or result.compacted is False
    sync.sync(b, folder, now=T0 + 100)
    assert b.get(PID).read is True and b.get(OTHER).note == "note 29"
    # a machine that had read the long log before compaction agrees with one that did not
    c = machines("c")
    sync.sync(c, folder, now=T0 + 101)
    assert (c.get(PID).read, c.get(OTHER).note) == (True, "note 29")


def test_a_lost_own_log_is_written_again(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("note", PID, "", "keep me", at=T0)
    sync.sync(a, folder, now=T0)
    (folder / "a.jsonl").unlink()  # e.g. a git checkout of an older commit
    sync.sync(a, folder, now=T0 + 1)
    sync.sync(b, folder, now=T0 + 2)
    assert b.get(PID).note == "keep me"


def test_an_old_copy_of_a_log_never_takes_a_field_back(folder, machines, tmp_path):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    sync.sync(a, folder, now=T0)
    old = (folder / "a.jsonl").read_bytes()
    a._set("read", PID, "", 0, at=T0 + 5)
    sync.sync(a, folder, now=T0 + 5)
    sync.sync(b, folder, now=T0 + 6)
    assert b.get(PID).read is False
    (folder / "a.jsonl").write_bytes(old)  # the old version comes back
    sync.sync(b, folder, now=T0 + 7)
    assert b.get(PID).read is False


def test_state_export_import_seeds_a_new_machine_without_resending(folder, machines):
    a = machines("old")
    a._set("starred", PID, "Seeded", 1, at=T0)
    a._set("note", PID, "Seeded", "carried over", at=T0 + 1)
    sync.sync(a, folder, now=T0 + 2)
    new = machines("new")
    assert new.import_data(a.export_data()) == 2
    result = sync.sync(new, folder, now=T0 + 3)
    assert result.sent == 0 and result.conflicts == []
    assert (new.get(PID).starred, new.get(PID).note) == (True, "carried over")
    # the import also works without any sync having happened: its changes are then sent
    fresh, third = machines("fresh"), machines("third")
    fresh.import_data(a.export_data())
    other = folder.parent / "other"
    other.mkdir()
    assert sync.sync(fresh, other, now=T0 + 4).sent == 2
    sync.sync(third, other, now=T0 + 5)
    assert third.get(PID).note == "carried over"


def test_a_change_made_during_a_sync_is_not_overwritten(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    sync.sync(a, folder, now=T0)
    b._set("read", PID, "", 0, at=T0 - 50)
    rows = list(b.sync_rows())
    at = rows[0][4]
    # the reader changes the field after the sync read the store but before it writes
    b._set("read", PID, "", 0, at=T0 + 100)
    changed = b.apply_synced([(PID, "", "read", True, 1, T0, "{}", at)])
    assert changed == [] and b.get(PID).read is False
    sync.sync(b, folder, now=T0 + 101)
    sync.sync(a, folder, now=T0 + 102)
    assert a.get(PID).read is False and b.get(PID).read is False


def test_machine_id_is_made_once_and_is_a_file_name(machines, tmp_path):
    store = MarkerStore(tmp_path / "x" / "state.sqlite3")
    try:
        first = sync.machine_id(store)
        assert first == sync.machine_id(store)
        assert "/" not in first and first == first.strip() and len(first) <= 64
    finally:
        store.close()


# -- the command line ---------------------------------------------------------------------------

def test_cli_sync_remembers_the_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(sync.SYNC_DIR_ENV, raising=False)
    shared = tmp_path / "Sync" / "paperterm"
    (tmp_path / "Sync").mkdir()
    assert cli.main(["sync"]) == 2
    assert "no sync folder set" in capsys.readouterr().err
    assert cli.main(["mark", "2511", "--star"]) in (0, 1)
    capsys.readouterr()
    assert cli.main(["sync", str(shared)]) == 0  # created: its parent exists
    err = capsys.readouterr().err
    assert err.startswith("paperterm: synced with 0 other machines through")
    assert sync.remembered_dir() == shared
    assert len(list(shared.glob("*.jsonl"))) == 1
    assert cli.main(["sync"]) == 0
    assert "sent 0 changes" in capsys.readouterr().err


def test_cli_sync_env_overrides_the_remembered_folder(tmp_path, capsys, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert cli.main(["sync", str(one)]) == 0
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(two))
    assert cli.main(["sync"]) == 0
    assert list(two.glob("*.jsonl")) and str(two) in capsys.readouterr().err


def test_cli_sync_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(tmp_path / "unplugged-drive"))
    assert cli.main(["sync"]) == 1
    err = capsys.readouterr().err
    assert err == f"paperterm: {tmp_path / 'unplugged-drive'}: sync folder missing\n"
    assert not (tmp_path / "unplugged-drive").exists()  # a remembered folder is never made
    assert cli.main(["sync", str(tmp_path / "no" / "such" / "dir")]) == 1
    assert "sync folder missing" in capsys.readouterr().err
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(tmp_path))
    (tmp_path / "junk.jsonl").write_text("garbage\n")
    assert cli.main(["sync"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"paperterm: {tmp_path / 'junk.jsonl'}: unreadable log (not a paperterm " \
                       "sync log)"
    assert "Traceback" not in "\n".join(lines)


def test_cli_bad_config_file_is_one_line(capsys, monkeypatch):
    monkeypatch.delenv(sync.SYNC_DIR_ENV, raising=False)
    sync.config_path().parent.mkdir(parents=True, exist_ok=True)
    sync.config_path().write_text("dir = [broken")
    assert cli.main(["sync"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"paperterm: {sync.config_path()}: not valid TOML") and \
        err.count("\n") == 1


def test_cli_reports_note_conflicts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(tmp_path))
    other = MarkerStore(tmp_path / "other-data" / "state.sqlite3")
    other.set_setting(sync.MACHINE_SETTING, "other")
    other._set("note", "0a1b2c3d4e5f", "", "theirs", at=T0)
    sync.sync(other, tmp_path, now=T0)
    other.close()
    with MarkerStore() as mine:
        mine._set("note", "0a1b2c3d4e5f", "", "mine", at=T0 + 1)
    assert cli.main(["sync"]) == 0
    err = capsys.readouterr().err
    assert "1 note conflict kept as conflict copies" in err
    assert "0a1b2c3d4e5f: note edited on two machines; both texts kept" in err


def _utc(t: float) -> str:
    import time
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t))


def test_an_idle_sync_reads_no_log(folder, machines, monkeypatch):
    a, b = machines("a"), machines("b")
    a._set("read", PID, "", 1, at=T0)
    sync.sync(a, folder, now=T0)
    sync.sync(b, folder, now=T0)
    real_read = sync.read_log
    reads = []
    monkeypatch.setattr(sync, "read_log", lambda path: reads.append(path.name) or real_read(path))
    assert sync.sync(b, folder, now=T0 + 1).received == 0
    assert reads == []  # nothing changed anywhere: no log is read
    b._set("starred", PID, "", 1, at=T0 + 2)  # a change here: a full sync
    assert sync.sync(b, folder, now=T0 + 2).sent == 1 and reads
    reads.clear()
    a._set("note", PID, "", "new", at=T0 + 3)
    sync.sync(a, folder, now=T0 + 3)  # a log changed: a full sync
    assert sync.sync(b, folder, now=T0 + 4).received == 1 and b.get(PID).note == "new"
    assert sorted(set(reads)) == ["a.jsonl", "b.jsonl"]


# -- tags (a field like the others; see also tests/test_tags.py) ------------------------------

def test_tags_converge_between_machines(folder, machines):
    a, b = machines("laptop"), machines("desk")
    a._set("tags", PID, "A paper", "llm to-read", at=T0)
    assert sync.sync(a, folder, now=T0 + 1).sent == 1
    got = sync.sync(b, folder, now=T0 + 2)
    assert got.received == 1 and b.get(PID).tags == ("llm", "to-read")
    # the desk, having seen them, removes one: the laptop gets exactly that
    b._set("tags", PID, "A paper", "llm", at=T0 + 10)
    sync.sync(b, folder, now=T0 + 11)
    sync.sync(a, folder, now=T0 + 12)
    assert a.get(PID).tags == ("llm",)
    # and removing the last tag travels too
    a._set("tags", PID, "A paper", None, at=T0 + 20)
    sync.sync(a, folder, now=T0 + 21)
    sync.sync(b, folder, now=T0 + 22)
    assert b.get(PID).tags == () and a.get(PID).tags == ()


def test_tags_added_on_two_machines_without_a_sync_are_both_kept(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("tags", PID, "T", "shared", at=T0)
    sync.sync(a, folder, now=T0)
    sync.sync(b, folder, now=T0)
    a._set("tags", PID, "T", "from-a shared", at=T0 + 10)  # neither saw the other's change
    b._set("tags", PID, "T", "from-b shared", at=T0 + 20)
    for store in (a, b, a, b):
        sync.sync(store, folder, now=T0 + 30)
    assert a.get(PID).tags == b.get(PID).tags == ("from-a", "from-b", "shared")
    # an edit made after the merge supersedes both heads: removing a tag then sticks
    a.change_tags(PID, "T", remove=["from-b"])
    for store in (a, b, a, b):
        sync.sync(store, folder, now=T0 + 40)
    assert a.get(PID).tags == b.get(PID).tags == ("from-a", "shared")


def test_a_log_line_with_bad_tags_is_skipped_and_reported(folder, machines):
    a, b = machines("a"), machines("b")
    a._set("tags", PID, "T", "good", at=T0)
    sync.sync(a, folder, now=T0)
    with open(folder / "a.jsonl", "a") as fh:
        fh.write(json.dumps({"paper": OTHER, "field": "tags", "value": "=evil() \x1b[31m",
                             "hlc": [int(T0 * 1000) + 5, 0], "seen": {}, "title": "x"}) + "\n")
    result = sync.sync(b, folder, now=T0 + 1)
    assert b.get(PID).tags == ("good",) and b.get(OTHER) is None
    assert len(result.problems) == 1 and "line 3" in result.problems[0]
