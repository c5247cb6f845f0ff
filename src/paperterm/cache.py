"""The cache file: a parsed library and its search index, kept between runs so a big library
opens at once. This module is the key and the file format; when to read and write it is
``loader``'s job.

Parsing 100,000 papers (315 MB of listings) takes seconds; reading them back takes a fraction of
a second. The copy is only ever a shortcut, never a source of truth:

- It is keyed (``plan_load``) by every listing file's path (whose name may hold its capture
  date), size, modification and change times (ns), the local date of its modification time
  (which can give the capture date, and moves with the time zone) and inode, the discovery
  warnings, the paperterm version, a fingerprint of the code that shapes the data (model,
  library, parser, search, this module), the Python version and ``CACHE_FORMAT``. Any difference,
  a file that cannot be read back, a pickle whose digest does not match or a file we do not own
  means the listings are parsed again (and the copy replaced), silently.
- A listing changed within the last two seconds is not cached at all ("racy", as git calls it): a
  second change within the file system's timestamp granularity could keep size and times equal.
- Writes go to a temporary file renamed over the old copy, so a reader never sees half a file; an
  unwritable or full cache dir only means there is no cache.
- Nothing is unpickled before a plain header (magic, format, a digest of the key: bytes, not a
  pickle) matches, and only from a regular file (never through a symlink) owned by the current
  user and writable by no one else, in a folder only the user can write (``private``). Even then
  the library is plain data -- lists, strings, numbers -- read by an unpickler that allows no
  class or function at all; the index by one that allows only the search index's own classes.

Each set of input paths has its own file (``library-<hash of the paths>.pickle``); only the
``MAX_SLOTS`` most recently written are kept. The file holds, in order: the plain header (with
whether an index follows); the abstracts, as 8 bytes of length and then every paper's abstract
in UTF-8; the library as one list per ``Paper`` field (the abstract's being references into the
abstracts above), with its warnings, files and date order; then, if there is one, the index,
whose list of papers is written as a reference to the library's. The library and the index are
each a "blob": 8 bytes of length and the SHA-256 of the pickle before the pickle itself, so a
damaged, cut or foreign pickle is refused before it is unpickled (hashing the 22 MB library of
100,000 papers takes about 13 ms; checking the type of every value, as format 4 did, 100 ms).
The abstracts stay in the file and are read one at a time when shown (``abstracts.TextFile``;
the loaded library keeps the file open).

The index is not read with the library: ``read`` gives a ``StoredIndex`` that reads it when it is
first needed, so the reader paints its list before it spends a tenth of a second on an index the
first screen does not use. The library record carries the date order (the order the index
numbers papers in), so the reader's default sort needs neither the index nor a sort.

Why columns: rebuilding 100,000 ``Paper`` objects one constructor call at a time took 0.9 s of a
1.1 s cached load; lists of plain values unpickle at C speed and ``model.stored_papers`` sets
each field for every paper in one C-level loop.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from paperterm import __version__, locations, private
from paperterm.gc_pause import gc_paused
from paperterm.abstracts import REF_SHIFT, TextFile, encode
from paperterm.library import Library, discover
from paperterm.model import (FIELDS, OTHER_FIELDS, PAPER_TYPES, Paper, abstract_location,
                             newest_first, stored_paper, stored_papers)
from paperterm.sources.capture import modified_date

if TYPE_CHECKING:
    from paperterm.search import SearchIndex

#: Bump when the layout of the cache file changes.
CACHE_FORMAT = 5
#: How many input sets (each its own cache file) are kept.
MAX_SLOTS = 4
#: Listings modified more recently than this are not cached (timestamps could hide a second change).
RACY_NS = 2_000_000_000
#: Temporary files left by a writer that died are removed once they are this old.
STALE_TMP_SECONDS = 3600

_MAGIC = b"paperterm-cache\0"
#: Magic, format (4 bytes), has-index flag (1 byte), sha256 of the key (32 bytes).
_HEADER_SIZE = len(_MAGIC) + 4 + 1 + 32
#: A blob's head: the pickle's length (8 bytes) and its SHA-256 (32 bytes).
_BLOB_HEAD = 8 + 32
_SLOT_PREFIX = "library-"
_SLOT_SUFFIX = ".pickle"
_TMP_PREFIX = ".tmp-library-"
#: Code whose changes must invalidate cached data (paths relative to the package).
_FINGERPRINTED = ("__init__.py", "model.py", "abstracts.py", "library.py", "cache.py", "sources",
                  "search", "safe_text.py")

@dataclass(frozen=True, slots=True)
class Plan:
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


def plan_load(paths: Sequence[Path | str]) -> Plan:
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
    return Plan(key=key, slot=slot, input_bytes=sum(sizes), racy=racy, files=tuple(files),
                 sizes=tuple(sizes))


def _header(plan: Plan, has_index: bool) -> bytes:
    """The plain (never pickled) start of a cache file: magic, format, whether an index follows,
    and a digest of the load's key. A reader compares these bytes before it unpickles anything."""
    digest = hashlib.sha256(repr(plan.key).encode("utf-8", "surrogateescape")).digest()
    return _MAGIC + CACHE_FORMAT.to_bytes(4, "little") + bytes([has_index]) + digest


