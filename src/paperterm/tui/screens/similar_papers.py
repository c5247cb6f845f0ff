"""The similar-papers dialog (``m``): the papers most like the current one, and why.

Opens at once. While the term matrix is still being built (the first time a library is seen, in a
child process) it says so and fills in when the main screen hands it the results; ``enter`` on a
row closes it with that paper's position, so the main screen can move the cursor there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from paperterm.safe_text import visible
from paperterm.tui.keys import SIMILAR_BINDINGS


class SimilarRow(NamedTuple):
    """One similar paper as the dialog shows it."""

    pos: int
    score: float
    title: str
    shared: tuple[str, ...]


def row_prompt(row: SimilarRow) -> Text:
    """``0.42  Title`` and, under it, the shared terms (plain text: titles are never markup)."""
    text = Text()
    text.append(f"{row.score:4.2f}  ", style="bold")
    text.append(visible(row.title))  # rich passes an ESC to the terminal raw: see safe_text
    if row.shared:
        text.append("\n      shares: ", style="dim")
        text.append(visible(", ".join(row.shared)), style="italic dim")
    return text


class SimilarPapers(ModalScreen[int | None]):
    """Papers similar to paper ``pos`` (titled ``title``); dismissed with the chosen position or
    ``None``."""

    BINDINGS = SIMILAR_BINDINGS

    def __init__(self, title: str, pos: int, rows: Sequence[SimilarRow] | None = None,
                 message: str | None = None) -> None:
        super().__init__()
        self.paper_title = title
        self.paper_pos = pos
        self._rows: list[SimilarRow] = list(rows or [])
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="similar-dialog", classes="dialog"):
            heading = Text("Papers like: ", style="bold")
            heading.append(visible(self.paper_title), style="bold italic")
            yield Static(heading, id="similar-title")
            yield Static("", id="similar-message", markup=False)
            yield OptionList(id="similar-list")
        yield Footer()

    def on_mount(self) -> None:
        if self._rows or self._message is None:
            self.show_rows(self._rows)
        else:
            self.show_message(self._message)

    @property
    def rows(self) -> list[SimilarRow]:
        return list(self._rows)

    def show_message(self, message: str) -> None:
        """Say why there is no list (yet): building, a problem, nothing similar."""
        self._message = message
        shown = self.query_one("#similar-message", Static)
        shown.update(visible(message))
        shown.display = True
        self.query_one("#similar-list", OptionList).display = False

    def show_rows(self, rows: Sequence[SimilarRow]) -> None:
        """Show the ranked papers (or say there are none)."""
        self._rows = list(rows)
        if not self._rows:
            self.show_message("No other paper shares a distinctive word with this one.")
            return
        self.query_one("#similar-message", Static).display = False
        options = self.query_one("#similar-list", OptionList)
        options.set_options(Option(row_prompt(row), id=str(row.pos)) for row in self._rows)
        options.display = True
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#similar-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._rows[event.option_index].pos)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_move(self, delta: int) -> None:
        """``j``/``k``, as in the paper list (the arrow keys are the option list's own)."""
        options = self.query_one("#similar-list", OptionList)
        if options.display:
            (options.action_cursor_down if delta > 0 else options.action_cursor_up)()
