"""F in the reader: a background fetch whose new papers join the list without a restart."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from pytest_httpserver import HTTPServer

from fetch_helpers import FakeApi, fixture_day, slow
from paperterm import loader
from paperterm.fetch import DayStore
from paperterm.tui.app import create_app
from paperterm.tui.fetching import progress_text, reload_paths, result_text
from tui_helpers import SEEDS, notifications, status, stored

SIZE = (120, 30)
NEW_TITLE = "Fetched Paper About Sparse Attention"


@pytest.fixture(scope="module")
def server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def api(server, monkeypatch):
    server.clear()
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    fake = FakeApi(server, {today: fixture_day("2024-06-03")})
    monkeypatch.setenv("PAPERTERM_HF_ENDPOINT", fake.url)
    return fake


@pytest.fixture
def extra_listing(tmp_path):
    """A listing standing in for what the fetched day files add (read with the seeds)."""
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "extra.txt").write_text(f"{NEW_TITLE}\n\nAn abstract about attention.\n",
                                      encoding="utf-8")
    return folder


async def wait_for(pilot, condition, timeout=20.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("timed out waiting")
        await pilot.pause(0.05)


def make_app(extra_listing, opened: list):
    library, index = loader.open_library([SEEDS])
    app = create_app([SEEDS], library=library, index=index)

    def open_library(paths):
        opened.append(list(paths))
        return loader.open_library([SEEDS, extra_listing])

    return app, open_library


async def test_f_fetches_in_the_background_and_new_papers_join_the_list(api, extra_listing):
    opened: list = []
    app, open_library = make_app(extra_listing, opened)
    api.fail(next(iter(api.days)), 0, slow(2.5))  # a slow first page: time to type meanwhile
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        screen.fetcher.open_library = open_library
        before = len(screen.papers)
        await pilot.press("j", "j")
        current = screen.papers[screen.paper_list.cursor_pos].id
        await pilot.press("s")  # star it: the marker must survive the swap
        await pilot.press("F")
        assert screen.fetcher.running
        assert "Fetching" in status(app)
        # typing and triage go on while the fetch runs
        await pilot.press("slash", "s", "p", "a", "r", "s", "e")
        assert screen.search_input.value == "sparse"
        await pilot.press("enter", "F")  # back to the list (keeping the filter), F again
        assert "Already fetching" in " ".join(notifications(app))
        await wait_for(pilot, lambda: not screen.fetcher.running and screen.fetch_status is None)
        await pilot.pause(0.2)
        assert len(screen.papers) == before + 1
        assert any(p.title == NEW_TITLE for p in screen.papers)
        assert f"All {before + 1}" in status(app)
        assert screen.search_input.value == "sparse"
        assert any(screen.papers[p].title == NEW_TITLE for p in screen.paper_list.rows)
        pos = screen.pos_of[current]
        assert pos in screen.triage.marks.starred and stored().get(current).starred
        assert "1 paper added to the list" in " ".join(notifications(app))
        # The fetched paper is new in this session (this first run's papers are the baseline).
        fetched = next(p for p, paper in enumerate(screen.papers) if paper.title == NEW_TITLE)
        assert screen.triage.marks.new == {fetched} and "new 1" in status(app)
    day = next(iter(api.days))
    assert DayStore().path(day).exists()
    assert opened and opened[0][-1] == DayStore().folder  # seeds + the fetched day files


async def test_cursor_stays_on_its_paper_and_undo_still_works(api, extra_listing):
    opened: list = []
    app, open_library = make_app(extra_listing, opened)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        screen.fetcher.open_library = open_library
        await pilot.press("G")
        here = screen.papers[screen.paper_list.cursor_pos].id
        await pilot.press("r")
        await pilot.press("F")
        await wait_for(pilot, lambda: not screen.fetcher.running and screen.fetch_status is None)
        await pilot.pause(0.1)
        assert screen.papers[screen.paper_list.cursor_pos].id == here
        await pilot.press("u")
        assert not (stored().get(here) and stored().get(here).read)


async def test_a_failing_fetch_is_one_message_and_changes_nothing(api, extra_listing,
                                                                  monkeypatch):
    monkeypatch.setenv("PAPERTERM_HF_ENDPOINT", "http://127.0.0.1:9")
    opened: list = []
    app, open_library = make_app(extra_listing, opened)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        screen.fetcher.open_library = open_library
        before = len(screen.papers)
        await pilot.press("F")
        await wait_for(pilot, lambda: not screen.fetcher.running and screen.fetch_status is None)
        await pilot.pause(0.1)
        shown = " ".join(notifications(app))
        assert "Failed:" in shown and "connection refused" in shown
        assert len(screen.papers) == before and opened == []


async def test_quitting_stops_a_fetch_waiting_for_a_rate_limit(api, extra_listing):
    from paperterm.fetch.limits import RequestBudget  # noqa: F401  (the wait comes from the server)
    from fetch_helpers import status as http_status

    day = next(iter(api.days))
    api.fail(day, 0, http_status(429, Retry_After="300"))
    opened: list = []
    app, open_library = make_app(extra_listing, opened)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        screen.fetcher.open_library = open_library
        await pilot.press("F")
        await wait_for(pilot, lambda: "waiting" in (screen.fetch_status or ""))
        assert "rate limit" in status(app) or "retrying" in status(app)
        thread = screen.fetcher.thread
    thread.join(5)
    assert not thread.is_alive() and opened == []
    assert not DayStore().path(day).exists()


def test_status_texts():
    from paperterm.fetch import DayResult, FetchEvent, FetchReport

    assert progress_text(FetchEvent("day", 0, 2, "2025-10-06")) == "Fetching 2025-10-06 (1/2)…"
    assert progress_text(FetchEvent("page", 1, 2, "2025-10-06", papers=16)) == \
        "Fetching 2025-10-06 (2/2): 16 papers"
    assert progress_text(FetchEvent("wait", 0, 1, "2025-10-06", seconds=42,
                                    reason="rate limit")) == \
        "Fetching 2025-10-06 (1/1): waiting 42 s (rate limit)"
    ok = FetchReport([DayResult("2025-10-05", "empty"), DayResult("2025-10-06", "written",
                                                                  papers=16, new=16)], "x")
    assert result_text(ok, 16) == ("Fetched 2 days: 16 new, 0 updated in the listings; "
                                   "16 papers added to the list.", "information")
    same = FetchReport([DayResult("2025-10-06", "unchanged", papers=16)], "x")
    assert result_text(same, None) == ("Fetched 1 day: nothing new.", "information")
    bad = FetchReport([DayResult("2025-10-06", "error", problem="HTTP 404 Not Found")], "x")
    assert result_text(bad, None) == ("Fetched 0 days. Failed: 2025-10-06: HTTP 404 Not Found",
                                      "error")


def test_reload_paths_add_the_fetched_folder_unless_covered(tmp_path):
    fetched = tmp_path / "data" / "listings" / "hf-daily"
    assert reload_paths([SEEDS], fetched) == [SEEDS, fetched]
    assert reload_paths([SEEDS, tmp_path / "data" / "listings"], fetched) == \
        [SEEDS, tmp_path / "data" / "listings"]
    assert reload_paths([fetched], fetched) == [fetched]


async def test_end_to_end_fetched_day_files_are_read_into_the_list(api):
    """No stand-ins: the day file the fetch writes is parsed by the API source and shown."""
    library, index = loader.open_library([SEEDS])
    app = create_app([SEEDS], library=library, index=index)
    entries = fixture_day("2024-06-03")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        before = len(screen.papers)
        await pilot.press("F")
        await wait_for(pilot, lambda: not screen.fetcher.running and screen.fetch_status is None)
        await pilot.pause(0.2)
        titles = {" ".join(p.title.split()) for p in screen.papers}
        assert {" ".join(e["title"].split()) for e in entries} <= titles
        assert len(screen.papers) == before + len(entries)
        assert f"{len(entries)} papers added to the list" in " ".join(notifications(app))
