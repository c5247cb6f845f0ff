"""Every key of the issue's table, driven through the real app (``create_app`` over the seeds,
``PAPERTERM_DATA_DIR`` in a temporary directory), asserting on what the marker store holds
afterwards (read with a fresh ``MarkerStore``, as another paperterm would) and on the screen."""

from __future__ import annotations

import pytest
from tui_helpers import (list_lines, notifications, screen_text, searched, status, stored,
                         synthetic_library)

from paperterm.tui import main_screen as main_screen_module
from paperterm.tui.app import create_app
from paperterm.tui.paper_list import NOTE_MARK, STAR_MARK, UNREAD_MARK
from paperterm.tui.screens.export_dialog import ExportDialog
from paperterm.tui.screens.help import HelpScreen
from paperterm.tui.screens.note_editor import NoteEditor

SIZE = (120, 40)


def current(app):
    """The paper under the list cursor."""
    return app.library.papers[app.main_screen.paper_list.cursor_pos]


def marker(paper):
    with stored() as store:
        return store.get(paper.id)


async def test_factory_opens_on_the_seeds_with_counts():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "All 163 · unread 163 · starred 0 · noted 0 · showing 163" in text
        assert "sorted by date (newest first)" in text
        newest = max(app.library.papers, key=lambda p: p.published or "")
        assert current(app).published == newest.published
        assert newest.title[:20] in list_lines(app)[0]
        assert app.main_screen.paper_list.has_focus
        # The detail pane shows the paper under the cursor, with its meta line.
        assert current(app).title in text
        assert "seen in" in text


async def test_movement_keys():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        plist = app.main_screen.paper_list
        await pilot.press("j", "j", "down")
        assert plist.cursor == 3
        await pilot.press("k", "up")
        assert plist.cursor == 1
        await pilot.press("G")
        assert plist.cursor == len(plist.rows) - 1
        await pilot.press("g")
        assert plist.cursor == 0
        await pilot.press("end")
        assert plist.cursor == 162
        await pilot.press("home")
        assert plist.cursor == 0
        page = plist.scrollable_content_region.height
        await pilot.press("pagedown")
        assert plist.cursor == page - 1
        await pilot.press("pagedown")
        assert plist.cursor == 2 * (page - 1)
        assert plist.scroll_y > 0                       # the cursor stays on screen
        await pilot.press("pageup")
        assert plist.cursor == page - 1
        await pilot.pause()
        # The detail pane follows the cursor.
        assert current(app).title in screen_text(app)
        assert app.main_screen.detail.paper is current(app)


async def test_viewing_does_not_mark_read():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("j", "j", "k")
        await pilot.pause()
    with stored() as store:
        assert not any(m.read for m in store.all().values())


async def test_space_marks_read_and_jumps_to_next_unread():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        plist = app.main_screen.paper_list
        first = current(app)
        await pilot.press("j")
        second = current(app)
        await pilot.press("r")                          # the second is read already
        await pilot.press("k", "space")
        assert marker(first).read
        assert plist.cursor == 2                        # skipped the read second paper
        assert marker(second).read
        await pilot.pause()
        assert "unread 161" in status(app)
        assert list_lines(app)[0].strip().startswith(first.title[:10])  # no unread dot any more
        assert UNREAD_MARK not in list_lines(app)[0][:4]


async def test_space_in_unread_view_moves_on():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("2")
        plist = app.main_screen.paper_list
        first = current(app)
        following = app.library.papers[plist.rows[1]]
        await pilot.press("space")
        assert marker(first).read
        assert current(app) is following
        assert first not in [app.library.papers[p] for p in plist.rows]


async def test_r_toggles_read():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("r")
        assert marker(paper).read is True
        assert UNREAD_MARK not in list_lines(app)[0][:4]
        await pilot.pause()
        assert "unread 162" in status(app)
        await pilot.press("r")
        assert marker(paper).read is False
        assert UNREAD_MARK in list_lines(app)[0][:4]


