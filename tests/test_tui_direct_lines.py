"""The panes' lines go to the screen past Textual's per-line styling (``tui.direct_lines``): they
must come out exactly as Textual's own path would draw them, and Textual's path must take over
as soon as a pane's styles ask for more than the line filters."""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget

from paperterm.library import Library
from paperterm.model import Paper
from paperterm.tui.app import create_app
from paperterm.tui.direct_lines import needs_styling


def library() -> Library:
    papers = [Paper(id=f"p{i}", title=f"Paper {i} on [bold]markup[/] and attention",
                    abstract=" ".join(["attention is what a long abstract is about"] * (3 + i)),
                    published=f"2025-01-{1 + i % 28:02d}", upvotes=i,
                    github="https://github.com/a/b" if i % 2 else None)
              for i in range(60)]
    return Library(papers=papers)


def textual_lines(widget: Widget, crop: Region) -> list[list]:
    """What Textual's own path (its styles cache) draws for ``crop`` of ``widget``."""
    return [list(strip) for strip in Widget.render_lines(widget, crop)]


def direct_lines(widget: Widget, crop: Region) -> list[list]:
    return [list(strip) for strip in widget.render_lines(crop)]


def crops(widget: Widget) -> list[Region]:
    width, height = widget.content_region.size
    return [Region(0, 0, width, height),                  # the whole pane, as the screen asks
            Region(3, 2, max(1, width - 7), height - 4)]   # part of it (a dialog on top)


async def test_the_panes_draw_exactly_what_textual_would():
    app = create_app(library=library())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        panes = (screen.paper_list, screen.detail)
        for _ in range(3):
            for pane in panes:
                assert not needs_styling(pane)
                for crop in crops(pane):
                    assert direct_lines(pane, crop) == textual_lines(pane, crop)
            # Again on other lines: the list scrolled, another paper and a search's marks shown,
            # the focus elsewhere (the cursor row's style changes).
            await pilot.press("G")
            await pilot.press("slash", *"attention")
            await pilot.pause()


async def test_a_pane_given_a_border_is_drawn_by_textual_again():
    app = create_app(library=library())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        detail = app.main_screen.detail
        detail.styles.border = ("round", "red")
        detail.styles.padding = (0, 2)
        await pilot.pause()
        assert needs_styling(detail)
        crop = Region(0, 0, *detail.region.size)
        lines = direct_lines(detail, crop)
        assert lines == textual_lines(detail, crop)
        assert lines[0][0].text == "╭"                 # Textual drew the border
