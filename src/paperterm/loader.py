"""The one way to open a library: the listings under some paths, through the cache, with an index.

Every face of paperterm -- the CLI, the reader (``tui.app.create_app``), the screenshot script,
the benchmarks -- opens a library with ``open_library(paths, policy)``, and with ``default_paths()``
when the user names none (the shipped seeds, plus the user's listings folder once it holds any).

What a load does (``LoadPolicy`` says how far):

1. ``cache.plan_load`` finds the listing files and keys them; a cache file for exactly these
   files is read (``cache.read``: the library in a fraction of a second at 100k papers). Its
   index is read when first used (``CachedIndex``): the reader paints before it needs one.
2. Otherwise the listings are parsed (``library.load_library``). Large sets (``parallel_bytes``)
   are parsed by two processes: a forked child (``children``) parses the last files, about half
   the bytes, into a temporary file while this process parses the first ones; the results are
   read back in file order, so the library is exactly what one process gives. From
   ``spill_bytes`` on, abstracts go to spool files as they are parsed (``abstracts``): memory
   holds references, not the text.
3. The index is built (``search.SearchIndex``). With ``background`` (the reader: it searches in a
   worker thread) and a large library, a forked child builds it and sends it back through a pipe
   while the reader is already on screen: ``open_library`` returns a ``PendingIndex`` at once.
4. The cache file is written for next time: by the index child when there is one, by a forked
   child when the library is large (``background_bytes``), else here. ``wait_for_writes`` waits
   for such children (tests, benchmarks).

Measured at 100,000 papers (315 MB of listings, two cores): see the README's performance table;
the two-process parse is kept because it measured faster there (the figures are in the README).

Every kind of index has one interface, ``IndexHandle``: ``ready``, ``wait``, ``search``,
``search_positions``, ``papers``, ``positions_newest_first`` and ``len``.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from paperterm import cache, children, locations
from paperterm import library as _library
from paperterm.abstracts import TextFile, spill
from paperterm.gc_pause import gc_paused
from paperterm.library import LISTING_SUFFIXES, Library
from paperterm.model import OTHER_FIELDS, Paper, abstract_location, stored_papers
from paperterm.sources import ListingError, ParseResult

if TYPE_CHECKING:
    from paperterm.search import Hit, SearchIndex


@dataclass(frozen=True, slots=True)
class LoadPolicy:
    """How ``open_library`` loads (the defaults are the command line's).

    ``use_cache``: read and write the cache (off: always parse, keep nothing). ``with_index``:
    also give the search index. ``background``: build a missing index of a large library in a
    forked child and return a ``PendingIndex`` at once (the reader; call before any thread runs).
    The byte thresholds are those of the listings' total size: ``background_bytes`` and up, the
    cache file is written (and the index built) by a child; ``parallel_bytes`` and up, two
    processes parse; ``spill_bytes`` and up, abstracts are kept in spool files while parsing.
    ``open_for_reader`` only: from ``progressive_bytes`` on, a first start shows the newest
    listings (about ``first_bytes`` of them) while a child loads everything (``RestOfLibrary``).
    """

    use_cache: bool = True
    with_index: bool = True
    background: bool = False
    background_bytes: int = 8 << 20
    parallel_bytes: int = 16 << 20
    spill_bytes: int = 8 << 20
    progressive_bytes: int = 64 << 20
    first_bytes: int = 8 << 20


#: The reader's policy: the index of a large new library is built while the reader is up.
READER = LoadPolicy(background=True)
#: A command that needs no search (``list`` without a query, ``show``, ``mark``, ``export``).
NO_INDEX = LoadPolicy(with_index=False)


class IndexHandle(Protocol):
    """What the reader and the CLI use of an index: a ``SearchIndex``, a ``PendingIndex``
    standing in for one while a child builds it, or a ``CachedIndex`` that reads it from the
    cache file on first use."""

    @property
    def ready(self) -> bool: ...

    @property
    def papers(self) -> list[Paper]: ...

    def wait(self, timeout: float | None = None) -> SearchIndex: ...

    def search(self, query, markers=None, limit=None, new_ids=None) -> list[Hit]: ...

    def search_positions(self, query, markers=None, new_ids=None) -> list[int]: ...

    def positions_newest_first(self) -> list[int]: ...

    def __len__(self) -> int: ...


def default_paths() -> list[Path]:
    """The shipped seeds, plus the user's own listings folder when it holds any listing."""
    paths = [locations.seeds_dir()]
    own = locations.listings_dir()
    if own.is_dir() and any(p.suffix.lower() in LISTING_SUFFIXES for p in own.rglob("*.*")):
        paths.append(own)
    return paths


def open_library(paths: Sequence[Path | str] | None = None,
                 policy: LoadPolicy = LoadPolicy()) -> tuple[Library, IndexHandle | None]:
    """The library under ``paths`` (``default_paths()`` when ``None``) and, if the policy asks,
    its index (else ``None``). Raises ``LoadError`` exactly as parsing would (a missing path,
    nothing loadable)."""
    paths = default_paths() if paths is None else [Path(p) for p in paths]
    if not policy.use_cache:
        lib = _library.load_library(paths)
        if not policy.with_index:
            return lib, None
        from paperterm.search import SearchIndex

        with gc_paused():
            return lib, SearchIndex(lib.papers)
    return _open(paths, cache.plan_load(paths), policy)


def _open(paths: list[Path], plan: cache.Plan,
          policy: LoadPolicy) -> tuple[Library, IndexHandle | None]:
    """``open_library`` once the listings are planned."""
    cached = cache.read(plan, want_index=policy.with_index)
    if cached is not None and not policy.with_index:
        return cached.library, None
    if cached is not None and cached.index is not None:
        return cached.library, CachedIndex(cached.library.papers, cached.index,
                                           cached.newest_first)
    lib = cached.library if cached is not None else _parse(paths, plan, policy)
    if not policy.with_index:
        _save(plan, lib, None, policy)
        return lib, None
    if policy.background and plan.input_bytes >= policy.background_bytes:
        pending = PendingIndex.start(plan, lib)
        if pending is not None:
            return lib, pending
    from paperterm.search import SearchIndex

    with gc_paused():
        index = SearchIndex(lib.papers)
    _save(plan, lib, index, policy)
    return lib, index


@dataclass(frozen=True, slots=True)
class Opening:
    """What the reader opens with (``open_for_reader``): a library and its index; or, on a first
    start over many listings, the library of the newest listings with ``rest`` on its way (its
    ``index`` is then a ``WaitingIndex``: search waits for the whole library)."""

    library: Library
    index: IndexHandle
    rest: RestOfLibrary | None = None


def open_for_reader(paths: Sequence[Path | str] | None = None,
                    policy: LoadPolicy = READER) -> Opening:
    """``open_library`` for the reader, which can show the newest listings first.

    A first start (nothing cached) over ``policy.progressive_bytes`` of listings or more would
    keep the user waiting for every listing to be parsed: seconds at 100,000 papers on two
    cores, however fast the parser. Instead a forked child loads everything (parsing in two
    processes as ``open_library`` does), while this process parses only the most recently
    modified listings (about ``policy.first_bytes``) and the reader shows them at once. The rest
    follows as a ``RestOfLibrary``: the whole library a few seconds later, its index after that,
    and the cache file for the next start. Raises ``LoadError`` as ``open_library`` does.
    """
    paths = default_paths() if paths is None else [Path(p) for p in paths]
    if policy.use_cache and policy.with_index and policy.background:
        plan = cache.plan_load(paths)
        if plan.input_bytes >= policy.progressive_bytes \
                and not cache.is_cached(plan, with_index=False):
            opening = RestOfLibrary.start(paths, plan, policy)
            if opening is not None:
                return opening
        library, index = _open(paths, plan, policy)
    else:
        library, index = open_library(paths, policy)
    assert index is not None
    return Opening(library, index)


def load_library(paths: Sequence[Path | str] | None = None,
                 policy: LoadPolicy = NO_INDEX) -> Library:
    """Just the library (``open_library`` without an index)."""
    return open_library(paths, replace(policy, with_index=False))[0]


def is_cached(paths: Sequence[Path | str] | None = None, *, with_index: bool = True) -> bool:
    """Whether loading ``paths`` now would be served from the cache (e.g. to say "parsing ...").
    Reads only the cache file's small header. Raises ``LoadError`` as a load would."""
    paths = default_paths() if paths is None else paths
    return cache.is_cached(cache.plan_load(paths), with_index=with_index)


def wait_for_writes(timeout: float | None = None) -> None:
    """Wait until cache files being written by children are complete (tests, benchmarks)."""
    children.wait_all(timeout)


def _save(plan: cache.Plan, lib: Library, index: SearchIndex | None, policy: LoadPolicy) -> None:
    """Keep ``lib`` (and ``index``) for next time: now, in a forked child, or not at all if the
    listings changed too recently to be keyed safely (``cache.RACY_NS``)."""
    if plan.racy:
        return
    if plan.input_bytes >= policy.background_bytes:
        child = children.fork(lambda _: _must(cache.write(plan, lib, index)), nice=5)
        if child is not None:
            child.reap_later()
            return
    cache.write(plan, lib, index)


def _index_and_cache(plan: cache.Plan, lib: Library, out) -> None:
    """In a child: build the index of ``lib``, send it down ``out`` (unless ``None``: the reader
    is gone), then write the cache file for ``plan`` (unless its listings are too fresh)."""
    from paperterm.search import SearchIndex

    with gc_paused():
        index = SearchIndex(lib.papers)
    if out is not None:
        try:
            cache.IndexWriter(out, index.papers).dump(index)
            out.flush()
        except OSError:
            pass  # the reader is gone: still keep the cache for the next start
    if not plan.racy:
        _must(cache.write(plan, lib, index))


def _must(ok: bool) -> None:
    if not ok:
        raise OSError("the cache file could not be written")


class _IndexLater:
    """What ``PendingIndex`` and ``CachedIndex`` share: the papers at once, and every search
    through ``wait`` (which the subclass defines)."""

    def __init__(self, papers: list[Paper]) -> None:
        self._papers = papers
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @property
    def papers(self) -> list[Paper]:
        """The papers being indexed (known at once: no wait)."""
        return self._papers

    def wait(self, timeout: float | None = None) -> SearchIndex:
        raise NotImplementedError

    def _build_here(self) -> SearchIndex:
        """The index, built in this process (when it cannot come from elsewhere)."""
        with self._lock:
            if self._index is None:
                from paperterm.search import SearchIndex

                with gc_paused():
                    self._index = SearchIndex(self._papers)
        return self._index

    def search(self, *args, **kwargs) -> list[Hit]:
        """``SearchIndex.search``, once the index is there."""
        return self.wait().search(*args, **kwargs)

    def search_positions(self, *args, **kwargs) -> list[int]:
        """``SearchIndex.search_positions``, once the index is there."""
        return self.wait().search_positions(*args, **kwargs)

    def positions_newest_first(self) -> list[int]:
        """``SearchIndex.positions_newest_first``, once the index is there."""
        return self.wait().positions_newest_first()

    def __len__(self) -> int:
        return len(self._papers)


class PendingIndex(_IndexLater):
    """A ``SearchIndex`` being built by a forked child, usable at once.

    Building the index of 100,000 papers takes seconds; a first start should not wait for it. So
    the child builds it on the other core, sends it back through a pipe (the list of papers as a
    reference: the parent has them) and then writes the cache for the next start. Meanwhile the
    reader is up: ``search`` (called from a worker thread) waits until the index is there, so
    typing never blocks; ``ready`` says whether it is. If the child fails, the index is built
    here instead.
    """

    def __init__(self, papers: list[Paper], child: children.Child) -> None:
        super().__init__(papers)
        self._arrived = threading.Event()
        child.reap_later()  # it writes the cache after sending the index: wait_for_writes
        threading.Thread(target=self._receive, args=(child,), name="paperterm-index-receiver",
                         daemon=True).start()

    @classmethod
    def start(cls, plan: cache.Plan, lib: Library) -> PendingIndex | None:
        """Fork the child that builds the index of ``lib`` (then writes the cache for ``plan``);
        ``None`` if no child could be started (the caller builds the index itself)."""

        child = children.fork(partial(_index_and_cache, plan, lib), output="pipe")
        return None if child is None else cls(lib.papers, child)

    def _receive(self, child: children.Child) -> None:
        from paperterm.search import SearchIndex

        try:
            index = cache.IndexUnpickler(child.output, self._papers).load()
            if type(index) is SearchIndex and len(index) == len(self._papers):
                self._index = index
        except Exception:  # noqa: BLE001 - the child failed: wait() builds the index here
            pass
        finally:
            child.close()
            self._arrived.set()

    @property
    def ready(self) -> bool:
        """Whether the index has arrived (``search`` will not wait)."""
        return self._arrived.is_set() and self._index is not None

    def wait(self, timeout: float | None = None) -> SearchIndex:
        """The index, waiting for it (``TimeoutError`` after ``timeout`` seconds)."""
        if not self._arrived.wait(timeout):
            raise TimeoutError("the search index is still being built")
        return self._index if self._index is not None else self._build_here()


class CachedIndex(_IndexLater):
    """The index of a cached library, read from the cache file on first use (``wait``).

    A cached start paints its list without it: the reader asks for it right after the first
    paint (a worker thread warms the index up), so the tenth of a second it takes to read at
    100,000 papers is spent while the user looks at the list. ``ready`` is true: the index needs
    no build, only that read. The date order came with the library, so the default sort needs
    neither the index nor a sort of every paper. If the stored index cannot be read back (a
    damaged file), it is built here.
    """

    def __init__(self, papers: list[Paper], stored: cache.StoredIndex,
                 newest_first: list[int]) -> None:
        super().__init__(papers)
        self._stored = stored
        self._newest_first = newest_first

    @property
    def ready(self) -> bool:
        return True

    def wait(self, timeout: float | None = None) -> SearchIndex:
        """The index, reading it from the cache file the first time."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._stored.load()
        return self._index if self._index is not None else self._build_here()

    def positions_newest_first(self) -> list[int]:
        """Every position, newest first (the order the index numbers papers in), without
        reading the index."""
        return list(self._newest_first)


class WaitingIndex(_IndexLater):
    """The index of a library that is only the first part of one (``Opening.rest`` is on its
    way): there is none. Nothing searches it (``ready`` stays false; the reader holds a query
    until the whole library is there); ``wait`` gives up at once."""

    @property
    def ready(self) -> bool:
        return False

    def wait(self, timeout: float | None = None) -> SearchIndex:
        raise TimeoutError("the library is still loading")


class _BuiltHere(_IndexLater):
    """An index built in this process on first use (when no child could build it)."""

    @property
    def ready(self) -> bool:
        return self._index is not None

    def wait(self, timeout: float | None = None) -> SearchIndex:
        return self._build_here()


#: What the loading child writes to its pipe once the whole library is in its file.
_LIBRARY_WRITTEN = b"library\n"


class RestOfLibrary:
    """The whole library of a first start, loading in a forked child (``open_for_reader``).

    The child parses every listing (forking a second child for half of them, as
    ``open_library`` does), writes the library into an unlinked file in the cache folder (the
    cache file's format; it was opened here before the fork), says so on a pipe, then builds the
    index and sends it down the same pipe (as for a ``PendingIndex``), and finally writes the
    cache file for the next start. A thread here reads the file as soon as the child says so:
    ``wait`` gives the library and its index (a ``PendingIndex`` until the index arrives). If the
    child fails, the listings are parsed here instead (slower, but nothing is lost).

    ``files`` and ``first_files``: how many listings there are, and how many the first part
    holds (for the reader's status line).
    """

    def __init__(self, paths: list[Path], plan: cache.Plan, child: children.Child,
                 written, first_files: int) -> None:
        self.files = len(plan.files)
        self.first_files = first_files
        self._paths = paths
        self._plan = plan
        self._child = child
        self._written = written
        self._result: tuple[Library, IndexHandle] | None = None
        self._error: Exception | None = None
        self._done = threading.Event()
        threading.Thread(target=self._receive, name="paperterm-library-receiver",
                         daemon=True).start()

    @classmethod
    def start(cls, paths: list[Path], plan: cache.Plan, policy: LoadPolicy) -> Opening | None:
        """Fork the loading child and parse the newest listings here; ``None`` if no child
        could be started (the caller loads everything itself)."""
        try:
            directory = locations.cache_dir()
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            written = tempfile.TemporaryFile(dir=directory, prefix=".first-start-")
        except OSError:
            return None
        whole = replace(policy, background=False)

        def load_everything(out) -> None:  # in the child
            lib = _parse(paths, plan, whole)
            cache.write_to(written, plan, lib, None)
            try:
                out.write(_LIBRARY_WRITTEN)
                out.flush()
            except OSError:
                out = None  # the reader is gone (closed early): still keep the cache
            _index_and_cache(plan, lib, out)

        # Niced: on two cores, this process (building and painting the reader) would otherwise
        # share them with the child and its own parsing child, and paint a second later.
        child = children.fork(load_everything, output="pipe", nice=10)
        if child is None:
            written.close()
            return None
        first = newest_files(plan, policy.first_bytes)
        try:
            library = _library.load_library(first)
        except _library.LoadError:  # the newest listings hold nothing: the rest will tell
            library = Library(files=list(first))
        return Opening(library, WaitingIndex(library.papers),
                       cls(paths, plan, child, written, len(first)))

    def _receive(self) -> None:
        child, lib = self._child, None
        try:
            if child.output.read(len(_LIBRARY_WRITTEN)) == _LIBRARY_WRITTEN:
                cached = cache.read_from(os.dup(self._written.fileno()), self._plan,
                                         want_index=False)
                if cached is not None:
                    lib = cached.library
                    self._result = lib, PendingIndex(lib.papers, child)
        except Exception:  # noqa: BLE001 - the child failed: parse here
            lib = None
        finally:
            self._written.close()
        if lib is None:
            child.reap_later()
            child.close()
            try:
                lib = _library.load_library(self._paths)
                self._result = lib, _BuiltHere(lib.papers)
            except Exception as exc:  # noqa: BLE001 - given to whoever waits
                self._error = exc
        self._done.set()

    @property
    def ready(self) -> bool:
        """Whether the whole library is here (``wait`` will not wait)."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> tuple[Library, IndexHandle]:
        """The whole library and its index, waiting for them (``TimeoutError`` after
        ``timeout`` seconds). Raises what loading raised (``LoadError``) if it failed."""
        if not self._done.wait(timeout):
            raise TimeoutError("the library is still loading")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def newest_files(plan: cache.Plan, budget: int) -> list[Path]:
    """The most recently modified listings of ``plan``, newest first, until ``budget`` bytes
    (at least one), returned in the plan's order (the order the library merges them in)."""
    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    chosen: set[Path] = set()
    total = 0
    for path, size in sorted(zip(plan.files, plan.sizes), key=lambda f: modified(f[0]),
                             reverse=True):
        if chosen and total + size > budget:
            break
        chosen.add(path)
        total += size
    return [path for path in plan.files if path in chosen]


# -- parsing -------------------------------------------------------------------------------------

def _spilling_reader(store: TextFile | None) -> Callable[[Path], ParseResult]:
    """``library.read_listing``, with each listing's abstracts moved to ``store`` (if any) as soon
    as it is parsed, so a large first load never holds every abstract in memory."""
    if store is None:
        return _library.read_listing

    def read(path: Path) -> ParseResult:
        result = _library.read_listing(path)
        result.papers = spill(result.papers, store)
        return result

    return read


#: The persistent id of the parsing child's abstract spool in the records it sends.
_CHILD_SPOOL = "child-spool"


def _parse(paths: list[Path], plan: cache.Plan, policy: LoadPolicy) -> Library:
    """``library.load_library``, on both cores when the listings are large (see the module's
    docstring). Anything unexpected in the child (it died, a file it did not get to) just means
    this process parses that file itself. The child spills its abstracts to a spool of its own,
    opened before the fork so both processes have it."""
    spilling = plan.input_bytes >= policy.spill_bytes
    mine = TextFile.spool(locations.cache_dir()) if spilling else None
    read_mine = _spilling_reader(mine)
    if plan.input_bytes < policy.parallel_bytes or len(plan.files) < 2:
        return _library.load_library(paths, read=read_mine)
    half, tail, split = plan.input_bytes / 2, 0, len(plan.files)
    while split > 1 and tail + plan.sizes[split - 1] <= half:
        split -= 1
        tail += plan.sizes[split]
    theirs = {str(p) for p in plan.files[split:]}
    child_store = TextFile.spool(locations.cache_dir()) if mine is not None else None
    stores = {_CHILD_SPOOL: child_store} if child_store is not None else {}

    def parse_theirs(out) -> None:  # in the child: one pickle per file
        read_theirs = _spilling_reader(child_store)
        pickler = cache.PaperPickler(out, stores=stores)
        for path in plan.files[split:]:
            try:
                result = read_theirs(path)
            except ListingError as exc:
                pickler.dump((str(path), ("error", str(exc))))
                continue
            columns = _columns_in(result.papers, child_store)
            if columns is not None:  # the usual case: plain lists, rebuilt at C speed
                pickle.dump((str(path), (_COLUMNS, (columns, result.warnings, result.page_date,
                                                    result.captured, result.captured_how))),
                            out, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                pickler.dump((str(path), ("ok", result)))
            pickler.clear_memo()  # keep the child small; _collect reads record by record

    child = children.fork(parse_theirs, output="file") if theirs else None
    if child is None:
        return _library.load_library(paths, read=read_mine)
    received: dict[str, tuple] | None = None

    def read(path: Path) -> ParseResult:
        nonlocal received
        key = str(path)
        if key in theirs:
            if received is None:
                received = _collect(child, stores)
            outcome = received.pop(key, None)
            if outcome is not None:
                kind, value = outcome
                if kind == "error":
                    raise ListingError(value)
                return value
        return read_mine(path)

    try:
        return _library.load_library(paths, read=read)
    finally:
        child.wait()  # reaped even if its work was never needed
        child.close()


def _collect(child: children.Child, stores: dict[str, TextFile]) -> dict[str, tuple]:
    """Wait for the parsing child; the outcomes it wrote (as many as could be read back)."""
    outcomes: dict[str, tuple] = {}
    if not child.wait():
        return outcomes
    for store in stores.values():
        store.take_appended()  # what the child spooled is complete: it has exited
    with gc_paused():
        try:
            while True:
                unpickler = pickle.Unpickler(child.output)
                unpickler.persistent_load = partial(_known_store, stores)
                try:  # one unpickler per record: the child cleared its memo after each
                    name, outcome = unpickler.load()
                except EOFError:
                    break
                if type(name) is not str or type(outcome) is not tuple or len(outcome) != 2:
                    continue
                if outcome[0] == _COLUMNS and _CHILD_SPOOL in stores:
                    columns, warnings, page_date, captured, how = outcome[1]
                    papers = stored_papers(stores[_CHILD_SPOOL], columns)
                    outcome = ("ok", ParseResult(papers, warnings, page_date, captured, how))
                if (outcome[0] == "ok" and type(outcome[1]) is ParseResult) \
                        or (outcome[0] == "error" and type(outcome[1]) is str):
                    outcomes[name] = outcome
        except Exception:  # noqa: BLE001 - whatever could not be read is parsed again here
            pass
    return outcomes


#: A parsed listing sent as plain columns (``_columns_in``) rather than as ``Paper`` objects.
_COLUMNS = "columns"


def _columns_in(papers: list[Paper], store: TextFile | None) -> dict[str, list] | None:
    """``papers`` as one list per field, when every abstract is in ``store`` (what a parsing
    child sends: building 50,000 papers back from plain lists takes a tenth of unpickling them
    one constructor call each); ``None`` otherwise."""
    if store is None:
        return None
    refs = []
    for where, ref in map(abstract_location, papers):
        if where is not store:
            return None
        refs.append(ref)
    columns = {name: list(map(attrgetter(name), papers)) for name in OTHER_FIELDS}
    columns["abstract"] = refs
    return columns


def _known_store(stores: dict[str, TextFile], pid: object) -> TextFile:
    store = stores.get(pid) if type(pid) is str else None
    if store is None:
        raise pickle.UnpicklingError("unknown persistent id")
    return store
