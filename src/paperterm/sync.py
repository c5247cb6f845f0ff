"""Sync markers between machines through a folder the user already syncs (``paperterm sync``).

No server and no shared database: each machine appends its own marker changes to its own log in
the folder, ``<machine id>.jsonl``, which no other machine ever writes, so Syncthing, Dropbox, a
network drive or a git repository never sees two writers of one file. Each sync then reads every
log in the folder and merges. Everything here is plain Python (no Textual): the CLI and the reader
call :func:`sync`.

The log format
    One JSON object per line. The first line is a header, ``{"format": "paperterm-sync",
    "version": 1, "machine": ID, "snapshot": N}``; every other line is one change of one field
    of one paper::

        {"paper": ID, "field": "note", "value": "text", "hlc": [ms, n], "seen": {...}, "title": T}

    The design is generic per ``(paper, field, value, clock, machine)``: every field the store
    keeps (``state.FIELDS``) travels the same way, so a field added later needs no change here.
    A log cut mid-line (a file-sync tool copying it while it grows) is read up to its last whole
    line; a line that cannot be read is skipped and reported. Reading is idempotent and order-free:
    the merge depends only on the *set* of changes in the folder, not on when or in which order
    they arrived, and a change seen twice (a duplicated line, a "conflicted copy" of a log) counts
    once.

Ordering: a hybrid logical clock
    A change is stamped ``(ms, n)``: the wall-clock time of the edit in milliseconds, but never
    less than one tick past the newest change to that field the editing machine had already seen
    (``seen``: per machine, the newest of its changes to this field that were merged here). The
    order of two changes is ``(ms, n, machine id)``, so ties are broken by machine id. Because a
    new change always sorts after everything its machine had seen, a machine whose clock is off
    cannot freeze a field by writing far-future times: the next edit anywhere after a sync
    supersedes it. And since the clock is kept per field rather than per machine, a far-future
    time never spreads beyond the fields it touched (no machine's clock is dragged into the
    future); such times are also reported as a warning.

Newest change wins, and note conflicts are kept
    Per paper and field, the change with the greatest stamp wins. ``seen`` also tells which
    changes a change *superseded* (its machine had seen them); the changes nobody superseded are
    the heads of the field's history. For a note, two heads mean two machines edited it without
    seeing each other's text: the winner's text is kept with every other head's text appended
    below a ``--- conflict copy from MACHINE, TIME UTC ---`` line, so nothing typed is ever
    dropped. The user resolves it by editing the note (that edit supersedes all of them).
    Tags (a set of names, sent as one space-separated text) merge the same way: two heads mean two
    machines changed the paper's tags without seeing each other's change, and the merged set is
    the union of the heads' sets, so a tag added on either machine is kept. (The price: a tag
    removed on one machine while the other changed the same paper's tags comes back; removing it
    again, after the sync, supersedes both.)

Compaction
    Once a machine's log holds more than twice as many lines as fields it has changes for, it is
    rewritten (atomically: a temporary file renamed over it) as a snapshot: only its newest change
    per field, which is all the merge needs of one machine. Appends then continue after it.

What the store keeps for this (``state.MarkerStore``): per field, the clock of the change its value
came from and the field's ``at`` at that moment (table ``field_clocks``). A field whose ``at`` has
moved since was changed here and is sent by the next sync; ``state import`` sets ``at`` too, so
markers imported to seed a new machine are sent like any other change. Merged changes are written
only where the field has not changed here meanwhile (the reader may be editing during a sync).

Cost: a sync in which nothing changed (no log's name, size or time differs from the last sync and
no field changed here) stops after a directory listing and one indexed query (0.05 s at 100,000
synced fields). Otherwise it reads every log in full (after compaction about one line per machine
per changed field: 10 MB for 100,000 fields) and scans the store once, about 2.5 s at 100,000
fields; it writes only fields whose merged value or clock changed.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import NamedTuple

from paperterm import locations, private
from paperterm.limits import (MAX_CONFIG_BYTES, MAX_NOTE_BYTES, MAX_TITLE_BYTES, TooLarge,
                              read_bounded)
from paperterm.model import is_paper_id
from paperterm.state import FIELDS, MarkerStore, StoreError, check_text
from paperterm.tags import check_tags_text, parse_tags

LOG_FORMAT = "paperterm-sync"
LOG_VERSION = 1
#: The environment variable that names the sync folder (it overrides the remembered one).
SYNC_DIR_ENV = "PAPERTERM_SYNC_DIR"
#: The file in the config directory that remembers the folder ``paperterm sync DIR`` was given.
CONFIG_NAME = "sync.toml"
#: Settings key in the marker store holding this machine's id.
MACHINE_SETTING = "sync.machine"
#: Settings key holding the folder's state after the last sync (files, sizes, times).
FINGERPRINT_SETTING = "sync.fingerprint"
#: Fields whose losing concurrent edits are kept as conflict copies instead of being replaced.
TEXT_FIELDS = frozenset({"note"})
#: Fields holding a set of names (``tags.tags_text``) whose concurrent edits are merged by union.
SET_FIELDS = frozenset({"tags"})
#: A log is compacted once it has more than this many lines and twice as many as it needs.
COMPACT_MIN_LINES = 200
#: Logs larger than this are not read (reported instead): no log of real markers gets near it.
MAX_LOG_BYTES = 512 * 1024 * 1024
#: Changes dated further than this ahead of this machine's clock are reported as a warning.
FUTURE_WARNING_MS = 24 * 3600 * 1000
_MAX_MS = 2 ** 53
_MACHINE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class SyncError(Exception):
    """Sync cannot run at all. ``str()`` is one line naming the folder or file and the problem."""


# -- where the folder is ----------------------------------------------------------------------

def config_path() -> Path:
    return locations.config_dir() / CONFIG_NAME


def remembered_dir() -> Path | None:
    """The folder remembered by ``paperterm sync DIR``, or ``None``. ``SyncError`` if the
    config file is unreadable."""
    path = config_path()
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES, "sync settings file")
    except FileNotFoundError:
        return None
    except TooLarge as exc:
        raise SyncError(f"{path}: {exc}") from None
    except OSError as exc:
        raise SyncError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SyncError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise SyncError(f"{path}: not valid TOML (nested too deeply)") from None
    value = data.get("dir")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SyncError(f"{path}: \"dir\" must be a folder path as text")
    return Path(value).expanduser()


def configured_dir() -> Path | None:
    """The sync folder in effect: ``$PAPERTERM_SYNC_DIR``, else the remembered one, else None."""
    env = os.environ.get(SYNC_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return remembered_dir()


def remember_dir(folder: Path) -> Path:
    """Remember ``folder`` (made absolute) as the sync folder; returns the config file path."""
    path = config_path()
    text = ("# Written by 'paperterm sync DIR': the folder paperterm syncs markers through.\n"
            f"dir = {json.dumps(str(folder), ensure_ascii=False)}\n")
    try:
        private.ensure_private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, private.FILE_MODE)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise SyncError(f"{path}: cannot save the sync folder ({exc.strerror or exc})") from None
    return path


def machine_id(store: MarkerStore) -> str:
    """This machine's id (made on first use from the host name and random digits, then kept in
    the store's settings; ``state export`` does not carry it, so a seeded machine gets its own)."""
    current = store.get_setting(MACHINE_SETTING)
    if current and _MACHINE_RE.match(current):
        return current
    host = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().split(".")[0].lower()).strip("-")
    new = f"{host[:24] or 'machine'}-{os.urandom(3).hex()}"
    store.set_setting(MACHINE_SETTING, new)
    return new


