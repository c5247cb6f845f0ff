"""``m`` (similar papers) and the for-you sort in the real reader, on the three-topic corpus whose
neighbours are known (test_similar.py). The matrix and the model are made by real child processes,
so these tests wait for them (seconds), never for a fixed time."""

from __future__ import annotations

import asyncio
import time

from test_similar import make_papers
from tui_helpers import screen_text, status, stored

from paperterm.library import Library
from paperterm.tui.app import create_app
from paperterm.tui.ordering import FOR_YOU, Ordering
from paperterm.tui.screens.similar_papers import SimilarPapers

SIZE = (120, 40)


async def until(pilot, condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the background work"
        await asyncio.sleep(0.1)
        await pilot.pause()


def go_to(app, pos: int) -> None:
    plist = app.main_screen.paper_list
    plist.move_cursor(plist.index_of(pos))


async def test_m_lists_the_papers_of_the_same_topic_and_enter_goes_there():
    papers, topic_of = make_papers()
    app = create_app(library=Library(papers=papers))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        go_to(app, 0)
        await pilot.press("m")
        assert isinstance(app.screen, SimilarPapers)
        dialog = app.screen
        await until(pilot, lambda: dialog.rows)
        rows = dialog.rows
        assert [topic_of[r.pos] for r in rows[:3]] == ["video"] * 3
        assert 0 not in [r.pos for r in rows]
        text = screen_text(app)
        assert "Papers like: " + papers[0].title in text
        assert "shares:" in text and rows[0].title in text
        await pilot.press("j", "j", "k", "enter")  # j/k move, as in the paper list
        await pilot.pause()
        assert app.screen is screen
        assert screen.paper_list.cursor_pos == rows[1].pos
        # A second m is instant (the matrix is kept) and escape closes it.
        await pilot.press("m")
        assert app.screen.rows
        await pilot.press("escape")
        assert app.screen is screen


async def test_choosing_a_paper_hidden_by_the_view_or_search_shows_all_papers():
    papers, _ = make_papers()
    app = create_app(library=Library(papers=papers))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        await pilot.press("slash", *"temporal", "enter")
        await until(pilot, lambda: screen.hits is not None and len(screen.paper_list.rows) < 12)
        go_to(app, screen.paper_list.rows[0])
        first = screen.paper_list.cursor_pos
        await pilot.press("m")
        dialog = app.screen
        await until(pilot, lambda: dialog.rows)
        hidden = next(r.pos for r in dialog.rows if r.pos not in screen.paper_list.rows)
        dialog.dismiss(hidden)
        await pilot.pause()
        assert screen.view == "all" and screen.search_input.value == ""
        assert screen.paper_list.cursor_pos == hidden != first


async def test_for_you_sort_says_what_it_needs_then_ranks_by_the_stars():
    papers, topic_of = make_papers()
    app = create_app(library=Library(papers=papers))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        while screen.sort != FOR_YOU:
            await pilot.press("o")
        await until(pilot, lambda: screen.for_you_problem is not None)
        assert "star at least 3 papers" in status(app)
        # Star three video papers and read four reasoning ones, from the keyboard.
        for pos in (0, 1, 2):
            go_to(app, pos)
            await pilot.press("s")
        for pos in (4, 5, 6, 7):
            go_to(app, pos)
            await pilot.press("r")
        await until(pilot, lambda: screen.for_you_scores is not None, timeout=120)
        rows = list(screen.paper_list.rows)
        assert [topic_of[p] for p in rows[:4]] == ["video"] * 4
        assert "sorted by for you" in status(app)
        go_to(app, 3)
        await pilot.pause()
        assert "For you +" in screen.detail.text and "because of:" in screen.detail.text
    with stored() as store:
        assert store.get_setting("tui.sort") == FOR_YOU


def test_ordering_uses_a_provided_order_and_falls_back_to_date():
    papers, _ = make_papers()
    ordering = Ordering(papers)
    assert ordering.order(FOR_YOU) == ordering.order("date")
    assert not ordering.has(FOR_YOU)
    custom = list(reversed(range(len(papers))))
    ordering.provide(FOR_YOU, custom)
    assert ordering.order(FOR_YOU) == custom and ordering.has(FOR_YOU)
    assert ordering.rank(FOR_YOU)[custom[0]] == 0
    ordering.provide(FOR_YOU, None)
    assert ordering.order(FOR_YOU) == ordering.order("date")
