"""The search syntax has one source (``paperterm.search.syntax``): the README's table is exactly
its rows, every filter of the query language is in it, and the help screen (``?``) shows it."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from tui_helpers import screen_text

from paperterm.search import parse_query, syntax
from paperterm.search.query import KNOWN_FILTERS
from paperterm.tui.app import create_app

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_is_the_syntax_rows():
    readme = README.read_text(encoding="utf-8")
    assert syntax.markdown_table() in readme, (
        "README's Search syntax table differs from paperterm.search.syntax.ROWS: change ROWS, "
        "then paste the output of `python -m paperterm.search.syntax` into the README")
    assert f"Words and filters combine: {syntax.COMBINED}." in readme


def test_every_filter_is_in_the_table_and_every_example_parses():
    queries = " ".join(q for q, _ in syntax.ROWS)
    for name in KNOWN_FILTERS:
        assert f"`{name}:" in queries or f"`-{name}:" in queries, name
    for cell, _ in syntax.ROWS:
        for example in cell.split("`")[1::2]:
            parse_query(example)  # raises if an example is not a valid query
    parse_query(syntax.plain(syntax.COMBINED))


def test_plain_drops_markdown():
    assert syntax.plain("papers matching **all** words") == "papers matching all words"
    assert syntax.plain("a word *starting* with `x`") == "a word starting with x"
    assert syntax.plain("the [capture dates](#capture-dates) of it") == "the capture dates of it"


async def test_help_lists_the_search_syntax():
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        part = app.screen.query_one("#help-syntax", Static)
        console = Console(width=110, file=io.StringIO(), record=True)
        console.print(part.content)
        shown = console.export_text()
        assert "Search syntax" in shown
        for queries, finds in syntax.ROWS:  # every row, as plain text
            assert " ".join(syntax.plain(queries).split())[:20] in " ".join(shown.split())
        assert "is:new" in shown and "`" not in shown and "**" not in shown
        app.screen.query_one("#help-dialog").scroll_end(animate=False)
        await pilot.pause()
        assert "Together: grok -lazy year:>=2023 is:unread" in screen_text(app)
