"""Ranking and typo tolerance, both with rapidfuzz, both on small sets only.

rapidfuzz over every title of a 100,000-paper library costs about a second per keystroke and holds
the GIL, so it is never run over the library:

- *closeness* (``fuzz.WRatio`` of the query words against the folded title) is computed only for the
  first ``SCORED`` candidates of a group, in date order; the group's other papers keep closeness 0
  and so follow in date order. What a user looks at, the top of the list, is ranked by closeness;
  the long tail of a one-letter query is simply newest first.
- *typo tolerance* matches each query word against the title VOCABULARY (tens of thousands of
  distinct words, and only those of about the same length), with the optimal-string-alignment
  distance (a swap of two letters is one typo): up to 1 edit for words of 4-5 characters, 2 for
  longer ones, none for shorter ones (too many false friends). The matching words' papers then come
  from the postings, as for exact words.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right

from collections.abc import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from paperterm.search.packed import PackedWords

#: Candidates per group that get a closeness score.
SCORED = 200
#: Words shorter than this are never matched with typos.
FUZZY_MIN_LENGTH = 4


def closeness(query_text: str, folded_titles: list[str]) -> list[float]:
    """Closeness 0..100 of the (folded) query text to each folded title: ``fuzz.WRatio``, all
    titles in one ``process.cdist`` call (the query is prepared once; float64, so each score is
    exactly the one ``fuzz.WRatio`` returns)."""
    if not folded_titles:
        return []
    import numpy as np

    return process.cdist([query_text], folded_titles, scorer=fuzz.WRatio, processor=None,
                         dtype=np.float64)[0].tolist()


def max_typos(word: str) -> int:
    """Edits allowed between a query word and a title word (0: the word is matched exactly only)."""
    if len(word) < FUZZY_MIN_LENGTH or not word.isalnum():
        return 0
    return 1 if len(word) <= 5 else 2


def typo_distance(word: str, candidate: str) -> int:
    """Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps)."""
    return OSA.distance(word, candidate)


class TypoMatcher:
    """Finds title words within a few typos of a query word.

    The vocabulary is kept sorted by length, so the words of a length range (the only ones that can
    be within ``d`` edits) are one slice handed to ``process.extract`` in a single C++ call.
    """

    __slots__ = ("_words", "_indices", "_lengths")

    def __init__(self, vocab: Sequence[str]) -> None:
        words = list(vocab)
        order = sorted(range(len(words)), key=lambda i: (len(words[i]), words[i]))
        self._words = PackedWords(words[i] for i in order)
        self._indices = array("I", order)
        self._lengths = array("I", (len(words[i]) for i in order))

    def __getstate__(self) -> tuple:
        return self._words, self._indices, self._lengths

    def __setstate__(self, state: tuple) -> None:
        self._words, self._indices, self._lengths = state

    def matches(self, word: str) -> list[int]:
        """Vocabulary indices of the words within ``max_typos(word)`` edits of ``word``."""
        d = max_typos(word)
        if not d:
            return []
        lo = bisect_left(self._lengths, len(word) - d)
        hi = bisect_right(self._lengths, len(word) + d)
        found = process.extract(word, self._words[lo:hi], scorer=OSA.distance,
                                processor=None, score_cutoff=d, limit=None)
        return [self._indices[lo + index] for _, _, index in found]
