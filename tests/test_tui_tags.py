"""Tags in the reader: ``t`` opens the tag dialog (completion from the tags in use), tags show in
the list row and the detail pane, ``tag:`` searches them, and ``u`` undoes a tag change; the
logic under it (``tagging``, ``Triage.add_tag``/``remove_tag``/``change_tags``) without a
terminal."""

from __future__ import annotations

import pytest
from tui_helpers import (list_lines, notifications, screen_text, searched, status, stored,
                         synthetic_library)

from paperterm.tags import TagError
from paperterm.tui import keys
from paperterm.tui.app import create_app
from paperterm.tui.ordering import MarkerSets
from paperterm.tui.paper_list import MIN_TITLE, tags_cell
from paperterm.tui.screens.tag_dialog import TagDialog
from paperterm.tui.tagging import TagEdit, complete, parse_tag_line
from paperterm.tui.triage import Triage

SIZE = (120, 40)


def current(app):
    return app.library.papers[app.main_screen.paper_list.cursor_pos]


def tags_of(paper) -> tuple[str, ...]:
    with stored() as store:
        marker = store.get(paper.id)
    return marker.tags if marker is not None else ()


# -- the dialog's line -----------------------------------------------------------------------------

def test_tag_line_parses_toggles_adds_and_removes():
    edit = parse_tag_line(" LLM, +to-read  -old  llm ")
    assert edit == TagEdit(add=("to-read",), remove=("old",), toggle=("llm",))
    assert edit.against(["llm", "x"]) == (("to-read",), ("old", "llm"))
    assert edit.against([]) == (("to-read", "llm"), ("old",))
    assert parse_tag_line("   ").is_empty
    assert parse_tag_line("+a a") == TagEdit(add=("a",))  # "+a" says it all


@pytest.mark.parametrize("line,problem", [
    ("two words!", "not a tag name"), ("+", "needs a tag name"), ("+a -A", "both added"),
    ("-=x", "not a tag name"),
])
def test_bad_tag_lines_are_one_line_errors(line, problem):
    with pytest.raises(TagError, match=problem) as err:
        parse_tag_line(line)
    assert "\n" not in str(err.value)


def test_completion_of_the_last_word():
    names = ["llm", "lora", "to-read", "c++"]
    assert complete("l", names) == "llm"
    assert complete("lo", names) == "lora"
    assert complete("x +To", names) == "x +To-read"  # typed letters kept, the rest in normal form
    assert complete("c+", names) == "c++"
    assert complete("llm", names) is None             # complete already
    assert complete("llm ", names) is None            # nothing typed yet
    assert complete("-l", names, current=["lora"]) == "-lora"  # removing: the paper's tags first
    assert complete("zz", names) is None


# -- Triage: the API the reader (and a selection) uses ---------------------------------------------

def test_triage_tags_write_through_and_undo_as_deltas():
    lib = synthetic_library(4)
    with stored() as store:
        t = Triage(lib.papers, store)
        change = t.add_tag(1, "LLM")
        assert (change.field, change.before, change.after) == ("tags", (), ("llm",))
        assert change.describe() == "tagged #llm"
        assert t.add_tag(1, "llm") is None                  # no change, nothing recorded
        assert t.change_tags(1, add=["rl", "x"], remove=["llm"]).describe() == \
            "tags changed: +#rl +#x -#llm"
        assert t.remove_tag(1, "x").describe() == "untagged #x"
        assert t.tags(1) == ("rl",) and t.marks.tags == {1: ("rl",)}
        assert stored().get(lib.papers[1].id).tags == ("rl",)   # already on disk
        # Another window adds a tag meanwhile: undoing this window's changes keeps it.
        with stored() as other:
            other.change_tags(lib.papers[1].id, "", add=["theirs"])
        assert t.undo().describe() == "untagged #x"
        assert stored().get(lib.papers[1].id).tags == ("rl", "theirs", "x")
        t.undo()
        assert stored().get(lib.papers[1].id).tags == ("llm", "theirs")
        t.undo()
        assert stored().get(lib.papers[1].id).tags == ("theirs",)
        assert t.marks.tags == {1: ("theirs",)}
        assert t.undo() is None


def test_marker_sets_keep_tags_by_position():
    lib = synthetic_library(3)
    with stored() as store:
        store.change_tags(lib.papers[2].id, "", add=["a", "b"])
        store.change_tags("ffffffffffff", "", add=["elsewhere"])
    with stored() as store:
        t = Triage(lib.papers, store)
        assert t.marks.tags == {2: ("a", "b")}
        assert t.marks == MarkerSets(tags={2: ("a", "b")})


def test_t_is_bound_in_the_one_table():
    main = {b.action: ks for b, ks in keys.bound_keys(keys.MAIN_BINDINGS)}
    assert main["tag"] == ["t"]
    assert "paperterm.tag" in keys.all_binding_ids()
    assert {"paperterm.tags.cancel", "paperterm.tags.complete"} <= set(keys.all_binding_ids())


# -- the reader --------------------------------------------------------------------------------------

async def test_t_adds_and_removes_tags_and_they_show_everywhere():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("t")
        assert isinstance(app.screen, TagDialog)
        assert "No tags yet." in screen_text(app)
        await pilot.press(*"LLM to-read", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, TagDialog)
        assert tags_of(paper) == ("llm", "to-read")
        assert "#llm" in list_lines(app)[0]                      # the list row (cut to fit)
        assert "#llm #to-read" in app.main_screen.detail.text    # the detail pane
        assert any("Tagged #llm #to-read" in n for n in notifications(app))
        # typing a tag the paper has removes it; + and - say exactly what to do
        await pilot.press("t")
        assert "Tags: #llm #to-read" in screen_text(app)
        await pilot.press(*"to-read +new -llm", "enter")
        await pilot.pause()
        assert tags_of(paper) == ("new",)
        assert "#new" in list_lines(app)[0] and "#llm" not in list_lines(app)[0]
        assert "#new" in app.main_screen.detail.text
        # escape changes nothing
        await pilot.press("t", *"other", "escape")
        await pilot.pause()
        assert tags_of(paper) == ("new",)
        # u undoes a tag change like any other
        await pilot.press("u")
        await pilot.pause()
        assert tags_of(paper) == ("llm", "to-read")
        assert "#llm" in list_lines(app)[0]


async def test_tag_dialog_completes_from_tags_in_use_and_refuses_bad_names():
    with stored() as store:
        store.change_tags("ffffffffffff", "Elsewhere", add=["reading-group"])
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("t", *"rea")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        field = app.screen.query_one("#tag-input")
        assert field.value == "reading-group"
        await pilot.press(*" bad!", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TagDialog)                 # stays open, says why
        assert "not a tag name" in screen_text(app)
        assert tags_of(paper) == ()
        await pilot.press(*["backspace"] * 5, "enter")
        await pilot.pause()
        assert tags_of(paper) == ("reading-group",)


async def test_tag_filter_in_the_search_bar_follows_tag_changes():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        paper = current(app)
        await pilot.press("t", *"mine", "enter")
        await pilot.pause()
        await pilot.press("slash", *"tag:mine", "enter")
        await pilot.pause()
        await searched(app)
        await pilot.pause()
        assert len(app.main_screen.paper_list.rows) == 1
        assert current(app).id == paper.id
        await pilot.press("t", *"mine", "enter")                 # untag: it leaves the results
        await pilot.pause()
        await searched(app)
        await pilot.pause()
        assert len(app.main_screen.paper_list.rows) == 0


async def test_tags_in_the_row_never_take_the_titles_minimum():
    app = create_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        paper = current(app)
        await pilot.press("t", *"a-rather-long-tag-name another-long-tag-name", "enter")
        await pilot.pause()
        row = list_lines(app)[0]
        assert paper.title[:MIN_TITLE - 1] in row     # a narrow list keeps the title
        assert "#a-rather" not in row
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        row = list_lines(app)[0]
        assert paper.title[:MIN_TITLE - 1] in row and "#a-rather" in row


@pytest.mark.parametrize("room,tags,cell", [
    (30, ("llm", "to-read", "x"), "#llm #to-read #x"),
    (10, ("llm", "to-read", "x"), "#llm +2"),
    (5, ("llm", "to-read", "x"), "#llm…"),
    (10, ("reading-group",), "#reading-…"),
    (3, ("llm",), ""),
    (30, ("bad\x1b[31m",), "#bad␛[31m"),   # only a hand-edited store could hold it: still shown safe
])
def test_tags_cell_fits_the_room(room, tags, cell):
    assert tags_cell(tags, room) == cell


async def test_tag_dialog_fits_a_tiny_terminal():
    app = create_app()
    async with app.run_test(size=(40, 12), notifications=True) as pilot:
        paper = current(app)
        await pilot.press("t", *"tiny")
        await pilot.pause()
        text = screen_text(app)
        assert "No tags yet." in text and "+tiny" not in text and "tiny" in text
        assert "esc cancels" in text                              # the hint is not cut off
        await pilot.press("enter")
        await pilot.pause()
        assert tags_of(paper) == ("tiny",)