# -- the hybrid logical clock -------------------------------------------------------------------

Stamp = tuple  # (ms, n, machine): compared as a tuple


class Change(NamedTuple):
    """One change of one field of one paper, as a log line holds it."""

    paper: str
    field: str
    value: object
    stamp: Stamp
    seen: dict  # machine -> (ms, n)
    title: str


def next_stamp(at: float, seen: dict, machine: str) -> Stamp:
    """The stamp of a change made here at wall time ``at`` (seconds) after merging ``seen``:
    the wall time, but at least one tick past everything seen."""
    ms = min(max(int(round(at * 1000)), 0), _MAX_MS) if math.isfinite(at) else 0
    stamp = (ms, 0)
    if seen:
        newest = max(seen.values())
        stamp = max(stamp, (newest[0], newest[1] + 1))
    return (stamp[0], stamp[1], machine)


def supersedes(newer: Change, older: Change) -> bool:
    """Whether ``newer``'s machine had seen ``older`` when it made ``newer``."""
    if newer.stamp == older.stamp:
        return False
    machine = older.stamp[2]
    if newer.stamp[2] == machine:
        return newer.stamp > older.stamp
    known = newer.seen.get(machine)
    return known is not None and tuple(known) >= older.stamp[:2]


class Merged(NamedTuple):
    value: object
    winner: Change
    seen: dict
    conflicts: int  # losing texts kept as conflict copies


