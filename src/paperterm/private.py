"""Files and folders only the user can read: what paperterm creates for itself is private.

Notes are personal and caches hold what the user reads, so every folder paperterm creates for its
own data, cache and settings is made mode 0700 and every file in them 0600, whatever the umask.
The marker store is tightened each time it is opened, which also fixes stores made before this
rule. Folders that already exist are left as they are: the user may have pointed
``PAPERTERM_DATA_DIR`` at a folder they share on purpose.

``is_private`` is the check a reader makes before trusting a file it will unpickle: owned by this
user, and in a folder no one else can write to (so no one else could have put it there).

Everything here is a no-op where POSIX permissions do not exist (Windows).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) if needed; the folders created here are mode 0700.

    Existing folders are not changed. Raises ``OSError`` like ``Path.mkdir``.
    """
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if _POSIX:
        # The last folder of the chain is the one that holds paperterm's files; its parents get
        # 0700 too, since nothing but paperterm asked for them. chmod, not only mkdir's mode,
        # so an odd umask cannot leave them looser (or lock the user out).
        for created in missing:
            try:
                os.chmod(created, DIR_MODE)
            except OSError:
                pass  # made by someone else meanwhile, or not ours to change
    return path


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; ``True`` if it was created here."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def tighten(path: Path) -> None:
    """Remove group and other permissions from ``path`` if it is this user's; silent otherwise."""
    if not _POSIX:
        return
    try:
        st = os.stat(path, follow_symlinks=False)
        if st.st_uid == os.getuid() and st.st_mode & 0o077 and not stat.S_ISLNK(st.st_mode):
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o077)
    except OSError:
        pass


def is_private(path: Path) -> bool:
    """Whether ``path`` is a regular file owned by this user, in a folder owned by this user that no
    one else can write to (nor its file writable by others). Always ``True`` without POSIX
    permissions. Never follows a symlink at ``path``."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return _trusted(st, Path(path).parent)


def is_private_fd(fd: int, folder: Path) -> bool:
    """``is_private`` for a file already opened (``O_NOFOLLOW``) from ``folder``: the check a
    reader makes on the very file it will unpickle, so it cannot be swapped in between."""
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return _trusted(st, folder)


def _trusted(st: os.stat_result, folder: Path) -> bool:
    if not _POSIX:
        return True
    try:
        parent = os.stat(folder)
    except OSError:
        return False
    uid = os.getuid()
    return (stat.S_ISREG(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o022
            and parent.st_uid == uid and not parent.st_mode & 0o022)
