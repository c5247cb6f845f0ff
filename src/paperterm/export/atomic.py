"""Writing an export file so that it is either the old file or the complete new one, never half.

The text goes to a temporary file in the target's own directory (so the final rename never crosses a
file system), is flushed to disk with ``fsync``, and then replaces the target with ``os.replace``,
which is atomic on POSIX and Windows. The directory is fsynced too, so the rename survives a power
cut.
If anything fails, the temporary file is removed and the target is untouched.

The temporary file is created with mode 0o666 filtered by the umask, like any file the user saves,
and an existing target's permission bits are carried over. When the target is a symlink, the file it
points to is replaced and the link kept.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from paperterm.export.errors import ExportError

_TEMP_ATTEMPTS = 100


def _problem(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "directory does not exist"
    if exc.errno == errno.ENOTDIR:
        return "a parent is not a directory"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    return f"cannot write ({exc.strerror or exc})"


def _create_temp(directory: Path, name: str) -> tuple[int, Path]:
    for _ in range(_TEMP_ATTEMPTS):
        temp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                           0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(directory))


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every platform can)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows); the rename itself is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, no newline translation) to ``path`` atomically.

    Raises :class:`ExportError` with one line naming ``path`` and the problem.
    """
    path = Path(path)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ExportError(f"{path}: cannot encode the text as UTF-8 ({exc.reason})") from None
    temp: Path | None = None
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        if target.is_dir():
            raise ExportError(f"{path}: is a directory")
        directory = target.parent
        if not directory.exists():
            raise ExportError(f"{path}: directory does not exist")
        if not directory.is_dir():
            raise ExportError(f"{path}: {directory} is not a directory")
        fd, temp = _create_temp(directory, target.name)
        try:
            if target.exists():
                mode = stat.S_IMODE(target.stat().st_mode)
                os.chmod(fd if os.chmod in os.supports_fd else temp, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
        temp = None
        fsync_directory(directory)
    except OSError as exc:
        raise ExportError(f"{path}: {_problem(exc)}") from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
