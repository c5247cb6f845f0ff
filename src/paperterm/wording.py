"""How paperterm words things: a count with its noun, and a JSON document as text.

One place for both, so every face (the command line, the reader, the exports, the marker file)
says "1 paper" and "2 papers", and writes JSON the same way (UTF-8 text as is but with terminal
controls escaped, two-space indent, a final newline).
"""

from __future__ import annotations

import json

from paperterm.safe_text import json_safe


def plural(count: int, word: str, words: str | None = None) -> str:
    """``"1 paper"``, ``"2 papers"``; ``words`` for a plural that is not ``word + "s"``."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def json_text(value: object) -> str:
    """``value`` as a JSON document: non-ASCII text kept as is, except characters a terminal
    would obey, which are escaped (``safe_text.json_safe``); indented, ending in a newline."""
    return json_safe(json.dumps(value, ensure_ascii=False, indent=2)) + "\n"
