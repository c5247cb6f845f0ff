"""Users remap keys by binding id in keymap.toml; a broken file is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run_cli
from paperterm.keymap import KeymapError, keymap_path, load_keymap
from paperterm.state import MarkerStore
from paperterm.tui.app import create_app


def write_keymap(text: str) -> Path:
    path = keymap_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_no_remapping():
    assert load_keymap() == {}


def test_keys_are_read_and_normalised():
    write_keymap('"paperterm.star" = "x"\n"paperterm.down" = " j , down ,ctrl+n"\n')
    assert load_keymap() == {"paperterm.star": "x", "paperterm.down": "j,down,ctrl+n"}


@pytest.mark.parametrize("text, problem", [
    ('"paperterm.star" = ', "not valid TOML"),
    ('"star" = "x"', "is not a paperterm binding id"),
    ('"paperterm.star" = 3', "must map to keys as text"),
    ('"paperterm.star" = "  "', "must map to keys as text"),
])
def test_broken_files_name_the_file_and_problem(text, problem):
    path = write_keymap(text)
    with pytest.raises(KeymapError) as info:
        load_keymap()
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_cli_refuses_broken_keymap_before_starting_the_reader():
    path = write_keymap("not toml at all [")
    proc = run_cli()
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"paperterm: {path}: not valid TOML") and proc.stderr.count("\n") == 1


async def test_remapped_key_works_in_the_reader():
    write_keymap('"paperterm.star" = "w"\n')
    app = create_app(keymap=load_keymap())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        paper_id = app.library.papers[screen.paper_list.cursor_pos].id
        await pilot.press("s")  # the old key no longer stars
        await pilot.press("w")
        await pilot.pause()
    with MarkerStore() as store:
        starred = [m for m in store.all().values() if m.starred]
    assert [m.paper_id for m in starred] == [paper_id]


@pytest.mark.parametrize("text, problem", [
    ('"paperterm.stra" = "w"\n', "unknown binding id 'paperterm.stra' (did you mean "
                                 "'paperterm.star'?)"),
    ('"paperterm.star" = "r"\n', "key 'r' is bound to both paperterm.read and paperterm.star"),
    ('"paperterm.star" = "j"\n', "key 'j' is bound to both paperterm.down and paperterm.star"),
])
def test_cli_reports_unknown_ids_and_keys_bound_twice(text, problem):
    path = write_keymap(text)
    proc = run_cli()
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"paperterm: {path}: {problem}"), proc.stderr
    assert proc.stderr.count("\n") == 1


def test_moving_both_keys_is_no_clash():
    from paperterm.tui.keys import keymap_problems

    assert keymap_problems({"paperterm.star": "r", "paperterm.read": "w"}) == []
    assert keymap_problems({"paperterm.note.save": "ctrl+w"}) == []
