"""The help screen: every key, generated from the bindings themselves so it can never drift, and
the search syntax, from the table the README shows (``paperterm.search.syntax``).

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

from paperterm.safe_text import visible
from paperterm.search import syntax
from paperterm.tui import keys

#: Below this many columns the help is one column over the whole width.
NARROW_BELOW = 90

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


def key_rows(bindings: Sequence[Binding], keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(keys, what they do, binding id) per binding, in declaration order, ``keymap`` applied."""
    return [(" ".join(key_display(k) for k in shown) or "(unbound)",
             binding.tooltip or binding.description, binding.id or "")
            for binding, shown in keys.bound_keys(bindings, keymap)]


def app_rows(app: App) -> list[tuple[str, str, str]]:
    """The app-wide keys (command palette, quit), read from the running app: the bottom screen's
    ``active_bindings`` that belong to the app (a dialog's own leave the app's out: it is modal)."""
    rows = []
    for key, active in app.screen_stack[0].active_bindings.items():
        binding = active.binding
        if active.node is not app or binding.system \
                or not (binding.tooltip or binding.description):
            continue
        text = binding.tooltip or binding.description
        if binding.action == "command_palette":
            text = "Command palette: every action, by name"
        elif binding.action == "quit":
            text = "Quit, from anywhere"
        rows.append((key_display(key), text, binding.id or ""))
    return rows


def section(title: str, rows: Iterable[tuple[str, str, str]], ids: bool = False) -> Group:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, min_width=10)
    table.add_column()
    if ids:
        table.add_column(style="dim", no_wrap=True)
    for key_text, description, binding_id in rows:
        cells = [Text(visible(key_text)), Text(visible(description))]  # keys from keymap.toml
        if ids:
            cells.append(Text(binding_id or "(Textual)"))
        table.add_row(*cells)
    return Group(Text(title, style="bold underline"), table, Text(""))


def syntax_section() -> Group:
    """The search syntax: the README's table, as plain text, queries in bold."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", ratio=2, overflow="fold")
    table.add_column(ratio=3)
    for queries, finds in syntax.ROWS:
        table.add_row(Text(syntax.plain(queries)), Text(syntax.plain(finds)))
    return Group(Text("Search syntax (/ searches; the same in paperterm search and --query)",
                      style="bold underline"), table, Text(""),
                 Text(f"Together: {syntax.plain(syntax.COMBINED)}", style="italic"))


class HelpScreen(ModalScreen[None]):
    """Every key of the reader, grouped by where it works."""

    BINDINGS = keys.HELP_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.show_ids = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(Text("paperterm keys", style="bold"), id="help-title")
            with Horizontal(id="help-columns"):
                yield Static(id="help-left")
                yield Static(id="help-right")
            yield Static(syntax_section(), id="help-syntax")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """Lay the sections out in two columns, or in one with the binding ids beside them."""
        keymap = getattr(self.app, "keymap", {})  # PapertermApp.keymap
        ids = self.show_ids
        first = [
            section("Paper list", key_rows(keys.LIST_BINDINGS, keymap), ids),
            section("Papers (in the list or the details)", key_rows(keys.MAIN_BINDINGS, keymap),
                    ids),
        ]
        second = [
            section("Details pane (tab to focus)", key_rows(keys.DETAIL_BINDINGS, keymap), ids),
            section("Search bar", key_rows(keys.SEARCH_BINDINGS, keymap), ids),
            section("Note editor", key_rows(keys.NOTE_BINDINGS, keymap), ids),
            section("Tag dialog (t; enter applies)", key_rows(keys.TAG_BINDINGS, keymap), ids),
            section("Export dialog", key_rows(keys.EXPORT_BINDINGS, keymap), ids),
            section("Link menu (B; 1-9 or enter open a link)",
                    key_rows(keys.LINK_BINDINGS, keymap), ids),
            section("Yes/no question (A)", key_rows(keys.CONFIRM_BINDINGS, keymap), ids),
            section("Anywhere", app_rows(self.app), ids),
            Text("Looking at a paper does not mark it read: space or r does. While searching, "
                 "o also offers relevance order. Remap any key by its binding id in "
                 "keymap.toml (i shows the ids).", style="italic"),
            Text(""),
            Text("Selection: with papers selected (x), s, r, space, t and e act on all of them, "
                 "those a search or view hides too (the status line says how many: 3 selected "
                 "(1 hidden)); s stars them all unless all are starred (then unstars), r the "
                 "same for read. The selection stays until X; u undoes a bulk change in one "
                 "step.", style="italic"),
        ]
        left = self.query_one("#help-left", Static)
        right = self.query_one("#help-right", Static)
        one_column = ids or self.narrow
        if one_column:
            left.update(Group(*first, *second))
            right.update("")
        else:
            left.update(Group(*first))
            right.update(Group(*second))
        right.display = not one_column

    @property
    def narrow(self) -> bool:
        """Too narrow for two columns side by side: one column, the whole width."""
        return self.size.width < NARROW_BELOW

    def on_resize(self) -> None:
        self.set_class(self.narrow, "-narrow")
        if self.is_mounted:
            self._fill()

    def action_toggle_ids(self) -> None:
        self.show_ids = not self.show_ids
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-dialog", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-dialog", VerticalScroll).scroll_up()
