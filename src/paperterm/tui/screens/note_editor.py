"""The note editor: a modal text area for one paper's note.

Nothing is written while typing. Only ``ctrl+s`` hands the text back (the main screen saves it, with
undo); ``escape`` -- or quitting the app, or a crash -- leaves the stored note exactly as it was, so
a half-written note can never replace a finished one. Saving an empty note removes it. A note the
store would refuse (over ``MAX_NOTE_BYTES``, a NUL byte, a lone surrogate from a paste) is not
handed back: the editor stays open with the text, and says why.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from paperterm.limits import MAX_NOTE_BYTES
from paperterm.safe_text import visible_lines
from paperterm.state import check_text
from paperterm.tui.keys import NOTE_BINDINGS
from paperterm.tui.paper_list import clean
from paperterm.tui.safe_input import SafeTextArea


class NoteEditor(ModalScreen[str | None]):
    """Dismissed with the new note text (``""`` removes it), or ``None`` when cancelled."""

    BINDINGS = NOTE_BINDINGS

    def __init__(self, title: str, note: str | None) -> None:
        super().__init__()
        self.paper_title = title
        self.original = note or ""
        # A control character in the note (from a marker file, say) is edited as its picture
        # (``safe_text``): the text area would send it to the terminal raw. Saving unchanged
        # text keeps the note exactly as it was.
        self.shown = visible_lines(self.original)

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Static(Text(clean(self.paper_title), style="bold"), id="note-title")
            yield SafeTextArea(self.shown, id="note-text", soft_wrap=True, tab_behavior="focus")
            yield Static("ctrl+s save · escape cancel · an empty note removes it",
                         id="note-hint", classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        # ctrl+s is a priority binding, handled as it arrives; keys typed just before it in the
        # same burst (pasted, or over a slow link) may still wait in the text area's queue. Save
        # once they are in: a callback queued behind them.
        self.query_one("#note-text", TextArea).call_later(self._save_now)

    def _save_now(self) -> None:
        if not self.is_attached or self.app.screen is not self:
            return
        text = self.query_one("#note-text", TextArea).text
        if text == self.shown:
            self.dismiss(self.original)
            return
        problem = check_text(text, "the note", MAX_NOTE_BYTES) if text.strip() else None
        if problem:
            self.notify(f"Not saved: {problem}. Edit it and save again, or escape to cancel.",
                        severity="error", timeout=10)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
