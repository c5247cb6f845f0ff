"""Input formats. Each module turns the text of one kind of file into ``Paper`` records.

This package also owns the one step every format shares: turning a file's bytes into text, with a
clear, one-line reason when that cannot be done (binary data, an unknown encoding, an HTML page).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from paperterm.model import Paper


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
