"""The detail pane's lines (``tui/wrapping.py``): wrapped once, marked many times, and drawn
exactly as rich would draw the whole marked text -- in the pane, after every keystroke of a
search, for the paper under the cursor."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich._wrap import divide_line
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from tui_helpers import searched, seed_library

from paperterm.model import Paper
from paperterm.search import parse_query
from paperterm.tui.app import create_app
from paperterm.tui.detail import (BAR, DEFAULT_MATCH, MARGIN, detail_content, detail_text,
                                   query_marks)
from paperterm.tui.wrapping import WrappedText, ascii_breaks, line_spans

BASE = Style(color="white", bgcolor="black")
CONSOLE = Console(width=200, color_system="truecolor", force_terminal=True)
QUERIES = (None, "diffusion model", "language models", "in-context learning", "attention",
           "transformr", '"large language"', "a")


def as_rich_draws(text: Text, width: int) -> list[list[Segment]]:
    """``text`` wrapped and drawn by rich itself, as the pane drew it before ``WrappedText``."""
    options = CONSOLE.options.update(width=width, height=None, no_wrap=False, overflow="fold")
    return [_cells(line) for line in CONSOLE.render_lines(text, options, pad=True)]


def as_wrapped(text: Text, width: int, marks) -> list[list[Segment]]:
    wrapped = WrappedText(text, width)
    wrapped.mark(marks)
    return [_cells(Segment.adjust_line_length(list(wrapped.line(i, DEFAULT_MATCH).render(CONSOLE)),
                                              width)) for i in range(len(wrapped))]


def _cells(segments) -> list[Segment]:
    """Segments on a base style, merged where the style is the same (how they were split into
    segments does not show on screen)."""
    return list(Segment.simplify(Segment.apply_style(segments, BASE)))


ODD_PAPERS = [
    Paper(id="o1", title="x" * 130, abstract="word " * 3 + "y" * 200 + "  two  spaces   end   "),
    Paper(id="o2", title="Wide 漢字と仮名の題名 with attention", abstract="注意機構 " * 40),
    Paper(id="o3", title="Attention", abstract=""),
    Paper(id="o4", title="Trailing   ", abstract="attention " * 60 + "\n\nnew paragraph"),
]


@pytest.mark.parametrize("width", [12, 20, 47, 88])
def test_lines_are_drawn_as_rich_draws_the_whole_marked_text(width):
    papers = seed_library().papers[::7] + ODD_PAPERS
    for paper in papers:
        for raw in QUERIES:
            query = parse_query(raw) if raw else None
            text, searched = detail_content(paper, None)
            expected = as_rich_draws(detail_text(paper, None, query=query), width)
            assert as_wrapped(text, width, query_marks(searched, query)) == expected, \
                (paper.id, raw, width)


def test_line_spans_cover_the_text_without_newlines():
    plain = "one two three\n\nfour five six seven"
    spans = line_spans(plain, 8)
    assert [plain[a:b] for a, b in spans] == ["one two ", "three", "", "four ", "five six ",
                                              "seven"]


def test_marking_says_which_lines_changed_and_splits_marks_across_lines():
    text = Text("alpha beta gamma delta epsilon")
    wrapped = WrappedText(text, 11)  # "alpha beta " / "gamma delta " / "epsilon"
    assert len(wrapped) == 3
    assert wrapped.mark([(0, 5)]) == [0]
    assert wrapped.mark([(0, 5)]) == []                  # the same marks: nothing to redraw
    assert wrapped.mark([(6, 16)]) == [0, 1]             # "beta gamma" crosses a line break
    assert wrapped.marks[0] == ((6, 11),) and wrapped.marks[1] == ((11, 16),)
    assert wrapped.mark([]) == [0, 1]
    line = wrapped.line(1, DEFAULT_MATCH)
    assert line.plain.rstrip() == "gamma delta" and not line.spans


async def test_the_pane_marks_each_keystrokes_words_on_the_paper_under_the_cursor():
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.main_screen
        detail = screen.detail
        await pilot.press("slash")
        previous, kept = None, 0
        for ch in "language models":
            await pilot.press("space" if ch == " " else ch)
            await searched(app)
            await pilot.pause()
            paper = detail.paper
            assert paper is app.library.papers[screen.paper_list.cursor_pos]
            kept += paper is previous
            previous = paper
            query = screen.parsed_query if screen.ranked else None
            width = min(detail.scrollable_content_region.width - 2 * MARGIN - BAR, 88)
            match = detail.get_component_rich_style("paper-detail--match")
            text = detail_text(paper, screen.triage.marker(screen.paper_list.cursor_pos),
                               query=query, match=match)
            options = CONSOLE.options.update(width=width, height=None, no_wrap=False,
                                             overflow="fold")
            base = detail.rich_style
            expected = [list(Segment.simplify(Segment.apply_style(line, base)))
                        for line in CONSOLE.render_lines(text, options, pad=True)]
            drawn = [list(Segment.simplify(strip.crop(MARGIN, MARGIN + width)))
                     for strip in detail.drawn_lines()]
            assert drawn == expected
            # What the pane puts on screen now (its rows are kept between frames) is the same.
            shown = [list(Segment.simplify(detail.render_line(y).crop(MARGIN, MARGIN + width)))
                     for y in range(min(detail.size.height, len(expected)))]
            assert shown == expected[:len(shown)]
            assert detail.marked_text.spans == text.spans
        assert kept  # some keystrokes kept the paper and only moved the marks


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(list("ab cd-,.( ") + ["x" * 30, "   "]), max_size=80),
       width=st.integers(min_value=1, max_value=40))
def test_the_ascii_line_breaks_are_rich_s(pieces, width):
    """The fast path for one-cell text breaks exactly where rich's ``divide_line`` does, long
    words folded included."""
    text = "".join(pieces)
    assert ascii_breaks(text, width) == divide_line(text, width, fold=True)
