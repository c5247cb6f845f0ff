"""The link menu (``B``): every link of the paper under the cursor, to pick the one to open.

``b`` opens the first link (the Hugging Face page when the arXiv id is known); this menu offers the
others: arXiv, PDF, code, project page and the URLs in the abstract, numbered. A digit or
``enter`` picks one (the main screen opens it, or copies it where there is no graphical browser);
``escape`` closes the menu. Labels and URLs are shown as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from paperterm.links import Link
from paperterm.tui.keys import LINK_BINDINGS
from paperterm.tui.paper_list import clean


class LinkMenu(ModalScreen[str | None]):
    """Dismissed with the URL picked, or ``None`` when closed."""

    BINDINGS = LINK_BINDINGS

    def __init__(self, title: str, links: Sequence[Link]) -> None:
        super().__init__()
        self.paper_title = title
        self.links = list(links)

    def compose(self) -> ComposeResult:
        width = max(len(link.label) for link in self.links)
        options = []
        for number, link in enumerate(self.links, start=1):
            prompt = Text(f"{number if number < 10 else ' '} ", style="dim")
            prompt.append(clean(link.label).ljust(width + 2), style="bold")
            prompt.append(clean(link.url))
            options.append(Option(prompt, id=str(number - 1)))
        with Vertical(id="link-dialog", classes="dialog"):
            yield Static(Text(clean(self.paper_title), style="bold"), id="link-title")
            yield OptionList(*options, id="link-options")
            yield Static("1-9 or enter open · escape close", classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[int(event.option.id)].url)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character in "123456789":
            index = int(event.character) - 1
            if index < len(self.links):
                event.stop()
                self.dismiss(self.links[index].url)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
