"""What a "word" is: folding and tokenizing shared by the index, the query parser and highlighting.

The index, the query and the highlighter must agree exactly on how text becomes words, or a search
silently misses what it should find. So there is one definition, here:

- *Folding* (``paperterm.folding.fold``) makes matching case- and accent-insensitive: Unicode NFKD (which also turns ligatures,
  full-width letters and superscripts into plain ones), combining marks removed, then case-folded.
  "Émergence", "EMERGENCE" and "emergence" fold alike; "ﬁne-tuning" folds to "fine-tuning".
- A *word* is a maximal run of letters and digits in the folded text; everything else (punctuation,
  ``$``, ``_``, ``+``, white space) separates words: "C++" is the word "c", "$L_0$" the words
  "l" and "0".
- A *compound* is two or more words joined by punctuation only, with no white space and none of the
  separators ``, ; ! ? " ( ) [ ] { } < >`` and backquote between them: "in-context", "GPT-4o",
  "arxiv.org/abs/2301.00001", "$L_0$". It is written with ``-`` between its words ("in-context",
  "gpt-4o", "l-0") whatever the joining characters were, and every tail of it is a compound too
  ("of-the-art" in "state-of-the-art"), so a compound can be found from any of its words, just like
  a plain word. The separators end a compound because they usually stand between words ("a,b",
  "(see x)"), while the other punctuation usually joins parts of one name or number.

Indexing 100,000 abstracts must take seconds, so ``index_terms`` has a fast path for ASCII text that
works on bytes with ``bytes.translate`` and ``bytes.split`` (C speed) and gives exactly the same
result as the general path.
"""

from __future__ import annotations

import re

from paperterm.folding import fold

#: A word: letters and digits (``\\w`` without the underscore).
WORD_RE = re.compile(r"[^\W_]+")

#: The character that joins the words of a compound in its folded, indexed form.
JOIN = "-"

_ASCII_ALNUM = b"abcdefghijklmnopqrstuvwxyz0123456789"
_ASCII_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# ASCII characters that str.isspace() calls white space (str.split() splits on them).
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def _table(other: int) -> bytes:
    """A bytes.translate table: letters lower-cased, digits kept, white space to b" ", the rest
    to ``other``."""
    table = bytearray([other]) * 256
    for c in _ASCII_ALNUM:
        table[c] = c
    for c in _ASCII_UPPER:
        table[c] = c + 32
    for c in _ASCII_SPACE:
        table[c] = 32
    return bytes(table)


# Every non-word byte becomes a space: ``.split()`` then yields the words.
_WORDS_TABLE = _table(32)
#: Characters that end a compound like white space does (see the module docstring).
SEPARATORS = ',;!?"()[]{}<>`'
# A chunk: a run of characters that are neither white space nor separators.
CHUNK_RE = re.compile(r"[^\s" + re.escape(SEPARATORS) + r"]+")
# Joining punctuation becomes b"-", white space and separators b" ": ``.split()`` then yields chunks
# like b"in-context" (and b"networks-" for "networks.", which has a single word).
_CHUNKS_TABLE = bytes(32 if chr(c) in SEPARATORS else b
                      for c, b in enumerate(_table(ord(JOIN))))
_EMPTY: frozenset[bytes] = frozenset()


def compound_tails(runs: list[str]) -> list[str]:
    """The compound keys of one chunk's words: ``[a, b, c]`` -> ``["a-b-c", "b-c"]``."""
    return [JOIN.join(runs[i:]) for i in range(len(runs) - 1)]


def chunk_terms(chunk: str) -> str | None:
    """The term for one chunk of folded text: a word, a compound (``a-b``) or None (no word)."""
    runs = WORD_RE.findall(chunk)
    if not runs:
        return None
    return runs[0] if len(runs) == 1 else JOIN.join(runs)


def index_terms(text: str) -> tuple[set[bytes], set[bytes] | frozenset[bytes]]:
    """The distinct words and compounds of ``text``, folded, as UTF-8 bytes (for the index builder).

    Bytes, not str, because the ASCII fast path produces bytes and decoding every word of 100,000
    abstracts would cost more than the rest of the tokenizing; the builder decodes the vocabulary
    once.
    """
    if text.isascii():
        raw = text.encode("ascii")
        word_set = set(raw.translate(_WORDS_TABLE).split())
        chunked = raw.translate(_CHUNKS_TABLE)
        # Drop joiners at the ends of chunks ("networks." -> b"networks- "), so that only chunks
        # holding a real compound are left to look at one by one.
        chunked = b" " + chunked.replace(b"- ", b" ").replace(b" -", b" ").strip(b"-") + b" "
        at = chunked.find(b"-")
        if at < 0:
            return word_set, _EMPTY
        compounds: set[bytes] = set()
        while at >= 0:
            start = chunked.rfind(b" ", 0, at) + 1
            end = chunked.find(b" ", at)
            runs = [r for r in chunked[start:end].split(b"-") if r]
            if len(runs) > 1:
                compounds.update(b"-".join(runs[i:]) for i in range(len(runs) - 1))
            at = chunked.find(b"-", end)
        return word_set, compounds
    return general_terms(text)


def general_terms(text: str) -> tuple[set[bytes], set[bytes]]:
    """``index_terms`` for any text, by the definitions (the ASCII fast path must agree with it)."""
    folded = fold(text)
    word_set = {w.encode() for w in WORD_RE.findall(folded)}
    compounds = set()
    for chunk in CHUNK_RE.findall(folded):
        if not chunk.isalnum():
            runs = WORD_RE.findall(chunk)
            if len(runs) > 1:
                compounds.update(t.encode() for t in compound_tails(runs))
    return word_set, compounds


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """``fold(text)`` and, for each folded character, the index of the original character it
    came from.

    The offsets are ``None`` when folding kept positions (ASCII text): then folded index == original
    index. Folding per character gives the same string as folding the whole text, because NFKD,
    dropping combining marks and case folding all work character by character.
    """
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        parts.append(f)
        offsets.extend([i] * len(f))
    return "".join(parts), offsets
