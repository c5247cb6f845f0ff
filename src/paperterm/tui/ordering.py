"""Which papers the list shows, and in which order: a view, a sort and (maybe) search hits combined.

The list widget only ever holds a sequence of *positions* (indexes into ``library.papers``), so
showing 100,000 papers costs one list of ints, never one widget per row. Everything here works on
positions and is built to stay in the low milliseconds at that size:

- each sort order is computed once per library, on first use, and reused (``order``), together with
  its inverse (``rank``: where each position stands in that order) to sort a subset quickly;
- markers are kept as sets of positions (``MarkerSets``), so a view is a set-membership filter and
  the counts of the status line are ``len()`` calls.

No Textual here: this is plain bookkeeping, tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from paperterm.model import Marker, Paper, newest_first

#: The views, in the order of their keys ``1`` to ``5``. "new" is the papers first seen since the
#: previous session (``MarkerStore.begin_session``): where the reader opens when there are any.
VIEWS: tuple[str, ...] = ("all", "unread", "starred", "noted", "new")
VIEW_LABELS: dict[str, str] = {"all": "All", "unread": "Unread", "starred": "Starred",
                               "noted": "Noted", "new": "New since last time"}
#: The views a start may reopen (the new view is opened for what is new, never remembered).
REMEMBERED_VIEWS: tuple[str, ...] = ("all", "unread", "starred", "noted")

#: The sort learnt from the user's stars (its order is computed elsewhere and ``provide``d).
FOR_YOU = "for-you"
#: Sorts without a search, in the order ``o`` cycles through them.
SORTS: tuple[str, ...] = ("date", "day", "upvotes", "title", "seen", "comments", "stars", FOR_YOU)
#: The extra sort available while searching: the search's own ranking.
RELEVANCE = "relevance"
SORT_LABELS: dict[str, str] = {
    "date": "date (newest first)",
    "day": "day listed (newest first)",
    "upvotes": "upvotes",
    "title": "title",
    "seen": "listings seen",
    "comments": "comments",
    "stars": "code stars",
    FOR_YOU: "for you (learnt from your stars)",
    RELEVANCE: "relevance",
}


def next_sort(current: str, searching: bool) -> str:
    """The sort after ``current`` in the cycle (relevance first when a search ranks the results)."""
    cycle = ((RELEVANCE,) if searching else ()) + SORTS
    try:
        return cycle[(cycle.index(current) + 1) % len(cycle)]
    except ValueError:
        return cycle[0]


@dataclass(slots=True)
class MarkerSets:
    """Positions of the papers that are read, starred, or have a note; the tags of the papers
    that have some, by position (the list draws a row's tags from here, never from the store);
    and the papers new this session (not a marker: ``set_new`` takes them from the store's
    session), with how many of those are read, kept up to date by ``update`` so "12 of 50 left"
    costs nothing to show."""

    read: set[int] = field(default_factory=set)
    starred: set[int] = field(default_factory=set)
    noted: set[int] = field(default_factory=set)
    tags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    new: set[int] = field(default_factory=set)
    new_read: int = 0

    def set_new(self, positions) -> None:
        """The papers new this session (replacing any before)."""
        self.new = set(positions)
        self.new_read = len(self.new & self.read)

    @property
    def new_left(self) -> int:
        """New papers not read yet."""
        return len(self.new) - self.new_read

    @classmethod
    def from_markers(cls, markers: Mapping[str, Marker], pos_of: Mapping[str, int]) -> MarkerSets:
        sets = cls()
        for pid, marker in markers.items():
            pos = pos_of.get(pid)
            if pos is not None:
                sets.update(pos, marker)
        return sets

    def update(self, pos: int, marker: Marker | None) -> None:
        """Bring the sets up to date with one paper's markers."""
        if pos in self.new:
            was_read, is_read = pos in self.read, marker is not None and marker.read
            self.new_read += int(is_read) - int(was_read)
        for bucket, on in ((self.read, marker is not None and marker.read),
                           (self.starred, marker is not None and marker.starred),
                           (self.noted, marker is not None and marker.note is not None)):
            if on:
                bucket.add(pos)
            else:
                bucket.discard(pos)
        if marker is not None and marker.tags:
            self.tags[pos] = marker.tags
        else:
            self.tags.pop(pos, None)


@dataclass(frozen=True, slots=True)
class Counts:
    """The numbers of the status line."""

    all: int
    unread: int
    starred: int
    noted: int
    showing: int
    new: int = 0
    new_left: int = 0


def _date_key(paper: Paper) -> str:
    return paper.published or ""


def _day_key(paper: Paper) -> tuple[str, str]:
    """The newest day the paper was listed, then its date (papers never listed sort last)."""
    days = paper.days
    return (days[-1] if days else "", paper.published or "")


class Ordering:
    """Sort orders of one library (computed lazily, cached) and the rows of a view."""

    def __init__(self, papers: Sequence[Paper],
                 date_order: Callable[[], list[int] | None] | None = None) -> None:
        """``date_order``, if given, returns the "date" order ready-made (the search index numbers
        papers in exactly that order, so the TUI need not sort 100,000 papers -- about 45 ms --
        before its first paint), or ``None`` when it cannot (the index is still being built)."""
        self.papers = papers
        self._date_order = date_order
        self._orders: dict[str, list[int]] = {}
        self._ranks: dict[str, list[int]] = {}
        self._provided: dict[str, list[int]] = {}

    def provide(self, sort: str, order: list[int] | None) -> None:
        """Set (or, with ``None``, withdraw) an order computed elsewhere: the for-you order,
        which comes from a model trained in the background and changes with the stars. Until it
        is provided, that sort shows the date order."""
        if order is None:
            self._provided.pop(sort, None)
        else:
            self._provided[sort] = order
        self._orders.pop(sort, None)
        self._ranks.pop(sort, None)

    def has(self, sort: str) -> bool:
        """Whether ``sort`` has its own order (a provided one is not always there yet)."""
        return sort != FOR_YOU or sort in self._provided

    def order(self, sort: str) -> list[int]:
        """All positions in ``sort`` order. Ties keep the library's order. Do not mutate."""
        cached = self._orders.get(sort)
        if cached is not None:
            return cached
        papers = self.papers
        positions = range(len(papers))
        if sort == "date":
            given = self._date_order() if self._date_order is not None else None
            if given is not None and len(given) == len(papers):
                order = given
            else:
                order = newest_first(papers)
        elif sort == "day":
            order = sorted(positions, key=lambda i: _day_key(papers[i]), reverse=True)
        elif sort == "upvotes":
            order = sorted(positions, key=lambda i: (
                -1 if papers[i].upvotes is None else papers[i].upvotes, _date_key(papers[i])),
                reverse=True)
        elif sort == "title":
            order = sorted(positions, key=lambda i: papers[i].title.casefold())
        elif sort in ("comments", "stars"):
            # Papers whose listing gave no figure (page text) after those with 0, then newest.
            name = "comments" if sort == "comments" else "github_stars"
            values = [getattr(p, name) for p in papers]
            order = sorted(positions, key=lambda i: (
                -1 if values[i] is None else values[i], _date_key(papers[i])), reverse=True)
        elif sort == "seen":
            order = sorted(positions, key=lambda i: (len(papers[i].sources), _date_key(papers[i])),
                           reverse=True)
        elif sort == FOR_YOU:
            provided = self._provided.get(sort)
            order = provided if provided is not None and len(provided) == len(papers) \
                else self.order("date")
        else:
            raise ValueError(f"unknown sort: {sort}")
        self._orders[sort] = order
        return order

    def rank(self, sort: str) -> list[int]:
        """``rank[pos]`` = where ``pos`` stands in ``order(sort)``."""
        cached = self._ranks.get(sort)
        if cached is not None:
            return cached
        rank = [0] * len(self.papers)
        for index, pos in enumerate(self.order(sort)):
            rank[pos] = index
        self._ranks[sort] = rank
        return rank

    def rows(self, view: str, sort: str, marks: MarkerSets,
             hits: Sequence[int] | None = None,
             only: Set[int] | None = None) -> Sequence[int]:
        """The positions to show, in order.

        ``hits`` are the positions a search returned, best first, or ``None`` when not searching.
        ``sort`` may be ``RELEVANCE`` only together with ``hits``. ``only``, when given, keeps
        just those positions (the papers of one listing day). The result may be a cached
        sequence shared between calls: treat it as read-only.
        """
        if only is not None:
            if hits is None:
                # A day holds few papers: sort just those, as the hits of a search would be.
                rank = self.rank(sort if sort != RELEVANCE else SORTS[0])
                return self._view_of(view, sorted(only, key=rank.__getitem__), marks)
            hits = [p for p in hits if p in only]
        if hits is None or sort != RELEVANCE:
            sort = sort if sort != RELEVANCE else SORTS[0]
            rows = self.order(sort) if hits is None else self._sorted_subset(hits, sort)
        else:
            rows = hits
        if view == "all":
            return rows
        if view == "unread":
            read = marks.read
            return [p for p in rows if p not in read]
        bucket = _bucket(view, marks)
        if hits is None and len(bucket) * 8 < len(rows):
            # Few papers are starred, noted or new: sort just those.
            rank = self.rank(sort)
            return sorted(bucket, key=rank.__getitem__)
        return [p for p in rows if p in bucket]

    @staticmethod
    def _view_of(view: str, rows: list[int], marks: MarkerSets) -> list[int]:
        """The rows a view keeps, in their order."""
        if view == "all":
            return rows
        if view == "unread":
            return [p for p in rows if p not in marks.read]
        bucket = _bucket(view, marks)
        return [p for p in rows if p in bucket]

    def _sorted_subset(self, positions: Sequence[int], sort: str) -> list[int]:
        order = self.order(sort)
        if len(positions) * 8 < len(order):
            rank = self.rank(sort)
            return sorted(positions, key=rank.__getitem__)
        # Many hits: one pass over the full order with a membership mask beats sorting.
        mask = bytearray(len(order))
        for pos in positions:
            mask[pos] = 1
        return [p for p in order if mask[p]]

    def counts(self, marks: MarkerSets, showing: int) -> Counts:
        total = len(self.papers)
        return Counts(all=total, unread=total - len(marks.read), starred=len(marks.starred),
                      noted=len(marks.noted), showing=showing, new=len(marks.new),
                      new_left=marks.new_left)


def _bucket(view: str, marks: MarkerSets) -> set[int]:
    """The positions a view other than all and unread keeps."""
    if view == "starred":
        return marks.starred
    if view == "noted":
        return marks.noted
    if view == "new":
        return marks.new
    raise ValueError(f"unknown view: {view}")