def merge_field(changes: Iterable[Change]) -> Merged:
    """The merged value of one paper's field from all its known changes (in any order)."""
    changes = list(changes)
    winner = max(changes, key=lambda c: c.stamp)
    seen: dict[str, tuple[int, int]] = {}
    for c in changes:
        for m, k in ((c.stamp[2], c.stamp[:2]), *c.seen.items()):
            if m not in seen or tuple(k) > seen[m]:
                seen[m] = tuple(k)
    value = winner.value
    conflicts = 0
    if winner.field in TEXT_FIELDS and len(changes) > 1:
        heads = [c for c in changes
                 if c is not winner and not any(supersedes(o, c) for o in changes)]
        text = winner.value if isinstance(winner.value, str) else ""
        kept: list[str] = []
        for head in sorted(heads, key=lambda c: c.stamp, reverse=True):
            lost = head.value
            if not isinstance(lost, str) or not lost.strip() or lost in text or lost in kept:
                continue
            kept.append(lost)
            when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(head.stamp[0] / 1000))
            block = f"--- conflict copy from {head.stamp[2]}, {when} UTC ---\n{lost}"
            text = f"{text.rstrip()}\n\n{block}" if text.strip() else block
        conflicts = len(kept)
        value = text if text.strip() else None
    elif winner.field in SET_FIELDS and len(changes) > 1:
        heads = [c for c in changes
                 if c is winner or not any(supersedes(o, c) for o in changes)]
        names: set[str] = set()
        for head in heads:
            names.update(parse_tags(head.value if isinstance(head.value, str) else None))
        value = " ".join(sorted(names)) or None
    return Merged(value, winner, seen, conflicts)


def _covers(big: dict, small: dict) -> bool:
    """Whether the ``seen`` vector ``big`` includes everything ``small`` does."""
    return all(m in big and tuple(big[m]) >= tuple(k) for m, k in small.items())


def clock_text(winner: Stamp, seen: dict) -> str:
    """The clock the store keeps for a field (see ``MarkerStore.apply_synced``)."""
    return json.dumps({"k": list(winner), "s": {m: list(seen[m]) for m in sorted(seen)}},
                      separators=(",", ":"))


def parse_clock(text: str | None) -> tuple[Stamp, dict] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        k = data["k"]
        seen = {str(m): (int(v[0]), int(v[1])) for m, v in data["s"].items()}
        return (int(k[0]), int(k[1]), str(k[2])), seen
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
        return None  # a damaged clock: the field is sent again, which is harmless


# -- reading logs -------------------------------------------------------------------------------

@dataclass
class Log:
    """What one log file held."""

    path: Path
    machine: str | None = None
    changes: list[Change] = dc_field(default_factory=list)
    lines: int = 0  # complete change lines (including unreadable ones)
    problem: str | None = None


def _check_value(field: str, value):
    """The value as the store keeps it, or raise ValueError."""
    if field in ("read", "starred"):
        if isinstance(value, bool) or value in (0, 1):
            return int(value)
        raise ValueError(f"\"{field}\" must be true or false")
    if field in TEXT_FIELDS:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"\"{field}\" must be text or null")
        if value is None or not value.strip():
            return None
        problem = check_text(value, f"\"{field}\"", MAX_NOTE_BYTES)
        if problem:
            raise ValueError(problem)
        return value
    if field in SET_FIELDS:
        return check_tags_text(value, f"\"{field}\"")
    if isinstance(value, str):
        problem = check_text(value, f"\"{field}\"", MAX_NOTE_BYTES)
        if problem:
            raise ValueError(problem)
        return value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError(f"\"{field}\" has a value of an unknown kind")


