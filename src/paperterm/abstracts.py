"""Abstracts kept in a file rather than in memory, read back one at a time when asked for.

At 100,000 papers the abstracts are about 170 MB of Python strings, three quarters of the library,
while a reader only ever looks at a few of them: the detail pane shows one, an export writes the
starred ones, a phrase search checks its candidates. So large libraries keep them in a ``TextFile``
and each ``Paper`` holds only a reference (``model.stored_paper``): the byte offset and length of
its UTF-8 text, packed into one int.

A ``TextFile`` is either a region of the cache file (a cached start: the abstracts were written
there with the library) or a spool, an anonymous temporary file in the cache directory that a first
start appends each parsed listing's abstracts to. Reads use ``os.pread`` where it exists, so they do
not move a file position shared with threads or forked children, and they do not count towards
the process's memory the way a memory map's touched pages would.

Nothing here is user data: a spool disappears when its process ends, and the cache's copy is
checked and rebuilt like the rest of the cache.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from paperterm.model import Paper, abstract_location, stored_copy

#: A reference packs ``offset << REF_SHIFT | length``: lengths up to 4 GiB (listings are <= 1 GiB).
REF_SHIFT = 32
_LENGTH_MASK = (1 << REF_SHIFT) - 1
#: Abstracts are text decoded from UTF-8 or UTF-16; ``surrogatepass`` keeps even a lone surrogate
#: (which a ``str`` can hold) round-tripping instead of raising.
_ERRORS = "surrogatepass"


def encode(text: str) -> bytes:
    """An abstract's bytes as a ``TextFile`` stores them."""
    return text.encode("utf-8", _ERRORS)


def abstract_size(paper: Paper) -> int:
    """The length of a paper's abstract in UTF-8 bytes, without reading a stored one (its
    reference holds the length), so merging papers can pick the longer abstract cheaply."""
    where, value = abstract_location(paper)
    return len(encode(value)) if where is None else value & _LENGTH_MASK


def ref_end(ref: int) -> int:
    """The offset just past the text ``ref`` points at (to check a ref against a file's size)."""
    return (ref >> REF_SHIFT) + (ref & _LENGTH_MASK)


class TextFile:
    """UTF-8 texts at known places in a file, read on demand; optionally appended to (a spool).

    ``base`` and ``size`` delimit the region of the file the texts live in; refs are relative to
    ``base``. The object owns its descriptor and closes it when it is collected.
    """

    __slots__ = ("_fd", "_base", "_size", "_lock", "__weakref__")

    def __init__(self, fd: int, base: int = 0, size: int = 0) -> None:
        self._fd = fd
        self._base = base
        self._size = size
        self._lock = threading.Lock()  # only for platforms without pread, and for appends

    @classmethod
    def spool(cls, directory: Path) -> TextFile | None:
        """A new, empty, already-unlinked file in ``directory`` to append texts to; ``None`` if
        none can be made there (then abstracts simply stay in memory)."""
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = tempfile.TemporaryFile(dir=directory, prefix=".spool-")
            fd = os.dup(handle.fileno())
            handle.close()
        except OSError:
            return None
        return cls(fd)

    @property
    def size(self) -> int:
        """Bytes of text in the file's region."""
        return self._size

    def read_bytes(self, ref: int) -> bytes:
        """The stored bytes of the text ``ref`` points at."""
        offset, length = ref >> REF_SHIFT, ref & _LENGTH_MASK
        if offset + length > self._size:
            raise ValueError(f"text reference {offset}+{length} past the end ({self._size})")
        position = self._base + offset
        pread = getattr(os, "pread", None)
        if pread is not None:
            data = pread(self._fd, length, position)
        else:  # pragma: no cover - Windows
            with self._lock:
                os.lseek(self._fd, position, os.SEEK_SET)
                data = os.read(self._fd, length)
        while len(data) < length:  # pread may return less than asked for (signals, big reads)
            more = (pread(self._fd, length - len(data), position + len(data))
                    if pread is not None else b"")
            if not more:
                raise OSError(f"text file ends {length - len(data)} bytes early")
            data += more
        return data

    def read(self, ref: int) -> str:
        """The text ``ref`` points at. A text that cannot be read (a disk error) reads as a
        message saying so, never an exception: it is shown in the middle of the reader."""
        try:
            return self.read_bytes(ref).decode("utf-8", _ERRORS)
        except (OSError, ValueError) as exc:
            return f"[abstract could not be read back from paperterm's cache: {exc}]"

    def take_appended(self) -> None:
        """Take in texts another process (a forked child) appended: the region now runs to the
        file's end. Until then, references past the size this process knows are refused."""
        with self._lock:
            self._size = max(self._size, os.fstat(self._fd).st_size - self._base)

    def append(self, data: bytes) -> int:
        """Add ``data`` at the end of the region; the offset it starts at."""
        with self._lock:
            offset = self._size
            view, position = memoryview(data), self._base + offset
            pwrite = getattr(os, "pwrite", None)
            if pwrite is None:  # pragma: no cover - Windows
                os.lseek(self._fd, position, os.SEEK_SET)
            while view:
                written = (pwrite(self._fd, view, position) if pwrite is not None
                           else os.write(self._fd, view))
                view, position = view[written:], position + written
            self._size = offset + len(data)
        return offset

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass

    def __del__(self) -> None:
        self.close()

    def __reduce__(self):  # a descriptor means nothing in another process
        raise TypeError("a TextFile cannot be pickled")


def spill(papers: Sequence[Paper], store: TextFile) -> list[Paper]:
    """``papers`` with their in-memory abstracts written to ``store`` and replaced by references.

    One write for all of them (a listing's worth); papers already stored somewhere stay as they
    are. If the write fails (a full disk), the papers are returned unchanged: memory, not data, is
    what is lost.
    """
    # None for a paper whose abstract is already stored somewhere.
    texts = [encode(text) if where is None else None
             for where, text in map(abstract_location, papers)]
    try:
        offset = store.append(b"".join(filter(None, texts)))
    except OSError:
        return list(papers)
    out = list(papers)
    for i, data in enumerate(texts):
        if data is not None:
            size = len(data)
            out[i] = stored_copy(out[i], store, offset << REF_SHIFT | size)
            offset += size
    return out
