"""A list you can read (issue 13): the detail pane wraps at a readable width and marks the search's
words in the abstract; ``<``/``>`` move the split between the panes and ``z`` shows the list alone
(both remembered); the list hides the columns no shown paper has a value for."""

from __future__ import annotations

from rich.style import Style
from tui_helpers import screen_text

from paperterm.model import Paper
from paperterm.search import highlight_spans, parse_query
from paperterm.tui.app import create_app
from paperterm.tui.detail import READABLE_WIDTH, detail_text

MATCH = Style(bold=True, underline=True, color="red")


async def settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()


def styled(text, style: Style) -> list[str]:
    """The pieces of a rich ``Text`` carrying ``style`` (through its spans)."""
    return [text.plain[span.start:span.end] for span in text.spans if span.style == style]


# -- the abstract: highlight (logic, no terminal) -------------------------------------------------

def test_query_words_are_marked_in_the_title_and_abstract():
    paper = Paper(id="p1", title="Sparse attention for long inputs",
                  abstract="We make attention sparse.\nAttentive readers and ATTENTION heads.",
                  ai_summary="Attention, summarised.")
    query = parse_query("attention")
    text = detail_text(paper, None, query=query, match=MATCH)
    marked = styled(text, MATCH)
    assert marked == ["attention", "attention", "ATTENTION"]         # title, then the abstract
    assert "Attentive" not in marked                                  # not a prefix of the word
    assert styled(detail_text(paper, None, match=MATCH), MATCH) == []  # no query: nothing marked


def test_marked_spans_fall_on_the_words_even_after_control_characters():
    abstract = "A\x1b[31m red\ttab then grokking and Grokking."
    paper = Paper(id="p2", title="t", abstract=abstract)
    text = detail_text(paper, None, query=parse_query("grokking"), match=MATCH)
    assert styled(text, MATCH) == ["grokking", "Grokking"]
    assert "\x1b" not in text.plain                                   # shown as a picture


def test_markup_in_an_abstract_stays_literal_and_is_still_matched():
    paper = Paper(id="p3", title="[bold]Title[/bold]", abstract="[link=http://x]click[/link] here")
    text = detail_text(paper, None, query=parse_query("click"), match=MATCH)
    assert "[link=http://x]click[/link] here" in text.plain
    assert styled(text, MATCH) == ["click"]
    start = text.plain.index("[link=")
    inside = [span.style for span in text.spans if span.start < start + 30 and span.end > start]
    assert inside == [MATCH]                          # no link (nor anything else) made of it


def test_typo_and_phrase_matches_are_marked_like_the_titles():
    paper = Paper(id="p4", title="x", abstract="Large language models learn in-context.")
    for query in ("languge", '"language models"', "in-context"):
        parsed = parse_query(query)
        text = detail_text(paper, None, query=parsed, match=MATCH)
        start = text.plain.index("Large")
        expected = [paper.abstract[a:b] for a, b in highlight_spans(paper.abstract, parsed)]
        assert expected and styled(text, MATCH)[-len(expected):] == expected, query
        assert all(span.start >= start for span in text.spans if span.style == MATCH)


# -- the abstract: in the reader ------------------------------------------------------------------

async def test_search_marks_its_words_in_the_shown_abstract_and_clearing_unmarks():
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"alignment")
        await settle(app, pilot)
        detail = app.main_screen.detail
        match = detail.get_component_rich_style("paper-detail--match")
        paper = detail.paper
        assert "alignment" in paper.abstract.lower()
        marked = styled(detail._text, match)
        assert marked and all(m.lower().startswith("alignment") for m in marked)
        # ...and on screen: the pane's lines carry the style.
        drawn = [seg.text for strip in detail._lines for seg in strip if seg.style
                 and seg.style.bgcolor == match.bgcolor and seg.text.strip()]
        assert any(part.lower().startswith("alignment") for part in drawn)
        await pilot.press("down")                                  # the next hit: marked too
        await pilot.pause()
        assert detail.paper is not paper and styled(detail._text, match)
        await pilot.press("escape")                                # clear the search
        await settle(app, pilot)
        assert styled(detail._text, match) == []


async def test_a_filter_only_query_marks_nothing():
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"year:>=2024")
        await settle(app, pilot)
        detail = app.main_screen.detail
        match = detail.get_component_rich_style("paper-detail--match")
        assert detail.paper is not None and styled(detail._text, match) == []


# -- the abstract: a readable width ---------------------------------------------------------------

def longest_line(detail) -> int:
    return max(len(strip.text.rstrip()) for strip in detail._lines)


async def test_text_wraps_at_a_readable_width_in_a_wide_pane():
    paper = Paper(id="w1", title="Wide", abstract=" ".join(["readable"] * 120),
                  ai_summary=" ".join(["summary"] * 60))
    from paperterm.library import Library
    app = create_app(library=Library(papers=[paper]))
    async with app.run_test(size=(240, 40)) as pilot:
        await pilot.pause()
        detail = app.main_screen.detail
        assert detail.scrollable_content_region.width > READABLE_WIDTH + 20
        assert READABLE_WIDTH - 10 <= longest_line(detail) <= READABLE_WIDTH
        text = "\n".join(strip.text.rstrip() for strip in detail._lines)
        assert "summary summary" in text and "readable readable" in text
        assert all(strip.cell_length == detail.scrollable_content_region.width
                   for strip in detail._lines)                    # the rest of the line: blank


async def test_a_narrow_pane_still_uses_its_whole_width():
    app = create_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        detail = app.main_screen.detail
        width = detail.scrollable_content_region.width
        assert width < READABLE_WIDTH
        assert width - 12 <= longest_line(detail) <= width
        assert detail.paper.title[:30] in screen_text(app)
