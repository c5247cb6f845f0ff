"""A first start over many listings in the reader: the newest listings are shown at once and the
whole library replaces them when it is loaded (``loader.open_for_reader``). The rest of the
library is a stand-in here that arrives when the test says; ``test_loader.py`` tests the real
one (a forked child)."""

from __future__ import annotations

import threading

from tui_helpers import notifications, status, synthetic_library

from paperterm.library import Library, LoadError
from paperterm.loader import WaitingIndex
from paperterm.search import SearchIndex
from paperterm.tui.app import create_app

SIZE = (120, 30)
TITLES = {45: "A grokking paper only in the older listings",
          60: "Fresh paper one about sparse attention", 61: "Fresh paper two on grokking"}


class Rest:
    """Stands in for ``loader.RestOfLibrary``: the whole library arrives on ``arrive()``."""

    def __init__(self, whole: Library, *, error: Exception | None = None) -> None:
        self.files, self.first_files = 40, 3
        self._whole, self._error = whole, error
        self._arrived = threading.Event()

    def arrive(self) -> None:
        self._arrived.set()

    def wait(self, timeout: float | None = None):
        if not self._arrived.wait(timeout if timeout is not None else 30):
            raise TimeoutError("the library is still loading")
        if self._error is not None:
            raise self._error
        return self._whole, SearchIndex(self._whole.papers)


def libraries(first: int, whole: int) -> tuple[Library, Library]:
    """The first ``first`` papers (the newest listings) and all ``whole`` of them."""
    everything = synthetic_library(whole, titles=TITLES)
    return Library(papers=everything.papers[:first]), everything


def reader(first: Library, rest: Rest):
    return create_app(library=first, index=WaitingIndex(first.papers), rest=rest)


def loading(first: int = 20, whole: int = 50, *, error: Exception | None = None):
    """A reader showing ``first`` papers while the rest of ``whole`` loads; and that rest."""
    first_part, everything = libraries(first, whole)
    rest = Rest(everything, error=error)
    return reader(first_part, rest), rest


async def until_loaded(app, pilot) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if app.main_screen.rest is None:
            return
    raise AssertionError("the rest of the library never arrived")


async def test_the_newest_listings_show_at_once_and_the_whole_library_replaces_them():
    app, rest = loading()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        assert len(screen.paper_list.rows) == 20
        assert "All 20" in status(app)
        assert "showing the newest 3 of 40 listings; loading the rest" in status(app)
        rest.arrive()
        await until_loaded(app, pilot)
        assert len(screen.papers) == 50 and len(screen.paper_list.rows) == 50
        assert app.library is rest._whole
        assert "All 50" in status(app) and "loading" not in status(app)
        assert screen.paper_list.cursor == 0  # not moved: the top, as a whole start would be


async def test_a_search_typed_while_loading_runs_on_the_whole_library_once_it_is_there():
    app, rest = loading()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("slash", *"grokking")
        await pilot.pause()
        screen = app.main_screen
        bar = str(app.screen.query_one("#search-error").render())
        assert "Loading all 40 listings; results follow" in bar
        assert screen.hits is None  # nothing searched the first part
        rest.arrive()
        await until_loaded(app, pilot)
        for _ in range(100):
            await pilot.pause(0.02)
            if screen.hits is not None:
                break
        titles = {screen.papers[p].title for p in screen.paper_list.rows}
        assert TITLES[45] in titles  # only in the older listings


async def test_what_needs_the_whole_library_waits_for_it():
    app, rest = loading()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        for key, what in (("F", "F fetches"), ("e", "every starred paper can be exported"),
                          ("m", "similar papers are found")):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.main_screen, key  # no dialog opened
            assert any(f"Still loading all 40 listings: {what}" in n
                       for n in notifications(app)), key
        rest.arrive()
        await until_loaded(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is not app.main_screen  # the export dialog, now
        await pilot.press("escape")


async def test_a_first_run_counts_nothing_new_and_a_later_one_what_it_had_not_seen():
    app, rest = loading(20, 60)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        rest.arrive()
        await until_loaded(app, pilot)
        assert not app.main_screen.new_ids  # the whole library joined the first baseline
    app, rest = loading(20, 62)  # two papers came since, in the older listings' part
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        rest.arrive()
        await until_loaded(app, pilot)
        screen = app.main_screen
        assert {screen.papers[screen.pos_of[i]].title for i in screen.new_ids} == \
            {TITLES[60], TITLES[61]}
        assert "new 2" in status(app)


async def test_the_cursor_goes_where_the_user_left_off_once_that_paper_is_loaded():
    first, whole = libraries(20, 50)
    app = create_app(library=whole)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        plist = app.main_screen.paper_list  # a paper that is not among the newest listings:
        plist.move_cursor(plist.index_of(45))
        await pilot.pause()
        left_on = app.main_screen.papers[plist.cursor_pos].id
        await pilot.press("q")
    assert left_on not in {p.id for p in first.papers}
    rest = Rest(whole)
    app = reader(first, rest)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        rest.arrive()
        await until_loaded(app, pilot)
        screen = app.main_screen
        assert screen.papers[screen.paper_list.cursor_pos].id == left_on


async def test_a_cursor_the_user_moved_stays_on_its_paper():
    app, rest = loading()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("j", "j", "j")
        screen = app.main_screen
        on = screen.papers[screen.paper_list.cursor_pos].id
        rest.arrive()
        await until_loaded(app, pilot)
        assert screen.papers[screen.paper_list.cursor_pos].id == on


async def test_if_the_rest_cannot_be_loaded_the_newest_listings_stay_and_it_says_why():
    app, rest = loading(error=LoadError("listings: cannot read the folder"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        rest.arrive()
        await until_loaded(app, pilot)
        assert len(app.main_screen.papers) == 20
        assert "loading" not in status(app)
        assert any("Only the newest listings could be loaded: listings: cannot read the folder"
                   in n for n in notifications(app))
