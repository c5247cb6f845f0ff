"""Bugs a new user hit in a morning of triage (issue 13), each driven through the real app."""

from __future__ import annotations

from textual import events
from tui_helpers import notifications, screen_text, stored

from paperterm.tui.app import create_app
from paperterm.tui.screens.export_dialog import ExportDialog
from paperterm.tui.screens.note_editor import NoteEditor

SIZE = (120, 40)


def current(app):
    return app.library.papers[app.main_screen.paper_list.cursor_pos]


def burst(app, *keys: str) -> None:
    """Queue ``keys`` all at once, as a slow SSH link delivers them (no pause in between)."""
    for key in keys:
        char = key if len(key) == 1 else (" " if key == "space" else None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_in_a_burst_before_ctrl_s_are_all_saved():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        typed = "Abstract is clear 0123456789 AB"
        burst(app, *[("space" if c == " " else c) for c in typed], "ctrl+s")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, NoteEditor)
    with stored() as store:
        assert store.get(paper.id).note == typed


async def test_export_path_typed_in_a_burst_before_ctrl_s_is_used(tmp_path):
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s", "e")
        await pilot.pause()
        path_input = app.screen.query_one("#export-path")
        path_input.value = str(tmp_path) + "/"
        path_input.cursor_position = len(path_input.value)
        burst(app, *"burst.md", "ctrl+s")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ExportDialog)
    assert (tmp_path / "burst.md").exists()


async def test_export_asks_before_overwriting_a_file(tmp_path):
    target = tmp_path / "reading.md"
    target.write_text("my precious list\n", encoding="utf-8")
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s", "e")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#export-path").value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)          # asked, did not write
        assert target.read_text(encoding="utf-8") == "my precious list\n"
        assert "exists" in str(dialog.query_one("#export-error").render())
        assert str(dialog.query_one("#export-ok").label) == "Overwrite"
        await pilot.press("ctrl+s")                          # confirmed: replaced
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)
    assert target.read_text(encoding="utf-8").startswith("# paperterm")


async def test_changing_the_path_asks_again_for_another_existing_file(tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("a\n", encoding="utf-8")
    second.write_text("b\n", encoding="utf-8")
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s", "e")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#export-path").value = str(first)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog.query_one("#export-path").value = str(second)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        assert first.read_text() == "a\n" and second.read_text() == "b\n"
