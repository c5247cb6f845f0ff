"""The records every layer shares: the ``Paper`` every source produces (and the id that makes one
paper one paper), and the ``Marker`` the store keeps per paper.

A paper seen in several listings must be a single entry with a single set of markers, so its id is
derived from nothing but its title, normalised: the same title with other spacing, case, accents in
composed or decomposed form, or punctuation gives the same id.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import deque
from collections.abc import Sequence
from hashlib import sha1
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter
from urllib.parse import quote_plus
from typing import Protocol

from paperterm.wording import plural

#: Length of a full paper id in hex digits. 48 bits: at 100,000 papers the chance that two distinct
#: titles share an id is about 2 in 100,000 (birthday bound), while users type only a short prefix.
ID_LENGTH = 12

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
#: What ``_NON_WORD`` replaces, for ASCII text: everything but letters and digits becomes a space.
_ASCII_NON_WORD = {i: " " for i in range(128) if not chr(i).isalnum()}


def normalize_title(title: str) -> str:
    """Fold a title to the form used for identity: NFKC, case-folded, punctuation and spaces collapsed."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    if folded.isascii():  # nearly every title: the same result at C speed, a third faster
        return " ".join(folded.translate(_ASCII_NON_WORD).split())
    return _NON_WORD.sub(" ", folded).strip()


def paper_id(title: str) -> str:
    """The stable short key of a paper, like a git short hash of its normalised title."""
    if title.isascii():
        # Nearly every title: ``normalize_title`` on bytes (NFKC leaves ASCII as it is, and
        # casefold is lower), where translate and split are table lookups: three times faster,
        # and a first start makes 100,000 ids.
        words = title.encode("ascii").lower().translate(_ASCII_WORD_BYTES).split()
        return sha1(b" ".join(words)).hexdigest()[:ID_LENGTH]
    # surrogatepass: a str can hold lone surrogates; they must give an id, not an exception.
    digest = sha1(normalize_title(title).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:ID_LENGTH]


#: ``_ASCII_NON_WORD`` as a bytes table: letters and digits stay, every other ASCII byte is a space.
_ASCII_WORD_BYTES = bytes(b if chr(b).isalnum() else 0x20 for b in range(256))


_ID_FORM = re.compile(f"[0-9a-f]{{{ID_LENGTH}}}")


def is_paper_id(text: str) -> bool:
    """Whether ``text`` has the form of a full paper id (what ``paper_id`` returns)."""
    return _ID_FORM.fullmatch(text) is not None


#: The paper's page on Hugging Face, for a paper with an arXiv id.
HF_PAPER_URL = "https://huggingface.co/papers/{}"
#: The paper's arXiv abstract page (what a citation points at).
ARXIV_ABS_URL = "https://arxiv.org/abs/{}"
#: An arXiv search for the title, for a paper without one.
ARXIV_TITLE_SEARCH_URL = "https://arxiv.org/search/?query={}&searchtype=title"

# A URL naming one arXiv paper: its arXiv abstract, PDF or HTML page, or its Hugging Face page.
# Only new-style ids (2007 on: YYMM.NNNN or YYMM.NNNNN); the version is dropped.
_ARXIV_URL = re.compile(
    r"https?://(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf|html)|huggingface\.co/papers)/"
    r"(?P<id>[0-9]{4}\.[0-9]{4,5})(?:v[0-9]+)?(?:\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE,
)


#: A new-style arXiv id, the only form that goes into a link as it is (anything else from a
#: source gets the title search, so a link never carries unchecked text).
_ARXIV_ID = re.compile(r"[0-9]{4}\.[0-9]{4,5}")


def arxiv_id_in(urls: Sequence[str]) -> str | None:
    """The arXiv id the URLs point at, when they point at exactly one (an abstract that links two
    arXiv papers cites one of them, and which is its own cannot be told)."""
    ids = {m["id"] for m in map(_ARXIV_URL.fullmatch, urls) if m is not None}
    return ids.pop() if len(ids) == 1 else None


def known_arxiv_id(paper: Paper) -> str | None:
    """The paper's arXiv id when known: the one place that decides it (an API day file's id, else
    the abstract's URLs, ``arxiv_id_in``), for ``Paper.link``."""
    return paper.arxiv_id or arxiv_id_in(paper.urls)


