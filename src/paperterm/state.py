"""The marker store: read, starred, note and tags per paper, in SQLite in the user data directory.

This is the only module that writes user data, and it is built so that a marker reported as saved is
saved:

- every change is its own committed transaction (WAL journal, ``synchronous=FULL``), so a crash or a
  ``kill -9`` right after a change returns never loses it;
- a change updates only the field it is about (an upsert of one column and its timestamp), so two
  paperterm processes working at once never undo each other's changes;
- each field carries the time it last changed, so markers exported from one machine merge into
  another field by field, newest change winning;
- a database that cannot be opened is never deleted: it is moved aside with a timestamp and a fresh
  one is started, and ``MarkerStore.recovered_from`` says where the old one went;
- the database (and its ``-wal``/``-shm`` files) is private to the user: mode 0600 in a folder
  created 0700 (``paperterm.private``);
- what comes from outside is checked before anything is written: a note is text without NUL bytes
  and at most ``MAX_NOTE_BYTES``; tag names follow ``paperterm.tags``; an import names only
  paperterm ids and is merged all or nothing;
- tags are one field (the paper's whole set, stored as ``tags.tags_text``) with one timestamp, like
  the others; adding or removing one tag reads and writes the set in one transaction
  (``change_tags``), so two processes tagging the same paper at once both keep their tag;
- schema 2 added the tags columns; an older store is upgraded in place when opened (nothing else
  changes), and a marker export without tags (schema 1) still imports;
- SQLite's "database or disk is full" is reported as "disk full".

It also remembers which papers the reader has seen, for "new since last time" (``begin_session``):
each start of the reader is a *session*, numbered; the ids first seen in a session are kept with it,
one text row per session (``sessions``), so recording 100,000 papers is one row written in one
transaction (a few milliseconds), not 100,000 index entries. A paper is *new* when the latest
session first saw it. The very first session records every paper as already seen (a baseline):
there is no "new" on a first run, or on the first run of a paperterm that did not keep sessions.
A digest of the last library recorded (``SEEN_DIGEST``) lets a start whose papers have not changed
skip comparing ids at all.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paperterm import locations, private
from paperterm.limits import MAX_NOTE_BYTES, MAX_TITLE_BYTES, human_size
from paperterm.model import Marker, is_paper_id
from paperterm.tags import TagError as _TagNameError
from paperterm.tags import MAX_TAGS, check_tags_list, normalize_tag, parse_tags, tags_text
from paperterm.wording import json_text

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS markers (
    paper_id    TEXT PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '',
    read        INTEGER NOT NULL DEFAULT 0,
    read_at     REAL,
    starred     INTEGER NOT NULL DEFAULT 0,
    starred_at  REAL,
    note        TEXT,
    note_at     REAL,
    updated     REAL NOT NULL,
    tags        TEXT,
    tags_at     REAL
);
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS field_clocks (
    paper_id TEXT NOT NULL,
    field    TEXT NOT NULL,
    at       REAL,
    clock    TEXT NOT NULL,
    PRIMARY KEY (paper_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    n       INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    ids     TEXT NOT NULL DEFAULT ''
);
"""

FIELDS = ("read", "starred", "note", "tags")
#: Columns added to the markers table after schema 1, with their types (added when a store of an
#: older schema is opened).
_ADDED_COLUMNS = (("tags", "TEXT"), ("tags_at", "REAL"))

#: Settings key: the digest of the paper ids last recorded as seen (``begin_session``).
SEEN_DIGEST = "seen.digest"

#: A store up to this size gets SQLite's full ``PRAGMA quick_check`` at every open; it reads every
#: page (about 1 s for a million markers, 124 MB), so a larger store gets ``_structure_check``
#: instead, whose cost does not grow with the store. 4 MiB is about 30,000 markers, ~30 ms.
FULL_CHECK_BYTES = 4 << 20

_SQLITE_FULL = 13  # sqlite3.SQLITE_FULL
_SQLITE_IOERR = 10


class StoreError(Exception):
    """The store cannot be used. ``str()`` is one line naming the path and the problem."""


class NoteError(StoreError, ValueError):
    """A note the store refuses (too large, a NUL byte, not encodable text). A ``StoreError``, so
    every caller that reports store failures reports this one too."""


class TagError(StoreError, ValueError):
    """A tag the store refuses (not a tag name, or one tag too many for the paper). A
    ``StoreError``, like ``NoteError``."""


def check_text(text: str, what: str, limit: int) -> str | None:
    """Why ``text`` cannot be stored as ``what`` (a one-line reason), or ``None`` if it can."""
    if "\x00" in text:
        return f"{what} contains a NUL byte (only text can be stored)"
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return f"{what} is not valid text (it contains a lone surrogate)"
    if size > limit:
        return f"{what} is {human_size(size)}; the limit is {human_size(limit)}"
    return None