async def test_s_toggles_star_and_counts_update():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("s")
        assert marker(paper).starred is True
        assert STAR_MARK in list_lines(app)[0][:4]
        await pilot.pause()
        assert "starred 1" in status(app)
        assert f"{STAR_MARK} starred" in screen_text(app)   # the detail pane says so too
        await pilot.press("s")
        assert marker(paper).starred is False
        await pilot.pause()
        assert "starred 0" in status(app)


async def test_n_edits_note_ctrl_s_saves_escape_cancels_empty_removes():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"Read section 3", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        assert marker(paper).note == "Read section 3"
        assert NOTE_MARK in list_lines(app)[0][:4]
        # The detail pane holds the note (below the abstract, which fills the visible part; the
        # screen text used to catch the closing editor's last frame).
        assert "Read section 3" in app.main_screen.detail.text
        # Escape cancels: nothing written.
        await pilot.press("n", *" and 4", "escape")
        await pilot.pause()
        assert marker(paper).note == "Read section 3"
        # The editor opens on the current note; emptying it removes the note.
        await pilot.press("n")
        assert "Read section 3" in screen_text(app)
        await pilot.press(*["backspace"] * 20, "ctrl+s")  # the cursor starts at the end
        await pilot.pause()
        assert marker(paper).note is None
        assert NOTE_MARK not in list_lines(app)[0][:4]


async def test_u_undoes_several_levels_across_fields():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        a = current(app)
        await pilot.press("s", "n", *"note", "ctrl+s")
        await pilot.pause()
        await pilot.press("j")
        b = current(app)
        await pilot.press("r")
        assert marker(a).starred and marker(a).note == "note" and marker(b).read
        await pilot.press("u")
        assert not marker(b).read
        await pilot.press("u")
        assert marker(a).note is None and marker(a).starred
        assert current(app) is a                        # undo shows the paper it changed
        await pilot.press("u")
        assert not marker(a).starred
        await pilot.press("u")                          # nothing left: a message, no change
        await pilot.pause()
        assert "Nothing to undo" in screen_text(app)
        await pilot.pause()
        assert "starred 0" in status(app) and "unread 163" in status(app)


async def test_views_1_to_4():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        plist = app.main_screen.paper_list
        await pilot.press("s", "j", "r", "j", "n", *"x", "ctrl+s")
        await pilot.pause()
        papers = app.library.papers
        await pilot.press("3")
        assert [papers[p].id for p in plist.rows] == [papers[plist.rows[0]].id]
        assert marker(papers[plist.rows[0]]).starred
        await pilot.pause()
        assert "showing 1" in status(app) and "Starred · sorted by" in status(app)
        await pilot.press("4")
        assert len(plist.rows) == 1 and marker(papers[plist.rows[0]]).note == "x"
        await pilot.press("2")
        assert len(plist.rows) == 162
        assert all(not (marker(papers[p]) and marker(papers[p]).read) for p in plist.rows[:5])
        await pilot.press("1")
        assert len(plist.rows) == 163
        await pilot.pause()
        assert "showing 163" in status(app)


async def test_empty_view_shows_a_message():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert app.main_screen.paper_list.rows == []
        text = screen_text(app)
        assert "No starred papers yet" in text
        await pilot.press("s", "r", "space", "n", "y", "b")  # nothing selected: no crash, no write
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
    with stored() as store:
        assert store.all() == {}