def paper_link(title: str, arxiv_id: str | None) -> str:
    """The page to open for a paper, never empty: its Hugging Face page when its arXiv id is
    known (and well-formed), else an arXiv search for its title (quoted, so any title gives a
    safe URL)."""
    if arxiv_id and _ARXIV_ID.fullmatch(arxiv_id):
        return HF_PAPER_URL.format(arxiv_id)
    words = " ".join(title.split())
    return ARXIV_TITLE_SEARCH_URL.format(quote_plus(words, errors="replace"))


class TextStore(Protocol):
    """Where an abstract kept out of memory is read back from (``paperterm.abstracts.TextFile``)."""

    def read(self, ref: int) -> str: ...


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Paper:
    """One paper as parsed from a listing (or merged from several). Immutable.

    ``published`` is an ISO date (``YYYY-MM-DD``) or ``None`` when the listing gave no date or one
    that could not be resolved; ``published_text`` keeps the date exactly as the listing showed it,
    and ``published_inferred`` says the year was not shown but inferred from the listing.

    What an API day file adds (``None`` or empty for a page-text listing): ``arxiv_id``;
    ``author_names`` in order (``authors`` stays the count); ``github`` (the code repository URL)
    and its ``github_stars``; ``project_page``; ``comments`` (the Hugging Face discussion count);
    ``ai_summary`` and ``keywords``, both machine-written by Hugging Face. ``organization`` is the
    organisation's full name for both kinds of listing.

    ``abstract`` is a string, but it need not live in memory: at 100,000 papers abstracts are
    three quarters of the library (about 170 MB), while a reader looks at a handful. A
    ``StoredPaper`` (made by ``stored_paper``) holds only where its abstract is in a ``TextStore``
    (a file: the cache, or a spool written while parsing) and reads it when asked. Both kinds are
    equal when their fields are, and behave the same everywhere else.

    The fields are written here once; everything else (``FIELDS``, ``to_dict``, ``replace``,
    equality, ``repr``, the cache's pickling) follows them. Adding a field is one line below, with
    a default so existing callers keep working. ``to_dict`` gives every field (tuples as lists);
    the machine-readable record's key order is fixed in ``export.records``.
    """

    id: str
    title: str
    abstract: str
    authors: int | None = None
    organization: str | None = None
    published: str | None = None
    published_text: str | None = None
    published_inferred: bool = False
    upvotes: int | None = None
    urls: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    days: tuple[str, ...] = ()  # capture dates (ISO) of the listings it was seen in, sorted
    arxiv_id: str | None = None
    author_names: tuple[str, ...] = ()
    github: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    comments: int | None = None
    ai_summary: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def link(self) -> str:
        """The page to open for this paper, never empty (``paper_link``): the one place that
        decides it, for ``b``, ``y``, the detail pane, every export and every JSON output."""
        return paper_link(self.title, known_arxiv_id(self))

    @property
    def year(self) -> int | None:
        """The publication year, when the date is known."""
        return int(self.published[:4]) if self.published else None

    def replace(self, **changes: object) -> Paper:
        """A copy with some fields changed (``dataclasses.replace`` for papers). An abstract that
        is not changed stays where it is: a stored one is not read."""
        unknown = changes.keys() - _FIELD_SET
        if unknown:
            raise TypeError(f"Paper has no field {min(unknown)!r}")
        others = list(_get_others(self))
        for name, value in changes.items():
            if name != "abstract":
                others[_OTHER_INDEX[name]] = value
        if "abstract" in changes:
            return _PaperBuilder(others[0], others[1], changes["abstract"], *others[2:])
        return with_abstract_of(self, *others)

    def to_dict(self) -> dict:
        """The paper's fields as plain JSON-ready values (lists instead of tuples)."""
        return {name: list(value) if type(value) is tuple else value
                for name, value in zip(FIELDS, self._values())}

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paper):
            return NotImplemented
        return self is other or self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self.id)  # equal papers have equal ids; reading an abstract to hash is waste

    def __repr__(self) -> str:  # one repr for both kinds: a stored paper is a Paper
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(FIELDS, self._values()))
        return f"Paper({fields})"

    def __reduce__(self) -> tuple:
        # Plain pickling (and copy) carries the abstract itself, as a plain Paper: a store is only
        # valid in the process that has it open. The cache pickles stored papers its own way.
        return Paper, self._values()


