"""A list you can read (issue 13): the detail pane wraps at a readable width and marks the search's
words in the abstract; ``<``/``>`` move the split between the panes and ``z`` shows the list alone
(both remembered); the list hides the columns no shown paper has a value for."""

from __future__ import annotations

from rich.style import Style
from tui_helpers import list_lines, notifications, screen_text, searched, stored

from paperterm.model import Paper
from paperterm.search import highlight_spans, parse_query
from paperterm.tui import split
from paperterm.tui.app import create_app
from paperterm.tui.detail import BAR, READABLE_WIDTH, detail_text

MATCH = Style(bold=True, underline=True, color="red")


async def settle(app, pilot):
    await searched(app)
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
        marked = styled(detail.marked_text, match)
        assert marked and all(m.lower().startswith("alignment") for m in marked)
        # ...and on screen: the pane's lines carry the style.
        drawn = [seg.text for strip in detail.drawn_lines() for seg in strip if seg.style
                 and seg.style.bgcolor == match.bgcolor and seg.text.strip()]
        assert any(part.lower().startswith("alignment") for part in drawn)
        await pilot.press("down")                                  # the next hit: marked too
        await pilot.pause()
        assert detail.paper is not paper and styled(detail.marked_text, match)
        await pilot.press("escape")                                # clear the search
        await settle(app, pilot)
        assert styled(detail.marked_text, match) == []


async def test_a_filter_only_query_marks_nothing():
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"year:>=2024")
        await settle(app, pilot)
        detail = app.main_screen.detail
        match = detail.get_component_rich_style("paper-detail--match")
        assert detail.paper is not None and styled(detail.marked_text, match) == []


# -- the abstract: a readable width ---------------------------------------------------------------

def longest_line(detail) -> int:
    return max(len(strip.text.rstrip()) for strip in detail.drawn_lines())


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
        text = "\n".join(strip.text.rstrip() for strip in detail.drawn_lines())
        assert "summary summary" in text and "readable readable" in text
        assert all(strip.cell_length == detail.scrollable_content_region.width - BAR
                   for strip in detail.drawn_lines())   # the rest of the line (but the scrollbar): blank


async def test_a_narrow_pane_still_uses_its_whole_width():
    app = create_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        detail = app.main_screen.detail
        width = detail.scrollable_content_region.width
        assert width < READABLE_WIDTH
        assert width - 12 <= longest_line(detail) <= width
        assert detail.paper.title[:30] in screen_text(app)


# -- the split (< / >) and the list alone (z) ----------------------------------------------------

def test_split_arithmetic_keeps_both_panes_usable():
    assert split.parse_percent(None) == split.DEFAULT_PERCENT
    assert split.parse_percent("55") == 55
    for bad in ("", "wide", "5", "95", "-40", "4e1"):
        assert split.parse_percent(bad) == split.DEFAULT_PERCENT, bad
    assert split.list_width(120, 40) == 48
    assert split.list_width(80, 20) == split.MIN_LIST                 # the list keeps its minimum
    assert split.list_width(100, 80) == 100 - split.MIN_DETAIL       # and so do the details
    for total in (72, 80, 120, 200, 300):
        percent, widths = split.DEFAULT_PERCENT, [split.list_width(total, split.DEFAULT_PERCENT)]
        while (percent := split.step(total, percent, +1)) is not None:
            widths.append(split.list_width(total, percent))
        assert widths == sorted(set(widths)), total                   # every press moves it
        assert widths[-1] <= total - split.MIN_DETAIL
        percent, widths = split.DEFAULT_PERCENT, [split.list_width(total, split.DEFAULT_PERCENT)]
        while (percent := split.step(total, percent, -1)) is not None:
            assert split.MIN_PERCENT <= percent <= split.MAX_PERCENT
            widths.append(split.list_width(total, percent))
        assert widths == sorted(set(widths), reverse=True), total
        assert widths[-1] >= split.MIN_LIST
    assert split.step(80, 40, -1) is None                             # already at its narrowest
    assert split.step(120, 80, +1) is None


def pane_widths(app) -> tuple[int, int]:
    screen = app.main_screen
    # The panes as the user sees them: each box, its border included.
    return (screen.query_one("#list-pane").region.width,
            screen.query_one("#detail-pane").region.width)


