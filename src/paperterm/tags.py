"""Tag names: what a tag may be, and the one form every face stores, filters and shows.

A tag is a short label the user puts on papers (``paperterm mark ID --tag NAME``, ``t`` in the
reader, ``tag:NAME`` in a query). A name is normalised once, here, so ``LLM``, `` llm `` and
``ｌｌｍ`` (full-width) are one tag everywhere:

- NFKC, then lower case; white space around the name is dropped;
- 1 to ``MAX_TAG_CHARS`` characters, each a letter, a digit or one of ``_ - . + /``, the first a
  letter or a digit. So a name never holds a space or a comma (lists of tags split on those), never
  holds anything a terminal would obey (control characters, bidi overrides), is never read as a
  formula by a spreadsheet (no leading ``= + - @``), and ``+name``/``-name`` in the reader's tag
  dialog cannot be mistaken for a name;
- a paper has at most ``MAX_TAGS`` tags.

Stored form: the names sorted and joined by single spaces (``"llm reading-group"``), ``None`` for
no tags. It is text, so the sync log carries it like a note and an older paperterm, which does not
know the field, still reads the line (and skips it).

Pure Python, no I/O: the store, the query parser, the exports and both faces share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: The longest tag name, in characters.
MAX_TAG_CHARS = 40
#: The most tags one paper can have.
MAX_TAGS = 64
#: The characters a name may hold besides letters and digits (never first).
TAG_PUNCTUATION = "_-.+/"

_NAME = re.compile(r"[^\W_][\w.+/-]*")


class TagError(ValueError):
    """A name that cannot be a tag. ``str()`` is one line saying why (safe to print)."""


def _shown(text: str) -> str:
    """``text`` quoted for an error message: ASCII escapes for anything a terminal could obey."""
    cut = text[:MAX_TAG_CHARS + 10]
    return ascii(cut) + ("..." if len(text) > len(cut) else "")


def normalize_tag(text: str) -> str:
    """The tag ``text`` names, in normal form, or ``TagError`` saying what is wrong with it."""
    if not isinstance(text, str):
        raise TagError(f"a tag name must be text, not {type(text).__name__}")
    name = unicodedata.normalize("NFKC", text).strip().lower()
    if not name:
        raise TagError("a tag name cannot be empty")
    if len(name) > MAX_TAG_CHARS:
        raise TagError(f"tag {_shown(name)} is longer than {MAX_TAG_CHARS} characters")
    if _NAME.fullmatch(name) is None or not name.isprintable():
        raise TagError(f"tag {_shown(name)} is not a tag name (letters, digits and {TAG_PUNCTUATION} "
                       "only, starting with a letter or digit; no spaces or commas)")
    return name


def is_tag(name: str) -> bool:
    """Whether ``name`` is a tag name already in normal form."""
    try:
        return normalize_tag(name) == name
    except TagError:
        return False


def tags_text(names: Iterable[str], limit: int | None = MAX_TAGS) -> str | None:
    """The stored form of a set of normal-form names: sorted, space-separated; ``None`` if empty.
    ``TagError`` for more than ``limit`` names."""
    unique = sorted(set(names))
    if limit is not None and len(unique) > limit:
        raise TagError(f"a paper can have at most {MAX_TAGS} tags ({len(unique)} given)")
    return " ".join(unique) or None


def parse_tags(text: str | None) -> tuple[str, ...]:
    """The names of a stored tag text, sorted (forgiving: a word that is not a normal-form name,
    which only a hand-edited database could hold, is left out rather than shown)."""
    if not text:
        return ()
    return tuple(sorted({word for word in text.split() if is_tag(word)}))


def check_tags_text(value: object, what: str = "\"tags\"") -> str | None:
    """A tag text from outside (a sync log) in stored form, or ``ValueError`` naming the problem:
    ``None`` or a space-separated string of tag names."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text (names separated by spaces) or null")
    try:
        return tags_text(normalize_tag(word) for word in value.split())
    except TagError as exc:
        raise ValueError(f"{what}: {exc}") from None


def check_tags_list(value: object, what: str = "\"tags\"") -> str | None:
    """A tag list from outside (a marker export: a JSON array of names, or null) in stored form,
    or ``ValueError`` naming the problem."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of tag names or null")
    try:
        return tags_text(normalize_tag(v) for v in value)
    except TagError as exc:
        raise ValueError(f"{what}: {exc}") from None
