"""Untrusted text stays text: which characters can drive a terminal, and how each output shows them.

Listings come from the web, marker files from other machines, notes from anyone's clipboard. A
terminal obeys some characters instead of showing them: ``ESC`` starts an escape sequence (retitle
the window with ``ESC ]0;…BEL``, clear it with ``ESC [2J``, write the clipboard with OSC 52), the
C1 control ``U+009B`` is an 8-bit ``ESC [``, ``BEL`` rings, ``CR`` and ``BS`` overwrite what was
printed; the Unicode bidi overrides and isolates (``U+202A``–``U+202E``, ``U+2066``–``U+2069``)
reorder the text around them so it reads other than it is ("Trojan Source"). Two defences:

- Parsing removes them (:data:`UNSAFE` from fields; :data:`UNSAFE_IN_LISTING` from a listing's
  text, where ``CR`` is a line end), with one warning per file. The helpers every source calls live
  in :mod:`paperterm.sources` (``clean_listing_text``, ``FieldCleaner``).
- Everything printed to a terminal goes through :func:`visible` (one line) or
  :func:`visible_lines` (keeps line breaks): C0 controls and DEL become their Unicode control
  pictures (``ESC`` shows as ``␛``, ``BEL`` as ``␇``, DEL as ``␡``); C1 controls, bidi controls and
  lone surrogates (which cannot be encoded at all) become ``�`` (U+FFFD). Every replacement is one
  character of width one, so offsets computed on the original text (search highlights) still fit
  and column widths are unchanged. This covers text that reaches us past the parser: notes, an
  imported marker file, a file name, an old cache.

Rich and Textual do not do this for us: ``rich.text.Text`` and ``textual.content.Content`` strip
only BEL, BS, VT, FF and CR, and pass ``ESC`` and C1 bytes straight to the terminal (checked on
rich 15 and Textual 8.2, and held by ``tests/test_untrusted_text.py``).

Machine formats keep the exact text in their own safe notation: :func:`json_safe` writes the
characters JSON leaves raw (DEL, C1, bidi, lone surrogates) as ``\\uXXXX`` escapes, which any JSON
reader turns back into the same string; :func:`markdown_safe` writes them as numeric character
references (``&#x1B;``); :func:`ascii_notation` is for formats with neither (BibTeX).

Cost: each function first runs one regular-expression search over the string and returns it
unchanged when nothing is found (well under a microsecond for a title), so calling them on every
row drawn is cheap.
"""

from __future__ import annotations

import re

_C0 = "\x00-\x08\x0b-\x1f"  # C0 controls but tab (09) and newline (0A)
_C1_DEL = "\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"

#: What parsing removes from a field: C0 controls except tab and newline, DEL, C1 and bidi controls.
UNSAFE = re.compile(f"[{_C0}{_C1_DEL}{_BIDI}]")
#: What parsing removes from the text of a line-based listing: as ``UNSAFE`` but keeping ``CR``,
#: which the parser reads as a line end (CRLF and old Mac files).
UNSAFE_IN_LISTING = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_C1_DEL}{_BIDI}]")

#: One-line terminal output: every control, tab and newline included.
_TERMINAL_LINE = re.compile(f"[\x00-\x1f{_C1_DEL}{_BIDI}{_SURROGATES}]")
#: Multi-line terminal output: as above but tab and newline pass.
_TERMINAL_LINES = re.compile(f"[{_C0}{_C1_DEL}{_BIDI}{_SURROGATES}]")

_PICTURES: dict[int, int] = {c: 0x2400 + c for c in range(0x20)}  # ␀ … ␟
_PICTURES[0x7F] = 0x2421  # ␡
for _start, _end in ((0x80, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069), (0xD800, 0xDFFF)):
    _PICTURES.update({c: 0xFFFD for c in range(_start, _end + 1)})
_LINE_TABLE = {**_PICTURES, 0x09: " ", 0x0A: " "}
_LINES_TABLE = {c: r for c, r in _PICTURES.items() if c not in (0x09, 0x0A)}

