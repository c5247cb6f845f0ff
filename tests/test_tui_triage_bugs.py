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


# -- two windows on one store (bug 1) ---------------------------------------------------------------

async def test_changes_from_another_window_show_up_without_restarting():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        paper = current(app)
        with stored() as other:                                # window B
            other.set_starred(paper.id, paper.title, True)
            other.set_note(paper.id, paper.title, "Written in window B")
        await pilot.pause(1.5)                                 # the reader's periodic check
        text = screen_text(app)
        assert "starred 1" in text and "noted 1" in text
        assert "Written in window B" in text                   # detail pane
        assert paper.id in {app.library.papers[p].id
                            for p in app.main_screen.triage.marks.starred}


async def test_focus_regained_checks_at_once():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        paper = current(app)
        with stored() as other:
            other.set_read(paper.id, paper.title, True)
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert "unread 162" in screen_text(app)


async def test_note_editor_opens_on_the_note_another_window_saved():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        paper = current(app)
        with stored() as other:
            other.set_note(paper.id, paper.title, "B's note")
        await pilot.press("n")                                 # at once, before any timer
        await pilot.pause()
        assert app.screen.query_one("#note-text").text == "B's note"
        await pilot.press(*" and A's", "ctrl+s")
        await pilot.pause()
    with stored() as store:
        assert store.get(paper.id).note == "B's note and A's"


async def test_saving_over_a_note_changed_meanwhile_keeps_both_texts():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        paper = current(app)
        with stored() as other:
            other.set_note(paper.id, paper.title, "first")
        await pilot.press("n")
        await pilot.pause()
        with stored() as other:                                # B saves while A edits
            other.set_note(paper.id, paper.title, "B rewrote it")
        await pilot.press(*" plus A", "ctrl+s")
        await pilot.pause()
        assert any("another window" in n for n in notifications(app))
        with stored() as store:
            note = store.get(paper.id).note
        assert "first plus A" in note and "B rewrote it" in note
        assert note.index("first plus A") < note.index("B rewrote it")
        await pilot.press("u")                                 # undo brings B's text back
        await pilot.pause()
    with stored() as store:
        assert store.get(paper.id).note == "B rewrote it"


async def test_removing_a_note_changed_meanwhile_keeps_the_other_text():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        paper = current(app)
        with stored() as other:
            other.set_note(paper.id, paper.title, "old")
        await pilot.press("n")
        await pilot.pause()
        with stored() as other:
            other.set_note(paper.id, paper.title, "B's newer note")
        await pilot.press("ctrl+a")
        app.screen.query_one("#note-text").clear()
        await pilot.press("ctrl+s")
        await pilot.pause()
    with stored() as store:
        assert store.get(paper.id).note == "B's newer note"


# -- tiny terminals (bug 5) -----------------------------------------------------------------------

async def test_tiny_terminal_shows_one_pane_at_a_time_and_tab_switches():
    app = create_app()
    async with app.run_test(size=(40, 12), notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        plist, detail = screen.paper_list, screen.detail
        assert screen.single_pane
        assert plist.region.width >= 38 and not detail.region.area    # the list, full width
        await pilot.press("tab")
        await pilot.pause()
        assert detail.has_focus and detail.region.width >= 38 and not plist.region.area
        assert current(app).title[:20] in screen_text(app)
        await pilot.press("s")                                      # keys still act on it
        await pilot.press("tab")
        await pilot.pause()
        assert plist.has_focus and plist.region.width >= 38 and not detail.region.area
    with stored() as store:
        assert any(m.starred for m in store.all().values())


async def test_wide_terminal_keeps_both_panes():
    app = create_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        assert not screen.single_pane
        assert screen.paper_list.region.area and screen.detail.region.area


async def test_detail_at_50_columns_wraps_titles_between_words():
    app = create_app()
    async with app.run_test(size=(50, 20), notifications=True) as pilot:
        await pilot.press("tab")
        await pilot.pause()
        title = " ".join(current(app).title.split())
        lines = [strip.text.strip() for strip in app.main_screen.detail.drawn_lines()]
        shown = []
        while len(" ".join(shown)) < len(title):
            shown.append(lines[len(shown)])
        assert len(shown) > 1 and " ".join(shown) == title     # broken only at spaces


async def test_help_and_export_fit_a_tiny_terminal():
    app = create_app()
    async with app.run_test(size=(40, 12), notifications=True) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Next paper" in text and "…" not in text             # one column, nothing cut
        await pilot.press("escape", "s", "e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        path_input = dialog.query_one("#export-path")
        assert path_input.region.area and path_input.region.bottom <= 12
        assert "paperterm-starred.md" in screen_text(app)


# -- the small ones (bug 8) -----------------------------------------------------------------------

async def palette_entries(app, pilot) -> list[tuple[str, str]]:
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause(0.5)
    options = app.screen.query_one(CommandList)
    entries = []
    for i in range(options.option_count):
        title, _, help_text = str(options.get_option_at_index(i).prompt).partition("\n")
        entries.append((title, help_text))
    return entries


async def test_palette_lists_each_action_once_ours_first():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        entries = await palette_entries(app, pilot)
    titles = [title for title, _ in entries]
    assert titles[0] == "Show this help"
    assert titles.index("Export the selection, else the starred papers") < titles.index("Theme")
    assert titles.index("Toggle star") < titles.index("Screenshot")
    assert len(titles) == len(set(titles))
    for title, help_text in entries[:titles.index("Theme")]:
        assert title not in help_text                       # the action is not said twice
    assert ("Toggle star", "key: s") in entries


async def test_upvotes_column_shows_when_sorted_by_upvotes_at_80x24():
    from tui_helpers import list_lines

    app = create_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        while app.main_screen.sort != "upvotes":
            await pilot.press("o")
        await pilot.pause()
        top = app.library.papers[app.main_screen.paper_list.rows[0]]
        assert f"▲{top.upvotes}" in list_lines(app)[0]


async def test_toasts_do_not_cover_the_status_line():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s")
        app.notify("A toast")
        await pilot.pause(0.5)
        status_line = app.main_screen.status_line
        toasts = list(app.main_screen.query("Toast"))
        assert toasts
        for toast in toasts:
            assert toast.region.bottom <= status_line.region.y
