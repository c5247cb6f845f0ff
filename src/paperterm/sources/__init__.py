"""Input formats. Each module turns the text of one kind of file into ``Paper`` records.

This package also owns the steps every format shares: turning a file's bytes into text, with a
clear, one-line reason when that cannot be done (binary data, an unknown encoding, an HTML page);
and removing the characters that could drive a terminal (see :mod:`paperterm.safe_text`).

Every source must remove them, with one warning per file that names a line: a line-based format
passes its whole text through :func:`clean_listing_text` before parsing (after a fast check of the
raw bytes with :func:`paperterm.safe_text.may_hold_unsafe`); a structured format (JSON) passes
every string field it keeps through one :class:`FieldCleaner` per file and adds its
``warning()``. Nothing else in paperterm removes them from stored papers.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from paperterm.model import Paper
from paperterm.safe_text import UNSAFE, UNSAFE_IN_LISTING


class ListingError(Exception):
    """A file that cannot be read as a listing at all. ``str()`` is a one-line reason."""


@dataclass(slots=True)
class ParseResult:
    """What parsing one file gave: its papers, and a warning for each thing that was skipped.

    ``page_date`` is the page's own date line as shown; ``captured`` the listing's capture date
    (ISO, ``None`` when nothing gave one) and ``captured_how`` the rule that found it
    (``sources.capture``)."""

    papers: list[Paper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    page_date: str | None = None
    captured: str | None = None
    captured_how: str | None = None


#: Warnings kept per file; a badly broken file gets a count of the rest instead of thousands of lines.
MAX_WARNINGS = 50


class WarningList:
    """Collects a file's warnings, keeping the first ``MAX_WARNINGS`` and counting the rest."""

    def __init__(self, into: list[str]) -> None:
        self.into = into
        self.dropped = 0

    def __call__(self, message: str) -> None:
        if len(self.into) < MAX_WARNINGS:
            self.into.append(message)
        else:
            self.dropped += 1

    def close(self, source: str) -> None:
        if self.dropped:
            self.into.append(f"{source}: {self.dropped:,} more problems not shown")


#: Signatures of common non-text files, so the refusal can say what the file is.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def decode_listing(data: bytes) -> str:
    """Decode a listing's bytes to text, or raise ``ListingError`` saying why it is not text.

    UTF-8 (with or without a byte-order mark) is the format; UTF-16 with a byte-order mark is
    accepted because some Windows editors save text that way. Anything else is refused rather than
    guessed at, so titles never silently turn into mojibake: UTF-16 without a byte-order mark, other
    encodings (Latin-1, ...), binary data (any NUL byte), and a saved HTML page.
    """
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ListingError(f"{what}, not a text listing")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = _decode_cut_short(data, "utf-16")
        except UnicodeDecodeError as exc:
            raise ListingError(f"broken UTF-16 text at byte {exc.start:,}") from None
        if "\x00" in text:
            raise ListingError("binary data after a UTF-16 byte-order mark, not a text listing")
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            if _looks_like_utf16(data):
                raise ListingError("UTF-16 text without a byte-order mark; save the listing as UTF-8")
            raise ListingError(f"binary data (NUL byte at offset {nul:,}), not a text listing")
        try:
            text = _decode_cut_short(data, "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ListingError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start:,}); "
                "save the listing as UTF-8"
            ) from None
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    if head.startswith("<") and ("<html" in head or "<!doctype" in head or "<head" in head):
        raise ListingError("an HTML page, not a text listing; copy the page's text instead")
    return text


def _decode_cut_short(data: bytes, encoding: str) -> str:
    """Decode, forgiving only a character cut in half by the very end of the file (a download or
    copy that stopped early): the parser then reports the cut-short paper itself."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end != len(data) or exc.reason not in ("unexpected end of data", "truncated data"):
            raise
        cut = exc.start
    return data[:cut].decode(encoding)


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16: in the first KiB, nearly every other byte is NUL (and only those)."""
    sample = data[:1024]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    for zeros, text in ((odd, even), (even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) <= 0.1 * len(text):
            return True
    return False


def _removed_warning(source: str, line: int | None, count: int) -> str:
    what = (f"removed {count:,} control character{'' if count == 1 else 's'} (terminal escape, "
            "bidi override) from the text")
    if line is None:
        return f"{source}: {what}"
    return f"{source}:{line}: {what}; the first is on this line"


def line_number(text: str, pos: int) -> int:
    """The 1-based line of ``text`` holding offset ``pos``, counting LF, CRLF and CR line ends."""
    return 1 + text.count("\n", 0, pos) + text.count("\r", 0, pos) - text.count("\r\n", 0, pos)


def clean_listing_text(text: str, source: str) -> tuple[str, str | None]:
    """``text`` without the characters of ``safe_text.UNSAFE_IN_LISTING`` (C0 controls but tab,
    LF and CR; DEL; C1 controls; bidi overrides and isolates), and the warning naming ``source``,
    the first line that held one and how many were removed (``None`` when there were none).

    Line ends are kept, so line numbers after cleaning are those of the file. ~100 MB/s: call it on
    the files that ``may_hold_unsafe`` flags.
    """
    first = UNSAFE_IN_LISTING.search(text)
    if first is None:
        return text, None
    cleaned, count = UNSAFE_IN_LISTING.subn("", text)
    return cleaned, _removed_warning(source, line_number(text, first.start()), count)


class FieldCleaner:
    """Removes ``safe_text.UNSAFE`` characters from the string fields of one file (a structured
    source, e.g. JSON) and makes that file's one warning.

    ``clean = FieldCleaner("papers.json")``; ``title = clean(raw_title, line=12)`` for every string
    kept (``None`` passes through); at the end, ``warning = clean.warning()`` (``None`` when nothing
    was removed) goes into the file's warnings. ``line`` is where the value is in the file, when
    the format can tell; the warning names the first line seen.
    """

    __slots__ = ("source", "count", "first_line", "dirty")

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0
        self.first_line: int | None = None
        self.dirty = False

    def __call__(self, value, line: int | None = None):
        if value is None or UNSAFE.search(value) is None:
            return value
        cleaned, count = UNSAFE.subn("", value)
        if not self.dirty:
            self.dirty, self.first_line = True, line
        self.count += count
        return cleaned

    def warning(self) -> str | None:
        return _removed_warning(self.source, self.first_line, self.count) if self.dirty else None
