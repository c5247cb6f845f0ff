"""The search bar: ranking off the UI thread, highlighting, enter/escape, errors, stale results."""

from __future__ import annotations

import threading

from tui_helpers import list_lines, notifications, screen_text, searched, status, stored

from paperterm.search import SearchIndex, highlight_spans, parse_query
from paperterm.tui.app import create_app

SIZE = (120, 40)


async def settle(app, pilot):
    await searched(app)
    await pilot.pause()


async def test_slash_focuses_and_each_keystroke_reranks():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("slash")
        assert screen.search_input.has_focus
        index = SearchIndex(app.library.papers)
        for typed in ("l", "le", "lea", "lear", "learn"):
            await pilot.press(typed[-1])
            await settle(app, pilot)
            expected = [h.pos for h in index.search(parse_query(typed))]
            assert list(screen.paper_list.rows) == expected, typed
            assert screen.paper_list.cursor == 0
        assert f"showing {len(expected)}" in status(app)
        assert 0 < len(expected) < 163


async def test_keys_typed_at_once_after_the_slash_all_reach_the_search_bar():
    """A fast typist, a paste or ``tmux send-keys "/grok"``: every key is queued before the
    first is handled; none may reach the list (``r`` would mark a paper read, ``o`` sort)."""
    from textual import events

    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        sort = screen.sort
        for key, char in (("slash", "/"), ("g", "g"), ("r", "r"), ("o", "o"), ("k", "k")):
            event = events.Key(key, char)  # as the terminal driver sends them, none awaited
            event.set_sender(app)
            app._driver.send_message(event)
        await settle(app, pilot)
        assert screen.search_input.value == "grok"
        assert not screen.triage.marks.read and screen.base_sort == sort
        assert 0 < len(screen.paper_list.rows) < 163
        await pilot.press("slash", "x")  # in the bar, a slash is a slash
        assert screen.search_input.value == "grok/x"


async def test_matched_title_characters_are_highlighted():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"learning")
        await settle(app, pilot)
        plist = app.main_screen.paper_list
        styles = plist._get_styles()
        query = parse_query("learning")
        checked = 0
        for y in range(1, 10):                          # rows below the cursor row
            paper = app.library.papers[plist.rows[y]]
            spans = highlight_spans(paper.title, query)
            strip = plist.render_line(y)
            highlighted = "".join(s.text for s in strip if s.style == styles["match"])
            visible = [paper.title[a:b] for a, b in spans if b <= len(strip.text) - 20]
            for part in visible:
                assert part in highlighted
                checked += 1
        assert checked >= 3


async def test_ranking_runs_on_the_search_thread():
    app = create_app()
    threads = []
    real = app.index.search_positions

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    app.index.search_positions = spy
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"grok")
        await settle(app, pilot)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert len(set(threads)) == 1  # one search thread for the screen, not one per keystroke


async def test_a_failing_search_says_so_and_typing_goes_on():
    app = create_app()
    real = app.index.search_positions

    def flaky(query, *args, **kwargs):
        if "grok" in str(query):
            raise RuntimeError("index [damaged]")
        return real(query, *args, **kwargs)

    app.index.search_positions = flaky
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"learn")
        await settle(app, pilot)
        learn = list(screen.paper_list.rows)
        await pilot.press("ctrl+u", *"grok")
        await settle(app, pilot)
        assert any("The search failed: index [damaged]" in n for n in notifications(app))
        assert not screen.paint_hold.held
        await pilot.press("ctrl+u", *"learn")
        await settle(app, pilot)
        assert list(screen.paper_list.rows) == learn


async def test_stale_results_are_ignored():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"learning")
        await settle(app, pilot)
        rows = list(screen.paper_list.rows)
        old_generation = screen.generation - 1
        screen._search_done(old_generation, parse_query("grok"), [0, 1, 2], "top")
        assert list(screen.paper_list.rows) == rows


