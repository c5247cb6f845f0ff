"""The reader's background sync: on start (and every few minutes), in a worker; the status line
shows the last sync or its problem; markers merged from other machines appear without a restart."""

from __future__ import annotations

import asyncio

from tui_helpers import notifications, status, stored

from paperterm import cli, sync
from paperterm.state import MarkerStore
from paperterm.tui.app import SYNC_WORKER, create_app

SIZE = (160, 40)


async def _wait_for_sync(app, pilot, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.05)
        running = [w for w in app.workers if w.name == SYNC_WORKER]
        if not running and "sync" in status(app):
            return
        if not running and app.main_screen.sync_status[0]:
            return
    raise AssertionError("the background sync did not finish")


def _other_machine(tmp_path, folder, paper, note: str) -> None:
    other = MarkerStore(tmp_path / "other" / "state.sqlite3")
    other.set_setting(sync.MACHINE_SETTING, "workstation")
    other._set("starred", paper.id, paper.title, 1, at=1_790_000_000.0)
    other._set("note", paper.id, paper.title, note, at=1_790_000_001.0)
    sync.sync(other, folder)
    other.close()


async def test_reader_syncs_on_start_and_shows_merged_markers(tmp_path, monkeypatch,
                                                              seed_library):
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(folder))
    paper = seed_library.papers[0]
    _other_machine(tmp_path, folder, paper, "written on the workstation")
    with stored() as mine:
        mine.set_read(seed_library.papers[1].id, seed_library.papers[1].title)
    app = create_app(library=seed_library)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _wait_for_sync(app, pilot)
        assert "synced" in status(app)
        pos = app.main_screen.pos_of[paper.id]
        assert app.main_screen.triage.is_starred(pos)
        assert app.main_screen.triage.note(pos) == "written on the workstation"
        assert "starred 1" in status(app) and "noted 1" in status(app)
        # triage keeps working while syncs come and go; a later sync sends this change too
        await pilot.press("s")
        app.start_sync()
        await _wait_for_sync(app, pilot)
    mine_log = [p for p in folder.glob("*.jsonl") if p.name != "workstation.jsonl"]
    assert len(mine_log) == 1
    lines = mine_log[0].read_text().splitlines()
    assert len(lines) >= 3  # header, the read mark made before start, the star made in the reader


async def test_a_missing_folder_is_one_line_in_the_status(tmp_path, monkeypatch, seed_library):
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(tmp_path / "unplugged"))
    app = create_app(library=seed_library)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _wait_for_sync(app, pilot)
        assert app.main_screen.sync_status[1] is True
        assert "sync folder missing" in status(app)
        await pilot.press("j", "s")  # the reader works as ever
        assert "starred 1" in status(app)


async def test_no_folder_no_sync_status(seed_library):
    app = create_app(library=seed_library)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.3)
        assert app.main_screen.sync_status == ("", False)
        assert "sync" not in status(app)


async def test_note_conflict_is_announced(tmp_path, monkeypatch, seed_library):
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(folder))
    paper = seed_library.papers[0]
    with stored() as mine:
        mine.set_note(paper.id, paper.title, "my own words")
    _other_machine(tmp_path, folder, paper, "their words")
    app = create_app(library=seed_library)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _wait_for_sync(app, pilot)
        note = app.main_screen.triage.note(app.main_screen.pos_of[paper.id])
        assert "my own words" in note and "their words" in note
        assert "conflict copy from" in note
        assert any("edited on two machines" in n for n in notifications(app))
        assert "1 note conflict" in status(app)


def test_the_cli_reader_syncs_once_more_on_quit(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.setenv(sync.SYNC_DIR_ENV, str(folder))

    class QuitAtOnce:
        def __init__(self, store) -> None:
            self.store = store

        def run(self) -> None:  # the user stars a paper, then quits
            self.store.set_starred("0123456789ab", "Starred in the reader")

    import paperterm.tui.app as tui_app
    monkeypatch.setattr(tui_app, "create_app", lambda *args, **kw: QuitAtOnce(kw["store"]))
    assert cli.main([]) == 0
    logs = list(folder.glob("*.jsonl"))
    assert len(logs) == 1 and "0123456789ab" in logs[0].read_text()