def _pair(value) -> tuple[int, int]:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= _MAX_MS
                    for x in value)):
        return value[0], value[1]
    raise ValueError("\"hlc\" must be [milliseconds, counter]")


def parse_change(line: str, machine: str) -> Change:
    """One change line; ``ValueError`` with a short reason if it is not one."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    except RecursionError:
        raise ValueError("not a change (JSON nested too deeply)") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    paper, fld = data.get("paper"), data.get("field")
    if not isinstance(paper, str) or not is_paper_id(paper):
        raise ValueError("needs a \"paper\" id (12 lowercase hex digits)")
    if not isinstance(fld, str) or not fld:
        raise ValueError("needs a \"field\"")
    value = _check_value(fld, data.get("value"))
    ms, n = _pair(data.get("hlc"))
    raw_seen = data.get("seen", {})
    if not isinstance(raw_seen, dict):
        raise ValueError("\"seen\" must be an object")
    seen = {}
    for m, k in raw_seen.items():
        if not _MACHINE_RE.match(m):
            raise ValueError(f"bad machine id {m[:40]!r} in \"seen\"")
        seen[m] = _pair(k)
    title = data.get("title", "")
    if not isinstance(title, str) or check_text(title, "title", MAX_TITLE_BYTES):
        title = ""  # only a label: a bad one is dropped, the change is kept
    return Change(paper, fld, value, (ms, n, machine), seen, title)


def read_log(path: Path) -> Log:
    """Read one log, up to its last whole line. Never raises: problems end up in ``problem``."""
    log = Log(path)
    try:
        if path.stat().st_size > MAX_LOG_BYTES:
            log.problem = f"{path}: log too large to read ({path.stat().st_size:,} bytes)"
            return log
        raw = path.read_bytes()
    except OSError as exc:
        log.problem = f"{path}: unreadable log ({exc.strerror or exc})"
        return log
    end = raw.rfind(b"\n")
    if end < 0:
        return log  # empty, or only a half-written first line: nothing to read yet
    lines = raw[:end].split(b"\n")
    try:
        header = json.loads(lines[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: JSON, huge integers
        header = None
    if not isinstance(header, dict) or header.get("format") != LOG_FORMAT:
        log.problem = f"{path}: unreadable log (not a paperterm sync log)"
        return log
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > LOG_VERSION:
        log.problem = f"{path}: log written by a newer paperterm (version {version!r}); upgrade"
        return log
    machine = header.get("machine")
    if not isinstance(machine, str) or not _MACHINE_RE.match(machine):
        log.problem = f"{path}: unreadable log (bad machine id in its first line)"
        return log
    log.machine = machine
    bad: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        log.lines += 1
        try:
            log.changes.append(parse_change(line.decode("utf-8"), machine))
        except UnicodeDecodeError:
            bad.append(f"line {number}: not UTF-8")
        except ValueError as exc:
            bad.append(f"line {number}: {exc}")
    if bad:
        more = f" (and {len(bad) - 1} more lines)" if len(bad) > 1 else ""
        log.problem = f"{path}: skipped an unreadable change, {bad[0]}{more}"
    return log


def change_line(change: Change) -> str:
    data = {"paper": change.paper, "field": change.field, "value": change.value,
            "hlc": list(change.stamp[:2]),
            "seen": {m: list(change.seen[m]) for m in sorted(change.seen)}}
    if change.title:
        data["title"] = change.title
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def header_line(machine: str, snapshot: int = 0) -> str:
    return json.dumps({"format": LOG_FORMAT, "version": LOG_VERSION, "machine": machine,
                       "snapshot": snapshot}, separators=(",", ":"))


# -- writing this machine's log -----------------------------------------------------------------

def _append(path: Path, machine: str, changes: list[Change]) -> None:
    """Append ``changes`` to this machine's own log, flushed to disk. A half-written last line left
    by an interrupted earlier append is cut off first (it was never counted as sent)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, private.FILE_MODE)
    except OSError as exc:
        raise SyncError(f"{path}: cannot write this machine's log ({exc.strerror or exc})") \
            from None
    try:
        size = os.fstat(fd).st_size
        prefix = ""
        if size == 0:
            prefix = header_line(machine) + "\n"
        else:
            tail_from = max(0, size - 65536)
            while True:
                os.lseek(fd, tail_from, os.SEEK_SET)
                tail = os.read(fd, size - tail_from)
                cut = tail.rfind(b"\n")
                if cut >= 0 or tail_from == 0:
                    break
                tail_from = max(0, tail_from - 65536)
            keep = tail_from + cut + 1 if cut >= 0 else 0
            if keep != size:
                os.ftruncate(fd, keep)
            if keep == 0:
                prefix = header_line(machine) + "\n"
            size = keep
        if not changes and not prefix:
            return
        data = (prefix + "".join(change_line(c) + "\n" for c in changes)).encode("utf-8")
        os.lseek(fd, size, os.SEEK_SET)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as exc:
        raise SyncError(f"{path}: cannot write this machine's log ({exc.strerror or exc})") \
            from None
    finally:
        os.close(fd)


