"""The parsed library and its search index, kept between runs so a big library opens at once.

Parsing 100,000 papers (about 200 MB of listings) takes seconds; reading them back from a pickle
takes a fraction of that. So after a load, the ``Library`` (warnings included) and, when asked for,
its ``SearchIndex`` are written to the user cache dir (``locations.cache_dir()``), and the next load
of the same listings reads that copy instead of parsing.

The copy is only ever a shortcut, never a source of truth:

- It is keyed by every listing file's path (whose name may hold its capture date), size,
  modification and change times (ns), the local date of its modification time (which can give the
  capture date, and moves with the time zone) and inode, the
  discovery warnings, the paperterm version, a fingerprint of the code that shapes the data (model,
  library, parser, search, this module), the Python version and ``CACHE_FORMAT``. Any difference, a
  file that cannot be unpickled, an object of the wrong type or a file we do not own means the
  listings are parsed again (and the copy replaced), silently.
- A listing changed within the last two seconds is not cached at all ("racy", as git calls it): a
  second change within the file system's timestamp granularity could keep size and times equal.
- Writes go to a temporary file renamed over the old copy, so a reader never sees half a file; an
  unwritable or full cache dir only means there is no cache.
- Nothing is unpickled before a plain header (magic, format, a digest of the key: bytes, not a
  pickle) matches, and only from a regular file (never through a symlink) owned by the current
  user and writable by no one else, in a folder only the user can write (``private``).

Each set of input paths has its own file (``library-<hash of the paths>.pickle``); only the
``MAX_SLOTS`` most recently written are kept. The file holds, in order: the plain header (with
whether an index follows); the abstracts, as 8 bytes of length and then every paper's abstract
in UTF-8; then two pickles written by one pickler, so the index shares the library's ``Paper``
objects: the library, the index (or ``None``). Papers are pickled with a reference into the
abstracts, not the text: a load reads everything but the abstracts, which stay in the file and are
read one at a time when shown (``abstracts.TextFile``; the loaded library keeps the file open).
``load_library`` stops after the library and never reads the index's bytes.

Writing a large library takes about as long as reading it. Where the platform can fork and no other
thread runs yet (the CLI, before the TUI starts), a library over ``BACKGROUND_BYTES`` of listings is
written by a forked child on the other core, so a first start does not wait for it;
``wait_for_writes()`` waits for such children (tests, benchmarks). For the TUI, even the index can
be built by such a child (``load_library_and_index(..., background=True)`` returns a
``PendingIndex``): the list is on screen while the index is still being built. And when listings
must be parsed (a miss) and are over ``PARALLEL_BYTES``, a child parses half of them meanwhile.
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import hashlib
import os
import pickle
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from paperterm import __version__, locations, private
from paperterm import library as _library
from paperterm.gc_pause import gc_paused
from paperterm.abstracts import REF_SHIFT, TextFile, encode, ref_end, spill
from paperterm.library import Library, discover
from paperterm.model import (FIELDS, OTHER_FIELDS, PAPER_TYPES, Paper, abstract_location,
                             stored_paper, stored_papers)
from paperterm.sources import ListingError, ParseResult
from paperterm.sources.capture import modified_date

if TYPE_CHECKING:
    from paperterm.search import SearchIndex

#: Bump when the layout of the cache file changes.
CACHE_FORMAT = 4
#: How many input sets (each its own cache file) are kept.
MAX_SLOTS = 4
#: Listings modified more recently than this are not cached (timestamps could hide a second change).
RACY_NS = 2_000_000_000
#: Libraries from at least this many bytes of listings are written by a forked child, when possible.
BACKGROUND_BYTES = 8 << 20
#: Listings of at least this many bytes are parsed by two processes (a forked child takes half).
PARALLEL_BYTES = 16 << 20
#: From this many bytes of listings on, parsed abstracts go to a spool file, not memory.
SPILL_BYTES = 8 << 20
#: Temporary files left by a writer that died are removed once they are this old.
STALE_TMP_SECONDS = 3600

_MAGIC = b"paperterm-cache\0"
#: Magic, format (4 bytes), has-index flag (1 byte), sha256 of the key (32 bytes).
_HEADER_SIZE = len(_MAGIC) + 4 + 1 + 32
_SLOT_PREFIX = "library-"
_SLOT_SUFFIX = ".pickle"
_TMP_PREFIX = ".tmp-library-"
#: Code whose changes must invalidate cached data (paths relative to the package).
_FINGERPRINTED = ("__init__.py", "model.py", "abstracts.py", "library.py", "cache.py", "sources",
                  "search", "safe_text.py")

_writers: list[threading.Thread] = []


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a load of ``paths`` would read: the cache key, the cache file, and facts about the input."""

    key: tuple
    slot: Path
    input_bytes: int
    racy: bool
    files: tuple[Path, ...] = ()
    sizes: tuple[int, ...] = ()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """A hash of the size and mtime of every source file that shapes the cached objects."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _FINGERPRINTED:
        target = package / name
        members = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for path in members:
            try:
                st = path.stat()
            except OSError:
                continue
            digest.update(f"{path.relative_to(package)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _plan(paths: Sequence[Path | str]) -> _Plan:
    """Discover the listings under ``paths`` (raising ``LoadError`` as loading would) and key them."""
    given = [Path(p) for p in paths]
    files, warnings = discover(given)
    entries: list[tuple] = []
    sizes: list[int] = []
    racy = False
    newest_trusted = time.time_ns() - RACY_NS
    for path in files:
        try:
            st = os.stat(path)
        except OSError as exc:
            entries.append((str(path), "unreadable", exc.errno))
            sizes.append(0)
            continue
        # The local date of the modification time is keyed too: it can give the listing's capture
        # date (sources.capture), and it changes with the time zone while mtime_ns does not.
        modified = modified_date(st.st_mtime)
        entries.append((str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev,
                        modified.toordinal() if modified else None))
        sizes.append(st.st_size)
        if max(st.st_mtime_ns, st.st_ctime_ns) > newest_trusted:
            racy = True
    key = (
        CACHE_FORMAT,
        __version__,
        _code_fingerprint(),
        sys.version_info[:2],
        tuple(str(p) for p in given),
        tuple(entries),
        tuple(warnings),
    )
    identity = "\0".join(os.path.realpath(p) for p in given)
    name = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    slot = locations.cache_dir() / f"{_SLOT_PREFIX}{name}{_SLOT_SUFFIX}"
    return _Plan(key=key, slot=slot, input_bytes=sum(sizes), racy=racy, files=tuple(files),
                 sizes=tuple(sizes))


def _header(plan: _Plan, has_index: bool) -> bytes:
    """The plain (never pickled) start of a cache file: magic, format, whether an index follows,
    and a digest of the load's key. A reader compares these bytes before it unpickles anything."""
    digest = hashlib.sha256(repr(plan.key).encode("utf-8", "surrogateescape")).digest()
    return _MAGIC + CACHE_FORMAT.to_bytes(4, "little") + bytes([has_index]) + digest


