"""Case and accent folding: the one way paperterm reduces text to plain lower-case letters.

Searching must find "Émergence" when "emergence" is typed, and a BibTeX key for "The Ünïcode
Title" should read ``unicode``: both fold the same way, here. Unicode NFKD (which also turns
ligatures, full-width letters and superscripts into plain ones), combining marks removed, then
case-folded. Letters with no plain form (日本語) stay as they are.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` case- and accent-folded (NFKD, combining marks dropped, case-folded)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold()
    if not folded.isascii():
        # Case folding can itself produce decomposable characters; fold those too.
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded)
                         if not unicodedata.combining(c))
    return folded