async def test_o_cycles_sorts():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        papers = app.library.papers
        rows = lambda: [papers[p] for p in screen.paper_list.rows]  # noqa: E731
        dates = [p.published or "" for p in rows()]
        assert dates == sorted(dates, reverse=True)
        await pilot.press("o")
        listed = [(p.days[-1] if p.days else "", p.published or "") for p in rows()]
        assert screen.sort == "day" and listed == sorted(listed, reverse=True)
        await pilot.pause()
        assert "sorted by day listed" in status(app)
        await pilot.press("o")
        ups = [p.upvotes if p.upvotes is not None else -1 for p in rows()]
        assert screen.sort == "upvotes" and ups == sorted(ups, reverse=True)
        await pilot.press("o")
        titles = [p.title.casefold() for p in rows()]
        assert screen.sort == "title" and titles == sorted(titles)
        await pilot.press("o")
        seen = [len(p.sources) for p in rows()]
        assert screen.sort == "seen" and seen == sorted(seen, reverse=True)
        await pilot.pause()
        assert "sorted by listings seen" in status(app)
        await pilot.press("o")
        assert screen.sort == "comments"  # page-text listings give none: every row unknown
        await pilot.press("o")
        assert screen.sort == "stars"
        await pilot.press("o")
        assert screen.sort == "for-you"  # no stars yet: it says so (tests/test_tui_similar.py)
        await pilot.press("o")
        assert screen.sort == "date"


async def test_o_offers_relevance_while_searching():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"learning", "enter")
        await searched(app)
        await pilot.pause()
        assert screen.sort == "relevance"
        ranked = list(screen.paper_list.rows)
        await pilot.press("o")
        assert screen.sort == "date"
        assert sorted(ranked) == sorted(screen.paper_list.rows)   # same hits, other order
        await pilot.press("o", "o", "o", "o", "o", "o", "o", "o")
        assert screen.sort == "relevance"
        assert list(screen.paper_list.rows) == ranked
        await pilot.pause()
        assert "sorted by relevance" in status(app)


async def test_tab_moves_focus_and_jk_scroll_the_detail():
    app = create_app()
    async with app.run_test(size=(100, 20), notifications=True) as pilot:
        screen = app.main_screen
        await pilot.press("tab")
        assert screen.detail.has_focus
        cursor = screen.paper_list.cursor
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert screen.detail.scroll_y == 3
        assert screen.paper_list.cursor == cursor       # j scrolled the detail, not the list
        await pilot.press("k")
        await pilot.pause()
        assert screen.detail.scroll_y == 2
        await pilot.press("s")                          # triage keys still work from the detail
        assert marker(current(app)).starred
        await pilot.press("tab")
        assert screen.paper_list.has_focus


async def test_y_copies_title_and_the_papers_link():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("y")
        paper = current(app)
        assert app.clipboard == f"{paper.title}\n{paper.link}"
        assert paper.link.startswith("https://arxiv.org/search/?query=")  # the seeds have no ids


async def test_b_opens_the_papers_link(monkeypatch):
    monkeypatch.setattr(main_screen_module, "can_open_browser", lambda: True)
    app = create_app()
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        papers = app.library.papers
        without = next(i for i, p in enumerate(screen.paper_list.rows) if not papers[p].urls)
        screen.paper_list.move_cursor(without)
        await pilot.press("b")
        await pilot.pause()
        assert opened == [current(app).link]
        with_url = next(i for i, p in enumerate(screen.paper_list.rows) if papers[p].urls)
        screen.paper_list.move_cursor(with_url)
        await pilot.press("b")
        assert opened[-1] == current(app).link and len(opened) == 2


async def test_b_without_a_display_copies_instead_of_launching_a_text_browser(monkeypatch):
    monkeypatch.setattr(main_screen_module, "can_open_browser", lambda: False)
    app = create_app()
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("b")
        assert opened == [] and app.clipboard == current(app).link