def _read_header(fh, plan: _Plan) -> bool | None:
    """Whether an index follows, if ``fh`` (at its start) is a cache file for ``plan`` that may be
    unpickled: a regular file owned by the user and writable by no one else, in a folder only the
    user can write, whose plain header matches. ``None`` otherwise."""
    if not private.is_private_fd(fh.fileno(), plan.slot.parent):
        return None
    raw = fh.read(_HEADER_SIZE)
    for has_index in (False, True):
        if raw == _header(plan, has_index):
            return has_index
    return None


#: The types a column of each kind of field may hold, from the field's annotation in ``Paper``.
_COLUMN_TYPES = {"str": {str}, "str | None": {str, type(None)}, "int | None": {int, type(None)},
                 "bool": {bool}, "tuple[str, ...]": {tuple}}
_FIELD_TYPES = {f.name: _COLUMN_TYPES[f.type] for f in dataclasses.fields(Paper)
                if f.name != "abstract"}


def _library_record(lib: Library, refs: list[int]) -> dict:
    """What the cache pickles for ``lib``: plain lists, strings and numbers only (no class, so
    loading runs no code), one list per field (``refs``: each paper's abstract in the file).

    Equal values (dates, organisations, source tuples) are stored once: one object each after
    loading too (about 20 MB less at 100k papers)."""
    canonical: dict = {}
    share = canonical.setdefault
    columns: dict[str, list] = {"abstract": refs}
    for name in OTHER_FIELDS:
        # keyed with the type: True and 1 are equal, and must stay what they were
        columns[name] = [value if value is None else share((type(value), value), value)
                         for value in map(attrgetter(name), lib.papers)]
    return {"columns": columns, "warnings": list(lib.warnings),
            "files": [str(path) for path in lib.files]}


