"""The tag dialog (``t``): add or remove tags on a paper, with completion from the tags in use.

One line of names (see ``tagging``): a name the paper does not have is added, one it has is
removed, ``+name`` only adds and ``-name`` only removes. The tags in use are offered as the
completion of the word being typed (shown dimmed after the cursor; ``tab`` or ``→`` takes it).
Nothing is written here: ``enter`` hands the parsed ``TagEdit`` back (the main screen applies it,
with undo), ``escape`` closes without a change. A line with a word that is not a tag name is not
handed back: the dialog stays open and says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Footer, Input, Static

from paperterm.tags import TagError
from paperterm.tui.keys import TAG_BINDINGS
from paperterm.tui.paper_list import clean
from paperterm.tui.safe_input import SafeInput
from paperterm.tui.tagging import TagEdit, complete, parse_tag_line

HINT = ("a name the paper has is removed, a new one added · +name adds · -name removes · "
        "tab completes · enter applies · escape cancels")
#: The hint on a small terminal, where every line counts.
SHORT_HINT = "name toggles · +adds · -removes · tab completes · esc cancels"


class TagSuggester(Suggester):
    """Completes the word being typed from the tags in use (``tagging.complete``)."""

    def __init__(self, names: Sequence[str], current: Sequence[str]) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.names = list(names)
        self.current = list(current)

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.names, self.current)


def tags_label(tags: Sequence[str]) -> str:
    """``#llm #to-read`` (how a paper's tags are shown everywhere in the reader)."""
    return " ".join(f"#{name}" for name in tags)


class TagDialog(ModalScreen[TagEdit | None]):
    """Dismissed with the ``TagEdit`` typed, or ``None`` when cancelled or left empty.

    ``heading`` names what is tagged (a paper's title), ``current`` are its tags, ``in_use`` every
    tag in the store, most used first (the completions)."""

    BINDINGS = TAG_BINDINGS

    def __init__(self, heading: str, current: Sequence[str], in_use: Sequence[str]) -> None:
        super().__init__()
        self.heading = heading
        self.current = tuple(current)
        self.in_use = list(in_use)

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog", classes="dialog"):
            yield Static(Text(clean(self.heading), style="bold"), id="tag-title")
            yield Static(Text("Tags: " + tags_label(self.current)) if self.current
                         else Text("No tags yet.", style="dim"), id="tag-current")
            yield SafeInput(placeholder="tag names, e.g. llm to-read", id="tag-input",
                            suggester=TagSuggester(self.in_use, self.current))
            yield Static("", id="tag-error", markup=False)
            yield Static(HINT, id="tag-hint", classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tag-input", Input).focus()

    def on_resize(self) -> None:
        # A small terminal: the whole width, a one-line input, a short hint, no margins.
        small = self.size.width < 70 or self.size.height < 20
        self.set_class(self.size.width < 70, "-narrow")
        self.set_class(self.size.height < 20, "-short")
        self.query_one("#tag-input", Input).compact = self.size.height < 20
        self.query_one("#tag-hint", Static).update(SHORT_HINT if small else HINT)

    def action_complete(self) -> None:
        """Take the completion shown after the cursor (what ``→`` does at the end of the line)."""
        field = self.query_one("#tag-input", Input)
        if field.cursor_at_end:
            field.action_cursor_right()  # at the end, this takes the completion if one is shown

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        text = self.query_one("#tag-input", Input).value
        try:
            edit = parse_tag_line(text)
        except TagError as exc:
            self.query_one("#tag-error", Static).update(Text(f"Not applied: {exc}",
                                                             style="bold red"))
            return
        self.dismiss(None if edit.is_empty else edit)

    def action_cancel(self) -> None:
        self.dismiss(None)