def _disk_full(exc: sqlite3.Error, folder: Path) -> bool:
    """Whether ``exc`` means the disk (or the database's size limit) is full. A write that fails
    for want of space is SQLITE_FULL, but some paths (the WAL index, a sync) report a plain I/O
    error: then the folder's free space decides."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "disk is full" in str(exc)
    if code & 0xFF == _SQLITE_FULL:
        return True
    if code & 0xFF == _SQLITE_IOERR:
        try:
            return os.statvfs(folder).f_bavail == 0
        except (OSError, AttributeError):
            return False
    return False


def _reason(exc: sqlite3.Error, folder: Path) -> str:
    """SQLite's message, or "disk full" when that is what it means."""
    return "disk full; free some space and try again" if _disk_full(exc, folder) else str(exc)


@dataclass(frozen=True, slots=True)
class Session:
    """A reader session (``MarkerStore.begin_session``): its number and the papers first seen in
    it. ``first`` is the very first session, whose papers were all recorded as already seen."""

    number: int
    new_ids: frozenset[str]
    first: bool = False


def _ids_digest(ids: list[str]) -> str:
    """A digest of a list of paper ids, in order (a library loads its papers in a stable order;
    another order only costs the comparison the digest would have saved)."""
    return _text_digest("\n".join(ids))


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _unique_ids(paper_ids: Iterable[str]) -> list[str]:
    """The ids in order, once each, without any that could not be kept one per line."""
    return _ids_text(paper_ids)[0]


def _ids_text(paper_ids: Iterable[str]) -> tuple[list[str], str]:
    """``_unique_ids`` and those ids one per line. (A library's ids, given as its ``{id:
    position}`` dict, are unique already: then the joined text's line breaks, counted at C speed,
    check them, about 3 ms at 100,000 rather than 15.)"""
    if isinstance(paper_ids, (dict, set, frozenset)):
        ids = list(paper_ids)
        text = "\n".join(ids)
        if "" not in paper_ids and text.count("\n") == max(0, len(ids) - 1):
            return ids, text
    ids = [pid for pid in dict.fromkeys(paper_ids) if pid and "\n" not in pid]
    return ids, "\n".join(ids)


class _Unreadable(Exception):
    """The database file exists but this user may not read it: treated like a corrupt one."""


def _integrity(db: sqlite3.Connection, size: int) -> str:
    """``"ok"``, or what is wrong with the database: SQLite's ``quick_check`` for a store up to
    ``FULL_CHECK_BYTES``; for a larger one, whether its schema and the first and last entries of
    the marker table and its index can be read (damage elsewhere is reported, as one line, by the
    read or write that meets it; nothing is ever deleted)."""
    if size <= FULL_CHECK_BYTES:
        return db.execute("PRAGMA quick_check").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "markers" in tables:
        for order in ("ASC", "DESC"):
            db.execute(f"SELECT rowid FROM markers ORDER BY rowid {order} LIMIT 1").fetchall()
            db.execute(f"SELECT paper_id FROM markers ORDER BY paper_id {order} LIMIT 1").fetchall()
    return "ok"


