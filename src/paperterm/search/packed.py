"""``PackedWords``: a read-only list of words stored as one string.

A vocabulary of 150,000 words kept as a list costs 150,000 string objects (about 60 bytes each,
mostly header) and as many objects for pickle to rebuild; packed, it is one string plus an array of
offsets, about a sixth of the memory, and unpickling it is two memory copies. Reading a word slices
it out, which is cheap enough for bisection (a prefix lookup reads ~35 words).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

#: Ends every word in the packed text; words (letters, digits and "-") never contain it.
_SEP = "\n"


class PackedWords(Sequence[str]):
    """An immutable sequence of strings without ``"\\n"``, stored as ``"w1\\nw2\\n...\\n"``."""

    __slots__ = ("_text", "_ends")

    def __init__(self, words: Iterable[str] = ()) -> None:
        words = list(words)
        self._text = "".join(w + _SEP for w in words)
        # _ends[i]: index of the separator after word i.
        self._ends = array("I", (end - 1 for end in accumulate(len(w) + 1 for w in words)))

    def __getstate__(self) -> tuple[str, array]:
        return self._text, self._ends

    def __setstate__(self, state: tuple[str, array]) -> None:
        self._text, self._ends = state

    def __len__(self) -> int:
        return len(self._ends)

    def _start(self, index: int) -> int:
        return self._ends[index - 1] + 1 if index else 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            if start >= stop:
                return []
            return self._text[self._start(start):self._ends[stop - 1]].split(_SEP)
        if index < 0:
            index += len(self)
        end = self._ends[index]  # IndexError when out of range, as for a list
        return self._text[self._start(index):end]

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.split(_SEP)[:-1])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedWords):
            return self._text == other._text
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # compares like a list

    def __repr__(self) -> str:
        return f"PackedWords({len(self)} words)"