async def test_brackets_step_through_listing_days(tmp_path):
    for day in ("2024-05-24", "2024-05-27"):
        (tmp_path / f"{day}.txt").write_text(
            f"Daily Papers\n\nShared {day[-2:]}\n\nAbstract.\n\n"
            f"Only on {day}\n\nAbstract.\n\n  • 1 author\n·\nMay 20\n", encoding="utf-8")
    (tmp_path / "2024-05-27.txt").write_text(
        (tmp_path / "2024-05-27.txt").read_text() + "\nOnly on 2024-05-24\n\nAgain.\n",
        encoding="utf-8")
    app = create_app([tmp_path])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        papers = app.library.papers
        titles = lambda: sorted(papers[p].title for p in screen.paper_list.rows)  # noqa: E731
        everything = titles()
        assert len(everything) == 4
        await pilot.press("right_square_bracket")          # ] with every day shown: stays
        assert screen.day is None and titles() == everything
        await pilot.press("left_square_bracket")           # [ : the newest day
        await pilot.pause()
        assert screen.day == "2024-05-27"
        assert titles() == ["Only on 2024-05-24", "Only on 2024-05-27", "Shared 27"]
        assert "day 2024-05-27 (1/2)" in status(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.day == "2024-05-24"
        assert titles() == ["Only on 2024-05-24", "Shared 24"]
        assert "day 2024-05-24 (2/2)" in status(app)
        await pilot.press("left_square_bracket")           # the oldest day: stays
        assert screen.day == "2024-05-24"
        # a search narrows within the day
        await pilot.press("slash", *"shared", "enter")
        await searched(app)
        await pilot.pause()
        assert titles() == ["Shared 24"]
        await pilot.press("right_square_bracket")
        await searched(app)
        await pilot.pause()
        assert screen.day == "2024-05-27" and titles() == ["Shared 27"]
        await pilot.press("right_square_bracket")          # past the newest: every paper again
        await pilot.pause()
        assert screen.day is None and titles() == ["Shared 24", "Shared 27"]
        assert "day " not in status(app)


async def test_date_column_hidden_when_no_shown_paper_has_a_date(tmp_path):
    (tmp_path / "plain.txt").write_text("Unplaced Notes\n\nAbstract.\n", encoding="utf-8")
    (tmp_path / "2024-05-27.txt").write_text(
        "Dated Paper\n\nAbstract.\n\n  • 1 author\n·\nMay 20\n", encoding="utf-8")
    app = create_app([tmp_path])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        await pilot.pause()
        assert screen.paper_list.show_dates
        assert any("2024-05-20" in line for line in list_lines(app))
        await pilot.press("slash", *"unplaced", "enter")
        await searched(app)
        await pilot.pause()
        assert not screen.paper_list.show_dates
        width = screen.paper_list.scrollable_content_region.width
        assert screen.paper_list._columns(width)[1] == 0   # no date column
        (line,) = [line for line in list_lines(app) if "Unplaced" in line]
        assert "Unplaced Notes" in line
        await pilot.press("slash", "escape")          # clear the search: dates again
        await pilot.pause()
        assert screen.paper_list.show_dates


async def test_e_exports_starred_papers(tmp_path):
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s", "j", "j", "s")
        starred = {app.library.papers[p].title for p in app.main_screen.triage.marks.starred}
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.pause()
        assert "Export 2 starred papers" in screen_text(app)
        dialog = app.screen
        path_input = dialog.query_one("#export-path")
        target = tmp_path / "out" / "reading.md"
        path_input.value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "out" in dialog.query_one("#export-error").render().plain or \
            isinstance(app.screen, ExportDialog)        # missing directory: error in the modal
        error_text = str(dialog.query_one("#export-error").render())
        assert str(tmp_path / "out") in error_text and "\n" not in error_text.strip()
        assert not target.exists()
        target.parent.mkdir()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)
        text = target.read_text(encoding="utf-8")
        assert all(title.split(":")[0][:15] in text for title in starred)
        assert any(str(target) in n for n in notifications(app))   # says where it wrote
        # Other formats, picked in the dialog; the default file name follows the format.
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        radios = list(dialog.query("RadioButton"))
        json_button = next(r for r in radios if r.name == "json")
        json_button.value = True
        await pilot.pause()
        assert dialog.query_one("#export-path").value == "paperterm-starred.json"
        # The cursor follows the new name: what is typed next goes at its end, whole.
        assert dialog.query_one("#export-path").cursor_position == len("paperterm-starred.json")
        dialog.query_one("#export-path").value = str(tmp_path)   # a directory: default name
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (tmp_path / "paperterm-starred.json").exists()
        await pilot.press("e", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)


