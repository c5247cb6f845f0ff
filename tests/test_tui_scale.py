"""The list at 100,000 papers: only visible rows are drawn, swapping contents touches no other row,
and a cursor step repaints two lines. (Timings belong to benchmarks/; these check the mechanism.)"""

from __future__ import annotations

from collections.abc import Sequence

from tui_helpers import stored, synthetic_library

from paperterm.tui.app import create_app
from paperterm.tui.paper_list import PaperList

N = 100_000
SIZE = (120, 40)


class NoSearch:
    """A stand-in index (these tests never search; building the real one is for benchmarks),
    with the interface every index has (``loader.IndexHandle``). It was not built from the
    reader's papers, so the reader sorts by date itself."""

    ready = True
    papers: list = []

    def wait(self, timeout=None):
        return self

    def search(self, query, markers=None, limit=None):
        return []

    def search_positions(self, query, markers=None, new_ids=None):
        return []

    def positions_newest_first(self):
        raise AssertionError("asked for the date order of an index of other papers")

    def __len__(self) -> int:
        return 0


class CountingRows(Sequence):
    """A rows sequence that counts how many rows were looked at."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.reads = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if isinstance(index, slice):
            raise AssertionError("the list must not copy its rows")
        self.reads += 1
        if not -self.n <= index < self.n:
            raise IndexError(index)
        return index % self.n


def counting_render(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = PaperList._render_row

    def spy(self, pos, *args, **kwargs):
        calls.append(pos)
        return original(self, pos, *args, **kwargs)

    monkeypatch.setattr(PaperList, "_render_row", spy)
    return calls


async def test_100k_papers_draw_only_visible_rows(monkeypatch):
    calls = counting_render(monkeypatch)
    app = create_app(library=synthetic_library(N), index=NoSearch())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        plist = app.main_screen.paper_list
        height = plist.scrollable_content_region.height
        assert len(plist.rows) == N
        assert plist.virtual_size.height == N
        assert 0 < len(calls) <= 2 * height

        # A cursor step that does not scroll repaints only the two rows that changed.
        calls.clear()
        await pilot.press("j")
        await pilot.pause()
        assert len(calls) <= 2
        assert app.main_screen.detail.paper is app.library.papers[plist.cursor_pos]

        # Jumping to the end scrolls there and still draws only one screenful.
        calls.clear()
        await pilot.press("G")
        await pilot.pause()
        assert plist.cursor == N - 1
        assert round(plist.scroll_y) == N - height
        assert len(calls) <= 2 * height

        # Marking the last paper starred writes it and repaints its row.
        await pilot.press("s")
        with stored() as store:
            assert store.get(app.library.papers[plist.cursor_pos].id).starred


async def test_swapping_100k_rows_reads_only_visible_rows():
    app = create_app(library=synthetic_library(N), index=NoSearch())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        plist = app.main_screen.paper_list
        height = plist.scrollable_content_region.height
        rows = CountingRows(N)
        plist.set_rows(rows, cursor=N // 2)
        await pilot.pause()
        assert plist.cursor == N // 2
        assert round(plist.scroll_y) <= N // 2 < round(plist.scroll_y) + height
        assert rows.reads <= 4 * height
        rows.reads = 0
        await pilot.press("pagedown", "pagedown", "k")
        await pilot.pause()
        assert rows.reads <= 8 * height


async def test_views_and_sorts_at_100k():
    app = create_app(library=synthetic_library(N), index=NoSearch())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "s", "2")
        screen = app.main_screen
        assert len(screen.paper_list.rows) == N - 2
        await pilot.press("3")
        assert len(screen.paper_list.rows) == 1
        await pilot.press("1", "o", "o", "o")            # day listed, upvotes, title
        papers = app.library.papers
        first = [papers[p].title.casefold() for p in screen.paper_list.rows[:50]]
        assert first == sorted(first)
