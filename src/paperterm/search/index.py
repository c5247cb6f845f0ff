"""``SearchIndex``: answers a query over a whole library in milliseconds, at 100,000 papers.

Design (why it is fast enough to run on every keystroke, returning every match):

- Papers are numbered by *rank*: newest first (unknown dates last, ties in library order). Every set
  of papers is a bitset over ranks (``bitset``), so "in date order" is simply "in bit order" and
  intersections, unions and exclusions are single big-int operations.
- Each free word is a prefix lookup in a sorted vocabulary (``postings.PostingTable``): one table for
  title+abstract words, one for title words only (title matches rank first), and the same two for
  compounds (``in-context``). Recent lookups are cached, as typing repeats the earlier words.
- Quoted phrases are narrowed with the index (every word of the phrase must be there) and then
  checked on the folded text of the remaining candidates only.
- Results come out of bitsets in one numpy step (``_ranked``): both groups' bitsets unpacked to one
  boolean mask over a table of prebuilt, immutable ``Hit`` objects (one per paper and group, built
  lazily), so returning 90,000 hits costs a couple of milliseconds, bound by touching each hit's
  reference count; only the top ``rank.SCORED`` of each group get a fresh ``Hit`` carrying their
  closeness score. numpy is imported on first use (see ``bitset``).
- Typo tolerance (``rank.TypoMatcher``) only runs when fewer than ``FUZZY_BELOW`` papers match.
- A paper's arXiv id is indexed with its abstract's words (``2405.21060`` is the compound
  ``2405-21060``), so typing the id finds the paper; ``author:``, ``org:``, ``kw:`` and ``has:code``
  have their own small tables (``fields.FieldIndex``).

The index keeps the papers it was built from (for phrase checks and closeness), so pickle it in the
same ``pickle.dump`` call as the library, and the papers are stored once.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import FrozenInstanceError
from functools import partial
from itertools import compress, repeat
from operator import itemgetter
from typing import NamedTuple

from paperterm.gc_pause import gc_paused
from paperterm.model import Paper, newest_first
from paperterm.search import bitset
from paperterm.search.fields import FieldIndex
from paperterm.search.filters import (DayGroups, ValueGroups, apply_filter, marker_bits,
                                      numeric_values)
from paperterm.search.postings import PostingTable
from paperterm.search.query import DAY_FILTER, NEW_FIELD, Filter, Query, parse_query
from paperterm.search.rank import SCORED, TypoMatcher, closeness, max_typos
from paperterm.search.text import JOIN, fold, index_terms

#: Version of the pickled form; bump it whenever indexing or the stored layout changes.
FORMAT = 2
#: Typo-tolerant title matches are added when fewer exact matches than this are found.
FUZZY_BELOW = 50
#: Score bases: hits are returned sorted by score, title matches first, then abstract-only ones,
#: then typo-tolerant ones (whose score is their closeness, kept below ``OTHER_BASE``).
TITLE_BASE = 200.0
OTHER_BASE = 100.0
FUZZY_MAX = 99.9
#: Cached term lookups (bitsets of 12.5 KB at 100,000 papers) and phrase checks (three bitsets).
_TERM_CACHE_SIZE = 256
#: Up to this many hits of a query without words are made on the fly rather than from a table.
_FEW = 5000
#: A query word this short that matches some paper as typed gets no typo-tolerant matches.
EXACT_ONLY_UP_TO = 4
_PHRASE_CACHE_SIZE = 32


def _first_set(mask, count: int):
    """The indices of the first ``count`` true entries of a boolean numpy array (a growing
    window: the head of a large group is found near the start)."""
    import numpy as np

    window = 4096
    while True:
        found = np.flatnonzero(mask[:window])
        if len(found) >= count or window >= len(mask):
            return found[:count]
        window *= 8


def _contains(pattern: re.Pattern, text: str) -> bool:
    """Whether ``pattern`` matches ``text`` at the start of a word."""
    match = pattern.search(text)
    while match is not None:
        start = match.start()
        if start == 0 or not text[start - 1].isalnum():
            return True
        match = pattern.search(text, start + 1)
    return False


class Hit(NamedTuple):
    """One search result. ``pos`` indexes the papers the index was built from.

    ``score`` orders the results (higher first; hits come sorted by it, ties newest first):
    200 + closeness for papers matching every term in the title, 100 + closeness for the others,
    closeness alone (< 100) for typo-tolerant title matches, 0 when the query has no words.
    Closeness (0..100) is computed for the top candidates of each group only, others have 0.
    ``title_match``: every term matched the title (typo-tolerantly when ``fuzzy``).

    A named tuple rather than a frozen dataclass: the index prebuilds one per paper and group
    (300,000 at 100,000 papers), and a tuple is made in half the time (no ``object.__setattr__``
    per field). Assigning a field still raises ``FrozenInstanceError``, as it did.
    """

    pos: int
    score: float
    title_match: bool
    fuzzy: bool

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class SearchIndex:
    """A search index over a fixed list of papers. Build once per library; picklable.

    ``search`` may run in several threads at once (the TUI searches in a worker): its caches only
    ever gain complete entries or are replaced whole, so a race can only repeat work.
    """

    def __init__(self, papers: Iterable[Paper]) -> None:
        self._papers: list[Paper] = list(papers)
        self.size = len(self._papers)
        order = newest_first(self._papers)
        self._rank_to_pos = array("I", order)
        by_rank = [self._papers[i] for i in order]
        # Building makes millions of list entries but no garbage: the cyclic collector would only
        # re-scan the growing heap again and again (a third of the build time), so pause it.
        with gc_paused():
            self._build(by_rank)
        self._numbers = numeric_values(by_rank)
        self._init_caches()

    def _build(self, by_rank: list[Paper]) -> None:
        n = self.size
        # Posting lists as array("I") (4 bytes a rank) rather than lists (8 bytes a pointer): at
        # 100,000 papers they hold over ten million ranks while the index is built.
        new_postings = partial(array, "I")
        words_any: defaultdict[bytes, array] = defaultdict(new_postings)
        words_title: defaultdict[bytes, array] = defaultdict(new_postings)
        comps_any: defaultdict[bytes, array] = defaultdict(new_postings)
        comps_title: defaultdict[bytes, array] = defaultdict(new_postings)
        append = array.append
        for rank, paper in enumerate(by_rank):
            t_words, t_comps = index_terms(paper.title)
            a_words, a_comps = index_terms(paper.abstract)
            a_words |= t_words
            if paper.arxiv_id:
                id_words, id_comps = index_terms(paper.arxiv_id)
                a_words |= id_words
                a_comps = a_comps | id_comps
            if t_comps:
                a_comps = a_comps | t_comps
            # C-level loops: postings[term].append(rank) for every term of the paper.
            every = repeat(rank)
            deque(map(append, map(words_title.__getitem__, t_words), every), 0)
            deque(map(append, map(words_any.__getitem__, a_words), every), 0)
            if t_comps:
                deque(map(append, map(comps_title.__getitem__, t_comps), every), 0)
            if a_comps:
                deque(map(append, map(comps_any.__getitem__, a_comps), every), 0)
        self._words = PostingTable(words_any, n)
        del words_any
        self._title_words = PostingTable(words_title, n)
        self._compounds = PostingTable(comps_any, n)
        self._title_compounds = PostingTable(comps_title, n)
        self._typos = TypoMatcher(self._title_words.vocab)
        self._fields = FieldIndex(by_rank)

    # -- pickling ------------------------------------------------------------------------------

    _STATE = ("_papers", "size", "_rank_to_pos", "_words", "_title_words", "_compounds",
              "_title_compounds", "_typos", "_numbers", "_fields")

    def __getstate__(self) -> dict:
        state = {name: getattr(self, name) for name in self._STATE}
        state["format"] = FORMAT
        return state

    def __setstate__(self, state: dict) -> None:
        # An index pickled by another version may tokenize or store differently: refuse it, so a
        # cache holding one rebuilds instead of answering with subtly wrong results.
        if state.get("format") != FORMAT:
            raise ValueError(f"search index format {state.get('format')!r}, expected {FORMAT}")
        for name in self._STATE:
            setattr(self, name, state[name])
        self._init_caches()

    def _init_caches(self) -> None:
        """Lazily filled state: never pickled, rebuilt on demand."""
        self._term_cache: dict[tuple[str, str], int] = {}
        self._phrase_cache: dict[str, tuple[int, int, int]] = {}
        self._hit_tables: dict[str, Sequence[Hit]] = {}
        self._value_groups: dict[str, ValueGroups] = {}
        self._day_groups: DayGroups | None = None
        self._rank_of_id: dict[str, int] | None = None
        self._ids_cache: tuple[Collection[str], int] | None = None
        self._pos_order: itemgetter | None = None
        self._ints: list[int] | None = None
        self._lock = threading.Lock()

    #: A built index is always ready; ``wait`` returns it. (The interface it shares with
    #: ``loader.PendingIndex``, which stands in for an index still being built: ``IndexHandle``.)
    ready = True

    def wait(self, timeout: float | None = None) -> SearchIndex:
        """This index (a ``PendingIndex`` waits for its index here)."""
        return self

    def __len__(self) -> int:
        return self.size

    def positions_newest_first(self) -> list[int]:
        """Every position into ``papers``, newest first: papers without a date last, ties in
        library order -- exactly ``sorted(range(n), key=published or "", reverse=True)``, which
        is how the index numbers papers, so this is a copy of that numbering, not a sort."""
        numbers = self._numbers_0_to_n()
        return list(map(numbers.__getitem__, self._rank_to_pos))

    @property
    def papers(self) -> list[Paper]:
        """The papers the index was built from (``Hit.pos`` indexes this list)."""
        return self._papers

    # -- search --------------------------------------------------------------------------------

    def search(self, query: Query | str, markers: Mapping[str, object] | None = None,
               limit: int | None = None, new_ids: Collection[str] | None = None) -> list[Hit]:
        """The papers matching ``query``, best first (see ``Hit.score``); at most ``limit``.

        ``markers`` (paper id -> marker) serve the marker filters (``is:read`` ...), ``new_ids``
        (the ids of the papers new since last time) ``is:new``; without them nothing is read,
        starred or new. Pass the same ``new_ids`` object again to reuse its bits.

        A query without words or phrases lists every paper the filters and exclusions let through,
        in library order. Raises ``QueryError`` only for a query *string* that does not parse.
        """
        q = parse_query(query) if isinstance(query, str) else query
        if limit is not None and limit <= 0:
            return []
        allowed, matched, in_title = self._match(q, markers, new_ids)
        if matched is None:
            return self._in_library_order(allowed, limit)
        query_text = " ".join(t.replace(JOIN, " ") for t in q.positive_terms)
        # Every hit is made, then cut to the limit: a limited result is a prefix of the full one.
        hits = self._ranked(matched & in_title, matched & ~in_title, query_text)
        if matched.bit_count() < FUZZY_BELOW and (limit is None or len(hits) < limit):
            hits += self._typo_hits(q, allowed & ~matched, query_text)
        return hits if limit is None else hits[:limit]

    def search_positions(self, query: Query | str, markers: Mapping[str, object] | None = None,
                         new_ids: Collection[str] | None = None) -> list[int]:
        """``[hit.pos for hit in self.search(query, markers, new_ids=new_ids)]``, without making
        the hits: what the reader shows on every keystroke. At 100,000 matches, taking the
        positions from a prebuilt table costs about a third of making the hits and reading their
        ``pos`` back."""
        q = parse_query(query) if isinstance(query, str) else query
        allowed, matched, in_title = self._match(q, markers, new_ids)
        if matched is None:
            return self._positions_in_library_order(allowed)
        query_text = " ".join(t.replace(JOIN, " ") for t in q.positive_terms)
        positions = self._ranked(matched & in_title, matched & ~in_title, query_text,
                                 positions=True)
        if matched.bit_count() < FUZZY_BELOW:
            positions += [hit.pos for hit in self._typo_hits(q, allowed & ~matched, query_text)]
        return positions

    def _match(self, q: Query, markers: Mapping[str, object] | None,
               new_ids: Collection[str] | None) -> tuple[int, int | None, int]:
        """The papers the filters let through, those of them matching every term (``None`` for a
        query without terms: then the first bitset already excludes the excluded terms), and the
        papers having every term in the title."""
        n = self.size
        allowed = self._filter_bits(q.filters, markers, new_ids)
        if not q.has_terms:
            if q.excluded:
                allowed &= ~self._excluded_bits(q.excluded, allowed)
            return allowed, None, 0

        matched = allowed
        in_title = bitset.full(n)
        for word in q.words:
            matched &= self._term_bits(word, title=False)
            in_title &= self._term_bits(word, title=True)
            if not matched:
                break
        for phrase in q.phrases:
            if not matched:
                break
            matched, phrase_in_title = self._phrase_bits(phrase, matched)
            in_title &= phrase_in_title
        if q.excluded and matched:
            matched &= ~self._excluded_bits(q.excluded, matched)
        return allowed, matched, in_title

    # -- terms ---------------------------------------------------------------------------------

    def _term_bits(self, term: str, title: bool) -> int:
        """Papers with a word (or compound) starting with ``term``, in the title or anywhere."""
        key = ("t" if title else "a", term)
        bits = self._term_cache.get(key)
        if bits is None:
            if JOIN in term:
                table = self._title_compounds if title else self._compounds
            else:
                table = self._title_words if title else self._words
            bits = table.prefix_bits(term)
            if len(self._term_cache) >= _TERM_CACHE_SIZE:
                self._term_cache = {}
            self._term_cache[key] = bits
        return bits

    def _phrase_bits(self, phrase: str, candidates: int) -> tuple[int, int]:
        """The candidates containing ``phrase`` anywhere, and those containing it in the title.

        The index narrows the candidates to papers having every word of the phrase; the rest is
        checked on the folded text. Checking is the one per-paper cost in search, so results are
        cached per phrase, and a phrase being typed ("large l", "large la", ...) only re-checks the
        papers that matched its previous form: a match of "large la" is a match of "large l".
        """
        parts = phrase.split(" ")
        for part in parts:
            candidates &= self._term_bits(part, title=False)
        if not candidates:
            return 0, 0
        checked, anywhere, in_title = self._phrase_cache.get(phrase, (0, 0, 0))
        todo = candidates & ~checked
        if todo:
            for shorter, (s_checked, s_anywhere, _) in list(self._phrase_cache.items()):
                if phrase.startswith(shorter) and shorter != phrase:
                    todo &= s_anywhere | ~s_checked
            new_anywhere, new_title = self._check_phrase(parts, todo)
            checked |= candidates
            anywhere |= new_anywhere
            in_title |= new_title
            if len(self._phrase_cache) >= _PHRASE_CACHE_SIZE:
                self._phrase_cache = {}
            self._phrase_cache[phrase] = (checked, anywhere, in_title)
        return anywhere & candidates, in_title & candidates

    def _check_phrase(self, parts: list[str], candidates: int) -> tuple[int, int]:
        """Check the folded title and abstract of each candidate for the phrase."""
        # Literal first, so the regex engine scans for it at C speed; the word boundary before the
        # phrase is checked on each hit.
        pattern = re.compile(r"[\W_]+".join(map(re.escape, parts)))
        papers, rank_to_pos = self._papers, self._rank_to_pos
        anywhere = bytearray(self.size)
        in_title = bytearray(self.size)
        for rank in bitset.ranks(candidates):
            paper = papers[rank_to_pos[rank]]
            if _contains(pattern, fold(paper.title)):
                anywhere[rank] = in_title[rank] = 1
            elif _contains(pattern, fold(paper.abstract)) or (
                    paper.arxiv_id and _contains(pattern, fold(paper.arxiv_id))):
                anywhere[rank] = 1
        return bitset.from_mask(anywhere), bitset.from_mask(in_title)

    def _excluded_bits(self, excluded: Sequence[str], candidates: int) -> int:
        """Among ``candidates``, the papers matching any excluded term."""
        bits = 0
        for term in excluded:
            if " " in term:
                bits |= self._phrase_bits(term, candidates)[0]
            else:
                bits |= self._term_bits(term, title=False)
        return bits & candidates

    # -- filters -------------------------------------------------------------------------------

    def _filter_bits(self, filters: Sequence[Filter], markers: Mapping[str, object] | None,
                     new_ids: Collection[str] | None = None) -> int:
        bits = bitset.full(self.size)
        for f in filters:
            if f.is_marker:
                positive = marker_bits(markers, f.field, self._ranks_by_id(), self.size, f.value)
            elif f.field == NEW_FIELD:
                positive = self._id_bits(new_ids)
            elif f.is_text:
                positive = self._fields.text_bits(f, self._paper_at_rank)
            elif f.field == "code":
                positive = self._fields.code_bits()
            elif f.field == DAY_FILTER:
                positive = self._days().between(f.low, f.high)
            else:
                positive = self._groups(f.field).between(f.low, f.high)
            bits &= apply_filter(f, positive, self.size)
        return bits

    def _id_bits(self, ids: Collection[str] | None) -> int:
        """The papers with these ids; the last answer is kept for the same collection object (the
        reader passes its set of new ids with every keystroke)."""
        if not ids:
            return 0
        cached = self._ids_cache
        if cached is not None and cached[0] is ids:
            return cached[1]
        rank_of = self._ranks_by_id()
        mask = bytearray(self.size)
        for paper_id in ids:
            rank = rank_of.get(paper_id)
            if rank is not None:
                mask[rank] = 1
        bits = bitset.from_mask(mask)
        self._ids_cache = (ids, bits)
        return bits

    def _paper_at_rank(self, rank: int) -> Paper:
        return self._papers[self._rank_to_pos[rank]]

    def _groups(self, field: str) -> ValueGroups:
        groups = self._value_groups.get(field)
        if groups is None:
            groups = ValueGroups(self._numbers[field], self.size)
            self._value_groups[field] = groups
        return groups

    def _days(self) -> DayGroups:
        """The papers of each listing day, grouped on first use (about 50 ms at 100,000)."""
        groups = self._day_groups
        if groups is None:
            papers = self._papers
            groups = DayGroups((papers[pos].days for pos in self._rank_to_pos), self.size)
            self._day_groups = groups
        return groups

    def listing_days(self) -> list[int]:
        """Every day (ordinal) on which some listing was captured, oldest first."""
        return list(self._days().days)

    def _ranks_by_id(self) -> dict[str, int]:
        if self._rank_of_id is None:
            papers = self._papers
            self._rank_of_id = dict(zip((papers[pos].id for pos in self._rank_to_pos),
                                        self._numbers_0_to_n()))
        return self._rank_of_id

    # -- results -------------------------------------------------------------------------------

    def _hit_table(self, kind: str):
        """Prebuilt results. "ranked": a numpy array of objects, the title-group ``Hit`` of each
        rank, then (from ``8 * ceil(size / 8)``, the width of ``_ranked``'s masks; None between)
        the other-group ``Hit`` of each rank; "positions": the same layout holding each rank's
        position (the int objects of ``_numbers_0_to_n``, shared); "numbers": those ints as a
        numpy array; "plain": a ``Hit`` per position (empty queries; a list). Building the hits
        costs ~40 ms per 100,000, once; the others a few ms."""
        table = self._hit_tables.get(kind)
        if table is None:
            # Collector paused: up to 200,000 new objects and no garbage (see __init__), and a
            # pass in the middle would free other objects whose holes the new ones then fill,
            # scattering them; taken in rank order, contiguous ones are read several times faster.
            with self._lock, gc_paused():
                table = self._hit_tables.get(kind)
                if table is None:
                    numbers = self._numbers_0_to_n()
                    if kind == "plain":
                        table = [Hit(pos, 0.0, False, False) for pos in numbers]
                    elif kind == "numbers":
                        import numpy as np

                        table = np.fromiter(numbers, dtype=object, count=self.size)
                    elif kind == "positions":
                        import numpy as np

                        half = 8 * ((self.size + 7) // 8)  # as the masks of _ranked
                        table = np.full(2 * half, None, dtype=object)
                        by_rank = self._hit_tables.get("numbers")
                        if by_rank is None:
                            by_rank = np.fromiter(numbers, dtype=object, count=self.size)
                            self._hit_tables["numbers"] = by_rank
                        by_rank = by_rank[self._positions_by_rank()]
                        table[:self.size] = by_rank
                        table[half:half + self.size] = by_rank
                    else:
                        import numpy as np

                        half = 8 * ((self.size + 7) // 8)  # as the masks of _ranked
                        table = np.full(2 * half, None, dtype=object)
                        for start, score, title in ((0, TITLE_BASE, True),
                                                    (half, OTHER_BASE, False)):
                            table[start:start + self.size] = np.fromiter(
                                (Hit(numbers[pos], score, title, False)
                                 for pos in self._rank_to_pos), dtype=object, count=self.size)
                    self._hit_tables[kind] = table
        return table

    def _positions_by_rank(self):
        """``_rank_to_pos`` as a numpy array (a view of the same memory), to gather with."""
        import numpy as np

        return np.frombuffer(self._rank_to_pos, np.uint32) if self.size else np.empty(0, np.uint32)

    def _numbers_0_to_n(self) -> list[int]:
        """The ints 0..size-1 as one set of objects, shared by the lazily built tables (each int
        object is 28 bytes: at 100,000 papers sharing them saves about 10 MB)."""
        numbers = self._ints
        if numbers is None:
            numbers = self._ints = list(range(self.size))
        return numbers

    def warm(self) -> None:
        """Build the lazily built parts now (e.g. in a background thread after start-up), so that
        no keystroke pays for them: the prebuilt hits of ranked groups, the id lookup, the filter
        groups. (The prebuilt hits for queries without words are only made when first needed:
        most such queries are filters with few hits, and the TUI lists everything by itself.)"""
        with gc_paused():  # 300,000 new objects and no garbage: see __init__
            self._hit_table("ranked")
            self._hit_table("positions")
            self._ranks_by_id()
            self._library_order()
            for field in self._numbers:
                self._groups(field)
            self._days()

    def _in_library_order(self, bits: int, limit: int | None) -> list[Hit]:
        if "plain" not in self._hit_tables and bits.bit_count() <= _FEW:
            # Few hits (is:starred, has:note): not worth building a table of every paper.
            positions = sorted(bitset.select(self._rank_to_pos, bits))[:limit]
            return [Hit(pos, 0.0, False, False) for pos in positions]
        table = self._hit_table("plain")
        if bits == bitset.full(self.size):
            return table[:limit] if limit is not None else list(table)
        if self.size < 2:
            return [table[0]] if bits & 1 else []
        mask = bitset.to_mask(bits).ljust(self.size, b"\x00")
        selected = compress(table, self._library_order()(mask))
        return list(selected if limit is None else (h for h, _ in zip(selected, range(limit))))

    def _positions_in_library_order(self, bits: int) -> list[int]:
        """The positions of the papers in ``bits``, in library (= position) order."""
        import numpy as np

        if not bits:
            return []
        in_order = np.zeros(self.size, bool)
        in_order[self._positions_by_rank()[bitset.rank_array(bits)]] = True
        return self._hit_table("numbers")[in_order].tolist()

    def _library_order(self) -> itemgetter:
        """Reorders a per-rank sequence into library order (one C-level gather)."""
        if self._pos_order is None:
            rank_of_pos = array("I", bytes(4 * self.size))
            for rank, pos in enumerate(self._rank_to_pos):
                rank_of_pos[pos] = rank
            numbers = self._numbers_0_to_n()
            self._pos_order = itemgetter(*map(numbers.__getitem__, rank_of_pos)) \
                if self.size > 1 else itemgetter(0, 0)
        return self._pos_order

    def _ranked(self, title_group: int, other_group: int, query_text: str,
                positions: bool = False) -> list:
        """The hits of both groups (or only their positions): in each, its first ``SCORED``
        (newest) re-ordered by closeness, then the rest newest first; the title group first.

        The rest of both groups comes out of a prebuilt table in one numpy step: both bitsets
        unpacked side by side to one boolean mask over the table ("ranked": title hits, then
        other hits, by rank; "positions": the same papers' positions), the scored heads cleared
        from it, and the mask applied."""
        import numpy as np

        n = self.size
        if not (title_group or other_group):
            return []
        width = (n + 7) // 8
        mask = np.unpackbits(np.frombuffer(title_group.to_bytes(width, "little")
                                           + other_group.to_bytes(width, "little"), np.uint8),
                             bitorder="little").view(bool)
        half = 8 * width
        by_rank = self._positions_by_rank()
        papers = self._papers
        heads: list[list[Hit]] = []
        for start, base, title_match in ((0, TITLE_BASE, True), (half, OTHER_BASE, False)):
            group = mask[start:start + half]
            found = _first_set(group, SCORED)
            if not len(found):
                heads.append([])
                continue
            group[:found[-1] + 1] = False  # the head is not taken from the table
            head = by_rank[found].tolist()
            scores = closeness(query_text, [fold(papers[pos].title) for pos in head])
            scored = sorted(((base + s, pos) for s, pos in zip(scores, head)),
                            key=lambda item: -item[0])
            heads.append([pos for _, pos in scored] if positions else
                         [Hit(pos, score, title_match, False) for score, pos in scored])
        rest = self._hit_table("positions" if positions else "ranked")[mask].tolist()
        title_rest = title_group.bit_count() - len(heads[0])
        rest[title_rest:title_rest] = heads[1]
        rest[0:0] = heads[0]
        return rest

    def _typo_hits(self, q: Query, candidates: int, query_text: str) -> list[Hit]:
        """Title matches allowing typos in the query words, for papers not already matched."""
        if not any(max_typos(w) for w in q.words):
            return []
        for word in q.words:
            word_bits = self._term_bits(word, title=True)
            # A short word that matches as typed ("grok": Grokking) gets no typo matches: one
            # edit of four letters is another word ("Grow"), not a slip.
            if len(word) <= EXACT_ONLY_UP_TO and (word_bits or self._term_bits(word, title=False)):
                candidates &= word_bits
                if not candidates:
                    return []
                continue
            for index in self._typos.matches(word):
                word_bits |= self._title_words.term_bits(index)
            candidates &= word_bits
            if not candidates:
                return []
        for phrase in q.phrases:
            candidates = self._phrase_bits(phrase, candidates)[0]
        if q.excluded and candidates:
            candidates &= ~self._excluded_bits(q.excluded, candidates)
        if not candidates:
            return []
        positions = bitset.select(self._rank_to_pos, candidates)
        papers = self._papers
        head = positions[:SCORED]
        scores = closeness(query_text, [fold(papers[pos].title) for pos in head])
        scored = sorted(((min(s, FUZZY_MAX), pos) for s, pos in zip(scores, head)),
                        key=lambda item: -item[0])
        hits = [Hit(pos, score, True, True) for score, pos in scored]
        hits += [Hit(pos, 0.0, True, True) for pos in positions[SCORED:]]
        return hits
