"""Stepping through listing days: which days have a listing, and which papers each one holds.

``[`` and ``]`` in the reader narrow the list to one day's listings (the capture dates in
``Paper.days``) and move to the previous or next day that has one; ``]`` past the newest day
returns to every paper. This module is that bookkeeping, without a terminal.

Built on first use (one pass over the papers, about 40 ms at 100,000), since most sessions never
step through days; a day's papers are a set of positions, so narrowing the list is a membership
test per row.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from paperterm.model import Paper


class ListingDays:
    """The days (ISO dates) on which the papers were listed, oldest first, and their papers."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers = papers
        self._days: list[str] | None = None
        self._positions: dict[str, frozenset[int]] = {}

    def _build(self) -> list[str]:
        if self._days is None:
            groups: dict[str, list[int]] = {}
            for pos, paper in enumerate(self.papers):
                for day in paper.days:
                    groups.setdefault(day, []).append(pos)
            self._positions = {day: frozenset(found) for day, found in groups.items()}
            self._days = sorted(groups)
        return self._days

    @property
    def days(self) -> list[str]:
        """Every listing day, oldest first."""
        return self._build()

    def positions(self, day: str) -> frozenset[int]:
        """The papers listed on ``day`` (empty for a day without a listing)."""
        self._build()
        return self._positions.get(day, frozenset())

    def step(self, current: str | None, direction: int) -> str | None:
        """The day to show after stepping from ``current`` (``None`` = all papers).

        ``direction < 0`` (``[``): the previous day with a listing; from all papers, the newest
        day; at the oldest day it stays there. ``direction > 0`` (``]``): the next day with a
        listing; past the newest day (or from all papers), ``None``: all papers again.
        """
        days = self._build()
        if not days:
            return None
        if direction < 0:
            if current is None:
                return days[-1]
            index = bisect_left(days, current) - 1
            return days[index] if index >= 0 else days[0]
        if current is None:
            return None
        index = bisect_right(days, current)
        return days[index] if index < len(days) else None

    def ordinal(self, day: str) -> tuple[int, int]:
        """``(n, total)``: ``day`` is the n-th of ``total`` listing days, counting from the newest."""
        days = self._build()
        index = bisect_left(days, day)
        return len(days) - index, len(days)