def _library_from(record: object, store: TextFile) -> Library | None:
    """The library in a loaded record, or ``None`` if anything in it is not as written: every
    column present, as long as the others, each value of its field's type, every abstract inside
    ``store``."""
    if type(record) is not dict or record.keys() != {"columns", "warnings", "files"}:
        return None
    columns, warnings, files = record["columns"], record["warnings"], record["files"]
    if type(columns) is not dict or columns.keys() != set(FIELDS) \
            or type(warnings) is not list or set(map(type, warnings)) - {str} \
            or type(files) is not list or set(map(type, files)) - {str}:
        return None
    count = len(columns["id"])
    for name, values in columns.items():
        if type(values) is not list or len(values) != count:
            return None
    refs = columns["abstract"]
    if set(map(type, refs)) - {int} or (refs and (min(refs) < 0
                                                   or max(map(ref_end, refs)) > store.size)):
        return None
    for name, allowed in _FIELD_TYPES.items():
        values = columns[name]
        if set(map(type, values)) - allowed:
            return None
        if tuple in allowed and set(map(type, chain.from_iterable(values))) - {str}:
            return None
    return Library(papers=stored_papers(store, columns), warnings=warnings,
                   files=[Path(f) for f in files])


class _NoClasses(pickle.Unpickler):
    """Unpickles plain data only: a record that names any class or function is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache file")


class _IndexUnpickler(pickle.Unpickler):
    """Unpickles a search index: the classes of ``paperterm.search`` and ``array`` only, and the
    library's papers (written as a reference) from the library loaded just before."""

    def __init__(self, file, papers: list[Paper]) -> None:
        super().__init__(file)
        self._papers = papers

    def find_class(self, module: str, name: str):
        if (module == "array" and name in ("array", "_array_reconstructor")) or \
                module.startswith("paperterm.search."):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache file")

    def persistent_load(self, pid: object) -> list[Paper]:
        if pid != _PAPERS:
            raise pickle.UnpicklingError("unknown persistent id")
        return list(self._papers)


