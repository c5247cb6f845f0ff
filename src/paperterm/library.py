"""The merged library: every paper from every listing, once, remembering where it was seen.

Loading never stops at the first bad file: each file that cannot be read becomes a one-line warning
(``<file>: <problem>``) and the rest still loads. Only when nothing at all can be loaded, or a path the
user named does not exist, is it an error (``LoadError``).
"""

from __future__ import annotations

import bisect
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperterm.abstracts import abstract_size
from paperterm.gc_pause import gc_paused
from paperterm.model import OTHER_FIELDS, Paper, positions_by_id, with_abstract_of
from paperterm.safe_text import may_hold_unsafe
from paperterm.sources import ListingError, ParseResult, decode_listing
from paperterm.sources.capture import modified_date
from paperterm.sources.hf_api import parse_api_listing
from paperterm.sources.hf_daily import parse_listing

#: The file name endings of listings in a folder: page text and API day files (any case).
LISTING_SUFFIXES = (".txt", ".json")

#: Files larger than this are refused rather than read into memory.
MAX_FILE_BYTES = 1 << 30


class LoadError(Exception):
    """Nothing could be loaded. ``str()`` is one line: ``<path>: <problem>``."""


class IdError(LookupError):
    """An id (or id prefix) that names no paper, or more than one. ``str()`` is one line;
    ``ambiguous`` tells the two apart."""

    def __init__(self, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous


@dataclass(slots=True)
class Library:
    """Papers merged across listings, in the order they were first seen."""

    papers: list[Paper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    _by_id: dict[str, Paper] | None = field(default=None, repr=False, compare=False)
    _sorted_ids: list[str] | None = field(default=None, repr=False, compare=False)
    _by_arxiv: dict[str, Paper] | None = field(default=None, repr=False, compare=False)
    _positions: dict[str, int] | None = field(default=None, repr=False, compare=False)

    # The lookups below are made on first use: a reader's start needs none of them, and at
    # 100,000 papers they cost about 30 ms (the sort of every id more).

    def _ids_map(self) -> dict[str, Paper]:
        if self._by_id is None:
            self._by_id = {p.id: p for p in self.papers}
        return self._by_id

    def _arxiv_map(self) -> dict[str, Paper]:
        if self._by_arxiv is None:
            self._by_arxiv = {p.arxiv_id: p for p in self.papers if p.arxiv_id}
        return self._by_arxiv

    def positions(self) -> dict[str, int]:
        """Each paper's position in ``papers``, by id (made on first use; do not change it). A
        cached library comes with it made from its column of ids, a third of the cost."""
        if self._positions is None:
            self._positions = positions_by_id(self.papers)
        return self._positions

    def _ids(self) -> list[str]:
        """Every id, sorted."""
        if self._sorted_ids is None:
            self._sorted_ids = sorted(self._ids_map())
        return self._sorted_ids

    def __len__(self) -> int:
        return len(self.papers)

    def __iter__(self):
        return iter(self.papers)

    def get(self, paper_id: str) -> Paper | None:
        """The paper with exactly this full id, or ``None``."""
        return self._ids_map().get(paper_id)

    def resolve(self, prefix: str) -> Paper:
        """The one paper whose id starts with ``prefix``, or whose arXiv id is ``prefix`` (ids are
        hex digits, arXiv ids never are); ``IdError`` if none or several do."""
        key = prefix.strip().lower()
        if not key:
            raise IdError("empty id")
        by_id = self._ids_map()
        if key in by_id:
            return by_id[key]
        by_arxiv = self._arxiv_map().get(prefix.strip())
        if by_arxiv is not None:
            return by_arxiv
        ids = self._ids()
        start = bisect.bisect_left(ids, key)
        matches = []
        for candidate in ids[start:start + 3]:
            if candidate.startswith(key):
                matches.append(candidate)
        if not matches:
            raise IdError(f"{prefix}: no paper with this id")
        if len(matches) > 1:
            raise IdError(f"{prefix}: ambiguous id, matches {', '.join(matches[:2])} and more",
                          ambiguous=True)
        return by_id[matches[0]]

    def short_id(self, paper_id: str, minimum: int = 7) -> str:
        """The shortest prefix of ``paper_id`` (at least ``minimum`` long) that is unique here."""
        ids = self._ids()
        i = bisect.bisect_left(ids, paper_id)
        length = minimum
        for j in (i - 1, i + 1):
            if 0 <= j < len(ids) and ids[j] != paper_id:
                other = ids[j]
                common = len(os.path.commonprefix([paper_id, other]))
                length = max(length, common + 1)
        return paper_id[:length]


def merge_paper(old: Paper, new: Paper) -> Paper:
    """One paper from two sightings (``old`` seen first): every source and day (sorted, oldest
    first), the most complete fields.

    The id and title stay ``old``'s, so markers stored against it stay attached. Upvotes and
    comments are the newest listing's figures (see ``_newer``), as are the code repository and its
    stars, the project page and the AI summary and keywords when the newest listing has them;
    what only one sighting knows (an API file's author names, a page's author count) is kept.
    """
    sources = old.sources + tuple(s for s in new.sources if s not in old.sources)
    days = old.days if set(new.days) <= set(old.days) else tuple(sorted({*old.days, *new.days}))
    newer, older = (new, old) if _newer(new, old) else (old, new)
    new_rank, old_rank = _date_rank(new), _date_rank(old)
    dated = new if new_rank > old_rank else old
    if (new_rank if dated is new else old_rank) == 0 and dated.published_text is None:
        dated = new if new.published_text else old
    urls = old.urls + tuple(u for u in new.urls if u not in old.urls)
    # The longer abstract wins; it stays where it is (in memory or stored).
    longer = new if abstract_size(new) > abstract_size(old) else old
    names = newer.author_names or older.author_names
    # An API file names the organisation exactly; a page's line is read with a heuristic.
    first, second = (new, old) if new.arxiv_id and not old.arxiv_id else (old, new)
    code = newer if newer.github is not None else older
    # Every field but the abstract, in ``OTHER_FIELDS`` order.
    return with_abstract_of(
        longer,
        old.id,
        old.title,
        len(names) if names else (old.authors if old.authors is not None else new.authors),
        _first(first.organization, second.organization),
        dated.published,
        dated.published_text,
        dated.published_inferred,
        _first(newer.upvotes, older.upvotes),
        urls,
        sources,
        days,
        _first(old.arxiv_id, new.arxiv_id),
        names,
        code.github,
        code.github_stars,
        _first(newer.project_page, older.project_page),
        _first(newer.comments, older.comments),
        _first(newer.ai_summary, older.ai_summary),
        newer.keywords or older.keywords,
    )


def _date_rank(paper: Paper) -> int:
    """How well a sighting knows the date: not at all, with an inferred year, exactly."""
    return 0 if paper.published is None else (1 if paper.published_inferred else 2)


if OTHER_FIELDS != ("id", "title", "authors", "organization", "published", "published_text",
                    "published_inferred", "upvotes", "urls", "sources", "days", "arxiv_id",
                    "author_names", "github", "github_stars", "project_page", "comments",
                    "ai_summary", "keywords"):  # pragma: no cover - merge_paper lists them all
    raise ImportError("library.merge_paper does not match model.OTHER_FIELDS")


def _first(a, b):
    return a if a is not None else b


def _newer(new: Paper, old: Paper) -> bool:
    """Whether ``new`` was seen in a newer listing than ``old``: by their newest listing days
    when both are known; otherwise the one with more upvotes (counts only grow), ``new`` on ties."""
    new_day, old_day = _last_day(new), _last_day(old)
    if new_day is not None and old_day is not None and new_day != old_day:
        return new_day > old_day
    return (new.upvotes or 0) >= (old.upvotes or 0)


def _last_day(paper: Paper) -> str | None:
    return paper.days[-1] if paper.days else None


def merge_papers(results: Iterable[Sequence[Paper]]) -> list[Paper]:
    """Merge papers from several listings (in load order): one paper per id, and one per arXiv id.

    Two sightings are one paper when their normalised titles are equal (the same id) or when they
    have the same arXiv id (a title revised between two days). The merged paper keeps the id of
    its first sighting, and its place in the order.
    """
    merged: dict[str, Paper] = {}
    by_arxiv: dict[str, str] = {}  # arXiv id -> id of the merged paper
    alias: dict[str, str] = {}  # id of a sighting -> id of the merged paper it went into
    for papers in results:
        for paper in papers:
            key = alias.get(paper.id, paper.id)
            seen = merged.get(key)
            if paper.arxiv_id is not None:
                other = by_arxiv.get(paper.arxiv_id)
                if other is not None and other != key:
                    if seen is not None:  # two merged papers are one: fold the later one in
                        first, second = _in_order(merged, other, key)
                        merged[first] = merge_paper(merged[first], merged.pop(second))
                        _redirect(alias, by_arxiv, second, first)
                        other = first
                    alias[paper.id] = key = other
                    seen = merged[key]
                elif other is None:
                    by_arxiv[paper.arxiv_id] = key
            merged[key] = paper if seen is None else merge_paper(seen, paper)
            if merged[key].arxiv_id is not None:
                by_arxiv.setdefault(merged[key].arxiv_id, key)
    return list(merged.values())


def _in_order(merged: dict[str, Paper], a: str, b: str) -> tuple[str, str]:
    """``a`` and ``b`` ordered by when they were first seen (their order in ``merged``)."""
    for key in merged:
        if key == a:
            return a, b
        if key == b:
            return b, a
    return a, b


def _redirect(alias: dict[str, str], by_arxiv: dict[str, str], old: str, new: str) -> None:
    alias[old] = new
    for table in (alias, by_arxiv):
        for k, v in table.items():
            if v == old:
                table[k] = new


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The listing files under ``paths`` (directories searched recursively for ``*.txt`` and
    ``*.json``; other files there are ignored, while a file named directly is always read).

    Raises ``LoadError`` for a path that does not exist or a directory holding no listing; returns
    warnings for directories that could not be entered. Symlinked directories are followed once
    each, so a symlink loop cannot make the walk endless.
    """
    files: list[Path] = []
    warnings: list[str] = []
    for path in paths:
        if not os.path.lexists(path):
            raise LoadError(f"{path}: no such file or directory")
        if not path.is_dir():
            files.append(path)
            continue
        found: list[Path] = []
        visited: set[tuple[int, int]] = set()

        def on_error(exc: OSError) -> None:
            warnings.append(f"{exc.filename}: cannot read directory ({exc.strerror or exc})")

        for root, dirs, names in os.walk(path, onerror=on_error, followlinks=True):
            try:
                st = os.stat(root)
            except OSError:
                dirs[:] = []
                continue
            if (st.st_dev, st.st_ino) in visited:
                dirs[:] = []
                continue
            visited.add((st.st_dev, st.st_ino))
            dirs.sort()
            found.extend(Path(root) / n for n in sorted(names) if n.lower().endswith(LISTING_SUFFIXES))
        if not found:
            raise LoadError(f"{path}: directory has no listings (*.txt or *.json files)")
        files.extend(found)
    return files, warnings


def read_listing(path: Path) -> ParseResult:
    """Read and parse one listing file; ``ListingError`` with a one-line reason if it can't be.

    A ``.json`` file is an API day file (``sources.hf_api``); anything else is page text."""
    try:
        st = os.stat(path)
        if st.st_size > MAX_FILE_BYTES:
            raise ListingError(f"file is {st.st_size / 2**20:,.0f} MiB, over the 1 GiB limit")
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end; only plain files are listings.
            raise ListingError("not a regular file")
        with open(path, "rb") as fh:
            data = fh.read()
    except ListingError:
        raise
    except IsADirectoryError:
        raise ListingError("is a directory") from None
    except OSError as exc:
        raise ListingError(f"cannot read ({exc.strerror or exc})") from None
    if not data or data.isspace():  # (no .strip(): that would copy a big file)
        raise ListingError("empty file")
    scan = may_hold_unsafe(data)  # exact and fast on bytes; the text is scanned only if needed
    text = decode_listing(data)
    del data  # a big file: don't hold its bytes and its text at once while parsing
    if path.suffix.lower() == ".json":  # (also looks for controls written as JSON escapes)
        return parse_api_listing(text, path.name, modified=modified_date(st.st_mtime),
                                 scan_raw=scan)
    return parse_listing(text, path.name, modified=modified_date(st.st_mtime), scan_controls=scan)


def load_library(paths: Sequence[Path | str], *,
                 read: Callable[[Path], ParseResult] | None = None) -> Library:
    """Load, parse and merge the listings under ``paths``. Pure: no cache (``loader`` adds it).

    Bad files become warnings; ``LoadError`` only when a named path is missing, a named directory
    has no listings, or not one paper could be loaded from anything. ``read`` stands in for
    ``read_listing`` (the loader passes one that parses in two processes).
    """
    read = read or read_listing
    files, warnings = discover([Path(p) for p in paths])
    # Parsing makes hundreds of thousands of objects and no cycles: the collector's passes over
    # the growing heap freed nothing and cost a tenth of a 100,000-paper load.
    with gc_paused():
        results, problems = _read_all(files, read, warnings)
        papers = merge_papers(results)
    if not papers and problems:
        raise LoadError(problems[0] if len(problems) == 1 else
                        f"{problems[0]} (and {len(problems) - 1} more unreadable files)")
    return Library(papers=papers, warnings=warnings, files=files)


def _read_all(files: list[Path], read: Callable[[Path], ParseResult],
              warnings: list[str]) -> tuple[list[list[Paper]], list[str]]:
    """The papers of each file that has some, and the problems (after adding the warnings of
    the files read to ``warnings``)."""
    results: list[list[Paper]] = []
    problems: list[str] = []
    for path in files:
        try:
            parsed = read(path)
        except ListingError as exc:
            problems.append(f"{path}: {exc}")
            continue
        qualified = _qualify(parsed.warnings, path)
        if not parsed.papers:  # the parser's last warning says why ("no papers found", ...)
            warnings.extend(qualified[:-1])
            problems.append(qualified[-1])
            continue
        results.append(parsed.papers)
        warnings.extend(qualified)
    warnings.extend(problems)
    return results, problems


def _qualify(warnings: list[str], path: Path) -> list[str]:
    """Parser warnings name the file by its base name; give them the path the user passed."""
    name = path.name
    return [str(path) + w[len(name):] if w.startswith(name) else w for w in warnings]