def _read_header(fh, plan: Plan) -> bool | None:
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


def _library_record(lib: Library, refs: list[int]) -> dict:
    """What the cache pickles for ``lib``: plain lists, strings and numbers only (no class, so
    loading runs no code), one list per field (``refs``: each paper's abstract in the file), and
    the date order (``model.newest_first``: the reader's default sort, ready-made).

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
            "files": [str(path) for path in lib.files], "newest_first": newest_first(lib.papers)}


def _library_from(record: object, store: TextFile) -> tuple[Library, list[int]] | None:
    """The library in a loaded record and its date order, or ``None`` if the record is not
    shaped as written: every column present and as long as the others. (Its bytes matched the
    digest written with them, so the values are the ones written; the shape is checked so that a
    record of another layout is refused, not misread.)"""
    if type(record) is not dict or record.keys() != {"columns", "warnings", "files",
                                                      "newest_first"}:
        return None
    columns, warnings, files = record["columns"], record["warnings"], record["files"]
    order = record["newest_first"]
    if type(columns) is not dict or columns.keys() != set(FIELDS) \
            or type(warnings) is not list or type(files) is not list or type(order) is not list:
        return None
    count = len(columns["id"])
    if len(order) != count or any(type(values) is not list or len(values) != count
                                  for values in columns.values()):
        return None
    return (Library(papers=stored_papers(store, columns), warnings=warnings,
                    files=[Path(f) for f in files],
                    _positions=dict(zip(columns["id"], range(count)))), order)


def _write_blob(fh, data: bytes) -> None:
    """``data`` with its length and digest before it (see the module docstring)."""
    fh.write(len(data).to_bytes(8, "little") + hashlib.sha256(data).digest())
    fh.write(data)


def _read_blob(fh, limit: int) -> bytes | None:
    """The bytes of the blob at ``fh``'s position, or ``None`` if it is cut, longer than
    ``limit`` bytes or does not match its digest."""
    head = fh.read(_BLOB_HEAD)
    if len(head) != _BLOB_HEAD:
        return None
    size = int.from_bytes(head[:8], "little")
    if size > limit:
        return None
    data = fh.read(size)
    if len(data) != size or hashlib.sha256(data).digest() != head[8:]:
        return None
    return data


class _NoClasses(pickle.Unpickler):
    """Unpickles plain data only: a record that names any class or function is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache file")


class IndexUnpickler(pickle.Unpickler):
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