#: Characters ``json.dumps(..., ensure_ascii=False)`` leaves raw although a terminal obeys them.
_JSON_RAW = re.compile(f"[{_C1_DEL}{_BIDI}{_SURROGATES}]")
#: Characters a Markdown file must not hold raw (tab and newline are layout).
_MARKDOWN_RAW = _TERMINAL_LINES
_NOTATION = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_C1_DEL}{_BIDI}{_SURROGATES}]")


def strip_unsafe(text: str) -> str:
    """``text`` without the characters parsing removes (:data:`UNSAFE`)."""
    return UNSAFE.sub("", text) if UNSAFE.search(text) else text


def visible(text: str) -> str:
    """``text`` for one line of a terminal: controls shown as pictures, tab and newline as spaces.

    Same length as ``text`` (one replacement character per character), never a control byte.
    """
    if _TERMINAL_LINE.search(text) is None:
        return text
    return text.translate(_LINE_TABLE)


def holds_control(text: str) -> bool:
    """Whether :func:`visible` would change ``text``: it holds a control character (tab and
    newline included), a bidi control or a lone surrogate."""
    return _TERMINAL_LINE.search(text) is not None


def visible_lines(text: str) -> str:
    """``text`` for a terminal, keeping its line breaks (``CRLF`` as a newline) and tabs."""
    if _TERMINAL_LINES.search(text) is None:
        return text
    return text.replace("\r\n", "\n").translate(_LINES_TABLE)


def json_safe(json_text: str) -> str:
    """JSON text (from ``json.dumps``) with DEL, C1, bidi controls and lone surrogates written as
    ``\\uXXXX`` escapes: the same JSON value, safe to print. Such characters can only stand inside
    JSON strings, where the escape means the same character."""
    if _JSON_RAW.search(json_text) is None:
        return json_text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json_text)


def markdown_safe(text: str) -> str:
    """Markdown text with every control character but tab and newline, and every bidi control,
    written as a numeric character reference (``&#x1B;``): it renders as the same character,
    and the file holds no byte a terminal would obey."""
    if _MARKDOWN_RAW.search(text) is None:
        return text
    return _MARKDOWN_RAW.sub(lambda m: f"&#x{ord(m.group(0)):X};", text)


def ascii_notation(text: str) -> str:
    """``text`` with each control but tab, newline and carriage return (white space to LaTeX), and
    each bidi control, written as ``[U+001B]``: for formats with no escape of their own that would
    still be safe (BibTeX, where such a character, or the picture :func:`visible` uses, would
    break a LaTeX build)."""
    if _NOTATION.search(text) is None:
        return text
    return _NOTATION.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", text)


def may_hold_unsafe(data: bytes) -> bool:
    """Whether a listing's raw bytes may hold a character of :data:`UNSAFE_IN_LISTING`.

    Exact for UTF-8 (``False`` means there is none); any UTF-16 file counts as "may". Three passes
    at C speed (about 1.7 GB/s each), so a listing is checked for a fraction of what decoding costs,
    and only the rare file that holds one is scanned as text (``UNSAFE_IN_LISTING``, ~100 MB/s).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if data.translate(None, _SAFE_BYTES):  # what is left are C0 controls (but tab, LF, CR) and DEL
        return True
    return _holds(data, b"\xc2", _C1_UTF8) or _holds(data, b"\xe2", _BIDI_UTF8)


def _holds(data: bytes, lead: bytes, pattern: re.Pattern) -> bool:
    """Whether ``pattern`` (a character's UTF-8 bytes, starting with the byte ``lead``) is in
    ``data``: each ``lead`` is found by ``bytes.find`` (memchr speed) and the pattern tried there.
    A listing has a few of them per paper (``·`` and ``•`` start with these bytes), so this is
    three times faster than the regular expression's own scan; a file with very many falls back
    to that scan."""
    find, match = data.find, pattern.match
    at = find(lead)
    for _ in range(4096):
        if at < 0:
            return False
        if match(data, at) is not None:
            return True
        at = find(lead, at + 1)
    return pattern.search(data, at) is not None


_SAFE_BYTES = bytes(b for b in range(256) if not (b < 0x20 and b not in (9, 10, 13) or b == 0x7F))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F
_BIDI_UTF8 = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")  # U+202A-E, U+2066-9