async def test_e_with_nothing_starred_explains():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert "No starred papers yet" in screen_text(app)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ExportDialog)


async def test_question_mark_lists_every_key_from_the_bindings():
    from paperterm.tui import keys

    app = create_app()
    async with app.run_test(size=(160, 60), notifications=True) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for table in (keys.LIST_BINDINGS, keys.MAIN_BINDINGS, keys.DETAIL_BINDINGS,
                      keys.SEARCH_BINDINGS, keys.NOTE_BINDINGS, keys.EXPORT_BINDINGS):
            for binding, _ in keys.bound_keys(table):
                assert binding.tooltip[:30] in " ".join(text.split()), binding.tooltip
        assert "ctrl+p" in text and "Command palette" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_i_shows_binding_ids_for_the_keymap_file():
    from paperterm.tui import keys

    app = create_app()
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "paperterm.star" not in screen_text(app)
        await pilot.press("i")
        await pilot.pause()
        text = screen_text(app)
        line = next(ln for ln in text.splitlines() if "Toggle star" in ln)
        assert "paperterm.star" in line
        for binding, _ in keys.bound_keys(keys.MAIN_BINDINGS):
            assert binding.id in text


async def test_help_shows_remapped_keys_and_remapped_key_works():
    app = create_app(keymap={"paperterm.star": "w"})
    async with app.run_test(size=(160, 60), notifications=True) as pilot:
        await pilot.press("w")
        assert marker(current(app)).starred
        await pilot.press("s")                          # s is no longer star
        assert marker(current(app)).starred
        await pilot.press("question_mark")
        await pilot.pause()
        line = next(ln for ln in screen_text(app).splitlines() if "Toggle star" in ln)
        assert " w " in line and " s " not in line


async def test_ctrl_p_palette_offers_every_action():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Toggle star")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert marker(current(app)).starred
        titles = {c.title for c in app.get_system_commands(app.main_screen)}
        for wanted in ("Mark read, jump to the next unread", "Toggle read", "Toggle star",
                       "Edit the note", "Undo the last marker change", "View: all papers",
                       "View: unread papers", "View: starred papers", "View: papers with a note",
                       "Cycle sort: date, day listed, upvotes, title, seen, comments, code stars, "
                       "for you",
                       "Similar papers, and the words they share",
                       "Copy the title and the paper's link",
                       "Open the paper's page in the browser: Hugging Face, else an arXiv title search",
                       "Pick a link to open: arXiv, PDF, code, project page, ...",
                       "Previous listing day: only the papers listed that day",
                       "Next listing day; past the newest, all papers again",
                       "Export the selection, else the starred papers",
                       "Select or unselect the paper, then move down", "Clear the selection",
                       "Mark every paper shown read",
                       "Show this help", "Search titles and abstracts",
                       "Focus the list or the details", "Quit"):
            assert wanted in titles, wanted


async def test_q_quits_and_next_start_reopens_where_left_off():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s", "j", "s", "3", "o", "o", "o", "j")
        left_on = current(app)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running
    again = create_app()
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = again.main_screen
        assert screen.view == "starred" and screen.sort == "title"
        assert current(again).id == left_on.id
        assert "Starred · sorted by title" in status(again)


async def test_reopens_on_a_paper_far_down_the_list():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("G", "k", "k")
        left_on = current(app)
        await pilot.press("q")
    again = create_app()
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert current(again).id == left_on.id
        assert left_on.title[:20] in screen_text(again)   # scrolled into view


async def test_second_instance_sees_changes_at_once():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s")
        with stored() as other:                          # while the first app still runs
            assert other.get(current(app).id).starred


