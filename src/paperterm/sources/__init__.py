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
    """What parsing one file gave: its papers, and a warning for each thing that was skipped."""

    papers: list[Paper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    page_date: str | None = None


def decode_listing(data: bytes) -> str:
    """Decode a listing's bytes to text, or raise ``ListingError`` saying why it is not text.

    UTF-8 (with or without a byte-order mark) is the format; UTF-16 with a byte-order mark is
    accepted because some Windows editors save text that way. Anything else is refused rather than
    guessed at, so titles never silently turn into mojibake.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ListingError(f"broken UTF-16 text at byte {exc.start}") from None
    if b"\x00" in data[:65536]:
        raise ListingError("binary file, not a text listing")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListingError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the listing as UTF-8"
        ) from None
    head = text[:2048].lstrip().lower()
    if head.startswith("<") and ("<html" in head or "<!doctype" in head or "<head" in head):
        raise ListingError("an HTML page, not a text listing; copy the page's text instead")
    return text
