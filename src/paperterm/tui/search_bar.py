"""The one-line search bar at the top, and the error line under it.

The bar only reports what was typed (``Input.Changed``); ranking happens in the main screen's worker
thread so typing never waits for it. ``enter`` hands focus back to the list keeping the filter;
``escape`` clears the query and goes back; ``up``/``down`` move the list cursor without leaving.
Printable keys are always typed into the query -- single-letter commands do not fire here.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from paperterm.safe_text import visible
from paperterm.tui.keys import SEARCH_BINDINGS
from paperterm.tui.safe_input import SafeInput

PLACEHOLDER = 'Search: words, "phrases", -exclude, is:unread, year:>=2024 …  (press /)'


class SearchInput(SafeInput):
    """The query field."""

    BINDINGS = SEARCH_BINDINGS

    class Cleared(Message):
        """Escape: the query was cleared and the list should take focus."""

    class ListMove(Message):
        """Up/down pressed in the query: move the list cursor by ``delta``."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    def refresh(self, *regions, repaint: bool = True, layout: bool = False,
                recompose: bool = False):
        """Repaint, never re-layout: this field's size is fixed by the stylesheet (one line,
        ``1fr`` wide), whatever its text.

        Textual's ``Input`` sets its ``virtual_size`` (a reactive that asks for a layout) to the
        text's width on every change, which made each keystroke lay out and repaint the whole
        screen -- a third of the time from key to results at 100,000 papers. The field's own
        scrolling reads ``virtual_size`` directly and does not need the layout."""
        return super().refresh(*regions, repaint=repaint, layout=False, recompose=recompose)

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Cleared())

    def action_list_down(self) -> None:
        self.post_message(self.ListMove(1))

    def action_list_up(self) -> None:
        self.post_message(self.ListMove(-1))


class SearchBar(Vertical):
    """The query field with its prompt, and a line for query errors (hidden when there is none)."""

    _shown = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-row"):
            yield Static("/", id="search-prompt")
            yield SearchInput(placeholder=PLACEHOLDER, id="search-input", select_on_focus=False)
        yield Static("", id="search-error", markup=False)

    def show_error(self, message: str | None, *, note: bool = False) -> None:
        """Show ``message`` under the bar (a query error, or with ``note`` a notice such as
        "still indexing"), or hide the line when ``None``."""
        text = (f"… {message}" if note else f"⚠ {message}") if message else ""
        text = visible(text)  # it may quote a pasted query
        if text == self._shown:
            return  # nothing to redo on every keystroke
        self._shown = text
        self.query_one("#search-error", Static).update(text)
        self.set_class(bool(message), "-error")
        self.set_class(bool(message) and note, "-note")

    def clear_note(self) -> None:
        """Hide a notice (but not an error) once results have arrived."""
        if self.has_class("-note"):
            self.show_error(None)
