""""New since last time" in the reader: where it opens, the new view (``5``), its status line,
``is:new`` in the search bar; driven through the real app over synthetic libraries."""

from __future__ import annotations

from tui_helpers import list_lines, notifications, status, stored, synthetic_library

from paperterm.state import MarkerStore, StoreError
from paperterm.tui.app import create_app
from paperterm.tui.left_off import VIEW_SETTING

SIZE = (120, 30)
NEW_TITLES = {40: "Fresh paper one about sparse attention", 41: "Fresh paper two on grokking"}


def library(n: int):
    return synthetic_library(n, titles=NEW_TITLES)


async def start(n: int, *keys: str, check=None):
    """Run the reader once over the first ``n`` papers, press ``keys``, call ``check(app)``."""
    app = create_app(library=library(n))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.pause()
        if check is not None:
            check(app)
    return app


async def test_the_first_run_has_nothing_new_and_opens_as_always():
    def check(app):
        screen = app.main_screen
        assert screen.view == "all"
        assert not screen.triage.marks.new
        assert " new" not in status(app).replace("newest", "")

    await start(40, check=check)


async def test_papers_first_seen_since_the_previous_start_open_the_new_view():
    await start(40, "2")  # the first run, left in the unread view

    def check(app):
        screen = app.main_screen
        assert screen.view == "new"
        titles = {screen.papers[p].title for p in screen.paper_list.rows}
        assert titles == set(NEW_TITLES.values())
        assert "new: 2 of 2 left" in status(app)
        assert "New since last time" in status(app)
        assert screen.paper_list.cursor == 0

    await start(42, check=check)

    def reopened(app):  # the start after: nothing new, back to the view chosen last
        assert app.main_screen.view == "unread"
        assert " new" not in status(app).replace("newest", "")

    await start(42, check=reopened)


async def test_reading_counts_down_what_is_left_and_the_view_is_not_remembered():
    await start(40)

    def check(app):
        screen = app.main_screen
        assert "new: 2 of 2 left" in status(app)
        first = screen.paper_list.cursor_pos
        with stored() as store:
            assert not store.get(screen.papers[first].id)
        return first

    app = create_app(library=library(42))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        check(app)
        await pilot.press("space")
        assert "new: 1 of 2 left" in status(app)
        await pilot.press("space")
        assert "new: 0 of 2 left" in status(app)
        assert len(screen.paper_list.rows) == 2  # read papers stay in the new view
        await pilot.press("u")
        assert "new: 1 of 2 left" in status(app)
        await pilot.press("1")  # all papers: the count stays in the status line
        assert screen.view == "all" and "new 2" in status(app)
        assert "showing 42" in status(app)
        await pilot.press("5")
        assert screen.view == "new" and len(screen.paper_list.rows) == 2
        with stored() as store:
            assert store.get_setting(VIEW_SETTING) == "all"  # 5 is never remembered


async def test_the_new_view_when_nothing_is_new_says_so():
    await start(40)

    def check(app):
        screen = app.main_screen
        assert screen.view == "new" and screen.paper_list.rows == []
        assert "Nothing new since last time" in " ".join(list_lines(app))
        assert "new: 0 of 0 left" in status(app)

    await start(40, "5", check=check)


async def test_is_new_in_the_search_bar():
    await start(40)
    app = create_app(library=library(42))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        await pilot.press("1", "slash", *"is:new grok")
        await pilot.pause(0.3)
        assert [screen.papers[p].title for p in screen.paper_list.rows] == [NEW_TITLES[41]]
        await pilot.press("enter", "space")  # read it; marker filters and is:new together:
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"is:new is:unread")
        await pilot.pause(0.3)
        assert [screen.papers[p].title for p in screen.paper_list.rows] == [NEW_TITLES[40]]


async def test_a_store_that_cannot_record_the_session_is_one_message(monkeypatch):
    def broken(self, ids):
        raise StoreError(f"{self.path}: cannot record the papers seen (disk full)")

    monkeypatch.setattr(MarkerStore, "begin_session", broken)

    def check(app):
        assert app.main_screen.view == "all"
        assert any("cannot record the papers seen" in n for n in notifications(app))

    await start(40, check=check)


async def test_esc_in_the_list_clears_a_kept_search_and_nothing_else():
    app = create_app(library=library(42))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        await pilot.press("1", "slash", *"grok", "enter")  # keep the search, back to the list
        await pilot.pause(0.3)
        assert screen.paper_list.has_focus and screen.search_input.value == "grok"
        assert [screen.papers[p].title for p in screen.paper_list.rows] == [NEW_TITLES[41]]
        here = screen.paper_list.cursor_pos
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert screen.search_input.value == ""
        assert len(screen.paper_list.rows) == 42 and screen.paper_list.cursor_pos == here
        assert screen.paper_list.has_focus and screen.view == "all"
        await pilot.press("escape")  # nothing to clear: nothing happens
        assert len(screen.paper_list.rows) == 42 and screen.paper_list.has_focus
        # esc keeps its other uses: in the search bar it clears, in the note editor it cancels.
        await pilot.press("slash", *"grok", "escape")
        await pilot.pause(0.2)
        assert screen.search_input.value == "" and screen.paper_list.has_focus
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"draft", "escape")
        await pilot.pause()
        assert app.screen is screen
        with stored() as store:
            assert store.get(screen.papers[screen.paper_list.cursor_pos].id) is None
