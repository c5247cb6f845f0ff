"""Text wrapped once and highlighted many times: the detail pane's lines (see ``detail``).

While a search is typed, each keystroke marks the query's words in the detail pane, and half the
time the paper under the cursor stays the same: only the marks change, and marks change no width.
So the paper's text is wrapped once, without marks, remembering where each line starts in the
text (``WrappedText``); ``mark`` then lays a new set of marks over the lines and says which lines
changed, and ``line`` builds one line with its marks only when the pane draws it. A keystroke that
keeps the paper costs finding the words (``search.highlight_spans``) and re-drawing the lines
whose marks differ, instead of re-wrapping and re-drawing the whole pane (several milliseconds at
every keystroke).

The lines break exactly where rich's ``Text.wrap`` with ``overflow="fold"`` breaks them -- the
same ``divide_line`` (or, for one-cell text, ``ascii_breaks``: its steps with plain lengths, a
quarter of the time), then the same trimming of each line -- so the pane looks as it did when rich
wrapped the whole text (``tests/test_tui_wrapping.py`` compares the two). The text must hold no tab
(every string the pane shows passes ``clean``, which makes tabs spaces): rich would expand one.

No Textual here: plain rich ``Text`` in, rich ``Text`` lines out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from rich._wrap import divide_line  # what Text.wrap breaks lines with (not re-implemented here)
from rich.style import Style
from rich.text import Text

#: A ``[start, end)`` range of character offsets into the wrapped text.
Span = tuple[int, int]


_WORD = re.compile(r"\s*\S+\s*")  # rich's word: the word and the spaces before and after it


def ascii_breaks(text: str, width: int) -> list[int]:
    """``divide_line(text, width, fold=True)`` for text whose every character is one cell (printable
    ASCII: most abstracts), with lengths instead of cell measures -- the same steps, a third of
    the time. ``tests/test_tui_wrapping.py`` checks it against rich's on many texts."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start = match.start()
        word = match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:  # longer than a line: folded over several
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _breaks(paragraph: str, width: int) -> list[int]:
    if paragraph.isascii() and paragraph.isprintable():
        return ascii_breaks(paragraph, width)
    return divide_line(paragraph, width, fold=True)


def line_spans(plain: str, width: int) -> list[Span]:
    """Where each line of ``plain`` wrapped to ``width`` cells starts and ends in ``plain``: one
    entry per line, an empty paragraph included (its span is empty); a newline belongs to no
    line. Before trimming: a line may end in spaces that ``WrappedText.line`` cuts."""
    spans: list[Span] = []
    start = 0
    for paragraph in plain.split("\n"):
        edges = [0, *_breaks(paragraph, width), len(paragraph)]
        spans.extend((start + a, start + b) for a, b in zip(edges, edges[1:]))
        start += len(paragraph) + 1
    return spans


class WrappedText:
    """``text`` wrapped to ``width`` cells, with marks (character spans) laid over its lines."""

    def __init__(self, text: Text, width: int) -> None:
        self.text = text
        self.width = width
        self.spans = line_spans(text.plain, width)
        self._starts = [start for start, _ in self.spans]
        self._lines: list[Text] | None = None  # cut on the first ``line`` call
        #: Per line: the marks on it, as spans of the text clipped to the line.
        self.marks: list[tuple[Span, ...]] = [()] * len(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def mark(self, spans: Sequence[Span]) -> list[int]:
        """Mark ``spans`` (sorted character spans of the text; a span may cross lines) instead of
        the marks before; returns the lines whose marks changed."""
        marks: list[list[Span]] = [[] for _ in self.spans]
        for start, end in spans:
            index = max(0, bisect_right(self._starts, start) - 1)
            while index < len(self.spans) and self.spans[index][0] < end:
                line_start, line_end = self.spans[index]
                if start < line_end:
                    marks[index].append((max(start, line_start), min(end, line_end)))
                index += 1
        new = [tuple(m) for m in marks]
        changed = [i for i, (old, now) in enumerate(zip(self.marks, new)) if old != now]
        self.marks = new
        return changed

    def line(self, index: int, match: Style) -> Text:
        """Line ``index`` as rich would have wrapped it, its marks in ``match`` style."""
        if self._lines is None:
            self._lines = self._cut()
        line = self._lines[index]
        marks = self.marks[index]
        if marks:
            start = self.spans[index][0]
            line = line.copy()
            for begin, end in marks:
                line.stylize(match, begin - start, end - start)
        return line

    def _cut(self) -> list[Text]:
        """Every line, cut from the text in one pass and trimmed as ``Text.wrap`` trims them."""
        pieces = self.text.divide(self._starts[1:])  # piece i runs to the next line's start
        lines = []
        for piece, (start, end) in zip(pieces, self.spans):
            extra = len(piece) - (end - start)  # the newline, where a paragraph ends
            if extra:
                piece.right_crop(extra)  # (cropping 0 would empty it)
            piece.rstrip_end(self.width)
            piece.truncate(self.width, overflow="fold")
            lines.append(piece)
        return lines
