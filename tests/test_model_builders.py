"""The fast constructors the parsers, the spill and the merge use make exactly what the
dataclass makes (``model.papers_from_rows``, ``stored_copy``, ``with_abstract_of``)."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from paperterm.model import (
    FIELDS,
    OTHER_FIELDS,
    Paper,
    StoredPaper,
    abstract_location,
    papers_from_rows,
    stored_copy,
    stored_paper,
    with_abstract_of,
)

ROW = ("0123456789ab", "A title", "An abstract.", 3, "Org", "2024-01-02", "Jan 2", False, 7,
       ("https://x.org",), ("a.txt",), ("2024-01-03",), "2401.00001", ("A B", "C D"),
       "https://github.com/a/b", 4, "https://p.org", 2, "Summary.", ("k1", "k2"))


class Texts:
    def read(self, ref: int) -> str:
        return f"text {ref}"


def test_rows_make_the_papers_the_dataclass_makes():
    made = papers_from_rows([ROW, ROW[:1] + ("Other",) + ROW[2:]])
    assert [type(p) for p in made] == [Paper, Paper]
    assert made[0] == Paper(*ROW) and repr(made[0]) == repr(Paper(*ROW))
    assert made[1].title == "Other"
    assert pickle.loads(pickle.dumps(made[0])) == Paper(*ROW)
    assert copy.copy(made[0]) == made[0] and hash(made[0]) == hash(Paper(*ROW))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].title = "changed"  # type: ignore[misc]
    assert papers_from_rows([]) == []


def test_stored_copies_are_stored_papers():
    store = Texts()
    paper = Paper(*ROW)
    stored = stored_copy(paper, store, 5)
    assert type(stored) is StoredPaper and abstract_location(stored) == (store, 5)
    assert stored.abstract == "text 5"
    assert stored == stored_paper(store, 5, *(getattr(paper, f) for f in OTHER_FIELDS))
    assert [getattr(stored, f) for f in OTHER_FIELDS] == [getattr(paper, f) for f in OTHER_FIELDS]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored.title = "changed"  # type: ignore[misc]
    # replace and with_abstract_of keep a stored abstract where it is, and a plain one in memory
    changed = stored.replace(title="New")
    assert type(changed) is StoredPaper and abstract_location(changed) == (store, 5)
    assert changed.title == "New" and changed.id == paper.id
    assert type(stored.replace(abstract="mine")) is Paper
    values = [getattr(paper, f) for f in OTHER_FIELDS]
    assert with_abstract_of(stored, *values) == stored
    assert with_abstract_of(paper, *values) == paper
    assert len(FIELDS) == len(OTHER_FIELDS) + 1
