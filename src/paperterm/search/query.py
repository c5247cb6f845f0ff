"""The query language: one parser shared by the CLI and the TUI, so a query means the same everywhere.

A query is a line of space-separated terms::

    grok lazy "rich training" -diffusion year:>=2023 is:unread

- A free word must match the start of a word in the title or abstract (all words must match).
  Folding (see ``text``) makes it case- and accent-insensitive.
- Words joined by punctuation (``in-context``, ``gpt-4``, ``http://x``) form one *compound* term that
  matches the same words joined by any joining punctuation (not by white space or a separator such
  as ``,`` or ``(``; see ``text``); the last word is a prefix.
- ``"quoted words"`` match as consecutive words, separated by anything; the last one is a prefix.
  A quoted single word is an ordinary word; quoting also turns ``name:value`` into plain text.
- ``-term`` excludes papers matching the term (a word, compound or quoted phrase).
- ``name:value`` is a filter (see ``FILTER_HELP``); ``-name:value`` negates it (its complement).
  The text filters (``author:``, ``org:``, ``kw:``) take words that must each start a word of one
  field; ``author:"geoffrey hin"`` (quoted) wants the words in a row within one name.
  A known filter name with a bad value is an error (``QueryError``); so is an unknown name, except
  when the value starts with something no filter value can (``http://x`` is text).

Parsing never raises anything but ``QueryError`` (a ``ValueError``), whose message is one line naming
the bad filter or value, ready to show to the user.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from paperterm.search.text import CHUNK_RE, WORD_RE, chunk_terms, fold
from paperterm.tags import TagError, normalize_tag

#: Marker filters: name:value -> (marker field, wanted truth value).
MARKER_FILTERS: dict[tuple[str, str], tuple[str, bool]] = {
    ("is", "read"): ("read", True),
    ("is", "unread"): ("read", False),
    ("is", "starred"): ("starred", True),
    ("is", "unstarred"): ("starred", False),
    ("is", "noted"): ("note", True),
    ("has", "note"): ("note", True),
    ("has", "tags"): ("tags", True),
}
#: The marker fields the marker filters read.
MARKER_FIELDS = ("read", "starred", "note", "tags")
#: Filters on what a paper has: name:value -> (paper property, wanted truth value).
PAPER_FLAGS: dict[tuple[str, str], tuple[str, bool]] = {
    ("has", "code"): ("code", True),
}
#: "New since last time": the papers first seen in the reader's latest session, given to each
#: search as ``new_ids`` (see ``MarkerStore.begin_session``).
NEW_FIELD = "new"
SESSION_FLAGS: dict[tuple[str, str], tuple[str, bool]] = {
    ("is", "new"): (NEW_FIELD, True),
}

#: Numeric filters: name -> paper field they compare.
NUMERIC_FILTERS = ("year", "authors", "upvotes", "seen", "comments", "stars")
#: Text filters: words starting words of the author names, the organisation, the AI keywords.
TEXT_FILTERS = ("author", "org", "kw")

#: The day filter: the capture dates of the listings a paper was seen in (``Paper.days``).
DAY_FILTER = "day"
#: The tag filter: ``tag:NAME``, the papers with that tag (a marker filter on ``tags``).
TAG_FILTER = "tag"

KNOWN_FILTERS = ("is", "has", *NUMERIC_FILTERS, *TEXT_FILTERS, DAY_FILTER, TAG_FILTER)

#: One line per filter, for help texts.
FILTER_HELP = (
    "is:read, is:unread, is:starred, is:unstarred, has:note (or is:noted), is:new, has:code, "
    "has:tags; tag:NAME (your tag); "
    "year:, authors:, upvotes:, seen:, comments:, stars: with N, =N, >N, >=N, <N, <=N or A..B; "
    "author:, org:, kw: with words; "
    "day: with YYYY-MM-DD, YYYY-MM, YYYY, today, yesterday or today-N, "
    "also after >, >=, <, <= or in A..B"
)

_NUMBER_OPS = ("<=", ">=", "=", "<", ">")
_FILTER_RE = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
# Values that could be meant as a filter value: a letter, digit, comparison or range. Anything else
# after "name:" ("//" in http://x) means the term is text, not a filter.
_FILTER_VALUE_START = re.compile(r"[A-Za-z0-9<>=.!]")
# A term: optional "-", then a filter with a quoted value (``author:"a b"``), a quoted phrase
# (closing quote optional while typing) or a bare word.
_TERM_RE = re.compile(r'(-?)(?:([A-Za-z]+):"([^"]*)"?|"([^"]*)"?|([^\s"]+))')


class QueryError(ValueError):
    """A query that cannot be parsed. ``str()`` is one line naming the bad filter or value."""


@dataclass(frozen=True, slots=True)
class Filter:
    """One filter term. Numeric filters keep inclusive bounds (``None`` = open); marker filters keep
    the marker ``field`` (``read``, ``starred``, ``note``, ``tags``) and ``want`` (True/False);
    ``tag:NAME`` is the marker field ``tags`` with ``value`` the tag name (normalised), ``has:tags``
    the same with no ``value`` (any tag). The ``day`` filter's bounds are day numbers
    (``datetime.date.toordinal()``), ``today`` already resolved."""

    field: str
    low: int | None = None
    high: int | None = None
    want: bool = True
    negated: bool = False
    text: str = ""
    value: str = ""
    phrase: bool = False

    @property
    def is_marker(self) -> bool:
        return self.field in MARKER_FIELDS

    @property
    def is_text(self) -> bool:
        """A text filter: ``value`` holds its folded words (space-separated); ``phrase`` says they
        were quoted, so must follow each other within one name, organisation or keyword."""
        return self.field in TEXT_FILTERS


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. All text terms are folded (lower case, no accents).

    ``words``: single words and compounds (``"in-context"``, words joined by ``-``);
    ``phrases``: quoted phrases of two or more words (words joined by a space);
    ``excluded``: excluded terms in either form; ``filters``: ``Filter`` objects.
    """

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No words, phrases or exclusions (filters may still be present)."""
        return not (self.words or self.phrases or self.excluded)

    @property
    def uses_new(self) -> bool:
        """Whether a filter asks for the new papers (``is:new``), whose ids the search needs."""
        return any(f.field == NEW_FIELD for f in self.filters)

    @property
    def has_terms(self) -> bool:
        """There is something to rank by: at least one word or phrase (exclusions do not count)."""
        return bool(self.words or self.phrases)

    @property
    def positive_terms(self) -> tuple[str, ...]:
        """Words and phrases, the terms a paper must match."""
        return self.words + self.phrases


def _terms_for(text: str, quoted: bool) -> list[str]:
    """The folded terms of a bare term or quoted phrase as typed (none if it has no letter or digit).

    Quoted: one phrase of all its words (or one word). Bare: one word or compound per chunk, as in
    the index (``text.CHUNK_RE``), so "(grok)" is the word "grok" and "a,b" the words "a" and "b".
    """
    folded = fold(text)
    if quoted:
        runs = WORD_RE.findall(folded)
        return [" ".join(runs)] if runs else []
    return [t for t in map(chunk_terms, CHUNK_RE.findall(folded)) if t is not None]


def _parse_number(name: str, value: str, raw: str) -> tuple[int | None, int | None]:
    """Inclusive (low, high) bounds for a numeric value such as ``>=2023`` or ``2021..2023``."""
    example = {"year": ">=2023", "authors": ">5", "upvotes": ">=1", "seen": ">=2",
               "comments": ">=3", "stars": ">=100"}.get(name, ">=1")
    bad = QueryError(f"bad value {value!r} for filter '{name}:' in {raw!r} "
                     f"(expected N, =N, >N, >=N, <N, <=N or A..B, e.g. {name}:{example})")

    def number(text: str) -> int:
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise bad
        return int(text)

    if ".." in value:
        left, _, right = value.partition("..")
        low = number(left) if left else None
        high = number(right) if right else None
        if low is None and high is None:
            raise bad
        if low is not None and high is not None and low > high:
            raise QueryError(f"empty range {value!r} for filter '{name}:' in {raw!r}")
        return low, high
    for op in _NUMBER_OPS:
        if value.startswith(op):
            n = number(value[len(op):])
            break
    else:
        op, n = "=", number(value)
    if op == "=":
        return n, n
    if op == ">":
        return n + 1, None
    if op == ">=":
        return n, None
    if op == "<":
        return None, n - 1
    return None, n


_TEXT_EXAMPLES = {"author": "author:hinton", "org": "org:qwen", "kw": "kw:diffusion"}


_DAY_POINT = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{1,2})(?:-(?P<d>[0-9]{1,2}))?)?"
    r"|(?P<rel>today|yesterday)(?:-(?P<back>[0-9]{1,5}))?",
    re.IGNORECASE,
)


def _day_span(text: str, today: int, bad: QueryError) -> tuple[int, int]:
    """The first and last day (ordinals) a day value names: a day, a month, a year, or a day
    relative to ``today`` (``today``, ``yesterday``, ``today-7``)."""
    match = _DAY_POINT.fullmatch(text.strip())
    if match is None:
        raise bad
    if match["rel"]:
        day = today - (1 if match["rel"].lower() == "yesterday" else 0) - int(match["back"] or 0)
        if day < 1:
            raise bad
        return day, day
    year = int(match["y"])
    try:
        if match["d"]:
            day = dt.date(year, int(match["m"]), int(match["d"])).toordinal()
            return day, day
        if match["m"]:
            month = int(match["m"])
            first = dt.date(year, month, 1)
            last = first.replace(day=calendar.monthrange(year, month)[1])
            return first.toordinal(), last.toordinal()
        return dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
    except ValueError:
        raise bad from None


def _parse_day(value: str, raw: str, today: int) -> tuple[int | None, int | None]:
    """Inclusive (low, high) day numbers for a ``day:`` value such as ``>=2024-05-20``."""
    bad = QueryError(f"bad value {value!r} for filter 'day:' in {raw!r} (expected YYYY-MM-DD, "
                     "YYYY-MM, YYYY, today, yesterday or today-N, alone, after >, >=, <, <=, "
                     "or as A..B, e.g. day:>=2024-05-20)")
    if ".." in value:
        left, _, right = value.partition("..")
        if not left and not right:
            raise bad
        low = _day_span(left, today, bad)[0] if left else None
        high = _day_span(right, today, bad)[1] if right else None
        if low is not None and high is not None and low > high:
            raise QueryError(f"empty range {value!r} for filter 'day:' in {raw!r}")
        return low, high
    for op in _NUMBER_OPS:
        if value.startswith(op):
            first, last = _day_span(value[len(op):], today, bad)
            break
    else:
        op = "="
        first, last = _day_span(value, today, bad)
    return {"=": (first, last), ">": (last + 1, None), ">=": (first, None),
            "<": (None, first - 1), "<=": (None, last)}[op]


def _parse_filter(name: str, value: str, negated: bool, raw: str, today: int,
                  quoted: bool = False) -> Filter:
    key = name.lower()
    if key not in KNOWN_FILTERS:
        known = ", ".join(f"{k}:" for k in KNOWN_FILTERS)
        raise QueryError(f"unknown filter '{name}:' (known: {known})")
    if key in TEXT_FILTERS:
        words = WORD_RE.findall(fold(value))
        if not words:
            raise QueryError(f"filter '{key}:' needs a word, e.g. {_TEXT_EXAMPLES[key]}")
        return Filter(field=key, negated=negated, text=raw, value=" ".join(words),
                      phrase=quoted and len(words) > 1)
    if key == TAG_FILTER:
        if not value.strip():
            raise QueryError("filter 'tag:' needs a tag name, e.g. tag:to-read")
        try:
            name = normalize_tag(value)
        except TagError as exc:
            raise QueryError(f"bad value for filter 'tag:' in {ascii(raw)}: {exc}") from None
        return Filter(field="tags", negated=negated, text=raw, value=name)
    if not value:
        raise QueryError(f"filter '{key}:' needs a value ({FILTER_HELP})")
    if key in ("is", "has"):
        flag = MARKER_FILTERS.get((key, value.lower())) or PAPER_FLAGS.get(
            (key, value.lower())) or SESSION_FLAGS.get((key, value.lower()))
        if flag is None:
            choices = ", ".join(f"{k}:{v}" for k, v in (*MARKER_FILTERS, *SESSION_FLAGS,
                                                         *PAPER_FLAGS) if k == key)
            raise QueryError(f"unknown value {value!r} for filter '{key}:' (known: {choices})")
        field, want = flag
        return Filter(field=field, want=want, negated=negated, text=raw)
    if key == DAY_FILTER:
        low, high = _parse_day(value, raw, today)
        return Filter(field=key, low=low, high=high, negated=negated, text=raw)
    low, high = _parse_number(key, value, raw)
    return Filter(field=key, low=low, high=high, negated=negated, text=raw)


def parse_query(text: str, today: dt.date | None = None) -> Query:
    """Parse a query line. Raises ``QueryError`` (one-line message) for a bad filter or value.

    ``today`` (default: the local date now) is what ``day:today`` and ``day:yesterday`` mean.
    Results are cached per text and day: typing re-parses the same prefixes, a ``Query`` is
    immutable, and a query parsed again after midnight gets the new day.
    """
    if not isinstance(text, str):
        raise QueryError(f"query must be text, not {type(text).__name__}")
    return _parse_query(text, (today or dt.date.today()).toordinal())


@lru_cache(maxsize=256)
def _parse_query(text: str, today: int) -> Query:
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    filters: list[Filter] = []
    for match in _TERM_RE.finditer(text):
        minus, name, value, quoted, bare = match.groups()
        negated = minus == "-"
        if name is not None:
            filters.append(_parse_filter(name, value, negated, match.group(0), today,
                                         quoted=True))
            continue
        if bare is not None:
            f = _FILTER_RE.fullmatch(bare)
            if f and (f.group(1).lower() in KNOWN_FILTERS or not f.group(2)
                      or _FILTER_VALUE_START.match(f.group(2))):
                filters.append(_parse_filter(f.group(1), f.group(2), negated, match.group(0),
                                             today))
                continue
        for term in _terms_for(bare if bare is not None else quoted, quoted=bare is None):
            if negated:
                excluded.append(term)
            elif " " in term:
                phrases.append(term)
            else:
                words.append(term)
    return Query(text=text, words=_unique(words), phrases=_unique(phrases),
                 excluded=_unique(excluded), filters=tuple(dict.fromkeys(filters)))


def _unique(items: list[str]) -> tuple[str, ...]:
    """Items without repeats, first occurrence first (repeating a term changes nothing)."""
    return tuple(dict.fromkeys(items))
