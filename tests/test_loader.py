"""The one way to open a library (``loader``) and the child-process helper under it (``children``)."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from paperterm import children, loader, locations
from paperterm.library import load_library as parse_library
from paperterm.search import SearchIndex

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the platform cannot fork")


@pytest.fixture
def forking(monkeypatch):
    """Let children be forked although pytest's own threads may be running."""
    monkeypatch.setattr(children, "can_fork", lambda: hasattr(os, "fork"))


def test_default_paths_are_the_seeds_until_the_listings_folder_holds_a_listing():
    own = locations.listings_dir()
    assert loader.default_paths() == [locations.seeds_dir()]
    own.mkdir(parents=True, exist_ok=True)
    (own / "notes.md").write_text("not a listing")
    assert loader.default_paths() == [locations.seeds_dir()]
    shutil.copy(next(SEEDS.glob("*.txt")), own / "mine.txt")
    assert loader.default_paths() == [locations.seeds_dir(), own]


def test_the_reader_and_the_command_line_open_the_same_default_library():
    """``create_app`` without a library opens what the CLI opens: the seeds and the user's own
    listings folder (it used to fall back to the seeds alone)."""
    from paperterm.tui.app import create_app

    own = locations.listings_dir()
    own.mkdir(parents=True, exist_ok=True)
    (own / "mine.txt").write_text(
        "A Paper Only In My Own Folder\n\nIts abstract, long enough to be one.\n", "utf-8")
    app = create_app()
    try:
        titles = {p.title for p in app.library.papers}
        assert "A Paper Only In My Own Folder" in titles
        cli_library, _ = loader.open_library(None, loader.NO_INDEX)
        assert [p.id for p in app.library.papers] == [p.id for p in cli_library.papers]
    finally:
        app.store.close()


def test_open_library_gives_an_index_of_the_same_papers_and_the_policy_can_skip_it():
    library, index = loader.open_library([SEEDS])
    assert isinstance(index, SearchIndex) and index.ready and index.wait() is index
    assert index.papers == library.papers
    again, none = loader.open_library([SEEDS], loader.NO_INDEX)
    assert none is None and again.papers == library.papers


def test_without_the_cache_nothing_is_written():
    library, index = loader.open_library([SEEDS], loader.LoadPolicy(use_cache=False))
    assert library.papers == parse_library([SEEDS]).papers and len(index) == len(library)
    cache_dir = locations.cache_dir()
    assert not cache_dir.exists() or not list(cache_dir.glob("library-*"))


@needs_fork
@pytest.mark.parametrize("output", ["pipe", "file"])
def test_a_child_sends_its_result_back_and_is_reaped(forking, output):
    child = children.fork(lambda out: pickle.dump({"answer": 42, "pid": os.getpid()}, out),
                          output=output)
    assert child is not None
    if output == "file":
        assert child.wait()
    result = pickle.load(child.output)
    assert result["answer"] == 42 and result["pid"] == child.pid != os.getpid()
    assert child.wait() and child.wait()  # reaped once; asking again is free
    child.close()


@needs_fork
def test_a_failing_child_reports_failure_and_reaped_later_children_are_waited_for(forking, tmp_path):
    def fail(_):
        raise RuntimeError("boom")

    child = children.fork(fail)
    assert child is not None and not child.wait()
    marker = tmp_path / "done"
    late = children.fork(lambda _: marker.write_text("written"))
    late.reap_later()
    loader.wait_for_writes(timeout=30)
    assert marker.read_text() == "written"


def test_no_child_is_forked_while_another_thread_runs(monkeypatch):
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not children.can_fork()
    assert children.fork(lambda _: None) is None


# -- a first start over many listings: the newest first, the rest from a child ------------------

#: ``open_for_reader`` showing the newest listing first for any size of library.
PROGRESSIVE = loader.LoadPolicy(background=True, progressive_bytes=0, first_bytes=1)