def _check_header(header: bytes, size: int) -> None:
    """Refuse a database file whose header is damaged or that is shorter than its header says (a
    truncated copy). Only for a file without a pending ``-wal``, whose header is final."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if len(header) < 100 or page_size < 512 or page_size & (page_size - 1):
        raise sqlite3.DatabaseError("file is not a database (bad header)")
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and pages * page_size > size:
        raise sqlite3.DatabaseError(f"integrity check failed: file is truncated "
                                    f"({size} of {pages * page_size} bytes)")


def _row_to_marker(row: sqlite3.Row) -> Marker:
    return Marker(
        paper_id=row["paper_id"], title=row["title"], read=bool(row["read"]),
        starred=bool(row["starred"]), note=row["note"], updated=row["updated"],
        read_at=row["read_at"], starred_at=row["starred_at"], note_at=row["note_at"],
        tags=parse_tags(row["tags"]), tags_at=row["tags_at"],
    )


#: Databases this process has open (resolved path -> open stores). SQLite's locks are POSIX
#: record locks, owned by the process and all dropped when *any* descriptor of the file is closed:
#: the pre-check below, which opens the file itself, must not run while another store of this
#: process (the reader's background sync beside the reader) holds the database. That store has
#: checked the file already.
_OPEN_HERE: dict[str, int] = {}
_OPEN_HERE_LOCK = threading.Lock()


class MarkerStore:
    """Markers per paper id, persisted at once. Use as a context manager or call ``close()``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else locations.state_path()
        self.recovered_from: Path | None = None
        self._registered: str | None = None
        try:
            private.ensure_private_dir(self.path.parent)
        except OSError as exc:
            raise StoreError(f"{self.path.parent}: cannot create data directory "
                             f"({exc.strerror or exc})") from None
        try:
            self._db = self._open_retrying()
        except (sqlite3.DatabaseError, _Unreadable) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and not self._is_corruption(exc):
                raise StoreError(f"{self.path}: cannot open marker store "
                                 f"({_reason(exc, self.path.parent)})") from None
            self.recovered_from = self._move_aside()
            try:
                self._db = self._open_retrying()
            except sqlite3.Error as exc2:
                raise StoreError(f"{self.path}: cannot open marker store "
                                 f"({_reason(exc2, self.path.parent)})") from None
        key = os.path.realpath(self.path)
        with _OPEN_HERE_LOCK:
            _OPEN_HERE[key] = _OPEN_HERE.get(key, 0) + 1
        self._registered = key

    # -- opening -------------------------------------------------------------------------------

    def _open_retrying(self, patience: float = 15.0) -> sqlite3.Connection:
        """``_open``, retried while another process holds a lock SQLite will not wait for (two
        processes creating the database, or switching it to WAL, at the same moment)."""
        deadline = time.monotonic() + patience
        pause = 0.005
        while True:
            try:
                return self._open()
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def _open(self) -> sqlite3.Connection:
        if self.path.exists():
            if not os.access(self.path, os.R_OK):
                raise _Unreadable(str(self.path))
            if not os.access(self.path, os.W_OK):
                raise StoreError(f"{self.path}: marker store is read-only; make it writable "
                                 "(chmod u+w) to save markers")
        if not os.access(self.path.parent, os.W_OK):
            raise StoreError(f"{self.path.parent}: data directory is read-only")
        self._check_after_open = False
        self._check_existing()
        self._make_private()
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 30000")
            if self._check_after_open:
                check = _integrity(db, self.path.stat().st_size)
                if check != "ok":
                    raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":  # switching takes a lock; WAL, once set, stays
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                db.execute("PRAGMA journal_mode = DELETE")
            db.execute("PRAGMA synchronous = FULL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: written by a newer paperterm (schema {version}, "
                    f"this one knows {SCHEMA_VERSION}); upgrade paperterm"
                )
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                columns = {row[1] for row in db.execute("PRAGMA table_info(markers)")}
                for name, kind in _ADDED_COLUMNS:
                    if name not in columns:
                        db.execute(f"ALTER TABLE markers ADD COLUMN {name} {kind}")
                if version < SCHEMA_VERSION:
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except BaseException:
            db.close()
            raise
        return db

    def _check_existing(self) -> None:
        """Check an existing database through a read-only connection, so a damaged one is moved
        aside exactly as found: a read-write connection would, on closing, checkpoint its ``-wal``
        file into it and delete that file."""
        with _OPEN_HERE_LOCK:
            if _OPEN_HERE.get(os.path.realpath(self.path)):
                return  # open here already (and checked then): see _OPEN_HERE
        try:
            size = self.path.stat().st_size
            if size == 0:
                return  # an empty file is an empty database
            with open(self.path, "rb") as fh:
                header = fh.read(100)
            head = header[:16]
            wal = self.path.with_name(self.path.name + "-wal")
            hot_wal = wal.exists() and wal.stat().st_size > 0
        except FileNotFoundError:
            return
        except PermissionError:
            raise _Unreadable(str(self.path)) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open marker store ({exc.strerror or exc})") \
                from None
        if head != b"SQLite format 3\x00":
            raise sqlite3.DatabaseError("file is not a database")
        if size > FULL_CHECK_BYTES and not hot_wal:
            _check_header(header, size)
        try:
            ro = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30.0)
            try:
                ro.execute("PRAGMA busy_timeout = 30000")
                check = _integrity(ro, size)
            finally:
                ro.close()
        except sqlite3.OperationalError as exc:
            if self._is_corruption(exc):
                raise
            # Not damage but a state a read-only connection cannot handle, e.g. the WAL of a
            # writer killed mid-change, whose recovery needs write access. The read-write
            # connection recovers it; check the database there instead.
            self._check_after_open = True
            return
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check}")

    def _make_private(self) -> None:
        """Create the database file 0600 before SQLite does (SQLite gives its ``-wal`` and ``-shm``
        files the database's mode), and take group/other access off an existing one."""
        try:
            private.create_private_file(self.path)
        except FileNotFoundError:
            raise StoreError(f"{self.path.parent}: data directory has gone away") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create marker store "
                             f"({exc.strerror or exc})") from None
        for suffix in ("", "-wal", "-shm"):
            private.tighten(self.path.with_name(self.path.name + suffix))

    @staticmethod
    def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
        text = str(exc).lower()
        return any(s in text for s in ("not a database", "malformed", "integrity check", "corrupt"))

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.replace(self.path, backup)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, backup.with_name(backup.name + suffix))
        except OSError as exc:
            raise StoreError(f"{self.path}: corrupt, and cannot be moved aside "
                             f"({exc.strerror or exc})") from None
        return backup

    # -- reading -------------------------------------------------------------------------------

    def _query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read markers "
                             f"({_reason(exc, self.path.parent)})") from None

    def all(self) -> dict[str, Marker]:
        """Every stored marker, by paper id. Costs a Python object per stored marker: the faces
        use ``markers_for`` with the papers they show instead."""
        return {row["paper_id"]: _row_to_marker(row) for row in self._query("SELECT * FROM markers")}

    def markers_for(self, paper_ids: Iterable[str]) -> dict[str, Marker]:
        """The stored markers of these papers, by paper id (papers without markers are absent).

        The cost follows the number of ids asked for, never the size of the store: when the store
        holds more rows than twice the ids (``max(rowid)``, read from the end of the table, bounds
        the count), the ids travel as one JSON array and SQLite looks each up in the primary-key
        index, so a million stored markers cost nothing when six papers are shown; otherwise one
        scan of the table is cheaper, and only the rows asked for become ``Marker`` objects.
        """
        wanted = paper_ids if isinstance(paper_ids, (set, frozenset, dict)) else set(paper_ids)
        if not wanted:
            return {}
        stored = self._query("SELECT max(rowid) FROM markers")[0][0] or 0
        if stored <= 2 * len(wanted):
            rows = self._query("SELECT * FROM markers")
            return {row["paper_id"]: _row_to_marker(row) for row in rows
                    if row["paper_id"] in wanted}
        rows = self._query("SELECT * FROM markers WHERE paper_id IN "
                           "(SELECT value FROM json_each(?))", (json.dumps(list(wanted)),))
        return {row["paper_id"]: _row_to_marker(row) for row in rows}

    def with_prefix(self, prefix: str, limit: int = 2) -> list[Marker]:
        """Up to ``limit`` stored markers whose paper id starts with ``prefix`` (an index range
        scan: ids are compared as text, and every id starting with ``prefix`` sorts between
        ``prefix`` and ``prefix`` followed by the highest character)."""
        if not prefix:
            return []
        rows = self._query("SELECT * FROM markers WHERE paper_id >= ? AND paper_id < ? "
                           "ORDER BY paper_id LIMIT ?", (prefix, prefix + "\U0010ffff", limit))
        return [_row_to_marker(row) for row in rows]

    def count(self) -> int:
        """How many papers have stored markers."""
        return self._query("SELECT count(*) FROM markers")[0][0]

    def data_version(self) -> int:
        """A number that changes whenever another connection (another paperterm) has committed a
        change since the last call -- never for this connection's own changes. Costs one tiny
        query, so the reader can poll it to notice other windows' changes."""
        try:
            return self._db.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read markers ({exc})") from None

    def get(self, paper_id: str) -> Marker | None:
        rows = self._query("SELECT * FROM markers WHERE paper_id = ?", (paper_id,))
        return _row_to_marker(rows[0]) if rows else None

    # -- writing -------------------------------------------------------------------------------

    def _set(self, field: str, paper_id: str, title: str, value, at: float | None = None) -> Marker:
        """Set one field of one paper's markers, leaving its other fields as they are."""
        if field not in FIELDS:
            raise ValueError(field)
        now = time.time() if at is None else at
        try:
            self._db.execute(
                f"INSERT INTO markers (paper_id, title, {field}, {field}_at, updated) "
                f"VALUES (?, ?, ?, ?, ?) "
                f"ON CONFLICT(paper_id) DO UPDATE SET {field} = excluded.{field}, "
                f"{field}_at = excluded.{field}_at, updated = max(updated, excluded.updated), "
                f"title = CASE WHEN excluded.title != '' THEN excluded.title ELSE title END",
                (paper_id, title, value, now, now),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot save marker "
                             f"({_reason(exc, self.path.parent)})") from None
        marker = self.get(paper_id)
        assert marker is not None
        return marker

    def set_many(self, field: str, changes: Iterable[tuple[str, str, object]]) -> float:
        """Set one field of many papers, each ``(paper_id, title, value)`` -- values may differ
        (an undo restores each paper's own previous value) -- in ONE transaction: all or nothing,
        and one disk flush however many papers (marking 100,000 papers read is one commit, not
        100,000). Other fields are left as they are, as with the single setters. Returns the
        time recorded as the field's change time (``{field}_at``); nothing is read back (reading
        100,000 markers back costs more than writing them: ``markers_for`` when needed).

        Values are stored as given: ``read``/``starred`` take bools, ``note`` text or ``None``
        (checked like ``set_note``), ``tags`` the paper's whole set of (normal-form) names."""
        if field not in FIELDS:
            raise ValueError(field)
        now = time.time()
        rows = []
        for paper_id, title, value in changes:
            if field == "note":
                value = value if isinstance(value, str) and value.strip() else None
                problem = value is not None and check_text(value, "note", MAX_NOTE_BYTES)
                if problem:
                    raise NoteError(problem)
            elif field == "tags":
                try:  # (no count limit: an undo gives back what a sync merge may have made)
                    value = tags_text((normalize_tag(name) for name in value or ()), limit=None)
                except _TagNameError as exc:
                    raise TagError(str(exc)) from None
            else:
                value = int(bool(value))
            rows.append((paper_id, title, value, now, now))
        if not rows:
            return now
        with self._transaction("cannot save markers", "; nothing was changed"):
            self._db.executemany(
                f"INSERT INTO markers (paper_id, title, {field}, {field}_at, updated) "
                f"VALUES (?, ?, ?, ?, ?) "
                f"ON CONFLICT(paper_id) DO UPDATE SET {field} = excluded.{field}, "
                f"{field}_at = excluded.{field}_at, updated = max(updated, excluded.updated), "
                f"title = CASE WHEN excluded.title != '' THEN excluded.title ELSE title END",
                rows)
        return now

    def set_read(self, paper_id: str, title: str, value: bool = True) -> Marker:
        return self._set("read", paper_id, title, int(bool(value)))

    def set_starred(self, paper_id: str, title: str, value: bool = True) -> Marker:
        return self._set("starred", paper_id, title, int(bool(value)))

    def set_note(self, paper_id: str, title: str, text: str | None) -> Marker:
        """Set the note; an empty or blank note removes it. ``NoteError`` if the note contains a
        NUL byte, is not encodable text, or is larger than ``MAX_NOTE_BYTES``."""
        note = text if text is not None and text.strip() else None
        if note is not None:
            problem = check_text(note, "note", MAX_NOTE_BYTES)
            if problem:
                raise NoteError(problem)
        return self._set("note", paper_id, title, note)

    def set_tags(self, paper_id: str, title: str, names: Iterable[str]) -> Marker:
        """Replace the paper's tags with ``names`` (normalised; none removes them all).
        ``TagError`` for a name that is not a tag name or more than ``tags.MAX_TAGS`` tags."""
        try:
            text = tags_text(normalize_tag(name) for name in names)
        except _TagNameError as exc:
            raise TagError(str(exc)) from None
        return self._set("tags", paper_id, title, text)

    def change_tags(self, paper_id: str, title: str, add: Iterable[str] = (),
                    remove: Iterable[str] = ()) -> Marker | None:
        """Add the tags ``add`` and remove the tags ``remove`` (names are normalised), reading and
        writing the set in one transaction, so a tag another process adds meanwhile is kept.
        Nothing is written when the set stays the same. Returns the paper's marker (``None`` if it
        has none). ``TagError`` as ``set_tags``."""
        return self.edit_tags(paper_id, title, add, remove)[1]

    def edit_tags(self, paper_id: str, title: str, add: Iterable[str] = (),
                  remove: Iterable[str] = ()) -> tuple[tuple[str, ...], Marker | None]:
        """``change_tags``, also returning the tags the paper had just before (read in the same
        transaction): ``(tags before, marker after)``, so the caller knows exactly what changed."""
        try:
            added = {normalize_tag(name) for name in add}
            removed = {normalize_tag(name) for name in remove}
        except _TagNameError as exc:
            raise TagError(str(exc)) from None
        with self._transaction("cannot save marker"):
            try:
                old, current = self._edit_tags_now(paper_id, title, added, removed)
            except _TagNameError as exc:
                raise TagError(str(exc)) from None
        return old, current

    def _edit_tags_now(self, paper_id: str, title: str, added: set[str],
                       removed: set[str]) -> tuple[tuple[str, ...], Marker | None]:
        """One paper's tag edit inside the caller's transaction: ``(tags before, marker
        after)``. Raises the tag module's error when the result is over ``MAX_TAGS``."""
        current = self.get(paper_id)
        old = current.tags if current is not None else ()
        before = set(old)
        after = (before | added) - removed
        if after != before:
            # Over the limit only by adding: a paper given more tags by a sync merge can still
            # lose some.
            text = tags_text(after, limit=MAX_TAGS if added - before else None)
            current = self._set("tags", paper_id, title, text)
        return old, current

    def edit_tags_many(self, edits) -> list:
        """``edit_tags`` for many papers, each ``(paper_id, title, add, remove)``, in ONE
        transaction: all or nothing (a bad name, or a paper pushed over ``MAX_TAGS``, changes no
        paper). Returns ``(tags before, marker after)`` per edit, in order."""
        try:
            prepared = [(pid, title, {normalize_tag(n) for n in add},
                         {normalize_tag(n) for n in remove}) for pid, title, add, remove in edits]
        except _TagNameError as exc:
            raise TagError(str(exc)) from None
        results = []
        with self._transaction("cannot save markers", "; nothing was changed"):
            for paper_id, title, added, removed in prepared:
                try:
                    results.append(self._edit_tags_now(paper_id, title, added, removed))
                except _TagNameError as exc:
                    raise TagError(f"{exc}; no paper was changed") from None
        return results

    def tags_in_use(self) -> dict[str, int]:
        """Every tag name in the store with the number of papers carrying it, most used first
        (then by name). Reads only the tagged papers' rows (completion in the reader)."""
        counts: dict[str, int] = {}
        for row in self._query("SELECT tags FROM markers WHERE tags IS NOT NULL"):
            for name in parse_tags(row[0]):
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    # -- settings (the TUI's "where I left off") -----------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        try:
            self._db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot save setting "
                             f"({_reason(exc, self.path.parent)})") from None

    # -- sessions: which papers are new since last time ------------------------------------------

    def begin_session(self, paper_ids: Iterable[str]) -> Session:
        """Start a reader session over a library with these paper ids: record the ids never seen
        before as first seen in it, and return it with those ids (its *new* papers).

        The very first session (no session recorded yet) records every id as a baseline instead and
        has no new papers: on a first run everything would be "new", which says nothing. One
        transaction, so two readers starting at once never both count a paper as new. Cost: the
        ids' digest (about 5 ms at 100,000); only when it differs from the last library recorded,
        one read of every id ever seen (about 25 ms at 100,000) to find the unseen ones. Sessions
        that saw nothing new are forgotten once a later one starts (only their number mattered).
        """
        ids, text = _ids_text(paper_ids)
        digest = _text_digest(text)
        now = time.time()
        with self._transaction("cannot record the papers seen"):
            last = self._db.execute("SELECT max(n) FROM sessions").fetchone()[0]
            if last is None:
                self._db.execute("INSERT INTO sessions (n, started, ids) VALUES (0, ?, ?)",
                                 (now, text))
                number, new = 1, []
            else:
                number = last + 1
                new = self._unseen(ids, digest)
                self._db.execute("DELETE FROM sessions WHERE ids = '' AND n > 0")
            self._db.execute("INSERT INTO sessions (n, started, ids) VALUES (?, ?, ?)",
                             (number, now, "\n".join(new)))
            self._set_digest(digest)
        return Session(number, frozenset(new), first=last is None)

    def record_seen(self, paper_ids: Iterable[str], *, baseline: bool = False) -> frozenset[str]:
        """Record the ids never seen before as first seen in the latest session (papers a fetch
        added while the reader is open: new in this session, like those found at its start);
        returns them. Without any session yet, or with ``baseline`` (the rest of the library of
        a first session, which began with its newest listings), they join the baseline instead:
        nothing is new then, and nothing is returned."""
        ids, text = _ids_text(paper_ids)
        digest = _text_digest(text)
        with self._transaction("cannot record the papers seen"):
            last = self._db.execute("SELECT max(n) FROM sessions").fetchone()[0]
            if last is None:
                self._db.execute("INSERT INTO sessions (n, started, ids) VALUES (0, ?, ?)",
                                 (time.time(), text))
                new = []
            else:
                new = self._unseen(ids, digest)
                if new:
                    self._db.execute(
                        "UPDATE sessions SET ids = CASE WHEN ids = '' THEN ? "
                        "ELSE ids || char(10) || ? END WHERE n = ?",
                        ("\n".join(new), "\n".join(new), 0 if baseline else last))
                if baseline:
                    new = []
            self._set_digest(digest)
        return frozenset(new)

    @contextmanager
    def _transaction(self, failing: str, then: str = "") -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``): committed when the body returns, rolled
        back if it raises; an SQLite error becomes the ``StoreError``
        ``<path>: <failing> (<reason>)<then>``."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {failing} "
                             f"({_reason(exc, self.path.parent)}){then}") from None

    def new_ids(self, paper_ids: Iterable[str]) -> frozenset[str]:
        """Which of these papers are new as the reader counts them (``is:new`` outside the
        reader): first seen in the latest session, or never seen (the next session will count
        them new). Nothing is new before the first session. Writes nothing."""
        ids = _unique_ids(paper_ids)
        rows = self._query("SELECT n, ids FROM sessions ORDER BY n DESC LIMIT 1")
        if not rows or rows[0]["n"] == 0:
            return frozenset()
        latest = set(_split_ids(rows[0]["ids"]))
        unseen = self._unseen(ids, _ids_digest(ids))
        return frozenset(pid for pid in ids if pid in latest) | frozenset(unseen)

    def _unseen(self, ids: list[str], digest: str) -> list[str]:
        """The ids no session has seen, in order (none if ``digest`` is the last one recorded)."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?",
                               (SEEN_DIGEST,)).fetchone()
        if row is not None and row[0] == digest:
            return []
        seen: set[str] = set()
        for (text,) in self._db.execute("SELECT ids FROM sessions"):
            seen.update(_split_ids(text))
        return [pid for pid in ids if pid not in seen]

    def _set_digest(self, digest: str) -> None:
        self._db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (SEEN_DIGEST, digest))

    # -- moving markers between machines -------------------------------------------------------

    def export_data(self) -> dict:
        """All markers as a JSON-ready document (``paperterm state export``)."""
        return {
            "format": "paperterm-markers",
            "version": SCHEMA_VERSION,
            "markers": [
                {
                    "id": m.paper_id, "title": m.title,
                    "read": m.read, "read_at": m.read_at,
                    "starred": m.starred, "starred_at": m.starred_at,
                    "note": m.note, "note_at": m.note_at,
                    "tags": list(m.tags), "tags_at": m.tags_at,
                }
                for m in sorted(self.all().values(), key=lambda m: m.paper_id)
            ],
        }

    def import_data(self, data: dict) -> int:
        """Merge exported markers in, field by field, the newer change winning. Returns fields changed.

        All or nothing: every entry is checked before anything is written, and the merge is one
        transaction, so a file that is refused (or a write that fails half-way) changes no marker.
        Raises ``ValueError`` with a one-line reason when ``data`` is not a valid marker export
        (entries are numbered from 0, in file order), ``StoreError`` when the store fails.
        """
        entries = parse_import(data)
        changed = 0
        with self._transaction("cannot import markers", "; nothing was changed"):
            try:
                for paper_id, title, changes in entries:
                    current = self.get(paper_id)
                    for field, value, at in changes:
                        mine = getattr(current, f"{field}_at", None) if current else None
                        if mine is not None and mine >= at:
                            continue
                        self._set(field, paper_id, title, value, at=at)
                        changed += 1
            except StoreError as exc:  # a read or write inside failed: all of it is undone
                raise StoreError(f"{exc}; nothing was imported") from None
        return changed

    def _rollback(self) -> None:
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite has already rolled back (e.g. after SQLITE_FULL)

    # -- sync bookkeeping (paperterm.sync owns the meaning of ``clock``) -----------------------

    def sync_rows(self, changed_only: bool = False):
        """Every set field of every paper, with its sync clock: tuples ``(paper_id, title, field,
        value, at, clock_at, clock)``; ``clock_at``/``clock`` are ``None`` for a field never
        synced. A field whose ``at`` differs from ``clock_at`` changed here since the last sync;
        ``changed_only`` yields only those."""
        for field in FIELDS:
            only = f" AND (c.at IS NULL OR c.at != m.{field}_at)" if changed_only else ""
            rows = self._query(
                f"SELECT m.paper_id, m.title, m.{field}, m.{field}_at, c.at, c.clock "
                f"FROM markers m LEFT JOIN field_clocks c "
                f"ON c.paper_id = m.paper_id AND c.field = ? WHERE m.{field}_at IS NOT NULL"
                + only, (field,))
            for row in rows:
                yield (row[0], row[1], field, row[2], row[3], row[4], row[5])

    def apply_synced(self, updates, batch: int = 2000) -> list[str]:
        """Record sync results: each update is ``(paper_id, title, field, set_value, value, at,
        clock, expected_at)``. An update is skipped when the field's ``at`` is no longer
        ``expected_at`` (``None``: the field was never set), i.e. it changed here meanwhile; that
        change is then sent by the next sync. With ``set_value`` the field takes ``value`` and
        ``at``; the field's clock is recorded as ``(at, clock)`` either way. Committed in batches
        (one disk flush each). Returns the ids of papers whose values changed."""
        changed: list[str] = []
        updates = list(updates)
        for start in range(0, len(updates), batch):
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for paper_id, title, field, set_value, value, at, clock, expected in \
                        updates[start:start + batch]:
                    if field not in FIELDS:
                        raise ValueError(field)
                    row = self._db.execute(f"SELECT {field}_at FROM markers WHERE paper_id = ?",
                                           (paper_id,)).fetchone()
                    if (row[0] if row is not None else None) != expected:
                        continue
                    if set_value:
                        self._db.execute(
                            f"INSERT INTO markers (paper_id, title, {field}, {field}_at, updated) "
                            f"VALUES (?, ?, ?, ?, ?) "
                            f"ON CONFLICT(paper_id) DO UPDATE SET {field} = excluded.{field}, "
                            f"{field}_at = excluded.{field}_at, "
                            f"updated = max(updated, excluded.updated), "
                            f"title = CASE WHEN excluded.title != '' THEN excluded.title "
                            f"ELSE title END",
                            (paper_id, title or "", value, at, at))
                        changed.append(paper_id)
                    self._db.execute(
                        "INSERT INTO field_clocks (paper_id, field, at, clock) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(paper_id, field) DO UPDATE SET at = excluded.at, "
                        "clock = excluded.clock", (paper_id, field, at, clock))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"{self.path}: cannot save synced markers ({exc})") from None
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        return changed

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()
        key, self._registered = self._registered, None
        if key is not None:
            with _OPEN_HERE_LOCK:
                left = _OPEN_HERE.get(key, 1) - 1
                if left > 0:
                    _OPEN_HERE[key] = left
                else:
                    _OPEN_HERE.pop(key, None)

    def __enter__(self) -> MarkerStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _split_ids(text: str) -> list[str]:
    return text.split("\n") if text else []


ImportEntry = tuple[str, str, list[tuple[str, "int | str | None", float]]]


def parse_import(data: object) -> list[ImportEntry]:
    """Check a whole marker export before anything is written: ``(paper id, title, [(field,
    value, changed at), ...])`` per entry, or ``ValueError`` naming the first bad entry."""
    if not isinstance(data, dict) or data.get("format") != "paperterm-markers":
        raise ValueError("not a paperterm marker export (missing \"format\": \"paperterm-markers\")")
    version = data.get("version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise ValueError(f"marker export version {version!r} is newer than this paperterm "
                         f"understands ({SCHEMA_VERSION}); upgrade paperterm")
    raw_entries = data.get("markers")
    if not isinstance(raw_entries, list):
        raise ValueError("\"markers\" must be a list")
    entries: list[ImportEntry] = []
    for n, entry in enumerate(raw_entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ValueError(f"marker {n}: needs a string \"id\"")
        paper_id = entry["id"]
        if not is_paper_id(paper_id):
            shown = ascii(paper_id[:40]) + ("..." if len(paper_id) > 40 else "")
            raise ValueError(f"marker {n}: {shown} is not a paperterm id "
                             "(12 lowercase hex digits)")
        title = entry.get("title")
        if title is None:
            title = ""
        if not isinstance(title, str):
            raise ValueError(f"marker {n}: \"title\" must be text")
        problem = check_text(title, "\"title\"", MAX_TITLE_BYTES)
        if problem:
            raise ValueError(f"marker {n}: {problem}")
        changes = []
        for field in FIELDS:
            at = entry.get(f"{field}_at")
            if at is None:
                continue
            if not isinstance(at, (int, float)) or isinstance(at, bool) or not math.isfinite(at):
                raise ValueError(f"marker {n}: \"{field}_at\" must be a number")
            value = entry.get(field)
            if field == "note":
                if value is not None and not isinstance(value, str):
                    raise ValueError(f"marker {n}: \"note\" must be text or null")
                value = value if value and value.strip() else None
                problem = value is not None and check_text(value, "\"note\"", MAX_NOTE_BYTES)
                if problem:
                    raise ValueError(f"marker {n}: {problem}")
            elif field == "tags":
                try:
                    value = check_tags_list(value)
                except ValueError as exc:
                    raise ValueError(f"marker {n}: {exc}") from None
            elif isinstance(value, bool) or value in (0, 1):
                value = int(value)
            else:
                raise ValueError(f"marker {n}: \"{field}\" must be true or false")
            changes.append((field, value, float(at)))
        entries.append((paper_id, title, changes))
    return entries


def export_json(store: MarkerStore) -> str:
    return json_text(store.export_data())

