"""The help screen: every key, generated from the bindings themselves so it can never drift.

Each section reads a widget's ``BINDINGS`` (from ``paperterm.tui.keys``), applies the app's keymap
(so remapped keys show as remapped) and lists one line per binding id: its keys, and the sentence
kept in the binding's ``tooltip``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from paperterm.tui import keys

_NAMED_KEYS = {
    "up": "↑", "down": "↓", "left": "←", "right": "→", "pageup": "PgUp", "pagedown": "PgDn",
    "home": "Home", "end": "End", "escape": "esc", "enter": "enter", "tab": "tab",
    "space": "space",
}


def key_display(key: str) -> str:
    """How a key is written in the help: ``ctrl+s``, ``↓``, ``?``, ``G``."""
    *modifiers, name = key.split("+")
    shown = _NAMED_KEYS.get(name) or format_key(name)
    return "+".join([*modifiers, shown])


def key_rows(bindings: Sequence[Binding], keymap: dict[str, str]) -> list[tuple[str, str]]:
    """(keys, what they do) per binding, in declaration order, with ``keymap`` applied."""
    return [(" ".join(key_display(k) for k in shown) or "(unbound)",
             binding.tooltip or binding.description)
            for binding, shown in keys.bound_keys(bindings, keymap)]


def app_rows(app: App) -> list[tuple[str, str]]:
    """The app-wide keys (command palette, quit), read from the running app."""
    rows = []
    for key, binding in app._bindings:
        if binding.system or not (binding.tooltip or binding.description):
            continue
        text = binding.tooltip or binding.description
        if binding.action == "command_palette":
            text = "Command palette: every action, by name"
        elif binding.action == "quit":
            text = "Quit, from anywhere"
        rows.append((key_display(key), text))
    return rows


def section(title: str, rows: Iterable[tuple[str, str]]) -> Group:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, min_width=10)
    table.add_column()
    for key_text, description in rows:
        table.add_row(Text(key_text), Text(description))
    return Group(Text(title, style="bold underline"), table, Text(""))


class HelpScreen(ModalScreen[None]):
    """Every key of the reader, grouped by where it works."""

    BINDINGS = keys.HELP_BINDINGS

    def compose(self) -> ComposeResult:
        keymap = dict(self.app._keymap)
        left = Group(
            section("Paper list", key_rows(keys.LIST_BINDINGS, keymap)),
            section("Papers (in the list or the details)", key_rows(keys.MAIN_BINDINGS, keymap)),
        )
        right = Group(
            section("Details pane (tab to focus)", key_rows(keys.DETAIL_BINDINGS, keymap)),
            section("Search bar", key_rows(keys.SEARCH_BINDINGS, keymap)),
            section("Note editor", key_rows(keys.NOTE_BINDINGS, keymap)),
            section("Export dialog", key_rows(keys.EXPORT_BINDINGS, keymap)),
            section("Anywhere", app_rows(self.app)),
            Text("Looking at a paper does not mark it read: space or r does. While searching, "
                 "o also offers relevance order.", style="italic"),
        )
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(Text("paperterm keys", style="bold"), id="help-title")
            with Horizontal(id="help-columns"):
                yield Static(left, id="help-left")
                yield Static(right, id="help-right")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-dialog", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-dialog", VerticalScroll).scroll_up()