async def test_angle_brackets_move_the_split_and_it_is_remembered():
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        start_list, start_detail = pane_widths(app)
        assert (start_list, start_detail) == (48, 72)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        wider, narrower = pane_widths(app)
        assert wider > start_list and narrower < start_detail and wider + narrower == 120
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert pane_widths(app)[0] > wider
        title = app.main_screen.paper_list.papers[app.main_screen.paper_list.cursor_pos].title
        assert title[:36] in list_lines(app)[0]                      # the title got the room
        shown = pane_widths(app)
    with stored() as store:
        assert store.get_setting("tui.split") == "50"
    again = create_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert pane_widths(again) == shown                            # remembered across runs


async def test_the_split_stops_at_its_bounds_and_says_so():
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        for _ in range(20):
            await pilot.press("less_than_sign")
        await pilot.pause()
        assert pane_widths(app)[0] == split.MIN_LIST
        assert any("list keeps at least" in n for n in notifications(app))
        for _ in range(30):
            await pilot.press("greater_than_sign")
        await pilot.pause()
        list_w, detail_w = pane_widths(app)
        assert detail_w >= split.MIN_DETAIL and list_w + detail_w == 120
        assert any("details keep at least" in n for n in notifications(app))
        assert app.main_screen.detail.paper.title[:20] in screen_text(app)


async def test_z_shows_the_list_alone_remembered_and_tab_still_shows_the_details():
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = app.main_screen
        await pilot.press("z")
        await pilot.pause()
        assert pane_widths(app) == (120, 0) and screen.paper_list.has_focus
        paper = screen.paper_list.papers[screen.paper_list.cursor_pos]
        assert paper.published in list_lines(app)[0]                  # the columns have room
        await pilot.press("j", "s")                                   # triage works as ever
        await pilot.press("tab")
        await pilot.pause()
        assert pane_widths(app) == (0, 120) and screen.detail.has_focus
        starred = screen.detail.paper
        await pilot.press("tab")
        await pilot.pause()
        assert pane_widths(app) == (120, 0)
    with stored() as store:
        assert store.get_setting("tui.list_alone") == "1"
        assert store.get(starred.id).starred
    again = create_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert pane_widths(again) == (120, 0)                         # remembered
        await pilot.press("z")                                        # both panes again
        await pilot.pause()
        assert pane_widths(again) == (48, 72)
    with stored() as store:
        assert store.get_setting("tui.list_alone") == "0"


async def test_a_narrower_list_brings_the_details_back_from_the_list_alone():
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("greater_than_sign", "z")
        await pilot.pause()
        await pilot.press("greater_than_sign")                        # already the whole width
        await pilot.pause()
        assert pane_widths(app) == (120, 0)
        assert any("already alone" in n for n in notifications(app))
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert pane_widths(app) == (54, 66)                           # the remembered 45 %


async def test_split_keys_in_a_narrow_terminal_explain_instead_of_squeezing():
    app = create_app()
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        screen = app.main_screen
        await pilot.press("greater_than_sign", "less_than_sign")
        await pilot.pause()
        assert pane_widths(app) == (60, 0)
        assert sum("Too narrow for two panes" in n for n in notifications(app)) == 2
        await pilot.press("z")
        await pilot.pause()
        assert pane_widths(app) == (60, 0) and not screen.list_alone
        assert any("shown alone already" in n for n in notifications(app))
        await pilot.press("tab")                                      # tab still switches
        await pilot.pause()
        assert pane_widths(app) == (0, 60)
    with stored() as store:
        assert store.get_setting("tui.split") is None
        assert store.get_setting("tui.list_alone") is None


async def test_the_list_alone_survives_a_narrow_terminal_growing():
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("z")
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert pane_widths(app) == (60, 0)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert pane_widths(app) == (120, 0)
        await pilot.press("z")
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert pane_widths(app) == (40, 60)


# -- empty columns: the titles get the room ------------------------------------------------------

