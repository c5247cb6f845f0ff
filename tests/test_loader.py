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
