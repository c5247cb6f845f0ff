"""Which characters of a title to highlight for a query, in the title's own (unfolded) positions.

Matching runs on folded text (see ``text``), but the TUI paints the original title, and folding can
change lengths ("ß" -> "ss", "é" written as e + accent -> "e"), so every span found in the folded
title is mapped back through per-character offsets.

Highlighted: the matched start of each word that begins with a query word, every occurrence of a
compound or quoted phrase (from its first word to the matched start of its last), and, for a query
word of 4+ letters that matches no title word exactly, the letters a typo-tolerant match shares with
the closest title word (so a fuzzy hit shows why it was found). Excluded terms are not highlighted.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Indel

from paperterm.search.query import Query, QueryError, parse_query
from paperterm.search.rank import max_typos, typo_distance
from paperterm.search.text import JOIN, SEPARATORS, WORD_RE, fold_with_offsets

Span = tuple[int, int]


def highlight_spans(title: str, query: Query | str) -> list[Span]:
    """Sorted, non-overlapping ``[start, end)`` spans of ``title`` to highlight. Never raises:
    a query string that does not parse highlights nothing."""
    if isinstance(query, str):
        try:
            query = parse_query(query)
        except QueryError:
            return []
    if not query.has_terms or not title:
        return []
    folded, offsets = fold_with_offsets(title)
    tokens = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(folded)]
    spans: list[Span] = []
    for term in query.positive_terms:
        if " " in term:
            found = _sequence_spans(term.split(" "), tokens, folded, compound=False)
        elif JOIN in term:
            found = _sequence_spans(term.split(JOIN), tokens, folded, compound=True)
        else:
            found = _sequence_spans([term], tokens, folded, compound=False)
            if not found and max_typos(term):
                found = _typo_spans(term, tokens)
        spans.extend(found)
    return _merge(_to_original(span, title, offsets) for span in spans)


def _sequence_spans(parts: list[str], tokens: list[tuple[int, int, str]], folded: str,
                    compound: bool) -> list[Span]:
    """Spans where consecutive title words equal ``parts`` (the last one as a prefix)."""
    n = len(parts)
    found = []
    for i in range(len(tokens) - n + 1):
        if not tokens[i + n - 1][2].startswith(parts[-1]):
            continue
        if any(tokens[i + j][2] != parts[j] for j in range(n - 1)):
            continue
        if compound and any(_breaks_compound(folded[tokens[i + j][1]:tokens[i + j + 1][0]])
                            for j in range(n - 1)):
            continue
        found.append((tokens[i][0], tokens[i + n - 1][0] + len(parts[-1])))
    return found


def _breaks_compound(gap: str) -> bool:
    """Whether the characters between two words end a compound (white space or a separator)."""
    return any(c.isspace() or c in SEPARATORS for c in gap)


def _typo_spans(word: str, tokens: list[tuple[int, int, str]]) -> list[Span]:
    """The letters the closest title word (within the typo limit) shares with ``word``."""
    limit = max_typos(word)
    best: tuple[int, int, int, str] | None = None
    for start, _end, token in tokens:
        distance = typo_distance(word, token)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, start, _end, token)
    if best is None:
        return []
    _, start, _end, token = best
    return [(start + block.dest_start, start + block.dest_end)
            for block in Indel.opcodes(word, token) if block.tag == "equal"]


def _to_original(span: Span, title: str, offsets: list[int] | None) -> Span:
    start, end = span
    if offsets is None:
        return start, end
    o_start, o_end = offsets[start], offsets[end - 1] + 1
    # Accents written as separate combining characters fold to nothing; keep them with their letter.
    while o_end < len(title) and unicodedata.combining(title[o_end]):
        o_end += 1
    return o_start, o_end


def _merge(spans) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