#: The fields of a ``Paper``, in constructor order.
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Paper))
#: The fields besides the abstract, in the order ``stored_paper`` takes them (id, title, ...).
OTHER_FIELDS: tuple[str, ...] = tuple(name for name in FIELDS if name != "abstract")
_FIELD_SET = frozenset(FIELDS)
_OTHER_INDEX = {name: i for i, name in enumerate(OTHER_FIELDS)}
#: A paper's values but the abstract, as one tuple (C speed).
_get_others = attrgetter(*OTHER_FIELDS)
#: The slot that holds a ``Paper``'s abstract; a ``StoredPaper`` keeps its reference there.
_ABSTRACT_SLOT = Paper.__dict__["abstract"]


class StoredPaper(Paper):
    """A ``Paper`` whose abstract is ``store.read(ref)``, read only when asked for.

    The inherited ``abstract`` slot holds the reference; the property below (which shadows the
    slot) reads the text. Setting it is possible only through ``object.__setattr__`` (the
    dataclass's own ``__init__``): like every field it is frozen.
    """

    __slots__ = ("_store",)

    abstract = property(  # type: ignore[assignment]
        lambda self: self._store.read(_ABSTRACT_SLOT.__get__(self)), _ABSTRACT_SLOT.__set__)


_set = object.__setattr__
_init = Paper.__init__
#: Each field's slot (its member descriptor), for ``stored_papers``.
_SLOTS = {name: Paper.__dict__[name] for name in FIELDS}
_STORE_SLOT = StoredPaper.__dict__["_store"]


def stored_paper(store: TextStore, ref: int, id: str, title: str, *rest: object,
                 **named: object) -> Paper:
    """A paper whose abstract is ``store.read(ref)``; the other fields as ``Paper`` takes them."""
    if not named and len(rest) == len(OTHER_FIELDS) - 2:
        return _StoredPaperBuilder(store, ref, id, title, *rest)
    paper = object.__new__(StoredPaper)
    _init(paper, id, title, ref, *rest, **named)
    _set(paper, "_store", store)
    return paper


def stored_papers(store: TextStore, columns: dict[str, list]) -> list[Paper]:
    """Many stored papers at once, from one list per field (``FIELDS``; ``abstract`` holds the
    references into ``store``), values already checked by the caller.

    What a cache load builds 100,000 papers with. Calling ``stored_paper`` per paper runs the
    dataclass's ``__init__`` (twenty ``object.__setattr__`` calls in Python) and took 0.45 s at
    100k papers; here every field is set for all papers in one C-level loop per field (``map``
    over the slot's setter), about a tenth of that. The objects are the same as ``stored_paper``
    makes: every slot set, nothing else.
    """
    count = len(columns["id"])
    papers = list(map(object.__new__, repeat(StoredPaper, count)))
    for name in FIELDS:
        values = columns[name]
        if len(values) != count:
            raise ValueError(f"column {name!r} has {len(values)} values for {count} papers")
        deque(map(_SLOTS[name].__set__, papers, values), 0)
    deque(map(_STORE_SLOT.__set__, papers, repeat(store, count)), 0)
    return papers


def papers_from_rows(rows: Sequence[tuple]) -> list[Paper]:
    """Plain (in-memory) papers from one tuple of field values per paper, in ``FIELDS`` order,
    values already checked by the caller: what the parsers build their papers with.

    The same objects as ``Paper(*row)`` makes, five times faster (``_PaperBuilder``): the
    dataclass's ``__init__`` (twenty ``object.__setattr__`` calls) was a tenth of a first
    start's parse.
    """
    return [_PaperBuilder(*row) for row in rows]


def _builder_init(fields: tuple[str, ...], first: tuple[str, ...], becomes: str):
    """The ``__init__`` of a builder: takes ``first`` then ``fields`` as positional arguments,
    stores each in the slot of its name, then turns the object into class ``becomes`` (looked
    up in this module when called). Generated from the field names, as ``dataclasses`` generates
    its ``__init__``, so the fields stay written once (in ``Paper``)."""
    names = (*first, *fields)
    body = "".join(f"    self.{name} = {name.lstrip('_')}\n" for name in names)
    source = (f"def __init__(self, {', '.join(name.lstrip('_') for name in names)}):\n"
              f"{body}    self.__class__ = {becomes}\n")
    namespace: dict = {}
    exec(source, globals(), namespace)  # noqa: S102 - names from our own dataclass fields only
    return namespace["__init__"]


