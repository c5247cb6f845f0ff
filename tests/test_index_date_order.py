"""The TUI's default "date" order may come ready-made from the search index: it must be the very
same order the TUI's own sort gives (newest first, undated last, ties in library order), and the
index's hits must stay immutable, picklable results after becoming named tuples."""

from __future__ import annotations

import dataclasses
import pickle
import random

import pytest
from tui_helpers import searched, synthetic_library

from paperterm.model import Paper
from paperterm.search import Hit, SearchIndex
from paperterm.tui.ordering import Ordering


def _papers_with_ties(n: int, seed: int) -> list[Paper]:
    rng = random.Random(seed)
    dates = [None, "2023-01-01", "2023-01-02", "2024-06-01", "2024-06-01", "2019-12-31"]
    return [Paper(id=f"id{i:05d}", title=f"paper {i} on attention", abstract="an abstract",
                  published=rng.choice(dates)) for i in range(n)]


@pytest.mark.parametrize("seed", range(5))
def test_index_newest_first_is_the_tui_date_sort(seed):
    papers = _papers_with_ties(300, seed)
    index = SearchIndex(papers)
    own_sort = Ordering(papers).order("date")
    assert index.positions_newest_first() == own_sort
    assert Ordering(papers, index.positions_newest_first).order("date") == own_sort


def test_index_newest_first_survives_pickling():
    papers = synthetic_library(200).papers
    index = pickle.loads(pickle.dumps(SearchIndex(papers)))
    assert index.positions_newest_first() == Ordering(papers).order("date")


def test_ordering_falls_back_when_no_order_is_given():
    papers = _papers_with_ties(50, 7)
    wrong_length = Ordering(papers, lambda: [0, 1, 2])
    not_ready = Ordering(papers, lambda: None)
    assert wrong_length.order("date") == Ordering(papers).order("date")
    assert not_ready.order("date") == Ordering(papers).order("date")


def test_hits_are_frozen_named_tuples_that_pickle():
    index = SearchIndex(synthetic_library(100).papers)
    index.warm()
    hits = index.search("attention")
    hit = hits[0]
    assert isinstance(hit, Hit) and isinstance(hit.pos, int) and isinstance(hit.score, float)
    assert (hit.pos, hit.score, hit.title_match, hit.fuzzy) == tuple(hit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.pos = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        del hit.score
    assert pickle.loads(pickle.dumps(hits)) == hits


class _NotReadyIndex:
    """Stands in for a ``PendingIndex`` whose build has not finished: any other use would wait."""

    ready = False

    def __init__(self, papers) -> None:
        self._real = SearchIndex(papers)

    def search(self, *args, **kwargs):
        return self._real.search(*args, **kwargs)

    def search_positions(self, *args, **kwargs):
        return self._real.search_positions(*args, **kwargs)

    @property
    def papers(self):
        return self._real.papers

    def __len__(self) -> int:
        return len(self._real)

    def wait(self, timeout=None):
        raise TimeoutError("still being built")

    def positions_newest_first(self):
        raise AssertionError("a pending index was asked for its date order (it would wait)")


async def test_app_lists_by_the_index_order_and_warms_it_after_the_first_paint():
    from tui_helpers import stored

    from paperterm.tui.app import create_app

    library = synthetic_library(300)
    index = SearchIndex(library.papers)
    app = create_app(library=library, store=stored(), index=index)
    async with app.run_test(size=(120, 30)) as pilot:
        await searched(app)
        await pilot.pause()
        screen = app.main_screen
        assert list(screen.paper_list.rows) == Ordering(library.papers).order("date")
        assert screen.ordering.order("date") == index.positions_newest_first()
        assert "ranked" in index._hit_tables  # warmed in the worker


async def test_app_sorts_by_itself_while_the_index_is_being_built():
    from tui_helpers import stored

    from paperterm.tui.app import create_app

    library = synthetic_library(300)
    pending = _NotReadyIndex(library.papers)
    app = create_app(library=library, store=stored(), index=pending)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        assert list(screen.paper_list.rows) == Ordering(library.papers).order("date")
        assert not pending._real._hit_tables  # nothing waited on or warmed the unready index