async def test_enter_returns_to_list_keeping_filter_and_escape_clears():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"grokking")
        await settle(app, pilot)
        filtered = list(screen.paper_list.rows)
        assert 0 < len(filtered) < 20
        await pilot.press("enter")
        assert screen.paper_list.has_focus
        assert screen.search_input.value == "grokking"
        assert list(screen.paper_list.rows) == filtered
        await pilot.press("j")                           # list keys work again
        chosen = screen.paper_list.cursor_pos
        await pilot.press("s")
        with stored() as store:
            assert store.get(app.library.papers[chosen].id).starred
        await pilot.press("slash", "escape")
        await settle(app, pilot)
        assert screen.paper_list.has_focus
        assert screen.search_input.value == ""
        assert len(screen.paper_list.rows) == 163
        assert screen.paper_list.cursor_pos == chosen     # still on the paper found
        assert "sorted by date" in status(app)


async def test_invalid_filter_shows_error_and_keeps_last_good_results():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"learning")
        await settle(app, pilot)
        good = list(screen.paper_list.rows)
        screen.search_input.value = "learning year:>=abc"   # pasted in one go
        await settle(app, pilot)
        text = screen_text(app)
        error_line = next(ln for ln in text.splitlines() if "⚠" in ln)
        assert "year" in error_line and "abc" in error_line
        lines = text.splitlines()
        assert lines.index(error_line) == 1             # right under the bar
        assert list(screen.paper_list.rows) == good
        screen.search_input.value = "learning year:>=2024"
        await settle(app, pilot)
        assert "⚠" not in screen_text(app)
        assert screen.paper_list.rows
        assert all(app.library.papers[p].year >= 2024 for p in screen.paper_list.rows)


async def test_filters_only_keep_the_chosen_sort_and_highlight_nothing():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("o", "o")                     # day listed, then upvotes
        await pilot.press("slash", *"upvotes:>=1")
        await settle(app, pilot)
        assert screen.sort == "upvotes"
        papers = [app.library.papers[p] for p in screen.paper_list.rows]
        assert papers and all(p.upvotes >= 1 for p in papers)
        ups = [p.upvotes for p in papers]
        assert ups == sorted(ups, reverse=True)
        assert screen.paper_list.highlighter is None


async def test_marker_filters_follow_marker_changes():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"is:unread", "enter")
        await settle(app, pilot)
        first = screen.paper_list.cursor_pos
        await pilot.press("r")
        await settle(app, pilot)
        assert first not in screen.paper_list.rows
        assert len(screen.paper_list.rows) == 162


async def test_up_down_in_the_search_bar_move_the_list():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"model")
        await settle(app, pilot)
        await pilot.press("down", "down", "up")
        assert screen.paper_list.cursor == 1
        assert screen.search_input.has_focus


async def test_no_match_says_so():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"zzzzqqqxxy")
        await settle(app, pilot)
        assert list(app.main_screen.paper_list.rows) == []
        assert "No papers match this search." in list_lines(app)[0]
        assert "showing 0" in status(app)


class SlowIndex:
    """Like the CLI's index that is still being built in the background on a first start."""

    def __init__(self, index) -> None:
        self.index = index
        self.ready = False
        self.release = threading.Event()

    @property
    def papers(self):
        return self.index.papers

    def wait(self, timeout=None):
        if not self.release.wait(10 if timeout is None else timeout):
            raise TimeoutError("still being built")
        self.ready = True
        return self.index

    def search(self, *args, **kwargs):
        return self.wait().search(*args, **kwargs)

    def search_positions(self, *args, **kwargs):
        return self.wait().search_positions(*args, **kwargs)

    def positions_newest_first(self):
        return self.wait().positions_newest_first()

    def __len__(self) -> int:
        return len(self.index)


async def test_typing_while_the_index_is_being_built():
    from paperterm.library import load_library
    from paperterm.locations import seeds_dir

    library = load_library([seeds_dir()])
    slow = SlowIndex(SearchIndex(library.papers))
    app = create_app(library=library, index=slow)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"grok")
        await pilot.pause(0.1)
        # Typing was not blocked, and the bar says why the results are not there yet.
        assert app.main_screen.search_input.value == "grok"
        assert "Building the search index of 163 papers" in screen_text(app)
        assert len(app.main_screen.paper_list.rows) == 163
        slow.release.set()
        await settle(app, pilot)
        assert 0 < len(app.main_screen.paper_list.rows) < 20
        assert "Building the search index" not in screen_text(app)