async def test_single_letter_keys_type_into_the_search_bar():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("slash")
        assert app.main_screen.search_input.has_focus
        await pilot.press(*"srnuyboeq1234G?", "space", "j", "k", "g")
        await pilot.pause()
        assert app.is_running and app.screen is app.main_screen
        assert app.main_screen.search_input.value == "srnuyboeq1234G? jkg"
        assert app.main_screen.view == "all"
    with stored() as store:
        assert store.all() == {}


async def test_single_letter_keys_type_into_the_note_editor():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("n", *"sqru1e?o", "ctrl+s")
        await pilot.pause()
        assert app.is_running
        m = marker(current(app))
        assert m.note == "sqru1e?o" and not m.starred and not m.read


async def test_quitting_mid_note_keeps_nothing_half_written():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("n", *"finished", "ctrl+s")
        await pilot.pause()
        await pilot.press("n", *" and half", "ctrl+q")
        await pilot.pause()
    assert not app.is_running
    assert marker(paper).note == "finished"


async def test_resize_to_tiny_and_back():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("j", "j")
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        screen_text(app)
        await pilot.press("j", "s", "G", "g")
        await pilot.resize_terminal(1, 1)
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        await pilot.press("escape", "n")
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert app.main_screen.paper_list.cursor == 0
        assert "All 163" in screen_text(app)
        assert current(app).title[:20] in list_lines(app)[0]


async def test_titles_with_markup_and_control_characters_display_literally():
    titles = {0: "[bold]Not bold[/bold] and [link=x]y[/] $x_1$", 1: "Tab\there\x1b[31m red"}
    lib = synthetic_library(3, titles=titles)
    app = create_app(library=lib)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("1")
        screen = app.main_screen
        screen.paper_list.move_cursor(screen.paper_list.index_of(0))
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]Not bold[/bold] and [link=x]y[/] $x_1$" in text   # in the detail pane
        assert "[bold]Not bold" in "".join(list_lines(app))
        assert "\x1b" not in "".join(list_lines(app))
        screen.paper_list.move_cursor(screen.paper_list.index_of(1))
        await pilot.pause()
        assert "Tab here␛[31m red" in screen_text(app)  # the escape shown, never sent


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_cursor_row_stands_out_in_dark_and_light_themes(theme):
    app = create_app(theme=theme)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        plist = app.main_screen.paper_list
        cursor_bg = plist.render_line(0)._segments[-1].style.bgcolor
        other_bg = plist.render_line(1)._segments[-1].style.bgcolor
        assert cursor_bg != other_bg
        fg = plist.render_line(0)._segments[5].style.color
        # Contrast between the cursor row's text and background stays readable (WCAG-ish >= 3).
        assert _contrast(fg.get_truecolor(), cursor_bg.get_truecolor()) >= 3.0


def _contrast(a, b) -> float:
    def lum(c):
        def ch(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red) + 0.7152 * ch(c.green) + 0.0722 * ch(c.blue)
    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


async def test_theme_choice_is_remembered():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-light"
        await pilot.pause()
    with stored() as store:
        assert store.get_setting("tui.theme") == "textual-light"
    again = create_app()
    assert again.theme == "textual-light"


async def test_a_store_failure_is_reported_not_a_crash(monkeypatch):
    from paperterm.state import StoreError

    app = create_app()

    def broken(*args, **kwargs):
        raise StoreError("/nowhere/state.sqlite3: cannot save marker (disk I/O error)")

    monkeypatch.setattr(app.store, "set_starred", broken)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert app.is_running
        assert any("cannot save marker" in n for n in notifications(app))
        assert "starred 0" in status(app)
        assert STAR_MARK not in list_lines(app)[0][:4]
        await pilot.press("u")                          # nothing was recorded to undo
        await pilot.pause()
        assert any("Nothing to undo" in n for n in notifications(app))