def mixed_library():
    """Papers from an API day file (dated, upvoted) and from page text without either."""
    from paperterm.library import Library
    papers = [Paper(id=f"a{i}", title=f"Alpha upvoted study number {i} of long titles in lists",
                    abstract="x", published=f"2025-01-{i + 1:02d}", upvotes=100 + i)
              for i in range(5)]
    papers += [Paper(id=f"b{i}", title=f"Beta plain study number {i} of long titles in lists",
                     abstract="y") for i in range(5)]
    return Library(papers=papers)


async def test_columns_no_shown_paper_has_are_left_out_and_come_back():
    app = create_app(library=mixed_library())
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        plist = app.main_screen.paper_list
        width = plist.scrollable_content_region.width
        assert plist.show_upvotes and plist.show_dates
        both = plist._columns(width)
        assert both[1] == 10 and both[2] == len("▲104")
        assert any("▲104" in line for line in list_lines(app))
        await pilot.press("slash", *"beta", "enter")
        await settle(app, pilot)
        assert not plist.show_upvotes and not plist.show_dates
        title_w, date_w, up_w = plist._columns(width)
        assert (date_w, up_w) == (0, 0) and title_w == both[0] + 11 + 5   # all the room
        lines = [line for line in list_lines(app) if "Beta" in line]
        assert lines and all("▲" not in line and "…" not in line for line in lines)
        await pilot.press("slash", "escape")
        await settle(app, pilot)
        assert plist.show_upvotes and plist.show_dates
        assert any("▲104" in line for line in list_lines(app))


async def test_a_view_of_papers_without_upvotes_drops_the_column_even_sorted_by_upvotes():
    app = create_app(library=mixed_library())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        while screen.sort != "upvotes":
            await pilot.press("o")
        await pilot.pause()
        assert "▲104" in list_lines(app)[0]                    # bug 8's rule still holds
        await pilot.press("slash", *"-alpha", "enter")          # filters, keeps the sort
        await settle(app, pilot)
        plist = screen.paper_list
        assert screen.sort == "upvotes" and len(plist.rows) == 5
        assert not plist.show_upvotes
        assert plist._columns(plist.scrollable_content_region.width)[2] == 0
        assert all("▲" not in line for line in list_lines(app))


async def test_columns_follow_a_library_replaced_after_a_fetch():
    from paperterm.library import Library
    from paperterm.search import SearchIndex

    plain = Library(papers=[Paper(id="p1", title="Plain only", abstract="z")])
    app = create_app(library=plain)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        plist = screen.paper_list
        width = plist.scrollable_content_region.width
        assert plist._columns(width)[1:] == (0, 0)
        richer = mixed_library()
        screen.replace_library(richer, SearchIndex(richer.papers))
        await settle(app, pilot)
        assert plist._columns(width)[1:] == (10, len("▲104"))
        assert any("▲104" in line for line in list_lines(app))


async def test_the_detail_pane_draws_its_own_scrollbar_and_scrolls():
    """The pane's last column is its scrollbar (drawn by the pane, as Textual draws one): a thumb
    over a long paper, an empty track over one that fits; keys, the wheel and a click on the
    track scroll it."""
    from textual import events

    from paperterm.library import Library
    long = Paper(id="l1", title="Long", abstract=" ".join(["words"] * 1500),
                 published="2025-01-02")
    short = Paper(id="s1", title="Short", abstract="Brief.", published="2025-01-01")
    app = create_app(library=Library(papers=[long, short]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        detail = screen.detail
        assert detail.paper.id == "l1"

        def bar() -> list:
            return [list(detail.render_line(y))[-1].style for y in range(detail.size.height)]

        assert len(set(bar())) > 1                      # a thumb on the track
        assert detail.allow_vertical_scroll
        await pilot.press("tab")                        # the details take the keys
        await pilot.press("j", "j")
        assert detail.scroll_y == 2
        detail.post_message(events.MouseScrollDown(detail, 1, 1, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert detail.scroll_y > 2                      # the wheel
        before = detail.scroll_y
        await pilot.click(detail, offset=(detail.size.width - 1, detail.size.height - 1))
        assert detail.scroll_y >= before + detail.size.height - 2   # a page towards the click
        await pilot.press("g")
        assert detail.scroll_y == 0
        await pilot.press("tab", "j")                   # the short paper
        await pilot.pause()
        assert detail.paper.id == "s1"
        assert len(set(bar())) == 1 and not detail.allow_vertical_scroll   # an empty track
