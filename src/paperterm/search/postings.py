"""A word-prefix inverted index over one kind of term (words or compounds, of titles or of both).

Why this shape: a query word matches every term it is a prefix of, and in a *sorted* vocabulary those
terms are one contiguous range, found with two bisections. The papers of the range are then:

- for *dense* terms (in more than ~1/32 of the papers, e.g. "model", "learning"), a stored bitset,
  because a bitset of N papers (N/8 bytes) is then smaller than a posting list (4 bytes a paper);
- for all other terms, one contiguous slice of a single ``array('I')`` of ranks, since the terms'
  posting lists are laid out in vocabulary order (CSR layout: ``offsets[i]:offsets[i+1]``);
- for short prefixes ("g", "gr", …), whose ranges hold thousands of terms, a precomputed union.

So a lookup costs two bisections, a few big-int ORs and, for the sparse slice, one pass over its
ranks. Everything is stored in flat arrays, plain ints and one string (``PackedWords``), so pickling
and unpickling a 100,000-paper index is mostly memory copies.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence

from paperterm.search import bitset
from paperterm.search.packed import PackedWords

#: A term in at least ``size // DENSE_FRACTION`` papers (and at least DENSE_MIN) is a bitset.
DENSE_FRACTION = 32
DENSE_MIN = 256
#: Prefixes up to this length whose range holds at least PRECOMPUTE_MIN sparse postings (or
#: PRECOMPUTE_DENSE dense terms) get their union precomputed.
PRECOMPUTE_LENGTHS = (1, 2, 3)
PRECOMPUTE_MIN = {1: 2048, 2: 16384, 3: 16384}
PRECOMPUTE_DENSE = 32
#: Sorts after every character a term can contain (terms are letters, digits and "-").
_AFTER = "\U0010ffff"


class PostingTable:
    """Terms (sorted) and the ranks of the papers holding each; answers prefix queries."""

    __slots__ = ("size", "vocab", "_offsets", "_postings", "_dense_index", "_dense_bits",
                 "_prefix_bits")

    def __init__(self, postings: Mapping[bytes, Sequence[int]], size: int) -> None:
        """``postings`` maps each UTF-8 term to the increasing ranks of the papers holding it
        (an ``array("I")`` is copied fastest)."""
        self.size = size
        terms = sorted(postings)  # UTF-8 byte order is code point order, as for the str vocabulary
        self.vocab = PackedWords(t.decode("utf-8") for t in terms)
        dense_min = max(DENSE_MIN, size // DENSE_FRACTION)
        offsets = array("I", [0])
        flat = array("I")
        dense_index: list[int] = []
        dense_bits: list[int] = []
        for i, term in enumerate(terms):
            ranks = postings[term]
            if len(ranks) >= dense_min:
                dense_index.append(i)
                dense_bits.append(bitset.from_positions(ranks, size))
            elif isinstance(ranks, array):
                flat.extend(ranks)
            else:
                flat.fromlist(list(ranks))
            offsets.append(len(flat))
        self._offsets = offsets
        self._postings = flat
        self._dense_index = dense_index
        self._dense_bits = dense_bits
        self._prefix_bits: dict[str, int] = {}
        self._precompute_prefixes()

    # -- pickling --------------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        return {"size": self.size, "vocab": self.vocab, "offsets": self._offsets,
                "postings": self._postings, "dense_index": array("I", self._dense_index),
                "dense_bits": self._dense_bits, "prefix_bits": self._prefix_bits}

    def __setstate__(self, state: dict) -> None:
        self.size = state["size"]
        self.vocab = state["vocab"]
        self._offsets = state["offsets"]
        self._postings = state["postings"]
        self._dense_index = state["dense_index"].tolist()
        self._dense_bits = state["dense_bits"]
        self._prefix_bits = state["prefix_bits"]

    # -- lookups -----------------------------------------------------------------------------------

    def term_range(self, prefix: str) -> tuple[int, int]:
        """The vocabulary indices ``[lo, hi)`` of the terms starting with ``prefix``."""
        vocab = self.vocab
        return bisect_left(vocab, prefix), bisect_left(vocab, prefix + _AFTER)

    def prefix_bits(self, prefix: str) -> int:
        """The papers holding a term that starts with ``prefix``."""
        bits = self._prefix_bits.get(prefix)
        if bits is None:
            bits = self.range_bits(*self.term_range(prefix))
        return bits

    def range_bits(self, lo: int, hi: int) -> int:
        """The papers holding any of the terms ``vocab[lo:hi]``."""
        if lo >= hi:
            return 0
        bits = 0
        dense_index = self._dense_index
        d_lo, d_hi = bisect_left(dense_index, lo), bisect_left(dense_index, hi)
        for b in self._dense_bits[d_lo:d_hi]:
            bits |= b
        start, stop = self._offsets[lo], self._offsets[hi]
        if stop > start:
            bits |= bitset.from_positions(self._postings[start:stop], self.size)
        return bits

    def term_bits(self, index: int) -> int:
        """The papers holding the term ``vocab[index]`` exactly."""
        return self.range_bits(index, index + 1)

    # -- build -----------------------------------------------------------------------------------

    def _precompute_prefixes(self) -> None:
        """Store the union of every short prefix whose lookup would otherwise be slow."""
        vocab = list(self.vocab)
        for length in PRECOMPUTE_LENGTHS:
            minimum = PRECOMPUTE_MIN[length]
            seen: set[str] = set()
            for term in vocab:
                prefix = term[:length]
                if len(prefix) < length or prefix in seen:
                    continue
                seen.add(prefix)
                lo, hi = self.term_range(prefix)
                sparse = self._offsets[hi] - self._offsets[lo]
                dense = bisect_left(self._dense_index, hi) - bisect_left(self._dense_index, lo)
                if sparse >= minimum or dense >= PRECOMPUTE_DENSE:
                    self._prefix_bits[prefix] = self.range_bits(lo, hi)
