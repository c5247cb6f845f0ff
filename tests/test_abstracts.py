"""Abstracts kept in a file (``paperterm.abstracts``) and the ``Paper`` that reads them on demand."""

from __future__ import annotations

import dataclasses
import os

import pytest

from paperterm import abstracts
from paperterm.abstracts import TextFile, spill
from paperterm.model import Paper, abstract_location, paper_id

TEXTS = ["An abstract.", "", "Ünïcödé, 数学 and $\\alpha$ [1]", "lone \ud800 surrogate", "x" * 70000]


def _paper(n: int, abstract: str) -> Paper:
    title = f"Paper {n}"
    return Paper(id=paper_id(title), title=title, abstract=abstract, upvotes=n, urls=("u",),
                 sources=("a.txt",))


@pytest.fixture
def spool(tmp_path) -> TextFile:
    store = TextFile.spool(tmp_path / "cache")
    assert store is not None
    yield store
    store.close()


def test_spilled_papers_read_back_every_text_exactly(spool, tmp_path):
    papers = [_paper(n, text) for n, text in enumerate(TEXTS)]
    stored = spill(papers, spool)
    assert all(abstract_location(p)[0] is spool for p in stored)
    assert [p.abstract for p in stored] == TEXTS
    assert stored == papers and [hash(p) for p in stored] == [hash(p) for p in papers]
    assert list(os.scandir(tmp_path / "cache")) == []  # the spool has no name on disk


def test_spilling_twice_appends_and_keeps_stored_papers(spool):
    first = spill([_paper(1, "one")], spool)
    second = spill([first[0], _paper(2, "two")], spool)
    assert second[0] is first[0]
    assert [p.abstract for p in second] == ["one", "two"]


def test_a_failed_write_keeps_abstracts_in_memory(spool, monkeypatch):
    def full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    papers = [_paper(1, "kept")]
    assert spill(papers, spool) == papers
    assert abstract_location(spill(papers, spool)[0]) == (None, "kept")


def test_a_reference_past_the_end_reads_as_a_message_not_an_exception(spool):
    (paper,) = spill([_paper(1, "short")], spool)
    _, ref = abstract_location(paper)
    beyond = (ref >> abstracts.REF_SHIFT) + 1000 << abstracts.REF_SHIFT | 5
    assert spool.read(beyond).startswith("[abstract could not be read")
    with pytest.raises(ValueError):
        spool.read_bytes(beyond)


def test_another_process_appends_are_taken_in_after_take_appended(spool):
    # What a forked child does: write to the shared file; this process's object does not know.
    other = TextFile(os.dup(spool._fd))
    (paper,) = spill([_paper(1, "from the child")], other)
    _, ref = abstract_location(paper)
    assert spool.read(ref).startswith("[abstract could not be read")
    spool.take_appended()
    assert spool.read(ref) == "from the child"
    other.close()


def test_a_text_file_cannot_be_pickled(spool):
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(spool)


def test_paper_is_immutable_and_replace_checks_field_names():
    paper = _paper(1, "text")
    with pytest.raises(dataclasses.FrozenInstanceError):
        paper.title = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del paper.abstract
    with pytest.raises(TypeError):
        paper.replace(colour="red")
    with pytest.raises(TypeError):
        paper.replace(abstract="new", colour="red")
    assert paper.replace(abstract="new").abstract == "new"
    assert paper != "not a paper" and paper == _paper(1, "text") != _paper(1, "other")
