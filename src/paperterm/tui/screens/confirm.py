"""A yes/no question before a change to many papers (``A``: "Mark 1,234 papers read? y/n").

``y`` answers yes; ``n`` or ``escape`` no. Any other key is ignored, so a slip of the finger never
confirms. The question is plain text (it may name a search the user typed), never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from paperterm.safe_text import visible
from paperterm.tui.keys import CONFIRM_BINDINGS


class ConfirmDialog(ModalScreen[bool]):
    """Dismissed with ``True`` (y) or ``False`` (n, escape)."""

    BINDINGS = CONFIRM_BINDINGS

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Text(visible(f"{self.question} y/n"), style="bold"), id="confirm-question")
            if self.detail:
                yield Static(Text(visible(self.detail)), id="confirm-detail", classes="hint")
        yield Footer()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