@pytest.fixture
def listings(tmp_path, monkeypatch):
    """The seeds, each modified a day after the one before (the last is the newest), cacheable
    at once (no "racy" window: they were copied just now)."""
    from paperterm import cache

    monkeypatch.setattr(cache, "RACY_NS", 0)
    folder = tmp_path / "listings"
    folder.mkdir()
    day = 86_400
    for n, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        copy = folder / seed.name
        shutil.copy(seed, copy)
        os.utime(copy, (1_700_000_000 + n * day, 1_700_000_000 + n * day))
    return folder


def _titles(index, query: str) -> list[str]:
    return [index.papers[h.pos].title for h in index.search(query, markers={})]


@needs_fork
def test_a_first_start_shows_the_newest_listing_while_a_child_loads_everything(listings,
                                                                                 forking):
    newest = sorted(listings.glob("*.txt"))[-1]
    opening = loader.open_for_reader([listings], PROGRESSIVE)
    assert opening.rest is not None
    assert opening.library.files == [newest]
    assert [p.id for p in opening.library.papers] == \
        [p.id for p in parse_library([newest]).papers]
    assert not opening.index.ready  # nothing searches the first part
    assert (opening.rest.first_files, opening.rest.files) == (1, 4)
    library, index = opening.rest.wait(timeout=60)
    whole = parse_library([listings])
    assert [(p.id, p.title, p.abstract, p.sources) for p in library.papers] == \
        [(p.id, p.title, p.abstract, p.sources) for p in whole.papers]
    assert library.warnings == whole.warnings
    assert isinstance(index, loader.PendingIndex)
    fresh = SearchIndex(whole.papers)
    for query in ("learning", "diffusion model", "-model year:>=2023"):
        assert _titles(index, query) == _titles(fresh, query)
    loader.wait_for_writes(timeout=60)
    # The child kept the whole library and its index for the next start: no first part then.
    again = loader.open_for_reader([listings], PROGRESSIVE)
    assert again.rest is None and isinstance(again.index, loader.CachedIndex)
    assert [p.id for p in again.library.papers] == [p.id for p in whole.papers]


@needs_fork
def test_if_the_loading_child_dies_the_rest_is_parsed_here(listings, forking, monkeypatch):
    parent = os.getpid()
    real_parse = loader._parse

    def dies_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(3)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(loader, "_parse", dies_in_the_child)
    opening = loader.open_for_reader([listings], PROGRESSIVE)
    assert opening.rest is not None
    library, index = opening.rest.wait(timeout=60)
    whole = parse_library([listings])
    assert [p.id for p in library.papers] == [p.id for p in whole.papers]
    assert _titles(index, "learning") == _titles(SearchIndex(whole.papers), "learning")
    loader.wait_for_writes(timeout=60)


def test_small_or_cached_libraries_open_whole(listings, forking):
    """Below ``progressive_bytes``, or with the library cached, the reader gets it all at once."""
    small = loader.open_for_reader([listings])  # the default threshold: far above the seeds
    assert small.rest is None and len(small.library.papers) == len(parse_library([listings]))
    loader.wait_for_writes(timeout=60)
    cached = loader.open_for_reader([listings], PROGRESSIVE)
    assert cached.rest is None


def test_the_newest_listings_are_chosen_by_modification_time_within_the_budget(listings):
    from paperterm import cache

    plan = cache.plan_load([listings])
    files = sorted(listings.glob("*.txt"))
    assert loader.newest_files(plan, 1) == [files[-1]]  # at least one, however small the budget
    two = plan.sizes[-1] + plan.sizes[-2]
    assert loader.newest_files(plan, two) == files[-2:]  # in the plan's (merge) order
    os.utime(files[0], (1_800_000_000, 1_800_000_000))  # now the first is the newest
    assert loader.newest_files(plan, 1) == [files[0]]
    assert loader.newest_files(plan, 10 ** 12) == files