def _open_slot(plan: Plan) -> int | None:
    """A read-only descriptor of ``plan``'s cache file (never through a symlink), or ``None``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(plan.slot, flags)
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class Cached:
    """What ``read`` found: the library, its date order (``model.newest_first``) and, if an index
    was wanted and the file has one, where to read it from."""

    library: Library
    newest_first: list[int]
    index: StoredIndex | None


class StoredIndex:
    """The index in a cache file, read when first asked for (``load``), not with the library.

    Holds its own descriptor of the file (the file may be replaced meanwhile: this one stays the
    file the library came from) and the offset of the index's blob."""

    def __init__(self, fd: int, offset: int, papers: list[Paper]) -> None:
        self._fd = fd
        self._offset = offset
        self._papers = papers

    def load(self) -> SearchIndex | None:
        """The index, or ``None`` if it cannot be read back (damaged, or already loaded once).
        Closes the descriptor: an index is read at most once."""
        from paperterm.search import SearchIndex

        fd, self._fd = self._fd, -1
        if fd < 0:
            return None
        try:
            with os.fdopen(fd, "rb", buffering=1 << 20) as fh, gc_paused():
                fh.seek(self._offset)
                data = _read_blob(fh, os.fstat(fh.fileno()).st_size)
                if data is None:
                    return None
                index = IndexUnpickler(io.BytesIO(data), self._papers).load()
        except Exception:  # noqa: BLE001 - a damaged index is simply not there
            return None
        return index if type(index) is SearchIndex and len(index) == len(self._papers) else None

    def close(self) -> None:
        """Give the descriptor back without reading the index."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        self.close()


def read(plan: Plan, want_index: bool) -> Cached | None:
    """The cached library for ``plan`` (and where its index is, if wanted and present), or
    ``None``."""
    fd = _open_slot(plan)
    return None if fd is None else read_from(fd, plan, want_index)


def read_from(fd: int, plan: Plan, want_index: bool) -> Cached | None:
    """``read`` from an open cache file (rewound here; ``fd`` is closed, the library keeps a
    copy of it): the cache slot, or the file a first start's loading child wrote
    (``write_to``)."""
    try:
        with os.fdopen(fd, "rb", buffering=1 << 20) as fh, gc_paused():
            fh.seek(0)
            has_index = _read_header(fh, plan)
            if has_index is None:
                return None
            raw = fh.read(8)
            size = int.from_bytes(raw, "little")
            base = fh.tell()
            file_size = os.fstat(fh.fileno()).st_size
            if len(raw) != 8 or base + size > file_size:
                return None
            fh.seek(base + size)
            record = _read_blob(fh, file_size)
            if record is None:
                return None
            store = TextFile(os.dup(fh.fileno()), base, size)
            found = _library_from(_NoClasses(io.BytesIO(record)).load(), store)
            if found is None:
                return None
            lib, order = found
            index = None
            if want_index and has_index:
                index = StoredIndex(os.dup(fh.fileno()), fh.tell(), lib.papers)
            return Cached(lib, order, index)
    except Exception:  # noqa: BLE001 - anything wrong with a cache file means "no cache"
        return None


#: The persistent id of the library's papers in a pickled index.
_PAPERS = "papers"


class IndexWriter(pickle.Pickler):
    """Pickles an index with its list of papers as a reference: the papers are in the library
    record before it, and an index unpickled after that record gets them back from it."""

    def __init__(self, file, papers: list[Paper]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._papers = papers

    def persistent_id(self, obj: object) -> str | None:
        return _PAPERS if obj is self._papers else None


class PaperPickler(pickle.Pickler):
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


def write(plan: Plan, lib: Library, index: SearchIndex | None) -> bool:
    """Write the cache file atomically. ``False`` (never an exception) if it cannot be written."""
    directory = plan.slot.parent
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=_TMP_PREFIX, suffix=_SLOT_SUFFIX)
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            write_to(fh, plan, lib, index)
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


def write_to(fh, plan: Plan, lib: Library, index: SearchIndex | None) -> None:
    """Write a whole cache file for ``plan`` to ``fh`` (a binary file at its start). Raises
    ``OSError`` if it cannot."""
    with gc_paused():
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
        _write_blob(fh, pickle.dumps(_library_record(lib, refs),
                                     protocol=pickle.HIGHEST_PROTOCOL))
        if index is not None:
            buffer = io.BytesIO()
            IndexWriter(buffer, index.papers).dump(index)
            _write_blob(fh, buffer.getbuffer())
        fh.flush()


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


def is_cached(plan: Plan, *, with_index: bool = True) -> bool:
    """Whether ``read(plan, ...)`` would find a cache file (with an index, if ``with_index``).
    Reads only the file's small plain header, not the library."""
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