def _open_slot(plan: _Plan) -> int | None:
    """A read-only descriptor of ``plan``'s cache file (never through a symlink), or ``None``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(plan.slot, flags)
    except OSError:
        return None


def _read(plan: _Plan, want_index: bool) -> tuple[Library, SearchIndex | None] | None:
    """The cached library (and index, if wanted and present) for ``plan``, or ``None``."""
    fd = _open_slot(plan)
    if fd is None:
        return None
    try:
        with os.fdopen(fd, "rb", buffering=1 << 20) as fh, gc_paused():
            has_index = _read_header(fh, plan)
            if has_index is None:
                return None
            raw = fh.read(8)
            size = int.from_bytes(raw, "little")
            base = fh.tell()
            if len(raw) != 8 or base + size > os.fstat(fh.fileno()).st_size:
                return None
            fh.seek(base + size)
            store = TextFile(os.dup(fh.fileno()), base, size)
            lib = _library_from(_NoClasses(fh).load(), store)
            if lib is None:
                return None
            index = None
            if want_index and has_index:
                from paperterm.search import SearchIndex

                index = _IndexUnpickler(fh, lib.papers).load()
                if type(index) is not SearchIndex or len(index) != len(lib.papers):
                    index = None
            return lib, index
    except Exception:  # noqa: BLE001 - anything wrong with a cache file means "no cache"
        return None


#: The persistent id of the library's papers in a pickled index.
_PAPERS = "papers"


class _IndexWriter(pickle.Pickler):
    """Pickles an index with its list of papers as a reference: the papers are in the library
    record before it, and an index unpickled after that record gets them back from it."""

    def __init__(self, file, papers: list[Paper]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._papers = papers

    def persistent_id(self, obj: object) -> str | None:
        return _PAPERS if obj is self._papers else None


class _Pickler(pickle.Pickler):
    """Pickles the parsing child's results: each ``Paper`` as one function call on its fields,
    with its abstract as a reference where it is in one of ``stores`` (a parse spool shared with
    the reading process, named by a persistent id); any other paper carries its text."""

    def __init__(self, file, stores: dict[str, TextFile]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = {**copyreg.dispatch_table,
                               **dict.fromkeys(PAPER_TYPES, self._reduce_paper)}
        self._pids = {id(store): name for name, store in stores.items()}
        self._rest = OTHER_FIELDS[2:]  # after id and title

    def persistent_id(self, obj: object) -> str | None:
        return self._pids.get(id(obj))

    def _reduce_paper(self, paper: Paper) -> tuple:
        rest = [getattr(paper, name) for name in self._rest]
        where, value = abstract_location(paper)
        if where is not None and id(where) in self._pids:
            return stored_paper, (where, value, paper.id, paper.title, *rest)
        return Paper, (paper.id, paper.title, paper.abstract, *rest)


def _abstract_bytes(paper: Paper) -> bytes:
    """A paper's abstract as the cache file stores it, copied without decoding if already stored."""
    where, value = abstract_location(paper)
    if where is None:
        return encode(value)
    return where.read_bytes(value)


def _write_now(plan: _Plan, lib: Library, index: SearchIndex | None) -> bool:
    """Write the cache file atomically. ``False`` (never an exception) if it cannot be written."""
    directory = plan.slot.parent
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=_TMP_PREFIX, suffix=_SLOT_SUFFIX)
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh, gc_paused():
            fh.write(_header(plan, index is not None))
            size_at = fh.tell()
            fh.write(bytes(8))
            refs: list[int] = []
            offset = 0
            for paper in lib.papers:  # one at a time: never all the abstracts in memory at once
                data = _abstract_bytes(paper)
                fh.write(data)
                refs.append(offset << REF_SHIFT | len(data))
                offset += len(data)
            end = fh.tell()
            fh.seek(size_at)
            fh.write(offset.to_bytes(8, "little"))
            fh.seek(end)
            pickle.dump(_library_record(lib, refs), fh, protocol=pickle.HIGHEST_PROTOCOL)
            if index is not None:
                _IndexWriter(fh, index.papers).dump(index)
        os.replace(tmp, plan.slot)
        tmp = None
        _prune(directory, keep=plan.slot)
        return True
    except Exception:  # noqa: BLE001 - a cache that cannot be written is simply not there
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(directory: Path, keep: Path) -> None:
    """Keep the ``MAX_SLOTS`` newest cache files; drop temporary files of writers that died."""
    slots: list[tuple[float, Path]] = []
    now = time.time()
    for entry in os.scandir(directory):
        try:
            if entry.name.startswith(_SLOT_PREFIX) and entry.name.endswith(_SLOT_SUFFIX):
                slots.append((entry.stat(follow_symlinks=False).st_mtime, Path(entry.path)))
            elif entry.name.startswith(_TMP_PREFIX) and \
                    now - entry.stat(follow_symlinks=False).st_mtime > STALE_TMP_SECONDS:
                os.unlink(entry.path)
        except OSError:
            continue
    slots.sort(reverse=True)
    for _, path in slots[MAX_SLOTS:]:
        if path != keep:
            try:
                path.unlink()
            except OSError:
                pass