class _PaperBuilder:
    """Makes a ``Paper``: ``_PaperBuilder(*values)`` is ``Paper(*values)``.

    It has the very slots of a ``Paper`` (nothing else), so its ``__init__`` sets them with plain
    attribute stores and then turns the object into a ``Paper`` (``__class__`` assignment, which
    Python allows between classes of the same layout): the result cannot be told from one the
    frozen dataclass made, at a fifth of the cost.
    """

    __slots__ = FIELDS

    __init__ = _builder_init(FIELDS, (), "Paper")


def with_abstract_of(paper: Paper, *others: object) -> Paper:
    """A paper with ``paper``'s abstract, left where it is (in memory or stored), and the other
    fields ``others`` (``OTHER_FIELDS``, in order, all of them): ``paper.replace`` of every other
    field, without looking each one up."""
    if type(paper) is StoredPaper:
        return _StoredPaperBuilder(paper._store, _ABSTRACT_SLOT.__get__(paper), *others)
    return _PaperBuilder(others[0], others[1], paper.abstract, *others[2:])


def stored_copy(paper: Paper, store: TextStore, ref: int) -> Paper:
    """``paper`` with its abstract at ``ref`` in ``store`` (``stored_paper`` with its fields)."""
    return _StoredPaperBuilder(store, ref, *_get_others(paper))


class _StoredPaperBuilder(Paper):
    """Makes a ``StoredPaper``, as ``_PaperBuilder`` makes a ``Paper``: the same slots (Paper's,
    then ``_store``), set with plain stores (``__setattr__`` is ``object``'s here, not the
    frozen one), then the object becomes a ``StoredPaper``."""

    __slots__ = ("_store",)
    __setattr__ = object.__setattr__

    # the store first, then the abstract's reference (Paper's slot; StoredPaper reads it)
    __init__ = _builder_init(("abstract", *OTHER_FIELDS), ("_store",), "StoredPaper")


def abstract_location(paper: Paper) -> tuple[TextStore | None, str | int]:
    """Where the abstract is: ``(None, text)`` in memory, or ``(store, ref)``."""
    if type(paper) is StoredPaper:
        return paper._store, _ABSTRACT_SLOT.__get__(paper)
    return None, paper.abstract


#: The concrete classes a ``Paper`` can be (for checks on unpickled data).
PAPER_TYPES = (Paper, StoredPaper)


@dataclass(frozen=True, slots=True)
class Marker:
    """The markers of one paper (a record of ``state.MarkerStore``). ``note`` is ``None`` when
    there is no note; ``tags`` are the paper's tag names, sorted (``paperterm.tags``); each
    ``*_at`` is when that field last changed (seconds since the epoch)."""

    paper_id: str
    title: str = ""
    read: bool = False
    starred: bool = False
    note: str | None = None
    updated: float = 0.0
    read_at: float | None = None
    starred_at: float | None = None
    note_at: float | None = None
    tags: tuple[str, ...] = ()
    tags_at: float | None = None


def positions_by_id(papers: Sequence[Paper]) -> dict[str, int]:
    """Each paper's position in ``papers``, by id (a C-level loop: 100,000 papers in ~10 ms)."""
    return dict(zip(map(_get_id, papers), range(len(papers))))


_get_id = attrgetter("id")


def newest_first(papers: Sequence[Paper]) -> list[int]:
    """Positions of ``papers`` newest first: undated papers last, ties in the given order.

    The one date order shared by the search index (which numbers papers this way), the reader's
    date sort and the command line, so all three always agree.
    """
    return sorted(range(len(papers)), key=lambda i: papers[i].published or "", reverse=True)


def authors_label(paper: Paper) -> str | None:
    """Who wrote it, as shown: the organisation line, else ``N author(s)``, else ``None``."""
    if paper.organization:
        return paper.organization
    if paper.authors is not None:
        return plural(paper.authors, "author")
    return None


def date_label(paper: Paper) -> str | None:
    """The date as shown: ISO with ``(year inferred)`` when it was, else the listing's own text."""
    if paper.published:
        return paper.published + (" (year inferred)" if paper.published_inferred else "")
    return paper.published_text


#: Author names shown before "and N more" (detail pane, ``show``, Markdown).
NAMES_SHOWN = 10


def author_names_label(paper: Paper, limit: int = NAMES_SHOWN) -> str | None:
    """``A, B, C`` -- the first ``limit`` author names, then ``and N more``; ``None`` without names."""
    names = paper.author_names
    if not names:
        return None
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit:,} more"
