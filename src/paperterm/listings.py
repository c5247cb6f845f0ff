"""The user's listings folder: where ``paperterm add`` saves pasted pages and ``paperterm fetch``
saves Hugging Face day files, and how they are written there.

Layout (``<data dir>`` is ``paperterm.locations.data_dir()``)::

    <data dir>/listings/                 read by default alongside the shipped seeds
        2025-10-06.txt                   a page saved by 'paperterm add' (today, or --date)
        2025-10-06-2.txt                 a second, different page saved the same day
        hf-daily/2025-10-06.json         a day fetched from the API (paperterm.fetch)
        hf-daily/.fetched-empty          days the API had no papers for, one per line

Everything here is the user's own data, so folders are created 0700 and files 0600 (private to the
user whatever the umask; see ``paperterm.private``), and every file is written whole or not at all:
the bytes go to a temporary file in the same folder, are fsynced, and then take the final name with
one atomic step.
A reader (the library, another paperterm) therefore never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from paperterm import locations
from paperterm.export.atomic import fsync_directory
from paperterm.private import FILE_MODE, ensure_private_dir
from paperterm.sources import ListingError, decode_listing
from paperterm.sources.hf_daily import parse_listing

#: ``paperterm add`` refuses text larger than this (a page of daily papers is about 100 KB).
MAX_PAGE_BYTES = 64 * 2**20
#: Same-day pages are numbered up to this before 'add' gives up (a sign of a runaway script).
MAX_SAME_DAY = 999


class SaveError(Exception):
    """A listing that could not be saved; ``str()`` is one line naming the file and the problem."""


def _problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "disk full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or str(exc)


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    for _ in range(100):
        temp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            continue
        try:
            try:
                os.fchmod(fd, FILE_MODE)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            _unlink(temp)
            raise
        return temp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(directory))


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_private(path: Path, data: bytes, *, replace: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically as a private file (0600), creating its folder (0700).

    With ``replace=False`` an existing file is never touched: returns ``False`` and writes nothing
    (the check and the write are one atomic step, so two writers cannot both win). Raises
    ``OSError`` on failure, leaving no temporary file behind.
    """
    path = Path(path)
    directory = ensure_private_dir(path.parent)
    temp = _write_temp(directory, path.name, data)
    try:
        if replace:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)
            except FileExistsError:
                return False
            finally:
                _unlink(temp)
        temp = None
        fsync_directory(directory)
        return True
    finally:
        if temp is not None:
            _unlink(temp)


# -- paperterm add -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SavedPage:
    """What ``save_page`` did: where the text is, how many papers it holds, and whether it was
    already there (an identical page saved earlier the same day)."""

    path: Path
    papers: int
    already_saved: bool
    page_date: str | None = None  # the date line of the page itself ('Dec 9'), when it has one


def page_papers(data: bytes, source: str) -> tuple[str, int, str | None]:
    """Decode a page's bytes and count its papers: ``(text, papers, page date)``.

    ``SaveError`` when it is not a text listing or holds no paper (the parser's reason)."""
    if len(data) > MAX_PAGE_BYTES:
        raise SaveError(f"{source}: {len(data) / 2**20:,.0f} MiB of text, over the "
                        f"{MAX_PAGE_BYTES // 2**20} MiB limit for one page")
    if not data.strip():
        raise SaveError(f"{source}: no text; nothing saved")
    try:
        text = decode_listing(data)
    except ListingError as exc:
        raise SaveError(f"{source}: {exc}; nothing saved") from None
    parsed = parse_listing(text, source)
    if not parsed.papers:
        reason = parsed.warnings[-1] if parsed.warnings else f"{source}: no papers found"
        raise SaveError(f"{reason} (not a Daily Papers page?); nothing saved")
    return text, len(parsed.papers), parsed.page_date


def day_file_name(day: dt.date, number: int) -> str:
    return f"{day.isoformat()}.txt" if number == 1 else f"{day.isoformat()}-{number}.txt"


def save_page(data: bytes, day: dt.date, *, source: str = "-",
              folder: Path | None = None) -> SavedPage:
    """Save a page's text as ``<listings>/YYYY-MM-DD.txt`` (``-2``, ``-3``... when that day already
    has a different page; nothing new when an identical one is there).

    The text is stored as UTF-8 exactly as decoded (a UTF-16 page is converted; line ends are kept).
    Raises ``SaveError`` for text with no papers (nothing is written) or a file that cannot be
    written.
    """
    text, count, page_date = page_papers(data, source)
    encoded = text.encode("utf-8", "surrogatepass")
    folder = locations.listings_dir() if folder is None else Path(folder)
    number = 1
    while number <= MAX_SAME_DAY:
        path = folder / day_file_name(day, number)
        try:
            if os.path.lexists(path):
                if path.is_file() and path.stat().st_size == len(encoded) \
                        and path.read_bytes() == encoded:
                    return SavedPage(path, count, True, page_date)
                number += 1
                continue
            if write_private(path, encoded, replace=False):
                return SavedPage(path, count, False, page_date)
        except OSError as exc:
            where = exc.filename if isinstance(exc.filename, str) else path
            raise SaveError(f"{where}: cannot save ({_problem(exc)})") from None
        # another paperterm saved a page under this name meanwhile: look at it again
    raise SaveError(f"{folder}: already {MAX_SAME_DAY} pages saved for {day.isoformat()}")