def _can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def _save(plan: _Plan, lib: Library, index: SearchIndex | None) -> None:
    """Keep ``lib`` (and ``index``) for next time: now, in a forked child, or not at all if racy."""
    if plan.racy:
        return
    if plan.input_bytes < BACKGROUND_BYTES or not _can_fork():
        _write_now(plan, lib, index)
        return
    try:
        pid = os.fork()
    except OSError:
        _write_now(plan, lib, index)
        return
    if pid == 0:  # the child: write, then leave without running the parent's exit handlers
        code = 1
        try:
            try:
                os.nice(5)
            except OSError:
                pass
            code = 0 if _write_now(plan, lib, index) else 1
        finally:
            os._exit(code)
    reaper = threading.Thread(target=os.waitpid, args=(pid, 0), name="paperterm-cache-writer",
                              daemon=True)
    reaper.start()
    _writers.append(reaper)


def wait_for_writes(timeout: float | None = None) -> None:
    """Wait until cache files being written in the background are complete."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while _writers:
        writer = _writers[0]
        writer.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if writer.is_alive():
            return
        _writers.pop(0)


class PendingIndex:
    """A ``SearchIndex`` being built by a forked child, usable at once.

    Building the index of 100,000 papers takes seconds; a first start should not wait for it. So
    the child builds it on the other core, sends it back through a pipe (papers by position: the
    parent already has them) and then writes the cache for the next start. Meanwhile the app is up:
    ``search`` (which the TUI calls from a worker thread) waits until the index is there, so typing
    never blocks; ``ready`` says whether it is. If the child fails, the index is built here instead.
    """

    def __init__(self, papers: list[Paper], read_fd: int, pid: int) -> None:
        self._papers = papers
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._thread = threading.Thread(target=self._receive, args=(read_fd, pid),
                                        name="paperterm-index-receiver", daemon=True)
        self._thread.start()
        _writers.append(self._thread)  # the child goes on to write the cache: wait_for_writes

    def _receive(self, read_fd: int, pid: int) -> None:
        from paperterm.search import SearchIndex

        papers = self._papers
        try:
            with os.fdopen(read_fd, "rb", buffering=1 << 20) as fh:
                index = _IndexUnpickler(fh, papers).load()
            if type(index) is SearchIndex and len(index) == len(papers):
                self._index = index
        except Exception:  # noqa: BLE001 - the child failed: result() builds the index here
            pass
        finally:
            self._arrived.set()
            try:
                os.waitpid(pid, 0)  # the child writes the cache file, then exits
            except OSError:
                pass

    @property
    def ready(self) -> bool:
        """Whether the index has arrived (``search`` will not wait)."""
        return self._arrived.is_set() and self._index is not None

    def result(self, timeout: float | None = None) -> SearchIndex:
        """The index, waiting for it (``TimeoutError`` after ``timeout`` seconds)."""
        if not self._arrived.wait(timeout):
            raise TimeoutError("the search index is still being built")
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from paperterm.search import SearchIndex

                    self._index = SearchIndex(self._papers)
        return self._index

    def search(self, *args, **kwargs):
        """``SearchIndex.search``, once the index is there."""
        return self.result().search(*args, **kwargs)

    def __len__(self) -> int:
        return len(self._papers)

    def __getattr__(self, name: str):
        return getattr(self.result(), name)


def _build_in_child(plan: _Plan, lib: Library) -> PendingIndex | None:
    """Fork a child that builds the index, sends it back, then writes the cache; ``None`` if we
    cannot fork (then the caller builds the index itself)."""
    if not _can_fork():
        return None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_fd)
            gc.disable()  # a short-lived process: collecting would only slow the build
            from paperterm.search import SearchIndex

            index = SearchIndex(lib.papers)
            try:
                with os.fdopen(write_fd, "wb", buffering=1 << 20) as fh:
                    _IndexWriter(fh, index.papers).dump(index)
            except OSError:
                pass  # the parent is gone: still keep the cache for the next start
            code = 0 if plan.racy or _write_now(plan, lib, index) else 1
        finally:
            os._exit(code)
    os.close(write_fd)
    return PendingIndex(lib.papers, read_fd, pid)


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


def _parse(paths: list[Path | str], plan: _Plan) -> Library:
    """``library.load_library`` without the cache, on both cores when the listings are large.

    From ``SPILL_BYTES`` of listings on, abstracts go to spool files as they are parsed
    (``abstracts``): the library holds references, not the text.

    A forked child parses the last files (about half the bytes) into a temporary file while this
    process parses the first ones; their results are then read back in order, so the library is
    exactly what a one-process load gives (the cache tests compare the two). Anything unexpected in
    the child (it died, a file it did not get to) just means this process parses that file itself.
    The child spills its abstracts to a spool of its own, opened before the fork so both have it.
    """
    spilling = plan.input_bytes >= SPILL_BYTES
    mine = TextFile.spool(locations.cache_dir()) if spilling else None
    read_mine = _spilling_reader(mine)
    if plan.input_bytes < PARALLEL_BYTES or len(plan.files) < 2 or not _can_fork():
        return _library.load_library(paths, use_cache=False, read=read_mine)
    half, tail, split = plan.input_bytes / 2, 0, len(plan.files)
    while split > 1 and tail + plan.sizes[split - 1] <= half:
        split -= 1
        tail += plan.sizes[split]
    theirs = {str(p) for p in plan.files[split:]}
    if not theirs:
        return _library.load_library(paths, use_cache=False, read=read_mine)
    child_store = TextFile.spool(locations.cache_dir()) if mine is not None else None
    try:
        spool = tempfile.TemporaryFile(prefix="paperterm-parse-")
    except OSError:
        return _library.load_library(paths, use_cache=False, read=read_mine)
    try:
        pid = os.fork()
    except OSError:
        spool.close()
        return _library.load_library(paths, use_cache=False, read=read_mine)
    stores = {_CHILD_SPOOL: child_store} if child_store is not None else {}
    if pid == 0:  # the child: parse its files, one pickle per file, then leave
        code = 1
        try:
            gc.disable()
            read_theirs = _spilling_reader(child_store)
            with open(spool.fileno(), "wb", buffering=1 << 20, closefd=False) as out:
                pickler = _Pickler(out, stores=stores)
                for path in plan.files[split:]:
                    try:
                        outcome: tuple = ("ok", read_theirs(path))
                    except ListingError as exc:
                        outcome = ("error", str(exc))
                    pickler.dump((str(path), outcome))
                    pickler.clear_memo()  # keep the child small; _collect reads record by record
            code = 0
        finally:
            os._exit(code)

    received: dict[str, tuple] | None = None

    def read(path: Path) -> ParseResult:
        nonlocal received
        key = str(path)
        if key in theirs:
            if received is None:
                received = _collect(pid, spool, stores)
            outcome = received.pop(key, None)
            if outcome is not None:
                kind, value = outcome
                if kind == "error":
                    raise ListingError(value)
                return value
        return read_mine(path)

    try:
        return _library.load_library(paths, use_cache=False, read=read)
    finally:
        if received is None:
            _collect(pid, spool, {})  # reap the child even if we never needed its work
        spool.close()


#: The persistent id of the parsing child's abstract spool in the records it sends.
_CHILD_SPOOL = "child-spool"


def _collect(pid: int, spool, stores: dict[str, TextFile]) -> dict[str, tuple]:
    """Wait for the parsing child; the outcomes it wrote (as many as could be read back)."""
    try:
        _, status = os.waitpid(pid, 0)
    except OSError:
        return {}
    outcomes: dict[str, tuple] = {}
    if status != 0:
        return outcomes
    for store in stores.values():
        store.take_appended()  # what the child spooled is complete: it has exited
    with gc_paused():
        try:
            spool.seek(0)
            with open(spool.fileno(), "rb", buffering=1 << 20, closefd=False) as fh:
                while True:
                    unpickler = pickle.Unpickler(fh)
                    unpickler.persistent_load = partial(_known_store, stores)
                    try:  # one unpickler per record: the child cleared its memo after each
                        name, outcome = unpickler.load()
                    except EOFError:
                        break
                    if type(name) is str and type(outcome) is tuple and len(outcome) == 2 and (
                            (outcome[0] == "ok" and type(outcome[1]) is ParseResult)
                            or (outcome[0] == "error" and type(outcome[1]) is str)):
                        outcomes[name] = outcome
        except Exception:  # noqa: BLE001 - whatever could not be read is parsed again here
            pass
    return outcomes


def _known_store(stores: dict[str, TextFile], pid: object) -> TextFile:
    store = stores.get(pid) if type(pid) is str else None
    if store is None:
        raise pickle.UnpicklingError("unknown persistent id")
    return store


def load_library(paths: Sequence[Path | str], *, use_cache: bool = True) -> Library:
    """``library.load_library`` through the cache: the kept copy if still valid, else parse and keep.

    Raises ``LoadError`` exactly as parsing would (a missing path, nothing loadable).
    """
    paths = list(paths)  # read twice (key, then parse): an iterator would be empty the second time
    if not use_cache:
        return _library.load_library(paths, use_cache=False)
    plan = _plan(paths)
    cached = _read(plan, want_index=False)
    if cached is not None:
        return cached[0]
    lib = _parse(paths, plan)
    _save(plan, lib, None)
    return lib


def load_library_and_index(paths: Sequence[Path | str], *, use_cache: bool = True,
                           background: bool = False) -> tuple[Library, SearchIndex | PendingIndex]:
    """The library under ``paths`` and its ``SearchIndex``, both from the cache when still valid.

    What the TUI (and ``paperterm search``) should call. A cached library without an index gets
    one built and the cache rewritten with both. With ``background`` (the TUI: it searches in a
    worker thread), an index that must be built for a large library (``BACKGROUND_BYTES``) is
    built by a forked child and a ``PendingIndex`` is returned at once; call this before any
    thread is started, or the index is built here as usual.
    """
    from paperterm.search import SearchIndex

    paths = list(paths)
    if not use_cache:
        lib = _library.load_library(paths, use_cache=False)
        return lib, SearchIndex(lib.papers)
    plan = _plan(paths)
    cached = _read(plan, want_index=True)
    if cached is not None and cached[1] is not None:
        return cached[0], cached[1]
    lib = cached[0] if cached is not None else _parse(paths, plan)
    if background and plan.input_bytes >= BACKGROUND_BYTES:
        pending = _build_in_child(plan, lib)
        if pending is not None:
            return lib, pending
    with gc_paused():
        index = SearchIndex(lib.papers)
    _save(plan, lib, index)
    return lib, index


def is_cached(paths: Sequence[Path | str], *, with_index: bool = True) -> bool:
    """Whether loading ``paths`` now would be served from the cache (e.g. to say "parsing ...").

    Reads only the small header of the cache file, not the library. Raises ``LoadError`` as a load
    would.
    """
    plan = _plan(paths)
    fd = _open_slot(plan)
    if fd is None:
        return False
    try:
        with os.fdopen(fd, "rb") as fh:
            has_index = _read_header(fh, plan)
            return has_index is not None and (has_index or not with_index)
    except Exception:  # noqa: BLE001
        return False


def clear() -> int:
    """Remove every cache file paperterm wrote; the number removed."""
    directory = locations.cache_dir()
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if (name.startswith(_SLOT_PREFIX) or name.startswith(_TMP_PREFIX)) and \
                name.endswith(_SLOT_SUFFIX):
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed
