"""Selection and bulk actions in the running reader: ``x`` selects and moves down, ``X`` clears,
star/read/export act on the selection (hidden papers included, and the status says how many are
hidden), ``A`` marks every paper shown read after a yes/no question, and ``u`` undoes a bulk change
in one step. What the store holds is read with a fresh ``MarkerStore``, as another paperterm would.
"""

from __future__ import annotations

import json

from tui_helpers import (list_lines, notifications, screen_text, searched, status, stored,
                         synthetic_library)

from paperterm.tui.app import create_app
from paperterm.tui.paper_list import SELECT_MARK, STAR_MARK
from paperterm.tui.screens.confirm import ConfirmDialog
from paperterm.tui.screens.export_dialog import ExportDialog

SIZE = (120, 40)


def shown_ids(app, first: int, last: int) -> list[str]:
    plist = app.main_screen.paper_list
    return [app.library.papers[p].id for p in plist.rows[first:last]]


def markers():
    with stored() as store:
        return store.all()


async def settle(app, pilot):
    await searched(app)
    await pilot.pause()


async def test_x_selects_moves_down_and_marks_rows():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        plist = app.main_screen.paper_list
        await pilot.press("x", "x", "j", "x")
        assert plist.cursor == 4
        lines = list_lines(app)
        assert [line.startswith(SELECT_MARK) for line in lines[:5]] == [True, True, False, True,
                                                                        False]
        assert "3 selected " in status(app) and "hidden" not in status(app)
        await pilot.press("k", "x")                     # x on a selected paper unselects it
        assert not list_lines(app)[3].startswith(SELECT_MARK)
        assert "2 selected" in status(app)
        await pilot.press("X")
        assert "selected" not in status(app)
        assert not any(line.startswith(SELECT_MARK) for line in list_lines(app))
        assert "Selection cleared (2 papers)." in notifications(app)
        await pilot.press("X")
        assert any("Nothing is selected" in n for n in notifications(app))


async def test_star_and_read_act_on_the_selection_and_undo_in_one_step():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        ids = shown_ids(app, 0, 3)
        await pilot.press("j", "s", "k")                # paper 1 starred beforehand
        await pilot.press("x", "x", "x", "s")           # mixed selection: star all
        assert {pid for pid, m in markers().items() if m.starred} == set(ids)
        assert all(STAR_MARK in line[:4] for line in list_lines(app)[:3])
        assert "Starred 2 papers; u undoes." in notifications(app)
        await pilot.press("s")                          # all starred: unstar all
        assert not any(m.starred for m in markers().values())
        await pilot.press("u")                          # one step: all three starred again
        assert {pid for pid, m in markers().items() if m.starred} == set(ids)
        await pilot.press("u")                          # the first bulk star, undone exactly:
        assert {pid for pid, m in markers().items() if m.starred} == {ids[1]}  # 1 stays
        cursor = app.main_screen.paper_list.cursor
        await pilot.press("space")                      # with a selection: mark them read
        assert {pid for pid, m in markers().items() if m.read} == set(ids)
        assert app.main_screen.paper_list.cursor == cursor  # no jump
        await pilot.press("r")                          # all read: toggle marks them unread
        assert not any(m.read for m in markers().values())
        await pilot.press("space", "space")
        assert any("all 3 papers are read already" in n for n in notifications(app))
        assert "All 163 · unread 160 ·" in status(app)


async def test_selection_survives_a_search_and_hidden_papers_count():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        papers = app.library.papers
        target = next(i for i, p in enumerate(papers) if "Grokking" in p.title)
        other = next(i for i, p in enumerate(papers) if "rokking" not in p.title
                     and "grok" not in p.title.lower())
        for pos in (target, other):
            screen.paper_list.move_cursor(screen.paper_list.index_of(pos))
            await pilot.press("x")
        await pilot.press("slash", *"grokking")
        await settle(app, pilot)
        await pilot.press("enter")
        assert other not in screen.paper_list.rows and target in screen.paper_list.rows
        assert "2 selected (1 hidden)" in status(app)
        await pilot.press("s")                          # acts on the hidden one too, and says so
        assert {pid for pid, m in markers().items() if m.starred} == {
            papers[target].id, papers[other].id}
        assert any("1 of them not shown" in n for n in notifications(app))
        await pilot.press("slash", "escape", "3")      # no search, starred view: both shown
        await settle(app, pilot)
        assert sorted(screen.paper_list.rows) == sorted((target, other))
        assert "2 selected " in status(app) and "hidden" not in status(app)


async def test_export_writes_the_selection(tmp_path):
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        ids = shown_ids(app, 0, 2)
        await pilot.press("x", "x", "e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert "Export 2 selected papers" in screen_text(app)
        dialog.cwd = tmp_path
        dialog.fmt = "json"
        await pilot.press("ctrl+a", "ctrl+k", *"sel.json", "ctrl+s")
        await pilot.pause()
        assert app.screen is app.main_screen
        assert any("Exported 2 selected papers" in n for n in notifications(app))
    data = json.loads((tmp_path / "sel.json").read_text())
    rows = data if isinstance(data, list) else data.get("papers", data)
    assert sorted(row["id"] for row in rows) == sorted(ids)


async def test_A_asks_how_many_then_marks_every_shown_paper_read():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        await pilot.press("r")                          # one shown paper is read already
        await pilot.press("slash", *"learning")
        await settle(app, pilot)
        await pilot.press("enter")
        shown = list(screen.paper_list.rows)
        already = sum(1 for p in shown if p in screen.triage.marks.read)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert f"Mark {len(shown) - already:,} papers read? y/n" in text
        await pilot.press("n")                          # no: nothing changes
        assert app.screen is screen
        assert sum(m.read for m in markers().values()) == already
        await pilot.press("A", "x")                     # any other key is ignored
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        read_now = {pid for pid, m in markers().items() if m.read}
        assert read_now == {app.library.papers[p].id for p in shown}
        assert len(shown) < 163 and f"unread {163 - len(shown)}" in status(app)
        await pilot.press("u")                          # one step back: exactly as before
        assert sum(m.read for m in markers().values()) == already
        await pilot.press("X", "A")
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen is screen


async def test_bulk_at_100k_is_one_transaction_and_no_row_queries(monkeypatch):
    """Cost sanity at 100,000 papers (timings live in benchmarks/): selecting and moving run no
    SQL at all; ``A`` over every paper is one store transaction, undone by another one."""
    from test_tui_scale import NoSearch

    n = 100_000
    app = create_app(library=synthetic_library(n), index=NoSearch())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        statements: list[str] = []
        screen.store._db.set_trace_callback(statements.append)
        await pilot.press("x", "x", "j", "x", "G", "x")
        await pilot.pause()
        assert "4 selected" in status(app)
        assert [s for s in statements if not s.startswith("PRAGMA data_version")] == []
        await pilot.press("X", "A")
        await pilot.pause()
        assert "Mark 100,000 papers read? y/n" in screen_text(app)
        statements.clear()
        await pilot.press("y")
        await pilot.pause()
        assert sum(s.strip().upper() == "COMMIT" for s in statements) == 1
        assert "unread 0 ·" in status(app)
        statements.clear()
        await pilot.press("u")
        await pilot.pause()
        assert sum(s.strip().upper() == "COMMIT" for s in statements) == 1
        assert f"unread {n:,}" in status(app) or f"unread {n}" in status(app)
        screen.store._db.set_trace_callback(None)
    with stored() as store:
        assert store.count() == n and not any(m.read for m in store.all().values())


async def test_selection_follows_its_papers_into_a_reopened_library():
    from test_tui_scale import NoSearch

    from paperterm.library import Library

    lib = synthetic_library(10)
    app = create_app(library=lib, index=NoSearch())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        await pilot.press("x", "j", "x")
        chosen = {lib.papers[p].id for p in screen.selection.positions}
        gone = lib.papers[screen.paper_list.rows[0]]
        reopened = Library(papers=[p for p in reversed(lib.papers) if p is not gone]
                           + list(synthetic_library(12).papers[10:]))
        screen.replace_library(reopened, NoSearch())
        await pilot.pause()
        assert {reopened.papers[p].id for p in screen.selection.positions} == chosen - {gone.id}
        assert screen.paper_list.selected is screen.selection.positions
        assert "1 selected" in status(app)
        marked = [line for line in list_lines(app) if line.startswith(SELECT_MARK)]
        assert len(marked) == 1


async def test_t_tags_the_selection_and_u_undoes_it_in_one_step():
    app = create_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        ids = shown_ids(app, 0, 3)
        await pilot.press("x", "x", "x", "t")
        await pilot.pause()
        assert "3 papers selected" in screen_text(app)
        await pilot.press(*"+survey", "enter")
        await pilot.pause()
        assert {pid for pid, m in markers().items() if "survey" in m.tags} == set(ids)
        assert any("Tagged 3 papers #survey" in n for n in notifications(app))
        await pilot.press("u")
        assert not any(m.tags for m in markers().values())