def _compact(path: Path, machine: str, own: dict) -> None:
    """Rewrite this machine's log as its newest change per field (atomically)."""
    newest = sorted(own.values(), key=lambda c: (c.paper, c.field))
    text = header_line(machine, len(newest)) + "\n" + "".join(change_line(c) + "\n"
                                                               for c in newest)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, private.FILE_MODE)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise SyncError(f"{path}: cannot compact this machine's log ({exc.strerror or exc})") \
            from None


class _Lock:
    """One sync at a time per store (the reader's background sync and a ``paperterm sync``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; concurrent syncs stay rare
            return self
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise SyncError(f"{self.path}: cannot lock ({exc.strerror or exc})") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock


# -- the sync -----------------------------------------------------------------------------------

@dataclass
class SyncResult:
    folder: Path
    machine: str
    sent: int = 0                 # changes of this machine appended to its log
    received: int = 0             # fields changed here by other machines' changes
    conflicts: list[str] = dc_field(default_factory=list)  # papers whose note got a conflict copy
    changed: list[str] = dc_field(default_factory=list)    # paper ids whose markers changed here
    logs: int = 0                 # logs read (including this machine's)
    compacted: bool = False
    problems: list[str] = dc_field(default_factory=list)   # one line each (unreadable logs ...)
    warnings: list[str] = dc_field(default_factory=list)   # far-future clocks

    def summary(self) -> str:
        """One line for the CLI."""
        others = self.logs - 1 if self.logs else 0
        text = (f"synced with {others} other machine{'' if others == 1 else 's'} through "
                f"{self.folder}: sent {self.sent} change{'' if self.sent == 1 else 's'}, "
                f"received {self.received}")
        if self.conflicts:
            n = len(self.conflicts)
            text += f"; {n} note conflict{'' if n == 1 else 's'} kept as conflict copies"
        return text


def check_folder(folder: Path) -> None:
    if not folder.exists():
        raise SyncError(f"{folder}: sync folder missing")
    if not folder.is_dir():
        raise SyncError(f"{folder}: sync folder is not a directory")


def sync(store: MarkerStore, folder: Path, *, now: float | None = None) -> SyncResult:
    """Send this machine's changes to ``folder`` and merge every other machine's.

    ``SyncError`` (one line) when the folder is missing or this machine's log cannot be written;
    a log that cannot be read is skipped and named in ``result.problems``. ``StoreError`` if the
    store fails."""
    folder = Path(folder)
    check_folder(folder)
    me = machine_id(store)
    result = SyncResult(folder, me)
    own_path = folder / f"{me}.jsonl"
    with _Lock(store.path.with_name(store.path.name + ".sync-lock")):
        return _sync_locked(store, folder, me, own_path, result,
                            time.time() if now is None else now)


def _fingerprint(folder: Path) -> list:
    """What the logs in ``folder`` look like from outside: name, size, modification time."""
    out = []
    try:
        for path in folder.iterdir():
            if path.suffix == ".jsonl":
                try:
                    st = path.stat()
                except OSError:
                    continue
                out.append([path.name, st.st_size, st.st_mtime_ns])
    except OSError:
        return []
    return sorted(out)


def _sync_locked(store: MarkerStore, folder: Path, me: str, own_path: Path,
                 result: SyncResult, now: float) -> SyncResult:
    # 0. Nothing to do when no log changed since the last sync and nothing changed here: the
    #    reader's periodic sync then costs a directory listing and one indexed query.
    before = _fingerprint(folder)
    try:
        last = json.loads(store.get_setting(FINGERPRINT_SETTING) or "null")
    except ValueError:
        last = None
    if (isinstance(last, dict) and last.get("folder") == str(folder)
            and last.get("files") == before and before
            and next(iter(store.sync_rows(changed_only=True)), None) is None):
        result.logs = int(last.get("machines", 1))
        result.problems = [str(p) for p in last.get("problems", [])]
        return result
    result = _full_sync(store, folder, me, own_path, result, now)
    store.set_setting(FINGERPRINT_SETTING, json.dumps(
        {"folder": str(folder), "files": _fingerprint(folder), "machines": result.logs,
         "problems": result.problems}, ensure_ascii=False))
    return result


def _full_sync(store: MarkerStore, folder: Path, me: str, own_path: Path,
               result: SyncResult, now: float) -> SyncResult:
    # 1. Every log in the folder (a log's machine is the one its first line names, so a
    #    file-sync tool's "conflicted copy" of a log merges with the log itself).
    try:
        names = sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file())
    except OSError as exc:
        raise SyncError(f"{folder}: cannot list the sync folder ({exc.strerror or exc})") \
            from None
    groups: dict[tuple[str, str], dict[Stamp, Change]] = {}
    own: dict[tuple[str, str], Change] = {}   # this machine's newest change per field
    own_lines = 0
    machines: set[str] = set()
    future = now * 1000 + FUTURE_WARNING_MS
    for path in names:
        log = read_log(path)
        if log.problem:
            result.problems.append(log.problem)
        if log.machine is None:
            continue
        if log.machine != me and path.name == own_path.name:
            raise SyncError(f"{path}: this machine's log names machine {log.machine!r}; "
                            "two machines share one id (was the data directory copied?)")
        machines.add(log.machine)
        ahead = 0
        for c in log.changes:
            key = (c.paper, c.field)
            groups.setdefault(key, {})[c.stamp] = c
            if c.stamp[0] > future:
                ahead = max(ahead, c.stamp[0])
            if log.machine == me:
                if key not in own or c.stamp > own[key].stamp:
                    own[key] = c
        if path.name == own_path.name:
            own_lines = log.lines
        if ahead:
            days = (ahead - now * 1000) / 86_400_000
            result.warnings.append(f"{path}: changes dated {days:.1f} days ahead of this "
                                   f"machine's clock (is machine {log.machine}'s clock wrong?)")
    machines.add(me)
    result.logs = len(machines)

    # 2. This machine's changes since the last sync (and any its log lost) go to its log.
    rows = {}
    new: list[Change] = []
    for paper, title, fld, value, at, clock_at, clock in store.sync_rows():
        rows[(paper, fld)] = (title, value, at, clock)
        parsed = parse_clock(clock)
        dirty = parsed is None or clock_at != at
        if not dirty and parsed[0][2] == me and (own.get((paper, fld)) is None
                                                 or own[(paper, fld)].stamp < parsed[0]):
            dirty = True  # recorded as sent, but the log no longer has it: send it again
        if not dirty:
            continue
        seen = parsed[1] if parsed is not None else {}
        stamp = next_stamp(at, seen, me)
        known = groups.get((paper, fld), {})
        if parsed is None and any(c.value == value and c.stamp[0] == stamp[0]
                                  for c in known.values()):
            continue  # the same change arrived from elsewhere (a machine seeded by import)
        change = Change(paper, fld, value, stamp, dict(seen), title or "")
        new.append(change)
    if new or not own_path.exists():
        _append(own_path, me, new)
    for c in new:
        key = (c.paper, c.field)
        groups.setdefault(key, {})[c.stamp] = c
        own[key] = c
    result.sent = len(new)
    own_lines += len(new)

    # 3. Merge: per paper and field, the newest change wins; note conflicts are kept. What a
    #    machine has merged never goes backwards: a log that reappears shorter (an old copy, a
    #    prefix) changes nothing here, and the field's ``seen`` only ever grows.
    updates = []
    for (paper, fld), changes in groups.items():
        if fld not in FIELDS:
            continue  # a field from a newer paperterm: kept in its log, not understood here
        merged = merge_field(changes.values())
        row = rows.get((paper, fld))
        stored = parse_clock(row[3]) if row is not None else None
        seen = merged.seen
        if stored is not None:
            old_winner, old_seen = stored
            if merged.winner.stamp < old_winner:
                continue
            if merged.winner.stamp == old_winner and _covers(old_seen, seen):
                continue
            seen = {m: max(k for k in (old_seen.get(m), seen.get(m)) if k is not None)
                    for m in old_seen.keys() | seen.keys()}
        clock = clock_text(merged.winner.stamp, seen)
        title = merged.winner.title
        if row is not None:
            old_title, old_value, at, old_clock = row
            if old_clock == clock and old_value == merged.value:
                continue
            set_value = old_value != merged.value
            new_at = merged.winner.stamp[0] / 1000 if set_value else at
            updates.append((paper, title, fld, set_value, merged.value, new_at, clock, at))
        else:
            updates.append((paper, title, fld, True, merged.value,
                            merged.winner.stamp[0] / 1000, clock, None))
        if merged.conflicts and (row is None or row[1] != merged.value):
            result.conflicts.append(paper)
    changed = store.apply_synced(updates)
    result.changed = sorted(set(changed))
    result.received = len(changed)

    # 4. Compaction: only this machine's newest change per field is needed.
    if own_lines > COMPACT_MIN_LINES and own_lines > 2 * len(own):
        _compact(own_path, me, own)
        result.compacted = True
    return result


def sync_configured(store: MarkerStore) -> SyncResult | None:
    """Sync through the configured folder; ``None`` when no folder is set."""
    folder = configured_dir()
    if folder is None:
        return None
    return sync(store, folder)


def sync_once(store_path: Path) -> tuple[SyncResult | None, str | None]:
    """One sync through the configured folder on a connection of its own (the reader calls this
    from a worker thread). Never raises: ``(result, None)``, ``(None, None)`` when no folder is
    set, or ``(None, one-line problem)``."""
    try:
        folder = configured_dir()
        if folder is None:
            return None, None
        with MarkerStore(store_path) as store:
            return sync(store, folder), None
    except (SyncError, StoreError) as exc:
        return None, str(exc)
    except Exception as exc:  # a background sync must never take the reader down
        return None, f"sync failed ({type(exc).__name__}: {exc})".replace("\n", " ")


def _problem_first(text: str) -> str:
    """``PATH: problem`` as ``problem (PATH)``, the home folder as ``~``: the status line cuts
    from the right, so the problem stays visible."""
    where, sep, what = text.partition(": ")
    if not sep or "/" not in where and "\\" not in where:
        return text
    home = str(Path.home())
    if home not in ("/", "") and where.startswith(home):
        where = "~" + where[len(home):]
    return f"{what} ({where})"


def status_text(result: SyncResult | None, error: str | None, when: float) -> str:
    """The reader's one-line sync status."""
    stamp = time.strftime("%H:%M", time.localtime(when))
    if error:
        return f"sync {stamp}: {_problem_first(error)}"
    if result is None:
        return ""
    if result.problems:
        extra = f" (+{len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
        return f"synced {stamp}; {_problem_first(result.problems[0])}{extra}"
    text = f"synced {stamp}"
    if result.conflicts:
        text += f", {len(result.conflicts)} note conflict{'s' if len(result.conflicts) > 1 else ''}"
    return text


__all__ = ["SyncError", "SyncResult", "sync", "sync_configured", "configured_dir",
           "remember_dir", "machine_id", "merge_field", "read_log", "StoreError"]
