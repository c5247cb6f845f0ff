"""Filters as bitsets: the papers a ``Filter`` lets through, so filtering is one ``&`` per filter.

Numeric filters compare a per-paper number; the papers are grouped by value once (lazily, on the
first filter on that field, since most sessions never filter) so a filter is the union of the
groups whose value is in range: a few big-int ORs, not a pass over 100,000 papers.

Decisions (documented for users in the README's search syntax):

- ``year:`` and ``authors:`` never match a paper whose value is unknown;
- ``upvotes:`` counts a missing upvote count as 0 (the listing shows no count for a paper nobody
  upvoted), so ``upvotes:0`` and ``upvotes:<3`` include such papers and ``upvotes:>=1`` does not;
- ``seen:`` is the number of listings the paper was found in (always known);
- ``comments:`` and ``stars:`` (the code repository's stars) never match a paper whose listing did
  not give the figure (page-text listings give neither);
- marker filters read the ``markers`` mapping given to each search (paper id -> marker); a paper
  without a marker is unread, unstarred and has no note or tags; a note counts only if it is not
  blank; ``tag:NAME`` lets through the papers whose tags include NAME, ``has:tags`` those with any;
- ``day:`` is the capture dates of the listings a paper was seen in (``Paper.days``); a paper
  matches when any of its days is in range, and a paper without a day never matches;
- a negated filter (``-year:2023``) is the complement, so it includes the unknown values.

Days are grouped differently from numbers (``DayGroups``): a paper has several days, and a
library of years of daily listings has hundreds of days, so a bitset per day (up to 12.5 KB each at
100,000 papers) would cost megabytes. Each day keeps the ranks listed that day in an ``array``
(4 bytes a sighting: about 0.5 MB at 100,000 papers); a filter sets those ranks in a byte mask
(a C-level loop, about 2 ms per 100,000 sightings in range) and keeps the last few results, so
the keystrokes that follow reuse them.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

from paperterm.model import Paper
from paperterm.search import bitset
from paperterm.search.query import Filter

UNKNOWN = -1


def numeric_values(papers_by_rank: Sequence[Paper]) -> dict[str, array]:
    """Each numeric field's value per rank (``UNKNOWN`` where unknown), stored compactly."""
    def count(value: int | None) -> int:
        return UNKNOWN if value is None else value

    return {
        "year": array("i", (count(p.year) for p in papers_by_rank)),
        "authors": array("i", (count(p.authors) for p in papers_by_rank)),
        "upvotes": array("i", (p.upvotes or 0 for p in papers_by_rank)),
        "seen": array("i", (len(p.sources) for p in papers_by_rank)),
        "comments": array("i", (count(p.comments) for p in papers_by_rank)),
        "stars": array("i", (count(p.github_stars) for p in papers_by_rank)),
    }


class ValueGroups:
    """The papers of one numeric field grouped by value: sorted distinct values and their bitsets."""

    __slots__ = ("values", "bits")

    def __init__(self, per_rank: Iterable[int], size: int) -> None:
        groups: dict[int, list[int]] = {}
        for rank, value in enumerate(per_rank):
            if value != UNKNOWN:
                groups.setdefault(value, []).append(rank)
        self.values = sorted(groups)
        self.bits = [bitset.from_positions(groups[v], size) for v in self.values]

    def between(self, low: int | None, high: int | None) -> int:
        """The papers whose value is in ``[low, high]`` (``None`` = unbounded)."""
        lo = 0 if low is None else bisect_left(self.values, low)
        hi = len(self.values) if high is None else bisect_right(self.values, high)
        bits = 0
        for b in self.bits[lo:hi]:
            bits |= b
        return bits


class DayGroups:
    """The papers of each listing day: sorted day numbers (ordinals) and the ranks seen that day."""

    __slots__ = ("days", "ranks", "size", "_cache")

    #: Range results kept (a bitset each); typing repeats the same filter on every keystroke.
    CACHED = 8

    def __init__(self, days_by_rank: Iterable[Sequence[str]], size: int) -> None:
        groups: dict[str, array] = {}
        for rank, days in enumerate(days_by_rank):
            for day in days:
                ranks = groups.get(day)
                if ranks is None:
                    ranks = groups[day] = array("I")
                ranks.append(rank)
        ordinals: dict[int, array] = {}
        for day, ranks in groups.items():
            try:
                ordinals[dt.date.fromisoformat(day).toordinal()] = ranks
            except (TypeError, ValueError):
                continue  # not a day: matches no day filter
        self.days = sorted(ordinals)
        self.ranks = [ordinals[d] for d in self.days]
        self.size = size
        self._cache: dict[tuple[int, int], int] = {}

    def between(self, low: int | None, high: int | None) -> int:
        """The papers listed on a day in ``[low, high]`` (ordinals; ``None`` = unbounded)."""
        lo = 0 if low is None else bisect_left(self.days, low)
        hi = len(self.days) if high is None else bisect_right(self.days, high)
        key = (lo, hi)
        bits = self._cache.get(key)
        if bits is None:
            mask = bytearray(self.size)
            setitem = mask.__setitem__
            for ranks in self.ranks[lo:hi]:
                deque(map(setitem, ranks, repeat(1)), 0)
            bits = bitset.from_mask(mask)
            if len(self._cache) >= self.CACHED:
                self._cache = {}  # replaced whole: safe while another thread reads it
            self._cache[key] = bits
        return bits


def marker_bits(markers: Mapping[str, object] | None, field: str,
                rank_of: Mapping[str, int], size: int, name: str = "") -> int:
    """The papers whose marker has ``field`` set (``read``, ``starred``, a non-blank ``note``, any
    ``tags``), or, for ``tags`` with a ``name``, whose tags include that name. One pass over the
    markers given (the stored markers of the library's papers), never over the papers."""
    if not markers:
        return 0
    mask = bytearray(size)
    for paper_id, marker in markers.items():
        rank = rank_of.get(paper_id)
        if rank is None:
            continue
        value = getattr(marker, field, None)
        if name:
            value = value is not None and name in value
        elif isinstance(value, str):
            value = value.strip()
        if value:
            mask[rank] = 1
    return bitset.from_mask(mask)


def apply_filter(f: Filter, positive: int, size: int) -> int:
    """The bitset a filter lets through, given the bitset of papers where its condition holds."""
    everything = bitset.full(size)
    wanted = positive if f.want else everything & ~positive
    return everything & ~wanted if f.negated else wanted
