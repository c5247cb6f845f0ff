"""The text filters ``author:``, ``org:`` and ``kw:``, and ``has:code``: one small index per field.

Each field (the author names, the organisation, the AI keywords) gets its own word-prefix
``PostingTable`` over ranks, exactly like the title and abstract words, so ``author:hin`` is two
bisections and a few big-int ORs at 100,000 papers, never a pass over the papers. A filter with
several words needs each word to start a word of the field; quoted (``author:"geoffrey hin"``)
the words must also follow each other within one name, which is checked on the papers having
every word only (a handful).

``has:code`` is one stored bitset: the papers with a code repository.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial

from paperterm.model import Paper
from paperterm.search import bitset
from paperterm.search.postings import PostingTable
from paperterm.search.query import Filter
from paperterm.search.text import WORD_RE, fold

#: What each text filter looks in: the texts of one paper.
FIELD_TEXTS: dict[str, Callable[[Paper], Sequence[str]]] = {
    "author": lambda p: p.author_names,
    "org": lambda p: (p.organization,) if p.organization else (),
    "kw": lambda p: p.keywords,
}


def _words(texts: Sequence[str]) -> set[bytes]:
    found: set[bytes] = set()
    for text in texts:
        found.update(w.encode() for w in WORD_RE.findall(fold(text)))
    return found


def _in_a_row(words: list[str], texts: Sequence[str]) -> bool:
    """Whether one of ``texts`` has ``words`` as consecutive words, each a word prefix."""
    n = len(words)
    for text in texts:
        have = WORD_RE.findall(fold(text))
        for start in range(len(have) - n + 1):
            if all(have[start + i].startswith(w) for i, w in enumerate(words)):
                return True
    return False


class FieldIndex:
    """Word-prefix tables of the text-filter fields, and the papers with code, by rank."""

    __slots__ = ("size", "_tables", "_code")

    def __init__(self, by_rank: Sequence[Paper]) -> None:
        self.size = n = len(by_rank)
        postings = {name: defaultdict(partial(array, "I")) for name in FIELD_TEXTS}
        code = bytearray(n)
        for rank, paper in enumerate(by_rank):
            if paper.github:
                code[rank] = 1
            for name, texts_of in FIELD_TEXTS.items():
                texts = texts_of(paper)
                if texts:
                    table = postings[name]
                    for word in _words(texts):
                        table[word].append(rank)
        self._tables = {name: PostingTable(table, n) for name, table in postings.items()}
        self._code = bitset.from_mask(code)

    def __getstate__(self) -> dict:
        return {"size": self.size, "tables": self._tables, "code": self._code}

    def __setstate__(self, state: dict) -> None:
        self.size = state["size"]
        self._tables = state["tables"]
        self._code = state["code"]

    def code_bits(self) -> int:
        """The papers with a code repository (``has:code``)."""
        return self._code

    def text_bits(self, f: Filter, paper_at: Callable[[int], Paper]) -> int:
        """The papers a text filter's condition holds for (before negation)."""
        table = self._tables[f.field]
        words = f.value.split(" ")
        bits = bitset.full(self.size)
        for word in words:
            bits &= table.prefix_bits(word)
            if not bits:
                return 0
        if f.phrase:
            texts_of = FIELD_TEXTS[f.field]
            keep = bytearray(self.size)
            for rank in bitset.ranks(bits):
                if _in_a_row(words, texts_of(paper_at(rank))):
                    keep[rank] = 1
            bits = bitset.from_mask(keep)
        return bits
