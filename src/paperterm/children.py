"""Forked children: work done on the other core, its result sent back, the child always reaped.

Three jobs of a first start run in a child process while this one goes on (``loader``): writing
the cache file, building the search index (sent back while the reader is already up) and parsing
half of a large set of listings. They share this one helper, so forking, handing back a result and
reaping are written once:

- ``fork(work, output=...)`` runs ``work(out)`` in a forked child and returns a ``Child`` at once
  (or ``None`` where the platform cannot fork, or another thread runs: then the caller does the
  work itself). ``out`` is where the child writes its result: a pipe (``"pipe"``: the parent reads
  while the child works, e.g. from a thread) or an anonymous temporary file (``"file"``: the
  parent reads it after ``wait``; the child never blocks on a full pipe while the parent is busy
  parsing its own half).
- The child leaves with ``os._exit`` (never running the parent's exit handlers or flushing its
  buffers twice), exit status 0 when ``work`` returned, 1 when it raised.
- ``Child.wait`` reaps it; ``Child.reap_later`` leaves that to a thread, which ``wait_all`` joins
  (tests and benchmarks wait for background cache writes with it).

Cost: a fork of a 200 MB process takes a few milliseconds (pages are shared copy-on-write).
"""

from __future__ import annotations

import gc
import os
import tempfile
import threading
import time
from collections.abc import Callable
from typing import BinaryIO

#: Threads reaping children whose work outlives the call that started them (cache writers).
_reapers: list[threading.Thread] = []


def can_fork() -> bool:
    """Whether forking is possible and safe: the platform has it and no other thread runs (a
    forked copy of a process with threads can deadlock on a lock one of them held)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Child:
    """A forked child process; ``output`` reads what it wrote (``None`` without output)."""

    def __init__(self, pid: int, output: BinaryIO | None, rewind: bool) -> None:
        self.pid = pid
        self.output = output
        self._rewind = rewind
        self._status: int | None = None
        self._lock = threading.Lock()

    def wait(self) -> bool:
        """Wait for the child to exit (once; later calls return at once): whether it succeeded.
        A file output is rewound, ready to read."""
        with self._lock:
            if self._status is None:
                try:
                    _, self._status = os.waitpid(self.pid, 0)
                except OSError:  # already reaped elsewhere: its result cannot be trusted
                    self._status = -1
                if self._rewind and self.output is not None:
                    self.output.seek(0)
        return self._status == 0

    def reap_later(self) -> None:
        """Reap the child from a thread (it goes on working after this call returns)."""
        reaper = threading.Thread(target=self.wait, name=f"paperterm-child-{self.pid}",
                                  daemon=True)
        reaper.start()
        _reapers.append(reaper)

    def close(self) -> None:
        """Close the parent's end of the output."""
        if self.output is not None:
            self.output.close()


def fork(work: Callable[[BinaryIO | None], None], *, output: str | None = None,
         nice: int = 0) -> Child | None:
    """Run ``work(out)`` in a forked child (``output``: ``"pipe"``, ``"file"`` or ``None``);
    ``None`` if no child could be started (the caller then does the work itself)."""
    if not can_fork():
        return None
    read_fd = write_fd = None
    spool = None
    try:
        if output == "pipe":
            read_fd, write_fd = os.pipe()
        elif output == "file":
            spool = tempfile.TemporaryFile(prefix="paperterm-child-")
        pid = os.fork()
    except OSError:
        for fd in (read_fd, write_fd):
            if fd is not None:
                os.close(fd)
        if spool is not None:
            spool.close()
        return None
    if pid == 0:  # the child
        code = 1
        try:
            gc.disable()  # a short-lived process: collecting would only slow it down
            if nice:
                try:
                    os.nice(nice)
                except OSError:
                    pass
            if read_fd is not None:
                os.close(read_fd)
            out: BinaryIO | None = None
            if write_fd is not None:
                out = open(write_fd, "wb", buffering=1 << 20)
            elif spool is not None:
                out = open(spool.fileno(), "wb", buffering=1 << 20, closefd=False)
            try:
                work(out)
            finally:
                if out is not None:
                    try:
                        out.close()
                    except OSError:
                        pass  # the parent stopped reading: what matters is the rest of the work
            code = 0
        finally:
            os._exit(code)
    if write_fd is not None:
        os.close(write_fd)
        return Child(pid, open(read_fd, "rb", buffering=1 << 20), rewind=False)
    return Child(pid, spool, rewind=spool is not None)


def wait_all(timeout: float | None = None) -> None:
    """Wait until every child left to ``reap_later`` has exited (or ``timeout`` seconds pass)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while _reapers:
        reaper = _reapers[0]
        reaper.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if reaper.is_alive():
            return
        _reapers.pop(0)
